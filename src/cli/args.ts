// Argument parsing shared by every command: node:util parseArgs in strict mode, with
// errors that say which flag is wrong and what to do instead (exit 2).
import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { Config } from '../config.js';
import { ValidationError } from '../generationRequest.js';

export type OptionSpec = NonNullable<ParseArgsConfig['options']>;
export type Values = Record<string, string | boolean | undefined>;

/** A failure the CLI explains in its own words (exit 1): the message is shown as is. */
export class CliError extends Error {
  override name = 'CliError';
}

/** Wrong usage (unknown command or flag, missing argument): usage is shown, exit 2. */
export class UsageError extends Error {
  override name = 'UsageError';
  constructor(
    message: string,
    readonly usage?: string,
  ) {
    super(message);
  }
}

export const HELP: OptionSpec = { help: { type: 'boolean', short: 'h' } };
export const JSON_FLAG: OptionSpec = { json: { type: 'boolean' } };
export const TEMPORAL_FLAGS: OptionSpec = { address: { type: 'string' }, namespace: { type: 'string' } };

export const TEMPORAL_HELP = `  --address <host:port>   Temporal frontend (default: TEMPORAL_ADDRESS, else localhost:7233)
  --namespace <name>      Temporal namespace (default: TEMPORAL_NAMESPACE, else default)`;

export function wantsHelp(argv: readonly string[]): boolean {
  const end = argv.indexOf('--');
  return (end === -1 ? argv : argv.slice(0, end)).some((a) => a === '--help' || a === '-h');
}

/** Strict parse; unknown flags and missing values become a UsageError naming the flag. */
export function parse(command: string, argv: string[], options: OptionSpec, usage: string): { values: Values; positionals: string[] } {
  try {
    const { values, positionals } = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
    return { values: values as Values, positionals };
  } catch (err) {
    const e = err as Error & { code?: string };
    if (!e.code?.startsWith('ERR_PARSE_ARGS')) throw err;
    throw new UsageError(parseErrorMessage(command, e, Object.keys(options)), usage);
  }
}

export function parseErrorMessage(command: string, err: Error & { code?: string }, known: string[]): string {
  const flag = /'(-[^' ]+)/.exec(err.message)?.[1];
  if (err.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && flag) {
    const guess = closest(flag.replace(/^-+/, '').split('=')[0] ?? '', known);
    return `Unknown flag ${flag} for "klingflow ${command}".${guess ? ` Did you mean --${guess}?` : ''}`;
  }
  if (err.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' && flag) {
    const name = flag.replace(/^-+/, '').split(/[= ]/)[0];
    return /argument missing/.test(err.message) ? `Flag --${name} needs a value.` : `Flag --${name} takes no value.`;
  }
  return `klingflow ${command}: ${err.message.split('. To specify')[0]}`;
}

/** The candidate nearest to `word` (edit distance ≤ 2, or a prefix), if any. */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: { c: string; d: number } | undefined;
  for (const c of candidates) {
    const d = c.startsWith(word) && word.length >= 2 ? 0 : distance(word, c);
    if (d <= 2 && (!best || d < best.d)) best = { c, d };
  }
  return best?.c;
}

function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) row.push(Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1)));
    prev = row;
  }
  return prev[b.length]!;
}

export function str(values: Values, key: string): string | undefined {
  const v = values[key];
  return typeof v === 'string' ? v : undefined;
}

/** Exactly `names.length` positionals, else a UsageError naming what is missing or extra. */
export function expectPositionals(command: string, positionals: string[], names: string[], usage: string): string[] {
  if (positionals.length < names.length) throw new UsageError(`klingflow ${command} needs ${names.slice(positionals.length).map((n) => `<${n}>`).join(' ')}.`, usage);
  if (positionals.length > names.length) {
    throw new UsageError(`klingflow ${command} takes ${names.length ? names.map((n) => `<${n}>`).join(' ') : 'no arguments'}; unexpected "${positionals[names.length]}".`, usage);
  }
  return positionals;
}

export function oneOf<T extends string>(field: string, value: string | undefined, allowed: readonly T[]): T | undefined {
  if (value === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(value)) throw new ValidationError([{ path: field, message: `must be one of ${allowed.join(', ')} (got "${value}")` }]);
  return value as T;
}

export function intIn(field: string, value: string | undefined, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < min || n > max) throw new ValidationError([{ path: field, message: `must be a whole number from ${min} to ${max} (got "${value}")` }]);
  return n;
}

export interface CommandContext {
  config: Config;
  values: Values;
  positionals: string[];
}

export interface Command {
  /** As typed: "list", "webhook test". */
  name: string;
  summary: string;
  usage: string;
  options: OptionSpec;
  run(ctx: CommandContext): Promise<number>;
}

/** The one JSON document a --json command prints on stdout. */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}
