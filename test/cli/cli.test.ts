// The command line: dispatch, usage errors and bad input for the commands without a test of their own.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli } from './run-cli.js';
import { caseIdOf } from '../../src/cli/segment.js';

const dir = mkdtempSync(join(tmpdir(), 'meatus-cli-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

test('unknown commands and flags are usage errors (exit 2)', async () => {
  assert.deepEqual(await cli('frobnicate').then((r) => r.code), 2);
  const r = await cli('plan', '--bogus');
  assert.equal(r.code, 2);
  assert.match(r.err, /^meatus plan: Unknown option '--bogus'\n\nusage: meatus plan .*\nRun 'meatus plan --help' for the options\.\n$/);
  assert.match((await cli('preprocess', '--dataset', dir)).err, /--plan, --out required/);
  // Node's parseArgs texts, made short: a missing value, a value given to a flag.
  const missing = await cli('segment', '--out');
  assert.equal(missing.code, 2);
  assert.match(missing.err, /^meatus segment: option '--out' needs a value\n/);
  assert.match((await cli('segment', '--overwrite=yes')).err, /^meatus segment: option '--overwrite' takes no value\n/);
});

test('meatus segment: case ids from file names; bad inputs name the file or flag', async () => {
  assert.equal(caseIdOf('/x/VS_p001_t01_0000.nii.gz'), 'VS_p001_t01');
  assert.equal(caseIdOf('scan.nii'), 'scan');
  assert.match((await cli('segment', join(dir, 'missing.nii.gz'))).err, /missing\.nii\.gz: no such file or folder/);
  const txt = join(dir, 'notes.txt');
  writeFileSync(txt, 'x');
  assert.match((await cli('segment', txt)).err, /expected a \.nii or \.nii\.gz file or a folder/);
  assert.match((await cli('segment', dir)).err, /no \.nii or \.nii\.gz file in the folder/);
  assert.match((await cli('segment', '--demo', '--device', 'gpu')).err, /--device: expected cpu or cuda/);
  assert.match((await cli('segment', '--stage1', 'a.safetensors', txt)).err, /notes\.txt|--stage1 and --stage2 go together/);
  assert.equal((await cli('segment')).code, 2);
  // --models names a folder, --stage1 a file: the other kind is a usage error.
  const notFolder = await cli('segment', '--demo', '--models', txt, '--out', join(dir, 'seg-x'));
  assert.equal(notFolder.code, 2);
  assert.match(notFolder.err, /--models .*notes\.txt: not a folder/);
  assert.match((await cli('segment', '--demo', '--stage1', dir, '--stage2', dir, '--out', join(dir, 'seg-x'))).err, /--stage1 .*: not a file/);
});

test('meatus train: missing and malformed options are refused with the flag named', async () => {
  assert.equal((await cli('train', '--task', 'split')).code, 2);
  assert.match((await cli('train', '--dataset', dir, '--task', 'segmentAll')).err, /--task: expected wholeTumour or split or baseline, got 'segmentAll'/);
  assert.match((await cli('train', '--dataset', join(dir, 'nope'), '--task', 'split')).err, /--dataset .*nope: no such folder/);
  const contra = await cli('train', '--dataset', dir, '--task', 'wholeTumour', '--contralateral', '1.5');
  assert.equal(contra.code, 2);
  assert.match(contra.err, /--contralateral: expected a fraction between 0 and 1, got '1\.5'/);
  const usage = async (re: RegExp, ...args: string[]) => {
    const r = await cli('train', '--dataset', dir, '--task', 'wholeTumour', ...args);
    assert.equal(r.code, 2, r.err);
    assert.match(r.err, re);
  };
  await usage(/--hard-negative-share: goes with --hard-negatives FILE/, '--hard-negative-share', '0.5');
  await usage(/--hard-negatives .*nope\.json: no such file/, '--hard-negatives', join(dir, 'nope.json'));
  await usage(/--hard-negatives .*: a folder; expected a JSON file/, '--hard-negatives', dir);
  const hn = join(dir, 'hn.json');
  writeFileSync(hn, JSON.stringify({ coordinates: 'ras', cases: {} }));
  await usage(/--hard-negatives: .*hn\.json: field coordinates: expected "RAS" or "LPS", got "ras"/, '--hard-negatives', hn);
  writeFileSync(hn, JSON.stringify({ coordinates: 'RAS', cases: { VS_p001_t01: [] } }));
  await usage(/--hard-negatives: .*hn\.json: field cases: expected at least one point/, '--hard-negatives', hn);
  await usage(/--hard-negative-share: expected a fraction between 0 and 1, got '-1'/, '--hard-negatives', hn, '--hard-negative-share', '-1');
});
