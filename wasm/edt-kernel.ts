/**
 * WebAssembly kernels of the exact Euclidean distance transform (`src/volume/edt.ts`), written in
 * AssemblyScript and compiled by `scripts/build-wasm.mjs` (asc -O3, 128-bit SIMD) into
 * `src/volume/edt-kernel.generated.ts`. They run on this module's own linear memory: the driver in
 * `src/volume/edt-kernel.ts` copies one slice (or one block of z columns) in, calls a kernel and
 * copies the result out. Pointers are byte offsets (SIMD loads need no alignment); x fastest.
 *
 * Arithmetic is float64 in the order scipy uses (`Δz·sz` squared, plus `Δy·sy` squared, plus
 * `Δx·sx` squared), so results are the float32 rounding of scipy's `distance_transform_edt`.
 */

/** Columns per block in the y pass: the y lines of 16 neighbouring columns are gathered together. */
const BLOCK: i32 = 16;

/** First free byte after the module's static data: the driver lays out its buffers from here. */
export function heapBase(): usize {
  return (__heap_base + 15) & ~15;
}

/**
 * Forward z sweep, one slice of `n` in-slice positions: `cur = mask ? 0 : prev + 1` (float32,
 * slices down to the nearest set voxel at or below; a `prev` of +Infinity starts the sweep), and
 * with indices `curIdx = mask ? base + i : prevIdx` (the flat index of that voxel; start -1).
 */
export function zForward(
  mask: usize,
  prev: usize,
  cur: usize,
  prevIdx: usize,
  curIdx: usize,
  n: i32,
  base: i32,
  withIdx: bool,
): void {
  const one = f32x4.splat(1);
  const zero = i32x4.splat(0);
  const four = i32x4.splat(4);
  let lane = i32x4.add(i32x4.splat(base), i32x4(0, 1, 2, 3));
  let i: i32 = 0;
  for (; i + 4 <= n; i += 4) {
    const set = i32x4.ne(i32x4.extend_low_i16x8_u(i16x8.extend_low_i8x16_u(v128.load32_zero(mask + <usize>i))), zero);
    const o = <usize>i << 2;
    v128.store(cur + o, v128.andnot(f32x4.add(v128.load(prev + o), one), set));
    if (withIdx) {
      v128.store(curIdx + o, v128.bitselect(lane, v128.load(prevIdx + o), set));
      lane = i32x4.add(lane, four);
    }
  }
  for (; i < n; i++) {
    const set = load<u8>(mask + <usize>i) != 0;
    const o = <usize>i << 2;
    store<f32>(cur + o, set ? 0 : load<f32>(prev + o) + 1);
    if (withIdx) store<i32>(curIdx + o, set ? base + i : load<i32>(prevIdx + o));
  }
}

/**
 * Backward z sweep, one slice of `n` positions, top slice first: `above` (slices up to the nearest
 * set voxel at or above; start +Infinity) becomes `mask ? 0 : above + 1`, then `d` (the forward
 * counts of this slice) becomes `min(d, above)`. With indices, `aboveIdx` (start -1) and `dIdx`
 * follow; on a tie the voxel below (the forward sweep's) is kept.
 */
export function zBackward(
  mask: usize,
  above: usize,
  aboveIdx: usize,
  d: usize,
  dIdx: usize,
  n: i32,
  base: i32,
  withIdx: bool,
): void {
  zForward(mask, above, above, aboveIdx, aboveIdx, n, base, withIdx);
  let i: i32 = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    const up = v128.load(above + o);
    const dv = v128.load(d + o);
    v128.store(d + o, f32x4.min(dv, up));
    if (withIdx) v128.store(dIdx + o, v128.bitselect(v128.load(aboveIdx + o), v128.load(dIdx + o), f32x4.lt(up, dv)));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    const up = load<f32>(above + o);
    if (up < load<f32>(d + o)) {
      store<f32>(d + o, up);
      if (withIdx) store<i32>(dIdx + o, load<i32>(aboveIdx + o));
    }
  }
}

