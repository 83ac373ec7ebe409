/**
 * Argument parsing shared by the commands: node's `parseArgs` with `--help`, required flags and
 * the usage text on every error, and checked conversions of flag values.
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
 * Parses `argv` for command `name`. Prints the usage and returns the exit code (0 for `--help`,
 * 2 for an unknown flag or a missing required one) instead of the values when the command should stop.
 */
export function parseCli<O extends Options>(
  name: string,
  usage: string,
  argv: string[],
  options: O,
  required: (keyof O & string)[],
): Values<O> | number {
  let values: Record<string, unknown>;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: { ...options, help: { type: 'boolean', short: 'h' } },
      strict: true,
    }));
  } catch (e) {
    console.error(`meatus ${name}: ${(e as Error).message}\n\n${usage}`);
    return 2;
  }
  if (values.help) {
    console.log(usage);
    return 0;
  }
  const absent = required.filter((k) => values[k] === undefined);
  if (absent.length) {
    console.error(`meatus ${name}: ${absent.map((k) => `--${k}`).join(', ')} required\n\n${usage}`);
    return 2;
  }
  return values as Values<O>;
}

/** The value of `--flag` if it is one of `allowed`. @throws Error naming the flag otherwise. */
export function oneOf<T extends string>(flag: string, v: unknown, allowed: readonly T[]): T | undefined {
  if (v === undefined) return undefined;
  if (!allowed.includes(v as T))
    throw new Error(`--${flag}: expected ${allowed.join(' or ')}, got '${String(v)}'`);
  return v as T;
}

/** `--flag` as a positive number (an integer when `integer`), or undefined. @throws Error naming the flag. */
export function positive(flag: string, v: string | undefined, integer = true): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!(Number.isFinite(n) && n > 0) || (integer && !Number.isInteger(n))) {
    throw new Error(`--${flag}: expected a positive ${integer ? 'integer' : 'number'}, got '${v}'`);
  }
  return n;
}
