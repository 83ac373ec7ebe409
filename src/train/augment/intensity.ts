/**
 * Intensity augmentations of one image channel, after batchgeneratorsv2 (the transforms of
 * nnU-Net v2's `get_training_transforms`). Each works in place on a `[z, y, x]` float32 channel
 * (x fastest); statistics are accumulated in float64. Which channel and with what probability is
 * decided by `pipeline.ts`; these functions only apply a drawn parameter.
 */
import type { Rng } from '../../data/random.js';
import type { Vec3 } from '../../volume/volume.js';

/**
 * batchgeneratorsv2's `BGContrast` sampling of a factor in `[lo, hi]`: with probability ½ (when
 * `lo < 1`) uniform in `[lo, 1)`, otherwise uniform in `[max(lo, 1), hi)`, so that darkening and
 * brightening are equally likely whatever the asymmetry of the range.
 */
export function bgContrastFactor(rng: Rng, [lo, hi]: readonly [number, number]): number {
  if (rng.next() < 0.5 && lo < 1) return rng.uniform(lo, 1);
  return rng.uniform(Math.max(lo, 1), hi);
}

/** Mean and unbiased standard deviation (like `torch.std`) of `ch`. */
function meanStd(ch: Float32Array): { mean: number; std: number } {
  let sum = 0;
  for (let i = 0; i < ch.length; i++) sum += ch[i];
  const mean = sum / ch.length;
  let ss = 0;
  for (let i = 0; i < ch.length; i++) ss += (ch[i] - mean) * (ch[i] - mean);
  return { mean, std: ch.length > 1 ? Math.sqrt(ss / (ch.length - 1)) : 0 };
}

function minMax(ch: Float32Array): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < ch.length; i++) {
    if (ch[i] < lo) lo = ch[i];
    if (ch[i] > hi) hi = ch[i];
  }
  return [lo, hi];
}

/**
 * Adds zero-mean Gaussian noise of standard deviation `sigma` (nnU-Net draws `sigma` from its
 * `noise_variance` range (0, 0.1) and uses it as the standard deviation of `np.random.normal`).
 */
export function addGaussianNoise(ch: Float32Array, sigma: number, rng: Rng): void {
  const noise = new Float32Array(ch.length);
  rng.fillNormal(noise);
  for (let i = 0; i < ch.length; i++) ch[i] += sigma * noise[i];
}

/**
 * batchgeneratorsv2's 1D Gaussian kernel: `ksize` = the odd integer nearest to `6σ + 0.5`
 * (truncation at 6σ, as its `blur_dimension`), samples of `exp(−x²/2σ²)` at
 * `x = −(ksize−1)/2 … (ksize−1)/2`, normalised to sum 1.
 */
export function gaussianKernel(sigma: number): Float64Array {
  const n = sigma * 6 + 0.5;
  let r = Math.round(n);
  if (Math.abs(n % 1) === 0.5 && r % 2 !== 0) r -= 1; // Python's round: ties to even
  const ksize = r % 2 === 1 ? r : n - r >= 0 ? r + 1 : r - 1;
  const half = (ksize - 1) / 2;
  const k = new Float64Array(ksize);
  let sum = 0;
  for (let i = 0; i < ksize; i++) {
    const x = i - half;
    k[i] = Math.exp(-0.5 * (x / sigma) ** 2);
    sum += k[i];
  }
  for (let i = 0; i < ksize; i++) k[i] /= sum;
  return k;
}

/** Reflection without repeating the edge (torch's `'reflect'` padding: … 2 1 | 0 1 2 … n−1 | n−2 …). */
function reflectIndex(i: number, n: number): number {
  if (n === 1) return 0;
  const period = 2 * (n - 1);
  const j = ((i % period) + period) % period;
  return j < n ? j : period - j;
}

/**
 * Convolves `ch` along `axis` (0 z, 1 y, 2 x) with `kernel`, reflect-padded, in place. Along z
 * and y whole x-rows are accumulated at once (contiguous memory); along x one padded line at a time.
 */
