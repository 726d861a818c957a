// Central finite differences on a float64 CPU reference: the numeric gradient of
// L(x) = sum(f(x) * dy) with respect to x, to check a GPU backward against.
export function numericGrad(
  f: (x: Float64Array) => Float64Array,
  x: Float64Array,
  dy: Float64Array,
  eps = 1e-5,
): Float64Array {
  const g = new Float64Array(x.length);
  const xp = Float64Array.from(x);
  for (let i = 0; i < x.length; i++) {
    const v = xp[i];
    xp[i] = v + eps;
    const fp = f(xp);
    xp[i] = v - eps;
    const fm = f(xp);
    xp[i] = v;
    let s = 0;
    for (let j = 0; j < dy.length; j++) s += (fp[j] - fm[j]) * dy[j];
    g[i] = s / (2 * eps);
  }
  return g;
}
