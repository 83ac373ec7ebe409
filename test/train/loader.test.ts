import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { BatchLoader, type BatchLoaderOptions } from '../../src/train/loader.js';
import { makeBatch } from '../../src/train/batch.js';
import type { PreprocessedCase } from '../../src/preprocess/types.js';
import type { Vec3 } from '../../src/volume/volume.js';

/** A case with a two-part tumour (EM then IM along x) whose position depends on `k`. */
function tumourCase(id: string, shape: Vec3, k: number): PreprocessedCase {
  const n = shape[0] * shape[1] * shape[2];
  const image = new Float32Array(n);
  const label = new Uint8Array(n);
  const c = [shape[0] / 2, shape[1] / 3 + k, shape[2] / 2 - k];
  for (let z = 0, i = 0; z < shape[0]; z++)
    for (let y = 0; y < shape[1]; y++)
      for (let x = 0; x < shape[2]; x++, i++) {
        image[i] = Math.sin(0.3 * x + k) * Math.cos(0.2 * y) + 0.05 * z;
        if (Math.hypot(2 * (z - c[0]), y - c[1], x - c[2]) < 5) label[i] = x < c[2] ? 1 : 2;
      }
  return { id, patient: id, image, channels: 1, label, shape, spacing: [1.5, 0.5, 0.5] };
}

const cases = [
  tumourCase('a', [12, 30, 30], 0),
  tumourCase('b', [10, 28, 34], 3),
  tumourCase('c', [14, 26, 26], -2),
];
const stream = {
  task: 'split' as const,
  patchSize: [8, 16, 16] as Vec3,
  batchSize: 2,
  seed: 11,
  augment: true,
};
const options = (o: Partial<BatchLoaderOptions>): BatchLoaderOptions => ({
  source: { kind: 'memory', cases },
  ...stream,
  ...o,
});

test('workers: 1 and workers: 0 give the same batches, also across a resume jump, and equal makeBatch', async () => {
  const inline = new BatchLoader(options({ workers: 0 }));
  const threaded = new BatchLoader(options({ workers: 1, prefetch: 3, iterationsPerEpoch: 4 }));
  try {
    for (const [e, i] of [
      [0, 0],
      [0, 1],
      [0, 2],
      [0, 3],
      [1, 0],
      [5, 2],
      [5, 3],
    ]) {
      const [x, y] = await Promise.all([inline.next(e, i), threaded.next(e, i)]);
      assert.deepEqual(y, x, `batch (${e}, ${i})`);
      assert.deepEqual(x, makeBatch(cases, 'split', { ...stream, epoch: e, iteration: i }));
    }
  } finally {
    await Promise.all([inline.close(), threaded.close()]);
  }
  await assert.rejects(threaded.next(0, 0), /after close/);
});

test('the contralateral probability reaches the workers: a worker batch equals makeBatch with it', async () => {
  const threaded = new BatchLoader(options({ workers: 1, contralateral: 1 }));
  try {
    const b = await threaded.next(0, 0);
    assert.deepEqual(b, makeBatch(cases, 'split', { ...stream, contralateral: 1, epoch: 0, iteration: 0 }));
    assert.notDeepEqual(b.image, makeBatch(cases, 'split', { ...stream, epoch: 0, iteration: 0 }).image);
  } finally {
    await threaded.close();
  }
});

test('hard negatives reach the workers: a worker batch equals makeBatch with them', async () => {
  const hardNegatives = { share: 1, points: { a: [[6, 5, 25]] as Vec3[], c: [[2, 20, 3]] as Vec3[] } };
  const threaded = new BatchLoader(options({ workers: 1, hardNegatives }));
  try {
    for (const i of [0, 1, 2]) {
      const b = await threaded.next(0, i);
      assert.deepEqual(b, makeBatch(cases, 'split', { ...stream, hardNegatives, epoch: 0, iteration: i }));
    }
    assert.notDeepEqual((await threaded.next(0, 0)).image, makeBatch(cases, 'split', { ...stream, epoch: 0, iteration: 0 }).image);
  } finally {
    await threaded.close();
  }
});

