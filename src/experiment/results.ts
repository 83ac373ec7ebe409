/**
 * `results.md` of an experiment: the paper's published Tables 1–2 (copied, with their captions)
 * beside ours — clearly labelled as a different dataset — the Wilcoxon tests of the paper's
 * comparisons (baseline vs γ = 0 vs each γ > 0), the reference-WT upper bound, and a "what this
 * experiment does and does not show" section whose numbers are filled in and whose discussion is
 * left for a person to write (marked `EDIT`).
 *
 * With several seeds, each cell is the mean ± SD (n − 1) across seeds of the per-seed statistic
 * (the per-method mean Dice, the median ASSD, …); with one seed, Dice is mean ± SD over cases as
 * in the paper.
 */
import { describeDistances } from '../evaluate/surface.js';
import { summarize } from '../evaluate/stats.js';
import { fmt, fmtP, pairTest, type MethodCases } from '../evaluate/tables.js';
import type { CaseMetrics, ClassName } from '../evaluate/metrics.js';
import type { Split } from '../data/split.js';
import type { ExperimentConfig } from './config.js';
import { PAPER, type MeanSd } from './paper.js';
import { gammaName, type PredictionSpec } from './work.js';

/** Everything `results.md` is made from. */
export interface ResultsInput {
  cfg: ExperimentConfig;
  split: Split;
  /** Every prediction set, all seeds. */
  specs: PredictionSpec[];
  /** Metrics by `<set id>-s<seed>`. */
  methods: Map<string, MethodCases>;
  /** Seconds of work summed over every run of the experiment (from `experiment-log.jsonl`). */
  seconds: number;
}

const key = (s: { id: string; seed: number }) => `${s.id}-s${s.seed}`;

function row(cells: string[]): string {
  return `| ${cells.map((c) => c.replace(/\|/g, '\\|')).join(' | ')} |`;
}

function table(header: string[], rows: string[][]): string {
  return [row(header), `|${header.map((_, i) => (i === 0 ? ' --- ' : ' ---: ')).join('|')}|`, ...rows.map(row)].join('\n') + '\n';
}

const ms = (v: MeanSd | null) => (v ? `${v.mean.toFixed(4)} ± ${v.sd.toFixed(4)}` : '');

/** Mean and SD (n − 1) across seeds; the SD is `NaN` for one seed. */
function acrossSeeds(values: number[]): MeanSd {
  const v = values.filter((x) => !Number.isNaN(x));
  const mean = v.reduce((a, b) => a + b, 0) / v.length;
  const sd = v.length > 1 ? Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / (v.length - 1)) : NaN;
  return { mean, sd };
}

function cell(v: MeanSd, seeds: number): string {
  if (Number.isNaN(v.mean)) return '–';
  return seeds > 1 ? `${fmt(v.mean)} ± ${fmt(v.sd)}` : fmt(v.mean);
}

/** The boundary ASSD moved into a class slot, so the class-wise tests and statistics apply to it. */
function boundaryAsClass(m: MethodCases): MethodCases {
  return { name: m.name, cases: m.cases.map((c): CaseMetrics => ({ ...c, classes: { ...c.classes, background: { dice: NaN, assd: c.boundaryAssd, hd95: NaN } } })) };
}

/** Per-method rows over seeds: the unique set ids in table order, each with its per-seed metrics. */
function bySet(input: ResultsInput): { spec: PredictionSpec; seeds: MethodCases[] }[] {
  const ids = [...new Set(input.specs.map((s) => s.id))];
  return ids.map((id) => {
    const specs = input.specs.filter((s) => s.id === id);
    return { spec: specs[0], seeds: specs.map((s) => input.methods.get(key(s))).filter((m): m is MethodCases => m !== undefined) };
  });
}

function diceCell(seeds: MethodCases[], cls: ClassName): string {
  if (seeds.length === 1) {
    const s = summarize(seeds[0].cases.map((c) => c.classes[cls].dice));
    return s.n === 0 ? '–' : `${fmt(s.mean)} ± ${fmt(s.sd)}`;
  }
  return cell(acrossSeeds(seeds.map((m) => summarize(m.cases.map((c) => c.classes[cls].dice)).mean)), seeds.length);
}

function assdCell(seeds: MethodCases[], pick: (c: CaseMetrics) => number, stat: 'median' | 'p75' | 'p25'): string {
  return cell(acrossSeeds(seeds.map((m) => summarize(m.cases.map(pick))[stat])), seeds.length);
}

