// The float64 reference GEMM of the matmul kernels: C = op(A) op(B) + bias, optionally relu'd.
// A is [M,K] ([K,M] when tA), B is [K,N] ([N,K] when tB).
export function refMatmul(
  a: ArrayLike<number>, b: ArrayLike<number>, M: number, K: number, N: number, tA: boolean, tB: boolean,
  bias?: ArrayLike<number> | null, relu = false,
): Float64Array {
  const c = new Float64Array(M * N);
  for (let m = 0; m < M; m++)
    for (let n = 0; n < N; n++) {
      let s = bias ? bias[n] : 0;
      for (let k = 0; k < K; k++) s += (tA ? a[k * M + m] : a[m * K + k]) * (tB ? b[n * K + k] : b[k * N + n]);
      c[m * N + n] = relu ? Math.max(0, s) : s;
    }
  return c;
}
