import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { datasetJson, writeDatasetJson, writeNnunetCase } from '../../src/data/nnunet.js';
import { writeNifti } from '../../src/volume/nifti-file.js';
import { diagonalAffine, type Vec3, type Volume } from '../../src/volume/volume.js';
import { caseFingerprint, computeFingerprint, listTrainingCases } from '../../src/preprocess/fingerprint.js';
import { percentileOf as percentile } from '../../src/util/percentile.js';

/**
 * A case of `shape` whose image is `value` inside the box [start, end) and 0 outside, and whose
 * label is 1 on the first `fg` voxels (raster order) inside the box.
 */
function boxCase(shape: Vec3, spacing: Vec3, start: Vec3, end: Vec3, value: number, fg: number): { image: Volume; label: Volume } {
  const n = shape[0] * shape[1] * shape[2];
  const image = new Float32Array(n);
  const label = new Uint8Array(n);
  let left = fg;
  for (let z = start[0]; z < end[0]; z++)
    for (let y = start[1]; y < end[1]; y++)
      for (let x = start[2]; x < end[2]; x++) {
        const i = (z * shape[1] + y) * shape[2] + x;
        image[i] = value;
        if (left-- > 0) label[i] = 1;
      }
  const affine = diagonalAffine(spacing);
  return { image: { data: image, shape, spacing, affine }, label: { data: label, shape, spacing, affine } };
}

