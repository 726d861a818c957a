// Elementwise losses with their gradient in the same pass; the caller sums `loss`.
// inputs: pred, target (same size n); outputs: loss [n], grad [n] (written when write_grad is 1)
// params: n, kind, write_grad, delta, smoothing, eps, scale
//   kind 0 squared error, 1 absolute error, 2 Huber (delta), 3 binary cross-entropy on
//   probabilities (Keras: clip to [eps, 1 - eps], then log(p + eps)), 4 binary cross-entropy on
//   logits (max(x, 0) - x t + log(1 + exp(-|x|))). Kinds 3-4 smooth t to t (1 - s) + s / 2.
//   Both outputs are multiplied by scale (1 / n for the mean).
#include "index"
struct Params { n: u32, kind: u32, write_grad: u32, delta: f32, smoothing: f32, eps: f32, scale: f32 }
@group(0) @binding(0) var<storage, read> pred: array<f32>;
@group(0) @binding(1) var<storage, read> y_true: array<f32>;
@group(0) @binding(2) var<storage, read_write> loss: array<f32>;
@group(0) @binding(3) var<storage, read_write> grad: array<f32>;
@group(0) @binding(4) var<uniform> p: Params;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let i = linear_index(wid, nwg, lid);
  if (i >= p.n) { return; }
  let x = pred[i];
  var t = y_true[i];
  var l = 0.0;
  var g = 0.0;
  let d = x - t;
  switch p.kind {
    case 0u: { l = d * d; g = 2.0 * d; }
    case 1u: { l = abs(d); g = sign(d); }
    case 2u: {
      if (abs(d) <= p.delta) { l = 0.5 * d * d; g = d; } else { l = p.delta * (abs(d) - 0.5 * p.delta); g = p.delta * sign(d); }
    }
    case 3u: {
      t = t * (1.0 - p.smoothing) + 0.5 * p.smoothing;
      let c = clamp(x, p.eps, 1.0 - p.eps);
      l = -(t * log(c + p.eps) + (1.0 - t) * log(1.0 - c + p.eps));
      let inside = x >= p.eps && x <= 1.0 - p.eps;
      g = select(0.0, (1.0 - t) / (1.0 - c + p.eps) - t / (c + p.eps), inside);
    }
    default: {
      t = t * (1.0 - p.smoothing) + 0.5 * p.smoothing;
      l = max(x, 0.0) - x * t + log(1.0 + exp(-abs(x)));
      g = 1.0 / (1.0 + exp(-x)) - t;
    }
  }
  loss[i] = p.scale * l;
  if (p.write_grad == 1u) { grad[i] = p.scale * g; }
}
