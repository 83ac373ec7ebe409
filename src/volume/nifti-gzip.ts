/**
 * Bytes of a possibly gzip-compressed buffer, inflated only as far as asked: a NIfTI reader asks
 * for the header first, then for exactly as many bytes as the header says the file holds, so a
 * header that claims gigabytes cannot make it allocate more than the stream really inflates to.
 * Pure (fflate), browser-safe.
 */
import { Gunzip } from 'fflate';

/** Gzip magic bytes 0x1f 0x8b (RFC 1952). */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/** Compressed bytes fed to the inflater per step: at most ~1032× this is inflated past the need. */
const STEP = 1 << 16;

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
        this.chunks.push(chunk);
        this.length += chunk.length;
      });
    }
  }

  /**
   * Inflates until at least `n` bytes are available or the stream ends; returns how many bytes
   * are available (which may be fewer than `n` for a short file).
   * @throws Error naming the file if the gzip stream is corrupt.
   */
  ensure(n: number): number {
    while (this.length < n && !this.ended && this.gunzip) {
      const end = Math.min(this.input.length, this.inputPos + STEP);
      const final = end === this.input.length;
      try {
        this.gunzip.push(this.input.subarray(this.inputPos, end), final);
      } catch (e) {
        throw new Error(
          `${this.name}: corrupt gzip stream (${(e as Error).message}); expected a valid .nii.gz`,
        );
      }
      this.inputPos = end;
      this.ended = final;
      this.joined = null;
    }
    return this.length;
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
