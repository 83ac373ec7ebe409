import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  resample,
  resampledShape,
  resampleLabels,
  resampleLabelsToShape,
  resampleToShape,
} from '../../src/volume/resample.js';
import {
  diagonalAffine,
  type Mat4,
  type Vec3,
  type Volume,
  type VoxelArray,
} from '../../src/volume/volume.js';

const row = (data: VoxelArray, spacing = 2): Volume => ({
  data,
  shape: [1, 1, data.length],
  spacing: [1, 1, spacing],
  affine: diagonalAffine([1, 1, spacing]),
});
const close = (a: ArrayLike<number>, b: number[], tol = 1e-6) => {
  assert.equal(a.length, b.length);
  b.forEach((v, i) => assert.ok(Math.abs(a[i] - v) <= tol, `${i}: ${a[i]} vs ${v}`));
};

test('resampledShape: nnU-Net rule round(spacing / target · shape), ties to even', () => {
  assert.deepEqual(resampledShape([10, 64, 64], [3, 0.5, 0.5], [1.5, 1, 1]), [20, 32, 32]);
  assert.deepEqual(resampledShape([5, 7, 9], [1, 1, 1], [2, 2, 2]), [2, 4, 4]); // 2.5 → 2, 3.5 → 4, 4.5 → 4
  assert.deepEqual(resampledShape([1, 1, 1], [1, 1, 1], [5, 5, 5]), [1, 1, 1]);
  assert.throws(() => resampledShape([1, 1, 1], [1, 1, 1], [0, 1, 1]), {
    message: /target spacing \[0, 1, 1\]/,
  });
});

test('linear, hand-computed: edges aligned, input coordinate (o + 0.5)·nIn/nOut − 0.5, clamped', () => {
  // 4 → 2: c = 0.5, 2.5
  close(resampleToShape(row(new Float32Array([0, 10, 20, 30])), [1, 1, 2], 'linear').data, [5, 25]);
  // 2 → 4: c = −0.25 (→ 0), 0.25, 0.75, 1.25 (→ 1)
  const up = resampleToShape(row(new Int16Array([0, 10])), [1, 1, 4], 'linear');
  assert.ok(up.data instanceof Float32Array);
  close(up.data, [0, 2.5, 7.5, 10]);
  // Geometry: 2 mm → 1 mm; new voxel 0 sits at old coordinate −0.25, i.e. −0.5 mm.
  assert.deepEqual(up.spacing, [1, 1, 1]);
  assert.deepEqual(up.affine, [1, 0, 0, -0.5, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1]);
});

test('nearest, hand-computed: keeps the type', () => {
  const r = resampleToShape(row(new Uint8Array([0, 1, 2, 3])), [1, 1, 2], 'nearest');
  assert.ok(r.data instanceof Uint8Array);
  assert.deepEqual(Array.from(r.data), [1, 3]); // c = 0.5 → 1, 2.5 → 3 (ties round up)
  assert.deepEqual(
    Array.from(resampleToShape(row(new Uint8Array([4, 7])), [1, 1, 4], 'nearest').data),
    [4, 4, 7, 7],
  );
});

