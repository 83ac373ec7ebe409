import { test } from 'node:test';
import assert from 'node:assert/strict';
import { axialDiameter, type AxialDiameter } from '../../src/measure/diameter.js';
import { voxelToRas } from '../../src/measure/geometry.js';
import { diagonalAffine, type Mat4, type Vec3, type Volume } from '../../src/volume/volume.js';
import { bruteDiameter, makeLabel, rotatedAffine, rotation } from './shapes.js';

const close = (a: number, b: number, tol = 1e-9, what = '') =>
  assert.ok(Math.abs(a - b) <= tol, `${what} ${a} vs ${b}`);

/** O(n²) reference: the largest RAS distance between voxel centres (or in-plane corners) of slice `s`. */
function bruteSlice(v: Volume, axis: number, s: number, edges: boolean): number {
  const [nz, ny, nx] = v.shape;
  const inPlane = [0, 1, 2].filter((a) => a !== axis).map((a) => 2 - a); // voxel (x, y, z) indices
  const pts: number[][] = [];
  for (let z = 0, i = 0; z < nz; z++)
    for (let y = 0; y < ny; y++)
      for (let x = 0; x < nx; x++, i++) {
        if (v.data[i] === 0 || [z, y, x][axis] !== s) continue;
        const offsets = edges
          ? [
              [-0.5, -0.5],
              [-0.5, 0.5],
              [0.5, -0.5],
              [0.5, 0.5],
            ]
          : [[0, 0]];
        for (const [a, b] of offsets) {
          const p: [number, number, number] = [x, y, z];
          p[inPlane[0]] += a;
          p[inPlane[1]] += b;
          pts.push(voxelToRas(v.affine, p));
        }
      }
  return bruteDiameter(pts);
}

function measureBoth(v: Volume, edges = false): AxialDiameter {
  const d = axialDiameter(v.data, v.shape, v.affine, { toVoxelEdges: edges })!;
  close(d.mm, bruteSlice(v, d.axis, d.sliceIndex, edges), 1e-9, 'brute force');
  const [a, b] = d.endpoints.ras;
  close(Math.hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2]), d.mm, 1e-9, 'endpoint distance');
  d.endpoints.voxel.forEach((p, k) =>
    voxelToRas(v.affine, p).forEach((c, m) => close(c, d.endpoints.ras[k][m])),
  );
  return d;
}

/** Discs of radius 10 (slice 2) and 4 (slices 1, 3) voxels about voxel (15, 15). */
const discs = (x: number, y: number, z: number) => {
  const r = z === 2 ? 10 : z === 1 || z === 3 ? 4 : -1;
  return r > 0 && (x - 15) ** 2 + (y - 15) ** 2 <= r * r ? 1 : 0;
};

test('disc of radius r: 2r between voxel centres; voxel edges match the brute force', () => {
  const v = makeLabel([5, 31, 31], diagonalAffine([1, 1, 1]), discs);
  const d = measureBoth(v);
  assert.equal(d.mm, 20);
  assert.equal(d.sliceIndex, 2);
  assert.equal(d.axis, 0);
  assert.deepEqual(d.perSlice, [0, 8, 20, 8, 0]);
  assert.deepEqual(
    d.endpoints.voxel.map((p) => p[2]),
    [2, 2],
  );
  const e = measureBoth(v, true);
  // Corners of the voxels at (±10, ±0) and beyond: at least 2r + 1 along x, at most the box diagonal.
  assert.ok(e.mm > 21 && e.mm < 21 * Math.SQRT2, `${e.mm}`);
  assert.deepEqual(
    e.endpoints.voxel.map((p) => p[2]),
    [2, 2],
  );
});

test('anisotropic spacing: in-plane mm only (0.4 mm in-plane, 1.5 mm slices)', () => {
  const v = makeLabel([5, 31, 31], diagonalAffine([1.5, 0.4, 0.4]), discs);
  close(measureBoth(v).mm, 20 * 0.4);
  // 5 × 5 square with 0.8 mm rows and 0.4 mm columns: diagonal between corner centres / corners.
  const sq = makeLabel(
    [3, 10, 10],
    diagonalAffine([1.5, 0.8, 0.4]),
    (x, y, z) => +(z === 1 && x >= 2 && x < 7 && y >= 3 && y < 8),
  );
  close(measureBoth(sq).mm, Math.hypot(4 * 0.4, 4 * 0.8));
  close(measureBoth(sq, true).mm, Math.hypot(5 * 0.4, 5 * 0.8));
  // A column of voxels through the slices has no in-plane extent: 0 at centres, the voxel diagonal at edges.
  const line = makeLabel([6, 4, 4], diagonalAffine([1.5, 0.4, 0.4]), (x, y) => +(x === 1 && y === 2));
  assert.equal(axialDiameter(line.data, line.shape, line.affine)!.mm, 0);
  close(axialDiameter(line.data, line.shape, line.affine, { toVoxelEdges: true })!.mm, 0.4 * Math.SQRT2);
});

