// `wgft predict ZOO_ID --checkpoint PREFIX` (recipe 3's prediction step on the command line): the
// TF-slim stand-in checkpoints that examples/03 writes (VGG16 seeded random at 32x32; InceptionV3
// with the nsfwjs fixture's features and random 1001-class logits at 75x75), run by the CLI on the
// fixture photos, give the top-k the example computed before it used the CLI: the zoo model built
// by hand, mapCheckpointToModel, the image crop-or-padded and preprocessed, topK with the
// 1000 / 1001 ImageNet labels (class 0 = background for Inception).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testDevice } from '../helpers/gpu.ts';
import { NSFW_INCEPTION } from '../../examples/common.ts';
import { writeStandInInception, writeStandInVgg } from '../../examples/03-slim-vgg16-inceptionv3.ts';
import { InceptionV3 } from '../../src/zoo/inception-v3.ts';
import { VGG16 } from '../../src/zoo/vgg.ts';
import { mapCheckpointToModel } from '../../src/loaders/tf-checkpoint/index.ts';
import { readTfCheckpointFile } from '../../src/node/tf-checkpoint-files.ts';
import { loadImageInput } from '../../src/node/images.ts';
import { imagenetLabelsFor, topK } from '../../src/train/data/imagenet-labels.ts';
import { Tensor } from '../../src/graph/tensor.ts';
import { tidy } from '../../src/graph/scope.ts';
import { noGrad } from '../../src/graph/tape.ts';
import type { Model } from '../../src/graph/model.ts';
import type { PreprocessMode } from '../../src/train/data/preprocess.ts';

const FIX = '../shared/fixtures';
const IMAGES = ['dog.jpg', 'eagle.jpg'].map((f) => join(FIX, 'images', f));
const K = 5;

const wgft = (args: string[]) => execFileSync(process.execPath, ['bin/wgft.js', ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 300_000 });

interface Row {
  image: string;
  top: { class: number; label: string; score: number }[];
}

/** What examples/03 computed: the model built by hand, the checkpoint mapped onto it, topK with the ImageNet labels. */
async function reference(model: Model, ckpt: string, s: number, mode: PreprocessMode): Promise<Float32Array[]> {
  mapCheckpointToModel(model, await readTfCheckpointFile(ckpt), { source: ckpt });
  const out: Float32Array[] = [];
  for (const img of IMAGES) {
    const x = loadImageInput(img, s, s, mode, 'crop-or-pad');
    out.push(await noGrad(() => tidy(() => model.call([Tensor.from(x, [1, s, s, 3])], { training: false })).data()));
  }
  model.dispose();
  return out;
}

/** The CLI's top-k equals the reference's: same scores at its classes, same order up to float ties, same labels. */
function expectSameTop(rows: Row[], ref: Float32Array[], classes: number): void {
  const labels = imagenetLabelsFor(classes)!;
  expect(rows.map((r) => r.image)).toEqual(IMAGES);
  rows.forEach((r, i) => {
    const p = ref[i];
    expect(p.length).toBe(classes);
    const want = topK(p, K, labels);
    // Relative to the top score: the VGG stand-in's random softmax is nearly flat (about 1e-3 each).
    const tol = 1e-4 * want[0].score;
    expect(r.top).toHaveLength(K);
    r.top.forEach((t, j) => {
      expect(Math.abs(t.score - p[t.class]), `${r.image} #${j} score`).toBeLessThanOrEqual(tol);
      expect(Math.abs(t.score - want[j].score), `${r.image} #${j} rank`).toBeLessThanOrEqual(tol);
      if (j + 1 < K && want[j].score - want[j + 1].score > 2 * tol) expect(t.class, `${r.image} #${j}`).toBe(want[j].index);
      expect(t.label).toBe(labels[t.class]);
    });
  });
}

describe.skipIf(!IMAGES.every(existsSync) || !existsSync(NSFW_INCEPTION))(
  'wgft predict --checkpoint (TF-slim stand-in checkpoints; needs ../shared/fixtures images/ and tfjs/nsfwjs_inception_v3)',
  () => {
    let dir = '';
    beforeAll(async () => {
      await testDevice();
      dir = mkdtempSync(join(tmpdir(), 'wgft-predict-ckpt-'));
    });
    // The stand-in checkpoints take about 250 MB.
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('vgg16 --checkpoint vgg_16.ckpt: 1000 ImageNet labels, TF-slim VGG preprocessing by default', async () => {
      const ckpt = join(dir, 'vgg', 'vgg_16.ckpt');
      expect(await writeStandInVgg(32, ckpt)).toBe(32);
      // The flags as the brief writes them: the zoo id first, --map named.
      const rows: Row[] = JSON.parse(wgft(['predict', 'vgg16', '--checkpoint', ckpt, '--map', 'slim-vgg16', '--input-shape', '32,32,3', '--crop', 'crop-or-pad', '--top', String(K), '--json', ...IMAGES]));
      expectSameTop(rows, await reference(VGG16({ inputShape: [32, 32, 3] }), ckpt, 32, 'vgg'), 1000);
    }, 400_000);

    it('inception_v3 --checkpoint inception_v3.ckpt: 1001 classes, class 0 = background', async () => {
      const ckpt = join(dir, 'inception', 'inception_v3.ckpt');
      await writeStandInInception(75, ckpt);
      const rows: Row[] = JSON.parse(wgft(['predict', '--model', 'inception_v3', '--checkpoint', ckpt, '--input-shape', '75,75,3', '--crop', 'crop-or-pad', '--top', String(K), '--json', ...IMAGES]));
      expectSameTop(rows, await reference(InceptionV3({ inputShape: [75, 75, 3], classes: 1001 }), ckpt, 75, 'inception'), 1001);
      expect(imagenetLabelsFor(1001)![0]).toMatch(/background/);
      // --exclude the logits: a partial restore is allowed, the logits stay freshly initialized.
      const partial: Row[] = JSON.parse(wgft(['predict', 'inception_v3', '--checkpoint', ckpt, '--exclude', 'InceptionV3/Logits', '--input-shape', '75,75,3', '--top', '1', '--json', IMAGES[0]]));
      expect(partial[0].top).toHaveLength(1);
    }, 400_000);

    it('refuses an unknown --map and a checkpoint that does not cover the model', () => {
      const run = (args: string[]) => {
        try {
          wgft(args);
          return '';
        } catch (e) {
          return String((e as { stderr?: string }).stderr);
        }
      };
      expect(run(['predict', 'vgg16', '--checkpoint', 'x', '--map', 'nope', IMAGES[0]])).toMatch(/--map.*slim-vgg16/s);
      // The Inception checkpoint holds no VGG weight.
      expect(run(['predict', 'vgg16', '--checkpoint', join(dir, 'inception', 'inception_v3.ckpt'), '--input-shape', '32,32,3', IMAGES[0]])).toMatch(/cannot load into model|no tensor of the checkpoint maps onto/);
    }, 200_000);
  },
);
