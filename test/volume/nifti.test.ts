import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { spawnSync } from 'node:child_process';
import { gzipSync } from 'fflate';
import { decodeNifti, encodeNifti, pixdimMismatch, type NiftiWriteDatatype } from '../../src/volume/nifti.js';
import { readNifti, writeNifti } from '../../src/volume/nifti-file.js';
import type { Mat4, Vec3, Volume, VoxelArray } from '../../src/volume/volume.js';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'nifti');

interface Expected {
  shape: number[];
  affine: number[];
  zooms: number[];
  dtype: string;
  values: number[];
}

function assertClose(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  tol: number,
  what: string,
): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < expected.length; i++) {
    const diff = Math.abs(actual[i] - expected[i]);
    assert.ok(
      diff <= tol * Math.max(1, Math.abs(expected[i])),
      `${what}[${i}]: ${actual[i]} vs ${expected[i]}`,
    );
  }
}

/** An oblique, left-handed affine with anisotropic voxels (rotation about two axes). */
const OBLIQUE: Mat4 = (() => {
  const [a, b] = [0.3, -0.2];
  const r = [
    [Math.cos(a), -Math.sin(a), 0],
    [Math.sin(a), Math.cos(a), 0],
    [0, 0, 1],
  ];
  const r2 = [
    [1, 0, 0],
    [0, Math.cos(b), -Math.sin(b)],
    [0, Math.sin(b), Math.cos(b)],
  ];
  const zooms = [0.5, 0.75, -3]; // negative: flips handedness (qfac = -1)
  const m: number[] = [];
  for (let i = 0; i < 3; i++) {
    for (let j = 0; j < 3; j++) {
      let s = 0;
      for (let k = 0; k < 3; k++) s += r[i][k] * r2[k][j];
      m.push(s * zooms[j]);
    }
    m.push([-12.5, 30, 7.25][i]);
  }
  return [...m, 0, 0, 0, 1];
})();

function makeVolume(data: VoxelArray, shape: Vec3 = [2, 3, 4], channels?: number): Volume {
  return { data, shape, spacing: [3, 0.75, 0.5], affine: OBLIQUE, channels };
}

/** Header bytes of an encoded file, patched by `edit(view)`. */
function patched(bytes: Uint8Array, edit: (v: DataView) => void): Uint8Array {
  const copy = bytes.slice();
  edit(new DataView(copy.buffer));
  return copy;
}

const BASE = encodeNifti(makeVolume(new Int16Array(24).map((_, i) => i - 5)));

test('reads every nibabel fixture as nibabel does', () => {
  const expected = JSON.parse(readFileSync(join(FIXTURES, 'expected.json'), 'utf8')) as {
    nibabel: string;
    files: Record<string, Expected>;
  };
  assert.match(expected.nibabel, /^\d+\.\d+/);
  const names = Object.keys(expected.files);
  assert.equal(names.length, 9);
  for (const name of names) {
    const e = expected.files[name];
    const img = decodeNifti(readFileSync(join(FIXTURES, name)), name, { channels: 'allow' });
    const [x, y = 1, z = 1, t = 1] = e.shape;
    assert.deepEqual(img.shape, [z, y, x], `${name}: shape`);
    assert.equal(img.channels ?? 1, t, `${name}: channels`);
    assertClose(img.affine, e.affine, 1e-9, `${name}: affine`);
    // Spacing is the voxel size of nibabel's affine (nibabel.affines.voxel_sizes), not get_zooms.
    const a = e.affine;
    const sizes = [2, 1, 0].map((c) => Math.hypot(a[c], a[4 + c], a[8 + c]));
    assertClose(img.spacing, sizes, 1e-9, `${name}: spacing`);
    const zooms = [...e.zooms.slice(0, 3)].reverse();
    assertClose(img.header.pixdimSpacing.slice(3 - zooms.length), zooms, 1e-9, `${name}: pixdim spacing`);
    assertClose(img.data, e.values, 1e-12, `${name}: values`);
    if (img.header.scaled) assert.ok(img.data instanceof Float32Array, `${name}: scaled data is float32`);
    else assert.equal(img.header.datatypeName, e.dtype, `${name}: dtype`);
  }
});

