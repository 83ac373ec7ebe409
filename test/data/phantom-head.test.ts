// Head-field-of-view phantoms as scans come: the named geometries of the public VS datasets,
// sagittal storage, healthy heads, NF2, contrast, motion ghosts, arteries as flow voids.
// Small grids (a few mm per voxel, set on the drawn protocol) keep every test but one fast.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addGhost, drawPatient, generatePhantom, normalCanalPoints, renderPhantom, type Phantom, type PhantomPatient } from '../../src/data/phantom/generate.js';
import { HEAD_GEOMETRIES, resolvePhantomConfig, type PhantomConfig } from '../../src/data/phantom/config.js';
import { drawAcquisition } from '../../src/data/phantom/acquisition.js';
import { Tissue } from '../../src/data/phantom/tissues.js';
import { Rng } from '../../src/data/random.js';
import { affineSpacing, axialAxis, axisCodes, rasToVoxel } from '../../src/volume/orientation.js';
import { toCanonical } from '../../src/volume/reorient.js';
import type { Mat4, Vec3, Volume } from '../../src/volume/volume.js';
import { generatePhantomDataset } from '../../src/data/phantom/dataset.js';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'fflate';
import { readNifti } from '../../src/volume/nifti-file.js';

type P3 = [number, number, number];

function voxelToRas(a: Mat4, [i, j, k]: P3): P3 {
  return [0, 1, 2].map((r) => a[r * 4] * i + a[r * 4 + 1] * j + a[r * 4 + 2] * k + a[r * 4 + 3]) as P3;
}

/** Mean voxel index `[i, j, k]` (i fastest) of the voxels where `keep(label, ras)` holds, and their count. */
function centroid(l: Volume, keep: (label: number, ras: P3) => boolean = (v) => v > 0): { n: number; ijk: P3 } {
  const [nz, ny, nx] = l.shape;
  const s: P3 = [0, 0, 0];
  let n = 0;
  let v = 0;
  for (let k = 0; k < nz; k++) {
    for (let j = 0; j < ny; j++) {
      for (let i = 0; i < nx; i++, v++) {
        if (l.data[v] === 0 || !keep(l.data[v], voxelToRas(l.affine, [i, j, k]))) continue;
        s[0] += i;
        s[1] += j;
        s[2] += k;
        n++;
      }
    }
  }
  return { n, ijk: s.map((x) => x / n) as P3 };
}

const dist = (a: readonly number[], b: readonly number[]) => Math.hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2]);

/** A patient drawn with `config`, its protocol's grid replaced by a coarse one (same storage order). */
function coarse(config: Partial<PhantomConfig>, seed: number, shape: Vec3, mm: number): PhantomPatient {
  const p = drawPatient(resolvePhantomConfig(config), seed);
  return { ...p, protocol: { ...p.protocol, shape, spacing: [mm, mm, mm] } };
}

/** A whole head at 3 mm (the default head FOV's geometry replaced by `headMatrix` at 3 mm). */
const HEAD3: Partial<PhantomConfig> = { fov: 'head', headMatrix: [32, 64, 64], headInPlaneSpacing: [3, 3], sliceSpacing: [3, 3] };

