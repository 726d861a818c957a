// wgft evaluate --model FILE --data DIR|fashion-mnist [--json]: loss, accuracy, a per-class
// report (precision, recall, F1, support) and the confusion matrix (rows: true, columns: predicted).
import { Command } from 'commander';
import { existsSync, readFileSync } from 'node:fs';
import { initWithPrecision, precisionOption } from './precision-flag.ts';
import { loadModelFile } from '../node/models.ts';
import { predict } from '../train/fit.ts';
import { deviceLine, loadData } from './train-setup.ts';

export interface ClassReport {
  loss: number;
  accuracy: number;
  classes: { name: string; precision: number; recall: number; f1: number; support: number }[];
  confusion: number[][];
}

/** Loss (cross-entropy on probabilities, clipped as Keras) and the report, from outputs and labels. */
export function classReport(probs: Float32Array, k: number, labels: number[], names: string[]): ClassReport {
  const n = labels.length;
  const kk = Math.max(k, 2);
  const confusion = Array.from({ length: kk }, () => new Array(kk).fill(0));
  let loss = 0;
  const eps = 1e-7;
  for (let i = 0; i < n; i++) {
    let pred: number;
    if (k === 1) {
      const p = Math.min(Math.max(probs[i], eps), 1 - eps);
      pred = probs[i] > 0.5 ? 1 : 0;
      loss -= labels[i] ? Math.log(p) : Math.log(1 - p);
    } else {
      pred = 0;
      for (let j = 1; j < k; j++) if (probs[i * k + j] > probs[i * k + pred]) pred = j;
      loss -= Math.log(Math.min(Math.max(probs[i * k + labels[i]], eps), 1 - eps));
    }
    confusion[labels[i]][pred]++;
  }
  const classes = confusion.map((row, c) => {
    const tp = row[c];
    const support = row.reduce((a, b) => a + b, 0);
    const predicted = confusion.reduce((a, r) => a + r[c], 0);
    const precision = predicted ? tp / predicted : 0;
    const recall = support ? tp / support : 0;
    return { name: names[c] ?? String(c), precision, recall, f1: precision + recall ? (2 * precision * recall) / (precision + recall) : 0, support };
  });
  const correct = confusion.reduce((a, r, c) => a + r[c], 0);
  return { loss: loss / n, accuracy: correct / n, classes, confusion };
}

export function formatReport(r: ClassReport): string {
  const w = Math.max(8, ...r.classes.map((c) => c.name.length));
  const lines = [`loss ${r.loss.toFixed(4)}  accuracy ${(100 * r.accuracy).toFixed(2)}%`, '', `${'class'.padEnd(w)}  precision  recall     f1  support`];
  for (const c of r.classes) {
    lines.push(`${c.name.padEnd(w)}  ${c.precision.toFixed(3).padStart(9)}  ${c.recall.toFixed(3).padStart(6)}  ${c.f1.toFixed(3).padStart(5)}  ${String(c.support).padStart(7)}`);
  }
  lines.push('', 'confusion matrix (rows: true class, columns: predicted)');
  const cw = Math.max(5, ...r.confusion.flat().map((v) => String(v).length + 1));
  lines.push(' '.repeat(w) + r.classes.map((_, j) => String(j).padStart(cw)).join(''));
  r.confusion.forEach((row, i) => lines.push(`${r.classes[i].name.padEnd(w)}${row.map((v) => String(v).padStart(cw)).join('')}  (${i})`));
  return lines.join('\n');
}

export function evaluateCommand(): Command {
  return new Command('evaluate')
    .description('evaluate a classifier on an image folder or fashion-mnist: loss, accuracy, per-class report, confusion matrix')
    .requiredOption('--model <file>', 'a fine-tuned model (.h5, .keras, tfjs model.json)')
    .requiredOption('--data <dir|fashion-mnist>', 'image folder (one subfolder per class), fashion-mnist or fashion-mnist:test')
    .option('--preprocess <mode>', 'inception|tf|caffe|vgg|torch|none', 'none')
    .option('--batch-size <n>', 'batch size', '64')
    .option('--limit <n>', 'evaluate at most N images')
    .option('--json', 'print JSON')
    .addOption(precisionOption())
    .action(async (o: { model: string; data: string; preprocess: string; batchSize: string; limit?: string; json?: boolean; precision?: string }) => {
      const device = await initWithPrecision(o.precision);
      const { model, classNames: savedNames } = await loadModelFile(o.model);
      const data = await loadData(o.data, { inputShape: model.inputShape, preprocess: o.preprocess, validationSplit: 0, seed: 0, limit: o.limit ? Number(o.limit) : undefined });
      const src = data.train(0);
      const saved = o.model.replace(/\.(h5|hdf5|keras|json)$/i, '') + '.classes.json';
      const names: string[] = savedNames ?? (existsSync(saved) ? JSON.parse(readFileSync(saved, 'utf8')) : data.classNames);
      const out = await predict(model, src, Number(o.batchSize));
      const labels: number[] = [];
      const bs = 256;
      for (let i = 0; i < src.size; i += bs) {
        const idx = Array.from({ length: Math.min(bs, src.size - i) }, (_, j) => i + j);
        const y = src.targets ? src.targets(idx) : (await src.get(idx)).y;
        labels.push(...Array.from(y, Math.round));
      }
      const k = out.shape[out.shape.length - 1];
      const r = classReport(out.data, k, labels, names);
      if (o.json) console.log(JSON.stringify({ device: deviceLine(device), samples: src.size, ...r }));
      else console.log(`device: ${deviceLine(device)}\n${src.size} images\n${formatReport(r)}`);
    });
}
