// MXNet Pooling with explicit symmetric padding and the `valid`/`full` conventions, which Keras's
// 'same'/'valid' cannot express. Max pooling ignores padded positions (MXNet pads with -inf); average
// pooling divides by the window clipped to the padded input (count_include_pad=True, MXNet's default)
// or by the elements inside the input (count_include_pad=False).
import { avgPool, avgPoolBackward, maxPool, maxPoolBackward, type PoolGeometry } from '../../kernels/pool.ts';
import { pad2d } from '../ops/shape.ts';
import { record } from '../tape.ts';
import { Layer, type CallContext, type KerasConfig, type LayerArgs } from '../layer.ts';
import type { Shape, Tensor } from '../tensor.ts';

export interface MxnetPoolingArgs extends LayerArgs {
  poolType: 'max' | 'avg';
  kernel: [number, number];
  stride: [number, number];
  pad: [number, number];
  convention?: 'valid' | 'full';
  countIncludePad?: boolean;
}

export class MxnetPooling extends Layer {
  readonly className = 'MxnetPooling';
  readonly args: Required<Omit<MxnetPoolingArgs, 'name' | 'trainable'>>;
  constructor(args: MxnetPoolingArgs) {
    super(args, 'mxnet_pooling');
    this.args = { convention: 'valid', countIncludePad: true, ...args } as MxnetPooling['args'];
  }
  static fromKeras(c: KerasConfig): MxnetPooling {
    return new MxnetPooling({
      name: c.name as string,
      poolType: c.pool_type as 'max' | 'avg',
      kernel: c.kernel as [number, number],
      stride: c.stride as [number, number],
      pad: c.pad as [number, number],
      convention: c.pooling_convention as 'valid' | 'full',
      countIncludePad: c.count_include_pad as boolean,
    });
  }
  /** MXNet's output size of one axis. */
  private out(size: number, j: number): number {
    const { kernel: k, stride: s, pad: p, convention } = this.args;
    const r = convention === 'full' ? Math.ceil : Math.floor;
    return r((size + 2 * p[j] - k[j]) / s[j]) + 1;
  }
  computeOutputShape([[h, w, c]]: Shape[]): Shape {
    const oh = this.out(h, 0);
    const ow = this.out(w, 1);
    if (!(oh >= 1 && ow >= 1)) throw new Error(`layer ${this.name} (MxnetPooling): kernel ${this.args.kernel} does not fit ${h}x${w}`);
    return [oh, ow, c];
  }
  call([x]: Tensor[], _ctx: CallContext): Tensor {
    const { poolType, kernel, stride, pad, countIncludePad } = this.args;
    const [n, h, w, c] = x.shape;
    const [oh, ow] = [this.out(h, 0), this.out(w, 1)];
    const geo = (hh: number, ww: number, pt: number, pl: number): PoolGeometry => ({ n, h: hh, w: ww, c, oh, ow, ph: kernel[0], pw: kernel[1], sh: stride[0], sw: stride[1], pt, pl });
    if (poolType === 'max') {
      const g = geo(h, w, pad[0], pad[1]);
      const { y, arg } = maxPool(x, g);
      const out = record('mxnet_max_pool', [x], y, [arg], (dy, [a]) => [maxPoolBackward(dy, a, g)]);
      arg.dispose();
      return out;
    }
    if (!countIncludePad || (!pad[0] && !pad[1])) {
      const g = geo(h, w, pad[0], pad[1]);
      return record('mxnet_avg_pool', [x], avgPool(x, g), [], (dy) => [avgPoolBackward(dy, g)]);
    }
    // Padding counts: pad with zeros, then windows are clipped to the padded input only.
    const xp = pad2d(x, [pad[0], pad[0], pad[1], pad[1]]);
    const g = geo(h + 2 * pad[0], w + 2 * pad[1], 0, 0);
    const y = record('mxnet_avg_pool', [xp], avgPool(xp, g), [], (dy) => [avgPoolBackward(dy, g)]);
    xp.dispose();
    return y;
  }
  protected kerasConfig(): KerasConfig {
    const a = this.args;
    return { pool_type: a.poolType, kernel: a.kernel, stride: a.stride, pad: a.pad, pooling_convention: a.convention, count_include_pad: a.countIncludePad };
  }
}
