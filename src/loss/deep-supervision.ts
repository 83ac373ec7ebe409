/**
 * Deep supervision as nnU-Net weights it: output i (0 = full resolution) gets 1/2^i, the lowest
 * resolution gets 0, and the weights are normalised to sum to 1.
 */
import { torch, type Tensor } from '../torch/index.js';

/**
 * nnU-Net's deep-supervision weights for `n` outputs (full resolution first).
 * @example deepSupervisionWeights(4) // [8/14, 4/14, 2/14, 0]
 * @throws RangeError for n < 1.
 */
export function deepSupervisionWeights(n: number): number[] {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`deepSupervisionWeights: n must be a positive integer, got ${n}`);
  if (n === 1) return [1];
  const w = Array.from({ length: n }, (_, i) => 1 / 2 ** i);
  w[n - 1] = 0;
  const s = w.reduce((a, b) => a + b, 0);
  return w.map((x) => x / s);
}

/**
 * Σ wᵢ · loss(outputᵢ, targetᵢ) over the outputs with non-zero weight.
 * @throws Error when the numbers of outputs, targets and weights differ.
 */
export function deepSupervisionLoss(
  outputs: Tensor[],
  targets: Tensor[],
  loss: (output: Tensor, target: Tensor) => Tensor,
  weights: number[] = deepSupervisionWeights(outputs.length),
): Tensor {
  if (outputs.length !== targets.length || outputs.length !== weights.length) {
    throw new Error(`deepSupervisionLoss: ${outputs.length} outputs, ${targets.length} targets, ${weights.length} weights; expected equal counts`);
  }
  return torch.scope(() => {
    let total: Tensor | null = null;
    outputs.forEach((out, i) => {
      if (weights[i] === 0) return;
      const term = loss(out, targets[i]).mul(weights[i]);
      total = total === null ? term : total.add(term);
    });
    return total ?? torch.zeros([], { device: outputs[0].device });
  });
}
