/**
 * `meatus phantom`: writes a synthetic nnU-Net raw dataset of vestibular schwannoma phantoms.
 */

import { availableParallelism } from 'node:os';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { fraction, integer, parseCli, positive, UsageError } from './args.js';
import { checkOutput } from '../util/output-path.js';
import { defaultPatients, generatePhantomDataset, MAX_PHANTOM_CASES } from '../data/phantom/dataset.js';
import type { Phantom } from '../data/phantom/generate.js';
import { HEAD_GEOMETRIES, type PhantomConfig } from '../data/phantom/config.js';
import { checkSeriesOptions, type SeriesOptions } from '../data/phantom/longitudinal.js';
import { writePreviewPng } from '../data/preview.js';

/** One-line description for `meatus --help`. */
export const summary = 'generate a synthetic VS phantom dataset (nnU-Net raw layout)';

const USAGE = `usage: meatus phantom --cases N --out DIR [options]

Writes N synthetic T2 scans with IM/EM labels as an nnU-Net raw dataset
(imagesTr/VS_p001_t01_0000.nii.gz, labelsTr/..., dataset.json, phantoms.json, dates.csv,
hard-negatives.json: the middle of every normal internal auditory canal inside the scan, for
meatus train --hard-negatives).

options:
  --cases N        number of scans (timepoints over all patients)
  --out DIR        output folder
  --seed S         seed (default 0); the same seed gives identical files
  --patients P     number of patients (default: N × 137/227, the paper's ratio)
  --fov crop|head  crop around the IAC (default) or a whole-head volume
  --geometry G     head FOV at a public dataset's geometry: ciss (384×384×80 at 0.41×0.41×1.5 mm),
                   fiesta (512×512×120 at 0.47×0.47×1 mm), iso (256×256×176 at 1 mm, sagittal),
                   tse (224×224×60 at 1×1×2 mm), slab (448×448×40 at 0.45×0.45×1 mm), or mixed
                   (one per patient); implies --fov head, and varies contrast and ghosting
  --healthy P      probability that a patient has no tumour (default 0), drawn per patient from
                   the seed: about P × the patients, not exactly (3 patients at 0.34 may give none)
  --nf2 P          probability that a patient with a tumour has one on each side (NF2; default 0),
                   drawn per patient likewise
  --koos 1-4       fix the Koos grade (default: random)
  --first-patient K  number the patients from VS_p<K> (default 1), patient k drawn from the seed a
                   dataset with the same --seed gives its k-th: a second dataset with K one past
                   the first's last patient adds new patients (e.g. --koos 4) without renaming
  --preview FILE   also write a PNG of axial slices with the labels (EM red, IM green)
  --preview-cases K  cases shown in the preview (default 3, one per patient)
  --jobs N         worker threads generating patients in parallel (default: the cores; 1 with --preview)
  --overwrite      replace an existing dataset in --out (its imagesTr/, labelsTr/, dataset.json,
                   phantoms.json, dates.csv, hard-negatives.json) and an existing --preview file;
                   without it both are refused

longitudinal (patients with several timepoints; scan dates go to dates.csv as case,date):
  --growth PCT     set growth: the extrameatal volume changes PCT % per year (negative shrinks;
                   the size factor is (1 + PCT/100)^(years/3)); default: a drawn growth
  --interval-months M  months between a patient's scans (default: drawn, 6–18)
  --start-date D   date of each patient's first scan, YYYY-MM-DD (default 2020-01-01)`;

