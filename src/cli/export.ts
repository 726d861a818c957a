// wgft export --model FILE --format tfjs|h5 [--quantize uint8|uint16] --out DIR|FILE: writes a
// (fine-tuned) model as a tfjs-layers model.json + shards, or as Keras H5, keeping its class names.
import { Command } from 'commander';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { initNode } from '../node/dawn.ts';
import { loadModelFile } from '../node/models.ts';
import { saveTfjsLayers } from '../node/tfjs-export.ts';
import { saveKerasH5 } from '../loaders/keras/save.ts';
import type { TfjsQuantization } from '../loaders/tfjs-export.ts';

export function exportCommand(): Command {
  return new Command('export')
    .description('export a model file to tfjs-layers (model.json + shards, float32 or uint8/uint16 quantized) or Keras H5')
    .requiredOption('--model <file>', 'Keras .h5/.hdf5/.keras or tfjs model.json')
    .option('--format <fmt>', 'tfjs (a directory: model.json + group1-shard*.bin) or h5', 'tfjs')
    .option('--quantize <dtype>', 'tfjs weights as uint8 or uint16 (affine, as tensorflowjs_converter --quantize_*); default float32')
    .option('--keep-augmentation', 'tfjs: keep the random augmentation layers (identity at inference; tfjs-layers cannot load them)')
    .option('--classes <names>', 'comma-separated class names to save (default: those saved with the model)')
    .requiredOption('--out <path>', 'output directory (tfjs) or .h5 file')
    .action(async (o: { model: string; format: string; quantize?: string; classes?: string; keepAugmentation?: boolean; out: string }) => {
      if (!['tfjs', 'h5'].includes(o.format)) throw new Error(`--format ${o.format}: choose tfjs or h5`);
      if (o.quantize && !['uint8', 'uint16', 'float32'].includes(o.quantize)) throw new Error(`--quantize ${o.quantize}: choose uint8 or uint16`);
      if (o.quantize && o.format !== 'tfjs') throw new Error('--quantize applies to --format tfjs only');
      await initNode();
      const { model, classNames: saved } = await loadModelFile(o.model);
      const classNames = o.classes ? o.classes.split(',') : saved;
      if (o.format === 'tfjs') {
        const files = await saveTfjsLayers(model, o.out, { quantize: (o.quantize ?? 'float32') as TfjsQuantization, classNames, stripAugmentation: !o.keepAugmentation });
        console.log(`wrote ${files.join(', ')}`);
      } else {
        mkdirSync(dirname(o.out), { recursive: true });
        writeFileSync(o.out, await saveKerasH5(model, { classNames }));
        console.log(`wrote ${o.out}`);
      }
      model.dispose();
    });
}
