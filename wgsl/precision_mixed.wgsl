// Precision prelude mixed, emulated (no shader-f16): operands rounded to f16, products summed in
// f32; the weight binding stays float32 and is rounded like the other operand.
#include "round_f16"
alias W4 = vec4<f32>;
fn w4(v: W4) -> vec4<f32> { return q4(v); }