/** Runs the command; returns the exit code. */
export async function run(argv: string[]): Promise<number> {
  const values = parseCli(
    'phantom',
    USAGE,
    argv,
    {
      cases: { type: 'string' },
      out: { type: 'string' },
      seed: { type: 'string' },
      patients: { type: 'string' },
      fov: { type: 'string' },
      geometry: { type: 'string' },
      healthy: { type: 'string' },
      nf2: { type: 'string' },
      koos: { type: 'string' },
      'first-patient': { type: 'string' },
      preview: { type: 'string' },
      'preview-cases': { type: 'string' },
      jobs: { type: 'string' },
      overwrite: { type: 'boolean' },
      growth: { type: 'string' },
      'interval-months': { type: 'string' },
      'start-date': { type: 'string' },
    },
    ['cases', 'out'],
  );
  if (typeof values === 'number') return values;
  const cases = positive('cases', values.cases, true, MAX_PHANTOM_CASES)!;
  const patients = positive('patients', values.patients);
  if (patients !== undefined && patients > cases) throw new UsageError(`--patients ${patients}: more patients than --cases ${cases}`);
  const seed = integer('seed', values.seed) ?? 0;
  const jobs = positive('jobs', values.jobs) ?? availableParallelism();
  const config: Partial<PhantomConfig> = {};
  if (values.fov !== undefined) {
    if (values.fov !== 'crop' && values.fov !== 'head')
      throw new UsageError(`--fov: expected crop or head, got '${values.fov}'`);
    config.fov = values.fov;
  }
  if (values.geometry !== undefined) {
    if (values.fov === 'crop') throw new UsageError('--geometry: goes with --fov head (or alone), not --fov crop');
    if (values.geometry !== 'mixed' && !Object.hasOwn(HEAD_GEOMETRIES, values.geometry)) {
      throw new UsageError(`--geometry: expected ${[...Object.keys(HEAD_GEOMETRIES), 'mixed'].join(', ')}, got '${values.geometry}'`);
    }
    config.fov = 'head';
    config.headGeometry = values.geometry;
  }
  const healthy = fraction('healthy', values.healthy);
  if (healthy !== undefined) config.healthyProbability = healthy;
  const nf2 = fraction('nf2', values.nf2);
  if (nf2 !== undefined) config.bilateralProbability = nf2;
  if (values.koos !== undefined) {
    const k = Number(values.koos);
    if (![1, 2, 3, 4].includes(k)) throw new UsageError(`--koos: expected 1, 2, 3 or 4, got '${values.koos}'`);
    config.koos = k as PhantomConfig['koos'];
  }
  const firstPatient = positive('first-patient', values['first-patient']) ?? 1;
  if (firstPatient + (patients ?? defaultPatients(cases)) - 1 > 999) {
    throw new UsageError(`--first-patient ${firstPatient}: the last patient would be past VS_p999`);
  }
  const nPreview = positive('preview-cases', values['preview-cases']) ?? 3;
  const series: SeriesOptions = { startDate: values['start-date'] };
  if (values.growth !== undefined) {
    const pct = Number(values.growth);
    if (values.growth.trim() === '' || !Number.isFinite(pct)) throw new UsageError(`--growth: expected a number (% extrameatal volume per year), got '${values.growth}'`);
    series.growth = { volumePercentPerYear: pct, intervalMonths: positive('interval-months', values['interval-months']) };
  } else if (values['interval-months'] !== undefined) {
    throw new UsageError('--interval-months: goes with --growth (without it the intervals are drawn)');
  }
  try {
    checkSeriesOptions(series);
  } catch (e) {
    // The library names its fields; the user gave options.
    const names: [RegExp, string][] = [[/growth\.volumePercentPerYear/, '--growth'], [/growth\.intervalMonths/, '--interval-months'], [/startDate/, '--start-date']];
    const m = (e as Error).message.replace(/^phantom series: /, '');
    throw new UsageError(names.reduce((t, [re, flag]) => t.replace(re, flag), m));
  }
  const overwrite = Boolean(values.overwrite);
  checkOutput('--out', values.out!, { kind: 'dir', overwrite });
  if (values.preview) checkOutput('--preview', values.preview, { kind: 'file', overwrite });
  if (overwrite) {
    for (const f of ['imagesTr', 'labelsTr', 'dataset.json', 'phantoms.json', 'dates.csv', 'hard-negatives.json']) rmSync(join(values.out!, f), { recursive: true, force: true });
  }
  const shown: Phantom[] = [];
  const seenPatients = new Set<string>();
  const result = await generatePhantomDataset({
    out: values.out!,
    cases,
    patients,
    seed,
    config,
    jobs,
    keepPhantoms: Boolean(values.preview),
    series,
    firstPatient,
    onCase: (name, m, ph) => {
      const patient = name.slice(0, name.lastIndexOf('_'));
      if (ph && values.preview && shown.length < nPreview && !seenPatients.has(patient)) {
        seenPatients.add(patient);
        shown.push(ph);
      }
      console.log(
        `${name}  ${m.healthy ? 'healthy     ' : m.tumours.length > 1 ? `NF2 Koos ${m.tumours.map((t) => t.koos).join('+')}` : `Koos ${m.koos}  ${m.side.padEnd(5)}`}  ${m.shape.join('×')} @ ${m.spacing.join('×')} mm` +
          `  EM ${m.volumes.extrameatal.toFixed(0)} mm³  IM ${m.volumes.intrameatal.toFixed(0)} mm³${m.oblique ? '  oblique' : ''}`,
      );
    },
  });
  if (values.preview) await writePreviewPng(values.preview, shown);
  console.log(
    `wrote ${result.cases.length} cases of ${result.patients} patients to ${result.out} in ${result.seconds.toFixed(1)} s` +
      (values.preview ? `; preview ${values.preview}` : ''),
  );
  return 0;
}
