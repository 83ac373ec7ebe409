/**
 * The patient's anatomy in head coordinates (mm; x right, y anterior, z superior; origin on the
 * midline at the level of the internal auditory canals): head, skull and skull base, clivus,
 * cerebrum (grey and white matter, lateral ventricles, temporal lobes), eyes and orbits, cerebellum
 * with its folia, vermis, brainstem and peduncles, fourth ventricle, the cerebellopontine-angle
 * (CPA) cisterns, both petrous bones with their internal auditory canals (IAC), the VII/VIII nerves
 * and the labyrinth (cochlea, vestibule, semicircular canals) — both ears always, so that a healthy
 * head has two normal canals and an NF2 head a tumour in each. The arteries of the posterior fossa
 * ({@link Vessels}: vertebral, basilar and both AICA loops) are dark T2 flow voids, drawn per patient
 * with `PhantomConfig.vesselProbability`.
 *
 * {@link drawAnatomy} and {@link drawVessels} draw the numbers from seeded streams;
 * {@link anatomyShapes} and {@link vesselShapes} turn them into the painter-ordered shapes of the
 * scene (later shapes paint over earlier ones).
 */

import type { Rng } from '../random.js';
import { type P3, add, addScaled, dot, normalize, scale } from './geometry.js';
import { type HalfSpace, type Shape, type Warp, capsule, ellipsoid, pushedAway, torus, tube } from './shapes.js';
import { Tissue } from './tissues.js';

/** Which side (the patient's) a structure is on. */
export type Side = 'left' | 'right';

/** One petrous bone with its internal auditory canal. */
export interface Ear {
  side: Side;
  /** Centre of the porus acusticus internus (the medial opening of the IAC). */
  porus: P3;
  /** Unit vector along the IAC, pointing laterally from the porus to the fundus. */
  axis: P3;
  /** Unit vectors across the canal: roughly anterior (`across`) and superior (`up`). */
  across: P3;
  up: P3;
  /** Porus-to-fundus length, mm. */
  canalLength: number;
  /** Canal radius, mm. */
  canalRadius: number;
  /** The porus funnel: radius factor at the porus and its depth, mm. */
  flare: number;
  flareLength: number;
}

/** The whole anatomy of one patient (fixed over all timepoints). */
export interface Anatomy {
  head: { centre: P3; semi: P3; scalp: number; skull: number };
  brainstem: { centre: P3; semi: P3 };
  cerebellum: { centres: [P3, P3]; semi: P3; foliaPeriod: number };
  cerebrum: { centre: P3; semi: P3 };
  ears: { left: Ear; right: Ear };
  /** The skull base: intracranial space is above it. */
  base: HalfSpace;
}

function drawEar(rng: Rng, side: Side): Ear {
  const s = side === 'right' ? 1 : -1;
  const alpha = (rng.uniform(4, 18) * Math.PI) / 180;
  const elev = (rng.uniform(-5, 5) * Math.PI) / 180;
  const axis = normalize([s * Math.cos(alpha), Math.sin(alpha), Math.sin(elev)]);
  const up = normalize(addScaled([0, 0, 1], axis, -axis[2]));
  const y: P3 = [0, 1, 0];
  const across = normalize(addScaled(addScaled(y, axis, -dot(y, axis)), up, -dot(y, up)));
  return {
    side,
    porus: [s * rng.uniform(25, 29), rng.uniform(-2, 2), rng.uniform(-1, 1)],
    axis,
    across,
    up,
    canalLength: rng.uniform(8, 12),
    canalRadius: rng.uniform(1.8, 2.5),
    flare: rng.uniform(1.4, 1.8),
    flareLength: 2.5,
  };
}

/**
 * The arteries of the posterior fossa, drawn as T2 flow voids: the vertebral arteries joining into
 * the basilar artery in front of the brainstem, and on each side an anterior inferior cerebellar
 * artery (AICA) looping from the basilar towards the porus — the loop that, on a CISS, mimics a
 * small intracanalicular tumour when it reaches into the canal.
 */
export interface Vessels {
  /** Basilar artery: x offset from the midline, radius, mm. */
  basilarX: number;
  basilarRadius: number;
  /** Per side: how deep the AICA loop reaches towards the porus (0: stays in the cistern, 1: at the porus), and its radius. */
  aica: { left: { reach: number; radius: number }; right: { reach: number; radius: number } };
}

