// EfficientNetB0 as tf.keras (2.3+) keras.applications builds it: input_1, rescaling (1/255),
// normalization (mean/variance/count), stem_conv_pad/stem_conv/stem_bn/stem_activation, MBConv
// blocks block{1..7}{a,b,...}_ (expand_conv, dwconv_pad on strided blocks, dwconv, bn, activation,
// squeeze-and-excitation se_squeeze/se_reshape/se_reduce/se_expand/se_excite, project_conv,
// project_bn, drop + add on identity blocks), top_conv/top_bn/top_activation, then avg_pool,
// top_dropout and predictions. swish activations. 5,330,571 parameters with the top.
import { Model, Input } from '../graph/model.ts';
import type { SymbolicTensor } from '../graph/symbolic.ts';
import { Rescaling } from '../graph/layers/rescaling.ts';
import { Normalization } from '../graph/layers/normalization.ts';
import { DepthwiseConv2D } from '../graph/layers/depthwise-conv2d.ts';
import { Dropout } from '../graph/layers/dropout.ts';
import { Multiply } from '../graph/layers/add.ts';
import { Add } from '../graph/layers/add.ts';
import { Dense } from '../graph/layers/dense.ts';
import { build, checkClasses, inputShapeFor, type Builder, type ZooOptions } from './common.ts';

/** tf.keras imagenet_utils.correct_pad for a strided conv of kernel k. */
function correctPad(x: SymbolicTensor, k: number): [[number, number], [number, number]] {
  const [h, w] = x.shape;
  const c = Math.floor(k / 2);
  return [[c - (1 - (h % 2)), c], [c - (1 - (w % 2)), c]];
}

interface BlockArgs {
  kernel: number;
  repeats: number;
  filtersIn: number;
  filtersOut: number;
  expand: number;
  strides: number;
}

// EfficientNet's DEFAULT_BLOCKS_ARGS (all with id_skip and se_ratio 0.25).
const BLOCKS: BlockArgs[] = [
  { kernel: 3, repeats: 1, filtersIn: 32, filtersOut: 16, expand: 1, strides: 1 },
  { kernel: 3, repeats: 2, filtersIn: 16, filtersOut: 24, expand: 6, strides: 2 },
  { kernel: 5, repeats: 2, filtersIn: 24, filtersOut: 40, expand: 6, strides: 2 },
  { kernel: 3, repeats: 3, filtersIn: 40, filtersOut: 80, expand: 6, strides: 2 },
  { kernel: 5, repeats: 3, filtersIn: 80, filtersOut: 112, expand: 6, strides: 1 },
  { kernel: 5, repeats: 4, filtersIn: 112, filtersOut: 192, expand: 6, strides: 2 },
  { kernel: 3, repeats: 1, filtersIn: 192, filtersOut: 320, expand: 6, strides: 1 },
];

function mbConv(b: Builder, inputs: SymbolicTensor, a: BlockArgs, dropRate: number, prefix: string): SymbolicTensor {
  const filters = a.filtersIn * a.expand;
  let x = inputs;
  if (a.expand !== 1) {
    x = b.conv(x, filters, 1, { padding: 'same', useBias: false, name: `${prefix}expand_conv` });
    x = b.bn(x, { name: `${prefix}expand_bn` });
    x = b.act(x, 'swish', `${prefix}expand_activation`);
  }
  if (a.strides === 2) x = b.pad(x, correctPad(x, a.kernel), `${prefix}dwconv_pad`);
  x = new DepthwiseConv2D({
    kernelSize: [a.kernel, a.kernel],
    strides: [a.strides, a.strides],
    padding: a.strides === 2 ? 'valid' : 'same',
    useBias: false,
    name: `${prefix}dwconv`,
    ...(b.init ? { depthwiseInitializer: b.init } : {}),
  }).apply(x);
  x = b.bn(x, { name: `${prefix}bn` });
  x = b.act(x, 'swish', `${prefix}activation`);
  // Squeeze and excitation: [N,1,1,C] gates broadcast against [N,H,W,C].
  const filtersSe = Math.max(1, Math.trunc(a.filtersIn * 0.25));
  let se = b.gap(x, `${prefix}se_squeeze`);
  se = b.reshape(se, [1, 1, filters], `${prefix}se_reshape`);
  se = b.conv(se, filtersSe, 1, { padding: 'same', activation: 'swish', name: `${prefix}se_reduce` });
  se = b.conv(se, filters, 1, { padding: 'same', activation: 'sigmoid', name: `${prefix}se_expand` });
  x = new Multiply({ name: `${prefix}se_excite` }).apply([x, se]);
  x = b.conv(x, a.filtersOut, 1, { padding: 'same', useBias: false, name: `${prefix}project_conv` });
  x = b.bn(x, { name: `${prefix}project_bn` });
  if (a.strides === 1 && a.filtersIn === a.filtersOut) {
    if (dropRate > 0) x = new Dropout({ rate: dropRate, noiseShape: [null, 1, 1, 1], name: `${prefix}drop` }).apply(x);
    x = new Add({ name: `${prefix}add` }).apply([x, inputs]);
  }
  return x;
}

export function EfficientNetB0(opts: ZooOptions = {}): Model {
  const includeTop = opts.includeTop ?? true;
  const classes = checkClasses('efficientnet_b0', opts);
  const shape = inputShapeFor('efficientnet_b0', opts, 224, 32);
  const dropConnect = 0.2;
  return build(opts.shapeOnly ?? false, (b) => {
    const input = Input(shape, 'input_1');
    let x = new Rescaling({ scale: 1 / 255, name: 'rescaling' }).apply(input);
    x = new Normalization({ axis: -1, name: 'normalization' }).apply(x);
    x = b.pad(x, correctPad(x, 3), 'stem_conv_pad');
    x = b.conv(x, 32, 3, { strides: 2, useBias: false, name: 'stem_conv' });
    x = b.bn(x, { name: 'stem_bn' });
    x = b.act(x, 'swish', 'stem_activation');
    const total = BLOCKS.reduce((s, a) => s + a.repeats, 0);
    let n = 0;
    BLOCKS.forEach((args, i) => {
      for (let j = 0; j < args.repeats; j++) {
        const a = j > 0 ? { ...args, strides: 1, filtersIn: args.filtersOut } : args;
        x = mbConv(b, x, a, (dropConnect * n) / total, `block${i + 1}${String.fromCharCode(97 + j)}_`);
        n++;
      }
    });
    x = b.conv(x, 1280, 1, { padding: 'same', useBias: false, name: 'top_conv' });
    x = b.bn(x, { name: 'top_bn' });
    x = b.act(x, 'swish', 'top_activation');
    if (includeTop) {
      x = b.gap(x, 'avg_pool');
      x = b.dropout(x, 0.2, 'top_dropout');
      x = new Dense({ units: classes, activation: 'softmax', name: 'predictions', ...(b.init ? { kernelInitializer: b.init } : {}) }).apply(x);
    } else x = b.pooling(x, opts.pooling);
    return new Model({ inputs: input, outputs: x, name: 'efficientnetb0' });
  });
}
