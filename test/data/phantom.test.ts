import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { gunzipSync } from 'fflate';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generatePhantom } from '../../src/data/phantom/generate.js';
import { generateSeries } from '../../src/data/phantom/longitudinal.js';
import { generatePhantomDataset, timepointsPerPatient } from '../../src/data/phantom/dataset.js';
import { resolvePhantomConfig } from '../../src/data/phantom/config.js';
import { axialAxis } from '../../src/volume/orientation.js';
import type { Volume } from '../../src/volume/volume.js';

/** A smaller crop than the default keeps the tests fast. */
const SMALL = { cropSizeMm: [30, 40, 40] as [number, number, number] };

function count(label: Volume, value: number): number {
  let n = 0;
  for (const v of label.data) if (v === value) n++;
  return n;
}

function voxelToRas(a: number[], i: number, j: number, k: number): [number, number, number] {
  return [0, 1, 2].map((r) => a[r * 4] * i + a[r * 4 + 1] * j + a[r * 4 + 2] * k + a[r * 4 + 3]) as [number, number, number];
}

test('the same seed gives bit-identical phantoms; another seed differs', () => {
  const a = generatePhantom(SMALL, 11);
  const b = generatePhantom(SMALL, 11);
  assert.deepEqual(Buffer.from(a.image.data.buffer), Buffer.from(b.image.data.buffer));
  assert.deepEqual(a.label.data, b.label.data);
  assert.deepEqual(a.meta, b.meta);
  const c = generatePhantom(SMALL, 12);
  assert.notDeepEqual(Buffer.from(a.image.data.buffer), Buffer.from(c.image.data.buffer));
});

test('geometry: anisotropic spacing in range, image and label share it, axial is array axis 0', () => {
  const p = generatePhantom({ ...SMALL, obliqueProbability: 0, flipProbability: 0 }, 3);
  const [sz, sy, sx] = p.image.spacing;
  assert.ok(sz >= 1 && sz <= 1.5, `slice ${sz}`);
  assert.ok(sy >= 0.4 && sy <= 0.6 && sx === sy, `in-plane ${sy}`);
  assert.deepEqual(p.label.shape, p.image.shape);
  assert.deepEqual(p.label.affine, p.image.affine);
  assert.equal(p.image.data.length, p.image.shape[0] * p.image.shape[1] * p.image.shape[2]);
  assert.equal(axialAxis(p.image.affine), 0);
  // non-oblique: the affine's 3×3 is diagonal
  for (const idx of [1, 2, 4, 6, 8, 9]) assert.equal(p.image.affine[idx], 0);
});

test('oblique protocol: the grid is rotated against RAS, array axis 0 stays axial', () => {
  const p = generatePhantom({ ...SMALL, obliqueProbability: 1 }, 4);
  assert.equal(p.meta.oblique, true);
  const off = [1, 2, 4, 6, 8, 9].map((i) => Math.abs(p.image.affine[i]));
  assert.ok(Math.max(...off) > 0.01, 'some off-diagonal term');
  assert.equal(axialAxis(p.image.affine), 0);
});

test('labels: only 0/1/2; IM lateral and EM medial of the porus plane (centre rule)', () => {
  for (const seed of [1, 2, 5]) {
    const p = generatePhantom({ ...SMALL, koos: 3 }, seed);
    const { porusRas, canalAxisRas } = p.meta;
    const [nz, ny, nx] = p.label.shape;
    let v = 0;
    let im = 0;
    let em = 0;
    for (let k = 0; k < nz; k++) {
      for (let j = 0; j < ny; j++) {
        for (let i = 0; i < nx; i++, v++) {
          const l = p.label.data[v];
          assert.ok(l <= 2);
          if (l === 0) continue;
          const r = voxelToRas(p.label.affine, i, j, k);
          const t = (r[0] - porusRas[0]) * canalAxisRas[0] + (r[1] - porusRas[1]) * canalAxisRas[1] + (r[2] - porusRas[2]) * canalAxisRas[2];
          if (l === 2) {
            assert.ok(t > -0.01, `IM voxel ${t} mm medial of the porus`);
            im++;
          } else {
            assert.ok(t < 0.01, `EM voxel ${t} mm lateral of the porus`);
            em++;
          }
        }
      }
    }
    assert.ok(im > 20 && em > 200, `seed ${seed}: IM ${im}, EM ${em}`);
  }
});

test('Koos grade controls the extrameatal part', () => {
  const k1 = generatePhantom({ ...SMALL, koos: 1 }, 21);
  assert.equal(k1.meta.koos, 1);
  assert.equal(count(k1.label, 1), 0);
  assert.ok(count(k1.label, 2) > 0);
  assert.equal(k1.meta.emDiameterMm, undefined);
  const k2 = generatePhantom({ koos: 2 }, 21);
  const k4 = generatePhantom({ koos: 4 }, 21);
  assert.equal(k4.meta.koos, 4);
  assert.ok(k4.meta.emDiameterMm! > 25 && k2.meta.emDiameterMm! <= 15);
  assert.ok(k4.meta.volumes.extrameatal > 5 * k2.meta.volumes.extrameatal);
  assert.ok(Math.abs(k4.meta.volumes.total - k4.meta.volumes.extrameatal - k4.meta.volumes.intrameatal) < 0.01);
});

