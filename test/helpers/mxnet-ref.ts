// A float64 CPU interpreter of MXNet symbol graphs in MXNet's own NCHW layout and inference
// semantics (BatchNorm with moving statistics, fix_gamma as gamma = 1, Dropout off), written from
// MXNet's operator documentation, independently of src/loaders/mxnet/symbol.ts.
import type { MxSymbol } from '../../src/loaders/mxnet/symbol.ts';

export interface Arr {
  shape: number[];
  data: Float64Array;
}
const size = (s: number[]) => s.reduce((a, b) => a * b, 1);
const tup = (s: string | undefined, def: number[]) => {
  if (s === undefined || s === 'None') return def;
  const v = s.replace(/[()\s]/g, '').split(',').filter(Boolean).map(Number);
  return v.length === 1 && def.length === 2 ? [v[0], v[0]] : v;
};
const flag = (s: string | undefined, def: boolean) => (s === undefined ? def : s === 'True' || s === 'true' || s === '1');

export function runSymbolRef(sym: MxSymbol, params: Map<string, Float32Array | Float64Array>, input: Arr): Arr[] {
  const vals = new Map<number, Arr>();
  const P = (i: number): Float64Array => {
    const n = sym.nodes[i];
    const p = params.get(n.name);
    if (!p) throw new Error(`ref: no parameter ${n.name}`);
    return Float64Array.from(p);
  };
  const need = new Set<number>();
  const visit = (i: number) => {
    if (need.has(i)) return;
    need.add(i);
    sym.nodes[i].inputs.forEach(([s]) => visit(s));
  };
  sym.heads.forEach(([h]) => visit(h));
  for (const i of [...need].sort((a, b) => a - b)) {
    const n = sym.nodes[i];
    const a = n.attrs;
    if (n.op === 'null') {
      if (!params.has(n.name)) vals.set(i, input);
      continue;
    }
    const x = vals.get(n.inputs[0][0])!;
    const [N] = x.shape;
    let y: Arr;
    switch (n.op) {
      case 'Convolution': {
        const [, C, H, W] = x.shape;
        const [kh, kw] = tup(a.kernel, []);
        const [sh, sw] = tup(a.stride, [1, 1]);
        const [ph, pw] = tup(a.pad, [0, 0]);
        const [dh, dw] = tup(a.dilate, [1, 1]);
        const O = Number(a.num_filter);
        const G = Number(a.num_group ?? 1);
        const w = P(n.inputs[1][0]);
        const b = flag(a.no_bias, false) ? null : P(n.inputs[2][0]);
        const OH = Math.floor((H + 2 * ph - dh * (kh - 1) - 1) / sh) + 1;
        const OW = Math.floor((W + 2 * pw - dw * (kw - 1) - 1) / sw) + 1;
        const cg = C / G;
        const og = O / G;
        const out = new Float64Array(N * O * OH * OW);
        for (let nn = 0; nn < N; nn++) for (let o = 0; o < O; o++) {
          const g = Math.floor(o / og);
          for (let oy = 0; oy < OH; oy++) for (let ox = 0; ox < OW; ox++) {
            let s = b ? b[o] : 0;
            for (let c = 0; c < cg; c++) for (let ky = 0; ky < kh; ky++) {
              const iy = oy * sh - ph + ky * dh;
              if (iy < 0 || iy >= H) continue;
              for (let kx = 0; kx < kw; kx++) {
                const ix = ox * sw - pw + kx * dw;
                if (ix < 0 || ix >= W) continue;
                s += x.data[((nn * C + g * cg + c) * H + iy) * W + ix] * w[((o * cg + c) * kh + ky) * kw + kx];
              }
            }
            out[((nn * O + o) * OH + oy) * OW + ox] = s;
          }
        }
        y = { shape: [N, O, OH, OW], data: out };
        break;
      }
      case 'BatchNorm': {
        const C = x.shape[1];
        const inner = size(x.shape.slice(2));
        const gamma = flag(a.fix_gamma, true) ? new Float64Array(C).fill(1) : P(n.inputs[1][0]);
        const beta = P(n.inputs[2][0]);
        const mean = P(n.inputs[3][0]);
        const vr = P(n.inputs[4][0]);
        const eps = Number(a.eps ?? 1e-3);
        const out = new Float64Array(x.data.length);
        for (let j = 0; j < x.data.length; j++) {
          const c = Math.floor(j / inner) % C;
          out[j] = ((x.data[j] - mean[c]) / Math.sqrt(vr[c] + eps)) * gamma[c] + beta[c];
        }
        y = { shape: x.shape, data: out };
        break;
      }
      case 'Activation': {
        const f = { relu: (v: number) => Math.max(0, v), sigmoid: (v: number) => 1 / (1 + Math.exp(-v)), tanh: Math.tanh, softrelu: (v: number) => Math.log1p(Math.exp(v)) }[a.act_type as 'relu'];
        y = { shape: x.shape, data: x.data.map(f) };
        break;
      }
      case 'LeakyReLU': {
        const t = a.act_type ?? 'leaky';
        const slope = Number(a.slope ?? 0.25);
        if (t === 'prelu') {
          const g = P(n.inputs[1][0]);
          const C = x.shape[1];
          const inner = size(x.shape.slice(2));
          y = { shape: x.shape, data: x.data.map((v, j) => (v > 0 ? v : v * g[Math.floor(j / inner) % C])) };
        } else if (t === 'elu') y = { shape: x.shape, data: x.data.map((v) => (v > 0 ? v : slope * (Math.exp(v) - 1))) };
        else y = { shape: x.shape, data: x.data.map((v) => (v > 0 ? v : v * slope)) };
        break;
      }
      case 'Pooling': {
        const [, C, H, W] = x.shape;
        const type = a.pool_type ?? 'max';
        const global = flag(a.global_pool, false);
        const [kh, kw] = global ? [H, W] : tup(a.kernel, []);
        const [sh, sw] = global ? [1, 1] : tup(a.stride, [1, 1]);
        const [ph, pw] = global ? [0, 0] : tup(a.pad, [0, 0]);
        const full = (a.pooling_convention ?? 'valid') === 'full';
        const r = full ? Math.ceil : Math.floor;
        const OH = global ? 1 : r((H + 2 * ph - kh) / sh) + 1;
        const OW = global ? 1 : r((W + 2 * pw - kw) / sw) + 1;
        const incl = flag(a.count_include_pad, true);
        const out = new Float64Array(N * C * OH * OW);
        for (let nc = 0; nc < N * C; nc++) for (let oy = 0; oy < OH; oy++) for (let ox = 0; ox < OW; ox++) {
          const y0 = oy * sh - ph;
          const x0 = ox * sw - pw;
          const y1 = Math.min(y0 + kh, H + ph);
          const x1 = Math.min(x0 + kw, W + pw);
          let m = -Infinity;
          let s = 0;
          let cnt = 0;
          for (let yy = Math.max(y0, 0); yy < Math.min(y1, H); yy++) for (let xx = Math.max(x0, 0); xx < Math.min(x1, W); xx++) {
            const v = x.data[(nc * H + yy) * W + xx];
            m = Math.max(m, v);
            s += v;
            cnt++;
          }
          out[(nc * OH + oy) * OW + ox] = type === 'max' ? m : s / (incl ? (y1 - y0) * (x1 - x0) : cnt);
        }
        y = { shape: [N, C, OH, OW], data: out };
        break;
      }
      case 'Flatten':
        y = { shape: [N, size(x.shape) / N], data: x.data };
        break;
      case 'FullyConnected': {
        const F = size(x.shape) / N;
        const O = Number(a.num_hidden);
        const w = P(n.inputs[1][0]);
        const b = flag(a.no_bias, false) ? null : P(n.inputs[2][0]);
        const out = new Float64Array(N * O);
        for (let nn = 0; nn < N; nn++) for (let o = 0; o < O; o++) {
          let s = b ? b[o] : 0;
          for (let f = 0; f < F; f++) s += x.data[nn * F + f] * w[o * F + f];
          out[nn * O + o] = s;
        }
        y = { shape: [N, O], data: out };
        break;
      }
      case 'elemwise_add':
      case '_Plus':
      case 'broadcast_add': {
        const z = vals.get(n.inputs[1][0])!;
        y = { shape: x.shape, data: x.data.map((v, j) => v + z.data[j]) };
        break;
      }
      case '_minus_scalar':
        y = { shape: x.shape, data: x.data.map((v) => v - Number(a.scalar)) };
        break;
      case '_plus_scalar':
        y = { shape: x.shape, data: x.data.map((v) => v + Number(a.scalar)) };
        break;
      case '_mul_scalar':
        y = { shape: x.shape, data: x.data.map((v) => v * Number(a.scalar)) };
        break;
      case '_div_scalar':
        y = { shape: x.shape, data: x.data.map((v) => v / Number(a.scalar)) };
        break;
      case '_rminus_scalar':
        y = { shape: x.shape, data: x.data.map((v) => Number(a.scalar) - v) };
        break;
      case 'Concat': {
        const parts = n.inputs.map(([s]) => vals.get(s)!);
        const inner = size(x.shape.slice(2));
        const C = parts.reduce((s, p) => s + p.shape[1], 0);
        const out = new Float64Array(N * C * inner);
        let off = 0;
        for (const p of parts) {
          const pc = p.shape[1];
          for (let nn = 0; nn < N; nn++) out.set(p.data.subarray(nn * pc * inner, (nn + 1) * pc * inner), (nn * C + off) * inner);
          off += pc;
        }
        y = { shape: [N, C, ...x.shape.slice(2)], data: out };
        break;
      }
      case 'Dropout':
      case 'LinearRegressionOutput':
        y = x;
        break;
      case 'SoftmaxOutput':
      case 'SoftmaxActivation': {
        const channel = n.op === 'SoftmaxActivation' ? a.mode === 'channel' : flag(a.multi_output, false);
        const C = channel ? x.shape[1] : size(x.shape) / N;
        const inner = channel ? size(x.shape.slice(2)) : 1;
        const out = new Float64Array(x.data.length);
        for (let nn = 0; nn < N; nn++) for (let q = 0; q < inner; q++) {
          const at = (c: number) => (nn * C + c) * inner + q;
          let m = -Infinity;
          for (let c = 0; c < C; c++) m = Math.max(m, x.data[at(c)]);
          let s = 0;
          for (let c = 0; c < C; c++) s += Math.exp(x.data[at(c)] - m);
          for (let c = 0; c < C; c++) out[at(c)] = Math.exp(x.data[at(c)] - m) / s;
        }
        y = { shape: x.shape, data: out };
        break;
      }
      default:
        throw new Error(`ref: op ${n.op} not implemented`);
    }
    vals.set(i, y);
  }
  return sym.heads.map(([h]) => vals.get(h)!);
}

/** NCHW -> NHWC (our engine's layout) for comparing 4-D outputs. */
export function nchwToNhwc(a: Arr): Float64Array {
  if (a.shape.length !== 4) return a.data;
  const [N, C, H, W] = a.shape;
  const out = new Float64Array(a.data.length);
  for (let n = 0; n < N; n++) for (let c = 0; c < C; c++) for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) {
    out[((n * H + y) * W + x) * C + c] = a.data[((n * C + c) * H + y) * W + x];
  }
  return out;
}
