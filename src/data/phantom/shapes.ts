/**
 * Solid shapes of the phantom scene: inside/outside tests in world millimetres, each with an
 * axis-aligned bounding box so that the renderer only evaluates a shape near where it can be.
 *
 * A shape paints one tissue; a later shape in the scene paints over earlier ones. Tumour shapes
 * carry a `split` plane (the porus plane): points on its positive side get another tissue id,
 * which is how intrameatal and extrameatal parts are told apart.
 */

import { type P3, dot, frameFromAxis, norm } from './geometry.js';

/** An axis-aligned box `[minX, minY, minZ, maxX, maxY, maxZ]` in mm. */
export type Bounds = [number, number, number, number, number, number];

/** A half-space `{p : (p − origin) · normal > 0}`. */
export interface HalfSpace {
  origin: P3;
  normal: P3;
}

/** One solid of the scene. */
export interface Shape {
  /** For debugging and meta data. */
  name: string;
  /** Tissue id painted inside (see `tissues.ts`). */
  tissue: number;
  /** Where `contains` can be true (for a `warped` shape: in the unwarped space). */
  bounds: Bounds;
  /** World region the shape can reach (defaults to `bounds`; larger for a warped shape). */
  reach?: Bounds;
  /** Evaluated at the scene's warped point (see {@link pushedAway} and {@link Warp}). */
  warped?: boolean;
  /** Whether the point `(x, y, z)` (mm) is inside. */
  contains(x: number, y: number, z: number): boolean;
  /**
   * Set on shapes thinner than a voxel (nerves, semicircular canals), whose boundary may fall
   * between voxel centres: whether a point is within {@link NEAR_MM} of the shape. Voxels whose
   * centre is near a thin shape are always supersampled.
   */
  near?(x: number, y: number, z: number): boolean;
  /** Points on the positive side of this plane get `split.tissue` instead of `tissue`. */
  split?: HalfSpace & { tissue: number };
}

/** Options of {@link ellipsoid}. */
export interface EllipsoidOptions {
  centre: P3;
  /** Semi-axes along the frame's axes, mm. */
  semi: P3;
  /** Orthonormal axes (default: world x, y, z). */
  frame?: [P3, P3, P3];
  /** 2: ellipsoid; 4: a rounded box (superellipsoid). */
  exponent?: 2 | 4;
  /** Points in this half-space are outside. */
  clip?: HalfSpace;
  /** Relative radius change as a function of the unit direction in the frame (lobulation). */
  bump?: (a: number, b: number, c: number) => number;
  /** An upper bound of `bump` (for the bounding box). */
  bumpMax?: number;
}

/** The margin of `Shape.near`, mm: about half the diagonal of the coarsest voxel (0.6 × 0.6 × 1.5 mm). */
export const NEAR_MM = 1;

/** Half-extents along the world axes of a box/ellipsoid with these semi-axes in this frame. */
function halfExtents(semi: P3, frame: [P3, P3, P3], exponent: 2 | 4): P3 {
  const out: P3 = [0, 0, 0];
  for (let i = 0; i < 3; i++) {
    if (exponent === 2) {
      out[i] = Math.sqrt(frame.reduce((acc, e, j) => acc + (e[i] * semi[j]) ** 2, 0));
    } else {
      out[i] = frame.reduce((acc, e, j) => acc + Math.abs(e[i]) * semi[j], 0);
    }
  }
  return out;
}

/** Bounds of a centre ± half-extent box. */
export function boundsAround(c: P3, h: P3): Bounds {
  return [c[0] - h[0], c[1] - h[1], c[2] - h[2], c[0] + h[0], c[1] + h[1], c[2] + h[2]];
}

/** Bounds grown by `d` mm on every side. */
export function growBounds(b: Bounds, d: number): Bounds {
  return [b[0] - d, b[1] - d, b[2] - d, b[3] + d, b[4] + d, b[5] + d];
}

