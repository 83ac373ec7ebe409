// Fine-tuning (`meatus train --pretrained FILE`): a checkpoint of another task or network is
// refused before preprocessing, with the file and what differs; a missing file is a usage error;
// a run starts from the given weights.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli } from '../cli/run-cli.js';
import { tinyPlan, tinyRawDataset } from '../cli/tiny-dataset.js';
import { loadCheckpoint, saveCheckpoint } from '../../src/nn/checkpoint.js';
import { networkDifference, pretrainedMismatch } from '../../src/train/pretrained.js';
import type { CheckpointMeta } from '../../src/train/trainer.js';
import type { NetworkPlan } from '../../src/preprocess/types.js';
import { torch } from '../../src/torch/index.js';
import { maxDiff, weightsOf } from './weights.js';

const root = mkdtempSync(join(tmpdir(), 'meatus-pretrained-'));
process.on('exit', () => rmSync(root, { recursive: true, force: true }));

const NET: NetworkPlan = { features: [4, 8, 16], kernels: [[1, 3, 3], [3, 3, 3], [3, 3, 3]], strides: [[1, 1, 1], [1, 2, 2], [2, 2, 2]] };

test('networkDifference and pretrainedMismatch say what differs', () => {
  assert.equal(networkDifference(NET, structuredClone(NET)), null);
  assert.equal(
    networkDifference({ ...NET, features: [8, 16, 32] }, NET),
    'features 8, 16, 32 (the checkpoint) against 4, 8, 16 (the plan)',
  );
  assert.equal(
    networkDifference({ ...NET, strides: [[1, 1, 1], [2, 2, 2], [2, 2, 2]] }, NET, ['a', 'b']),
    'strides [1, 1, 1], [2, 2, 2], [2, 2, 2] (a) against [1, 1, 1], [1, 2, 2], [2, 2, 2] (b)',
  );
  const meta = { task: 'wholeTumour', plan: { network: NET } };
  assert.equal(pretrainedMismatch(meta, 'wholeTumour', NET), null);
  assert.equal(pretrainedMismatch(meta, 'wholeTumour'), null, 'the network is not checked when unknown');
  assert.equal(pretrainedMismatch(meta, 'split', NET), "a checkpoint of task 'wholeTumour', this run is 'split'");
  assert.match(pretrainedMismatch(meta, 'wholeTumour', { ...NET, features: [4, 8, 32] })!, /^the checkpoint's network differs from the plan's: features 4, 8, 16 \(the checkpoint\) against 4, 8, 32 \(the plan\); train with the plan/);
  assert.match(pretrainedMismatch(null, 'wholeTumour')!, /^not a training checkpoint/);
  assert.match(pretrainedMismatch({ format: 'x' }, 'wholeTumour')!, /^not a training checkpoint/);
});

let ready: Promise<{ raw: string; plan: string; source: string }> | null = null;
/** The tiny dataset and plan, and a 1-epoch run's checkpoint (seed 7) to start from. */
function setup(): Promise<{ raw: string; plan: string; source: string }> {
  ready ??= (async () => {
    const raw = await tinyRawDataset(join(root, 'raw'));
    const plan = await tinyPlan(raw, join(root, 'plan.json'));
    const r = await cli(...args(raw, plan, join(root, 'source'), '--seed', '7', '--lr', '0.05'));
    assert.equal(r.code, 0, r.err);
    return { raw, plan, source: join(root, 'source', 'checkpoint_last.safetensors') };
  })();
  return ready;
}

/** A 1-epoch, 1-iteration wholeTumour run of the tiny dataset, with `extra` options. */
function args(raw: string, plan: string, out: string, ...extra: string[]): string[] {
  return ['train', '--dataset', raw, '--task', 'wholeTumour', '--plan', plan, '--out', out, '--epochs', '1', '--iterations', '1', '--val-iterations', '1', '--workers', '0', '--no-final-validation', ...extra];
}

