// Ensembles: a stage of several checkpoints predicts what nnU-Net's fold ensemble predicts (the mean
// of the members' sliding-window logits, then the softmax: MIC-DKFZ/nnUNet,
// nnunetv2/inference/predict_from_raw_data.py, commit 0e49508, predict_logits_from_preprocessed_data),
// and a model folder names its members stage1-2, stage1-3, … without a gap.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { torch } from '../../src/torch/index.js';
import { saveCheckpoint } from '../../src/nn/checkpoint.js';
import { buildNetwork } from '../../src/nn/from-plan.js';
import { loadEnsemble, loadModel } from '../../src/infer/model.js';
import { loadModelFolder, memberPaths, stageFiles } from '../../src/infer/model-folder.js';
import { predictPreprocessed } from '../../src/infer/predict.js';
import type { Plan, Task } from '../../src/preprocess/types.js';
import type { Vec3 } from '../../src/volume/volume.js';
import { tinyPlan } from './tiny-model.js';

const root = mkdtempSync(join(tmpdir(), 'meatus-ensemble-'));
process.on('exit', () => rmSync(root, { recursive: true, force: true }));

async function save(path: string, seed: number, task: Task = 'baseline', plan: Plan = tinyPlan()): Promise<string> {
  torch.manualSeed(seed);
  const net = buildNetwork(plan, task, 'cpu', false);
  try {
    await saveCheckpoint(path, net.stateDict(), { task, plan, state: { epoch: 0 } });
  } finally {
    net.dispose();
  }
  return path;
}

// A 3-class image of more than one tile on every axis (patch 8×16×16).
const shape: Vec3 = [11, 21, 23];
function image(): Float32Array {
  torch.manualSeed(17);
  return torch.scope(() => torch.randn([1, ...shape]).toFloat32Array());
}

/** softmax over classes of the mean of log-probabilities = softmax of the mean logits (the per-voxel log-sum-exp cancels). */
function meanLogitSoftmax(ps: Float32Array[], k: number): Float32Array {
  const n = ps[0].length / k;
  const out = new Float32Array(ps[0].length);
  for (let i = 0; i < n; i++) {
    const l = Array.from({ length: k }, (_, c) => ps.reduce((a, p) => a + Math.log(p[c * n + i]), 0) / ps.length);
    const m = Math.max(...l);
    const e = l.map((v) => Math.exp(v - m));
    const s = e.reduce((a, b) => a + b, 0);
    for (let c = 0; c < k; c++) out[c * n + i] = e[c] / s;
  }
  return out;
}

function maxDiff(a: Float32Array, b: Float32Array): number {
  let w = 0;
  for (let i = 0; i < a.length; i++) w = Math.max(w, Math.abs(a[i] - b[i]));
  return w;
}

test("an ensemble's probabilities are the softmax of its members' mean sliding-window logits (nnU-Net's fold ensemble)", async () => {
  const paths = [await save(join(root, 'a.safetensors'), 1), await save(join(root, 'b.safetensors'), 2), await save(join(root, 'c.safetensors'), 3)];
  const x = image();
  const single: Float32Array[] = [];
  for (const p of paths) {
    const m = await loadModel(p);
    single.push(predictPreprocessed(m, x, 1, shape));
    m.dispose();
  }
  const live = torch.liveTensors();
  const ens = await loadEnsemble(paths);
  assert.deepEqual(memberPaths(ens), paths);
  const got = predictPreprocessed(ens, x, 1, shape);
  const want = meanLogitSoftmax(single, 3);
  assert.ok(maxDiff(got, want) < 1e-5, `ensemble vs mean logits: ${maxDiff(got, want)}`);
  // Not one member's answer, nor the mean of the probabilities.
  assert.ok(maxDiff(got, single[0]) > 1e-3);
  const meanProb = single[0].map((_, i) => single.reduce((a, p) => a + p[i], 0) / single.length);
  assert.ok(maxDiff(got, meanProb) > 1e-4);
  ens.dispose();
  assert.equal(torch.liveTensors(), live, 'the ensemble frees every member');
  // onnxruntime runs each member's exported graph: the same within 1e-4.
  const ox = await loadEnsemble(paths, 'cpu', { engine: 'onnxruntime' });
  assert.equal(ox.ensemble?.length, 2);
  assert.ok(maxDiff(predictPreprocessed(ox, x, 1, shape), want) < 1e-4);
  ox.dispose();
  // One path is one network.
  const one = await loadEnsemble([paths[0]]);
  assert.equal(one.ensemble, undefined);
  assert.ok(maxDiff(predictPreprocessed(one, x, 1, shape), single[0]) < 1e-6);
  one.dispose();
});

