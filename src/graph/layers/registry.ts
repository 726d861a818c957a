// Keras class name -> constructor from a Keras config. Loaders (H5, tfjs, .keras) build layers
// through this table; a class missing here is reported by name by the loader.
import type { KerasConfig, Layer } from '../layer.ts';
import { Activation } from './activation.ts';
import { Dense } from './dense.ts';
import { Conv2D } from './conv2d.ts';
import { DepthwiseConv2D } from './depthwise-conv2d.ts';
import { SeparableConv2D } from './separable-conv2d.ts';
import { Conv2DTranspose } from './conv2d-transpose.ts';

import { BatchNormalization } from './batch-normalization.ts';
import { MaxPooling2D, AveragePooling2D } from './pooling.ts';
import { GlobalAveragePooling2D, GlobalMaxPooling2D } from './global-pooling.ts';
import { ZeroPadding2D } from './zero-padding2d.ts';
import { Cropping2D } from './cropping2d.ts';
import { UpSampling2D, UpSampling3D } from './upsampling.ts';
import { Concatenate } from './concatenate.ts';
import { Add, Multiply } from './add.ts';
import { Flatten } from './flatten.ts';
import { Reshape } from './reshape.ts';
import { ReLU } from './relu.ts';
import { LeakyReLU, PReLU, ELU, ThresholdedReLU } from './advanced-activations.ts';
import { Softmax } from './softmax.ts';
import { Dropout, SpatialDropout2D } from './dropout.ts';
import { MxnetScalar } from './mxnet-scalar.ts';
import { MxnetFlatten } from './mxnet-flatten.ts';
import { MxnetPooling } from './mxnet-pooling.ts';
import { Rescaling } from './rescaling.ts';
import { Normalization } from './normalization.ts';
import { RandomFlip, RandomRotation, RandomZoom, RandomTranslation, RandomCrop } from './random-affine.ts';
import { RandomContrast, RandomBrightness } from './random-color.ts';
export const LAYER_CLASSES: Record<string, (config: KerasConfig) => Layer> = {
  Dense: Dense.fromKeras,
  Activation: Activation.fromKeras,
  Conv2D: Conv2D.fromKeras,
  Convolution2D: Conv2D.fromKeras,
  AtrousConvolution2D: Conv2D.fromKeras,
  DepthwiseConv2D: DepthwiseConv2D.fromKeras,
  SeparableConv2D: SeparableConv2D.fromKeras,
  SeparableConvolution2D: SeparableConv2D.fromKeras,
  Conv2DTranspose: Conv2DTranspose.fromKeras,
  Deconvolution2D: Conv2DTranspose.fromKeras,
  BatchNormalization: BatchNormalization.fromKeras,
  MaxPooling2D: MaxPooling2D.fromKeras,
  MaxPool2D: MaxPooling2D.fromKeras,
  AveragePooling2D: AveragePooling2D.fromKeras,
  AvgPool2D: AveragePooling2D.fromKeras,
  GlobalAveragePooling2D: GlobalAveragePooling2D.fromKeras,
  GlobalAvgPool2D: GlobalAveragePooling2D.fromKeras,
  GlobalMaxPooling2D: GlobalMaxPooling2D.fromKeras,
  GlobalMaxPool2D: GlobalMaxPooling2D.fromKeras,
  ZeroPadding2D: ZeroPadding2D.fromKeras,
  Cropping2D: Cropping2D.fromKeras,
  UpSampling2D: UpSampling2D.fromKeras,
  UpSampling3D: UpSampling3D.fromKeras,
  Concatenate: Concatenate.fromKeras,
  Add: Add.fromKeras,
  Multiply: Multiply.fromKeras,
  Flatten: Flatten.fromKeras,
  Reshape: Reshape.fromKeras,
  ReLU: ReLU.fromKeras,
  LeakyReLU: LeakyReLU.fromKeras,
  PReLU: PReLU.fromKeras,
  ELU: ELU.fromKeras,
  ThresholdedReLU: ThresholdedReLU.fromKeras,
  Softmax: Softmax.fromKeras,
  Dropout: Dropout.fromKeras,
  SpatialDropout2D: SpatialDropout2D.fromKeras,
  MxnetScalar: MxnetScalar.fromKeras,
  MxnetFlatten: MxnetFlatten.fromKeras,
  MxnetPooling: MxnetPooling.fromKeras,
  Rescaling: Rescaling.fromKeras,
  Normalization: Normalization.fromKeras,
  RandomFlip: RandomFlip.fromKeras,
  RandomRotation: RandomRotation.fromKeras,
  RandomZoom: RandomZoom.fromKeras,
  RandomTranslation: RandomTranslation.fromKeras,
  RandomCrop: RandomCrop.fromKeras,
  RandomContrast: RandomContrast.fromKeras,
  RandomBrightness: RandomBrightness.fromKeras,
};
