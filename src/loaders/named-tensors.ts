// What every loader returns: host-side float32 arrays by name, in the file's own layout and
// naming. Mapping names and layouts onto a model happens in src/graph/load-weights.ts.
export interface HostTensor {
  name: string;
  shape: number[];
  /** The dtype stored in the file (values are always converted to float32 here). */
  dtype: string;
  data: Float32Array;
}

export type NamedTensors = Map<string, HostTensor>;

export function hostTensor(name: string, shape: number[], data: Float32Array, dtype = 'float32'): HostTensor {
  const n = shape.reduce((a, b) => a * b, 1);
  if (n !== data.length) throw new Error(`tensor ${name}: shape [${shape}] needs ${n} values, got ${data.length}`);
  return { name, shape, dtype, data };
}
