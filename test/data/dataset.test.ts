import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkDataset, sameGeometry } from '../../src/data/check.js';
import { gzipSync } from 'fflate';
import { encodeNifti } from '../../src/volume/nifti.js';
import { readCrossmodaDataset } from '../../src/data/crossmoda.js';
import { datasetJson, parseDatasetJson, readNnunetDataset, writeDatasetJson, writeNnunetCase } from '../../src/data/nnunet.js';
import { writeNifti } from '../../src/volume/nifti-file.js';
import { diagonalAffine, type Vec3, type Volume } from '../../src/volume/volume.js';
import { run as datasetCli } from '../../src/cli/dataset.js';

function vol<T extends Float32Array | Uint8Array>(data: T, shape: Vec3 = [2, 3, 4], spacing: Vec3 = [1.5, 0.5, 0.5]): Volume<T> {
  return { data, shape, spacing, affine: diagonalAffine(spacing) };
}
const n = 24;
const image = () => vol(Float32Array.from({ length: n }, (_, i) => i));
const label = (v = 1) => vol(Uint8Array.from({ length: n }, (_, i) => (i % 5 === 0 ? v : 0)));

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'meatus-dataset-'));
  try {
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function goodDataset(dir: string, cases = ['VS_p001_t01', 'VS_p001_t02', 'VS_p002_t01']): Promise<void> {
  for (const c of cases) await writeNnunetCase(dir, c, [image()], label());
  await writeNnunetCase(dir, 'VS_p009_t01', [image()], undefined, { set: 'Ts' });
  await writeDatasetJson(dir, datasetJson(cases.length));
}

async function snapshot(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const sub of ['', 'imagesTr', 'labelsTr', 'imagesTs']) {
    let names: string[] = [];
    try {
      names = await readdir(join(dir, sub));
    } catch {
      continue;
    }
    for (const f of names.sort()) {
      const s = await stat(join(dir, sub, f));
      if (s.isFile()) out.push(`${sub}/${f}:${s.size}:${s.mtimeMs}:${(await readFile(join(dir, sub, f))).toString('base64').slice(0, 64)}`);
    }
  }
  return out;
}

test('nnU-Net raw: write, list, dataset.json fields', async () => {
  await withDir(async (dir) => {
    await goodDataset(dir);
    const ds = await readNnunetDataset(dir);
    assert.deepEqual(ds.training.map((c) => c.id), ['VS_p001_t01', 'VS_p001_t02', 'VS_p002_t01']);
    assert.ok(ds.training.every((c) => c.label && c.images[0]?.endsWith('_0000.nii.gz')));
    assert.deepEqual(ds.test.map((c) => c.id), ['VS_p009_t01']);
    assert.deepEqual(ds.json.labels, { background: 0, extrameatal: 1, intrameatal: 2 });
    assert.equal(ds.json.file_ending, '.nii.gz');
    assert.throws(() => parseDatasetJson('{"channel_names": {"0": "T2"}, "labels": {}, "numTraining": -1, "file_ending": ".nii.gz"}', 'x.json'), /x\.json: field numTraining/);
    assert.throws(() => parseDatasetJson('{', 'x.json'), /x\.json: not valid JSON/);
  });
});

test('check: a good dataset has no problems', async () => {
  await withDir(async (dir) => {
    await goodDataset(dir);
    const r = await checkDataset(dir);
    assert.deepEqual(r.problems, []);
    assert.equal(r.layout, 'nnunet');
    assert.equal(r.cases, 4);
    assert.equal(r.labelled, 3);
  });
});

test('check: labelled cases without a tumour (healthy controls) are a counted warning, not a problem; a dataset of only those is', async () => {
  await withDir(async (dir) => {
    await goodDataset(dir);
    const empty = () => vol(new Uint8Array(n));
    await writeNnunetCase(dir, 'VS_p002_t01', [image()], empty());
    let r = await checkDataset(dir);
    assert.deepEqual(r.problems, []);
    assert.deepEqual(r.emptyLabels, ['VS_p002_t01']);
    assert.deepEqual(r.labelCounts['VS_p002_t01'], { '0': 24 });
    assert.equal(r.warnings.length, 1);
    assert.equal(r.warnings[0].file, dir);
    assert.equal(r.warnings[0].field, 'labels');
    assert.match(r.warnings[0].message, /^1 of 3 labelled cases have no tumour \(every label voxel is 0: VS_p002_t01\); fine for healthy controls/);
    // The CLI says it per case and in the summary, and exits 0.
    const lines: string[] = [];
    const log = console.log;
    console.log = (...a: unknown[]) => void lines.push(a.join(' '));
    try {
      assert.equal(await datasetCli(['check', dir]), 0);
    } finally {
      console.log = log;
    }
    assert.ok(lines.includes('VS_p002_t01: label values 0 (24 voxels) (no tumour)'), lines.join('\n'));
    assert.match(lines.at(-1)!, /3 labelled, no problems, 1 warning$/);

    for (const id of ['VS_p001_t01', 'VS_p001_t02']) await writeNnunetCase(dir, id, [image()], empty());
    r = await checkDataset(dir);
    assert.deepEqual(r.emptyLabels, ['VS_p001_t01', 'VS_p001_t02', 'VS_p002_t01']);
    assert.deepEqual(r.warnings, []);
    assert.equal(r.problems.length, 1);
    assert.deepEqual({ ...r.problems[0], message: '' }, { file: dir, field: 'labels', message: '' });
    assert.match(r.problems[0].message, /^none of the 3 labelled cases has a tumour \(every label voxel is 0\); meatus plans and trains on tumour voxels/);
  });
});

