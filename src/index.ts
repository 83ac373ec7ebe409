/**
 * meatus — the library. The layers (shared/DESIGN.md) as namespaces; each module under `src/` can
 * also be imported on its own.
 */
export { torch, F, optim, Tensor, GradScaler } from './torch/index.js';
export * as nn from './nn/index.js';
export * as loss from './loss/index.js';
export * as measure from './measure/index.js';
export * from './volume/volume.js';
export { readNifti, writeNifti } from './volume/nifti-file.js';
export { decodeNifti, encodeNifti } from './volume/nifti.js';
export { edt } from './volume/edt.js';
export { generatePhantom, normalCanalPoints } from './data/phantom/generate.js';
export { loadModel, loadEnsemble } from './infer/model.js';
export { loadModelFolder } from './infer/model-folder.js';
export { segment } from './infer/pipeline.js';
export { validateModel } from './infer/validate.js';
export { train, DEFAULT_TRAIN } from './train/trainer.js';
export { readHardNegatives, readHardNegativeFile } from './train/hard-negatives.js';
export { evaluateCase } from './evaluate/metrics.js';
