// `meatus dataset import-dicom` on DICOM written by pydicom from a meatus phantom
// (test/fixtures/dicom/make_dicom.py), checked against the phantom and against dcm2niix.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { importDicom } from '../../src/data/dicom/import.js';
import { checkDataset } from '../../src/data/check.js';
import { parseScanDates } from '../../src/data/scan-dates.js';
import { readNnunetDataset } from '../../src/data/nnunet.js';
import { generatePhantom, type Phantom } from '../../src/data/phantom/generate.js';
import { readNifti, writeNifti } from '../../src/volume/nifti-file.js';
import type { Mat4, Volume } from '../../src/volume/volume.js';
import { main } from '../../src/cli/main.js';
import { run as datasetCli } from '../../src/cli/dataset.js';
import { tinyPlan, tinyTrainArgs } from '../cli/tiny-dataset.js';

const PY = '/usr/bin/python3';
const SCRIPT = 'test/fixtures/dicom/make_dicom.py';
const hasPeer =
  existsSync(PY) && spawnSync(PY, ['-c', 'import pydicom, nibabel'], { encoding: 'utf8' }).status === 0;
const hasDcm2niix = spawnSync('dcm2niix', ['-h'], { encoding: 'utf8' }).status === 0;
const skip = hasPeer ? false : 'needs Debian python3-pydicom and python3-nibabel';

const root = mkdtempSync(join(tmpdir(), 'meatus-dicom-'));
process.on('exit', () => rmSync(root, { recursive: true, force: true }));

/** An oblique, LPS-flipped phantom crop (10 × 40 × 40), written as NIfTI for the fixture script. */
let phantom: Phantom | undefined;
async function phantomFiles(): Promise<{ p: Phantom; image: string; label: string }> {
  phantom ??= generatePhantom(
    { cropSizeMm: [12, 16, 16], obliqueProbability: 1, flipProbability: 1, koos: 2 },
    3,
  );
  const image = join(root, 't2.nii.gz');
  const label = join(root, 'label.nii.gz');
  if (!existsSync(label)) {
    await writeNifti(image, phantom.image);
    await writeNifti(label, phantom.label, { datatype: 'uint8' });
  }
  return { p: phantom, image, label };
}

/** Writes one study with the fixture script (see its options). */
async function study(out: string, patient: string, date: string, ...extra: string[]): Promise<void> {
  const { image, label } = await phantomFiles();
  const r = spawnSync(
    PY,
    [
      SCRIPT,
      '--image',
      image,
      '--label',
      label,
      '--out',
      out,
      '--patient',
      patient,
      '--date',
      date,
      '--seed',
      date,
      ...extra,
    ],
    { encoding: 'utf8' },
  );
  assert.equal(r.status, 0, r.stderr);
}

/** The voxel-index map b ← a given by two affines, when it is a signed permutation (same grid up to storage order). */
function indexMap(a: Mat4, b: Mat4): number[] {
  // m = inv(b) · a for the 3×4 part; b is orthogonal up to scale only in tests, so solve generally.
  const B = [0, 1, 2].map((r) => [b[r * 4], b[r * 4 + 1], b[r * 4 + 2]]);
  const det =
    B[0][0] * (B[1][1] * B[2][2] - B[1][2] * B[2][1]) -
    B[0][1] * (B[1][0] * B[2][2] - B[1][2] * B[2][0]) +
    B[0][2] * (B[1][0] * B[2][1] - B[1][1] * B[2][0]);
  const inv = [
    [
      B[1][1] * B[2][2] - B[1][2] * B[2][1],
      B[0][2] * B[2][1] - B[0][1] * B[2][2],
      B[0][1] * B[1][2] - B[0][2] * B[1][1],
    ],
    [
      B[1][2] * B[2][0] - B[1][0] * B[2][2],
      B[0][0] * B[2][2] - B[0][2] * B[2][0],
      B[0][2] * B[1][0] - B[0][0] * B[1][2],
    ],
    [
      B[1][0] * B[2][1] - B[1][1] * B[2][0],
      B[0][1] * B[2][0] - B[0][0] * B[2][1],
      B[0][0] * B[1][1] - B[0][1] * B[1][0],
    ],
  ].map((row) => row.map((v) => v / det));
  const m: number[] = [];
  for (let r = 0; r < 3; r++) {
    for (let c = 0; c < 4; c++) {
      let v = 0;
      for (let t = 0; t < 3; t++) v += inv[r][t] * (a[t * 4 + c] - (c === 3 ? b[t * 4 + 3] : 0));
      m.push(v);
    }
  }
  for (const v of m)
    assert.ok(
      Math.abs(v - Math.round(v)) < 1e-3,
      `not the same grid: ${m.map((x) => x.toFixed(4)).join(' ')}`,
    );
  return m.map(Math.round);
}

