/**
 * Connected components of a 3D binary mask, like `scipy.ndimage.label` with
 * `generate_binary_structure(3, 1)` (6-connected) or `(3, 3)` (26-connected).
 *
 * Algorithm: one raster scan with union-find over provisional labels (each voxel looks at its
 * already-visited neighbours), then a second scan that numbers the roots in order of first
 * occurrence. Linear time in the number of voxels (near-linear in the union-find).
 */
import { checkConnectivity, checkMask, type Connectivity } from './mask-args.js';
import type { Vec3 } from './volume.js';

/** Result of {@link label}. */
export interface Labeling {
  /** Component label per voxel, x fastest: 0 background, 1..count in order of first voxel in raster order. */
  labels: Int32Array;
  /** Number of components. */
  count: number;
  /** Voxel count of each component: `sizes[k - 1]` is the size of label `k` (length `count`). */
  sizes: number[];
}

/**
 * Labels the connected components of the set voxels. Labels are numbered by first occurrence in
 * raster order (z slowest, x fastest), as `scipy.ndimage.label` numbers them.
 * @param mask - Binary mask, x fastest (`[z, y, x]` layout); any non-zero is "set".
 * @param shape - `[z, y, x]` voxel counts.
 * @param connectivity - 6 (faces) or 26 (faces, edges, corners).
 * @throws Error on a bad `shape`, a `mask` of the wrong length, or a connectivity other than 6 or 26.
 * @example
 * const { labels, count, sizes } = label(mask, [80, 384, 384], 26);
 */
export function label(mask: Uint8Array, shape: Vec3, connectivity: Connectivity): Labeling {
  const n = checkMask('label', mask, shape);
  checkConnectivity('label', connectivity);
  const [nz, ny, nx] = shape;
  const offsets = backwardNeighbours(connectivity);
  const labels = new Int32Array(n);
  let parent = new Int32Array(1024);
  let next = 1;

  const find = (a: number): number => {
    while (parent[a] !== a) {
      parent[a] = parent[parent[a]];
      a = parent[a];
    }
    return a;
  };

  for (let z = 0, i = 0; z < nz; z++) {
    for (let y = 0; y < ny; y++) {
      for (let x = 0; x < nx; x++, i++) {
        if (mask[i] === 0) continue;
        let cur = 0;
        for (const [dz, dy, dx] of offsets) {
          const zz = z + dz;
          const yy = y + dy;
          const xx = x + dx;
          if (zz < 0 || yy < 0 || xx < 0 || yy >= ny || xx >= nx) continue;
          const l = labels[(zz * ny + yy) * nx + xx];
          if (l === 0) continue;
          if (cur === 0) {
            cur = find(l);
            continue;
          }
          const r = find(l);
          if (r !== cur) {
            // Keep the smaller root: it was created first.
            if (r < cur) {
              parent[cur] = r;
              cur = r;
            } else parent[r] = cur;
          }
        }
        if (cur === 0) {
          if (next === parent.length) {
            const grown = new Int32Array(parent.length * 2);
            grown.set(parent);
            parent = grown;
          }
          parent[next] = next;
          cur = next++;
        }
        labels[i] = cur;
      }
    }
  }

  // Second scan: number roots by first occurrence, count sizes.
  const final = new Int32Array(next);
  const sizes: number[] = [];
  for (let i = 0; i < n; i++) {
    const l = labels[i];
    if (l === 0) continue;
    const r = find(l);
    if (final[r] === 0) {
      sizes.push(0);
      final[r] = sizes.length;
    }
    const f = final[r];
    labels[i] = f;
    sizes[f - 1]++;
  }
  return { labels, count: sizes.length, sizes };
}

/**
 * The largest connected component of the set voxels, as a new 0/1 mask (all zeros if the mask is
 * empty). Ties go to the component found first in raster order.
 * @param mask - Binary mask, x fastest; any non-zero is "set".
 * @param shape - `[z, y, x]` voxel counts.
 * @param connectivity - 6 or 26.
 * @throws Error on a bad `shape`, a `mask` of the wrong length, or a connectivity other than 6 or 26.
 */
export function largestComponent(mask: Uint8Array, shape: Vec3, connectivity: Connectivity): Uint8Array {
  checkMask('largestComponent', mask, shape);
  checkConnectivity('largestComponent', connectivity);
  const { labels, sizes } = label(mask, shape, connectivity);
  const best = largestLabel(sizes);
  const out = new Uint8Array(labels.length);
  if (best === 0) return out;
  for (let i = 0; i < labels.length; i++) out[i] = labels[i] === best ? 1 : 0;
  return out;
}

/**
 * The label (1-based, as in {@link Labeling.labels}) of the largest component given the component
 * sizes of a {@link Labeling}; ties go to the first. 0 when there is none.
 */
export function largestLabel(sizes: ArrayLike<number>): number {
  if (sizes.length === 0) return 0;
  let best = 0;
  for (let k = 1; k < sizes.length; k++) if (sizes[k] > sizes[best]) best = k;
  return best + 1;
}

/** The neighbour offsets `[dz, dy, dx]` visited before a voxel in raster order. */
function backwardNeighbours(connectivity: Connectivity): Vec3[] {
  const out: Vec3[] = [];
  for (let dz = -1; dz <= 0; dz++) {
    for (let dy = -1; dy <= 1; dy++) {
      for (let dx = -1; dx <= 1; dx++) {
        const before = dz < 0 || (dz === 0 && (dy < 0 || (dy === 0 && dx < 0)));
        const manhattan = Math.abs(dz) + Math.abs(dy) + Math.abs(dx);
        if (before && (connectivity === 26 || manhattan === 1)) out.push([dz, dy, dx]);
      }
    }
  }
  return out;
}
