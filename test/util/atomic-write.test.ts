import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { removeStaleTemporaries, writeFileAtomic } from '../../src/util/atomic-write.js';

test('removeStaleTemporaries: removes the temporaries of dead writers, keeps live ones and other files', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'meatus-atomic-'));
  try {
    // A process that has exited: its pid is free (pids are not reused this quickly).
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    const deadPid = Number(dead.stdout);
    assert.ok(deadPid > 0);
    const stale = [`.a.nii.gz.${deadPid}.0123abcd.tmp`, `.plan.json.${deadPid}.ffffffff.tmp`];
    const keep = [`.b.json.${process.pid}.00000000.tmp`, 'c.json', '.hidden', `.d.${deadPid}.xyz.tmp`];
    for (const f of [...stale, ...keep]) await writeFile(join(dir, f), '');
    await writeFileAtomic(join(dir, 'e.json'), '{}');
    const removed = await removeStaleTemporaries(dir);
    assert.deepEqual(removed.sort(), stale.map((f) => join(dir, f)).sort());
    assert.deepEqual((await readdir(dir)).sort(), [...keep, 'e.json'].sort());
    assert.equal(await readFile(join(dir, 'e.json'), 'utf8'), '{}');
    assert.deepEqual(await removeStaleTemporaries(join(dir, 'missing')), []);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