test('square: the diagonal ((n − 1)·s·√2 at centres, n·s·√2 at edges)', () => {
  const v = makeLabel(
    [3, 12, 12],
    diagonalAffine([3, 0.5, 0.5]),
    (x, y, z) => +(z === 1 && x >= 3 && x < 9 && y >= 4 && y < 10),
  );
  close(measureBoth(v).mm, 5 * 0.5 * Math.SQRT2);
  close(measureBoth(v, true).mm, 6 * 0.5 * Math.SQRT2);
});

test('ellipse with semi-axes a > b: 2a when aligned, within a voxel of 2a when rotated', () => {
  const [a, b] = [10, 4];
  const aligned = makeLabel(
    [1, 25, 25],
    diagonalAffine([1, 1, 1]),
    (x, y) => +(((x - 12) / a) ** 2 + ((y - 12) / b) ** 2 <= 1),
  );
  assert.equal(measureBoth(aligned).mm, 2 * a);
  const [c, s] = [Math.cos(Math.PI / 6), Math.sin(Math.PI / 6)];
  const rotated = makeLabel([1, 25, 25], diagonalAffine([1, 1, 1]), (x, y) => {
    const [u, w] = [(x - 12) * c + (y - 12) * s, -(x - 12) * s + (y - 12) * c];
    return +((u / a) ** 2 + (w / b) ** 2 <= 1);
  });
  const d = measureBoth(rotated).mm;
  assert.ok(d <= 2 * a && d > 2 * a - Math.SQRT2, `${d}`);
});

test('the same object with a rotated affine (oblique acquisition) has the same diameter', () => {
  const v = makeLabel([5, 31, 31], diagonalAffine([1.5, 0.4, 0.4]), discs);
  const ref = axialDiameter(v.data, v.shape, v.affine)!;
  const refEdges = axialDiameter(v.data, v.shape, v.affine, { toVoxelEdges: true })!;
  const rotations: [string, number[]][] = [
    ['20° about an oblique axis', rotation([1, 0.3, 0.1], 20)],
    ['90° about S', rotation([0, 0, 1], 90)],
    ['35° about A', rotation([0, 1, 0], 35)],
  ];
  for (const [what, r] of rotations) {
    const o = { ...v, affine: rotatedAffine(r, v.spacing, [10, -20, 5]) };
    const d = measureBoth(o);
    assert.equal(d.axis, 0, what);
    close(d.mm, ref.mm, 1e-9, what);
    d.perSlice.forEach((p, k) => close(p, ref.perSlice[k], 1e-9, what));
    close(measureBoth(o, true).mm, refEdges.mm, 1e-9, what);
  }
  // A sheared slice axis (the slices slide over each other) changes nothing in-plane.
  const sheared: Mat4 = [0.4, 0, 0.5, 0, 0, 0.4, 0.2, 0, 0, 0, 1.5, 0, 0, 0, 0, 1];
  close(measureBoth({ ...v, affine: sheared }).mm, ref.mm);
});

test('a volume stored coronally (axial axis = array axis 1) gives the same diameter and end points', () => {
  const [nz, ny, nx] = [7, 20, 24];
  const [sz, sy, sx] = [2, 0.5, 0.6];
  const f = (x: number, y: number, z: number) =>
    +(z >= 2 && z <= 4 && ((x - 11) / (6 + z)) ** 2 + ((y - 9) / 5) ** 2 <= 1);
  const ras = makeLabel([nz, ny, nx], diagonalAffine([sz, sy, sx], [1, 2, 3]), f);
  // Coronal: i → R, j → I (slices from the top down), k → A; voxel (i, j, k) is RAS voxel (i, k, nz − 1 − j).
  const affine: Mat4 = [sx, 0, 0, 1, 0, 0, sy, 2, 0, -sz, 0, 3 + (nz - 1) * sz, 0, 0, 0, 1];
  const cor = makeLabel([ny, nz, nx] as Vec3, affine, (i, j, k) => f(i, k, nz - 1 - j));
  for (const edges of [false, true]) {
    const a = measureBoth(ras, edges);
    const b = measureBoth(cor, edges);
    assert.equal(b.axis, 1);
    assert.equal(b.sliceIndex, nz - 1 - a.sliceIndex);
    close(b.mm, a.mm);
    assert.deepEqual([...b.perSlice].reverse(), a.perSlice);
    const key = (d: AxialDiameter) => d.endpoints.ras.map((p) => p.map((c) => c.toFixed(9)).join(',')).sort();
    assert.deepEqual(key(b), key(a));
  }
});

test('axialDiameter: empty mask → null; bad inputs throw', () => {
  const aff = diagonalAffine([1, 1, 1]);
  assert.equal(axialDiameter(new Uint8Array(8), [2, 2, 2], aff), null);
  assert.throws(() => axialDiameter(new Uint8Array(7), [2, 2, 2], aff), {
    message: /axialDiameter: mask has 7 voxels/,
  });
  const singular = [1, 1, 0, 0, 1, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1];
  assert.throws(() => axialDiameter(new Uint8Array(8), [2, 2, 2], singular), {
    message: /axialDiameter: affine .* degenerate/,
  });
});
