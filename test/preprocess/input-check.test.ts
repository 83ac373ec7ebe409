// Issue 12, faults 3 and 4: non-finite voxels and degenerate images are refused before any
// expensive work, with the file, what was found and what to do — by the library, `dataset check`
// and `segment` — and a thin scan is refused with the minimum the model needs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { gzipSync } from 'fflate';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli } from '../cli/run-cli.js';
import { checkDataset } from '../../src/data/check.js';
import { datasetJson, writeDatasetJson, writeNnunetCase } from '../../src/data/nnunet.js';
import { checkInputImage, fitsOnePatch, thinImageReason } from '../../src/preprocess/input-check.js';
import { preprocessCase, preprocessDataset } from '../../src/preprocess/preprocess.js';
import { makePlan, readPlan } from '../../src/preprocess/plan.js';
import { tinyPlan, tinyRawDataset } from '../cli/tiny-dataset.js';
import { encodeNifti } from '../../src/volume/nifti.js';
import { writeNifti } from '../../src/volume/nifti-file.js';
import { degenerateImage, describeNonFinite, voxelStats } from '../../src/volume/voxel-stats.js';
import { diagonalAffine, type Vec3, type Volume } from '../../src/volume/volume.js';

const dir = mkdtempSync(join(tmpdir(), 'meatus-inputs-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

/** A textured scan of `shape` at `spacing`: 100 + a ramp, so neither constant nor symmetric. */
function scan(shape: Vec3 = [8, 10, 12], spacing: Vec3 = [1.2, 0.8, 0.8]): Volume<Float32Array> {
  const n = shape[0] * shape[1] * shape[2];
  return { data: Float32Array.from({ length: n }, (_, i) => 100 + (i % 37)), shape, spacing, affine: diagonalAffine(spacing) };
}

test('voxelStats / describeNonFinite / degenerateImage on hand-made cases', () => {
  const s = voxelStats(Float32Array.from([3, NaN, 1, Infinity, 1, 2]));
  assert.deepEqual(
    { ...s, firstNonFiniteValue: String(s.firstNonFiniteValue) },
    { count: 6, nonFinite: 2, firstNonFinite: 1, firstNonFiniteValue: 'NaN', min: 1, max: 3, atMin: 2 },
  );
  assert.equal(describeNonFinite(s, [1, 2, 3]), 'has 2 non-finite voxels of 6 (first: [z, y, x] = [0, 0, 1], NaN)');
  assert.equal(degenerateImage(s), null);
  assert.equal(degenerateImage(voxelStats(new Float32Array(8))), 'every voxel is 0 (a constant image)');
  assert.equal(degenerateImage(voxelStats(Float32Array.from([NaN, NaN]))), 'no voxel is finite');
  const almost = new Float32Array(10000);
  almost[17] = 5; // 1 of 10,000 voxels differs: fewer than 0.1 %
  assert.match(degenerateImage(voxelStats(almost)) ?? '', /^only 1 of 10000 voxels differ from the minimum 0 \(a near-constant image/);
  almost.fill(5, 0, 10); // 10 of 10,000 differ: 0.1 %, accepted
  assert.equal(degenerateImage(voxelStats(almost)), null);
  assert.match(degenerateImage(voxelStats(Float64Array.from([1e6, 1e6 + 1e-3]))) ?? '', /values span only/);
});

test('one NaN or Inf voxel in a corner: refused naming the file, count, voxel and the option; replaced on request', () => {
  for (const bad of [NaN, Infinity]) {
    const img = scan();
    img.data[img.data.length - 1] = bad;
    assert.throws(
      () => checkInputImage(img, 'scans/x.nii.gz'),
      new RegExp(`^Error: scans/x\\.nii\\.gz: has 1 non-finite voxel of 960 \\(first: \\[z, y, x\\] = \\[7, 9, 11\\], ${bad}\\); expected finite intensities — .*--nonfinite replace-with-minimum.*\\(100\\)$`),
    );
    const fixed = checkInputImage(img, 'x', 'replace-with-minimum');
    assert.equal(fixed.data[959], 100);
    assert.ok(Number.isNaN(img.data[959]) || img.data[959] === Infinity, 'the input is not modified');
    // The library refuses too: preprocessing would otherwise z-score every voxel to NaN.
    const plan = makePlan({ spacings: [img.spacing], shapesAfterCrop: [img.shape], foregroundIntensity: { mean: 0, std: 1, p00_5: 0, p99_5: 1, min: 0, max: 1 }, medianRelativeSizeAfterCrop: 1 }, { minFeatureMapSize: 2 });
    assert.throws(() => preprocessCase([img], null, plan), /preprocess: channel 0: has 1 non-finite voxel/);
  }
  const clean = scan();
  assert.equal(checkInputImage(clean, 'x'), clean, 'a clean image passes as it is');
});

test('an all-zero image and a single 2-D slice are refused with the reason', () => {
  assert.throws(() => checkInputImage({ ...scan(), data: new Float32Array(960) }, 'zero.nii.gz'), /^Error: zero\.nii\.gz: every voxel is 0 \(a constant image\); this is not a scan meatus can segment/);
  const plan = { spacing: [1.2, 0.8, 0.8] as Vec3, patchSize: [24, 48, 40] as Vec3 }; // the built-in model's
  assert.match(
    thinImageReason([scan([1, 132, 132], [1.21, 0.485, 0.485])], plan) ?? '',
    /^is 1 voxel along z \(S–I\) at the model's 1\.2 mm \(1\.2 mm of non-zero image\); the model needs at least 12 \(14\.4 mm, half its patch of 24\)/,
  );
  // A sagittal single slice (one 1.21 mm voxel along R–L: 2 voxels at 0.8 mm) is found along x after orientation.
  const sag = scan([132, 132, 1], [0.485, 0.485, 1.21]);
  sag.affine = [1.21, 0, 0, 0, 0, 0, 0.485, 0, 0, 0.485, 0, 0, 0, 0, 0, 1]; // i → R (1 voxel), j → S, k → A
  assert.match(thinImageReason([sag], plan) ?? '', /^is 2 voxels along x \(R–L\) at the model's 0\.8 mm \(1\.6 mm/);
  assert.equal(thinImageReason([scan([12, 60, 50], [1.2, 0.8, 0.8])], plan), null, '12 slices of 1.2 mm are enough');
  assert.match(thinImageReason([scan([11, 60, 50], [1.2, 0.8, 0.8])], plan) ?? '', /is 11 voxels along z/);
});

test('fitsOnePatch: a crop within one patch of the plan (at its spacing, all axes), a head beyond it', () => {
  const loc = { spacing: [2, 2, 2] as Vec3, patchSize: [32, 48, 48] as Vec3 }; // the built-in localiser's: 64 × 96 × 96 mm
  // The tour's crop phantom: 37 × 113 × 113 at 1.29 × 0.56 × 0.56 mm = 47.7 × 63.3 × 63.3 mm → 24 × 32 × 32 voxels.
  assert.equal(fitsOnePatch([scan([37, 113, 113], [1.29, 0.56, 0.56])], loc), true);
  // 96 mm across fits exactly (48 voxels); 98 mm does not.
  assert.equal(fitsOnePatch([scan([32, 96, 96], [2, 1, 1])], loc), true);
  assert.equal(fitsOnePatch([scan([32, 98, 96], [2, 1, 1])], loc), false);
  // A CISS head: 120 × 157 × 157 mm.
  assert.equal(fitsOnePatch([scan([80, 384, 384], [1.5, 0.41, 0.41])], loc), false);
});

test('segment refuses a NaN scan, an all-zero scan and a single slice before segmenting anything', async () => {
  const STAGE1_PATCH_Z = (JSON.parse(readFileSync(new URL('../../models/default/plan-stage1.json', import.meta.url), 'utf8')) as { patchSize: number[] }).patchSize[0];
  const nan = scan([40, 60, 60], [1.21, 0.485, 0.485]);
  nan.data[0] = NaN;
  const zero = { ...scan([40, 60, 60], [1.21, 0.485, 0.485]), data: new Float32Array(40 * 60 * 60) };
  const slice = scan([1, 132, 132], [1.21, 0.485, 0.485]);
  const cases: [string, Volume, RegExp][] = [
    ['nan.nii.gz', nan, /nan\.nii\.gz: has 1 non-finite voxel of 144000 \(first: \[z, y, x\] = \[0, 0, 0\], NaN\); .*--nonfinite replace-with-minimum/],
    ['zero.nii.gz', zero, /zero\.nii\.gz: every voxel is 0 \(a constant image\)/],
    // Half the built-in stage 1's patch along z.
    ['slice.nii.gz', slice, new RegExp(`slice\\.nii\\.gz: the scan is 1 voxel along z \\(S–I\\) .* needs at least ${STAGE1_PATCH_Z / 2} `)],
  ];
  for (const [name, vol, expected] of cases) {
    const input = join(dir, 'in', name);
    await writeNifti(input, vol);
    const out = join(dir, `out-${name}`);
    const r = await cli('segment', input, '--out', out, '--no-report');
    assert.equal(r.code, 1);
    assert.match(r.err, expected);
    assert.ok(!existsSync(join(out, name)), 'nothing written');
  }
  // A folder of them (and a good scan): every bad file is named at once, and nothing is segmented.
  await writeNifti(join(dir, 'in', 'good.nii.gz'), scan([40, 60, 60], [1.21, 0.485, 0.485]));
  const r = await cli('segment', join(dir, 'in'), '--out', join(dir, 'out-all'), '--no-report');
  assert.equal(r.code, 1);
  assert.match(r.err, /3 of the 4 inputs cannot be segmented; nothing was:\n {2}.*nan\.nii\.gz: .*\n {2}.*slice\.nii\.gz: .*\n {2}.*zero\.nii\.gz: /);
  assert.ok(!existsSync(join(dir, 'out-all', 'good.nii.gz')), 'the good scan is not segmented either');
});

test('dataset check: non-finite voxels, a constant image and a 2-D image are problems; a disagreeing pixdim is a warning', async () => {
  const root = join(dir, 'ds');
  const label = (v: Volume): Volume<Uint8Array> => ({ ...v, data: Uint8Array.from(v.data, (x, i) => (i % 50 === 0 ? 1 : 0)) });
  const good = scan();
  const nan = scan();
  nan.data[5] = -Infinity;
  nan.data[7] = NaN;
  const zero = { ...scan(), data: new Float32Array(960) };
  await writeNnunetCase(root, 'a_t1', [good], label(good));
  await writeNnunetCase(root, 'b_t1', [nan], label(nan));
  await writeNnunetCase(root, 'c_t1', [zero], label(zero));
  const flat = scan([1, 10, 12]);
  await writeNnunetCase(root, 'd_t1', [flat], label(flat));
  await writeDatasetJson(root, datasetJson(4));
  // Case a's image: its sform says 0.8 × 0.8 × 1.2 mm, its pixdim 1 × 1 × 1 (qform code 0).
  const geometry = { sformCode: 1, srow: good.affine.slice(0, 12), qformCode: 0, quatern: [0, 0, 0], qoffset: [0, 0, 0], pixdim: [1, 1, 1, 1], xyztUnits: 2 };
  await writeFile(join(root, 'imagesTr', 'a_t1_0000.nii.gz'), gzipSync(encodeNifti(good, { geometry })));
  const r = await checkDataset(root);
  const msgs = r.problems.map((p) => `${p.file.slice(root.length + 1)} | ${p.field} | ${p.message}`);
  assert.deepEqual(msgs, [
    'imagesTr/b_t1_0000.nii.gz | voxels | has 2 non-finite voxels of 960 (first: [z, y, x] = [0, 0, 5], -Infinity); expected finite intensities (or train with --nonfinite replace-with-minimum)',
    'imagesTr/c_t1_0000.nii.gz | voxels | every voxel is 0 (a constant image); not a scan meatus can use',
    'imagesTr/d_t1_0000.nii.gz | dim | is 1×10×12 voxels ([z, y, x]): one voxel along z, a 2-D image; a 3-D network cannot train on or segment it',
  ]);
  assert.deepEqual(
    r.warnings.map((w) => `${w.file.slice(root.length + 1)} | ${w.field} | ${w.message}`),
    ['imagesTr/a_t1_0000.nii.gz | pixdim | pixdim gives 1 × 1 × 1 mm voxels (x, y, z) but the sform 0.8 × 0.8 × 1.2 mm; meatus uses the sform (it defines world coordinates); check how the file was written'],
  );
});

test('preprocess (and so train) refuses a 2-D case, naming the file and the case', async () => {
  const raw = await tinyRawDataset(join(dir, 'thin-raw'));
  const flat = scan([1, 24, 24], [1.2, 0.6, 0.6]);
  await writeNnunetCase(raw, 'P9_t01', [flat], { ...flat, data: new Uint8Array(576) });
  await writeDatasetJson(raw, datasetJson(7));
  const plan = await readPlan(await tinyPlan(raw, join(dir, 'thin-plan.json')));
  await assert.rejects(
    preprocessDataset(raw, plan, join(dir, 'thin-pre'), { workers: 1 }),
    /P9_t01_0000\.nii\.gz: is 1×24×24 voxels \(\[z, y, x\]\): one voxel along z, a 2-D image, which a 3-D network cannot train on; remove case P9_t01 from the dataset$/,
  );
  assert.ok(!existsSync(join(dir, 'thin-pre')), 'nothing written');
});
