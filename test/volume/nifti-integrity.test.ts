/**
 * Regression tests of issue #14's reader faults: a corrupted .nii.gz (CRC-32/ISIZE), a header
 * claiming more than the stream can hold (refused from the header alone), non-finite or singular
 * geometry, and a scl_slope that makes voxels non-finite. Inputs are phantoms mutated in the test.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gunzipSync } from 'node:zlib';
import { gzipSync } from 'fflate';
import { decodeNifti, encodeNifti } from '../../src/volume/nifti.js';
import { crc32, MAX_INFLATE_RATIO } from '../../src/volume/nifti-gzip.js';
import { generatePhantom } from '../../src/data/phantom/generate.js';
import { Rng } from '../../src/data/random.js';

const phantom = generatePhantom({ cropSizeMm: [20, 24, 24] }, 5).image;
const PLAIN = encodeNifti(phantom);
const GZ = encodeNifti(phantom, { gzip: true });

function patched(bytes: Uint8Array, edit: (v: DataView) => void): Uint8Array {
  const copy = bytes.slice();
  edit(new DataView(copy.buffer, copy.byteOffset, copy.byteLength));
  return copy;
}

test('crc32 matches the check value of CRC-32/ISO-HDLC and zlib', () => {
  assert.equal(crc32(0, new TextEncoder().encode('123456789')), 0xcbf43926);
  // Incremental = one shot.
  const b = PLAIN.subarray(0, 1000);
  assert.equal(crc32(crc32(0, b.subarray(0, 333)), b.subarray(333)), crc32(0, b));
  const trailer = new DataView(GZ.buffer, GZ.byteOffset + GZ.length - 8, 8);
  assert.equal(trailer.getUint32(0, true), crc32(0, PLAIN));
  assert.equal(trailer.getUint32(4, true), PLAIN.length);
});

test('a flipped data byte in a stored gzip block is found by the CRC-32', () => {
  const stored = gzipSync(PLAIN, { level: 0, mtime: 0 });
  const bad = stored.slice();
  bad[stored.length - 500] ^= 0x10; // inside the voxels: inflates fine, to wrong data
  assert.throws(() => gunzipSync(bad), /incorrect data check|crc/i); // zlib agrees
  assert.throws(() => decodeNifti(bad, 'flip.nii.gz'), {
    message: /^flip\.nii\.gz: gzip CRC-32 is 0x[0-9a-f]{8}, the trailer says 0x[0-9a-f]{8}: the file is corrupt/,
  });
  assert.deepEqual(decodeNifti(stored, 'ok.nii.gz').data, phantom.data);
});

test('a wrong trailer (CRC or ISIZE) or a missing one is refused', () => {
  const crcFlip = patched(GZ, (v) => v.setUint8(GZ.length - 8, v.getUint8(GZ.length - 8) ^ 1));
  assert.throws(() => decodeNifti(crcFlip, 'c.nii.gz'), { message: /^c\.nii\.gz: gzip CRC-32 is/ });
  const sizeFlip = patched(GZ, (v) => v.setUint8(GZ.length - 4, v.getUint8(GZ.length - 4) ^ 1));
  assert.throws(() => decodeNifti(sizeFlip, 's.nii.gz'), {
    message: new RegExp(`^s\\.nii\\.gz: gzip ISIZE is \\d+, but the member inflates to ${PLAIN.length} bytes`),
  });
  assert.throws(() => decodeNifti(GZ.subarray(0, GZ.length - 8), 't.nii.gz'), { message: /^t\.nii\.gz: / });
});

test('two-bit flips in the compressed stream of a phantom: refused naming the file, or read exactly', () => {
  const rng = new Rng(1414);
  const rand = () => rng.next();
  let refused = 0;
  for (let k = 0; k < 40; k++) {
    const bad = GZ.slice();
    for (let f = 0; f < 2; f++) {
      const at = 10 + Math.floor(rand() * (GZ.length - 30)); // the deflate body
      bad[at] ^= 1 << Math.floor(rand() * 8);
    }
    try {
      const img = decodeNifti(bad, `m${k}.nii.gz`);
      assert.deepEqual(img.data, phantom.data, `mutant ${k} read, so its data must be the original`);
    } catch (e) {
      assert.ok(e instanceof Error);
      assert.match(e.message, new RegExp(`^m${k}\\.nii\\.gz: (gzip|corrupt gzip|truncated)`));
      refused++;
    }
  }
  assert.ok(refused >= 35, `${refused}/40 mutants refused`);
});

test('a multi-member gzip file is read and every member checked', () => {
  const cut = 5000;
  const a = gzipSync(PLAIN.subarray(0, cut)), b = gzipSync(PLAIN.subarray(cut));
  const both = new Uint8Array(a.length + b.length);
  both.set(a);
  both.set(b, a.length);
  assert.deepEqual(decodeNifti(both, 'two.nii.gz').data, phantom.data);
  both[a.length - 6] ^= 1; // member 1's CRC
  assert.throws(() => decodeNifti(both, 'two.nii.gz'), { message: /^two\.nii\.gz: gzip CRC-32 of member 1 is/ });
});

test('a size claim the gzip stream cannot hold is refused from the header, before inflating', () => {
  // The case, scaled down: 32767³ float32 voxels claimed over 8 MiB of zeros (8 KiB compressed).
  const header = patched(PLAIN.subarray(0, 352), (v) => [1, 2, 3].forEach((a) => v.setInt16(40 + 2 * a, 32767, true)));
  const body = new Uint8Array(352 + (8 << 20));
  body.set(header);
  const bomb = gzipSync(body, { level: 9 });
  // Damage the end of the deflate stream (not the trailer): a reader that inflated past the header
  // would meet it and fail with a gzip error instead of the size claim.
  const tail = bomb.length - 8;
  assert.throws(() => gunzipSync(bomb.map((v, i) => (i >= tail - 64 && i < tail ? v ^ 0xff : v))));
  for (let i = tail - 64; i < tail; i++) bomb[i] ^= 0xff;
  assert.throws(() => decodeNifti(bomb, 'bomb.nii.gz'), {
    message: new RegExp(
      `^bomb\\.nii\\.gz: dim = \\[32767×32767×32767\\] × 4 bytes \\(float32\\) at vox_offset 352 needs ${352 + 4 * 32767 ** 3} bytes, ` +
        `more than the ${bomb.length}-byte gzip stream can inflate to \\(at most ${bomb.length * MAX_INFLATE_RATIO}\\)`,
    ),
  });
});

const V1 = { srow: 280, quatern: 256, qoffset: 268, pixdim: 76, slope: 112, qcode: 252, scode: 254 };

const GEOMETRY: [string, (v: DataView) => void, RegExp][] = [
  ['NaN in srow_x', (v) => v.setFloat32(V1.srow + 4, NaN, true), /^g\.nii: srow_x\[1\] = NaN, expected a finite number \(sform_code = 1\)/],
  ['Inf in srow_z', (v) => v.setFloat32(V1.srow + 44, Infinity, true), /^g\.nii: srow_z\[3\] = Infinity, expected a finite number/],
  ['zero sform column', (v) => [0, 4, 8].forEach((o) => v.setFloat32(V1.srow + o, 0, true)), /^g\.nii: the sform affine \[.*\] \(from srow_x\/y\/z\) is singular/],
  [
    'NaN quatern (qform only)',
    (v) => { v.setInt16(V1.scode, 0, true); v.setFloat32(V1.quatern + 4, NaN, true); },
    /^g\.nii: quatern_c = NaN, expected a finite number \(qform_code = 1, sform_code = 0\)/,
  ],
  [
    'Inf qoffset (qform only)',
    (v) => { v.setInt16(V1.scode, 0, true); v.setFloat32(V1.qoffset, -Infinity, true); },
    /^g\.nii: qoffset_x = -Infinity, expected a finite number/,
  ],
  [
    'zero pixdim (qform only)',
    (v) => { v.setInt16(V1.scode, 0, true); v.setFloat32(V1.pixdim + 8, 0, true); },
    /^g\.nii: pixdim\[2\] = 0, expected a finite voxel size > 0 \(qform_code = 1, sform_code = 0\)/,
  ],
  [
    'zero pixdim (no sform, no qform)',
    (v) => { v.setInt16(V1.scode, 0, true); v.setInt16(V1.qcode, 0, true); v.setFloat32(V1.pixdim + 12, 0, true); },
    /^g\.nii: pixdim\[3\] = 0, expected a finite, non-zero voxel size \(no sform or qform/,
  ],
  [
    'NaN pixdim (no sform, no qform)',
    (v) => { v.setInt16(V1.scode, 0, true); v.setInt16(V1.qcode, 0, true); v.setFloat32(V1.pixdim + 4, NaN, true); },
    /^g\.nii: pixdim\[1\] = NaN/,
  ],
  ['scl_slope 3.4e38', (v) => v.setFloat32(V1.slope, 3.4e38, true), /^g\.nii: scl_slope = 3\.\d+e\+38, scl_inter = 0 make voxel \d+ \(stored [\d.e+-]+\) Infinity as float32; expected a scaling that keeps voxels finite/],
];

for (const [what, edit, message] of GEOMETRY) {
  test(`geometry refused: ${what}`, () => {
    const bad = patched(PLAIN, edit);
    assert.throws(() => decodeNifti(bad, 'g.nii'), { message });
  });
}

test('what the chosen geometry does not use is not checked (as nibabel)', () => {
  // With an sform, a NaN quatern or a zero pixdim does not define the affine.
  const img = decodeNifti(patched(PLAIN, (v) => { v.setFloat32(V1.quatern, NaN, true); v.setFloat32(V1.pixdim + 4, 0, true); }), 'ok.nii');
  assert.deepEqual(img.affine.map((x) => Math.fround(x)), phantom.affine.map((x) => Math.fround(x)));
  assert.ok(img.spacing.every((s) => Number.isFinite(s) && s > 0));
});
