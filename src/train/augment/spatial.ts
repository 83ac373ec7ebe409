/**
 * The spatial augmentation: one resampling of the (enlarged) input patch through a combined
 * rotation + scaling matrix about the patch centre, onto the final patch grid — trilinear for
 * image channels, nearest for the label and mask channels, 0 outside the input (nnU-Net's
 * `border_mode 'constant'`, value 0 for both).
 *
 * Like nnU-Net (batchgenerators) the transform works in **voxel coordinates**: it does not take
 * the spacing into account, so on anisotropic data an out-of-plane rotation also shears the
 * physical anatomy, exactly as in nnU-Net.
 *
 * Geometry: the final patch is the centre crop of the input, starting at `⌊(E − P)/2⌋` per axis
 * (E input size, P patch size). Output voxel `o` samples input coordinate
 * `crop + c + A·(o − c)`, `c = (P − 1)/2`, so the identity matrix is exactly that crop (no
 * interpolation). nnU-Net v2 rotates about `(E − 1)/2`, up to half a voxel away.
 *
 * Axes are array axes `[z, y, x]`; "about z" turns the (y, x) plane (batchgenerators' angle_x).
 */
import { cropOrPad } from '../../volume/crop.js';
import type { Vec3, VoxelArray } from '../../volume/volume.js';
import type { Sample } from '../sampler.js';

/** A 3×3 matrix, row-major, acting on `[z, y, x]` column vectors. */
export type Mat3 = number[];

function matmul(a: Mat3, b: Mat3): Mat3 {
  const out = new Array<number>(9).fill(0);
  for (let r = 0; r < 3; r++)
    for (let c = 0; c < 3; c++) for (let k = 0; k < 3; k++) out[r * 3 + c] += a[r * 3 + k] * b[k * 3 + c];
  return out;
}

/** Rotation by `angle` radians about array axis `axis` (0 = z, 1 = y, 2 = x). */
function axisRotation(axis: number, angle: number): Mat3 {
  const c = Math.cos(angle);
  const s = Math.sin(angle);
  if (axis === 0) return [1, 0, 0, 0, c, -s, 0, s, c];
  if (axis === 1) return [c, 0, s, 0, 1, 0, -s, 0, c];
  return [c, -s, 0, s, c, 0, 0, 0, 1];
}

/**
 * `Rz · Ry · Rx · diag(scale)`: the matrix mapping an output offset (voxels, `[z, y, x]`, from the
 * patch centre) to an input offset. `angles` are radians about z, y and x; `scale > 1` samples a
 * larger field of view (objects appear smaller), as in nnU-Net.
 * @example spatialMatrix([Math.PI / 2, 0, 0], [1, 1, 1]) // 90° in the (y, x) plane
 */
export function spatialMatrix(angles: Vec3, scale: Vec3): Mat3 {
  const r = matmul(
    matmul(axisRotation(0, angles[0]), axisRotation(1, angles[1])),
    axisRotation(2, angles[2]),
  );
  return matmul(r, [scale[0], 0, 0, 0, scale[1], 0, 0, 0, scale[2]]);
}

/** batchgenerators' `rotate_coords_3d(coords, ax, ay, az)`: `coords · Rx · Ry · Rz` (row vector). */
function rotateCoords(coords: Vec3, ax: number, ay: number, az: number): Vec3 {
  const m = matmul(matmul(axisRotation(0, ax), axisRotation(1, ay)), axisRotation(2, az));
  return [0, 1, 2].map((j) => coords[0] * m[j] + coords[1] * m[3 + j] + coords[2] * m[6 + j]) as Vec3;
}

/**
 * nnU-Net's `get_patch_size`: the input size to cut so that rotation by up to `maxRotation`
 * radians about each axis and scaling by `scaleRange` bring in little border. As in nnU-Net, each
 * axis's rotation is evaluated alone at its largest angle (clipped to 90°), the element-wise
 * maximum of `|rotated corner|` and the patch is divided by `min(scaleRange)`, and the result is
 * truncated to integers. With `dummy2D` the z size stays the patch's (nnU-Net's
 * `initial_patch_size[0] = patch_size[0]`).
 * @example initialPatchSize([64, 128, 128], Math.PI / 6, [0.7, 1.4], false)
 */
