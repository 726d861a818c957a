// Rounding to f16 without the shader-f16 feature (the precision_mixed and precision_f16 preludes):
// pack2x16float rounds to the nearest half (ties to even on the adapters we know), unpack2x16float
// widens it back exactly. Values past the half range (|v| > 65504) are undefined, as in f16.
fn q1(v: f32) -> f32 { return unpack2x16float(pack2x16float(vec2<f32>(v, 0.0))).x; }
fn q4(v: vec4<f32>) -> vec4<f32> {
  return vec4<f32>(unpack2x16float(pack2x16float(v.xy)), unpack2x16float(pack2x16float(v.zw)));
}
