/**
 * The `Volume`: voxels plus geometry. Every image and label map in meatus is one.
 *
 * Layout (see shared/DESIGN.md): `data` is stored as NIfTI stores it, i (x) fastest, then j (y),
 * then k (z); `shape` and `spacing` are in array-axis order `[z, y, x]`; `affine` maps a voxel
 * index `(i, j, k) = (x, y, z)` to RAS+ millimetres, as a row-major 4×4 matrix (16 numbers).
 * A multi-channel volume (e.g. a 4D NIfTI read as channels) has `channels > 1`, channel slowest:
 * `data.length === channels * z * y * x`.
 */

/** The typed arrays a volume's voxels may be stored in. */
export type VoxelArray =
  | Float32Array
  | Float64Array
  | Uint8Array
  | Int8Array
  | Uint16Array
  | Int16Array
  | Uint32Array
  | Int32Array;

/** Three numbers in array-axis order `[z, y, x]`. */
export type Vec3 = [number, number, number];

/** A row-major 4×4 matrix, 16 numbers. */
export type Mat4 = number[];

/** Voxels and their geometry. */
export interface Volume<T extends VoxelArray = VoxelArray> {
  /** Voxel values, x fastest (then y, z, channel). */
  data: T;
  /** Size along `[z, y, x]`. */
  shape: Vec3;
  /** Voxel size in mm along `[z, y, x]`. */
  spacing: Vec3;
  /** Voxel `(x, y, z)` → RAS+ mm, row-major 4×4. */
  affine: Mat4;
  /** Number of channels (default 1). */
  channels?: number;
}

/** Number of voxels in one channel of a volume of this shape. */
export function voxelCount(shape: Vec3): number {
  return shape[0] * shape[1] * shape[2];
}

/**
 * The affine of an axis-aligned volume with the given spacing (`[z, y, x]`, mm) and origin
 * (RAS mm of voxel 0), its x axis along +R, y along +A and z along +S.
 */
export function diagonalAffine(spacing: Vec3, origin: [number, number, number] = [0, 0, 0]): Mat4 {
  const [sz, sy, sx] = spacing;
  return [sx, 0, 0, origin[0], 0, sy, 0, origin[1], 0, 0, sz, origin[2], 0, 0, 0, 1];
}

/**
 * A new volume with the geometry of `like` and the given data (default: zeros of the same type).
 * @throws Error if `data` has the wrong length.
 */
export function volumeLike<T extends VoxelArray>(like: Volume, data: T): Volume<T> {
  const n = voxelCount(like.shape) * (like.channels ?? 1);
  if (data.length !== n) {
    throw new Error(`volumeLike: data has ${data.length} voxels, expected ${n} for shape ${like.shape.join('×')}`);
  }
  return {
    data,
    shape: [...like.shape] as Vec3,
    spacing: [...like.spacing] as Vec3,
    affine: [...like.affine],
    channels: like.channels,
  };
}
