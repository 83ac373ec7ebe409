/**
 * Renders a scene of shapes into a voxel grid with partial volume.
 *
 * 1. Every voxel centre gets the tissue of the topmost shape containing it. The grid is cut into
 *    8×8×8 blocks and each block only tests the shapes whose bounding boxes reach it, so a shape
 *    costs time only near where it is.
 * 2. A voxel whose 6 neighbours all have its tissue takes that tissue's signal at its centre.
 *    Any other voxel (a boundary), and every voxel of a block that a thin shape (nerve,
 *    semicircular canal) reaches, is supersampled: its signal is the mean signal of
 *    `nz × ny × nx` points spread evenly over the voxel.
 * 3. The label is the label of the centre's tissue (`centre` rule), or the most frequent label
 *    among the subsamples (`majority` rule; ties go to the centre's label).
 */

import type { Vec3 } from '../../volume/volume.js';
import { NEAR_MM, type Shape, type Warp, unwarp } from './shapes.js';
import { LABEL_OF_TISSUE } from './tissues.js';

/** A voxel grid placed in head coordinates: `head = M · [i, j, k, 1]` (M row-major 3×4; i = x index). */
export interface RenderGrid {
  shape: Vec3;
  toHead: number[];
}

/** What the renderer needs of a scene. */
export interface RenderScene {
  shapes: Shape[];
  /** The mass effect applied to shapes marked `warped`. */
  warp?: Warp;
  /** Signal of a tissue at a point (head mm). */
  signal(tissue: number, x: number, y: number, z: number): number;
}

/** Options of {@link renderScene}. */
export interface RenderOptions {
  supersample: Vec3;
  labelRule: 'centre' | 'majority';
}

/** The rendered grid (x fastest). */
export interface Rendered {
  signal: Float32Array;
  label: Uint8Array;
  tissue: Uint8Array;
}

const B = 8;

/** Scratch state of one point query: the unwarped point, computed on first need. */
class Query {
  readonly p = new Float64Array(3);
  /** 0: not computed, 1: valid, 2: inside the warp ball (no warped shape there). */
  state = 0;
  constructor(readonly warp: Warp | undefined) {}
  /** Whether the warped point exists; fills `p`. */
  unwarped(x: number, y: number, z: number): boolean {
    if (this.state === 0) this.state = this.warp && !unwarp(this.warp, x, y, z, this.p) ? 2 : 1;
    if (!this.warp) {
      this.p[0] = x;
      this.p[1] = y;
      this.p[2] = z;
    }
    return this.state === 1;
  }
}

/**
 * A shape flattened into one hidden class (plain number fields), so that the hot loops below see
 * a single object layout whatever mix of shapes the scene holds.
 */
class Flat {
  readonly x0: number;
  readonly y0: number;
  readonly z0: number;
  readonly x1: number;
  readonly y1: number;
  readonly z1: number;
  readonly tissue: number;
  readonly warped: boolean;
  readonly contains: (x: number, y: number, z: number) => boolean;
  readonly near: (x: number, y: number, z: number) => boolean;
  readonly thin: boolean;
  /** Split plane: tissue on its positive side, or -1 for none. */
  readonly splitTissue: number;
  readonly ox: number;
  readonly oy: number;
  readonly oz: number;
  readonly nx: number;
  readonly ny: number;
  readonly nz: number;
  constructor(s: Shape) {
    [this.x0, this.y0, this.z0, this.x1, this.y1, this.z1] = s.bounds;
    this.tissue = s.tissue;
    this.warped = s.warped === true;
    this.contains = s.contains;
    this.thin = s.near !== undefined;
    this.near = s.near ?? (() => false);
    const sp = s.split;
    this.splitTissue = sp ? sp.tissue : -1;
    [this.ox, this.oy, this.oz] = sp ? sp.origin : [0, 0, 0];
    [this.nx, this.ny, this.nz] = sp ? sp.normal : [0, 0, 0];
  }
}

/**
 * The first shape of `list` (topmost first) that contains the point — or, with `near`, that the
 * point is within `NEAR_MM` of (thin shapes only). Warped shapes are tested at the unwarped point.
 */
function firstHit(shapes: Flat[], list: Int32Array, q: Query, x: number, y: number, z: number, near: boolean): Flat | undefined {
  q.state = 0;
  const m = near ? NEAR_MM : 0;
  for (let c = 0; c < list.length; c++) {
    const s = shapes[list[c]];
    let sx = x;
    let sy = y;
    let sz = z;
    if (s.warped) {
      if (!q.unwarped(x, y, z)) continue;
      sx = q.p[0];
      sy = q.p[1];
      sz = q.p[2];
    }
    if (sx < s.x0 - m || sy < s.y0 - m || sz < s.z0 - m || sx > s.x1 + m || sy > s.y1 + m || sz > s.z1 + m) continue;
    if (near ? s.near(sx, sy, sz) : s.contains(sx, sy, sz)) return s;
  }
  return undefined;
}

function tissueAt(shapes: Flat[], cand: Int32Array, q: Query, x: number, y: number, z: number): number {
  const s = firstHit(shapes, cand, q, x, y, z, false);
  if (s === undefined) return 0;
  if (s.splitTissue < 0) return s.tissue;
  return (x - s.ox) * s.nx + (y - s.oy) * s.ny + (z - s.oz) * s.nz > 0 ? s.splitTissue : s.tissue;
}

interface Block {
  i0: number;
  j0: number;
  k0: number;
  i1: number;
  j1: number;
  k1: number;
  cand: Int32Array;
  /** Candidates with a `near` test (thin shapes). */
  thin: Int32Array;
}

