// The trainer end to end on a tiny synthetic dataset: logs, checkpoints, curves, the split task with
// the BDL, and exact resume (an interrupted run continued from its checkpoint gives the same losses).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { torch } from '../../src/torch/index.js';
import { writeDatasetJson, datasetJson, writeNnunetCase } from '../../src/data/nnunet.js';
import { diagonalAffine, type Vec3, type Volume } from '../../src/volume/volume.js';
import { computeFingerprint } from '../../src/preprocess/fingerprint.js';
import { makePlan } from '../../src/preprocess/plan.js';
import { preprocessDataset } from '../../src/preprocess/preprocess.js';
import { DEFAULT_TRAIN, outputScales, polyLr, train, type TrainConfig } from '../../src/train/trainer.js';
import { loadModel } from '../../src/infer/model.js';
import type { Plan } from '../../src/preprocess/types.js';

const root = mkdtempSync(join(tmpdir(), 'meatus-trainer-'));
process.on('exit', () => rmSync(root, { recursive: true, force: true }));

/** A 20×32×32 case: bright background box, a ball split into EM (x < c) and IM (x ≥ c). */
function makeCase(seed: number): { image: Volume; label: Volume } {
  const shape: Vec3 = [20, 32, 32];
  const n = shape[0] * shape[1] * shape[2];
  const img = new Float32Array(n);
  const lab = new Uint8Array(n);
  const c = [10, 14 + (seed % 5), 14 + ((seed * 3) % 5)];
  let i = 0;
  for (let z = 0; z < shape[0]; z++)
    for (let y = 0; y < shape[1]; y++)
      for (let x = 0; x < shape[2]; x++, i++) {
        const d = ((z - c[0]) * 2) ** 2 + (y - c[1]) ** 2 + (x - c[2]) ** 2;
        const inside = d <= 36;
        lab[i] = inside ? (x < c[2] ? 1 : 2) : 0;
        img[i] = 100 + (inside ? 300 : 0) + ((i * 7919 + seed * 104729) % 97);
      }
  const spacing: Vec3 = [1, 0.5, 0.5];
  const affine = diagonalAffine(spacing);
  return { image: { data: img, shape, spacing, affine }, label: { data: lab, shape, spacing, affine } };
}

let ready: Promise<{ plan: Plan; data: string }> | null = null;
function dataset(): Promise<{ plan: Plan; data: string }> {
  ready ??= (async () => {
    const raw = join(root, 'raw');
    for (let k = 0; k < 6; k++) {
      const { image, label } = makeCase(k);
      await writeNnunetCase(raw, `P${k}_t01`, [image], label);
    }
    await writeDatasetJson(raw, datasetJson(6));
    const fp = await computeFingerprint(raw);
    const plan = { ...makePlan(fp, { memoryBudgetMB: 8 }), batchSize: 2 };
    plan.patchSize = [8, 16, 16];
    plan.network = { features: [4, 8, 16], kernels: [[1, 3, 3], [3, 3, 3], [3, 3, 3]], strides: [[1, 1, 1], [1, 2, 2], [2, 2, 2]] };
    const data = join(root, 'pre');
    await preprocessDataset(raw, plan, data, { workers: 1 });
    return { plan, data };
  })();
  return ready;
}

async function config(out: string, over: Partial<TrainConfig> = {}): Promise<TrainConfig> {
  const { plan, data } = await dataset();
  return {
    ...DEFAULT_TRAIN,
    task: 'wholeTumour',
    data,
    plan,
    out: join(root, out),
    trainCases: ['P0_t01', 'P1_t01', 'P2_t01', 'P3_t01'],
    validationCases: ['P4_t01', 'P5_t01'],
    epochs: 3,
    iterationsPerEpoch: 3,
    validationIterations: 2,
    workers: 0,
    ...over,
  };
}

test('poly learning rate and deep-supervision scales', async () => {
  assert.equal(polyLr(0.01, 0, 100), 0.01);
  assert.ok(Math.abs(polyLr(0.01, 50, 100) - 0.01 * 0.5 ** 0.9) < 1e-15);
  const { plan } = await dataset();
  assert.deepEqual(outputScales(plan), [[1, 1, 1], [1, 2, 2]]);
});

