// Keras-named callbacks.
export { Callback, type Logs } from './callback.ts';
export { EarlyStopping } from './early-stopping.ts';
export { ModelCheckpoint, formatPath, type CheckpointWriter } from './model-checkpoint.ts';
export { ReduceLROnPlateau, LearningRateScheduler, scheduleFrom } from './lr.ts';
export { CSVLogger, JsonLinesLogger, LambdaCallback, historyCsv, type LineWriter } from './loggers.ts';
