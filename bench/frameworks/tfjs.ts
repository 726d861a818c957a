// TensorFlow.js runner: `--backend webgpu` runs tfjs-backend-webgpu on the same Dawn adapter our
// engine picks (through a navigator.gpu shim); `--backend wasm` runs tfjs-backend-wasm.
import { findNodeAdapter } from '../../src/node/dawn.ts';
import { CONV_LAYERS, findWorkload, makeRow, timeIt, type Workload } from '../workloads.ts';
import { argValue, emit, skipped, workloadArgs } from './protocol.ts';
import { inceptionDigits, mobilenetHead, vgg16Regression } from './tfjs-models.ts';

const backend = argValue('--backend', 'webgpu');
const framework = `tfjs-${backend}`;

if (backend === 'webgpu') {
  const { adapter } = await findNodeAdapter();
  (globalThis as { navigator?: unknown }).navigator = {
    userAgent: 'node',
    gpu: { requestAdapter: async () => adapter, getPreferredCanvasFormat: () => 'rgba8unorm', wgslLanguageFeatures: new Set() },
  };
}
const tf = await import('@tensorflow/tfjs-core');
const tfl = await import('@tensorflow/tfjs-layers');
if (backend === 'webgpu') await import('@tensorflow/tfjs-backend-webgpu');
else {
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  const { createRequire } = await import('node:module');
  const dir = createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm').replace(/[^/]*$/, '');
  wasm.setWasmPaths(dir);
}
await tf.setBackend(backend);
await tf.ready();

let peak = 0;
const samplePeak = () => {
  const m = tf.memory() as { numBytesInGPUAllocated?: number; numBytes: number };
  peak = Math.max(peak, m.numBytesInGPUAllocated ?? m.numBytes);
};

async function measure(w: Workload, step: () => Promise<void>): Promise<void> {
  peak = 0;
  const ms = await timeIt(async () => {
    await step();
    samplePeak();
  });
  emit(makeRow(w, framework, ms, peak || null));
}

async function matmul(w: Workload, n: number) {
  const a = tf.randomNormal([n, n]);
  const b = tf.randomNormal([n, n]);
  await measure(w, async () => {
    const c = tf.matMul(a, b);
    await c.data();
    c.dispose();
  });
  tf.dispose([a, b]);
}

async function conv(w: Workload) {
  const [, model, layer, pass] = w.name.match(/^conv-([^-]+)-(.+)-(fwd|dgrad|wgrad)$/)!;
  const spec = CONV_LAYERS.find((c) => c[0] === model && c[1] === layer)!;
  const [, , h, wd, ci, k, co, s, pad] = spec;
  const x = tf.randomNormal([8, h, wd, ci]) as import('@tensorflow/tfjs-core').Tensor4D;
  const f = tf.randomNormal([k, k, ci, co]) as import('@tensorflow/tfjs-core').Tensor4D;
  const y = tf.conv2d(x, f, s, pad);
  const dy = tf.randomNormal(y.shape) as import('@tensorflow/tfjs-core').Tensor4D;
  const run = () => {
    if (pass === 'fwd') return tf.conv2d(x, f, s, pad);
    if (pass === 'dgrad') {
      return tf.engine().runKernel('Conv2DBackpropInput', { dy, filter: f }, { strides: s, pad, dataFormat: 'NHWC', inputShape: x.shape }) as import('@tensorflow/tfjs-core').Tensor;
    }
    return tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, { strides: s, pad, dataFormat: 'NHWC', filterShape: f.shape }) as import('@tensorflow/tfjs-core').Tensor;
  };
  await measure(w, async () => {
    const r = run();
    await r.data();
    r.dispose();
  });
  tf.dispose([x, f, y, dy]);
}

async function vgg(w: Workload, size: number, batch: number, train: boolean) {
  const model = vgg16Regression(tfl, size);
  model.layers.slice(0, 15).forEach((l) => (l.trainable = false));
  model.compile({ optimizer: tf.train.rmsprop(1e-4), loss: 'meanSquaredError' });
  const x = tf.randomUniform([batch, size, size, 3], -1, 1);
  const y = tf.randomNormal([batch, 1]);
  await measure(w, async () => {
    if (train) {
      await model.trainOnBatch(x, y);
    } else {
      const p = model.predict(x) as import('@tensorflow/tfjs-core').Tensor;
      await p.data();
      p.dispose();
    }
  });
  model.dispose();
  tf.dispose([x, y]);
}

async function mobilenet(w: Workload) {
  const model = mobilenetHead(tfl, 0.25, 224, 10);
  model.layers.slice(0, -1).forEach((l) => (l.trainable = false));
  model.compile({ optimizer: tf.train.adam(1e-3), loss: 'categoricalCrossentropy' });
  const x = tf.randomUniform([8, 224, 224, 3], -1, 1);
  const y = tf.oneHot(tf.tensor1d([0, 1, 2, 3, 4, 5, 6, 7], 'int32'), 10);
  await measure(w, async () => {
    await model.trainOnBatch(x, y);
  });
  model.dispose();
  tf.dispose([x, y]);
}

/** The digits recipe at 84x84x3, base layers[:64] frozen (Keras order, the same names as ours), Adam, CE. */
async function inception(w: Workload) {
  const { model } = inceptionDigits(tfl, 84, 10);
  model.layers.slice(0, 64).forEach((l) => (l.trainable = false));
  model.compile({ optimizer: tf.train.adam(1e-3), loss: 'categoricalCrossentropy' });
  const x = tf.randomUniform([8, 84, 84, 3], -1, 1);
  const y = tf.oneHot(tf.tensor1d([0, 1, 2, 3, 4, 5, 6, 7], 'int32'), 10);
  await measure(w, async () => {
    await model.trainOnBatch(x, y);
  });
  model.dispose();
  tf.dispose([x, y]);
}

for (const name of workloadArgs()) {
  const w = findWorkload(name);
  try {
    if (w.skip?.includes(framework)) emit(skipped(name, framework, 'not applicable'));
    else if (w.kind === 'matmul') await matmul(w, Number(name.split('-')[1]));
    else if (w.kind === 'conv') await conv(w);
    else if (name.startsWith('vgg16-')) {
      const m = name.match(/^vgg16-(\d+)-(freeze15-step|forward)-b(\d+)$/)!;
      await vgg(w, Number(m[1]), Number(m[3]), m[2] !== 'forward');
    } else if (name === 'mobilenet-v1-0.25-224-head-step-b8') await mobilenet(w);
    else if (name === 'inceptionv3-84-freeze64-step-b8') await inception(w);
    else emit(skipped(name, framework, 'not implemented for tfjs in the bench yet'));
  } catch (e) {
    emit(skipped(name, framework, `failed: ${(e as Error).message.split('\n')[0]}`));
  }
}
process.exit(0);
