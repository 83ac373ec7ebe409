/**
 * Weight initialisation, as torch.nn.init (fan-in computed as PyTorch does: `size(1) · receptive
 * field`, which for a transposed convolution is its output channels).
 */
import { torch, type Tensor } from '../torch/index.js';

/** PyTorch's fan-in of a weight tensor. */
export function fanIn(w: Tensor): number {
  const s = w.shape;
  if (s.length < 2) throw new Error(`fanIn: a weight needs at least 2 dims, got [${s}]`);
  return s.slice(1).reduce((a, b) => a * b, 1);
}

/** Kaiming (He) normal, mode fan_in, leaky-ReLU gain with slope `a`: N(0, 2/((1+a²)·fanIn)). In place. */
export function kaimingNormal_(w: Tensor, a = 0): Tensor {
  const std = Math.sqrt(2 / (1 + a * a)) / Math.sqrt(fanIn(w));
  torch.noGrad(() => w.normal_(0, std));
  return w;
}

/** Kaiming uniform, mode fan_in: U(−b, b), b = gain·sqrt(3/fanIn). In place. */
export function kaimingUniform_(w: Tensor, a = 0): Tensor {
  const bound = Math.sqrt(2 / (1 + a * a)) * Math.sqrt(3 / fanIn(w));
  torch.noGrad(() => w.uniform_(-bound, bound));
  return w;
}

/** Fills with a constant. In place. */
export function constant_(w: Tensor, v: number): Tensor {
  torch.noGrad(() => w.fill_(v));
  return w;
}