/** Voxel values of `a` and the values of `b` at the same places. */
function paired(a: Volume, b: Volume): [ArrayLike<number>, number[]] {
  const m = indexMap(a.affine, b.affine);
  const [nz, ny, nx] = a.shape;
  const [, by, bx] = b.shape;
  const out: number[] = [];
  for (let k = 0; k < nz; k++) {
    for (let j = 0; j < ny; j++) {
      for (let i = 0; i < nx; i++) {
        const [u, v, w] = [0, 1, 2].map(
          (r) => m[r * 4] * i + m[r * 4 + 1] * j + m[r * 4 + 2] * k + m[r * 4 + 3],
        );
        out.push(b.data[(w * by + v) * bx + u]);
      }
    }
  }
  return [a.data, out];
}

/** A dataset of two patients: VS-SEG-001 scanned twice (listed newest first), VS-SEG-002 once. */
async function collection(): Promise<string> {
  const dir = join(root, 'collection');
  if (existsSync(dir)) return dir;
  await study(dir, 'VS-SEG-001', '20190301', '--t1', '--cochlea', '--rtplan');
  await study(dir, 'VS-SEG-001', '20180115', '--contours', 'smooth', '--syntax', 'implicit');
  await study(dir, 'VS-SEG-002', '20200710', '--syntax', 'bigendian');
  return dir;
}

