// `meatus phantom` with the head options: a named geometry, healthy heads, NF2; bad values exit 2
// before anything is written.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli } from './run-cli.js';
import { readNifti } from '../../src/volume/nifti-file.js';

const dir = mkdtempSync(join(tmpdir(), 'meatus-cli-phantom-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

test('meatus phantom --geometry tse --healthy 1: a 224 × 224 × 60 head at 1 × 1 × 2 mm with an empty label', async () => {
  const out = join(dir, 'healthy');
  const r = await cli('phantom', '--cases', '1', '--geometry', 'tse', '--healthy', '1', '--out', out, '--jobs', '1');
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /VS_p001_t01 {2}healthy .* 60×224×224 @ 2×1×1 mm/);
  const { meta } = JSON.parse(readFileSync(join(out, 'phantoms.json'), 'utf8')).cases[0];
  assert.equal(meta.healthy, true);
  assert.equal(meta.geometry, 'tse');
  assert.deepEqual(meta.tumours, []);
  const label = await readNifti(join(out, 'labelsTr', 'VS_p001_t01.nii.gz'));
  assert.deepEqual(label.shape, [60, 224, 224]);
  assert.ok(label.data.every((v) => v === 0));
});

test('meatus phantom: bad --geometry, --healthy, --nf2, --fov, --koos exit 2 before writing anything', async () => {
  for (const [flag, value, message] of [
    ['--geometry', 'cube', /--geometry: expected ciss, fiesta, iso, tse, slab, mixed, got 'cube'/],
    ['--healthy', '1.5', /--healthy: expected a fraction between 0 and 1, got '1\.5'/],
    ['--nf2', 'some', /--nf2: expected a fraction between 0 and 1, got 'some'/],
    ['--fov', 'brain', /--fov: expected crop or head, got 'brain'/],
    ['--koos', '5', /--koos: expected 1, 2, 3 or 4, got '5'/],
  ] as const) {
    const out = join(dir, `bad${flag}`);
    const r = await cli('phantom', '--cases', '1', flag, value, '--out', out);
    assert.equal(r.code, 2, `${flag} ${value}: ${r.err}`);
    assert.match(r.err, message);
    assert.equal(existsSync(out), false, `${flag}: nothing written`);
  }
  const r = await cli('phantom', '--cases', '1', '--fov', 'crop', '--geometry', 'ciss', '--out', join(dir, 'crop'));
  assert.equal(r.code, 2);
  assert.match(r.err, /--geometry: goes with --fov head/);
});

test('meatus phantom --first-patient: the patients a larger dataset of the same seed would hold, numbered on', async () => {
  const whole = join(dir, 'whole');
  const tail = join(dir, 'tail');
  assert.equal((await cli('phantom', '--cases', '3', '--patients', '3', '--seed', '4', '--out', whole, '--jobs', '1')).code, 0);
  const r = await cli('phantom', '--cases', '2', '--patients', '2', '--seed', '4', '--first-patient', '2', '--out', tail, '--jobs', '2');
  assert.equal(r.code, 0, r.err);
  const names = JSON.parse(readFileSync(join(tail, 'phantoms.json'), 'utf8')).cases.map((c: { name: string }) => c.name);
  assert.deepEqual(names, ['VS_p002_t01', 'VS_p003_t01']);
  for (const n of names) {
    assert.deepEqual(readFileSync(join(tail, 'imagesTr', `${n}_0000.nii.gz`)), readFileSync(join(whole, 'imagesTr', `${n}_0000.nii.gz`)), n);
  }
  const bad = await cli('phantom', '--cases', '2', '--patients', '2', '--first-patient', '999', '--out', join(dir, 'past'));
  assert.equal(bad.code, 2);
  assert.match(bad.err, /--first-patient 999: the last patient would be past VS_p999/);
  assert.match((await cli('phantom', '--cases', '1', '--first-patient', '0', '--out', join(dir, 'zero'))).err, /--first-patient/);
});