/** An (optionally rotated, lobulated, clipped) ellipsoid or rounded box. */
export function ellipsoid(name: string, tissue: number, o: EllipsoidOptions): Shape {
  const frame = o.frame ?? [
    [1, 0, 0],
    [0, 1, 0],
    [0, 0, 1],
  ];
  const exponent = o.exponent ?? 2;
  const grow = 1 + (o.bumpMax ?? 0);
  const [cx, cy, cz] = o.centre;
  const [e0, e1, e2] = frame.map((e, j) => e.map((v) => v / o.semi[j]) as P3);
  const clip = o.clip;
  const clipOff = clip ? dot(clip.origin, clip.normal) : 0;
  const bump = o.bump;
  return {
    name,
    tissue,
    bounds: boundsAround(o.centre, halfExtents(o.semi.map((s) => s * grow) as P3, frame, exponent)),
    contains(x, y, z) {
      if (clip && x * clip.normal[0] + y * clip.normal[1] + z * clip.normal[2] > clipOff) return false;
      const px = x - cx;
      const py = y - cy;
      const pz = z - cz;
      const a = px * e0[0] + py * e0[1] + pz * e0[2];
      const b = px * e1[0] + py * e1[1] + pz * e1[2];
      const c = px * e2[0] + py * e2[1] + pz * e2[2];
      const q2 = a * a + b * b + c * c;
      if (exponent === 4) return a * a * a * a + b * b * b * b + c * c * c * c < 1;
      if (!bump) return q2 < 1;
      if (q2 === 0) return true;
      const q = Math.sqrt(q2);
      const lim = 1 + bump(a / q, b / q, c / q);
      return q < lim;
    },
  };
}

/** A cylinder of radius `r` around the segment a–b with hemispherical ends. */
export function capsule(name: string, tissue: number, a: P3, b: P3, r: number, thin = false): Shape {
  const d: P3 = [b[0] - a[0], b[1] - a[1], b[2] - a[2]];
  const len2 = dot(d, d);
  const dist2 = (x: number, y: number, z: number): number => {
    const px = x - a[0];
    const py = y - a[1];
    const pz = z - a[2];
    let t = (px * d[0] + py * d[1] + pz * d[2]) / len2;
    t = t < 0 ? 0 : t > 1 ? 1 : t;
    const qx = px - t * d[0];
    const qy = py - t * d[1];
    const qz = pz - t * d[2];
    return qx * qx + qy * qy + qz * qz;
  };
  const r2 = r * r;
  const near2 = (r + NEAR_MM) ** 2;
  const shape: Shape = {
    name,
    tissue,
    bounds: [
      Math.min(a[0], b[0]) - r,
      Math.min(a[1], b[1]) - r,
      Math.min(a[2], b[2]) - r,
      Math.max(a[0], b[0]) + r,
      Math.max(a[1], b[1]) + r,
      Math.max(a[2], b[2]) + r,
    ],
    contains: (x, y, z) => dist2(x, y, z) < r2,
  };
  if (thin) shape.near = (x, y, z) => dist2(x, y, z) < near2;
  return shape;
}

/** Options of {@link tube}. */
export interface TubeOptions {
  /** A point on the axis (t = 0). */
  origin: P3;
  /** Unit axis direction. */
  axis: P3;
  /** Extent along the axis, mm. */
  t0: number;
  t1: number;
  /** Radius, mm. */
  radius: number;
  /** A funnel at the t0 end: the radius grows to `radius · flare` at t0, over `flareLength` mm. */
  flare?: number;
  flareLength?: number;
  /** Round the t1 end with a hemisphere. */
  roundEnd?: boolean;
}

