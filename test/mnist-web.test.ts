/// <reference lib="dom" />
// The MNIST demo page in a real browser: Debian's Chromium, driven by playwright-core, loads the
// page `nodetorch serve-demo` serves, runs the exported model with onnxruntime-web, and shows the
// same digit nodetorch predicts for MNIST test images put on its canvas; a stroke drawn with the
// mouse gets a prediction and ten probabilities. A screenshot is saved (UPDATE_SCREENSHOTS=1:
// docs/mnist-web.png, which docs/interop.md shows).
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { chromium, Browser } from 'playwright-core';
import { Trainer, data, manualSeed, models, nn, noGrad } from '../lib';
import { serveDemo } from '../lib/cli/serve-demo';
import { MNIST_DIR, withTool } from './helpers/common';

const CHROMIUM = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'].find(
  (p): p is string => Boolean(p) && fs.existsSync(p!),
);
if (!CHROMIUM) console.warn('mnist-web: SKIPPED: no Chromium here (apt-get install chromium, or set CHROMIUM_PATH); CI installs it');
const describeWithBrowser = withTool('Chromium', CHROMIUM).describe;

describeWithBrowser('the MNIST demo page in Chromium', () => {
  let dir: string;
  let browser: Browser;
  let stop: () => Promise<void>;
  let url: string;
  let mnist: data.MnistData;
  let model: nn.Sequential;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nodetorch-web-'));
    mnist = await data.mnist({ dir: MNIST_DIR, size: 'small' });
    manualSeed(1);
    model = models.mnistModel('linear').float();
    const trainer = new Trainer({
      model,
      criterion: new nn.ClassNLLCriterion(),
      batchSize: 10,
      optimizer: { method: 'sgd', config: { learningRate: 0.05 } },
    });
    await trainer.trainEpoch(mnist.train);
    nn.save(path.join(dir, 'model.net.1'), model);
    const served = await serveDemo({ model: path.join(dir, 'model.net.1'), port: 0, host: '127.0.0.1', data: MNIST_DIR });
    url = served.url;
    stop = () => new Promise((resolve) => served.server.close(() => resolve()));
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
  });
  afterAll(async () => {
    await browser?.close();
    await stop?.();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('shows the digit nodetorch predicts for MNIST test images, and predicts what is drawn with the mouse', async () => {
    const page = await browser.newPage({ viewport: { width: 900, height: 600 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(url);
    await page.waitForFunction(() => document.body.dataset.ready === 'true' || document.body.dataset.error !== undefined);
    expect(await page.evaluate(() => document.body.dataset.error ?? null)).toBeNull();

    // nodetorch's predictions for the first test images (the padded, normalised 32×32 inputs)
    const raw = data.readIdxImages(path.join(MNIST_DIR, 't10k-images-idx3-ubyte.gz'), 10000);
    const count = 20;
    model.evaluate();
    const ours = noGrad(
      () =>
        model
          .forward(mnist.test.inputs.slice(0, 0, count))
          .argmax(1)
          .toArray() as number[],
    );
    const shown: number[] = [];
    for (let k = 0; k < count; k++) {
      const pixels = Array.from(raw.pixels.subarray(k * 784, (k + 1) * 784));
      // the 28×28 image painted as 10×10 blocks: what a digit filling the pad looks like
      shown.push(
        await page.evaluate(async (values) => {
          const demo = (window as unknown as { nodetorchDemo: { context: CanvasRenderingContext2D; predict: () => Promise<void> } })
            .nodetorchDemo;
          values.forEach((v, i) => {
            demo.context.fillStyle = `rgb(${v},${v},${v})`;
            demo.context.fillRect((i % 28) * 10, Math.floor(i / 28) * 10, 10, 10);
          });
          await demo.predict();
          return Number(document.body.dataset.prediction);
        }, pixels),
      );
    }
    console.log(
      `mnist-web: page ${shown.join('')} / nodetorch ${ours.join('')} / labels ${(mnist.test.targets.slice(0, 0, count).toArray() as number[]).join('')}`,
    );
    expect(shown).toEqual(ours);
    fs.writeFileSync(path.join(dir, 'digit.png'), await page.screenshot());

    // a "1" drawn with the mouse: a prediction appears with ten probabilities summing to 100%
    await page.click('#clear');
    const before = Number(await page.evaluate(() => document.body.dataset.predictions));
    const box = (await page.locator('#pad').boundingBox())!;
    await page.mouse.move(box.x + 140, box.y + 50);
    await page.mouse.down();
    for (let y = 50; y <= 230; y += 10) await page.mouse.move(box.x + 140 + (y - 50) / 30, box.y + y);
    await page.mouse.up();
    await page.waitForFunction((n) => Number(document.body.dataset.predictions) > n, before);
    const percentages = await page.$$eval('.bar span:last-child', (cells) => cells.map((c) => parseFloat(c.textContent ?? '')));
    expect(percentages).toHaveLength(10);
    expect(percentages.reduce((a, b) => a + b, 0)).toBeCloseTo(100, 0);
    const digit = await page.textContent('#digit');
    console.log(`mnist-web: a vertical stroke drawn with the mouse reads as ${digit}`);
    expect(digit).toMatch(/^[0-9]$/);
    const screenshot = await page.screenshot();
    fs.writeFileSync(path.join(dir, 'stroke.png'), screenshot);
    if (process.env.UPDATE_SCREENSHOTS === '1') fs.writeFileSync(path.join(__dirname, '..', 'docs', 'mnist-web.png'), screenshot);
    expect(errors).toEqual([]);
  });
});
