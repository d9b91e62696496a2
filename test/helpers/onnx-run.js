// Runs an ONNX file in onnxruntime-node, in its own process (onnxruntime's tensors do not cross
// jest's module sandbox): node onnx-run.js model.onnx input.json output.json
// input.json: { data: number[], dims: number[] }; output.json: { data, dims, version }.
const fs = require('fs');
const ort = require('onnxruntime-node');

async function main() {
  const [modelFile, inputFile, outputFile] = process.argv.slice(2);
  const input = JSON.parse(fs.readFileSync(inputFile, 'utf8'));
  const session = await ort.InferenceSession.create(modelFile);
  const result = await session.run({ input: new ort.Tensor('float32', Float32Array.from(input.data), input.dims) });
  const output = result[session.outputNames[0]];
  fs.writeFileSync(
    outputFile,
    JSON.stringify({ data: Array.from(output.data), dims: output.dims, version: require('onnxruntime-node/package.json').version }),
  );
}
main().catch((e) => {
  console.error(e.message);
  process.exit(1);
});
