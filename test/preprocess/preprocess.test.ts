import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm, truncate } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { datasetJson, writeDatasetJson, writeNnunetCase } from '../../src/data/nnunet.js';
import { listPreprocessedCases, preprocessCase, preprocessDataset, preprocessForInference, readPreprocessedCase, restoreToOriginal } from '../../src/preprocess/preprocess.js';
import { makePlan } from '../../src/preprocess/plan.js';
import type { Plan } from '../../src/preprocess/types.js';
import { diagonalAffine, type Vec3, type Volume } from '../../src/volume/volume.js';

/** A plan with the given spacing (topology irrelevant to preprocessing). */
function planFor(spacing: Vec3, useMaskForNorm = false): Plan {
  const fp = {
    spacings: [spacing],
    shapesAfterCrop: [[32, 32, 32] as Vec3],
    foregroundIntensity: { mean: 0, std: 1, p00_5: 0, p99_5: 1, min: 0, max: 1 },
    medianRelativeSizeAfterCrop: 1,
  };
  return { ...makePlan(fp), normalization: { scheme: 'zscore', useMaskForNorm } };
}

/**
 * A head-like case of `shape`: image non-zero (a smooth ramp + 10) inside the box [start, end),
 * 0 outside; label a ball of radius `r` voxels at the box centre, label 2 for x < centre, else 1.
 */
function phantomCase(shape: Vec3, spacing: Vec3, start: Vec3, end: Vec3, r: number): { image: Volume; label: Volume } {
  const n = shape[0] * shape[1] * shape[2];
  const image = new Float32Array(n);
  const label = new Uint8Array(n);
  const c = start.map((s, a) => (s + end[a] - 1) / 2);
  for (let z = 0, i = 0; z < shape[0]; z++)
    for (let y = 0; y < shape[1]; y++)
      for (let x = 0; x < shape[2]; x++, i++) {
        const inside = z >= start[0] && z < end[0] && y >= start[1] && y < end[1] && x >= start[2] && x < end[2];
        if (!inside) continue;
        image[i] = 10 + z + 0.5 * y + 0.25 * x;
        if ((z - c[0]) ** 2 + (y - c[1]) ** 2 + (x - c[2]) ** 2 <= r * r) label[i] = x < c[2] ? 2 : 1;
      }
  const affine = diagonalAffine(spacing, [-5, 3, 7]);
  return { image: { data: image, shape, spacing, affine }, label: { data: label, shape, spacing, affine } };
}

function stats(values: ArrayLike<number>, mask?: ArrayLike<number>): { mean: number; std: number } {
  let n = 0;
  let s = 0;
  let ss = 0;
  for (let i = 0; i < values.length; i++) {
    if (mask && !mask[i]) continue;
    n++;
    s += values[i];
    ss += values[i] * values[i];
  }
  return { mean: s / n, std: Math.sqrt(ss / n - (s / n) ** 2) };
}

function dice(a: ArrayLike<number>, b: ArrayLike<number>, l: number): number {
  let inter = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    if (a[i] === l) na++;
    if (b[i] === l) nb++;
    if (a[i] === l && b[i] === l) inter++;
  }
  return (2 * inter) / (na + nb);
}

test('preprocessCase at the same spacing: crop box, z-score, labels; restore is exact', () => {
  const { image, label } = phantomCase([12, 14, 16], [2, 1, 1], [2, 3, 1], [10, 13, 15], 3);
  const { case: pc, properties } = preprocessCase([image], label, planFor([2, 1, 1]));
  assert.deepEqual(properties.cropBox, { start: [2, 3, 1], end: [10, 13, 15] });
  assert.deepEqual(pc.shape, [8, 10, 14]);
  assert.deepEqual(properties.originalShape, [12, 14, 16]);
  assert.deepEqual(properties.originalAffine, image.affine);
  // Affine of the crop: the origin moves to voxel (x 1, y 3, z 2).
  assert.deepEqual([properties.affine[3], properties.affine[7], properties.affine[11]], [-5 + 1, 3 + 3, 7 + 4]);
  const s = stats(pc.image);
  assert.ok(Math.abs(s.mean) < 1e-5 && Math.abs(s.std - 1) < 1e-4, JSON.stringify(s));
  assert.ok(pc.label!.every((v) => v <= 2));
  assert.ok(pc.label!.includes(1) && pc.label!.includes(2));
  const back = restoreToOriginal(pc.label!, properties);
  assert.deepEqual(back.shape, [12, 14, 16]);
  assert.deepEqual(Array.from(back.data), Array.from(label.data));
  assert.deepEqual(back.affine, image.affine);
});

