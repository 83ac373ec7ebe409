// Issue #14, fault 4: re-preprocessing a folder with another plan and stopping at case 3 must not
// leave a folder that mixes plans. The folder is built aside and swapped in whole.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { datasetJson, writeDatasetJson, writeNnunetCase } from '../../src/data/nnunet.js';
import { listPreprocessedCases, preprocessDataset, readPreprocessedCase } from '../../src/preprocess/preprocess.js';
import { makePlan } from '../../src/preprocess/plan.js';
import type { Plan } from '../../src/preprocess/types.js';
import { diagonalAffine, type Vec3 } from '../../src/volume/volume.js';

function planFor(spacing: Vec3): Plan {
  const fp = {
    spacings: [spacing],
    shapesAfterCrop: [[32, 32, 32] as Vec3],
    foregroundIntensity: { mean: 0, std: 1, p00_5: 0, p99_5: 1, min: 0, max: 1 },
    medianRelativeSizeAfterCrop: 1,
  };
  return { ...makePlan(fp), normalization: { scheme: 'zscore', useMaskForNorm: false } };
}

async function rawDataset(dir: string, n: number): Promise<string[]> {
  const ids = Array.from({ length: n }, (_, k) => `VS_p00${k}_t01`);
  const shape: Vec3 = [8, 10, 10];
  const spacing: Vec3 = [1.5, 1, 1];
  for (const [k, id] of ids.entries()) {
    const img = Float32Array.from({ length: 800 }, (_, i) => 10 + ((i * 7 + k) % 13));
    const lab = Uint8Array.from({ length: 800 }, (_, i) => (i % 97 === k ? 1 : 0));
    const geo = { shape, spacing, affine: diagonalAffine(spacing) };
    await writeNnunetCase(dir, id, [{ data: img, ...geo }], { data: lab, ...geo });
  }
  await writeDatasetJson(dir, datasetJson(n));
  return ids;
}

async function snapshot(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const f of (await readdir(dir)).sort()) out[f] = (await readFile(join(dir, f))).toString('base64');
  return out;
}

test('re-preprocessing with another plan, stopped at case 3, leaves the old folder whole; finished, the new one', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'meatus-pre-replace-'));
  try {
    const raw = join(dir, 'raw');
    const ids = await rawDataset(raw, 6);
    const out = join(dir, 'pre');
    const planA = planFor([1.5, 1, 1]);
    const planB = planFor([3, 2, 2]);
    await preprocessDataset(raw, planA, out, { workers: 1 });
    const before = await snapshot(out);

    const stop = new Error('stopped at case 3');
    await assert.rejects(
      preprocessDataset(raw, planB, out, {
        workers: 1,
        onProgress: (done) => {
          if (done === 2) throw stop;
        },
      }),
      stop,
    );
    assert.deepEqual(await snapshot(out), before, 'the old output is untouched, byte for byte');
    assert.deepEqual(await readdir(dir), ['pre', 'raw'], 'no staging folder left');
    assert.deepEqual((await readPreprocessedCase(out, ids[4])).shape, [8, 10, 10]);

    await preprocessDataset(raw, planB, out, { workers: 1 });
    assert.deepEqual(await listPreprocessedCases(out), ids);
    for (const id of ids) assert.deepEqual((await readPreprocessedCase(out, id)).shape, [4, 5, 5], `${id} at plan B's spacing`);
    assert.deepEqual(JSON.parse(await readFile(join(out, 'plan.json'), 'utf8')).spacing, [3, 2, 2]);
    assert.deepEqual(await readdir(dir), ['pre', 'raw']);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a folder holding files preprocessing does not write is refused, untouched; stale staging of a dead run is removed', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'meatus-pre-replace-'));
  try {
    const raw = join(dir, 'raw');
    await rawDataset(raw, 2);
    const out = join(dir, 'pre');
    await mkdir(out);
    await writeFile(join(out, 'notes.txt'), 'mine');
    await assert.rejects(preprocessDataset(raw, planFor([1.5, 1, 1]), out, { workers: 1 }), {
      message: new RegExp(`${out}: not replaced: it holds notes\\.txt, which preprocessing does not write`),
    });
    assert.deepEqual(await readdir(out), ['notes.txt']);
    await rm(join(out, 'notes.txt'));

    const dead = Number(spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout);
    await mkdir(join(dir, `.pre.partial.${dead}.0badf00d`));
    await writeFile(join(dir, `.pre.partial.${dead}.0badf00d`, 'x.image.f32'), '');
    await mkdir(join(dir, `.pre.old.${dead}.12345678`));
    await preprocessDataset(raw, planFor([1.5, 1, 1]), out, { workers: 1 });
    assert.deepEqual((await readdir(dir)).sort(), ['pre', 'raw']);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
