// wgft predict --model FILE [--preprocess MODE] [--top K] [--json] IMAGE...: classifies images
// (decoded with jpeg-js/pngjs, squashed to the input size with bilinear half-pixel resampling,
// preprocessed) and prints the top K with ImageNet labels for 1000/1001-class outputs.
import { Command } from 'commander';
import { initNode } from '../node/dawn.ts';
import { loadModelFile } from '../node/models.ts';
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

export function predictCommand(): Command {
  return new Command('predict')
    .description('classify images with a model file (top-K classes; the class names saved with a fine-tuned model, else ImageNet labels for 1000/1001 classes)')
    .requiredOption('--model <file>', 'Keras .h5/.hdf5/.keras or tfjs model.json')
    .option('--preprocess <mode>', `input preprocessing: ${PREPROCESS_MODES.join('|')} (default: caffe for VGG/ResNet layer names, else inception as Keras MobileNet/Inception/Xception)`)
    .option('--crop <mode>', 'none (squash), center or crop-or-pad', 'none')
    .option('--top <k>', 'classes to print per image', (v) => parseInt(v, 10), 5)
    .option('--json', 'print JSON')
    .argument('<images...>')
    .action(async (images: string[], o: { model: string; preprocess?: string; crop: string; top: number; json?: boolean }) => {
      if (o.preprocess && !PREPROCESS_MODES.includes(o.preprocess as PreprocessMode)) throw new Error(`--preprocess ${o.preprocess}: choose one of ${PREPROCESS_MODES.join(', ')}`);
      await initNode();
      const { model, classNames } = await loadModelFile(o.model);
      o.preprocess ??= defaultPreprocess(model);
      const s = model.inputShape;
      const cf = s.length === 3 && s[0] === 3 && s[2] !== 3;
      if (s.length !== 3 || (!cf && s[2] !== 3)) throw new Error(`${o.model}: predict needs an image input [H,W,3], the model takes [${s.join(',')}]`);
      const [h, w] = cf ? [s[1], s[2]] : [s[0], s[1]];
      const results = [];
      for (const img of images) {
        let x = loadImageInput(img, h, w, o.preprocess as PreprocessMode, o.crop as CropMode);
        if (cf) {
          const t = new Float32Array(x.length);
          for (let i = 0; i < h * w; i++) for (let c = 0; c < 3; c++) t[c * h * w + i] = x[i * 3 + c];
          x = t;
        }
        let p = await tidy(() => model.call([Tensor.from(x, [1, ...s])], { training: false }).data());
        // One sigmoid unit (binary head): the probabilities of classes 0 and 1.
        if (p.length === 1) p = Float32Array.of(1 - p[0], p[0]);
        const labels = classNames && classNames.length === p.length ? classNames : imagenetLabelsFor(p.length);
        const top = Array.from(p.keys()).sort((a, b) => p[b] - p[a]).slice(0, o.top).map((c) => ({ class: c, label: labels ? labels[c] : String(c), score: p[c] }));
        results.push({ image: img, top });
      }
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
