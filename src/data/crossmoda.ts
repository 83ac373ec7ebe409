/**
 * The crossMoDA challenge layout (read only).
 *
 * Accepted file names (case-insensitive, `.nii` or `.nii.gz`, in the folder or its subfolders up
 * to three levels deep, e.g. `source_training/`, `target_training/`, `target_validation/`):
 *
 * | edition | example |
 * | --- | --- |
 * | 2023 | `crossmoda2023_etz_105_hrT2.nii.gz`, `crossmoda2023_etz_105_Label.nii.gz`, `crossmoda2023_ldn_1_ceT1.nii.gz` |
 * | 2022 | `crossmoda2022_ukm_12_hrT2.nii.gz` |
 * | 2021 | `crossmoda_106_hrT2.nii.gz`, `crossmoda_1_Label.nii.gz` |
 *
 * i.e. `crossmoda[YYYY][_<site>]_<number>_<hrT2|ceT1|Label>`. The case id is everything before
 * the last `_`. A case is usable for our task when it has an `hrT2` image; its `Label`, when
 * present, is read with our label values (0 background, 1 extrameatal, 2 intrameatal — the
 * convention of shared/DESIGN.md); `meatus dataset check` reports any other value it finds, and
 * `meatus dataset convert --map` (`convert.ts`) relabels a copy coded otherwise.
 * Every crossMoDA case is its own patient (the names carry no timepoint).
 */

import { readdir } from 'node:fs/promises';
import { join, relative } from 'node:path';

/** The file-name pattern of the module comment. */
export const CROSSMODA_FILE = /^(?<case>crossmoda(?:20\d\d)?(?:_[a-z]+)?_\d+)_(?<kind>hrT2|ceT1|Label)\.nii(?:\.gz)?$/i;

/** One crossMoDA case's files. */
export interface CrossmodaCase {
  id: string;
  hrT2?: string;
  ceT1?: string;
  label?: string;
}

/** A listed crossMoDA folder. */
export interface CrossmodaDataset {
  root: string;
  /** Cases sorted by id. */
  cases: CrossmodaCase[];
  /** NIfTI files whose names do not follow the pattern (relative to root). */
  strayFiles: string[];
  /** Files seen twice for the same case and kind (relative to root). */
  duplicates: string[];
}

async function walk(dir: string, depth: number, out: string[]): Promise<void> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (e) {
    throw new Error(`${dir}: cannot list folder (${(e as Error).message})`);
  }
  for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
    if (e.name.startsWith('.')) continue;
    const p = join(dir, e.name);
    if (e.isDirectory() && depth < 3) await walk(p, depth + 1, out);
    else if (e.isFile()) out.push(p);
  }
}

/** Whether a folder looks like a crossMoDA download (some file matches {@link CROSSMODA_FILE}). */
export async function looksLikeCrossmoda(root: string): Promise<boolean> {
  const files: string[] = [];
  await walk(root, 0, files);
  return files.some((f) => CROSSMODA_FILE.test(f.slice(f.lastIndexOf('/') + 1)));
}

/**
 * Lists a crossMoDA folder (see the module comment for the accepted names). Reads no image.
 * @throws Error naming the folder if it cannot be listed.
 */
export async function readCrossmodaDataset(root: string): Promise<CrossmodaDataset> {
  const files: string[] = [];
  await walk(root, 0, files);
  const cases = new Map<string, CrossmodaCase>();
  const strayFiles: string[] = [];
  const duplicates: string[] = [];
  for (const f of files) {
    const name = f.slice(f.lastIndexOf('/') + 1);
    const m = CROSSMODA_FILE.exec(name);
    if (!m?.groups) {
      if (/\.nii(\.gz)?$/i.test(name)) strayFiles.push(relative(root, f));
      continue;
    }
    const id = m.groups.case;
    const kind = m.groups.kind.toLowerCase();
    const key: keyof CrossmodaCase = kind === 'hrt2' ? 'hrT2' : kind === 'cet1' ? 'ceT1' : 'label';
    const c = cases.get(id) ?? { id };
    if (c[key] !== undefined) duplicates.push(relative(root, f));
    else c[key] = f;
    cases.set(id, c);
  }
  return { root, cases: [...cases.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)), strayFiles, duplicates };
}
