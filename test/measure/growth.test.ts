// Growth over time: doubling time and rates against hand calculations, the flags on both sides of
// each threshold, the order from dates or names, the errors, and a longitudinal phantom whose set
// growth the measured growth must match.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { computeGrowth, computeGrowthBySide, doublingTime, resolveGrowthThresholds, type GrowthInput } from '../../src/measure/growth.js';
import { growthCsv, renderGrowthReport, type GrowthScan } from '../../src/measure/growth-report.js';
import { diagonalAffine } from '../../src/volume/volume.js';
import { measure, type Measurements } from '../../src/measure/index.js';
import { generateSeries, setGrowthFactor, addMonths } from '../../src/data/phantom/longitudinal.js';
import type { ReportedKind } from '../../src/measure/guideline.js';

const close = (a: number | null, b: number, what: string, tol = 1e-9) => assert.ok(a !== null && Math.abs(a - b) <= tol, `${what}: ${a} vs ${b}`);

/** Measurements with the given volumes (mm³) and reported size; the rest is not read by growth. */
function fake(wt: number, reported: number, em = wt * 0.9, kind: ReportedKind = 'extrameatal axial diameter'): Measurements {
  const v = (mm3: number) => ({ mm3, ml: mm3 / 1000 });
  return {
    volumes: { extrameatal: v(em), intrameatal: v(wt - em), wholeTumour: v(wt) },
    guideline: { reportedSize: { mm: reported, kind, koosI: kind !== 'extrameatal axial diameter' } },
  } as unknown as Measurements;
}
const scan = (name: string, date: string | null, wt: number, d: number, kind?: ReportedKind): GrowthInput => ({ case: name, date, measurements: fake(wt, d, wt * 0.9, kind) });

test('doublingTime: Schwartz formula against hand calculations', () => {
  close(doublingTime(1000, 2000, 1.5), 1.5, 'doubles in 1.5 y');
  // 1000 → 1500 mm³ in 2 years: 2 · ln 2 / ln 1.5 = 1.386294 / 0.405465 = 3.419023 years.
  close(doublingTime(1000, 1500, 2), 3.419023, 'V × 1.5 in 2 y', 1e-6);
  close(doublingTime(1000, 500, 1), -1, 'halves in a year: −1');
  assert.equal(doublingTime(1000, 1000, 1), null);
  assert.equal(doublingTime(0, 1000, 1), null);
  assert.equal(doublingTime(1000, 2000, null), null);
});

test('computeGrowth: changes, rates and doubling time between dated scans', () => {
  // 2020-01-01 → 2021-01-01 (366 days) → 2022-07-02 (547 days later): 913 days in all.
  const s = computeGrowth('P', [scan('P_t1', '2020-01-01', 1000, 10), scan('P_t2', '2021-01-01', 1100, 11.5), scan('P_t3', '2022-07-02', 2000, 13)]);
  assert.equal(s.timeFrom, 'dates');
  const [a, b, c] = s.timepoints;
  close(a.years, 0, 't1');
  close(b.years, 366 / 365.25, 't2 years');
  close(c.years, 913 / 365.25, 't3 years');
  assert.equal(a.sincePrevious, null);
  const p = b.sincePrevious!;
  close(p.diameterMm, 1.5, 'Δd');
  close(p.diameterPercent, 15, 'Δd %');
  close(p.volumeMm3.wholeTumour, 100, 'ΔV');
  close(p.volumePercent.wholeTumour, 10, 'ΔV %', 1e-9);
  close(p.diameterMmPerYear, 1.5 / (366 / 365.25), 'mm/y');
  close(p.volumePercentPerYear, (1.1 ** (365.25 / 366) - 1) * 100, '%/y');
  close(p.doublingTimeYears, ((366 / 365.25) * Math.LN2) / Math.log(1.1), 'VDT');
  assert.deepEqual([p.linearFlag, p.volumeFlag], ['none', 'borderline']);
  const f = c.sinceFirst!;
  close(f.diameterMm, 3, 'Δd since first');
  close(f.doublingTimeYears, 913 / 365.25, 'doubled since the first scan: VDT = Δt');
  assert.deepEqual([f.linearFlag, f.volumeFlag], ['significant', 'significant']);
  assert.equal(s.summary, 'Extrameatal axial diameter grew 3.0 mm (10.0 → 13.0 mm) in 30 months: significant (threshold 2 mm); whole-tumour volume +100 % (1000 → 2000 mm³): significant (threshold 20 %), doubling time 2.5 years.');
  const csv = growthCsv([s]).trim().split('\n');
  assert.equal(csv.length, 4);
  assert.match(csv[2], /^P,,P_t2,2021-01-01,1\.002053,110,990,1100,11\.5,extrameatal axial diameter,false,1\.5,100,10,/);
});

