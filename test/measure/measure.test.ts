import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatMeasurements, measure } from '../../src/measure/index.js';
import { diagonalAffine, type Volume } from '../../src/volume/volume.js';
import { makeLabel } from './shapes.js';

/**
 * A right-sided phantom, 1 × 0.5 × 0.5 mm: an EM disc of radius 8 voxels (4 mm) about voxel
 * (10, 12) on slices 2–4 (radius 5 on slices 1 and 5) and an IM rod along +x (laterally) from x =
 * 19 to 28 at y = 12 ± 1, z = 3 ± 1.
 */
function phantom(withEm = true): Volume<Uint8Array> {
  return makeLabel([7, 25, 32], diagonalAffine([1, 0.5, 0.5]), (x, y, z) => {
    const r = z >= 2 && z <= 4 ? 8 : z === 1 || z === 5 ? 5 : 0;
    if (withEm && r > 0 && (x - 10) ** 2 + (y - 12) ** 2 <= r * r) return 1;
    if (x >= 19 && x <= 28 && Math.abs(y - 12) <= 1 && Math.abs(z - 3) <= 1) return 2;
    return 0;
  });
}

test('measure: volumes, extrameatal and whole-tumour diameters, canal extent of a phantom', () => {
  const v = phantom();
  const m = measure(v);
  // EM voxels: lattice points in discs of radius 8 (197, Gauss's circle problem) and 5 (81).
  const nEm = 3 * 197 + 2 * 81;
  assert.equal(v.data.filter((x) => x === 1).length, nEm);
  assert.equal(m.volumes.extrameatal.mm3, nEm * 0.25);
  assert.equal(m.volumes.intrameatal.mm3, 10 * 3 * 3 * 0.25);
  assert.equal(m.volumes.wholeTumour.ml, ((nEm + 90) * 0.25) / 1000);
  assert.equal(m.extrameatal, true);
  assert.equal(m.measuredTo, 'voxel centres');
  // EM: disc of radius 8 voxels → 16 × 0.5 mm = 8 mm on slice 2 (first of the largest).
  const em = m.extrameatalAxialDiameter!;
  assert.deepEqual([em.mm, em.sliceIndex, em.axis], [8, 2, 0]);
  assert.deepEqual(em.perSlice, [0, 5, 8, 8, 8, 5, 0]);
  // Whole tumour on slice 2 (the rod touches slices 2–4): from the disc's left edge (x = 2, y = 12)
  // to a far rod corner (x = 28, y = 12 ± 1).
  const wt = m.wholeTumourAxialDiameter!;
  assert.equal(wt.sliceIndex, 2);
  assert.ok(Math.abs(wt.mm - Math.hypot(26 * 0.5, 0.5)) < 1e-12);
  // IM rod: 10 voxels along x → 9 × 0.5 = 4.5 mm between centres, pointing laterally (+R).
  const e = m.intrameatalExtent!;
  assert.ok(Math.abs(e.mm - 4.5) < 1e-12);
  assert.ok(Math.abs(e.direction[0] - 1) < 1e-12);
  // Interface: EM voxels at x ≤ 18 touching the rod's x = 19 face → centroid x = 18.5; lateral end x = 28.
  assert.ok(Math.abs(e.interfaceToLateralMm! - 9.5 * 0.5) < 1e-12);
  assert.deepEqual(m.notes, []);
  // JSON-friendly: survives a round trip unchanged.
  assert.deepEqual(JSON.parse(JSON.stringify(m)), m);
});

test('measure with toVoxelEdges: edges everywhere', () => {
  const m = measure(phantom(), { toVoxelEdges: true });
  assert.equal(m.measuredTo, 'voxel edges');
  assert.ok(Math.abs(m.intrameatalExtent!.mm - 5) < 1e-12);
  assert.ok(Math.abs(m.intrameatalExtent!.interfaceToLateralMm! - 5) < 1e-12);
  assert.ok(m.extrameatalAxialDiameter!.mm > 8.5 && m.extrameatalAxialDiameter!.mm < 8.5 * Math.SQRT2);
  assert.ok(m.extrameatalAxialDiameter!.endpoints.voxel.flat().some((c) => c % 1 !== 0));
});