export function initialPatchSize(
  patchSize: Vec3,
  maxRotation: number,
  scaleRange: [number, number],
  dummy2D: boolean,
): Vec3 {
  const rot = Math.min(Math.PI / 2, Math.abs(maxRotation));
  let size = [...patchSize] as Vec3;
  for (const r of [
    rotateCoords(patchSize, rot, 0, 0),
    rotateCoords(patchSize, 0, rot, 0),
    rotateCoords(patchSize, 0, 0, rot),
  ]) {
    size = size.map((s, a) => Math.max(s, Math.abs(r[a]))) as Vec3;
  }
  // A 1e-9 guard keeps exact products (e.g. 64 / 0.5) from truncating one below.
  const out = size.map((s) => Math.max(1, Math.floor(s / Math.min(...scaleRange) + 1e-9))) as Vec3;
  if (dummy2D) out[0] = patchSize[0];
  return out.map((s, a) => Math.max(s, patchSize[a])) as Vec3;
}

/** Centre crop of one `[channels, z, y, x]` array (reuses `cropOrPad`). */
function centreCrop<T extends VoxelArray>(data: T, channels: number, shape: Vec3, size: Vec3): T {
  return cropOrPad({ data, shape, spacing: [1, 1, 1], affine: [], channels }, size).data;
}

/**
 * Precomputed sampling geometry: for every output row `(z, y)`, the input coordinate of its voxel
 * x = 0 (`rows`, 3 numbers a row); `step` is the input displacement of one output voxel along x.
 */
interface Grid {
  inShape: Vec3;
  rows: Float64Array;
  rowLength: number;
  step: Vec3;
}

function makeGrid(inShape: Vec3, outShape: Vec3, m: Mat3): Grid {
  const c = outShape.map((p) => (p - 1) / 2);
  const crop = inShape.map((e, a) => Math.floor((e - outShape[a]) / 2));
  // input = crop + c + M·(o − c)
  const rows = new Float64Array(outShape[0] * outShape[1] * 3);
  for (let oz = 0, r = 0; oz < outShape[0]; oz++) {
    for (let oy = 0; oy < outShape[1]; oy++, r += 3) {
      const o = [oz - c[0], oy - c[1], -c[2]];
      for (let a = 0; a < 3; a++)
        rows[r + a] = crop[a] + c[a] + m[a * 3] * o[0] + m[a * 3 + 1] * o[1] + m[a * 3 + 2] * o[2];
    }
  }
  return { inShape, rows, rowLength: outShape[2], step: [m[2], m[5], m[8]] };
}

/** Trilinear resampling of one channel into `out` from `outOffset`, 0 outside. */
function trilinear(src: Float32Array, g: Grid, out: Float32Array, outOffset: number): void {
  const [nz, ny, nx] = g.inShape;
  const [dz, dy, dx] = g.step;
  const sy = nx;
  const sz = nx * ny;
  const at = (z: number, y: number, x: number): number =>
    z < 0 || z >= nz || y < 0 || y >= ny || x < 0 || x >= nx ? 0 : src[z * sz + y * sy + x];
  let d = outOffset;
  for (let r = 0; r < g.rows.length; r += 3) {
    let cz = g.rows[r];
    let cy = g.rows[r + 1];
    let cx = g.rows[r + 2];
    for (let ox = 0; ox < g.rowLength; ox++, d++, cz += dz, cy += dy, cx += dx) {
      const z0 = Math.floor(cz);
      const y0 = Math.floor(cy);
      const x0 = Math.floor(cx);
      const wz = cz - z0;
      const wy = cy - y0;
      const wx = cx - x0;
      if (z0 >= 0 && z0 + 1 < nz && y0 >= 0 && y0 + 1 < ny && x0 >= 0 && x0 + 1 < nx) {
        const i = z0 * sz + y0 * sy + x0;
        const c00 = src[i] + wx * (src[i + 1] - src[i]);
        const c01 = src[i + sy] + wx * (src[i + sy + 1] - src[i + sy]);
        const c10 = src[i + sz] + wx * (src[i + sz + 1] - src[i + sz]);
        const c11 = src[i + sz + sy] + wx * (src[i + sz + sy + 1] - src[i + sz + sy]);
        const c0 = c00 + wy * (c01 - c00);
        out[d] = c0 + wz * (c10 + wy * (c11 - c10) - c0);
      } else if (z0 >= -1 && z0 < nz && y0 >= -1 && y0 < ny && x0 >= -1 && x0 < nx) {
        const c00 = at(z0, y0, x0) * (1 - wx) + at(z0, y0, x0 + 1) * wx;
        const c01 = at(z0, y0 + 1, x0) * (1 - wx) + at(z0, y0 + 1, x0 + 1) * wx;
        const c10 = at(z0 + 1, y0, x0) * (1 - wx) + at(z0 + 1, y0, x0 + 1) * wx;
        const c11 = at(z0 + 1, y0 + 1, x0) * (1 - wx) + at(z0 + 1, y0 + 1, x0 + 1) * wx;
        out[d] = (c00 * (1 - wy) + c01 * wy) * (1 - wz) + (c10 * (1 - wy) + c11 * wy) * wz;
      } else {
        out[d] = 0;
      }
    }
  }
}

