import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run as runCompare } from '../../src/cli/compare.js';
import { run as runEvaluate } from '../../src/cli/evaluate.js';
import { evaluateFolder, pairFolders } from '../../src/evaluate/folder.js';
import { evaluateCase } from '../../src/evaluate/metrics.js';
import { parseCasesCsv } from '../../src/evaluate/tables.js';
import { readNifti, writeNifti } from '../../src/volume/nifti-file.js';
import { METHODS, syntheticImage, syntheticReference } from './fake-methods.js';

const IDS = ['VS_p001_t01', 'VS_p002_t01', 'VS_p003_t01', 'VS_p004_t01'];
let root = '';

/** Runs a CLI `run` with console output captured. */
async function quiet(fn: (argv: string[]) => Promise<number>, argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const log = console.log;
  const error = console.error;
  let out = '';
  let err = '';
  console.log = (...a: unknown[]) => void (out += a.join(' ') + '\n');
  console.error = (...a: unknown[]) => void (err += a.join(' ') + '\n');
  try {
    return { code: await fn(argv), out, err };
  } finally {
    console.log = log;
    console.error = error;
  }
}

before(async () => {
  process.env.MEATUS_QUIET = '1';
  root = mkdtempSync(join(tmpdir(), 'meatus-eval-'));
  // References as an nnU-Net raw dataset (labelsTr/, imagesTr/); the last case has no prediction.
  for (const [i, id] of IDS.entries()) {
    const ref = syntheticReference(i);
    await writeNifti(join(root, 'ds', 'labelsTr', `${id}.nii.gz`), ref, { datatype: 'uint8' });
    await writeNifti(join(root, 'ds', 'imagesTr', `${id}_0000.nii.gz`), syntheticImage(ref), { datatype: 'float32' });
    if (i === 3) continue;
    for (const m of ['shifted', 'eroded', 'boundary']) {
      const ext = m === 'eroded' && i === 0 ? '.nii' : '.nii.gz'; // .nii is tolerated
      await writeNifti(join(root, 'pred', m, `${id}${ext}`), METHODS[m](ref, i), { datatype: 'uint8' });
    }
  }
  await writeNifti(join(root, 'pred', 'shifted', 'extra_case.nii.gz'), syntheticReference(9), { datatype: 'uint8' });
  writeFileSync(join(root, 'pred', 'shifted', 'plans.json'), '{}');
});

after(() => rmSync(root, { recursive: true, force: true }));

test('evaluateFolder: pairs by id on 2 worker threads, equals evaluateCase, reports what is missing', async () => {
  const seen: string[] = [];
  const ev = await evaluateFolder(join(root, 'pred', 'shifted'), join(root, 'ds'), { threads: 2, onCase: (_d, _t, id) => seen.push(id) });
  assert.deepEqual(ev.cases.map((c) => c.id), IDS.slice(0, 3));
  assert.deepEqual(seen.sort(), IDS.slice(0, 3));
  assert.deepEqual(ev.missingPredictions, ['VS_p004_t01']);
  assert.deepEqual(ev.missingReferences, ['extra_case']);
  assert.equal(ev.refDir, join(root, 'ds', 'labelsTr'));
  for (const c of ev.cases) {
    const pred = await readNifti(join(root, 'pred', 'shifted', `${c.id}.nii.gz`));
    const ref = await readNifti(join(root, 'ds', 'labelsTr', `${c.id}.nii.gz`));
    assert.deepEqual(c, evaluateCase(pred, ref, c.id));
  }
  const one = await evaluateFolder(join(root, 'pred', 'eroded'), join(root, 'ds'), { threads: 1, emptyDice: 'one' });
  assert.equal(one.pairs[0].pred, join(root, 'pred', 'eroded', `${IDS[0]}.nii`));
  assert.equal(one.cases.length, 3);
});

test('evaluateFolder: clear errors for a missing folder, no common case, a geometry mismatch', async () => {
  await assert.rejects(evaluateFolder(join(root, 'nope'), join(root, 'ds')), /predictions folder .*nope: not found; expected a folder of <id>\.nii\.gz label maps/);
  await assert.rejects(evaluateFolder(join(root, 'pred', 'shifted'), join(root, 'nothing')), /references folder .*nothing: not found/);
  mkdirSync(join(root, 'empty'), { recursive: true });
  await assert.rejects(pairFolders(join(root, 'empty'), join(root, 'ds')), /predictions folder .*empty: no \.nii\.gz or \.nii label maps/);
  const other = join(root, 'other');
  await writeNifti(join(other, 'zzz.nii.gz'), syntheticReference(0), { datatype: 'uint8' });
  await assert.rejects(evaluateFolder(other, join(root, 'ds')), /no case in both .*other \(predictions: zzz\) and .*labelsTr \(references: VS_p001_t01, .*\); expected matching <id>\.nii\.gz names/);
  const bad = join(root, 'bad');
  const small = syntheticReference(0);
  await writeNifti(join(bad, `${IDS[1]}.nii.gz`), { ...small, shape: [5, 20, 24], data: small.data.slice(0, 2400) }, { datatype: 'uint8' });
  await writeNifti(join(bad, `${IDS[2]}.nii.gz`), small, { datatype: 'uint8' });
  const predFile = join(bad, `${IDS[1]}.nii.gz`).replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const refFile = join(root, 'ds', 'labelsTr', `${IDS[1]}.nii.gz`).replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  await assert.rejects(evaluateFolder(bad, join(root, 'ds'), { threads: 2 }), new RegExp(`${predFile}.*${refFile}.*shapes differ`));
});

