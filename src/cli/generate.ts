// `klingflow generate "<prompt>" [--wait]`: starts a generation (validated with the same
// schema as POST /generations) and optionally follows it to the end.
import { parseGenerationRequest, ValidationError } from '../generationRequest.js';
import { startGeneration } from '../temporal/generations.js';
import { HELP, JSON_FLAG, printJson, str, TEMPORAL_FLAGS, TEMPORAL_HELP, type Command, type OptionSpec } from './args.js';
import { targetOf, withClient } from './temporal.js';
import { watchGeneration, watchModeFor } from './watch.js';

/** Flag → request field, in the order the help lists them. */
export const REQUEST_FLAGS: readonly { flag: string; field: string; type: 'string' | 'list' | 'boolean'; help: string }[] = [
  { flag: 'kind', field: 'kind', type: 'string', help: 'text2video (default), image2video, multi-image2video, video-extend, lip-sync, effects' },
  { flag: 'provider', field: 'provider', type: 'string', help: 'kling (default) or runblob' },
  { flag: 'model', field: 'model', type: 'string', help: 'e.g. kling-v2-master (RunBlob: kling_o3, kling_o3_pro)' },
  { flag: 'mode', field: 'mode', type: 'string', help: 'std or pro' },
  { flag: 'duration', field: 'duration', type: 'string', help: 'video length in seconds (3-15)' },
  { flag: 'aspect-ratio', field: 'aspectRatio', type: 'string', help: '16:9, 9:16 or 1:1' },
  { flag: 'negative-prompt', field: 'negativePrompt', type: 'string', help: 'what to avoid' },
  { flag: 'image', field: 'imageUrl', type: 'string', help: 'image2video / effects: the image URL' },
  { flag: 'image-tail', field: 'imageTailUrl', type: 'string', help: 'image2video: the last frame URL' },
  { flag: 'images', field: 'imageUrls', type: 'list', help: 'comma-separated image URLs (multi-image2video, effects, RunBlob)' },
  { flag: 'video-id', field: 'videoId', type: 'string', help: 'video-extend / lip-sync: a Kling video id' },
  { flag: 'video-url', field: 'videoUrl', type: 'string', help: 'lip-sync: a video URL instead of --video-id' },
  { flag: 'lip-sync-mode', field: 'lipSyncMode', type: 'string', help: 'text2video or audio2video' },
  { flag: 'audio', field: 'audioUrl', type: 'string', help: 'lip-sync audio2video: the audio URL' },
  { flag: 'text', field: 'text', type: 'string', help: 'lip-sync text2video: what is said' },
  { flag: 'voice-id', field: 'voiceId', type: 'string', help: 'lip-sync text2video: the voice' },
  { flag: 'voice-language', field: 'voiceLanguage', type: 'string', help: 'zh or en' },
  { flag: 'effect', field: 'effectScene', type: 'string', help: 'effects: the scene, e.g. hug, kiss, squish' },
  { flag: 'keep-original-sound', field: 'keepOriginalSound', type: 'boolean', help: 'RunBlob: keep the source clip sound' },
  { flag: 'notify-url', field: 'notifyUrl', type: 'string', help: 'POST a signed notification here when it ends' },
  { flag: 'callback-timeout', field: 'callbackTimeout', type: 'string', help: 'wait this long for a callback before polling (e.g. 5m)' },
  { flag: 'deadline', field: 'deadline', type: 'string', help: 'give up after this long (e.g. 30m)' },
];

const options: OptionSpec = {
  ...HELP,
  ...JSON_FLAG,
  ...TEMPORAL_FLAGS,
  wait: { type: 'boolean' },
  'idempotency-key': { type: 'string' },
  'task-queue': { type: 'string' },
  ...Object.fromEntries(REQUEST_FLAGS.map((f) => [f.flag, { type: f.type === 'boolean' ? 'boolean' : 'string' }])),
};

const usage = `Usage: klingflow generate "<prompt>" [flags]

Starts a video generation. Prints its id (or, with --wait, follows it to the end:
a live progress bar on a terminal, one line per change otherwise).

  --wait                  Follow the generation until it ends; exit 0 only if it completed
  --json                  Print one JSON document: {id, status, created}, or the final state with --wait
  --idempotency-key <k>   Same key, same generation (a different request with it is refused)
  --task-queue <name>     Task queue the workers poll (default: TEMPORAL_TASK_QUEUE, else klingflow)
${TEMPORAL_HELP}

Request:
${REQUEST_FLAGS.map((f) => `  --${`${f.flag}${f.type === 'boolean' ? '' : ' <v>'}`.padEnd(22)}${f.help}`).join('\n')}

Examples:
  klingflow generate "a red fox running through snow" --wait
  klingflow generate "slow zoom" --kind image2video --image https://example.com/fox.jpg --json`;

const FLAG_OF: Record<string, string> = Object.fromEntries(REQUEST_FLAGS.map((f) => [f.field, `--${f.flag}`]));

/** The request body the flags describe (undefined fields left out). */
export function requestFromFlags(values: Record<string, string | boolean | undefined>, prompt: string | undefined): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  if (prompt !== undefined) body.prompt = prompt;
  for (const f of REQUEST_FLAGS) {
    const v = values[f.flag];
    if (v === undefined) continue;
    body[f.field] = f.type === 'list' && typeof v === 'string' ? v.split(',').map((s) => s.trim()).filter(Boolean) : v;
  }
  return body;
}

/** Validation issues name the flag the user typed (--image), not the API field (imageUrl). */
export function withFlagNames(err: ValidationError): ValidationError {
  return new ValidationError(err.issues.map((i) => ({ path: FLAG_OF[i.path.split('.')[0]!] ?? (i.path === 'body' ? 'request' : i.path), message: i.message })));
}

export const generate: Command = {
  name: 'generate',
  summary: 'Start a generation (--wait: follow it with a live progress bar)',
  usage,
  options,
  async run({ config, values, positionals }) {
    const json = values.json === true;
    const body = requestFromFlags(values, positionals.length ? positionals.join(' ') : undefined);
    try {
      parseGenerationRequest(body); // before connecting: a mistake is reported even when Temporal is down
    } catch (err) {
      throw err instanceof ValidationError ? withFlagNames(err) : err;
    }
    return withClient(targetOf(config, values), async (client) => {
      const started = await startGeneration(client, body, {
        idempotencyKey: str(values, 'idempotency-key'),
        taskQueue: str(values, 'task-queue') ?? config.temporal.taskQueue,
      });
      if (!values.wait) {
        if (json) printJson(started);
        else {
          console.log(started.created ? `Started ${started.id} (${started.status}).` : `${started.id} already exists for this idempotency key (${started.status}).`);
          console.log(`  follow: klingflow status ${started.id} --wait\n  cancel: klingflow cancel ${started.id}`);
        }
        return 0;
      }
      const mode = watchModeFor(json);
      if (mode !== 'quiet') console.log(`Started ${started.id}. Ctrl-C stops watching; the generation keeps running.`);
      const final = await watchGeneration(client, started.id, { mode });
      if (!final) {
        console.error(`${started.id} disappeared while being watched.`);
        return 1;
      }
      if (json) printJson(final);
      return final.status === 'completed' ? 0 : 1;
    });
  },
};
