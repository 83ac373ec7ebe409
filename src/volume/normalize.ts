/**
 * Intensity normalisation of images, as nnU-Net's `ZScoreNormalization` (the scheme it uses for
 * MRI).
 */
import type { Vec3, Volume } from './volume.js';

/** nnU-Net's floor on the standard deviation: `max(std, 1e-8)`. */
export const MIN_STD = 1e-8;

/**
 * Z-score normalisation, each channel separately: `(x − mean) / max(std, 1e-8)`, where mean and
 * std (population formula, numpy's default `ddof = 0`; accumulated in float64) are taken over
 * the voxels inside `mask` (non-zero voxels of a volume of the same shape), or over all voxels
 * without a mask. With a mask, voxels outside it are set to 0 — nnU-Net v1's
 * `use_mask_for_norm` behaviour (v2 leaves them untouched, but there they are 0 already, the
 * mask being the image's non-zero region). A constant region (std = 0) thus becomes all zeros.
 * @returns a new volume with Float32Array data and the same geometry.
 * @throws Error if the mask's shape differs from the image's, or the mask is empty.
 * @example const norm = zscore(t2, brainMask);
 */
export function zscore(vol: Volume, mask?: Volume): Volume<Float32Array> {
  const [nz, ny, nx] = vol.shape;
  const n = nz * ny * nx;
  const channels = vol.channels ?? 1;
  if (vol.data.length !== n * channels) {
    throw new Error(
      `zscore: data has ${vol.data.length} voxels, expected ${n * channels} for shape ${vol.shape.join('×')}`,
    );
  }
  if (mask && (mask.shape.some((s, a) => s !== vol.shape[a]) || mask.data.length !== n)) {
    throw new Error(
      `zscore: mask shape ${mask.shape.join('×')} (${mask.data.length} voxels) differs from the image's ` +
        `${vol.shape.join('×')}; expected the same shape, one channel`,
    );
  }
  const m = mask?.data;
  const out = new Float32Array(n * channels);
  for (let c = 0; c < channels; c++) {
    const off = c * n;
    let count = 0;
    let sum = 0;
    for (let i = 0; i < n; i++) {
      if (m && !m[i]) continue;
      sum += vol.data[off + i];
      count++;
    }
    if (count === 0) throw new Error('zscore: mask is empty; expected at least one non-zero voxel');
    const mean = sum / count;
    let ss = 0;
    for (let i = 0; i < n; i++) {
      if (m && !m[i]) continue;
      const d = vol.data[off + i] - mean;
      ss += d * d;
    }
    const std = Math.max(Math.sqrt(ss / count), MIN_STD);
    for (let i = 0; i < n; i++) out[off + i] = m && !m[i] ? 0 : (vol.data[off + i] - mean) / std;
  }
  const result: Volume<Float32Array> = {
    data: out,
    shape: [...vol.shape] as Vec3,
    spacing: [...vol.spacing] as Vec3,
    affine: [...vol.affine],
  };
  if (vol.channels !== undefined) result.channels = vol.channels;
  return result;
}
