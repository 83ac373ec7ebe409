// Final validation (validateModel): whole-case prediction on the preprocessed grid scored by Dice,
// with stand-in networks whose output is known, so every Dice is computed by hand.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { torch, type Tensor } from '../../src/torch/index.js';
import { validateModel } from '../../src/infer/validate.js';
import type { Model } from '../../src/infer/model.js';
import type { Plan, Task } from '../../src/preprocess/types.js';
import { diagonalAffine, type Vec3 } from '../../src/volume/volume.js';

const root = mkdtempSync(join(tmpdir(), 'meatus-validate-'));
process.on('exit', () => rmSync(root, { recursive: true, force: true }));

const SHAPE: Vec3 = [4, 6, 6];
const N = SHAPE[0] * SHAPE[1] * SHAPE[2];
const at = (z: number, y: number, x: number) => (z * SHAPE[1] + y) * SHAPE[2] + x;

/**
 * One preprocessed case. T2 is +1 on z 0–1, y 0–2, x 0–2 (18 voxels), −1 elsewhere. The label is
 * tumour on z 0–1, y 0–2, x 0–3 (24 voxels): extrameatal (1) for x < 2, intrameatal (2) for x ≥ 2.
 */
function writeCase(dir: string, id: string, spacing: Vec3, wtPrediction?: Uint8Array): void {
  const image = new Float32Array(N).fill(-1);
  const label = new Uint8Array(N);
  for (let z = 0; z < 2; z++)
    for (let y = 0; y < 3; y++)
      for (let x = 0; x < 4; x++) {
        if (x < 3) image[at(z, y, x)] = 1;
        label[at(z, y, x)] = x < 2 ? 1 : 2;
      }
  const affine = diagonalAffine(spacing);
  const props = {
    version: 1,
    id,
    patient: id,
    originalShape: SHAPE,
    originalSpacing: spacing,
    originalAffine: affine,
    cropBox: { start: [0, 0, 0], end: SHAPE },
    shape: SHAPE,
    spacing,
    affine,
    channels: 1,
  };
  writeFileSync(join(dir, `${id}.json`), JSON.stringify(props));
  writeFileSync(join(dir, `${id}.image.f32`), new Uint8Array(image.buffer));
  writeFileSync(join(dir, `${id}.label.u8`), label);
  if (wtPrediction) writeFileSync(join(dir, `${id}.wtpred.u8`), wtPrediction);
}

/**
 * A stand-in model with a known rule. wholeTumour: tumour where T2 > 0. split: background outside
 * the WT channel; inside it extrameatal where T2 > 0, intrameatal elsewhere.
 */
function ruleModel(task: Task, spacing: Vec3 = [1, 1, 1]): Model {
  const inChannels = task === 'split' ? 2 : 1;
  const forward = (x: Tensor): Tensor[] => {
    const t2 = x.slice(1, 0, 1);
    const bright = t2.gt(0).float();
    if (task === 'wholeTumour') return [torch.cat([torch.zerosLike(t2), bright.mul(10)], 1)];
    const wt = x.slice(1, 1, 2);
    const bg = wt.rsub(1).mul(10);
    const em = wt.mul(5).add(wt.mul(bright).mul(10));
    return [torch.cat([bg, em, wt.mul(10)], 1)];
  };
  const plan = { spacing, patchSize: SHAPE } as unknown as Plan;
  const net = { config: { inChannels }, forward } as unknown as Model['net'];
  return {
    net,
    plan,
    task,
    path: `<${task} rule>`,
    device: 'cpu',
    meta: {} as Model['meta'],
    dispose: () => {},
  };
}

const close = (a: number, b: number) => assert.ok(Math.abs(a - b) < 1e-12, `${a} ≠ ${b}`);

test('whole tumour: Dice of the whole-case prediction, written to summary.json', async () => {
  const dir = join(root, 'wt');
  const data = mkdtempSync(join(root, 'data-'));
  writeCase(data, 'A_t01', [1, 1, 1]);
  writeCase(data, 'B_t01', [1.05, 0.97, 1]); // rounding of the preprocessed grid: accepted
  const seen: string[] = [];
  const s = await validateModel(ruleModel('wholeTumour'), data, ['A_t01', 'B_t01'], {
    outDir: dir,
    onCase: (done, total, c) => seen.push(`${done}/${total} ${c.id}`),
    onTiles: (id, done, total) => seen.push(`${id} tiles ${done}/${total}`),
  });
  // prediction 18 voxels, all inside the 24-voxel tumour: 2·18 / (18 + 24)
  close(s.cases[0].dice.wholeTumour, 36 / 42);
  close(s.meanDice.wholeTumour, 36 / 42);
  close(s.meanForegroundDice, 36 / 42);
  // The patch covers a whole case: one tile each, reported before the case's Dice.
  assert.deepEqual(seen, ['A_t01 tiles 1/1', '1/2 A_t01', 'B_t01 tiles 1/1', '2/2 B_t01']);
  assert.equal(s.grid, 'preprocessed');
  const file = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8'));
  assert.equal(file.cases.length, 2);
  close(file.meanDice.wholeTumour, 36 / 42);
});

test('split: EM and IM Dice with the reference or the stored stage-1 whole tumour', async () => {
  const data = mkdtempSync(join(root, 'data-'));
  // stage-1 prediction: only the bright block (x 0–2)
  const pred = new Uint8Array(N);
  for (let z = 0; z < 2; z++) for (let y = 0; y < 3; y++) for (let x = 0; x < 3; x++) pred[at(z, y, x)] = 1;
  writeCase(data, 'A_t01', [1, 1, 1], pred);
  const ref = await validateModel(ruleModel('split'), data, ['A_t01']);
  // WT = reference (24 voxels): EM predicted on x 0–2 (18) vs 12 reference → 24/30;
  // IM predicted on x = 3 (6) vs 12 reference → 12/18.
  close(ref.cases[0].dice.extrameatal, 24 / 30);
  close(ref.cases[0].dice.intrameatal, 12 / 18);
  close(ref.meanForegroundDice, (24 / 30 + 12 / 18) / 2);
  const fromPred = await validateModel(ruleModel('split'), data, ['A_t01'], { stage2Input: 'prediction' });
  // WT = the bright block: all EM (18) vs 12 → 24/30; no IM predicted vs 12 → 0
  close(fromPred.cases[0].dice.extrameatal, 24 / 30);
  assert.equal(fromPred.cases[0].dice.intrameatal, 0);
});

test("validateModel rejects an empty list, another plan's grid and a missing stage-1 prediction", async () => {
  const data = mkdtempSync(join(root, 'data-'));
  writeCase(data, 'A_t01', [1.5, 1, 1]);
  await assert.rejects(validateModel(ruleModel('wholeTumour'), data, []), /no validation cases/);
  await assert.rejects(
    validateModel(ruleModel('wholeTumour'), data, ['A_t01']),
    /case 'A_t01' .* has spacing \[1.5, 1, 1\], the model's plan \[1, 1, 1\]/,
  );
  await assert.rejects(
    validateModel(ruleModel('split', [1.5, 1, 1]), data, ['A_t01'], { stage2Input: 'prediction' }),
    /case 'A_t01' has no stage-1 prediction \(A_t01.wtpred.u8\)/,
  );
  await assert.rejects(validateModel(ruleModel('wholeTumour'), data, ['nope']), /nope.json/);
});
