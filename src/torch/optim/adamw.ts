/**
 * AdamW (decoupled weight decay, Loshchilov & Hutter) — PyTorch's torch.optim.AdamW update
 * (non-fused, non-amsgrad), step for step.
 */
import { Optimizer, type ParamGroupSpec, type ParamState } from './optimizer.js';
import { zerosLike } from '../creation.js';
import type { Tensor } from '../tensor.js';

export interface AdamWOptions {
  lr: number;
  betas: [number, number];
  eps: number;
  weightDecay: number;
}

export class AdamW extends Optimizer<AdamWOptions> {
  /** Defaults as PyTorch: lr 1e-3, betas (0.9, 0.999), eps 1e-8, weight decay 1e-2. */
  constructor(params: Tensor[] | ParamGroupSpec<AdamWOptions>[], options: Partial<AdamWOptions> = {}) {
    super(params, { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 1e-2, ...options });
    for (const g of this.paramGroups) {
      const o = g.options;
      if (!(o.lr >= 0)) throw new TypeError(`AdamW: lr must be ≥ 0, got ${o.lr}`);
      if (!(o.betas[0] >= 0 && o.betas[0] < 1 && o.betas[1] >= 0 && o.betas[1] < 1)) {
        throw new TypeError(`AdamW: betas must be in [0, 1), got ${JSON.stringify(o.betas)}`);
      }
    }
  }

  protected update(p: Tensor, grad: Tensor, st: ParamState, o: AdamWOptions): void {
    const [b1, b2] = o.betas;
    if (st.step === undefined) {
      st.step = 0;
      st.expAvg = zerosLike(p);
      st.expAvgSq = zerosLike(p);
    }
    const step = (st.step as number) + 1;
    st.step = step;
    const m = st.expAvg as Tensor;
    const v = st.expAvgSq as Tensor;
    p.mul_(1 - o.lr * o.weightDecay);
    m.lerp_(grad, 1 - b1);
    v.mul_(b2).addcmul_(grad, grad, 1 - b2);
    const bc1 = 1 - b1 ** step;
    const bc2Sqrt = Math.sqrt(1 - b2 ** step);
    const denom = v.sqrt().div_(bc2Sqrt).add_(o.eps);
    p.addcdiv_(m, denom, -o.lr / bc1);
  }
}
