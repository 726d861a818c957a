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
