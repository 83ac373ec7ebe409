// Hard-negative points: world mm (RAS or LPS) → the nearest voxel [z, y, x] of each training case's
// preprocessed grid, hand-computed; the errors name the file and the field.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readHardNegativeFile, readHardNegatives } from '../../src/train/hard-negatives.js';
import type { Mat4, Vec3 } from '../../src/volume/volume.js';

/** A preprocessed folder holding only the `<id>.json` of each case (all the reader looks at). */
function folder(cases: Record<string, { shape: Vec3; affine: Mat4 }>): string {
  const dir = mkdtempSync(join(tmpdir(), 'meatus-hard-negatives-'));
  for (const [id, g] of Object.entries(cases)) {
    const file = {
      version: 1, id, patient: id, originalShape: g.shape, originalSpacing: [1, 1, 1], originalAffine: g.affine,
      cropBox: { start: [0, 0, 0], end: g.shape }, shape: g.shape, spacing: [1, 1, 1], affine: g.affine, channels: 1,
    };
    writeFileSync(join(dir, `${id}.json`), JSON.stringify(file));
  }
  return dir;
}

// a: voxel (x, y, z) → RAS (0.8x − 100, 0.8y − 90, 1.2z − 40). b: (x, y, z) → (20 − y, x − 5, 2z).
const A: Mat4 = [0.8, 0, 0, -100, 0, 0.8, 0, -90, 0, 0, 1.2, -40, 0, 0, 0, 1];
const B: Mat4 = [0, -1, 0, 20, 1, 0, 0, -5, 0, 0, 2, 0, 0, 0, 0, 1];

test('points become the nearest voxel [z, y, x] of their case (RAS and LPS); other cases are skipped', async () => {
  const dir = folder({ a: { shape: [10, 20, 30], affine: A }, b: { shape: [10, 20, 30], affine: B } });
  try {
    const file = join(dir, 'hn.json');
    // a: x 12, y 7, z 3 → RAS (−90.4, −84.4, −36.4), given 0.3 mm off; b: x 12, y 7, z 3 → RAS (13, 7, 6).
    // 'v' (a validation case) has no JSON in the folder: it must not be read.
    writeFileSync(file, JSON.stringify({ coordinates: 'RAS', cases: { a: [[-90.1, -84.6, -36.2], [-100, -90, -40]], b: [[13, 7, 6]], v: [[0, 0, 0]], c: [] } }));
    const h = await readHardNegatives(file, dir, ['a', 'b', 'c']);
    assert.deepEqual(h, { points: { a: [[3, 7, 12], [0, 0, 0]], b: [[3, 7, 12]] }, cases: 2, total: 3, skipped: 1 });
    writeFileSync(file, JSON.stringify({ coordinates: 'LPS', cases: { a: [[90.4, 84.4, -36.4]], b: [[-13, -7, 6]] } }));
    assert.deepEqual((await readHardNegatives(file, dir, ['a', 'b'])).points, { a: [[3, 7, 12]], b: [[3, 7, 12]] });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('bad files: the file and the field are named', async () => {
  const dir = folder({ a: { shape: [10, 20, 30], affine: A } });
  try {
    const file = join(dir, 'hn.json');
    const rejects = async (json: unknown, re: RegExp, ids = ['a']) => {
      writeFileSync(file, typeof json === 'string' ? json : JSON.stringify(json));
      await assert.rejects(readHardNegatives(file, dir, ids), re);
    };
    await assert.rejects(readHardNegatives(join(dir, 'none.json'), dir, ['a']), /none\.json: cannot read hard negatives/);
    await rejects('{"coordinates": "RAS",', /hn\.json: cannot read hard negatives/);
    await rejects({ coordinates: 'XYZ', cases: {} }, /hn\.json: field coordinates: expected "RAS" or "LPS", got "XYZ"/);
    await rejects({ coordinates: 'RAS', cases: [] }, /field cases: expected an object: case id → list of points/);
    await rejects({ coordinates: 'RAS', cases: { a: [[1, 2]] } }, /field cases\.a\[0\]: expected a point \[x, y, z\] in mm, got \[1,2\]/);
    await rejects({ coordinates: 'RAS', cases: { a: [[1, 'x', 2]] } }, /field cases\.a\[0\]\[1\]: expected a finite number/);
    await rejects({ coordinates: 'RAS', cases: { a: [[-90.4, -84.4, -36.4], [0, 0, 0]] } }, /field cases\.a\[1\]: expected a point inside the case's preprocessed grid \(RAS mm of its own scan; voxel \[x, y, z\] within \[30, 20, 10\], here \[125, 113, 33\]\)/);
    await rejects({ coordinates: 'RAS', cases: { z: [[0, 0, 0]], a: [] } }, /hn\.json: no point belongs to a training case of .*: the cases with points \('z'\) are validation cases or not in the dataset; ids are case names as in the dataset \(e\.g\. 'a', without _0000 or \.nii\.gz\)/);
    await rejects({ coordinates: 'RAS', cases: {} }, /field cases: expected at least one point \(every case's list is empty: nothing to sample\)/);
    await rejects({ coordinates: 'RAS', cases: { a: [], b: [] } }, /field cases: expected at least one point/);
    await rejects({ coordinates: 'RAS', cases: {}, extra: 1 }, /field extra: expected no such field/);
    writeFileSync(file, JSON.stringify({ coordinates: 'RAS', cases: { a: [[1, 2, 3]] } }));
    assert.deepEqual(await readHardNegativeFile(file), { coordinates: 'RAS', cases: { a: [[1, 2, 3]] } });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
