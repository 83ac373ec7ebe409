/**
 * A preload (`node --import ./test/kill/kill-at.ts …`) that kills its own process with SIGKILL at a
 * chosen point of meatus's file writing, so tests can interrupt a command exactly there. Every
 * meatus writer goes through `writeFileAtomic` (fs/promises `writeFile` to a temporary name, then
 * `rename`), so the points are expressed on those two calls. `MEATUS_KILL_AT` is
 * `<op>:<regex>:<n>[:<ms>]`, the regex matched against the final file name (not the temporary one):
 *
 * - `write:…:n` — on the n-th matching write, write the first half of the bytes, then die
 *   (a half-written temporary file is left, as by a kill during a write);
 * - `rename:…:n` — on the n-th matching rename, die before it (a complete temporary file is left);
 * - `after:…:n:ms` — `ms` milliseconds after the n-th matching rename, die wherever it is (mid-epoch,
 *   mid-case).
 */
import fsp from 'node:fs/promises';
import { basename } from 'node:path';
import { syncBuiltinESMExports } from 'node:module';

const spec = process.env.MEATUS_KILL_AT;
if (spec) {
  const m = /^(write|rename|after):(.+?):(\d+)(?::(\d+))?$/.exec(spec);
  if (!m) throw new Error(`MEATUS_KILL_AT = '${spec}', expected <write|rename|after>:<regex>:<n>[:<ms>]`);
  const [, op, pattern, nth, ms] = m;
  const re = new RegExp(pattern);
  let seen = 0;
  const die = (): never => {
    process.kill(process.pid, 'SIGKILL');
    throw new Error('unreachable');
  };
  const finalName = (p: unknown) => {
    const b = basename(String(p));
    return /^\.(.+)\.\d+\.[0-9a-f]{8}\.tmp$/.exec(b)?.[1] ?? b;
  };
  const writeFile = fsp.writeFile;
  const rename = fsp.rename;
  if (op === 'write') {
    fsp.writeFile = (async (path: Parameters<typeof writeFile>[0], data: Uint8Array | string, ...rest: unknown[]) => {
      if (re.test(finalName(path)) && ++seen === Number(nth)) {
        const bytes = typeof data === 'string' ? Buffer.from(data) : data;
        await writeFile(path, bytes.subarray(0, Math.floor(bytes.length / 2)));
        die();
      }
      return (writeFile as (...a: unknown[]) => Promise<void>)(path, data, ...rest);
    }) as typeof writeFile;
  } else {
    fsp.rename = (async (from: Parameters<typeof rename>[0], to: Parameters<typeof rename>[1]) => {
      const hit = re.test(finalName(to)) && ++seen === Number(nth);
      if (hit && op === 'rename') die();
      await rename(from, to);
      if (hit) setTimeout(die, Number(ms ?? 0));
    }) as typeof rename;
  }
  syncBuiltinESMExports();
}
