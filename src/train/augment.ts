// Augmentation in front of a backbone, from a spec string (the `--augment` flag):
//   "flip,rotation:0.1,zoom:0.2,translation:0.1:0.1,contrast:0.2,brightness:0.2"
// Tokens: flip[:horizontal|vertical|horizontal_and_vertical] | rotation:F | zoom:F[:W] |
// translation:H[:W] | contrast:F | brightness:F. Each becomes the Keras layer of that name
// (RandomFlip, ...), identity outside training; being random, they turn the bottleneck cache off.
import type { Layer } from '../graph/layer.ts';
import { Input, Model } from '../graph/model.ts';
import { RandomFlip, RandomRotation, RandomTranslation, RandomZoom, type FlipMode } from '../graph/layers/random-affine.ts';
import { RandomBrightness, RandomContrast } from '../graph/layers/random-color.ts';

/** The layers of an augmentation spec; `valueRange` is the pixel range after preprocessing (brightness). */
export function augmentLayers(spec: string, o: { seed?: number; valueRange?: [number, number] | null } = {}): Layer[] {
  const seed = o.seed ?? 0;
  return spec
    .split(',')
    .filter((t) => t.trim())
    .map((tok, i) => {
      const [kind, ...args] = tok.trim().split(':');
      const num = (k: number, what: string) => {
        const v = Number(args[k]);
        if (args[k] === undefined || args[k] === '' || !Number.isFinite(v)) throw new Error(`--augment: '${tok}' needs a number for ${what}`);
        return v;
      };
      const s = { seed: seed * 7919 + i };
      switch (kind.toLowerCase()) {
        case 'flip':
          return new RandomFlip({ ...s, mode: (args[0] || 'horizontal') as FlipMode });
        case 'rotation':
          return new RandomRotation({ ...s, factor: num(0, 'the factor') });
        case 'zoom':
          return new RandomZoom({ ...s, heightFactor: num(0, 'the factor'), widthFactor: args[1] !== undefined ? num(1, 'the width factor') : null });
        case 'translation':
          return new RandomTranslation({ ...s, heightFactor: num(0, 'the height factor'), widthFactor: args[1] !== undefined ? num(1, 'the width factor') : num(0, 'the factor') });
        case 'contrast':
          return new RandomContrast({ ...s, factor: num(0, 'the factor') });
        case 'brightness':
          if (!o.valueRange) throw new Error(`--augment: '${tok}': brightness needs a known pixel range, which this preprocessing mode has not (use none, inception or tf)`);
          return new RandomBrightness({ ...s, factor: num(0, 'the factor'), valueRange: o.valueRange });
        default:
          throw new Error(`--augment: unknown token '${tok}' (use flip[:MODE], rotation:F, zoom:F[:W], translation:H[:W], contrast:F, brightness:F)`);
      }
    });
}

/** The pixel range a preprocessing mode produces from 0..255 images (null where it is per channel). */
export function preprocessRange(mode: string): [number, number] | null {
  if (mode === 'none') return [0, 255];
  if (mode === 'inception' || mode === 'tf') return [-1, 1];
  return null;
}

/** A model: a new input, the augmentation layers, then the backbone (nested, sharing its layers). */
export function withAugmentation(backbone: Model, layers: Layer[], name = 'augmented'): Model {
  const input = Input(backbone.inputShape, `${name}_input`);
  let x = input;
  for (const l of layers) x = l.apply(x);
  return new Model({ inputs: input, outputs: backbone.apply(x), name });
}
