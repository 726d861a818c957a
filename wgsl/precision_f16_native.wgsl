// Precision prelude f16 with shader-f16: as mixed, and the weight binding is array<vec4<f16>>
// (made by wgsl/pack_half.wgsl).
enable f16;
alias W4 = vec4<f16>;
fn q1(v: f32) -> f32 { return f32(f16(v)); }
fn q4(v: vec4<f32>) -> vec4<f32> { return vec4<f32>(vec4<f16>(v)); }
fn w4(v: W4) -> vec4<f32> { return vec4<f32>(v); }