test(
  'import-dicom: cases named by patient and date order, images and labels equal to the phantom, dates.csv, report',
  { skip },
  async (t) => {
    const { p } = await phantomFiles();
    const out = join(root, 'imported');
    const report = await importDicom(await collection(), out, { cochlea: true });
    assert.deepEqual(
      report.cases.map((c) => [c.case, c.date, c.set, c.roi]),
      [
        ['VS-SEG-001_t1', '2018-01-15', 'Tr', 'TV'],
        ['VS-SEG-001_t2', '2019-03-01', 'Tr', 'TV'],
        ['VS-SEG-002_t1', '2020-07-10', 'Tr', 'TV'],
      ],
    );
    assert.equal(
      readFileSync(join(out, 'dates.csv'), 'utf8'),
      'case,date\nVS-SEG-001_t1,2018-01-15\nVS-SEG-001_t2,2019-03-01\nVS-SEG-002_t1,2020-07-10\n',
    );
    assert.deepEqual(
      [...parseScanDates(readFileSync(join(out, 'dates.csv'), 'utf8'), 'dates.csv').keys()],
      report.cases.map((c) => c.case),
    );
    const reasons = report.skipped.map((s) => s.reason).join('\n');
    assert.match(reasons, /not an image series \(Modality RTPLAN, 1 file/);
    assert.match(reasons, /series 't1_mpr_sag_we' \(MR\) is not T2: its Series Description names ceT1$/m);
    assert.deepEqual(JSON.parse(readFileSync(join(out, 'import-report.json'), 'utf8')).cases.length, 3);

    // dataset check accepts it; labels are 0 and 1 (tumour)
    const check = await checkDataset(out);
    assert.deepEqual(check.problems, []);
    assert.equal(check.labelled, 3);
    const ds = await readNnunetDataset(out);
    assert.deepEqual(ds.json.labels, { background: 0, tumour: 1 });
    assert.deepEqual(ds.json.channel_names, { '0': 'T2' });

    const truth = Array.from(p.label.data, (v) => (v > 0 ? 1 : 0));
    for (const id of ['VS-SEG-001_t1', 'VS-SEG-001_t2', 'VS-SEG-002_t1']) {
      const c = ds.training.find((t) => t.id === id)!;
      const img = await readNifti(c.images[0]!);
      const lab = await readNifti(c.label!);
      assert.ok(img.data instanceof Int16Array, `${id}: stored values kept as int16`);
      // The geometry is the phantom's (DICOM's decimal strings carry ~9 digits).
      p.image.affine
        .slice(0, 12)
        .forEach((v, i) =>
          assert.ok(Math.abs(img.affine[i] - v) < 1e-4, `${id} affine[${i}] ${img.affine[i]} vs ${v}`),
        );
      const [a, b] = paired(p.image, img);
      assert.deepEqual(
        b,
        Array.from(a, (v) => Math.round(v)),
        `${id}: voxels`,
      );
      const [, l] = paired(p.label, lab);
      if (id !== 'VS-SEG-001_t1') {
        assert.deepEqual(l, truth, `${id}: contours along voxel edges give back the label exactly`);
        continue;
      }
      // Smoothed contours: every difference is a voxel next to the truth's boundary (within a voxel of the contour).
      const [, ny, nx] = p.label.shape;
      let diff = 0;
      let both = 0;
      for (let idx = 0; idx < truth.length; idx++) {
        if (truth[idx] && l[idx]) both++;
        if (truth[idx] === l[idx]) continue;
        diff++;
        const [k, j, i] = [Math.floor(idx / (ny * nx)), Math.floor(idx / nx) % ny, idx % nx];
        let nearBoundary = false;
        for (let dj = -1; dj <= 1; dj++) {
          for (let di = -1; di <= 1; di++) {
            const [jj, ii] = [j + dj, i + di];
            if (jj >= 0 && jj < ny && ii >= 0 && ii < nx && truth[(k * ny + jj) * nx + ii] !== truth[idx])
              nearBoundary = true;
          }
        }
        assert.ok(
          nearBoundary,
          `voxel ${i},${j},${k} differs from the truth but is not next to its boundary`,
        );
      }
      const dice = (2 * both) / (truth.reduce((s: number, v) => s + v, 0) + l.reduce((s, v) => s + v, 0));
      assert.ok(diff > 0 && dice > 0.9, `smooth contours: ${diff} voxels differ, Dice ${dice}`);
      t.diagnostic(
        `smooth contours: ${diff} of ${truth.length} voxels differ from the phantom's label, all next to its boundary; Dice ${dice.toFixed(4)}`,
      );
    }
    // The cochlea ROI, kept on request: the 2 × 2 square of voxels (1..2, 1..2) on the middle slice.
    const co = await readNifti(join(out, 'cochleaTr', 'VS-SEG-001_t2.nii.gz'));
    const [, l] = paired(p.label, co);
    const [nz, ny, nx] = p.label.shape;
    const on = l.flatMap((v, idx) =>
      v ? [[idx % nx, Math.floor(idx / nx) % ny, Math.floor(idx / (nx * ny))]] : [],
    );
    assert.deepEqual(
      on,
      [1, 2].flatMap((j) => [1, 2].map((i) => [i, j, Math.floor(nz / 2)])),
    );
  },
);

test(
  'import-dicom: the image geometry matches dcm2niix on the same series',
  { skip: skip || (hasDcm2niix ? false : 'needs Debian dcm2niix') },
  async () => {
    const dir = await collection();
    const series = join(dir, 'VS-SEG-001', '20190301-study', '2.000000-t2_ciss3d_tra');
    const d2n = join(root, 'dcm2niix');
    mkdirSync(d2n, { recursive: true });
    const r = spawnSync('dcm2niix', ['-o', d2n, '-f', 't2', '-z', 'y', series], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stdout + r.stderr);
    const peer = await readNifti(join(d2n, 't2.nii.gz'));
    const out = join(root, 'imported-peer');
    await importDicom(dir, out);
    const ours = await readNifti(join(out, 'imagesTr', 'VS-SEG-001_t2_0000.nii.gz'));
    // dcm2niix stores rows bottom-up: the same voxels at the same RAS positions, another storage order.
    const [a, b] = paired(ours, peer);
    assert.deepEqual(b, Array.from(a));
    assert.deepEqual(
      ours.spacing.map((v) => v.toFixed(5)),
      peer.spacing.map((v) => v.toFixed(5)),
    );
  },
);

test('import-dicom refuses or reports bad input', { skip }, async () => {
  const bad = join(root, 'bad');
  // An output folder that exists: refused before anything is read.
  mkdirSync(join(bad, 'exists'), { recursive: true });
  await assert.rejects(
    importDicom(join(bad, 'nowhere'), join(bad, 'exists')),
    /exists: already exists; choose a new folder/,
  );
  // An empty folder, and a folder holding only a file that is not DICOM.
  mkdirSync(join(bad, 'empty'));
  await assert.rejects(
    importDicom(join(bad, 'empty'), join(bad, 'o1')),
    /empty: no files; expected DICOM series/,
  );
  mkdirSync(join(bad, 'junk'));
  writeFileSync(join(bad, 'junk', 'notes.txt'), 'not an image');
  await assert.rejects(
    importDicom(join(bad, 'junk'), join(bad, 'o2')),
    /no DICOM image series among 1 files \(.*notes\.txt: not a DICOM Part-10 file/,
  );
  // A series with a missing slice, an RTSTRUCT whose series is absent, a compressed series, a stray
  // file — beside one good study that is imported.
  const mixed = join(bad, 'mixed');
  await study(mixed, 'GOOD', '20200101');
  await study(mixed, 'GAP', '20200101', '--drop-slice', '4');
  await study(mixed, 'NOIMAGE', '20200101');
  await rm(join(mixed, 'NOIMAGE', '20200101-study', '2.000000-t2_ciss3d_tra'), { recursive: true });
  await study(mixed, 'JPEG', '20200101', '--syntax', 'jpeg');
  writeFileSync(join(mixed, 'README.txt'), 'downloaded from TCIA');
  const report = await importDicom(mixed, join(bad, 'o3'));
  assert.deepEqual(
    report.cases.map((c) => c.case),
    ['GOOD_t1'],
  );
  const reason = (re: RegExp) =>
    assert.ok(
      report.skipped.some((s) => re.test(`${s.path}: ${s.reason}`)),
      `${re} not in\n${report.skipped.map((s) => `${s.path}: ${s.reason}`).join('\n')}`,
    );
  reason(
    /GAP\/.*missing slice: a gap of [\d.]+ mm between .* slice spacing [\d.]+ mm \(about 1 slice absent\)/,
  );
  reason(/GAP\/.*RTSTRUCT-t2\/1-1\.dcm: structure set of the skipped series/);
  reason(
    /NOIMAGE\/.*RTSTRUCT-t2\/1-1\.dcm: structure set drawn on series [\d.]+, which is not among the image series/,
  );
  reason(
    /JPEG\/.*compressed transfer syntax JPEG Lossless, Non-Hierarchical, First-Order Prediction \(1\.2\.840\.10008\.1\.2\.4\.70\) cannot be decoded/,
  );
  reason(/README\.txt: not a DICOM Part-10 file/);
  // Nothing but good data: a folder where every series is refused is an error, and leaves nothing.
  const onlyGap = join(bad, 'onlygap');
  await study(onlyGap, 'GAP', '20200101', '--drop-slice', '4');
  await assert.rejects(
    importDicom(onlyGap, join(bad, 'o4')),
    /nothing to import; what was skipped:\n.*missing slice/,
  );
  assert.equal(existsSync(join(bad, 'o4')), false);
  assert.deepEqual(
    (await readdir(bad)).filter((f) => f.startsWith('.')),
    [],
    'no temporary folder left',
  );
});

test('meatus dataset import-dicom (CLI): report printed, options checked', { skip }, async () => {
  const dir = await collection();
  const logs: string[] = [];
  const errors: string[] = [];
  const [log, error] = [console.log, console.error];
  console.log = (s: string) => logs.push(s);
  console.error = (s: string) => errors.push(s);
  try {
    assert.equal(
      await datasetCli(['import-dicom', dir, '--out', join(root, 'cli-out'), '--modality', 'ceT1']),
      0,
    );
    assert.equal(await datasetCli(['import-dicom', dir, '--out', join(root, 'cli-out2'), '--bogus']), 2);
    assert.equal(await datasetCli(['import-dicom', dir]), 2);
    assert.equal(await datasetCli(['import-dicom', '--help']), 0);
  } finally {
    [console.log, console.error] = [log, error];
  }
  assert.match(
    logs.join('\n'),
    /skipped .*2\.000000-t2_ciss3d_tra: series 't2_ciss3d_tra' \(MR\) is not ceT1/,
  );
  assert.match(
    logs.join('\n'),
    /imported 1 ceT1 cases of 1 patient into .*cli-out: 1 labelled \(imagesTr, labelsTr\), 0 without contours/,
  );
  assert.match(errors.join('\n'), /Unknown option '--bogus'/);
  assert.match(errors.join('\n'), /--out required/);
  await assert.rejects(
    datasetCli(['import-dicom', dir, '--out', join(root, 'cli-out3'), '--modality', 'T3']),
    /--modality: expected T2 or ceT1, got 'T3'/,
  );
  await assert.rejects(
    datasetCli(['import-dicom', dir, '--out', join(root, 'cli-out3'), '--roi', '(']),
    /--roi: '\(' is not a regular expression/,
  );
});

test(
  'meatus train runs on an imported dataset (tiny plan, two iterations); IM/EM tasks are refused on it',
  { skip },
  async () => {
    const out = join(root, 'imported-train');
    await importDicom(await collection(), out);
    const errors: string[] = [];
    const error = console.error;
    console.error = (s: string) => errors.push(s);
    try {
      assert.equal(
        await main(['train', '--dataset', out, '--task', 'baseline', '--out', join(root, 'run-refused')]),
        1,
      );
    } finally {
      console.error = error;
    }
    assert.match(
      errors.join('\n'),
      /dataset\.json: labels \{"background":0,"tumour":1\} have no extrameatal and intrameatal classes; --task baseline needs them/,
    );
    assert.equal(existsSync(join(root, 'run-refused')), false);
    const planFile = await tinyPlan(out, join(root, 'plan.json'));
    const run = join(root, 'run');
    const args = tinyTrainArgs(out, planFile, run);
    assert.equal(await main(args), 0);
    const summary = JSON.parse(readFileSync(join(run, 'validation', 'summary.json'), 'utf8'));
    assert.equal(summary.task, 'wholeTumour');
    assert.ok(summary.cases.length >= 1);
  },
);
