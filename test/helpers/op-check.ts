// Checks a differentiable op forward against a float64 reference and its backward against central
// differences of that reference: L = sum(op(x...) * dy), gradients read from Variables.
import { expectClose } from './compare.ts';
import { numericGrad } from './gradcheck.ts';
import { randomArray } from './random.ts';
import { backward } from '../../src/graph/tape.ts';
import { tidy } from '../../src/graph/scope.ts';
import { mul } from '../../src/graph/ops/arith.ts';
import { sum } from '../../src/graph/ops/reduce.ts';
import { Tensor, Variable } from '../../src/graph/tensor.ts';

export interface OpInput {
  data: Float64Array;
  shape: number[];
  /** Check this input's gradient (default true). */
  grad?: boolean;
}

export async function checkOp(
  what: string,
  inputs: OpInput[],
  op: (xs: Tensor[]) => Tensor,
  ref: (xs: Float64Array[]) => Float64Array,
  opts: { tol?: number; gradTol?: number; seed?: number; eps?: number } = {},
): Promise<void> {
  const vars = inputs.map((x, i) => Variable.create(Float32Array.from(x.data), x.shape, `${what}_in${i}`, x.grad ?? true));
  const data = inputs.map((x) => x.data);
  const yRef = ref(data);
  const dy = randomArray(yRef.length, opts.seed ?? 7, 0.25, 1.25);
  const yData = await tidy(() => {
    const y = op(vars);
    const d = y.data();
    if (vars.some((v) => v.trainable)) backward(sum(mul(y, Tensor.from(Float32Array.from(dy), y.shape))));
    return d;
  });
  expectClose(yData, yRef, opts.tol ?? 1e-5, `${what} forward`);
  for (let i = 0; i < inputs.length; i++) {
    if (!(inputs[i].grad ?? true)) continue;
    const g = numericGrad((xi) => ref(data.map((d, j) => (j === i ? xi : d))), data[i], dy, opts.eps);
    const v = vars[i];
    expectClose(await v.grad!.data(), g, opts.gradTol ?? 1e-4, `${what} d/dx${i}`);
  }
  for (const v of vars) {
    v.zeroGrad();
    v.dispose();
  }
}
