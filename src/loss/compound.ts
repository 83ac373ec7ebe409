/**
 * The training losses of the three tasks: CE + soft Dice (nnU-Net's DC_and_CE_loss, weights 1 and
 * 1) for stage 1 and the baseline; CE + Dice + γ · Boundary Distance Loss for stage 2.
 */
import { torch, type Tensor } from '../torch/index.js';
import { crossEntropyLoss, type CrossEntropyOptions } from './cross-entropy.js';
import { softDiceLoss, type SoftDiceOptions } from './dice.js';
import { boundaryDistanceLoss, type BoundaryDistanceOptions } from './boundary-distance.js';

/** CE + soft Dice (a 0-dim tensor). */
export function diceCeLoss(logits: Tensor, target: Tensor, o: { ce?: CrossEntropyOptions; dice?: SoftDiceOptions } = {}): Tensor {
  return torch.scope(() => crossEntropyLoss(logits, target, o.ce).add(softDiceLoss(logits, target, o.dice)));
}

/**
 * CE + Dice + γ·BDL on the full-resolution output (the stage-2 loss). With γ = 0 the BDL is not
 * computed at all.
 */
export function splitLoss(
  logits: Tensor,
  target: Tensor,
  phi: Tensor,
  o: { gamma: number; bdl?: BoundaryDistanceOptions; ce?: CrossEntropyOptions; dice?: SoftDiceOptions },
): Tensor {
  if (o.gamma === 0) return diceCeLoss(logits, target, o);
  return torch.scope(() => diceCeLoss(logits, target, o).add(boundaryDistanceLoss(logits, phi, o.bdl).mul(o.gamma)));
}