test('a bad case rejects next() with the message and the case id (memory source, in a worker)', async () => {
  const bad = { ...tumourCase('broken-7', [8, 16, 16], 0), label: new Uint8Array(10) };
  const loader = new BatchLoader(
    options({ source: { kind: 'memory', cases: [...cases, bad] }, caseIds: ['broken-7'], workers: 1 }),
  );
  try {
    await assert.rejects(
      loader.next(0, 0),
      /batch \(epoch 0, iteration 0\) failed in worker 0: case 'broken-7': label has 10 values/,
    );
    await assert.rejects(loader.next(0, 1), /case 'broken-7'/); // the worker keeps serving
  } finally {
    await loader.close();
  }
  assert.throws(() => new BatchLoader({ ...stream, task: 'split' }), /exactly one of source and dir/);
  const unknown = new BatchLoader(options({ caseIds: ['nope'], workers: 0 }));
  await assert.rejects(unknown.next(0, 0), /case 'nope' is not in the memory source/);
});

test('dir source: a pluggable reader module; a failing read names the case', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'meatus-loader-'));
  try {
    const reader = join(dir, 'reader.mjs');
    writeFileSync(
      reader,
      `export async function listPreprocessedCases() { return ['ok', 'bad-file']; }
export async function readPreprocessedCase(dir, id) {
  if (id === 'bad-file') throw new Error('truncated data in ' + dir + '/' + id + '.bin');
  const n = 8 * 16 * 16;
  const label = new Uint8Array(n);
  for (let i = 0; i < n; i++) label[i] = (i % 16) > 5 && (i % 16) < 11 ? ((i % 16) < 8 ? 1 : 2) : 0;
  return { id, patient: id, image: new Float32Array(n).fill(1), channels: 1, label, shape: [8, 16, 16], spacing: [1, 1, 1] };
}
`,
    );
    const good = new BatchLoader({
      ...stream,
      source: { kind: 'dir', dir, reader },
      caseIds: ['ok'],
      workers: 1,
    });
    const b = await good.next(0, 0);
    assert.deepEqual(b.ids, ['ok', 'ok']);
    await good.close();
    const listed = new BatchLoader({
      ...stream,
      source: { kind: 'dir', dir, reader: pathToFileURL(reader).href },
      workers: 0,
    });
    let failed = 0;
    for (let i = 0; i < 6; i++)
      await listed
        .next(0, i)
        .catch(
          (e: Error) => (
            assert.match(e.message, /case 'bad-file': truncated data in .*bad-file\.bin/),
            failed++
          ),
        );
    assert.ok(failed > 0 && failed < 6);
    await listed.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the process exits after close(), and also when a loader is forgotten', () => {
  const loaderUrl = pathToFileURL(join(process.cwd(), 'src/train/loader.ts')).href;
  for (const close of [true, false]) {
    const code = `
      import { BatchLoader } from ${JSON.stringify(loaderUrl)};
      const n = 4 * 8 * 8;
      const c = { id: 'x', patient: 'x', image: new Float32Array(n), channels: 1, label: new Uint8Array(n).fill(1), shape: [4, 8, 8], spacing: [1, 1, 1] };
      const loader = new BatchLoader({ source: { kind: 'memory', cases: [c] }, task: 'split', patchSize: [4, 8, 8], batchSize: 1, seed: 1, augment: true, workers: 1, prefetch: 2 });
      const b = await loader.next(0, 0);
      console.log('got', b.shape.join('x'));
      ${close ? 'await loader.close();' : ''}
    `;
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], {
      encoding: 'utf8',
      timeout: 15000,
    });
    assert.equal(r.signal, null, `close=${close}: the process did not exit (${r.stderr})`);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /got 1x2x4x8x8/);
  }
});
