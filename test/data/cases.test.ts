import { test } from 'node:test';
import assert from 'node:assert/strict';
import { caseIdentity, casePattern, groupByPatient } from '../../src/data/cases.js';
import { PAPER_PROPORTIONS, readSplit, splitPatients, writeSplit } from '../../src/data/split.js';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

test('caseIdentity: default pattern, custom pattern, unmatched names', () => {
  const table: [string, string, number | undefined][] = [
    ['VS_p012_t01', 'VS_p012', 1],
    ['VS_p012_t10', 'VS_p012', 10],
    ['pat7-tp3', 'pat7', 3],
    ['crossmoda2023_etz_105', 'crossmoda2023_etz_105', undefined],
  ];
  for (const [name, patient, timepoint] of table) {
    const id = caseIdentity(name);
    assert.equal(id.patient, patient, name);
    assert.equal(id.timepoint, timepoint, name);
  }
  assert.deepEqual(caseIdentity('S3-V2', '^S(?<patient>\\d+)-V(?<timepoint>\\d+)$'), { name: 'S3-V2', patient: '3', timepoint: 2 });
  assert.throws(() => casePattern('^(?<pid>.+)$'), /no named group 'patient'/);
  assert.throws(() => casePattern(''), /case pattern: "" has no named group 'patient'/);
  assert.throws(() => casePattern(/^x$/), /case pattern: \^x\$ has no named group 'patient'/);
  assert.throws(() => casePattern('('), /not a valid regular expression/);
});

test('groupByPatient sorts timepoints', () => {
  const g = groupByPatient(['A_t02', 'B_t01', 'A_t01']);
  assert.deepEqual([...g.keys()], ['A', 'B']);
  assert.deepEqual(g.get('A')!.map((c) => c.name), ['A_t01', 'A_t02']);
});

function names(patients: number, seed = 1): string[] {
  const out: string[] = [];
  for (let p = 0; p < patients; p++) for (let t = 0; t <= ((p * 7 + seed) % 3); t++) out.push(`VS_p${String(p).padStart(3, '0')}_t0${t + 1}`);
  return out;
}

test('splitPatients: patient-level, deterministic, near the paper proportions', () => {
  const all = names(137);
  const s = splitPatients(all, { seed: 4 });
  const again = splitPatients(all, { seed: 4 });
  assert.deepEqual(s, again);
  assert.notDeepEqual(splitPatients(all, { seed: 5 }).test, s.test);
  assert.equal(s.train.length + s.validation.length + s.test.length, all.length);
  // no patient in two sets
  for (const set of ['train', 'validation', 'test'] as const) {
    for (const n of s[set]) assert.equal(s.patients[n.slice(0, 7)], set);
  }
  const total = PAPER_PROPORTIONS.reduce((a, b) => a + b, 0);
  const want = PAPER_PROPORTIONS.map((p) => (p / total) * all.length);
  [s.train, s.validation, s.test].forEach((set, i) => assert.ok(Math.abs(set.length - want[i]) <= 3, `set ${i}: ${set.length} vs ${want[i]}`));
});

test('splitPatients: every set gets a patient when there are enough; bad proportions are refused', () => {
  const s = splitPatients(['a_t01', 'a_t02', 'b_t01', 'c_t01'], { seed: 0 });
  assert.ok(s.train.length > 0 && s.validation.length > 0 && s.test.length > 0);
  assert.throws(() => splitPatients(['a'], { proportions: [0, 0, 0] }), /proportions/);
  assert.throws(() => splitPatients(['a', 'a']), /unique/);
});

test('writeSplit / readSplit round trip', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'meatus-split-'));
  try {
    const s = splitPatients(names(10), { seed: 2 });
    await writeSplit(join(dir, 's.json'), s);
    assert.deepEqual(await readSplit(join(dir, 's.json')), s);
    await assert.rejects(readSplit(join(dir, 'missing.json')), /missing\.json: cannot read split JSON/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
