/**
 * The scene of one timepoint: the anatomy's shapes (with the tumour's mass effect), the tumour's
 * shapes on top, and the signal of each tissue, with texture where tissue is not uniform
 * (cerebellar folia; tumour heterogeneity).
 */

import type { Rng } from '../random.js';
import { type Anatomy, type Side, type Vessels, anatomyShapes, foliaFluid, vesselShapes } from './anatomy.js';
import type { RenderScene } from './render.js';
import { BASE_SIGNAL, TISSUE_COUNT, Tissue } from './tissues.js';
import { type Tumour, massEffect, tumourShapes } from './tumour.js';

const CEREBELLUM = Tissue.cerebellum;
const TUMOUR_EM = Tissue.tumourEM;
const TUMOUR_IM = Tissue.tumourIM;

/** Draws a patient's tissue signals: the base values with ±6 % jitter (CSF stays 1). */
export function drawSignals(rng: Rng): Float32Array {
  const s = Float32Array.from(BASE_SIGNAL, (v) => v * rng.uniform(0.94, 1.06));
  s[Tissue.csf] = 1;
  return s;
}

/** A tumour placed in one ear. */
export interface PlacedTumour {
  side: Side;
  tumour: Tumour;
}

/**
 * Assembles the scene: anatomy, arteries (when given), the tumours (none for a healthy head, one
 * per side for NF2), and the signal function. The largest tumour's mass effect deforms the brain.
 */
export function buildScene(anatomy: Anatomy, tumours: readonly PlacedTumour[], signals: Float32Array, vessels?: Vessels | null): RenderScene {
  if (signals.length !== TISSUE_COUNT) throw new Error(`buildScene: signals has ${signals.length} entries, expected ${TISSUE_COUNT}`);
  let warp: ReturnType<typeof massEffect>;
  for (const t of tumours) {
    const w = massEffect(anatomy.ears[t.side], t.tumour);
    if (w && (!warp || w.volume > warp.volume)) warp = w;
  }
  const shapes = [...anatomyShapes(anatomy, warp), ...(vessels ? vesselShapes(anatomy, vessels, warp) : [])];
  for (const t of tumours) shapes.push(...tumourShapes(anatomy.ears[t.side], t.tumour));
  const sig = Float32Array.from(signals);
  const tumour = tumours[0]?.tumour ?? { signal: sig[Tissue.tumourEM], heterogeneity: 0, waves: new Array<number>(9).fill(0) };
  sig[Tissue.tumourEM] = sig[Tissue.tumourIM] = tumour.signal;
  const csf = sig[Tissue.csf];
  const cb = sig[Tissue.cerebellum];
  const w = tumour.waves;
  const h = tumour.heterogeneity;
  return {
    shapes,
    warp,
    signal(t, x, y, z) {
      if (t === CEREBELLUM) return cb + (csf - cb) * 0.75 * foliaFluid(anatomy, x, y, z);
      if (t === TUMOUR_EM || t === TUMOUR_IM) {
        const tex = Math.sin(w[0] * x + w[2]) * Math.sin(w[3] * y + w[5]) + 0.5 * Math.sin(w[6] * z + w[8] + w[1] * x + w[4] * y);
        return sig[t] * (1 + h * tex);
      }
      return sig[t];
    },
  };
}
