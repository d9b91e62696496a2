/**
 * `nodetorch export`: a saved model (model.net.<epoch>) as an ONNX file or a PyTorch state dict.
 */
import { TorchError } from '../errors';
import { load } from '../nn/serialize';
import { exportOnnx, ONNX_OPSET } from '../nn/onnx';
import { saveStateDict } from '../nn/statedict';
import { parseTorch7Args } from './options';

export const EXPORT_HELP = `Usage: nodetorch export -model FILE -output FILE [-inputShape 1,32,32]

Writes a saved model for use elsewhere, by the output's extension:
  .onnx   ONNX (opset ${ONNX_OPSET}, float32, batch dimension N) for onnxruntime, onnxruntime-web, …
  .pt     a PyTorch state dict: torchModel.load_state_dict(torch.load(FILE)) in Python
  -model       a model file written by training, e.g. results/model.net.1 (required)
  -output      the file to write (required)
  -inputShape  one sample's shape, for ONNX [1,32,32: MNIST]`;

export interface ExportOptions {
  model: string;
  output: string;
  inputShape: number[];
}

export function parseExportOptions(argv: string[]): ExportOptions {
  const parsed = parseTorch7Args(
    argv,
    { model: { type: 'string' }, output: { type: 'string' }, inputShape: { type: 'string' } },
    "Run 'nodetorch export -help' for the options.",
  );
  const values = parsed.values as { model?: string; output?: string; inputShape?: string };
  if (!values.model) throw new TorchError('-model FILE is required (a model.net.<epoch> written by training)');
  if (!values.output || !/\.(onnx|pt)$/.test(values.output))
    throw new TorchError('-output FILE is required, ending in .onnx (ONNX) or .pt (PyTorch state dict)');
  const shape = (values.inputShape ?? '1,32,32').split(',').map(Number);
  if (shape.some((d) => !Number.isInteger(d) || d < 1))
    throw new TorchError(`-inputShape must be positive integers separated by commas, e.g. 1,32,32; got '${values.inputShape}'`);
  return { model: values.model, output: values.output, inputShape: shape };
}

export function runExport(opt: ExportOptions): void {
  const model = load(opt.model);
  if (opt.output.endsWith('.onnx')) exportOnnx(model, opt.output, { inputShape: opt.inputShape });
  else saveStateDict(model, opt.output);
  console.log(`==> wrote ${opt.output} from ${opt.model}`);
}
