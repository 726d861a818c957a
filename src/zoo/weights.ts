// Where keras.applications (keras_applications 1.0.8) gets each ImageNet weight file: URL, file
// name in the Keras cache (~/.keras/models) and hash (md5, as Keras's get_file checks; null where
// Keras gives none). Pure data: downloading is src/node/download.ts.
import type { ZooOptions } from './common.ts';

export interface WeightFile {
  fileName: string;
  url: string;
  /** md5 (32 hex) or sha256 (64 hex); null when Keras checks none. */
  hash: string | null;
}

const FCHOLLET = 'https://github.com/fchollet/deep-learning-models/releases/download';
const file = (base: string, fileName: string, hash: string | null): WeightFile => ({ fileName, url: `${base}/${fileName}`, hash });

const FIXED: Record<string, [WeightFile, WeightFile]> = {
  // [with top, without top]
  vgg16: [
    file(`${FCHOLLET}/v0.1`, 'vgg16_weights_tf_dim_ordering_tf_kernels.h5', '64373286793e3c8b2b4e3219cbf3544b'),
    file(`${FCHOLLET}/v0.1`, 'vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5', '6d6bbae143d832006294945121d1f1fc'),
  ],
  vgg19: [
    file(`${FCHOLLET}/v0.1`, 'vgg19_weights_tf_dim_ordering_tf_kernels.h5', 'cbe5617147190e668d6c5d5026f83318'),
    file(`${FCHOLLET}/v0.1`, 'vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5', '253f8cb515780f3b799900260a226db6'),
  ],
  resnet50: [
    file(`${FCHOLLET}/v0.2`, 'resnet50_weights_tf_dim_ordering_tf_kernels.h5', 'a7b3fe01876f51b976af0dea6bc144eb'),
    file(`${FCHOLLET}/v0.2`, 'resnet50_weights_tf_dim_ordering_tf_kernels_notop.h5', 'a268eb855778b3df3c7506639542a6af'),
  ],
  inception_v3: [
    file(`${FCHOLLET}/v0.5`, 'inception_v3_weights_tf_dim_ordering_tf_kernels.h5', '9a0d58056eeedaa3f26cb7ebd46da564'),
    file(`${FCHOLLET}/v0.5`, 'inception_v3_weights_tf_dim_ordering_tf_kernels_notop.h5', 'bcbd6486424b2319ff4ef7d526e38f63'),
  ],
  xception: [
    file(`${FCHOLLET}/v0.4`, 'xception_weights_tf_dim_ordering_tf_kernels.h5', '0a58e3b7378bc2990ea3b43d5981f1f6'),
    file(`${FCHOLLET}/v0.4`, 'xception_weights_tf_dim_ordering_tf_kernels_notop.h5', 'b0042744bf5b25fce3cb969f33bebb97'),
  ],
  // tf.keras 2.3+ (keras.applications.efficientnet).
  efficientnet_b0: [
    file('https://storage.googleapis.com/keras-applications', 'efficientnetb0.h5', '902e53a9f72be733fc0bcb005b3ebbac'),
    file('https://storage.googleapis.com/keras-applications', 'efficientnetb0_notop.h5', '50bc09e76180e00e4465e1a485ddc09d'),
  ],
};

/** Python's str() of a float as keras_applications formats alpha in file names (1.0, 0.35, 0.5). */
const pyFloat = (x: number): string => (Number.isInteger(x) ? x.toFixed(1) : String(x));

/** The weight file keras.applications downloads for this zoo id and options. */
export function imagenetWeightFile(id: string, opts: ZooOptions = {}): WeightFile {
  const top = opts.includeTop ?? true;
  if (FIXED[id]) return FIXED[id][top ? 0 : 1];
  const rows = opts.inputShape?.[0] ?? 224;
  if (id === 'mobilenet') {
    const alpha = opts.alpha ?? 1.0;
    const text = ({ 1: '1_0', 0.75: '7_5', 0.5: '5_0', 0.25: '2_5' } as Record<number, string>)[alpha];
    if (!text) throw new Error(`mobilenet: ImageNet weights exist for alpha 0.25, 0.5, 0.75, 1.0 only, got ${alpha}`);
    if (![128, 160, 192, 224].includes(rows)) throw new Error(`mobilenet: ImageNet weights exist for input sizes 128, 160, 192, 224 only, got ${rows}`);
    if ((opts.depthMultiplier ?? 1) !== 1) throw new Error('mobilenet: ImageNet weights exist for depthMultiplier 1 only');
    return file(`${FCHOLLET}/v0.6`, `mobilenet_${text}_${rows}_tf${top ? '' : '_no_top'}.h5`, null);
  }
  if (id === 'mobilenet_v2') {
    const alpha = opts.alpha ?? 1.0;
    if (![0.35, 0.5, 0.75, 1.0, 1.3, 1.4].includes(alpha)) throw new Error(`mobilenet_v2: ImageNet weights exist for alpha 0.35, 0.5, 0.75, 1.0, 1.3, 1.4 only, got ${alpha}`);
    if (![96, 128, 160, 192, 224].includes(rows)) throw new Error(`mobilenet_v2: ImageNet weights exist for input sizes 96, 128, 160, 192, 224 only, got ${rows}`);
    return file(
      'https://github.com/JonathanCMitchell/mobilenet_v2_keras/releases/download/v1.1',
      `mobilenet_v2_weights_tf_dim_ordering_tf_kernels_${pyFloat(alpha)}_${rows}${top ? '' : '_no_top'}.h5`,
      null,
    );
  }
  throw new Error(`no ImageNet weights are known for '${id}'`);
}
