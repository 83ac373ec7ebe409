// Option checking shared by the benchmarks: a benchmark's fatal error, and integer options.

/**
 * A benchmark's fatal error: prints `bench/<name>: <message>` on stderr and exits with status 2
 * (as a CLI's usage error does).
 */
export function failer(name: string): (message: string) => never {
  return (message: string): never => {
    console.error(`bench/${name}: ${message}`);
    process.exit(2);
  };
}

/**
 * The integer value of option `--<name>`, at least `min`.
 * @param fail - the benchmark's {@link failer}, called with the option, the bound and the value given.
 */
export function intArg(fail: (m: string) => never, name: string, v: string | undefined, min: number): number {
  const n = Number(v);
  if (v === undefined || v.trim() === '' || !Number.isInteger(n) || n < min)
    fail(`--${name} must be an integer ≥ ${min}, got '${v}'`);
  return n;
}
