import { test } from 'node:test';
import assert from 'node:assert/strict';
import { affineSpacing, axialAxis, axisCodes, nearestOrthogonal, rasToVoxel } from '../../src/volume/orientation.js';
import { voxelToRas } from '../../src/measure/geometry.js';
import { diagonalAffine, type Mat4 } from '../../src/volume/volume.js';

const d30 = Math.PI / 6;
const CASES: [string, Mat4, string[], number][] = [
  ['RAS diagonal', diagonalAffine([3, 0.5, 0.5]), ['S', 'A', 'R'], 0],
  ['LPS (DICOM-like) diagonal', [-1, 0, 0, 0, 0, -1, 0, 0, 0, 0, 2, 0, 0, 0, 0, 1], ['S', 'P', 'L'], 0],
  ['sagittal stack: i→S, j→P, k→R', [0, 0, 1.2, 0, 0, -1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1], ['R', 'P', 'S'], 2],
  ['coronal stack: i→R, j→I, k→A', [1, 0, 0, 0, 0, 0, 2, 0, 0, -1, 0, 0, 0, 0, 0, 1], ['A', 'I', 'R'], 1],
  [
    'oblique, 30° about x',
    [1, 0, 0, 5, 0, Math.cos(d30), -Math.sin(d30) * 3, 6, 0, Math.sin(d30), Math.cos(d30) * 3, 7, 0, 0, 0, 1],
    ['S', 'A', 'R'],
    0,
  ],
  // Sheared: column j leans towards S but stays mostly A; orthogonalisation keeps the assignment.
  ['sheared', [1, 0, 0, 0, 0, 1, 0.2, 0, 0, 0.4, 1, 0, 0, 0, 0, 1], ['S', 'A', 'R'], 0],
];

for (const [what, affine, codes, axial] of CASES) {
  test(`axisCodes / axialAxis: ${what}`, () => {
    assert.deepEqual(axisCodes(affine), codes);
    assert.equal(axialAxis(affine), axial);
  });
}

test('degenerate affines are refused with a clear error', () => {
  const zeroCol = [1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1];
  assert.throws(() => axisCodes(zeroCol), { message: /axisCodes: affine 3×3 part .* is degenerate/ });
  const singular = [1, 1, 0, 0, 1, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1];
  assert.throws(() => axialAxis(singular), { message: /degenerate/ });
  assert.throws(() => axisCodes([1, 0, 0]), { message: /16 numbers/ });
  assert.throws(() => axisCodes([NaN, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1]), {
    message: /degenerate/,
  });
});

test('affineSpacing: column norms in [z, y, x] order', () => {
  const c = Math.cos(d30);
  const s = Math.sin(d30);
  const spacing = affineSpacing([2 * c, -0.5 * s, 0, 0, 2 * s, 0.5 * c, 0, 0, 0, 0, 3, 0, 0, 0, 0, 1]);
  spacing.forEach((v, i) => assert.ok(Math.abs(v - [3, 0.5, 2][i]) < 1e-12));
});

test('nearestOrthogonal: polar factor of a scaled rotation is the rotation', () => {
  const r = nearestOrthogonal([0, -2, 0, 2, 0, 0, 0, 0, 2]);
  r.forEach((v, i) => assert.ok(Math.abs(v - [0, -1, 0, 1, 0, 0, 0, 0, 1][i]) < 1e-12));
});

test('rasToVoxel inverts voxelToRas: hand-computed on an axis-swapped affine, round trip on an oblique one; degenerate throws', () => {
  // Voxel (x, y, z) → RAS (20 − y, x − 5, 2z): columns i → A, j → −R, k → 2 S.
  const swapped = [0, -1, 0, 20, 1, 0, 0, -5, 0, 0, 2, 0, 0, 0, 0, 1];
  assert.deepEqual(rasToVoxel(swapped, [13, 7, 6]), [12, 7, 3]);
  assert.deepEqual(rasToVoxel([2, 0, 0, 10, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1], [14, 1, 2]), [2, 1, 2]);
  const c = Math.cos(0.3);
  const s = Math.sin(0.3);
  const oblique = [0.5 * c, -0.8 * s, 0.1, -40, 0.5 * s, 0.8 * c, 0, 12, 0, 0.05, 1.5, 7, 0, 0, 0, 1];
  for (const v of [[0, 0, 0], [3.5, -2, 10], [100, 200, 50]] as [number, number, number][]) {
    rasToVoxel(oblique, voxelToRas(oblique, v)).forEach((x, a) => assert.ok(Math.abs(x - v[a]) < 1e-9, `${v}: ${x}`));
  }
  assert.throws(() => rasToVoxel([1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1], [0, 0, 0]), /rasToVoxel: the affine's 3×3 part .* is degenerate/);
});