test('fixture details: qfac, scaling, big-endian, NIfTI-2, gzip, pixdim fallback', () => {
  const read = (name: string) => decodeNifti(readFileSync(join(FIXTURES, name)), name, { channels: 'allow' });
  const q = read('qform_qfac.nii');
  assert.equal(q.header.affineSource, 'qform');
  assert.equal(q.header.pixdim[0], -1);
  assert.equal(read('scaled_int16.nii').header.scaled, true);
  assert.equal(read('big_endian.nii').header.littleEndian, false);
  assert.ok(read('big_endian.nii').data instanceof Int16Array);
  const v2 = read('nifti2_f64.nii');
  assert.equal(v2.header.version, 2);
  assert.ok(v2.data instanceof Float64Array);
  assert.equal(read('gz_float32.nii.gz').header.gzipped, true);
  assert.equal(read('pixdim_only.nii').header.affineSource, 'pixdim');
  const twoD = read('two_d_v2_be.nii.gz');
  assert.deepEqual([twoD.shape[0], twoD.header.version, twoD.header.littleEndian], [1, 2, false]);
  assert.throws(() => decodeNifti(readFileSync(join(FIXTURES, 'four_d.nii')), 'four_d.nii'), {
    message: /four_d\.nii: the file is 4D with 3 volumes \(dim\[4\] = 3\); expected one 3-D volume per file/,
  });
});

const DATATYPE_CASES: [NiftiWriteDatatype, VoxelArray][] = [
  ['uint8', new Uint8Array([0, 1, 127, 128, 255, 3])],
  ['int8', new Int8Array([-128, -1, 0, 1, 127, 5])],
  ['int16', new Int16Array([-32768, -1, 0, 1, 32767, 12])],
  ['uint16', new Uint16Array([0, 1, 256, 40000, 65535, 9])],
  ['int32', new Int32Array([-2147483648, -1, 0, 1, 2147483647, 77])],
  ['uint32', new Uint32Array([0, 1, 65536, 3e9, 4294967295, 8])],
  ['float32', new Float32Array([-1.5, 0, 1e-30, 3.25, 1e30, NaN])],
  ['float64', new Float64Array([-1.5, 0, 1e-300, Math.PI, 1e300, -Infinity])],
];

for (const [datatype, values] of DATATYPE_CASES) {
  for (const version of [1, 2] as const) {
    for (const gzip of [false, true]) {
      test(`round trip ${datatype}, NIfTI-${version}, ${gzip ? 'gzip' : 'plain'}`, () => {
        const ctor = values.constructor as new (n: number) => VoxelArray;
        const data = new ctor(24);
        for (let i = 0; i < 24; i++) data[i] = values[i % values.length];
        const vol = makeVolume(data);
        const bytes = encodeNifti(vol, { version, gzip, description: 'round trip' });
        assert.equal(bytes[0] === 0x1f && bytes[1] === 0x8b, gzip);
        const img = decodeNifti(bytes, 'rt.nii');
        assert.equal(img.data.constructor, ctor);
        assert.deepEqual(Array.from(img.data), Array.from(data));
        assert.deepEqual(img.shape, [2, 3, 4]);
        assert.deepEqual(
          [img.header.version, img.header.datatypeName, img.header.descrip],
          [version, datatype, 'round trip'],
        );
        const tol = version === 1 ? 1e-6 : 1e-14;
        assertClose(img.affine, OBLIQUE, tol, 'affine');
        assertClose(img.spacing, [3, 0.75, 0.5], tol, 'spacing');
        assert.equal(img.header.affineSource, 'sform');
        // The qform alone gives the same affine (no shear here): check by zeroing sform_code.
        const raw = gzip ? decodeNifti(encodeNifti(vol, { version }), 'x') : img;
        assert.equal(raw.header.pixdim[0], -1);
        const plain = encodeNifti(vol, { version });
        const qOnly = decodeNifti(
          patched(plain, (v) => v.setInt16(version === 1 ? 254 : 348, 0, true)),
          'q',
        );
        assert.equal(qOnly.header.affineSource, 'qform');
        assertClose(qOnly.affine, OBLIQUE, version === 1 ? 1e-5 : 1e-12, 'qform affine');
      });
    }
  }
}

