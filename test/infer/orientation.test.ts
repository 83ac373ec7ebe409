// Storage order does not change a segmentation (issue 12, fault 1): one scan written in a dozen of
// its 48 permutation/flip storage orders, segmented by a seeded stand-in network (not equivariant
// to flips or permutations, so only a canonical orientation makes the results agree), gives
// bit-identical label maps once mapped back to one storage, and the same measurements. Training
// data of mixed storage orders preprocess to the very bytes of a uniform one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { torch } from '../../src/torch/index.js';
import { UNet } from '../../src/nn/index.js';
import { segment } from '../../src/infer/pipeline.js';
import type { Model } from '../../src/infer/model.js';
import { measure } from '../../src/measure/index.js';
import { datasetJson, writeDatasetJson, writeNnunetCase } from '../../src/data/nnunet.js';
import { computeFingerprint } from '../../src/preprocess/fingerprint.js';
import { makePlan } from '../../src/preprocess/plan.js';
import { preprocessDataset } from '../../src/preprocess/preprocess.js';
import { taskShape, type Plan, type Task } from '../../src/preprocess/types.js';
import { decodeNifti, encodeNifti } from '../../src/volume/nifti.js';
import { allReorientations, inverseReorientation, reorient } from '../../src/volume/reorient.js';
import type { Mat4, Vec3, Volume } from '../../src/volume/volume.js';

const PLAN_SPACING: Vec3 = [1.2, 1, 1];

function tinyModel(task: Task, seed: number): Model {
  torch.manualSeed(seed);
  const { inChannels, numClasses } = taskShape(task);
  const network = { features: [4, 8], kernels: [[3, 3, 3], [3, 3, 3]] as Vec3[], strides: [[1, 1, 1], [2, 2, 2]] as Vec3[] };
  const net = new UNet({ inChannels, numClasses, ...network, deepSupervision: false }).eval();
  const plan = { spacing: PLAN_SPACING, patchSize: [8, 16, 16], network, normalization: { scheme: 'zscore', useMaskForNorm: false } } as unknown as Plan;
  return { net, plan, task, path: `<${task}>`, device: 'cpu', meta: {} as Model['meta'], dispose: () => net.dispose() };
}

const deg = Math.PI / 180;
/** An oblique affine (10° about z, then 15° about x), spacing x 0.6, y 0.8, z 1.5 mm. */
function obliqueAffine(): Mat4 {
  const [cz, sz, cx, sx] = [Math.cos(10 * deg), Math.sin(10 * deg), Math.cos(15 * deg), Math.sin(15 * deg)];
  const r = [cz, -sz * cx, sz * sx, sz, cz * cx, -cz * sx, 0, sx, cx]; // Rz · Rx
  const s = [0.6, 0.8, 1.5];
  return [r[0] * s[0], r[1] * s[1], r[2] * s[2], -12, r[3] * s[0], r[4] * s[1], r[5] * s[2], 20, r[6] * s[0], r[7] * s[1], r[8] * s[2], -3, 0, 0, 0, 1];
}

/** A scan with a bright off-centre ellipsoid in textured tissue, asymmetric along every axis. */
function scan(): Volume<Float32Array> {
  const shape: Vec3 = [12, 26, 30];
  const data = new Float32Array(shape[0] * shape[1] * shape[2]);
  for (let z = 0, i = 0; z < shape[0]; z++)
    for (let y = 0; y < shape[1]; y++)
      for (let x = 0; x < shape[2]; x++, i++) {
        const blob = ((z - 5) / 3.5) ** 2 + ((y - 9) / 6) ** 2 + ((x - 18) / 7) ** 2 < 1;
        data[i] = (blob ? 300 : 100 + 2 * z + y) + ((i * 2654435761) % 997) / 20;
      }
  return { data, shape, spacing: [1.5, 0.8, 0.6], affine: obliqueAffine() };
}

