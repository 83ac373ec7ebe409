// Issue 12, fault 2: a scan whose sform gives 0.485 × 0.485 × 1.21 mm voxels but whose pixdim says
// 1 × 1 × 1 (qform code 0). Spacing comes from the sform; `segment` notes the disagreement, writes
// a label with the input's header geometry field for field, and `evaluate` of that label against a
// reference in the input's geometry runs (it used to refuse with "spacings differ").
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli/main.js';
import { evaluateCase } from '../../src/evaluate/metrics.js';
import { preprocessForInference } from '../../src/preprocess/preprocess.js';
import { makePlan } from '../../src/preprocess/plan.js';
import { crop } from '../../src/volume/crop.js';
import { decodeNifti, encodeNifti, geometryMismatch, headerGeometry, pixdimMismatch } from '../../src/volume/nifti.js';
import { readNifti, writeNifti } from '../../src/volume/nifti-file.js';
import type { Mat4, Vec3, Volume } from '../../src/volume/volume.js';
import { writeFileAtomic } from '../../src/util/atomic-write.js';

const dir = mkdtempSync(join(tmpdir(), 'meatus-geometry-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

const SHAPE: Vec3 = [40, 60, 60];
/** LPS-stored, 0.485 × 0.485 × 1.21 mm, as a DICOM converter writes it. */
const AFFINE: Mat4 = [-0.485, 0, 0, 14.5, 0, -0.485, 0, 20.1, 0, 0, 1.21, -30.2, 0, 0, 0, 1];
const GEOMETRY = { sformCode: 1, srow: AFFINE.slice(0, 12), qformCode: 0, quatern: [0, 0, 0], qoffset: [0, 0, 0], pixdim: [1, 1, 1, 1], xyztUnits: 10 };

/** A bright ellipsoid (the "tumour") in textured tissue. */
function scan(): { t2: Volume<Float32Array>; truth: Volume<Uint8Array> } {
  const n = SHAPE[0] * SHAPE[1] * SHAPE[2];
  const data = new Float32Array(n);
  const lab = new Uint8Array(n);
  for (let z = 0, i = 0; z < SHAPE[0]; z++)
    for (let y = 0; y < SHAPE[1]; y++)
      for (let x = 0; x < SHAPE[2]; x++, i++) {
        const inside = ((z - 20) / 8) ** 2 + ((y - 30) / 14) ** 2 + ((x - 28) / 16) ** 2 < 1;
        lab[i] = inside ? 1 : 0;
        data[i] = (inside ? 400 : 150) + ((i * 2654435761) % 101);
      }
  const g = { shape: SHAPE, spacing: [1.21, 0.485, 0.485] as Vec3, affine: AFFINE };
  return { t2: { data, ...g }, truth: { data: lab, ...g } };
}

test("the issue's header: spacing from the sform, pixdim kept, the disagreement named", () => {
  const img = decodeNifti(encodeNifti(scan().t2, { geometry: GEOMETRY }), 'scan.nii');
  assert.equal(img.header.affineSource, 'sform');
  img.spacing.forEach((s, a) => assert.ok(Math.abs(s - [1.21, 0.485, 0.485][a]) < 1e-6, `spacing ${img.spacing}`));
  assert.deepEqual(img.header.pixdimSpacing, [1, 1, 1]);
  assert.match(pixdimMismatch(img)!, /^pixdim gives 1 × 1 × 1 mm voxels \(x, y, z\) but the sform 0\.485 × 0\.485 × 1\.21 mm/);
  // Preprocessing at the file's own voxel size does not resample: the grid is the crop's.
  const plan = makePlan({ spacings: [[1.21, 0.485, 0.485]], shapesAfterCrop: [SHAPE], foregroundIntensity: { mean: 0, std: 1, p00_5: 0, p99_5: 1, min: 0, max: 1 }, medianRelativeSizeAfterCrop: 1 }, { spacing: img.spacing });
  assert.deepEqual(preprocessForInference([img], plan).shape, SHAPE);
  // A reference whose grid changed since it was read (here cropped) gives its affine, not its old header.
  const cropped = crop(img, [2, 3, 4], [10, 10, 10]);
  const written = decodeNifti(encodeNifti(cropped), 'c.nii');
  assert.equal(geometryMismatch(headerGeometry(img.header), cropped.shape, cropped.affine)?.startsWith('the geometry fields describe affine entry 3'), true);
  written.affine.forEach((v, i) => assert.ok(Math.abs(v - cropped.affine[i]) < 1e-5));
  // encodeNifti refuses geometry fields that describe another grid.
  assert.throws(() => encodeNifti({ ...scan().t2, affine: [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1] }, { geometry: GEOMETRY }), /geometry fields describe affine entry 0 = -0\.485/);
});

test('segment → evaluate round trip keeps the header geometry and notes the pixdim', async () => {
  const { t2, truth } = scan();
  const input = join(dir, 'in', 'case1_0000.nii.gz');
  await writeFileAtomic(input, encodeNifti(t2, { geometry: GEOMETRY, gzip: true }));
  const ref = join(dir, 'ref', 'case1.nii.gz');
  await writeNifti(ref, truth, { datatype: 'uint8', reference: await readNifti(input) });
  const out = join(dir, 'out');
  const orig = { log: console.log, error: console.error };
  const stderr: string[] = [];
  console.log = () => undefined;
  console.error = (...a: unknown[]) => void stderr.push(a.join(' '));
  let code: number;
  try {
    code = await main(['segment', input, '--out', out, '--no-report']);
  } finally {
    Object.assign(console, orig);
  }
  assert.equal(code, 0);
  // Said once, on stderr, as a warning of the case's quality checks.
  assert.equal(stderr.filter((l) => /pixdim gives/.test(l)).length, 1, stderr.join('\n'));
  assert.ok(stderr.some((l) => l.startsWith("warning: case1: The scan's header is inconsistent: pixdim gives 1 × 1 × 1 mm")), stderr.join('\n'));
  const inHeader = headerGeometry((await readNifti(input)).header);
  const label = await readNifti(join(out, 'case1.nii.gz'));
  assert.deepEqual(headerGeometry(label.header), inHeader, 'sform, qform, codes, pixdim and units as the input');
  const record = JSON.parse(readFileSync(join(out, 'case1_measurements.json'), 'utf8')) as {
    measurements: { notes: string[] };
    quality: { checks: { id: string; status: string; message: string }[]; summary: { warnings: number } };
  };
  assert.ok(record.measurements.notes.some((n) => /^header: pixdim gives 1 × 1 × 1 mm voxels .* but the sform 0\.485 × 0\.485 × 1\.21 mm/.test(n)), record.measurements.notes.join('\n'));
  // The quality section of the record says it too, as a warning of the orientation check.
  const orientation = record.quality.checks.find((c) => c.id === 'orientation');
  assert.equal(orientation?.status, 'warning');
  assert.match(orientation.message, /header is inconsistent: pixdim gives 1 × 1 × 1 mm voxels/);
  assert.equal(record.quality.checks.length, 8);
  // Used to throw "spacings differ"; now the two files share one grid.
  const m = evaluateCase(label, await readNifti(ref), 'case1');
  assert.ok(Object.keys(m.classes).length > 0);
});
