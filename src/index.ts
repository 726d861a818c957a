// webgpu-finetune: the environment-neutral core. Node users start with `initNode()` from
// 'webgpu-finetune/node' (src/node/index.ts); browser users with `initBrowser()`.
export { Device, requestEngineDevice } from './gpu/device.ts';
export { Tensor, Variable } from './graph/tensor.ts';
export { setDevice, currentDevice } from './graph/engine.ts';
export { tidy, keep } from './graph/scope.ts';
export { backward, noGrad } from './graph/tape.ts';
export { Layer } from './graph/layer.ts';
export { Model, Sequential, Input, InputLayer } from './graph/model.ts';
export { setSeed } from './graph/initializers.ts';
export { Dense } from './graph/layers/dense.ts';
export { Activation } from './graph/layers/activation.ts';