test('converting datatypes on write: exact values pass, lossy ones throw naming value and datatype', () => {
  const f = makeVolume(new Float32Array(24).fill(7));
  assert.deepEqual(
    Array.from(decodeNifti(encodeNifti(f, { datatype: 'uint8' })).data),
    new Array(24).fill(7),
  );
  f.data[5] = 300;
  assert.throws(() => encodeNifti(f, { datatype: 'uint8' }), {
    message: /voxel 5 = 300 cannot be stored as datatype uint8 \(integers 0 to 255\)/,
  });
  f.data[5] = 2.5;
  assert.throws(() => encodeNifti(f, { datatype: 'int16' }), { message: /voxel 5 = 2\.5 .*int16/ });
  f.data[5] = NaN;
  assert.throws(() => encodeNifti(f, { datatype: 'int32' }), { message: /voxel 5 = NaN .*int32/ });
  const d = makeVolume(new Float64Array(24).fill(1e39));
  assert.throws(() => encodeNifti(d, { datatype: 'float32' }), {
    message: /voxel 0 = 1e\+39 overflows datatype float32/,
  });
  const i = makeVolume(new Int16Array(24).fill(-1));
  assert.throws(() => encodeNifti(i, { datatype: 'uint16' }), { message: /voxel 0 = -1 .*uint16/ });
  assert.deepEqual(Array.from(decodeNifti(encodeNifti(i, { datatype: 'int32' })).data).slice(0, 2), [-1, -1]);
  assert.throws(() => encodeNifti({ ...i, shape: [2, 3, 5] }), {
    message: /data has 24 voxels, expected 30/,
  });
});

test('channels: 4D round trip and refusal without opts', () => {
  const vol = makeVolume(
    new Float32Array(48).map((_, i) => i),
    [2, 3, 4],
    2,
  );
  const bytes = encodeNifti(vol, { gzip: true });
  assert.throws(() => decodeNifti(bytes, 'two.nii.gz'), {
    message: /two\.nii\.gz: the file is 4D with 2 volumes/,
  });
  const img = decodeNifti(bytes, 'two.nii.gz', { channels: 'allow' });
  assert.equal(img.channels, 2);
  assert.deepEqual(Array.from(img.data), Array.from(vol.data));
  // dim[4] = 1 is a plain 3D volume.
  const one = patched(encodeNifti(makeVolume(new Float32Array(24))), (v) => {
    v.setInt16(40, 4, true);
    v.setInt16(48, 1, true);
  });
  assert.equal(decodeNifti(one).channels, undefined);
});

test('scl_slope/scl_inter: applied unless (0 | NaN | (1, 0)); bad intercept is an error', () => {
  const withScale = (slope: number, inter: number) =>
    patched(BASE, (v) => {
      v.setFloat32(112, slope, true);
      v.setFloat32(116, inter, true);
    });
  const s = decodeNifti(withScale(2, 0.5));
  assert.ok(s.data instanceof Float32Array);
  assert.deepEqual(Array.from(s.data.slice(0, 3)), [-9.5, -7.5, -5.5]);
  for (const [slope, inter] of [
    [0, 3],
    [NaN, 0],
    [1, 0],
  ]) {
    const d = decodeNifti(withScale(slope, inter));
    assert.ok(d.data instanceof Int16Array);
    assert.equal(d.header.scaled, false);
  }
  assert.throws(() => decodeNifti(withScale(2, Infinity), 'inf.nii'), {
    message: /inf\.nii: scl_inter = Infinity/,
  });
});

