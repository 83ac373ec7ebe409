/**
 * How TCIA's Vestibular-Schwannoma-SEG collection (doi:10.7937/TCIA.9YTJ-5Q73; Shapey et al.,
 * Sci Data 8:286, 2021) names its series and regions of interest, as published:
 *
 * - Each patient (`VS-SEG-001` … `VS-SEG-250`, PatientID the same) has one study with a
 *   contrast-enhanced T1 series and a T2 series, told apart by their Series Description containing
 *   `t1_` or `t2_` (KCL-BMEIS/VS_Seg, `preprocessing/TCIA_data_convert_into_convenient_folder_structure.py`,
 *   commit 524111b6), plus per series an RTSTRUCT (its Referenced Frame of Reference Sequence names
 *   the series), an RTPLAN and an RTDOSE — the latter two are not images and are skipped.
 * - The tumour ROI is named `TV` (also `tv`) or `AN`; the cochlea `Cochlea`, `cochlea`, `Cochlea_c`
 *   or `Cochlea_d`; other ROIs include `Brainstem`, `Modiolus`, `Men` (a meningioma), `Test` (a
 *   duplicate of `TV`) and `vol 2y` (neuro-ml/amid, `amid/vs_seg.py`, commit 2641f2b8, which lists
 *   them after reading all 250 structure sets).
 *
 * The defaults below follow these names; the `--series` and `--roi` options of `meatus dataset
 * import-dicom` replace them for other data.
 */
import type { Roi } from './rtstruct.js';

/** The image kinds the importer builds cases from. */
export type SeriesKind = 'T2' | 'ceT1';

/** Series Description patterns of each kind (VS-SEG's `t1_…`/`t2_…`, and common T2 sequence names). */
export const SERIES_PATTERNS: Readonly<Record<SeriesKind, RegExp>> = Object.freeze({
  T2: /(^|[^a-z0-9])t2(w|[^a-z0-9*]|$)|ciss|fiesta|drive|space/i,
  ceT1: /(^|[^a-z0-9])t1(w|[^a-z0-9]|$)|mprage|bravo/i,
});

/** ROI names taken as the tumour (case-insensitive, whole name). */
export const TUMOUR_ROI = /^(tv|an|vs|tumou?r|schwannoma|vestibular[ _]schwannoma)$/i;

/** ROI names taken as the cochlea. */
export const COCHLEA_ROI = /^cochlea(_[a-z])?$/i;

/**
 * Whether a Series Description names `kind` — and, with the default patterns, no other kind (a
 * `t1_space` is neither T1 nor T2 for sure, so it is not taken).
 * @param pattern replaces the default patterns: the description need only match it.
 */
export function seriesKind(description: string, kind: SeriesKind, pattern?: RegExp): boolean {
  const own = (pattern ?? SERIES_PATTERNS[kind]).test(description);
  if (pattern) return own;
  const other = (Object.keys(SERIES_PATTERNS) as SeriesKind[])
    .filter((k) => k !== kind)
    .some((k) => SERIES_PATTERNS[k].test(description));
  return own && !other;
}

/**
 * The tumour ROI of a structure set.
 * @param name a pattern that replaces {@link TUMOUR_ROI}.
 * @returns the ROI, or a reason naming the ROIs found when there is none or more than one.
 */
export function tumourRoi(rois: readonly Roi[], name: RegExp = TUMOUR_ROI): Roi | string {
  const hits = rois.filter((r) => name.test(r.name) && r.contours.length > 0);
  const list = rois.map((r) => `'${r.name}'`).join(', ') || 'none';
  if (hits.length === 0)
    return `no tumour ROI (names matching ${name.source}) with contours; ROIs: ${list}; choose one with --roi`;
  if (hits.length > 1)
    return `${hits.length} tumour ROIs (${hits.map((r) => `'${r.name}'`).join(', ')}); choose one with --roi`;
  return hits[0];
}

/** The cochlea ROI, if exactly one has contours. */
export function cochleaRoi(rois: readonly Roi[]): Roi | undefined {
  const hits = rois.filter((r) => COCHLEA_ROI.test(r.name) && r.contours.length > 0);
  return hits.length === 1 ? hits[0] : undefined;
}
