// Kill tests of `meatus train` and `meatus preprocess` (issue #14): killed during a case of the
// preprocessing, a checkpoint write, mid-epoch and during the last log write; the rerun of the
// same command ends with weights, losses and files identical to an uninterrupted run, and no
// stray file. A re-preprocessing with another plan killed at case 3 leaves the old folder whole.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tinyPlan, tinyRawDataset } from '../cli/tiny-dataset.js';
import { computeFingerprint } from '../../src/preprocess/fingerprint.js';
import { makePlan, writePlan } from '../../src/preprocess/plan.js';
import { listFiles, meatus, snapshot } from './harness.js';

const root = mkdtempSync(join(tmpdir(), 'meatus-kill-train-'));
process.on('exit', () => rmSync(root, { recursive: true, force: true }));

/** A safetensors file's tensors (header without metadata, and the data); log.jsonl without timings; paths made relative. */
function normaliser(out: string) {
  return (rel: string, b: Buffer): string => {
    if (rel.endsWith('.safetensors')) {
      const n = Number(b.readBigUInt64LE(0));
      const header = JSON.parse(b.subarray(8, 8 + n).toString('utf8'));
      delete header.__metadata__;
      return JSON.stringify(header) + b.subarray(8 + n).toString('base64');
    }
    if (rel === 'log.jsonl') {
      return b.toString('utf8').trim().split('\n').map((l) => {
        const r = JSON.parse(l);
        delete r.seconds;
        delete r.secondsPerStep;
        return JSON.stringify(r);
      }).join('\n');
    }
    if (rel.endsWith('.png') || rel.endsWith('.svg')) return rel; // drawn from the log, timings included
    return b.toString('utf8').split(out).join('<out>');
  };
}

test('train (with its preprocessing) killed at four points: each rerun equals the uninterrupted run', async () => {
  const raw = await tinyRawDataset(join(root, 'raw'));
  const planFile = await tinyPlan(raw, join(root, 'plan.json'));
  const args = (out: string) => ['train', '--dataset', raw, '--task', 'wholeTumour', '--plan', planFile, '--out', out,
    '--epochs', '3', '--iterations', '2', '--val-iterations', '1', '--workers', '0', '--no-final-validation'];
  const reference = join(root, 'reference');
  const ok = meatus(args(reference));
  assert.equal(ok.status, 0, ok.stderr);
  const expected = snapshot(reference, normaliser(reference));
  assert.ok(expected['checkpoint_last.safetensors'] && expected['log.jsonl'].split('\n').length === 3);

  const points = [
    'after:^plan\\.json$:1:400', // mid-preprocessing (its workers start, read, write cases)
    'write:^checkpoint_last\\.safetensors$:2', // during epoch 2's checkpoint
    'after:^progress\\.png$:1:0', // mid-epoch 2
    'write:^log\\.jsonl$:3', // the last epoch's log: checkpoint complete, log not
  ];
  for (const killAt of points) {
    const out = join(root, killAt.replace(/[^a-z0-9]+/gi, '-'));
    const killed = meatus(args(out), killAt);
    assert.equal(killed.signal, 'SIGKILL', `${killAt}: killed (${killed.stderr.slice(-300)})`);
    const rerun = meatus(args(out));
    assert.equal(rerun.status, 0, `${killAt}: ${rerun.stderr}`);
    assert.deepEqual(snapshot(out, normaliser(out)), expected, `${killAt}: identical results, no stray file`);
    assert.deepEqual(listFiles(root).filter((f) => /(^|\/)\.[^/]*(partial|old)\./.test(f)), [], 'no staging folder left');
  }
});

test('preprocess killed at case 3 of a re-preprocessing with another plan: the old folder is whole; the rerun completes it', async () => {
  const raw = join(root, 'raw');
  if (!existsSync(raw)) await tinyRawDataset(raw); // when run alone
  const fp = await computeFingerprint(raw);
  const planA = join(root, 'planA.json');
  const planB = join(root, 'planB.json');
  await writePlan(planA, makePlan(fp, { memoryBudgetMB: 8, baseFeatures: 4, maxFeatures: 16 }));
  await writePlan(planB, makePlan(fp, { memoryBudgetMB: 8, baseFeatures: 4, maxFeatures: 16, spacing: [2.4, 1.2, 1.2] }));
  const pre = join(root, 'pre');
  const args = (plan: string, out: string) => ['preprocess', '--dataset', raw, '--plan', plan, '--out', out, '--workers', '1'];
  assert.equal(meatus(args(planA, pre)).status, 0);
  const before = snapshot(pre);
  const killed = meatus([...args(planB, pre), '--overwrite'], 'write:\\.image\\.f32$:3');
  assert.equal(killed.signal, 'SIGKILL', killed.stderr);
  assert.deepEqual(snapshot(pre), before, 'the folder training reads still holds plan A, whole');
  const freshB = join(root, 'preB');
  assert.equal(meatus(args(planB, freshB)).status, 0);
  assert.equal(meatus([...args(planB, pre), '--overwrite']).status, 0);
  assert.deepEqual(snapshot(pre), snapshot(freshB), 'the rerun equals an uninterrupted run with plan B');
  assert.deepEqual(listFiles(root).filter((f) => /(^|\/)\.[^/]*(partial|old)\.|\.tmp$/.test(f)), [], 'no stray file');
});
