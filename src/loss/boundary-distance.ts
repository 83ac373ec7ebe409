/**
 * The Boundary Distance Loss (BDL) of Wijethilake et al. 2022, with the choices of meatus (issue #5):
 *
 * - P = softmax(logits), channels 0 background, 1 extrameatal, 2 intrameatal;
 * - ∇Pi along z, y, x as torch.gradient(spacing 1, edge_order 1) (voxel units);
 *   |∇Pi| = sqrt(gz² + gy² + gx² + 1e-12); boundary detector B = |∇P1| · |∇P2|;
 * - φ = distance in mm from each voxel to the reference IM/EM interface, precomputed by the data
 *   pipeline (`boundaryDistanceMap`), +Infinity everywhere for a sample without an interface;
 * - D = (Σ B·exp(−φ/τ) + ε) / (Σ B + ε), ε = 1e-6; L = −log D per sample;
 * - the batch value is the mean over the samples that have an interface; none → 0 (no gradient).
 *
 * Layout: logits `[N, 3, Z, Y, X]`, φ `[N, Z, Y, X]` (mm, same device).
 */
import { F, torch, type Tensor } from '../torch/index.js';

export interface BoundaryDistanceOptions {
  /** Distance scale τ in mm. Default 1. */
  tau?: number;
  /** ε of the ratio. Default 1e-6. */
  eps?: number;
}

/** Indices of the samples whose φ has a finite value (an interface exists in the patch). */
function samplesWithBoundary(phi: Tensor): number[] {
  const counts = torch.scope(() => phi.flatten(1).isfinite().sum(1).toInt32Array());
  const out: number[] = [];
  counts.forEach((v, i) => v > 0 && out.push(i));
  return out;
}

/**
 * The Boundary Distance Loss (a 0-dim tensor).
 * @throws Error for logits without 3 channels or a φ of another shape.
 */
export function boundaryDistanceLoss(logits: Tensor, phi: Tensor, o: BoundaryDistanceOptions = {}): Tensor {
  const [n, c, ...spatial] = logits.shape;
  if (c !== 3 || spatial.length !== 3) {
    throw new Error(`boundaryDistanceLoss: expected logits [N, 3, Z, Y, X], got [${logits.shape}]`);
  }
  const ps = phi.shape;
  if (ps.length !== 4 || ps[0] !== n || spatial.some((s, i) => ps[i + 1] !== s)) {
    throw new Error(`boundaryDistanceLoss: φ shape [${ps}] must be [${[n, ...spatial]}]`);
  }
  const tau = o.tau ?? 1;
  const eps = o.eps ?? 1e-6;
  if (!(tau > 0)) throw new Error(`boundaryDistanceLoss: τ must be > 0 mm, got ${tau}`);
  const valid = samplesWithBoundary(phi);
  if (valid.length === 0) return torch.zeros([], { dtype: logits.dtype, device: logits.device });
  return torch.scope(() => {
    const all = valid.length === n;
    const idx = all ? null : torch.tensor(valid, { dtype: 'int64', device: logits.device });
    const lg = idx ? logits.indexSelect(0, idx) : logits;
    const ph = idx ? phi.indexSelect(0, idx) : phi;
    const probs = F.softmax(lg, 1);
    const magnitude = (channel: number) => {
      const [gz, gy, gx] = F.gradient(probs.select(1, channel), [1, 2, 3]);
      return gz.square().add(gy.square()).add(gx.square()).add(1e-12).sqrt();
    };
    const b = magnitude(1).mul(magnitude(2));
    const weight = ph.div(-tau).exp().to(b.dtype);
    const num = b.mul(weight).sum([1, 2, 3]).add(eps);
    const den = b.sum([1, 2, 3]).add(eps);
    return num.div(den).log().neg().mean();
  });
}
