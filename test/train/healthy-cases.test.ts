// Datasets with healthy cases (all-0 labels, as controls in a user's dataset): planning takes the
// foreground statistics from the cases with a tumour, and preprocessing and training accept the
// others; a dataset with no tumour at all is refused with a clear message.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli } from '../cli/run-cli.js';
import { tinyRawDataset } from '../cli/tiny-dataset.js';
import { datasetJson, writeDatasetJson } from '../../src/data/nnunet.js';
import { readNifti, writeNifti } from '../../src/volume/nifti-file.js';
import { computeFingerprint } from '../../src/preprocess/fingerprint.js';

const root = mkdtempSync(join(tmpdir(), 'meatus-healthy-'));
process.on('exit', () => rmSync(root, { recursive: true, force: true }));

/** Empties the label of case `id` of the tiny raw dataset (a healthy control). */
async function makeHealthy(raw: string, id: string): Promise<void> {
  const file = join(raw, 'labelsTr', `${id}.nii.gz`);
  const label = await readNifti(file);
  label.data.fill(0);
  await writeNifti(file, label);
}

test('a healthy case adds no foreground statistic; plan, preprocess and train accept it', async () => {
  const raw = await tinyRawDataset(join(root, 'raw'));
  await makeHealthy(raw, 'P5_t01');
  // The same foreground statistics as the dataset without that case (per-case samples are seeded by the case id).
  const without = await tinyRawDataset(join(root, 'without'));
  for (const sub of ['imagesTr', 'labelsTr']) rmSync(join(without, sub, sub === 'imagesTr' ? 'P5_t01_0000.nii.gz' : 'P5_t01.nii.gz'));
  await writeDatasetJson(without, datasetJson(5));
  const [fp, fpWithout] = await Promise.all([computeFingerprint(raw), computeFingerprint(without)]);
  assert.deepEqual(fp.foregroundIntensity, fpWithout.foregroundIntensity);
  assert.equal(fp.spacings.length, 6);

  const plan = join(root, 'plan.json');
  let r = await cli('plan', '--dataset', raw, '--out', plan, '--budget-mb', '8', '--base-features', '4', '--max-features', '16');
  assert.equal(r.code, 0, r.err);
  const pre = join(root, 'pre');
  r = await cli('preprocess', '--dataset', raw, '--plan', plan, '--out', pre, '--jobs', '1');
  assert.equal(r.code, 0, r.err);
  assert.ok(existsSync(join(pre, 'P5_t01.label.u8')));
  // The healthy case among the training cases, forced-foreground samples included (batch 2).
  const split = join(root, 'split.json');
  writeFileSync(split, JSON.stringify({ train: ['P0_t01', 'P5_t01'], validation: ['P1_t01'], test: [] }));
  const out = join(root, 'run');
  r = await cli('train', '--dataset', pre, '--task', 'split', '--split', split, '--out', out, '--epochs', '1', '--iterations', '3', '--val-iterations', '1', '--workers', '0', '--no-final-validation');
  assert.equal(r.code, 0, r.err);
  const log = JSON.parse(readFileSync(join(out, 'log.jsonl'), 'utf8').trim());
  assert.ok(Number.isFinite(log.trainLoss), `train loss ${log.trainLoss}`);
});

test('a dataset without any tumour is refused by plan and by train, saying so', async () => {
  const raw = await tinyRawDataset(join(root, 'healthy-only'));
  const withTumour = join(root, 'plan-tumour.json');
  assert.equal((await cli('plan', '--dataset', await tinyRawDataset(join(root, 'tumours')), '--out', withTumour, '--budget-mb', '8', '--base-features', '4', '--max-features', '16')).code, 0);
  for (let k = 0; k < 6; k++) await makeHealthy(raw, `P${k}_t01`);
  const plan = join(root, 'plan-none.json');
  let r = await cli('plan', '--dataset', raw, '--out', plan);
  assert.equal(r.code, 1);
  assert.match(r.err, /healthy-only: none of the 6 labelled training cases has a tumour voxel \(label > 0\); planning and training need at least one/);
  assert.equal(existsSync(plan), false);
  // With a plan given, nothing is fingerprinted: training refuses once the cases are preprocessed.
  const out = join(root, 'run-none');
  r = await cli('train', '--dataset', raw, '--task', 'wholeTumour', '--plan', withTumour, '--out', out, '--epochs', '1', '--iterations', '1', '--val-iterations', '1', '--workers', '0');
  assert.equal(r.code, 1);
  assert.match(r.err, /preprocessed: none of the \d training cases has a tumour voxel \(label > 0\); training needs at least one/);
  assert.equal(existsSync(join(out, 'checkpoint_last.safetensors')), false);
});