function paperTables(): string {
  const t1 = PAPER.table1.map((r) => [r.method, r.gamma === null ? '' : String(r.gamma), ms(r.bg), ms(r.em), ms(r.im), ms(r.wt)]);
  const t2 = PAPER.table2.map((r) => [r.method, r.gamma === null ? '' : String(r.gamma), r.median.toFixed(4), r.p75.toFixed(4), r.p25.toFixed(4)]);
  return [
    `### Published (${PAPER.dataset})`,
    '',
    PAPER.table1Caption,
    '',
    table(['Method', 'γ', 'BG', 'EM', 'IM', 'WT'], t1),
    PAPER.table2Caption,
    '',
    table(['Method', 'γ', 'Median', 'p75', 'p25'], t2),
    ...PAPER.significance.map((s) => `- ${s}`),
    '',
  ].join('\n');
}

function ourTables(input: ResultsInput): string {
  const sets = bySet(input);
  const n = input.cfg.seeds.length;
  const how = n > 1 ? `mean ± SD across ${n} seeds of the per-seed mean` : 'mean ± SD over the test cases';
  const t1 = sets.map(({ spec, seeds }) => [spec.label, spec.gamma === null ? '' : gammaName(spec.gamma), ...(['background', 'extrameatal', 'intrameatal', 'wholeTumour'] as const).map((c) => diceCell(seeds, c))]);
  const t2 = sets
    .filter(({ spec }) => spec.source.kind !== 'stage1')
    .map(({ spec, seeds }) => [
      spec.label,
      spec.gamma === null ? '' : gammaName(spec.gamma),
      ...(['median', 'p75', 'p25'] as const).map((s) => assdCell(seeds, (c) => c.boundaryAssd, s)),
      assdCell(seeds, (c) => c.classes.extrameatal.assd, 'median'),
      assdCell(seeds, (c) => c.classes.intrameatal.assd, 'median'),
    ]);
  return [
    `### Ours (${datasetLine(input)})`,
    '',
    `Dice score, ${how} (as Table 1).`,
    '',
    table(['Method', 'γ', 'BG', 'EM', 'IM', 'WT'], t1),
    `ASSD (mm) of the predicted IM/EM interface to the reference one (boundary ASSD): median, p75, p25 (as Table 2; ${n > 1 ? `each the mean ± SD across ${n} seeds` : 'over the test cases'}); and the median ASSD of the EM and IM surfaces. "inf": an interface or class missing from a prediction.`,
    '',
    table(['Method', 'γ', 'Median', 'p75', 'p25', 'EM median', 'IM median'], t2),
  ].join('\n');
}

function datasetLine(input: ResultsInput): string {
  const d = input.cfg.dataset;
  const what = 'phantom' in d ? `synthetic phantoms (seed ${d.phantom.seed}), ${d.phantom.cases} scans of ${d.phantom.patients} patients` : `dataset ${d.path}`;
  const s = input.split;
  return `${what}; split ${s.train.length} / ${s.validation.length} / ${s.test.length} by patient`;
}

/** The tests the paper reports: baseline vs γ = 0, baseline vs each γ > 0, γ = 0 vs each γ > 0. */
function paperPairs(sets: PredictionSpec[]): [PredictionSpec, PredictionSpec][] {
  const base = sets.find((s) => s.source.kind === 'baseline');
  const stage2 = sets.filter((s) => s.source.kind === 'stage2' && s.id.startsWith('stage2-g') && !s.id.endsWith('-refWT'));
  const g0 = stage2.find((s) => s.gamma === 0);
  const pairs: [PredictionSpec, PredictionSpec][] = [];
  if (base) for (const s of stage2) pairs.push([base, s]);
  if (g0) for (const s of stage2) if (s !== g0) pairs.push([g0, s]);
  for (const s of stage2) {
    const ub = sets.find((u) => u.id === `${s.id}-refWT`);
    if (ub) pairs.push([s, ub]);
  }
  return pairs;
}

function wilcoxonSection(input: ResultsInput): string {
  const out = ['## Wilcoxon signed-rank tests (two-sided, paired by case; * p < 0.05)', ''];
  for (const seed of input.cfg.seeds) {
    const specs = input.specs.filter((s) => s.seed === seed);
    const rows = paperPairs(specs).map(([a, b]) => {
      const ma = input.methods.get(key(a))!;
      const mb = input.methods.get(key(b))!;
      const p = (x: MethodCases, y: MethodCases, metric: 'dice' | 'assd', cls: ClassName) => fmtP(pairTest(x, y, metric, cls).pValue);
      return [
        `${a.label} vs ${b.label}`,
        p(ma, mb, 'dice', 'extrameatal'),
        p(ma, mb, 'dice', 'intrameatal'),
        p(boundaryAsClass(ma), boundaryAsClass(mb), 'assd', 'background'),
      ];
    });
    if (input.cfg.seeds.length > 1) out.push(`Seed ${seed}:`, '');
    out.push(table(['Methods', 'Dice EM', 'Dice IM', 'boundary ASSD'], rows));
  }
  return out.join('\n');
}

function mean(m: MethodCases | undefined, cls: ClassName): number {
  return m ? summarize(m.cases.map((c) => c.classes[cls].dice)).mean : NaN;
}