test('computeGrowth: flags on both sides of each threshold (2 mm, 20 %, 10 %), thresholds as options', () => {
  const pair = (d2: number, v2: number, t = {}) => computeGrowth('P', [scan('P_t1', '2020-01-01', 1000, 10), scan('P_t2', '2021-01-01', v2, d2)], t).timepoints[1].sincePrevious!;
  assert.equal(pair(12, 1000).linearFlag, 'significant');
  assert.equal(pair(11.99, 1000).linearFlag, 'none');
  assert.equal(pair(8, 1000).linearFlag, 'decrease');
  assert.equal(pair(10, 1200).volumeFlag, 'significant');
  assert.equal(pair(10, 1199).volumeFlag, 'borderline');
  assert.equal(pair(10, 1100).volumeFlag, 'borderline');
  assert.equal(pair(10, 1099).volumeFlag, 'none');
  assert.equal(pair(10, 800).volumeFlag, 'decrease');
  assert.equal(pair(13, 1000, { linearMm: 3 }).linearFlag, 'significant');
  assert.equal(pair(12.9, 1000, { linearMm: 3 }).linearFlag, 'none');
  assert.equal(pair(10, 1150, { volumePercent: 15, volumeWatchPercent: 5 }).volumeFlag, 'significant');
  assert.throws(() => resolveGrowthThresholds({ volumeWatchPercent: 30 }), /volumeWatchPercent \(30\) must not exceed volumePercent \(20\)/);
  assert.throws(() => resolveGrowthThresholds({ linearMm: -1 }), /linearMm: expected a positive number/);
});

test('computeGrowth: order from dates, else from the names; errors name the case', () => {
  const s = computeGrowth('P', [scan('P_t2', '2021-03-01', 1100, 11), scan('P_t1', '2020-01-01', 1000, 10)]);
  assert.deepEqual(s.timepoints.map((t) => t.case), ['P_t1', 'P_t2']);
  const undated = computeGrowth('P', [scan('P_t1', null, 1000, 10), scan('P_t2', null, 1300, 12.5, 'whole-tumour axial diameter')]);
  assert.equal(undated.timeFrom, 'names');
  assert.equal(undated.timepoints[1].sincePrevious!.years, null);
  assert.equal(undated.timepoints[1].sincePrevious!.doublingTimeYears, null);
  assert.equal(undated.timepoints[1].sincePrevious!.kindChanged, true);
  assert.match(undated.summary, /over 2 scans: significant .*compare with care/);
  assert.throws(() => computeGrowth('P', [scan('P_t1', '2020-01-01', 1, 1), scan('P_t2', null, 1, 1)]), /case 'P_t2' has no date while 1 other scan\(s\) have one/);
  assert.throws(() => computeGrowth('P', [scan('P_t1', '2020-01-01', 1, 1), scan('P_t2', '2020-01-01', 1, 1)]), /'P_t1' and 'P_t2' have the same date 2020-01-01/);
  assert.throws(() => computeGrowth('P', [scan('P_t1', '2020-02-30', 1, 1)]), /date of 'P_t1': expected an ISO date/);
  assert.throws(() => computeGrowth('P', [scan('P_t1', null, 1, 1), scan('P_t1', null, 1, 1)]), /case 'P_t1' is given twice/);
  assert.throws(() => computeGrowth('P', []), /no scans/);
  assert.match(computeGrowth('P', [scan('P_t1', null, 1000, 10)]).summary, /^One scan \(P_t1\)/);
});