/** Bytes of scratch {@link slice} needs for an `ny`×`nx` slice. */
export function sliceScratchBytes(ny: i32, nx: i32): usize {
  const yx = <usize>ny * <usize>nx;
  const m = <usize>max(ny, nx);
  const line = <usize>BLOCK * <usize>ny;
  // slice f64, sliceIdx i32, block f64, blockOut f64, blockArg i32, h f64, zb f64 (m + 1), v i32
  return align16(yx * 8) + align16(yx * 4) + 2 * align16(line * 8) + align16(line * 4) + align16(m * 8) +
    align16((m + 1) * 8) + align16(m * 4);
}

@inline function align16(bytes: usize): usize {
  return (bytes + 15) & ~15;
}

// Envelope buffers of the current slice() call: vertices (i32), heights (f64), boundaries (f64).
let V: usize = 0;
let H: usize = 0;
let ZB: usize = 0;

/**
 * Lower envelope of the parabolas `(s·(q − p))² + f[p]`, `p` in `[0, n)`, skipping infinite `f`
 * (Felzenszwalb & Huttenlocher): leaves the vertices in V[0..m), and in ZB[k + 1] the position
 * after which parabola k + 1 takes over from k (ZB[m] = +Infinity). Returns m (0 if all infinite).
 */
@inline function envelope(f: usize, n: i32, s2: f64): i32 {
  let k: i32 = -1;
  let vk: i32 = 0;
  let hk: f64 = 0;
  let zk: f64 = 0;
  for (let q: i32 = 0; q < n; q++) {
    const fq = load<f64>(f + (<usize>q << 3));
    if (fq == Infinity) continue;
    const hq = fq + s2 * <f64>q * <f64>q;
    if (k < 0) {
      k = 0;
      vk = q;
      hk = hq;
      zk = -Infinity;
      store<i32>(V, q);
      store<f64>(H, hq);
      store<f64>(ZB, -Infinity);
      continue;
    }
    // Pop the parabolas the new one hides; ZB[0] = -Infinity stops at k = 0.
    let b = (hq - hk) / (2 * s2 * <f64>(q - vk));
    while (b <= zk) {
      k--;
      vk = load<i32>(V + (<usize>k << 2));
      hk = load<f64>(H + (<usize>k << 3));
      zk = load<f64>(ZB + (<usize>k << 3));
      b = (hq - hk) / (2 * s2 * <f64>(q - vk));
    }
    k++;
    vk = q;
    hk = hq;
    zk = b;
    store<i32>(V + (<usize>k << 2), q);
    store<f64>(H + (<usize>k << 3), hq);
    store<f64>(ZB + (<usize>k << 3), b);
  }
  store<f64>(ZB + (<usize>(k + 1) << 3), Infinity);
  return k + 1;
}

/** The last position (< n) that envelope parabola k covers. */
@inline function segmentEnd(k: i32, n: i32): i32 {
  const z = load<f64>(ZB + (<usize>(k + 1) << 3));
  return z >= <f64>(n - 1) ? n - 1 : <i32>Math.floor(z);
}

/**
 * Passes 2 (y) and 3 (x) of one `ny`×`nx` slice, in place: `zd` (float32) holds the z distances in
 * slices (+Infinity where a z column has no set voxel) and receives the distances in mm; with
 * indices, `zi` (int32) holds the flat index of each z-nearest voxel and receives that of the
 * nearest voxel (-1 if none). `scr` has {@link sliceScratchBytes} bytes.
 */
