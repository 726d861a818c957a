// Freezing and per-layer learning rates, as Keras and Gluon users write them.
//   --freeze N     : backbone.layers[:N] (Keras order; a functional model's InputLayer is layer 0)
//   --freeze LAYER : up to and including LAYER
//   --freeze all   : every backbone layer (only the head trains)
//   --freeze none  : nothing
// Layers of the head never count. A frozen BatchNormalization runs in inference mode.
import type { Layer } from '../graph/layer.ts';
import type { Model } from '../graph/model.ts';
import type { Optimizer } from './optimizer.ts';

/** Freezes backbone layers per `spec`; returns how many layers are frozen. */
export function freeze(backbone: Model | Layer[], spec: string | number): number {
  const layers = Array.isArray(backbone) ? backbone : backbone.layers;
  let n: number;
  if (typeof spec === 'number' || /^\d+$/.test(spec)) {
    n = Number(spec);
    if (n > layers.length) throw new Error(`--freeze ${n}: the backbone has only ${layers.length} layers`);
  } else if (spec === 'all') {
    n = layers.length;
  } else if (spec === 'none' || spec === '') {
    n = 0;
  } else {
    const i = layers.findIndex((l) => l.name === spec);
    if (i < 0) {
      const near = layers.filter((l) => l.name.includes(spec)).slice(0, 5).map((l) => l.name);
      throw new Error(`--freeze ${spec}: no backbone layer has that name${near.length ? ` (did you mean ${near.join(', ')}?)` : ''}`);
    }
    n = i + 1;
  }
  layers.forEach((l, i) => (l.trainable = i >= n));
  return n;
}

/** Unfreezes layers from `from` (name or index) to the end, for the second phase of training. */
export function unfreezeFrom(backbone: Model | Layer[], from: string | number): number {
  const layers = Array.isArray(backbone) ? backbone : backbone.layers;
  const i = typeof from === 'number' || /^\d+$/.test(String(from)) ? Number(from) : layers.findIndex((l) => l.name === from);
  if (i < 0 || i > layers.length) throw new Error(`unfreeze: no layer ${from}`);
  layers.forEach((l, k) => {
    if (k >= i) l.trainable = true;
  });
  return layers.length - i;
}

/** A glob ("block5_*", "*bias*") or plain substring, matched against layer and weight names. */
function matcher(pattern: string): (s: string) => boolean {
  if (!pattern.includes('*') && !pattern.includes('?')) return (s) => s.includes(pattern);
  const re = new RegExp('^' + pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.') + '$');
  return (s) => re.test(s);
}

/**
 * Per-variable learning-rate multipliers (Gluon lr_mult) from "PATTERN=FACTOR" specs. A variable
 * takes the factor of the last spec matching its layer or weight name. Returns matches per spec.
 */
export function applyLrMult(model: Model, optimizer: Optimizer, specs: string[]): Map<string, number> {
  const lrMult = (optimizer.lrMult ??= new Map());
  const counts = new Map<string, number>();
  for (const spec of specs) {
    const eq = spec.lastIndexOf('=');
    const factor = Number(spec.slice(eq + 1));
    if (eq <= 0 || !Number.isFinite(factor) || factor < 0) throw new Error(`--lr-mult ${spec}: expected PATTERN=FACTOR`);
    const match = matcher(spec.slice(0, eq));
    let c = 0;
    for (const l of model.layers) {
      const layerHit = match(l.name);
      for (const v of l.weights) {
        if (layerHit || match(v.name)) {
          lrMult.set(v.name, factor);
          c++;
        }
      }
    }
    if (!c) throw new Error(`--lr-mult ${spec}: no layer or weight name matches`);
    counts.set(spec, c);
  }
  return counts;
}