test('computeGrowthBySide: tumour on both sides is followed per side; one side keeps one series', () => {
  const one = (m: Measurements, side: 'left' | 'right'): Measurements => ({ ...m, side });
  // Both sides: the whole label's volumes add up; its diameter spans the head (40 mm).
  const both = (left: Measurements, right: Measurements): Measurements => ({ ...fake(left.volumes.wholeTumour.mm3 + right.volumes.wholeTumour.mm3, 40), sides: { left, right } }) as Measurements;
  // t1: left 1000 mm³ (10 mm) only; t2: left 1500 mm³ (12.5 mm) and right 200 mm³ (6 mm); t3: right 300 mm³ (8 mm) only.
  const scans: GrowthInput[] = [
    { case: 'P_t1', date: '2020-01-01', measurements: one(fake(1000, 10), 'left') },
    { case: 'P_t2', date: '2021-01-01', measurements: both(fake(1500, 12.5), fake(200, 6, 100, 'whole-tumour axial diameter')) },
    { case: 'P_t3', date: '2022-01-01', measurements: one(fake(300, 8, 150, 'whole-tumour axial diameter'), 'right') },
  ];
  const [left, right] = computeGrowthBySide('P', scans);
  assert.deepEqual([left.side, right.side], ['left', 'right']);
  assert.deepEqual(left.timepoints.map((t) => t.volumes.wholeTumour), [1000, 1500, 0]);
  assert.deepEqual(left.timepoints.map((t) => t.reportedKind), ['extrameatal axial diameter', 'extrameatal axial diameter', 'none']);
  assert.deepEqual(right.timepoints.map((t) => t.volumes.wholeTumour), [0, 200, 300]);
  assert.deepEqual(right.timepoints.map((t) => t.reportedMm), [0, 6, 8]);
  // Right: 200 → 300 mm³ in 366 days: +50 %, significant; 6 → 8 mm: +2 mm, significant; from 0 no %.
  close(right.timepoints[2].sincePrevious!.volumePercent.wholeTumour, 50, 'right ΔV %');
  assert.deepEqual([right.timepoints[2].sincePrevious!.linearFlag, right.timepoints[2].sincePrevious!.volumeFlag], ['significant', 'significant']);
  assert.equal(right.timepoints[2].sinceFirst!.volumePercent.wholeTumour, null);
  assert.match(left.summary, /^Left side: Reported size shrank 10\.0 mm \(10\.0 → 0\.0 mm\) in 24 months/);
  assert.match(right.summary, /^Right side: Whole-tumour axial diameter grew 8\.0 mm \(0\.0 → 8\.0 mm\) in 24 months: significant .*whole-tumour volume from 0\./);
  // Without the split the series would mix the two tumours: 1000 → 1700 → 300 mm³.
  assert.deepEqual(computeGrowth('P', scans).timepoints.map((t) => t.volumes.wholeTumour), [1000, 1700, 300]);
  assert.equal(computeGrowth('P', scans).side, undefined);
  const csv = growthCsv([left, right]).trim().split('\n');
  assert.equal(csv[0].split(',').slice(0, 3).join(','), 'patient,side,case');
  assert.deepEqual(csv.slice(1).map((l) => l.split(',').slice(0, 3).join(',')), ['P,left,P_t1', 'P,left,P_t2', 'P,left,P_t3', 'P,right,P_t1', 'P,right,P_t2', 'P,right,P_t3']);
  // One side only (all three on the right): one series, as computeGrowth, with its side.
  const rightOnly = scans.map((s) => ({ ...s, measurements: one(fake(1000, 10), 'right') }));
  const single = computeGrowthBySide('P', rightOnly);
  assert.equal(single.length, 1);
  assert.equal(single[0].side, 'right');
  assert.match(single[0].summary, /^Right side: Extrameatal axial diameter did not change/);
  assert.match(growthCsv(single).split('\n')[1], /^P,right,P_t1,/);
  // No tumour at all: one series, no side.
  const none = computeGrowthBySide('P', [scan('P_t1', null, 0, 0, 'none'), scan('P_t2', null, 0, 0, 'none')]);
  assert.deepEqual([none.length, none[0].side], [1, undefined]);
  assert.equal(none[0].summary, 'No tumour at any of the 2 scans.');
  // Tumour → none is not a change of measurement (EM vs whole tumour): no "compare with care".
  assert.equal(left.timepoints[2].sincePrevious!.kindChanged, false);
  assert.doesNotMatch(left.summary, /compare with care/);
});

