// Loss scaling, once per step after every gradient went through loss_scale_unscale.wgsl (one
// thread). With an inf/NaN gradient: skip the step, count it, and (dynamic) halve the scale, not
// below 1. Otherwise: count the applied step (t), compute its decay factor and Adam bias
// correction for the gated optimizer kernels, and (dynamic) double the scale after `interval`
// good steps in a row. Clears the flag and writes the next step's seed (the scale) for backward.
// outputs: st (include/loss_scale_gate.wgsl, nonfinite atomic), seed [1];
// params: dynamic, interval, decay, adam, b1, b2
struct LossScaleState { scale: f32, growth: u32, skipped: u32, t: u32, nonfinite: atomic<u32>, skip: u32, lr_factor: f32, bias: f32 }
struct Params { dynamic: u32, interval: u32, decay: f32, adam: u32, b1: f32, b2: f32 }
@group(0) @binding(0) var<storage, read_write> st: LossScaleState;
@group(0) @binding(1) var<storage, read_write> seed: array<f32>;
@group(0) @binding(2) var<uniform> p: Params;

@compute @workgroup_size(1)
fn main() {
  if (atomicLoad(&st.nonfinite) != 0u) {
    st.skip = 1u;
    st.skipped = st.skipped + 1u;
    st.growth = 0u;
    if (p.dynamic == 1u) { st.scale = max(st.scale * 0.5, 1.0); }
  } else {
    st.skip = 0u;
    let t_prev = st.t;
    st.t = t_prev + 1u;
    st.lr_factor = 1.0 / (1.0 + p.decay * f32(t_prev));
    var bias = 1.0;
    if (p.adam == 1u) {
      let t = f32(t_prev + 1u);
      bias = sqrt(1.0 - pow(p.b2, t)) / (1.0 - pow(p.b1, t));
    }
    st.bias = bias;
    st.growth = st.growth + 1u;
    if (p.dynamic == 1u && st.growth >= p.interval) {
      st.growth = 0u;
      // 2^100: far above any useful scale, and doubling stays finite.
      if (st.scale < 1.2676506e30) { st.scale = st.scale * 2.0; }
    }
  }
  atomicStore(&st.nonfinite, 0u);
  seed[0] = st.scale;
}
