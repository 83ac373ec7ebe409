/**
 * Small 3-vector and 3×3-matrix helpers for the phantom generator. Points are `[x, y, z]` in mm
 * (RAS-like: x right, y anterior, z superior); matrices are row-major, 9 numbers.
 */

/** A point or direction `[x, y, z]` (note: world order, not the `[z, y, x]` array order). */
export type P3 = [number, number, number];

/** A row-major 3×3 matrix. */
export type M3 = number[];

/** `a + b`. */
export function add(a: P3, b: P3): P3 {
  return [a[0] + b[0], a[1] + b[1], a[2] + b[2]];
}

/** `a − b`. */
export function sub(a: P3, b: P3): P3 {
  return [a[0] - b[0], a[1] - b[1], a[2] - b[2]];
}

/** `a · s`. */
export function scale(a: P3, s: number): P3 {
  return [a[0] * s, a[1] * s, a[2] * s];
}

/** `a + b · s`. */
export function addScaled(a: P3, b: P3, s: number): P3 {
  return [a[0] + b[0] * s, a[1] + b[1] * s, a[2] + b[2] * s];
}

/** Dot product. */
export function dot(a: P3, b: P3): number {
  return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
}

/** Cross product. */
export function cross(a: P3, b: P3): P3 {
  return [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
}

/** Euclidean length. */
export function norm(a: P3): number {
  return Math.sqrt(dot(a, a));
}

/** `a / |a|`. @throws Error for a zero vector. */
export function normalize(a: P3): P3 {
  const n = norm(a);
  if (n === 0) throw new Error('normalize: zero vector');
  return scale(a, 1 / n);
}

/** The 3×3 identity. */
export function identity3(): M3 {
  return [1, 0, 0, 0, 1, 0, 0, 0, 1];
}

/** `a · b` for 3×3 matrices. */
export function mul3(a: M3, b: M3): M3 {
  const out = new Array<number>(9).fill(0);
  for (let r = 0; r < 3; r++) {
    for (let c = 0; c < 3; c++) {
      out[r * 3 + c] = a[r * 3] * b[c] + a[r * 3 + 1] * b[3 + c] + a[r * 3 + 2] * b[6 + c];
    }
  }
  return out;
}

/** `m · v`. */
export function apply3(m: M3, v: P3): P3 {
  return [
    m[0] * v[0] + m[1] * v[1] + m[2] * v[2],
    m[3] * v[0] + m[4] * v[1] + m[5] * v[2],
    m[6] * v[0] + m[7] * v[1] + m[8] * v[2],
  ];
}

/** The transpose (the inverse of a rotation). */
export function transpose3(m: M3): M3 {
  return [m[0], m[3], m[6], m[1], m[4], m[7], m[2], m[5], m[8]];
}

/** The rotation `Rz · Ry · Rx` for angles in degrees about x, y and z. */
export function rotationDeg(rx: number, ry: number, rz: number): M3 {
  const [a, b, c] = [rx, ry, rz].map((d) => (d * Math.PI) / 180);
  const Rx = [1, 0, 0, 0, Math.cos(a), -Math.sin(a), 0, Math.sin(a), Math.cos(a)];
  const Ry = [Math.cos(b), 0, Math.sin(b), 0, 1, 0, -Math.sin(b), 0, Math.cos(b)];
  const Rz = [Math.cos(c), -Math.sin(c), 0, Math.sin(c), Math.cos(c), 0, 0, 0, 1];
  return mul3(Rz, mul3(Ry, Rx));
}

/** A right-handed orthonormal frame `[u, v, w]` whose first axis is `u` and whose third is near `up`. */
export function frameFromAxis(u: P3, up: P3 = [0, 0, 1]): [P3, P3, P3] {
  const uu = normalize(u);
  let v = cross(up, uu);
  if (norm(v) < 1e-6) v = cross([0, 1, 0], uu);
  v = normalize(v);
  const w = cross(uu, v);
  return [uu, v, w];
}
