/**
 * The published numbers of Wijethilake et al., "Boundary Distance Loss for Intra-/Extra-meatal
 * Segmentation of Vestibular Schwannoma" (arXiv:2208.04680v1, 2022): Tables 1 and 2, copied from
 * the paper's text. Their dataset (227 T2 scans of 137 patients, test set of 56 scans) is not
 * ours; these values are shown beside ours for reference only.
 *
 * Table 1 has no EM/IM values for stage 1 (it segments the whole tumour only); Table 2 has no row
 * for stage 1. Table 2 does not say which structure its ASSD is of; the text says it measures "the
 * deviation in the prediction from the actual boundary of intrameatal and extrameatal tumour
 * regions".
 */

/** Mean and SD of a Dice score. */
export interface MeanSd {
  mean: number;
  sd: number;
}

/** One row of the paper's Table 1. */
export interface PaperTable1Row {
  method: string;
  /** γ of stage 2; `null` for the baseline and stage 1. */
  gamma: number | null;
  bg: MeanSd;
  em: MeanSd | null;
  im: MeanSd | null;
  wt: MeanSd;
}

/** One row of the paper's Table 2. */
export interface PaperTable2Row {
  method: string;
  gamma: number | null;
  median: number;
  p75: number;
  p25: number;
}

/** The paper's published results. */
export const PAPER = {
  citation:
    'N. Wijethilake, A. Kujawa, R. Dorent, M. Asad, A. Oviedova, T. Vercauteren, J. Shapey. Boundary Distance Loss for ' +
    'Intra-/Extra-meatal Segmentation of Vestibular Schwannoma. arXiv:2208.04680v1, 2022.',
  dataset: '227 T2 MRI scans of 137 patients (King’s College Hospital); split 195 / 32 / 56 (train / validation / test), patient-level',
  table1Caption: 'Table 1. Inference: Comparison of Dice score. BG: Background, EM: ExtraMeatal, IM: IntraMeatal, WT: Whole tumour, SD: Standard Deviation.',
  table1: [
    { method: 'nnU-Net (Baseline)', gamma: null, bg: { mean: 0.9998, sd: 0.0002 }, em: { mean: 0.7939, sd: 0.2325 }, im: { mean: 0.7475, sd: 0.1346 }, wt: { mean: 0.8813, sd: 0.0888 } },
    { method: 'Stage 1: WT Segmentation', gamma: null, bg: { mean: 0.9998, sd: 0.0002 }, em: null, im: null, wt: { mean: 0.9039, sd: 0.047 } },
    { method: 'Stage 2: Split Segmentation', gamma: 0, bg: { mean: 0.9996, sd: 0.0004 }, em: { mean: 0.8068, sd: 0.2231 }, im: { mean: 0.7357, sd: 0.1522 }, wt: { mean: 0.9026, sd: 0.0478 } },
    { method: 'Stage 2: Split Segmentation', gamma: 0.01, bg: { mean: 0.9995, sd: 0.0004 }, em: { mean: 0.8072, sd: 0.2213 }, im: { mean: 0.7368, sd: 0.1524 }, wt: { mean: 0.9026, sd: 0.0651 } },
    { method: 'Stage 2: Split Segmentation', gamma: 0.05, bg: { mean: 0.9995, sd: 0.0004 }, em: { mean: 0.8087, sd: 0.2243 }, im: { mean: 0.7469, sd: 0.1431 }, wt: { mean: 0.9027, sd: 0.0651 } },
    { method: 'Stage 2: Split Segmentation', gamma: 0.1, bg: { mean: 0.9996, sd: 0.0004 }, em: { mean: 0.8155, sd: 0.2176 }, im: { mean: 0.7655, sd: 0.1329 }, wt: { mean: 0.9027, sd: 0.0476 } },
    { method: 'Stage 2: Split Segmentation', gamma: 0.5, bg: { mean: 0.9995, sd: 0.0004 }, em: { mean: 0.8279, sd: 0.205 }, im: { mean: 0.7744, sd: 0.1352 }, wt: { mean: 0.9025, sd: 0.0478 } },
  ] as readonly PaperTable1Row[],
  table2Caption: 'Table 2. Inference: Comparison of ASSD metric; pX: Xth percentile of the ASSD metric distribution in percentage.',
  table2: [
    { method: 'nnU-Net (Baseline)', gamma: null, median: 0.8384, p75: 1.1241, p25: 0.4326 },
    { method: 'Stage 2: Split Segmentation', gamma: 0, median: 0.8064, p75: 1.3529, p25: 0.569 },
    { method: 'Stage 2: Split Segmentation', gamma: 0.01, median: 0.802, p75: 1.2303, p25: 0.5351 },
    { method: 'Stage 2: Split Segmentation', gamma: 0.05, median: 0.7024, p75: 1.135, p25: 0.483 },
    { method: 'Stage 2: Split Segmentation', gamma: 0.1, median: 0.7602, p75: 0.9597, p25: 0.4546 },
    { method: 'Stage 2: Split Segmentation', gamma: 0.5, median: 0.5417, p75: 0.9586, p25: 0.4181 },
  ] as readonly PaperTable2Row[],
  /** The significance statements of §3 (Results). */
  significance: [
    'Baseline → two-stage γ = 0: EM/IM Dice improved significantly (p < 0.01).',
    'Two-stage γ = 0 → γ = 0.5: further significant improvement (p < 0.0001).',
    'Low γ (0.01, 0.05) not significantly better than γ = 0; significant improvement with γ = 0.1 or 0.5 (§4).',
  ],
} as const;
