/**
 * Output locations: checked before the work, created without Node's recursive `mkdir`.
 *
 * Node 20's `mkdir(path, { recursive: true })` loops forever at full CPU under some virtual file
 * systems (e.g. `/proc/x`), and reports a parent that is a regular file as an error about a hidden
 * temporary file further down. {@link makeDirs} creates one component at a time and names the
 * component that is in the way; {@link checkOutput} finds the same problems without writing
 * anything, so a command can refuse its options before it starts working.
 */
import { accessSync, constants, mkdirSync, readdirSync, statSync, type Stats } from 'node:fs';
import { dirname, resolve } from 'node:path';

function statOrNull(path: string): Stats | null {
  try {
    return statSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return null;
    if (code === 'ENOTDIR') throw new Error(`${path}: a component of the path is a file, not a folder`);
    throw new Error(`${path}: ${(e as Error).message}`);
  }
}

/** The folders from the root down to `dir`, absolute. */
function chain(dir: string): string[] {
  const out: string[] = [];
  for (let d = resolve(dir); ; d = dirname(d)) {
    out.unshift(d);
    if (dirname(d) === d) return out;
  }
}

/**
 * The deepest existing folder on the way to `dir` and the folders still to create below it.
 * @throws Error naming the first component that exists but is not a folder.
 */
function existingAncestor(dir: string): { base: string; missing: string[] } {
  const all = chain(dir);
  let i = 0;
  for (; i < all.length; i++) {
    const st = statOrNull(all[i]);
    if (st === null) break;
    if (!st.isDirectory()) throw new Error(`${resolve(dir)}: ${all[i]} is a file, not a folder`);
  }
  return { base: all[i - 1], missing: all.slice(i) };
}

/** True under file systems the kernel synthesises (`/proc`, `/sys`), where nothing can be written. */
function isVirtual(path: string): boolean {
  return /^\/(proc|sys)(\/|$)/.test(resolve(path));
}

/**
 * Creates folder `dir` and its missing parents, one at a time (never Node's recursive `mkdir`).
 * @throws Error naming `dir` and the component in the way: a file where a folder should be, a
 *   folder under `/proc` or `/sys`, or a parent that cannot be written.
 */
export function makeDirs(dir: string): void {
  if (isVirtual(dir)) throw new Error(`${resolve(dir)}: cannot create a folder under /proc or /sys`);
  const { missing } = existingAncestor(dir);
  for (const d of missing) {
    try {
      mkdirSync(d);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST' && statSync(d).isDirectory()) continue;
      throw new Error(`${resolve(dir)}: cannot create ${d} (${(e as Error).message})`);
    }
  }
}

/** What {@link checkOutput} checks. */
export interface OutputCheck {
  /** `'dir'` (a folder to create or fill) or `'file'` (one file to create or replace). */
  kind: 'dir' | 'file';
  /** Whether existing output may be replaced (the `--overwrite` flag). Default false. */
  overwrite?: boolean;
  /**
   * For `'dir'` without `overwrite`: files whose presence means "there is output here already"
   * (default: any entry — the folder must be empty or absent).
   */
  outputs?: readonly string[];
}

/**
 * Checks, without writing anything, that `path` can receive output: every existing component on
 * the way is a folder, the deepest existing one is writable, it is not under `/proc` or `/sys`, a
 * `'file'` path is not a folder, and existing output is only replaced with `overwrite`.
 * @param what - How messages name the path (e.g. `--out`).
 * @throws Error naming `what`, the path and the problem.
 */
export function checkOutput(what: string, path: string, check: OutputCheck): void {
  const abs = resolve(path);
  const fail = (msg: string): never => {
    throw new Error(`${what} ${path}: ${msg}`);
  };
  if (isVirtual(abs)) fail('cannot write under /proc or /sys');
  const target = check.kind === 'dir' ? abs : dirname(abs);
  let base: string;
  try {
    ({ base } = existingAncestor(target));
  } catch (e) {
    return fail((e as Error).message.replace(`${target}: `, ''));
  }
  try {
    accessSync(base, constants.W_OK);
  } catch {
    fail(`${base} is not writable`);
  }
  const st = statOrNull(abs);
  if (!st) return;
  if (check.kind === 'file') {
    if (st.isDirectory()) fail('is a folder; expected a file name');
    if (!check.overwrite) fail('exists; give --overwrite to replace it');
    return;
  }
  if (!st.isDirectory()) fail('is a file, not a folder');
  if (check.overwrite) return;
  const entries = readdirSync(abs);
  const existing = check.outputs ? check.outputs.filter((f) => entries.includes(f)) : entries;
  if (existing.length) {
    fail(`already holds output (${existing.slice(0, 3).join(', ')}${existing.length > 3 ? ', …' : ''}); give --overwrite to write over it, or another folder`);
  }
}
