// MXNet Flatten (and FullyConnected's implicit flatten) of a feature map: MXNet flattens NCHW, so
// in our NHWC engine the map is transposed to NCHW first; the values then come out in MXNet's order
// and FullyConnected weights load unchanged (only [out,in] -> [in,out]).
import { transpose } from '../ops/transpose.ts';
import { reshape } from '../ops/shape.ts';
import { Layer, type CallContext, type KerasConfig, type LayerArgs } from '../layer.ts';
import type { Shape, Tensor } from '../tensor.ts';

export class MxnetFlatten extends Layer {
  readonly className = 'MxnetFlatten';
  constructor(args: LayerArgs = {}) {
    super(args, 'mxnet_flatten');
  }
  static fromKeras(c: KerasConfig): MxnetFlatten {
    return new MxnetFlatten({ name: c.name as string });
  }
  computeOutputShape([s]: Shape[]): Shape {
    return [s.reduce((a, b) => a * b, 1)];
  }
  call([x]: Tensor[], _ctx: CallContext): Tensor {
    const n = x.shape[0];
    const flat = x.size / Math.max(1, n);
    if (x.rank !== 4 || x.shape[1] * x.shape[2] === 1) return reshape(x, [n, flat]);
    return reshape(transpose(x, [0, 3, 1, 2]), [n, flat], true);
  }
  protected kerasConfig(): KerasConfig {
    return {};
  }
}