async function withTmp(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'meatus-fp-'));
  try {
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test('percentile matches numpy (linear interpolation)', () => {
  // np.percentile([1, 2, 3, 4], [10, 50, 99.5]) = [1.3, 2.5, 3.985]
  assert.ok(Math.abs(percentile([4, 1, 3, 2], 10) - 1.3) < 1e-12);
  assert.equal(percentile([4, 1, 3, 2], 50), 2.5);
  assert.ok(Math.abs(percentile([4, 1, 3, 2], 99.5) - 3.985) < 1e-12);
});

test('fingerprint of a hand-made nnU-Net dataset', async () => {
  await withTmp(async (dir) => {
    // Case a: 10×8×8 at 2×1×1 mm, non-zero box 4×4×6 (fraction 96/640), image 100 in the box.
    const a = boxCase([10, 8, 8], [2, 1, 1], [1, 2, 1], [5, 6, 7], 100, 20);
    // Case b: 6×6×6 at 3×0.5×0.5 mm, box 2×3×3 (fraction 18/216), image 200.
    const b = boxCase([6, 6, 6], [3, 0.5, 0.5], [0, 0, 3], [2, 3, 6], 200, 5);
    // Case c: 4×4×4 at 1 mm, box = everything (fraction 1), no foreground.
    const c = boxCase([4, 4, 4], [1, 1, 1], [0, 0, 0], [4, 4, 4], 7, 0);
    (c.image.data as Float32Array).fill(8, 0, 8); // not constant: a constant image is refused
    await writeNnunetCase(dir, 'a', [a.image], a.label);
    await writeNnunetCase(dir, 'b', [b.image], b.label);
    await writeNnunetCase(dir, 'c', [c.image], c.label);
    await writeDatasetJson(dir, datasetJson(3));
    const fp = await computeFingerprint(dir);
    assert.deepEqual(fp.spacings, [
      [2, 1, 1],
      [3, 0.5, 0.5],
      [1, 1, 1],
    ]);
    assert.deepEqual(fp.shapesAfterCrop, [
      [4, 4, 6],
      [2, 3, 3],
      [4, 4, 4],
    ]);
    assert.ok(Math.abs(fp.medianRelativeSizeAfterCrop - 96 / 640) < 1e-12);
    // 10,000 samples of 100 and 10,000 of 200: mean 150, std 50; sorted halves give the percentiles.
    assert.deepEqual(fp.foregroundIntensity, { mean: 150, std: 50, p00_5: 100, p99_5: 200, min: 100, max: 200 });
  });
});

test('foreground sampling is seeded', () => {
  const { image, label } = boxCase([4, 4, 4], [1, 1, 1], [0, 0, 0], [4, 4, 4], 1, 64);
  for (let i = 0; i < 64; i++) (image.data as Float32Array)[i] = i;
  const s1 = caseFingerprint([image], label, 'seed', 1000).foregroundSamples;
  const s2 = caseFingerprint([image], label, 'seed', 1000).foregroundSamples;
  const s3 = caseFingerprint([image], label, 'other', 1000).foregroundSamples;
  assert.deepEqual(s1, s2);
  assert.notDeepEqual(s1, s3);
  const mean = s1.reduce((p, v) => p + v, 0) / s1.length;
  assert.ok(Math.abs(mean - 31.5) < 2.5, `mean ${mean}`);
});

test('crossMoDA layout is detected; cases without a label are skipped', async () => {
  await withTmp(async (dir) => {
    const a = boxCase([4, 4, 4], [1, 1, 1], [1, 1, 1], [3, 3, 3], 5, 2);
    await writeNifti(join(dir, 'source_training', 'crossmoda2023_etz_1_hrT2.nii.gz'), a.image);
    await writeNifti(join(dir, 'source_training', 'crossmoda2023_etz_1_Label.nii.gz'), a.label, { datatype: 'uint8' });
    await writeNifti(join(dir, 'target_training', 'crossmoda2023_etz_2_hrT2.nii.gz'), a.image);
    const cases = await listTrainingCases(dir);
    assert.deepEqual(
      cases.map((c) => c.id),
      ['crossmoda2023_etz_1'],
    );
    const fp = await computeFingerprint(dir);
    assert.deepEqual(fp.shapesAfterCrop, [[2, 2, 2]]);
    assert.equal(fp.foregroundIntensity.mean, 5);
  });
});

test('bad cases give errors naming the file', async () => {
  await withTmp(async (dir) => {
    await assert.rejects(listTrainingCases(dir), /neither an nnU-Net raw dataset/);
    const a = boxCase([4, 4, 4], [1, 1, 1], [0, 0, 0], [4, 4, 4], 5, 2);
    (a.image.data as Float32Array).fill(6, 0, 8); // not constant: a constant image is refused
    const bad = boxCase([4, 4, 5], [1, 1, 1], [0, 0, 0], [4, 4, 4], 5, 2);
    await writeNnunetCase(dir, 'a', [a.image], a.label);
    await writeNifti(join(dir, 'labelsTr', 'a.nii.gz'), bad.label, { datatype: 'uint8' });
    await writeDatasetJson(dir, datasetJson(1));
    await assert.rejects(computeFingerprint(dir), /labelsTr\/a\.nii\.gz: shape 4×4×5, expected 4×4×4/);
    (a.label.data as Uint8Array)[3] = 7;
    await writeNnunetCase(dir, 'a', [a.image], a.label);
    await assert.rejects(computeFingerprint(dir), /labelsTr\/a\.nii\.gz: label value 7 at voxel 3, expected 0/);
  });
});

test('a dataset whose labels are all 0 (only healthy cases) is refused, naming the folder', async () => {
  await withTmp(async (dir) => {
    for (const id of ['a', 'b']) {
      const c = boxCase([4, 4, 4], [1, 1, 1], [0, 0, 0], [4, 4, 4], 7, 0);
      (c.image.data as Float32Array).fill(8, 0, 8);
      await writeNnunetCase(dir, id, [c.image], c.label);
    }
    await writeDatasetJson(dir, datasetJson(2));
    await assert.rejects(computeFingerprint(dir), (e: Error) => {
      assert.equal(e.message, `${dir}: none of the 2 labelled training cases has a tumour voxel (label > 0); planning and training need at least one (cases without a tumour are fine alongside)`);
      return true;
    });
  });
});