function convolveAxis(ch: Float32Array, shape: Vec3, axis: number, kernel: Float64Array): void {
  const n = shape[axis];
  const inner = shape.slice(axis + 1).reduce((p, s) => p * s, 1);
  const outer = shape.slice(0, axis).reduce((p, s) => p * s, 1);
  const r = (kernel.length - 1) / 2;
  if (inner === 1) {
    const line = new Float64Array(n + 2 * r);
    for (let p = 0; p < outer; p++) {
      const base = p * n;
      for (let k = -r; k < n + r; k++) line[k + r] = ch[base + (k >= 0 && k < n ? k : reflectIndex(k, n))];
      for (let o = 0; o < n; o++) {
        let s = 0;
        for (let j = 0; j < kernel.length; j++) s += kernel[j] * line[o + j];
        ch[base + o] = s;
      }
    }
    return;
  }
  const slab = new Float32Array(n * inner);
  const acc = new Float64Array(inner);
  for (let p = 0; p < outer; p++) {
    const base = p * n * inner;
    slab.set(ch.subarray(base, base + n * inner));
    for (let o = 0; o < n; o++) {
      acc.fill(0);
      for (let j = 0; j < kernel.length; j++) {
        const row = reflectIndex(o + j - r, n) * inner;
        const w = kernel[j];
        for (let t = 0; t < inner; t++) acc[t] += w * slab[row + t];
      }
      ch.set(acc, base + o * inner);
    }
  }
}

/** Separable Gaussian blur with per-axis `sigmas` (voxels, `[z, y, x]`), reflect-padded, in place. */
export function gaussianBlur(ch: Float32Array, shape: Vec3, sigmas: Vec3): void {
  for (let a = 0; a < 3; a++) convolveAxis(ch, shape, a, gaussianKernel(sigmas[a]));
}

/** Multiplies every voxel by `factor` (nnU-Net's `MultiplicativeBrightnessTransform`). */
export function multiplyBrightness(ch: Float32Array, factor: number): void {
  for (let i = 0; i < ch.length; i++) ch[i] *= factor;
}

/**
 * Scales the deviation from the channel mean by `factor`; with `preserveRange` the result is
 * clipped to the channel's original [min, max] (nnU-Net's `ContrastTransform(preserve_range=True)`).
 */
export function adjustContrast(ch: Float32Array, factor: number, preserveRange = true): void {
  const [lo, hi] = minMax(ch);
  const { mean } = meanStd(ch);
  for (let i = 0; i < ch.length; i++) {
    const v = (ch[i] - mean) * factor + mean;
    ch[i] = preserveRange ? Math.min(hi, Math.max(lo, v)) : v;
  }
}

/**
 * nnU-Net's `GammaTransform`: maps the channel to [0, 1] by its range, raises it to `gamma`,
 * maps back; `invert` does this on the negated image; `retainStats` restores the original mean
 * and (unbiased) standard deviation afterwards.
 */
export function gammaTransform(ch: Float32Array, gamma: number, invert: boolean, retainStats = true): void {
  const sign = invert ? -1 : 1;
  if (invert) for (let i = 0; i < ch.length; i++) ch[i] = -ch[i];
  const before = retainStats ? meanStd(ch) : null;
  const [lo, hi] = minMax(ch);
  const range = hi - lo;
  const denom = Math.max(range, 1e-7);
  // v^γ as exp(γ·ln v) (faster than Math.pow in V8; v = 0 gives exp(−∞) = 0).
  for (let i = 0; i < ch.length; i++) ch[i] = Math.exp(gamma * Math.log((ch[i] - lo) / denom)) * range + lo;
  if (before) {
    const after = meanStd(ch);
    const k = before.std / Math.max(after.std, 1e-7);
    for (let i = 0; i < ch.length; i++) ch[i] = (ch[i] - after.mean) * k + before.mean;
  }
  if (invert) for (let i = 0; i < ch.length; i++) ch[i] *= sign;
}
