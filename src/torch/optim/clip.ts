/**
 * Gradient clipping by global norm, as torch.nn.utils.clip_grad_norm_ (nnU-Net clips at 12).
 */
import { noGrad } from '../autograd.js';
import { scope } from '../scope.js';
import type { Tensor } from '../tensor.js';
import { stack } from '../creation.js';

/**
 * Scales the gradients of `params` in place so that their global L2 norm is at most `maxNorm`
 * (factor `maxNorm / (norm + 1e-6)`, applied only when it is < 1). Returns the norm before clipping.
 */
export function clipGradNorm_(params: Tensor[], maxNorm: number): number {
  return noGrad(() =>
    scope(() => {
      const grads = params.map((p) => p.grad).filter((g): g is Tensor => g !== null);
      if (grads.length === 0) return 0;
      const norm = stack(grads.map((g) => g.float().norm())).norm().item();
      const coef = maxNorm / (norm + 1e-6);
      if (coef < 1) for (const g of grads) g.mul_(coef);
      return norm;
    }),
  );
}
