#!/usr/bin/env node
/**
 * The nodetorch command line.
 */
import { TorchError } from '../errors';
import { runMnist } from './mnist';
import { isLaunch, launch } from './launch';
import { mnistHelp, parseMnistOptions } from './options';
import { PREDICT_HELP, parsePredictOptions, runPredict } from './predict';
import { PLOT_HELP, runPlot } from './plot';
import { EXPORT_HELP, parseExportOptions, runExport } from './export';
import { SERVE_DEMO_HELP, parseServeDemoOptions, runServeDemo } from './serve-demo';

const USAGE = `Usage: nodetorch <command> [options]

Commands:
  mnist     train the Torch7 MNIST study (doall.lua); 'nodetorch mnist -help' lists its options
  plot      overlay the accuracy curves of results folders (train.log/test.log) as SVG and PNG:
            nodetorch plot results-a results-b [-output figure] [-title TEXT] [-label A -label B]
  predict   write predictions.csv for the MNIST test set from a saved model (result.lua):
            nodetorch predict -model results/model.net.1 [-output predictions.csv] [-data DIR]
  export    write a saved model as ONNX (.onnx) or a PyTorch state dict (.pt):
            nodetorch export -model results/model.net.1 -output model.onnx
  serve-demo  serve a page to draw digits that the model, exported to ONNX, reads in the browser:
            nodetorch serve-demo -model results/model.net.1 [-port 8080]

Examples:
  nodetorch mnist -size small -epochs 1 -type float
  nodetorch mnist -learningRate 0.01 -batchSize 10 -epochs 5`;

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === '-h' || command === '--help' || command === 'help') {
    console.log(USAGE);
    return command ? 0 : 2;
  }
  const help = new Map([
    ['mnist', mnistHelp],
    ['predict', () => PREDICT_HELP],
    ['plot', () => PLOT_HELP],
    ['export', () => EXPORT_HELP],
    ['serve-demo', () => SERVE_DEMO_HELP],
  ]).get(command);
  if (help && rest.some((a) => a === '-h' || a === '-help' || a === '--help')) {
    console.log(help());
    return 0;
  }
  if (command === 'predict' || command === 'plot' || command === 'export' || command === 'serve-demo') {
    try {
      if (command === 'predict') await runPredict(parsePredictOptions(rest));
      else if (command === 'export') runExport(parseExportOptions(rest));
      else if (command === 'serve-demo') await runServeDemo(parseServeDemoOptions(rest));
      else await runPlot(rest);
      return 0;
    } catch (e) {
      if (e instanceof TorchError) {
        console.error(`nodetorch: ${e.message}`);
        return 2;
      }
      throw e;
    }
  }
  if (command !== 'mnist') {
    console.error(`nodetorch: unknown command '${command}'\n\n${USAGE}`);
    return 2;
  }
  const controller = new AbortController();
  const onSignal = () => {
    console.error('\nnodetorch: interrupted; stopping after the current minibatch');
    controller.abort();
  };
  try {
    const options = parseMnistOptions(rest);
    if (isLaunch(options)) return await launch(options, rest);
    process.once('SIGINT', onSignal);
    await runMnist(options, controller.signal);
    return 0;
  } catch (e) {
    if (e instanceof TorchError) {
      console.error(`nodetorch: ${e.message}`);
      return e.code === 'ABORTED' ? 130 : 2;
    }
    throw e;
  } finally {
    process.removeListener('SIGINT', onSignal);
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => (process.exitCode = code),
    (e) => {
      console.error(e);
      process.exitCode = 1;
    },
  );
}
