/**
 * Bytes of a possibly gzip-compressed buffer, inflated only as far as asked: a NIfTI reader asks
 * for the header first, then for exactly as many bytes as the header says the file holds, so a
 * header that claims gigabytes cannot make it allocate more than the stream really inflates to.
 * Every member's CRC-32 and ISIZE trailer (RFC 1952 §2.3.1) is checked by {@link LazyBytes.verify},
 * which inflates the rest of the stream without keeping it. Pure (fflate), browser-safe.
 */
import { Gunzip } from 'fflate';

/** Gzip magic bytes 0x1f 0x8b (RFC 1952). */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/**
 * Compressed bytes fed to the inflater per step: at most ~1 MiB (1032×) is inflated past the need.
 * Small steps are also faster with fflate when the data compress well (64 MiB of zeros inflate
 * ~4× faster in 1 KiB steps than in 64 KiB ones).
 */
const STEP = 1 << 10;

/**
 * The most bytes deflate can inflate one compressed byte to (RFC 1951: a 258-byte match per
 * 2-bit code, 1032:1). A gzip stream of M bytes never inflates to more than `MAX_RATIO · M`.
 */
export const MAX_INFLATE_RATIO = 1032;

/** Slicing-by-8 tables of the reflected CRC-32 polynomial 0xedb88320 (T[k][n] = CRC of n then k zero bytes). */
const CRC_TABLES = (() => {
  const t = new Int32Array(8 * 256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c;
  }
  for (let n = 0; n < 256; n++) {
    for (let k = 1; k < 8; k++) t[k * 256 + n] = t[(k - 1) * 256 + n] >>> 8 ^ t[t[(k - 1) * 256 + n] & 0xff];
  }
  return t;
})();

/**
 * Updates a CRC-32 (ISO-HDLC, as gzip and zlib's `crc32`) with `bytes`. Start from 0. Eight bytes
 * per step (slicing-by-8).
 * @example crc32(0, new TextEncoder().encode('123456789')) // 0xcbf43926
 */