/** Nearest-neighbour resampling of one uint8 channel (rounding half up), 0 outside. */
function nearest(src: Uint8Array, g: Grid): Uint8Array {
  const [nz, ny, nx] = g.inShape;
  const out = new Uint8Array((g.rows.length / 3) * g.rowLength);
  let d = 0;
  for (let r = 0; r < g.rows.length; r += 3) {
    // +0.5 once per row: floor(c + 0.5) rounds to the nearest voxel.
    let cz = g.rows[r] + 0.5;
    let cy = g.rows[r + 1] + 0.5;
    let cx = g.rows[r + 2] + 0.5;
    for (let ox = 0; ox < g.rowLength; ox++, d++, cz += g.step[0], cy += g.step[1], cx += g.step[2]) {
      const z = Math.floor(cz);
      const y = Math.floor(cy);
      const x = Math.floor(cx);
      if (z >= 0 && z < nz && y >= 0 && y < ny && x >= 0 && x < nx) out[d] = src[(z * ny + y) * nx + x];
    }
  }
  return out;
}

/**
 * Resamples `sample` onto the `patchSize` grid through `matrix` (from {@link spatialMatrix}; null
 * for none, which is an exact centre crop). Image channels trilinear, label and masks nearest.
 * Returns a new sample; the input is not modified.
 * @throws Error if `patchSize` exceeds the sample's shape on an axis.
 */
export function spatialTransform(sample: Sample, matrix: Mat3 | null, patchSize: Vec3): Sample {
  if (!patchSize.every((p, a) => Number.isInteger(p) && p >= 1 && p <= sample.shape[a])) {
    throw new Error(
      `spatialTransform: case '${sample.id}': patch size [${patchSize.join(', ')}] must be integers ` +
        `between 1 and the input size [${sample.shape.join(', ')}]`,
    );
  }
  const base = {
    id: sample.id,
    channels: sample.channels,
    shape: [...patchSize] as Vec3,
    spacing: sample.spacing,
  };
  if (matrix === null) {
    return {
      ...base,
      image: centreCrop(sample.image, sample.channels, sample.shape, patchSize),
      masks: sample.masks.map((m) => centreCrop(m, 1, sample.shape, patchSize)),
      label: centreCrop(sample.label, 1, sample.shape, patchSize),
    };
  }
  const g = makeGrid(sample.shape, patchSize, matrix);
  const nIn = sample.shape[0] * sample.shape[1] * sample.shape[2];
  const nOut = patchSize[0] * patchSize[1] * patchSize[2];
  const image = new Float32Array(nOut * sample.channels);
  for (let c = 0; c < sample.channels; c++)
    trilinear(sample.image.subarray(c * nIn, (c + 1) * nIn), g, image, c * nOut);
  return { ...base, image, masks: sample.masks.map((m) => nearest(m, g)), label: nearest(sample.label, g) };
}
