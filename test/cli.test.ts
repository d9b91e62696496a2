import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { cuda, data, nn, noGrad } from '../lib';
import { CHILD_TIMEOUT_MS, MNIST_DIR } from './helpers/common';

const root = path.resolve(__dirname, '..');
const bin = path.join(root, JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')).bin.nodetorch);

function cli(...args: string[]) {
  return spawnSync(process.execPath, [bin, ...args], { timeout: CHILD_TIMEOUT_MS, encoding: 'utf8', env: { ...process.env, MNIST_DIR } });
}

describe('nodetorch mnist (doall.lua from Node)', () => {
  const save = fs.mkdtempSync(path.join(os.tmpdir(), 'nodetorch-cli-'));
  let run: ReturnType<typeof cli>;
  beforeAll(() => {
    run = cli(
      'mnist',
      '-size',
      'small',
      '-epochs',
      '1',
      '-type',
      'float',
      '-learningRate',
      '0.1',
      '--batchSize',
      '10',
      '-save',
      save,
      '-plot',
    );
  });

  test('trains the default convnet (L2 pooling + subtractive normalisation) one epoch on size small to ≥ 95%, printing Torch7-style output', () => {
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const out = run.stdout;
    expect(out).toContain('==> 310,346 trainable parameters');
    expect(out).toContain('==> memory format: channels-last'); // -type float on the CPU: the Trainer's 'auto'
    expect(out).toMatch(/==> time to learn 1 sample = [\d.]+ms/);
    expect(out).toMatch(/==> time to test 1 sample = [\d.]+ms/);
    expect(out.match(/ConfusionMatrix:/g)).toHaveLength(2);
    expect(out).toContain('[class: 0]');
    const accuracy = Number(/test accuracy ([\d.]+)%/.exec(out)![1]);
    expect(out).toContain('nn.SpatialLPPooling(64, 2, 2, 2, 2, 2)');
    expect(out).toContain('nn.SpatialSubtractiveNormalization(64, [0.2301, 0.5205, 0.8494, 1, 0.8494, 0.5205, 0.2301])');
    console.log(`CLI -size small -epochs 1 -type float -learningRate 0.1 -batchSize 10: test accuracy ${accuracy}%`);
    expect(accuracy).toBeGreaterThanOrEqual(95);
  });

  test('writes train.log and test.log in Torch7 Logger format and model.net.1, which reloads to the same accuracy', async () => {
    const testLog = fs.readFileSync(path.join(save, 'test.log'), 'utf8').split('\n');
    expect(testLog[0]).toBe('% mean class accuracy (test set)\t');
    expect(testLog[1]).toMatch(/^ \d\.\d{4}e\+01\t$/);
    expect(fs.readFileSync(path.join(save, 'train.log'), 'utf8')).toMatch(/^% mean class accuracy \(train set\)\t\n [\d.]{6}e\+01\t\n$/);
    const logged = Number(testLog[1].trim());
    const model = nn.load(path.join(save, 'model.net.1'));
    expect(model.dtype).toBe('float32');
    const mnist = await data.mnist({ dir: MNIST_DIR, size: 'small' });
    model.evaluate();
    const predicted = noGrad(() => model.forward(mnist.test.inputs).argmax(1));
    const correct = predicted.eq(mnist.test.targets).to('int64').sum().item() as number;
    expect((100 * correct) / 1000).toBeCloseTo(logged, 2);
  });

  for (const [name, args, layer] of [
    ['-loss mse (Tanh output, ±1 targets)', ['-loss', 'mse', '-learningRate', '0.05'], 'MSECriterion'],
    ['-loss margin', ['-loss', 'margin'], 'MultiMarginCriterion'],
    ['-dropout 0.5 -extraConv', ['-dropout', '0.5', '-extraConv'], 'nn.Dropout(0.5)'],
    ['-optimization ADAM', ['-optimization', 'ADAM', '-learningRate', '0.001'], '==> optimizer: ADAM'],
    ['-ema 0.99 (the weight average tested and saved)', ['-ema', '0.99'], '==> weight average: decay 0.99'],
    [
      '-optimization SGD -switchAt 1 -switchTo LBFGS (2 epochs)',
      ['-learningRate', '0.02', '-batchSize', '32', '-epochs', '2', '-switchAt', '1', '-switchTo', 'LBFGS'],
      'switching to LBFGS after epoch 1',
    ],
  ] as const) {
    test(`${name} trains above 90% on size small`, () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nodetorch-cli-'));
      const r = cli(
        'mnist',
        '-size',
        'small',
        '-epochs',
        '1',
        '-type',
        'float',
        '-batchSize',
        '10',
        '-learningRate',
        '0.1',
        ...args,
        '-save',
        dir,
        '-quiet',
      );
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      expect(r.stdout).toContain(layer);
      const accuracy = Number(/test accuracy ([\d.]+)%/.exec(r.stdout)![1]);
      console.log(`CLI ${name}: test accuracy ${accuracy}%`);
      expect(accuracy).toBeGreaterThan(90);
    });
  }

  test('-gradClip and -tensorboard: training clips and writes an event file', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nodetorch-cli-'));
    const board = path.join(dir, 'board');
    const r = cli(
      'mnist',
      '-size',
      'small',
      '-epochs',
      '1',
      '-type',
      'float',
      '-model',
      'linear',
      '-batchSize',
      '50',
      '-learningRate',
      '0.2',
      '-gradClip',
      '1',
      '-gradClipValue',
      '0.5',
      '-tensorboard',
      board,
      '-save',
      dir,
      '-quiet',
    );
    expect(r.stderr).toBe('');
    expect(Number(/test accuracy ([\d.]+)%/.exec(r.stdout)![1])).toBeGreaterThan(80);
    const events = fs.readdirSync(board).filter((f) => f.startsWith('events.out.tfevents.'));
    expect(events).toHaveLength(1);
    expect(fs.statSync(path.join(board, events[0])).size).toBeGreaterThan(1000);
    expect(cli('mnist', '-gradClip', '-1').stderr).toMatch(/gradClip/);
  });

  test('-lrSchedule step:stepSize=1,gamma=0.5 halves the rate every epoch, and the epoch lines say so', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nodetorch-cli-'));
    const r = cli(
      'mnist',
      '-size',
      'small',
      '-epochs',
      '2',
      '-type',
      'float',
      '-model',
      'linear',
      '-batchSize',
      '50',
      '-learningRate',
      '0.2',
      '-lrSchedule',
      'step:stepSize=1,gamma=0.5',
      '-save',
      dir,
      '-quiet',
    );
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain('==> learning-rate schedule: {"kind":"step","stepSize":1,"gamma":0.5,"per":"epoch"}');
    expect(r.stdout).toContain('==> epoch # 1 [batchSize = 50, learningRate = 0.2000]');
    expect(r.stdout).toContain('==> epoch # 2 [batchSize = 50, learningRate = 0.1000]');
  });

  test('nodetorch predict writes result.lua-style predictions.csv from the saved model and prints its accuracy', () => {
    const output = path.join(save, 'predictions.csv');
    const r = cli('predict', '-model', path.join(save, 'model.net.1'), '-output', output);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    // progress while it runs (plain lines when stdout is not a terminal)
    expect(r.stdout).toContain('  predict: 1000/10000 (10%)');
    expect(r.stdout).toContain('  predict: 10000/10000 (100%)');
    const rows = fs.readFileSync(output, 'utf8').trim().split('\n');
    expect(rows[0]).toBe('Id,Prediction');
    expect(rows).toHaveLength(10001);
    const predictions = rows.slice(1).map((row, i) => {
      const [id, p] = row.split(',').map(Number);
      expect(id).toBe(i + 1);
      expect(p).toBeGreaterThanOrEqual(1);
      expect(p).toBeLessThanOrEqual(10);
      return p;
    });
    const printed = Number(/total accuracy is ([\d.]+)/.exec(r.stdout)![1]);
    expect(printed).toBeGreaterThan(0.95);
    // the printed accuracy is the CSV's agreement with the real test labels (label = digit + 1)
    return data.mnist({ dir: MNIST_DIR, size: 'full' }).then((mnist) => {
      const labels = mnist.test.targets.toArray() as number[];
      const agree = predictions.filter((p, i) => p === labels[i] + 1).length / 10000;
      expect(agree).toBeCloseTo(printed, 12);
    });
  });

  test('-plot wrote accuracy.svg/.png; nodetorch plot overlays several runs', () => {
    const png = fs.readFileSync(path.join(save, 'accuracy.png'));
    expect(png.subarray(1, 4).toString()).toBe('PNG');
    expect(png.readUInt32BE(16)).toBeGreaterThan(500); // width in pixels
    const svg = fs.readFileSync(path.join(save, 'accuracy.svg'), 'utf8');
    expect(svg).toMatch(/^<svg/);
    // one colour per run, dashed train and solid test curves named in the legend, and a note for one epoch
    expect(svg).toContain('>mnist</text>');
    expect(svg).toContain('>train</text>');
    expect(svg).toContain('>test</text>');
    expect(svg).toContain('one epoch per run: points, no lines');
    const other = fs.mkdtempSync(path.join(os.tmpdir(), 'nodetorch-run-'));
    fs.writeFileSync(path.join(other, 'test.log'), '% mean class accuracy (test set)\t\n 9.8820e+01\t\n 9.9130e+01\t\n');
    const out = path.join(other, 'overlay');
    const r = cli('plot', save, other, '-output', out, '-title', 'two runs');
    expect(r.stderr).toBe('');
    const overlay = fs.readFileSync(`${out}.svg`, 'utf8');
    expect(overlay).toContain(`>${path.basename(other)}</text>`);
    expect(overlay).toContain(`>${path.basename(save)}</text>`);
    expect(overlay).not.toContain('one epoch per run'); // the other run has two epochs
    expect(overlay).toContain('two runs');
    expect(fs.readFileSync(`${out}.png`).subarray(1, 4).toString()).toBe('PNG');
    const long = 'rotation σ 0.2, batch 1, 60 epochs, seed 1 (the headline run)';
    const labelled = cli('plot', save, other, '-output', out, '-label', long, '-label', 'σ 0');
    expect(labelled.stderr).toBe('');
    expect(fs.readFileSync(`${out}.svg`, 'utf8')).toContain(`>${long}</text>`); // legends never cut labels
    expect(cli('plot', save, other, '-label', 'one').stderr).toMatch(/plot got 1 -label for 2 folders; give one per folder/);
    expect(cli('plot').stderr).toMatch(/plot needs at least one results folder/);
    expect(cli('plot', '/nonexistent').stderr).toMatch(/No train.log or test.log in '\/nonexistent'/);
  });

  test('-resume continues a run exactly: 1 epoch + resume 1 epoch = 2 epochs straight', () => {
    const fast = ['-size', 'small', '-type', 'float', '-model', 'mlp', '-batchSize', '50', '-learningRate', '0.05', '-quiet'];
    const straight = fs.mkdtempSync(path.join(os.tmpdir(), 'nodetorch-straight-'));
    const split = fs.mkdtempSync(path.join(os.tmpdir(), 'nodetorch-split-'));
    expect(cli('mnist', ...fast, '-epochs', '2', '-save', straight).status).toBe(0);
    expect(cli('mnist', ...fast, '-epochs', '1', '-save', split).status).toBe(0);
    const resumed = cli('mnist', ...fast, '-epochs', '1', '-save', split, '-resume', path.join(split, 'checkpoint'));
    expect(resumed.stderr).toBe('');
    expect(resumed.stdout).toContain('resumed from');
    // -epochs counts the epochs this command trains
    expect(resumed.stdout).toContain('==> training (1 epoch, epoch 2), results in');
    expect(resumed.stdout).toContain('==> epoch 2:');
    for (const log of ['train.log', 'test.log']) {
      const rows = fs.readFileSync(path.join(split, log), 'utf8');
      expect(rows.trim().split('\n')).toHaveLength(3);
      expect(rows).toBe(fs.readFileSync(path.join(straight, log), 'utf8'));
    }
    expect(fs.existsSync(path.join(split, 'model.net.2'))).toBe(true);
    const wrong = cli(
      'mnist',
      '-size',
      'small',
      '-type',
      'float',
      '-model',
      'linear',
      '-epochs',
      '1',
      '-save',
      split,
      '-resume',
      path.join(split, 'checkpoint'),
    );
    expect(wrong.stderr).toMatch(/holds a different model structure/);
  });

  test('bad options are clear errors with exit code 2', () => {
    const cases: [string[], RegExp][] = [
      [['mnist', '-learningRate', 'fast'], /Invalid value 'fast' for -learningRate; expected a number >= 0/],
      [['mnist', '-batchSize', '0'], /Invalid value '0' for -batchSize; expected an integer >= 1/],
      [['mnist', '-batchSize', '2.5'], /expected an integer/],
      [['mnist', '-model', 'resnet'], /Invalid value 'resnet' for -model; expected one of linear, mlp, convnet/],
      [['mnist', '-optimiser', 'SGD'], /Unknown option '-optimiser'/],
      [
        ['mnist', '-learningRate'],
        /^nodetorch: Option '-learningRate <value>' argument missing\. Run 'nodetorch mnist -help' for the options\.$/m,
      ],
      [['mnist', '-loss', 'hinge'], /Invalid value 'hinge' for -loss; expected one of nll, mse, margin/],
      [['mnist', '-dropout', '1'], /Invalid value '1' for -dropout; expected a probability in \[0, 1\)/],
      [['mnist', '-ema', '1'], /Invalid value '1' for -ema; expected a decay in \[0, 1\) \(0 = off\)/],
      [['mnist', '-model', 'mlp', '-extraConv'], /-extraConv needs -model convnet/],
      [
        ['mnist', '-optimization', 'Adam'],
        /Invalid value 'Adam' for -optimization; expected one of SGD, ASGD, CG, LBFGS, ADAGRAD, ADADELTA, ADAM, ADAMAX, ADAMW, RMSPROP, RPROP, NAG/,
      ],
      [['mnist', '-optimization', 'NAG'], /-optimization NAG needs -momentum > 0 \(Torch7's nag refuses 0\), e.g. -momentum 0.9/],
      [
        ['mnist', '-lrSchedule', 'cosine:total=0'],
        /-lrSchedule 'cosine:total=0': Expected an integer >= 1 for schedule total but received 0/,
      ],
      [['mnist', '-lrSchedule', 'step:stepSize'], /-lrSchedule: expected key=value, got 'stepSize' in 'step:stepSize'/],
      [['mnist', '-switchAt', '3'], /-switchAt N and -switchTo METHOD go together/],
      [['mnist', '-maxIter', '0'], /Invalid value '0' for -maxIter; expected an integer >= 1/],
      [['mnist', '-size', 'small', '-data', '/nonexistent'], /MNIST files not found in '\/nonexistent'/],
      [['train'], /unknown command 'train'/],
      [['predict'], /-model FILE is required/],
      [['predict', '-model', '/nonexistent.net'], /no such file '\/nonexistent.net'/],
      [['mnist', '-rotate', '-1'], /^nodetorch: Invalid value '-1' for -rotate; expected a number >= 0$/m],
    ];
    // where a GPU is visible '-type cuda' is no error (it would train: cuda.test.ts covers it)
    if (!cuda.isAvailable()) cases.push([['mnist', '-type', 'cuda'], /-type cuda: CUDA is not available/]);
    for (const [args, message] of cases) {
      const r = cli(...args);
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(message);
    }
  });

  test('every subcommand explains itself with -help, --help or -h', () => {
    for (const [command, line] of [
      ['mnist', '-learningRate'],
      ['predict', 'Usage: nodetorch predict -model FILE'],
      ['plot', 'Usage: nodetorch plot DIR…'],
    ]) {
      for (const flag of ['-help', '--help', '-h']) {
        const r = cli(command, flag);
        expect(r.status).toBe(0);
        expect(r.stderr).toBe('');
        expect(r.stdout).toContain(line);
      }
    }
    expect(cli('predict', '-model').stderr).toMatch(/Run 'nodetorch predict -help' for the options\./);
  });

  test('-help lists the doall.lua options with Torch7 defaults', () => {
    const r = cli('mnist', '-help');
    expect(r.status).toBe(0);
    for (const line of [
      '-seed',
      '-learningRate   learning rate at t=0 (RPROP: the initial step; ADADELTA has none) [1e-3]',
      '-optimization   optimization method: SGD | ASGD | CG | LBFGS | ADAGRAD | ADADELTA | ADAM | ADAMAX | ADAMW | RMSPROP | RPROP | NAG [SGD]',
      '-batchSize',
      '-type           type: double | float | cuda [double]',
      '-epochs',
    ]) {
      expect(r.stdout).toContain(line);
    }
  });
});

