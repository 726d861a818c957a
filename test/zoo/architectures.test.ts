// Zoo architectures vs keras.applications 2.2.4: parameter counts (Keras's model.summary()
// numbers, held here), layer counts, names and order. Built shape-only: no GPU memory.
import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { buildZoo, ZOO, ZOO_IDS, imagenetWeightFile } from '../../src/zoo/index.ts';
import { makeDivisible } from '../../src/zoo/mobilenet-v2.ts';
import type { Model } from '../../src/graph/model.ts';

const count = (m: Model) => ({
  total: m.countParams(),
  trainable: m.trainableWeights.reduce((s, v) => s + v.size, 0),
  nonTrainable: m.nonTrainableWeights.reduce((s, v) => s + v.size, 0),
});

// [id, options, layers, total, trainable, non-trainable, output shape]
const KERAS: [string, object, number, number, number, number, number[]][] = [
  ['vgg16', {}, 23, 138_357_544, 138_357_544, 0, [1000]],
  ['vgg16', { includeTop: false }, 19, 14_714_688, 14_714_688, 0, [7, 7, 512]],
  ['vgg19', {}, 26, 143_667_240, 143_667_240, 0, [1000]],
  ['vgg19', { includeTop: false }, 22, 20_024_384, 20_024_384, 0, [7, 7, 512]],
  ['inception_v3', {}, 313, 23_851_784, 23_817_352, 34_432, [1000]],
  ['inception_v3', { includeTop: false }, 311, 21_802_784, 21_768_352, 34_432, [8, 8, 2048]],
  ['resnet50', {}, 177, 25_636_712, 25_583_592, 53_120, [1000]],
  ['resnet50', { includeTop: false }, 175, 23_587_712, 23_534_592, 53_120, [7, 7, 2048]],
  ['mobilenet', {}, 93, 4_253_864, 4_231_976, 21_888, [1000]],
  ['mobilenet', { alpha: 0.25 }, 93, 475_544, 470_072, 5_472, [1000]],
  ['mobilenet', { includeTop: false }, 87, 3_228_864, 3_206_976, 21_888, [7, 7, 1024]],
  ['mobilenet_v2', {}, 157, 3_538_984, 3_504_872, 34_112, [1000]],
  ['mobilenet_v2', { includeTop: false }, 155, 2_257_984, 2_223_872, 34_112, [7, 7, 1280]],
];

