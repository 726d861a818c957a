// The conv autotuner: for one geometry, times every tested variant of the kernels a pass uses
// (CONV_TILES for forward and dgrad, then FWD_OQ for the vec4 forward on the chosen tile,
// WGRAD_FQ for the vec4 wgrad) on random data and stores the
// fastest under the device's TuningStore, where conv2d.ts and depthwise.ts look it up.
import { Tensor } from '../graph/tensor.ts';
import { CONV_TILES, type ConvGeometry } from './conv-geometry.ts';
import { conv2dDgrad, conv2dForward, conv2dWgrad, FWD_OQ, WGRAD_FQ } from './conv2d.ts';
import { depthwiseDgrad, depthwiseForward } from './depthwise.ts';
import { convKey, pickFastest, tunedConvTile, tunedNumber, tuningStore } from './tuning.ts';

export type ConvPass = 'fwd' | 'dgrad' | 'wgrad';

function random(shape: number[]): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const data = new Float32Array(n);
  for (let i = 0; i < n; i++) data[i] = Math.random() - 0.5;
  return Tensor.from(data, shape);
}

export interface TuneReport {
  key: string;
  /** Index of the chosen variant and the time of each variant in ms. */
  choice: number;
  ms: number[];
}

/**
 * Tunes the passes of a conv (kind 'conv2d', HWIO kernel) or depthwise conv (multiplier 1) of
 * geometry `g` that have no stored choice yet (all of them with `force`). Needs a store on the
 * device (setTuningStore); returns what it measured.
 */
export async function tuneConv(kind: 'conv2d' | 'depthwise', g: ConvGeometry, passes: readonly ConvPass[], force = false): Promise<TuneReport[]> {
  const x = random([g.N, g.H, g.W, g.C]);
  const device = x.device;
  const store = tuningStore(device);
  if (!store) {
    x.dispose();
    throw new Error('tuneConv: no tuning store on this device (setTuningStore)');
  }
  const w = random(kind === 'conv2d' ? [g.KH, g.KW, g.C, g.O] : [g.KH, g.KW, g.C, 1]);
  const dy = random([g.N, g.OH, g.OW, g.O]);
  const out: TuneReport[] = [];
  try {
    for (const pass of passes) {
      if (pass === 'wgrad') {
        if (kind !== 'conv2d' || g.C % 4 || g.O % 4) continue; // one wgrad variant only
        const key = convKey('conv2d_wgrad', g);
        if (!force && tunedNumber(device, key, WGRAD_FQ) !== null) continue;
        const { best, ms } = await pickFastest(device, WGRAD_FQ, (fq) => conv2dWgrad(x, dy, g, undefined, fq));
        store.set(key, String(best));
        out.push({ key, choice: WGRAD_FQ.indexOf(best), ms });
        continue;
      }
      const op = `${kind}${pass === 'dgrad' ? '_dgrad' : ''}`;
      const key = convKey(op, g);
      if (!force && tunedConvTile(device, op, g)) continue;
      const run =
        kind === 'conv2d'
          ? pass === 'fwd'
            ? (tile: (typeof CONV_TILES)[number]) => conv2dForward(x, w, g, { tile })
            : (tile: (typeof CONV_TILES)[number]) => conv2dDgrad(dy, w, g, { tile })
          : pass === 'fwd'
            ? (tile: (typeof CONV_TILES)[number]) => depthwiseForward(x, w, g, { tile })
            : (tile: (typeof CONV_TILES)[number]) => depthwiseDgrad(dy, w, g, tile);
      // The forward's filter quads first (on the default tile), then its tile with that width.
      let oq: number | undefined;
      if (kind === 'conv2d' && pass === 'fwd' && g.C % 4 === 0 && g.O % 4 === 0) {
        const oqKey = convKey('conv2d_oq', g);
        const tile = tunedConvTile(device, op, g) ?? undefined;
        const r = await pickFastest(device, FWD_OQ, (q) => conv2dForward(x, w, g, { tile, oq: q }));
        store.set(oqKey, String(r.best));
        out.push({ key: oqKey, choice: FWD_OQ.indexOf(r.best), ms: r.ms });
        oq = r.best;
      }
      const { best, ms } = await pickFastest(device, CONV_TILES, oq ? (tile) => conv2dForward(x, w, g, { tile, oq }) : run);
      store.set(key, JSON.stringify(best));
      out.push({ key, choice: CONV_TILES.indexOf(best), ms });
    }
  } finally {
    for (const t of [x, w, dy]) t.dispose();
  }
  return out;
}
