import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makePlan, medianShapeAt, readPlan, targetSpacing, useMaskForNorm, validatePlan, writePlan, planMemoryMB } from '../../src/preprocess/plan.js';
import { activationElements, estimateMemoryMB, padShape, poolAndConvProps } from '../../src/preprocess/topology.js';
import type { Fingerprint } from '../../src/preprocess/types.js';
import type { Vec3 } from '../../src/volume/volume.js';

function fingerprint(spacings: Vec3[], shapes: Vec3[], relative = 1): Fingerprint {
  return {
    spacings,
    shapesAfterCrop: shapes,
    foregroundIntensity: { mean: 1, std: 1, p00_5: 0, p99_5: 2, min: 0, max: 3 },
    medianRelativeSizeAfterCrop: relative,
  };
}
const iso = fingerprint(
  [
    [1, 1, 1],
    [1, 1, 1],
    [1, 1, 1],
  ],
  [
    [160, 160, 160],
    [150, 170, 160],
    [170, 150, 160],
  ],
);
// crossMoDA-like: 1.5 × 0.41 × 0.41 mm, 80 × 384 × 384 voxels.
const aniso = fingerprint(
  [
    [1.5, 0.41, 0.41],
    [1.5, 0.41, 0.41],
  ],
  [
    [80, 384, 384],
    [80, 384, 384],
  ],
);

test('padShape rounds up to multiples', () => {
  assert.deepEqual(padShape([40, 100, 128], [8, 32, 32]), [40, 128, 128]);
  assert.deepEqual(padShape([40.5, 1, 7], [8, 1, 4]), [48, 1, 8]);
});

test('poolAndConvProps, isotropic: 3×3×3 kernels and pooling on all axes (nnU-Net: 128³ → 5 poolings)', () => {
  const t = poolAndConvProps([1, 1, 1], [128, 128, 128]);
  assert.deepEqual(t.numPoolPerAxis, [5, 5, 5]);
  assert.deepEqual(t.strides, [[1, 1, 1], ...Array(5).fill([2, 2, 2])]);
  assert.deepEqual(t.kernels, Array(6).fill([3, 3, 3]));
  assert.deepEqual(t.patchSize, [128, 128, 128]);
  assert.deepEqual(t.mustBeDivisibleBy, [32, 32, 32]);
});

test('poolAndConvProps, anisotropic 1.5 × 0.41 × 0.41: 1×3×3 first, no z pooling at first', () => {
  const t = poolAndConvProps([1.5, 0.41, 0.41], [40, 224, 224]);
  assert.deepEqual(t.strides, [
    [1, 1, 1],
    [1, 2, 2],
    [2, 2, 2],
    [2, 2, 2],
    [2, 2, 2],
    [1, 2, 2],
  ]);
  assert.deepEqual(t.kernels, [[1, 3, 3], ...Array(5).fill([3, 3, 3])]);
  assert.deepEqual(t.numPoolPerAxis, [3, 5, 5]);
  assert.deepEqual(t.patchSize, [40, 224, 224]);
  // A patch that is not a multiple of the strides' product is padded up.
  assert.deepEqual(poolAndConvProps([1.5, 0.41, 0.41], [38, 200, 220]).patchSize, [40, 224, 224]);
});

test('activation memory model, by hand', () => {
  const net = { features: [2, 4], kernels: [[3, 3, 3] as Vec3, [3, 3, 3] as Vec3], strides: [[1, 1, 1] as Vec3, [2, 2, 2] as Vec3] };
  // Stage 0 (8 voxels): encoder 2·2·8 = 32; decoder (2 + 1)·2·8 + 3·8 = 72. Stage 1 (1 voxel): 2·4 = 8.
  assert.equal(activationElements([2, 2, 2], net), 112);
  assert.equal(estimateMemoryMB([2, 2, 2], net, 2), (2 * 112 * 24) / 2 ** 20);
});

test('target spacing: median, or the 10th percentile on an anisotropic axis', () => {
  assert.deepEqual(targetSpacing(iso), [1, 1, 1]);
  const shapes: Vec3[] = Array(5).fill([20, 256, 256]);
  // Median z 5 > 3 · 0.5 and 20 · 3 < 256: z target = percentile10([4, 5, 5, 5, 6]) = 4.4.
  const fp = fingerprint([4, 5, 5, 5, 6].map((z) => [z, 0.5, 0.5] as Vec3), shapes);
  assert.ok(Math.abs(targetSpacing(fp)[0] - 4.4) < 1e-12);
  // A 10th percentile below the in-plane spacing is raised to it (+1e-5).
  const low = fingerprint([0.5, 0.5, 4, 4, 4].map((z) => [z, 1, 1] as Vec3), shapes);
  assert.ok(Math.abs(targetSpacing(low)[0] - (1 + 1e-5)) < 1e-12);
  // Anisotropic spacing but not few voxels along z: plain median.
  const many = fingerprint([4, 5, 5, 5, 6].map((z) => [z, 0.5, 0.5] as Vec3), Array(5).fill([100, 256, 256]));
  assert.deepEqual(targetSpacing(many), [5, 0.5, 0.5]);
  // Median shape at the target spacing: round(spacing / target · shape), median.
  assert.deepEqual(medianShapeAt(fp, [5, 1, 1]), [20, 128, 128]);
});

