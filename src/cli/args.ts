/**
 * Option parsing and checking shared by every command, so that they all behave alike:
 *
 * - `--help`/`-h` anywhere prints the usage and exits 0;
 * - an unknown option, a missing required one, a wrong number of positional arguments, or a bad
 *   value prints the message (with the usage, or a pointer to `--help`) and exits 2;
 * - a negative number is taken as an option's value (`--tolerance -1`, not "ambiguous");
 * - old spellings are aliases of one name per idea (`--workers`/`--threads` → `--jobs`,
 *   `--output` → `--out`); giving both spellings is an error;
 * - options that cannot go together are errors, never a silent choice;
 * - values are checked by the helpers below (which throw {@link UsageError}) before any work.
 *
 * A command: `const a = parseCommand(spec, argv); if (typeof a === 'number') return a;`, then
 * check values with `positive`, `nonNegative`, `integer`, `oneOf`, `device`, check outputs with
 * `checkOutput` (src/util/output-path.ts), and only then work.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';

type Options = NonNullable<ParseArgsConfig['options']>;

/** The parsed values: strings, string lists (`multiple`) and booleans, typed from the options. */
export type Values<O extends Options> = {
  [K in keyof O]?: O[K] extends { type: 'boolean' }
    ? boolean
    : O[K] extends { multiple: true }
      ? string[]
      : string;
};

/**
 * A mistake in the command line (an option's value, a missing or conflicting option): `main`
 * prints it with a pointer to `--help` and exits with code 2.
 */
export class UsageError extends Error {
  override name = 'UsageError';
  /** The command as typed (e.g. `'dataset check'`), set by {@link runSubcommand}; else main's. */
  command?: string;
}

/** What a command accepts. */
export interface CommandSpec<O extends Options> {
  /** The command as typed after `meatus` (e.g. `'dataset check'`), for messages. */
  name: string;
  /** The usage text printed by `--help` and with usage errors. */
  usage: string;
  /** `node:util` `parseArgs` options (without `help`, which every command gets). */
  options: O;
  /** Options that must be given. */
  required?: (keyof O & string)[];
  /** Positional arguments: how many (default none), and what they are called in messages. */
  positionals?: { min: number; max: number; name: string };
  /** Old or other spellings: alias → option name (e.g. `{ workers: 'jobs' }`). */
  aliases?: Record<string, keyof O & string>;
  /** Groups of options of which at most one may be given. */
  conflicts?: (keyof O & string)[][];
}

/** The parsed command line. */
export interface Parsed<O extends Options> {
  values: Values<O>;
  positionals: string[];
}

const NEGATIVE_NUMBER = /^-(\d|\.\d|inf|Infinity)/i;

/**
 * Rewrites aliases to their option name and joins `--opt -1` into `--opt=-1` (so that parseArgs
 * takes a negative number as the value of a string option).
 */
function normalize<O extends Options>(spec: CommandSpec<O>, argv: string[]): { args: string[]; seen: Map<string, string> } {
  const args: string[] = [];
  const seen = new Map<string, string>(); // option name → the spelling used
  for (let i = 0; i < argv.length; i++) {
    let a = argv[i];
    if (a === '--') {
      args.push(...argv.slice(i));
      break;
    }
    const m = /^--([^=]+)(=.*)?$/.exec(a);
    if (m) {
      const name = spec.aliases?.[m[1]] ?? m[1];
      const before = seen.get(name);
      if (before !== undefined && before !== m[1] && name in spec.options) {
        throw new UsageError(`--${before} and --${m[1]} name the same option; give it once`);
      }
      if (name in spec.options) seen.set(name, m[1]);
      a = `--${name}${m[2] ?? ''}`;
      const opt = spec.options[name] as { type?: string } | undefined;
      if (m[2] === undefined && opt?.type === 'string' && i + 1 < argv.length && NEGATIVE_NUMBER.test(argv[i + 1])) {
        a = `${a}=${argv[++i]}`;
      }
    }
    args.push(a);
  }
  return { args, seen };
}

function helpAsked(argv: string[]): boolean {
  const end = argv.indexOf('--');
  return (end < 0 ? argv : argv.slice(0, end)).some((a) => a === '--help' || a === '-h');
}

/**
 * Parses `argv` for a command. Prints the usage and returns the exit code (0 for `--help`, 2 for a
 * usage error) when the command should stop; otherwise the values and positional arguments.
 */
export function parseCommand<O extends Options>(spec: CommandSpec<O>, argv: string[]): Parsed<O> | number {
  if (helpAsked(argv)) {
    console.log(spec.usage);
    return 0;
  }
  // A usage error: the message, the usage's first line (as argparse prints), and where the rest is.
  const stop = (msg: string): number => {
    const first = spec.usage.split('\n').find((l) => l.trim() !== '') ?? '';
    console.error(`meatus ${spec.name}: ${msg}\n\n${first}\nRun 'meatus ${spec.name} --help' for the options.`);
    return 2;
  };
  let values: Record<string, unknown>;
  let positionals: string[];
  try {
    const { args } = normalize(spec, argv);
    ({ values, positionals } = parseArgs({ args, options: spec.options, strict: true, allowPositionals: true }));
  } catch (e) {
    return stop(parseArgsMessage(e as Error & { code?: string }));
  }
  const p = spec.positionals ?? { min: 0, max: 0, name: 'argument' };
  if (positionals.length < p.min || positionals.length > p.max) {
    if (p.max === 0) return stop(`unexpected argument '${positionals[0]}'`);
    const want = p.min === p.max ? `${p.min}` : p.max === Infinity ? `at least ${p.min}` : `${p.min} to ${p.max}`;
    return stop(`expected ${want} ${p.name}${p.max === 1 ? '' : '(s)'}, got ${positionals.length}${positionals.length ? `: ${positionals.join(' ')}` : ''}`);
  }
  const absent = (spec.required ?? []).filter((k) => values[k] === undefined);
  if (absent.length) return stop(`${absent.map((k) => `--${k}`).join(', ')} required`);
  for (const group of spec.conflicts ?? []) {
    const given = group.filter((k) => values[k] !== undefined && values[k] !== false);
    if (given.length > 1) return stop(`${given.map((k) => `--${k}`).join(' and ')} cannot be given together`);
  }
  return { values: values as Values<O>, positionals };
}

