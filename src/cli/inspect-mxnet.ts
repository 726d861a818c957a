// The MXNet part of `wgft inspect` and `wgft run`: `.params` files list their arrays
// ({tensors: [{name, dtype, shape, size}], total_values}); `-symbol.json` files build the model
// (parameters from the newest `prefix-NNNN.params` beside it) and print the model summary.
// `wgft run` on a symbol takes and writes arrays in MXNet's NCHW layout.
import { readFileSync, writeFileSync } from 'node:fs';
import { initNode } from '../node/dawn.ts';
import { isMxnetSymbolFile, loadMxnetSymbolFile, readMxnetParamsFile } from '../node/mxnet.ts';
import { formatTensorListing, type TensorListing } from './inspect-checkpoint.ts';
import { summarize, formatSummary } from './inspect-model.ts';
import { parseNpy, writeNpy } from '../loaders/npy.ts';
import { Tensor, shapeStr } from '../graph/tensor.ts';
import { tidy } from '../graph/scope.ts';

export { isMxnetSymbolFile };

export async function inspectMxnetParams(path: string, json: boolean): Promise<string> {
  const p = await readMxnetParamsFile(path);
  const tensors = p.tensors.map((t, i) => ({ name: p.named ? t.name : String(i), dtype: t.dtype, shape: [...t.shape], size: t.data.length }));
  const l: TensorListing = { tensors, total_values: tensors.reduce((s, t) => s + t.size, 0) };
  return json ? JSON.stringify(l, null, 2) : formatTensorListing(`${path} (MXNet NDArray list, ${[...new Set(p.tensors.map((t) => t.layout))].join('/')} records)`, l);
}

export async function inspectMxnetSymbol(path: string, json: boolean, inputShape?: number[]): Promise<string> {
  await initNode();
  const f = await loadMxnetSymbolFile(path, { inputShape });
  const s = summarize(f.sm.model);
  if (json) return JSON.stringify(s, null, 2);
  const note = f.paramsPath ? `parameters: ${f.paramsPath}` : 'no parameter file beside the symbol (weights are initial values)';
  return formatSummary(`${path}: MXNet symbol, input (N,${f.sm.inputShape.join(',')}) NCHW; ${note}`, s);
}

export async function inspectMxnet(path: string, json: boolean): Promise<string> {
  return isMxnetSymbolFile(path) ? inspectMxnetSymbol(path, json) : inspectMxnetParams(path, json);
}

const nchwToNhwc = (d: Float32Array, [n, c, h, w]: number[]) => {
  const o = new Float32Array(d.length);
  for (let a = 0; a < n; a++) for (let k = 0; k < c; k++) for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) o[((a * h + y) * w + x) * c + k] = d[((a * c + k) * h + y) * w + x];
  return o;
};
const nhwcToNchw = (d: Float32Array, [n, h, w, c]: number[]) => {
  const o = new Float32Array(d.length);
  for (let a = 0; a < n; a++) for (let k = 0; k < c; k++) for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) o[((a * c + k) * h + y) * w + x] = d[((a * h + y) * w + x) * c + k];
  return o;
};

/** `wgft run` for a symbol file: X in NCHW (or [N, F]), Y written in MXNet's layout. */
export async function runMxnetSymbol(o: { model: string; input: string; output: string; batch: number; params?: string }): Promise<void> {
  await initNode();
  const x = parseNpy(new Uint8Array(readFileSync(o.input)), o.input);
  let shape = x.shape;
  const { sm } = await loadMxnetSymbolFile(o.model, { paramsPath: o.params, inputShape: shape.length >= 2 ? shape.slice(1) : undefined });
  const want = sm.inputShape;
  if (shape.length === want.length) shape = [1, ...shape];
  if (shape.length !== want.length + 1 || shape.slice(1).some((d, i) => d !== want[i])) throw new Error(`${o.model} takes [N,${want.join(',')}] (NCHW), the array is ${shapeStr(x.shape)}`);
  const n = shape[0];
  const data = want.length === 3 ? nchwToNhwc(x.data, shape) : x.data;
  const per = want.reduce((a, b) => a * b, 1);
  const ours = sm.model.outputShape;
  const outPer = ours.reduce((a, b) => a * b, 1);
  const out = new Float32Array(n * outPer);
  for (let s = 0; s < n; s += o.batch) {
    const b = Math.min(o.batch, n - s);
    const y = await tidy(() => sm.model.call([Tensor.from(data.subarray(s * per, (s + b) * per), [b, ...sm.model.inputShape])], { training: false }).data());
    out.set(y, s * outPer);
  }
  const mxShape = [n, ...sm.outputShapes[0]];
  const result = ours.length === 3 ? nhwcToNchw(out, [n, ...ours]) : out;
  writeFileSync(o.output, writeNpy(result, mxShape));
  console.error(`${o.output}: ${shapeStr(mxShape)} float32 (MXNet layout)`);
}
