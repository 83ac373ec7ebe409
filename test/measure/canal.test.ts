import { test } from 'node:test';
import assert from 'node:assert/strict';
import { canalNotes, intrameatalExtent } from '../../src/measure/canal.js';
import { voxelToRas } from '../../src/measure/geometry.js';
import { diagonalAffine, type Mat4, type Vec3 } from '../../src/volume/volume.js';
import { makeLabel, rotatedAffine, rotation } from './shapes.js';

type P = [number, number, number];
const unit = (v: P): P => v.map((c) => c / Math.hypot(...v)) as P;
const dot = (a: P, b: P) => a[0] * b[0] + a[1] * b[1] + a[2] * b[2];

/**
 * A straight cylinder (IM, label 2) of length `len` and radius `rad` mm along `dir` centred at
 * `centre` (RAS mm); with `em`, a ball (EM, label 1) of radius 3 mm capping its medial end.
 */
function canal(shape: Vec3, affine: Mat4, centre: P, dir: P, len: number, rad: number, em: boolean) {
  const d = unit(dir);
  return makeLabel(shape, affine, (x, y, z) => {
    const p = voxelToRas(affine, [x, y, z]).map((c, k) => c - centre[k]) as P;
    const t = dot(p, d);
    const perp = Math.hypot(...p.map((c, k) => c - t * d[k]));
    if (Math.abs(t) <= len / 2 && perp <= rad) return 2;
    if (em && t < -len / 2 && Math.hypot(...p.map((c, k) => c + (len / 2) * d[k])) <= 3) return 1;
    return 0;
  });
}

const CASES: [string, Mat4, P][] = [
  ['isotropic 0.5 mm, oblique axis', diagonalAffine([0.5, 0.5, 0.5]), [1, 2, 0.5]],
  ['along R', diagonalAffine([0.5, 0.5, 0.5]), [1, 0, 0]],
  [
    'anisotropic 0.4 × 0.4 × 0.8 mm, rotated voxel axes',
    rotatedAffine(rotation([0.2, 1, 0.4], 40), [0.8, 0.4, 0.4]),
    [-0.3, 1, 1],
  ],
];

for (const [what, aff, dir] of CASES) {
  test(`canal extent of a straight cylinder of length L is L within one voxel: ${what}`, () => {
    const L = 12;
    const shape: Vec3 = [44, 44, 44];
    // Centre the cylinder in the volume.
    const centre = voxelToRas(aff, [21.5, 21.5, 21.5]);
    const vol = canal(shape, aff, centre, dir, L, 1.5, true);
    const e = intrameatalExtent(vol.data, vol.shape, vol.affine)!;
    const d = unit(dir);
    // One voxel along the axis: the width of a voxel box projected on d.
    const voxel = [0, 1, 2].reduce((w, c) => w + Math.abs(dot([aff[c], aff[4 + c], aff[8 + c]], d)), 0);
    assert.ok(dot(e.direction, d) > 0.995, `axis ${e.direction} vs ${d}`); // oriented EM → IM (lateral)
    assert.ok(Math.abs(Math.hypot(...e.direction) - 1) < 1e-12);
    assert.ok(e.mm <= L + 1e-9 && e.mm >= L - voxel - 1e-9, `centres: ${e.mm}`);
    const edges = intrameatalExtent(vol.data, vol.shape, vol.affine, { toVoxelEdges: true })!;
    assert.ok(Math.abs(edges.mm - L) <= voxel, `edges: ${edges.mm}`);
    assert.ok(edges.mm > e.mm);
    // L/(2R) = 4: eigenvalue ratio ≈ L²/(3R²) = 21.3.
    assert.ok(e.eigenRatio > 15 && e.eigenRatio < 30, `eigenRatio ${e.eigenRatio}`);
    assert.ok(
      Math.abs(e.interfaceToLateralMm! - L) <= voxel,
      `interface → lateral ${e.interfaceToLateralMm}`,
    );
    assert.deepEqual(canalNotes(e, true), []);
  });
}

test('canal extent without an extrameatal part: axis sign by largest component, a note says so', () => {
  const aff = diagonalAffine([0.5, 0.5, 0.5]);
  const vol = canal([30, 30, 30], aff, [7.25, 7.25, 7.25], [-1, -0.2, 0], 8, 1.2, false);
  const e = intrameatalExtent(vol.data, vol.shape, vol.affine)!;
  assert.ok(e.direction[0] > 0.95);
  assert.equal(e.interfaceToLateralMm, null);
  assert.ok(Math.abs(e.mm - 8) < 0.5);
  assert.match(canalNotes(e, false).join(' '), /sign is arbitrary/);
});

test('single intrameatal voxel: extent 0 (centres) or one voxel (edges), ratio 1, axis undefined', () => {
  const aff = diagonalAffine([2, 0.5, 0.7]);
  const vol = makeLabel([3, 3, 3], aff, (x, y, z) => (x === 1 && y === 1 && z === 1 ? 2 : 0));
  const e = intrameatalExtent(vol.data, vol.shape, vol.affine)!;
  assert.deepEqual([e.mm, e.eigenRatio, e.eigenvalues], [0, 1, [0, 0, 0]]);
  assert.deepEqual(e.direction, [1, 0, 0]);
  assert.equal(intrameatalExtent(vol.data, vol.shape, vol.affine, { toVoxelEdges: true })!.mm, 0.7);
  assert.match(canalNotes(e, false)[0], /single voxel/);
});

test('a short, round intrameatal part is flagged as ill-defined; an EM part not touching it too', () => {
  const aff = diagonalAffine([1, 1, 1]);
  // A 3 × 3 × 3 cube of IM (isotropic: ratio 1) and a distant EM voxel.
  const vol = makeLabel([8, 8, 8], aff, (x, y, z) =>
    x < 3 && y < 3 && z < 3 ? 2 : x === 7 && y === 7 && z === 7 ? 1 : 0,
  );
  const e = intrameatalExtent(vol.data, vol.shape, vol.affine)!;
  assert.ok(Math.abs(e.eigenRatio - 1) < 1e-9);
  assert.equal(e.interfaceToLateralMm, null);
  const notes = canalNotes(e, true).join(' | ');
  assert.match(notes, /ill-defined/);
  assert.match(notes, /do not touch/);
});

test('intrameatalExtent: no IM voxel → null; custom labels; bad inputs throw', () => {
  const aff = diagonalAffine([1, 1, 1]);
  assert.equal(intrameatalExtent(new Uint8Array([1, 0, 0, 0, 0, 0, 0, 0]), [2, 2, 2], aff), null);
  const e = intrameatalExtent(new Uint8Array([7, 7, 0, 0, 0, 0, 0, 0]), [2, 2, 2], aff, {
    labels: { extrameatal: 5, intrameatal: 7 },
  })!;
  assert.equal(e.mm, 1);
  assert.throws(() => intrameatalExtent(new Uint8Array(3), [2, 2, 2], aff), {
    message: /intrameatalExtent: mask has 3 voxels/,
  });
  assert.throws(() => intrameatalExtent(new Uint8Array(8), [2, 2, 2], [1, 0, 0, 0]), {
    message: /intrameatalExtent: affine must be/,
  });
});
