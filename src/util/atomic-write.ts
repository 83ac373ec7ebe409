/**
 * Writing files so that a reader never sees half of one: write to a temporary name in the same
 * folder, then rename (atomic on POSIX file systems). Used by every writer in meatus.
 */
import { randomBytes } from 'node:crypto';
import { readdir, rename, rm, writeFile } from 'node:fs/promises';
import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { makeDirs } from './output-path.js';

function tempName(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
}

/** The error to report: the first failure, named by `path` and never by the temporary file. */
function failure(path: string, tmp: string, err: unknown): Error {
  return new Error(`cannot write ${path}: ${(err as Error).message.split(tmp).join(path)}`);
}

/**
 * Writes `data` to `path` atomically, creating the folder if needed (see `makeDirs`).
 * @throws Error naming the path (never the temporary file) when the folder cannot be created or
 *   the file written; a failed clean-up of the temporary file does not hide that error.
 */
export async function writeFileAtomic(path: string, data: Uint8Array | string): Promise<void> {
  const tmp = tempName(path);
  try {
    makeDirs(dirname(path));
    await writeFile(tmp, data);
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true }).catch(() => undefined);
    throw failure(path, tmp, err);
  }
}

/** Synchronous {@link writeFileAtomic}. */
export function writeFileAtomicSync(path: string, data: Uint8Array | string): void {
  const tmp = tempName(path);
  try {
    makeDirs(dirname(path));
    writeFileSync(tmp, data);
    renameSync(tmp, path);
  } catch (err) {
    try {
      rmSync(tmp, { force: true });
    } catch {
      // the folder may not exist or be a file: the first error is the one to report
    }
    throw failure(path, tmp, err);
  }
}

/** `.<name>.<pid>.<8 hex>.tmp`, as {@link writeFileAtomic} names its temporary files. */
const TEMP = /^\.(.+)\.(\d+)\.[0-9a-f]{8}\.tmp$/;

/**
 * Whether a process with this id runs on this machine (this process included; a process of
 * another user counts as running).
 */
export function isProcessAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: the process exists but belongs to someone else.
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes the temporary files that writers killed mid-write left in `dir` (not recursive): files
 * named as {@link writeFileAtomic} names them whose process is no longer running on this machine.
 * A temporary file of a live process is kept (it may be writing). A missing folder is not an error.
 * Commands call it on their output folders before writing, so a rerun after a kill leaves no stray file.
 * @returns the paths removed.
 * @throws Error naming the folder if it exists but cannot be listed.
 */
export async function removeStaleTemporaries(dir: string): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new Error(`cannot list ${dir} to remove stale temporary files: ${(e as Error).message}`);
  }
  const removed: string[] = [];
  for (const name of names) {
    const m = TEMP.exec(name);
    if (!m || isProcessAlive(Number(m[2]))) continue;
    await rm(join(dir, name), { force: true });
    removed.push(join(dir, name));
  }
  return removed;
}
