/**
 * Soft Dice loss as nnU-Net v2 computes it (`MemoryEfficientSoftDiceLoss` in
 * nnunetv2/training/loss/dice.py, MIC-DKFZ/nnUNet commit 0e495086eb108ff79afe106291e8c15bd2f2bc3a,
 * with the trainer's `smooth=1e-5, do_bg=False`): softmax probabilities, foreground classes only,
 * sums over the spatial dims — and over the batch for batch Dice —
 * `dc = (2·Σ p·g + smooth) / max(Σ p + Σ g + smooth, 1e-8)`, loss = −mean(dc) over classes.
 *
 * Layout: logits `[N, C, Z, Y, X]`, target class indices `[N, Z, Y, X]` (int64).
 */
import { F, torch, type Tensor } from '../torch/index.js';

export interface SoftDiceOptions {
  /**
   * Sum over the batch before the ratio (batch Dice). Default true. nnU-Net v2's planner sets
   * `batch_dice` true for 3d_fullres only when it also plans a 3d_lowres configuration, false
   * otherwise (default_experiment_planner.py, same commit); meatus's trainer always uses batch Dice.
   */
  batchDice?: boolean;
  /** Include the background class. Default false. */
  includeBackground?: boolean;
  /** Added to numerator and denominator. Default 1e-5 (nnU-Net). */
  smooth?: number;
}

/**
 * Negative soft Dice (in [−1, 0]; lower is better), differentiable w.r.t. the logits.
 * @throws Error if the target's shape is not the logits' without the channel dim.
 */
export function softDiceLoss(logits: Tensor, target: Tensor, o: SoftDiceOptions = {}): Tensor {
  const [n, c, ...spatial] = logits.shape;
  const ts = target.shape;
  if (ts.length !== spatial.length + 1 || ts[0] !== n || spatial.some((s, i) => ts[i + 1] !== s)) {
    throw new Error(`softDiceLoss: target shape [${ts}] does not match logits [${logits.shape}] without the channel dim`);
  }
  const smooth = o.smooth ?? 1e-5;
  const first = o.includeBackground ? 0 : 1;
  return torch.scope(() => {
    const probs = F.softmax(logits, 1).slice(1, first);
    const onehot = torch.noGrad(() =>
      F.oneHot(target, c).permute(0, spatial.length + 1, ...spatial.map((_, i) => i + 1)).slice(1, first).to(probs.dtype),
    );
    const axes = spatial.map((_, i) => i + 2);
    const sumAxes = (o.batchDice ?? true) ? [0, ...axes] : axes;
    const intersect = probs.mul(onehot).sum(sumAxes);
    const sumPred = probs.sum(sumAxes);
    const sumGt = onehot.sum(sumAxes);
    const dc = intersect.mul(2).add(smooth).div(sumPred.add(sumGt).add(smooth).clamp(1e-8));
    return dc.mean().neg();
  });
}
