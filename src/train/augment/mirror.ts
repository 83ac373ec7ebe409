/**
 * Mirroring (nnU-Net's `MirrorTransform`): flips the image channels, the mask channels and the
 * label along the chosen array axes (`[z, y, x]`; nnU-Net mirrors each allowed axis with
 * probability ½).
 */
import type { Vec3 } from '../../volume/volume.js';
import type { Sample } from '../sampler.js';

/**
 * Reverses `data` (`[channels, z, y, x]`, x fastest) along `axis` (0 z, 1 y, 2 x), in place.
 * @throws Error if the length does not match `channels × shape`.
 */
export function flipAxis(
  data: Float32Array | Uint8Array,
  channels: number,
  shape: Vec3,
  axis: 0 | 1 | 2,
): void {
  const n = shape[axis];
  const inner = shape.slice(axis + 1).reduce((p, s) => p * s, 1);
  const outer = channels * shape.slice(0, axis).reduce((p, s) => p * s, 1);
  if (data.length !== outer * n * inner) {
    throw new Error(`flipAxis: ${data.length} values, expected ${channels} × ${shape.join('×')}`);
  }
  const tmp = data.slice(0, inner);
  for (let p = 0; p < outer; p++) {
    const base = p * n * inner;
    for (let lo = 0, hi = n - 1; lo < hi; lo++, hi--) {
      const a = base + lo * inner;
      const b = base + hi * inner;
      if (inner === 1) {
        const t = data[a];
        data[a] = data[b];
        data[b] = t;
      } else {
        tmp.set(data.subarray(a, a + inner));
        data.copyWithin(a, b, b + inner);
        data.set(tmp, b);
      }
    }
  }
}

/** Flips `sample` in place along every axis `a` with `axes[a]` true. */
export function mirror(sample: Sample, axes: readonly [boolean, boolean, boolean]): void {
  for (const a of [0, 1, 2] as const) {
    if (!axes[a]) continue;
    flipAxis(sample.image, sample.channels, sample.shape, a);
    flipAxis(sample.label, 1, sample.shape, a);
    for (const m of sample.masks) flipAxis(m, 1, sample.shape, a);
  }
}
