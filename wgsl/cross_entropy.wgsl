// Cross-entropy per row, with d(mean loss)/d(pred) computed in the same pass (the fused
// softmax-cross-entropy of the fit path). One thread per row.
// inputs: pred [rows, cols], target ([rows] class labels when sparse, else [rows, cols])
// outputs: loss [rows], grad [rows, cols] (written only when write_grad is 1)
// params: rows, cols, sparse, kind, write_grad, smoothing, eps, scale
//   kind 0: pred are logits: loss = logsumexp(x) * sum(t) - sum(t * x)  (numerically stable)
//   kind 1: probabilities, Keras categorical: q = clip(p / sum(p), eps, 1 - eps); -sum(t log q)
//   kind 2: probabilities, Keras sparse: c = clip(p, eps, 1 - eps); -sum(t log(c / sum(c)))
//   Targets are smoothed as Keras does: t = t * (1 - smoothing) + smoothing / cols.
//   A label that is not an integer in [0, cols) gives NaN (the host checks labels it uploads).
//   grad = scale * dloss/dpred, scale being 1 / rows for the mean.
#include "index"
struct Params { rows: u32, cols: u32, sparse: u32, kind: u32, write_grad: u32, smoothing: f32, eps: f32, scale: f32 }
@group(0) @binding(0) var<storage, read> pred: array<f32>;
@group(0) @binding(1) var<storage, read> y_true: array<f32>;
@group(0) @binding(2) var<storage, read_write> loss: array<f32>;
@group(0) @binding(3) var<storage, read_write> grad: array<f32>;
@group(0) @binding(4) var<uniform> p: Params;

fn nan() -> f32 {
  let z = p.eps - p.eps;
  return z / z;
}

// Smoothed target of row r, class j (label for sparse targets).
fn tgt(r: u32, j: u32, label: f32) -> f32 {
  var t: f32;
  if (p.sparse == 1u) { t = select(0.0, 1.0, f32(j) == label); } else { t = y_true[r * p.cols + j]; }
  return t * (1.0 - p.smoothing) + p.smoothing / f32(p.cols);
}

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let r = linear_index(wid, nwg, lid);
  if (r >= p.rows) { return; }
  let base = r * p.cols;
  var label = -1.0;
  if (p.sparse == 1u) {
    label = y_true[r];
    if (!(label >= 0.0 && label < f32(p.cols) && floor(label) == label)) {
      loss[r] = nan();
      if (p.write_grad == 1u) { for (var j = 0u; j < p.cols; j++) { grad[base + j] = nan(); } }
      return;
    }
  }
  var tsum = 0.0;
  for (var j = 0u; j < p.cols; j++) { tsum += tgt(r, j, label); }

  if (p.kind == 0u) {
    var m = pred[base];
    for (var j = 1u; j < p.cols; j++) { m = max(m, pred[base + j]); }
    var s = 0.0;
    for (var j = 0u; j < p.cols; j++) { s += exp(pred[base + j] - m); }
    let lse = m + log(s);
    var l = 0.0;
    for (var j = 0u; j < p.cols; j++) { l += tgt(r, j, label) * (lse - pred[base + j]); }
    loss[r] = l;
    if (p.write_grad == 1u) {
      for (var j = 0u; j < p.cols; j++) {
        grad[base + j] = p.scale * (exp(pred[base + j] - lse) * tsum - tgt(r, j, label));
      }
    }
    return;
  }

  if (p.kind == 1u) {
    var s = 0.0;
    for (var j = 0u; j < p.cols; j++) { s += pred[base + j]; }
    // g_j = dL/dr_j with r = p / s; then dL/dp_k = (g_k - sum_j g_j r_j) / s.
    var l = 0.0;
    var gr = 0.0;
    for (var j = 0u; j < p.cols; j++) {
      let rj = pred[base + j] / s;
      let q = clamp(rj, p.eps, 1.0 - p.eps);
      let t = tgt(r, j, label);
      l -= t * log(q);
      let inside = rj >= p.eps && rj <= 1.0 - p.eps;
      gr += select(0.0, -t / q, inside) * rj;
    }
    loss[r] = l;
    if (p.write_grad == 1u) {
      for (var j = 0u; j < p.cols; j++) {
        let rj = pred[base + j] / s;
        let q = clamp(rj, p.eps, 1.0 - p.eps);
        let inside = rj >= p.eps && rj <= 1.0 - p.eps;
        let g = select(0.0, -tgt(r, j, label) / q, inside);
        grad[base + j] = p.scale * (g - gr) / s;
      }
    }
    return;
  }

  // kind 2: L = -sum t_j log c_j + T log S with c = clip(p), S = sum c, T = sum t.
  var cs = 0.0;
  for (var j = 0u; j < p.cols; j++) { cs += clamp(pred[base + j], p.eps, 1.0 - p.eps); }
  var l = tsum * log(cs);
  for (var j = 0u; j < p.cols; j++) { l -= tgt(r, j, label) * log(clamp(pred[base + j], p.eps, 1.0 - p.eps)); }
  loss[r] = l;
  if (p.write_grad == 1u) {
    for (var j = 0u; j < p.cols; j++) {
      let v = pred[base + j];
      let c = clamp(v, p.eps, 1.0 - p.eps);
      let inside = v >= p.eps && v <= 1.0 - p.eps;
      grad[base + j] = select(0.0, p.scale * (tsum / cs - tgt(r, j, label) / c), inside);
    }
  }
}