test('check: missing label, wrong shape, label value 7, shifted affine, unreadable file, missing channel — and nothing is modified', async () => {
  await withDir(async (dir) => {
    await goodDataset(dir);
    await rm(join(dir, 'labelsTr', 'VS_p001_t02.nii.gz'));
    await writeNifti(join(dir, 'labelsTr', 'VS_p002_t01.nii.gz'), vol(new Uint8Array(2 * 3 * 5), [2, 3, 5]));
    await writeNnunetCase(dir, 'VS_p003_t01', [image()], label(7));
    const shifted = image();
    shifted.affine[3] += 0.5;
    await writeNnunetCase(dir, 'VS_p004_t01', [shifted], label());
    await writeNifti(join(dir, 'labelsTr', 'VS_p004_t01.nii.gz'), label());
    await writeFile(join(dir, 'imagesTr', 'VS_p005_t01_0000.nii.gz'), 'not a nifti');
    await writeNifti(join(dir, 'labelsTr', 'VS_p005_t01.nii.gz'), label());
    await writeDatasetJson(dir, { ...datasetJson(6), channel_names: { '0': 'T2', '1': 'WT' } });
    await writeNifti(join(dir, 'imagesTr', 'VS_p001_t01_0001.nii.gz'), image());
    const before = await snapshot(dir);
    const r = await checkDataset(dir);
    const msgs = r.problems.map((p) => `${p.file.slice(dir.length + 1)} | ${p.field} | ${p.message}`);
    const has = (re: RegExp) => assert.ok(msgs.some((m) => re.test(m)), `${re} not in\n${msgs.join('\n')}`);
    has(/^labelsTr\/VS_p001_t02\.nii\.gz \| label \| missing label of case VS_p001_t02/);
    has(/^labelsTr\/VS_p002_t01\.nii\.gz \| geometry \| label shape 2×3×5 differs from 2×3×4/);
    has(/^labelsTr\/VS_p003_t01\.nii\.gz \| labels \| unexpected label value 7 \(5 voxels\); expected one of 0, 1, 2/);
    has(/^labelsTr\/VS_p004_t01\.nii\.gz \| geometry \| label affine\[0\]\[3\] = 0 differs from 0\.5/);
    has(/^imagesTr\/VS_p005_t01_0000\.nii\.gz \| read \| unreadable/);
    has(/^imagesTr\/VS_p002_t01_0001\.nii\.gz \| channel \| missing channel 1 of case VS_p002_t01/);
    has(/^imagesTs\/VS_p009_t01_0001\.nii\.gz \| channel \| missing channel 1/);
    assert.ok(!msgs.some((m) => m.startsWith('imagesTr/VS_p001_t01')), msgs.join('\n'));
    assert.deepEqual(await snapshot(dir), before, 'check modified the dataset');

    // the CLI prints the same and fails
    const logs: string[] = [];
    const orig = console.log;
    console.log = (s: string) => logs.push(s);
    try {
      assert.equal(await datasetCli(['check', dir]), 1);
    } finally {
      console.log = orig;
    }
    assert.ok(logs.some((l) => l.includes('unexpected label value 7')));
  });
});