test('purely intrameatal tumour: EM volume 0, EM diameter absent (0), flag and note', () => {
  const m = measure(phantom(false));
  assert.equal(m.extrameatal, false);
  assert.deepEqual(m.volumes.extrameatal, { mm3: 0, ml: 0 });
  assert.equal(m.extrameatalAxialDiameter, null);
  assert.ok(m.wholeTumourAxialDiameter!.mm > 0);
  assert.match(m.notes.join(' '), /purely intrameatal/);
  const text = formatMeasurements(m);
  assert.match(text, /Largest extrameatal axial diameter: 0\.0 mm \(no extrameatal part\)/);
  assert.match(text, /Note: purely intrameatal/);
});

test('empty label map: zeros, nulls, a note', () => {
  const m = measure(makeLabel([2, 2, 2], diagonalAffine([1, 1, 1]), () => 0));
  assert.equal(m.volumes.wholeTumour.mm3, 0);
  assert.deepEqual(
    [m.extrameatalAxialDiameter, m.wholeTumourAxialDiameter, m.intrameatalExtent],
    [null, null, null],
  );
  assert.match(m.notes[0], /no tumour voxels/);
  assert.match(formatMeasurements(m), /none \(no intrameatal part\)/);
});

test('formatMeasurements: one line per quantity, mm³ / mL / mm', () => {
  const lines = formatMeasurements(measure(phantom())).split('\n');
  // 753 EM voxels (see above) × 0.25 mm³.
  assert.equal(lines[0], 'Extrameatal volume: 188.3 mm³ (0.19 mL)');
  assert.equal(lines[1], 'Intrameatal volume: 22.5 mm³ (0.02 mL)');
  assert.match(
    lines[3],
    /^Largest extrameatal axial diameter: 8\.0 mm \(axial slice 2 \(0-based\) along array axis z, between RAS/,
  );
  assert.match(lines[5], /^Largest extrameatal 3-D diameter: /);
  assert.match(lines[11], /^Reported size: 8\.0 mm, the extrameatal axial diameter — real extrameatal part/);
  assert.match(
    lines[12],
    /^Intrameatal extent along the canal: 4\.5 mm \(axis RAS \(1\.00, 0\.00, 0\.00\), .*4\.8 mm from the IM\/EM interface\)/,
  );
  assert.match(lines[13], /voxel centres/);
});

test('measure: custom labels; bad inputs throw with the value or field named', () => {
  const v = phantom();
  const relabelled = { ...v, data: v.data.map((x) => (x === 1 ? 10 : x === 2 ? 20 : 0)) };
  const m = measure(relabelled, { labels: { extrameatal: 10, intrameatal: 20 } });
  assert.equal(m.extrameatalAxialDiameter!.mm, 8);
  assert.throws(() => measure(relabelled), { message: /holds the value 10 at voxel/ });
  const bad = { ...v, data: v.data.map((x, i) => (i === 100 ? 3 : x)) };
  assert.throws(() => measure(bad), { message: /value 3 at voxel \[z, y, x\] = \[0, 3, 4\]/ });
  assert.throws(() => measure({ ...v, affine: [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1] }), {
    message: /measure: affine .* degenerate/,
  });
  assert.throws(() => measure({ ...v, channels: 2 }), { message: /one channel/ });
});

test('measure: tumour on both sides (NF2) is also measured per side, by the centroid of each component', () => {
  // 4 × 4 × 20 voxels of 1 mm; RAS x = voxel x − 10, so x < 10 is the patient's left.
  const affine = diagonalAffine([1, 1, 1]);
  affine[3] = -10;
  const shape: [number, number, number] = [4, 4, 20];
  const data = new Uint8Array(320);
  const at = (z: number, y: number, x: number) => (z * 4 + y) * 20 + x;
  for (let z = 1; z < 3; z++) for (let y = 1; y < 3; y++) for (let x = 2; x < 4; x++) data[at(z, y, x)] = 1; // left: 2 × 2 × 2 EM
  for (let x = 15; x < 18; x++) data[at(1, 1, x)] = 2; // right: 3 IM voxels in a row
  const m = measure({ data, shape, spacing: [1, 1, 1], affine });
  assert.equal(m.volumes.wholeTumour.mm3, 11);
  assert.ok(m.sides, 'both sides measured');
  assert.equal(m.sides.left.volumes.extrameatal.mm3, 8);
  assert.equal(m.sides.left.volumes.intrameatal.mm3, 0);
  assert.equal(m.sides.right.volumes.intrameatal.mm3, 3);
  assert.equal(m.sides.right.volumes.extrameatal.mm3, 0);
  // Voxel centres: the whole label spans x 2 … 17 (15 mm across the head); each side alone is small,
  // and the top level gives the larger tumour's (left, 8 mm³: the 2 × 2 × 2 box, √3 mm between centres).
  assert.equal(m.diameters3d.wholeTumour?.mm.toFixed(3), Math.sqrt(3).toFixed(3));
  assert.deepEqual(m.guideline, m.sides.left.guideline);
  assert.equal(m.extrameatal, true);
  assert.equal(m.sides.right.diameters3d.wholeTumour?.mm, 2);
  assert.equal(m.sides.left.sides, undefined);
  assert.equal(m.side, undefined, 'both sides: no single side');
  // One side only: `side`, no `sides`.
  const rightOnly = Uint8Array.from(data, (v, i) => (i % 20 >= 10 ? v : 0));
  const r = measure({ data: rightOnly, shape, spacing: [1, 1, 1], affine });
  assert.deepEqual([r.side, r.sides], ['right', undefined]);
  assert.match(formatMeasurements(r), /\nSide: the patient's right \(RAS x ≥ 0 in the scan's coordinates; check it on the images\)\n/);
  assert.doesNotMatch(formatMeasurements(m), /\nSide: /, 'both sides: no single side line');
  // A component across the midline (voxels x 8 … 11, RAS x −2 … 1, centroid −0.5) is on the left.
  const across = new Uint8Array(320);
  for (let x = 8; x < 12; x++) across[at(2, 2, x)] = 1;
  const a = measure({ data: across, shape, spacing: [1, 1, 1], affine });
  assert.deepEqual([a.side, a.sides], ['left', undefined]);
  assert.equal(measure({ data: new Uint8Array(320), shape, spacing: [1, 1, 1], affine }).side, undefined, 'no tumour: no side');
  assert.match(m.notes[0], /both sides of the head \(left 0\.01 mL, right 0\.00 mL.*the diameters and the reported size those of the larger tumour \(left side\)$/);
  assert.ok(m.notes.slice(1).every((n) => /^(left|right) side: /.test(n)) && m.notes.length > 1, 'then each side\'s notes');
  const text = formatMeasurements(m);
  assert.match(text, /^Tumour on both sides of the head .*\nLeft side:\n {2}Extrameatal volume: 8\.0 mm³/);
  assert.match(text, /^Right side:\n {2}Extrameatal volume: 0\.0 mm³/m);
  assert.match(text, /\nBoth sides together \(volumes only.*\n {2}Extrameatal volume: 8\.0 mm³ .*\n {2}Intrameatal volume: 3\.0 mm³ .*\n {2}Whole tumour volume: 11\.0 mm³ \(0\.01 mL\)$/);
  assert.doesNotMatch(text, /Largest whole-tumour 3-D diameter: 15\.1/, 'the diameter across the head is not printed');
  // One component across the midline (centroid RAS x = 0: right), or tumour on one side only: no sides.
  const bar = new Uint8Array(320);
  for (let x = 8; x < 13; x++) bar[at(2, 2, x)] = 1;
  assert.equal(measure({ data: bar, shape, spacing: [1, 1, 1], affine }).sides, undefined);
  const one = data.map((v, i) => (i % 20 < 10 ? v : 0));
  assert.equal(measure({ data: one, shape, spacing: [1, 1, 1], affine }).sides, undefined);
});