/** Draws a patient's arteries. */
export function drawVessels(rng: Rng): Vessels {
  const loop = () => ({ reach: rng.uniform(0.2, 1.05), radius: rng.uniform(0.45, 0.8) });
  return { basilarX: rng.uniform(-3, 3), basilarRadius: rng.uniform(1.3, 1.9), aica: { left: loop(), right: loop() } };
}

/** The arteries as shapes (pushed by a mass like the brainstem). */
export function vesselShapes(a: Anatomy, v: Vessels, mass?: Warp): Shape[] {
  const bs = a.brainstem;
  const yB = bs.centre[1] + bs.semi[1] + v.basilarRadius + 0.8;
  const top: P3 = [v.basilarX, yB, 18];
  const join: P3 = [v.basilarX * 0.5, yB + 1, -26];
  const push = (sh: Shape) => pushedAway(sh, mass);
  const shapes: Shape[] = [
    push(capsule('basilar', Tissue.vessel, join, top, v.basilarRadius)),
    push(capsule('vertebral-left', Tissue.vessel, [-9, yB - 4, -48], join, v.basilarRadius * 0.8)),
    push(capsule('vertebral-right', Tissue.vessel, [9, yB - 4, -48], join, v.basilarRadius * 0.8)),
  ];
  for (const side of ['left', 'right'] as const) {
    const ear = a.ears[side];
    const loop = v.aica[side];
    const s = side === 'right' ? 1 : -1;
    const origin: P3 = [v.basilarX, yB, -14];
    const mid: P3 = [s * bs.semi[0] * 1.1, ear.porus[1] + 4, ear.porus[2] - 5];
    const apex = addScaled(mid, addScaled(ear.porus, mid, -1), loop.reach);
    const back: P3 = [apex[0] - s * 5, apex[1] - 5, apex[2] - 3];
    const end: P3 = [s * bs.semi[0] * 1.3, bs.centre[1] - 14, -16];
    shapes.push(
      push(capsule(`aica-${side}`, Tissue.vessel, origin, mid, loop.radius, true)),
      push(capsule(`aica-${side}`, Tissue.vessel, mid, apex, loop.radius, true)),
      push(capsule(`aica-${side}`, Tissue.vessel, apex, back, loop.radius, true)),
      push(capsule(`aica-${side}`, Tissue.vessel, back, end, loop.radius, true)),
    );
  }
  return shapes;
}

/** Draws a patient's anatomy. */
export function drawAnatomy(rng: Rng): Anatomy {
  const headSemi: P3 = [rng.uniform(70, 78), rng.uniform(88, 98), rng.uniform(82, 90)];
  const bsY = rng.uniform(2, 6);
  return {
    head: { centre: [0, -5, 25], semi: headSemi, scalp: rng.uniform(4, 7), skull: rng.uniform(5, 8) },
    brainstem: { centre: [0, bsY, -6], semi: [rng.uniform(12.5, 14.5), rng.uniform(11, 13), 38] },
    cerebellum: {
      centres: [
        [-22, -31, -10],
        [22, -31, -10],
      ],
      semi: [rng.uniform(26, 29), rng.uniform(26, 29), rng.uniform(20, 23)],
      foliaPeriod: rng.uniform(2.0, 2.6),
    },
    cerebrum: { centre: [0, -3, 40], semi: [headSemi[0] - 16, headSemi[1] - 20, headSemi[2] - 31] },
    ears: { left: drawEar(rng, 'left'), right: drawEar(rng, 'right') },
    base: { origin: [0, -45, -42], normal: [0, 0.4, -1] },
  };
}

/** The lateral end of the canal. */
export function fundus(ear: Ear): P3 {
  return addScaled(ear.porus, ear.axis, ear.canalLength);
}

/** `p + u·a + v·b + w·c` in an ear's frame. */
export function inEar(ear: Ear, a: number, b: number, c: number, from: P3 = ear.porus): P3 {
  return add(add(addScaled(from, ear.axis, a), scale(ear.across, b)), scale(ear.up, c));
}


