// Storage order and obliquity do not change a segmentation (issue 12): the built-in model segments
// one phantom written in all 48 permutation/flip storage orders, and the same voxels under
// affines rotated 20°, 25° and 30° about each axis.
//
//   node --import tsx scripts/orientation-check.ts [--seed 7] [--margin Z,Y,X] [--orders N] [--out orientation-check.json]
//
// `--orders N` runs the first N of the 48 storage orders (default 48; 0 runs the oblique part only).
//
// The phantom is cropped to its tumour's bounding box plus `--margin` voxels (default 6,24,24; a
// large margin, e.g. 999,999,999, keeps the whole scan), so that the 53 segmentations fit a few
// minutes on 2 CPU cores; the property checked does not depend on it.
//
// For each storage order: whether the label map, mapped back to the original order, is
// bit-identical to the original's, and the largest difference of any measurement (volumes mm³,
// axial diameters mm). For each rotation: Dice (whole tumour, EM, IM) between the label maps of
// the rotated scan and its axis-aligned twin (same voxels, so compared voxel by voxel). Results
// are printed and written as JSON; BENCHMARKS.md records a run.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { defaultModelDir } from '../src/cli/segment.js';
import { generatePhantom } from '../src/data/phantom/generate.js';
import { rotationDeg } from '../src/data/phantom/geometry.js';
import { dice } from '../src/evaluate/metrics.js';
import { loadModel } from '../src/infer/model.js';
import { segment, type Models } from '../src/infer/pipeline.js';
import { measure, type Measurements } from '../src/measure/index.js';
import { decodeNifti, encodeNifti } from '../src/volume/nifti.js';
import { axisCodes } from '../src/volume/orientation.js';
import { allReorientations, inverseReorientation, reorient } from '../src/volume/reorient.js';
import { boundingBox, expandBox } from '../src/volume/bbox.js';
import { crop } from '../src/volume/crop.js';
import { diagonalAffine, type Mat4, type Vec3, type Volume } from '../src/volume/volume.js';

const { values } = parseArgs({
  options: { seed: { type: 'string', default: '7' }, margin: { type: 'string', default: '6,24,24' }, orders: { type: 'string', default: '48' }, out: { type: 'string', default: 'orientation-check.json' } },
});
const seed = Number(values.seed);
if (!Number.isInteger(seed)) throw new Error(`--seed: expected an integer, got '${values.seed}'`);
const margin = values.margin!.split(',').map(Number) as Vec3;
const nOrders = Number(values.orders);
if (!Number.isInteger(nOrders) || nOrders < 0 || nOrders > 48) throw new Error(`--orders: expected an integer 0 to 48, got '${values.orders}'`);
if (margin.length !== 3 || !margin.every((m) => Number.isInteger(m) && m >= 0)) throw new Error(`--margin: expected three non-negative integers Z,Y,X, got '${values.margin}'`);

/** Through NIfTI bytes (float32 header fields), as a user's file arrives. */
const viaNifti = (v: Volume): Volume => decodeNifti(encodeNifti(v, { datatype: 'float32' }), 'scan.nii');

/** The numbers a report gives: volumes (mm³) and the largest axial diameters (mm). */
function numbers(m: Measurements): number[] {
  return [
    m.volumes.extrameatal.mm3,
    m.volumes.intrameatal.mm3,
    m.volumes.wholeTumour.mm3,
    m.extrameatalAxialDiameter?.mm ?? 0,
    m.wholeTumourAxialDiameter?.mm ?? 0,
  ];
}

const t0 = performance.now();
const full = generatePhantom({}, seed);
const box = expandBox(boundingBox(full.label.data, full.label.shape)!, margin, full.label.shape);
const size = box.end.map((e, a) => e - box.start[a]) as Vec3;
const ph = { image: crop(full.image, box.start, size), label: crop(full.label, box.start, size) };
const models: Models = {
  stage1: await loadModel(join(defaultModelDir(), 'stage1.safetensors')),
  stage2: await loadModel(join(defaultModelDir(), 'stage2.safetensors')),
};
const seg = (v: Volume) => segment(v, models).label;
const classes = (a: Uint8Array, b: Uint8Array) => ({
  wholeTumour: dice(a.map((v) => (v > 0 ? 1 : 0)), b.map((v) => (v > 0 ? 1 : 0))),
  extrameatal: dice(a.map((v) => (v === 1 ? 1 : 0)), b.map((v) => (v === 1 ? 1 : 0))),
  intrameatal: dice(a.map((v) => (v === 2 ? 1 : 0)), b.map((v) => (v === 2 ? 1 : 0))),
});

