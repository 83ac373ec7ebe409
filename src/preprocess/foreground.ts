/**
 * Whether preprocessed training cases hold any tumour: a run needs at least one case with a label
 * voxel above 0 (cases without one — healthy controls — train alongside, as nnU-Net's sampler takes
 * a random patch where a case has no foreground).
 */
import { readPreprocessedCase } from './preprocess.js';

/**
 * The first of `ids` (preprocessed cases in `dir`) whose label has a voxel above 0, or null when
 * none has. Reads the cases in order and stops at the first such one.
 * @throws Error naming the file of a case that cannot be read.
 */
export async function firstCaseWithForeground(dir: string, ids: readonly string[]): Promise<string | null> {
  for (const id of ids) {
    const c = await readPreprocessedCase(dir, id);
    if (c.label.some((v) => v > 0)) return id;
  }
  return null;
}