function blocks(shapes: Shape[], grid: RenderGrid): Block[] {
  const [nz, ny, nx] = grid.shape;
  const M = grid.toHead;
  const out: Block[] = [];
  for (let k0 = 0; k0 < nz; k0 += B) {
    for (let j0 = 0; j0 < ny; j0 += B) {
      for (let i0 = 0; i0 < nx; i0 += B) {
        const i1 = Math.min(nx, i0 + B);
        const j1 = Math.min(ny, j0 + B);
        const k1 = Math.min(nz, k0 + B);
        const lo = [Infinity, Infinity, Infinity];
        const hi = [-Infinity, -Infinity, -Infinity];
        for (const i of [i0 - 0.5, i1 - 0.5]) {
          for (const j of [j0 - 0.5, j1 - 0.5]) {
            for (const k of [k0 - 0.5, k1 - 0.5]) {
              for (let r = 0; r < 3; r++) {
                const v = M[r * 4] * i + M[r * 4 + 1] * j + M[r * 4 + 2] * k + M[r * 4 + 3];
                lo[r] = Math.min(lo[r], v);
                hi[r] = Math.max(hi[r], v);
              }
            }
          }
        }
        const cand: number[] = [];
        const thin: number[] = [];
        for (let s = shapes.length - 1; s >= 0; s--) {
          const b = shapes[s].reach ?? shapes[s].bounds;
          if (b[0] > hi[0] || b[1] > hi[1] || b[2] > hi[2] || b[3] < lo[0] || b[4] < lo[1] || b[5] < lo[2]) continue;
          cand.push(s);
          if (shapes[s].near) thin.push(s);
        }
        out.push({ i0, j0, k0, i1, j1, k1, cand: Int32Array.from(cand), thin: Int32Array.from(thin) });
      }
    }
  }
  return out;
}

function offsets(n: number): number[] {
  return Array.from({ length: n }, (_, s) => (s + 0.5) / n - 0.5);
}

/** Renders `scene` on `grid`; see the module comment for the partial-volume and label rules. */
export function renderScene(scene: RenderScene, grid: RenderGrid, opts: RenderOptions): Rendered {
  const [nz, ny, nx] = grid.shape;
  const n = nx * ny * nz;
  const M = grid.toHead;
  const shapes = scene.shapes.map((sh) => new Flat(sh));
  const tissue = new Uint8Array(n);
  const signal = new Float32Array(n);
  const label = new Uint8Array(n);
  const bl = blocks(scene.shapes, grid);
  const q = new Query(scene.warp);
  // pass 1: tissue at voxel centres
  for (const b of bl) {
    if (b.cand.length === 0) continue;
    for (let k = b.k0; k < b.k1; k++) {
      for (let j = b.j0; j < b.j1; j++) {
        let v = (k * ny + j) * nx + b.i0;
        for (let i = b.i0; i < b.i1; i++, v++) {
          const x = M[0] * i + M[1] * j + M[2] * k + M[3];
          const y = M[4] * i + M[5] * j + M[6] * k + M[7];
          const z = M[8] * i + M[9] * j + M[10] * k + M[11];
          tissue[v] = tissueAt(shapes, b.cand, q, x, y, z);
        }
      }
    }
  }
  // pass 2: signal (supersampled at boundaries) and labels
  const [oz, oy, ox] = opts.supersample.map(offsets);
  const subs: number[] = [];
  for (const dk of oz) for (const dj of oy) for (const di of ox) subs.push(di, dj, dk);
  const nSub = subs.length / 3;
  const majority = opts.labelRule === 'majority';
  const counts = [0, 0, 0];
  const sxy = nx * ny;
  const labelOf = LABEL_OF_TISSUE;
  for (const b of bl) {
    const cand = b.cand;
    for (let k = b.k0; k < b.k1; k++) {
      for (let j = b.j0; j < b.j1; j++) {
        let v = (k * ny + j) * nx + b.i0;
        for (let i = b.i0; i < b.i1; i++, v++) {
          const t = tissue[v];
          const x = M[0] * i + M[1] * j + M[2] * k + M[3];
          const y = M[4] * i + M[5] * j + M[6] * k + M[7];
          const z = M[8] * i + M[9] * j + M[10] * k + M[11];
          const boundary =
            (i > 0 && tissue[v - 1] !== t) ||
            (i < nx - 1 && tissue[v + 1] !== t) ||
            (j > 0 && tissue[v - nx] !== t) ||
            (j < ny - 1 && tissue[v + nx] !== t) ||
            (k > 0 && tissue[v - sxy] !== t) ||
            (k < nz - 1 && tissue[v + sxy] !== t) ||
            firstHit(shapes, b.thin, q, x, y, z, true) !== undefined;
          const centreLabel = labelOf[t];
          if (!boundary || cand.length === 0) {
            signal[v] = t === 0 ? 0 : scene.signal(t, x, y, z);
            label[v] = centreLabel;
            continue;
          }
          let acc = 0;
          counts[0] = counts[1] = counts[2] = 0;
          for (let s = 0; s < subs.length; s += 3) {
            const di = subs[s];
            const dj = subs[s + 1];
            const dk = subs[s + 2];
            const px = x + M[0] * di + M[1] * dj + M[2] * dk;
            const py = y + M[4] * di + M[5] * dj + M[6] * dk;
            const pz = z + M[8] * di + M[9] * dj + M[10] * dk;
            const ts = tissueAt(shapes, cand, q, px, py, pz);
            if (ts !== 0) acc += scene.signal(ts, px, py, pz);
            counts[labelOf[ts]]++;
          }
          signal[v] = acc / nSub;
          if (!majority) {
            label[v] = centreLabel;
          } else {
            let best = centreLabel;
            for (let l = 0; l < 3; l++) if (counts[l] > counts[best]) best = l;
            label[v] = best;
          }
        }
      }
    }
  }
  return { signal, label, tissue };
}
