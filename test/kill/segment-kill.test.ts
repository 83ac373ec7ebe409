// Kill tests of `meatus segment` (issue #14): killed while writing a case's label map, before its
// record is renamed into place, and mid-case; the rerun finishes with outputs identical to an
// uninterrupted run and no stray file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { saveTinyBaseline, writeTinyScans } from '../infer/tiny-model.js';
import { listFiles, meatus, snapshot } from './harness.js';

const root = mkdtempSync(join(tmpdir(), 'meatus-kill-segment-'));
process.on('exit', () => rmSync(root, { recursive: true, force: true }));

/** Outputs without the timings (`seconds`) of the records. */
const normalise = (rel: string, b: Buffer) => {
  if (!rel.endsWith('.json')) return b.toString('base64');
  const rec = JSON.parse(b.toString('utf8'));
  delete rec.seconds;
  return JSON.stringify(rec);
};

test('segment killed at a label write, a record rename and mid-case: the rerun equals an uninterrupted run', async () => {
  const model = join(root, 'tiny.safetensors');
  await saveTinyBaseline(model);
  const scans = join(root, 'scans');
  await writeTinyScans(scans, ['c0', 'c1', 'c2']);
  const args = (out: string) => ['segment', scans, '--baseline', model, '--out', out, '--no-report'];
  const reference = join(root, 'reference');
  const ok = meatus(args(reference));
  assert.equal(ok.status, 0, ok.stderr);
  const expected = snapshot(reference, normalise);
  assert.deepEqual(Object.keys(expected), ['c0.nii.gz', 'c0_measurements.json', 'c1.nii.gz', 'c1_measurements.json', 'c2.nii.gz', 'c2_measurements.json']);

  for (const killAt of ['write:^c1\\.nii\\.gz$:1', 'rename:^c1_measurements\\.json$:1', 'after:^c0_measurements\\.json$:1:0']) {
    const out = join(root, killAt.replace(/[^a-z0-9]+/gi, '-'));
    const killed = meatus(args(out), killAt);
    assert.equal(killed.signal, 'SIGKILL', `${killAt}: killed (${killed.stderr.slice(-300)})`);
    if (!killAt.startsWith('after')) assert.ok(listFiles(out).some((f) => f.endsWith('.tmp')), `${killAt}: a temporary file is left`);
    const rerun = meatus(args(out));
    assert.equal(rerun.status, 0, rerun.stderr);
    assert.match(rerun.stderr, /3 cases; [12] already complete/);
    assert.deepEqual(snapshot(out, normalise), expected, `${killAt}: identical outputs, no stray file`);
  }
});
