// The NIfTI reader under fuzzing (issue #14): 300 deterministic mutants of seed 1 through the
// watchdog driver; `npm run fuzz -- --count 10000` runs the full set (figures in RELIABILITY.md).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runFuzz } from './driver.js';
import { KINDS, mutant } from './nifti-mutants.js';
import { classify } from './oracle.js';
import { decodeNifti, encodeNifti } from '../../src/volume/nifti.js';
import { diagonalAffine } from '../../src/volume/volume.js';

test('mutants are deterministic', () => {
  for (const i of [0, 7, 123]) assert.deepEqual(mutant(1, i).bytes, mutant(1, i).bytes);
  assert.notDeepEqual(mutant(1, 5).bytes, mutant(2, 5).bytes);
});

test('the oracle finds a read that differs from the file, and an error that names no file', () => {
  const vol = { data: new Int16Array([1, 2, 3, 4, 5, 6]), shape: [1, 2, 3] as [number, number, number], spacing: [1, 1, 1] as [number, number, number], affine: diagonalAffine([1, 1, 1]) };
  const file = encodeNifti(vol);
  const img = decodeNifti(file, 'f.nii');
  assert.equal(classify(file, 'f.nii', { img }).outcome, 'valid');
  const wrong = { ...img, data: new Int16Array([1, 2, 3, 4, 5, 7]) };
  assert.deepEqual(classify(file, 'f.nii', { img: wrong }), { outcome: 'wrong', message: 'voxel 5 is 7, the file holds 6' });
  assert.equal(classify(file, 'f.nii', { error: new Error('dim[1] = 0, expected a size ≥ 1') }).outcome, 'unnamed');
  assert.equal(classify(file, 'f.nii', { error: 'boom' }).outcome, 'crash');
  assert.equal(classify(file, 'f.nii', { error: new Error('f.nii: dim[1] = 0, expected a size ≥ 1') }).outcome, 'refused');
});

test('300 mutants of seed 1: no crash, hang, wrong read or unnamed error; memory bounded', async () => {
  // A minute per read here, not the full run's 10 s: CI machines are shared; this catches loops, and
  // `npm run fuzz` measures the 10 s goal (RELIABILITY.md).
  const s = await runFuzz({ seed: 1, count: 300, timeoutMs: 60_000, memoryLimitMB: 1024 });
  assert.deepEqual(s.failures, []);
  assert.equal(s.outcomes.valid + s.outcomes.refused, 300);
  assert.ok(s.outcomes.valid > 50 && s.outcomes.refused > 50, JSON.stringify(s.outcomes));
  for (const k of KINDS) assert.ok(Object.keys(s.byKind[k]).length > 0, `kind ${k} exercised`);
  assert.ok(s.peakRssMB <= 1024, `peak RSS ${s.peakRssMB} MB`);
});
