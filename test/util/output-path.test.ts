// Output locations: a file in the way, /proc, existing output — named at once, nothing written;
// the atomic writer reports the real error, not its temporary file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkOutput, makeDirs } from '../../src/util/output-path.js';
import { writeFileAtomic, writeFileAtomicSync } from '../../src/util/atomic-write.js';

test('checkOutput and makeDirs name the file in the way, refuse /proc and existing output', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'meatus-out-'));
  try {
    const file = join(dir, 'f');
    writeFileSync(file, 'x');
    assert.throws(() => checkOutput('--out', join(file, 'a', 'b'), { kind: 'dir' }), new RegExp(`--out .*: ${file} is a file, not a folder`));
    assert.throws(() => checkOutput('--out', join(file, 'plan.json'), { kind: 'file' }), /is a file, not a folder/);
    assert.throws(() => makeDirs(join(file, 'a')), new RegExp(`${file} is a file, not a folder`));
    assert.throws(() => checkOutput('--out', '/proc/x', { kind: 'dir' }), /cannot write under \/proc or \/sys/);
    assert.throws(() => makeDirs('/proc/meatus-x/y'), /under \/proc or \/sys/);
    assert.throws(() => checkOutput('--out', file, { kind: 'dir' }), /is a file, not a folder/);
    assert.throws(() => checkOutput('--out', file, { kind: 'file' }), /exists; give --overwrite/);
    checkOutput('--out', file, { kind: 'file', overwrite: true });
    assert.throws(() => checkOutput('--out', dir, { kind: 'dir' }), /already holds output \(f\); give --overwrite/);
    checkOutput('--out', dir, { kind: 'dir', outputs: ['summary.json'] });
    checkOutput('--out', join(dir, 'new', 'deeper'), { kind: 'dir' });
    assert.deepEqual(readdirSync(dir), ['f'], 'checking wrote nothing');
    makeDirs(join(dir, 'a', 'b', 'c'));
    makeDirs(join(dir, 'a', 'b', 'c'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('writeFileAtomic: a parent that is a file is named, not the temporary file', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'meatus-out-'));
  try {
    const file = join(dir, 'f');
    writeFileSync(file, 'x');
    const target = join(file, 'sub', 'x.json');
    await assert.rejects(writeFileAtomic(target, '{}'), (e: Error) => e.message.startsWith(`cannot write ${target}:`) && e.message.includes(`${file} is a file`) && !e.message.includes('.tmp'));
    assert.throws(() => writeFileAtomicSync(target, '{}'), (e: Error) => !e.message.includes('.tmp') && e.message.includes(`${file} is a file`));
    await assert.rejects(writeFileAtomic('/proc/meatus-x/y.json', '{}'), /cannot write \/proc\/meatus-x\/y.json: .*under \/proc or \/sys/);
    await writeFileAtomic(join(dir, 'ok', 'deep', 'x.json'), '{}');
    assert.deepEqual(readdirSync(join(dir, 'ok', 'deep')), ['x.json']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
