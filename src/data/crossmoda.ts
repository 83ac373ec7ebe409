/**
 * The crossMoDA challenge layouts, 2021–2023 (read only).
 *
 * Accepted file names (case-insensitive, `.nii` or `.nii.gz`, in the folder or its subfolders up
 * to three levels deep, e.g. `source_training/`, `target_training/`, `TrainingSource/`,
 * `TrainingTarget/`, `crossmoda23_validation/`):
 *
 * | edition | T2 image | ceT1 image | label |
 * | --- | --- | --- | --- |
 * | 2023 | `crossmoda2023_etz_106_T2.nii.gz` | `crossmoda2023_ldn_1_ceT1.nii.gz` | `crossmoda2023_ldn_1_Label.nii.gz` |
 * | 2022 | `crossmoda2022_etz_106_hrT2.nii.gz` | `crossmoda2022_ldn_1_ceT1.nii.gz` | `crossmoda2022_ldn_1_Label.nii.gz` |
 * | 2021 | `crossmoda_106_hrT2.nii.gz` | `crossmoda_1_ceT1.nii.gz` | `crossmoda_1_Label.nii.gz` |
 *
 * i.e. `crossmoda[YYYY][_<site>]_<number>_<hrT2|T2|ceT1|Label>`, sites being lower-case letters
 * (`ldn` London, `etz` Tilburg, `ukm` the UK multi-centre data, and any other). The 2023 names are
 * those of the organisers' submission container (`{case}_T2.nii.gz`, CrossMoDA/docker_submission
 * `src/run_inference.py`, commit cc54d839) and of the winning team's code (MedICL-VU/crossmoda2023);
 * the 2021 names those listed in openmedlab/Awesome-Medical-Dataset `resources/CrossMoDA2021.md`.
 *
 * The case id is everything before the last `_`. A case is usable for meatus's T2 task when it has
 * a T2 image (`hrT2` or `T2`). In the challenge releases the labels come with the **ceT1** scans
 * (the source domain) and the T2 scans (the target domain) are unlabelled, so a release folder
 * lists its T2 cases as unlabelled (`meatus dataset check` counts its ceT1 + Label cases apart); a folder
 * where a `Label` sits beside a T2 image (e.g. labels drawn on T2) gives labelled T2 cases. Label
 * values are the edition's codes (see {@link CROSSMODA_LABEL_PRESETS}); `meatus dataset convert
 * --preset crossmoda2023` rewrites them as meatus's (0 background, 1 extrameatal, 2 intrameatal).
 * Every crossMoDA case is its own patient (the names carry no timepoint).
 */

import { relative } from 'node:path';
import { listFiles } from '../util/list-files.js';

/** The file-name pattern of the module comment. */
export const CROSSMODA_FILE =
  /^(?<case>crossmoda(?:20\d\d)?(?:_[a-z]+)?_\d+)_(?<kind>hrT2|T2|ceT1|Label)\.nii(?:\.gz)?$/i;

/** One crossMoDA case's files. */
export interface CrossmodaCase {
  id: string;
  /** The T2 image: `…_hrT2` (2021, 2022) or `…_T2` (2023). */
  hrT2?: string;
  ceT1?: string;
  label?: string;
}

/** A named label coding and its mapping to meatus's labels (0 background, 1 extrameatal, 2 intrameatal). */
export interface LabelPreset {
  /** The edition's codes, value → structure. */
  codes: Readonly<Record<number, string>>;
  /** Edition value → meatus value (every code listed). */
  map: ReadonlyMap<number, number>;
  /** Where the codes come from. */
  source: string;
}

/**
 * Label codes of the crossMoDA editions with intra-/extra-meatal labels, by preset name.
 *
 * crossMoDA 2023: 1 extra-meatal VS, 2 intra-meatal VS, 3 cochlea — from the organisers' own
 * submission container for 2023 (CrossMoDA/docker_submission, `src/run_inference.py`, commit
 * cc54d839, "Update for 2023 challenge": `result = extrameatal_pred + 2*intrameatal_pred +
 * 3*cochlea_pred`); the winning team's code also treats 3 as the cochlea (MedICL-VU/crossmoda2023,
 * `segmentation/masking.py`). A third-party dataset card (openmedlab/Awesome-Medical-Dataset,
 * `resources/CrossMoDA2023.md`) names the colours the other way round (red = intrameatal in
 * ITK-SNAP, whose label 1 is red), but its own volume table then gives the "intra-meatal" class a
 * maximum of 26.95 cm³, which no internal auditory canal holds — its names are swapped, its numbers
 * agree with the organisers. `meatus dataset check` prints each case's label values and voxel
 * counts so a user can see which is which (the intrameatal part is bounded by the canal, well under
 * 1 cm³). crossMoDA 2021 and 2022 code 1 = the whole VS, 2 = cochlea (CrossMoDA/CrossMoDA2022-Evaluation-code,
 * `scores.py`): no intra/extra-meatal split, so there is no preset for them.
 */
