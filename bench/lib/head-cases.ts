// The head cases of bench/segment.ts (issue 13): the benchmark's tumour scan, an NF2 head and a
// healthy head of the same geometry, each segmented by meatus localised (the localiser, then stages
// 1 and 2 in its regions) and, for the tumour cases, over the whole scan, and by the `meatus segment`
// command; their tables and the issue's goals.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PhantomConfig } from '../../src/data/phantom/config.js';
import { generatePhantom, type PhantomMeta } from '../../src/data/phantom/generate.js';
import { writeNifti } from '../../src/volume/nifti-file.js';
import type { Vec3, Volume } from '../../src/volume/volume.js';
import { agreement, type Agreement } from './agreement.js';
import type { CliRun } from './meatus-cli.js';
import { median } from './stats.js';

/** The goals of issue 13 for a 384 × 384 × 80 head on 2 CPU cores. */
export const HEAD_GOALS = Object.freeze({
  /** Localised `segment()` against the PyTorch nnU-Net-style full-volume pipeline (× faster). */
  speedUp: 5,
  /** Dice per class between localised and full-volume inference on the tumour cases. */
  agreement: 0.99,
  /** A healthy head, end to end, s. */
  healthySeconds: 20,
  /** `meatus segment` on the tumour scan, end to end: at most, and the aim, s; its peak memory, MB. */
  cliSeconds: 60,
  cliAimSeconds: 20,
  cliMemoryMB: 2048,
});

/** One timed `segment()` run in its own process (bench/segment.ts's child). */
export interface TimedRun {
  seconds: Record<string, number>;
  maxRssMB: number;
  wtVoxels: number;
  regions?: { start: Vec3; end: Vec3 }[];
}

/** A head case and its runs. */
export interface HeadCase {
  name: 'tumour' | 'nf2' | 'healthy';
  /** Whether the scan has a tumour (the agreement goal applies). */
  tumour: boolean;
  image: Volume<Float32Array>;
  /** The phantom's true label map (0 background, 1 EM, 2 IM), the scan's grid. */
  truth: Uint8Array;
  meta: PhantomMeta;
  /** The scan as raw float32 voxels (a child's input) and as NIfTI (the command's input). */
  file: string;
  nifti: string;
  /** Where the first localised and full-volume runs write their label maps (uint8, the scan's grid). */
  localisedLabel: string;
  fullLabel: string;
  localised: TimedRun[];
  full: TimedRun[];
  cli: CliRun[];
}

/**
 * The three head cases, written to `dir`: `tumour` is `t2` itself with its true label map `truth`
 * (its full-volume label map is `tumourFullLabel`), `nf2` and `healthy` are generated with `config` and seeds `seed + 1`, `seed + 2`
 * (`bilateralProbability: 1`, `healthyProbability: 1`).
 */
export async function makeHeadCases(
  t2: Volume<Float32Array>,
  truth: Volume<Uint8Array>,
  meta: PhantomMeta,
  config: Partial<PhantomConfig>,
  seed: number,
  dir: string,
  tumourFullLabel: string,
): Promise<HeadCase[]> {
  const nf2 = generatePhantom({ ...config, healthyProbability: 0, bilateralProbability: 1 }, seed + 1);
  const healthy = generatePhantom({ ...config, healthyProbability: 1 }, seed + 2);
  const cases: HeadCase[] = [];
  for (const [name, image, label, m] of [
    ['tumour', t2, truth, meta],
    ['nf2', nf2.image, nf2.label, nf2.meta],
    ['healthy', healthy.image, healthy.label, healthy.meta],
  ] as const) {
    const file = join(dir, `head-${name}.f32`);
    writeFileSync(file, new Uint8Array(image.data.buffer, image.data.byteOffset, image.data.byteLength));
    const nifti = join(dir, `head-${name}.nii.gz`);
    await writeNifti(nifti, image);
    cases.push({
      name,
      tumour: !m.healthy,
      image,
      truth: label.data,
      meta: m,
      file,
      nifti,
      localisedLabel: join(dir, `localised-${name}.u8`),
      fullLabel: name === 'tumour' ? tumourFullLabel : join(dir, `full-${name}.u8`),
      localised: [],
      full: [],
      cli: [],
    });
  }
  return cases;
}

