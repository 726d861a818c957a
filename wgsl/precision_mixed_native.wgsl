// Precision prelude mixed with shader-f16: operands rounded through the f16 type, products summed
// in f32; the weight binding stays float32.
enable f16;
alias W4 = vec4<f32>;
fn q1(v: f32) -> f32 { return f32(f16(v)); }
fn q4(v: vec4<f32>) -> vec4<f32> { return vec4<f32>(vec4<f16>(v)); }
fn w4(v: W4) -> vec4<f32> { return q4(v); }
