/**
 * A model folder, as `meatus segment --models DIR` and the benchmarks read it: `stage1.safetensors`,
 * `stage2.safetensors` and, optionally, `localiser.safetensors`. A stage may be an ensemble: its
 * further members are `stage1-2.safetensors`, `stage1-3.safetensors`, … numbered without a gap
 * (`loadEnsemble` averages their logits, as nnU-Net averages its folds).
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Device } from '../torch/index.js';
import { loadEnsemble, type Engine, type Model } from './model.js';

/** The networks of a model folder (no localiser: `segment()` runs both stages on the whole scan). */
export interface FolderModels {
  stage1: Model;
  stage2: Model;
  localiser?: Model;
}

/** The file names of a folder's networks. */
export type Stage = 'stage1' | 'stage2' | 'localiser';

/**
 * The checkpoint files of one network of folder `dir`: `NAME.safetensors`, then `NAME-2.safetensors`,
 * `NAME-3.safetensors`, … while they exist. Empty if `NAME.safetensors` is absent.
 * @throws Error if `dir` is not a folder; Error naming the file if a numbered member has no predecessor (e.g. `stage1-3` without
 *   `stage1-2`, or any member without `NAME.safetensors`), or is `NAME-1` or has a leading zero: the
 *   folder would not say which networks it means; and for a member name not in lower case
 *   (`Stage1-2.safetensors`).
 */
export function stageFiles(dir: string, name: Stage): string[] {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new Error(`${dir}: not a folder; expected a model folder (stage1.safetensors, stage2.safetensors, …)`);
  const numbered = new RegExp(`^${name}-(\\d+)\\.safetensors$`);
  const files = readdirSync(dir);
  // Member names are matched exactly: a name that differs only in case would be skipped silently
  // (or, on a case-insensitive disk, found as the first member but not as a further one).
  const member = new RegExp(`^${name}(-\\d+)?\\.safetensors$`);
  const cased = files.find((f) => f !== f.toLowerCase() && member.test(f.toLowerCase()));
  if (cased) throw new Error(`${join(dir, cased)}: model folder members are named in lower case; expected ${cased.toLowerCase()}`);
  const members = files
    .map((f) => numbered.exec(f))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ file: m[0], n: Number(m[1]), text: m[1] }))
    .sort((a, b) => a.n - b.n);
  if (!existsSync(join(dir, `${name}.safetensors`))) {
    if (members.length) throw new Error(`${join(dir, members[0].file)}: a further member of ${name}, but ${name}.safetensors, its first, is missing`);
    return [];
  }
  const out = [join(dir, `${name}.safetensors`)];
  for (const [k, m] of members.entries()) {
    const want = `${name}-${k + 2}.safetensors`;
    if (m.n < 2 || m.text !== String(m.n)) throw new Error(`${join(dir, m.file)}: the further members of ${name} are numbered from 2 without leading zeros (${name}-2.safetensors, ${name}-3.safetensors, …)`);
    if (m.n !== k + 2) throw new Error(`${join(dir, m.file)}: the further members of ${name} are numbered ${name}-2, ${name}-3, … without a gap; expected ${want}`);
    out.push(join(dir, m.file));
  }
  return out;
}

/** Whether `dir` holds both stages. */
export function hasStages(dir: string): boolean {
  return stageFiles(dir, 'stage1').length > 0 && stageFiles(dir, 'stage2').length > 0;
}

/**
 * Loads folder `dir`: both stages and, unless `localise` is false or the file is absent, the
 * localiser; each with its numbered ensemble members. With `engine: 'onnxruntime'` set the thread
 * count first: ONNX Runtime takes libtorch's at load time.
 * @throws Error naming the folder if a stage is missing; `stageFiles`'s and `loadEnsemble`'s errors.
 */
export async function loadModelFolder(
  dir: string,
  o: { device?: Device; engine?: Engine; localise?: boolean } = {},
): Promise<FolderModels> {
  const files = { stage1: stageFiles(dir, 'stage1'), stage2: stageFiles(dir, 'stage2'), localiser: stageFiles(dir, 'localiser') };
  if (!files.stage1.length || !files.stage2.length)
    throw new Error(`${dir}: expected stage1.safetensors and stage2.safetensors there (train them with models/default/recipe.sh or meatus train)`);
  const load = (paths: string[]) => loadEnsemble(paths, o.device ?? 'cpu', { engine: o.engine });
  const out: Partial<FolderModels> = {};
  try {
    out.stage1 = await load(files.stage1);
    out.stage2 = await load(files.stage2);
    if (o.localise !== false && files.localiser.length) out.localiser = await load(files.localiser);
    return out as FolderModels;
  } catch (e) {
    disposeModels(out);
    throw e;
  }
}

/** Disposes every network of a {@link FolderModels}. */
export function disposeModels(models: Partial<FolderModels>): void {
  for (const m of [models.stage1, models.stage2, models.localiser]) m?.dispose();
}

/** Every checkpoint a model holds: itself, then its ensemble members. */
export function memberPaths(m: Model): string[] {
  return [m.path, ...(m.ensemble ?? []).map((e) => e.path)];
}
