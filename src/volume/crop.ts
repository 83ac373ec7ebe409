/**
 * Cropping and padding volumes. Every function returns a new volume whose affine is shifted so
 * that each kept voxel keeps its world (RAS mm) position; spacing and data type are unchanged.
 * Offsets and sizes are in array-axis order `[z, y, x]`, in voxels. Multi-channel volumes are
 * cropped/padded channel by channel.
 */
import type { Mat4, Vec3, Volume, VoxelArray } from './volume.js';

/** The affine of the sub-grid whose voxel 0 is voxel `start` (`[z, y, x]`) of `affine`. */
export function shiftAffine(affine: Mat4, start: Vec3): Mat4 {
  const [k, j, i] = start;
  const out = [...affine];
  for (let r = 0; r < 3; r++)
    out[r * 4 + 3] = affine[r * 4] * i + affine[r * 4 + 1] * j + affine[r * 4 + 2] * k + affine[r * 4 + 3];
  return out;
}

function checkVec(v: Vec3, what: string, fn: string, min: number): void {
  if (v.length !== 3 || !v.every((n) => Number.isInteger(n) && n >= min)) {
    throw new Error(
      `${fn}: ${what} = [${v.join(', ')}], expected three integers ≥ ${min} in [z, y, x] order`,
    );
  }
}

/**
 * The region of `vol` starting at voxel `start` with `size` voxels (`[z, y, x]`); `start` may be
 * negative and the region may extend past the volume, where voxels take `value`. The general
 * form of {@link crop}, {@link pad} and {@link cropOrPad}.
 * @throws Error if `size` has a non-positive entry, or `value` cannot be held by the data type.
 */
export function extractRegion<T extends VoxelArray>(
  vol: Volume<T>,
  start: Vec3,
  size: Vec3,
  value = 0,
): Volume<T> {
  checkVec(size, 'size', 'extractRegion', 1);
  if (start.length !== 3 || !start.every(Number.isInteger)) {
    throw new Error(
      `extractRegion: start = [${start.join(', ')}], expected three integers in [z, y, x] order`,
    );
  }
  const channels = vol.channels ?? 1;
  const ctor = vol.data.constructor as new (n: number) => T;
  const [nz, ny, nx] = vol.shape;
  const [sz, sy, sx] = size;
  const out = new ctor(sz * sy * sx * channels);
  const fill = new ctor(1);
  fill[0] = value;
  if (!Object.is(fill[0], value)) {
    throw new Error(
      `extractRegion: pad value ${value} cannot be held by a ${ctor.name}; expected a value of that type`,
    );
  }
  if (value !== 0) out.fill(value);
  // The x-run copied from each source row: source columns [x0, x1) go to output column x0 - start[2].
  const x0 = Math.max(0, start[2]);
  const x1 = Math.min(nx, start[2] + sx);
  for (let c = 0; c < channels && x1 > x0; c++) {
    for (let z = 0; z < sz; z++) {
      const iz = z + start[0];
      if (iz < 0 || iz >= nz) continue;
      for (let y = 0; y < sy; y++) {
        const iy = y + start[1];
        if (iy < 0 || iy >= ny) continue;
        const src = ((c * nz + iz) * ny + iy) * nx;
        const dst = ((c * sz + z) * sy + y) * sx + (x0 - start[2]);
        out.set(vol.data.subarray(src + x0, src + x1) as ArrayLike<number>, dst);
      }
    }
  }
  return {
    data: out,
    shape: [sz, sy, sx],
    spacing: [...vol.spacing] as Vec3,
    affine: shiftAffine(vol.affine, start),
    ...(vol.channels !== undefined ? { channels: vol.channels } : {}),
  };
}

/**
 * The box of `size` voxels at `start` (`[z, y, x]`), which must lie inside the volume.
 * @throws Error naming the axis if the box leaves the volume.
 * @example crop(vol, [10, 20, 20], [32, 64, 64]).shape // [32, 64, 64]
 */
export function crop<T extends VoxelArray>(vol: Volume<T>, start: Vec3, size: Vec3): Volume<T> {
  checkVec(start, 'start', 'crop', 0);
  checkVec(size, 'size', 'crop', 1);
  for (let a = 0; a < 3; a++) {
    if (start[a] + size[a] > vol.shape[a]) {
      throw new Error(
        `crop: start[${a}] + size[${a}] = ${start[a] + size[a]} exceeds shape[${a}] = ${vol.shape[a]} ` +
          `(shape ${vol.shape.join('×')}, axes [z, y, x])`,
      );
    }
  }
  return extractRegion(vol, start, size);
}

/**
 * Adds `before[a]` voxels before and `after[a]` after each axis `a` (`[z, y, x]`), filled with
 * `value` (default 0).
 * @throws Error if a margin is negative or not an integer, or `value` does not fit the data type.
 * @example pad(vol, [0, 2, 2], [0, 2, 2]).shape // [z, y + 4, x + 4]
 */
export function pad<T extends VoxelArray>(vol: Volume<T>, before: Vec3, after: Vec3, value = 0): Volume<T> {
  checkVec(before, 'before', 'pad', 0);
  checkVec(after, 'after', 'pad', 0);
  const size = vol.shape.map((n, a) => n + before[a] + after[a]) as Vec3;
  return extractRegion(vol, before.map((b) => -b) as Vec3, size, value);
}

/**
 * Crops or pads each axis to `shape` (`[z, y, x]`), keeping the centre: an axis that shrinks by
 * d drops ⌊d/2⌋ voxels at the start, one that grows by d gains ⌊d/2⌋ voxels at the start (the
 * odd voxel goes at the end in both cases, like nnU-Net's `pad_nd_image`).
 * @throws Error if `shape` has a non-positive entry, or `value` does not fit the data type.
 */
export function cropOrPad<T extends VoxelArray>(vol: Volume<T>, shape: Vec3, value = 0): Volume<T> {
  checkVec(shape, 'shape', 'cropOrPad', 1);
  const start = vol.shape.map((n, a) => {
    const d = n - shape[a];
    return d >= 0 ? Math.floor(d / 2) : -Math.floor(-d / 2);
  }) as Vec3;
  return extractRegion(vol, start, shape, value);
}
