// Bad input, tried hard (issue 4): a REAL stack (Temporal dev server, simulator, server,
// worker) receives FUZZ_REQUESTS generated malformed requests across every route, and then
// must show: only 4xx answers in the error shape, no crash, no workflow started, signalled
// or cancelled, and still fast answers. The same stack then proves that its logs (LOG_LEVEL
// info, Fastify and the Temporal runtime) never contain a secret after a full generation and
// a gateway delivery, and that closing the app finishes an in-flight callback with its 200.
//
// Transport: every fuzz request goes over a real socket to 127.0.0.1 (node:http, keep-alive
// agent, FUZZ_CONCURRENCY in flight); none uses app.inject. A few hundred more are written
// raw on their own sockets (request lines and headers Node's parser must refuse).
// Reproducible: case i is generated from its own PRNG seeded with (FUZZ_SEED, i); a failure
// prints the seed and index. FUZZ_SEED / FUZZ_REQUESTS may be set in the environment.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { readdirSync, readFileSync } from 'node:fs';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { loadConfig } from '../../src/config.js';
import { GenerationRequestSchema } from '../../src/generationRequest.js';
import { BODY_LIMITS } from '../../src/http/app.js';
import { HttpErrors } from '../../src/errors.js';
import { callbackToken } from '../../src/providers/callbackToken.js';
import { parseGatewayEvent } from '../../src/providers/klingGateway.js';
import { parseKlingTaskBody } from '../../src/providers/klingPayload.js';
import { parseRunBlobBody } from '../../src/providers/runblob.js';
import { freePort } from '../../src/temporal/devServer.js';
import { isGenerationId } from '../../src/temporal/generations.js';
import { startStack, type Stack } from '../../src/stack.js';
import { signalsIn } from '../support/history.js';
import { captureLogs } from '../support/logCapture.js';
import { waitFor } from '../support/waitFor.js';

const SEED = Number(process.env.FUZZ_SEED ?? 20_240_601);
const REQUESTS = Number(process.env.FUZZ_REQUESTS ?? 10_400);
const RAW_REQUESTS = 400;
const CONCURRENCY = 16;

const CALLBACK_SECRET = 'fuzz-callback-secret-7f3a9c';
const GATEWAY_SECRET = 'fuzz-gateway-secret-51be0d';
const NOTIFY_SECRET = 'whsec_ZnV6ei1ub3RpZnktc2VjcmV0LWE4YzNlZjEyMzQ1Ng==';

// ---------------------------------------------------------------- the stack, with captured logs

const capture = captureLogs();
const logs = capture.lines;
const safeJson = (v: unknown) => {
  try {
    return JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? String(x) : x));
  } catch {
    return String(v);
  }
};

let stack: Stack;
let dataDir: string;
let receiver: http.Server;
let receiverUrl: string;
const notifications: string[] = [];

before(async () => {
  // The worker's, workflows' and activities' logs land in the same capture, at INFO.
  Runtime.install({ logger: new DefaultLogger('INFO', (e) => capture.push(`[temporal ${e.level}] ${e.message} ${safeJson(e.meta)}\n`)) });
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'klingflow-fuzz-'));
  receiver = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      notifications.push(Buffer.concat(chunks).toString());
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`;
  const config = loadConfig({
    PORT: '0',
    SIMULATOR_PORT: '0',
    DATA_DIR: dataDir,
    CALLBACK_SECRET,
    NOTIFY_SECRET,
    KLINGAI_WEBHOOK_SECRET: GATEWAY_SECRET,
    KLING_REQUEST_TIMEOUT: '2s',
    CALLBACK_TIMEOUT: '30s',
    POLL_INTERVAL: '300ms',
    MAX_POLL_INTERVAL: '1s',
    LOG_LEVEL: 'info',
    ...(process.env.TEMPORAL_CLI_PATH ? { TEMPORAL_CLI_PATH: process.env.TEMPORAL_CLI_PATH } : {}),
  });
  stack = await startStack(config, {
    devServer: { headless: true },
    // debug: the tests below follow a request in flight by its "incoming request" line.
    logger: { level: 'debug', stream: capture.stream },
    log: (m) => capture.push(`[stack] ${m}\n`),
    // The fuzz sends thousands of REST requests from one IP: a limit that never triggers,
    // but the limiter still runs on every /generations* request.
    appOverrides: { rateLimit: { max: 1_000_000, timeWindowMs: 60_000 } },
  });
});

after(async () => {
  await stack?.stop();
  await new Promise((r) => receiver?.close(r));
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

async function api(method: string, url: string, body?: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(`${stack.apiUrl}${url}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}
async function sim(patch: Record<string, unknown>) {
  const res = await fetch(`${stack.simulatorUrl}/_sim/config`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(patch) });
  assert.equal(res.status, 200, await res.text());
}
async function startGeneration(body: Record<string, unknown>): Promise<string> {
  const res = await api('POST', '/generations', body);
  assert.equal(res.status, 202, JSON.stringify(res.body));
  return res.body.id as string;
}
async function waitForStatus(id: string, statuses: string[], timeoutMs = 30_000) {
  return waitFor(
    async () => {
      const res = await api('GET', `/generations/${id}`);
      return res.status === 200 && statuses.includes(res.body.status) ? res.body : undefined;
    },
    `${id} to reach ${statuses.join('|')}`,
    timeoutMs,
  );
}
const logLines = (what: (line: string) => boolean) => logs.filter(what).length;
const logged = capture.logged;

// ---------------------------------------------------------------- a seeded PRNG

