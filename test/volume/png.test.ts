import { test } from 'node:test';
import assert from 'node:assert/strict';
import { unzlibSync } from 'fflate';
import { crc32, encodePng } from '../../src/volume/png.js';

test('crc32 check value', () => {
  assert.equal(crc32(new TextEncoder().encode('123456789')), 0xcbf43926);
});

function chunks(png: Uint8Array): { type: string; data: Uint8Array; crcOk: boolean }[] {
  const v = new DataView(png.buffer, png.byteOffset);
  const out = [];
  let o = 8;
  while (o < png.length) {
    const len = v.getUint32(o);
    const type = String.fromCharCode(...png.subarray(o + 4, o + 8));
    const data = png.subarray(o + 8, o + 8 + len);
    const crcOk = v.getUint32(o + 8 + len) === crc32(png.subarray(o + 4, o + 8 + len));
    out.push({ type, data, crcOk });
    o += 12 + len;
  }
  return out;
}

test('encodePng: signature, IHDR, valid CRCs, pixels round-trip through the Up filter', () => {
  const w = 5;
  const h = 4;
  const rgb = Uint8Array.from({ length: w * h * 3 }, (_, i) => (i * 37) & 0xff);
  const png = encodePng(w, h, rgb);
  assert.deepEqual([...png.subarray(0, 8)], [137, 80, 78, 71, 13, 10, 26, 10]);
  const cs = chunks(png);
  assert.deepEqual(cs.map((c) => c.type), ['IHDR', 'IDAT', 'IEND']);
  assert.ok(cs.every((c) => c.crcOk));
  const ihdr = new DataView(cs[0].data.buffer, cs[0].data.byteOffset);
  assert.equal(ihdr.getUint32(0), w);
  assert.equal(ihdr.getUint32(4), h);
  assert.deepEqual([...cs[0].data.subarray(8)], [8, 2, 0, 0, 0]);
  const raw = unzlibSync(cs[1].data);
  assert.equal(raw.length, h * (w * 3 + 1));
  const back = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) {
    assert.equal(raw[y * (w * 3 + 1)], 2);
    for (let x = 0; x < w * 3; x++) {
      const up = y > 0 ? back[(y - 1) * w * 3 + x] : 0;
      back[y * w * 3 + x] = (raw[y * (w * 3 + 1) + 1 + x] + up) & 0xff;
    }
  }
  assert.deepEqual(back, rgb);
});

test('encodePng rejects a buffer of the wrong size', () => {
  assert.throws(() => encodePng(2, 2, new Uint8Array(5)), /expected 12 bytes/);
  assert.throws(() => encodePng(0, 2, new Uint8Array(0)), /positive integers/);
});
