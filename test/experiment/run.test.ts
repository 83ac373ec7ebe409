// The experiment end to end on a tiny synthetic dataset: every step writes its files; a second run
// trains and predicts nothing; results.md holds the paper's numbers beside ours.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { datasetJson, writeDatasetJson, writeNnunetCase } from '../../src/data/nnunet.js';
import { splitPatients, writeSplit } from '../../src/data/split.js';
import { validateExperimentConfig } from '../../src/experiment/config.js';
import { describeWork, runExperiment } from '../../src/experiment/run.js';
import { train } from '../../src/train/trainer.js';
import type { TrainConfig } from '../../src/train/trainer.js';
import { diagonalAffine, type Vec3, type Volume } from '../../src/volume/volume.js';

const root = mkdtempSync(join(tmpdir(), 'meatus-experiment-'));
process.on('exit', () => rmSync(root, { recursive: true, force: true }));

/**
 * A 16×24×24 case at 1 × 0.5 × 0.5 mm: a bright box (the tumour) whose medial part (x < the cut)
 * is extrameatal and the rest intrameatal, on a textured background; `k` moves it.
 */
function makeCase(k: number): { image: Volume; label: Volume } {
  const shape: Vec3 = [16, 24, 24];
  const spacing: Vec3 = [1, 0.5, 0.5];
  const affine = diagonalAffine(spacing);
  const image = new Float32Array(16 * 24 * 24);
  const label = new Uint8Array(image.length);
  const lo = [5, 7 + (k % 4), 6 + ((k * 3) % 5)];
  const cut = lo[2] + 5;
  image.forEach((_, i) => {
    const [z, y, x] = [Math.floor(i / 576), Math.floor(i / 24) % 24, i % 24];
    const inside = z >= lo[0] && z < lo[0] + 6 && y >= lo[1] && y < lo[1] + 9 && x >= lo[2] && x < lo[2] + 10;
    label[i] = inside ? (x < cut ? 1 : 2) : 0;
    image[i] = (inside ? 400 : 100) + ((i * 7919 + k * 104729) % 97);
  });
  return { image: { data: image, shape, spacing, affine }, label: { data: label, shape, spacing, affine } };
}

test('runExperiment end to end, then a second run skips every training and prediction', async () => {
  const raw = join(root, 'raw');
  for (let k = 0; k < 8; k++) {
    const { image, label } = makeCase(k);
    await writeNnunetCase(raw, `P${k}_t01`, [image], label);
  }
  await writeDatasetJson(raw, datasetJson(8));
  const cfg = validateExperimentConfig(
    {
      name: 'micro',
      dataset: { path: raw, layout: 'nnunet' },
      split: { seed: 0 },
      plan: { budgetMB: 8, baseFeatures: 4, maxFeatures: 16, spacing: [2, 1, 1] },
      training: { epochs: 1, iterationsPerEpoch: 2, validationIterations: 1, workers: 0 },
      methods: { baseline: true, twoStage: { gammas: [0, 0.5] }, upperBound: true },
      evaluation: { panels: 1 },
      output: join(root, 'out'),
    },
    'micro.json',
  );
  const lines: string[] = [];
  const trained: string[] = [];
  const spy = (c: TrainConfig) => {
    trained.push(`${c.task}/${c.gamma}`);
    return train(c);
  };
  const first = await runExperiment(cfg, { say: (l) => lines.push(l), trainFn: spy });
  assert.deepEqual(trained, ['baseline/0', 'wholeTumour/0', 'split/0', 'split/0.5']);
  const out = cfg.output;
  const split = JSON.parse(readFileSync(join(out, 'split.json'), 'utf8')) as { train: string[]; validation: string[]; test: string[] };
  assert.ok(split.test.length >= 1 && split.validation.length >= 1 && split.train.length >= 1);
  for (const set of ['baseline', 'stage1', 'stage2-g0', 'stage2-g0.5', 'stage2-g0-refWT', 'stage2-g0.5-refWT']) {
    for (const id of split.test) assert.ok(existsSync(join(out, 'predictions', `${set}-s0`, `${id}.nii.gz`)), `${set} ${id}`);
    assert.ok(existsSync(join(out, 'eval', `${set}-s0`, 'cases.csv')), set);
  }
  for (const f of ['table1.md', 'table1.csv', 'table2.md', 'wilcoxon.csv', 'fig2_dice.png', 'fig2_assd.svg']) assert.ok(existsSync(join(out, 'compare', f)), f);
  assert.ok(first.steps.some((s) => s.step === 'train stage2-g0.5-s0' && s.status === 'done'));
  const log = readFileSync(join(out, 'experiment-log.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { step: string; seconds: number });
  assert.equal(log.length, first.steps.length);
  assert.ok(log.every((r) => r.seconds >= 0));

  const results = readFileSync(join(out, 'results.md'), 'utf8');
  assert.match(results, /different dataset/i);
  assert.match(results, /0\.8279 ± 0\.2050/); // the paper's EM Dice with γ = 0.5
  assert.match(results, /0\.5417 \| 0\.9586 \| 0\.4181/); // the paper's Table 2, γ = 0.5
  assert.match(results, /\| nnU-Net \(baseline\) \|  \| 0\.\d{4} ± /); // ours
  assert.match(results, /two-stage γ=0\.5, reference WT \(upper bound\)/);
  assert.match(results, /What this phantom experiment does and does not show/);

  // Second run: nothing is trained, predicted or evaluated again.
  trained.length = 0;
  const second = await runExperiment(cfg, { say: () => undefined, trainFn: spy });
  assert.deepEqual(trained, []);
  for (const s of second.steps.filter((s) => /^(train|predict|evaluate) /.test(s.step))) assert.equal(s.status, 'skipped', s.step);
  const status = await describeWork(cfg);
  assert.ok(status.some((l) => /stage2-g0\.5-s0\s+finished \(1 epochs\)/.test(l)), status.join('\n'));
  assert.ok(status.some((l) => new RegExp(`stage2-g0-refWT-s0\\s+${split.test.length}/${split.test.length} test cases, evaluated`).test(l)), status.join('\n'));
});

test('status tells the truth after the config changes: a split.json of another split is reported as a refusal', async () => {
  const raw = join(root, 'raw-status');
  for (let k = 0; k < 8; k++) {
    const { image, label } = makeCase(k);
    await writeNnunetCase(raw, `P${k}_t01`, [image], label);
  }
  await writeDatasetJson(raw, datasetJson(8));
  const config = (seed: number) =>
    validateExperimentConfig(
      { name: 'status', dataset: { path: raw, layout: 'nnunet' }, split: { seed }, training: { epochs: 1 }, methods: { baseline: true }, output: join(root, 'out-status') },
      'status.json',
    );
  const ids = Array.from({ length: 8 }, (_, k) => `P${k}_t01`);
  await writeSplit(join(root, 'out-status', 'split.json'), splitPatients(ids, { seed: 0, proportions: (config(0).split as { proportions: [number, number, number] }).proportions }));
  const same = await describeWork(config(0));
  assert.ok(!same.some((l) => /refuse/.test(l)), same.join('\n'));
  const other = await describeWork(config(1));
  assert.ok(other.some((l) => /not the config's split: run will refuse/.test(l)), other.join('\n'));
  assert.ok(other.some((l) => /holds another split than the config gives/.test(l)), other.join('\n'));
});