test('makePlan: isotropic data, patch fits the budget and divides by the strides', () => {
  const plan = makePlan(iso, { memoryBudgetMB: 600 });
  assert.deepEqual(plan.spacing, [1, 1, 1]);
  assert.deepEqual(plan.medianShape, [160, 160, 160]);
  assert.ok(plan.network.kernels.every((k) => k.every((v) => v === 3)));
  assert.deepEqual(plan.network.strides[1], [2, 2, 2]);
  assert.deepEqual(plan.network.features.slice(0, 3), [32, 64, 128]);
  assert.ok(plan.network.features.every((f) => f <= 320));
  const product = [0, 1, 2].map((a) => plan.network.strides.reduce((p, s) => p * s[a], 1));
  plan.patchSize.forEach((p, a) => assert.equal(p % product[a], 0));
  assert.ok(planMemoryMB(plan) <= 600, `${planMemoryMB(plan)} MB`);
  // A smaller budget gives a smaller patch; a tiny one is refused.
  const small = makePlan(iso, { memoryBudgetMB: 100 });
  const vox = (p: Vec3) => p[0] * p[1] * p[2];
  assert.ok(vox(small.patchSize) < vox(plan.patchSize));
  assert.ok(planMemoryMB(small) <= 100);
  assert.throws(() => makePlan(iso, { memoryBudgetMB: 0.001 }), /memoryBudgetMB = 0.001 is too small/);
  assert.throws(() => makePlan(iso, { batchSize: 1.5 }), /batchSize = 1.5, expected a positive integer/);
});

test('makePlan: anisotropic data gets 1×3×3 and in-plane pooling first', () => {
  const plan = makePlan(aniso);
  assert.deepEqual(plan.spacing, [1.5, 0.41, 0.41]);
  assert.deepEqual(plan.network.kernels[0], [1, 3, 3]);
  assert.deepEqual(plan.network.strides[1], [1, 2, 2]);
  assert.ok(plan.patchSize[1] > plan.patchSize[0]);
  assert.ok(planMemoryMB(plan) <= plan.memoryBudgetMB);
  assert.equal(plan.normalization.useMaskForNorm, false);
  assert.equal(useMaskForNorm(fingerprint([[1, 1, 1]], [[9, 9, 9]], 0.7)), true);
});

test('plan JSON round trip and validation errors', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'meatus-plan-'));
  try {
    const plan = makePlan(aniso, { dataset: 'somewhere' });
    const path = join(dir, 'plan.json');
    await writePlan(path, plan);
    const text = await readFile(path, 'utf8');
    assert.match(text, /\n {2}"patchSize": \[\d+, \d+, \d+\],\n/);
    assert.deepEqual(await readPlan(path), plan);
    const edit = async (f: (p: Record<string, unknown>) => void, re: RegExp) => {
      const j = JSON.parse(text);
      f(j);
      await writeFile(path, JSON.stringify(j));
      await assert.rejects(readPlan(path), (e: Error) => e.message.startsWith(path) && re.test(e.message));
    };
    await edit((j) => ((j.patchSize as number[])[1] += 1), /field patchSize\[1\]: expected a multiple of \d+ \(the product of the strides\)/);
    await edit((j) => delete j.batchSize, /field batchSize: expected a value \(the field is missing\)/);
    await edit((j) => (j.patchsize = [1, 2, 3]), /field patchsize: expected no such field/);
    await edit((j) => (j.version = 2), /field version: expected 1/);
    await edit((j) => ((j.network as { kernels: number[][] }).kernels[1][0] = 2), /field network\.kernels\[1\]\[0\]: expected an odd kernel size/);
    await edit((j) => (j.network as { strides: number[][] }).strides.pop(), /field network\.strides: expected \d+ entries/);
    await edit((j) => ((j.fingerprint as { spacings: unknown[] }).spacings[0] = [1, -1, 1]), /field fingerprint\.spacings\[0\]\[1\]: expected a positive number/);
    await edit((j) => ((j.normalization as Record<string, unknown>).useMaskForNorm = 'yes'), /field normalization\.useMaskForNorm: expected true or false/);
    await writeFile(path, '{ not json');
    await assert.rejects(readPlan(path), /not valid JSON/);
    assert.throws(() => validatePlan([], 'x.json'), /x\.json: field \(top level\): expected an object/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
