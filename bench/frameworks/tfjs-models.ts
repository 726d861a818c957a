// The bench's models written with tfjs-layers, layer for layer as keras.applications builds
// them (VGG16, MobileNet v1), so that tfjs runs the same networks as our engine.
import type * as tfl from '@tensorflow/tfjs-layers';

type TfLayers = typeof tfl;

export function vgg16NoTop(tf: TfLayers, input: tfl.SymbolicTensor): tfl.SymbolicTensor {
  let x = input;
  const blocks = [[64, 2], [128, 2], [256, 3], [512, 3], [512, 3]];
  blocks.forEach(([filters, convs], b) => {
    for (let i = 1; i <= convs; i++) {
      x = tf.layers.conv2d({ filters, kernelSize: 3, padding: 'same', activation: 'relu', name: `block${b + 1}_conv${i}` }).apply(x) as tfl.SymbolicTensor;
    }
    x = tf.layers.maxPooling2d({ poolSize: 2, strides: 2, name: `block${b + 1}_pool` }).apply(x) as tfl.SymbolicTensor;
  });
  return x;
}

/** The VGG16 regression recipe: VGG16 notop + Flatten + Dense 256 relu + Dropout 0.5 + Dense 1. */
export function vgg16Regression(tf: TfLayers, size: number): tfl.LayersModel {
  const input = tf.input({ shape: [size, size, 3] });
  let x = vgg16NoTop(tf, input);
  x = tf.layers.flatten().apply(x) as tfl.SymbolicTensor;
  x = tf.layers.dense({ units: 256, activation: 'relu' }).apply(x) as tfl.SymbolicTensor;
  x = tf.layers.dropout({ rate: 0.5 }).apply(x) as tfl.SymbolicTensor;
  x = tf.layers.dense({ units: 1, activation: 'linear' }).apply(x) as tfl.SymbolicTensor;
  return tf.model({ inputs: input, outputs: x });
}

/** Keras MobileNet v1 (alpha, no top) + GlobalAveragePooling2D + Dense(classes, softmax). */
export function mobilenetHead(tf: TfLayers, alpha: number, size: number, classes: number): tfl.LayersModel {
  const input = tf.input({ shape: [size, size, 3] });
  const f = (c: number) => Math.floor(c * alpha);
  let x = tf.layers.zeroPadding2d({ padding: [[0, 1], [0, 1]] }).apply(input) as tfl.SymbolicTensor;
  x = tf.layers.conv2d({ filters: f(32), kernelSize: 3, strides: 2, padding: 'valid', useBias: false }).apply(x) as tfl.SymbolicTensor;
  x = tf.layers.batchNormalization({ axis: -1 }).apply(x) as tfl.SymbolicTensor;
  x = tf.layers.reLU({ maxValue: 6 }).apply(x) as tfl.SymbolicTensor;
  const blocks: [number, number][] = [[64, 1], [128, 2], [128, 1], [256, 2], [256, 1], [512, 2], [512, 1], [512, 1], [512, 1], [512, 1], [512, 1], [1024, 2], [1024, 1]];
  for (const [filters, stride] of blocks) {
    if (stride === 2) x = tf.layers.zeroPadding2d({ padding: [[0, 1], [0, 1]] }).apply(x) as tfl.SymbolicTensor;
    x = tf.layers.depthwiseConv2d({ kernelSize: 3, strides: stride, padding: stride === 1 ? 'same' : 'valid', useBias: false }).apply(x) as tfl.SymbolicTensor;
    x = tf.layers.batchNormalization({ axis: -1 }).apply(x) as tfl.SymbolicTensor;
    x = tf.layers.reLU({ maxValue: 6 }).apply(x) as tfl.SymbolicTensor;
    x = tf.layers.conv2d({ filters: f(filters), kernelSize: 1, padding: 'same', useBias: false }).apply(x) as tfl.SymbolicTensor;
    x = tf.layers.batchNormalization({ axis: -1 }).apply(x) as tfl.SymbolicTensor;
    x = tf.layers.reLU({ maxValue: 6 }).apply(x) as tfl.SymbolicTensor;
  }
  const backboneEnd = x;
  x = tf.layers.globalAveragePooling2d({}).apply(backboneEnd) as tfl.SymbolicTensor;
  x = tf.layers.dense({ units: classes, activation: 'softmax' }).apply(x) as tfl.SymbolicTensor;
  return tf.model({ inputs: input, outputs: x });
}

/**
 * Keras InceptionV3 (no top) with keras.applications 2.2.4's automatic names (conv2d_N,
 * batch_normalization_N, activation_N, mixedN), so that `layers[:N]` freezes
 * the same layers as in Keras and in our zoo.
 */
