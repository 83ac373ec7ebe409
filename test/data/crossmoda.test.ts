// crossMoDA 2021–2023 file names, the 2023 label preset, and `dataset check`'s per-case label counts.
import { cli as runCli } from '../cli/run-cli.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CROSSMODA_FILE, labelPreset, readCrossmodaDataset } from '../../src/data/crossmoda.js';
import { checkDataset } from '../../src/data/check.js';
import { readNnunetDataset } from '../../src/data/nnunet.js';
import { readNifti, writeNifti } from '../../src/volume/nifti-file.js';
import { diagonalAffine, type Vec3, type Volume } from '../../src/volume/volume.js';
import { run as datasetCli } from '../../src/cli/dataset.js';

const shape: Vec3 = [2, 3, 4];
const spacing: Vec3 = [1.5, 0.5, 0.5];
const vol = <T extends Volume['data']>(data: T): Volume<T> => ({
  data,
  shape,
  spacing,
  affine: diagonalAffine(spacing),
});
const t2 = () => vol(Int16Array.from({ length: 24 }, (_, i) => 100 + i));
/** crossMoDA 2023 codes: voxels 0–5 extra-meatal (1), 6–8 intra-meatal (2), 9–10 cochlea (3). */
const codes2023 = () =>
  vol(Uint8Array.from({ length: 24 }, (_, i) => (i < 6 ? 1 : i < 9 ? 2 : i < 11 ? 3 : 0)));

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'meatus-crossmoda-'));
  try {
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Runs `meatus dataset …`, returning its exit code and what it printed. */
async function cli(args: string[]): Promise<{ code: number; logs: string[] }> {
  const logs: string[] = [];
  const orig = console.log;
  console.log = (s: string) => logs.push(s);
  try {
    return { code: await datasetCli(args), logs };
  } finally {
    console.log = orig;
  }
}

/** A crossMoDA 2023 folder as released (labels with ceT1) plus two T2 scans labelled on T2. */
async function folder2023(dir: string): Promise<void> {
  const src = join(dir, 'crossmoda23_training', 'TrainingSource');
  const tgt = join(dir, 'crossmoda23_training', 'TrainingTarget');
  const val = join(dir, 'crossmoda23_validation');
  const lab = join(dir, 'labelled_T2');
  for (const d of [src, tgt, val, lab]) await mkdir(d, { recursive: true });
  for (const site of ['etz', 'ldn', 'ukm']) {
    await writeNifti(join(src, `crossmoda2023_${site}_1_ceT1.nii.gz`), t2(), { datatype: 'int16' });
    await writeNifti(join(src, `crossmoda2023_${site}_1_Label.nii.gz`), codes2023(), { datatype: 'uint8' });
  }
  await writeNifti(join(tgt, 'crossmoda2023_etz_106_T2.nii.gz'), t2(), { datatype: 'int16' });
  await writeNifti(join(tgt, 'crossmoda2023_ukm_44_T2.nii.gz'), t2(), { datatype: 'int16' });
  await writeNifti(join(val, 'crossmoda2023_ldn_211_T2.nii.gz'), t2(), { datatype: 'int16' });
  await writeNifti(join(lab, 'crossmoda2023_ukm_300_T2.nii.gz'), t2(), { datatype: 'int16' });
  await writeNifti(join(lab, 'crossmoda2023_ukm_300_Label.nii.gz'), codes2023(), { datatype: 'uint8' });
  await writeNifti(join(lab, 'crossmoda2023_etz_301_T2.nii.gz'), t2(), { datatype: 'int16' });
  await writeNifti(join(lab, 'crossmoda2023_etz_301_Label.nii.gz'), codes2023(), { datatype: 'uint8' });
}

test('crossMoDA names: every edition, site and kind', () => {
  const kinds = (n: string) => CROSSMODA_FILE.exec(n)?.groups;
  assert.deepEqual(
    { ...kinds('crossmoda2023_ukm_44_T2.nii.gz') },
    { case: 'crossmoda2023_ukm_44', kind: 'T2' },
  );
  assert.deepEqual(
    { ...kinds('crossmoda2023_etz_1_Label.nii.gz') },
    { case: 'crossmoda2023_etz_1', kind: 'Label' },
  );
  assert.deepEqual(
    { ...kinds('crossmoda2022_ldn_7_hrT2.nii') },
    { case: 'crossmoda2022_ldn_7', kind: 'hrT2' },
  );
  assert.deepEqual({ ...kinds('crossmoda_106_hrT2.nii.gz') }, { case: 'crossmoda_106', kind: 'hrT2' });
  assert.deepEqual({ ...kinds('crossmoda_1_ceT1.nii.gz') }, { case: 'crossmoda_1', kind: 'ceT1' });
  for (const bad of [
    'crossmoda2023_ukm_44_T1.nii.gz',
    'crossmoda2023_ukm_T2.nii.gz',
    'crossmoda2023_ukm_44_T2.mha',
    'VS_p001_t01.nii.gz',
  ]) {
    assert.equal(CROSSMODA_FILE.test(bad), false, bad);
  }
});

test('a crossMoDA 2023 folder: T2 cases counted, ceT1 source cases apart, label values per case', async () => {
  await withDir(async (dir) => {
    await folder2023(dir);
    const ds = await readCrossmodaDataset(dir);
    assert.equal(ds.cases.length, 8);
    const c300 = ds.cases.find((c) => c.id === 'crossmoda2023_ukm_300');
    assert.ok(c300?.hrT2?.endsWith('crossmoda2023_ukm_300_T2.nii.gz') && c300.label);
    const r = await checkDataset(dir);
    assert.equal(r.layout, 'crossmoda');
    assert.equal(r.cases, 5, 'five T2 scans');
    assert.equal(r.labelled, 2);
    assert.equal(r.sourceCases, 3, 'one ceT1 + Label case per site');
    assert.deepEqual(r.labelCounts['crossmoda2023_ukm_300'], { '0': 13, '1': 6, '2': 3, '3': 2 });
    // the cochlea code is reported with the way out
    const labels = r.problems.filter((p) => p.field === 'labels');
    assert.equal(labels.length, 2);
    assert.match(
      labels[0].message,
      /unexpected label value 3 \(2 voxels\); expected one of 0, 1, 2 \(crossMoDA codes: convert them with meatus dataset convert --preset crossmoda2023\)/,
    );

    const { code, logs } = await cli(['check', dir]);
    assert.equal(code, 1);
    assert.ok(
      logs.includes(
        'crossmoda2023_ukm_300: label values 0 (13 voxels), 1 (6 voxels), 2 (3 voxels), 3 (2 voxels)',
      ),
      logs.join('\n'),
    );
    assert.ok(
      logs.some((l) => /^3 ceT1 cases with labels \(crossMoDA source domain\)/.test(l)),
      logs.join('\n'),
    );
    assert.match(logs[logs.length - 1], /\(crossmoda\): 5 cases, 2 labelled, 2 problems$/);
  });
});

test('dataset convert --preset crossmoda2023: cochlea dropped, 1 = EM and 2 = IM kept; a valid 0/1/2 dataset', async () => {
  await withDir(async (dir) => {
    await folder2023(dir);
    const out = join(dir, 'Dataset502_crossMoDA23');
    const { code, logs } = await cli(['convert', dir, '--out', out, '--preset', 'crossmoda2023']);
    assert.equal(code, 0);
    assert.match(logs.join('\n'), /wrote 2 labelled cases .* with the preset crossmoda2023/);
    const ds = await readNnunetDataset(out);
    assert.deepEqual(
      ds.training.map((c) => c.id),
      ['crossmoda2023_etz_301', 'crossmoda2023_ukm_300'],
    );
    const lab = await readNifti(ds.training[1].label!);
    const expected = Array.from({ length: 24 }, (_, i) => (i < 6 ? 1 : i < 9 ? 2 : 0));
    assert.deepEqual(Array.from(lab.data), expected);
    const r = await checkDataset(out);
    assert.deepEqual(r.problems, []);
    assert.equal(r.labelled, 2);
    assert.deepEqual(r.labelCounts['crossmoda2023_etz_301'], { '0': 15, '1': 6, '2': 3 });
  });
});

test('--preset: unknown names and --map together are refused before anything is written', async () => {
  assert.throws(
    () => labelPreset('crossmoda2021'),
    /--preset: unknown preset 'crossmoda2021'; expected one of crossmoda2023/,
  );
  assert.throws(() => labelPreset('constructor'), /unknown preset 'constructor'/);
  await withDir(async (dir) => {
    await folder2023(dir);
    const out = join(dir, 'out');
    const both = await runCli(
      'dataset',
      'convert',
      dir,
      '--out',
      out,
      '--preset',
      'crossmoda2023',
      '--map',
      '3=0',
    );
    assert.equal(both.code, 2);
    assert.match(both.err, /--map and --preset cannot be given together/);
    const unknown = await runCli('dataset', 'convert', dir, '--out', out, '--preset', 'brats');
    assert.equal(unknown.code, 2);
    assert.match(unknown.err, /unknown preset 'brats'/);
    assert.equal(existsSync(out), false);
  });
});

test('a release folder (labels on ceT1 only): convert says why no T2 case is labelled, --modality ceT1 converts the source domain', async () => {
  await withDir(async (dir) => {
    await folder2023(dir);
    await rm(join(dir, 'labelled_T2'), { recursive: true });
    const out = join(dir, 'Dataset503_crossMoDA23_ceT1');
    await assert.rejects(
      cli(['convert', dir, '--out', out, '--preset', 'crossmoda2023']),
      /no labelled crossMoDA case with a T2 image; its 3 labelled cases are ceT1 scans .* convert these with --modality ceT1/,
    );
    assert.equal(existsSync(out), false);
    const { code } = await cli([
      'convert',
      dir,
      '--out',
      out,
      '--preset',
      'crossmoda2023',
      '--modality',
      'ceT1',
    ]);
    assert.equal(code, 0);
    const ds = await readNnunetDataset(out);
    assert.deepEqual(ds.json.channel_names, { '0': 'ceT1' });
    assert.deepEqual(
      ds.training.map((c) => c.id),
      ['crossmoda2023_etz_1', 'crossmoda2023_ldn_1', 'crossmoda2023_ukm_1'],
    );
    assert.deepEqual((await checkDataset(out)).problems, []);
    await assert.rejects(
      cli(['convert', out, '--out', join(dir, 'x'), '--modality', 'ceT1']),
      /--modality ceT1: .* is an nnU-Net raw dataset/,
    );
    await assert.rejects(
      cli(['convert', dir, '--out', join(dir, 'x'), '--modality', 'T1']),
      /--modality: expected T2 or ceT1, got 'T1'/,
    );
  });
});