export function slice(zd: usize, zi: usize, ny: i32, nx: i32, sz: f64, sy: f64, sx: f64, withIdx: bool, scr: usize): void {
  const yx = ny * nx;
  const m = <usize>max(ny, nx);
  const line = <usize>BLOCK * <usize>ny;
  const sl = scr;
  const slIdx = sl + align16(<usize>yx * 8);
  const block = slIdx + align16(<usize>yx * 4);
  const blockOut = block + align16(line * 8);
  const blockArg = blockOut + align16(line * 8);
  H = blockArg + align16(line * 4);
  ZB = H + align16(m * 8);
  V = ZB + align16((m + 1) * 8);

  // Squared z distances in mm, float64, four at a time.
  const vsz = f64x2.splat(sz);
  let i: i32 = 0;
  for (; i + 4 <= yx; i += 4) {
    const d = v128.load(zd + (<usize>i << 2));
    const lo = f64x2.mul(f64x2.promote_low_f32x4(d), vsz);
    const hi = f64x2.mul(f64x2.promote_low_f32x4(v128.shuffle<i32>(d, d, 2, 3, 0, 1)), vsz);
    v128.store(sl + (<usize>i << 3), f64x2.mul(lo, lo));
    v128.store(sl + (<usize>i << 3), f64x2.mul(hi, hi), 16);
  }
  for (; i < yx; i++) {
    const t = <f64>load<f32>(zd + (<usize>i << 2)) * sz;
    store<f64>(sl + (<usize>i << 3), t * t);
  }

  // y pass, BLOCK columns at a time: gather rows of BLOCK contiguous values into BLOCK lines, run
  // each line, scatter back row by row (cache-friendly both ways).
  const sy2 = sy * sy;
  for (let x0: i32 = 0; x0 < nx; x0 += BLOCK) {
    const w = min(BLOCK, nx - x0);
    for (let y: i32 = 0; y < ny; y++) {
      const src = sl + (<usize>(y * nx + x0) << 3);
      for (let b: i32 = 0; b < w; b++) {
        store<f64>(block + (<usize>(b * ny + y) << 3), load<f64>(src + (<usize>b << 3)));
      }
    }
    for (let b: i32 = 0; b < w; b++) {
      const f = block + (<usize>(b * ny) << 3);
      const out = blockOut + (<usize>(b * ny) << 3);
      const arg = blockArg + (<usize>(b * ny) << 2);
      const mm = envelope(f, ny, sy2);
      if (mm == 0) {
        for (let y: i32 = 0; y < ny; y++) store<f64>(out + (<usize>y << 3), Infinity);
        continue;
      }
      let y: i32 = 0;
      for (let k: i32 = 0; k < mm; k++) {
        const p = load<i32>(V + (<usize>k << 2));
        const fp = load<f64>(f + (<usize>p << 3));
        const e = segmentEnd(k, ny);
        for (; y <= e; y++) {
          const t = <f64>(y - p) * sy;
          store<f64>(out + (<usize>y << 3), t * t + fp);
          if (withIdx) store<i32>(arg + (<usize>y << 2), p);
        }
      }
    }
    for (let y: i32 = 0; y < ny; y++) {
      const j = y * nx + x0;
      for (let b: i32 = 0; b < w; b++) {
        const v = load<f64>(blockOut + (<usize>(b * ny + y) << 3));
        store<f64>(sl + (<usize>(j + b) << 3), v);
        if (withIdx) {
          const a = load<i32>(blockArg + (<usize>(b * ny + y) << 2));
          store<i32>(slIdx + (<usize>(j + b) << 2), v == Infinity ? -1 : load<i32>(zi + (<usize>(a * nx + x0 + b) << 2)));
        }
      }
    }
  }

  // x pass: contiguous rows, written as float32 distances.
  const sx2 = sx * sx;
  for (let y: i32 = 0; y < ny; y++) {
    const row = sl + (<usize>(y * nx) << 3);
    const out = zd + (<usize>(y * nx) << 2);
    const outIdx = zi + (<usize>(y * nx) << 2);
    const mm = envelope(row, nx, sx2);
    if (mm == 0) {
      for (let x: i32 = 0; x < nx; x++) store<f32>(out + (<usize>x << 2), Infinity);
      if (withIdx) for (let x: i32 = 0; x < nx; x++) store<i32>(outIdx + (<usize>x << 2), -1);
      continue;
    }
    let x: i32 = 0;
    for (let k: i32 = 0; k < mm; k++) {
      const p = load<i32>(V + (<usize>k << 2));
      const fp = load<f64>(row + (<usize>p << 3));
      const e = segmentEnd(k, nx);
      const pi = withIdx ? load<i32>(slIdx + (<usize>(y * nx + p) << 2)) : 0;
      for (; x <= e; x++) {
        const t = <f64>(x - p) * sx;
        store<f32>(out + (<usize>x << 2), <f32>Math.sqrt(t * t + fp));
        if (withIdx) store<i32>(outIdx + (<usize>x << 2), pi);
      }
    }
  }
}
