// Precision prelude f16, emulated (no shader-f16): as mixed, and the weight binding holds halves,
// four per vec2<u32> (the bytes of array<vec4<f16>>, made by wgsl/pack_half.wgsl).
#include "round_f16"
alias W4 = vec2<u32>;
fn w4(v: W4) -> vec4<f32> { return vec4<f32>(unpack2x16float(v.x), unpack2x16float(v.y)); }