test('T2 contrast: CSF brighter than tumour, tumour brighter than bone', () => {
  const p = generatePhantom({ ...SMALL, koos: 3, biasStrength: 0, noise: [0.001, 0.001] }, 8);
  const tumour: number[] = [];
  for (let v = 0; v < p.label.data.length; v++) if (p.label.data[v] > 0) tumour.push(p.image.data[v]);
  const sorted = Float32Array.from(p.image.data).sort();
  const csf = sorted[Math.floor(sorted.length * 0.99)];
  const dark = sorted[Math.floor(sorted.length * 0.02)];
  const median = tumour.sort((a, b) => a - b)[tumour.length >> 1];
  assert.ok(median > 0.4 * csf && median < 0.75 * csf, `tumour ${median} vs CSF ${csf}`);
  assert.ok(dark < 0.15 * csf, `bone/air ${dark}`);
});

test('majority label rule and supersampling are options; bad config names the field', () => {
  const p = generatePhantom({ ...SMALL, labelRule: 'majority', supersample: [2, 1, 1] }, 9);
  assert.ok(count(p.label, 2) > 0);
  assert.throws(() => resolvePhantomConfig({ fov: 'brain' as never }), /PhantomConfig\.fov: expected 'crop' or 'head'/);
  assert.throws(() => resolvePhantomConfig({ sliceSpacing: [2, 1] }), /PhantomConfig\.sliceSpacing/);
  assert.throws(() => resolvePhantomConfig({ koos: 5 as never }), /PhantomConfig\.koos/);
  assert.throws(() => resolvePhantomConfig({ nope: 1 } as never), /PhantomConfig\.nope: unknown option/);
});

test('head FOV: the configured matrix', () => {
  const p = generatePhantom({ fov: 'head', headMatrix: [16, 96, 96], headInPlaneSpacing: [2, 2] }, 2);
  assert.deepEqual(p.image.shape, [16, 96, 96]);
  assert.equal(p.meta.fov, 'head');
});

test('longitudinal series: timepoint 0 equals generatePhantom, the tumour does not shrink, poses differ', () => {
  const series = generateSeries({ ...SMALL, koos: 2 }, 31, 3);
  const single = generatePhantom({ ...SMALL, koos: 2 }, 31);
  assert.deepEqual(Buffer.from(series[0].image.data.buffer), Buffer.from(single.image.data.buffer));
  assert.deepEqual(series.map((s) => s.meta.timepoint), [0, 1, 2]);
  assert.ok(series[1].meta.months > 0 && series[2].meta.months > series[1].meta.months);
  assert.deepEqual(series[1].meta.spacing, series[0].meta.spacing);
  assert.notDeepEqual(series[1].meta.poseDeg, series[0].meta.poseDeg);
  assert.ok(series[2].meta.emDiameterMm! >= series[0].meta.emDiameterMm!);
});

test('timepointsPerPatient: every patient at least one, sums to cases', () => {
  const tp = timepointsPerPatient(10, 4, 1);
  assert.equal(tp.length, 4);
  assert.equal(tp.reduce((a, b) => a + b, 0), 10);
  assert.ok(tp.every((t) => t >= 1));
  assert.throws(() => timepointsPerPatient(3, 4, 1), /patients: expected an integer in \[1, 3\]/);
  assert.throws(() => timepointsPerPatient(1e9, 4, 1), /cases: expected an integer from 1 to 100000, got 1000000000/);
});

test('phantom dataset: nnU-Net raw layout, names, bitwise reproducible', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'meatus-phantom-'));
  try {
    const opts = { cases: 3, patients: 2, seed: 5, config: SMALL };
    const a = await generatePhantomDataset({ ...opts, out: join(dir, 'a') });
    await generatePhantomDataset({ ...opts, out: join(dir, 'b') });
    assert.equal(a.cases.length, 3);
    const names = (await readdir(join(dir, 'a', 'imagesTr'))).sort();
    assert.ok(names.every((n) => /^VS_p00[12]_t0[1-3]_0000\.nii\.gz$/.test(n)), names.join());
    for (const sub of ['imagesTr', 'labelsTr']) {
      for (const f of await readdir(join(dir, 'a', sub))) {
        // compare the NIfTI bytes (the gzip header carries a modification time)
        const [x, y] = await Promise.all(['a', 'b'].map(async (d) => gunzipSync(await readFile(join(dir, d, sub, f)))));
        assert.ok(Buffer.from(x).equals(Buffer.from(y)), f);
      }
    }
    const json = JSON.parse(await readFile(join(dir, 'a', 'dataset.json'), 'utf8'));
    assert.deepEqual(json.labels, { background: 0, extrameatal: 1, intrameatal: 2 });
    assert.equal(json.numTraining, 3);
    assert.deepEqual(json.channel_names, { '0': 'T2' });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
