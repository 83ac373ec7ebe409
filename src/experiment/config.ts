/**
 * The experiment config: one readable JSON file that describes the paper's experiment
 * (Wijethilake et al., 2022) — dataset, patient-level split, plan, training budget, seeds, the
 * methods (baseline; stage 1; stage 2 with each γ; the reference-WT upper bound; stage 2 trained
 * on stage-1 predictions) and the evaluation options. {@link validateExperimentConfig} checks every
 * field and fills in the defaults; errors name the file and the field.
 *
 * Relative paths (`dataset.path`, `split.file`, `output`) are resolved against the folder of the
 * config file. Every object may carry a free-text `comment` field.
 *
 * @example
 * {
 *   "name": "phantom-paper",
 *   "dataset": { "phantom": { "cases": 36, "patients": 24, "seed": 2022 } },
 *   "split": { "seed": 0, "proportions": [195, 32, 56] },
 *   "plan": { "budgetMB": 250, "baseFeatures": 16, "maxFeatures": 128, "spacing": [1.2, 0.8, 0.8] },
 *   "training": { "epochs": 12, "iterationsPerEpoch": 20, "validationIterations": 4, "device": "cpu", "workers": 1 },
 *   "seeds": [0],
 *   "methods": { "baseline": true, "twoStage": { "gammas": [0, 0.01, 0.05, 0.1, 0.5], "tau": 1 }, "upperBound": true, "stage2OnPredictions": false },
 *   "evaluation": { "emptyDice": "nan", "distance": "medpy" },
 *   "output": "phantom-paper"
 * }
 */
import { DISTANCE_DEFINITIONS, type DistanceDefinition } from '../evaluate/surface.js';
import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, resolve } from 'node:path';
import { PAPER_PROPORTIONS } from '../data/split.js';
import { FieldChecker } from '../preprocess/plan.js';
import type { Vec3 } from '../volume/volume.js';

/** A generated phantom dataset (`meatus phantom`). */
export interface PhantomDatasetConfig {
  phantom: { cases: number; patients: number; seed: number };
}

/** An existing dataset folder. */
export interface PathDatasetConfig {
  /** Absolute after validation. */
  path: string;
  /** Checked against the folder when given (the layout is otherwise detected). */
  layout?: 'nnunet' | 'crossmoda';
}

/** The split: computed by patient from a seed, or read from a split JSON file. */
export type SplitConfig = { seed: number; proportions: [number, number, number] } | { file: string };

/** A validated experiment config (defaults filled in, paths absolute). */
export interface ExperimentConfig {
  name: string;
  comment?: string;
  dataset: PhantomDatasetConfig | PathDatasetConfig;
  split: SplitConfig;
  /** Planning options (see `makePlan`). */
  plan: { budgetMB: number; baseFeatures: number; maxFeatures: number; spacing?: Vec3 };
  training: {
    epochs: number;
    iterationsPerEpoch: number;
    validationIterations: number;
    device: 'cpu' | 'cuda';
    /** Data-loading worker threads (0 = on the main thread). */
    workers: number;
  };
  /** One training per method and seed. */
  seeds: number[];
  methods: {
    baseline: boolean;
    /** Stage 1 is trained when there is at least one γ. */
    twoStage: { gammas: number[]; tau: number };
    /** Stage 2 of each γ also evaluated on the reference WT mask (the paper's upper bound). */
    upperBound: boolean;
    /** Also train stage 2 on stage-1 predictions of the training cases (the paper's suggestion). */
    stage2OnPredictions: boolean;
  };
  evaluation: { emptyDice: 'nan' | 'one'; distance: DistanceDefinition; panels: number };
  /** The results folder (absolute after validation). */
  output: string;
}

/** The paper's γ sweep. */
export const PAPER_GAMMAS: readonly number[] = [0, 0.01, 0.05, 0.1, 0.5];

type Obj = Record<string, unknown>;

function abs(path: string, base: string): string {
  return isAbsolute(path) ? path : resolve(base, path);
}

function str(c: FieldChecker, v: unknown, field: string): string {
  if (typeof v !== 'string' || v.trim() === '') c.fail(field, 'a non-empty string', v);
  return v as string;
}

function bool(c: FieldChecker, v: unknown, field: string, def: boolean): boolean {
  if (v === undefined) return def;
  if (typeof v !== 'boolean') c.fail(field, 'true or false', v);
  return v as boolean;
}

function oneOf<T extends string>(c: FieldChecker, v: unknown, field: string, allowed: readonly T[], def: T): T {
  if (v === undefined) return def;
  if (!allowed.includes(v as T)) c.fail(field, allowed.map((a) => `'${a}'`).join(' or '), v);
  return v as T;
}

