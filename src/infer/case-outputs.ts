/**
 * What `meatus segment` writes per case, and whether a case's outputs are already complete, so
 * that a rerun after a kill or a failure segments only the rest. Files of case `<id>` in the
 * output folder: `<id>.nii.gz` (labels), `<id>_probabilities.nii.gz` (optional),
 * `<id>_report.html` (optional) and, written last as the commit record, `<id>_measurements.json`,
 * which lists the other files with their sizes and the settings that made them. Every file is
 * written atomically, so a case whose record is valid and whose files have the recorded sizes is
 * complete; anything else is redone.
 */
import { existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { decodeNifti } from '../volume/nifti.js';
import { writeFileAtomic } from '../util/atomic-write.js';

/** The settings that determine a case's outputs: a rerun with other settings must not skip. */
export interface SegmentSettings {
  /** Model name(s) and version (epochs). */
  model: string;
  /** The engine that ran the network (`libtorch` or `onnxruntime`: equal within float rounding, not bit for bit). */
  engine: string;
  /** What was done with non-finite input voxels (`refuse` or `replace-with-minimum`). */
  nonfinite: string;
  mirror: boolean;
  largestComponent: boolean;
  /** Whether a localiser ran first (stages 1 and 2 only where it found a tumour), and its margin in mm (when it did). */
  localise?: boolean;
  marginMm?: number;
  toVoxelEdges: boolean;
  probabilities: boolean;
  report: boolean;
  /** With a report: its overlay palette and whether it holds the viewer. */
  palette?: string;
  viewer?: boolean;
}

/** What identifies a case's outputs in its record. */
export interface CaseRecordCore {
  id: string;
  /** Absolute path of the input scan. */
  input: string;
  settings: SegmentSettings;
  /** Shape `[z, y, x]` of the label map (the input's). */
  shape: number[];
}

/**
 * The commit record `<id>_measurements.json`: the core, the output file name → size in bytes, and
 * whatever the caller adds (measurements, model, timings).
 */
export type CaseRecord = CaseRecordCore & { outputs: Record<string, number> } & Record<string, unknown>;

/** Where a case stands in an output folder. */
export type CaseState =
  | { state: 'absent' }
  | { state: 'complete' }
  /** Some outputs but no valid record: a run was interrupted; redo it. */
  | { state: 'partial'; why: string }
  /** Complete, but for another input or other settings: redo only with `--overwrite`. */
  | { state: 'different'; why: string };

/** The name of a case's record. */
export function recordName(id: string): string {
  return `${id}_measurements.json`;
}

/** The output files of a case except the record, as {@link SegmentSettings} say. */
export function caseOutputNames(id: string, s: Pick<SegmentSettings, 'probabilities' | 'report'>): string[] {
  return [`${id}.nii.gz`, ...(s.probabilities ? [`${id}_probabilities.nii.gz`] : []), ...(s.report ? [`${id}_report.html`] : [])];
}

function differs(a: SegmentSettings, b: unknown): string | undefined {
  const o = (b ?? {}) as Record<string, unknown>;
  for (const k of Object.keys(a) as (keyof SegmentSettings)[]) {
    if (o[k] !== a[k]) return `${k} was ${JSON.stringify(o[k])}, now ${JSON.stringify(a[k])}`;
  }
  return undefined;
}

/**
 * Whether case `id`'s outputs in `out` are complete for `input` and `settings`: the record parses,
 * names this case, input and settings, every listed file has its recorded size, and the label map
 * decodes (gzip CRC-32 included) with the recorded shape.
 */
export async function caseState(out: string, id: string, input: string, settings: SegmentSettings): Promise<CaseState> {
  const names = caseOutputNames(id, settings);
  const recordPath = join(out, recordName(id));
  const any = [recordName(id), ...caseOutputNames(id, { probabilities: true, report: true })].some((f) => existsSync(join(out, f)));
  if (!any) return { state: 'absent' };
  let rec: CaseRecord;
  try {
    rec = JSON.parse(await readFile(recordPath, 'utf8')) as CaseRecord;
  } catch (e) {
    return { state: 'partial', why: `${recordPath}: ${(e as Error).message}` };
  }
  if (rec?.id !== id || typeof rec.outputs !== 'object' || rec.outputs === null || !Array.isArray(rec.shape)) {
    return { state: 'partial', why: `${recordPath}: not the record of case ${id}` };
  }
  // Other input or settings first: a setting that adds an output (--probabilities) must not read
  // as an interrupted case and be redone over the outputs without --overwrite.
  if (rec.input !== input) return { state: 'different', why: `made from ${rec.input}, not ${input}` };
  const why = differs(settings, rec.settings);
  if (why) return { state: 'different', why: `made with other settings (${why})` };
  for (const f of names) {
    const size = await stat(join(out, f)).then((s) => s.size, () => -1);
    if (size < 0 || size !== rec.outputs[f]) return { state: 'partial', why: `${join(out, f)}: ${size < 0 ? 'missing' : `${size} bytes, the record says ${rec.outputs[f]}`}` };
  }
  try {
    const label = decodeNifti(await readFile(join(out, names[0])), join(out, names[0]));
    if (label.shape.some((s, a) => s !== rec.shape[a])) return { state: 'partial', why: `${names[0]}: shape ${label.shape.join('×')}, the record says ${rec.shape.join('×')}` };
  } catch (e) {
    return { state: 'partial', why: (e as Error).message };
  }
  return { state: 'complete' };
}

/**
 * Writes the record of a case last, listing the sizes of its other (already written) outputs.
 * @returns the record written.
 * @throws Error naming a listed output that is missing.
 */
export async function writeCaseRecord(out: string, rec: CaseRecordCore & Record<string, unknown>): Promise<CaseRecord> {
  const outputs: Record<string, number> = {};
  for (const f of caseOutputNames(rec.id, rec.settings)) {
    outputs[f] = await stat(join(out, f)).then(
      (s) => s.size,
      (e: Error) => {
        throw new Error(`${join(out, f)}: cannot record the output (${e.message})`);
      },
    );
  }
  const full: CaseRecord = { ...rec, outputs };
  await writeFileAtomic(join(out, recordName(rec.id)), JSON.stringify(full, null, 2) + '\n');
  return full;
}
