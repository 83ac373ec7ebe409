/**
 * Replacing a whole folder so that a reader sees the old one or the new one, never a mix: the new
 * folder is built aside (`.<name>.partial.<pid>.<hex>` next to it) and swapped in by two renames
 * (old → `.<name>.old.<pid>.<hex>`, new → `<name>`), then the old one is removed. A process killed
 * while building leaves the target untouched; killed between the two renames, it leaves no target
 * (a reader refuses: nothing there) rather than a wrong one. The next call removes what a dead
 * process left aside.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { makeDirs } from './output-path.js';
import { isProcessAlive } from './atomic-write.js';

/** Names that a dead process left next to `target` (staging or old copies). */
function strayAside(target: string): string[] {
  const parent = dirname(target);
  if (!existsSync(parent)) return [];
  const re = new RegExp(`^\\.${basename(target).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\.(partial|old)\\.(\\d+)\\.[0-9a-f]{8}$`);
  return readdirSync(parent)
    .filter((n) => {
      const m = re.exec(n);
      return m !== null && !isProcessAlive(Number(m[2]));
    })
    .map((n) => join(parent, n));
}

/** Options of {@link replaceFolder}. */
export interface ReplaceFolderOptions {
  /**
   * Called with the names in an existing target folder; returns why it must not be replaced (for
   * example, files another program wrote), or undefined to replace it.
   */
  refuse?: (names: string[]) => string | undefined;
}

/**
 * Builds a folder with `build(staging)` and swaps it in as `target` whole (see the module comment).
 * @returns what `build` returned.
 * @throws Error naming the target if `opts.refuse` refuses the existing folder (before any work),
 *   the target is a file, or a rename fails; `build`'s own error after removing the staging folder.
 * @example await replaceFolder('data/pre', async (dir) => { await writeEverything(dir); });
 */
export async function replaceFolder<T>(target: string, build: (staging: string) => Promise<T>, opts: ReplaceFolderOptions = {}): Promise<T> {
  const abs = resolve(target);
  for (const p of strayAside(abs)) await rm(p, { recursive: true, force: true });
  if (existsSync(abs)) {
    let names: string[];
    try {
      names = readdirSync(abs);
    } catch (e) {
      throw new Error(`${abs}: cannot replace it (${(e as Error).message}); expected a folder`);
    }
    const why = opts.refuse?.(names);
    if (why) throw new Error(`${abs}: not replaced: ${why}`);
  }
  const tag = `${process.pid}.${randomBytes(4).toString('hex')}`;
  const staging = join(dirname(abs), `.${basename(abs)}.partial.${tag}`);
  makeDirs(staging);
  let result: T;
  try {
    result = await build(staging);
  } catch (e) {
    await rm(staging, { recursive: true, force: true });
    throw e;
  }
  const old = join(dirname(abs), `.${basename(abs)}.old.${tag}`);
  const hadOld = existsSync(abs);
  try {
    if (hadOld) await rename(abs, old);
    await rename(staging, abs);
  } catch (e) {
    throw new Error(`${abs}: cannot swap in the new folder ${staging}: ${(e as Error).message}`);
  }
  if (hadOld) await rm(old, { recursive: true, force: true });
  return result;
}
