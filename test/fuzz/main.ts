// `npm run fuzz -- --count 10000 [--seed 1] [--start 0] [--timeout 10000] [--memory 1024] [--json FILE]`:
// the full fuzz run of the NIfTI reader (test/fuzz/fuzz.test.ts runs a few hundred in CI). Exit 1
// when any mutant fails (see oracle.ts); the failures are listed with how to reproduce them.
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { runFuzz } from './driver.js';

const { values } = parseArgs({
  options: {
    count: { type: 'string', default: '10000' },
    seed: { type: 'string', default: '1' },
    start: { type: 'string', default: '0' },
    timeout: { type: 'string', default: '10000' },
    memory: { type: 'string', default: '1024' },
    json: { type: 'string' },
  },
});
const num = (flag: string, v: string) => {
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`--${flag}: expected a non-negative integer, got '${v}'`);
  return n;
};
const tty = Boolean(process.stderr.isTTY);
const s = await runFuzz({
  seed: num('seed', values.seed!),
  count: num('count', values.count!),
  start: num('start', values.start!),
  timeoutMs: num('timeout', values.timeout!),
  memoryLimitMB: num('memory', values.memory!),
  onProgress: (d, t) => {
    if (d % 500 === 0 || d === t) process.stderr.write(tty ? `\r${d}/${t}` : `${d}/${t}\n`);
  },
});
if (tty) process.stderr.write('\n');
console.log(`NIfTI fuzz: seed ${s.seed}, ${s.count} mutants, ${s.seconds.toFixed(1)} s, peak RSS ${s.peakRssMB} MB, slowest read ${s.slowestMs} ms`);
console.log(Object.entries(s.outcomes).map(([k, n]) => `${k} ${n}`).join(', '));
for (const [kind, o] of Object.entries(s.byKind)) console.log(`  ${kind.padEnd(9)} ${Object.entries(o).map(([k, n]) => `${k} ${n}`).join(', ')}`);
for (const f of s.failures.slice(0, 50)) console.log(`FAIL mutant ${f.index} (${f.kind}: ${f.what}): ${f.outcome}: ${f.message}`);
if (values.json) writeFileSync(values.json, JSON.stringify(s, null, 2) + '\n');
process.exitCode = s.failures.length ? 1 : 0;
