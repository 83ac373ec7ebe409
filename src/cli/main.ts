/**
 * The `meatus` command line. Each command lives in its own file under `src/cli/` and exports
 * `run(argv): Promise<number>` (the exit code) and a one-line `summary`. This file only dispatches.
 */

import { readFileSync } from 'node:fs';
import { UsageError } from './args.js';

interface CommandModule {
  summary: string;
  run(argv: string[]): Promise<number>;
}

/** Command name → module path (relative to this file, without extension). */
const COMMANDS: Record<string, string> = {
  'engine-demo': './engine-demo',
  doctor: './doctor',
  phantom: './phantom',
  dataset: './dataset',
  plan: './plan',
  preprocess: './preprocess',
  train: './train',
  segment: './segment',
  export: './export',
  growth: './growth',
  evaluate: './evaluate',
  compare: './compare',
  experiment: './experiment',
};

/** The commands, in `meatus --help` order. */
export const COMMAND_NAMES: readonly string[] = Object.keys(COMMANDS);

function ext(): string {
  return import.meta.url.endsWith('.ts') ? '.ts' : '.js';
}

async function load(name: string): Promise<CommandModule> {
  return (await import(COMMANDS[name] + ext())) as CommandModule;
}

async function usage(): Promise<string> {
  const lines = ['usage: meatus <command> [options]', '', 'commands:'];
  for (const name of Object.keys(COMMANDS)) {
    let summary = '';
    try {
      summary = (await load(name)).summary;
    } catch {
      summary = '(unavailable in this build)';
    }
    lines.push(`  ${name.padEnd(12)} ${summary}`);
  }
  lines.push('', 'Run `meatus <command> --help` for the options of one command; `meatus --version` for the version.');
  return lines.join('\n');
}

/** The package version (package.json's `version`). */
export function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

/**
 * Runs the CLI with `argv` (without `node` and the script path).
 * @returns the process exit code: 0 success, 1 failure, 2 usage error (an unknown command or
 *   option, a missing or conflicting option, a bad option value).
 */
export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === '--version' || name === '-V' || name === 'version') {
    console.log(`meatus ${version()}`);
    return 0;
  }
  if (name === 'help' && rest.length === 1 && rest[0] in COMMANDS) return main([rest[0], '--help']);
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    (name === undefined ? console.error : console.log)(await usage());
    return name === undefined ? 2 : 0;
  }
  if (!(name in COMMANDS)) {
    console.error(`meatus: unknown command '${name}'\n\n${await usage()}`);
    return 2;
  }
  try {
    return await (await load(name)).run(rest);
  } catch (err) {
    if (err instanceof UsageError) {
      const command = err.command ?? name;
      console.error(`meatus ${command}: ${err.message}\nRun 'meatus ${command} --help' for the options.`);
      return 2;
    }
    const message = err instanceof Error ? err.message : String(err);
    // A library error that names the command already ("segment: …") is not prefixed twice.
    console.error(`meatus ${name}: ${message.startsWith(`${name}: `) ? message.slice(name.length + 2) : message}`);
    if (process.env.MEATUS_DEBUG) console.error(err);
    return 1;
  }
}
