// wgft predict [--model] FILE|ZOO_ID [--weights W] [--checkpoint PREFIX [--exclude S] [--map M]]
// [--input-shape H,W,C] [--preprocess MODE] [--crop MODE] [--top K] [--json] IMAGE...: classifies
// images (decoded with jpeg-js/pngjs, squashed to the input size with bilinear half-pixel
// resampling unless --crop, preprocessed) and prints the top K with the class names saved with a
// fine-tuned model, else ImageNet labels for 1000/1001-class outputs (1001: TF-slim's, class 0 =
// background). The model comes from loadBackbone (train-setup.ts), as finetune's does, so a zoo id
// takes a TF checkpoint with the same flags (checkpoint-flags.ts).
import { Command } from 'commander';
import { initWithPrecision, precisionOption } from './precision-flag.ts';
import { checkpointOptions } from './checkpoint-flags.ts';
import { loadBackbone } from './train-setup.ts';
import { loadImageInput } from '../node/images.ts';
import { PREPROCESS_MODES, type PreprocessMode, type CropMode } from '../train/data/preprocess.ts';
import { imagenetLabelsFor } from '../train/data/imagenet-labels.ts';
import { Tensor } from '../graph/tensor.ts';
import { tidy } from '../graph/scope.ts';
import type { Model } from '../graph/model.ts';

/** keras.applications' preprocessing guessed from layer names: caffe for VGG/ResNet, else inception. */
export function defaultPreprocess(model: Model): PreprocessMode {
  const names = new Set(model.layers.map((l) => l.name));
  if (names.has('block1_conv1') || names.has('res2a_branch2a') || names.has('conv2_block1_1_conv') || names.has('conv1_conv')) return 'caffe';
  return 'inception';
}

export interface PredictResult {
  image: string;
  top: { class: number; label: string; score: number }[];
}

/**
 * The top-K classes of each image file, as `wgft predict` prints them (the device must be set up).
 * The model is loaded with loadBackbone, as finetune loads it, and disposed afterwards.
 */
export async function predictImages(o: Omit<PredictOptions, 'crop' | 'top'> & { model: string; crop?: string; top?: number }, images: string[]): Promise<PredictResult[]> {
  const { weights, checkpoint, exclude, map, inputShape } = o;
  const loaded = await loadBackbone({ model: o.model, weights, checkpoint, exclude, map, inputShape, includeTop: true }, 0);
  const { backbone: model, classNames } = loaded;
  try {
    // A zoo id or a TF-slim VGG checkpoint names its preprocessing; a file's is guessed from its layer names.
    const mode = (o.preprocess ?? (loaded.preprocess !== 'none' ? loaded.preprocess : defaultPreprocess(model))) as PreprocessMode;
    const s = model.inputShape;
    const cf = s.length === 3 && s[0] === 3 && s[2] !== 3;
    if (s.length !== 3 || (!cf && s[2] !== 3)) throw new Error(`${o.model}: predict needs an image input [H,W,3], the model takes [${s.join(',')}]`);
    const [h, w] = cf ? [s[1], s[2]] : [s[0], s[1]];
    const results: PredictResult[] = [];
    for (const img of images) {
      let x = loadImageInput(img, h, w, mode, (o.crop ?? 'none') as CropMode);
      if (cf) {
        const t = new Float32Array(x.length);
        for (let i = 0; i < h * w; i++) for (let c = 0; c < 3; c++) t[c * h * w + i] = x[i * 3 + c];
        x = t;
      }
      let p = await tidy(() => model.call([Tensor.from(x, [1, ...s])], { training: false }).data());
      // One sigmoid unit (binary head): the probabilities of classes 0 and 1.
      if (p.length === 1) p = Float32Array.of(1 - p[0], p[0]);
      // 1001 outputs (TF-slim's Inception): class 0 is background, 1..1000 the ImageNet classes.
      const labels = classNames && classNames.length === p.length ? classNames : imagenetLabelsFor(p.length);
      const top = Array.from(p.keys()).sort((a, b) => p[b] - p[a]).slice(0, o.top ?? 5).map((c) => ({ class: c, label: labels ? labels[c] : String(c), score: p[c] }));
      results.push({ image: img, top });
    }
    return results;
  } finally {
    model.dispose();
  }
}

export interface PredictOptions {
  model?: string;
  weights?: string;
  checkpoint?: string;
  exclude?: string;
  map?: string;
  inputShape?: string;
  preprocess?: string;
  crop: string;
  top: number;
  json?: boolean;
  precision?: string;
}

export function predictCommand(): Command {
  const [checkpoint, exclude, map] = checkpointOptions();
  return new Command('predict')
    .description('classify images with a model file or a zoo id (top-K classes; the class names saved with a fine-tuned model, else ImageNet labels for 1000/1001 classes)')
    .usage('[options] [MODEL] IMAGE...')
    .option('--model <file|zoo-id>', 'Keras .h5/.hdf5/.keras, tfjs model.json, or a zoo id (vgg16, inception_v3, resnet50, ...); without --model the first argument is the model')
    .option('--weights <imagenet|file|none>', 'weights of a zoo id (default imagenet from the Keras cache; none with --checkpoint)')
    .addOption(checkpoint)
    .addOption(exclude)
    .addOption(map)
    .option('--input-shape <H,W,C>', 'build the zoo model (or rebuild a fully convolutional file) at this input size')
    .option('--preprocess <mode>', `input preprocessing: ${PREPROCESS_MODES.join('|')} (default: the zoo model's; vgg for a TF-slim VGG checkpoint; for files caffe for VGG/ResNet layer names, else inception)`)
    .option('--crop <mode>', 'none (squash), center or crop-or-pad (TF-slim: resize_image_with_crop_or_pad)', 'none')
    .option('--top <k>', 'classes to print per image', (v) => parseInt(v, 10), 5)
    .option('--json', 'print JSON')
    .addOption(precisionOption())
    .argument('<images...>')
    .addHelpText(
      'after',
      `
TF checkpoints (the same flags as finetune): a zoo id is built with its classifier and restored by
name; the classifier takes the checkpoint's class count, so TF-slim's InceptionV3 gives 1001
classes labelled with class 0 = background.
  wgft predict vgg16 --checkpoint vgg_16.ckpt --crop crop-or-pad dog.jpg      (--map slim-vgg16 and --preprocess vgg implied)
  wgft predict inception_v3 --checkpoint inception_v3.ckpt --crop crop-or-pad dog.jpg
  wgft predict vgg16 --checkpoint ckpt/vgg_16.ckpt --input-shape 32,32,3 a.png   (a checkpoint saved at another size)`,
    )
    .action(async (args: string[], o: PredictOptions) => {
      if (o.preprocess && !PREPROCESS_MODES.includes(o.preprocess as PreprocessMode)) throw new Error(`--preprocess ${o.preprocess}: choose one of ${PREPROCESS_MODES.join(', ')}`);
      const images = [...args];
      const id = o.model ?? images.shift()!;
      if (!images.length) throw new Error(`predict: no image given after the model ${id}`);
      await initWithPrecision(o.precision);
      const results = await predictImages({ ...o, model: id }, images);
      if (o.json) {
        console.log(JSON.stringify(results, null, 2));
        return;
      }
      for (const r of results) {
        console.log(r.image);
        for (const t of r.top) console.log(`  ${String(t.class).padStart(4)}  ${t.score.toFixed(4)}  ${t.label}`);
      }
    });
}
