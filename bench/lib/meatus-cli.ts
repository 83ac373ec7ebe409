// `meatus segment` run as a user runs it, timed and measured from outside: wall time and the peak
// resident memory of the process (GNU time's "Maximum resident set size").
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** GNU time (Debian package `time`). */
export const GNU_TIME = '/usr/bin/time';
const MEATUS = fileURLToPath(new URL('../../bin/meatus.js', import.meta.url));

/** What one `meatus segment` run took. */
export interface CliRun {
  /** Wall time of the whole command (process start to exit), s. */
  wallSeconds: number;
  /** Peak resident set size of the process, MB (GNU time's maximum RSS). */
  maxRssMB: number;
  /** The seconds per pass the case record (`<id>_measurements.json`) reports. */
  seconds: Record<string, number>;
  /** The command line, for the record. */
  command: string;
}

/**
 * Runs `node bin/meatus.js segment <input> --out <out> [...extra]` under `/usr/bin/time -v` with
 * `env`, and reads the case record it writes (`<id>_measurements.json`, `id` the input's name
 * without .nii.gz).
 * @throws Error if GNU time is missing (install the Debian package `time`), the command fails (its
 *   stderr's tail in the message), or it wrote no record.
 */
export function runMeatusSegment(
  input: string,
  out: string,
  extra: string[],
  env: NodeJS.ProcessEnv,
): CliRun {
  if (!existsSync(GNU_TIME))
    throw new Error(`${GNU_TIME} is missing: install GNU time (apt-get install -y time) or pass --no-cli`);
  const args = [process.execPath, MEATUS, 'segment', input, '--out', out, ...extra];
  const t0 = performance.now();
  const r = spawnSync(GNU_TIME, ['-v', ...args], { encoding: 'utf8', env, maxBuffer: 64 << 20 });
  const wallSeconds = (performance.now() - t0) / 1000;
  if (r.error) throw new Error(`cannot run ${GNU_TIME}: ${r.error.message}`);
  if (r.status !== 0)
    throw new Error(
      `meatus segment ${input} failed (status ${r.status ?? r.signal}):\n${r.stderr.slice(-4000)}`,
    );
  const rss = /Maximum resident set size \(kbytes\): (\d+)/.exec(r.stderr);
  if (!rss) throw new Error(`${GNU_TIME} -v printed no maximum resident set size:\n${r.stderr.slice(-2000)}`);
  const id = input.replace(/^.*\//, '').replace(/(_0000)?\.nii(\.gz)?$/i, '');
  const recordFile = join(out, `${id}_measurements.json`);
  if (!existsSync(recordFile)) throw new Error(`meatus segment ${input} exited 0 but wrote no ${recordFile}`);
  const record = JSON.parse(readFileSync(recordFile, 'utf8')) as { seconds?: Record<string, number> };
  return {
    wallSeconds,
    maxRssMB: Number(rss[1]) / 1024,
    seconds: record.seconds ?? {},
    command: `node bin/meatus.js segment ${input} --out ${out} ${extra.join(' ')}`.trim(),
  };
}
