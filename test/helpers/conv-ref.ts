// Float64 CPU references for convolutions (NHWC, Keras kernel layouts), written as plain loops
// independent of the GPU kernels: forward as a gather, the transposed conv as a scatter.
export interface Geo {
  N: number; H: number; W: number; C: number; OH: number; OW: number; O: number;
  KH: number; KW: number; SH: number; SW: number; DH: number; DW: number; PT: number; PL: number;
}

/** TF padding rule, recomputed here rather than imported so the test checks the engine's. */
export function refGeometry(x: number[], KH: number, KW: number, O: number, s: [number, number], d: [number, number], padding: string): Geo {
  const [N, H, W, C] = x;
  const one = (n: number, k: number, st: number, dl: number): [number, number] => {
    const eff = (k - 1) * dl + 1;
    if (padding === 'valid') return [Math.ceil((n - eff + 1) / st), 0];
    const out = Math.ceil(n / st);
    return [out, Math.floor(Math.max(0, (out - 1) * st + eff - n) / 2)];
  };
  const [OH, PT] = one(H, KH, s[0], d[0]);
  const [OW, PL] = one(W, KW, s[1], d[1]);
  return { N, H, W, C, OH, OW, O, KH, KW, SH: s[0], SW: s[1], DH: d[0], DW: d[1], PT, PL };
}

export const actRef = (v: number, act: string): number =>
  act === 'relu' ? Math.max(0, v) : act === 'tanh' ? Math.tanh(v) : act === 'sigmoid' ? 1 / (1 + Math.exp(-v)) : act === 'relu6' ? Math.min(6, Math.max(0, v)) : v;

/** y[n,oh,ow,o] = act(sum x[n,ih,iw,c] * w[kh,kw,c,o] + b[o]); w HWIO. */
export function refConv(x: Float64Array, w: Float64Array, g: Geo, b?: Float64Array | null, act = 'linear'): Float64Array {
  const y = new Float64Array(g.N * g.OH * g.OW * g.O);
  for (let n = 0; n < g.N; n++)
    for (let oh = 0; oh < g.OH; oh++)
      for (let ow = 0; ow < g.OW; ow++)
        for (let o = 0; o < g.O; o++) {
          let s = b ? b[o] : 0;
          for (let kh = 0; kh < g.KH; kh++) {
            const ih = oh * g.SH - g.PT + kh * g.DH;
            if (ih < 0 || ih >= g.H) continue;
            for (let kw = 0; kw < g.KW; kw++) {
              const iw = ow * g.SW - g.PL + kw * g.DW;
              if (iw < 0 || iw >= g.W) continue;
              for (let c = 0; c < g.C; c++) s += x[((n * g.H + ih) * g.W + iw) * g.C + c] * w[((kh * g.KW + kw) * g.C + c) * g.O + o];
            }
          }
          y[((n * g.OH + oh) * g.OW + ow) * g.O + o] = actRef(s, act);
        }
  return y;
}

/** Depthwise: w [KH,KW,C,M], y channel c*M+m; g.O = C*M. */
export function refDepthwise(x: Float64Array, w: Float64Array, g: Geo, b?: Float64Array | null, act = 'linear'): Float64Array {
  const M = g.O / g.C;
  const y = new Float64Array(g.N * g.OH * g.OW * g.O);
  for (let n = 0; n < g.N; n++)
    for (let oh = 0; oh < g.OH; oh++)
      for (let ow = 0; ow < g.OW; ow++)
        for (let c = 0; c < g.C; c++)
          for (let m = 0; m < M; m++) {
            let s = b ? b[c * M + m] : 0;
            for (let kh = 0; kh < g.KH; kh++) {
              const ih = oh * g.SH - g.PT + kh * g.DH;
              if (ih < 0 || ih >= g.H) continue;
              for (let kw = 0; kw < g.KW; kw++) {
                const iw = ow * g.SW - g.PL + kw * g.DW;
                if (iw < 0 || iw >= g.W) continue;
                s += x[((n * g.H + ih) * g.W + iw) * g.C + c] * w[((kh * g.KW + kw) * g.C + c) * M + m];
              }
            }
            y[((n * g.OH + oh) * g.OW + ow) * g.O + c * M + m] = actRef(s, act);
          }
  return y;
}

