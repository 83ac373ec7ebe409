import { test } from 'node:test';
import assert from 'node:assert/strict';
import { countLabels, tumourVolumes, voxelVolume } from '../../src/measure/volumes.js';
import { diagonalAffine, type Mat4 } from '../../src/volume/volume.js';
import { rotatedAffine, rotation } from './shapes.js';

// 2 × 2 × 2 voxels: three EM, two IM.
const LABELS = new Uint8Array([1, 1, 0, 2, 1, 0, 2, 0]);

const AFFINES: [string, Mat4, number][] = [
  ['diagonal 3 × 0.5 × 0.5', diagonalAffine([3, 0.5, 0.5]), 0.75],
  ['rotated (oblique) 3 × 0.5 × 0.5', rotatedAffine(rotation([1, 2, 3], 33), [3, 0.5, 0.5]), 0.75],
  ['LPS flip: |det|', [-1, 0, 0, 0, 0, -1, 0, 0, 0, 0, 2, 0, 0, 0, 0, 1], 2],
  // Sheared: column norms 1, √1.09, √4.04 (product ≈ 2.10) but the voxel volume is det = 2.
  ['sheared', [1, 0.3, 0, 0, 0, 1, 0.2, 0, 0, 0, 2, 0, 0, 0, 0, 1], 2],
];

for (const [what, affine, per] of AFFINES) {
  test(`volumes are voxel count × |det|: ${what}`, () => {
    assert.ok(Math.abs(voxelVolume(affine) - per) < 1e-12);
    const v = tumourVolumes(LABELS, [2, 2, 2], affine);
    assert.deepEqual(v.voxels, { extrameatal: 3, intrameatal: 2 });
    for (const [part, n] of [
      ['extrameatal', 3],
      ['intrameatal', 2],
      ['wholeTumour', 5],
    ] as const) {
      assert.ok(Math.abs(v[part].mm3 - n * per) < 1e-12, part);
      assert.ok(Math.abs(v[part].ml - (n * per) / 1000) < 1e-15, part);
    }
  });
}

test('countLabels: custom label values; bad values are named with their voxel', () => {
  assert.deepEqual(countLabels(new Int16Array([0, 7, 5, 7]), [1, 2, 2], { extrameatal: 5, intrameatal: 7 }), {
    extrameatal: 1,
    intrameatal: 2,
  });
  assert.throws(() => countLabels(new Uint8Array([0, 1, 3, 2]), [1, 2, 2]), {
    message:
      /^label map holds the value 3 at voxel \[z, y, x\] = \[0, 1, 0\]; expected only 0 .*1 .*2/,
  });
  assert.throws(() => countLabels(new Float32Array([0, 1.5]), [1, 1, 2]), { message: /value 1.5/ });
  assert.throws(() => countLabels(new Float32Array([NaN, 1]), [1, 1, 2]), { message: /value NaN/ });
  assert.throws(() => countLabels(new Uint8Array(4), [1, 2, 2], { extrameatal: 1, intrameatal: 1 }), {
    message: /two distinct non-zero integers/,
  });
  assert.throws(() => countLabels(new Uint8Array(3), [1, 2, 2]), {
    message: /countLabels: mask has 3 voxels/,
  });
});

test('voxelVolume: degenerate affines throw', () => {
  assert.throws(() => voxelVolume([1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1]), {
    message: /voxelVolume: .*degenerate/,
  });
  assert.throws(() => voxelVolume([1, 2, 0, 0, 2, 4, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1]), {
    message: /degenerate/,
  });
  assert.throws(() => voxelVolume([1, 0, 0]), { message: /voxelVolume: affine must be a row-major 4×4/ });
});
