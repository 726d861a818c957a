// tfjs in the bench page: tfjs-core + tfjs-backend-webgpu on navigator.gpu, tfjs-layers for the
// VGG16 regression model (bench/frameworks/tfjs-models.ts), the same workloads as
// bench/frameworks/tfjs.ts measures in Node.
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import '@tensorflow/tfjs-backend-webgpu';
import { vgg16Regression } from '../frameworks/tfjs-models.ts';
import { CONV_LAYERS, makeRow, timeIt, type Row, type Workload } from '../workloads.ts';
import type { PageRunner } from './bench-page.ts';

const framework = 'tfjs-webgpu (chromium)';

export async function setup(): Promise<PageRunner> {
  if (!(await tf.setBackend('webgpu'))) throw new Error('tfjs could not start its webgpu backend');
  await tf.ready();
  let peak = 0;
  const samplePeak = () => {
    const m = tf.memory() as { numBytesInGPUAllocated?: number; numBytes: number };
    peak = Math.max(peak, m.numBytesInGPUAllocated ?? m.numBytes);
  };
  const measure = async (w: Workload, step: () => Promise<void>): Promise<Row> => {
    peak = 0;
    const ms = await timeIt(async () => {
      await step();
      samplePeak();
    });
    return makeRow(w, framework, ms, peak || null);
  };

  async function run(w: Workload): Promise<Row | null> {
    if (w.kind === 'matmul') {
      const n = Number(w.name.split('-')[1]);
      const a = tf.randomNormal([n, n]);
      const b = tf.randomNormal([n, n]);
      try {
        return await measure(w, async () => {
          const c = tf.matMul(a, b);
          await c.data();
          c.dispose();
        });
      } finally {
        tf.dispose([a, b]);
      }
    }
    if (w.kind === 'conv') {
      const [, model, layer, pass] = w.name.match(/^conv-([^-]+)-(.+)-(fwd|dgrad|wgrad)$/)!;
      const [, , h, wd, ci, k, co, s, pad] = CONV_LAYERS.find((c) => c[0] === model && c[1] === layer)!;
      const x = tf.randomNormal([8, h, wd, ci]) as tf.Tensor4D;
      const f = tf.randomNormal([k, k, ci, co]) as tf.Tensor4D;
      const y = tf.conv2d(x, f, s, pad);
      const dy = tf.randomNormal(y.shape) as tf.Tensor4D;
      const op = (): tf.Tensor => {
        if (pass === 'fwd') return tf.conv2d(x, f, s, pad);
        if (pass === 'dgrad') return tf.engine().runKernel('Conv2DBackpropInput', { dy, filter: f }, { strides: s, pad, dataFormat: 'NHWC', inputShape: x.shape }) as tf.Tensor;
        return tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, { strides: s, pad, dataFormat: 'NHWC', filterShape: f.shape }) as tf.Tensor;
      };
      try {
        return await measure(w, async () => {
          const r = op();
          await r.data();
          r.dispose();
        });
      } finally {
        tf.dispose([x, f, y, dy]);
      }
    }
    const m = w.name.match(/^vgg16-(\d+)-(freeze15-step|forward)-b(\d+)$/);
    if (m) {
      const [size, batch, train] = [Number(m[1]), Number(m[3]), m[2] !== 'forward'];
      const model = vgg16Regression(tfl, size);
      model.layers.slice(0, 15).forEach((l) => (l.trainable = false));
      model.compile({ optimizer: tf.train.rmsprop(1e-4), loss: 'meanSquaredError' });
      const x = tf.randomUniform([batch, size, size, 3], -1, 1);
      const y = tf.randomNormal([batch, 1]);
      try {
        return await measure(w, async () => {
          if (train) await model.trainOnBatch(x, y);
          else {
            const p = model.predict(x) as tf.Tensor;
            await p.data();
            p.dispose();
          }
        });
      } finally {
        model.dispose();
        tf.dispose([x, y]);
      }
    }
    return null;
  }
  return { framework, run };
}