/**
 * `node:util` `parseArgs`'s errors in one short sentence: its own texts end in an unclosed quote
 * ("… as in '-- \"--bogus\"") or name the option as `'--out <value>'`.
 */
function parseArgsMessage(e: Error & { code?: string }): string {
  const option = /'(-{1,2}[^'\s<]+)/.exec(e.message)?.[1];
  if (option === undefined) return e.message;
  if (e.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') return `Unknown option '${option}'`;
  if (e.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    if (/argument missing/.test(e.message)) return `option '${option}' needs a value`;
    if (/does not take an argument/.test(e.message)) return `option '${option}' takes no value`;
  }
  return e.message;
}

/**
 * The older form: parses options only (no positional arguments).
 * @returns the values, or the exit code when the command should stop (see {@link parseCommand}).
 */
export function parseCli<O extends Options>(
  name: string,
  usage: string,
  argv: string[],
  options: O,
  required: (keyof O & string)[],
  extra: Pick<CommandSpec<O>, 'aliases' | 'conflicts'> = {},
): Values<O> | number {
  const r = parseCommand({ name, usage, options, required, ...extra }, argv);
  return typeof r === 'number' ? r : r.values;
}

/**
 * Dispatches `argv` to a subcommand (`meatus dataset check …`): no subcommand prints the usage and
 * exits 2, `--help` exits 0, an unknown one exits 2.
 */
export async function runSubcommand(
  name: string,
  usage: string,
  argv: string[],
  subs: Record<string, (rest: string[]) => Promise<number>>,
): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === undefined || sub === '--help' || sub === '-h') {
    (sub === undefined ? console.error : console.log)(usage);
    return sub === undefined ? 2 : 0;
  }
  const run = Object.hasOwn(subs, sub) ? subs[sub] : undefined;
  if (!run) {
    console.error(`meatus ${name}: unknown subcommand '${sub}'; expected ${Object.keys(subs).join(', ')}\n\n${usage}`);
    return 2;
  }
  try {
    return await run(rest);
  } catch (e) {
    if (e instanceof UsageError) e.command ??= `${name} ${sub}`;
    throw e;
  }
}

/** The value of `--flag` if it is one of `allowed`. @throws UsageError naming the flag otherwise. */
export function oneOf<T extends string>(flag: string, v: unknown, allowed: readonly T[]): T | undefined {
  if (v === undefined) return undefined;
  if (!allowed.includes(v as T)) throw new UsageError(`--${flag}: expected ${allowed.join(' or ')}, got '${String(v)}'`);
  return v as T;
}

function parseNumber(flag: string, v: string, integer: boolean, what: string, ok: (n: number) => boolean): number {
  const n = v.trim() === '' ? NaN : Number(v);
  if (!Number.isFinite(n) || (integer && !Number.isInteger(n)) || !ok(n)) {
    throw new UsageError(`--${flag}: expected ${what}, got '${v}'`);
  }
  return n;
}

/**
 * `--flag` as a number > 0 (an integer when `integer`, the default) and at most `max`, or undefined.
 * @throws UsageError naming the flag.
 */
export function positive(flag: string, v: string | undefined, integer = true, max = Infinity): number | undefined {
  if (v === undefined) return undefined;
  const what = `a positive ${integer ? 'integer' : 'number'}${max < Infinity ? ` up to ${max}` : ''}`;
  return parseNumber(flag, v, integer, what, (n) => n > 0 && n <= max);
}

/** `--flag` as a number ≥ 0 (an integer when `integer`), or undefined. @throws UsageError naming the flag. */
export function nonNegative(flag: string, v: string | undefined, integer = false): number | undefined {
  if (v === undefined) return undefined;
  return parseNumber(flag, v, integer, `a ${integer ? 'non-negative integer' : 'number ≥ 0'}`, (n) => n >= 0);
}

/** `--flag` as a number from 0 to 1 (a probability or a fraction), or undefined. @throws UsageError naming the flag. */
export function fraction(flag: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  return parseNumber(flag, v, false, 'a fraction between 0 and 1', (n) => n >= 0 && n <= 1);
}

/** `--flag` as an integer (e.g. a seed: 0 to 2³²−1), or undefined. @throws UsageError naming the flag. */
export function integer(flag: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  return parseNumber(flag, v, true, 'an integer from 0 to 4294967295', (n) => n >= 0 && n <= 0xffffffff);
}

/**
 * `--flag` as a device: `'cpu'`, or `'cuda'` when libtorch here has CUDA and sees a GPU.
 * @throws UsageError naming the flag for another value, or for `cuda` without CUDA.
 */
export async function device(flag: string, v: string | undefined): Promise<'cpu' | 'cuda' | undefined> {
  const d = oneOf(flag, v, ['cpu', 'cuda'] as const);
  if (d === 'cuda') {
    const { torch } = await import('../torch/index.js');
    const info = torch.buildInfo();
    if (!info.cudaAvailable) {
      throw new UsageError(
        `--${flag} cuda: ${info.cudaCompiled ? 'libtorch was built with CUDA but sees no GPU' : `this libtorch (${info.version}) was built without CUDA`} (meatus doctor tells more)`,
      );
    }
  }
  return d;
}
