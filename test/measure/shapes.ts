// Test helpers for test/measure: label volumes built voxel by voxel, rotations and
// an O(n²) brute-force diameter to compare rotating calipers against.
import type { Mat4, Vec3, Volume } from '../../src/volume/volume.js';

/** A Uint8 label volume of `shape` ([z, y, x]) whose voxel (x, y, z) gets `f(x, y, z)`. */
export function makeLabel(
  shape: Vec3,
  affine: Mat4,
  f: (x: number, y: number, z: number) => number,
): Volume<Uint8Array> {
  const [nz, ny, nx] = shape;
  const data = new Uint8Array(nz * ny * nx);
  for (let z = 0, i = 0; z < nz; z++)
    for (let y = 0; y < ny; y++) for (let x = 0; x < nx; x++, i++) data[i] = f(x, y, z);
  const col = (c: number) => Math.hypot(affine[c], affine[4 + c], affine[8 + c]);
  return { data, shape, spacing: [col(2), col(1), col(0)], affine };
}

/** Largest pairwise distance of 2-D or 3-D points, O(n²). */
export function bruteDiameter(pts: readonly (readonly number[])[]): number {
  const dim = pts.length > 0 ? pts[0].length : 0;
  const flat = Float64Array.from(pts.flat());
  let best = 0;
  for (let a = 0; a < flat.length; a += dim) {
    for (let b = a + dim; b < flat.length; b += dim) {
      let d2 = 0;
      for (let k = 0; k < dim; k++) d2 += (flat[a + k] - flat[b + k]) ** 2;
      if (d2 > best) best = d2;
    }
  }
  return Math.sqrt(best);
}

/** Row-major 3×3 rotation by `deg` degrees about the unit axis `[x, y, z]` (Rodrigues). */
export function rotation(axis: [number, number, number], deg: number): number[] {
  const n = Math.hypot(...axis);
  const [x, y, z] = axis.map((v) => v / n);
  const c = Math.cos((deg * Math.PI) / 180);
  const s = Math.sin((deg * Math.PI) / 180);
  const t = 1 - c;
  // prettier-ignore
  return [
    t * x * x + c, t * x * y - s * z, t * x * z + s * y,
    t * x * y + s * z, t * y * y + c, t * y * z - s * x,
    t * x * z - s * y, t * y * z + s * x, t * z * z + c,
  ];
}

/** The affine R · diag(sx, sy, sz) + origin: voxel axes rotated by R, spacing `[z, y, x]`. */
export function rotatedAffine(
  r: number[],
  spacing: Vec3,
  origin: [number, number, number] = [0, 0, 0],
): Mat4 {
  const [sz, sy, sx] = spacing;
  const s = [sx, sy, sz];
  // prettier-ignore
  return [
    r[0] * s[0], r[1] * s[1], r[2] * s[2], origin[0],
    r[3] * s[0], r[4] * s[1], r[5] * s[2], origin[1],
    r[6] * s[0], r[7] * s[1], r[8] * s[2], origin[2],
    0, 0, 0, 1,
  ];
}
