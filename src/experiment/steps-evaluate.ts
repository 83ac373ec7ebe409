/**
 * The evaluation steps of an experiment: `meatus evaluate` of each prediction set against the test
 * references (`eval/<set>-s<seed>/`: cases.csv, summary.json, table1.md, table2.md), and
 * `meatus compare` of the methods of each seed (`compare/`, or `compare/s<seed>/` with several
 * seeds): Tables 1–2 (Markdown/CSV), Wilcoxon p-values between every pair of methods, Fig. 2 box
 * plots and Fig. 3 panels (baseline and stage 2 of each γ, as in the paper) for the cases where the
 * methods differ most.
 *
 * Stage 1 predicts the whole tumour only: its EM/IM metrics and boundary ASSD are set to NaN (the
 * paper's empty cells), so it contributes its WT (and background) Dice alone.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { evaluateFolder } from '../evaluate/folder.js';
import { readMethod, writeComparison, writeEvaluation, writePanels } from '../evaluate/report.js';
import type { CaseMetrics } from '../evaluate/metrics.js';
import type { MethodCases } from '../evaluate/tables.js';
import type { ExperimentConfig } from './config.js';
import type { Say } from './steps-data.js';
import { layout, type PredictionSpec } from './work.js';

/** Stage-1 metrics with EM, IM and the boundary left out (NaN). */
export function wholeTumourOnly(cases: CaseMetrics[]): CaseMetrics[] {
  const none = { dice: NaN, assd: NaN, hd95: NaN };
  return cases.map((c) => ({ ...c, classes: { ...c.classes, extrameatal: none, intrameatal: none }, boundaryAssd: NaN }));
}

/**
 * Evaluates one prediction set unless its `cases.csv` exists, covers every test case and no
 * prediction of the set was written in this run.
 * @returns the method's per-case metrics, named by the set's label.
 */
export async function evaluateStep(
  cfg: ExperimentConfig,
  spec: PredictionSpec,
  testIds: readonly string[],
  predictionsChanged: boolean,
  say: Say,
): Promise<{ method: MethodCases; skipped: boolean }> {
  const csv = join(spec.evalDir, 'cases.csv');
  if (!predictionsChanged && existsSync(csv)) {
    const m = await readMethod(spec.label, spec.evalDir);
    const have = new Set(m.cases.map((c) => c.id));
    if (testIds.every((id) => have.has(id))) {
      say(`evaluate ${spec.id} (seed ${spec.seed}): ${csv} exists, skipped`);
      return { method: m, skipped: true };
    }
  }
  const opts = { emptyDice: cfg.evaluation.emptyDice, distance: cfg.evaluation.distance };
  const ev = await evaluateFolder(spec.dir, layout(cfg.output).reference, opts);
  if (ev.missingPredictions.length) throw new Error(`evaluate ${spec.id}: no prediction in ${spec.dir} for ${ev.missingPredictions.join(', ')}`);
  if (spec.source.kind === 'stage1') ev.cases = wholeTumourOnly(ev.cases);
  await writeEvaluation(spec.evalDir, ev, opts, spec.label);
  say(`evaluate ${spec.id} (seed ${spec.seed}): ${ev.cases.length} cases in ${ev.seconds.toFixed(1)} s → ${spec.evalDir}`);
  return { method: { name: spec.label, cases: ev.cases }, skipped: false };
}

/** The comparison folder of a seed. */
export function compareDir(cfg: ExperimentConfig, seed: number): string {
  const base = layout(cfg.output).compare;
  return cfg.seeds.length > 1 ? join(base, `s${seed}`) : base;
}

/**
 * Writes the comparison of one seed's methods (module comment).
 * @param specs the seed's prediction sets, in table order; `methods` their metrics, same order.
 * @returns the files written.
 */
export async function compareStep(cfg: ExperimentConfig, seed: number, specs: PredictionSpec[], methods: MethodCases[], say: Say): Promise<string[]> {
  const out = compareDir(cfg, seed);
  const written = await writeComparison(out, methods);
  const L = layout(cfg.output);
  const paperSets = specs.map((s, i) => ({ s, m: methods[i] })).filter(({ s }) => s.source.kind === 'baseline' || (s.source.kind === 'stage2' && s.id.startsWith('stage2-g') && !s.id.endsWith('-refWT')));
  if (cfg.evaluation.panels > 0 && paperSets.length > 0) {
    const pred = Object.fromEntries(paperSets.map(({ s }) => [s.label, s.dir]));
    written.push(...(await writePanels(out, paperSets.map(({ m }) => m), { image: L.images, ref: L.reference, pred, cases: cfg.evaluation.panels })));
  }
  say(`compare (seed ${seed}): ${methods.length} methods, ${written.length} files → ${out}`);
  return written;
}