function mulberry32(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
class Rng {
  private readonly next: () => number;
  constructor(seed: number) {
    this.next = mulberry32(seed);
  }
  float() {
    return this.next();
  }
  int(n: number) {
    return Math.floor(this.next() * n);
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }
  chance(p: number) {
    return this.next() < p;
  }
  text(len: number, alphabet = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_') {
    let s = '';
    for (let i = 0; i < len; i++) s += alphabet[this.int(alphabet.length)];
    return s;
  }
}

// ---------------------------------------------------------------- the malformed material

type Route =
  | 'POST /generations'
  | 'GET /generations/:id'
  | 'POST /generations/:id/cancel'
  | 'POST /webhooks/kling/:id'
  | 'POST /webhooks/kling'
  | 'POST /webhooks/runblob/:id'
  | 'GET /healthz'
  | 'GET /readyz';

interface FuzzCase {
  index: number;
  route: Route;
  kind: string;
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: Buffer;
  chunked?: boolean;
  /** Acceptable answers: always 4xx, as precise as the case allows. */
  expect: number[];
}

const JSON_CT = { 'content-type': 'application/json' };
const WRONG_CTS = ['text/plain', 'multipart/form-data; boundary=----fuzz', 'application/x-www-form-urlencoded', 'application/xml', 'application/octet-stream', 'image/png', 'application/jsonp'];
/** JSON-ish content types: Fastify may parse them as JSON or refuse them (415). */
const ODD_JSON_CTS = ['application/json; charset=utf-16', 'Application/JSON', 'application/json;;', 'application/json; charset=latin1'];

const INVALID_UTF8 = [[0xff], [0xfe, 0xff], [0xc0, 0x80], [0x80], [0xe2, 0x82], [0xed, 0xa0, 0x80], [0xf8, 0x88, 0x80, 0x80, 0x80], [0xf4, 0x90, 0x80, 0x80]].map((b) => Buffer.from(b));
const ODD_STRINGS = [
  '\u202Egnp.exe', // right-to-left override
  'a\u200Bb\u200Dc\uFEFF', // zero-width characters, BOM
  'ｆｕｌｌｗｉｄｔｈ', // fullwidth
  'е', // Cyrillic e
  '😀🎬🦊', // astral plane
  'e\u0301\u0301\u0301', // stacked combining marks
  '\u0000nul', // NUL
  '\uD800', // lone surrogate (JSON.stringify writes it as an escape)
  '\uFFFE\uFFFF', // noncharacters
  '../../etc/passwd',
  '%00%2e%2e%2f',
  "'; DROP TABLE generations; --",
  '<script>alert(1)</script>',
  '${jndi:ldap://x}',
  'KlingTaskId = "x" OR 1=1',
];
const HOMOGLYPH_ENUMS: Record<string, string[]> = {
  kind: ['text2vidеo', 'TEXT2VIDEO', 'text2video\u200B', 'text2video ', 'image2video\u0000', 'lip_sync'],
  provider: ['klіng', 'KLING', 'runblob\uFEFF', 'openai'],
  mode: ['ｓｔｄ', 'STD', 'pro\u202E', 'ultra'],
  aspectRatio: ['16∶9', '16/9', '9:16 ', '4:3'],
};

/** Values of every JSON type; `wrongFor` keeps those a field does not accept. */
function anyValue(r: Rng, depth = 0): unknown {
  switch (r.int(depth > 2 ? 6 : 8)) {
    case 0:
      return null;
    case 1:
      return r.chance(0.5);
    case 2:
      return r.pick([0, -1, 1.5, 1e308, -1e308, 2 ** 53 + 1, 3.14159]);
    case 3:
      return r.pick(ODD_STRINGS);
    case 4:
      return '';
    case 5:
      return r.text(r.int(40));
    case 6:
      return [anyValue(r, depth + 1), anyValue(r, depth + 1)];
    default:
      return { [r.pick(['a', '__proto__x', 'constructor_', 'x'])]: anyValue(r, depth + 1) };
  }
}
type JsonType = 'null' | 'boolean' | 'number' | 'string' | 'array' | 'object';
const typeOf = (v: unknown): JsonType => (v === null ? 'null' : Array.isArray(v) ? 'array' : (typeof v as JsonType));
function wrongFor(r: Rng, accepted: JsonType[]): unknown {
  for (;;) {
    const v = anyValue(r);
    if (!accepted.includes(typeOf(v))) return v;
  }
}
/** Stands for 10,000 levels of nesting until the body is text (JSON.stringify recurses; JSON.parse does not). */
const DEEP = '@@DEEP@@';
function deepText(r: Rng, levels: number): string {
  return r.chance(0.5) ? `${'['.repeat(levels)}${']'.repeat(levels)}` : `${'{"a":'.repeat(levels)}1${'}'.repeat(levels)}`;
}

/** Sets `value` at a dotted path of a JSON object (creating objects on the way). */
function setPath(obj: Record<string, unknown>, dotted: string, value: unknown) {
  const keys = dotted.split('.');
  let at: Record<string, unknown> = obj;
  for (const k of keys.slice(0, -1)) {
    const next = at[k];
    at[k] = next && typeof next === 'object' && !Array.isArray(next) ? { ...(next as object) } : {};
    at = at[k] as Record<string, unknown>;
  }
  at[keys.at(-1)!] = value;
}
const clone = <T>(v: T): T => structuredClone(v);

// Per-field accepted JSON types, so a "wrong type" is really wrong.
const GENERATION_FIELDS: Record<string, JsonType[]> = {
  prompt: ['string'], kind: ['string'], provider: ['string'], model: ['string'], mode: ['string'], duration: ['number', 'string'],
  aspectRatio: ['string'], negativePrompt: ['string'], imageUrl: ['string'], imageTailUrl: ['string'], imageUrls: ['array'],
  videoId: ['string'], videoUrl: ['string'], lipSyncMode: ['string'], audioUrl: ['string'], text: ['string'], voiceId: ['string'],
  voiceLanguage: ['string'], effectScene: ['string'], keepOriginalSound: ['boolean'], notifyUrl: ['string'],
  callbackTimeout: ['number', 'string'], deadline: ['number', 'string'],
};
const OUT_OF_RANGE: Record<string, unknown[]> = {
  prompt: ['x'.repeat(2501)],
  duration: [2, 16, '99', 1.5, '5s', -5],
  callbackTimeout: [0, -1, 1e12, '5 parsecs', '0s', 'P1D', Infinity],
  deadline: [1, -1, '1ms', '8d', 1e308],
  imageUrl: ['ftp://x/y.png', 'file:///etc/passwd', 'javascript:alert(1)', 'http://', 'not a url', '//evil.example/x'],
  imageUrls: [[], ['https://a/x.png', 'https://a/x.png', 'https://a/x.png', 'https://a/x.png', 'https://a/x.png', 'https://a/x.png'], ['gopher://x']],
  notifyUrl: ['file:///etc/passwd', 'ldap://x', 'http//x', ''],
  model: ['gpt-4', 'kling-' + 'v'.repeat(60), 'KLING-V1', 'kling-v1; rm -rf /'],
  effectScene: ['Hug', '1hug', 'hug!', 'h'.repeat(41)],
  videoId: ['', 'v'.repeat(65)],
  text: ['', 't'.repeat(121)],
};
const VALID_GENERATION = { prompt: 'a fox in the snow' };
const isValidGeneration = (v: unknown) => GenerationRequestSchema.safeParse(v).success;

const KLING_FIELDS: Record<string, JsonType[]> = {
  task_id: ['string', 'number'], task_status: ['string'], task_status_msg: ['string', 'null'], task_info: ['object', 'null'],
  'task_info.external_task_id': ['string', 'null'], task_result: ['object', 'null'], 'task_result.videos': ['array', 'null'],
  created_at: ['number', 'string'], updated_at: ['number', 'string'],
};
const RUNBLOB_FIELDS: Record<string, JsonType[]> = {
  generation_id: ['string'], status: ['string'], video_url: ['string', 'null'], model: ['string', 'null'], message: ['string', 'null'],
};
const GATEWAY_FIELDS: Record<string, JsonType[]> = {
  event: ['string'], timestamp: ['number', 'string'], data: ['object'], 'data.job_id': ['string', 'number'], 'data.status': ['string', 'null'],
  'data.video_url': ['string', 'null'], 'data.task_info': ['object', 'null'], 'data.task_info.external_task_id': ['string', 'null'],
};

interface Context {
  g0: string;
  g0TaskId: string;
  videoUrl: string;
}

function klingTask(id: string, ctx: Context) {
  return { task_id: ctx.g0TaskId, task_status: 'succeed', task_status_msg: '', task_info: { external_task_id: id }, task_result: { videos: [{ id: 'v1', url: ctx.videoUrl, duration: '5' }] } };
}
function runblobBody(ctx: Context) {
  return { generation_id: ctx.g0TaskId, status: 'completed', video_url: ctx.videoUrl, model: 'kling_o3', message: null };
}
function gatewayEvent(ctx: Context, timestamp: number | string) {
  return { event: 'video.completed', timestamp, data: { job_id: ctx.g0TaskId, status: 'completed', video_url: ctx.videoUrl, task_info: { external_task_id: ctx.g0 } } };
}
const nowSec = () => Math.floor(Date.now() / 1000);

/** A body that is malformed for `route`, as bytes, and what the route must answer. */
interface BadBody {
  kind: string;
  headers: Record<string, string>;
  body?: Buffer;
  chunked?: boolean;
  /** Answer when the body is the only problem. */
  status: number[];
}

/**
 * Byte-level malformations any JSON route must refuse: the same for every route, given a
 * valid-looking object to start from and the route's limit.
 */
function byteLevelBadBody(r: Rng, base: unknown, limit: number): BadBody {
  const text = JSON.stringify(base);
  switch (r.int(10)) {
    case 0: {
      // truncated JSON (any strict prefix of an object is invalid)
      const cut = 1 + r.int(text.length - 1);
      return { kind: 'truncated JSON', headers: JSON_CT, body: Buffer.from(text.slice(0, cut)), status: [400] };
    }
    case 1: {
      // invalid UTF-8 inside an otherwise valid body
      const at = text.indexOf('"', text.indexOf(':')) + 1 || 1;
      const body = Buffer.concat([Buffer.from(text.slice(0, at)), r.pick(INVALID_UTF8), Buffer.from(text.slice(at))]);
      return { kind: 'invalid UTF-8', headers: JSON_CT, body, status: [400] };
    }
    case 2: {
      // over the limit: just over, or far over; declared length or chunked
      const size = r.chance(0.85) ? limit + 1 + r.int(16 * 1024) : limit + 1 + r.int(3 * 1024 * 1024);
      const body = Buffer.alloc(size, 'x');
      body.write('{"padding":"');
      body.write('"}', size - 2);
      return { kind: 'oversized', headers: JSON_CT, body, chunked: r.chance(0.3), status: [413] };
    }
    case 3:
      return { kind: 'wrong content type', headers: { 'content-type': r.pick(WRONG_CTS) }, body: Buffer.from(text), status: [415] };
    case 4:
      return { kind: 'no content type', headers: {}, body: Buffer.from(text), status: [415] };
    case 5: {
      const doc = `${r.pick(['', '\uFEFF', ' '])}${r.pick(['{', '{"a":', '[', '"', 'nul', 'tru', '{"a" 1}', '{a:1}', "{'a':1}", '{"a":1,}', '[1,]', 'NaN', '{"a":01}', '{"a":"\\x"}', '{"a":"\\u12"}', '{"a":"\t"}', '{}{}', '{"a":1}}'])}`;
      return { kind: 'syntax error', headers: JSON_CT, body: Buffer.from(doc), status: [400] };
    }
    case 6:
      return { kind: 'empty body', headers: JSON_CT, body: Buffer.alloc(0), status: [400] };
    case 7: {
      const body = Buffer.from(r.pick(['{"__proto__":{"polluted":true}}', '{"constructor":{"prototype":{"polluted":true}}}', `{"a":${deepText(r, 2000)},"__proto__":{}}`]));
      return { kind: 'prototype keys', headers: JSON_CT, body, status: body.length > limit ? [413] : [400] };
    }
    case 8: {
      // 10,000 levels of nesting as the whole body (over 1 KiB: the cancel route says 413)
      const body = Buffer.from(deepText(r, 10_000));
      return { kind: 'deep nesting (10,000 levels)', headers: JSON_CT, body, status: body.length > limit ? [413] : [400] };
    }
    default: {
      const body = Buffer.from(r.pick(['[]', '"x"', '42', 'null', 'true', '[{}]', '-0', '1e999']));
      return { kind: 'not an object', headers: { 'content-type': r.pick([...ODD_JSON_CTS, 'application/json']) }, body, status: [400, 415] };
    }
  }
}

/** Schema-level malformations: valid JSON, wrong content. `valid` guards that it is really invalid. */
function schemaBadBody(r: Rng, base: Record<string, unknown>, fields: Record<string, JsonType[]>, valid: (v: unknown) => boolean, limit: number, extra: (r: Rng, v: Record<string, unknown>) => string | undefined): BadBody {
  for (;;) {
    const v = clone(base);
    let kind: string;
    switch (r.int(6)) {
      case 0: {
        const field = r.pick(Object.keys(fields));
        setPath(v, field, wrongFor(r, fields[field]!));
        kind = 'wrong type';
        break;
      }
      case 1: {
        const field = r.pick(Object.keys(fields));
        setPath(v, field, DEEP);
        kind = 'deep nesting (10,000 levels) in a field';
        break;
      }
      case 2: {
        const field = r.pick(Object.keys(fields));
        setPath(v, field, r.pick(ODD_STRINGS));
        kind = 'unicode oddity';
        break;
      }
      case 3: {
        const field = r.pick(Object.keys(fields));
        setPath(v, field, 'x'.repeat(limit / 4 + r.int(limit / 2)));
        kind = 'huge JSON (under the limit)';
        break;
      }
      case 4: {
        const required = Object.keys(fields).filter((f) => !f.includes('.'));
        delete v[r.pick(required)];
        kind = 'missing field';
        break;
      }
      default:
        kind = extra(r, v) ?? 'wrong type';
    }
    const text = JSON.stringify(v).replace(`"${DEEP}"`, () => deepText(r, 10_000));
    if (valid(JSON.parse(text))) continue; // not malformed after all: draw again
    if (Buffer.byteLength(text) > limit) return { kind, headers: JSON_CT, body: Buffer.from(text), status: [413] };
    const unicodeCt = r.chance(0.1) ? { 'content-type': r.pick(ODD_JSON_CTS) } : JSON_CT;
    return { kind, headers: unicodeCt, body: Buffer.from(text), status: unicodeCt === JSON_CT ? [400] : [400, 415] };
  }
}

function generationBadBody(r: Rng): BadBody {
  if (r.chance(0.45)) return byteLevelBadBody(r, { ...VALID_GENERATION, kind: 'text2video', notifyUrl: 'https://example.com/hook' }, BODY_LIMITS.generations);
  return schemaBadBody(r, { ...VALID_GENERATION }, GENERATION_FIELDS, isValidGeneration, BODY_LIMITS.generations, (rr, v) => {
    switch (rr.int(4)) {
      case 0: {
        const field = rr.pick(Object.keys(OUT_OF_RANGE));
        v[field] = rr.pick(OUT_OF_RANGE[field]!);
        return 'out of range';
      }
      case 1: {
        const field = rr.pick(Object.keys(HOMOGLYPH_ENUMS));
        v[field] = rr.pick(HOMOGLYPH_ENUMS[field]!);
        return 'enum lookalike';
      }
      case 2:
        v[rr.pick(['promt', 'Prompt', 'prompt\u200B', 'callback_timeout', 'provider_task_id', 'id', 'status'])] = anyValue(rr);
        return 'unknown field';
      default:
        Object.assign(v, rr.pick([{ kind: 'image2video' }, { provider: 'runblob', kind: 'lip-sync' }, { kind: 'effects' }, { kind: 'video-extend' }, { prompt: undefined, kind: 'text2video' }, { provider: 'runblob', mode: 'pro', model: 'kling-v1' }]));
        return 'fields that do not fit the kind';
    }
  });
}

function klingBadBody(r: Rng, id: string, ctx: Context): BadBody {
  const base = klingTask(id, ctx);
  if (r.chance(0.4)) return byteLevelBadBody(r, base, BODY_LIMITS.callbacks);
  const valid = (v: unknown) => {
    const parsed = parseKlingTaskBody(v);
    return parsed.ok && (!parsed.value.task_info?.external_task_id || parsed.value.task_info.external_task_id === id);
  };
  return schemaBadBody(r, base, KLING_FIELDS, valid, BODY_LIMITS.callbacks, (rr, v) => {
    switch (rr.int(4)) {
      case 0:
        v.task_status = rr.pick(['SUCCEED', 'succeeded', 'succeed\u200B', 'done', 'failed ', 'processing\u0000']);
        return 'enum lookalike';
      case 1:
        setPath(v, 'task_info.external_task_id', rr.pick(['gen-other', `${id}\u200B`, id.toUpperCase(), `${id}/../x`]));
        return 'claims another generation';
      case 2:
        setPath(v, 'task_result.videos', [{ id: 'v', url: rr.pick(['not a url', '', 'http//x', '://x']) }]);
        return 'bad video URL';
      default: {
        const wrapped = { code: 0, message: 'SUCCEED', data: { ...v, task_status: rr.pick([1, null, 'x']) } };
        for (const k of Object.keys(v)) delete v[k];
        Object.assign(v, wrapped);
        return 'envelope around a bad task';
      }
    }
  });
}

function runblobBadBody(r: Rng, ctx: Context): BadBody {
  const base = runblobBody(ctx);
  if (r.chance(0.4)) return byteLevelBadBody(r, base, BODY_LIMITS.callbacks);
  return schemaBadBody(r, base, RUNBLOB_FIELDS, (v) => parseRunBlobBody(v).ok, BODY_LIMITS.callbacks, (rr, v) => {
    v[rr.pick(['generation_id', 'status'])] = rr.pick(['', 'g'.repeat(101), 'COMPLETED', 'complete', 'completed\u200B']);
    return 'out of range';
  });
}

function gatewayBadBody(r: Rng, ctx: Context): BadBody {
  const base = gatewayEvent(ctx, nowSec());
  if (r.chance(0.4)) return byteLevelBadBody(r, base, BODY_LIMITS.callbacks);
  return schemaBadBody(r, base, GATEWAY_FIELDS, (v) => parseGatewayEvent(v).ok, BODY_LIMITS.callbacks, (rr, v) => {
    setPath(v, rr.pick(['data.progress', 'event', 'data.job_id']), rr.pick(['abc', 101, -5, {}, '', 'e'.repeat(101)]));
    return 'out of range';
  });
}

// Ids: [raw path segment, what it decodes to or null when it cannot be decoded]
function oddId(r: Rng): { raw: string; decoded: string | null; long: boolean } {
  const pick = r.int(14);
  const enc = (s: string) => ({ raw: encodeURIComponent(s), decoded: s, long: encodeURIComponent(s).length > 100 });
  switch (pick) {
    case 0:
      return enc(r.pick(['..', '../..', '../../etc/passwd', '..\\..\\windows', './gen-x', 'gen-x/../../healthz']));
    case 1:
      return { raw: r.pick(['%2e%2e%2f%2e%2e%2f', '..%2F..%2Fetc%2Fpasswd', '%2e%2e', '.%2e/']), decoded: null, long: false };
    case 2:
      return enc(`gen-${r.pick(ODD_STRINGS.filter((s) => !s.includes('\uD800')))}`);
    case 3:
      return enc(r.pick(['gеn-homoglyph', 'GEN-UPPER', 'gen-', 'gen', 'gen--', 'gen-a b', 'gen-a+b', 'gen-x;rm', "gen-x'--", 'gen-x"', 'gen-x\r\nSet-Cookie: a=b']));
    case 4:
      return enc(`gen-${'a'.repeat(65 + r.int(20))}`); // over 64 characters: not a generation id
    case 5:
      return { raw: `gen-${'a'.repeat(101 + r.int(300))}`, decoded: null, long: true }; // over Fastify's param limit
    case 6:
      return { raw: r.pick(['%E0%A4%A', '%', '%G0', '%ED%A0%BD', '%C0%AF', '%FF', 'gen-%']), decoded: null, long: false }; // undecodable
    case 7:
      return enc(r.pick(['\u0000', 'gen-\u0000', '\u202Egen-x', 'gen-😀', 'gen-\uFEFF1']));
    case 8:
      return enc(`${r.pick(['*', '?', '#', '&', '=', '%00', '$', '{}', '[]', '|'])}`);
    default:
      return { raw: `gen-fuzz${r.text(10)}`, decoded: null, long: false }; // a generation id no workflow has
  }
}

const rawIdDecoded = (id: { raw: string; decoded: string | null }) => {
  if (id.decoded !== null) return id.decoded;
  try {
    return decodeURIComponent(id.raw);
  } catch {
    return null;
  }
};

function forgedToken(r: Rng, id: string): string {
  const valid = callbackToken(id, CALLBACK_SECRET);
  switch (r.int(9)) {
    case 0:
      return `token=${r.text(43)}`;
    case 1:
      return `token=${callbackToken(`${id}x`, CALLBACK_SECRET)}`;
    case 2: {
      const i = r.int(valid.length);
      const c = valid[i] === 'A' ? 'B' : 'A';
      return `token=${valid.slice(0, i)}${c}${valid.slice(i + 1)}`;
    }
    case 3:
      return `token=${valid.slice(0, r.int(valid.length))}`;
    case 4:
      return `token=${valid}${r.text(1 + r.int(5))}`;
    case 5:
      return r.pick(['', 'token=', 'TOKEN=' + valid, 'tok=' + valid, `token[]=${valid}`]);
    case 6:
      return `token=${valid}&token=${valid}`; // an array: not a token
    case 7:
      return `token=${callbackToken(id, 'guessed-secret')}`;
    default:
      return `token=${r.text(201 + r.int(300))}`;
  }
}

// A generation id no workflow has, and the token it would be given.
const fakeId = (r: Rng) => `gen-fuzz${r.text(12)}`;

function caseFor(index: number, ctx: Context): FuzzCase {
  const r = new Rng((SEED ^ Math.imul(index + 1, 0x9e3779b1)) >>> 0);
  const roll = r.float();
  const c = (route: Route, kind: string, method: string, p: string, bad: Partial<BadBody> & { status: number[] }): FuzzCase => ({
    index,
    route,
    kind,
    method,
    path: p,
    headers: bad.headers ?? {},
    body: bad.body,
    chunked: bad.chunked,
    expect: bad.status,
  });

  if (roll < 0.24) {
    // POST /generations
    const bad = generationBadBody(r);
    const headers = { ...bad.headers };
    let status = bad.status;
    if (r.chance(0.1)) {
      headers['idempotency-key'] = r.pick(['', 'k'.repeat(256), 'k'.repeat(1000)]);
      status = bad.status.includes(413) || bad.status.includes(415) ? bad.status : [400];
    } else if (r.chance(0.1)) {
      headers['idempotency-key'] = `fuzz-${r.text(20)}`;
    }
    // No such route: 404, or the body's own problem (unknown routes read bodies too, up to 1 KiB).
    if (r.chance(0.03)) return c('POST /generations', 'wrong method', r.pick(['PUT', 'DELETE', 'PATCH']), '/generations', { headers, body: bad.body, status: [400, 404, 413, 415] });
    return c('POST /generations', bad.kind, 'POST', '/generations', { ...bad, headers, status });
  }
  if (roll < 0.34) {
    // GET /generations/:id (bodies, when sent, are never read)
    const id = oddId(r);
    const decoded = rawIdDecoded(id);
    const status = id.long ? [414] : decoded === null ? [400, 404] : [404];
    const body = r.chance(0.1) ? { headers: JSON_CT, body: Buffer.from(deepText(r, 10_000)) } : {};
    if (r.chance(0.05)) return c('GET /generations/:id', 'wrong method', r.pick(['PUT', 'DELETE', 'PATCH']), `/generations/${id.raw}`, { status: [404, 414, 400] });
    return c('GET /generations/:id', decoded === null ? 'undecodable id' : 'odd id', 'GET', `/generations/${id.raw}${r.chance(0.2) ? `?${r.text(5)}=${encodeURIComponent(r.pick(ODD_STRINGS.filter((s) => !s.includes('\uD800'))))}` : ''}`, { ...body, status });
  }
  if (roll < 0.44) {
    // POST /generations/:id/cancel: odd ids, unknown ids, and the bystander with bad bodies
    if (r.chance(0.4)) {
      // Only bodies refused before the handler runs (a parseable one would cancel it: not malformed).
      let bad = byteLevelBadBody(r, {}, BODY_LIMITS.none);
      while (bad.kind === 'not an object') bad = byteLevelBadBody(r, {}, BODY_LIMITS.none);
      return c('POST /generations/:id/cancel', `bystander, ${bad.kind}`, 'POST', `/generations/${ctx.g0}/cancel`, bad);
    }
    const id = r.chance(0.5) ? { raw: fakeId(r), decoded: null, long: false } : oddId(r);
    const status = id.long ? [414] : rawIdDecoded(id) === null ? [400, 404] : [404];
    return c('POST /generations/:id/cancel', 'unknown or odd id', 'POST', `/generations/${id.raw}/cancel`, { status });
  }
  if (roll < 0.62 || roll >= 0.92) {
    // POST /webhooks/kling/:id?token=…  and  POST /webhooks/runblob/:id?token=…
    const provider = roll < 0.62 ? 'kling' : 'runblob';
    const route: Route = provider === 'kling' ? 'POST /webhooks/kling/:id' : 'POST /webhooks/runblob/:id';
    const target = r.float();
    if (target < 0.35) {
      // forged tokens, even with a body that would be accepted: always 401, before the body is read
      const id = r.chance(0.6) ? ctx.g0 : fakeId(r);
      const body = provider === 'kling' ? klingTask(id, ctx) : runblobBody(ctx);
      const oversized = r.chance(0.1);
      const payload = oversized ? Buffer.alloc(BODY_LIMITS.callbacks + 1 + r.int(100_000), 'x') : Buffer.from(JSON.stringify(body));
      return c(route, `forged token${oversized ? ', oversized body' : ''}`, 'POST', `/webhooks/${provider}/${id}?${forgedToken(r, id)}`, { headers: r.chance(0.1) ? { 'content-type': r.pick(WRONG_CTS) } : JSON_CT, body: payload, status: [401] });
    }
    if (target < 0.8) {
      // a valid token (the bystander's, or an unknown generation's) and a malformed body
      const id = r.chance(0.5) ? ctx.g0 : fakeId(r);
      const bad = provider === 'kling' ? klingBadBody(r, id, ctx) : runblobBadBody(r, ctx);
      return c(route, `valid token, ${bad.kind}`, 'POST', `/webhooks/${provider}/${id}?token=${callbackToken(id, CALLBACK_SECRET)}`, bad);
    }
    // path traversal and unicode ids, with the token such an id would have
    const id = oddId(r);
    const decoded = rawIdDecoded(id);
    const token = callbackToken(decoded ?? id.raw, CALLBACK_SECRET);
    // A valid body only where the id cannot be a generation's (else a signal would be attempted).
    const genLike = decoded !== null && isGenerationId(decoded);
    const body = Buffer.from(genLike ? '[]' : JSON.stringify(provider === 'kling' ? klingTask(decoded ?? 'x', ctx) : runblobBody(ctx)));
    const status = id.long ? [414] : decoded === null ? [400, 401, 404] : genLike ? [400] : [401, 404];
    return c(route, 'odd id', 'POST', `/webhooks/${provider}/${id.raw}?token=${token}`, { headers: JSON_CT, body, status });
  }
  if (roll < 0.84) {
    // POST /webhooks/kling: signed gateway deliveries
    const kind = r.int(10);
    const event = JSON.stringify(gatewayEvent(ctx, nowSec()));
    const klingSig = (body: Buffer | string, secret = GATEWAY_SECRET) => `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
    const standard = (body: Buffer | string, id: string, ts: number, secret = GATEWAY_SECRET) => ({
      'webhook-id': id,
      'webhook-timestamp': String(ts),
      'webhook-signature': `v1,${createHmac('sha256', Buffer.from(secret)).update(`${id}.${ts}.`).update(body).digest('base64')}`,
    });
    if (kind === 0) {
      // replayed: a valid HMAC over a delivery whose timestamp is 10 minutes old
      const old = JSON.stringify(gatewayEvent(ctx, nowSec() - 600 - r.int(100_000)));
      return c('POST /webhooks/kling', 'replayed (valid HMAC, 10-minute-old timestamp)', 'POST', '/webhooks/kling', { headers: { ...JSON_CT, 'x-kling-signature': klingSig(old) }, body: Buffer.from(old), status: [401] });
    }
    if (kind === 1) {
      const ts = nowSec() - 600 - r.int(100_000);
      return c('POST /webhooks/kling', 'replayed (Standard Webhooks, 10-minute-old webhook-timestamp)', 'POST', '/webhooks/kling', { headers: { ...JSON_CT, ...standard(event, `msg_${r.text(8)}`, ts) }, body: Buffer.from(event), status: [401] });
    }
    if (kind === 2) {
      const sig = r.pick([
        klingSig(event, 'wrong-secret'),
        klingSig(`${event} `),
        `sha256=${r.text(64, '0123456789abcdef')}`,
        `sha256=${klingSig(event).slice(7, 60)}`,
        `sha1=${createHmac('sha1', GATEWAY_SECRET).update(event).digest('hex')}`,
        `sha256=${'z'.repeat(64)}`,
        '',
        `${klingSig(event)}, ${klingSig(event)}`,
      ]);
      return c('POST /webhooks/kling', 'forged X-Kling-Signature', 'POST', '/webhooks/kling', { headers: { ...JSON_CT, 'x-kling-signature': sig }, body: Buffer.from(event), status: [401] });
    }
    if (kind === 3) {
      const id = `msg_${r.text(8)}`;
      const ts = nowSec();
      const headers = r.pick([
        standard(event, id, ts, 'wrong-secret'),
        { ...standard(event, id, ts), 'webhook-id': `${id}x` },
        { ...standard(event, id, ts), 'webhook-signature': standard(event, id, ts)['webhook-signature'].replace('v1,', 'v2,') },
        { ...standard(event, id, ts), 'webhook-timestamp': String(ts + 1) },
        { 'webhook-id': id, 'webhook-signature': standard(event, id, ts)['webhook-signature'] },
        { ...standard(event, id, ts), 'webhook-timestamp': 'soon' },
        { ...standard(event, id, ts), 'webhook-signature': `v1,${r.text(44)}` },
      ]);
      return c('POST /webhooks/kling', 'forged Standard Webhooks headers', 'POST', '/webhooks/kling', { headers: { ...JSON_CT, ...headers }, body: Buffer.from(event), status: [401] });
    }
    if (kind === 4) return c('POST /webhooks/kling', 'unsigned', 'POST', '/webhooks/kling', { headers: JSON_CT, body: Buffer.from(event), status: [401] });
    // correctly signed, fresh, but malformed: the body is the problem
    const bad = gatewayBadBody(r, ctx);
    const body = bad.body ?? Buffer.alloc(0);
    const signature = r.chance(0.5) ? { 'x-kling-signature': klingSig(body) } : standard(body, `msg_${r.text(8)}`, nowSec());
    // Content type and size are checked before the signature (415/413); a malformed body after it (400).
    const status = bad.status.includes(415) || bad.status.includes(413) ? bad.status : [400];
    return c('POST /webhooks/kling', `signed, ${bad.kind}`, 'POST', '/webhooks/kling', { ...bad, headers: { ...bad.headers, ...signature }, status });
  }
  // health routes: wrong methods and paths that are not theirs
  const which = r.chance(0.5) ? 'healthz' : 'readyz';
  const route: Route = which === 'healthz' ? 'GET /healthz' : 'GET /readyz';
  const variant = r.int(3);
  if (variant === 0) return c(route, 'wrong method', r.pick(['POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS']), `/${which}`, { headers: JSON_CT, body: Buffer.from('{}'), status: [404] });
  if (variant === 1) return c(route, 'path variant', 'GET', r.pick([`/${which}/`, `/${which}/x`, `//${which}`, `/${which.toUpperCase()}`, `/${which}%00`, `/${which}/..`, `/${which};x`, `/${which}.json`, `/%2F${which}`]), { status: [400, 404] });
  return c(route, 'undecodable path', 'GET', `/${which}${r.pick(['%', '%E0%A4%A', '%G1', '%C0'])}`, { status: [400, 404] });
}

// ---------------------------------------------------------------- raw sockets

const RAW = [
  'GARBAGE\r\n\r\n',
  'GET /healthz HTTP/9.9\r\nHost: x\r\n\r\n',
  'GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ' + 'a'.repeat(20_000) + '\r\n\r\n',
  'POST /generations HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: abc\r\n\r\n{}',
  'POST /generations HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
  'POST /generations HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nZZ\r\nabc\r\n0\r\n\r\n',
  'POST /generations HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}',
  'GET /healthz HTTP/1.1\r\nHost: x\r\nX-A: a\0b\r\n\r\n',
  'GET /healthz HTTP/1.1\r\n\r\n',
  'get /healthz HTTP/1.1\r\nHost: x\r\n\r\n',
  'GET /generations/\xff\xfe HTTP/1.1\r\nHost: x\r\n\r\n',
  'POST /webhooks/kling HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nX-Kling-Signature: sha256=\x00\r\nContent-Length: 2\r\n\r\n{}',
  'CONNECT 127.0.0.1:22 HTTP/1.1\r\nHost: 127.0.0.1:22\r\n\r\n',
  'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n',
  'POST /webhooks/kling/gen-x?token=a HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n' + 'f'.repeat(40) + '\r\n',
  'GET /healthz HTTP/1.1\r\nHost: x\r\nCookie: ' + 'c=1; '.repeat(5000) + '\r\n\r\n',
];

function sendRaw(port: number, data: string): Promise<{ status?: number; error?: string; body?: string }> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    let out = '';
    socket.setTimeout(10_000, () => socket.destroy(new Error('timeout')));
    socket.on('data', (d) => (out += d.toString('latin1')));
    socket.on('error', (err) => resolve(out ? parseRaw(out) : { error: err.message }));
    socket.on('close', () => resolve(out ? parseRaw(out) : { error: 'closed without an answer' }));
    socket.end(Buffer.from(data, 'latin1'));
  });
}
function parseRaw(out: string) {
  const head = out.slice(0, out.indexOf('\r\n\r\n'));
  let body = out.slice(head.length + 4);
  if (/^transfer-encoding: chunked$/im.test(head)) body = body === '0\r\n\r\n' ? '' : body.replace(/^[0-9a-f]+\r\n/i, '').replace(/\r\n0\r\n\r\n$/, '');
  return { status: Number(/^HTTP\/1\.1 (\d{3}) /.exec(out)?.[1] ?? 0), body };
}

