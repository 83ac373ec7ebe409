/**
 * The guideline measurements of one scan and the reported tumour size.
 *
 * Source: the consensus on reporting vestibular schwannoma size (Kanzaki et al., Otol Neurotol
 * 2003: the extrameatal part is measured on the axial image by its largest diameter, and by its
 * diameters parallel and perpendicular to the petrous ridge at the porus) as automated by
 * Wijethilake et al., "Guideline-driven tumour measurements of vestibular schwannoma", SPIE
 * Medical Imaging 2024 (arXiv 2310.19392) and their code `navodini/AutomatedReportGenerationVS`
 * (`FeatureExtraction/main.py`, `LinearMeasurements.py`, read at commit aea4aef). meatus follows
 * their rule; its measurements differ in geometry only: axial comes from the affine (their code
 * takes array axis 2), distances are true mm in the slice plane, and the parallel and
 * perpendicular diameters are caliper widths (below) instead of their search for boundary-voxel
 * pairs lying exactly on a line parallel to the interface, which finds pairs only for directions
 * through lattice points.
 *
 * On the slice of the IM/EM interface line (`interface-line.ts`), with u its in-plane direction
 * and n the in-plane direction perpendicular to u:
 * - **IM (EM) diameter parallel to the interface**: the extent along u of the intrameatal
 *   (extrameatal) voxel centres of that slice (max − min of their projections on u; with
 *   `toVoxelEdges` plus the voxel's width along u). Drawn as the segment parallel to u through the
 *   part's centroid in that slice, spanning the projections.
 * - **EM diameter perpendicular to the interface**: the extent along n of the EM voxel centres of
 *   that slice, drawn likewise.
 *
 * **The reported size** (the authors' rule, `main.py`): when the tumour has both parts and they
 * touch, the extrameatal part is *real* when the IM diameter parallel to the interface is at most
 * the EM one (the tumour widens beyond the porus) and the EM diameter perpendicular to the
 * interface is at least 2 mm (`perpendicularMinMm`, it protrudes from the porus). A real EM part
 * is reported by the largest extrameatal axial diameter; otherwise the tumour is reported by its
 * largest whole-tumour axial diameter. A tumour with an EM part only is reported by the EM
 * diameter; a tumour with no real EM part (no EM voxels, or an EM part failing the criteria) is
 * intracanalicular — **Koos grade I** — and reported by its whole-tumour axial diameter.
 */
import type { Mat4, Vec3 } from '../volume/volume.js';
import type { AxialDiameter } from './diameter.js';
import type { Point2 } from './hull.js';
import { interfaceLine, principalLine, sliceSegment, type InterfaceLine, type SliceLine } from './interface-line.js';
import { slicePlane, slicePointLists } from './slice-plane.js';
import { DEFAULT_LABELS, type TumourLabels } from './volumes.js';

/** Options of {@link guidelineMeasurements}. */
export interface GuidelineOptions {
  /** Label values of the parts (default 1 extrameatal, 2 intrameatal). */
  labels?: TumourLabels;
  /** Measure extents to voxel edges instead of voxel centres (default false). */
  toVoxelEdges?: boolean;
  /** Smallest EM diameter perpendicular to the interface for a real EM part, mm (default 2, the authors'). */
  perpendicularMinMm?: number;
}

/** Which diameter is the reported size. */
export type ReportedKind = 'extrameatal axial diameter' | 'whole-tumour axial diameter' | 'none';

/** The reported tumour size by the guideline rule. JSON-friendly. */
export interface ReportedSize {
  /** The size, mm (0 without a tumour). */
  mm: number;
  /** Which measurement it is. */
  kind: ReportedKind;
  /** The measurement itself (`null` without a tumour). */
  diameter: AxialDiameter | null;
  /** Whether the tumour has a real extrameatal part by the authors' criteria. */
  realExtrameatal: boolean;
  /** Purely intracanalicular (no real extrameatal part): Koos grade I. */
  koosI: boolean;
  /** Why, in plain words (the rule applied to this scan's numbers). */
  reason: string;
}

/** The guideline's measurements on the interface slice and the reported size. JSON-friendly. */
export interface GuidelineMeasurements {
  /** The IM/EM interface line; `null` when the parts do not touch (or one is absent). */
  interfaceLine: InterfaceLine | null;
  /** IM diameter parallel to the interface line, on its slice. */
  intrameatalParallel: SliceLine | null;
  /** EM diameter parallel to the interface line, on its slice. */
  extrameatalParallel: SliceLine | null;
  /** EM diameter perpendicular to the interface line, on its slice. */
  extrameatalPerpendicular: SliceLine | null;
  /** The threshold used for the perpendicular diameter, mm. */
  perpendicularMinMm: number;
  reportedSize: ReportedSize;
}

/** The authors' smallest EM diameter perpendicular to the interface for a real EM part, mm. */
export const PERPENDICULAR_MIN_MM = 2;

/**
 * The guideline measurements (see the file comment).
 * @param labels - Label map, x fastest (`[z, y, x]` layout).
 * @param shape - `[z, y, x]` voxel counts.
 * @param affine - Row-major 4×4 voxel → RAS+ mm.
 * @param diameters - The largest extrameatal and whole-tumour axial diameters (`axialDiameter`), reused.
 * @throws Error on a bad grid or affine, or a negative or non-finite `perpendicularMinMm`.
 */