/** What {@link reportHead} found, for the JSON record. */
export interface HeadSummary {
  cases: {
    name: string;
    truthMl: number;
    localised: {
      localise: number;
      stage1: number;
      stage2: number;
      total: number;
      maxRssMB: number;
      regions: number;
      predictedMl: number;
    } | null;
    fullTotal: number | null;
    speedUpVsPeer: number | null;
    agreement: Agreement | null;
    /** Dice per class against the phantom's truth: localised and full-volume inference. */
    truth: { localised: Agreement | null; full: Agreement | null };
    cli: { wallSeconds: number; maxRssMB: number; seconds: Record<string, number> } | null;
  }[];
  goals: Record<string, { value: number | null; goal: string; met: boolean | null }>;
}

/**
 * Prints the head tables and the goals, and returns them. Medians over the rounds; the speed-up is
 * `peerTotal` (the PyTorch pipeline's stage 1 + 2 on the tumour scan) over the localised run's total
 * (preprocessing, localiser, both stages, restore); the agreement compares the first localised and
 * full-volume label maps of each tumour case.
 */
export function reportHead(head: HeadCase[], peerTotal: number, engine: string): HeadSummary {
  const sec = (runs: { seconds: Record<string, number> }[], k: string) =>
    runs.length ? median(runs.map((x) => x.seconds[k] ?? 0)) : NaN;
  const num = (v: number) => (Number.isFinite(v) ? v : null);
  const summary: HeadSummary = { cases: [], goals: {} };
  for (const h of head) {
    const voxelMl = h.image.spacing.reduce((a, b) => a * b, 1) / 1000;
    const loc = h.localised;
    const localised = loc.length
      ? {
          localise: sec(loc, 'localise'),
          stage1: sec(loc, 'stage1'),
          stage2: sec(loc, 'stage2'),
          total: sec(loc, 'total'),
          maxRssMB: Math.max(...loc.map((r) => r.maxRssMB)),
          regions: loc[0].regions?.length ?? 0,
          predictedMl: loc[0].wtVoxels * voxelMl,
        }
      : null;
    const agree =
      h.tumour && loc.length && h.full.length
        ? agreement(new Uint8Array(readFileSync(h.localisedLabel)), new Uint8Array(readFileSync(h.fullLabel)))
        : null;
    summary.cases.push({
      name: h.name,
      truthMl: h.meta.volumes.total / 1000,
      localised,
      fullTotal: num(sec(h.full, 'total')),
      speedUpVsPeer: h.name === 'tumour' && localised ? peerTotal / localised.total : null,
      agreement: agree,
      truth: {
        localised: h.tumour && loc.length ? agreement(new Uint8Array(readFileSync(h.localisedLabel)), h.truth) : null,
        full: h.tumour && h.full.length ? agreement(new Uint8Array(readFileSync(h.fullLabel)), h.truth) : null,
      },
      cli: h.cli.length
        ? {
            wallSeconds: median(h.cli.map((c) => c.wallSeconds)),
            maxRssMB: Math.max(...h.cli.map((c) => c.maxRssMB)),
            seconds: h.cli[0].seconds,
          }
        : null,
    });
  }

  const f = (v: number | null | undefined) =>
    v === null || v === undefined || !Number.isFinite(v)
      ? '—'
      : v >= 100
        ? v.toFixed(0)
        : v >= 10
          ? v.toFixed(1)
          : v.toFixed(2);
  const d = (v: number | undefined) => (v === undefined ? '—' : v === 1 ? '1' : v.toFixed(4));
  console.log(
    `\nHead cases, engine ${engine}: localised = localiser, then stages 1 and 2 in its regions; full = both stages over the whole scan; totals include preprocessing and restoring.`,
  );
  console.log(
    '| case | true tumour mL | localise s | stage 1 s | stage 2 s | localised total s | full-volume total s | speed-up vs PyTorch full volume | Dice EM | Dice IM | Dice WT (localised vs full) | voxels differing | Dice WT / EM / IM vs truth: localised | full volume | regions | predicted mL | peak RSS MB |',
  );
  console.log(
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  );
  const vsTruth = (a: Agreement | null) => (a ? `${a.wt.toFixed(3)} / ${a.em.toFixed(3)} / ${a.im.toFixed(3)}` : '—');
  for (const c of summary.cases) {
    const l = c.localised;
    const a = c.agreement;
    console.log(
      `| ${c.name} | ${c.truthMl.toFixed(2)} | ${f(l?.localise)} | ${f(l?.stage1)} | ${f(l?.stage2)} | ${f(l?.total)} | ${f(c.fullTotal)} | ` +
        `${c.speedUpVsPeer === null ? '—' : `${c.speedUpVsPeer.toFixed(1)}×`} | ${d(a?.em)} | ${d(a?.im)} | ${d(a?.wt)} | ${a ? a.differingVoxels : '—'} | ` +
        `${vsTruth(c.truth.localised)} | ${vsTruth(c.truth.full)} | ` +
        `${l?.regions ?? '—'} | ${l ? l.predictedMl.toFixed(2) : '—'} | ${f(l?.maxRssMB)} |`,
    );
  }
  const withCli = summary.cases.filter((c) => c.cli);
  if (withCli.length) {
    console.log(
      '\n| `meatus segment <head.nii.gz> --out DIR` on | wall s (read, localise, both stages, write label, measurements, report) | peak RSS MB | its record: seconds per pass |',
    );
    console.log('| --- | ---: | ---: | --- |');
    for (const c of withCli) {
      const s = Object.entries(c.cli!.seconds)
        .map(([k, v]) => `${k} ${v.toFixed(1)}`)
        .join(', ');
      console.log(`| ${c.name} | ${f(c.cli!.wallSeconds)} | ${c.cli!.maxRssMB.toFixed(0)} | ${s} |`);
    }
  }

  const byName = (n: string) => summary.cases.find((c) => c.name === n);
  const tumour = byName('tumour');
  const healthy = byName('healthy');
  const agreements = summary.cases
    .filter((c) => c.agreement)
    .map((c) => Math.min(c.agreement!.em, c.agreement!.im, c.agreement!.wt));
  const healthySeconds = healthy?.cli?.wallSeconds ?? healthy?.localised?.total ?? null;
  const goal = (value: number | null, text: string, ok: (v: number) => boolean) => ({
    value,
    goal: text,
    met: value === null ? null : ok(value),
  });
  summary.goals = {
    speedUp: goal(
      tumour?.speedUpVsPeer ?? null,
      `≥ ${HEAD_GOALS.speedUp}× the PyTorch full-volume pipeline`,
      (v) => v >= HEAD_GOALS.speedUp,
    ),
    agreement: goal(
      agreements.length ? Math.min(...agreements) : null,
      `Dice ≥ ${HEAD_GOALS.agreement} per class, localised vs full volume, tumour cases`,
      (v) => v >= HEAD_GOALS.agreement,
    ),
    healthySeconds: goal(
      healthySeconds,
      `healthy head ≤ ${HEAD_GOALS.healthySeconds} s (${healthy?.cli ? 'the command' : 'segment()'})`,
      (v) => v <= HEAD_GOALS.healthySeconds,
    ),
    cliSeconds: goal(
      tumour?.cli?.wallSeconds ?? null,
      `meatus segment ≤ ${HEAD_GOALS.cliSeconds} s (aim ${HEAD_GOALS.cliAimSeconds} s)`,
      (v) => v <= HEAD_GOALS.cliSeconds,
    ),
    cliMemoryMB: goal(
      tumour?.cli?.maxRssMB ?? null,
      `meatus segment peak RSS ≤ ${HEAD_GOALS.cliMemoryMB} MB`,
      (v) => v <= HEAD_GOALS.cliMemoryMB,
    ),
  };
  console.log(
    '\nGoals (issue 13): ' +
      Object.values(summary.goals)
        .map(
          (g) => `${g.goal}: ${f(g.value)} ${g.met === null ? '(not measured)' : g.met ? 'met' : 'NOT met'}`,
        )
        .join('; '),
  );
  return summary;
}