test('trilinear reproduces a linear function of world position (affine consistent)', () => {
  const affine: Mat4 = [0.9, 0.1, 0, 3, -0.1, 0.9, 0.2, -4, 0, 0, 2.5, 10, 0, 0, 0, 1];
  const shape: Vec3 = [6, 7, 8];
  const f = (i: number, j: number, k: number) => 1 + 2 * i - 3 * j + 5 * k;
  const data = new Float64Array(6 * 7 * 8);
  for (let k = 0; k < 6; k++)
    for (let j = 0; j < 7; j++) for (let i = 0; i < 8; i++) data[(k * 7 + j) * 8 + i] = f(i, j, k);
  const vol: Volume = { data, shape, spacing: [2.5, 0.92, 0.9], affine };
  const out = resampleToShape(vol, [11, 5, 13], 'linear');
  assert.ok(out.data instanceof Float64Array);
  // Map each output voxel to world, back to input voxel coordinates (solve the 3×3), compare f.
  const A = affine;
  const det = (m: number[]) =>
    m[0] * (m[4] * m[8] - m[5] * m[7]) -
    m[1] * (m[3] * m[8] - m[5] * m[6]) +
    m[2] * (m[3] * m[7] - m[4] * m[6]);
  const m3 = [A[0], A[1], A[2], A[4], A[5], A[6], A[8], A[9], A[10]];
  const D = det(m3);
  let checked = 0;
  for (let k = 0; k < 11; k++)
    for (let j = 0; j < 5; j++)
      for (let i = 0; i < 13; i++) {
        const B = out.affine;
        const w = [0, 1, 2].map(
          (r) => B[r * 4] * i + B[r * 4 + 1] * j + B[r * 4 + 2] * k + B[r * 4 + 3] - A[r * 4 + 3],
        );
        // Cramer's rule for old (i, j, k).
        const c = [0, 1, 2].map(
          (col) => det(m3.map((v, idx) => (idx % 3 === col ? w[Math.floor(idx / 3)] : v))) / D,
        );
        if (c[0] < 0 || c[0] > 7 || c[1] < 0 || c[1] > 6 || c[2] < 0 || c[2] > 5) continue; // clamped edge
        assert.ok(Math.abs(out.data[(k * 5 + j) * 13 + i] - f(c[0], c[1], c[2])) < 1e-9);
        checked++;
      }
  assert.ok(checked > 400, `checked ${checked}`);
  close(out.spacing, [(2.5 * 6) / 11, (0.92 * 7) / 5, (0.9 * 8) / 13], 1e-12);
});

test('resample to a spacing, with channels', () => {
  const vol: Volume = {
    data: new Float32Array([0, 10, 20, 30, 100, 110, 120, 130]),
    shape: [1, 1, 4],
    spacing: [1, 1, 1],
    affine: diagonalAffine([1, 1, 1]),
    channels: 2,
  };
  const r = resample(vol, [1, 1, 2], 'linear');
  assert.deepEqual([r.shape, r.channels, r.spacing], [[1, 1, 2], 2, [1, 1, 2]]);
  close(r.data, [5, 25, 105, 125]);
});

test('resampleLabels onehot-linear: argmax of interpolated indicators, ties to the higher label', () => {
  const lab = (d: number[]) => row(new Uint8Array(d), 1);
  const down = resampleLabelsToShape(lab([0, 0, 1, 1, 2, 2]), [1, 1, 3], 'onehot-linear');
  assert.ok(down.data instanceof Uint8Array);
  assert.deepEqual(Array.from(down.data), [0, 1, 2]);
  assert.deepEqual(
    Array.from(resampleLabelsToShape(lab([0, 1]), [1, 1, 4], 'onehot-linear').data),
    [0, 0, 1, 1],
  );
  // 2 → 3: c = −1/6, 0.5 (tie 0.5/0.5 → label 1), 7/6
  assert.deepEqual(
    Array.from(resampleLabelsToShape(lab([0, 1]), [1, 1, 3], 'onehot-linear').data),
    [0, 1, 1],
  );
  // A thin label survives where nearest would flip: [2, 0, 1, 1] at 4 → 2 gives c = 0.5, 2.5.
  assert.deepEqual(Array.from(resampleLabels(lab([2, 0, 1, 1]), [1, 1, 2], 'onehot-linear', 3).data), [2, 1]);
  assert.deepEqual(Array.from(resampleLabels(lab([2, 0, 1, 1]), [1, 1, 2], 'nearest').data), [0, 1]);
  assert.throws(() => resampleLabels(lab([0, 3]), [1, 1, 1], 'onehot-linear', 3), {
    message: /label 3 found, expected integers 0 to 2/,
  });
  assert.throws(() => resampleLabels(row(new Float32Array([0, 0.5])), [1, 1, 1], 'onehot-linear'), {
    message: /label 0\.5 found/,
  });
});