test('spatial units: metres and micrometres are converted to mm', () => {
  const m = decodeNifti(patched(BASE, (v) => v.setUint8(123, 1)));
  assertClose(
    m.affine.slice(0, 4),
    OBLIQUE.slice(0, 4).map((x) => x * 1000),
    1e-6,
    'affine (m)',
  );
  assertClose(m.spacing, [3000, 750, 500], 1e-6, 'spacing (m)');
});

const MALFORMED: [string, () => Uint8Array, RegExp][] = [
  ['empty file', () => new Uint8Array(0), /bad\.nii: truncated header: 0 bytes, expected at least 348/],
  ['truncated header', () => BASE.slice(0, 200), /bad\.nii: truncated header: 200 bytes, expected 348/],
  [
    'sizeof_hdr',
    () => patched(BASE, (v) => v.setInt32(0, 123, true)),
    /bad\.nii: sizeof_hdr = 123, expected 348/,
  ],
  [
    'magic',
    () => patched(BASE, (v) => v.setUint8(345, 0x78)),
    /bad\.nii: magic = "nx1\\u0000", expected "n\+1\\u0000"/,
  ],
  ['pair magic', () => patched(BASE, (v) => v.setUint8(345, 0x69)), /marks a \.hdr\/\.img pair/],
  ['dim[0]', () => patched(BASE, (v) => v.setInt16(40, 0, true)), /bad\.nii: dim\[0\] = 0, expected 1 to 7/],
  [
    '5D',
    () => patched(BASE, (v) => v.setInt16(40, 5, true)),
    /bad\.nii: dim\[0\] = 5: 5D images are not supported/,
  ],
  [
    'dim[2] ≤ 0',
    () => patched(BASE, (v) => v.setInt16(44, -3, true)),
    /bad\.nii: dim\[2\] = -3, expected a size ≥ 1/,
  ],
  [
    'datatype',
    () => patched(BASE, (v) => v.setInt16(70, 32, true)),
    /datatype = 32 \(complex64\) is not supported/,
  ],
  ['datatype unknown', () => patched(BASE, (v) => v.setInt16(70, 3, true)), /datatype = 3 is not supported/],
  [
    'bitpix',
    () => patched(BASE, (v) => v.setInt16(72, 8, true)),
    /bad\.nii: bitpix = 8, expected 16 for datatype int16/,
  ],
  [
    'vox_offset low',
    () => patched(BASE, (v) => v.setFloat32(108, 100, true)),
    /vox_offset = 100, expected an integer ≥ 348/,
  ],
  [
    'vox_offset past the end',
    () => patched(BASE, (v) => v.setFloat32(108, 4096, true)),
    /bad\.nii: truncated: vox_offset 4096 \+ dim \[4×3×2\] × 2 bytes \(int16\) needs 4144 bytes, the file has 400/,
  ],
  ['truncated data', () => BASE.slice(0, 380), /needs 400 bytes, the file has 380/],
  [
    'huge dims',
    () => patched(BASE, (v) => [1, 2, 3].forEach((a) => v.setInt16(40 + 2 * a, 30000, true))),
    /needs 54000000000352 bytes, the file has 400/,
  ],
  [
    'huge dims, gzip',
    () => gzipSync(patched(BASE, (v) => [1, 2, 3].forEach((a) => v.setInt16(40 + 2 * a, 30000, true)))),
    /bad\.nii: dim = \[30000×30000×30000\] × 2 bytes \(int16\) at vox_offset 352 needs 54000000000352 bytes, more than the \d+-byte gzip stream can inflate to/,
  ],
  [
    'corrupt gzip',
    () => new Uint8Array([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff]),
    /bad\.nii: corrupt gzip/,
  ],
];

