/**
 * `meatus segment`: T2 scans in; for each, the EM/IM label map (NIfTI, in the input's geometry,
 * crossMoDA labels), the measurements (JSON) and a self-contained HTML report out. Two-stage with
 * the built-in default model unless models are given. `--demo` segments a generated phantom.
 */
import { closeSync, existsSync, openSync, readdirSync, readSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { device as deviceOption, integer, nonNegative, oneOf, parseCommand, UsageError } from './args.js';
import { checkOutput } from '../util/output-path.js';
import { readNifti, writeNifti } from '../volume/nifti-file.js';
import type { Volume } from '../volume/volume.js';
import { loadModel, type Engine, type Model } from '../infer/model.js';
import { loadModelFolder } from '../infer/model-folder.js';
import { segment, type Localisation, type Models } from '../infer/pipeline.js';
import { DEFAULT_LOCALISER_MARGIN_MM } from '../infer/localise.js';
import { measure, formatMeasurements, assessQuality, qualityWarningLines, type QualityModel } from '../measure/index.js';
import { caseNameOf, writeReport, type ReportModel } from '../measure/report.js';
import { removeStaleTemporaries } from '../util/atomic-write.js';
import { pixdimMismatch } from '../volume/nifti.js';
import { checkInputImage, NONFINITE_POLICIES, thinImageReason, type NonfinitePolicy } from '../preprocess/input-check.js';
import { parsePart, partOf } from '../infer/shard.js';
import { caseState, writeCaseRecord, type SegmentSettings } from '../infer/case-outputs.js';
import { ProgressBar } from '../util/progress.js';
import { generatePhantom } from '../data/phantom/generate.js';
import type { PhantomConfig } from '../data/phantom/config.js';
import { dice } from '../evaluate/metrics.js';

export const summary = 'segment T2 scans into extrameatal/intrameatal parts, measure them and write a report';

const USAGE = `usage: meatus segment INPUT... --out DIR [options]
       meatus segment --demo [--out DIR]

  INPUT                .nii/.nii.gz T2 scans, or folders of them (nnU-Net '_0000' suffixes are removed)
  --out DIR            where to write <id>.nii.gz, <id>_measurements.json, <id>_report.html
                       (default: meatus-output)
  --models DIR         folder with stage1.safetensors and stage2.safetensors, and optionally
                       localiser.safetensors (default: the built-in model, trained on synthetic
                       phantoms, which has all three). A network may be an ensemble:
                       stage1-2.safetensors, stage1-3.safetensors, … are further members, and
                       their logits are averaged (nnU-Net's ensemble of folds)
  --stage1 F --stage2 F  explicit two-stage checkpoints (with --localiser F, optionally);
                       --baseline F  a one-stage model
                       (one of --models, --stage1/--stage2 or --baseline; giving two is an error)
  --no-localise        skip the localiser: stages 1 and 2 over the whole scan (slow on a whole
                       head; for checks). By default, when the model has a localiser, it runs first
                       over the whole scan at 2 mm and stages 1 and 2 run only where it finds a
                       tumour (plus --margin-mm); where it finds none the scan is reported as
                       having no tumour
  --margin-mm MM       margin around each localised region (default 15)
  --device cpu|cuda    default cpu
  --engine E           onnxruntime (the default on the CPU: the network exported to ONNX and run by
                       ONNX Runtime, same labels, ~12× faster here; BENCHMARKS.md) or libtorch
                       (the default and only engine with --device cuda)
  --mirror             test-time mirroring (8 passes; slower, slightly better)
  --probabilities      also write <id>_probabilities.nii.gz (float32, one volume per class)
  --no-report          skip the HTML report
  --no-viewer          leave the interactive NiiVue viewer (inlined, ~3 MB, plus the scan: 10–35 MB for a whole head) out of the report
  --palette P          overlay colours of the report: default (EM red, IM green) or colour-blind
                       (EM orange, IM blue)
  --edges              measure diameters to voxel edges instead of voxel centres
  --keep-all-components  do not reduce the whole tumour to its largest component (with the
                       localiser: and a second one from 0.1 mL, as in NF2)
  --demo               generate a whole-head phantom scan (384 × 384 × 80, seed --seed, default 7),
                       segment it and print the agreement with its true labels
  --seed N             phantom seed for --demo
  --json               print the measurements as JSON
  --part K/N           segment only part K of N (0 ≤ K < N) of the input cases: sorted by case id and
                       dealt round-robin (nnU-Net's -part_id/-num_parts), so N tasks — a Slurm array,
                       a Kubernetes Indexed Job — segment a folder once between them
  --overwrite          segment every case again; without it, cases whose outputs in --out are complete
                       (their <id>_measurements.json record, written last, matches the files) are skipped,
                       so a rerun after a kill does only the rest, and outputs made from another input or
                       with other settings are refused
  --nonfinite refuse|replace-with-minimum
                       NaN/Inf voxels: refuse the scan (default) or replace them by its smallest
                       finite value. Every input is checked before any is segmented: non-finite
                       voxels, constant images and scans too thin for the model are refused`;

/** The phantom `--demo` segments: a whole head at the geometry of a 3D CISS. */
export const DEMO_PHANTOM: Partial<PhantomConfig> = Object.freeze({ fov: 'head', headGeometry: 'ciss' });

/** The built-in default model's folder (models/default in the package). */
export function defaultModelDir(): string {
  return join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'models', 'default');
}