/** Through a NIfTI file and back, as a user's scan would arrive. */
function viaNifti(v: Volume): Volume {
  return decodeNifti(encodeNifti(v, { datatype: 'float32' }), 'stored.nii');
}

test('a dozen storage orders of one scan: bit-identical labels once mapped back, same measurements', () => {
  const live = torch.liveTensors();
  const models = { stage1: tinyModel('wholeTumour', 5), stage2: tinyModel('split', 6) };
  try {
    const base = scan();
    const ref = segment(viaNifti(base), models, { largestComponent: false }).label;
    const counts = [0, 1, 2].map((l) => ref.data.filter((v) => v === l).length);
    assert.ok(counts.every((c) => c > 0), `the stand-in network labels all three classes: ${counts}`);
    const refM = measure(ref);
    // Every 4th of the 48 orders: each permutation with two flip patterns.
    const orders = allReorientations().filter((_, k) => k % 4 === 1);
    assert.equal(orders.length, 12);
    for (const r of orders) {
      const stored = viaNifti(reorient(base, r));
      const label = segment(stored, models, { largestComponent: false }).label;
      assert.deepEqual(label.shape, stored.shape);
      assert.deepEqual(label.affine, stored.affine, 'the label keeps the input affine');
      const back = reorient(label, inverseReorientation(r));
      assert.ok(Buffer.from(back.data).equals(Buffer.from(ref.data)), `storage ${JSON.stringify(r)}: labels differ`);
      const m = measure(label);
      for (const part of ['extrameatal', 'intrameatal', 'wholeTumour'] as const) {
        assert.ok(Math.abs(m.volumes[part].mm3 - refM.volumes[part].mm3) < 1e-9 * refM.volumes[part].mm3 + 1e-9, `${part} volume`);
      }
      for (const d of ['extrameatalAxialDiameter', 'wholeTumourAxialDiameter'] as const) {
        assert.ok(Math.abs((m[d]?.mm ?? 0) - (refM[d]?.mm ?? 0)) < 1e-4, `${d}: ${m[d]?.mm} vs ${refM[d]?.mm}`);
      }
    }
  } finally {
    models.stage1.dispose();
    models.stage2.dispose();
  }
  assert.equal(torch.liveTensors(), live);
});

test('training data in mixed storage orders: the same fingerprint, plan and preprocessed bytes as uniform', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'meatus-orient-'));
  try {
    const base = scan();
    const label: Volume<Uint8Array> = { ...base, data: Uint8Array.from(base.data, (v) => (v > 250 ? 1 : 0)) };
    const ids = ['p1_t1', 'p2_t1', 'p3_t1', 'p4_t1'];
    const mixed = [1, 19, 30, 46].map((k) => allReorientations()[k]);
    for (const [name, orders] of [['uniform', ids.map(() => allReorientations()[0])], ['mixed', mixed]] as const) {
      for (const [k, id] of ids.entries()) {
        const img: Volume = { ...base, data: base.data.map((v) => v + k) };
        await writeNnunetCase(join(dir, name), id, [reorient(img, orders[k])], reorient(label, orders[k]));
      }
      await writeDatasetJson(join(dir, name), datasetJson(ids.length));
    }
    const fp = await Promise.all(['uniform', 'mixed'].map((n) => computeFingerprint(join(dir, n))));
    assert.deepEqual(fp[1], fp[0]);
    const plan = makePlan(fp[0], { spacing: PLAN_SPACING });
    assert.equal(plan.orientation, 'RAS');
    for (const n of ['uniform', 'mixed']) await preprocessDataset(join(dir, n), plan, join(dir, `${n}-pre`), { workers: 1 });
    const files = (await readdir(join(dir, 'uniform-pre'))).filter((f) => /\.(f32|u8)$/.test(f)).sort();
    assert.equal(files.length, 8);
    for (const f of files) {
      const [a, b] = await Promise.all(['uniform-pre', 'mixed-pre'].map((n) => readFile(join(dir, n, f))));
      assert.ok(a.equals(b), `${f} differs between uniform and mixed storage`);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
