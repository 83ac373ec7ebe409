// Runs benchmarks: `node --import tsx bench/run.ts [NAME ...] [-- FLAGS]` (or `npm run bench -- …`).
// NAME is a file of bench/ with or without `.ts` (`engine`, `edt`); none runs every bench/*.ts but
// this runner. Each benchmark runs in its own `node --import tsx bench/<name>.ts` process, one after
// the other, so that they do not disturb each other's timings. Arguments from the first one that
// starts with `-` on are passed to every benchmark (`bench/run.ts engine --device cuda`).
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const self = basename(fileURLToPath(import.meta.url));
const argv = process.argv.slice(2);
const cut = argv.findIndex((a) => a.startsWith('-'));
const names = (cut < 0 ? argv : argv.slice(0, cut)).map((n) => basename(n).replace(/\.ts$/, ''));
const flags = (cut < 0 ? [] : argv.slice(cut)).filter((a, i) => !(i === 0 && a === '--'));
const all = readdirSync(here)
  .filter((f) => f.endsWith('.ts') && f !== self && !f.endsWith('.d.ts'))
  .map((f) => f.slice(0, -3))
  .sort();

for (const n of names) {
  if (!existsSync(join(here, `${n}.ts`)) || `${n}.ts` === self) {
    console.error(`bench/run: no benchmark '${n}' (have: ${all.join(', ')})`);
    process.exit(2);
  }
}

const failed: string[] = [];
for (const name of names.length > 0 ? names : all) {
  console.log(`\n=== bench/${name}.ts ${flags.join(' ')}`.trimEnd());
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(here, `${name}.ts`), ...flags], { stdio: 'inherit' });
  if (r.status !== 0) failed.push(`${name} (${r.error?.message ?? `exit ${r.status ?? r.signal}`})`);
}
if (failed.length > 0) {
  console.error(`\nbench/run: failed: ${failed.join(', ')}`);
  process.exit(1);
}
