import { test } from 'node:test';
import assert from 'node:assert/strict';
import { convexHull, maxFeretDiameter, type Point2 } from '../../src/measure/hull.js';
import { symmetricEigen3 } from '../../src/measure/eigen.js';
import { Rng } from '../../src/data/random.js';
import { bruteDiameter, rotation } from './shapes.js';

const HULLS: [string, Point2[], number[]][] = [
  ['empty', [], []],
  ['one point', [[3, 4]], [0]],
  [
    'duplicates of one point',
    [
      [1, 1],
      [1, 1],
      [1, 1],
    ],
    [0],
  ],
  [
    'collinear points: the two ends',
    [
      [2, 2],
      [0, 0],
      [1, 1],
      [3, 3],
      [1, 1],
    ],
    [1, 3],
  ],
  [
    'collinear on a vertical line',
    [
      [0, 2],
      [0, 0],
      [0, 1],
    ],
    [1, 0],
  ],
  [
    'square with centre, edge midpoints and a duplicate corner',
    [
      [0, 0],
      [2, 0],
      [2, 2],
      [0, 2],
      [1, 1],
      [1, 0],
      [2, 1],
      [0, 0],
    ],
    [0, 1, 2, 3],
  ],
  [
    'triangle, counter-clockwise from the lowest x',
    [
      [0, 0],
      [4, 0],
      [0, 3],
      [1, 1],
    ],
    [0, 1, 2],
  ],
];

for (const [what, pts, hull] of HULLS) {
  test(`convexHull: ${what}`, () => {
    assert.deepEqual(convexHull(pts), hull);
  });
}

test('maxFeretDiameter: hand-computed cases', () => {
  assert.equal(maxFeretDiameter([]), null);
  assert.deepEqual(
    maxFeretDiameter([
      [5, 5],
      [5, 5],
    ]),
    { distance: 0, i: 0, j: 0 },
  );
  assert.deepEqual(
    maxFeretDiameter([
      [0, 0],
      [3, 0],
      [3, 4],
      [1, 1],
    ]),
    { distance: 5, i: 0, j: 2 },
  );
  // Collinear: the two ends.
  const c = maxFeretDiameter([
    [1, 1],
    [0, 0],
    [2, 2],
    [1, 1],
  ])!;
  assert.ok(Math.abs(c.distance - 2 * Math.SQRT2) < 1e-12);
  assert.deepEqual([c.i, c.j].sort(), [1, 2]);
  // Rectangle 4 × 3: diagonal 5.
  assert.equal(
    maxFeretDiameter([
      [0, 0],
      [4, 0],
      [4, 3],
      [0, 3],
      [2, 1],
    ])!.distance,
    5,
  );
});

test('maxFeretDiameter equals the O(n²) brute force on random point sets', () => {
  const rng = new Rng(7);
  const r = () => rng.next();
  for (let trial = 0; trial < 300; trial++) {
    const n = 1 + Math.floor(r() * 60);
    // Half the sets on a small integer lattice (many collinear, parallel and duplicate points).
    const lattice = trial % 2 === 0;
    const pts: Point2[] = Array.from({ length: n }, () =>
      lattice ? [Math.floor(r() * 6), Math.floor(r() * 6)] : [r() * 100 - 50, r() * 30 - 15],
    );
    const d = maxFeretDiameter(pts)!;
    const expected = bruteDiameter(pts);
    assert.ok(Math.abs(d.distance - expected) < 1e-9, `trial ${trial}: ${d.distance} vs ${expected}`);
    assert.ok(
      Math.abs(Math.hypot(pts[d.i][0] - pts[d.j][0], pts[d.i][1] - pts[d.j][1]) - d.distance) < 1e-12,
    );
  }
});

test('maxFeretDiameter: regular polygons (parallel edges) and a circle', () => {
  for (const m of [3, 4, 5, 6, 7, 8, 64]) {
    const pts: Point2[] = Array.from({ length: m }, (_, k) => [
      Math.cos((2 * Math.PI * k) / m),
      Math.sin((2 * Math.PI * k) / m),
    ]);
    assert.ok(Math.abs(maxFeretDiameter(pts)!.distance - bruteDiameter(pts)) < 1e-12, `${m}-gon`);
  }
});

test('convexHull / maxFeretDiameter refuse non-finite coordinates', () => {
  assert.throws(
    () =>
      convexHull([
        [0, 0],
        [NaN, 1],
      ]),
    { message: /convexHull: point 1 is \[NaN, 1\]/ },
  );
  assert.throws(() => maxFeretDiameter([[Infinity, 0]]), { message: /finite/ });
});

test('symmetricEigen3: diagonal, known 2×2 block, random rotations', () => {
  assert.deepEqual(symmetricEigen3([2, 0, 0, 0, 3, 0, 0, 0, 1]).values, [3, 2, 1]);
  assert.deepEqual(symmetricEigen3([0, 0, 0, 0, 0, 0, 0, 0, 0]).values, [0, 0, 0]);
  // [[2, 1], [1, 2]] ⊕ [5]: eigenvalues 5, 3 (vector (1, 1)/√2), 1.
  const e = symmetricEigen3([2, 1, 0, 1, 2, 0, 0, 0, 5]);
  e.values.forEach((v, k) => assert.ok(Math.abs(v - [5, 3, 1][k]) < 1e-12));
  assert.ok(Math.abs(Math.abs(e.vectors[1][0] + e.vectors[1][1]) / Math.SQRT2 - 1) < 1e-12);
  const rng = new Rng(3);
  const r = () => rng.next();
  for (let trial = 0; trial < 20; trial++) {
    const q = rotation([r() - 0.5, r() - 0.5, r() - 0.5], r() * 360);
    const lam = [9 * r(), 4 * r(), r()];
    // m = Q diag(lam) Qᵀ
    const m = Array.from({ length: 9 }, (_, k) => {
      const [a, b] = [Math.floor(k / 3), k % 3];
      return lam.reduce((s, l, c) => s + q[a * 3 + c] * l * q[b * 3 + c], 0);
    });
    const got = symmetricEigen3(m);
    const want = [...lam].sort((x, y) => y - x);
    got.values.forEach((v, k) => assert.ok(Math.abs(v - want[k]) < 1e-10));
    // m v = λ v for each pair.
    got.vectors.forEach((v, k) => {
      for (let a = 0; a < 3; a++) {
        const mv = m[a * 3] * v[0] + m[a * 3 + 1] * v[1] + m[a * 3 + 2] * v[2];
        assert.ok(Math.abs(mv - got.values[k] * v[a]) < 1e-10);
      }
    });
  }
  assert.throws(() => symmetricEigen3([1, 2, 3]), { message: /symmetricEigen3: expected a symmetric 3×3/ });
});
