/**
 * Cross-entropy of logits `[N, C, Z, Y, X]` against class indices `[N, Z, Y, X]` (int64), as
 * nnU-Net's RobustCrossEntropyLoss (plain torch cross-entropy, mean over voxels), with optional
 * class weights (the paper's baseline uses weighted CE) and an ignore label.
 */
import { F, type Tensor } from '../torch/index.js';

export interface CrossEntropyOptions {
  /** Per-class weights `[C]`. */
  weight?: Tensor | null;
  /** Target value that contributes nothing. Default −100 (none in practice). */
  ignoreIndex?: number;
}

/** Mean cross-entropy (a 0-dim tensor). */
export function crossEntropyLoss(logits: Tensor, target: Tensor, o: CrossEntropyOptions = {}): Tensor {
  return F.crossEntropy(logits, target, { weight: o.weight ?? null, ignoreIndex: o.ignoreIndex ?? -100 });
}
