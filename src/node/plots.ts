// Training curves (loss, accuracy or another metric; train vs validation) rendered headless:
// a Vega-Lite spec compiled by vega-lite, drawn to SVG by vega's headless View, and converted to
// PNG by @resvg/resvg-js (no browser, no canvas).
import { mkdirSync, writeFileSync } from 'node:fs';
import * as vega from 'vega';
import { compile } from 'vega-lite';
import { Resvg } from '@resvg/resvg-js';
import type { History } from '../train/fit.ts';

/** The metrics to plot: loss, then each other series that has a val_ twin (or stands alone). */
export function plotSeries(h: History): string[] {
  const keys = Object.keys(h.history).filter((k) => !k.startsWith('val_') && !['lr', 'seconds', 'samples_per_second', 'loss_scale', 'skipped_steps'].includes(k));
  return keys.sort((a, b) => (a === 'loss' ? -1 : b === 'loss' ? 1 : a.localeCompare(b)));
}

/** SVG text of one metric's curves (train and, when present, validation). */
export async function curveSvg(h: History, metric: string, title = metric): Promise<string> {
  const values: { epoch: number; value: number; split: string }[] = [];
  h.epoch.forEach((e, i) => {
    const t = h.history[metric]?.[i];
    const v = h.history[`val_${metric}`]?.[i];
    if (t !== undefined && Number.isFinite(t)) values.push({ epoch: e + 1, value: t, split: 'train' });
    if (v !== undefined && Number.isFinite(v)) values.push({ epoch: e + 1, value: v, split: 'validation' });
  });
  const spec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title,
    width: 420,
    height: 260,
    background: 'white',
    data: { values },
    mark: { type: 'line', point: true },
    encoding: {
      x: { field: 'epoch', type: 'quantitative', title: 'epoch', axis: { tickMinStep: 1 } },
      y: { field: 'value', type: 'quantitative', title: metric, scale: { zero: false } },
      color: { field: 'split', type: 'nominal', title: null, scale: { domain: ['train', 'validation'], range: ['#1f77b4', '#ff7f0e'] } },
    },
  };
  const vg = compile(spec as never).spec;
  const view = new vega.View(vega.parse(vg), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

export function svgToPng(svg: string, width = 900): Uint8Array {
  return new Resvg(svg, { fitTo: { mode: 'width', value: width }, background: 'white', font: { loadSystemFonts: true } }).render().asPng();
}

/** Writes `<metric>.svg` and `<metric>.png` into dir for loss and each metric; returns the paths. */
export async function writePlots(dir: string, h: History): Promise<string[]> {
  mkdirSync(dir, { recursive: true });
  const out: string[] = [];
  for (const m of plotSeries(h)) {
    const svg = await curveSvg(h, m);
    writeFileSync(`${dir}/${m}.svg`, svg);
    writeFileSync(`${dir}/${m}.png`, svgToPng(svg));
    out.push(`${dir}/${m}.svg`, `${dir}/${m}.png`);
  }
  return out;
}
