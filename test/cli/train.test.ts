// `meatus train` end to end on a tiny raw dataset: plan file, preprocessing, one epoch, and the
// final validation (validation/summary.json) — or none with --no-final-validation.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli/main.js';
import { datasetJson, writeDatasetJson, writeNnunetCase } from '../../src/data/nnunet.js';
import { computeFingerprint } from '../../src/preprocess/fingerprint.js';
import { makePlan, writePlan } from '../../src/preprocess/plan.js';
import { diagonalAffine, type Vec3 } from '../../src/volume/volume.js';

const root = mkdtempSync(join(tmpdir(), 'meatus-cli-train-'));
process.on('exit', () => rmSync(root, { recursive: true, force: true }));

/** Six patients, one 16×24×24 scan each: a bright 6×8×8 box of tumour (EM left, IM right) on noise. */
async function rawDataset(): Promise<string> {
  const raw = join(root, 'raw');
  const shape: Vec3 = [16, 24, 24];
  const spacing: Vec3 = [1.2, 0.6, 0.6];
  for (let k = 0; k < 6; k++) {
    const img = new Float32Array(16 * 24 * 24);
    const lab = new Uint8Array(img.length);
    for (let i = 0; i < img.length; i++) {
      const z = Math.floor(i / 576);
      const y = Math.floor(i / 24) % 24;
      const x = i % 24;
      const inside = z >= 5 && z < 11 && y >= 8 + k && y < 16 + k && x >= 6 && x < 14;
      lab[i] = inside ? (x < 10 ? 1 : 2) : 0;
      img[i] = 50 + (inside ? 200 : 0) + ((i * 2654435761 + k) % 31);
    }
    const geo = { shape, spacing, affine: diagonalAffine(spacing) };
    await writeNnunetCase(raw, `P${k}_t01`, [{ data: img, ...geo }], { data: lab, ...geo });
  }
  await writeDatasetJson(raw, datasetJson(6));
  return raw;
}

test('meatus train runs the final validation after training, unless told not to', async () => {
  const raw = await rawDataset();
  const plan = makePlan(await computeFingerprint(raw), {
    memoryBudgetMB: 8,
    baseFeatures: 4,
    maxFeatures: 16,
  });
  const planFile = join(root, 'plan.json');
  await writePlan(planFile, plan);
  const args = (out: string) => [
    'train',
    '--dataset',
    raw,
    '--task',
    'wholeTumour',
    '--plan',
    planFile,
    '--out',
    out,
    '--epochs',
    '1',
    '--iterations',
    '2',
    '--val-iterations',
    '1',
    '--workers',
    '0',
  ];
  const out = join(root, 'run');
  assert.equal(await main(args(out)), 0);
  const summary = JSON.parse(readFileSync(join(out, 'validation', 'summary.json'), 'utf8'));
  const split = JSON.parse(readFileSync(join(out, 'split.json'), 'utf8'));
  assert.equal(summary.task, 'wholeTumour');
  assert.equal(summary.grid, 'preprocessed');
  assert.deepEqual(
    summary.cases.map((c: { id: string }) => c.id),
    split.validation,
  );
  for (const c of summary.cases) {
    const d = c.dice.wholeTumour;
    assert.ok(d === null || (d >= 0 && d <= 1), `Dice of ${c.id}: ${d}`);
  }
  const quiet = join(root, 'run-no-validation');
  assert.equal(await main([...args(quiet), '--no-final-validation']), 0);
  assert.ok(existsSync(join(quiet, 'checkpoint_best.safetensors')));
  assert.equal(existsSync(join(quiet, 'validation')), false);
});
