import { beforeAll, describe, expect, it } from 'vitest';
import { testDevice } from '../helpers/gpu.ts';
import { Input, Model } from '../../src/graph/model.ts';
import { LAYER_CLASSES } from '../../src/graph/layers/registry.ts';
import { setSeed } from '../../src/graph/initializers.ts';
import { addHead, headToken } from '../../src/train/head.ts';
import { applyLrMult, freeze, unfreezeFrom } from '../../src/train/freeze.ts';
import { SGD } from '../../src/train/optimizers/sgd.ts';

function backbone(): Model {
  setSeed(3);
  const L = (c: string, cfg: Record<string, unknown>) => LAYER_CLASSES[c]({ trainable: true, ...cfg });
  const conv = (name: string) => L('Conv2D', { name, filters: 3, kernel_size: [3, 3], strides: [1, 1], padding: 'same', data_format: 'channels_last', dilation_rate: [1, 1], activation: 'relu', use_bias: true });
  const x = Input([8, 8, 2], 'input_1');
  const y = conv('block2_conv').apply(conv('block1_conv').apply(x));
  return new Model({ inputs: x, outputs: y, name: 'bb' });
}

describe('heads and freezing', () => {
  beforeAll(testDevice);

  it('parses head specs into Keras classes', () => {
    expect(headToken('gap').className).toBe('GlobalAveragePooling2D');
    expect(headToken('dense:10:softmax')).toEqual({ className: 'Dense', config: { units: 10, activation: 'softmax', use_bias: true } });
    expect(headToken('dropout:0.5').config).toEqual({ rate: 0.5 });
    expect(() => headToken('dense:x')).toThrow(/number/);
    expect(() => headToken('foo')).toThrow(/unknown token/);
  });

  it('builds a head on a backbone, freezes by count, name and all, and sets lr multipliers', () => {
    const bb = backbone();
    const { model, head } = addHead(bb, 'gap,dense:5:relu,dropout:0.25,dense:2:softmax');
    expect(model.outputShape).toEqual([2]);
    expect(head.map((l) => l.className)).toEqual(['GlobalAveragePooling2D', 'Dense', 'Dropout', 'Dense']);
    expect(head.map((l) => l.name)).toEqual(['global_average_pooling2d', 'dense', 'dropout', 'dense_1']);
    expect(bb.layers[0].className).toBe('InputLayer');
    expect(freeze(bb, 2)).toBe(2); // input_1, block1_conv
    expect(bb.layers.map((l) => l.trainable)).toEqual([false, false, true]);
    freeze(bb, 'block2_conv');
    expect(bb.layers.every((l) => !l.trainable)).toBe(true);
    expect(head.every((l) => l.trainable)).toBe(true);
    expect(() => freeze(bb, 'block9')).toThrow(/no backbone layer/);
    unfreezeFrom(bb, 'block2_conv');
    expect(bb.getLayer('block2_conv').trainable).toBe(true);
    freeze(bb, 'all');
    expect(model.trainableWeights.length).toBe(4);
    const opt = new SGD({ learningRate: 0.1 });
    applyLrMult(model, opt, ['dense_1=10', 'block*=0.1']);
    expect(opt.lrMult.get('dense_1/kernel:0')).toBe(10);
    expect(opt.lrMult.get('block1_conv/bias:0')).toBe(0.1);
    expect(opt.lrMult.has('dense/kernel:0')).toBe(false);
    expect(() => applyLrMult(model, opt, ['nothing=2'])).toThrow(/no layer/);
  });
});