describe("Torch7's model files in the CLI: -saveFormat torch7, and predict, export and -resume of a Torch7 model.net", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nodetorch-cli-t7-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('the per-epoch models are Torch7 files that nn.load, predict, export and -resume take', () => {
    const r = cli(
      'mnist',
      '-size',
      'small',
      '-epochs',
      '1',
      '-type',
      'float',
      '-model',
      'linear',
      '-batchSize',
      '50',
      '-learningRate',
      '0.2',
      '-saveFormat',
      'torch7',
      '-save',
      dir,
      '-quiet',
    );
    expect(r.stderr).toBe('');
    const accuracy = Number(/test accuracy ([\d.]+)%/.exec(r.stdout)![1]);
    const modelFile = path.join(dir, 'model.net.1');
    // Torch7's binary format: an nn.Sequential object (type tag 4, then its class after "V 1")
    const bytes = fs.readFileSync(modelFile);
    expect(bytes.readInt32LE(0)).toBe(4);
    expect(bytes.includes(Buffer.from('nn.Sequential'))).toBe(true);
    expect(nn.load<nn.Sequential>(modelFile).modules.map((m) => m.type)).toEqual(['Reshape', 'Linear', 'LogSoftMax']);

    const predicted = cli('predict', '-model', modelFile, '-output', path.join(dir, 'predictions.csv'));
    expect(predicted.stderr).toBe('');
    expect(Number(/total accuracy is ([\d.]+)/.exec(predicted.stdout)![1])).toBeGreaterThan(0.8);
    const exported = cli('export', '-model', modelFile, '-output', path.join(dir, 'model.onnx'));
    expect(exported.stderr).toBe('');
    expect(fs.statSync(path.join(dir, 'model.onnx')).size).toBeGreaterThan(40000);

    const resumed = cli(
      'mnist',
      '-size',
      'small',
      '-epochs',
      '1',
      '-type',
      'float',
      '-batchSize',
      '50',
      '-learningRate',
      '0.2',
      '-resume',
      modelFile,
      '-save',
      path.join(dir, 'again'),
      '-quiet',
    );
    expect(resumed.stderr).toBe('');
    expect(resumed.stdout).toContain(`==> model from the Torch7 file ${modelFile}`);
    expect(Number(/test accuracy ([\d.]+)%/.exec(resumed.stdout)![1])).toBeGreaterThanOrEqual(accuracy - 1);
  });
});