/** Case id of a scan file: the name without .nii(.gz) and without an nnU-Net channel suffix. */
export function caseIdOf(path: string): string {
  return caseNameOf(path);
}

/**
 * Checks, before any work, that an input can be opened and starts as a NIfTI file does: a gzip
 * stream for `.nii.gz`, a NIfTI-1/2 header (sizeof_hdr 348 or 540, either byte order) for `.nii`.
 * @throws Error naming the file and what is wrong.
 */
function checkInputFile(path: string): void {
  const head = Buffer.alloc(4);
  let n: number;
  try {
    const fd = openSync(path, 'r');
    try {
      n = readSync(fd, head, 0, 4, 0);
    } finally {
      closeSync(fd);
    }
  } catch (e) {
    throw new Error(`input ${path}: cannot be read (${(e as Error).message})`);
  }
  if (n < 4) throw new Error(`input ${path}: empty or truncated (${n} bytes); expected a NIfTI file`);
  if (/\.gz$/i.test(path)) {
    if (head[0] !== 0x1f || head[1] !== 0x8b) throw new Error(`input ${path}: not gzip-compressed, though named .gz; expected a .nii.gz file`);
  } else if (![348, 540].includes(head.readInt32LE(0)) && ![348, 540].includes(head.readInt32BE(0))) {
    throw new Error(`input ${path}: sizeof_hdr is neither 348 nor 540; expected a NIfTI-1 or NIfTI-2 file`);
  }
}

/**
 * The scan files of `segment`'s inputs: each file, and every `.nii`/`.nii.gz` of each folder but the
 * extra channels (`_0001` …), checked to be NIfTI by their first bytes.
 * @throws Error naming the input that is missing, empty, or not a NIfTI file.
 */
export function collectInputs(inputs: string[]): string[] {
  const out: string[] = [];
  for (const p of inputs) {
    if (!existsSync(p)) throw new Error(`input ${p}: no such file or folder`);
    if (statSync(p).isDirectory()) {
      const files = readdirSync(p).filter((f) => /\.nii(\.gz)?$/i.test(f) && !/_000[1-9]\.nii/.test(f)).sort();
      if (files.length === 0) throw new Error(`input ${p}: no .nii or .nii.gz file in the folder`);
      out.push(...files.map((f) => join(p, f)));
    } else if (/\.nii(\.gz)?$/i.test(p)) {
      out.push(p);
    } else {
      throw new Error(`input ${p}: expected a .nii or .nii.gz file or a folder`);
    }
  }
  out.forEach(checkInputFile);
  return out;
}

async function loadModels(v: Record<string, string | boolean | undefined>, device: 'cpu' | 'cuda', engine: Engine): Promise<Models> {
  const load = (path: string) => loadModel(path, device, { engine });
  const localise = !v['no-localise'];
  if (v.baseline) return { baseline: await load(resolve(String(v.baseline))) };
  if (v.stage1 || v.stage2) {
    const stages = { stage1: await load(resolve(String(v.stage1))), stage2: await load(resolve(String(v.stage2))) };
    return v.localiser ? { ...stages, localiser: await load(resolve(String(v.localiser))) } : stages;
  }
  return loadModelFolder(v.models ? resolve(String(v.models)) : defaultModelDir(), { device, engine, localise });
}

