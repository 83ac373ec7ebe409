// Growth over time: doubling time and rates against hand calculations, the flags on both sides of
// each threshold, the order from dates or names, the errors, and a longitudinal phantom whose set
// growth the measured growth must match.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { computeGrowth, doublingTime, resolveGrowthThresholds, type GrowthInput } from '../../src/measure/growth.js';
import { growthCsv } from '../../src/measure/growth-report.js';
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
  assert.match(csv[2], /^P,P_t2,2021-01-01,1\.002053,110,990,1100,11\.5,extrameatal axial diameter,false,1\.5,100,10,/);
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