test('ensemble members must share the task, spacing, patch size, normalisation and orientation', async () => {
  const a = await save(join(root, 'm1.safetensors'), 1);
  const otherPatch = { ...tinyPlan(), patchSize: [8, 16, 32] as Vec3 };
  const b = await save(join(root, 'm2.safetensors'), 2, 'baseline', otherPatch);
  await assert.rejects(loadEnsemble([a, b]), (e: Error) => e.message.includes('m2.safetensors: plan.patchSize is [8,16,32]') && e.message.includes('m1.safetensors has [8,16,16]'));
  const c = await save(join(root, 'm3.safetensors'), 2, 'wholeTumour');
  await assert.rejects(loadEnsemble([a, c]), /m3\.safetensors: an ensemble member for 'wholeTumour', but .*m1\.safetensors is for 'baseline'/);
  await assert.rejects(loadEnsemble([a, join(root, 'none.safetensors')]), /none\.safetensors: no such file/);
  await assert.rejects(loadEnsemble([]), /no checkpoint given/);
  // A different network on the same tiles is allowed (nnU-Net's ensembles of configurations differ in it too).
  const wider = await save(join(root, 'm4.safetensors'), 4, 'baseline', { ...tinyPlan(), network: { ...tinyPlan().network, features: [6, 12] } });
  const ok = await loadEnsemble([a, wider]);
  assert.equal(ok.ensemble?.length, 1);
  ok.dispose();
});

test('a model folder lists each network and its numbered members; a gap or a stray number is an error', async () => {
  const dir = join(root, 'folder');
  mkdirSync(dir);
  assert.deepEqual(stageFiles(dir, 'stage1'), []);
  const plan = tinyPlan();
  await save(join(dir, 'stage1.safetensors'), 1, 'wholeTumour', plan);
  await save(join(dir, 'stage1-2.safetensors'), 2, 'wholeTumour', plan);
  await save(join(dir, 'stage2.safetensors'), 3, 'split', plan);
  writeFileSync(join(dir, 'stage1-old.safetensors'), 'not a member: not numbered');
  assert.deepEqual(stageFiles(dir, 'stage1'), [join(dir, 'stage1.safetensors'), join(dir, 'stage1-2.safetensors')]);
  assert.deepEqual(stageFiles(dir, 'stage2'), [join(dir, 'stage2.safetensors')]);
  const m = await loadModelFolder(dir);
  assert.equal(m.stage1.ensemble?.length, 1);
  assert.equal(m.stage2.ensemble, undefined);
  assert.equal(m.localiser, undefined);
  m.stage1.dispose();
  m.stage2.dispose();
  await save(join(dir, 'stage1-4.safetensors'), 4, 'wholeTumour', plan);
  assert.throws(() => stageFiles(dir, 'stage1'), /stage1-4\.safetensors: the further members of stage1 are numbered stage1-2, stage1-3, … without a gap; expected stage1-3\.safetensors/);
  rmSync(join(dir, 'stage1-4.safetensors'));
  for (const bad of ['stage1-1', 'stage1-02']) {
    await save(join(dir, `${bad}.safetensors`), 4, 'wholeTumour', plan);
    assert.throws(() => stageFiles(dir, 'stage1'), new RegExp(`${bad}\\.safetensors: the further members of stage1 are numbered from 2 without leading zeros`));
    rmSync(join(dir, `${bad}.safetensors`));
  }
  // A name in another case is not skipped silently.
  writeFileSync(join(dir, 'Stage1-3.safetensors'), 'x');
  assert.throws(() => stageFiles(dir, 'stage1'), /Stage1-3\.safetensors: model folder members are named in lower case; expected stage1-3\.safetensors/);
  assert.deepEqual(stageFiles(dir, 'stage2'), [join(dir, 'stage2.safetensors')], 'another network is not concerned');
  rmSync(join(dir, 'Stage1-3.safetensors'));
  // A member without its first network.
  await save(join(dir, 'localiser-2.safetensors'), 5, 'wholeTumour', plan);
  assert.throws(() => stageFiles(dir, 'localiser'), /localiser-2\.safetensors: a further member of localiser, but localiser\.safetensors, its first, is missing/);
  await assert.rejects(loadModelFolder(dir), /localiser-2\.safetensors/);
  rmSync(join(dir, 'localiser-2.safetensors'));
  assert.throws(() => stageFiles(join(dir, 'none'), 'stage1'), /none: not a folder; expected a model folder/);
  rmSync(join(dir, 'stage2.safetensors'));
  await assert.rejects(loadModelFolder(dir), /folder: expected stage1\.safetensors and stage2\.safetensors there/);
});
