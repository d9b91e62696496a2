/**
 * `nodetorch serve-demo`: exports a saved MNIST model to ONNX and serves examples/mnist-web (draw a
 * digit, onnxruntime-web predicts it in the browser) on localhost.
 */
import * as fs from 'fs';
import * as http from 'http';
import * as path from 'path';
import { mnist } from '../data/mnist';
import { TorchError } from '../errors';
import { load } from '../nn/serialize';
import { toOnnx } from '../nn/onnx';
import { parseTorch7Args } from './options';

export const SERVE_DEMO_HELP = `Usage: nodetorch serve-demo -model FILE [-port 8080] [-host 127.0.0.1] [-data DIR]

Exports the model to ONNX and serves a page where you draw a digit and onnxruntime-web, in the
browser, shows the predicted digit and the ten probabilities. Stop it with Ctrl-C.
  -model  a model file written by training, e.g. results/model.net.1 (required)
  -port   the port to listen on (0: any free one) [8080]
  -host   the address to listen on [127.0.0.1]
  -data   folder with the MNIST IDX files, for the training set's mean and std (default: MNIST_DIR, cache, download)`;

export interface ServeDemoOptions {
  model: string;
  port: number;
  host: string;
  data?: string;
}

export function parseServeDemoOptions(argv: string[]): ServeDemoOptions {
  const parsed = parseTorch7Args(
    argv,
    { model: { type: 'string' }, port: { type: 'string' }, host: { type: 'string' }, data: { type: 'string' } },
    "Run 'nodetorch serve-demo -help' for the options.",
  );
  const values = parsed.values as { model?: string; port?: string; host?: string; data?: string };
  if (!values.model) throw new TorchError('-model FILE is required (a model.net.<epoch> written by training)');
  const port = Number(values.port ?? 8080);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new TorchError(`-port must be an integer from 0 to 65535; got '${values.port}'`);
  return { model: values.model, port, host: values.host ?? '127.0.0.1', ...(values.data ? { data: values.data } : {}) };
}

const TYPES: Record<string, string> = {
  '.html': 'text/html',
  '.js': 'text/javascript',
  '.mjs': 'text/javascript',
  '.wasm': 'application/wasm',
  '.json': 'application/json',
  '.onnx': 'application/octet-stream',
};

/**
 * onnxruntime-web's dist/ folder (the browser's script and WebAssembly), beside its entry for
 * Node. It is not a dependency (143 MB, for this demo only): the error says how to add it.
 */
function onnxruntimeWeb(): string {
  try {
    return path.dirname(require.resolve('onnxruntime-web'));
  } catch {
    throw new TorchError('serve-demo needs onnxruntime-web, which is not installed: npm install onnxruntime-web');
  }
}

/** This package's folder (from lib/cli when run by ts-jest, dist/lib/cli when built). */
function packageRoot(): string {
  let dir = __dirname;
  while (!fs.existsSync(path.join(dir, 'examples', 'mnist-web', 'index.html'))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new TorchError('serve-demo: the page (examples/mnist-web) is missing from this installation');
    dir = parent;
  }
  return dir;
}

/** Starts the server; resolves with it and its address once it listens. */
export async function serveDemo(opt: ServeDemoOptions): Promise<{ server: http.Server; url: string }> {
  const model = load(opt.model).evaluate();
  const onnx = toOnnx(model, { inputShape: [1, 32, 32] });
  const { mean, std } = await mnist({ dir: opt.data, size: 'small' });
  const meta = JSON.stringify({
    model: path.basename(opt.model),
    mean,
    std,
    pad: 2,
    classes: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
  });
  const page = path.join(packageRoot(), 'examples', 'mnist-web');
  const ort = onnxruntimeWeb();
  const files: Record<string, () => Buffer | string> = {
    '/': () => fs.readFileSync(path.join(page, 'index.html')),
    '/app.js': () => fs.readFileSync(path.join(page, 'app.js')),
    '/meta.json': () => meta,
    '/model.onnx': () => Buffer.from(onnx),
  };
  const server = http.createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://localhost').pathname;
    // onnxruntime-web's script and WebAssembly files, by their plain names only
    const ortFile = /^\/ort\/(ort[\w.-]*\.(js|mjs|wasm))$/.exec(url)?.[1];
    const body =
      files[url]?.() ?? (ortFile && fs.existsSync(path.join(ort, ortFile)) ? fs.readFileSync(path.join(ort, ortFile)) : undefined);
    if (body === undefined) {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    response.writeHead(200, { 'content-type': TYPES[path.extname(url)] ?? 'text/html', 'cache-control': 'no-store' }).end(body);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e) => reject(new TorchError(`serve-demo: cannot listen on ${opt.host}:${opt.port}: ${e.message}`)));
    server.listen(opt.port, opt.host, resolve);
  });
  const address = server.address() as { port: number };
  return { server, url: `http://${opt.host}:${address.port}/` };
}

export async function runServeDemo(opt: ServeDemoOptions): Promise<void> {
  const { server, url } = await serveDemo(opt);
  console.log(`==> serving the MNIST demo for ${opt.model} at ${url} (Ctrl-C stops it)`);
  await new Promise<void>((resolve) => {
    const stop = () => server.close(() => resolve());
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}
