import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatScanDates, isoTime, parseScanDates } from '../../src/data/scan-dates.js';

test('scan dates: case,date CSV read and written; quoted names; date-times; errors name file, line and field', () => {
  const d = parseScanDates('\uFEFFcase,date,site\nVS_p001_t01,2020-01-31,x\n\n"a,b",2021-02-28T10:30\r\n', 'dates.csv');
  assert.deepEqual([...d], [['VS_p001_t01', '2020-01-31'], ['a,b', '2021-02-28T10:30']]);
  assert.equal(formatScanDates(d), 'case,date\nVS_p001_t01,2020-01-31\n"a,b",2021-02-28T10:30\n');
  assert.deepEqual(parseScanDates(formatScanDates(d), 'x'), d);
  assert.equal(isoTime('2020-03-01') - isoTime('2020-02-28'), 2 * 86_400_000);
  assert.ok(Number.isNaN(isoTime('2021-02-29')) && Number.isNaN(isoTime('01/02/2020')));
  assert.throws(() => parseScanDates('name,date\n', 'd.csv'), /d\.csv: line 1: expected the header 'case,date', got 'name,date'/);
  assert.throws(() => parseScanDates('case,date\nA,2020-13-01\n', 'd.csv'), /d\.csv: line 2: date of 'A': expected an ISO date YYYY-MM-DD, got '2020-13-01'/);
  assert.throws(() => parseScanDates('case,date\nA\n', 'd.csv'), /line 2: date of 'A'/);
  assert.throws(() => parseScanDates('case,date\n,2020-01-01\n', 'd.csv'), /line 2: case: expected a case name/);
  assert.throws(() => parseScanDates('case,date\nA,2020-01-01\nA,2020-01-02\n', 'd.csv'), /line 3: case 'A' is listed twice/);
});