test('each named head geometry gives its matrix and voxel size, in its storage order', () => {
  const expected: Record<string, { shape: Vec3; spacing: Vec3; axial: 0 | 1 }> = {
    ciss: { shape: [80, 384, 384], spacing: [1.5, 0.41, 0.41], axial: 0 },
    fiesta: { shape: [120, 512, 512], spacing: [1, 0.47, 0.47], axial: 0 },
    iso: { shape: [176, 256, 256], spacing: [1, 1, 1], axial: 1 },
    tse: { shape: [60, 224, 224], spacing: [2, 1, 1], axial: 0 },
    slab: { shape: [40, 448, 448], spacing: [1, 0.45, 0.45], axial: 0 },
  };
  assert.deepEqual(Object.keys(HEAD_GEOMETRIES).sort(), Object.keys(expected).sort());
  for (const [name, want] of Object.entries(expected)) {
    const c = resolvePhantomConfig({ fov: 'head', headGeometry: name, obliqueProbability: 0 });
    for (const seed of [0, 1]) {
      const p = drawPatient(c, seed);
      assert.deepEqual(p.protocol.shape, want.shape, name);
      assert.deepEqual(p.protocol.spacing, want.spacing, name);
      assert.equal(p.protocol.geometry, name);
      assert.equal(p.protocol.sagittal, name === 'iso');
      const acq = drawAcquisition(new Rng(p.seed).fork('scan:0').fork('pose'), c, p.protocol, p.anatomy, p.side);
      affineSpacing(acq.affine).forEach((s, a) => assert.ok(Math.abs(s - want.spacing[a]) < 1e-9, `${name}: affine spacing ${affineSpacing(acq.affine)}`));
      assert.equal(axialAxis(acq.affine), want.axial, name);
    }
  }
  // 'mixed' draws one per patient, and over a few patients more than one.
  const mixed = resolvePhantomConfig({ fov: 'head', headGeometry: 'mixed' });
  const drawn = new Set(Array.from({ length: 12 }, (_, s) => drawPatient(mixed, s).protocol.geometry));
  assert.ok(drawn.size >= 3 && [...drawn].every((g) => g! in HEAD_GEOMETRIES), [...drawn].join());
});

test('a full-size CISS head: 384 × 384 × 80 at 0.41 × 0.41 × 1.5 mm with the tumour at the porus', () => {
  const p = generatePhantom({ fov: 'head', headGeometry: 'ciss', koos: 2 }, 5);
  assert.deepEqual(p.image.shape, [80, 384, 384]);
  assert.deepEqual(p.image.spacing, [1.5, 0.41, 0.41]);
  assert.deepEqual(p.label.affine, p.image.affine);
  assert.equal(p.meta.geometry, 'ciss');
  assert.equal(p.meta.sagittal, false);
  assert.ok(p.meta.contrast >= 0.8 && p.meta.contrast <= 1.3, `contrast ${p.meta.contrast} in VARIED_LOOK's range`);
  assert.ok(p.meta.ghosting >= 0 && p.meta.ghosting <= 0.05, `ghosting ${p.meta.ghosting}`);
  assert.ok(p.image.data.every(Number.isFinite));
  const c = centroid(p.label);
  assert.ok(c.n * 1.5 * 0.41 * 0.41 > 100, `${c.n} tumour voxels`);
  // Koos II: the centroid lies at most the EM part's radius (≤ 7.5 mm) plus a little from the porus.
  const d = dist(voxelToRas(p.label.affine, c.ijk), p.meta.tumours[0].porusRas);
  assert.ok(d < 9, `label centroid ${d.toFixed(1)} mm from the porus`);
});

test('sagittal storage (iso): array axis 0 runs left–right, and reoriented to RAS the head is the right way up', () => {
  for (const seed of [1, 2, 3]) {
    const sag = coarse({ fov: 'head', headGeometry: 'iso', koos: 3 }, seed, [59, 86, 86], 3);
    assert.equal(sag.protocol.sagittal, true);
    const s = renderPhantom(sag, sag.tumour, 0);
    const codes = axisCodes(s.label.affine);
    assert.equal(codes[0], 'R', 'array axis 0 (slices): left → right');
    assert.equal(codes[1], 'I', 'array axis 1 (rows): superior → inferior');
    assert.ok(codes[2] === 'A' || codes[2] === 'P', `array axis 2 (columns): ${codes[2]}`);
    assert.equal(axialAxis(s.label.affine), 1);
    // The same patient and pose stored axially puts the tumour at the same place in RAS.
    const axial = renderPhantom({ ...sag, protocol: { ...sag.protocol, sagittal: false } }, sag.tumour, 0);
    const cs = centroid(s.label);
    const ca = centroid(axial.label);
    assert.ok(dist(voxelToRas(s.label.affine, cs.ijk), voxelToRas(axial.label.affine, ca.ijk)) < 2, `seed ${seed}: sagittal and axial centroids`);
    assert.ok(Math.abs(cs.n - ca.n) < 0.15 * ca.n, `seed ${seed}: ${cs.n} vs ${ca.n} voxels`);

    const { volume } = toCanonical(s.label);
    assert.deepEqual(axisCodes(volume.affine), ['S', 'A', 'R']);
    assert.deepEqual(volume.shape, [86, 86, 59]);
    const c = centroid(volume);
    const ras = voxelToRas(volume.affine, c.ijk);
    const porus = s.meta.tumours[0].porusRas;
    assert.ok(dist(ras, porus) < 9, `seed ${seed}: canonical centroid ${ras.map((v) => v.toFixed(1))} vs porus ${porus}`);
    // The FOV is centred 25 mm above the IAC level: the tumour sits in the lower half of the canonical z
    // axis (superior up), on its own side of the x axis (R at high x).
    assert.ok(c.ijk[2] < 86 / 2 - 2, `seed ${seed}: canonical z ${c.ijk[2].toFixed(1)} of 86`);
    const right = s.meta.side === 'right';
    assert.equal(c.ijk[0] > 59 / 2, right, `seed ${seed}: ${s.meta.side} tumour at canonical x ${c.ijk[0].toFixed(1)} of 59`);
  }
});

