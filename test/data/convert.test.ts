// Converting a dataset with another label coding (here 1 = intrameatal, 2 = extrameatal,
// 3 = cochlea — how some third-party descriptions name crossMoDA 2023's codes; the organisers' own,
// 1 = extra-meatal, are the `crossmoda2023` preset, test/data/crossmoda.test.ts) into meatus's
// nnU-Net raw layout and labels.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { convertDataset, parseLabelMap, relabel } from '../../src/data/convert.js';
import { checkDataset } from '../../src/data/check.js';
import { readNnunetDataset } from '../../src/data/nnunet.js';
import { readNifti, writeNifti } from '../../src/volume/nifti-file.js';
import { diagonalAffine, type Vec3, type Volume } from '../../src/volume/volume.js';
import { cli } from '../cli/run-cli.js';
import { run as datasetCli } from '../../src/cli/dataset.js';

const shape: Vec3 = [2, 3, 4];
const spacing: Vec3 = [1.5, 0.5, 0.5];
const vol = <T extends Volume['data']>(data: T): Volume<T> => ({
  data,
  shape,
  spacing,
  affine: diagonalAffine(spacing),
});
/** Other coding: voxels 0–3 intrameatal (1), 4–9 extrameatal (2), 10–11 cochlea (3). */
const otherLabels = () =>
  vol(Uint8Array.from({ length: 24 }, (_, i) => (i < 4 ? 1 : i < 10 ? 2 : i < 12 ? 3 : 0)));
const t2 = () => vol(Int16Array.from({ length: 24 }, (_, i) => 100 + i));

async function crossmodaFolder(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'meatus-convert-'));
  await writeNifti(join(dir, 'crossmoda2023_etz_1_hrT2.nii.gz'), t2(), { datatype: 'int16' });
  await writeNifti(join(dir, 'crossmoda2023_etz_1_Label.nii.gz'), otherLabels(), { datatype: 'uint8' });
  await writeNifti(join(dir, 'crossmoda2023_etz_2_hrT2.nii.gz'), t2(), { datatype: 'int16' }); // unlabelled: skipped
  return dir;
}

test('parseLabelMap reads FROM=TO lists and rejects what it cannot use', () => {
  assert.deepEqual(
    [...parseLabelMap('1=2, 2=1,3=0')],
    [
      [1, 2],
      [2, 1],
      [3, 0],
    ],
  );
  assert.throws(() => parseLabelMap('1:2'), /'1:2' is not FROM=TO/);
  assert.throws(
    () => parseLabelMap('1=3'),
    /maps to 3; meatus labels are 0 \(background\), 1 \(extrameatal\), 2 \(intrameatal\)/,
  );
  assert.throws(() => parseLabelMap('1=2,1=0'), /label 1 is mapped twice/);
  assert.throws(() => parseLabelMap('-1=0'), /not FROM=TO/);
});

test('relabel swaps IM/EM, drops the cochlea, and names the file for an unmapped value', () => {
  const r = relabel(otherLabels(), parseLabelMap('1=2,2=1,3=0'), 'L.nii.gz');
  assert.deepEqual(Array.from(r.data.slice(0, 13)), [2, 2, 2, 2, 1, 1, 1, 1, 1, 1, 0, 0, 0]);
  assert.throws(
    () => relabel(otherLabels(), new Map(), 'L.nii.gz'),
    /L.nii.gz: label value 3 at voxel 10 is not mapped; expected 0, 1 or 2/,
  );
  assert.throws(
    () => relabel(vol(new Float32Array(24).fill(1.5)), new Map(), 'F.nii'),
    /F.nii: label value 1.5 at voxel 0 is not mapped/,
  );
});

test('meatus dataset convert: crossMoDA-coded labels → an nnU-Net raw dataset that passes dataset check', async () => {
  const src = await crossmodaFolder();
  const out = join(src, 'converted');
  try {
    assert.equal(await datasetCli(['convert', src, '--out', out, '--map', '1=2,2=1,3=0']), 0);
    const ds = await readNnunetDataset(out);
    assert.deepEqual(
      ds.training.map((c) => c.id),
      ['crossmoda2023_etz_1'],
    );
    const lab = await readNifti(ds.training[0].label!);
    assert.deepEqual(Array.from(lab.data.slice(0, 13)), [2, 2, 2, 2, 1, 1, 1, 1, 1, 1, 0, 0, 0]);
    const img = await readNifti(ds.training[0].images[0]!);
    assert.ok(img.data instanceof Int16Array, 'the image keeps its datatype');
    assert.deepEqual(Array.from(img.data), Array.from(t2().data));
    assert.deepEqual(img.spacing, spacing);
    assert.equal((await checkDataset(out)).problems.length, 0);
    // the destination must be new
    await assert.rejects(convertDataset([], out), /no labelled case/);
    const again = await cli('dataset', 'convert', src, '--out', out, '--map', '1=2,2=1,3=0');
    assert.equal(again.code, 2);
    assert.match(again.err, /already exists; .* or pass --overwrite to replace it/);
    // --overwrite replaces it whole (here with the codes read the other way round)…
    const over = await cli('dataset', 'convert', src, '--out', out, '--map', '3=0', '--overwrite');
    assert.equal(over.code, 0, over.err);
    const relabelled = await readNifti((await readNnunetDataset(out)).training[0].label!);
    assert.deepEqual(Array.from(relabelled.data.slice(0, 13)), [1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 0, 0, 0]);
    // …but never a folder that is not a dataset, nor the source itself.
    const other = join(src, 'notes');
    await mkdir(other);
    await writeFile(join(other, 'mine.txt'), 'keep');
    const refused = await cli('dataset', 'convert', src, '--out', other, '--map', '3=0', '--overwrite');
    assert.equal(refused.code, 1);
    assert.match(refused.err, /notes: not replaced: it holds no dataset\.json/);
    assert.equal(await readFile(join(other, 'mine.txt'), 'utf8'), 'keep');
    const self = await cli('dataset', 'convert', src, '--out', src, '--map', '3=0', '--overwrite');
    assert.equal(self.code, 2);
    assert.match(self.err, /the source folder itself/);
  } finally {
    await rm(src, { recursive: true, force: true });
  }
});

test('meatus dataset convert without a map for label 3 fails and leaves nothing behind', async () => {
  const src = await crossmodaFolder();
  const out = join(src, 'converted');
  try {
    await assert.rejects(
      datasetCli(['convert', src, '--out', out]),
      /crossmoda2023_etz_1_Label.nii.gz: label value 3 at voxel 10 is not mapped/,
    );
    assert.equal(existsSync(out), false);
    assert.deepEqual(
      (await readdir(src)).filter((f) => f.startsWith('.')),
      [],
      'no temporary folder left',
    );
    const r = await cli('dataset', 'convert', src);
    assert.equal(r.code, 2);
    assert.match(r.err, /--out required/);
  } finally {
    await rm(src, { recursive: true, force: true });
  }
});