describe('zoo architectures match keras.applications 2.2.4', () => {
  for (const [id, opts, layers, total, trainable, nonTrainable, out] of KERAS) {
    it(`${id} ${JSON.stringify(opts)}: ${layers} layers, ${total} parameters`, () => {
      const m = buildZoo(id, { ...opts, shapeOnly: true });
      expect(m.layers.length).toBe(layers);
      expect(count(m)).toEqual({ total, trainable, nonTrainable });
      expect([...m.outputShape]).toEqual(out);
      expect(m.layers[0].name).toBe('input_1');
    });
  }

  it('VGG16 names and shapes', () => {
    const m = buildZoo('vgg16', { shapeOnly: true });
    expect(m.name).toBe('vgg16');
    expect(m.layers.map((l) => l.name)).toEqual([
      'input_1', 'block1_conv1', 'block1_conv2', 'block1_pool', 'block2_conv1', 'block2_conv2', 'block2_pool',
      'block3_conv1', 'block3_conv2', 'block3_conv3', 'block3_pool', 'block4_conv1', 'block4_conv2', 'block4_conv3', 'block4_pool',
      'block5_conv1', 'block5_conv2', 'block5_conv3', 'block5_pool', 'flatten', 'fc1', 'fc2', 'predictions',
    ]);
    expect(m.getLayer('fc1').weights.map((w) => [w.name, [...w.shape]])).toEqual([['fc1/kernel:0', [25088, 4096]], ['fc1/bias:0', [4096]]]);
    expect(m.getLayer('block1_conv1').weights[0].shape).toEqual([3, 3, 3, 64]);
  });

  it('InceptionV3 order: layers[64] and the named blocks', () => {
    const m = buildZoo('inception_v3', { shapeOnly: true });
    expect(m.layers[64].name).toBe('conv2d_23');
    expect(m.layers[40].name).toBe('mixed0');
    expect(m.layers.slice(0, 4).map((l) => l.name)).toEqual(['input_1', 'conv2d_1', 'batch_normalization_1', 'activation_1']);
    expect(m.layers.slice(-2).map((l) => l.name)).toEqual(['avg_pool', 'predictions']);
    expect(m.getLayer('mixed10').outputShapes[0]).toEqual([8, 8, 2048]);
    expect(m.getLayer('batch_normalization_1').weights.map((w) => w.name)).toEqual([
      'batch_normalization_1/beta:0', 'batch_normalization_1/moving_mean:0', 'batch_normalization_1/moving_variance:0',
    ]);
    expect(m.layers.filter((l) => l.className === 'Conv2D').length).toBe(94);
    expect(m.layers.filter((l) => l.className === 'Concatenate').length).toBe(15);
  });

  it('ResNet50 names', () => {
    const m = buildZoo('resnet50', { shapeOnly: true });
    expect(m.layers.slice(0, 8).map((l) => l.name)).toEqual(['input_1', 'conv1_pad', 'conv1', 'bn_conv1', 'activation_1', 'pool1_pad', 'max_pooling2d_1', 'res2a_branch2a']);
    expect(m.getLayer(ZOO.resnet50.lastBackboneLayer).outputShapes[0]).toEqual([7, 7, 2048]);
    expect(m.layers.slice(-2).map((l) => l.name)).toEqual(['avg_pool', 'fc1000']);
    expect(m.getLayer('res2a_branch1').weights[0].shape).toEqual([1, 1, 64, 256]);
  });

  it('MobileNet names (Keras 2.2.4: conv1_pad, conv_pad_N)', () => {
    const m = buildZoo('mobilenet', { alpha: 0.25, shapeOnly: true });
    expect(m.name).toBe('mobilenet_0.25_224');
    const names = m.layers.map((l) => l.name);
    expect(names.slice(0, 11)).toEqual(['input_1', 'conv1_pad', 'conv1', 'conv1_bn', 'conv1_relu', 'conv_dw_1', 'conv_dw_1_bn', 'conv_dw_1_relu', 'conv_pw_1', 'conv_pw_1_bn', 'conv_pw_1_relu']);
    expect(names.filter((n) => /^conv_pad_/.test(n))).toEqual(['conv_pad_2', 'conv_pad_4', 'conv_pad_6', 'conv_pad_12']);
    expect(names.slice(-6)).toEqual(['global_average_pooling2d_1', 'reshape_1', 'dropout', 'conv_preds', 'act_softmax', 'reshape_2']);
    expect(m.getLayer('conv_dw_1').weights[0].shape).toEqual([3, 3, 8, 1]);
    expect(m.getLayer('conv_pw_13').weights[0].shape).toEqual([1, 1, 256, 256]);
    const dm = buildZoo('mobilenet', { alpha: 0.5, depthMultiplier: 2, includeTop: false, shapeOnly: true, inputShape: [128, 128, 3] });
    expect(dm.getLayer('conv_dw_1').weights[0].shape).toEqual([3, 3, 16, 2]);
    expect([...dm.outputShape]).toEqual([4, 4, 512]);
  });

  it('MobileNetV2 names and widths', () => {
    const m = buildZoo('mobilenet_v2', { shapeOnly: true });
    expect(m.name).toBe('mobilenetv2_1.00_224');
    const names = m.layers.map((l) => l.name);
    expect(names.slice(-4)).toEqual(['Conv_1_bn', 'out_relu', 'global_average_pooling2d_1', 'Logits']);
    expect(names.filter((n) => n.endsWith('_add')).length).toBe(10);
    expect(makeDivisible(32 * 0.35, 8)).toBe(16);
    expect(makeDivisible(1280 * 1.4, 8)).toBe(1792);
    const narrow = buildZoo('mobilenet_v2', { alpha: 0.35, includeTop: false, shapeOnly: true });
    expect(narrow.getLayer('Conv1').weights[0].shape).toEqual([3, 3, 3, 16]);
    expect(narrow.getLayer('block_16_project').weights[0].shape).toEqual([1, 1, 336, 112]);
  });

  it('pooling and classes options', () => {
    expect([...buildZoo('resnet50', { includeTop: false, pooling: 'avg', shapeOnly: true }).outputShape]).toEqual([2048]);
    const mx = buildZoo('vgg16', { includeTop: false, pooling: 'max', shapeOnly: true, inputShape: [64, 80, 3] });
    expect([...mx.outputShape]).toEqual([512]);
    expect(mx.layers.at(-1)!.className).toBe('GlobalMaxPooling2D');
    expect(buildZoo('inception_v3', { classes: 10, shapeOnly: true }).countParams()).toBe(21_802_784 + 2048 * 10 + 10);
  });

  it('refuses bad options with clear messages', () => {
    // As Keras with weights=None: the top at another size is allowed (fc1 follows the size).
    expect(buildZoo('vgg16', { inputShape: [128, 96, 3], shapeOnly: true }).getLayer('fc1').weights[0].shape).toEqual([4 * 3 * 512, 4096]);
    expect(() => buildZoo('inception_v3', { includeTop: false, inputShape: [64, 64, 3], shapeOnly: true })).toThrow(/at least 75/);
    expect(() => buildZoo('resnet50', { includeTop: false, inputShape: [64, 64, 1], shapeOnly: true })).toThrow(/3 channels/);
    expect(() => buildZoo('vgg16', { includeTop: false, pooling: 'sum' as 'avg', shapeOnly: true })).toThrow(/pooling/);
    expect(() => buildZoo('alexnet')).toThrow(/unknown zoo model 'alexnet'.*vgg16/);
  });

  it('ids and weight files as keras.applications names them', () => {
    expect(ZOO_IDS).toEqual(expect.arrayContaining(['vgg16', 'vgg19', 'resnet50', 'inception_v3', 'mobilenet', 'mobilenet_v2']));
    expect(imagenetWeightFile('vgg16', { includeTop: false })).toEqual({
      fileName: 'vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5',
      url: 'https://github.com/fchollet/deep-learning-models/releases/download/v0.1/vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5',
      hash: '6d6bbae143d832006294945121d1f1fc',
    });
    expect(imagenetWeightFile('inception_v3').hash).toBe('9a0d58056eeedaa3f26cb7ebd46da564');
    expect(imagenetWeightFile('resnet50', { includeTop: false }).fileName).toBe('resnet50_weights_tf_dim_ordering_tf_kernels_notop.h5');
    expect(imagenetWeightFile('mobilenet', { alpha: 0.25, inputShape: [128, 128, 3], includeTop: false }).fileName).toBe('mobilenet_2_5_128_tf_no_top.h5');
    expect(imagenetWeightFile('mobilenet_v2', { alpha: 0.35 }).url).toBe(
      'https://github.com/JonathanCMitchell/mobilenet_v2_keras/releases/download/v1.1/mobilenet_v2_weights_tf_dim_ordering_tf_kernels_0.35_224.h5',
    );
    expect(imagenetWeightFile('mobilenet_v2').fileName).toBe('mobilenet_v2_weights_tf_dim_ordering_tf_kernels_1.0_224.h5');
    expect(() => imagenetWeightFile('mobilenet', { alpha: 0.3 })).toThrow(/alpha/);
  });
});

