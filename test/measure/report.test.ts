import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { measure } from '../../src/measure/measure.js';
import { renderReport, writeReport, type ReportInput } from '../../src/measure/report.js';
import { diagonalAffine, type Mat4, type Vec3, type Volume } from '../../src/volume/volume.js';
import { makeLabel } from './shapes.js';
import { readPng } from './png-read.js';

const MODEL = { name: 'two-stage', version: '1.2', trainedOn: 'synthetic phantoms (seed 0)', tasks: 'WT, IM/EM' };
const DATE = new Date('2025-03-04T05:06:00Z');

/** A smooth T2 on the label's grid (values x + 2y + 3z). */
function t2Like(label: Volume): Volume<Float32Array> {
  const [nz, ny, nx] = label.shape;
  const data = new Float32Array(nz * ny * nx);
  for (let z = 0, i = 0; z < nz; z++) for (let y = 0; y < ny; y++) for (let x = 0; x < nx; x++, i++) data[i] = x + 2 * y + 3 * z;
  return { ...label, data };
}

function input(label: Volume<Uint8Array>, extra: Partial<ReportInput> = {}): ReportInput {
  return { t2: t2Like(label), label, measurements: measure(label), model: MODEL, source: 'case01_T2.nii.gz', date: DATE, meatusVersion: '9.9.9', ...extra };
}

/**
 * 200 × 160 × 5 voxels (x, y, z) of 0.5 × 0.5 × 2 mm, RAS-stored: an EM ellipse about
 * (120, 70) with semi-axes 12 (x) and 6 (y) voxels on slice 2 (8 and 4 on slices 1 and 3), and an
 * IM rod (unless `withIm` is false) from x = 133 to 140 at y = 70 ± 1 on slice 2 only. The largest EM diameter is unique:
 * (108, 70, 2)–(132, 70, 2), 24 voxels = 12 mm.
 */
function ellipse(withEm = true, withIm = true): Volume<Uint8Array> {
  return makeLabel([5, 160, 200], diagonalAffine([2, 0.5, 0.5]), (x, y, z) => {
    const [a, b] = z === 2 ? [12, 6] : z === 1 || z === 3 ? [8, 4] : [0, 0];
    if (withEm && a > 0 && ((x - 120) / a) ** 2 + ((y - 70) / b) ** 2 <= 1) return 1;
    if (withIm && x >= 133 && x <= 140 && Math.abs(y - 70) <= 1 && z === 2) return 2;
    return 0;
  });
}

interface Png {
  width: number;
  height: number;
  rgb: Uint8Array;
}

/** Decodes a PNG to RGB (the figures are 8-bit RGB; `readPng` checks the header). */
function decodePng(bytes: Uint8Array): Png {
  const { width, height, data } = readPng(bytes);
  const rgb = new Uint8Array(width * height * 3);
  for (let i = 0; i < width * height; i++) rgb.set(data.subarray(4 * i, 4 * i + 3), 3 * i);
  return { width, height, rgb };
}

interface Fig {
  plane: string;
  axis: number;
  slice: number;
  svg: string;
  png: Png;
}

/** The report's figures: plane, slice, SVG and decoded PNG (whose size must match the SVG's). */
function figures(html: string): Fig[] {
  const out: Fig[] = [];
  const re = /<figure class="figure" data-plane="(\w+)" data-axis="(\d)" data-slice="(\d+)">(<svg[\s\S]*?<\/svg>)/g;
  for (const [, plane, axis, slice, svg] of html.matchAll(re)) {
    const size = /<svg [^>]*width="(\d+)" height="(\d+)"/.exec(svg)!;
    const b64 = /<image href="data:image\/png;base64,([A-Za-z0-9+/=]+)"/.exec(svg)![1];
    const png = decodePng(Buffer.from(b64, 'base64'));
    assert.deepEqual([png.width, png.height], [Number(size[1]), Number(size[2])], `${plane}: PNG size = SVG size`);
    out.push({ plane, axis: Number(axis), slice: Number(slice), svg, png });
  }
  return out;
}

const isRed = (p: Png, x: number, y: number) => {
  const o = (y * p.width + x) * 3;
  return p.rgb[o] > p.rgb[o + 1] + 60 && p.rgb[o] > p.rgb[o + 2] + 60;
};
const countRed = (p: Png) => {
  let n = 0;
  for (let y = 0; y < p.height; y++) for (let x = 0; x < p.width; x++) if (isRed(p, x, y)) n++;
  return n;
};

