/**
 * The vestibular schwannoma: an intrameatal (IM) part filling the internal auditory canal from
 * the fundus (or from just short of it, leaving a bright fluid cap) medially for a variable length,
 * and an extrameatal (EM) part bulging medially from the porus into the cerebellopontine-angle
 * cistern — absent for a purely intracanalicular tumour (Koos I), up to a large lobulated mass
 * that pushes the brainstem and cerebellum aside (Koos IV).
 *
 * Sizes by Koos grade (nominal largest EM diameter d, mm): I: no EM; II: 5 ≤ d ≤ 15 (in the
 * cistern, clear of or just touching the brainstem); III: 15 < d ≤ 25 (reaching the brainstem);
 * IV: 25 < d ≤ 36 (displacing it; see `massEffect`).
 *
 * The IM/EM boundary is the **porus plane**: the plane through the centre of the porus
 * perpendicular to the canal axis. Tumour on its lateral side is IM (label 2), on its medial side
 * EM (label 1).
 */

import type { Rng } from '../random.js';
import type { Ear } from './anatomy.js';
import { type P3, addScaled, frameFromAxis, normalize } from './geometry.js';
import { type Shape, type Warp, ellipsoid, tube } from './shapes.js';
import { Tissue } from './tissues.js';

/** Koos grade 1–4. */
export type Koos = 1 | 2 | 3 | 4;

/** The extrameatal part. */
export interface ExtrameatalPart {
  /** Radius scale R, mm: the ellipsoid's semi-axes are `R · shape`. */
  radius: number;
  shape: P3;
  /** Unit direction from the porus to the centre (medial, with some scatter). */
  direction: P3;
  /** Lobulation coefficients (relative radius change). */
  lobes: number[];
  /** Cysts: centre offset (in units of R, in the EM frame) and radius (in units of R). */
  cysts: { offset: P3; radius: number }[];
}

/** The tumour of one timepoint. */
export interface Tumour {
  /** Canal coordinates (mm from the porus along the canal axis) of the IM part's ends. */
  imStart: number;
  imEnd: number;
  /** Radius of the IM part, mm. */
  imRadius: number;
  em?: ExtrameatalPart;
  /** Signal of solid tumour relative to CSF, and its smooth heterogeneity. */
  signal: number;
  heterogeneity: number;
  /** Wave numbers (rad/mm) and phases of the heterogeneity texture. */
  waves: number[];
}

/** Largest nominal EM diameter, mm (0 without an EM part). */
export function emDiameter(t: Tumour): number {
  return t.em ? 2 * t.em.radius * Math.max(...t.em.shape) : 0;
}

/** The Koos grade implied by a tumour's size (see the module comment). */
export function koosOf(t: Tumour): Koos {
  const d = emDiameter(t);
  if (d === 0) return 1;
  if (d <= 15) return 2;
  if (d <= 25) return 3;
  return 4;
}

const DIAMETER: Record<Koos, [number, number]> = { 1: [0, 0], 2: [5, 15], 3: [15.5, 25], 4: [25.5, 36] };

/** Draws a tumour of the given Koos grade in `ear`. */
export function drawTumour(rng: Rng, ear: Ear, koos: Koos): Tumour {
  const cap = rng.bool(0.55) ? 0 : rng.uniform(0.5, 3);
  const imEnd = ear.canalLength - cap;
  const imStart = koos === 1 && rng.bool(0.6) ? rng.uniform(0.5, Math.max(0.6, imEnd - 3)) : 0;
  const t: Tumour = {
    imStart,
    imEnd,
    imRadius: ear.canalRadius * rng.uniform(0.82, 1.0),
    signal: rng.uniform(0.5, 0.62),
    heterogeneity: rng.uniform(0.04, 0.12),
    waves: Array.from({ length: 9 }, (_, i) => (i % 3 === 2 ? rng.uniform(0, 2 * Math.PI) : rng.uniform(0.5, 1.3))),
  };
  if (koos === 1) return t;
  const shape: P3 = [1, rng.uniform(0.8, 1.1), rng.uniform(0.8, 1.1)];
  const [dLo, dHi] = DIAMETER[koos];
  const d = rng.uniform(dLo, dHi);
  const direction = normalize(
    addScaled(addScaled(ear.axis, ear.across, rng.uniform(-0.2, 0.5)), ear.up, rng.uniform(-0.25, 0.25)).map((v) => -v) as P3,
  );
  const cysts: ExtrameatalPart['cysts'] = [];
  if (koos >= 3 && rng.bool(0.35)) {
    const n = rng.int(1, 4);
    for (let i = 0; i < n; i++) {
      cysts.push({ offset: [rng.uniform(-0.4, 0.3), rng.uniform(-0.4, 0.4), rng.uniform(-0.4, 0.4)], radius: rng.uniform(0.15, 0.32) });
    }
  }
  t.em = {
    radius: d / (2 * Math.max(...shape)),
    shape,
    direction,
    lobes: Array.from({ length: 8 }, () => rng.uniform(-0.07, 0.07)),
    cysts,
  };
  return t;
}