// ---------------------------------------------------------------- sending

interface Outcome {
  status?: number;
  body?: string;
  error?: string;
}

function send(port: number, agent: http.Agent, fc: FuzzCase): Promise<Outcome> {
  return new Promise((resolve) => {
    const headers: Record<string, string | number> = { ...fc.headers };
    if (fc.body && fc.chunked) headers['transfer-encoding'] = 'chunked';
    else if (fc.body) headers['content-length'] = fc.body.length;
    let done = false;
    const finish = (o: Outcome) => {
      if (!done) resolve(o);
      done = true;
    };
    const req = http.request({ host: '127.0.0.1', port, method: fc.method, path: fc.path, headers, agent }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (d: Buffer) => {
        if (size < 8192) chunks.push(d);
        size += d.length;
      });
      res.on('end', () => finish({ status: res.statusCode, body: Buffer.concat(chunks).toString() }));
      res.on('error', (err) => finish({ status: res.statusCode, error: err.message }));
    });
    req.setTimeout(15_000, () => req.destroy(new Error('no answer in 15 s')));
    req.on('error', (err) => finish({ error: err.message }));
    if (fc.body && fc.chunked) {
      const cut = Math.floor(fc.body.length / 3);
      req.write(fc.body.subarray(0, cut));
      req.write(fc.body.subarray(cut, 2 * cut));
      req.end(fc.body.subarray(2 * cut));
    } else {
      req.end(fc.body);
    }
  });
}