test('preprocessCase resamples to the plan spacing; restore keeps Dice > 0.95', () => {
  const { image, label } = phantomCase([24, 30, 30], [1, 0.8, 0.8], [1, 2, 2], [23, 28, 28], 8);
  const plan = planFor([1.5, 1.1, 0.6]);
  const { case: pc, properties } = preprocessCase([image], label, plan);
  // round(spacing / target · crop size): 22 · 1/1.5 = 14.67 → 15; 26 · 0.8/1.1 = 18.9 → 19; 26 · 0.8/0.6 = 34.67 → 35.
  assert.deepEqual(pc.shape, [15, 19, 35]);
  assert.ok(Math.abs(pc.spacing[0] - (22 * 1) / 15) < 1e-9);
  assert.ok(pc.label!.every((v) => v <= 2));
  const back = restoreToOriginal(pc.label!, properties);
  assert.deepEqual(back.shape, [24, 30, 30]);
  for (const l of [1, 2]) assert.ok(dice(back.data, label.data, l) > 0.95, `label ${l}: Dice ${dice(back.data, label.data, l)}`);
  // Probabilities: C channels back, background 1 outside the crop.
  const inf = preprocessForInference([image], plan);
  assert.deepEqual(inf.shape, pc.shape);
  assert.deepEqual(Array.from(inf.image), Array.from(pc.image));
  const n = pc.shape[0] * pc.shape[1] * pc.shape[2];
  const probs = new Float32Array(3 * n);
  for (let i = 0; i < n; i++) probs[pc.label![i] * n + i] = 1;
  const pb = restoreToOriginal(probs, properties);
  assert.equal(pb.channels, 3);
  assert.equal(pb.data.length, 3 * 24 * 30 * 30);
  assert.equal(pb.data[0], 1); // voxel (0, 0, 0) lies outside the crop: background
  assert.equal(pb.data[24 * 30 * 30], 0);
  assert.throws(() => restoreToOriginal(new Uint8Array(5), properties), /5 values, expected/);
});

test('useMaskForNorm: statistics inside the hole-filled non-zero mask, 0 outside', () => {
  const { image, label } = phantomCase([8, 10, 10], [1, 1, 1], [0, 0, 0], [8, 10, 10], 2);
  // Zero a frame around the object (outside the mask) and a hole inside it (filled: inside the mask).
  const d = image.data as Float32Array;
  for (let z = 0, i = 0; z < 8; z++)
    for (let y = 0; y < 10; y++) for (let x = 0; x < 10; x++, i++) if (y < 2 || (z > 0 && z < 7 && y < 3)) d[i] = 0;
  d[(4 * 10 + 5) * 10 + 5] = 0;
  const { case: pc } = preprocessCase([image], label, planFor([1, 1, 1], true));
  assert.deepEqual(pc.shape, [8, 8, 10]);
  const mask = new Uint8Array(pc.image.length);
  for (let z = 0, i = 0; z < 8; z++) for (let y = 0; y < 8; y++) for (let x = 0; x < 10; x++, i++) mask[i] = z > 0 && z < 7 && y < 1 ? 0 : 1;
  const s = stats(pc.image, mask);
  assert.ok(Math.abs(s.mean) < 1e-5 && Math.abs(s.std - 1) < 1e-4, JSON.stringify(s));
  assert.equal(pc.image[(1 * 8 + 0) * 10 + 3], 0);
  assert.notEqual(pc.image[(4 * 8 + 3) * 10 + 5], 0); // the hole is inside the mask
});

test('preprocessDataset writes atomic outputs that read back; truncated files are named', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'meatus-pre-'));
  try {
    const raw = join(dir, 'raw');
    const out = join(dir, 'out');
    const ids = ['VS_p001_t01', 'VS_p001_t02', 'case7'];
    for (const [k, id] of ids.entries()) {
      const { image, label } = phantomCase([10 + k, 12, 12], [1.2, 0.9, 0.9], [1, 1, 1], [9, 11, 11], 3);
      await writeNnunetCase(raw, id, [image], label);
    }
    await writeDatasetJson(raw, datasetJson(ids.length));
    const plan = planFor([1.5, 0.9, 0.9]);
    const seen: string[] = [];
    const r = await preprocessDataset(raw, plan, out, { workers: 2, onProgress: (_d, _t, id) => seen.push(id) });
    assert.deepEqual(r.cases, ['VS_p001_t01', 'VS_p001_t02', 'case7']);
    assert.deepEqual([...seen].sort(), [...r.cases].sort());
    assert.deepEqual(await listPreprocessedCases(out), r.cases);
    const files = await readdir(out);
    assert.ok(!files.some((f) => f.endsWith('.tmp')), files.join(' '));
    assert.ok(files.includes('plan.json') && files.includes('cases.json'));
    const c = await readPreprocessedCase(out, 'VS_p001_t02');
    assert.equal(c.patient, 'VS_p001');
    assert.equal((await readPreprocessedCase(out, 'case7')).patient, 'case7');
    const { image, label } = phantomCase([11, 12, 12], [1.2, 0.9, 0.9], [1, 1, 1], [9, 11, 11], 3);
    const direct = preprocessCase([image], label, plan).case;
    assert.deepEqual(c.shape, direct.shape);
    assert.equal(c.channels, 1);
    assert.deepEqual(c.image, direct.image);
    assert.deepEqual(c.label, direct.label);
    await truncate(join(out, 'VS_p001_t02.image.f32'), 100);
    await assert.rejects(readPreprocessedCase(out, 'VS_p001_t02'), /VS_p001_t02\.image\.f32: 100 bytes, expected \d+ \(float32 \[1, /);
    await truncate(join(out, 'case7.label.u8'), 3);
    await assert.rejects(readPreprocessedCase(out, 'case7'), /case7\.label\.u8: 3 bytes, expected/);
    await assert.rejects(listPreprocessedCases(raw), /raw\/cases\.json: cannot read the case list/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
