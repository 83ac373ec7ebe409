/**
 * Listing the files under a folder, for readers of dataset layouts (crossMoDA, DICOM folders).
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * The paths of the regular files under `root`, depth first in name order, descending at most
 * `maxDepth` folders below it. Hidden files and folders (a leading `.`) are left out.
 * @throws Error naming the folder that cannot be listed.
 */
export async function listFiles(root: string, maxDepth: number): Promise<string[]> {
  const out: string[] = [];
  const walk = async (dir: string, depth: number): Promise<void> => {
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (e) {
      throw new Error(`${dir}: cannot list folder (${(e as Error).message})`);
    }
    for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      if (e.name.startsWith('.')) continue;
      const p = join(dir, e.name);
      if (e.isDirectory() && depth < maxDepth) await walk(p, depth + 1);
      else if (e.isFile()) out.push(p);
    }
  };
  await walk(root, 0);
  return out;
}