for (const [what, bytes, message] of MALFORMED) {
  test(`malformed: ${what}`, () => {
    assert.throws(() => decodeNifti(bytes(), 'bad.nii'), { message });
  });
}

test('big-endian NIfTI-1 and NIfTI-2 headers are detected and swapped', () => {
  const be = (bytes: Uint8Array, version: 1 | 2) => {
    // Re-encode the meatus file big-endian: swap every header field and the int16 voxels.
    const img = decodeNifti(bytes);
    const out = bytes.slice();
    const fields: [number, number][] =
      version === 1
        ? [[0, 4], ...Array.from({ length: 8 }, (_, i): [number, number] => [40 + 2 * i, 2]), [70, 2], [72, 2],
           ...Array.from({ length: 8 }, (_, i): [number, number] => [76 + 4 * i, 4]), [108, 4], [112, 4], [116, 4],
           [252, 2], [254, 2], ...Array.from({ length: 18 }, (_, i): [number, number] => [256 + 4 * i, 4])]
        : [[0, 4], [12, 2], [14, 2], ...Array.from({ length: 8 }, (_, i): [number, number] => [16 + 8 * i, 8]),
           ...Array.from({ length: 8 }, (_, i): [number, number] => [104 + 8 * i, 8]), [168, 8], [176, 8], [184, 8],
           [344, 4], [348, 4], ...Array.from({ length: 18 }, (_, i): [number, number] => [352 + 8 * i, 8]),
           [500, 4]]; // prettier-ignore
    for (const [off, n] of fields) out.subarray(off, off + n).reverse();
    const voxOffset = version === 1 ? 352 : 544;
    for (let i = voxOffset; i < out.length; i += 2) out.subarray(i, i + 2).reverse();
    const back = decodeNifti(out, 'be.nii');
    assert.equal(back.header.littleEndian, false);
    assert.deepEqual(Array.from(back.data), Array.from(img.data));
    assertClose(back.affine, img.affine, 0, 'affine');
  };
  be(BASE, 1);
  be(encodeNifti(makeVolume(new Int16Array(24).map((_, i) => i * 1000 - 7)), { version: 2 }), 2);
});

