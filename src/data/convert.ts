/**
 * Converting a labelled dataset into meatus's nnU-Net raw layout with meatus's label values
 * (0 background, 1 extrameatal, 2 intrameatal), for datasets whose labels are coded otherwise —
 * e.g. intrameatal and extrameatal the other way round, or an extra cochlea label to drop.
 *
 * The source is never modified. The output is written to a temporary folder next to the
 * destination and renamed at the end, so a failed conversion leaves no half-written dataset.
 */
import { existsSync } from 'node:fs';
import { replaceFolder } from '../util/replace-folder.js';
import { readNifti } from '../volume/nifti-file.js';
import { defaultDatatype } from '../volume/nifti.js';
import type { Volume } from '../volume/volume.js';
import { datasetJson, writeDatasetJson, writeNnunetCase } from './nnunet.js';

/** A labelled case to convert: one image file per channel and a label file. */
export interface ConvertCase {
  id: string;
  images: string[];
  label: string;
}

/** Options of {@link convertDataset}. */
export interface ConvertOptions {
  /** Label value → meatus label value (0, 1 or 2); values not listed are kept. */
  labelMap?: ReadonlyMap<number, number>;
  /** The channel names written to `dataset.json` (default `T2`, then `channel1`, …). */
  channelNames?: readonly string[];
  /** Called after each case. */
  onCase?: (done: number, total: number, id: string) => void;
  /**
   * Replace an existing `dest` that is a dataset (holds a `dataset.json`), swapped in whole once the
   * new one is complete (default false: an existing `dest` is an error).
   */
  overwrite?: boolean;
}

/** The label values meatus works with. */
const MEATUS_LABELS = new Set([0, 1, 2]);

/**
 * Parses a label map written `FROM=TO,FROM=TO` (e.g. `1=2,2=1,3=0`).
 * @throws Error naming the entry if it is not two integers, the source is negative or repeated, or
 *   the target is not 0, 1 or 2.
 */
export function parseLabelMap(text: string): Map<number, number> {
  const map = new Map<number, number>();
  for (const entry of text.split(',')) {
    const m = /^\s*(\d+)\s*=\s*(\d+)\s*$/.exec(entry);
    if (!m)
      throw new Error(
        `label map: '${entry}' is not FROM=TO with two non-negative integers (e.g. 1=2,2=1,3=0)`,
      );
    const [from, to] = [Number(m[1]), Number(m[2])];
    if (!MEATUS_LABELS.has(to))
      throw new Error(
        `label map: '${entry}' maps to ${to}; meatus labels are 0 (background), 1 (extrameatal), 2 (intrameatal)`,
      );
    if (map.has(from)) throw new Error(`label map: label ${from} is mapped twice`);
    map.set(from, to);
  }
  return map;
}

/**
 * Relabels a label volume with `map` into a uint8 volume of meatus labels.
 * @throws Error naming `file`, the value and a voxel when a value is not an integer or ends up
 *   outside 0–2 (unmapped).
 */
export function relabel(label: Volume, map: ReadonlyMap<number, number>, file: string): Volume<Uint8Array> {
  const out = new Uint8Array(label.data.length);
  for (let i = 0; i < out.length; i++) {
    const v = label.data[i];
    const to = map.get(v) ?? v;
    if (!MEATUS_LABELS.has(to)) {
      throw new Error(
        `${file}: label value ${v} at voxel ${i} ${map.has(v) ? `maps to ${to}` : 'is not mapped'}; ` +
          'expected 0, 1 or 2 after the label map (add it to the map, e.g. 3=0 to drop a cochlea label)',
      );
    }
    out[i] = to;
  }
  return { ...label, data: out, channels: undefined };
}

/**
 * Writes `cases` as an nnU-Net raw dataset at `dest` (which must not exist, unless `opts.overwrite`): images in their stored
 * datatype, labels relabelled by `opts.labelMap` to meatus's values, and a `dataset.json`.
 * @returns the number of cases written.
 * @throws Error if `dest` exists or no case is given, naming the file when one cannot be read, has
 *   a label whose shape differs from its image, or a label value outside 0–2 after the map. Nothing
 *   is left at `dest` then.
 */
export async function convertDataset(
  cases: readonly ConvertCase[],
  dest: string,
  opts: ConvertOptions = {},
): Promise<number> {
  if (cases.length === 0) throw new Error('convertDataset: no labelled case to convert');
  if (existsSync(dest) && !opts.overwrite)
    throw new Error(`${dest}: already exists; choose a new folder for the converted dataset, or overwrite it`);
  const map = opts.labelMap ?? new Map<number, number>();
  await replaceFolder(
    dest,
    async (tmp) => {
      let done = 0;
      for (const c of cases) {
        const images: Volume[] = [];
        for (const path of c.images) images.push(await readNifti(path));
        const label = await readNifti(c.label);
        if (label.shape.some((s, a) => s !== images[0].shape[a])) {
          throw new Error(
            `${c.label}: shape ${label.shape.join('×')}, expected ${images[0].shape.join('×')} (the shape of ${c.images[0]})`,
          );
        }
        const labels = relabel(label, map, c.label);
        await writeNnunetCase(tmp, c.id, images, labels, { imageDatatype: defaultDatatype(images[0].data) });
        opts.onCase?.(++done, cases.length, c.id);
      }
      await writeDatasetJson(
        tmp,
        datasetJson(cases.length, {
          channel_names: Object.fromEntries(
            cases[0].images.map((_, i) => [
              String(i),
              opts.channelNames?.[i] ?? (i === 0 ? 'T2' : `channel${i}`),
            ]),
          ),
        }),
      );
    },
    { refuse: (names) => (names.includes('dataset.json') ? undefined : 'it holds no dataset.json, so it is not a dataset to replace') },
  );
  return cases.length;
}