async function pool<T, R>(items: T[], concurrency: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) {
        const i = next++;
        results[i] = await fn(items[i]!);
      }
    }),
  );
  return results;
}

const CODES = new Set(Object.keys(HttpErrors));
function hasErrorShape(body: string | undefined): boolean {
  try {
    const parsed = JSON.parse(body ?? '') as { error?: { code?: unknown; message?: unknown } };
    return typeof parsed.error?.message === 'string' && CODES.has(String(parsed.error.code));
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------- the tests

let g0: string;

test(`fuzz: ${REQUESTS} malformed requests over real sockets (+${RAW_REQUESTS} raw) across every route`, { timeout: 180_000 }, async (t) => {
  // A bystander generation, waiting for a callback that will not come (the simulator drops
  // it): the fuzz aims valid-looking and forged callbacks and cancels at it.
  await sim({ processingMs: 200, callback: 'drop' });
  g0 = await startGeneration({ prompt: 'fuzz bystander', callbackTimeout: 600 });
  const waiting = await waitForStatus(g0, ['waiting']);
  const ctx: Context = { g0, g0TaskId: waiting.providerTaskId, videoUrl: `${stack.simulatorUrl}/videos/${waiting.providerTaskId}.mp4` };
  const countBefore = (await stack.client.workflow.count()).count;
  const signalsBefore = (await signalsIn(stack.client, g0)).length;
  const startedLogsBefore = logLines((l) => l.includes('"Generation started"'));

  const cases = Array.from({ length: REQUESTS }, (_, i) => caseFor(i, ctx));
  const port = (stack.app.server.address() as AddressInfo).port;
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  const started = Date.now();
  const outcomes = await pool(cases, CONCURRENCY, (fc) => send(port, agent, fc));
  const rawCases = Array.from({ length: RAW_REQUESTS }, (_, i) => RAW[i % RAW.length]!);
  const rawOutcomes = await pool(rawCases, CONCURRENCY, (data) => sendRaw(port, data));
  const duration = Date.now() - started;
  agent.destroy();

  // Figures: requests by route and kind, statuses.
  const byRoute = new Map<string, Map<number | string, number>>();
  const histogram = new Map<number | string, number>();
  const bump = <K>(m: Map<K, number>, k: K) => m.set(k, (m.get(k) ?? 0) + 1);
  const failures: string[] = [];
  cases.forEach((fc, i) => {
    const o = outcomes[i]!;
    const key = o.status ?? `error: ${o.error}`;
    if (!byRoute.has(fc.route)) byRoute.set(fc.route, new Map());
    bump(byRoute.get(fc.route)!, key);
    bump(histogram, key);
    const what = `#${fc.index} (FUZZ_SEED=${SEED}) ${fc.route} [${fc.kind}] ${fc.method} ${fc.path.slice(0, 120)}`;
    if (o.status === undefined) failures.push(`${what}: no answer (${o.error})`);
    else if (o.status < 400 || o.status >= 500) failures.push(`${what}: ${o.status} ${o.body?.slice(0, 300)}`);
    else if (!fc.expect.includes(o.status)) failures.push(`${what}: ${o.status}, expected ${fc.expect.join('|')}: ${o.body?.slice(0, 300)}`);
    else if (!hasErrorShape(o.body)) failures.push(`${what}: ${o.status} not in the error shape: ${o.body?.slice(0, 300)}`);
  });
  rawOutcomes.forEach((o, i) => {
    bump(histogram, o.status ?? `error: ${o.error}`);
    const what = `raw #${i} ${JSON.stringify(rawCases[i]!.slice(0, 60))}`;
    if (!o.status || o.status < 400 || o.status >= 500) failures.push(`${what}: ${o.status ?? o.error}`);
    // Node answers a missing Host header itself, with an empty body: only bodies must be in the shape.
    else if (o.body && !hasErrorShape(o.body)) failures.push(`${what}: ${o.status} not in the error shape: ${o.body.slice(0, 200)}`);
  });

  t.diagnostic(`fuzz: ${cases.length} requests over real sockets + ${rawCases.length} raw, concurrency ${CONCURRENCY}, ${duration} ms (${Math.round(((cases.length + rawCases.length) * 1000) / duration)} req/s), seed ${SEED}`);
  for (const [route, statuses] of [...byRoute].sort()) {
    const total = [...statuses.values()].reduce((a, b) => a + b, 0);
    t.diagnostic(`  ${route.padEnd(30)} ${String(total).padStart(5)}  ${[...statuses].sort().map(([s, n]) => `${s}×${n}`).join(' ')}`);
  }
  t.diagnostic(`  statuses: ${[...histogram].sort().map(([s, n]) => `${s}×${n}`).join(' ')}`);
  const kinds = new Map<string, number>();
  for (const fc of cases) bump(kinds, fc.kind.replace(/^(valid token|signed|bystander), /, ''));
  t.diagnostic(`  kinds: ${[...kinds].sort((a, b) => b[1] - a[1]).map(([k, n]) => `${k} ${n}`).join('; ')}`);

  assert.deepEqual(failures.slice(0, 30), [], `${failures.length} bad answers`);
  for (const route of ['POST /generations', 'GET /generations/:id', 'POST /generations/:id/cancel', 'POST /webhooks/kling/:id', 'POST /webhooks/kling', 'POST /webhooks/runblob/:id', 'GET /healthz', 'GET /readyz']) {
    assert.ok((byRoute.get(route) ? [...byRoute.get(route)!.values()].reduce((a, b) => a + b, 0) : 0) >= 100, `${route} was hardly fuzzed`);
  }
  assert.ok(duration < 100_000, `the fuzz took ${duration} ms`);

  // No crash, nothing logged as an unhandled error.
  assert.ok(stack.app.server.listening);
  assert.equal(logLines((l) => l.includes('"Unhandled error"') || l.includes('"level":50') || l.includes('"level":60')), 0, 'errors were logged');

  // Nothing touched: no generation started, no signal, no cancellation.
  assert.equal(logLines((l) => l.includes('"Generation started"')), startedLogsBefore, 'a generation was started');
  assert.equal(logLines((l) => l.startsWith('{') && (l.includes(' callback"') || l.includes('"Gateway delivery"'))), 0, 'a callback was accepted');
  const history = await stack.client.workflow.getHandle(g0).fetchHistory();
  assert.equal((await signalsIn(stack.client, g0)).length, signalsBefore, 'the bystander was signalled');
  assert.ok(!history.events?.some((e) => e.workflowExecutionCancelRequestedEventAttributes), 'the bystander was asked to cancel');
  assert.equal((await api('GET', `/generations/${g0}`)).body.status, 'waiting');
  assert.equal((await stack.client.workflow.count()).count, countBefore, 'workflows were started');

  // Still fast: p99 of 50 sequential GET /healthz under 100 ms (a sanity bound, not a benchmark).
  const times: number[] = [];
  for (let i = 0; i < 50; i++) {
    const t0 = performance.now();
    const res = await fetch(`${stack.apiUrl}/healthz`);
    await res.text();
    times.push(performance.now() - t0);
    assert.equal(res.status, 200);
  }
  times.sort((a, b) => a - b);
  const p99 = times[Math.ceil(0.99 * times.length) - 1]!;
  t.diagnostic(`after the fuzz: GET /healthz p50 ${times[24]!.toFixed(1)} ms, p99 ${p99.toFixed(1)} ms`);
  assert.ok(p99 < 100, `p99 ${p99} ms`);
  const real = await api('POST', '/generations', { prompt: 'after the fuzz', callbackTimeout: 600 });
  assert.equal(real.status, 202, 'a valid request is still served');
});

test('logs (LOG_LEVEL info, Fastify and Temporal runtime) never contain a secret after a full generation and a gateway delivery', { timeout: 60_000 }, async () => {
  await sim({ processingMs: 300, callback: 'deliver' });
  const id = await startGeneration({ prompt: 'log me, but not my secrets', notifyUrl: receiverUrl });
  const done = await waitForStatus(id, ['completed', 'failed']);
  assert.equal(done.status, 'completed', JSON.stringify(done));
  assert.equal(done.notification, 'sent');

  // A signed gateway delivery for the bystander (X-Kling-Signature over the raw body).
  const g0State = await api('GET', `/generations/${g0}`);
  const event = JSON.stringify({ event: 'video.processing', timestamp: nowSec(), data: { job_id: g0State.body.providerTaskId, progress: 40, task_info: { external_task_id: g0 } } });
  const signature = createHmac('sha256', GATEWAY_SECRET).update(event).digest('hex');
  const res = await fetch(`${stack.apiUrl}/webhooks/kling`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-kling-signature': `sha256=${signature}` }, body: event });
  assert.equal(res.status, 200, await res.text());
  assert.ok((await signalsIn(stack.client, g0)).some((u) => u.signed && u.status === 'processing'));

  const text = logs.join('');
  // The capture works: the callback, the delivery and the worker's activities are in it.
  assert.ok(text.includes('"kling callback"'), 'callbacks are logged');
  assert.ok(text.includes('"Gateway delivery"'), 'gateway deliveries are logged');
  assert.ok(text.includes('[temporal'), 'the Temporal runtime logs are captured');
  assert.ok(text.includes(`/webhooks/kling/${id}?token=[redacted]`), 'callback URLs are logged, redacted');
  const secrets: Record<string, string> = {
    CALLBACK_SECRET,
    'callback token': callbackToken(id, CALLBACK_SECRET),
    "the bystander's callback token": callbackToken(g0, CALLBACK_SECRET),
    KLINGAI_WEBHOOK_SECRET: GATEWAY_SECRET,
    'gateway signature': signature,
    NOTIFY_SECRET,
    'NOTIFY_SECRET key': NOTIFY_SECRET.slice('whsec_'.length),
    KLING_SECRET_KEY: stack.config.kling.secretKey,
  };
  for (const [name, secret] of Object.entries(secrets)) {
    const line = logs.find((l) => l.includes(secret));
    assert.equal(line, undefined, `${name} appears in the logs: ${line?.replaceAll(secret, '<SECRET>').slice(0, 500)}`);
  }
  assert.equal(notifications.length, 1);
});

test('server.ts on SIGTERM: an in-flight callback finishes with its 200 before the process exits 0', { timeout: 60_000 }, async () => {
  const port = await freePort();
  const out: string[] = [];
  let wake = () => undefined as void;
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      PORT: String(port),
      HOST: '127.0.0.1',
      TEMPORAL_ADDRESS: stack.devServer!.address,
      CALLBACK_SECRET,
      NOTIFY_SECRET,
      KLINGAI_WEBHOOK_SECRET: GATEWAY_SECRET,
      DATA_DIR: dataDir,
      // debug: the "incoming request" line shows the callback has reached the server.
      LOG_LEVEL: 'debug',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  const collect = (d: Buffer) => {
    out.push(String(d));
    wake();
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  const seen = (what: (text: string) => boolean) =>
    new Promise<void>((resolve, reject) => {
      wake = () => (what(out.join('')) ? resolve() : undefined);
      void exited.then((code) => reject(new Error(`server.ts exited (${code}): ${out.join('').slice(-2000)}`)));
      wake();
    });
  const temporal = stack.devServer!.process;
  let resumed = true;
  try {
    await seen((t) => t.includes('Server listening at'));
    // The server's Temporal runtime runs on one thread (server.ts): count them in /proc.
    const threads = readdirSync(`/proc/${child.pid}/task`).map((t) => readFileSync(`/proc/${child.pid}/task/${t}/comm`, 'utf8').trim());
    assert.equal(threads.filter((name) => name.startsWith('tokio-runtime')).length, 1, threads.join(', '));
    const signalsBefore = (await signalsIn(stack.client, g0)).length;
    const g0State = (await api('GET', `/generations/${g0}`)).body;
    assert.ok(temporal.kill('SIGSTOP'));
    resumed = false;
    const task = { task_id: g0State.providerTaskId, task_status: 'processing', task_info: { external_task_id: g0 } };
    const answer = fetch(`http://127.0.0.1:${port}/webhooks/kling/${g0}?token=${callbackToken(g0, CALLBACK_SECRET)}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(task),
    });
    await seen((t) => t.includes('"incoming request"') && t.includes(`/webhooks/kling/${g0}?token=[redacted]`));
    child.kill('SIGTERM');
    // Shutting down: the listener closes, the request in flight is still being served.
    await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/healthz`).then(() => false, () => true)) || undefined, 'the listener to close', 10_000, 20);
    assert.equal(child.exitCode, null, 'still running: the callback is in flight');
    temporal.kill('SIGCONT');
    resumed = true;
    const res = await answer;
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { ok: true, outcome: 'accepted' });
    assert.equal(await exited, 0, out.join('').slice(-2000));
    assert.equal((await signalsIn(stack.client, g0)).length, signalsBefore + 1);
  } finally {
    if (!resumed) temporal.kill('SIGCONT');
    if (child.exitCode === null) child.kill('SIGKILL');
  }
});

test('closing the app lets an in-flight callback finish with its 200, its signal durably in Temporal', { timeout: 60_000 }, async () => {
  const port = (stack.app.server.address() as AddressInfo).port;
  const signalsBefore = (await signalsIn(stack.client, g0)).length;
  const g0State = (await api('GET', `/generations/${g0}`)).body;
  const idleAgent = new http.Agent({ keepAlive: true });
  const request = (method: string, p: string, agent: http.Agent, body?: string) =>
    new Promise<{ status: number; connection?: string; body: string; socket: net.Socket }>((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port, method, path: p, agent, headers: body ? { 'content-type': 'application/json' } : {} }, (res) => {
        let text = '';
        res.on('data', (d) => (text += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, connection: res.headers.connection, body: text, socket: req.socket! }));
      });
      req.on('error', reject);
      req.end(body);
    });
  const idle = await request('GET', '/healthz', idleAgent);
  const idleClosed = new Promise<void>((r) => idle.socket.once('close', () => r()));

  // Temporal paused (SIGSTOP): the callback's signal call cannot complete until it resumes.
  const temporal = stack.devServer!.process;
  assert.ok(temporal.kill('SIGSTOP'));
  let resumed = false;
  const resume = () => {
    if (!resumed) temporal.kill('SIGCONT');
    resumed = true;
  };
  try {
    const task = { task_id: g0State.providerTaskId, task_status: 'processing', task_info: { external_task_id: g0 } };
    const url = `/webhooks/kling/${g0}?token=${callbackToken(g0, CALLBACK_SECRET)}`;
    let settled = false;
    const since = logs.length;
    const inFlight = request('POST', url, new http.Agent({ keepAlive: true }), JSON.stringify(task)).finally(() => {
      settled = true;
    });
    await logged((l) => l.includes('"incoming request"') && l.includes(`/webhooks/kling/${g0}?token=[redacted]`), since);

    const closing = stack.app.close();
    let closed = false;
    void closing.then(() => (closed = true));
    await idleClosed; // an idle keep-alive socket is dropped at once
    assert.equal(stack.app.server.listening, false, 'no longer accepting connections');
    await assert.rejects(fetch(`${stack.apiUrl}/healthz`), 'new connections are refused');
    assert.equal(settled, false, 'the callback is still in flight');
    assert.equal(closed, false, 'close waits for it');

    resume();
    const answer = await inFlight;
    assert.equal(answer.status, 200, answer.body);
    assert.deepEqual(JSON.parse(answer.body), { ok: true, outcome: 'accepted' });
    assert.equal(answer.connection, 'close');
    const t0 = Date.now();
    await closing;
    assert.ok(Date.now() - t0 < 5_000, `close took ${Date.now() - t0} ms after the last answer (keep-alive held it?)`);
    const signals = await signalsIn(stack.client, g0);
    assert.equal(signals.length, signalsBefore + 1);
    assert.equal(signals.at(-1)!.status, 'processing');
    assert.equal(signals.at(-1)!.source, 'callback');
  } finally {
    resume();
    idleAgent.destroy();
  }
});
