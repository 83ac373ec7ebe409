// `meatus train` end to end on a tiny raw dataset: plan file, preprocessing, one epoch, and the
// final validation (validation/summary.json) — or none with --no-final-validation.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli/main.js';
import { tinyRawDataset, tinyPlan, tinyTrainArgs } from './tiny-dataset.js';

const root = mkdtempSync(join(tmpdir(), 'meatus-cli-train-'));
process.on('exit', () => rmSync(root, { recursive: true, force: true }));

test('meatus train runs the final validation after training, unless told not to', async () => {
  const raw = await tinyRawDataset(join(root, 'raw'));
  const planFile = await tinyPlan(raw, join(root, 'plan.json'));
  const args = (out: string) => tinyTrainArgs(raw, planFile, out);
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
