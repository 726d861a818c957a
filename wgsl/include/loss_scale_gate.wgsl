// The loss scaler's state (src/train/loss-scale.ts, 8 words) as the gated optimizer kernels read
// it: `skip` is this step's decision (1: a gradient was inf/NaN, change nothing), `lr_factor` the
// Keras 2 decay 1 / (1 + decay * (t - 1)) and `bias` Adam's sqrt(1 - b2^t) / (1 - b1^t) for the
// step's t (the count of applied steps, kept on the GPU so skipped steps do not advance it).
// loss_scale_unscale.wgsl and loss_scale_update.wgsl declare the same layout with `nonfinite` atomic.
struct LossScaleGate { scale: f32, growth: u32, skipped: u32, t: u32, nonfinite: u32, skip: u32, lr_factor: f32, bias: f32 }
