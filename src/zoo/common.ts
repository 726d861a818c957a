// Shared by the zoo builders: Keras-2.2.4-style automatic names (a fresh Keras session: conv2d_1,
// conv2d_2, ...), the options every application takes, the shape-only build used to count
// parameters without GPU memory, and the layer factories (one place that knows the constructors).
import { setDevice, currentDevice, hasDevice } from '../graph/engine.ts';
import type { Device } from '../gpu/device.ts';
import { Input } from '../graph/model.ts';
import type { SymbolicTensor } from '../graph/symbolic.ts';
import type { Shape } from '../graph/tensor.ts';
import { zeros, type Initializer } from '../graph/initializers.ts';
import { Dense } from '../graph/layers/dense.ts';
import { Activation } from '../graph/layers/activation.ts';
import { Conv2D } from '../graph/layers/conv2d.ts';
import { DepthwiseConv2D } from '../graph/layers/depthwise-conv2d.ts';
import { BatchNormalization } from '../graph/layers/batch-normalization.ts';
import { MaxPooling2D, AveragePooling2D } from '../graph/layers/pooling.ts';
import { GlobalAveragePooling2D, GlobalMaxPooling2D } from '../graph/layers/global-pooling.ts';
import { ZeroPadding2D } from '../graph/layers/zero-padding2d.ts';
import { Flatten } from '../graph/layers/flatten.ts';
import { Reshape } from '../graph/layers/reshape.ts';
import { Concatenate } from '../graph/layers/concatenate.ts';
import { Add } from '../graph/layers/add.ts';
import { ReLU } from '../graph/layers/relu.ts';
import { Dropout } from '../graph/layers/dropout.ts';

export interface ZooOptions {
  /** Keep the classifier (default true). */
  includeTop?: boolean;
  /** [H, W, C] without batch; default the architecture's (224,224,3 or 299,299,3). */
  inputShape?: Shape;
  /** Without the top: global pooling after the last block. */
  pooling?: 'avg' | 'max' | null;
  /** Classes of the top (default 1000). */
  classes?: number;
  /** Width multiplier (MobileNet, MobileNetV2). */
  alpha?: number;
  /** MobileNet v1's depth multiplier (default 1). */
  depthMultiplier?: number;
  /** MobileNet v1's dropout before conv_preds (default 1e-3). */
  dropout?: number;
  /**
   * Build with placeholder weights that take no GPU memory and no random draws: for counting
   * parameters and listing layers (`wgft inspect vgg16`). Such a model cannot run.
   */
  shapeOnly?: boolean;
}

/** Keras 2.2.4 automatic names: the first layer of a class is `<base>_1`. */
export class Names {
  private counts = new Map<string, number>();
  next(base: string): string {
    const n = (this.counts.get(base) ?? 0) + 1;
    this.counts.set(base, n);
    return `${base}_${n}`;
  }
}