export const CROSSMODA_LABEL_PRESETS: Readonly<Record<string, LabelPreset>> = Object.freeze({
  crossmoda2023: {
    codes: { 0: 'background', 1: 'extra-meatal VS', 2: 'intra-meatal VS', 3: 'cochlea' },
    map: new Map([
      [0, 0],
      [1, 1],
      [2, 2],
      [3, 0],
    ]),
    source:
      'CrossMoDA/docker_submission src/run_inference.py (2023): 1 extra-meatal, 2 intra-meatal, 3 cochlea',
  },
});

/**
 * The label map of a named preset.
 * @throws Error naming the preset and the known ones when it is unknown.
 */
export function labelPreset(name: string): LabelPreset {
  const p = Object.prototype.hasOwnProperty.call(CROSSMODA_LABEL_PRESETS, name)
    ? CROSSMODA_LABEL_PRESETS[name]
    : undefined;
  if (!p)
    throw new Error(
      `--preset: unknown preset '${name}'; expected one of ${Object.keys(CROSSMODA_LABEL_PRESETS).join(', ')}`,
    );
  return p;
}

/** A listed crossMoDA folder. */
export interface CrossmodaDataset {
  root: string;
  /** Cases sorted by id. */
  cases: CrossmodaCase[];
  /** NIfTI files whose names do not follow the pattern (relative to root). */
  strayFiles: string[];
  /** Files seen twice for the same case and kind (relative to root). */
  duplicates: string[];
}

/** Whether a folder looks like a crossMoDA download (some file matches {@link CROSSMODA_FILE}). */
export async function looksLikeCrossmoda(root: string): Promise<boolean> {
  const files = await listFiles(root, 3);
  return files.some((f) => CROSSMODA_FILE.test(f.slice(f.lastIndexOf('/') + 1)));
}

/**
 * Lists a crossMoDA folder (see the module comment for the accepted names). Reads no image.
 * @throws Error naming the folder if it cannot be listed.
 */
export async function readCrossmodaDataset(root: string): Promise<CrossmodaDataset> {
  const files = await listFiles(root, 3);
  const cases = new Map<string, CrossmodaCase>();
  const strayFiles: string[] = [];
  const duplicates: string[] = [];
  for (const f of files) {
    const name = f.slice(f.lastIndexOf('/') + 1);
    const m = CROSSMODA_FILE.exec(name);
    if (!m?.groups) {
      if (/\.nii(\.gz)?$/i.test(name)) strayFiles.push(relative(root, f));
      continue;
    }
    const id = m.groups.case;
    const kind = m.groups.kind.toLowerCase();
    const key: keyof CrossmodaCase =
      kind === 'hrt2' || kind === 't2' ? 'hrT2' : kind === 'cet1' ? 'ceT1' : 'label';
    const c = cases.get(id) ?? { id };
    if (c[key] !== undefined) duplicates.push(relative(root, f));
    else c[key] = f;
    cases.set(id, c);
  }
  return {
    root,
    cases: [...cases.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)),
    strayFiles,
    duplicates,
  };
}

/** A labelled crossMoDA case as a training case: one image (the T2 or the ceT1) and its label. */
export interface CrossmodaTrainingCase {
  id: string;
  images: [string];
  label: string;
}

/**
 * The labelled cases of a listed crossMoDA folder with an image of `modality`: `T2` (default; the
 * `hrT2`/`T2` file — meatus's task) or `ceT1` (the challenge's labelled source domain).
 * @throws Error naming the folder when there is none, saying how many labelled cases the other
 *   modality has (the releases label ceT1 only, so `T2` finds none there).
 */
export function crossmodaTrainingCases(
  ds: CrossmodaDataset,
  modality: 'T2' | 'ceT1' = 'T2',
): CrossmodaTrainingCase[] {
  const image = (c: CrossmodaCase) => (modality === 'T2' ? c.hrT2 : c.ceT1);
  const cases = ds.cases.flatMap((c) => {
    const img = image(c);
    return img && c.label ? [{ id: c.id, images: [img] as [string], label: c.label }] : [];
  });
  if (cases.length === 0) {
    const other = ds.cases.filter((c) => c.label && (modality === 'T2' ? c.ceT1 : c.hrT2)).length;
    const hint =
      other === 0
        ? ''
        : modality === 'T2'
          ? `; its ${other} labelled cases are ceT1 scans (the challenge's source domain — the releases label no T2): meatus segments T2, so train on T2 labels, or convert these with --modality ceT1 to train a ceT1 model`
          : `; its ${other} labelled cases are T2 scans`;
    throw new Error(`${ds.root}: no labelled crossMoDA case with a ${modality} image${hint}`);
  }
  return cases;
}