test('readNifti/writeNifti: gzip from the suffix, atomic write, reference geometry', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'meatus-nifti-'));
  try {
    const vol = makeVolume(new Uint8Array(24).map((_, i) => i % 3));
    const path = join(dir, 'seg.nii.gz');
    await writeNifti(path, vol);
    assert.deepEqual([...readFileSync(path).subarray(0, 2)], [0x1f, 0x8b]);
    const back = await readNifti(path);
    assert.deepEqual(Array.from(back.data), Array.from(vol.data));
    await writeNifti(join(dir, 'plain.nii'), vol);
    assert.equal(readFileSync(join(dir, 'plain.nii')).readInt32LE(0), 348);
    const ref: Volume = {
      ...vol,
      affine: [2, 0, 0, 1, 0, 2, 0, 2, 0, 0, 2, 3, 0, 0, 0, 1],
      spacing: [2, 2, 2],
    };
    await writeNifti(join(dir, 'ref.nii'), vol, { reference: ref });
    assert.deepEqual((await readNifti(join(dir, 'ref.nii'))).affine, ref.affine);
    await assert.rejects(writeNifti(join(dir, 'bad.nii'), vol, { reference: { ...ref, shape: [1, 1, 1] } }), {
      message: /reference shape 1×1×1 differs from the volume's 2×3×4/,
    });
    await assert.rejects(writeNifti(join(dir, 'x.nrrd'), vol), { message: /must end in \.nii or \.nii\.gz/ });
    await assert.rejects(writeNifti(join(dir, 'x.nii'), vol, { gzip: true }), {
      message: /gzip: true contradicts/,
    });
    const over = makeVolume(new Float32Array(24).fill(300));
    await assert.rejects(writeNifti(join(dir, 'seg.nii.gz'), over, { datatype: 'uint8' }), {
      message: /300/,
    });
    assert.deepEqual(Array.from((await readNifti(path)).data), Array.from(vol.data), 'old file intact');
    await assert.rejects(readNifti(join(dir, 'missing.nii')), {
      message: /missing\.nii: cannot read NIfTI file/,
    });
    assert.deepEqual(
      readdirSync(dir).sort(),
      ['plain.nii', 'ref.nii', 'seg.nii.gz'],
      'no temporary files left',
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

const PY = '/usr/bin/python3';
const hasNibabel =
  existsSync(PY) && spawnSync(PY, ['-c', 'import nibabel'], { encoding: 'utf8' }).status === 0;

test(
  'nibabel reads files meatus writes identically',
  { skip: hasNibabel ? false : 'no nibabel' },
  async () => {
    const dir = mkdtempSync(join(tmpdir(), 'meatus-nib-'));
    try {
      const vol = makeVolume(new Int16Array(24).map((_, i) => i * 3 - 20));
      const files = ['a.nii', 'b.nii.gz'];
      await writeNifti(join(dir, files[0]), vol);
      await writeNifti(join(dir, files[1]), vol, { version: 2 });
      const script = `import json,sys,nibabel as nib
out=[]
for p in sys.argv[1:]:
  i=nib.load(p); q=i.header.get_qform()
  out.append({'affine':i.affine.ravel().tolist(),'qform':q.ravel().tolist(),'shape':list(i.shape),
    'values':i.get_fdata().ravel(order='F').tolist(),'dtype':str(i.get_data_dtype())})
print(json.dumps(out))`;
      const r = spawnSync(PY, ['-c', script, ...files.map((f) => join(dir, f))], { encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
      for (const got of JSON.parse(r.stdout) as (Expected & { qform: number[] })[]) {
        assert.deepEqual(got.shape, [4, 3, 2]);
        assert.equal(got.dtype, 'int16');
        assert.deepEqual(got.values, Array.from(vol.data));
        assertClose(got.affine, OBLIQUE, 1e-6, 'nibabel affine');
        assertClose(got.qform, OBLIQUE, 1e-5, 'nibabel qform');
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
);

test('spacing comes from the sform, not pixdim; a disagreeing pixdim is kept and reported', () => {
  const img = decodeNifti(patched(BASE, (v) => v.setFloat32(80, 0.7, true)));
  assert.ok(Math.abs(img.spacing[2] - 0.5) < 1e-7, `spacing x ${img.spacing[2]}`);
  assert.ok(Math.abs(img.header.pixdimSpacing[2] - 0.7) < 1e-7);
  assertClose(img.affine, OBLIQUE, 1e-6, 'affine unchanged');
  assert.match(pixdimMismatch(img) ?? '', /^pixdim gives 0\.7 × 0\.75 × 3 mm voxels \(x, y, z\) but the sform 0\.5 × 0\.75 × 3 mm; meatus uses the sform/);
  assert.equal(pixdimMismatch(decodeNifti(BASE)), null, 'a consistent header');
  // A zero pixdim is no disagreement (nothing to disagree with).
  assert.equal(pixdimMismatch(decodeNifti(patched(BASE, (v) => v.setFloat32(80, 0, true)))), null);
});

test('sheared affine: sform exact, qform best effort', () => {
  const sheared: Mat4 = [1, 0.3, 0, 1, 0, 1, 0, 2, 0, 0, 2, 3, 0, 0, 0, 1];
  const bytes = encodeNifti({ ...makeVolume(new Float32Array(24)), affine: sheared }, { version: 2 });
  assert.deepEqual(decodeNifti(bytes).affine, sheared);
  const q = decodeNifti(patched(bytes, (v) => v.setInt32(348, 0, true)));
  assert.equal(q.header.affineSource, 'qform');
  assertClose(
    [q.affine[3], q.affine[7], q.affine[11], q.affine[10]],
    [1, 2, 3, 2],
    1e-12,
    'qform offset, z zoom',
  );
});