// Layer lists Keras 2.2.4 wrote (model.json of tfjs conversions): the backbones must match them.
const FIX = '../shared/fixtures/tfjs';
const kerasLayers = (dir: string): { name: string; class_name: string }[] => {
  const j = JSON.parse(readFileSync(`${FIX}/${dir}/model.json`, 'utf8'));
  return (j.modelTopology.model_config ?? j.modelTopology).config.layers;
};

describe.skipIf(!existsSync(FIX))('zoo layer order vs Keras-written model.json files (needs ../shared/fixtures/tfjs)', () => {
  it('InceptionV3 backbone = the first 311 layers of nsfwjs_inception_v3 (Keras 2.2.4)', () => {
    const ref = kerasLayers('nsfwjs_inception_v3').slice(0, 311);
    const m = buildZoo('inception_v3', { includeTop: false, shapeOnly: true });
    expect(m.layers.map((l) => [l.name, l.className])).toEqual(ref.map((l) => [l.name, l.class_name]));
  });
  it('MobileNetV2 backbone = the first 155 layers of nsfwjs_mobilenet_v2 (Keras 2.2.4)', () => {
    const ref = kerasLayers('nsfwjs_mobilenet_v2').slice(0, 155);
    const m = buildZoo('mobilenet_v2', { includeTop: false, shapeOnly: true });
    expect(m.layers.map((l) => [l.name, l.className])).toEqual(ref.map((l) => [l.name, l.class_name]));
  });
  it('MobileNet 0.25 = mobilenet_v1_0.25_224 (Keras 2.1.4) plus the 2.2.4 padding layers', () => {
    const ref = kerasLayers('mobilenet_v1_0.25_224').map((l) => l.name);
    const m = buildZoo('mobilenet', { alpha: 0.25, shapeOnly: true });
    expect(m.layers.map((l) => l.name).filter((n) => !/_pad/.test(n))).toEqual(ref);
  });
});
