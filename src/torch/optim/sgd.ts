/**
 * Stochastic gradient descent with momentum, Nesterov momentum and weight decay — PyTorch's
 * torch.optim.SGD update, step for step (nnU-Net trains with lr 0.01, momentum 0.99, Nesterov,
 * weight decay 3e-5).
 */
import { Optimizer, type ParamGroupSpec, type ParamState } from './optimizer.js';
import type { Tensor } from '../tensor.js';

export interface SGDOptions {
  lr: number;
  momentum: number;
  dampening: number;
  weightDecay: number;
  nesterov: boolean;
}

export class SGD extends Optimizer<SGDOptions> {
  /** @throws TypeError for Nesterov without momentum or with dampening, or a negative lr. */
  constructor(params: Tensor[] | ParamGroupSpec<SGDOptions>[], options: Partial<SGDOptions> & { lr: number }) {
    super(params, { momentum: 0, dampening: 0, weightDecay: 0, nesterov: false, ...options });
    for (const g of this.paramGroups) {
      const o = g.options;
      if (!(o.lr >= 0)) throw new TypeError(`SGD: lr must be ≥ 0, got ${o.lr}`);
      if (o.nesterov && (o.momentum <= 0 || o.dampening !== 0)) throw new TypeError('SGD: Nesterov momentum needs momentum > 0 and dampening 0');
    }
  }

  protected update(p: Tensor, grad: Tensor, st: ParamState, o: SGDOptions): void {
    let d = o.weightDecay !== 0 ? grad.add(p, o.weightDecay) : grad;
    if (o.momentum !== 0) {
      let buf = st.momentumBuffer as Tensor | undefined;
      if (buf === undefined) {
        buf = d.detach().clone();
        st.momentumBuffer = buf;
      } else {
        buf.mul_(o.momentum).add_(d, 1 - o.dampening);
      }
      d = o.nesterov ? d.add(buf, o.momentum) : buf;
    }
    p.add_(d, -o.lr);
  }
}
