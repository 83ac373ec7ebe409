import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  casesToCsv,
  csvNumber,
  fmtP,
  pairTest,
  pairTests,
  parseCasesCsv,
  parseCsvNumber,
  table1,
  table2,
  wilcoxonTable,
} from '../../src/evaluate/tables.js';
import { fakeCase as mk } from './fake-methods.js';

test('csvNumber / parseCsvNumber: inf, -inf, nan and exact round trip', () => {
  for (const v of [0, -0.5, 1 / 3, 0.1 + 0.2, 1e-300, 123456.789, Infinity, -Infinity, NaN]) {
    assert.ok(Object.is(parseCsvNumber(csvNumber(v), 'x'), v) || (v === 0 && parseCsvNumber(csvNumber(v), 'x') === 0), String(v));
  }
  assert.equal(csvNumber(Infinity), 'inf');
  assert.equal(csvNumber(NaN), 'nan');
  assert.equal(parseCsvNumber('Infinity', 'x'), Infinity);
  assert.ok(Number.isNaN(parseCsvNumber('NaN', 'x')));
  assert.throws(() => parseCsvNumber('abc', 'cases.csv: line 3'), /cases\.csv: line 3: expected a number, inf or nan, got 'abc'/);
  assert.throws(() => parseCsvNumber('', 'f'), /got ''/);
});

test('casesToCsv → parseCasesCsv round-trips, inf/nan and quoted ids included', () => {
  const cases = [
    mk('VS_p001_t01', { extrameatal: [0.8123456789, Infinity], intrameatal: [NaN, NaN] }, Infinity),
    mk('odd,"id"', { wholeTumour: [0.9, 1 / 3] }, NaN),
  ];
  const csv = casesToCsv(cases);
  const lines = csv.trim().split('\n');
  assert.equal(lines.length, 3);
  assert.ok(lines[0].startsWith('id,background_dice,background_assd,background_hd95,extrameatal_dice,'));
  assert.ok(lines[0].endsWith(',wholeTumour_hd95,boundary_assd'));
  assert.match(lines[1], /^VS_p001_t01,1,0,0,0\.8123456789,inf,inf,nan,nan,nan,/);
  assert.ok(lines[1].endsWith(',inf'));
  assert.ok(lines[2].startsWith('"odd,""id""",'));
  assert.deepEqual(parseCasesCsv(csv), cases);
  assert.deepEqual(parseCasesCsv(csv.replace(/\n/g, '\r\n')), cases);
});

test('parseCasesCsv: errors name the file, line and column', () => {
  const csv = casesToCsv([mk('a', {})]);
  assert.throws(() => parseCasesCsv('', 'x/cases.csv'), /x\/cases\.csv: empty/);
  assert.throws(() => parseCasesCsv(csv.replace('boundary_assd', 'b'), 'f.csv'), /f\.csv: header: missing column 'boundary_assd'/);
  assert.throws(() => parseCasesCsv(csv.replace(/,0\.5\n$/, ',x\n'), 'f.csv'), /f\.csv: line 2, column 'boundary_assd': expected a number, inf or nan, got 'x'/);
  assert.throws(() => parseCasesCsv(csv.replace(/,0\.5\n$/, '\n'), 'f.csv'), /f\.csv: line 2: 13 fields, expected 14/);
});

const A = {
  name: 'baseline',
  cases: [
    mk('c1', { extrameatal: [0.8, 1], intrameatal: [0.5, Infinity], wholeTumour: [0.9, 0.5] }),
    mk('c2', { extrameatal: [0.6, 3], intrameatal: [0.7, 2], wholeTumour: [0.9, 0.5] }),
  ],
};
const B = {
  name: 'two-stage γ=0.5',
  cases: [
    mk('c1', { extrameatal: [1, 1], intrameatal: [NaN, NaN], wholeTumour: [0.95, 0.25] }),
    mk('c2', { extrameatal: [NaN, NaN], intrameatal: [0.75, 1], wholeTumour: [0.85, 0.75] }),
  ],
};