function count(c: FieldChecker, v: unknown, field: string, def?: number, min = 1): number {
  if (v === undefined && def !== undefined) return def;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) c.fail(field, `an integer ≥ ${min}`, v);
  return v as number;
}

function dataset(c: FieldChecker, v: unknown, base: string): ExperimentConfig['dataset'] {
  const o = c.object(v, 'dataset', [], ['phantom', 'path', 'layout', 'comment']);
  if (('phantom' in o) === ('path' in o)) c.fail('dataset', "exactly one of 'phantom' or 'path'", v);
  if ('phantom' in o) {
    if ('layout' in o) c.fail('dataset.layout', "no layout with 'phantom' (phantoms are written as nnU-Net raw)", o.layout);
    const p = c.object(o.phantom, 'dataset.phantom', ['cases', 'patients', 'seed'], ['comment']);
    const cases = count(c, p.cases, 'dataset.phantom.cases', undefined, 3);
    const patients = count(c, p.patients, 'dataset.phantom.patients', undefined, 3);
    if (patients > cases) c.fail('dataset.phantom.patients', `at most dataset.phantom.cases (${cases})`, patients);
    return { phantom: { cases, patients, seed: count(c, p.seed, 'dataset.phantom.seed', undefined, 0) } };
  }
  const path = abs(str(c, o.path, 'dataset.path'), base);
  const layout = o.layout === undefined ? undefined : oneOf(c, o.layout, 'dataset.layout', ['nnunet', 'crossmoda'] as const, 'nnunet');
  return layout ? { path, layout } : { path };
}

function split(c: FieldChecker, v: unknown, base: string): SplitConfig {
  if (v === undefined) return { seed: 0, proportions: [...PAPER_PROPORTIONS] as [number, number, number] };
  const o = c.object(v, 'split', [], ['seed', 'proportions', 'file', 'comment']);
  if ('file' in o) {
    if ('seed' in o || 'proportions' in o) c.fail('split', "either 'file' or 'seed'/'proportions', not both", v);
    return { file: abs(str(c, o.file, 'split.file'), base) };
  }
  let proportions = [...PAPER_PROPORTIONS] as [number, number, number];
  if (o.proportions !== undefined) {
    const p = o.proportions;
    const ok = Array.isArray(p) && p.length === 3 && p.every((x) => typeof x === 'number' && Number.isFinite(x) && x >= 0) && p[0] > 0 && p[1] > 0 && p[2] > 0;
    if (!ok) c.fail('split.proportions', 'three positive numbers [train, validation, test] (e.g. the paper’s [195, 32, 56])', p);
    proportions = p as [number, number, number];
  }
  return { seed: count(c, o.seed, 'split.seed', 0, 0), proportions };
}

function plan(c: FieldChecker, v: unknown): ExperimentConfig['plan'] {
  const o = c.object(v ?? {}, 'plan', [], ['budgetMB', 'baseFeatures', 'maxFeatures', 'spacing', 'comment']);
  const out: ExperimentConfig['plan'] = {
    budgetMB: o.budgetMB === undefined ? 600 : c.num(o.budgetMB, 'plan.budgetMB', 'positive'),
    baseFeatures: count(c, o.baseFeatures, 'plan.baseFeatures', 32),
    maxFeatures: count(c, o.maxFeatures, 'plan.maxFeatures', 320),
  };
  if (out.maxFeatures < out.baseFeatures) c.fail('plan.maxFeatures', `≥ plan.baseFeatures (${out.baseFeatures})`, out.maxFeatures);
  if (o.spacing !== undefined) out.spacing = c.vec3(o.spacing, 'plan.spacing', 'positive');
  return out;
}

function training(c: FieldChecker, v: unknown): ExperimentConfig['training'] {
  const o = c.object(v, 'training', ['epochs'], ['iterationsPerEpoch', 'validationIterations', 'device', 'workers', 'comment']);
  return {
    epochs: count(c, o.epochs, 'training.epochs'),
    iterationsPerEpoch: count(c, o.iterationsPerEpoch, 'training.iterationsPerEpoch', 250),
    validationIterations: count(c, o.validationIterations, 'training.validationIterations', 50),
    device: oneOf(c, o.device, 'training.device', ['cpu', 'cuda'] as const, 'cpu'),
    workers: count(c, o.workers, 'training.workers', 1, 0),
  };
}

