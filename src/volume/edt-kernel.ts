/**
 * Driver of the WebAssembly EDT kernels (`wasm/edt-kernel.ts`, compiled by `scripts/build-wasm.mjs`
 * into `edt-kernel.generated.ts`). A kernel instance has its own linear memory, a few MB: the
 * driver copies a block of z columns or one slice of the caller's arrays in, runs the kernel and
 * copies the result back, so the caller's arrays may be plain or shared memory and any size.
 * One instance per thread (WebAssembly instances are not shared); browser-safe.
 * @internal Used by `edt.ts` and the workers of `edt-parallel.ts`.
 */
import { EDT_KERNEL_WASM } from './edt-kernel.generated.js';
import type { Vec3 } from './volume.js';

/** The part of the WebAssembly JS API used here (not in TypeScript's ES libs; present in Node and browsers). */
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: unknown };
}
const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

interface KernelExports {
  memory: WasmMemory;
  heapBase(): number;
  zForward(
    mask: number,
    prev: number,
    cur: number,
    prevIdx: number,
    curIdx: number,
    n: number,
    base: number,
    withIdx: number,
  ): void;
  zBackward(
    mask: number,
    above: number,
    aboveIdx: number,
    d: number,
    dIdx: number,
    n: number,
    base: number,
    withIdx: number,
  ): void;
  sliceScratchBytes(ny: number, nx: number): number;
  slice(
    zd: number,
    zi: number,
    ny: number,
    nx: number,
    sz: number,
    sy: number,
    sx: number,
    withIdx: number,
    scratch: number,
  ): void;
}

/**
 * Bytes of kernel memory a block of z columns may use: the z sweep keeps a whole block (mask and
 * forward counts, all slices) in the kernel's memory, so each voxel is copied in once and out once.
 */
const Z_BLOCK_BYTES = 2 << 20;

let compiled: object | null = null;