function findingsSection(input: ResultsInput): string {
  const { cfg } = input;
  const seed = cfg.seeds[0];
  const get = (id: string) => input.methods.get(`${id}-s${seed}`);
  const t = cfg.training;
  const lines = [
    '## What this phantom experiment does and does not show',
    '',
    `Numbers below are from seed ${seed}${cfg.seeds.length > 1 ? ` (of ${cfg.seeds.length})` : ''}; the discussion marked EDIT is for the authors to write.`,
    '',
    `- Scale: ${input.split.test.length} test scans (the paper: 56); each model trained for ${t.epochs} × ${t.iterationsPerEpoch} = ${t.epochs * t.iterationsPerEpoch} steps (the paper: 1000 × 250 = 250,000).`,
  ];
  const base = get('baseline');
  const gammas = cfg.methods.twoStage.gammas;
  const g0 = gammas.includes(0) ? get('stage2-g0') : undefined;
  if (base && g0) {
    const pe = fmtP(pairTest(base, g0, 'dice', 'extrameatal').pValue);
    const pi = fmtP(pairTest(base, g0, 'dice', 'intrameatal').pValue);
    lines.push(
      `- Two-stage (γ = 0) vs baseline: EM Dice ${fmt(mean(base, 'extrameatal'))} → ${fmt(mean(g0, 'extrameatal'))} (p ${pe}), IM Dice ${fmt(mean(base, 'intrameatal'))} → ${fmt(mean(g0, 'intrameatal'))} (p ${pi}). The paper: EM 0.7939 → 0.8068, IM 0.7475 → 0.7357 (p < 0.01).`,
    );
  }
  if (gammas.length > 0) {
    const best = gammas.map((g) => ({ g, v: mean(get(`stage2-g${gammaName(g)}`), 'intrameatal') })).sort((a, b) => b.v - a.v)[0];
    lines.push(`- Best γ by mean IM Dice: ${gammaName(best.g)} (${fmt(best.v)}); the paper's best: 0.5 (0.7744).`);
    const s1 = get('stage1');
    lines.push(`- Stage 1 WT Dice ${fmt(mean(s1, 'wholeTumour'))}${base ? ` vs baseline WT Dice ${fmt(mean(base, 'wholeTumour'))}` : ''} (the paper: 0.9039 vs 0.8813).`);
  }
  if (cfg.methods.upperBound && gammas.length > 0) {
    const gains = gammas.map((g) => mean(get(`stage2-g${gammaName(g)}-refWT`), 'intrameatal') - mean(get(`stage2-g${gammaName(g)}`), 'intrameatal'));
    lines.push(`- Upper bound (stage 2 given the reference WT): IM Dice higher by ${gains.map((d, i) => `${fmt(d, 3)} (γ ${gammaName(gammas[i])})`).join(', ')} than with the stage-1 WT (the paper reports the direction, no numbers).`);
  }
  if (cfg.methods.stage2OnPredictions) lines.push('- Stage 2 trained on stage-1 predictions: see the rows "trained on stage-1 WT" (stage-1 predictions of its own training cases are better than on unseen cases; nnU-Net cascades use cross-validation predictions).');
  lines.push(
    '',
    'It does show: <!-- EDIT: e.g. that the pipeline (two-stage, BDL, evaluation, statistics) runs end to end and in which direction each comparison goes on phantoms. -->',
    '',
    'It does not show: <!-- EDIT: e.g. anything about patients: phantoms are not T2 scans of patients, the test set is small, training is ~1/1000 of the paper’s, one seed cannot separate method from noise. -->',
    '',
  );
  return lines.join('\n');
}

/** The Markdown text of `results.md`. */
export function resultsMarkdown(input: ResultsInput): string {
  const { cfg } = input;
  return [
    `# Experiment ${cfg.name}: baseline vs two-stage with the Boundary Distance Loss`,
    '',
    `> **A different dataset.** The published numbers below are from the paper's clinical dataset; ours are from ${datasetLine(input)}. The two are not comparable as values — only the protocol is the same.`,
    '',
    `Reproduces the protocol of ${PAPER.citation}`,
    '',
    `Training: ${cfg.training.epochs} epochs × ${cfg.training.iterationsPerEpoch} iterations (validation ${cfg.training.validationIterations}) on ${cfg.training.device}; seeds ${cfg.seeds.join(', ')}; τ = ${cfg.methods.twoStage.tau} mm. Evaluation: empty Dice ${cfg.evaluation.emptyDice}, ASSD and HD95 by ${describeDistances(cfg.evaluation.distance)}. Time spent on work, summed over all runs: ${(input.seconds / 60).toFixed(1)} min (per step: experiment-log.jsonl). Full tables with HD95, all pairwise tests and the figures: compare/.`,
    '',
    '## Table 1 and Table 2',
    '',
    paperTables(),
    ourTables(input),
    wilcoxonSection(input),
    findingsSection(input),
  ].join('\n');
}