function methods(c: FieldChecker, v: unknown): ExperimentConfig['methods'] {
  const o = c.object(v ?? {}, 'methods', [], ['baseline', 'twoStage', 'upperBound', 'stage2OnPredictions', 'comment']);
  let twoStage = { gammas: [...PAPER_GAMMAS], tau: 1 };
  if (o.twoStage === false) twoStage = { gammas: [], tau: 1 };
  else if (o.twoStage !== undefined) {
    const t = c.object(o.twoStage, 'methods.twoStage', [], ['gammas', 'tau', 'comment']);
    const gammas =
      t.gammas === undefined
        ? [...PAPER_GAMMAS]
        : c.list(t.gammas, 'methods.twoStage.gammas', (x, f) => {
            if (typeof x !== 'number' || !Number.isFinite(x) || x < 0) c.fail(f, 'a number ≥ 0 (the weight γ of the Boundary Distance Loss)', x);
            return x as number;
          });
    if (new Set(gammas).size !== gammas.length) c.fail('methods.twoStage.gammas', 'distinct values', gammas);
    twoStage = { gammas, tau: t.tau === undefined ? 1 : c.num(t.tau, 'methods.twoStage.tau', 'positive') };
  }
  const out = {
    baseline: bool(c, o.baseline, 'methods.baseline', true),
    twoStage,
    upperBound: bool(c, o.upperBound, 'methods.upperBound', twoStage.gammas.length > 0),
    stage2OnPredictions: bool(c, o.stage2OnPredictions, 'methods.stage2OnPredictions', false),
  };
  if (!out.baseline && twoStage.gammas.length === 0) c.fail('methods', 'at least one method (baseline: true, or twoStage.gammas non-empty)', v);
  if (twoStage.gammas.length === 0 && (out.upperBound || out.stage2OnPredictions)) {
    c.fail(out.upperBound ? 'methods.upperBound' : 'methods.stage2OnPredictions', 'false when methods.twoStage has no γ', true);
  }
  return out;
}

function evaluation(c: FieldChecker, v: unknown): ExperimentConfig['evaluation'] {
  const o = c.object(v ?? {}, 'evaluation', [], ['emptyDice', 'distance', 'panels', 'comment']);
  return {
    emptyDice: oneOf(c, o.emptyDice, 'evaluation.emptyDice', ['nan', 'one'] as const, 'nan'),
    distance: oneOf(c, o.distance, 'evaluation.distance', DISTANCE_DEFINITIONS, 'medpy'),
    panels: count(c, o.panels, 'evaluation.panels', 2, 0),
  };
}

/**
 * Checks a parsed experiment config and fills in the defaults (module comment).
 * @param where the file name, for messages.
 * @param baseDir the folder relative paths are resolved against (the config file's).
 * @throws Error naming `where` and the field, e.g. `exp.json: field training.epochs: expected an integer ≥ 1, got 0`.
 */
export function validateExperimentConfig(json: unknown, where = 'experiment config', baseDir = process.cwd()): ExperimentConfig {
  const c = new FieldChecker(where);
  const o: Obj = c.object(json, '', ['name', 'dataset', 'training', 'output'], ['comment', 'split', 'plan', 'seeds', 'methods', 'evaluation']);
  const name = str(c, o.name, 'name');
  if (!/^[\w.-]+$/.test(name)) c.fail('name', 'letters, digits, _ . - only', name);
  const seeds = o.seeds === undefined ? [0] : c.list(o.seeds, 'seeds', (x, f) => count(c, x, f, undefined, 0), 1);
  if (new Set(seeds).size !== seeds.length) c.fail('seeds', 'distinct seeds', seeds);
  const cfg: ExperimentConfig = {
    name,
    dataset: dataset(c, o.dataset, baseDir),
    split: split(c, o.split, baseDir),
    plan: plan(c, o.plan),
    training: training(c, o.training),
    seeds,
    methods: methods(c, o.methods),
    evaluation: evaluation(c, o.evaluation),
    output: abs(str(c, o.output, 'output'), baseDir),
  };
  if (o.comment !== undefined) cfg.comment = typeof o.comment === 'string' ? o.comment : c.fail('comment', 'a string', o.comment);
  return cfg;
}

/**
 * Reads and validates an experiment config file; relative paths are resolved against its folder.
 * @throws Error naming the file: unreadable, not JSON, or a bad field.
 */
export async function readExperimentConfig(path: string): Promise<ExperimentConfig> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new Error(`${path}: cannot read the experiment config (${(e as Error).message})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new Error(`${path}: not valid JSON (${(e as Error).message})`);
  }
  return validateExperimentConfig(json, path, dirname(resolve(path)));
}
