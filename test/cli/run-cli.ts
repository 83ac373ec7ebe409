// Runs the meatus CLI in-process for tests, capturing what it prints.
import { main } from '../../src/cli/main.js';

/** The exit code and what the command printed to stdout (`out`) and stderr (`err`). */
export interface CliResult {
  code: number;
  out: string;
  err: string;
}

/**
 * Runs `meatus ...argv` through `main` (as bin/meatus.js does), with console.log/console.error and
 * process.stderr.write captured. An exception escaping `main` is a test failure (main catches all).
 */
export async function cli(...argv: string[]): Promise<CliResult> {
  const { log, error } = console;
  const write = process.stderr.write.bind(process.stderr);
  let out = '';
  let err = '';
  console.log = (...a: unknown[]) => {
    out += a.join(' ') + '\n';
  };
  console.error = (...a: unknown[]) => {
    err += a.join(' ') + '\n';
  };
  process.stderr.write = ((chunk: string | Uint8Array) => {
    err += String(chunk);
    return true;
  }) as typeof process.stderr.write;
  try {
    return { code: await main(argv), out, err };
  } finally {
    console.log = log;
    console.error = error;
    process.stderr.write = write;
  }
}
