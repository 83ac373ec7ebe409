/**
 * Running a `meatus` command in a child process that is killed at a chosen point (see `kill-at.ts`),
 * and comparing output folders: the files a run leaves and their bytes, ignoring named volatile
 * parts (timings).
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '..', '..');

/** Runs `meatus …args`; with `killAt`, under `MEATUS_KILL_AT`. Returns the exit status and signal. */
export function meatus(args: string[], killAt?: string): { status: number | null; signal: NodeJS.Signals | null; stderr: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--import', join(ROOT, 'test', 'kill', 'kill-at.ts'), join(ROOT, 'bin', 'meatus.js'), ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, MEATUS_KILL_AT: killAt ?? '' },
    timeout: 300_000,
  });
  return { status: r.status, signal: r.signal, stderr: r.stderr };
}

/** Every file under `dir` (relative paths, sorted), hidden ones included. */
export function listFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string, rel: string) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p, rel + name + '/');
      else out.push(rel + name);
    }
  };
  walk(dir, '');
  return out;
}

/** The files of `dir` and their contents, with `normalise(relPath, bytes)` applied (e.g. to drop timings). */
export function snapshot(dir: string, normalise: (rel: string, bytes: Buffer) => string = (_r, b) => b.toString('base64')): Record<string, string> {
  return Object.fromEntries(listFiles(dir).map((f) => [f, normalise(f, readFileSync(join(dir, f)))]));
}