/** Layer factories bound to one build: names and (in shape-only mode) initializers. */
export class Builder {
  readonly names = new Names();
  /** Kernel initializer override (zeros in shape-only mode, where values never matter). */
  readonly init: Initializer | undefined;
  constructor(readonly shapeOnly = false) {
    this.init = shapeOnly ? zeros : undefined;
  }
  private kernel(init?: Initializer): { kernelInitializer?: Initializer } {
    const k = this.init ?? init;
    return k ? { kernelInitializer: k } : {};
  }
  input(shape: Shape): SymbolicTensor {
    return Input(shape, this.names.next('input'));
  }
  conv(
    x: SymbolicTensor,
    filters: number,
    kernel: number | [number, number],
    o: { strides?: number; padding?: 'same' | 'valid'; useBias?: boolean; activation?: string; name?: string; init?: Initializer } = {},
  ): SymbolicTensor {
    const kernelSize = typeof kernel === 'number' ? [kernel, kernel] : kernel;
    const layer = new Conv2D({
      filters,
      kernelSize: kernelSize as [number, number],
      strides: [o.strides ?? 1, o.strides ?? 1],
      padding: o.padding ?? 'valid',
      useBias: o.useBias ?? true,
      activation: o.activation ?? 'linear',
      name: o.name ?? this.names.next('conv2d'),
      ...this.kernel(o.init),
    });
    return layer.apply(x);
  }
  depthwise(x: SymbolicTensor, o: { strides?: number; padding?: 'same' | 'valid'; depthMultiplier?: number; name: string }): SymbolicTensor {
    const layer = new DepthwiseConv2D({
      kernelSize: [3, 3],
      strides: [o.strides ?? 1, o.strides ?? 1],
      padding: o.padding ?? 'valid',
      depthMultiplier: o.depthMultiplier ?? 1,
      useBias: false,
      name: o.name,
      ...(this.init ? { depthwiseInitializer: this.init } : {}),
    });
    return layer.apply(x);
  }
  bn(x: SymbolicTensor, o: { name?: string; scale?: boolean; epsilon?: number; momentum?: number } = {}): SymbolicTensor {
    return new BatchNormalization({
      axis: -1,
      scale: o.scale ?? true,
      epsilon: o.epsilon ?? 1e-3,
      momentum: o.momentum ?? 0.99,
      name: o.name ?? this.names.next('batch_normalization'),
    }).apply(x);
  }
  act(x: SymbolicTensor, activation: string, name?: string): SymbolicTensor {
    return new Activation({ activation, name: name ?? this.names.next('activation') }).apply(x);
  }
  relu6(x: SymbolicTensor, name: string): SymbolicTensor {
    return new ReLU({ maxValue: 6, name }).apply(x);
  }
  maxPool(x: SymbolicTensor, size: number, strides: number, padding: 'same' | 'valid' = 'valid', name?: string): SymbolicTensor {
    return new MaxPooling2D({ poolSize: [size, size], strides: [strides, strides], padding, name: name ?? this.names.next('max_pooling2d') }).apply(x);
  }
  avgPool(x: SymbolicTensor, size: number, strides: number, padding: 'same' | 'valid' = 'valid', name?: string): SymbolicTensor {
    return new AveragePooling2D({ poolSize: [size, size], strides: [strides, strides], padding, name: name ?? this.names.next('average_pooling2d') }).apply(x);
  }
  gap(x: SymbolicTensor, name?: string): SymbolicTensor {
    return new GlobalAveragePooling2D({ name: name ?? this.names.next('global_average_pooling2d') }).apply(x);
  }
  gmp(x: SymbolicTensor, name?: string): SymbolicTensor {
    return new GlobalMaxPooling2D({ name: name ?? this.names.next('global_max_pooling2d') }).apply(x);
  }
  /** [[top, bottom], [left, right]]. */
  pad(x: SymbolicTensor, padding: [[number, number], [number, number]], name?: string): SymbolicTensor {
    return new ZeroPadding2D({ padding, name: name ?? this.names.next('zero_padding2d') }).apply(x);
  }
  concat(xs: SymbolicTensor[], name?: string): SymbolicTensor {
    return new Concatenate({ axis: -1, name: name ?? this.names.next('concatenate') }).apply(xs);
  }
  add(xs: SymbolicTensor[], name?: string): SymbolicTensor {
    return new Add({ name: name ?? this.names.next('add') }).apply(xs);
  }
  flatten(x: SymbolicTensor, name?: string): SymbolicTensor {
    return new Flatten({ name: name ?? this.names.next('flatten') }).apply(x);
  }
  dropout(x: SymbolicTensor, rate: number, name?: string): SymbolicTensor {
    return new Dropout({ rate, name: name ?? this.names.next('dropout') }).apply(x);
  }
  reshape(x: SymbolicTensor, targetShape: number[], name?: string): SymbolicTensor {
    return new Reshape({ targetShape, name: name ?? this.names.next('reshape') }).apply(x);
  }
  dense(x: SymbolicTensor, units: number, activation: string, name?: string): SymbolicTensor {
    return new Dense({ units, activation, name: name ?? this.names.next('dense'), ...this.kernel() }).apply(x);
  }
  /** The `pooling` option of a headless application. */
  pooling(x: SymbolicTensor, pooling: ZooOptions['pooling']): SymbolicTensor {
    if (pooling === 'avg') return this.gap(x);
    if (pooling === 'max') return this.gmp(x);
    if (pooling) throw new Error(`pooling must be 'avg', 'max' or none, got '${pooling}'`);
    return x;
  }
}

/** A device stand-in that hands out no memory: weights made under it only have shapes. */
const SHAPE_ONLY_DEVICE = {
  allocate: () => ({ label: 'shape-only', destroy() {} }) as unknown as GPUBuffer,
  release: () => {},
  write: () => {},
  read: async () => {
    throw new Error('this model was built shape-only (for counting parameters); build it without shapeOnly to run it');
  },
  limits: { maxStorageBufferBindingSize: Infinity, maxBufferSize: Infinity },
  features: new Set<string>(),
} as unknown as Device;

/** Runs a build either on the current device or, in shape-only mode, on the stand-in. */
export function build<T>(shapeOnly: boolean, fn: (b: Builder) => T): T {
  const b = new Builder(shapeOnly);
  if (!shapeOnly) return fn(b);
  const prev = hasDevice() ? currentDevice() : null;
  setDevice(SHAPE_ONLY_DEVICE);
  try {
    return fn(b);
  } finally {
    setDevice(prev as Device);
  }
}

/**
 * Keras's _obtain_input_shape for channels_last and weights=None: the default size unless given,
 * at least `minSize`, 3 channels. (With weights 'imagenet' and the top, the default size is
 * required: see src/node/keras-weights.ts.)
 */
export function inputShapeFor(name: string, opts: ZooOptions, defaultSize: number, minSize: number): Shape {
  const shape = opts.inputShape ?? [defaultSize, defaultSize, 3];
  if (shape.length !== 3) throw new Error(`${name}: inputShape must be [height, width, channels], got [${shape}]`);
  const [h, w, c] = shape;
  if (c !== 3) throw new Error(`${name}: the input must have 3 channels, got [${shape}]`);
  if (!(h >= minSize && w >= minSize)) throw new Error(`${name}: input height and width must be at least ${minSize}, got [${shape}]`);
  return [h, w, c];
}

export function checkClasses(name: string, opts: ZooOptions, weights?: string | null): number {
  const classes = opts.classes ?? 1000;
  if (weights === 'imagenet' && (opts.includeTop ?? true) && classes !== 1000) {
    throw new Error(`${name}: weights 'imagenet' with includeTop need classes 1000, got ${classes}`);
  }
  return classes;
}

