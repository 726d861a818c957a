// Per-row metric terms, one thread per row: the metric is sum(num) / sum(den) over the batch.
// inputs: pred [rows, cols], y_true ([rows] labels for sparse kinds, else [rows, cols])
// outputs: num [rows], den [rows]; params: rows, cols, kind, k, threshold
//   kind 0 sparse accuracy, 1 categorical accuracy (argmax vs label / argmax of y_true),
//   2 sparse top-k, 3 categorical top-k (in the top k when fewer than k scores beat the label's,
//   tf.nn.in_top_k's tie rule), 4 binary accuracy (y_true == (pred > threshold)), 5 squared
//   error, 6 absolute error (row means), 7 precision, 8 recall (binary, pred > threshold,
//   y_true != 0 is positive; num = true positives, den = predicted or actual positives).
#include "index"
struct Params { rows: u32, cols: u32, kind: u32, k: u32, threshold: f32 }
@group(0) @binding(0) var<storage, read> pred: array<f32>;
@group(0) @binding(1) var<storage, read> y_true: array<f32>;
@group(0) @binding(2) var<storage, read_write> num: array<f32>;
@group(0) @binding(3) var<storage, read_write> den: array<f32>;
@group(0) @binding(4) var<uniform> p: Params;

fn argmax_of(base: u32, from_true: bool) -> u32 {
  var best = 0u;
  var m = select(pred[base], y_true[base], from_true);
  for (var j = 1u; j < p.cols; j++) {
    let v = select(pred[base + j], y_true[base + j], from_true);
    if (v > m) { m = v; best = j; }
  }
  return best;
}

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let r = linear_index(wid, nwg, lid);
  if (r >= p.rows) { return; }
  let base = r * p.cols;
  var n = 0.0;
  var d = 1.0;
  if (p.kind <= 3u) {
    var label: u32;
    if (p.kind == 0u || p.kind == 2u) {
      let l = y_true[r];
      if (!(l >= 0.0 && l < f32(p.cols))) { num[r] = 0.0; den[r] = 1.0; return; }
      label = u32(l);
    } else {
      label = argmax_of(base, true);
    }
    if (p.kind <= 1u) {
      n = select(0.0, 1.0, argmax_of(base, false) == label);
    } else {
      let s = pred[base + label];
      var beat = 0u;
      for (var j = 0u; j < p.cols; j++) { if (pred[base + j] > s) { beat++; } }
      n = select(0.0, 1.0, beat < p.k);
    }
  } else if (p.kind == 7u || p.kind == 8u) {
    d = 0.0;
    for (var j = 0u; j < p.cols; j++) {
      let pp = pred[base + j] > p.threshold;
      let tp = y_true[base + j] != 0.0;
      if (pp && tp) { n += 1.0; }
      if ((p.kind == 7u && pp) || (p.kind == 8u && tp)) { d += 1.0; }
    }
  } else {
    for (var j = 0u; j < p.cols; j++) {
      let x = pred[base + j];
      let t = y_true[base + j];
      if (p.kind == 4u) { n += select(0.0, 1.0, t == select(0.0, 1.0, x > p.threshold)); }
      else if (p.kind == 5u) { n += (x - t) * (x - t); }
      else { n += abs(x - t); }
    }
    n = n / f32(p.cols);
  }
  num[r] = n;
  den[r] = d;
}