/** One line on what the localiser found. */
export function formatLocalisation(l: Localisation): string {
  if (l.regions.length === 0) return 'localiser: no tumour found anywhere in the scan';
  const r = l.regions.map((g) => `centre (${g.centreRas.map((v) => v.toFixed(0)).join(', ')}) mm RAS, ${g.sizeMm.map((v) => v.toFixed(0)).join(' × ')} mm along the scan's array axes (z × y × x)`);
  return `localiser: ${l.regions.length} region${l.regions.length === 1 ? '' : 's'} segmented at full resolution: ${r.join('; ')}`;
}

function modelInfo(models: Models): ReportModel {
  const nets: Model[] = 'baseline' in models ? [models.baseline] : [models.stage1, models.stage2, ...(models.localiser ? [models.localiser] : [])];
  const list = nets.flatMap((m) => [m, ...(m.ensemble ?? [])]);
  const members = (m: Model) => (m.ensemble?.length ? ` (an ensemble of ${m.ensemble.length + 1})` : '');
  const trained = list.map((m) => m.meta?.config?.data ?? '').join(', ');
  const synthetic = list.some((m) => m.path.startsWith(defaultModelDir()));
  return {
    name: list.map((m) => basename(dirname(m.path)) + '/' + basename(m.path)).join(' + '),
    version: list.map((m) => `epoch ${(m.meta?.state?.epoch ?? -1) + 1}`).join(', '),
    builtIn: list.every((m) => m.path.startsWith(defaultModelDir())),
    trainedOn: synthetic ? 'synthetic VS phantoms generated by meatus — NOT patient data; not for clinical use' : trained || 'unknown',
    tasks:
      'baseline' in models
        ? 'baseline (one stage)'
        : `${models.localiser ? `localiser${members(models.localiser)} over the whole scan, then ` : ''}two-stage: whole tumour${members(models.stage1)}, then intrameatal/extrameatal split${members(models.stage2)}`,
  };
}

/** What the quality checks need of the models: provenance, and the first model's plan (stage 1, or the baseline). */
function qualityModel(models: Models, info: ReportModel): QualityModel {
  const { plan } = 'baseline' in models ? models.baseline : models.stage1;
  return { name: info.name, builtIn: info.builtIn === true, trainedOn: info.trainedOn, spacing: plan.spacing, fingerprint: plan.fingerprint };
}

/**
 * Reads and checks one input before anything is segmented: voxels (`checkInputImage`), thickness
 * for each model (`thinImageReason`). Returns notes for the output — a pixdim that disagrees with
 * the affine (also a warning of the quality checks), replaced non-finite voxels.
 * @throws Error naming the file and what to do.
 */
async function checkInput(path: string, models: Models, nonfinite: NonfinitePolicy): Promise<string[]> {
  const raw = await readNifti(path);
  const t2 = checkInputImage(raw, path, nonfinite);
  // The localiser is skipped on scans within one of its patches (segment() says so); only the stages must fit.
  const stages = 'baseline' in models ? [models.baseline] : [models.stage1, models.stage2];
  for (const m of stages) {
    const thin = thinImageReason([t2], m.plan);
    if (thin) throw new Error(`${path}: the scan ${thin}`);
  }
  const notes: string[] = [];
  const mismatch = pixdimMismatch(t2);
  if (mismatch) notes.push(`header: ${mismatch}`);
  if (t2 !== raw) notes.push('non-finite voxels were replaced by the smallest finite value (--nonfinite replace-with-minimum)');
  return notes;
}

