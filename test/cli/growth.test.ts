// `meatus phantom` with a set growth writes dates.csv; `meatus growth` over label maps writes
// growth.json, growth.csv and a report per patient, refuses to overwrite, and reports bad input.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli/main.js';
import { writeNifti } from '../../src/volume/nifti-file.js';
import { diagonalAffine, type Volume } from '../../src/volume/volume.js';

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const [log, error] = [console.log, console.error];
  let out = '';
  let err = '';
  console.log = (...a: unknown[]) => void (out += a.join(' ') + '\n');
  console.error = (...a: unknown[]) => void (err += a.join(' ') + '\n');
  try {
    return { code: await main(argv), out, err };
  } finally {
    [console.log, console.error] = [log, error];
  }
}

const dir = mkdtempSync(join(tmpdir(), 'meatus-growth-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

/** A label map of 1 mm voxels: an EM box of `w` × 10 × 4 voxels (x from 10 − w to 9) and an IM box x 10–15. */
function boxes(w: number): Volume<Uint8Array> {
  const [nz, ny, nx] = [8, 20, 30];
  const data = new Uint8Array(nz * ny * nx);
  for (let z = 2; z < 6; z++) for (let y = 5; y < 15; y++) for (let x = 10 - w; x < 16; x++) data[(z * ny + y) * nx + x] = x < 10 ? 1 : y >= 8 && y < 12 && z >= 3 && z < 5 ? 2 : 0;
  return { data, shape: [nz, ny, nx], spacing: [1, 1, 1], affine: diagonalAffine([1, 1, 1]) };
}

test('meatus growth: label maps and dates.csv → growth.json, growth.csv, the report; --overwrite; errors', async () => {
  const labels = join(dir, 'labels');
  // EM 4, 6, 9 voxels long: reported (EM axial diagonal) √(3² + 9²), √(5² + 9²), √(8² + 9²) mm.
  await writeNifti(join(labels, 'A_t1.nii.gz'), boxes(4), { datatype: 'uint8' });
  await writeNifti(join(labels, 'A_t2.nii.gz'), boxes(6), { datatype: 'uint8' });
  await writeNifti(join(labels, 'A_t3.nii.gz'), boxes(9), { datatype: 'uint8' });
  writeFileSync(join(labels, 'dates.csv'), 'case,date\nA_t1,2020-01-01\nA_t2,2020-07-01\nA_t3,2021-01-01\n');
  const out = join(dir, 'out');
  const r = await cli('growth', labels, '--out', out, '--no-viewer');
  assert.equal(r.code, 0, r.err);
  const json = JSON.parse(readFileSync(join(out, 'growth.json'), 'utf8'));
  assert.equal(json.patients.length, 1);
  const s = json.patients[0];
  assert.equal(s.patient, 'A');
  assert.deepEqual(s.timepoints.map((t: { date: string }) => t.date), ['2020-01-01', '2020-07-01', '2021-01-01']);
  const d = s.timepoints.map((t: { reportedMm: number }) => t.reportedMm);
  [Math.hypot(3, 9), Math.hypot(5, 9), Math.hypot(8, 9)].forEach((v, k) => assert.ok(Math.abs(d[k] - v) < 1e-9, `reported ${d[k]} vs ${v}`));
  // Whole-tumour volume: EM w × 10 × 4 plus IM 6 × 4 × 2 = 48 mm³.
  assert.deepEqual(s.timepoints.map((t: { volumes: { wholeTumour: number } }) => t.volumes.wholeTumour), [208, 288, 408]);
  // RAS x = voxel x ≥ 0: the patient's right.
  assert.equal(s.side, 'right');
  assert.match(s.summary, /^Right side: Extrameatal axial diameter grew 2\.6 mm \(9\.5 → 12\.0 mm\) in 12 months: significant/);
  assert.equal(readFileSync(join(out, 'growth.csv'), 'utf8').trim().split('\n').length, 4);
  const html = readFileSync(join(out, 'A_growth.html'), 'utf8');
  assert.ok(html.includes(s.summary.replace(/→/g, '→')));
  assert.equal((html.match(/<figure class="thumb"/g) ?? []).length, 3);
  assert.doesNotMatch(html, /<script/i, 'no viewer with --no-viewer');
  const again = await cli('growth', labels, '--out', out, '--no-viewer');
  assert.equal(again.code, 1);
  assert.match(again.err, /already holds output \(growth\.json, growth\.csv\); give --overwrite/);
  assert.equal((await cli('growth', labels, '--out', out, '--no-viewer', '--overwrite', '--palette', 'colour-blind')).code, 0);
  // Usage errors exit 2; bad values and bad files name the option or file.
  assert.equal((await cli('growth', labels, '--out', out, '--bogus')).code, 2);
  assert.equal((await cli('growth', '--out', out)).code, 2);
  assert.match((await cli('growth', labels, '--out', join(dir, 'o2'), '--linear-mm', '0')).err, /--linear-mm: expected a positive number, got '0'/);
  assert.match((await cli('growth', labels, '--out', join(dir, 'o2'), '--palette', 'pink')).err, /--palette: expected default or colour-blind/);
  for (const [args, msg] of [
    [['--dates', join(dir, 'none.csv')], /--dates .*none\.csv: no such file/],
    [['--dates', labels], /--dates .*labels: a folder; expected a CSV file/],
    [['--images', join(dir, 'none')], /--images .*none: not a folder/],
    [['--pattern', '^(?<case>.+)$'], /--pattern .* has no named group 'patient'/],
    [['--pattern', '('], /--pattern "\(" is not a valid regular expression/],
  ] as const) {
    const r = await cli('growth', labels, '--out', join(dir, 'o2'), ...args);
    assert.equal(r.code, 2, `${args.join(' ')}: a usage error`);
    assert.match(r.err, msg);
    assert.equal(existsSync(join(dir, 'o2')), false, `${args.join(' ')}: nothing written`);
  }
  writeFileSync(join(dir, 'bad.csv'), 'case,when\nA_t1,2020\n');
  assert.match((await cli('growth', labels, '--out', join(dir, 'o2'), '--dates', join(dir, 'bad.csv'))).err, /bad\.csv: line 1: expected the header 'case,date'/);
  writeFileSync(join(dir, 'part.csv'), 'case,date\nA_t1,2020-01-01\n');
  assert.match((await cli('growth', labels, '--out', join(dir, 'o2'), '--dates', join(dir, 'part.csv'))).err, /case 'A_t2' has no date/);
  assert.ok(!existsSync(join(dir, 'o2', 'growth.json')), 'nothing written on error');
  // A pattern that matches none of the names is said: every scan becomes a patient of its own.
  const odd = await cli('growth', labels, '--out', join(dir, 'o3'), '--no-viewer', '--pattern', '^(?<patient>B)_t(?<timepoint>\\d+)$');
  assert.equal(odd.code, 0, odd.err);
  assert.match(odd.out, /3 of 3 case names do not match the case pattern \(A_t1, A_t2, A_t3\): each is a patient of its own, with one scan/);
  assert.doesNotMatch(r.out, /do not match the case pattern/);
  const watch = await cli('growth', labels, '--out', join(dir, 'o2'), '--watch-pct', '30');
  assert.equal(watch.code, 2);
  assert.match(watch.err, /--watch-pct \(30\) must not exceed --volume-pct \(20\)/);
});

test('meatus growth: a later patient\'s bad dates leave no output at all; dates.csv above labelsTr/ is found', async () => {
  // An nnU-Net dataset: patient A fine, patient B's two scans on the same date.
  const ds = join(dir, 'ds');
  for (const [name, w] of [['A_t1', 4], ['A_t2', 6], ['B_t1', 4], ['B_t2', 9]] as const) await writeNifti(join(ds, 'labelsTr', `${name}.nii.gz`), boxes(w), { datatype: 'uint8' });
  writeFileSync(join(ds, 'dates.csv'), 'case,date\nA_t1,2020-01-01\nA_t2,2021-01-01\nB_t1,2020-01-01\nB_t2,2020-01-01\n');
  const out = join(dir, 'o-ds');
  const bad = await cli('growth', join(ds, 'labelsTr'), '--out', out, '--no-viewer');
  assert.equal(bad.code, 1);
  assert.match(bad.err, /'B_t1' and 'B_t2' have the same date 2020-01-01/);
  assert.ok(!existsSync(join(out, 'A_growth.html')), 'patient A\'s report is not written before B is checked');
  // Fixed, the same command runs (nothing left behind to refuse) and takes the dates from the dataset.
  writeFileSync(join(ds, 'dates.csv'), 'case,date\nA_t1,2020-01-01\nA_t2,2021-01-01\nB_t1,2020-01-01\nB_t2,2020-07-01\n');
  await writeNifti(join(ds, 'imagesTr', 'A_t1_0000.nii.gz'), { ...boxes(4), data: Float32Array.from(boxes(4).data, (v) => 100 + v) });
  const ok = await cli('growth', join(ds, 'labelsTr'), '--out', out, '--no-viewer');
  assert.equal(ok.code, 0, ok.err);
  // The T2 in imagesTr/ beside labelsTr/ is found (the other scans have none).
  assert.doesNotMatch(ok.out, /A_t1: no T2 found/);
  assert.match(ok.out, /A_t2: no T2 found/);
  const json = JSON.parse(readFileSync(join(out, 'growth.json'), 'utf8'));
  assert.equal(json.datesFile, join(ds, 'dates.csv'));
  assert.deepEqual(json.patients.map((p: { timeFrom: string }) => p.timeFrom), ['dates', 'dates']);
  // A failure while writing (B's T2 on another grid) removes what the run wrote: A's report too.
  const imgs = join(dir, 'imgs');
  await writeNifti(join(imgs, 'B_t1_0000.nii.gz'), { ...boxes(4), shape: [8, 20, 15], data: new Float32Array(8 * 20 * 15) });
  const out2 = join(dir, 'o-ds2');
  const t2bad = await cli('growth', join(ds, 'labelsTr'), '--out', out2, '--no-viewer', '--images', imgs);
  assert.equal(t2bad.code, 1);
  assert.match(t2bad.err, /B_t1_0000\.nii\.gz: shape 8×20×15 differs from its label map/);
  // A scan not in --images is said, with where its T2 came from instead.
  assert.match(t2bad.out, /A_t1: no A_t1_0000\.nii\.gz or A_t1\.nii\.gz \(or \.nii\) in --images .*imgs: its T2 is .*imagesTr.A_t1_0000\.nii\.gz/);
  assert.match(t2bad.out, /A_t2: no A_t2_0000\.nii\.gz or A_t2\.nii\.gz \(or \.nii\) in --images .*imgs\n/);
  assert.ok(!existsSync(join(out2, 'A_growth.html')) && !existsSync(join(out2, 'growth.json')), 'nothing left behind');
  // Dates against the names' order: followed, and said.
  writeFileSync(join(ds, 'dates.csv'), 'case,date\nA_t1,2021-01-01\nA_t2,2020-01-01\nB_t1,2020-01-01\nB_t2,2020-07-01\n');
  const swapped = await cli('growth', join(ds, 'labelsTr'), '--out', out, '--no-viewer', '--overwrite');
  assert.equal(swapped.code, 0, swapped.err);
  assert.match(swapped.out, /A: the dates order the scans A_t2, A_t1, not as their names do; the dates are followed/);
  assert.doesNotMatch(swapped.out, /B: the dates order/);
  // With --segment the dates are checked before any scan is segmented.
  const seg = join(dir, 'ds-seg');
  for (const name of ['C_t1', 'C_t2']) await writeNifti(join(seg, 'imagesTr', `${name}_0000.nii.gz`), { ...boxes(4), data: Float32Array.from(boxes(4).data) });
  writeFileSync(join(seg, 'dates.csv'), 'case,date\nC_t1,2020-01-01\nC_t2,2020-01-01\n');
  const early = await cli('growth', seg, '--segment', '--out', join(dir, 'o-seg'), '--no-viewer');
  assert.equal(early.code, 1);
  assert.match(early.err, /'C_t1' and 'C_t2' have the same date 2020-01-01/);
  assert.equal(existsSync(join(dir, 'o-seg', 'segmentation')), false, 'nothing segmented');
  // Without any dates a line says so.
  rmSync(join(ds, 'dates.csv'));
  const undated = await cli('growth', join(ds, 'labelsTr'), '--out', out, '--no-viewer', '--overwrite');
  assert.equal(undated.code, 0, undated.err);
  assert.match(undated.out, /no dates \(no --dates, no dates\.csv beside the inputs\): scans ordered by their names/);
});

test('meatus phantom --growth: dates.csv and the set size factor in phantoms.json', async () => {
  const out = join(dir, 'ph');
  const r = await cli('phantom', '--cases', '2', '--patients', '1', '--out', out, '--growth', '25', '--interval-months', '6', '--start-date', '2019-03-31', '--koos', '2', '--jobs', '1');
  assert.equal(r.code, 0, r.err);
  assert.equal(readFileSync(join(out, 'dates.csv'), 'utf8'), 'case,date\nVS_p001_t01,2019-03-31\nVS_p001_t02,2019-09-30\n');
  const meta = JSON.parse(readFileSync(join(out, 'phantoms.json'), 'utf8')).cases.map((c: { meta: { sizeFactor: number } }) => c.meta.sizeFactor);
  assert.equal(meta[0], 1);
  assert.ok(Math.abs(meta[1] - 1.25 ** (183 / 365.25 / 3)) < 1e-12, `size factor ${meta[1]}`);
  assert.match((await cli('phantom', '--cases', '2', '--out', join(dir, 'ph2'), '--growth', 'fast')).err, /--growth: expected a number/);
  assert.match((await cli('phantom', '--cases', '2', '--out', join(dir, 'ph2'), '--interval-months', '6')).err, /--interval-months: goes with --growth/);
  const date = await cli('phantom', '--cases', '2', '--out', join(dir, 'ph2'), '--growth', '10', '--start-date', '2019-02-30');
  assert.equal(date.code, 2, 'a usage error');
  assert.match(date.err, /--start-date: expected an ISO date YYYY-MM-DD, got '2019-02-30'/);
  const shrink = await cli('phantom', '--cases', '2', '--out', join(dir, 'ph2'), '--growth', '-150');
  assert.equal(shrink.code, 2);
  assert.match(shrink.err, /--growth: expected a number in \(−100, 1000\]/);
});
