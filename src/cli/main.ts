// klingflow CLI: `klingflow generate "<prompt>" [--wait]`, `klingflow status <id>`.
// Talks to Temporal directly (TEMPORAL_ADDRESS, default localhost:7233: the server `npm start` runs).
import { parseArgs } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { loadConfig } from '../config.js';
import { ValidationError } from '../generationRequest.js';
import { getGeneration, startGeneration } from '../temporal/generations.js';
import { watchGeneration } from './watch.js';
import { webhookRegister, webhookTest } from './webhook.js';

const USAGE = `Usage:
  klingflow generate "<prompt>" [--wait] [--json] [--kind text2video|image2video] [--image <url>]
                     [--model <name>] [--mode std|pro] [--duration <s>] [--aspect-ratio 16:9|9:16|1:1]
                     [--negative-prompt <text>] [--notify-url <url>] [--callback-timeout 5m] [--deadline 30m]
                     [--idempotency-key <key>]
  klingflow status <generation-id> [--json]
  klingflow webhook test [--provider kling|gateway|runblob] [--url <receiver base>] [--generation <id>]
                         [--event video.completed] [--signature kling|standard]
  klingflow webhook register --url <receiver url> [--events video.completed,video.failed] [--api-base <url>]

Environment: TEMPORAL_ADDRESS (default localhost:7233), TEMPORAL_NAMESPACE, TEMPORAL_TASK_QUEUE.`;

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      wait: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
      kind: { type: 'string' },
      image: { type: 'string' },
      model: { type: 'string' },
      mode: { type: 'string' },
      duration: { type: 'string' },
      'aspect-ratio': { type: 'string' },
      'negative-prompt': { type: 'string' },
      'notify-url': { type: 'string' },
      'callback-timeout': { type: 'string' },
      deadline: { type: 'string' },
      'idempotency-key': { type: 'string' },
      provider: { type: 'string' },
      url: { type: 'string' },
      generation: { type: 'string' },
      event: { type: 'string' },
      signature: { type: 'string' },
      events: { type: 'string' },
      'api-base': { type: 'string' },
    },
  });
  const [command, ...rest] = positionals;
  if (values.help || !command) {
    console.log(USAGE);
    return command || values.help ? 0 : 2;
  }
  const config = loadConfig();
  if (command === 'webhook') return webhookCommand(config, rest[0], values);
  const address = config.temporal.address ?? 'localhost:7233';
  const connection = await Connection.connect({ address, connectTimeout: 5_000 }).catch((err: unknown) => {
    throw new Error(`Cannot reach Temporal at ${address} (${(err as Error).message}). Is \`npm start\` running, or TEMPORAL_ADDRESS set?`);
  });
  const client = new Client({ connection, namespace: config.temporal.namespace });
  try {
    if (command === 'generate') {
      const request = {
        prompt: rest.join(' ') || undefined,
        kind: values.kind,
        provider: values.provider,
        imageUrl: values.image,
        model: values.model,
        mode: values.mode,
        duration: values.duration,
        aspectRatio: values['aspect-ratio'],
        negativePrompt: values['negative-prompt'],
        notifyUrl: values['notify-url'],
        callbackTimeout: values['callback-timeout'],
        deadline: values.deadline,
      };
      const clean = Object.fromEntries(Object.entries(request).filter(([, v]) => v !== undefined));
      const started = await startGeneration(client, clean, {
        idempotencyKey: values['idempotency-key'],
        taskQueue: config.temporal.taskQueue,
      });
      if (!values.wait) {
        console.log(values.json ? JSON.stringify(started) : `Started ${started.id} (${started.status}). Follow it with: klingflow status ${started.id}`);
        return 0;
      }
      const final = await watchGeneration(client, started.id, { json: values.json });
      return final?.status === 'completed' ? 0 : 1;
    }
    if (command === 'status') {
      const id = rest[0];
      if (!id) throw new ValidationError([{ path: 'id', message: 'status needs a generation id' }]);
      const state = await getGeneration(client, id);
      if (!state) {
        console.error(`No generation ${id}`);
        return 1;
      }
      console.log(values.json ? JSON.stringify(state, null, 2) : describe(state));
      return 0;
    }
    console.error(`Unknown command "${command}".\n\n${USAGE}`);
    return 2;
  } finally {
    await connection.close();
  }
}

async function webhookCommand(config: ReturnType<typeof loadConfig>, sub: string | undefined, values: Record<string, string | boolean | undefined>): Promise<number> {
  const str = (k: string) => (typeof values[k] === 'string' ? (values[k] as string) : undefined);
  if (sub === 'test') {
    const provider = str('provider') ?? 'kling';
    if (!['kling', 'gateway', 'runblob'].includes(provider)) throw new ValidationError([{ path: 'provider', message: 'must be kling, gateway or runblob' }]);
    const signature = str('signature');
    if (signature && !['kling', 'standard'].includes(signature)) throw new ValidationError([{ path: 'signature', message: 'must be kling or standard' }]);
    return webhookTest(config, {
      provider: provider as 'kling',
      url: str('url'),
      generation: str('generation'),
      event: str('event'),
      signature: signature as 'kling' | undefined,
    });
  }
  if (sub === 'register') {
    const url = str('url');
    if (!url) throw new ValidationError([{ path: 'url', message: 'register needs --url <receiver url>' }]);
    const events = (str('events') ?? 'video.processing,video.completed,video.failed').split(',').map((e) => e.trim()).filter(Boolean);
    return webhookRegister(config, { url, events, apiBase: str('api-base') });
  }
  console.error(`Unknown webhook command "${sub ?? ''}".\n\n${USAGE}`);
  return 2;
}

export function describe(state: Awaited<ReturnType<typeof getGeneration>> & object): string {
  const lines = [`${state.id}: ${state.status}${state.progress ? ` (${state.progress}%)` : ''}`];
  if (state.providerTaskId) lines.push(`  Kling task  ${state.providerTaskId}`);
  if (state.video) lines.push(`  video       ${state.video.uri}`, `  bytes       ${state.video.bytes}`, `  sha256      ${state.video.sha256}`);
  if (state.error) lines.push(`  error       ${state.error.code}: ${state.error.message}`);
  return lines.join('\n');
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof ValidationError ? `Invalid request: ${err.message}` : `Error: ${(err as Error).message ?? err}`);
    process.exit(err instanceof ValidationError ? 2 : 1);
  },
);
