/**
 * The data steps of an experiment: the dataset (generated phantoms, or an existing folder), the
 * patient-level split, copies of the test references and images (named `<id>.nii.gz` and
 * `<id>_0000.nii.gz` whatever the dataset's layout, for evaluation and Fig. 3), and the one plan and
 * preprocessed folder that every method trains from (the stage-2 input channel is built from the
 * labels in the batch, so one preprocessing serves all tasks). Each step keeps what exists and
 * refuses to mix results of different settings.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { looksLikeCrossmoda } from '../data/crossmoda.js';
import { caseIdentity } from '../data/cases.js';
import { availableParallelism } from 'node:os';
import { generatePhantomDataset } from '../data/phantom/dataset.js';
import { readSplit, splitPatients, writeSplit, type Split } from '../data/split.js';
import { computeFingerprint, listTrainingCases, type TrainingCase } from '../preprocess/fingerprint.js';
import { formatPlan, makePlan, readPlan, writePlan } from '../preprocess/plan.js';
import { preprocessDataset } from '../preprocess/preprocess.js';
import type { Plan } from '../preprocess/types.js';
import type { ExperimentConfig } from './config.js';
import { layout } from './work.js';
import { writeFileAtomic } from '../util/atomic-write.js';

/** Progress messages (stderr in the CLI). */
export type Say = (line: string) => void;

/**
 * The dataset folder: generates the phantoms into `output/dataset/` unless they exist with the same
 * settings; checks an existing folder's layout.
 * @returns the dataset folder and its labelled cases.
 * @throws Error naming the folder when it is missing, of another layout, or generated with other settings.
 */
export async function prepareDataset(cfg: ExperimentConfig, say: Say): Promise<{ dir: string; cases: TrainingCase[]; generated: boolean }> {
  const d = cfg.dataset;
  let generated = false;
  let dir: string;
  if ('phantom' in d) {
    dir = layout(cfg.output).dataset;
    const kept = await keptPhantoms(cfg);
    if (kept) {
      if (kept.mismatch) throw new Error(kept.mismatch);
      say(`dataset: ${kept.cases} phantoms in ${dir} (kept)`);
    } else {
      say(`dataset: generating ${d.phantom.cases} phantoms of ${d.phantom.patients} patients (seed ${d.phantom.seed}) …`);
      const r = await generatePhantomDataset({ out: dir, ...d.phantom, jobs: availableParallelism(), onCase: (name) => say(`  ${name}`) });
      say(`dataset: ${r.cases.length} phantoms in ${r.seconds.toFixed(1)} s`);
      generated = true;
    }
  } else {
    dir = d.path;
    if (!existsSync(dir)) throw new Error(`dataset.path: ${dir} does not exist`);
    if (d.layout === 'nnunet' && !existsSync(join(dir, 'dataset.json'))) throw new Error(`dataset.path: ${dir} has no dataset.json; expected an nnU-Net raw dataset (dataset.layout 'nnunet')`);
    if (d.layout === 'crossmoda' && !(await looksLikeCrossmoda(dir))) throw new Error(`dataset.path: ${dir} holds no crossmoda*_hrT2 / crossmoda2023_*_T2 NIfTI; expected a crossMoDA folder (dataset.layout 'crossmoda')`);
  }
  return { dir, cases: await listTrainingCases(dir), generated };
}

function sameSets(a: Split, b: Split): boolean {
  return (['train', 'validation', 'test'] as const).every((s) => JSON.stringify([...a[s]].sort()) === JSON.stringify([...b[s]].sort()));
}

/** Checks a split read from a file against the dataset: known ids, disjoint non-empty sets, one set per patient. */
function checkSplit(s: Split, ids: Set<string>, file: string): void {
  const seen = new Map<string, string>();
  const patientSet = new Map<string, string>();
  for (const set of ['train', 'validation', 'test'] as const) {
    if (s[set].length === 0) throw new Error(`${file}: field ${set}: expected at least one case`);
    for (const id of s[set]) {
      if (!ids.has(id)) throw new Error(`${file}: field ${set}: case '${id}' is not a labelled case of the dataset`);
      if (seen.has(id)) throw new Error(`${file}: case '${id}' is in both ${seen.get(id)} and ${set}; expected disjoint sets`);
      seen.set(id, set);
      const p = caseIdentity(id).patient;
      const other = patientSet.get(p);
      if (other !== undefined && other !== set) throw new Error(`${file}: patient '${p}' has cases in ${other} and ${set}; expected a patient-level split`);
      patientSet.set(p, set);
    }
  }
}

/**
 * The phantom dataset already generated in the results folder, if any (null otherwise), with
 * `mismatch` set to the error `run` gives when it was generated with other settings than `cfg` asks.
 */
export async function keptPhantoms(cfg: ExperimentConfig): Promise<{ cases: number; mismatch: string | null } | null> {
  const d = cfg.dataset;
  if (!('phantom' in d)) return null;
  const dir = layout(cfg.output).dataset;
  const meta = join(dir, 'phantoms.json');
  if (!existsSync(meta) || !existsSync(join(dir, 'dataset.json'))) return null;
  const j = JSON.parse(await readFile(meta, 'utf8')) as { seed: number; cases: { name: string }[] };
  const patients = new Set(j.cases.map((c) => caseIdentity(c.name).patient)).size;
  const same = j.seed === d.phantom.seed && j.cases.length === d.phantom.cases && patients === d.phantom.patients;
  return {
    cases: j.cases.length,
    mismatch: same
      ? null
      : `${meta}: phantoms of seed ${j.seed}, ${j.cases.length} cases, ${patients} patients; the config asks for dataset.phantom ` +
        `${JSON.stringify(d.phantom)}: remove ${dir} (and what was trained on it) or choose another output`,
  };
}