test('check (issue #14): a corrupted .nii.gz label, a NaN in srow_x, non-finite image voxels', async () => {
  await withDir(async (dir) => {
    await goodDataset(dir, ['VS_p001_t01', 'VS_p002_t01', 'VS_p003_t01', 'VS_p004_t01']);
    // 1. A label whose gzip data is damaged (a stored block, so it still inflates): only the CRC-32 finds it.
    const lab1 = join(dir, 'labelsTr', 'VS_p001_t01.nii.gz');
    const bad = gzipSync(encodeNifti(label(), { datatype: 'uint8' }), { level: 0 });
    bad[bad.length - 20] ^= 1;
    await writeFile(lab1, bad);
    // 2. A label whose srow_x holds a NaN (sform_code 1).
    const lab2 = join(dir, 'labelsTr', 'VS_p002_t01.nii.gz');
    const nan = encodeNifti(label(), { datatype: 'uint8' });
    new DataView(nan.buffer).setFloat32(280, NaN, true);
    await writeFile(lab2, gzipSync(nan));
    // 3. An image holding a NaN and an Infinity.
    const img = image();
    img.data[3] = NaN;
    img.data[9] = -Infinity;
    await writeNifti(join(dir, 'imagesTr', 'VS_p003_t01_0000.nii.gz'), img);
    const r = await checkDataset(dir);
    const msgs = r.problems.map((p) => `${p.file.slice(dir.length + 1)} | ${p.field} | ${p.message}`);
    const has = (re: RegExp) => assert.ok(msgs.some((m) => re.test(m)), `${re} not in\n${msgs.join('\n')}`);
    has(/^labelsTr\/VS_p001_t01\.nii\.gz \| read \| unreadable: .*VS_p001_t01\.nii\.gz: gzip CRC-32 is 0x[0-9a-f]+, the trailer says/);
    has(/^labelsTr\/VS_p002_t01\.nii\.gz \| read \| unreadable: .*VS_p002_t01\.nii\.gz: srow_x\[0\] = NaN, expected a finite number/);
    has(/^imagesTr\/VS_p003_t01_0000\.nii\.gz \| voxels \| has 2 non-finite voxels of \d+ \(first: \[z, y, x\] = \[0, 0, 3\], NaN\)/);
    assert.equal(msgs.length, 3, msgs.join('\n'));
  });
});

test('check: a NaN affine entry is a geometry difference (NaN never compares)', async () => {
  const a = image();
  const b = { ...image(), affine: image().affine.map((v, i) => (i === 5 ? NaN : v)) };
  assert.match(sameGeometry(a, b, 1e-3) ?? '', /affine\[1\]\[1\] = NaN differs from 0\.5/);
});

test('check: missing dataset.json and a numTraining mismatch', async () => {
  await withDir(async (dir) => {
    await mkdir(join(dir, 'imagesTr'));
    let r = await checkDataset(dir);
    assert.equal(r.problems[0].file, join(dir, 'dataset.json'));
    assert.match(r.problems[0].message, /^no such file; expected an nnU-Net raw dataset folder \(dataset\.json, imagesTr\/, labelsTr\/\) or crossMoDA-named files$/);
    await goodDataset(dir);
    await writeDatasetJson(dir, datasetJson(5));
    r = await checkDataset(dir);
    assert.ok(r.problems.some((p) => p.field === 'numTraining' && /numTraining is 5, but imagesTr holds 3 cases/.test(p.message)));
  });
});

test('crossMoDA layout: names of 2021–2023 editions, pairing, check', async () => {
  await withDir(async (dir) => {
    await mkdir(join(dir, 'target_training'), { recursive: true });
    await mkdir(join(dir, 'source_training'), { recursive: true });
    await writeNifti(join(dir, 'target_training', 'crossmoda2023_etz_105_hrT2.nii.gz'), image());
    await writeNifti(join(dir, 'target_training', 'crossmoda2023_etz_105_Label.nii.gz'), label(2));
    await writeNifti(join(dir, 'target_training', 'crossmoda2022_ukm_12_hrT2.nii.gz'), image());
    await writeNifti(join(dir, 'target_training', 'crossmoda_106_hrT2.nii'), image());
    await writeNifti(join(dir, 'source_training', 'crossmoda2023_ldn_1_ceT1.nii.gz'), image());
    await writeNifti(join(dir, 'source_training', 'crossmoda2023_ldn_1_Label.nii.gz'), label(7));
    await writeNifti(join(dir, 'target_training', 'scan_01.nii.gz'), image());
    const ds = await readCrossmodaDataset(dir);
    assert.deepEqual(ds.cases.map((c) => c.id), ['crossmoda2022_ukm_12', 'crossmoda2023_etz_105', 'crossmoda2023_ldn_1', 'crossmoda_106']);
    assert.ok(ds.cases[1].hrT2 && ds.cases[1].label);
    assert.deepEqual(ds.strayFiles, [join('target_training', 'scan_01.nii.gz')]);
    const r = await checkDataset(dir);
    assert.equal(r.layout, 'crossmoda');
    assert.equal(r.cases, 3);
    assert.equal(r.labelled, 1);
    // the ceT1 case (label 7) is not part of the T2 task; only the stray name is reported
    assert.deepEqual(r.problems.map((p) => p.field), ['name']);
  });
});
