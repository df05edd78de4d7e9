// Command dispatch: finds the command, handles --help, parses its flags strictly and turns
// errors into one clear message and an exit code (0 ok, 1 failed, 2 usage or validation).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ConfigError, loadConfig } from '../config.js';
import { ValidationError } from '../generationRequest.js';
import { HttpError } from '../errors.js';
import { CliError, closest, parse, UsageError, wantsHelp, type Command } from './args.js';
import { generate } from './generate.js';
import { list } from './list.js';
import { PACKAGE_ROOT, server, simulator, worker } from './processes.js';
import { cancel, status } from './status.js';
import { webhookRegisterCommand, webhookTestCommand } from './webhookCommands.js';

/** "generate "<prompt>"" from "Usage: klingflow generate "<prompt>" [flags]". */
function synopsis(c: Command): string {
  return c.usage.split('\n')[0]!.replace(/^Usage: klingflow /, '').replace(/ \[flags\]$/, '');
}

export const COMMANDS: readonly Command[] = [generate, status, list, cancel, worker, server, simulator, webhookTestCommand, webhookRegisterCommand];

const USAGE = `Usage: klingflow <command> [flags]

Commands:
${COMMANDS.map((c) => `  ${synopsis(c).padEnd(30)}${c.summary}`).join('\n')}
  ${'help <command>'.padEnd(30)}Show a command's flags (same as klingflow <command> --help)

Every command takes --help. Commands that print data take --json (one JSON document on
stdout, nothing else). Commands that talk to Temporal take --address and --namespace.

Environment: TEMPORAL_ADDRESS (default localhost:7233: the dev server \`npm start\` runs),
TEMPORAL_NAMESPACE, TEMPORAL_TASK_QUEUE; the rest as in the README (Configuration).
Exit codes: 0 ok; 1 failed (generation failed or not found, Temporal unreachable);
2 usage or validation error.`;

const WEBHOOK_USAGE = `Usage: klingflow webhook <test|register> [flags]

  webhook test       ${webhookTestCommand.summary}
  webhook register   ${webhookRegisterCommand.summary}

klingflow webhook test --help and klingflow webhook register --help list their flags.`;

/** Flags that take a value, so that their value is not mistaken for the command. */
const VALUE_FLAGS = new Set(COMMANDS.flatMap((c) => Object.entries(c.options).filter(([, o]) => o.type === 'string').flatMap(([name, o]) => [`--${name}`, ...(o.short ? [`-${o.short}`] : [])])));

/** Indexes of the words before `--` that are not flags or flag values. */
export function wordIndexes(argv: readonly string[]): number[] {
  const words: number[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') break;
    if (VALUE_FLAGS.has(a)) i++;
    else if (!a.startsWith('-') || a === '-') words.push(i);
  }
  return words;
}

/** The command named by argv, and argv without the command's words. */
export function resolve(argv: readonly string[]): { command?: Command; group?: 'webhook'; rest: string[]; word?: string } {
  const words = wordIndexes(argv);
  const first = words[0] === undefined ? undefined : argv[words[0]];
  const take = (n: number) => argv.filter((_, i) => !words.slice(0, n).includes(i));
  if (first === 'webhook') {
    const sub = words[1] === undefined ? undefined : argv[words[1]];
    const command = COMMANDS.find((c) => c.name === `webhook ${sub}`);
    return command ? { command, rest: take(2) } : { group: 'webhook', rest: take(1), word: sub };
  }
  return { command: COMMANDS.find((c) => c.name === first), rest: take(1), word: first };
}

function version(): string {
  return (JSON.parse(readFileSync(path.join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
}

export async function main(argv: string[]): Promise<number> {
  if (argv[0] === '--version' || argv[0] === '-v') {
    console.log(version());
    return 0;
  }
  if (argv[0] === 'help') {
    const { command, group, word } = resolve(argv.slice(1));
    if (command) console.log(command.usage);
    else if (group) console.log(WEBHOOK_USAGE);
    else if (word) throw new UsageError(unknownCommand(word), USAGE);
    else console.log(USAGE);
    return 0;
  }
  const { command, group, rest, word } = resolve(argv);
  if (!command) {
    if (group && wantsHelp(rest) && !word) {
      console.log(WEBHOOK_USAGE);
      return 0;
    }
    if (group) throw new UsageError(word ? `Unknown webhook command "${word}".` : 'klingflow webhook needs a command: test or register.', WEBHOOK_USAGE);
    if (word) throw new UsageError(unknownCommand(word), USAGE);
    if (wantsHelp(argv)) {
      console.log(USAGE);
      return 0;
    }
    throw new UsageError(argv.length ? `No command given (got ${argv.join(' ')}).` : 'No command given.', USAGE);
  }
  if (wantsHelp(rest)) {
    console.log(command.usage);
    return 0;
  }
  const { values, positionals } = parse(command.name, rest, command.options, command.usage);
  return command.run({ config: loadConfig(), values, positionals });
}

function unknownCommand(word: string): string {
  const guess = closest(word, [...COMMANDS.map((c) => c.name.split(' ')[0]!), 'help']);
  return `Unknown command "${word}".${guess ? ` Did you mean "${guess}"?` : ''}`;
}

/** The message and exit code an error ends the CLI with. */
export function report(err: unknown): { message: string; code: number } {
  if (err instanceof UsageError) return { message: `${err.message}\n\n${err.usage ?? USAGE}`, code: 2 };
  if (err instanceof ValidationError) return { message: err.issues.map((i) => `Invalid ${i.path}: ${i.message}`).join('\n'), code: 2 };
  if (err instanceof ConfigError) return { message: err.message, code: 2 };
  if (err instanceof CliError || err instanceof HttpError) return { message: err.message, code: 1 };
  return { message: `Error: ${err instanceof Error ? err.message : String(err)}`, code: 1 };
}