test('a run with --pretrained starts from its weights (0 epochs done), not from a fresh init', async () => {
  const { raw, plan, source } = await setup();
  const live = torch.liveTensors();
  // lr 1e-9: one step moves the weights by ~1e-9 × gradient, so the checkpoint after the first epoch is the start.
  const tuned = join(root, 'tuned');
  const r = await cli(...args(raw, plan, tuned, '--pretrained', source, '--lr', '1e-9'));
  assert.equal(r.code, 0, r.err);
  assert.match(r.err, /starting from the weights of .*source[/\\]checkpoint_last\.safetensors/);
  const fresh = join(root, 'fresh');
  assert.equal((await cli(...args(raw, plan, fresh, '--lr', '1e-9'))).code, 0);
  const [w0, wTuned, wFresh] = await Promise.all([source, join(tuned, 'checkpoint_last.safetensors'), join(fresh, 'checkpoint_last.safetensors')].map((f) => weightsOf(f, 'model.')));
  assert.ok(maxDiff(wTuned, w0) < 1e-5, `fine-tuned vs pretrained: ${maxDiff(wTuned, w0)}`);
  assert.ok(maxDiff(wFresh, w0) > 0.05, `fresh vs pretrained: ${maxDiff(wFresh, w0)}`);
  assert.ok(maxDiff(wFresh, wTuned) > 0.05, `fresh vs fine-tuned: ${maxDiff(wFresh, wTuned)}`);
  // Only the weights are taken: the epoch count starts again.
  const ck = await loadCheckpoint<CheckpointMeta>(join(tuned, 'checkpoint_last.safetensors'));
  Object.values(ck.model).forEach((t) => t.dispose());
  Object.values(ck.optimizer?.tensors ?? {}).forEach((t) => t.dispose());
  assert.equal(ck.meta.state.epoch, 0);
  assert.equal(ck.meta.state.log.length, 1);
  assert.equal(torch.liveTensors(), live, 'no tensor leaked');
});

test('a checkpoint of another task or network is refused before preprocessing, naming the file and what differs', async () => {
  const { raw, plan, source } = await setup();
  const ck = await loadCheckpoint<CheckpointMeta>(source);
  Object.values(ck.optimizer?.tensors ?? {}).forEach((t) => t.dispose());
  const split = join(root, 'split.safetensors');
  const wide = join(root, 'wide.safetensors');
  await saveCheckpoint(split, ck.model, { ...ck.meta, task: 'split' });
  const network = { ...ck.meta.plan.network, features: ck.meta.plan.network.features.map((f) => 2 * f) };
  await saveCheckpoint(wide, ck.model, { ...ck.meta, plan: { ...ck.meta.plan, network } });
  Object.values(ck.model).forEach((t) => t.dispose());
  const features = ck.meta.plan.network.features.join(', ');

  for (const [file, message, withPlan] of [
    [split, /--pretrained .*split\.safetensors: a checkpoint of task 'split', this run is 'wholeTumour'/, true],
    [wide, new RegExp(`--pretrained .*wide\\.safetensors: the checkpoint's network differs from the plan's: features ${network.features.join(', ')} \\(the checkpoint\\) against ${features} \\(the plan\\)`), true],
    // Without --plan the run plans for itself (its own, larger network): refused once planned.
    [source, /--pretrained .*source[/\\]checkpoint_last\.safetensors: the checkpoint's network differs from the plan's: features/, false],
  ] as const) {
    const out = join(root, `refused-${withPlan}-${file.length}`);
    const a = args(raw, plan, out, '--pretrained', file);
    const r = await cli(...(withPlan ? a : a.filter((v, i) => v !== '--plan' && a[i - 1] !== '--plan')));
    assert.equal(r.code, 1, r.err);
    assert.match(r.err, message);
    assert.equal(existsSync(join(out, 'preprocessed')), false, `${file}: nothing preprocessed`);
    assert.equal(existsSync(join(out, 'checkpoint_last.safetensors')), false);
  }
});

test('--pretrained: a missing file or a folder is a usage error (exit 2) before any work; not a checkpoint, exit 1', async () => {
  const { raw, plan } = await setup();
  const out = join(root, 'usage');
  let r = await cli(...args(raw, plan, out, '--pretrained', join(root, 'nope.safetensors')));
  assert.equal(r.code, 2);
  assert.match(r.err, /--pretrained .*nope\.safetensors: no such file/);
  assert.equal(existsSync(out), false);
  mkdirSync(join(root, 'a-folder'));
  r = await cli(...args(raw, plan, out, '--pretrained', join(root, 'a-folder')));
  assert.equal(r.code, 2);
  assert.match(r.err, /--pretrained .*a-folder: a folder; expected a checkpoint file/);
  assert.equal(existsSync(out), false);
  writeFileSync(join(root, 'text.safetensors'), 'not a checkpoint');
  r = await cli(...args(raw, plan, out, '--pretrained', join(root, 'text.safetensors')));
  assert.equal(r.code, 1);
  assert.match(r.err, /--pretrained: .*text\.safetensors/);
  assert.equal(existsSync(out), false);
});
