/**
 * meatus's tensor engine: libtorch through a Node-API addon, with PyTorch's names in camelCase.
 *
 * @example
 * import { torch, F } from 'meatus/torch';
 * const x = torch.randn([1, 1, 8, 16, 16]);
 * const w = torch.randn([4, 1, 3, 3, 3], { requiresGrad: true });
 * const loss = torch.scope(() => F.conv3d(x, w, null, { padding: 1 }).square().mean());
 * loss.backward();
 */
import * as creation from './creation.js';
import * as autograd from './autograd.js';
import * as cudaApi from './cuda.js';
import * as runtime from './runtime.js';
import * as amp from './amp.js';
import * as st from './safetensors.js';
import { scope, keep, liveTensors } from './scope.js';
import { SGD } from './optim/sgd.js';
import { AdamW } from './optim/adamw.js';
import { Optimizer } from './optim/optimizer.js';
import { clipGradNorm_ } from './optim/clip.js';

export * as F from './functional.js';
export * as distributed from './distributed.js';
export { Tensor } from './tensor.js';
export type { DType, Device, TypedArray } from './dtype.js';
export type { TensorOptions } from './creation.js';
export type { OptimizerStateDict, ParamGroupSpec } from './optim/optimizer.js';
export type { SGDOptions } from './optim/sgd.js';
export type { AdamWOptions } from './optim/adamw.js';
export { GradScaler } from './amp.js';

/** Optimizers (torch.optim). */
export const optim = { SGD, AdamW, Optimizer, clipGradNorm_ };

/** The `torch` namespace: factories, joining, random, autograd switches, scopes, AMP, CUDA, safetensors. */
export const torch = {
  ...creation,
  noGrad: autograd.noGrad,
  enableGrad: autograd.enableGrad,
  isGradEnabled: autograd.isGradEnabled,
  autograd: { grad: autograd.grad },
  scope,
  keep,
  liveTensors,
  autocast: amp.autocast,
  cuda: cudaApi,
  setNumThreads: runtime.setNumThreads,
  getNumThreads: runtime.getNumThreads,
  buildInfo: runtime.buildInfo,
  saveSafetensors: st.saveSafetensors,
  loadSafetensors: st.loadSafetensors,
  encodeSafetensors: st.encodeSafetensors,
  decodeSafetensors: st.decodeSafetensors,
};