test('renderReport: numbers, phantom notice, three self-contained figures', () => {
  const label = ellipse();
  const inp = input(label, { seconds: { segmentation: 12.34, measurement: 0.5 }, notes: ['checked by hand'] });
  const m = inp.measurements;
  const html = renderReport(inp);
  const v = m.volumes;
  for (const s of [
    `${v.extrameatal.mm3.toFixed(1)} mm³`, `${v.extrameatal.ml.toFixed(2)} mL`,
    `${v.intrameatal.mm3.toFixed(1)} mm³`, `${v.wholeTumour.mm3.toFixed(1)} mm³`, `${v.wholeTumour.ml.toFixed(2)} mL`,
    '12.0 mm</strong>', 'axial slice 2 (0-based, array axis z)', '0-based array indices',
    `${m.wholeTumourAxialDiameter!.mm.toFixed(1)} mm`, `${m.intrameatalExtent!.mm.toFixed(1)} mm`,
    'case01_T2', '2025-03-04 05:06 UTC', 'meatus version', '9.9.9', '12.3 s', '12.8 s', 'checked by hand',
  ]) {
    assert.ok(html.includes(s), `report shows ${s}`);
  }
  assert.match(html, /id="phantom-notice"[^>]*>[\s\S]*synthetic phantoms/);
  // Self-contained: no external resources, no scripts.
  assert.doesNotMatch(html, /<script|<link|src="http|href="http|url\(/i);
  const figs = figures(html);
  assert.deepEqual(figs.map((f) => [f.plane, f.axis]), [['axial', 0], ['coronal', 1], ['sagittal', 2]]);
  assert.equal(figs[0].slice, 2);
  assert.ok(figs.every((f) => countRed(f.png) > 100), 'every figure shows the EM overlay');
  assert.ok(html.length < 1_000_000, `${html.length} bytes`);

  const real = renderReport({ ...inp, model: { ...MODEL, trainedOn: 'crossMoDA 2023 (patient scans)' } });
  assert.doesNotMatch(real, /phantom-notice/);
  assert.match(real, /id="model-notice"[^>]*><strong>Model not checked by meatus/, 'a model other than the built-in one is flagged');
  assert.doesNotMatch(renderReport({ ...inp, model: { ...MODEL, builtIn: true } }), /model-notice/);
});

test('renderReport: the fixes of issue 16 — notes once, case title without _0000, one eigenvalue ratio, guideline rows', () => {
  // A short, thick IM part (barely elongated: a note with the eigenvalue ratio) and no EM part.
  const label = makeLabel([5, 40, 40], diagonalAffine([2, 0.5, 0.5]), (x, y, z) => (x >= 10 && x <= 13 && y >= 10 && y <= 12 && z === 2 ? 2 : 0));
  const m = measure(label);
  const note = m.notes.find((n) => n.includes('eigenvalue ratio'))!;
  assert.ok(note, 'an eigenvalue-ratio note');
  const html = renderReport(input(label, { source: '/data/imagesTs/VS_p001_t02_0000.nii.gz', notes: [...m.notes, 'extra'] }));
  for (const n of [...m.notes, 'extra']) assert.equal(html.split(`<li>${n.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')}</li>`).length - 1, 1, `note once: ${n}`);
  assert.match(html, /<span class="scan">VS_p001_t02<\/span>/);
  const ratio = /eigenvalue ratio ([\d.]+)/.exec(note)![1];
  assert.ok(html.includes(`axis eigenvalue ratio ${ratio}<`), `table shows the note's ratio ${ratio}`);
  assert.match(html, /Reported size<\/strong><\/th><td><strong>[\d.]+ mm<\/strong><\/td><td>whole-tumour axial diameter — <strong>Koos grade I/);
  assert.match(renderReport(input(label, { caseId: 'given' })), /<span class="scan">given<\/span>/);
});

test('renderReport: the diameter line ends where the voxels are drawn', () => {
  const inp = input(ellipse(true, false));
  const d = inp.measurements.extrameatalAxialDiameter!;
  const ends = d.endpoints.voxel.map((p) => p.join(',')).sort();
  assert.deepEqual(ends, ['108,70,2', '132,70,2']);
  const axial = figures(renderReport(inp))[0];
  // Crop: tumour box x 108–132 (12.5 mm), y 64–76 → side max(40, 3 × 12.5) = 40 mm = 80 voxels,
  // 360 px (4.5 px per voxel). Display order: x flipped (index 199 − x; R on the left), y flipped
  // (159 − y; anterior up). Box centre in display order: x 79, y 89 → crop starts 39 and 49.
  // Pixel of a voxel centre: (display index + 0.5 − start) × 4.5.
  assert.deepEqual([axial.png.width, axial.png.height], [360, 360]);
  const g = /<g class="diameter" data-x1="([\d.]+)" data-y1="([\d.]+)" data-x2="([\d.]+)" data-y2="([\d.]+)"/.exec(axial.svg)!;
  const got = [[Number(g[1]), Number(g[2])], [Number(g[3]), Number(g[4])]].sort((a, b) => a[0] - b[0]);
  const expected = [[(199 - 132 + 0.5 - 39) * 4.5, (159 - 70 + 0.5 - 49) * 4.5], [(199 - 108 + 0.5 - 39) * 4.5, (159 - 70 + 0.5 - 49) * 4.5]];
  assert.deepEqual(expected, [[128.25, 182.25], [236.25, 182.25]]);
  // Written with one decimal: within 0.05 px.
  for (let i = 0; i < 2; i++) {
    for (let k = 0; k < 2; k++) assert.ok(Math.abs(got[i][k] - expected[i][k]) <= 0.051, `end ${i}: ${got[i]} vs ${expected[i]}`);
  }
  // The end voxels' pixels are red; two voxels beyond each end (9 px) they are not.
  assert.ok(isRed(axial.png, 128, 182) && isRed(axial.png, 236, 182));
  assert.ok(!isRed(axial.png, 119, 182) && !isRed(axial.png, 245, 182));
  assert.ok(axial.svg.includes('>12.0 mm</text>'));
});

test('renderReport: a purely intrameatal tumour has no extrameatal part and no diameter line', () => {
  const inp = input(ellipse(false));
  const html = renderReport(inp);
  assert.match(html, /Extrameatal volume<\/th><td>0\.0 mm³<\/td><td>no extrameatal part/);
  assert.match(html, /Largest extrameatal axial diameter<\/th><td>0\.0 mm<\/td><td>no extrameatal part/);
  assert.ok(html.includes('purely intrameatal'));
  const figs = figures(html);
  assert.equal(figs.length, 3);
  assert.equal(figs[0].slice, 2, 'axial slice through the centroid');
  assert.ok(!html.includes('class="diameter"'));
  assert.ok(figs.every((f) => countRed(f.png) === 0));
});

test('renderReport: every input string is escaped', () => {
  const evil = '<script>alert(1)</script>&"';
  const html = renderReport(
    input(ellipse(), {
      source: `/data/${evil}.nii.gz`,
      model: { name: `<img src=x onerror=alert(2)>`, version: evil, trainedOn: `phantom ${evil}`, tasks: evil },
      notes: [evil],
      seconds: { [evil]: 1 },
    }),
  );
  assert.ok(!html.includes('<script') && !html.includes('<img'));
  assert.ok(html.includes('&lt;script&gt;alert(1)&lt;/script&gt;&amp;&quot;'));
  assert.ok(html.includes('&lt;img src=x onerror=alert(2)&gt;'));
});

test('renderReport: coronally stored volume (axial axis = array y) — axial figure through the EM diameter slice', () => {
  // Voxel (x, y, z) → RAS (0.5 x, −0.5 z, 1.5 y): x → R, y → S (1.5 mm slices), z → P.
  const affine: Mat4 = [0.5, 0, 0, 0, 0, 0, -0.5, 0, 0, 1.5, 0, 0, 0, 0, 0, 1];
  const shape: Vec3 = [60, 16, 60];
  // EM ellipse in the x–z plane (axial), largest on y = 6 (semi-axes 10 × 5), smaller on y = 5, 7.
  const label = makeLabel(shape, affine, (x, y, z) => {
    const [a, b] = y === 6 ? [10, 5] : y === 5 || y === 7 ? [5, 3] : [0, 0];
    return a > 0 && ((x - 30) / a) ** 2 + ((z - 30) / b) ** 2 <= 1 ? 1 : 0;
  });
  assert.deepEqual(label.spacing, [0.5, 1.5, 0.5]);
  const inp = input(label);
  const d = inp.measurements.extrameatalAxialDiameter!;
  assert.deepEqual([d.axis, d.sliceIndex], [1, 6]);
  const figs = figures(renderReport(inp));
  assert.deepEqual(figs.map((f) => [f.plane, f.axis, f.slice]), [['axial', 1, 6], ['coronal', 0, 30], ['sagittal', 2, 30]]);
  // The whole field of view (30 × 24 × 30 mm) fits in the 40 mm crop; pixels are square in mm:
  // axial 30 × 30 mm, coronal and sagittal 30 mm wide × 24 mm high (16 slices of 1.5 mm).
  assert.deepEqual(figs.map((f) => [f.png.width, f.png.height]), [[360, 360], [360, 288], [360, 288]]);
  // Axial: the red area is the ellipse on y = 6 (voxels × (0.5 mm / (30/360 mm))²), not y = 5 or 7's.
  const voxels = label.data.reduce((n, v, i) => n + (v === 1 && Math.floor(i / 60) % 16 === 6 ? 1 : 0), 0);
  const red = countRed(figs[0].png);
  assert.ok(Math.abs(red - voxels * 36) < 0.1 * voxels * 36, `red ${red} px vs ${voxels * 36}`);
  // The line runs left–right through the ellipse's middle row, from x = 20 to 40 on z = 30. The crop
  // is the whole slice (starts at −0.5), 6 px per voxel; x is flipped (59 − x), z is not (it points
  // posteriorly: anterior already up). Pixel of a voxel centre: (display index + 1) × 6.
  const g = /data-x1="([\d.]+)" data-y1="([\d.]+)" data-x2="([\d.]+)" data-y2="([\d.]+)"/.exec(figs[0].svg)!;
  assert.deepEqual([Number(g[2]), Number(g[4])], [(30 + 1) * 6, (30 + 1) * 6]);
  assert.deepEqual([Number(g[1]), Number(g[3])].sort((a, b) => a - b), [(59 - 40 + 1) * 6, (59 - 20 + 1) * 6]);
});

test('writeReport writes the rendered report atomically', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'meatus-report-'));
  try {
    const inp = input(ellipse());
    await writeReport(join(dir, 'out', 'report.html'), inp);
    assert.equal(await readFile(join(dir, 'out', 'report.html'), 'utf8'), renderReport(inp));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('renderReport: rejects a label on another grid', () => {
  const label = ellipse();
  const t2 = t2Like(makeLabel([5, 160, 199], diagonalAffine([2, 0.5, 0.5]), () => 0));
  assert.throws(() => renderReport({ ...input(label), t2 }), /renderReport: label: shape 5×160×200 differs from the T2 shape 5×160×199/);
});

test('renderReport: tumour on both sides of the head gets a table per side and a visible notice', () => {
  // The ellipse's EM part (x 108…132) on the right; with RAS x = voxel x / 2 − 50, x < 100 is the left.
  const affine = diagonalAffine([2, 0.5, 0.5]);
  affine[3] = -50;
  const label = makeLabel([5, 160, 200], affine, (x, y, z) => {
    if (z === 2 && x >= 20 && x <= 23 && y >= 68 && y <= 71) return 2; // left: 4 × 4 IM voxels of 0.5 mm³, 8 mm³
    const [a, b] = z === 2 ? [12, 6] : z === 1 || z === 3 ? [8, 4] : [0, 0];
    return a > 0 && ((x - 120) / a) ** 2 + ((y - 70) / b) ** 2 <= 1 ? 1 : 0;
  });
  const m = measure(label);
  const html = renderReport(input(label));
  assert.match(html, /id="both-sides"/);
  const left = html.indexOf('<h3>Left side</h3>');
  const right = html.indexOf('<h3>Right side</h3>');
  assert.ok(left > 0 && right > left, 'left, then right');
  assert.equal(html.slice(left, right).match(/Intrameatal volume<\/th><td><strong>([\d.]+) mm³/)?.[1], '8.0');
  assert.equal(html.slice(right).match(/Extrameatal volume<\/th><td><strong>([\d.]+) mm³/)?.[1], m.sides!.right.volumes.extrameatal.mm3.toFixed(1));
  assert.equal(renderReport(input(ellipse())).includes('both-sides'), false);
  assert.equal(html.includes('<strong>Side</strong>'), false, 'each side\'s table is headed by its side');
  // One side (RAS x = voxel x / 2 ≥ 0): the side row, with its basis.
  assert.match(renderReport(input(ellipse())), /<strong>Side<\/strong><\/th><td><strong>right<\/strong><\/td><td>the patient's right \(RAS x ≥ 0/);
  // With extrameatal voxels on the left too, the combined EM diameter would span the head (about
  // 50 mm); the top level and the axial figure give the larger side's own one (the right ellipse's,
  // 24 voxels × 0.5 mm = 12 mm).
  const both = makeLabel([5, 160, 200], affine, (x, y, z) => (z === 2 && x >= 20 && x <= 23 && y >= 68 && y <= 71 ? 1 : label.data[(z * 160 + y) * 200 + x]));
  const mb = measure(both);
  assert.equal(mb.sides!.right.extrameatalAxialDiameter!.mm, 12);
  assert.equal(mb.extrameatalAxialDiameter!.mm, 12, 'the larger tumour\'s, not across the head');
  const report = renderReport(input(both));
  const axial = report.match(/<figure class="figure" data-plane="axial"[^>]*>([\s\S]*?)<\/figure>/)![1];
  assert.match(axial, /12\.0 mm/);
  assert.match(axial, /largest extrameatal diameter of the right side \(yellow\)/);
  // The sagittal slice goes through the larger (right) tumour's centroid, x = 120, not the gap between them.
  const sagittal = report.match(/<figure class="figure" data-plane="sagittal"[^>]*>([\s\S]*?)<\/figure>/)![1];
  assert.match(sagittal, /slice 120 \(0-based\) along array axis x[^<]*through the centroid of the right-side tumour \(the larger\)/);
});