/**
 * The split the config gives for `cases` (and the error `run` gives when the results folder's
 * `split.json` holds another one, else null) — without writing anything.
 */
export async function configSplit(cfg: ExperimentConfig, cases: TrainingCase[]): Promise<{ split: Split; mismatch: string | null }> {
  const ids = cases.map((c) => c.id);
  let split: Split;
  if ('file' in cfg.split) {
    split = await readSplit(cfg.split.file);
    checkSplit(split, new Set(ids), cfg.split.file);
  } else {
    split = splitPatients(ids, { seed: cfg.split.seed, proportions: cfg.split.proportions });
    for (const s of ['train', 'validation', 'test'] as const) {
      if (split[s].length === 0) throw new Error(`split: the ${s} set is empty (${ids.length} cases); expected more cases or patients in the dataset`);
    }
  }
  const path = layout(cfg.output).split;
  const mismatch = existsSync(path) && !sameSets(await readSplit(path), split) ? `${path}: holds another split than the config gives; remove the results folder or restore the split` : null;
  return { split, mismatch };
}

/**
 * The split: computed by patient from the config's seed and proportions, or read from its file;
 * written to `output/split.json`.
 * @throws Error if an existing `split.json` holds another split (the trained runs would not match).
 */
export async function prepareSplit(cfg: ExperimentConfig, cases: TrainingCase[], say: Say): Promise<Split> {
  const { split, mismatch } = await configSplit(cfg, cases);
  if (mismatch) throw new Error(mismatch);
  const path = layout(cfg.output).split;
  if (!existsSync(path)) await writeSplit(path, split);
  say(`split: ${split.train.length} train / ${split.validation.length} validation / ${split.test.length} test cases (by patient)`);
  return split;
}

/** Copies a file atomically (through {@link writeFileAtomic}); keeps an existing target. */
async function copyOnce(from: string, to: string): Promise<void> {
  if (existsSync(to)) return;
  await writeFileAtomic(to, await readFile(from));
}

/** `.nii.gz` or `.nii`, as the file is named. */
function niftiExt(path: string): string {
  return path.endsWith('.nii.gz') ? '.nii.gz' : '.nii';
}

/**
 * Copies the test cases' labels to `reference/<id>.nii.gz` and T2 images to
 * `reference/images/<id>_0000.nii.gz` (kept when present).
 */
export async function prepareReferences(cfg: ExperimentConfig, cases: TrainingCase[], test: readonly string[]): Promise<void> {
  const L = layout(cfg.output);
  const byId = new Map(cases.map((c) => [c.id, c]));
  for (const id of test) {
    const c = byId.get(id)!;
    await copyOnce(c.label, join(L.reference, `${id}${niftiExt(c.label)}`));
    await copyOnce(c.images[0], join(L.images, `${id}_0000${niftiExt(c.images[0])}`));
  }
}

function checkPlanMatches(plan: Plan, cfg: ExperimentConfig, file: string): void {
  const p = cfg.plan;
  const diffs: string[] = [];
  if (plan.memoryBudgetMB !== p.budgetMB) diffs.push(`memoryBudgetMB ${plan.memoryBudgetMB} ≠ plan.budgetMB ${p.budgetMB}`);
  if (plan.network.features[0] !== p.baseFeatures) diffs.push(`features[0] ${plan.network.features[0]} ≠ plan.baseFeatures ${p.baseFeatures}`);
  if (Math.max(...plan.network.features) > p.maxFeatures) diffs.push(`features up to ${Math.max(...plan.network.features)} > plan.maxFeatures ${p.maxFeatures}`);
  if (p.spacing && p.spacing.some((s, a) => Math.abs(s - plan.spacing[a]) > 1e-9)) diffs.push(`spacing ${plan.spacing.join(',')} ≠ plan.spacing ${p.spacing.join(',')}`);
  if (diffs.length) throw new Error(`${file}: made with other settings than the config (${diffs.join('; ')}); remove the results folder or restore the config`);
}

/**
 * The shared plan (`output/plan.json`, from the dataset's fingerprint and the config's `plan`) and
 * the preprocessed cases (`output/preprocessed/`, finished when its `cases.json` exists).
 * @returns the plan and whether anything was computed.
 */
export async function preparePlan(cfg: ExperimentConfig, datasetDir: string, say: Say): Promise<{ plan: Plan; computed: boolean }> {
  const L = layout(cfg.output);
  let plan: Plan;
  let computed = false;
  if (existsSync(L.plan)) {
    plan = await readPlan(L.plan);
    checkPlanMatches(plan, cfg, L.plan);
  } else {
    say('plan: fingerprinting the dataset …');
    const fp = await computeFingerprint(datasetDir);
    const p = cfg.plan;
    plan = makePlan(fp, { memoryBudgetMB: p.budgetMB, baseFeatures: p.baseFeatures, maxFeatures: p.maxFeatures, dataset: datasetDir, ...(p.spacing ? { spacing: p.spacing } : {}) });
    await writePlan(L.plan, plan);
    computed = true;
  }
  say(formatPlan(plan).replace(/^/gm, '  '));
  if (!existsSync(join(L.preprocessed, 'cases.json'))) {
    say(`preprocessing into ${L.preprocessed} …`);
    const r = await preprocessDataset(datasetDir, plan, L.preprocessed, { onProgress: (done, total, id) => say(`  ${done}/${total} ${id}`) });
    say(`preprocessed ${r.cases.length} cases in ${r.seconds.toFixed(1)} s`);
    computed = true;
  }
  return { plan, computed };
}
