// A PNG reader for the browser tests' screenshots: 8-bit RGB or RGBA, non-interlaced, every
// filter type (None, Sub, Up, Average, Paeth) — what Chromium writes.
import assert from 'node:assert/strict';
import { unzlibSync } from 'fflate';

/** Decoded pixels, RGBA. */
export interface Rgba {
  width: number;
  height: number;
  data: Uint8Array;
}

/** Decodes PNG bytes to RGBA. */
export function readPng(bytes: Uint8Array): Rgba {
  assert.deepEqual([...bytes.subarray(0, 8)], [137, 80, 78, 71, 13, 10, 26, 10], 'PNG signature');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let width = 0;
  let height = 0;
  let channels = 0;
  const idat: Uint8Array[] = [];
  for (let o = 8; o < bytes.length; ) {
    const len = view.getUint32(o);
    const type = String.fromCharCode(...bytes.subarray(o + 4, o + 8));
    if (type === 'IHDR') {
      [width, height] = [view.getUint32(o + 8), view.getUint32(o + 12)];
      assert.equal(bytes[o + 16], 8, '8-bit');
      channels = { 2: 3, 6: 4 }[bytes[o + 17]] ?? 0;
      assert.ok(channels > 0 && bytes[o + 20] === 0, 'RGB or RGBA, not interlaced');
    }
    if (type === 'IDAT') idat.push(bytes.subarray(o + 8, o + 8 + len));
    o += 12 + len;
  }
  const raw = unzlibSync(Buffer.concat(idat));
  const stride = width * channels;
  const out = new Uint8Array(stride * height);
  for (let y = 0; y < height; y++) {
    const f = raw[y * (stride + 1)];
    for (let x = 0; x < stride; x++) {
      const r = raw[y * (stride + 1) + 1 + x];
      const a = x >= channels ? out[y * stride + x - channels] : 0;
      const b = y > 0 ? out[(y - 1) * stride + x] : 0;
      const c = x >= channels && y > 0 ? out[(y - 1) * stride + x - channels] : 0;
      const p = a + b - c;
      const [pa, pb, pc] = [Math.abs(p - a), Math.abs(p - b), Math.abs(p - c)];
      const paeth = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      out[y * stride + x] = (r + [0, a, b, (a + b) >> 1, paeth][f]) & 0xff;
    }
  }
  const data = new Uint8Array(width * height * 4);
  for (let i = 0; i < width * height; i++) {
    for (let k = 0; k < 3; k++) data[4 * i + k] = out[channels * i + k];
    data[4 * i + 3] = channels === 4 ? out[4 * i + 3] : 255;
  }
  return { width, height, data };
}
