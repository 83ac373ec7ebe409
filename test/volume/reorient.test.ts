// Canonical orientation by axis permutation and flips: every voxel keeps its world position, the
// 48 storage orders of one volume all come back to the same canonical array, and the inverse is exact.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { axisCodes } from '../../src/volume/orientation.js';
import {
  allReorientations,
  canonicalReorientation,
  fromCanonical,
  inverseReorientation,
  reorient,
  toCanonical,
} from '../../src/volume/reorient.js';
import { diagonalAffine, type Mat4, type Vec3, type Volume } from '../../src/volume/volume.js';

/** World position (RAS mm) of voxel `(z, y, x)` under a row-major affine. */
function world(a: Mat4, z: number, y: number, x: number): number[] {
  return [0, 1, 2].map((r) => a[r * 4] * x + a[r * 4 + 1] * y + a[r * 4 + 2] * z + a[r * 4 + 3]);
}

const d25 = (25 * Math.PI) / 180;
/** An oblique RAS-like affine (25° about x), spacing 0.5 × 0.75 × 2 (x, y, z), origin (3, −4, 5). */
const OBLIQUE: Mat4 = [0.5, 0, 0, 3, 0, 0.75 * Math.cos(d25), -2 * Math.sin(d25), -4, 0, 0.75 * Math.sin(d25), 2 * Math.cos(d25), 5, 0, 0, 0, 1];

function distinct(shape: Vec3, affine: Mat4, channels = 1): Volume<Float32Array> {
  const n = shape[0] * shape[1] * shape[2] * channels;
  return { data: Float32Array.from({ length: n }, (_, i) => i), shape, spacing: [2, 0.75, 0.5], affine, ...(channels > 1 ? { channels } : {}) };
}

test('canonicalReorientation: the permutation and flips that make axes S, A, R', () => {
  const cases: [string, Mat4, number[], boolean[]][] = [
    ['RAS', diagonalAffine([2, 1, 1]), [0, 1, 2], [false, false, false]],
    ['LPS', [-1, 0, 0, 0, 0, -1, 0, 0, 0, 0, 2, 0, 0, 0, 0, 1], [0, 1, 2], [false, true, true]],
    // i→S, j→P, k→R: z (k) is R, y is P, x (i) is S
    ['sagittal', [0, 0, 1.2, 0, 0, -1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1], [2, 1, 0], [false, true, false]],
    // i→R, j→I, k→A: z is A, y is I, x is R
    ['coronal', [1, 0, 0, 0, 0, 0, 2, 0, 0, -1, 0, 0, 0, 0, 0, 1], [1, 0, 2], [true, false, false]],
  ];
  for (const [what, affine, permutation, flip] of cases) {
    assert.deepEqual(canonicalReorientation(affine), { permutation, flip }, what);
  }
});

test('reorient keeps every voxel at its world position (all 48 orders, 2 channels)', () => {
  const vol = distinct([3, 4, 5], OBLIQUE, 2);
  for (const r of allReorientations()) {
    const out = reorient(vol, r);
    const [nz, ny, nx] = out.shape;
    assert.deepEqual(out.spacing, r.permutation.map((p) => vol.spacing[p]));
    const n = nz * ny * nx;
    // Find each output voxel's source by its value, and compare world positions.
    for (let z = 0; z < nz; z++)
      for (let y = 0; y < ny; y++)
        for (let x = 0; x < nx; x++) {
          const v = out.data[(z * ny + y) * nx + x];
          assert.equal(out.data[n + (z * ny + y) * nx + x], v + 60, 'channel 1 follows channel 0');
          const sx = v % 5;
          const sy = Math.floor(v / 5) % 4;
          const sz = Math.floor(v / 20);
          const a = world(out.affine, z, y, x);
          const b = world(vol.affine, sz, sy, sx);
          a.forEach((c, i) => assert.ok(Math.abs(c - b[i]) < 1e-12, `${JSON.stringify(r)}: voxel (${z}, ${y}, ${x})`));
        }
  }
});

test('the 48 storages of one volume have one canonical array, and the inverse restores each exactly', () => {
  const vol = distinct([3, 4, 5], OBLIQUE);
  const canonical = toCanonical(vol).volume;
  assert.equal(canonical, vol, 'an already canonical volume is returned as it is');
  for (const r of allReorientations()) {
    const stored = reorient(vol, r);
    const { volume, record } = toCanonical(stored);
    assert.deepEqual(record.codes, axisCodes(stored.affine));
    assert.deepEqual(volume.data, vol.data, JSON.stringify(r));
    assert.deepEqual(volume.shape, vol.shape);
    volume.affine.forEach((v, i) => assert.ok(Math.abs(v - vol.affine[i]) < 1e-12));
    const back = fromCanonical(volume, record, stored.affine);
    assert.deepEqual(back.data, stored.data);
    assert.deepEqual(back.shape, stored.shape);
    assert.deepEqual(back.spacing, stored.spacing);
    assert.deepEqual(back.affine, stored.affine);
    assert.deepEqual(inverseReorientation(inverseReorientation(r)), r);
  }
});

test('reorient refuses a malformed reordering or data of the wrong length', () => {
  const vol = distinct([3, 4, 5], OBLIQUE);
  assert.throws(() => reorient(vol, { permutation: [0, 0, 2], flip: [false, false, false] }), /permutation of \[0, 1, 2\]/);
  assert.throws(() => reorient({ ...vol, data: new Float32Array(7) }, allReorientations()[3]), /7 voxels, expected 60/);
});