/**
 * The tumour after growth by a linear factor `f` (> 1 grows): the EM part scales by `f`, the IM
 * part extends medially towards the porus (and the fluid cap at the fundus shrinks).
 */
export function growTumour(t: Tumour, ear: Ear, f: number): Tumour {
  const len = t.imEnd - t.imStart;
  const grown: Tumour = {
    ...t,
    imStart: Math.max(0, t.imStart - (f - 1) * len),
    imEnd: Math.min(ear.canalLength, ear.canalLength - (ear.canalLength - t.imEnd) / f),
  };
  if (t.em) grown.em = { ...t.em, radius: Math.min(t.em.radius * f, 18 / Math.max(...t.em.shape)) };
  return grown;
}

/** The EM part's centre (head mm). */
export function emCentre(ear: Ear, em: ExtrameatalPart): P3 {
  return addScaled(ear.porus, em.direction, 0.7 * em.radius);
}

/**
 * The mass effect of the EM part on the brain: none below 15 mm, growing to a full incompressible
 * displacement at 25 mm and beyond.
 */
export function massEffect(ear: Ear, t: Tumour): Warp | undefined {
  if (!t.em) return undefined;
  const strength = Math.min(1, Math.max(0, (emDiameter(t) - 15) / 10));
  if (strength === 0) return undefined;
  return { centre: emCentre(ear, t.em), volume: strength * t.em.radius ** 3 };
}

/** The tumour as shapes: the IM tube, the EM ellipsoid and any cysts, all split at the porus plane. */
export function tumourShapes(ear: Ear, t: Tumour): Shape[] {
  const split = { origin: ear.porus, normal: ear.axis, tissue: Tissue.tumourIM };
  const cystSplit = { ...split, tissue: Tissue.cystIM };
  // with an EM part the IM tube reaches through the porus funnel into it; without one it stops at the porus plane
  const fromPorus = t.imStart <= 0 && t.em !== undefined;
  const im = tube('tumour-im', Tissue.tumourEM, {
    origin: ear.porus,
    axis: ear.axis,
    t0: fromPorus ? -0.5 : Math.max(0, t.imStart),
    t1: t.imEnd,
    radius: t.imRadius,
    flare: fromPorus ? ear.flare * (ear.canalRadius / t.imRadius) : 1,
    flareLength: fromPorus ? ear.flareLength + 0.5 : 0,
    roundEnd: true,
  });
  const shapes: Shape[] = [{ ...im, split }];
  if (!t.em) return shapes;
  const em = t.em;
  const frame = frameFromAxis(em.direction);
  const c = emCentre(ear, em);
  const L = em.lobes;
  const bump = (a: number, b: number, cc: number) =>
    L[0] * a * b + L[1] * b * cc + L[2] * a * cc + L[3] * (a * a - b * b) + L[4] * (3 * cc * cc - 1) + L[5] * a + L[6] * b + L[7] * cc;
  const bumpMax = L.reduce((s, v) => s + Math.abs(v) * 2, 0);
  const semi = em.shape.map((v) => v * em.radius) as P3;
  const body = ellipsoid('tumour-em', Tissue.tumourEM, {
    centre: c,
    semi,
    frame,
    bump,
    bumpMax,
    clip: { origin: ear.porus, normal: ear.axis },
  });
  shapes.push({ ...body, split });
  for (const cy of em.cysts) {
    const centre = inEarFrame(c, frame, scaleP(cy.offset, em.radius));
    const r = cy.radius * em.radius;
    const cyst = ellipsoid('tumour-cyst', Tissue.cystEM, { centre, semi: [r, r * 0.9, r * 1.1], frame });
    const inside = body.contains;
    shapes.push({ ...cyst, split: cystSplit, contains: (x, y, z) => cyst.contains(x, y, z) && inside(x, y, z) });
  }
  return shapes;
}

function scaleP(p: P3, s: number): P3 {
  return [p[0] * s, p[1] * s, p[2] * s];
}

function inEarFrame(c: P3, frame: [P3, P3, P3], o: P3): P3 {
  return addScaled(addScaled(addScaled(c, frame[0], o[0]), frame[1], o[1]), frame[2], o[2]);
}

/** Nominal IM length along the canal, mm. */
export function imLength(t: Tumour): number {
  return t.imEnd - Math.max(0, t.imStart);
}
