// The guideline measurements on hand-made two-box tumours with known answers: the IM/EM interface
// line, the diameters parallel and perpendicular to it, the reported size on both sides of each
// threshold of the authors' rule, and the same numbers for coronally stored and oblique grids.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { guidelineMeasurements, measure, type Measurements } from '../../src/measure/index.js';
import { diagonalAffine, type Mat4, type Volume } from '../../src/volume/volume.js';
import { voxelToRas } from '../../src/measure/geometry.js';
import { bruteDiameter, makeLabel, rotatedAffine, rotation } from './shapes.js';

/**
 * Two boxes across the plane between x = 29 and x = 30 (the porus): EM (label 1) x ∈ [emX0, 29],
 * y ∈ [emY0, emY1], z ∈ [2, 6]; IM (label 2) x ∈ [30, 45], y ∈ [16, 23], z ∈ [3, 5]. Voxels
 * 0.5 × 0.5 mm in plane (x, y), 1 mm slices (z, axial).
 */
interface Boxes {
  emX0?: number;
  emY0?: number;
  emY1?: number;
}
const inBoxes = ({ emX0 = 10, emY0 = 8, emY1 = 31 }: Boxes) => (x: number, y: number, z: number) => {
  if (x >= emX0 && x <= 29 && y >= emY0 && y <= emY1 && z >= 2 && z <= 6) return 1;
  if (x >= 30 && x <= 45 && y >= 16 && y <= 23 && z >= 3 && z <= 5) return 2;
  return 0;
};
const AXIAL: Mat4 = diagonalAffine([1, 0.5, 0.5]);
const boxes = (b: Boxes = {}, affine: Mat4 = AXIAL): Volume<Uint8Array> => makeLabel([9, 40, 60], affine, inBoxes(b));
const close = (a: number, b: number, what: string, tol = 1e-9) => assert.ok(Math.abs(a - b) <= tol, `${what}: ${a} vs ${b}`);

test('guideline: interface line, parallel and perpendicular diameters of two boxes', () => {
  const m = measure(boxes());
  const g = m.guideline;
  const line = g.interfaceLine!;
  // Interface voxels: x = 29 and 30, y 16–23, on slices 3–5 → a line along y (A), 7 × 0.5 mm, first slice 3.
  assert.deepEqual([line.axis, line.sliceIndex], [0, 3]);
  close(line.mm, 3.5, 'interface length');
  close(Math.abs(line.direction[1]), 1, 'interface along A');
  assert.deepEqual(line.perSlice, [0, 0, 0, 3.5, 3.5, 3.5, 0, 0, 0]);
  const ys = line.endpoints.voxel.map((p) => p[1]).sort((a, b) => a - b);
  assert.deepEqual(ys, [16, 23]);
  for (const p of line.endpoints.voxel) close(p[0], 29.5, 'interface at the porus plane');
  close(g.intrameatalParallel!.mm, 3.5, 'IM parallel');
  close(g.extrameatalParallel!.mm, 11.5, 'EM parallel (y 8–31)');
  close(g.extrameatalPerpendicular!.mm, 9.5, 'EM perpendicular (x 10–29)');
  for (const s of [g.intrameatalParallel!, g.extrameatalParallel!, g.extrameatalPerpendicular!]) {
    assert.equal(s.sliceIndex, 3);
    for (const p of s.endpoints.voxel) assert.equal(p[2], 3);
    assert.deepEqual(s.endpoints.ras, s.endpoints.voxel.map((p) => voxelToRas(AXIAL, p)));
  }
  // EM perpendicular runs along x at the EM centroid's y (19.5), from x = 10 to 29.
  assert.deepEqual(g.extrameatalPerpendicular!.endpoints.voxel.map((p) => [p[0], p[1]]).sort((a, b) => a[0] - b[0]), [[10, 19.5], [29, 19.5]]);
  // Real EM part → the largest EM axial diameter, the box's diagonal.
  const r = g.reportedSize;
  assert.deepEqual([r.kind, r.realExtrameatal, r.koosI], ['extrameatal axial diameter', true, false]);
  close(r.mm, Math.hypot(19 * 0.5, 23 * 0.5), 'reported');
  assert.equal(r.mm, m.extrameatalAxialDiameter!.mm);
  // Edges: one voxel more along each direction.
  const e = measure(boxes(), { toVoxelEdges: true }).guideline;
  close(e.extrameatalParallel!.mm, 12, 'EM parallel to edges');
  close(e.extrameatalPerpendicular!.mm, 10, 'EM perpendicular to edges');
});