test('healthy heads: all-zero labels, no tumours, no Koos grade', () => {
  for (const seed of [0, 1, 2]) {
    const p = generatePhantom({ ...HEAD3, healthyProbability: 1, bilateralProbability: 1 }, seed);
    assert.equal(p.meta.healthy, true);
    assert.deepEqual(p.meta.tumours, []);
    assert.equal(p.meta.koos, undefined);
    assert.equal(p.meta.imLengthMm, 0);
    assert.deepEqual(p.meta.volumes, { extrameatal: 0, intrameatal: 0, total: 0 });
    assert.ok(p.label.data.every((v) => v === 0));
    assert.ok(p.image.data.some((v) => v > 0), 'the head is there');
  }
  const sick = generatePhantom({ ...HEAD3, healthyProbability: 0, koos: 3 }, 0);
  assert.equal(sick.meta.healthy, false);
  assert.equal(sick.meta.tumours.length, 1);
  assert.ok(sick.label.data.some((v) => v > 0));
});

test('NF2: a tumour in each ear, labels on both sides of the midline', () => {
  for (const seed of [0, 1, 2]) {
    const p = generatePhantom({ ...HEAD3, bilateralProbability: 1, koos: 3, koosWeights: [0, 0, 1, 0] }, seed);
    const [a, b] = p.meta.tumours;
    assert.equal(p.meta.tumours.length, 2);
    assert.equal(a.side, p.meta.side);
    assert.notEqual(b.side, a.side);
    assert.equal(b.koos, 3);
    const [left, right] = a.side === 'left' ? [a, b] : [b, a];
    // The midline: the plane halfway between the two pori, normal to the line joining them.
    const n = [0, 1, 2].map((r) => right.porusRas[r] - left.porusRas[r]);
    const mid = [0, 1, 2].map((r) => (right.porusRas[r] + left.porusRas[r]) / 2);
    const side = (ras: P3) => (ras[0] - mid[0]) * n[0] + (ras[1] - mid[1]) * n[1] + (ras[2] - mid[2]) * n[2];
    const cl = centroid(p.label, (_, ras) => side(ras) < 0);
    const cr = centroid(p.label, (_, ras) => side(ras) > 0);
    assert.ok(cl.n > 20 && cr.n > 20, `seed ${seed}: ${cl.n} voxels left, ${cr.n} right`);
    assert.ok(dist(voxelToRas(p.label.affine, cl.ijk), left.porusRas) < 12, `seed ${seed}: left centroid`);
    assert.ok(dist(voxelToRas(p.label.affine, cr.ijk), right.porusRas) < 12, `seed ${seed}: right centroid`);
  }
});