test('table1: Dice mean ± SD (population SD), one row per method, NaN noted', () => {
  const t = table1([A, B]);
  assert.equal(
    t.markdown,
    `Dice score, mean ± SD (Table 1)

| Method | n | EM | IM | WT |
| --- | ---: | ---: | ---: | ---: |
| baseline | 2 | 0.7000 ± 0.1000 | 0.6000 ± 0.1000 | 0.9000 ± 0.0000 |
| two-stage γ=0.5 | 2 | 1.0000 ± 0.0000 (1 NaN) | 0.7500 ± 0.0000 (1 NaN) | 0.9000 ± 0.0500 |
`,
  );
  const rows = t.csv.trim().split('\n');
  assert.equal(rows[0], 'method,n,extrameatal_mean,extrameatal_sd,extrameatal_nan,intrameatal_mean,intrameatal_sd,intrameatal_nan,wholeTumour_mean,wholeTumour_sd,wholeTumour_nan');
  assert.equal(rows[2], 'two-stage γ=0.5,2,1,0,1,0.75,0,1,0.8999999999999999,0.04999999999999999,0');
});

test('table2: ASSD median, p75, p25 (infinities kept), inf counts', () => {
  const t = table2([A, B]);
  assert.equal(
    t.markdown,
    `ASSD (mm): median, 75th and 25th percentile (Table 2)

| Method | n | EM median | EM p75 | EM p25 | IM median | IM p75 | IM p25 | WT median | WT p75 | WT p25 | inf (EM/IM/WT) |
| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |
| baseline | 2 | 2.0000 | 2.5000 | 1.5000 | inf | inf | inf | 0.5000 | 0.5000 | 0.5000 | 0/1/0 |
| two-stage γ=0.5 | 2 | 1.0000 | 1.0000 | 1.0000 | 1.0000 | 1.0000 | 1.0000 | 0.5000 | 0.6250 | 0.3750 | 0/0/0 |
`,
  );
  assert.equal(t.csv.split('\n')[1], 'baseline,2,2,2.5,1.5,0,0,inf,inf,inf,1,0,0.5,0.5,0.5,0,0');
});

test('pairTest: paired by id, NaN pairs dropped and counted, inf = inf a zero difference', () => {
  const t = pairTest(A, B, 'dice', 'extrameatal');
  assert.deepEqual({ n: t.n, dropped: t.dropped }, { n: 1, dropped: 1 });
  const x = { name: 'x', cases: [1, 2, 3, 4, 5, 6].map((i) => mk(`c${i}`, { intrameatal: [0.5 + i / 100, i === 6 ? Infinity : i] })) };
  const y = { name: 'y', cases: [6, 5, 4, 3, 2, 1, 7].map((i) => mk(`c${i}`, { intrameatal: [0.4 + i / 1000, i === 6 ? Infinity : i + 0.5] })) };
  const d = pairTest(x, y, 'dice', 'intrameatal');
  assert.deepEqual([d.n, d.dropped, d.statistic, d.method], [6, 0, 0, 'exact']);
  assert.equal(d.pValue, 2 / 64);
  const a = pairTest(x, y, 'assd', 'intrameatal');
  assert.equal(a.n, 6); // c6: inf vs inf is a zero difference, not NaN
  assert.deepEqual([a.statistic, a.method], [0, 'approx']);
  assert.equal(pairTests([A, B, x]).length, 3 * 2 * 3);
});

test('wilcoxonTable: one row per pair, p-values per metric × class, dropped counts', () => {
  const tests = pairTests([A, B], ['extrameatal', 'wholeTumour']);
  const t = wilcoxonTable(tests, ['extrameatal', 'wholeTumour']);
  assert.equal(
    t.markdown,
    `Two-sided Wilcoxon signed-rank test, paired by case: p-values (* p < 0.05)

| Methods | n | Dice EM | Dice WT | ASSD EM | ASSD WT |
| --- | ---: | ---: | ---: | ---: | ---: |
| baseline vs two-stage γ=0.5 | 2 | 1.0000 (1 dropped) | 1.0000 | n/a (1 dropped) | 1.0000 |

(k dropped): cases left out because a value was NaN.
`,
  );
  const rows = t.csv.trim().split('\n');
  assert.equal(rows[0], 'method_a,method_b,metric,class,n,dropped,statistic,p_value,test');
  assert.equal(rows.length, 1 + 4);
  assert.equal(rows[1], 'baseline,two-stage γ=0.5,dice,extrameatal,1,1,0,1,exact');
  assert.equal(rows[3], 'baseline,two-stage γ=0.5,assd,extrameatal,1,1,nan,nan,approx');
  assert.equal(fmtP(0.00001), '<0.0001 *');
  assert.equal(fmtP(0.2), '0.2000');
  assert.equal(fmtP(NaN), 'n/a');
});