test('guideline: largest 3-D diameters equal brute force over the voxel centres', () => {
  const v = boxes();
  const m = measure(v);
  const pts = (keep: (l: number) => boolean) => {
    const out: number[][] = [];
    const [nz, ny, nx] = v.shape;
    for (let z = 0, i = 0; z < nz; z++) for (let y = 0; y < ny; y++) for (let x = 0; x < nx; x++, i++) if (keep(v.data[i])) out.push(voxelToRas(AXIAL, [x, y, z]));
    return out;
  };
  close(m.diameters3d.wholeTumour!.mm, bruteDiameter(pts((l) => l > 0)), 'WT 3-D');
  close(m.diameters3d.extrameatal!.mm, bruteDiameter(pts((l) => l === 1)), 'EM 3-D');
  const [a, b] = m.diameters3d.wholeTumour!.endpoints.ras;
  close(Math.hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2]), m.diameters3d.wholeTumour!.mm, 'end points');
  // EM box diagonal in 3-D: 19 × 0.5, 23 × 0.5, 4 × 1 mm; to edges one voxel more on each axis.
  close(m.diameters3d.extrameatal!.mm, Math.hypot(9.5, 11.5, 4), 'EM box diagonal');
  close(measure(v, { toVoxelEdges: true }).diameters3d.extrameatal!.mm, Math.hypot(10, 12, 5), 'EM box diagonal to edges');
});

test('guideline rule: both sides of the 2 mm perpendicular threshold and of the width comparison', () => {
  const rule = (b: Boxes, perpendicularMinMm?: number) => measure(boxes(b), { perpendicularMinMm }).guideline;
  // Perpendicular: EM x ∈ [25, 29] → 4 × 0.5 = 2.0 mm (real); x ∈ [26, 29] → 1.5 mm (not real).
  const at2 = rule({ emX0: 25 });
  close(at2.extrameatalPerpendicular!.mm, 2, 'perp 2.0');
  assert.equal(at2.reportedSize.kind, 'extrameatal axial diameter');
  const below = rule({ emX0: 26 });
  close(below.extrameatalPerpendicular!.mm, 1.5, 'perp 1.5');
  assert.deepEqual([below.reportedSize.kind, below.reportedSize.koosI], ['whole-tumour axial diameter', true]);
  assert.match(below.reportedSize.reason, /protrudes only 1\.5 mm < 2\.0 mm/);
  // The threshold is an option.
  assert.equal(rule({ emX0: 25 }, 2.5).reportedSize.kind, 'whole-tumour axial diameter');
  // Width: EM as wide as IM parallel to the porus (y 16–23: 3.5 = 3.5 mm) is real; narrower (y 17–22) is not.
  const equal = rule({ emY0: 16, emY1: 23 });
  close(equal.extrameatalParallel!.mm, equal.intrameatalParallel!.mm, 'equal widths');
  assert.equal(equal.reportedSize.kind, 'extrameatal axial diameter');
  const narrow = rule({ emY0: 17, emY1: 22 });
  assert.ok(narrow.extrameatalParallel!.mm < narrow.intrameatalParallel!.mm);
  assert.equal(narrow.reportedSize.kind, 'whole-tumour axial diameter');
  assert.match(narrow.reportedSize.reason, /narrower than the intrameatal part/);
});

