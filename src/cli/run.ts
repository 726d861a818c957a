// wgft run --model FILE --input X.npy --output Y.npy [--layer NAME]: runs a model (or its output
// at a named layer) on a NumPy array in the layout of the model's input layer (as Keras takes
// it: NHWC, or NCHW for a channels_first model) and writes float32 .npy.
import { Command } from 'commander';
import { readFileSync, writeFileSync } from 'node:fs';
import { initWithPrecision, precisionOption } from './precision-flag.ts';
import { loadModelFile } from '../node/models.ts';
import { parseNpy, writeNpy } from '../loaders/npy.ts';
import { Tensor, shapeStr } from '../graph/tensor.ts';
import { tidy } from '../graph/scope.ts';
import type { Model } from '../graph/model.ts';
import { isMxnetSymbolFile, runMxnetSymbol } from './inspect-mxnet.ts';

export async function runModel(model: Model, x: Float32Array, xShape: number[], batch = 32): Promise<{ data: Float32Array; shape: number[] }> {
  const want = model.inputShape;
  let shape = xShape;
  if (shape.length === want.length && shape.every((d, i) => d === want[i])) shape = [1, ...shape];
  if (shape.length !== want.length + 1 || shape.slice(1).some((d, i) => d !== want[i])) {
    throw new Error(`the model takes [N,${want.join(',')}] (its input layer's layout), the array is ${shapeStr(xShape)}`);
  }
  const n = shape[0];
  const per = want.reduce((a, b) => a * b, 1);
  const outShape = model.outputShape;
  const outPer = outShape.reduce((a, b) => a * b, 1);
  const out = new Float32Array(n * outPer);
  for (let s = 0; s < n; s += batch) {
    const b = Math.min(batch, n - s);
    const y = await tidy(() => model.call([Tensor.from(x.subarray(s * per, (s + b) * per), [b, ...want])], { training: false }).data());
    out.set(y, s * outPer);
  }
  return { data: out, shape: [n, ...outShape] };
}

export function runCommand(): Command {
  return new Command('run')
    .description("run a model on a .npy array (the model input layer's layout) and write the output as .npy")
    .requiredOption('--model <file>', 'Keras .h5/.hdf5/.keras or tfjs model.json')
    .requiredOption('--input <x.npy>', 'input array, [N, ...input shape] or one sample')
    .requiredOption('--output <y.npy>', 'where to write the float32 result')
    .option('--layer <name>', 'output of this layer instead of the model output')
    .option('--batch <n>', 'batch size', (v) => parseInt(v, 10), 32)
    .addOption(precisionOption())
    .action(async (o: { model: string; input: string; output: string; layer?: string; batch: number; precision?: string }) => {
      await initWithPrecision(o.precision);
      if (isMxnetSymbolFile(o.model)) return runMxnetSymbol(o); // MXNet symbol + params, NCHW arrays
      let model = (await loadModelFile(o.model)).model;
      if (o.layer) model = model.cut(o.layer);
      let bytes: Buffer;
      try {
        bytes = readFileSync(o.input);
      } catch (e) {
        throw new Error(`${o.input}: cannot open (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
      }
      const x = parseNpy(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), o.input);
      const y = await runModel(model, x.data, x.shape, o.batch);
      writeFileSync(o.output, writeNpy(y.data, y.shape));
      console.error(`${o.output}: ${shapeStr(y.shape)} float32`);
    });
}
