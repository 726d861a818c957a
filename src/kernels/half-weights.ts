// The weight operand of the matmul and conv kernels under the device's precision (see
// src/gpu/precision.ts): under f16 the kernels that can read halves bind the f16 copy of the
// weight, made by wgsl/pack_half.wgsl and cached on the weight's storage (Tensor.derived): made
// once per version of the values (optimizer steps bump it) and freed with the storage.
// A kernel opts in by reading its weight binding as array<W4> through w4() and rounding its other
// operand with q4() (the precision_*.wgsl preludes), then dispatching
//   const { prelude, weight } = precisionWeight(w, readsHalf);
//   dispatch({ ...spec, prelude }, [x, weight, ...], ...)
import { dispatch, grid1d, groups, type GpuView } from '../gpu/dispatch.ts';
import { precisionOf, precisionPrelude } from '../gpu/precision.ts';
import type { Tensor } from '../graph/tensor.ts';

const PACK = { shader: 'pack_half', inputs: 1, outputs: 1 };

/** The f16 copy of `t` (two halves per u32), cached on its storage until its values change. */
export function halfCopy(t: Tensor): GpuView {
  const words = Math.ceil(t.size / 2);
  return t.derived('f16', words * 4, (dst) =>
    dispatch(PACK, [t], [dst], [t.size], grid1d(t.device, groups(words, 256)), `f16 copy of ${t.name || 'tensor'}`));
}

/**
 * The prelude and weight binding for a matmul or conv dispatch reading weight `w`: the f16 copy
 * when the precision is f16 and the kernel variant reads half weights (`readsHalf`), else w.
 */
export function precisionWeight(w: Tensor, readsHalf: boolean): { prelude: string; weight: GpuView } {
  const half = readsHalf && precisionOf(w.device) === 'f16';
  return { prelude: precisionPrelude(w.device, half), weight: half ? halfCopy(w) : w };
}