test('meatus evaluate + compare: files written, values read back, tables, figures, panels', async () => {
  const evalDir = (m: string) => join(root, 'eval', m);
  // A reference without a prediction is an error by default (nnU-Net's evaluate_folder without --chill), before any output.
  await assert.rejects(
    quiet(runEvaluate, ['--pred', join(root, 'pred', 'shifted'), '--ref', join(root, 'ds'), '--out', join(root, 'eval', 'strict')]),
    /1 reference has no prediction in .*shifted: VS_p004_t01; expected a prediction for every reference \(give --chill/,
  );
  assert.equal(existsSync(join(root, 'eval', 'strict')), false);
  for (const m of ['shifted', 'eroded', 'boundary']) {
    const r = await quiet(runEvaluate, ['--pred', join(root, 'pred', m), '--ref', join(root, 'ds'), '--out', evalDir(m), '--name', m, '--chill', ...(m === 'shifted' ? ['--json'] : [])]);
    assert.equal(r.code, 0, r.err);
    for (const f of ['cases.csv', 'summary.json', 'table1.md', 'table2.md']) assert.ok(existsSync(join(evalDir(m), f)), f);
    if (m === 'shifted') {
      assert.match(r.err, /warning: 1 references without a prediction .*: VS_p004_t01/);
      assert.match(r.err, /warning: 1 predictions without a reference .*: extra_case/);
      const printed = JSON.parse(r.out);
      assert.deepEqual(printed, JSON.parse(readFileSync(join(evalDir(m), 'summary.json'), 'utf8')));
      assert.deepEqual(printed.counts, { cases: 3, missingPredictions: 1, missingReferences: 1 });
      assert.equal(printed.classes.background.assd.median, 'nan');
    }
  }
  const ev = await evaluateFolder(join(root, 'pred', 'shifted'), join(root, 'ds'), { threads: 1 });
  assert.deepEqual(parseCasesCsv(readFileSync(join(evalDir('shifted'), 'cases.csv'), 'utf8')), ev.cases);
  const summary = JSON.parse(readFileSync(join(evalDir('shifted'), 'summary.json'), 'utf8'));
  const em = ev.cases.map((c) => c.classes.extrameatal.dice);
  assert.ok(Math.abs(summary.classes.extrameatal.dice.mean - em.reduce((a, b) => a + b) / em.length) < 1e-12);
  assert.match(readFileSync(join(evalDir('shifted'), 'table1.md'), 'utf8'), /\| shifted \| 3 \| 0\.\d{4} ± 0\.\d{4} \|/);

  const out = join(root, 'cmp');
  const args = ['--out', out, ...['shifted', 'eroded', 'boundary'].flatMap((m) => ['--method', `${m}=${evalDir(m)}`])];
  const panels = ['--image', join(root, 'ds'), '--ref', join(root, 'ds'), '--panels', '1', ...['shifted', 'eroded', 'boundary'].flatMap((m) => ['--pred', `${m}=${join(root, 'pred', m)}`])];
  const r = await quiet(runCompare, [...args, ...panels]);
  assert.equal(r.code, 0, r.err);
  for (const f of ['table1.md', 'table1.csv', 'table2.md', 'table2.csv', 'wilcoxon.md', 'wilcoxon.csv', 'fig2_dice.svg', 'fig2_dice.png', 'fig2_assd.svg', 'fig2_assd.png']) {
    assert.ok(existsSync(join(out, f)), f);
  }
  const t1 = readFileSync(join(out, 'table1.md'), 'utf8');
  assert.deepEqual([...t1.matchAll(/^\| (\w+) \| 3 \|/gm)].map((m) => m[1]), ['shifted', 'eroded', 'boundary']);
  assert.equal(readFileSync(join(out, 'wilcoxon.csv'), 'utf8').trim().split('\n').length, 1 + 3 * 2 * 3);
  const fig2 = readFileSync(join(out, 'fig2_dice.svg'), 'utf8');
  assert.equal((fig2.match(/<g class="box"/g) ?? []).length, 9);
  assert.match(r.out, /wrote 11 files/);
  const panels3 = readdirSync(out).filter((n) => n.startsWith('fig3_'));
  assert.equal(panels3.length, 1);
  const png = readFileSync(join(out, panels3[0]));
  assert.deepEqual([...png.subarray(0, 8)], [137, 80, 78, 71, 13, 10, 26, 10]);
  assert.ok(png.readUInt32BE(16) > 5 * 200, 'five tiles: T2, three methods, reference');
});

test('meatus evaluate/compare: usage errors exit 2, bad values throw naming the flag', async () => {
  assert.equal((await quiet(runEvaluate, ['--pred', 'x'])).code, 2);
  assert.match((await quiet(runEvaluate, ['--bogus'])).err, /usage: meatus evaluate/);
  assert.equal((await quiet(runEvaluate, ['--help'])).code, 0);
  await assert.rejects(quiet(runEvaluate, ['--pred', 'a', '--ref', 'b', '--out', 'c', '--distance', 'x']), /--distance: expected medpy or medpy-0.4 or monai, got 'x'/);
  await assert.rejects(quiet(runCompare, ['--method', 'a', '--out', 'c']), /--method: expected NAME=DIR, got 'a'/);
  await assert.rejects(quiet(runCompare, ['--method', `a=${join(root, 'nope')}`, '--out', 'c']), /method 'a': cannot read .*nope\/cases\.csv/);
  await assert.rejects(quiet(runCompare, ['--method', `a=${join(root, 'eval', 'shifted')}`, '--out', join(root, 'c2'), '--image', 'x']), /expected all three/);
});
