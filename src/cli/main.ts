/**
 * The `meatus` command line. Each command lives in its own file under `src/cli/` and exports
 * `run(argv): Promise<number>` (the exit code) and a one-line `summary`. This file only dispatches.
 */

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
  evaluate: './evaluate',
  compare: './compare',
  experiment: './experiment',
};

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
  lines.push('', 'Run `meatus <command> --help` for the options of one command.');
  return lines.join('\n');
}

/**
 * Runs the CLI with `argv` (without `node` and the script path).
 * @returns the process exit code: 0 success, 1 failure, 2 usage error.
 */
export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    console.log(await usage());
    return name === undefined ? 2 : 0;
  }
  if (!(name in COMMANDS)) {
    console.error(`meatus: unknown command '${name}'\n\n${await usage()}`);
    return 2;
  }
  try {
    return await (await load(name)).run(rest);
  } catch (err) {
    console.error(`meatus ${name}: ${err instanceof Error ? err.message : String(err)}`);
    if (process.env.MEATUS_DEBUG) console.error(err);
    return 1;
  }
}
