/**
 * Simulated low resolution (nnU-Net v2's `SimulateLowResolutionTransform`): a channel is
 * downsampled by a zoom factor with nearest-neighbour ('nearest-exact') and upsampled back to its
 * shape with linear interpolation (trilinear, `align_corners=False`). batchgeneratorsv2 uses
 * exactly these modes (batchgenerators v1 upsampled with cubic splines). Both passes reuse
 * `resampleToShape` of `src/volume/resample.ts`, whose edge-aligned grid is torch's
 * `align_corners=False`.
 */
import { resampledShape, resampleToShape } from '../../volume/resample.js';
import type { Vec3 } from '../../volume/volume.js';

/**
 * Degrades one `[z, y, x]` float32 channel in place: down to `round(shape · zoom)` voxels per axis
 * (at least 1; an axis with zoom 1 is untouched), nearest, then back up, linear.
 * @param zoom per-axis factors in (0, 1], `[z, y, x]`.
 * @throws Error if a zoom factor is not in (0, 1].
 */
export function simulateLowResolution(ch: Float32Array, shape: Vec3, zoom: Vec3): void {
  if (!zoom.every((f) => f > 0 && f <= 1)) {
    throw new Error(`simulateLowResolution: zoom [${zoom.join(', ')}], expected factors in (0, 1]`);
  }
  // round(shape · zoom), ties to even, at least 1: nnU-Net's rule, which resampledShape implements.
  const small = resampledShape(shape, zoom, [1, 1, 1]);
  if (small.every((n, a) => n === shape[a])) return;
  const vol = { data: ch, shape, spacing: [1, 1, 1] as Vec3, affine: [] };
  const down = resampleToShape(vol, small, 'nearest');
  const up = resampleToShape(down, shape, 'linear');
  ch.set(up.data);
}
