// `klingflow webhook test | register`: flags and output; the deliveries are in webhook.ts.
import { ValidationError } from '../generationRequest.js';
import { expectPositionals, HELP, JSON_FLAG, oneOf, printJson, str, type Command } from './args.js';
import { webhookRegister, webhookTest } from './webhook.js';

const testUsage = `Usage: klingflow webhook test [flags]

Sends a correctly signed sample delivery to a running receiver, the way the provider
would, and prints the answer. Exit 0 when the receiver accepts it (2xx).

  --provider <p>          kling (default: /webhooks/kling/:id?token=…), runblob, or gateway (signed events)
  --url <base>            Receiver base URL (default: PUBLIC_BASE_URL)
  --generation <id>       Generation id to address (default: a made-up gen-webhook-test-…)
  --event <name>          gateway: the event (default video.completed)
  --signature <s>         gateway: kling (X-Kling-Signature, default) or standard (Standard Webhooks)
  --json                  Print one JSON document: {url, status, body}`;

export const webhookTestCommand: Command = {
  name: 'webhook test',
  summary: 'Send a signed sample delivery to a running receiver',
  usage: testUsage,
  options: {
    ...HELP,
    ...JSON_FLAG,
    provider: { type: 'string' },
    url: { type: 'string' },
    generation: { type: 'string' },
    event: { type: 'string' },
    signature: { type: 'string' },
  },
  async run({ config, values, positionals }) {
    expectPositionals('webhook test', positionals, [], testUsage);
    const provider = oneOf('--provider', str(values, 'provider'), ['kling', 'gateway', 'runblob'] as const) ?? 'kling';
    const signature = oneOf('--signature', str(values, 'signature'), ['kling', 'standard'] as const);
    const url = str(values, 'url');
    if (url !== undefined && !/^https?:\/\/[^/]/.test(url)) throw new ValidationError([{ path: '--url', message: 'must be an http(s) URL' }]);
    const options = { provider, url, generation: str(values, 'generation'), event: str(values, 'event'), signature };
    const result = await webhookTest(config, options, (sent) => {
      if (!values.json) console.log(`→ POST ${sent}  (${provider}${provider === 'gateway' ? `, ${signature ?? 'kling'} signature` : ''})`);
    });
    if (values.json) printJson(result);
    else console.log(`← ${result.status} ${result.body}`);
    return result.status >= 200 && result.status < 300 ? 0 : 1;
  },
};

const registerUsage = `Usage: klingflow webhook register --url <url> [flags]

Registers a receiver with a Kling-style event gateway (POST /v1/webhooks) and prints
the signing secret, which the gateway shows only once.

  --url <url>             Where the gateway should deliver, e.g. https://you.example/webhooks/kling
  --events <list>         Comma-separated (default video.processing,video.completed,video.failed)
  --api-base <url>        Gateway API base (default: KLING_API_BASE)
  --json                  Print one JSON document: {id, url, events, secret}`;

export const webhookRegisterCommand: Command = {
  name: 'webhook register',
  summary: 'Register a receiver with a Kling-style event gateway',
  usage: registerUsage,
  options: { ...HELP, ...JSON_FLAG, url: { type: 'string' }, events: { type: 'string' }, 'api-base': { type: 'string' } },
  async run({ config, values, positionals }) {
    expectPositionals('webhook register', positionals, [], registerUsage);
    const url = str(values, 'url');
    if (!url) throw new ValidationError([{ path: '--url', message: 'is required: the receiver URL the gateway should deliver to' }]);
    if (!/^https?:\/\/[^/]/.test(url)) throw new ValidationError([{ path: '--url', message: 'must be an http(s) URL' }]);
    const events = (str(values, 'events') ?? 'video.processing,video.completed,video.failed').split(',').map((e) => e.trim()).filter(Boolean);
    if (events.length === 0) throw new ValidationError([{ path: '--events', message: 'must name at least one event' }]);
    const registered = await webhookRegister(config, { url, events, apiBase: str(values, 'api-base') });
    if (values.json) printJson(registered);
    else {
      console.log(`Registered webhook ${registered.id} → ${registered.url} for ${registered.events.join(', ')}`);
      console.log(`Secret (shown once; give it to the server as KLINGAI_WEBHOOK_SECRET): ${registered.secret}`);
    }
    return 0;
  },
};
