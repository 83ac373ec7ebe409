/**
 * Eigen decomposition of a real symmetric 3×3 matrix by the cyclic Jacobi method (Numerical
 * Recipes §11.1): plane rotations zero the off-diagonal entries one at a time until they vanish;
 * the product of the rotations holds the eigenvectors. Unconditionally convergent (quadratically
 * in the end) and accurate for small eigenvalues; a 3×3 needs a handful of sweeps.
 */

/** Eigenvalues (descending) and matching unit eigenvectors of a symmetric 3×3. */
export interface SymmetricEigen3 {
  /** Eigenvalues, largest first. */
  values: [number, number, number];
  /** `vectors[k]` is the unit eigenvector of `values[k]` (an orthonormal set). */
  vectors: [[number, number, number], [number, number, number], [number, number, number]];
}

/**
 * Eigenvalues and eigenvectors of the symmetric 3×3 `m` (row-major, 9 numbers; only its upper
 * triangle is read). The sign of each eigenvector is arbitrary.
 * @throws Error if `m` is not 9 finite numbers.
 * @example symmetricEigen3([2, 0, 0, 0, 3, 0, 0, 0, 1]).values // [3, 2, 1]
 */
export function symmetricEigen3(m: readonly number[]): SymmetricEigen3 {
  if (m.length !== 9 || !m.every(Number.isFinite)) {
    throw new Error(
      `symmetricEigen3: expected a symmetric 3×3 as 9 finite numbers, got ${JSON.stringify(m)}`,
    );
  }
  const a = [
    [m[0], m[1], m[2]],
    [m[1], m[4], m[5]],
    [m[2], m[5], m[8]],
  ];
  const v = [
    [1, 0, 0],
    [0, 1, 0],
    [0, 0, 1],
  ];
  const scale = Math.max(...m.map(Math.abs));
  for (let sweep = 0; sweep < 50 && scale > 0; sweep++) {
    const off = Math.abs(a[0][1]) + Math.abs(a[0][2]) + Math.abs(a[1][2]);
    if (off <= 1e-300 || off < 1e-15 * scale) break;
    for (const [p, q] of [
      [0, 1],
      [0, 2],
      [1, 2],
    ]) {
      if (a[p][q] === 0) continue;
      const theta = (a[q][q] - a[p][p]) / (2 * a[p][q]);
      const t = (theta >= 0 ? 1 : -1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
      const c = 1 / Math.sqrt(t * t + 1);
      const s = t * c;
      // A ← Pᵀ A P and V ← V P, with P the rotation in the (p, q) plane.
      for (let k = 0; k < 3; k++) {
        const akp = a[k][p];
        const akq = a[k][q];
        a[k][p] = c * akp - s * akq;
        a[k][q] = s * akp + c * akq;
      }
      for (let k = 0; k < 3; k++) {
        const apk = a[p][k];
        const aqk = a[q][k];
        a[p][k] = c * apk - s * aqk;
        a[q][k] = s * apk + c * aqk;
      }
      for (let k = 0; k < 3; k++) {
        const vkp = v[k][p];
        const vkq = v[k][q];
        v[k][p] = c * vkp - s * vkq;
        v[k][q] = s * vkp + c * vkq;
      }
    }
  }
  const order = [0, 1, 2].sort((i, j) => a[j][j] - a[i][i]);
  const col = (k: number): [number, number, number] => [v[0][k], v[1][k], v[2][k]];
  return {
    values: [a[order[0]][order[0]], a[order[1]][order[1]], a[order[2]][order[2]]],
    vectors: [col(order[0]), col(order[1]), col(order[2])],
  };
}