export function inceptionV3NoTop(tf: TfLayers, input: tfl.SymbolicTensor): tfl.SymbolicTensor {
  const count = new Map<string, number>();
  const name = (base: string) => {
    const n = (count.get(base) ?? 0) + 1;
    count.set(base, n);
    return `${base}_${n}`;
  };
  const apply = (l: tfl.layers.Layer, x: tfl.SymbolicTensor | tfl.SymbolicTensor[]) => l.apply(x) as tfl.SymbolicTensor;
  // Keras has scale=False; tfjs-layers 4.22's BatchNormalization fails in training without a
  // gamma (it reads this.gamma), so tfjs gets a gamma of ones: one more multiply per channel.
  const cb = (x: tfl.SymbolicTensor, filters: number, rows: number, cols: number, padding: 'same' | 'valid' = 'same', strides = 1) => {
    x = apply(tf.layers.conv2d({ filters, kernelSize: [rows, cols], strides, padding, useBias: false, name: name('conv2d') }), x);
    x = apply(tf.layers.batchNormalization({ axis: 3, scale: true, epsilon: 1e-3, momentum: 0.99, name: name('batch_normalization') }), x);
    return apply(tf.layers.activation({ activation: 'relu', name: name('activation') }), x);
  };
  const maxPool = (x: tfl.SymbolicTensor) => apply(tf.layers.maxPooling2d({ poolSize: 3, strides: 2, padding: 'valid', name: name('max_pooling2d') }), x);
  const avgPool = (x: tfl.SymbolicTensor) => apply(tf.layers.averagePooling2d({ poolSize: 3, strides: 1, padding: 'same', name: name('average_pooling2d') }), x);
  const concat = (xs: tfl.SymbolicTensor[], n?: string) => apply(tf.layers.concatenate({ axis: -1, name: n ?? name('concatenate') }), xs);
  let x = cb(input, 32, 3, 3, 'valid', 2);
  x = cb(x, 32, 3, 3, 'valid');
  x = cb(x, 64, 3, 3);
  x = maxPool(x);
  x = cb(x, 80, 1, 1, 'valid');
  x = cb(x, 192, 3, 3, 'valid');
  x = maxPool(x);
  for (const [i, poolF] of [[0, 32], [1, 64], [2, 64]]) {
    const b1 = cb(x, 64, 1, 1);
    const b5 = cb(cb(x, 48, 1, 1), 64, 5, 5);
    const bd = cb(cb(cb(x, 64, 1, 1), 96, 3, 3), 96, 3, 3);
    const bp = cb(avgPool(x), poolF, 1, 1);
    x = concat([b1, b5, bd, bp], `mixed${i}`);
  }
  {
    const b3 = cb(x, 384, 3, 3, 'valid', 2);
    const bd = cb(cb(cb(x, 64, 1, 1), 96, 3, 3), 96, 3, 3, 'valid', 2);
    const bp = maxPool(x);
    x = concat([b3, bd, bp], 'mixed3');
  }
  for (const [i, f] of [[4, 128], [5, 160], [6, 160], [7, 192]]) {
    const b1 = cb(x, 192, 1, 1);
    const b7 = cb(cb(cb(x, f, 1, 1), f, 1, 7), 192, 7, 1);
    const bd = cb(cb(cb(cb(cb(x, f, 1, 1), f, 7, 1), f, 1, 7), f, 7, 1), 192, 1, 7);
    const bp = cb(avgPool(x), 192, 1, 1);
    x = concat([b1, b7, bd, bp], `mixed${i}`);
  }
  {
    const b3 = cb(cb(x, 192, 1, 1), 320, 3, 3, 'valid', 2);
    const b7 = cb(cb(cb(cb(x, 192, 1, 1), 192, 1, 7), 192, 7, 1), 192, 3, 3, 'valid', 2);
    const bp = maxPool(x);
    x = concat([b3, b7, bp], 'mixed8');
  }
  for (let i = 0; i < 2; i++) {
    const b1 = cb(x, 320, 1, 1);
    const b3a = cb(x, 384, 1, 1);
    const b3 = concat([cb(b3a, 384, 1, 3), cb(b3a, 384, 3, 1)], `mixed9_${i}`);
    const bda = cb(cb(x, 448, 1, 1), 384, 3, 3);
    const bd = concat([cb(bda, 384, 1, 3), cb(bda, 384, 3, 1)]);
    const bp = cb(avgPool(x), 192, 1, 1);
    x = concat([b1, b3, bd, bp], `mixed${9 + i}`);
  }
  return x;
}

/** The digits recipe at size x size x 3: InceptionV3 notop + GAP + Dense 1024 relu + Dropout 0.5 + Dense 10 softmax. */
export function inceptionDigits(tf: TfLayers, size: number, classes = 10): { model: tfl.LayersModel; baseLayers: number } {
  const input = tf.input({ shape: [size, size, 3], name: 'input_1' });
  let x = inceptionV3NoTop(tf, input);
  const base = tf.model({ inputs: input, outputs: x });
  const baseLayers = base.layers.length;
  x = tf.layers.globalAveragePooling2d({ name: 'global_average_pooling2d' }).apply(x) as tfl.SymbolicTensor;
  x = tf.layers.dense({ units: 1024, activation: 'relu', name: 'dense' }).apply(x) as tfl.SymbolicTensor;
  x = tf.layers.dropout({ rate: 0.5, name: 'dropout' }).apply(x) as tfl.SymbolicTensor;
  x = tf.layers.dense({ units: classes, activation: 'softmax', name: 'dense_1' }).apply(x) as tfl.SymbolicTensor;
  return { model: tf.model({ inputs: input, outputs: x }), baseLayers };
}