function earShapes(ear: Ear, brainstem: Anatomy['brainstem'], mass: Warp | undefined): Shape[] {
  const frame: [P3, P3, P3] = [ear.axis, ear.across, ear.up];
  const porusPlane: HalfSpace = { origin: ear.porus, normal: scale(ear.axis, -1) };
  const f = fundus(ear);
  const push = (sh: Shape) => pushedAway(sh, mass);
  const s = ear.side === 'right' ? 1 : -1;
  const entry: P3 = [s * brainstem.semi[0] * 0.8, ear.porus[1] - 3, ear.porus[2] - 1];
  const vest = inEar(ear, 4, -1.5, 0, f);
  const shapes: Shape[] = [
    ellipsoid(`petrous-${ear.side}`, Tissue.petrous, {
      centre: inEar(ear, 17, 3, 0),
      semi: [18, 14, 12],
      frame,
      exponent: 4,
      clip: porusPlane,
    }),
    ellipsoid(`apex-${ear.side}`, Tissue.petrous, { centre: inEar(ear, -2, 15, -1), semi: [8, 9, 9], frame }),
    push(capsule(`nerve-${ear.side}`, Tissue.nerve, entry, inEar(ear, 1, 0, 0), 1.1, true)),
    tube(`canal-${ear.side}`, Tissue.canalFluid, {
      origin: ear.porus,
      axis: ear.axis,
      t0: -0.5,
      t1: ear.canalLength,
      radius: ear.canalRadius,
      flare: ear.flare,
      flareLength: ear.flareLength + 0.5,
      roundEnd: true,
    }),
  ];
  const r = ear.canalRadius * 0.4;
  for (const [b, c] of [
    [r, r],
    [r, -r],
    [-r, r],
    [-r, -r],
  ]) {
    shapes.push(capsule(`nerve-${ear.side}`, Tissue.nerve, inEar(ear, 0, b * 0.5, c * 0.5), inEar(ear, ear.canalLength - 0.5, b, c), 0.45, true));
  }
  shapes.push(
    torus(`cochlea-${ear.side}`, Tissue.labyrinth, inEar(ear, 2, 5.5, -1, f), normalize(add(ear.axis, ear.across)), 2.6, 0.9),
    ellipsoid(`modiolus-${ear.side}`, Tissue.labyrinth, { centre: inEar(ear, 2, 5.5, -1, f), semi: [1.2, 1.2, 1.6], frame }),
    ellipsoid(`vestibule-${ear.side}`, Tissue.labyrinth, { centre: vest, semi: [2.2, 1.6, 1.8], frame }),
    torus(`scc-lateral-${ear.side}`, Tissue.labyrinth, inEar(ear, 2.5, -2, 0, vest), ear.up, 2.8, 0.45),
    torus(`scc-superior-${ear.side}`, Tissue.labyrinth, inEar(ear, 0, 0.5, 3.5, vest), normalize(add(ear.axis, ear.across)), 3, 0.45),
    torus(`scc-posterior-${ear.side}`, Tissue.labyrinth, inEar(ear, 0.5, -3.5, 0.5, vest), normalize(addScaled(ear.axis, ear.across, -1)), 3, 0.45),
  );
  return shapes;
}

/**
 * The anatomy as painter-ordered shapes (skin outwards in, then brain, bone, canals, labyrinth).
 * `mass`, when given, pushes brainstem, cerebellum and the cisternal nerve away from a tumour.
 */
