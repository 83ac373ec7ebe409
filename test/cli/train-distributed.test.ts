// `meatus train --nproc-per-node 2` end to end (2 CPU processes, Gloo): rank 0 alone writes the run
// folder, the log records the epochs, and running the same command again resumes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli/main.js';
import { run } from '../../src/cli/train.js';
import { distributed as dist } from '../../src/torch/index.js';
import { tinyPlan, tinyRawDataset, tinyTrainArgs } from './tiny-dataset.js';

const root = mkdtempSync(join(tmpdir(), 'meatus-cli-ddp-'));
process.on('exit', () => rmSync(root, { recursive: true, force: true }));
const skip = dist.availableBackends().gloo
  ? false
  : 'the addon has no c10d: rebuild it (npm run setup; Debian needs libgloo-dev)';

test('meatus train --nproc-per-node 2 trains, logs once, and resumes', { skip }, async () => {
  const raw = await tinyRawDataset(join(root, 'raw'));
  const planFile = await tinyPlan(raw, join(root, 'plan.json'));
  const out = join(root, 'run');
  const args = (epochs: number) =>
    tinyTrainArgs(
      raw,
      planFile,
      out,
      epochs,
      '--no-final-validation',
      '--nproc-per-node',
      '2',
      '--dist-timeout',
      '120',
    );
  assert.equal(await main(args(1)), 0);
  for (const f of [
    'checkpoint_last.safetensors',
    'checkpoint_best.safetensors',
    'log.jsonl',
    'config.json',
    'split.json',
  ]) {
    assert.ok(existsSync(join(out, f)), `${f} missing`);
  }
  const log = () =>
    readFileSync(join(out, 'log.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
  assert.equal(log().length, 1);
  assert.ok(Number.isFinite(log()[0].trainLoss));
  assert.equal(await main(args(2)), 0);
  assert.deepEqual(
    log().map((r) => r.epoch),
    [0, 1],
  );
});

test('meatus train --nproc-per-node refuses a bad count and a run already launched by torchrun', async () => {
  await assert.rejects(
    run(['--dataset', root, '--task', 'wholeTumour', '--nproc-per-node', 'two']),
    /--nproc-per-node: expected a positive integer, got 'two'/,
  );
  process.env.WORLD_SIZE = '2';
  process.env.RANK = '0';
  process.env.MASTER_ADDR = '127.0.0.1';
  process.env.MASTER_PORT = '29999';
  try {
    await assert.rejects(
      run(['--dataset', root, '--task', 'wholeTumour', '--nproc-per-node', '2']),
      /WORLD_SIZE is set/,
    );
  } finally {
    for (const k of ['WORLD_SIZE', 'RANK', 'MASTER_ADDR', 'MASTER_PORT']) delete process.env[k];
  }
});
