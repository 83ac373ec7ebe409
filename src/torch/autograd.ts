/**
 * Autograd switches (`torch.noGrad`, `torch.enableGrad`) and `torch.autograd.grad`.
 */
import { call, native, opId } from './native.js';
import { wrap, type Tensor } from './tensor.js';

function withGrad<T>(enabled: boolean, fn: () => T): T {
  const prev = native.setGradEnabled(enabled);
  try {
    const r = fn();
    if (r instanceof Promise) throw new TypeError('torch.noGrad/enableGrad: the function returned a Promise; use a synchronous function');
    return r;
  } finally {
    native.setGradEnabled(prev);
  }
}

/** Runs `fn` without recording operations for autograd (inference, optimizer updates). */
export function noGrad<T>(fn: () => T): T {
  return withGrad(false, fn);
}

/** Runs `fn` with autograd recording on (inside a `noGrad`). */
export function enableGrad<T>(fn: () => T): T {
  return withGrad(true, fn);
}

/** Whether autograd records operations now. */
export function isGradEnabled(): boolean {
  return native.isGradEnabled();
}

const GRAD = opId('autograd_grad');

type GradOptions = { gradOutputs?: Tensor[]; retainGraph?: boolean; createGraph?: boolean; allowUnused?: boolean };

/**
 * Gradients of `outputs` with respect to `inputs` (torch.autograd.grad), without touching `.grad`.
 * `gradOutputs` defaults to none (scalar outputs). With `allowUnused`, an input the outputs do not
 * depend on gets `null` (PyTorch's None).
 */
export function grad(outputs: Tensor[], inputs: Tensor[], o?: GradOptions & { allowUnused?: false }): Tensor[];
export function grad(outputs: Tensor[], inputs: Tensor[], o: GradOptions): (Tensor | null)[];
export function grad(outputs: Tensor[], inputs: Tensor[], o: GradOptions = {}): (Tensor | null)[] {
  const hs = call(GRAD, outputs.map((t) => t.handle), inputs.map((t) => t.handle), (o.gradOutputs ?? []).map((t) => t.handle),
    o.retainGraph ?? o.createGraph ?? false, o.createGraph ?? false, o.allowUnused ?? false) as unknown[];
  return hs.map((h) => (h === null ? null : wrap(h)));
}