export function guidelineMeasurements(
  labels: ArrayLike<number>,
  shape: Vec3,
  affine: Mat4,
  diameters: { extrameatal: AxialDiameter | null; wholeTumour: AxialDiameter | null },
  opts: GuidelineOptions = {},
): GuidelineMeasurements {
  const minPerp = opts.perpendicularMinMm ?? PERPENDICULAR_MIN_MM;
  if (!(Number.isFinite(minPerp) && minPerp >= 0)) {
    throw new Error(`guidelineMeasurements: perpendicularMinMm: expected a number ≥ 0 (mm), got ${minPerp}`);
  }
  const ids = opts.labels ?? DEFAULT_LABELS;
  const line = interfaceLine(labels, shape, affine, { labels: ids });
  let hasIm = false;
  for (let i = 0; i < labels.length && !hasIm; i++) hasIm = labels[i] === ids.intrameatal;
  let imPar: SliceLine | null = null;
  let emPar: SliceLine | null = null;
  let emPerp: SliceLine | null = null;
  if (line !== null) {
    const sp = slicePlane(affine);
    const pts = (label: number) => slicePointLists(labels, shape, sp, (v) => v === label)[line.sliceIndex].map(sp.toPlane);
    const u = line.direction2d;
    const n: Point2 = [-u[1], u[0]];
    const edges = opts.toVoxelEdges === true;
    const width = (d: Point2) => (edges ? Math.abs(sp.rowStep[0] * d[0] + sp.rowStep[1] * d[1]) + Math.abs(sp.colStep[0] * d[0] + sp.colStep[1] * d[1]) : 0);
    const extent = (p: Point2[], d: Point2): SliceLine | null => {
      if (p.length === 0) return null;
      const c = principalLine(p).centre;
      let lo = Infinity;
      let hi = -Infinity;
      for (const q of p) {
        const t = (q[0] - c[0]) * d[0] + (q[1] - c[1]) * d[1];
        if (t < lo) lo = t;
        if (t > hi) hi = t;
      }
      const w = width(d) / 2;
      return sliceSegment(sp, line.sliceIndex, c, d, lo - w, hi + w);
    };
    const em = pts(ids.extrameatal);
    imPar = extent(pts(ids.intrameatal), u);
    emPar = extent(em, u);
    emPerp = extent(em, n);
  }
  return {
    interfaceLine: line,
    intrameatalParallel: imPar,
    extrameatalParallel: emPar,
    extrameatalPerpendicular: emPerp,
    perpendicularMinMm: minPerp,
    reportedSize: reportedSize(diameters, line !== null, hasIm, imPar, emPar, emPerp, minPerp),
  };
}

function reportedSize(
  d: { extrameatal: AxialDiameter | null; wholeTumour: AxialDiameter | null },
  touching: boolean,
  hasIm: boolean,
  imPar: SliceLine | null,
  emPar: SliceLine | null,
  emPerp: SliceLine | null,
  minPerp: number,
): ReportedSize {
  const em = (reason: string): ReportedSize => ({ mm: d.extrameatal!.mm, kind: 'extrameatal axial diameter', diameter: d.extrameatal, realExtrameatal: true, koosI: false, reason });
  const wt = (reason: string): ReportedSize => ({ mm: d.wholeTumour!.mm, kind: 'whole-tumour axial diameter', diameter: d.wholeTumour, realExtrameatal: false, koosI: true, reason });
  if (d.wholeTumour === null) return { mm: 0, kind: 'none', diameter: null, realExtrameatal: false, koosI: false, reason: 'no tumour' };
  if (d.extrameatal === null) return wt('purely intrameatal tumour (Koos grade I): no extrameatal part, so the whole-tumour axial diameter is reported');
  if (!touching || imPar === null || emPar === null || emPerp === null) {
    return em(
      hasIm
        ? 'the extrameatal and intrameatal parts do not touch (no interface line to apply the criteria to): the largest extrameatal axial diameter is reported'
        : 'no intrameatal part: the largest extrameatal axial diameter is reported',
    );
  }
  const f = (x: number) => `${x.toFixed(1)} mm`;
  const wider = imPar.mm <= emPar.mm;
  const protrudes = emPerp.mm >= minPerp;
  if (wider && protrudes) {
    return em(`real extrameatal part: on the interface slice the extrameatal part is at least as wide as the intrameatal part parallel to the porus (${f(emPar.mm)} ≥ ${f(imPar.mm)}) and protrudes ${f(emPerp.mm)} ≥ ${f(minPerp)} perpendicular to it, so the largest extrameatal axial diameter is reported`);
  }
  const why = !wider
    ? `the extrameatal part is narrower than the intrameatal part parallel to the porus (${f(emPar.mm)} < ${f(imPar.mm)})`
    : `the extrameatal part protrudes only ${f(emPerp.mm)} < ${f(minPerp)} perpendicular to the porus`;
  return wt(`no real extrameatal part (Koos grade I): ${why}, so the whole-tumour axial diameter is reported`);
}
