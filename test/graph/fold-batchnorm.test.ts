// Folding a frozen BatchNormalization into the preceding conv: the folded conv on the GPU equals
// conv followed by inference BN (float64 CPU reference) within 1e-5 relative.
import { describe, it, beforeAll, expect } from 'vitest';
import { testDevice, upload } from '../helpers/gpu.ts';
import { randomArray } from '../helpers/random.ts';
import { expectClose } from '../helpers/compare.ts';
import { refConv, refDepthwise, refGeometry } from '../helpers/conv-ref.ts';
import { foldBatchNorm } from '../../src/graph/fold-batchnorm.ts';
import { conv2d } from '../../src/kernels/conv2d.ts';
import { depthwiseConv2d } from '../../src/kernels/depthwise.ts';
import { tidy } from '../../src/graph/scope.ts';

/** Keras BatchNormalization in inference mode over the last axis. */
function refBatchNorm(y: Float64Array, gamma: Float64Array | null, beta: Float64Array | null, mean: Float64Array, variance: Float64Array, eps: number): Float64Array {
  const C = mean.length;
  return y.map((v, i) => {
    const c = i % C;
    return ((v - mean[c]) / Math.sqrt(variance[c] + eps)) * (gamma ? gamma[c] : 1) + (beta ? beta[c] : 0);
  });
}

describe('foldBatchNorm', () => {
  beforeAll(testDevice);
  for (const [i, { bias, scale, center }] of [
    { bias: true, scale: true, center: true },
    { bias: false, scale: false, center: true }, // InceptionV3: conv without bias, BN with scale=False
    { bias: false, scale: true, center: false },
  ].entries())
    it(`Conv2D, bias=${bias} scale=${scale} center=${center}`, async () => {
      const shape = [2, 9, 7, 3];
      const [KH, KW, C, O] = [3, 3, 3, 5];
      const eps = 1e-3;
      const x = randomArray(2 * 9 * 7 * 3, 10 + i), w = randomArray(KH * KW * C * O, 20 + i);
      const b = bias ? randomArray(O, 30 + i) : null;
      const gamma = scale ? randomArray(O, 40 + i, 0.5, 2) : null, beta = center ? randomArray(O, 50 + i) : null;
      const mean = randomArray(O, 60 + i), variance = randomArray(O, 70 + i, 0.1, 3);
      const f = foldBatchNorm(w, b, gamma, beta, mean, variance, eps);
      const ours = await tidy(() => conv2d(upload(x, shape), upload(f.kernel, [KH, KW, C, O]), { strides: 2, padding: 'same', bias: upload(f.bias, [O]) })).data();
      const g = refGeometry(shape, KH, KW, O, [2, 2], [1, 1], 'same');
      expectClose(ours, refBatchNorm(refConv(x, w, g, b), gamma, beta, mean, variance, eps), 1e-5, 'folded conv vs conv + BN');
    });

  it('DepthwiseConv2D kernel (channel c*M + m)', async () => {
    const shape = [1, 6, 5, 3];
    const [KH, KW, C, M] = [3, 3, 3, 2];
    const x = randomArray(90, 1), w = randomArray(KH * KW * C * M, 2);
    const gamma = randomArray(C * M, 3, 0.5, 2), beta = randomArray(C * M, 4), mean = randomArray(C * M, 5), variance = randomArray(C * M, 6, 0.1, 2);
    const f = foldBatchNorm(w, null, gamma, beta, mean, variance, 1e-5);
    const ours = await tidy(() => depthwiseConv2d(upload(x, shape), upload(f.kernel, [KH, KW, C, M]), { padding: 'same', bias: upload(f.bias, [C * M]) })).data();
    const g = refGeometry(shape, KH, KW, C * M, [1, 1], [1, 1], 'same');
    expectClose(ours, refBatchNorm(refDepthwise(x, w, g), gamma, beta, mean, variance, 1e-5), 1e-5, 'folded depthwise vs depthwise + BN');
  });

  it('checks sizes', () => {
    expect(() => foldBatchNorm(new Float32Array(10), null, null, null, new Float32Array(3), new Float32Array(3), 1e-3)).toThrow(/3 output channels/);
    expect(() => foldBatchNorm(new Float32Array(9), null, new Float32Array(2), null, new Float32Array(3), new Float32Array(3), 1e-3)).toThrow(/gamma has 2/);
  });
});