test('guideline rule: purely intrameatal (Koos I), extrameatal only, no tumour, parts that do not touch', () => {
  const im = measure(makeLabel([9, 40, 60], AXIAL, (x, y, z) => (inBoxes({})(x, y, z) === 2 ? 2 : 0)));
  assert.equal(im.guideline.interfaceLine, null);
  assert.deepEqual([im.guideline.reportedSize.kind, im.guideline.reportedSize.koosI], ['whole-tumour axial diameter', true]);
  close(im.guideline.reportedSize.mm, Math.hypot(15 * 0.5, 7 * 0.5), 'IM box diagonal');
  assert.match(im.guideline.reportedSize.reason, /Koos grade I/);
  const em = measure(makeLabel([9, 40, 60], AXIAL, (x, y, z) => (inBoxes({})(x, y, z) === 1 ? 1 : 0)));
  assert.deepEqual([em.guideline.reportedSize.kind, em.guideline.reportedSize.koosI], ['extrameatal axial diameter', false]);
  const none = measure(makeLabel([9, 40, 60], AXIAL, () => 0));
  assert.deepEqual([none.guideline.reportedSize.mm, none.guideline.reportedSize.kind], [0, 'none']);
  const apart = measure(makeLabel([9, 40, 60], AXIAL, (x, y, z) => (x === 30 ? 0 : inBoxes({})(x, y, z))));
  assert.equal(apart.guideline.interfaceLine, null);
  assert.match(apart.guideline.reportedSize.reason, /do not touch/);
  assert.throws(() => guidelineMeasurements(new Uint8Array(8), [2, 2, 2], diagonalAffine([1, 1, 1]), { extrameatal: null, wholeTumour: null }, { perpendicularMinMm: -1 }), /perpendicularMinMm: expected a number ≥ 0/);
});

/** The scalar numbers of the guideline and diameters, for comparing storage orders. */
function numbers(m: Measurements): number[] {
  const g = m.guideline;
  return [
    g.interfaceLine!.mm, g.interfaceLine!.sliceIndex, g.intrameatalParallel!.mm, g.extrameatalParallel!.mm, g.extrameatalPerpendicular!.mm,
    g.reportedSize.mm, m.wholeTumourAxialDiameter!.mm, m.diameters3d.wholeTumour!.mm, m.diameters3d.extrameatal!.mm,
  ];
}

test('guideline: a coronally stored copy and an oblique copy give the same numbers', () => {
  const ref = measure(boxes());
  // Coronal storage: array axes (z, y, x) hold (A, S, R): voxel (x', y', z') = (x, z, y).
  // prettier-ignore
  const coronal: Mat4 = [0.5, 0, 0, 0, 0, 0, 0.5, 0, 0, 1, 0, 0, 0, 0, 0, 1];
  const f = inBoxes({});
  const cor = measure(makeLabel([40, 9, 60], coronal, (x, y, z) => f(x, z, y)));
  assert.equal(cor.guideline.interfaceLine!.axis, 1);
  numbers(cor).forEach((v, i) => close(v, numbers(ref)[i], `coronal number ${i}`));
  const sameSet = (a: number[][], b: number[][]) => {
    const key = (p: number[]) => p.map((c) => c.toFixed(9)).join(',');
    assert.deepEqual(a.map(key).sort(), b.map(key).sort());
  };
  sameSet(cor.guideline.extrameatalPerpendicular!.endpoints.ras, ref.guideline.extrameatalPerpendicular!.endpoints.ras);
  sameSet(cor.guideline.interfaceLine!.endpoints.ras, ref.guideline.interfaceLine!.endpoints.ras);
  // Oblique: the grid rotated 15° about a tilted axis and shifted; axial is still array axis 0.
  const R = rotation([0.3, 0.2, 1], 15);
  const obl = measure(boxes({}, rotatedAffine(R, [1, 0.5, 0.5], [-20, 5, 11])));
  assert.equal(obl.guideline.interfaceLine!.axis, 0);
  numbers(obl).forEach((v, i) => close(v, numbers(ref)[i], `oblique number ${i}`, 1e-9));
  const rot = (p: number[]) => [0, 1, 2].map((r) => R[3 * r] * p[0] + R[3 * r + 1] * p[1] + R[3 * r + 2] * p[2]);
  const d = obl.guideline.interfaceLine!.direction;
  close(Math.abs(d.reduce((s, c, k) => s + c * rot(ref.guideline.interfaceLine!.direction)[k], 0)), 1, 'direction rotates with the grid');
});
