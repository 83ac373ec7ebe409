/**
 * Patient-level train/validation/test splits: all timepoints of a patient land in the same set.
 *
 * Default proportions are the paper's (Wijethilake et al. 2022, §2): 195 / 32 / 56 instances for
 * training / validation / testing. (The paper states 227 instances of 137 patients but lists
 * 195 + 32 + 56 = 283; we use the listed numbers as proportions, 68.9 % / 11.3 % / 19.8 %.)
 *
 * Algorithm (deterministic from the seed): patients are shuffled; larger patients (more
 * timepoints) are placed first; each goes to the set whose case count is furthest below its
 * target (proportion × number of cases). With at least as many patients as non-empty sets, every
 * set with a positive proportion gets at least one patient.
 */

import { readFile } from 'node:fs/promises';
import { writeFileAtomic } from '../util/atomic-write.js';
import { DEFAULT_CASE_PATTERN, groupByPatient } from './cases.js';
import { Rng, type Seed } from './random.js';

/** Set names, in order. */
export const SPLIT_SETS = ['train', 'validation', 'test'] as const;

/** One of {@link SPLIT_SETS}. */
export type SplitSet = (typeof SPLIT_SETS)[number];

/** The paper's 195 / 32 / 56. */
export const PAPER_PROPORTIONS: readonly [number, number, number] = [195, 32, 56];

/** A split as written to JSON. */
export interface Split {
  seed: string;
  /** Proportions used (normalised). */
  proportions: [number, number, number];
  /** Case names per set, sorted. */
  train: string[];
  validation: string[];
  test: string[];
  /** Patient → set. */
  patients: Record<string, SplitSet>;
}

/** Options of {@link splitPatients}. */
export interface SplitOptions {
  seed?: Seed;
  /** Relative sizes of train / validation / test (default {@link PAPER_PROPORTIONS}). */
  proportions?: readonly [number, number, number];
  /** Case-name pattern (see cases.ts). */
  pattern?: RegExp | string;
}

/**
 * Splits case names by patient.
 * @throws Error for invalid proportions or duplicate case names.
 * @example splitPatients(['VS_p001_t01', 'VS_p001_t02', 'VS_p002_t01'], { seed: 1 })
 */
export function splitPatients(caseNames: readonly string[], opts: SplitOptions = {}): Split {
  const prop = opts.proportions ?? PAPER_PROPORTIONS;
  if (prop.length !== 3 || !prop.every((p) => Number.isFinite(p) && p >= 0) || !prop.some((p) => p > 0)) {
    throw new Error(`splitPatients: proportions: expected three non-negative numbers, not all zero, got ${JSON.stringify(prop)}`);
  }
  if (new Set(caseNames).size !== caseNames.length) throw new Error('splitPatients: case names: expected unique names, found duplicates');
  const total = prop[0] + prop[1] + prop[2];
  const p = prop.map((v) => v / total) as [number, number, number];
  const seed = opts.seed ?? 0;
  const rng = new Rng(`split:${seed}`);
  const groups = [...groupByPatient(caseNames, opts.pattern ?? DEFAULT_CASE_PATTERN)];
  groups.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  rng.shuffle(groups);
  groups.sort((a, b) => b[1].length - a[1].length); // stable: ties keep the shuffled order
  const n = caseNames.length;
  const counts = [0, 0, 0];
  const nPatients = [0, 0, 0];
  const out: Split = { seed: String(seed), proportions: p, train: [], validation: [], test: [], patients: {} };
  groups.forEach(([patient, cases], idx) => {
    const remaining = groups.length - idx;
    const empty = [0, 1, 2].filter((s) => p[s] > 0 && nPatients[s] === 0);
    let best: number;
    if (empty.length > 0 && remaining <= empty.length) {
      best = empty[0];
    } else {
      best = -1;
      for (let s = 0; s < 3; s++) {
        if (p[s] === 0) continue;
        const deficit = (p[s] * n - counts[s]) / (p[s] * n);
        if (best < 0 || deficit > (p[best] * n - counts[best]) / (p[best] * n)) best = s;
      }
    }
    counts[best] += cases.length;
    nPatients[best]++;
    const set = SPLIT_SETS[best];
    out.patients[patient] = set;
    out[set].push(...cases.map((c) => c.name));
  });
  for (const s of SPLIT_SETS) out[s].sort();
  return out;
}

/** Writes a split as JSON, atomically. */
export async function writeSplit(path: string, split: Split): Promise<void> {
  await writeFileAtomic(path, JSON.stringify(split, null, 2) + '\n');
}

/**
 * Reads a split written by {@link writeSplit}.
 * @throws Error naming the file and field when it is not a split.
 */
export async function readSplit(path: string): Promise<Split> {
  let j: Record<string, unknown>;
  try {
    j = JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>;
  } catch (e) {
    throw new Error(`${path}: cannot read split JSON (${(e as Error).message})`);
  }
  for (const s of SPLIT_SETS) {
    if (!Array.isArray(j[s]) || !(j[s] as unknown[]).every((v) => typeof v === 'string')) {
      throw new Error(`${path}: field ${s}: expected an array of case names`);
    }
  }
  return j as unknown as Split;
}
