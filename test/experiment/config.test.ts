// The experiment config: defaults, path resolution, and errors that name the file and the field.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { PAPER_GAMMAS, validateExperimentConfig } from '../../src/experiment/config.js';
import { predictionSpecs, runSpecs, runState } from '../../src/experiment/work.js';
import { PAPER } from '../../src/experiment/paper.js';

const minimal = { name: 'x', dataset: { phantom: { cases: 6, patients: 4, seed: 1 } }, training: { epochs: 2 }, output: 'out' };

test('defaults: paper proportions and γ sweep, baseline, upper bound, one seed; paths relative to the config folder', () => {
  const c = validateExperimentConfig(minimal, 'exp.json', '/data/exps');
  assert.deepEqual(c.split, { seed: 0, proportions: [195, 32, 56] });
  assert.deepEqual(c.methods, { baseline: true, twoStage: { gammas: [...PAPER_GAMMAS], tau: 1 }, upperBound: true, stage2OnPredictions: false });
  assert.deepEqual(c.seeds, [0]);
  assert.equal(c.output, '/data/exps/out');
  assert.deepEqual(c.evaluation, { emptyDice: 'nan', distance: 'medpy', panels: 2 });
  const p = validateExperimentConfig({ ...minimal, dataset: { path: 'raw', layout: 'crossmoda' }, split: { file: '/abs/split.json' } }, 'e', '/b');
  assert.deepEqual(p.dataset, { path: '/b/raw', layout: 'crossmoda' });
  assert.deepEqual(p.split, { file: '/abs/split.json' });
});

test('runs and prediction sets of the paper: baseline, stage 1, 5 × stage 2, 5 upper bounds', () => {
  const c = validateExperimentConfig({ ...minimal, seeds: [0, 3] }, 'e', '/o');
  const runs = runSpecs(c);
  assert.deepEqual(runs.filter((r) => r.seed === 3).map((r) => r.id), ['baseline', 'stage1', 'stage2-g0', 'stage2-g0.01', 'stage2-g0.05', 'stage2-g0.1', 'stage2-g0.5']);
  assert.equal(runs[0].dir, '/o/out/runs/baseline-s0');
  const sets = predictionSpecs(c).filter((s) => s.seed === 0);
  assert.equal(sets.length, 12);
  assert.equal(sets[7].id, 'stage2-g0-refWT');
  assert.equal(sets[7].dir, '/o/out/predictions/stage2-g0-refWT-s0');
});

const cases: [string, unknown, RegExp][] = [
  ['missing field', Object.fromEntries(Object.entries(minimal).filter(([k]) => k !== 'output')), /exp\.json: field output: expected a value/],
  ['unknown field', { ...minimal, epochs: 3 }, /field epochs: expected no such field/],
  ['both datasets', { ...minimal, dataset: { phantom: { cases: 6, patients: 4, seed: 1 }, path: 'x' } }, /field dataset: expected exactly one of 'phantom' or 'path'/],
  ['patients > cases', { ...minimal, dataset: { phantom: { cases: 6, patients: 7, seed: 1 } } }, /field dataset\.phantom\.patients: expected at most/],
  ['bad layout', { ...minimal, dataset: { path: 'x', layout: 'bids' } }, /field dataset\.layout: expected 'nnunet' or 'crossmoda', got "bids"/],
  ['bad proportions', { ...minimal, split: { seed: 0, proportions: [1, 0, 1] } }, /field split\.proportions: expected three positive numbers/],
  ['epochs 0', { ...minimal, training: { epochs: 0 } }, /field training\.epochs: expected an integer ≥ 1, got 0/],
  ['device', { ...minimal, training: { epochs: 1, device: 'gpu' } }, /field training\.device: expected 'cpu' or 'cuda'/],
  ['negative γ', { ...minimal, methods: { twoStage: { gammas: [0, -1] } } }, /field methods\.twoStage\.gammas\[1\]: expected a number ≥ 0/],
  ['duplicate γ', { ...minimal, methods: { twoStage: { gammas: [0, 0] } } }, /field methods\.twoStage\.gammas: expected distinct values/],
  ['no method', { ...minimal, methods: { baseline: false, twoStage: false } }, /field methods: expected at least one method/],
  ['upper bound without γ', { ...minimal, methods: { twoStage: { gammas: [] }, upperBound: true } }, /field methods\.upperBound: expected false when methods\.twoStage has no γ/],
  ['spacing', { ...minimal, plan: { spacing: [1, 0] } }, /field plan\.spacing: expected three numbers/],
  ['seeds', { ...minimal, seeds: [] }, /field seeds: expected an array of at least 1/],
  ['emptyDice', { ...minimal, evaluation: { emptyDice: 0 } }, /field evaluation\.emptyDice: expected 'nan' or 'one'/],
];
for (const [what, json, re] of cases) {
  test(`config error: ${what}`, () => assert.throws(() => validateExperimentConfig(json, 'exp.json'), re));
}

test('the ready config validates; the paper constants match the paper text', () => {
  const c = validateExperimentConfig(JSON.parse(readFileSync('experiments/phantom-paper.json', 'utf8')), 'phantom-paper.json', '/r');
  assert.deepEqual(c.methods.twoStage.gammas, [0, 0.01, 0.05, 0.1, 0.5]);
  const paperFile = '/work/shared/paper/boundary-distance-loss-vs-2022.txt';
  if (!existsSync(paperFile)) return; // the paper's text is not part of the repository
  const paper = readFileSync(paperFile, 'utf8');
  for (const r of PAPER.table1) for (const v of [r.bg, r.em, r.im, r.wt]) if (v) assert.ok(paper.includes(v.mean.toFixed(4)) && paper.includes(v.sd.toFixed(4)), `${r.method} ${v.mean}`);
  for (const r of PAPER.table2) for (const v of [r.median, r.p75, r.p25]) assert.ok(paper.includes(v.toFixed(4)), `${r.method} ${v}`);
});

test('runState: finished needs the last epoch in log.jsonl and the best checkpoint; interrupted runs report their epochs', async () => {
  const { mkdtempSync, writeFileSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const dir = mkdtempSync(join(tmpdir(), 'meatus-runstate-'));
  try {
    assert.deepEqual(runState(dir, 2), { epochsDone: 0, finished: false, hasBest: false });
    writeFileSync(join(dir, 'log.jsonl'), '{"epoch":0}\n');
    writeFileSync(join(dir, 'checkpoint_best.safetensors'), '');
    assert.deepEqual(runState(dir, 2), { epochsDone: 1, finished: false, hasBest: true });
    writeFileSync(join(dir, 'log.jsonl'), '{"epoch":0}\n{"epoch":1}\n');
    assert.equal(runState(dir, 2).finished, true);
    writeFileSync(join(dir, 'log.jsonl'), 'oops\n');
    assert.throws(() => runState(dir, 2), /log\.jsonl: a line is not JSON/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