export async function run(argv: string[]): Promise<number> {
  const o = { type: 'string' } as const;
  const flag = { type: 'boolean' } as const;
  const parsed = parseCommand(
    {
      name: 'segment',
      usage: USAGE,
      options: {
        out: o, models: o, stage1: o, stage2: o, baseline: o, device: o, mirror: flag, probabilities: flag,
        'no-report': flag, 'no-viewer': flag, palette: o, edges: flag, 'keep-all-components': flag, demo: flag, seed: o, json: flag, part: o, overwrite: flag, nonfinite: o,
        engine: o, localiser: o, 'no-localise': flag, 'margin-mm': o,
      },
      positionals: { min: 0, max: Infinity, name: 'input' },
      conflicts: [['baseline', 'stage1'], ['baseline', 'stage2'], ['baseline', 'models'], ['models', 'stage1'], ['models', 'stage2'], ['demo', 'part'], ['localiser', 'models'], ['localiser', 'baseline'], ['localiser', 'no-localise']],
    },
    argv,
  );
  if (typeof parsed === 'number') return parsed;
  const { values, positionals } = parsed;
  if (values.demo && positionals.length) throw new UsageError(`--demo segments a generated phantom; give input scans or --demo, not both`);
  if (!values.demo && positionals.length === 0) throw new UsageError('give input scans (files or folders), or --demo');
  if (Boolean(values.stage1) !== Boolean(values.stage2)) throw new UsageError('--stage1 and --stage2 go together');
  if (values.localiser && !values.stage1) throw new UsageError('--localiser goes with --stage1 and --stage2');
  const marginMm = values['margin-mm'] === undefined ? undefined : nonNegative('margin-mm', values['margin-mm'], false);
  if (marginMm !== undefined && marginMm > 200) throw new UsageError(`--margin-mm ${marginMm}: expected at most 200 mm`);
  if (marginMm !== undefined && values['no-localise']) throw new UsageError('--margin-mm: goes with the localiser; drop --no-localise or --margin-mm');
  const device = (await deviceOption('device', values.device)) ?? 'cpu';
  // ONNX Runtime is the CPU default: 11.8× libtorch 1.13 through segment() with identical labels (BENCHMARKS.md).
  const engine = oneOf('engine', values.engine, ['libtorch', 'onnxruntime'] as const) ?? (device === 'cpu' ? 'onnxruntime' : 'libtorch');
  if (engine === 'onnxruntime' && device !== 'cpu') throw new UsageError('--engine onnxruntime runs on the CPU; drop --device cuda');
  const palette = oneOf('palette', values.palette, ['default', 'colour-blind'] as const);
  const seed = integer('seed', values.seed) ?? 7;
  const nonfinite = oneOf('nonfinite', values.nonfinite, NONFINITE_POLICIES) ?? 'refuse';
  let part: ReturnType<typeof parsePart> | undefined;
  try {
    part = values.part === undefined ? undefined : parsePart(values.part);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const out = resolve(values.out ?? 'meatus-output');
  checkOutput('--out', out, { kind: 'dir', overwrite: true });
  for (const [k, what] of [['stage1', 'file'], ['stage2', 'file'], ['localiser', 'file'], ['baseline', 'file'], ['models', 'folder']] as const) {
    const v = values[k];
    if (v !== undefined && !existsSync(v)) throw new UsageError(`--${k} ${v}: no such ${what}`);
    if (v !== undefined && statSync(v).isDirectory() !== (what === 'folder')) throw new UsageError(`--${k} ${v}: not a ${what}`);
  }
  let inputs: string[];
  let reference: Volume | null = null;
  if (values.demo) {
    console.error(`generating a synthetic whole-head phantom (384 × 384 × 80 at 0.41 × 0.41 × 1.5 mm, CISS-like; seed ${seed}) …`);
    const ph = generatePhantom(DEMO_PHANTOM, seed);
    const path = join(out, `phantom_seed${seed}_0000.nii.gz`);
    await writeNifti(path, ph.image);
    await writeNifti(join(out, `phantom_seed${seed}_truth.nii.gz`), ph.label, { datatype: 'uint8' });
    reference = ph.label;
    inputs = [path];
  } else {
    inputs = partOf(collectInputs(positionals), part ?? { k: 0, n: 1 }, caseIdOf);
  }
  await removeStaleTemporaries(out);
  const models = await loadModels(values, device, engine);
  const info = modelInfo(models);
  console.error(`model: ${info.name} (${info.tasks}); trained on ${info.trainedOn}`);
  const settings: SegmentSettings = {
    model: `${info.name} (${info.version})`,
    engine,
    nonfinite,
    mirror: values.mirror ?? false,
    largestComponent: !values['keep-all-components'],
    localise: 'stage1' in models && models.localiser !== undefined,
    ...('stage1' in models && models.localiser ? { marginMm: marginMm ?? DEFAULT_LOCALISER_MARGIN_MM } : {}),
    toVoxelEdges: values.edges ?? false,
    probabilities: values.probabilities ?? false,
    report: !values['no-report'],
    ...(values['no-report'] ? {} : { palette: palette ?? 'default', viewer: !values['no-viewer'] }),
  };
  try {
    const pending: string[] = [];
    for (const path of inputs) {
      const st = values.overwrite || values.demo ? { state: 'absent' as const } : await caseState(out, caseIdOf(path), resolve(path), settings);
      if (st.state === 'different') {
        throw new Error(`${join(out, caseIdOf(path))}: outputs exist, ${st.why}; pass --overwrite to replace them or choose another --out`);
      }
      if (st.state !== 'complete') pending.push(path);
    }
    const skipped = inputs.length - pending.length;
    const cases = `${inputs.length} case${inputs.length === 1 ? '' : 's'}`;
    const share = part ? `part ${part.k}/${part.n}: ${cases}` : cases;
    console.error(`${share}; ${skipped} already complete in ${out} (skipped), ${pending.length} to segment`);
    // Every input checked before any is segmented.
    const headerNotes = new Map<string, string[]>();
    const bad: string[] = [];
    for (const path of pending) {
      try {
        headerNotes.set(path, await checkInput(path, models, nonfinite));
      } catch (e) {
        bad.push((e as Error).message);
      }
    }
    if (bad.length === 1) throw new Error(bad[0]);
    if (bad.length > 1) throw new Error(`${bad.length} of the ${pending.length} inputs cannot be segmented; nothing was:\n  ${bad.join('\n  ')}`);
    for (const path of pending) {
      const id = caseIdOf(path);
      const t2 = checkInputImage(await readNifti(path), path, nonfinite);
      const bars = new Map<string, ProgressBar>();
      const result = segment(t2, models, {
        mirror: values.mirror,
        largestComponent: !values['keep-all-components'],
        keepProbabilities: values.probabilities,
        localise: !values['no-localise'],
        localiserMarginMm: marginMm,
        onProgress: (stage, _done, total) => {
          if (!bars.has(stage)) bars.set(stage, new ProgressBar(total, `${id} ${stage}`));
          bars.get(stage)!.tick(1);
        },
      });
      const m = measure(result.label, { toVoxelEdges: values.edges });
      m.notes.push(...result.notes, ...headerNotes.get(path)!);
      const quality = assessQuality({ t2, label: result.label, measurements: m, localisation: result.localisation, components: result.components, model: qualityModel(models, info) });
      for (const line of qualityWarningLines(quality, id)) console.error(line);
      await writeNifti(join(out, `${id}.nii.gz`), result.label, { datatype: 'uint8', reference: t2 });
      if (result.probabilities) await writeNifti(join(out, `${id}_probabilities.nii.gz`), result.probabilities, { datatype: 'float32', reference: t2 });
      if (settings.report) {
        await writeReport(join(out, `${id}_report.html`), { t2, label: result.label, measurements: m, model: info, source: resolve(path), caseId: id, seconds: result.seconds, viewer: !values['no-viewer'], palette, quality });
      }
      // Written last: its presence, with matching sizes, is what makes the case complete.
      const record = await writeCaseRecord(out, {
        id,
        input: resolve(path),
        settings,
        shape: [...t2.shape],
        model: info,
        seconds: result.seconds,
        ...(result.localisation ? { localisation: result.localisation } : {}),
        ...(result.components ? { components: result.components } : {}),
        measurements: m,
        quality,
      });
      if (values.json) console.log(JSON.stringify(record));
      else {
        console.log(`\n${id}: ${formatMeasurements(m)}`);
        if (result.localisation) console.log(`  ${formatLocalisation(result.localisation)}`);
        if (reference) {
          const wt = (v: ArrayLike<number>) => Uint8Array.from(v as ArrayLike<number>, (x) => (x > 0 ? 1 : 0));
          const cls = (v: ArrayLike<number>, k: number) => Uint8Array.from(v as ArrayLike<number>, (x) => (x === k ? 1 : 0));
          console.log(
            `  agreement with the phantom's true labels: Dice whole tumour ${dice(wt(result.label.data), wt(reference.data)).toFixed(3)}, ` +
              `extrameatal ${dice(cls(result.label.data, 1), cls(reference.data, 1)).toFixed(3)}, intrameatal ${dice(cls(result.label.data, 2), cls(reference.data, 2)).toFixed(3)}`,
          );
        }
        console.log(`  wrote ${join(out, id)}.nii.gz, ${id}_measurements.json${values['no-report'] ? '' : `, ${id}_report.html`} (seconds per pass, with its preprocessing and restoring: ${Object.entries(result.seconds).map(([k, s]) => `${k} ${s.toFixed(1)}`).join(', ')})`);
      }
    }
  } finally {
    for (const m of Object.values(models) as Model[]) m.dispose();
  }
  return 0;
}
