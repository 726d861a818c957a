// Precision prelude (src/gpu/precision.ts), prepended to the matmul and conv kernels. They round
// each multiply operand with q1 / q4 as they load it and read their weight binding as array<W4>
// through w4. f32: all identities, which the compiler inlines away (exactly the float32 kernels).
alias W4 = vec4<f32>;
fn q1(v: f32) -> f32 { return v; }
fn q4(v: vec4<f32>) -> vec4<f32> { return v; }
fn w4(v: W4) -> vec4<f32> { return v; }
