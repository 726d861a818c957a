// The model zoo: architectures built in code with keras.applications 2.2.4's layer names, by the
// ids CONTRACTS uses (vgg16, vgg19, inception_v3, resnet50, mobilenet, mobilenet_v2).
import type { Model } from '../graph/model.ts';
import type { ZooOptions } from './common.ts';
import { VGG16, VGG19 } from './vgg.ts';
import { ResNet50 } from './resnet50.ts';
import { InceptionV3 } from './inception-v3.ts';
import { MobileNet } from './mobilenet.ts';
import { MobileNetV2 } from './mobilenet-v2.ts';
import { Xception } from './xception.ts';
import { EfficientNetB0 } from './efficientnet.ts';
import { GLUON_ZOO } from './gluon-resnet.ts';

export type { ZooOptions } from './common.ts';
export { VGG16, VGG19, ResNet50, InceptionV3, MobileNet, MobileNetV2, Xception, EfficientNetB0 };
export { imagenetWeightFile, type WeightFile } from './weights.ts';

export type PreprocessMode = 'inception' | 'tf' | 'caffe' | 'vgg' | 'torch' | 'none';

export interface ZooEntry {
  id: string;
  build: (opts?: ZooOptions) => Model;
  /** Input size with the top. */
  defaultSize: number;
  /** The preprocessing keras.applications applies (preprocess_input). */
  preprocess: PreprocessMode;
  /** Name of the last layer before the top: what `--cut` keeps by default. */
  lastBackboneLayer: string;
}

export const ZOO: Record<string, ZooEntry> = {
  vgg16: { id: 'vgg16', build: VGG16, defaultSize: 224, preprocess: 'caffe', lastBackboneLayer: 'block5_pool' },
  vgg19: { id: 'vgg19', build: VGG19, defaultSize: 224, preprocess: 'caffe', lastBackboneLayer: 'block5_pool' },
  resnet50: { id: 'resnet50', build: ResNet50, defaultSize: 224, preprocess: 'caffe', lastBackboneLayer: 'activation_49' },
  inception_v3: { id: 'inception_v3', build: InceptionV3, defaultSize: 299, preprocess: 'inception', lastBackboneLayer: 'mixed10' },
  mobilenet: { id: 'mobilenet', build: MobileNet, defaultSize: 224, preprocess: 'inception', lastBackboneLayer: 'conv_pw_13_relu' },
  mobilenet_v2: { id: 'mobilenet_v2', build: MobileNetV2, defaultSize: 224, preprocess: 'inception', lastBackboneLayer: 'out_relu' },
  xception: { id: 'xception', build: Xception, defaultSize: 299, preprocess: 'inception', lastBackboneLayer: 'block14_sepconv2_act' },
  // Rescaling + Normalization are inside the model: it takes raw 0..255 pixels.
  efficientnet_b0: { id: 'efficientnet_b0', build: EfficientNetB0, defaultSize: 224, preprocess: 'none', lastBackboneLayer: 'top_activation' },
  // Gluon's ResNets (resnet18_v1 ... resnet50_v2), with Gluon's structural names.
  ...GLUON_ZOO,
};

export const ZOO_IDS = Object.keys(ZOO);

export function zooEntry(id: string): ZooEntry {
  const e = ZOO[id.toLowerCase()];
  if (!e) throw new Error(`unknown zoo model '${id}': choose one of ${ZOO_IDS.join(', ')}`);
  return e;
}

/** Builds a zoo architecture by id (random weights; see src/node/keras-weights.ts for 'imagenet'). */
export function buildZoo(id: string, opts: ZooOptions = {}): Model {
  return zooEntry(id).build(opts);
}
