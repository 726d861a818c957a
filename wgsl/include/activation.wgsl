// Activation functions shared by the unary kernel and the fused epilogues of matmul and conv.
// Codes are listed in src/kernels/activation.ts. `alpha` is the layer's parameter (elu, leaky).
fn activate(x: f32, op: u32, alpha: f32) -> f32 {
  switch op {
    case 1u: { return max(x, 0.0); }                                     // relu
    case 2u: { return clamp(x, 0.0, 6.0); }                              // relu6
    case 3u: { return select(alpha * (exp(x) - 1.0), x, x > 0.0); }      // elu
    case 4u: { return 1.0507009873554805 * select(1.6732632423543772 * (exp(x) - 1.0), x, x > 0.0); } // selu
    case 5u: { return max(x, 0.0) + log(1.0 + exp(-abs(x))); }          // softplus
    case 6u: { return x / (1.0 + abs(x)); }                              // softsign
    case 7u: { return 1.0 / (1.0 + exp(-x)); }                           // sigmoid
    case 8u: { return clamp(0.2 * x + 0.5, 0.0, 1.0); }                  // hard_sigmoid (Keras 2)
    case 9u: { return tanh(clamp(x, -15.0, 15.0)); }                     // tanh
    case 10u: { return x / (1.0 + exp(-x)); }                            // swish
    case 11u: { return select(alpha * x, x, x > 0.0); }                  // leaky relu
    case 12u: { return select(0.0, x, x > alpha); }                      // thresholded relu
    default: { return x; }                                               // linear
  }
}

// d activate / dx, from the input x and the output y (whichever is cheaper).
fn activate_grad(x: f32, y: f32, op: u32, alpha: f32) -> f32 {
  switch op {
    case 1u: { return select(0.0, 1.0, x > 0.0); }
    case 2u: { return select(0.0, 1.0, x > 0.0 && x < 6.0); }
    case 3u: { return select(y + alpha, 1.0, x > 0.0); }
    case 4u: { return select(y + 1.0507009873554805 * 1.6732632423543772, 1.0507009873554805, x > 0.0); }
    case 5u: { return 1.0 / (1.0 + exp(-x)); }
    case 6u: { let d = 1.0 + abs(x); return 1.0 / (d * d); }
    case 7u: { return y * (1.0 - y); }
    case 8u: { return select(0.0, 0.2, x > -2.5 && x < 2.5); }
    case 9u: { return 1.0 - y * y; }
    case 10u: { let s = 1.0 / (1.0 + exp(-x)); return s + x * s * (1.0 - s); }
    case 11u: { return select(alpha, 1.0, x > 0.0); }
    case 12u: { return select(0.0, 1.0, x > alpha); }
    default: { return 1.0; }
  }
}