const original = seg(viaNifti(ph.image));
const truthDice = classes(original.data, ph.label.data as Uint8Array);
console.log(`phantom seed ${seed}, ${ph.image.shape.join('×')} voxels, stored ${axisCodes(ph.image.affine).join('')} ([z, y, x]); Dice vs truth ${JSON.stringify(truthDice)}`);
const refNumbers = numbers(measure(original));
const storages = [];
for (const [k, r] of allReorientations().slice(0, nOrders).entries()) {
  const stored = viaNifti(reorient(ph.image, r));
  const label = seg(stored);
  const back = reorient(label, inverseReorientation(r));
  const identical = Buffer.from(back.data).equals(Buffer.from(original.data));
  const diff = Math.max(...numbers(measure(label)).map((v, i) => Math.abs(v - refNumbers[i])));
  storages.push({ permutation: r.permutation, flip: r.flip, codes: axisCodes(stored.affine).join(''), identical, maxMeasurementDifference: diff });
  console.log(`${String(k + 1).padStart(2)}/${nOrders} ${axisCodes(stored.affine).join('')}  labels ${identical ? 'bit-identical' : 'DIFFER'}  measurements within ${diff.toExponential(1)}`);
}

// Oblique twins: the same voxels, the affine axis-aligned or rotated about the volume's centre.
const [nz, ny, nx] = ph.image.shape;
const aligned = diagonalAffine(ph.image.spacing);
function rotated(deg: number): Mat4 {
  const r = rotationDeg(deg, deg, deg);
  const c = [(nx - 1) / 2, (ny - 1) / 2, (nz - 1) / 2].map((v, i) => v * aligned[i * 5]);
  const a = [...aligned];
  for (let row = 0; row < 3; row++) {
    for (let col = 0; col < 3; col++) a[row * 4 + col] = r[row * 3 + col] * aligned[col * 5];
    a[row * 4 + 3] = c[row] - (r[row * 3] * c[0] + r[row * 3 + 1] * c[1] + r[row * 3 + 2] * c[2]);
  }
  return a;
}
const twin = seg(viaNifti({ ...ph.image, affine: aligned }));
const oblique = [];
for (const deg of [20, 25, 30]) {
  const affine = rotated(deg);
  const label = seg(viaNifti({ ...ph.image, affine }));
  const d = classes(label.data, twin.data);
  oblique.push({ degreesAboutEachAxis: deg, codes: axisCodes(affine).join(''), diceWithAlignedTwin: d });
  console.log(`rotated ${deg}° about x, y and z (${axisCodes(affine).join('')}): Dice with the axis-aligned twin ${JSON.stringify(d)}`);
}
const result = {
  date: new Date().toISOString(),
  command: `node --import tsx scripts/orientation-check.ts --seed ${seed} --margin ${margin.join(',')} --orders ${nOrders}`,
  shape: ph.image.shape,
  model: 'models/default',
  phantomSeed: seed,
  diceOriginalVsTruth: truthDice,
  storages,
  allIdentical: storages.every((s) => s.identical),
  maxMeasurementDifference: storages.length ? Math.max(...storages.map((s) => s.maxMeasurementDifference)) : null,
  oblique,
  seconds: (performance.now() - t0) / 1000,
};
writeFileSync(values.out!, JSON.stringify(result, null, 2) + '\n');
console.log(`${nOrders} storage orders: ${result.allIdentical ? 'all bit-identical' : 'SOME DIFFER'}; measurements within ${result.maxMeasurementDifference?.toExponential(1) ?? '-'}; ${result.seconds.toFixed(0)} s; wrote ${values.out}`);
for (const m of Object.values(models)) m.dispose();