export function anatomyShapes(a: Anatomy, mass?: Warp): Shape[] {
  const h = a.head;
  const shrink = (d: number): P3 => h.semi.map((v) => v - d) as P3;
  const base = a.base;
  const below: HalfSpace = { origin: add(base.origin, [0, 0, -7]), normal: scale(base.normal, -1) };
  const push = (sh: Shape) => pushedAway(sh, mass);
  const tentorium: HalfSpace = { origin: [0, 0, 8], normal: [0, 0.12, -1] };
  const cb = a.cerebellum;
  const bs = a.brainstem;
  const cr = a.cerebrum;
  const inner = h.scalp + h.skull;
  const shapes: Shape[] = [
    ellipsoid('scalp', Tissue.scalp, { centre: h.centre, semi: h.semi }),
    ellipsoid('skull', Tissue.bone, { centre: h.centre, semi: shrink(h.scalp) }),
    ellipsoid('neck', Tissue.muscle, { centre: h.centre, semi: shrink(inner), clip: below }),
    ellipsoid('intracranial', Tissue.csf, { centre: h.centre, semi: shrink(inner), clip: base }),
    ellipsoid('cerebrum', Tissue.grey, { centre: cr.centre, semi: cr.semi, clip: tentorium }),
    ellipsoid('white-matter', Tissue.white, {
      centre: add(cr.centre, [0, 0, 6]),
      semi: scale(cr.semi, 0.8),
      clip: { origin: [0, 0, 18], normal: tentorium.normal },
    }),
    ellipsoid('ventricle-left', Tissue.csf, { centre: [-10, 0, 50], semi: [5, 24, 8] }),
    ellipsoid('ventricle-right', Tissue.csf, { centre: [10, 0, 50], semi: [5, 24, 8] }),
    ellipsoid('temporal-left', Tissue.grey, { centre: [-44, 22, 2], semi: [19, 28, 17], clip: base }),
    ellipsoid('temporal-right', Tissue.grey, { centre: [44, 22, 2], semi: [19, 28, 17], clip: base }),
    ellipsoid('orbit-left', Tissue.scalp, { centre: [-31, 64, 8], semi: [16, 16, 14] }),
    ellipsoid('orbit-right', Tissue.scalp, { centre: [31, 64, 8], semi: [16, 16, 14] }),
    ellipsoid('globe-left', Tissue.vitreous, { centre: [-31, 66, 8], semi: [11.5, 11.5, 11.5] }),
    ellipsoid('globe-right', Tissue.vitreous, { centre: [31, 66, 8], semi: [11.5, 11.5, 11.5] }),
    ellipsoid('clivus', Tissue.bone, {
      centre: [0, bs.centre[1] + bs.semi[1] + 10, -14],
      semi: [12, 5, 26],
      frame: [
        [1, 0, 0],
        normalize([0, 0.9, 0.42]),
        normalize([0, -0.42, 0.9]),
      ],
      exponent: 4,
    }),
    push(ellipsoid('cerebellum-left', Tissue.cerebellum, { centre: cb.centres[0], semi: cb.semi, clip: base })),
    push(ellipsoid('cerebellum-right', Tissue.cerebellum, { centre: cb.centres[1], semi: cb.semi, clip: base })),
    push(ellipsoid('vermis', Tissue.cerebellum, { centre: [0, -33, -8], semi: [10, 20, 19] })),
    push(ellipsoid('peduncle-left', Tissue.brainstem, { centre: [-13, bs.centre[1] - 10, -4], semi: [8, 9, 9] })),
    push(ellipsoid('peduncle-right', Tissue.brainstem, { centre: [13, bs.centre[1] - 10, -4], semi: [8, 9, 9] })),
    push(ellipsoid('brainstem', Tissue.brainstem, { centre: bs.centre, semi: bs.semi })),
    push(ellipsoid('fourth-ventricle', Tissue.csf, { centre: [0, bs.centre[1] - bs.semi[1] - 1, -6], semi: [6, 3, 9] })),
  ];
  shapes.push(...earShapes(a.ears.left, bs, mass), ...earShapes(a.ears.right, bs, mass));
  return shapes;
}

/**
 * The cerebellar folia: a fluid fraction at a point of the cerebellum — thin bright sulci
 * roughly parallel to the surface in the outer half of each hemisphere (none in the deep white
 * matter), with an irregular spacing. Negative values darken (the white-matter core).
 */
export function foliaFluid(a: Anatomy, x: number, y: number, z: number): number {
  const c = x < 0 ? a.cerebellum.centres[0] : a.cerebellum.centres[1];
  const sm = a.cerebellum.semi;
  const dx = (x - c[0]) / sm[0];
  const dy = (y - c[1]) / sm[1];
  const dz = (z - c[2]) / sm[2];
  const q = Math.sqrt(dx * dx + dy * dy + dz * dz);
  if (q < 0.45) return -0.2;
  const wobble = 1.8 * Math.sin(0.31 * x + 0.23 * z) + 1.2 * Math.sin(0.27 * y - 0.19 * x);
  const s = Math.sin((2 * Math.PI * q * sm[1]) / a.cerebellum.foliaPeriod + wobble);
  return s > 0.82 ? (s - 0.82) / 0.18 : 0;
}
