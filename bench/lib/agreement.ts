// Agreement of two label maps of the same grid (0 background, 1 EM, 2 IM): Dice per class and the
// voxels that differ — how the benchmarks compare meatus with a peer, or two meatus paths.

/** Dice of `a == k` and `b == k` (k = 'wt': label > 0); 1 when both are empty. */
function dice(a: Uint8Array, b: Uint8Array, k: number | 'wt'): number {
  let inter = 0;
  let sa = 0;
  let sb = 0;
  for (let i = 0; i < a.length; i++) {
    const x = k === 'wt' ? a[i] > 0 : a[i] === k;
    const y = k === 'wt' ? b[i] > 0 : b[i] === k;
    if (x) sa++;
    if (y) sb++;
    if (x && y) inter++;
  }
  return sa + sb === 0 ? 1 : (2 * inter) / (sa + sb);
}

/** {@link agreement}'s result: Dice of EM, IM and WT (1 when a class is empty in both maps). */
export interface Agreement {
  em: number;
  im: number;
  wt: number;
  differingVoxels: number;
  /** EM and IM voxel counts of the first map (`meatus`) and the second (`peer`). */
  voxels: { meatus: number[]; peer: number[] };
}

/**
 * Dice per class and the count of differing voxels between `mine` and `peer` (uint8 labels 0–2,
 * same grid).
 * @throws Error if the lengths differ.
 */
export function agreement(mine: Uint8Array, peer: Uint8Array): Agreement {
  if (mine.length !== peer.length)
    throw new Error(`agreement: label maps of ${mine.length} and ${peer.length} voxels`);
  let diff = 0;
  const cm = [0, 0, 0];
  const cp = [0, 0, 0];
  for (let i = 0; i < mine.length; i++) {
    if (mine[i] !== peer[i]) diff++;
    cm[mine[i]]++;
    cp[peer[i]]++;
  }
  return {
    em: dice(mine, peer, 1),
    im: dice(mine, peer, 2),
    wt: dice(mine, peer, 'wt'),
    differingVoxels: diff,
    voxels: { meatus: cm.slice(1), peer: cp.slice(1) },
  };
}