/**
 * Keras Conv2DTranspose: x [N,IH,IW,I], w [KH,KW,O,I]; each input pixel scatters into the output
 * window it would have been computed from. `g` is the forward geometry (g.H x g.W the output).
 */
export function refConvTranspose(x: Float64Array, w: Float64Array, g: Geo, b?: Float64Array | null, act = 'linear'): Float64Array {
  // Here g.C = transposed output channels, g.O = transposed input channels, g.OH x g.OW = input size.
  const y = new Float64Array(g.N * g.H * g.W * g.C);
  for (let n = 0; n < g.N; n++)
    for (let ih = 0; ih < g.OH; ih++)
      for (let iw = 0; iw < g.OW; iw++)
        for (let kh = 0; kh < g.KH; kh++) {
          const oh = ih * g.SH - g.PT + kh * g.DH;
          if (oh < 0 || oh >= g.H) continue;
          for (let kw = 0; kw < g.KW; kw++) {
            const ow = iw * g.SW - g.PL + kw * g.DW;
            if (ow < 0 || ow >= g.W) continue;
            for (let i = 0; i < g.O; i++) {
              const xv = x[((n * g.OH + ih) * g.OW + iw) * g.O + i];
              for (let o = 0; o < g.C; o++) y[((n * g.H + oh) * g.W + ow) * g.C + o] += xv * w[((kh * g.KW + kw) * g.C + o) * g.O + i];
            }
          }
        }
  for (let i = 0; i < y.length; i++) y[i] = actRef(y[i] + (b ? b[i % g.C] : 0), act);
  return y;
}

/** numpy.transpose of a row-major array. */
export function refTranspose(x: ArrayLike<number>, shape: number[], perm: number[]): Float64Array {
  const out = perm.map((p) => shape[p]);
  const strides = shape.map((_, i) => shape.slice(i + 1).reduce((a, b) => a * b, 1));
  const y = new Float64Array(x.length);
  const idx = new Array(out.length).fill(0);
  for (let i = 0; i < y.length; i++) {
    let src = 0;
    for (let d = 0; d < out.length; d++) src += idx[d] * strides[perm[d]];
    y[i] = x[src];
    for (let d = out.length - 1; d >= 0; d--) {
      if (++idx[d] < out[d]) break;
      idx[d] = 0;
    }
  }
  return y;
}

/** The filter gradient dw [KH,KW,C,O] = sum over output pixels of x (through each tap) times dy. */
export function refConvWgrad(x: Float64Array, dy: Float64Array, g: Geo): Float64Array {
  const dw = new Float64Array(g.KH * g.KW * g.C * g.O);
  for (let n = 0; n < g.N; n++)
    for (let oh = 0; oh < g.OH; oh++)
      for (let ow = 0; ow < g.OW; ow++)
        for (let kh = 0; kh < g.KH; kh++) {
          const ih = oh * g.SH - g.PT + kh * g.DH;
          if (ih < 0 || ih >= g.H) continue;
          for (let kw = 0; kw < g.KW; kw++) {
            const iw = ow * g.SW - g.PL + kw * g.DW;
            if (iw < 0 || iw >= g.W) continue;
            for (let c = 0; c < g.C; c++) {
              const xv = x[((n * g.H + ih) * g.W + iw) * g.C + c];
              for (let o = 0; o < g.O; o++) dw[((kh * g.KW + kw) * g.C + c) * g.O + o] += xv * dy[((n * g.OH + oh) * g.OW + ow) * g.O + o];
            }
          }
        }
  return dw;
}
