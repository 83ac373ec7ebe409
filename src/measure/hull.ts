/**
 * 2-D convex hull (Andrew's monotone chain) and the maximum Feret diameter of a point set by
 * rotating calipers over its hull — the "largest diameter" of a segmented region in a slice.
 *
 * The maximum Feret diameter of a finite point set is the largest distance between two of its
 * points; both of those points are vertices of the convex hull, and rotating calipers visit every
 * antipodal pair of hull vertices in O(h), so the whole computation is O(n log n) (the sort).
 * Units are whatever the coordinates are in (mm in `measure/`).
 */

/** A point in the plane, `[u, v]`. */
export type Point2 = readonly [number, number];

/** The two end points of a maximum Feret diameter, as indices into the input points. */
export interface FeretDiameter {
  /** The largest distance between two input points (same unit as the coordinates). */
  distance: number;
  /** Index (into the input array) of one end point. */
  i: number;
  /** Index of the other end point (equal to `i` when all points coincide). */
  j: number;
}

/** Twice the signed area of triangle (o, a, b): > 0 when o → a → b turns counter-clockwise. */
function cross(o: Point2, a: Point2, b: Point2): number {
  return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0]);
}

function dist2(a: Point2, b: Point2): number {
  return (a[0] - b[0]) ** 2 + (a[1] - b[1]) ** 2;
}

/**
 * The convex hull of `points` as indices into `points`, counter-clockwise (for a right-handed
 * `[u, v]` frame), starting at the point with the smallest `u` (then smallest `v`). Collinear
 * points on hull edges and duplicate points are left out, so the hull of points on one line is its
 * two end points, and the hull of copies of one point is that point once. Empty input → `[]`.
 * @throws Error if a coordinate is not a finite number.
 * @example
 * convexHull([[0, 0], [1, 0], [2, 0], [1, 1], [1, 0.5]]); // [0, 2, 3]
 */
export function convexHull(points: readonly Point2[]): number[] {
  for (let k = 0; k < points.length; k++) {
    const p = points[k];
    if (!Number.isFinite(p[0]) || !Number.isFinite(p[1])) {
      throw new Error(`convexHull: point ${k} is [${p[0]}, ${p[1]}]; coordinates must be finite numbers`);
    }
  }
  const order = points
    .map((_, k) => k)
    .sort((a, b) => points[a][0] - points[b][0] || points[a][1] - points[b][1]);
  // Drop exact duplicates (adjacent after sorting): they would make zero-length hull edges.
  const idx: number[] = [];
  for (const k of order) {
    const last = idx[idx.length - 1];
    if (last === undefined || points[last][0] !== points[k][0] || points[last][1] !== points[k][1])
      idx.push(k);
  }
  if (idx.length <= 2) return idx;
  const chain = (seq: number[]): number[] => {
    const h: number[] = [];
    for (const k of seq) {
      while (h.length >= 2 && cross(points[h[h.length - 2]], points[h[h.length - 1]], points[k]) <= 0)
        h.pop();
      h.push(k);
    }
    h.pop(); // the last point starts the other chain
    return h;
  };
  const hull = [...chain(idx), ...chain([...idx].reverse())];
  return hull;
}

/**
 * The maximum Feret diameter (largest pairwise distance) of `points` with its two end points, by
 * rotating calipers over the convex hull. O(n log n). `null` for no points; distance 0 with
 * `i === j` when every point coincides.
 * @throws Error if a coordinate is not a finite number.
 * @example
 * maxFeretDiameter([[0, 0], [3, 0], [3, 4], [1, 1]]); // { distance: 5, i: 0, j: 2 }
 */
export function maxFeretDiameter(points: readonly Point2[]): FeretDiameter | null {
  const h = convexHull(points);
  const m = h.length;
  if (m === 0) return null;
  if (m === 1) return { distance: 0, i: h[0], j: h[0] };
  let best = { d2: -1, i: h[0], j: h[0] };
  const consider = (a: number, b: number) => {
    const d2 = dist2(points[a], points[b]);
    if (d2 > best.d2) best = { d2, i: a, j: b };
  };
  if (m === 2) {
    consider(h[0], h[1]);
  } else {
    // For each hull edge (a, a+1), advance the caliper vertex b while it gets farther from the
    // edge's line; (a, b) and (a+1, b) are then antipodal pairs. b only moves forward, so the
    // loop is O(m); the step guard only protects against rounding on degenerate input.
    let b = 1;
    let steps = 0;
    for (let a = 0; a < m; a++) {
      const p = points[h[a]];
      const q = points[h[(a + 1) % m]];
      while (steps < 3 * m && cross(p, q, points[h[(b + 1) % m]]) > cross(p, q, points[h[b]])) {
        b = (b + 1) % m;
        steps++;
      }
      consider(h[a], h[b]);
      consider(h[(a + 1) % m], h[b]);
    }
  }
  return { distance: Math.sqrt(best.d2), i: best.i, j: best.j };
}
