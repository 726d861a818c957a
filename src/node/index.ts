// webgpu-finetune/node: the Node edge. Dawn device creation, files, images, downloads and the
// Keras cache, checkpoints and plots. The core (src/index.ts) stays free of Node.
export { initNode, createNodeDevice, findNodeAdapter, type NodeDeviceOptions } from './dawn.ts';
export { fileSource } from './files.ts';
export { openH5File } from './h5.ts';
export { loadModelFile, type LoadedFile } from './models.ts';
export { zooModel, imagenetWeightsPath, loadKerasWeightFile, type ZooLoadOptions } from './keras-weights.ts';
export { download, getFile, kerasHome } from './download.ts';
export { decodeImage, readImage, loadImageInput } from './images.ts';
export { listImageFolder, imageFolder } from './image-folder.ts';
export { readTfCheckpointFile, loadTfCheckpointFile, listTfCheckpointFile, resolveTfCheckpoint } from './tf-checkpoint-files.ts';
export { readMxnetParamsFile, loadMxnetSymbolFile, gluonResnetFromCache, findGluonWeights } from './mxnet.ts';
export { saveState, loadState, writeHistory, stopOnSigint } from './checkpoint.ts';
export { writePlots } from './plots.ts';
export { saveTfjsLayers } from './tfjs-export.ts';
export { attachTuningCache, tuningCacheFile } from './tuning-cache.ts';
