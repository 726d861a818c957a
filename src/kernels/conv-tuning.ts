// The conv autotuner: for one geometry, times every tested variant of the kernels a pass uses on
// random data and stores the fastest under the device's TuningStore, where conv2d.ts and
// depthwise.ts look it up: for the forward and dgrad passes of the vec4 kernels first the quads
// per thread (FWD_OQ, DGRAD_CQ, DW_CQ) on the stored or default tile, then the tile (CONV_TILES,
// or FWD_TILES for the register-blocked forward) with that choice; WGRAD_BLOCKS for the vec4 wgrad.
// A stride-1 input gradient, which can run as a forward conv (dgradAsForward), tunes that forward
// and the dgrad kernels, then stores the faster path.
import { Tensor } from '../graph/tensor.ts';
import { CONV_TILES, type ConvGeometry, type ConvTile } from './conv-geometry.ts';
import { conv2dDgrad, conv2dForward, conv2dWgrad, DGRAD_CQ, DGRAD_PATHS, dgradForwardEligible, dgradForwardGeometry, FWD_OQ, fwdOqs, fwdTiles, WGRAD_BLOCKS, wgradBlockName, wgradBlocks } from './conv2d.ts';
import { depthwiseDgrad, depthwiseForward, DW_CQ } from './depthwise.ts';
import { convKey, pickFastest, randomInput as random, tunedChoice, tunedConvTile, tunedNumber, tuningStore } from './tuning.ts';

export type ConvPass = 'fwd' | 'dgrad' | 'wgrad';

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
  /** The quads per thread of the vec4 kernels on the stored or default tile, then the tile. */
  async function tuneQuadsAndTile(pass: 'fwd' | 'dgrad', force: boolean): Promise<TuneReport[]> {
    const op = `${kind}${pass === 'dgrad' ? '_dgrad' : ''}`;
    const key = convKey(op, g);
    // The vec4 kernels' quads per thread: [store key, tested values, run with (tile, value)].
    const vec4 = g.C % 4 === 0 && g.O % 4 === 0 && (kind === 'conv2d' || g.O === g.C);
    type Run = (tile: ConvTile | undefined, q: number | undefined) => Tensor;
    const [qKey, qs, run]: [string | null, readonly number[], Run] =
      kind === 'conv2d'
        ? pass === 'fwd'
          ? [vec4 ? 'conv2d_oq' : null, fwdOqs(device), (tile, oq) => conv2dForward(x, w, g, { tile, oq })]
          : [vec4 ? 'conv2d_dgrad_cq' : null, DGRAD_CQ, (tile, cq) => conv2dDgrad(dy, w, g, { tile, cq })]
        : pass === 'fwd'
          ? [vec4 ? 'depthwise_cq' : null, DW_CQ, (tile, cq) => depthwiseForward(x, w, g, { tile, cq })]
          : [vec4 ? 'depthwise_dgrad_cq' : null, DW_CQ, (tile, cq) => depthwiseDgrad(dy, w, g, tile, { cq })];
    const qk = qKey && convKey(qKey, g);
    if (!force && tunedConvTile(device, op, g, op === 'conv2d' ? fwdTiles(device, FWD_OQ[FWD_OQ.length - 1]) : CONV_TILES) && (!qk || tunedNumber(device, qk, qs) !== null)) return [];
    const reports: TuneReport[] = [];
    let q: number | undefined;
    if (qk) {
      const tile = tunedConvTile(device, op, g) ?? undefined; // channel quads on a tile every quad count runs
      const r = await pickFastest(device, qs, (v) => run(tile, v));
      store!.set(qk, String(r.best));
      reports.push({ key: qk, choice: qs.indexOf(r.best), ms: r.ms });
      q = r.best;
    }
    const tiles = kind === 'conv2d' && pass === 'fwd' && q !== undefined ? fwdTiles(device, q) : CONV_TILES;
    const { best, ms } = await pickFastest(device, tiles, (tile) => run(tile, q));
    store!.set(key, JSON.stringify(best));
    reports.push({ key, choice: tiles.indexOf(best), ms });
    return reports;
  }

  try {
    for (const pass of passes) {
      if (pass === 'wgrad') {
        if (kind !== 'conv2d' || g.C % 4 || g.O % 4) continue; // one wgrad variant only
        const key = convKey('conv2d_wgrad', g);
        if (!force && tunedChoice(device, key, WGRAD_BLOCKS, wgradBlockName) !== null) continue;
        const { best, ms } = await pickFastest(device, wgradBlocks(device), (b) => conv2dWgrad(x, dy, g, undefined, b));
        store.set(key, wgradBlockName(best));
        out.push({ key, choice: WGRAD_BLOCKS.indexOf(best), ms });
        continue;
      }
      if (kind === 'conv2d' && pass === 'dgrad' && dgradForwardEligible(device, g)) {
        // A stride-1 input gradient runs either as a forward conv of its own geometry or on the
        // dgrad kernels (conv2d.ts, dgradAsForward): tune both, then keep the faster path.
        const pathKey = convKey('conv2d_dgrad_path', g);
        if (!force && tunedChoice(device, pathKey, DGRAD_PATHS, String) !== null) continue;
        out.push(...(await tuneConv('conv2d', dgradForwardGeometry(g), ['fwd'], force)));
        out.push(...(await tuneQuadsAndTile(pass, force)));
        const { best, ms } = await pickFastest(device, DGRAD_PATHS, (path) => conv2dDgrad(dy, w, g, { path }));
        store.set(pathKey, best);
        out.push({ key: pathKey, choice: DGRAD_PATHS.indexOf(best), ms });
        continue;
      }
      out.push(...(await tuneQuadsAndTile(pass, force)));
    }
  } finally {
    for (const t of [x, w, dy]) t.dispose();
  }
  return out;
}