export function crc32(crc: number, bytes: Uint8Array): number {
  const t = CRC_TABLES;
  let c = ~crc;
  let i = 0;
  const n8 = bytes.length - (bytes.length % 8);
  for (; i < n8; i += 8) {
    const lo = c ^ (bytes[i] | (bytes[i + 1] << 8) | (bytes[i + 2] << 16) | (bytes[i + 3] << 24));
    const hi = bytes[i + 4] | (bytes[i + 5] << 8) | (bytes[i + 6] << 16) | (bytes[i + 7] << 24);
    c =
      t[1792 + (lo & 0xff)] ^ t[1536 + ((lo >>> 8) & 0xff)] ^ t[1280 + ((lo >>> 16) & 0xff)] ^ t[1024 + (lo >>> 24)] ^
      t[768 + (hi & 0xff)] ^ t[512 + ((hi >>> 8) & 0xff)] ^ t[256 + ((hi >>> 16) & 0xff)] ^ t[hi >>> 24];
  }
  for (; i < bytes.length; i++) c = t[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return ~c >>> 0;
}

/** A byte buffer that grows on demand (inflating lazily when the input is gzip). */
export class LazyBytes {
  /** Whether the input was gzip-compressed. */
  readonly gzipped: boolean;
  private chunks: Uint8Array[] = [];
  private length = 0;
  private joined: Uint8Array | null = null;
  private inputPos = 0;
  private ended = false;
  private readonly gunzip: Gunzip | null = null;
  /** Once set, inflated chunks are checked and counted but not kept. */
  private discard = false;
  /** CRC-32 and size of the current member's output so far. */
  private crc = 0;
  private memberSize = 0;
  private members = 0;

  constructor(
    private readonly input: Uint8Array,
    private readonly name: string,
  ) {
    this.gzipped = isGzip(input);
    if (!this.gzipped) {
      this.joined = input;
      this.length = input.length;
      this.ended = true;
    } else {
      this.gunzip = new Gunzip((chunk) => {
        this.crc = crc32(this.crc, chunk);
        this.memberSize += chunk.length;
        if (this.discard) return;
        this.chunks.push(chunk);
        this.length += chunk.length;
      });
      // Called when the next member's header is parsed, before any of its data.
      this.gunzip.onmember = (offset) => {
        this.checkTrailer(offset - 8, false);
        this.checkFlags(offset);
      };
      this.checkFlags(0);
    }
  }

  /** The most bytes the whole input can hold once inflated (its length when not gzip). */
  get maxLength(): number {
    return this.gzipped ? this.input.length * MAX_INFLATE_RATIO : this.input.length;
  }

  /** RFC 1952 §2.3.1.2: a decompressor must refuse reserved FLG bits (zlib does; fflate does not look). */
  private checkFlags(at: number): void {
    const flg = this.input[at + 3];
    if (flg !== undefined && (flg & 0xe0) !== 0) {
      throw new Error(
        `${this.name}: gzip header flags 0x${flg.toString(16)} at byte ${at + 3} set reserved bits; ` +
          'the file is corrupt; expected a valid .nii.gz (RFC 1952)',
      );
    }
  }

  private checkTrailer(at: number, last: boolean): void {
    this.members++;
    const where = last && this.members === 1 ? '' : ` of member ${this.members}`;
    if (at < 0 || at + 8 > this.input.length) {
      throw new Error(`${this.name}: truncated gzip stream: the CRC-32/ISIZE trailer${where} is missing; expected a complete .nii.gz`);
    }
    const t = this.input;
    const stored = (t[at] | (t[at + 1] << 8) | (t[at + 2] << 16) | (t[at + 3] << 24)) >>> 0;
    const isize = (t[at + 4] | (t[at + 5] << 8) | (t[at + 6] << 16) | (t[at + 7] << 24)) >>> 0;
    if (stored !== this.crc) {
      throw new Error(
        `${this.name}: gzip CRC-32${where} is ${hex(this.crc)}, the trailer says ${hex(stored)}: ` +
          'the file is corrupt; expected an intact .nii.gz',
      );
    }
    if (isize !== this.memberSize % 2 ** 32) {
      throw new Error(
        `${this.name}: gzip ISIZE${where} is ${isize}, but the member inflates to ${this.memberSize} bytes: ` +
          'the file is corrupt; expected an intact .nii.gz',
      );
    }
    this.crc = 0;
    this.memberSize = 0;
  }

  private step(): void {
    const end = Math.min(this.input.length, this.inputPos + STEP);
    const final = end === this.input.length;
    try {
      this.gunzip!.push(this.input.subarray(this.inputPos, end), final);
    } catch (e) {
      const msg = (e as Error).message;
      if (msg.startsWith(this.name + ':')) throw e;
      throw new Error(`${this.name}: corrupt gzip stream (${msg}); expected a valid .nii.gz`);
    }
    this.inputPos = end;
    this.ended = final;
    this.joined = null;
  }

  /**
   * Inflates until at least `n` bytes are available or the stream ends; returns how many bytes
   * are available (which may be fewer than `n` for a short file).
   * @throws Error naming the file if the gzip stream is corrupt.
   */
  ensure(n: number): number {
    while (this.length < n && !this.ended && this.gunzip) this.step();
    return this.length;
  }

  /**
   * Inflates the rest of the stream without keeping it and checks the CRC-32 and ISIZE of every
   * member (nothing to check for an uncompressed input).
   * @throws Error naming the file if the stream is corrupt, truncated, or a trailer disagrees.
   */
  verify(): void {
    if (!this.gunzip) return;
    this.discard = true;
    while (!this.ended) this.step();
    this.checkTrailer(this.input.length - 8, true);
  }

  /** The bytes available so far, as one contiguous array. */
  bytes(): Uint8Array {
    if (this.joined) return this.joined;
    const out = new Uint8Array(this.length);
    let off = 0;
    for (const c of this.chunks) {
      out.set(c, off);
      off += c.length;
    }
    this.chunks = [out];
    this.joined = out;
    return out;
  }
}

function hex(n: number): string {
  return '0x' + n.toString(16).padStart(8, '0');
}