/** A straight tube along `axis`, optionally funnel-shaped at its start and rounded at its end. */
export function tube(name: string, tissue: number, o: TubeOptions): Shape {
  const { origin: p, axis: u, t0, t1, radius: r } = o;
  const flare = o.flare ?? 1;
  const fl = o.flareLength ?? 0;
  const maxR = r * Math.max(1, flare);
  const a: P3 = [p[0] + u[0] * t0, p[1] + u[1] * t0, p[2] + u[2] * t0];
  const b: P3 = [p[0] + u[0] * t1, p[1] + u[1] * t1, p[2] + u[2] * t1];
  const round = o.roundEnd ?? false;
  return {
    name,
    tissue,
    bounds: growBounds(
      [Math.min(a[0], b[0]), Math.min(a[1], b[1]), Math.min(a[2], b[2]), Math.max(a[0], b[0]), Math.max(a[1], b[1]), Math.max(a[2], b[2])],
      maxR,
    ),
    contains(x, y, z) {
      const px = x - p[0];
      const py = y - p[1];
      const pz = z - p[2];
      const t = px * u[0] + py * u[1] + pz * u[2];
      const rx = px - t * u[0];
      const ry = py - t * u[1];
      const rz = pz - t * u[2];
      const d2 = rx * rx + ry * ry + rz * rz;
      if (t > t1) {
        if (!round) return false;
        return d2 + (t - t1) * (t - t1) < r * r;
      }
      if (t < t0) return false;
      let rad = r;
      if (fl > 0 && t < t0 + fl) rad = r * (flare + (1 - flare) * ((t - t0) / fl));
      return d2 < rad * rad;
    },
  };
}

/** A torus: ring radius `R` around `centre` in the plane normal to `axis`, tube radius `r`. */
export function torus(name: string, tissue: number, centre: P3, axis: P3, R: number, r: number): Shape {
  const [n] = frameFromAxis(axis);
  const ext = R + r;
  const dist2 = (x: number, y: number, z: number): number => {
    const px = x - centre[0];
    const py = y - centre[1];
    const pz = z - centre[2];
    const h = px * n[0] + py * n[1] + pz * n[2];
    const rr = Math.sqrt(Math.max(0, px * px + py * py + pz * pz - h * h)) - R;
    return rr * rr + h * h;
  };
  const near2 = (r + NEAR_MM) ** 2;
  return {
    name,
    tissue,
    bounds: boundsAround(centre, [ext, ext, ext]),
    contains: (x, y, z) => dist2(x, y, z) < r * r,
    near: (x, y, z) => dist2(x, y, z) < near2,
  };
}

/**
 * A radial mass effect: space as it looks after a ball of volume `k · 4/3 π R³` was inflated at
 * `centre` in an incompressible medium: a point at distance r came from distance ∛(r³ − k R³)
 * (points with r³ ≤ k R³ came from nowhere: they are inside the ball). Used to let a large
 * extrameatal tumour push the brainstem and cerebellum aside. One warp per scene; shapes opt in
 * with {@link pushedAway}.
 */
export interface Warp {
  centre: P3;
  /** `k · R³`. */
  volume: number;
}

/**
 * Where the point `(x, y, z)` came from under `w`, written to `out`; false if it is inside the ball.
 */
export function unwarp(w: Warp, x: number, y: number, z: number, out: Float64Array): boolean {
  const c = w.centre;
  const px = x - c[0];
  const py = y - c[1];
  const pz = z - c[2];
  const r2 = px * px + py * py + pz * pz;
  const r = Math.sqrt(r2);
  const r3 = r2 * r;
  if (r3 <= w.volume) return false;
  const f = Math.cbrt(r3 - w.volume) / r;
  out[0] = c[0] + px * f;
  out[1] = c[1] + py * f;
  out[2] = c[2] + pz * f;
  return true;
}

/** The shape, marked to be evaluated at the scene's warped point; `R · ∛k` is the warp's reach. */
export function pushedAway(shape: Shape, w: Warp | undefined): Shape {
  if (!w || w.volume <= 0) return shape;
  return { ...shape, warped: true, reach: growBounds(shape.bounds, Math.cbrt(w.volume)) };
}

/** The distance of a point from a centre (for tests and meta data). */
export function distance(a: P3, b: P3): number {
  return norm([a[0] - b[0], a[1] - b[1], a[2] - b[2]]);
}
