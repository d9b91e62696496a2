// The page: draw on a 280×280 canvas (white on black, as MNIST), turn it into the model's input
// exactly as training did (28×28 by averaging 10×10 blocks, zero-padded to 32×32, scaled by the
// training images' mean and std from meta.json), run the exported ONNX model with
// onnxruntime-web, show the digit and the ten probabilities.
'use strict';
const pad = document.getElementById('pad');
const context = pad.getContext('2d', { willReadFrequently: true });
const bars = document.getElementById('bars');
const status = document.getElementById('status');
let session = null;
let meta = null;

function clear() {
  context.fillStyle = '#000';
  context.fillRect(0, 0, pad.width, pad.height);
  document.getElementById('digit').textContent = '–';
  show(new Array(10).fill(0));
}

/** The canvas as the model's input: 1×1×32×32 float32, normalised like the training set. */
function input() {
  const pixels = context.getImageData(0, 0, 280, 280).data;
  const side = 32;
  const data = new Float32Array(side * side).fill((0 - meta.mean) / meta.std);
  for (let y = 0; y < 28; y++) {
    for (let x = 0; x < 28; x++) {
      let sum = 0;
      for (let dy = 0; dy < 10; dy++) for (let dx = 0; dx < 10; dx++) sum += pixels[((y * 10 + dy) * 280 + x * 10 + dx) * 4];
      data[(y + meta.pad) * side + x + meta.pad] = (sum / 100 - meta.mean) / meta.std;
    }
  }
  return new ort.Tensor('float32', data, [1, 1, side, side]);
}

function show(probabilities) {
  const best = probabilities.indexOf(Math.max(...probabilities));
  bars.innerHTML = probabilities
    .map((p, k) => `<div class="bar${k === best && p > 0 ? ' best' : ''}" data-class="${meta ? meta.classes[k] : k}"><span>${meta ? meta.classes[k] : k}</span><span><i style="width:${(100 * p).toFixed(1)}%"></i></span><span>${(100 * p).toFixed(1)}%</span></div>`)
    .join('');
}

async function predict() {
  if (!session) return;
  const result = await session.run({ input: input() });
  const scores = Array.from(result.output.data);
  // the model ends in LogSoftMax: probabilities are exp(scores), renormalised against rounding
  const exps = scores.map((s) => Math.exp(s - Math.max(...scores)));
  const total = exps.reduce((a, b) => a + b, 0);
  const probabilities = exps.map((e) => e / total);
  const best = probabilities.indexOf(Math.max(...probabilities));
  document.getElementById('digit').textContent = meta.classes[best];
  document.body.dataset.prediction = String(best);
  document.body.dataset.predictions = String(Number(document.body.dataset.predictions || 0) + 1);
  show(probabilities);
}

let drawing = false;
function stroke(event) {
  const r = pad.getBoundingClientRect();
  const [x, y] = [event.clientX - r.left, event.clientY - r.top];
  context.lineTo(x, y);
  context.stroke();
}
pad.addEventListener('pointerdown', (event) => {
  drawing = true;
  pad.setPointerCapture(event.pointerId);
  context.strokeStyle = '#fff';
  context.lineWidth = 22;
  context.lineCap = context.lineJoin = 'round';
  context.beginPath();
  const r = pad.getBoundingClientRect();
  context.moveTo(event.clientX - r.left, event.clientY - r.top);
  stroke(event);
});
pad.addEventListener('pointermove', (event) => drawing && stroke(event));
pad.addEventListener('pointerup', () => {
  drawing = false;
  predict();
});
document.getElementById('clear').addEventListener('click', clear);
// lets a test (or a console) put an image on the pad and predict it
window.nodetorchDemo = { predict, clear, context };

(async () => {
  meta = await (await fetch('meta.json')).json();
  clear();
  ort.env.wasm.wasmPaths = new URL('ort/', location.href).href;
  ort.env.wasm.numThreads = 1;
  session = await ort.InferenceSession.create('model.onnx');
  status.textContent = `model loaded (${meta.model}); draw a digit filling the box`;
  document.body.dataset.ready = 'true';
})().catch((e) => {
  status.textContent = `could not load the model: ${e.message}`;
  document.body.dataset.error = e.message;
});
