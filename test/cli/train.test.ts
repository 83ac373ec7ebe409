// `meatus train` end to end on a tiny raw dataset: plan file, preprocessing, one epoch, and the
// final validation (validation/summary.json) — or none with --no-final-validation.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli/main.js';
import { loadCheckpoint } from '../../src/nn/checkpoint.js';
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

test('meatus train --plan over preprocessed data: another patch size is used; other preprocessing is refused, naming the field', async () => {
  const raw = await tinyRawDataset(join(root, 'raw-plan'));
  const planFile = await tinyPlan(raw, join(root, 'plan-a.json'));
  const first = join(root, 'run-a');
  assert.equal(await main([...tinyTrainArgs(raw, planFile, first), '--no-final-validation']), 0);
  const pre = join(first, 'preprocessed');
  const plan = JSON.parse(readFileSync(planFile, 'utf8'));
  const stride = plan.network.strides.reduce((p: number[], s: number[]) => p.map((v, a) => v * s[a]), [1, 1, 1]);
  const patch = plan.patchSize.map((p: number, a: number) => p + stride[a]);
  const bigger = join(root, 'plan-b.json');
  writeFileSync(bigger, JSON.stringify({ ...plan, patchSize: patch }));
  const second = join(root, 'run-b');
  assert.equal(await main([...tinyTrainArgs(pre, bigger, second), '--no-final-validation']), 0);
  const ckpt = await loadCheckpoint<{ plan: { patchSize: number[] } }>(join(second, 'checkpoint_best.safetensors'));
  Object.values(ckpt.model).forEach((t) => t.dispose());
  if (ckpt.optimizer) Object.values(ckpt.optimizer.tensors).forEach((t) => t.dispose());
  assert.deepEqual(ckpt.meta.plan.patchSize, patch);
  const other = join(root, 'plan-c.json');
  writeFileSync(other, JSON.stringify({ ...plan, spacing: [2, 2, 2] }));
  const errors: string[] = [];
  const error = console.error;
  console.error = (m: string) => errors.push(m);
  try {
    assert.equal(await main([...tinyTrainArgs(pre, other, join(root, 'run-c'))]), 2);
  } finally {
    console.error = error;
  }
  assert.match(errors.join('\n'), /--plan: .*preprocessed with another plan \(spacing \[.*\] vs \[2,2,2\]\)/);
  assert.equal(existsSync(join(root, 'run-c')), false, 'nothing written');
});