test('both ears in the meta: the tumour\'s is the tumour\'s; normalCanalPoints is the middle of each other canal, where the label is 0', () => {
  const fine: Partial<PhantomConfig> = { fov: 'head', headMatrix: [48, 112, 112], headInPlaneSpacing: [1.5, 1.5], sliceSpacing: [1.5, 1.5], obliqueProbability: 0.5 };
  for (const seed of [0, 1, 2]) {
    const p = generatePhantom({ ...fine, healthyProbability: 0, bilateralProbability: 0, koos: 1 }, seed);
    const [t] = p.meta.tumours;
    assert.deepEqual(p.meta.ears.map((e) => e.side), ['right', 'left']);
    const mine = p.meta.ears.find((e) => e.side === t.side)!;
    const other = p.meta.ears.find((e) => e.side !== t.side)!;
    assert.equal(mine.tumour, true);
    assert.equal(other.tumour, false);
    assert.deepEqual([mine.porusRas, mine.canalAxisRas], [t.porusRas, t.canalAxisRas]);
    assert.ok(other.canalLengthMm >= 8 && other.canalLengthMm <= 12, `canal length ${other.canalLengthMm}`);
    const points = normalCanalPoints(p.meta);
    assert.equal(points.length, 1);
    const mid = other.porusRas.map((v, a) => v + (other.canalAxisRas[a] * other.canalLengthMm) / 2);
    assert.ok(dist(points[0], mid) < 0.002, `${points[0]} against ${mid}`);
    const at = (ras: readonly number[]) => {
      const [x, y, z] = rasToVoxel(p.label.affine, ras as P3).map(Math.round);
      return ((z * p.label.shape[1] + y) * p.label.shape[2] + x);
    };
    // The RAS of the meta is the image's world: the tumour's canal holds IM, the other canal nothing.
    assert.equal(p.label.data[at(t.porusRas.map((v, a) => v + (t.canalAxisRas[a] * t.imLengthMm) / 2))], 2, `seed ${seed}: the tumour's canal`);
    assert.equal(p.label.data[at(points[0])], 0, `seed ${seed}: the normal canal`);
  }
  const healthy = generatePhantom({ ...HEAD3, healthyProbability: 1 }, 0);
  assert.deepEqual(healthy.meta.ears.map((e) => e.tumour), [false, false]);
  assert.equal(normalCanalPoints(healthy.meta).length, 2);
  const nf2 = generatePhantom({ ...HEAD3, healthyProbability: 0, bilateralProbability: 1, koos: 3 }, 0);
  assert.deepEqual(normalCanalPoints(nf2.meta), []);
});

