// Our engine in the bench page: the same workloads as bench/frameworks/ours.ts, on the device
// initBrowser() takes from navigator.gpu (static kernel heuristics: no tuning store in the page).
import { initBrowser } from '../../src/browser.ts';
import { Tensor } from '../../src/graph/tensor.ts';
import { tidy } from '../../src/graph/scope.ts';
import { noGrad } from '../../src/graph/tape.ts';
import { setSeed } from '../../src/graph/initializers.ts';
import type { Model } from '../../src/graph/model.ts';
import { matmul } from '../../src/kernels/matmul.ts';
import { conv2dDgrad, conv2dForward, conv2dGeometry, conv2dWgrad } from '../../src/kernels/conv2d.ts';
import { VGG16 } from '../../src/zoo/index.ts';
import { freeze } from '../../src/train/freeze.ts';
import { addHead } from '../../src/train/head.ts';
import { arrayData, compile } from '../../src/train/fit.ts';
import { RMSprop } from '../../src/train/optimizers/index.ts';
import { getLoss } from '../../src/train/losses.ts';
import { CONV_LAYERS, makeRow, timeIt, type Row, type Workload } from '../workloads.ts';
import type { PageRunner } from './bench-page.ts';

const framework = 'webgpu-finetune (chromium)';

export async function setup(): Promise<PageRunner> {
  const device = await initBrowser();
  const stats = device.pool.stats;
  const randomData = (n: number) => {
    const d = new Float32Array(n);
    for (let i = 0; i < n; i++) d[i] = Math.random() * 2 - 1;
    return d;
  };
  const randomTensor = (shape: number[]) => Tensor.from(randomData(shape.reduce((a, b) => a * b, 1)), shape);
  const peakNote = () => `peak ${(stats.peakBytes / 2 ** 20).toFixed(1)} MB = ${(stats.peakBytes / Math.max(1, stats.peakLiveBytes)).toFixed(2)}x live tensors (${(stats.peakLiveBytes / 2 ** 20).toFixed(1)} MB)`;
  const measure = async (w: Workload, step: () => Promise<void>): Promise<Row> => {
    const ms = await timeIt(step);
    return makeRow(w, framework, ms, stats.peakBytes, peakNote());
  };

  const vggRegression = (size: number): Model => {
    const base = VGG16({ includeTop: false, inputShape: [size, size, 3] });
    freeze(base, 15);
    return addHead(base, 'flatten,dense:256:relu,dropout:0.5,dense:1:linear', 'vgg16_regression').model;
  };

  async function run(w: Workload): Promise<Row | null> {
    setSeed(0);
    device.trim();
    stats.peakBytes = stats.totalBytes;
    stats.peakLiveBytes = stats.liveBytes;
    if (w.kind === 'matmul') {
      const n = Number(w.name.split('-')[1]);
      const a = randomTensor([n, n]);
      const b = randomTensor([n, n]);
      try {
        return await measure(w, async () => {
          const c = matmul(a, b);
          await device.sync();
          c.dispose();
        });
      } finally {
        a.dispose();
        b.dispose();
      }
    }
    if (w.kind === 'conv') {
      const [, model, layer, pass] = w.name.match(/^conv-([^-]+)-(.+)-(fwd|dgrad|wgrad)$/)!;
      const spec = CONV_LAYERS.find((c) => c[0] === model && c[1] === layer)!;
      const [, , h, wd, ci, k, co, s, padding] = spec;
      const x = randomTensor([8, h, wd, ci]);
      const f = randomTensor([k, k, ci, co]);
      const g = conv2dGeometry('conv2d', x.shape, f, { strides: s, padding });
      const dy = randomTensor([g.N, g.OH, g.OW, g.O]);
      const op = pass === 'fwd' ? () => conv2dForward(x, f, g) : pass === 'dgrad' ? () => conv2dDgrad(dy, f, g) : () => conv2dWgrad(x, dy, g);
      try {
        return await measure(w, async () => {
          const r = op();
          await device.sync();
          r.dispose();
        });
      } finally {
        for (const t of [x, f, dy]) t.dispose();
      }
    }
    const m = w.name.match(/^vgg16-(\d+)-(freeze15-step|forward)-b(\d+)$/);
    if (m) {
      const [size, batch, train] = [Number(m[1]), Number(m[3]), m[2] !== 'forward'];
      const model = vggRegression(size);
      try {
        if (train) {
          const trainer = compile(model, { optimizer: new RMSprop({ learningRate: 1e-4 }), loss: getLoss('mean_squared_error') });
          const data = arrayData(randomData(batch * size * size * 3), [batch, size, size, 3], randomData(batch), [batch, 1]);
          const row = await measure(w, async () => {
            await trainer.fit(data, { epochs: 1, batchSize: batch, shuffle: false, cache: false });
          });
          trainer.optimizer.dispose();
          return row;
        }
        const x = randomTensor([batch, size, size, 3]);
        try {
          return await measure(w, async () => {
            const y = noGrad(() => tidy(() => model.call([x], { training: false })));
            await device.sync();
            y.dispose();
          });
        } finally {
          x.dispose();
        }
      } finally {
        model.dispose();
      }
    }
    return null;
  }
  return { framework, run };
}