test('a run writes its log, curves and checkpoints, and the best model loads for inference', async () => {
  const live = torch.liveTensors();
  const c = await config('run-a');
  const state = await train(c);
  assert.equal(state.epoch, 2);
  assert.equal(state.log.length, 3);
  for (const r of state.log) assert.ok(Number.isFinite(r.trainLoss) && Number.isFinite(r.valLoss), JSON.stringify(r));
  for (const f of ['checkpoint_last.safetensors', 'checkpoint_best.safetensors', 'log.jsonl', 'progress.png', 'progress.svg', 'config.json']) {
    assert.ok(existsSync(join(c.out, f)), f);
  }
  assert.equal(readFileSync(join(c.out, 'log.jsonl'), 'utf8').trim().split('\n').length, 3);
  assert.equal(torch.liveTensors(), live, 'training leaks no tensor');
  const model = await loadModel(join(c.out, 'checkpoint_best.safetensors'));
  assert.equal(model.task, 'wholeTumour');
  assert.deepEqual(model.plan.patchSize, [8, 16, 16]);
  model.dispose();
  assert.equal(torch.liveTensors(), live);
});

test('an interrupted run resumes to exactly the losses of an uninterrupted one (CPU)', async () => {
  const full = await train(await config('resume-full'));
  const interrupted = await config('resume-part');
  await assert.rejects(
    train(interrupted, {
      onEpoch: (r) => {
        if (r.epoch === 1) throw new Error('simulated interruption');
      },
    }),
    /simulated interruption/,
  );
  const resumed = await train(await config('resume-part'));
  assert.deepEqual(
    resumed.log.map((r) => [r.trainLoss, r.valLoss]),
    full.log.map((r) => [r.trainLoss, r.valLoss]),
  );
});

test('stage 2 (split) trains with γ = 0.5 without NaN and logs the BDL term', async () => {
  const state = await train(await config('split', { task: 'split', gamma: 0.5, epochs: 2 }));
  for (const r of state.log) {
    assert.ok(Number.isFinite(r.trainLoss), `train loss ${r.trainLoss}`);
    assert.ok(r.trainBdl !== null && Number.isFinite(r.trainBdl), `BDL ${r.trainBdl}`);
    assert.equal(r.pseudoDice.length, 2);
  }
});

test('hard negatives: they change the batches, are recorded in config.json, and a bad file stops the run before it writes anything', async () => {
  const file = join(root, 'hn.json');
  // Voxel (x, y, z) = (2, 3, 4) of every case (spacing 0.5 × 0.5 × 1 mm, origin 0): far from the ball.
  writeFileSync(file, JSON.stringify({ coordinates: 'RAS', cases: Object.fromEntries(['P0_t01', 'P1_t01', 'P2_t01', 'P3_t01', 'P4_t01'].map((id) => [id, [[1, 1.5, 4]]])) }));
  const plain = await train(await config('hn-none', { epochs: 1 }));
  const c = await config('hn', { epochs: 1, hardNegatives: { file, share: 1 } });
  const hard = await train(c);
  assert.notEqual(hard.log[0].trainLoss, plain.log[0].trainLoss);
  assert.deepEqual(JSON.parse(readFileSync(join(c.out, 'config.json'), 'utf8')).hardNegatives, { file, share: 1 });
  writeFileSync(file, JSON.stringify({ coordinates: 'RAS', cases: { P0_t01: [[500, 0, 0]] } }));
  await assert.rejects(train(await config('hn-bad', { hardNegatives: { file, share: 1 } })), /hn\.json: field cases\.P0_t01\[0\]: expected a point inside the case's preprocessed grid/);
  assert.ok(!existsSync(join(root, 'hn-bad')), 'nothing written');
  await assert.rejects(train(await config('hn-bad2', { hardNegatives: { file, share: 2 } })), /hardNegatives\.share must be a probability from 0 to 1/);
});

test('bad configurations are refused with the field named', async () => {
  await assert.rejects(train(await config('bad1', { gamma: 0.5 })), /gamma must be 0 unless task is split/);
  await assert.rejects(train(await config('bad2', { epochs: 0 })), /epochs must be a positive integer/);
  await assert.rejects(train(await config('bad5', { contralateral: -0.1 })), /contralateral must be a probability from 0 to 1/);
  await assert.rejects(train(await config('bad3', { validationCases: [] })), /validationCases must be a non-empty list/);
  if (!torch.cuda.isAvailable()) await assert.rejects(train(await config('bad4', { device: 'cuda' })), /device must be 'cpu'/);
});