test('crop phantoms: hard-negatives.json lists only the canals inside each scan (a crop holds one ear)', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'meatus-phantom-crop-'));
  try {
    const sum = await generatePhantomDataset({ out: dir, cases: 4, patients: 4, seed: 1, jobs: 1, config: { healthyProbability: 0.5 } });
    const file = JSON.parse(await readFile(join(dir, 'hard-negatives.json'), 'utf8'));
    let inside = 0;
    for (const c of sum.cases) {
      const image = await readNifti(join(dir, 'imagesTr', `${c.name}_0000.nii.gz`));
      const all = normalCanalPoints(c.meta);
      const kept = file.cases[c.name] as P3[];
      assert.deepEqual(kept, normalCanalPoints(c.meta, image));
      assert.ok(kept.length < all.length || c.meta.healthy === false, `${c.name}: a crop does not hold both canals of a healthy head`);
      for (const p of all) {
        const v = rasToVoxel(image.affine, p).map(Math.round);
        const isIn = v.every((x, a) => x >= 0 && x < image.shape[2 - a]);
        assert.equal(kept.some((q) => dist(q, p) === 0), isIn, `${c.name}: ${p} (voxel ${v})`);
        if (isIn) inside++;
      }
    }
    assert.ok(sum.cases.some((c) => c.meta.healthy) && inside > 0, 'a healthy crop keeps the canal it shows');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('addGhost: the image plus amplitude × itself shifted along array axis 1, wrapping around', () => {
  // shape [z, y, x] = [2, 4, 3]; value = 100 k + 10 j + i
  const shape: Vec3 = [2, 4, 3];
  const s = Float32Array.from({ length: 24 }, (_, v) => 100 * Math.floor(v / 12) + 10 * (Math.floor(v / 3) % 4) + (v % 3));
  addGhost(s, shape, 0.5, 0.25); // shift round(0.25 · 4) = 1 row: out[k, j, i] = in[k, j, i] + 0.5 in[k, (j + 1) mod 4, i]
  // prettier-ignore
  assert.deepEqual(Array.from(s), [
    0 + 5, 1 + 5.5, 2 + 6,        10 + 10, 11 + 10.5, 12 + 11,   20 + 15, 21 + 15.5, 22 + 16,   30 + 0, 31 + 0.5, 32 + 1,
    100 + 55, 101 + 55.5, 102 + 56, 110 + 60, 111 + 60.5, 112 + 61, 120 + 65, 121 + 65.5, 122 + 66, 130 + 50, 131 + 50.5, 132 + 51,
  ]);
  const t = Float32Array.from([1, 2, 3, 4]);
  addGhost(t, [1, 4, 1], 0.1, 0.5); // shift 2: [1 + 0.3, 2 + 0.4, 3 + 0.1, 4 + 0.2]
  assert.deepEqual(Array.from(t), [1.3, 2.4, 3.1, 4.2].map(Math.fround));
  const u = Float32Array.from([1, 2, 3, 4]);
  addGhost(u, [1, 4, 1], 0, 0.5); // no amplitude
  addGhost(u, [1, 4, 1], 0.3, 1); // a whole-FOV shift is no shift
  assert.deepEqual(Array.from(u), [1, 2, 3, 4]);
});

test('a ghosted phantom is the clean one plus its ghost (no noise, no bias field)', () => {
  const quiet: Partial<PhantomConfig> = { ...HEAD3, noise: [0, 0], biasStrength: 0 };
  const clean = generatePhantom({ ...quiet, ghosting: [0, 0] }, 4);
  const ghosted = generatePhantom({ ...quiet, ghosting: [0.2, 0.2] }, 4);
  assert.equal(ghosted.meta.ghosting, 0.2);
  const [nz, ny, nx] = clean.image.shape;
  // The shift is drawn in [0.25, 0.5] of the 64 rows: find it, then check every voxel.
  let best = { d: -1, err: Infinity };
  for (let d = 16; d <= 32; d++) {
    let err = 0;
    for (let k = 0; k < nz; k++) {
      for (let j = 0; j < ny; j++) {
        for (let i = 0; i < nx; i++) {
          const v = (k * ny + j) * nx + i;
          const w = (k * ny + ((j + d) % ny)) * nx + i;
          err = Math.max(err, Math.abs(ghosted.image.data[v] - clean.image.data[v] - 0.2 * clean.image.data[w]));
        }
      }
    }
    if (err < best.err) best = { d, err };
  }
  const max = clean.image.data.reduce((a, b) => Math.max(a, b), 0);
  assert.ok(best.err < 1e-4 * max, `shift ${best.d} rows: largest deviation ${best.err} of ${max}`);
  assert.deepEqual(ghosted.label.data, clean.label.data);
});

test('contrast γ: every tissue signal s becomes s^γ, CSF stays 1', () => {
  const base = drawPatient(resolvePhantomConfig({ contrast: [1, 1] }), 6);
  const bright = drawPatient(resolvePhantomConfig({ contrast: [2, 2] }), 6);
  const flat = drawPatient(resolvePhantomConfig({ contrast: [0.5, 0.5] }), 6);
  assert.equal(bright.protocol.contrast, 2);
  assert.equal(base.signals[Tissue.csf], 1);
  assert.equal(bright.signals[Tissue.csf], 1);
  assert.equal(flat.signals[Tissue.csf], 1);
  base.signals.forEach((s, t) => {
    assert.equal(bright.signals[t], Math.fround(s ** 2), `tissue ${t}`);
    assert.equal(flat.signals[t], Math.fround(Math.sqrt(s)), `tissue ${t}`);
  });
  // γ > 1 darkens the brain against CSF.
  assert.ok(bright.signals[Tissue.cerebellum] < base.signals[Tissue.cerebellum]);
  // Nothing else drawn changes with γ.
  assert.deepEqual(bright.anatomy, base.anatomy);
  assert.deepEqual(bright.tumour, base.tumour);
  assert.deepEqual({ ...bright.protocol, contrast: 0 }, { ...base.protocol, contrast: 0 });
});

test('arteries are flow voids: dark where the basilar artery runs, bright CSF there without it', () => {
  // No pose, no tumour (no mass effect): head coordinates are RAS, the basilar sits where drawn.
  const quiet: Partial<PhantomConfig> = {
    fov: 'head',
    headMatrix: [20, 64, 64],
    headInPlaneSpacing: [1, 1],
    sliceSpacing: [2, 2],
    healthyProbability: 1,
    poseMaxDeg: 0,
    poseMaxShiftMm: 0,
    obliqueProbability: 0,
    flipProbability: 0,
    noise: [0, 0],
    biasStrength: 0,
    gain: [1000, 1000],
  };
  for (const seed of [0, 1, 2]) {
    const withVessels = drawPatient(resolvePhantomConfig({ ...quiet, vesselProbability: 1 }), seed);
    const v = withVessels.vessels!;
    assert.ok(v && v.basilarRadius >= 1.3 && v.basilarRadius <= 1.9, 'vessels drawn');
    const withVesselsImg = renderPhantom(withVessels, withVessels.tumour, 0);
    const none = drawPatient(resolvePhantomConfig({ ...quiet, vesselProbability: 0 }), seed);
    assert.equal(none.vessels, null);
    const noneImg = renderPhantom(none, none.tumour, 0);
    // The basilar's axis runs in front of the brainstem from [x/2, y + 1, −26] to [x, y, 18] (x = basilarX,
    // y = the brainstem's front + radius + 0.8 mm); sample it at z = −14 mm, in the prepontine cistern.
    const bs = withVessels.anatomy.brainstem;
    const t = (-14 + 26) / (18 + 26);
    const yB = bs.centre[1] + bs.semi[1] + v.basilarRadius + 0.8;
    const ras: P3 = [v.basilarX * (0.5 + 0.5 * t), yB + 1 - t, -14];
    const a = withVesselsImg.image.affine;
    const ijk = [0, 1, 2].map((r) => Math.round((ras[r] - a[r * 4 + 3]) / a[r * 5])) as P3;
    const [nz, ny, nx] = withVesselsImg.image.shape;
    assert.ok(ijk[0] >= 0 && ijk[0] < nx && ijk[1] >= 0 && ijk[1] < ny && ijk[2] >= 0 && ijk[2] < nz, `basilar voxel ${ijk} in the FOV`);
    const at = (p: Phantom) => p.image.data[(ijk[2] * ny + ijk[1]) * nx + ijk[0]];
    assert.ok(at(withVesselsImg) < 0.3 * 1000, `seed ${seed}: basilar ${at(withVesselsImg)}`);
    assert.ok(at(noneImg) > 0.7 * 1000, `seed ${seed}: cistern without vessels ${at(noneImg)}`);
  }
});

test('the new options are deterministic by seed', () => {
  const config: Partial<PhantomConfig> = { fov: 'head', headGeometry: 'mixed', healthyProbability: 0.3, bilateralProbability: 0.3, vesselProbability: 0.5 };
  const kinds = new Set<string>();
  for (const seed of [0, 1, 2, 3, 4, 5, 6, 7]) {
    const a = coarse(config, seed, [24, 48, 48], 4);
    const b = coarse(config, seed, [24, 48, 48], 4);
    assert.deepEqual(a, b);
    kinds.add(a.healthy ? 'healthy' : a.contralateral ? 'nf2' : 'one');
    if (seed < 2) {
      const x = renderPhantom(a, a.tumour, 0);
      const y = renderPhantom(b, b.tumour, 0);
      assert.ok(Buffer.from(x.image.data.buffer).equals(Buffer.from(y.image.data.buffer)));
      assert.deepEqual(x.label.data, y.label.data);
      assert.deepEqual(x.meta, y.meta);
    }
  }
  assert.ok(kinds.size >= 2, [...kinds].join());
  // The cohort draws have their own stream: the rest of the patient does not change with them.
  const one = drawPatient(resolvePhantomConfig({ ...HEAD3 }), 9);
  const cohort = drawPatient(resolvePhantomConfig({ ...HEAD3, healthyProbability: 0.5, bilateralProbability: 0.5 }), 9);
  assert.deepEqual(cohort.anatomy, one.anatomy);
  assert.deepEqual(cohort.tumour, one.tumour);
  assert.deepEqual(cohort.protocol, one.protocol);
});

test('bad head options are refused with the field named', () => {
  assert.throws(() => resolvePhantomConfig({ fov: 'head', headGeometry: 'cube' }), /PhantomConfig\.headGeometry: expected ciss, fiesta, iso, tse, slab, mixed, got "cube"/);
  assert.throws(() => resolvePhantomConfig({ healthyProbability: 1.5 }), /PhantomConfig\.healthyProbability: expected a number in \[0, 1\], got 1\.5/);
  assert.throws(() => resolvePhantomConfig({ bilateralProbability: -0.1 }), /PhantomConfig\.bilateralProbability: expected a number in \[0, 1\]/);
  assert.throws(() => resolvePhantomConfig({ vesselProbability: Number.NaN }), /PhantomConfig\.vesselProbability/);
  assert.throws(() => resolvePhantomConfig({ contrast: [0.1, 1] }), /PhantomConfig\.contrast: expected 0\.3 ≤ lo ≤ hi ≤ 3, got \[0\.1, 1\]/);
  assert.throws(() => resolvePhantomConfig({ contrast: [2, 1] }), /PhantomConfig\.contrast/);
  assert.throws(() => resolvePhantomConfig({ contrast: 1 as never }), /PhantomConfig\.contrast: expected \[lo, hi\] numbers/);
  assert.throws(() => resolvePhantomConfig({ ghosting: [0, 0.6] }), /PhantomConfig\.ghosting: expected 0 ≤ lo ≤ hi ≤ 0\.5/);
  assert.throws(() => resolvePhantomConfig({ headJitterMm: 60 }), /PhantomConfig\.headJitterMm/);
  // A named geometry varies the look unless told otherwise; a crop does not.
  assert.deepEqual(resolvePhantomConfig({ fov: 'head', headGeometry: 'tse' }).contrast, [0.8, 1.3]);
  assert.deepEqual(resolvePhantomConfig({ fov: 'head', headGeometry: 'tse', contrast: [1, 1] }).contrast, [1, 1]);
  assert.deepEqual(resolvePhantomConfig({}).ghosting, [0, 0]);
});

test('a dataset with healthy and NF2 patients: the same files from 1 or 2 worker threads, the truth in phantoms.json', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'meatus-phantom-head-'));
  try {
    const config: Partial<PhantomConfig> = { fov: 'head', headMatrix: [16, 40, 40], headInPlaneSpacing: [4, 4], sliceSpacing: [4, 4], healthyProbability: 0.4, bilateralProbability: 0.5, koosWeights: [0, 0, 1, 0] };
    const opts = { cases: 6, patients: 6, seed: 2, config };
    const one = await generatePhantomDataset({ ...opts, out: join(dir, 'one'), jobs: 1 });
    await generatePhantomDataset({ ...opts, out: join(dir, 'two'), jobs: 2 });
    for (const sub of ['imagesTr', 'labelsTr']) {
      for (const f of await readdir(join(dir, 'one', sub))) {
        const [x, y] = await Promise.all(['one', 'two'].map(async (d) => gunzipSync(await readFile(join(dir, d, sub, f)))));
        assert.ok(Buffer.from(x).equals(Buffer.from(y)), f);
      }
    }
    const json = (d: string) => readFile(join(dir, d, 'phantoms.json'), 'utf8');
    assert.equal(await json('two'), await json('one'));
    const metas = one.cases.map((c) => c.meta);
    assert.ok(metas.some((m) => m.healthy) && metas.some((m) => m.tumours.length === 2), metas.map((m) => m.tumours.length).join());
    const negatives = JSON.parse(await readFile(join(dir, 'one', 'hard-negatives.json'), 'utf8'));
    assert.deepEqual(negatives, { coordinates: 'RAS', cases: Object.fromEntries(one.cases.map((c) => [c.name, normalCanalPoints(c.meta)])) });
    assert.equal(await readFile(join(dir, 'two', 'hard-negatives.json'), 'utf8'), await readFile(join(dir, 'one', 'hard-negatives.json'), 'utf8'));
    for (const m of metas) {
      assert.equal(normalCanalPoints(m).length, 2 - m.tumours.length);
      assert.equal(m.tumours.length === 0, m.healthy);
      assert.equal(m.volumes.total === 0, m.healthy, `Koos III tumours show at 4 mm: ${JSON.stringify(m.volumes)}`);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
