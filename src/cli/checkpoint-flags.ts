// `--checkpoint PREFIX`, `--exclude SCOPES`, `--map SCHEME`, shared by finetune and predict (through
// loadBackbone in train-setup.ts): the flags' definitions and help, reading the checkpoint, what it
// says about the model (its logits' class count: 1001 for TF-slim's Inception, class 0 = background;
// TF-slim VGG's RGB mean-subtraction preprocessing), and restoring it by name.
import { InvalidArgumentError, Option } from 'commander';
import type { Model } from '../graph/model.ts';
import { baseName } from '../graph/load-weights.ts';
import { isExcluded, mapCheckpointToModel, mapName, slimVggToKeras, type MapReport, type Scheme, type TfCheckpoint } from '../loaders/tf-checkpoint/index.ts';

export interface CheckpointFlags {
  /** A TF checkpoint (prefix, .index, V1 file or directory) restored by name. */
  checkpoint?: string;
  /** Checkpoint scopes left out (TF-slim's get_variables_to_restore(exclude=...)), comma-separated. */
  exclude?: string;
  /** Naming of the checkpoint's variables (default auto). */
  map?: string;
}

/** `--map` values: the name-map schemes, with the model ids people write for them. */
const MAPS: Record<string, Scheme> = {
  auto: 'auto',
  keras: 'keras',
  tf2: 'tf2',
  'slim-vgg': 'slim-vgg',
  'slim-vgg16': 'slim-vgg',
  'slim-vgg19': 'slim-vgg',
  'slim-inception_v3': 'slim-inception_v3',
  'slim-inception-v3': 'slim-inception_v3',
};
const MAP_HELP = 'checkpoint variable names: auto (TF-slim VGG/InceptionV3, TF2 object keys or Keras names, per name) | slim-vgg16 | slim-vgg19 | slim-inception_v3 | tf2 | keras';

export function parseMap(v: string | undefined): Scheme {
  const s = MAPS[v ?? 'auto'];
  if (!s) throw new Error(`--map ${v}: choose one of ${Object.keys(MAPS).join(', ')}`);
  return s;
}

/** The three commander options, the same in every command that takes a checkpoint. */
export function checkpointOptions(): Option[] {
  return [
    new Option('--checkpoint <path>', 'TF checkpoint (TF-slim vgg_16.ckpt / inception_v3.ckpt, TF2) restored into the model by name'),
    new Option('--exclude <scopes>', 'checkpoint scopes not restored, comma-separated (e.g. vgg_16/fc8)'),
    new Option('--map <scheme>', MAP_HELP).argParser((v: string) => {
      if (!MAPS[v]) throw new InvalidArgumentError(`choose one of ${Object.keys(MAPS).join(', ')}.`);
      return v;
    }),
  ];
}

const excludeList = (o: CheckpointFlags): string[] => (o.exclude ?? '').split(',').map((x) => x.trim()).filter(Boolean);

/**
 * Output classes of the checkpoint's classifier (the tensor that maps to `predictions/kernel`:
 * 1000 for TF-slim VGG, 1001 for TF-slim InceptionV3), or null when it has none or it is excluded.
 */
export function checkpointClasses(ck: TfCheckpoint, o: CheckpointFlags): number | null {
  const scheme = parseMap(o.map);
  const exclude = excludeList(o);
  for (const [name, t] of ck.tensors) {
    const target = mapName(name, scheme);
    if (target && !isExcluded(name, exclude) && baseName(target) === 'predictions/kernel') return t.shape[t.shape.length - 1] ?? null;
  }
  return null;
}

/** The preprocessing a checkpoint's weights were trained with, where its names tell: TF-slim VGG -> vgg. */
export function checkpointPreprocess(ck: TfCheckpoint, o: CheckpointFlags): string | null {
  const scheme = parseMap(o.map);
  if (scheme !== 'auto' && scheme !== 'slim-vgg') return null;
  for (const name of ck.tensors.keys()) if (slimVggToKeras(name)) return 'vgg';
  return null;
}

/**
 * Restores `ck` into `model` by name (--exclude, --map) and says what it did on stderr. With
 * `allowMissing` false every model weight must come from the checkpoint (predict without --weights).
 */
export function restoreCheckpoint(model: Model, ck: TfCheckpoint, o: CheckpointFlags & { checkpoint: string }, allowMissing: boolean): MapReport {
  const exclude = excludeList(o);
  const rep = mapCheckpointToModel(model, ck, { scheme: parseMap(o.map), exclude, allowMissing, skipMismatch: !!exclude.length, source: o.checkpoint });
  if (!rep.loaded.length) throw new Error(`${o.checkpoint}: no tensor of the checkpoint maps onto ${model.name}`);
  console.error(`checkpoint ${o.checkpoint}: restored ${rep.loaded.length} tensors${rep.excluded.length ? `, excluded ${rep.excluded.length} (${exclude.join(', ')})` : ''}${rep.missing.length ? `, ${rep.missing.length} new` : ''}`);
  return rep;
}