test('renderGrowthReport: a section, a summary and thumbnails per side', () => {
  // A 4 × 4 × 20 label, 1 mm voxels, RAS x = voxel x − 10: a left tumour at x 2–3, a right one at x 15–17.
  const affine = diagonalAffine([1, 1, 1]);
  affine[3] = -10;
  const shape: [number, number, number] = [4, 4, 20];
  const at = (z: number, y: number, x: number) => (z * 4 + y) * 20 + x;
  const make = (right: boolean) => {
    const data = new Uint8Array(320);
    for (let z = 1; z < 3; z++) for (let y = 1; y < 3; y++) for (let x = 2; x < 4; x++) data[at(z, y, x)] = 1;
    if (right) for (let x = 15; x < 18; x++) data[at(1, 1, x)] = 2;
    return { data, shape, spacing: [1, 1, 1] as [number, number, number], affine };
  };
  const labels = [make(false), make(true)];
  const ms = labels.map((l) => measure(l));
  assert.equal(ms[0].side, 'left');
  assert.ok(ms[1].sides);
  const scans: GrowthScan[] = labels.map((label, k) => ({ case: `P_t${k + 1}`, t2: null, label, measurements: ms[k] }));
  const series = computeGrowthBySide('P', scans.map((s, k) => ({ case: s.case, date: `202${k}-01-01`, measurements: s.measurements })));
  assert.deepEqual(series.map((s) => s.side), ['left', 'right']);
  const html = renderGrowthReport({ series, scans, date: new Date(0) });
  assert.match(html, /id="both-sides"/);
  assert.match(html, /<h2 id="side-left">Left side<\/h2>[^]*<h2 id="side-right">Right side<\/h2>/);
  assert.ok(html.includes(`id="summary-left">${series[0].summary}`));
  assert.ok(html.includes(`id="summary-right">${series[1].summary.replace(/→/g, '→')}`));
  assert.equal((html.match(/<figure class="thumb"/g) ?? []).length, 4, 'two scans × two sides');
  assert.match(html, /data-case="P_t1" data-side="right"[^]*?no tumour on the right side/);
  // One series: no side sections.
  const one = renderGrowthReport({ series: computeGrowth('P', [{ case: 'P_t1', date: null, measurements: ms[0] }]), scans: [scans[0]], date: new Date(0) });
  assert.doesNotMatch(one, /both-sides|side-left/);
  assert.match(one, /1 scans · no dates: ordered by name, no rates · left side · analysed/);
  assert.throws(() => renderGrowthReport({ series: [], scans }), /no series/);
});