function decodeBase64(b64: string): Uint8Array {
  const s = atob(b64);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

const align16 = (n: number): number => (n + 15) & ~15;

/**
 * One instance of the EDT kernels with its own memory, which grows to the largest slice or block
 * asked for and is kept for the next call.
 * @internal
 */
export class EdtKernel {
  private readonly k: KernelExports;
  private u8 = new Uint8Array(0);
  private f32 = new Float32Array(0);
  private i32 = new Int32Array(0);

  constructor() {
    compiled ??= new wasm.Module(decodeBase64(EDT_KERNEL_WASM));
    const instance = new wasm.Instance(compiled, {
      env: {
        abort: () => {
          throw new Error('edt: WebAssembly kernel aborted');
        },
      },
    });
    this.k = instance.exports as unknown as KernelExports;
  }

  /** Grows the memory to at least `bytes` and refreshes the views. */
  private reserve(bytes: number): void {
    const mem = this.k.memory;
    if (mem.buffer.byteLength < bytes) mem.grow(Math.ceil((bytes - mem.buffer.byteLength) / 65536));
    if (this.u8.buffer !== mem.buffer || this.u8.length === 0) {
      this.u8 = new Uint8Array(mem.buffer);
      this.f32 = new Float32Array(mem.buffer);
      this.i32 = new Int32Array(mem.buffer);
    }
  }

  /**
   * Pass 1 (z) for in-slice positions `[i0, i1)`: writes into `dist` the number of slices to the
   * nearest set voxel in each voxel's z column (+Infinity if none) and into `idx` its flat index
   * (-1). Reads `mask` and writes `dist`/`idx` only at these positions, so ranges may run
   * concurrently on shared memory.
   */
  zColumns(
    mask: Uint8Array,
    dist: Float32Array,
    idx: Int32Array | null,
    shape: Vec3,
    i0: number,
    i1: number,
  ): void {
    const [nz, ny, nx] = shape;
    const yx = ny * nx;
    const k = this.k;
    const perVoxel = idx ? 9 : 5; // mask byte + float32 count (+ int32 index)
    const width = Math.min(i1 - i0, Math.max(256, Math.floor(Z_BLOCK_BYTES / (nz * perVoxel)) & ~15));
    const rowF = 4 * width;
    // Layout: one row of +Infinity (and -1), then per slice a mask row, a count row (and an index row).
    const inf = align16(k.heapBase());
    const infIdx = inf + rowF;
    const maskAt = (z: number) => infIdx + rowF + z * align16(width);
    const distAt = (z: number) => maskAt(nz) + z * rowF;
    const idxAt = (z: number) => distAt(nz) + z * rowF;
    const above = idx ? idxAt(nz) : distAt(nz);
    const aboveIdx = above + rowF;
    this.reserve(aboveIdx + rowF);
    const { u8, f32, i32 } = this;
    const withIdx = idx ? 1 : 0;
    f32.fill(Infinity, inf >> 2, (inf >> 2) + width);
    i32.fill(-1, infIdx >> 2, (infIdx >> 2) + width);
    for (let c0 = i0; c0 < i1; c0 += width) {
      const n = Math.min(width, i1 - c0);
      for (let z = 0; z < nz; z++) {
        const j = z * yx + c0;
        u8.set(mask.subarray(j, j + n), maskAt(z));
        const prev = z === 0 ? inf : distAt(z - 1);
        const prevIdx = z === 0 ? infIdx : idxAt(z - 1);
        k.zForward(maskAt(z), prev, distAt(z), prevIdx, idx ? idxAt(z) : 0, n, j, withIdx);
      }
      f32.fill(Infinity, above >> 2, (above >> 2) + n);
      i32.fill(-1, aboveIdx >> 2, (aboveIdx >> 2) + n);
      for (let z = nz - 1; z >= 0; z--) {
        const j = z * yx + c0;
        k.zBackward(maskAt(z), above, aboveIdx, distAt(z), idx ? idxAt(z) : 0, n, j, withIdx);
        dist.set(f32.subarray(distAt(z) >> 2, (distAt(z) >> 2) + n), j);
        if (idx) idx.set(i32.subarray(idxAt(z) >> 2, (idxAt(z) >> 2) + n), j);
      }
    }
  }

  /**
   * Passes 2 (y) and 3 (x) for slices `[z0, z1)`, in place: the z counts and indices left by
   * {@link EdtKernel.zColumns} become distances in mm and nearest-voxel indices. Reads and writes
   * only these slices, so ranges may run concurrently on shared memory.
   */
  slices(
    dist: Float32Array,
    idx: Int32Array | null,
    shape: Vec3,
    spacing: Vec3,
    z0: number,
    z1: number,
  ): void {
    const [, ny, nx] = shape;
    const [sz, sy, sx] = spacing;
    const yx = ny * nx;
    const k = this.k;
    const zd = align16(k.heapBase());
    const zi = zd + align16(4 * yx);
    const scratch = zi + (idx ? align16(4 * yx) : 0);
    this.reserve(scratch + k.sliceScratchBytes(ny, nx));
    const { f32, i32 } = this;
    const withIdx = idx ? 1 : 0;
    for (let z = z0; z < z1; z++) {
      const j = z * yx;
      f32.set(dist.subarray(j, j + yx), zd >> 2);
      if (idx) i32.set(idx.subarray(j, j + yx), zi >> 2);
      k.slice(zd, zi, ny, nx, sz, sy, sx, withIdx, scratch);
      dist.set(f32.subarray(zd >> 2, (zd >> 2) + yx), j);
      if (idx) idx.set(i32.subarray(zi >> 2, (zi >> 2) + yx), j);
    }
  }
}

let shared: EdtKernel | null = null;

/**
 * The kernel instance of this thread, created on first use.
 * @internal
 */
export function edtKernel(): EdtKernel {
  shared ??= new EdtKernel();
  return shared;
}
