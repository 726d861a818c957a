// Autotunes the convolutions of a model for one batch size before training (like cuDNN's
// benchmark mode): each Conv2D / DepthwiseConv2D geometry gets the passes a training step runs
// (forward everywhere; the filter gradient where the layer trains; the input gradient where
// something below it trains). Choices go to the device's TuningStore and persist with it.
import type { Layer } from '../graph/layer.ts';
import { nodeKey, type Model } from '../graph/model.ts';
import { convGeometry, type ConvOptions } from '../kernels/conv-geometry.ts';
import { tuneConv, type ConvPass, type TuneReport } from '../kernels/conv-tuning.ts';
import { splitModel } from './bottleneck.ts';

interface ConvLike extends Layer {
  kernelSize: [number, number];
  convOptions: ConvOptions;
  dataFormat: string;
  filters?: number;
  depthMultiplier?: number;
}

export async function autotuneModel(model: Model, batch: number, opts: { training?: boolean; force?: boolean } = {}): Promise<TuneReport[]> {
  const training = opts.training ?? true;
  const split = training ? splitModel(model) : null;
  const prefix = new Set(split?.prefix ?? []);
  const inputKeys = new Set(model.inputs.map((s) => nodeKey(s.layer, s.callIndex)));
  const reports: TuneReport[] = [];
  const seen = new Set<string>();
  for (const n of model.graphNodes) {
    const l = n.layer as ConvLike;
    const kind = l.className === 'Conv2D' ? 'conv2d' : l.className === 'DepthwiseConv2D' && (l.depthMultiplier ?? 1) === 1 ? 'depthwise' : null;
    if (!kind || l.dataFormat !== 'channels_last' || n.inputs.length !== 1) continue;
    const shape = n.inputs[0].shape;
    const O = kind === 'conv2d' ? l.filters! : shape[2];
    const g = convGeometry(l.name, [batch, ...shape], l.kernelSize[0], l.kernelSize[1], O, l.convOptions);
    const src = nodeKey(n.inputs[0].layer, n.inputs[0].callIndex);
    const passes: ConvPass[] = ['fwd'];
    if (training && !prefix.has(n)) {
      if (l.trainableWeights.length) passes.push('wgrad');
      if (src !== split?.cutKey && !inputKeys.has(src)) passes.push('dgrad');
    }
    const key = `${kind}|${JSON.stringify(g)}|${passes}`;
    if (seen.has(key)) continue;
    seen.add(key);
    reports.push(...(await tuneConv(kind, g, passes, opts.force)));
  }
  return reports;
}