test('longitudinal phantom: measured growth equals the set growth within the voxel discretisation', () => {
  // EM volume +40 %/year, scans 12 months apart: linear factor f = 1.4^(years/3), EM volume × f³.
  const series = generateSeries({ koos: 2, cropSizeMm: [40, 56, 56] }, 5, 3, { growth: { volumePercentPerYear: 40, intervalMonths: 12 } });
  assert.deepEqual(series.map((p) => p.meta.date), ['2020-01-01', '2021-01-01', '2022-01-01']);
  const m = series.map((p) => measure(p.label));
  for (const p of series) {
    // Nothing cut by the field of view: no tumour voxel on a face of the volume.
    const [nz, ny, nx] = p.label.shape;
    for (let i = 0; i < p.label.data.length; i++) {
      if (p.label.data[i] === 0) continue;
      const [x, y, z] = [i % nx, Math.floor(i / nx) % ny, Math.floor(i / (nx * ny))];
      assert.ok(x > 0 && y > 0 && z > 0 && x < nx - 1 && y < ny - 1 && z < nz - 1, 'tumour inside the field of view');
    }
  }
  const g = computeGrowth('VS', series.map((p, k) => ({ case: `VS_t${k + 1}`, date: p.meta.date!, measurements: m[k] })));
  series.forEach((p, k) => {
    const years = k === 0 ? 0 : (Date.parse(addMonths('2020-01-01', 12 * k)) - Date.parse('2020-01-01')) / (365.25 * 86_400_000);
    const f = setGrowthFactor(40, years);
    close(p.meta.sizeFactor ?? NaN, f, `set factor ${k}`, 1e-12);
    if (k === 0) return;
    const c = g.timepoints[k].sinceFirst!;
    // EM volume: × f³ (1.40, 1.96) — the centre-sampled labels differ by the net of their boundary voxels, under 3 %.
    const ratio = 1 + c.volumePercent.extrameatal! / 100;
    assert.ok(Math.abs(ratio / f ** 3 - 1) < 0.03, `EM volume ratio ${ratio.toFixed(4)} vs set ${(f ** 3).toFixed(4)}`);
    // EM diameter: × f, within two in-plane voxels of discretisation at each scan.
    const d0 = m[0].guideline.reportedSize.mm;
    const px = Math.max(p.label.spacing[1], p.label.spacing[2]);
    assert.equal(m[k].guideline.reportedSize.kind, 'extrameatal axial diameter');
    assert.ok(Math.abs(m[k].guideline.reportedSize.mm - d0 * f) < 2 * px * (1 + f), `EM diameter ${m[k].guideline.reportedSize.mm} vs ${d0 * f}`);
  });
  // EM volume doubling time: the set ln 2 / ln 1.4 = 2.06 years, within the volume tolerance's effect.
  const em = g.timepoints[2].sinceFirst!;
  const emDoubling = (em.years! * Math.LN2) / Math.log(1 + em.volumePercent.extrameatal! / 100);
  assert.ok(Math.abs(emDoubling - Math.LN2 / Math.log(1.4)) < 0.15, `EM doubling ${emDoubling}`);
  // A shrinking tumour (−30 %/year) is reported as a decrease.
  const shrink = generateSeries({ koos: 2, cropSizeMm: [40, 56, 56] }, 5, 2, { growth: { volumePercentPerYear: -30, intervalMonths: 12 } });
  const sm = shrink.map((p) => measure(p.label));
  const sg = computeGrowth('VS', shrink.map((p, k) => ({ case: `VS_t${k + 1}`, date: p.meta.date!, measurements: sm[k] })));
  const r = 1 + sg.timepoints[1].sinceFirst!.volumePercent.extrameatal! / 100;
  assert.ok(Math.abs(r / 0.7 ** (366 / 365.25) - 1) < 0.03, `shrinking EM volume ratio ${r}`);
  assert.throws(() => generateSeries({}, 1, 2, { growth: { volumePercentPerYear: -100 } }), /volumePercentPerYear: expected a number in \(−100, 1000\]/);
  assert.throws(() => generateSeries({}, 1, 2, { startDate: '2020-13-01' }), /startDate: expected an ISO date/);
});
