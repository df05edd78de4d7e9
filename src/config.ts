// The one reader of process.env. Everything else receives a Config value.
import path from 'node:path';
import { inspect } from 'node:util';
import { z } from 'zod';
import { parseDuration } from './duration.js';
import { DEFAULT_RATE_LIMIT, type RateLimit } from './http/limits.js';
import { DEFAULT_STEP_STATUS_DELAY_MS } from '../workflows/types.js';

const SIMULATOR_ACCESS_KEY = 'sim-access-key';
const SIMULATOR_SECRET_KEY = 'sim-secret-key-do-not-use-in-production';
const SIMULATOR_RUNBLOB_KEY = 'sim-runblob-key';

const duration = (fallback: string, { zeroAllowed = false } = {}) =>
  z
    .string()
    .default(fallback)
    .transform((v, ctx) => {
      const ms = parseDuration(v);
      if (ms === undefined || ms < 0 || (ms === 0 && !zeroAllowed)) {
        ctx.addIssue({ code: 'custom', message: `not a duration: "${v}" (use e.g. 30s, 5m, 1500ms)` });
        return z.NEVER;
      }
      return ms;
    });

const optionalString = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v.trim()));

/**
 * Generations the worker keeps in memory between their events. Most of a generation's life is
 * waiting, so most would wait in the cache: each cached one costs the worker 0.6–1 MiB of RSS
 * (npm run bench: waiting-scale), while an evicted one costs a replay of its short history
 * (~15 events) when its next event comes. 500 keeps 5,000 waiting generations near 800 MiB.
 */
export const DEFAULT_MAX_CACHED_WORKFLOWS = 500;

/**
 * The standalone worker's nice value (src/temporal/cpuPriority.ts): on a host it shares with
 * the webhook receiver, the receiver's acknowledgements go first. Alone on its host, a nice
 * value changes nothing. 0 turns it off.
 */
export const DEFAULT_WORKER_NICE = 10;

const GRPC_COMPRESSIONS = ['none', 'gzip'] as const;
export type GrpcCompression = (typeof GRPC_COMPRESSIONS)[number];
/** Of the Temporal connections; why off: src/temporal/connect.ts. */
export const DEFAULT_GRPC_COMPRESSION: GrpcCompression = 'none';

const port = (fallback: number) => z.coerce.number().int().min(0).max(65535).default(fallback);

const EnvSchema = z.object({
  PORT: port(3000),
  HOST: z.string().default('127.0.0.1'),
  // Rate limit of the REST API (/generations*) per client IP; provider callbacks are never limited.
  RATE_LIMIT_MAX: z.coerce.number().int().min(0, 'must be 0 (off) or more').default(DEFAULT_RATE_LIMIT.max),
  RATE_LIMIT_READ_MAX: z.coerce.number().int().positive().optional(),
  RATE_LIMIT_WINDOW: duration('1m'),
  // Behind a load balancer: which proxies' X-Forwarded-For to believe, so the client IP (rate
  // limits, logs) is the caller's, not the balancer's. true, a hop count, or IPs/CIDRs.
  TRUST_PROXY: optionalString.transform((v, ctx) => {
    if (v === undefined || /^(false|0|no|off)$/i.test(v)) return false;
    if (/^(true|yes|on)$/i.test(v)) return true;
    if (/^\d+$/.test(v)) return Number(v);
    const list = v.split(',').map((a) => a.trim()).filter(Boolean);
    if (list.every((a) => /^[0-9a-fA-F:.]+(\/\d{1,3})?$/.test(a))) return list;
    ctx.addIssue({ code: 'custom', message: `not true/false, a hop count, or a list of IPs/CIDRs: "${v}"` });
    return z.NEVER;
  }),
  PUBLIC_BASE_URL: optionalString.pipe(z.url().optional()),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  DATA_DIR: z.string().default('.data'),

  TEMPORAL_ADDRESS: optionalString,
  TEMPORAL_NAMESPACE: z.string().default('default'),
  TEMPORAL_TASK_QUEUE: z.string().default('klingflow'),
  TEMPORAL_UI_PORT: port(8233),
  TEMPORAL_CLI_PATH: optionalString,
  /** The worker's SDK metrics (Prometheus) port; 0 turns them off. */
  WORKER_METRICS_PORT: port(9464),
  WORKER_MAX_CACHED_WORKFLOWS: z.coerce
    .number()
    .int()
    .refine((n) => n === 0 || n >= 2, 'must be 0 (no cache) or at least 2')
    .default(DEFAULT_MAX_CACHED_WORKFLOWS),
  WORKER_NICE: z.coerce.number().int().min(0, 'must be 0 (normal priority) to 19').max(19, 'must be 0 to 19 (lowest priority)').default(DEFAULT_WORKER_NICE),
  TEMPORAL_UI_URL: optionalString.pipe(z.url().optional()),
  TEMPORAL_GRPC_COMPRESSION: z.enum(GRPC_COMPRESSIONS, { error: `must be ${GRPC_COMPRESSIONS.join(' or ')}` }).default(DEFAULT_GRPC_COMPRESSION),

  KLING_ACCESS_KEY: optionalString,
  KLING_SECRET_KEY: optionalString,
  KLING_API_BASE: optionalString.pipe(z.url().optional()),
  KLING_REQUEST_TIMEOUT: duration('30s'),
  SIMULATOR_PORT: port(4010),
  KLINGAI_WEBHOOK_SECRET: optionalString,

  RUNBLOB_API_KEY: optionalString,
  RUNBLOB_API_BASE: optionalString.pipe(z.url().optional()),

  CALLBACK_SECRET: optionalString,
  CALLBACK_TIMEOUT: duration('5m'),
  GENERATION_DEADLINE: duration('30m'),
  POLL_INTERVAL: duration('5s'),
  MAX_POLL_INTERVAL: duration('60s'),
  STEP_STATUS_DELAY: duration(`${DEFAULT_STEP_STATUS_DELAY_MS}ms`, { zeroAllowed: true }),

  STORAGE_DIR: optionalString,
  DOWNLOAD_DIR: optionalString,
  MAX_VIDEO_BYTES: z.coerce.number().int().positive().default(2 * 1024 ** 3),
  DOWNLOAD_ALLOWED_HOSTS: optionalString,
  DOWNLOAD_ALLOW_PRIVATE: optionalString,

  NOTIFY_URL: optionalString.pipe(z.url().optional()),
  NOTIFY_SECRET: optionalString,

  // S3-compatible storage: S3_BUCKET switches it on; the rest only matters with it.
  S3_BUCKET: optionalString.pipe(
    z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{1,253}[A-Za-z0-9]$/, 'not a bucket name (3–255 letters, digits, ".", "-", "_")')
      .optional(),
  ),
  S3_ENDPOINT: optionalString.pipe(z.url({ protocol: /^https?$/, error: 'must be an http(s) URL, e.g. http://127.0.0.1:9000' }).optional()),
  S3_REGION: optionalString.pipe(z.string().default('us-east-1')),
  S3_ACCESS_KEY_ID: optionalString,
  S3_SECRET_ACCESS_KEY: optionalString,
  S3_FORCE_PATH_STYLE: optionalString.transform((v) => v?.toLowerCase()).pipe(
    z
      .enum(['true', 'false', '1', '0', 'yes', 'no', 'on', 'off'], { error: 'must be true or false' })
      .transform((v) => ['true', '1', 'yes', 'on'].includes(v))
      .optional(),
  ),
  // Not trimmed to "unset": an empty S3_PREFIX puts the objects at the bucket's root.
  S3_PREFIX: z
    .string()
    .default('videos/')
    .refine((v) => !v.startsWith('/'), 'must not start with "/" (keys are relative to the bucket)'),
});

/** Where storeVideo puts videos when S3_BUCKET is set. */
export interface S3Settings {
  bucket: string;
  /** undefined → AWS S3 itself (the SDK resolves the regional endpoint). */
  endpoint: string | undefined;
  region: string;
  /** undefined → the AWS SDK's default credential chain (env, profile, SSO, IMDS, …). */
  credentials: S3Credentials | undefined;
  forcePathStyle: boolean;
  /** Prepended as is to `<generationId>.mp4`. */
  prefix: string;
}

export interface S3Credentials {
  accessKeyId: string;
  secretAccessKey: string;
}

export interface Config {
  port: number;
  host: string;
  http: {
    /** false when RATE_LIMIT_MAX is 0. */
    rateLimit: RateLimit | false;
    trustProxy: boolean | number | string[];
  };
  publicBaseUrl: string;
  logLevel: z.infer<typeof EnvSchema>['LOG_LEVEL'];
  dataDir: string;
  temporal: {
    /** undefined → start the embedded dev server. */
    address: string | undefined;
    namespace: string;
    taskQueue: string;
    uiPort: number;
    cliPath: string | undefined;
    /** Prometheus port of the worker's SDK metrics; undefined when off. */
    workerMetricsPort: number | undefined;
    /** The worker's workflow cache, in generations (0: none, every event replays). */
    maxCachedWorkflows: number;
    /** Nice value of the standalone worker process (npm run worker); 0 = normal priority. */
    workerNice: number;
    /** Web UI of an external Temporal, for links; the embedded one is known at start. */
    uiUrl: string | undefined;
    /** gRPC compression of this process's Temporal connection (src/temporal/connect.ts). */
    grpcCompression: GrpcCompression;
  };
  kling: {
    apiBase: string;
    accessKey: string;
    secretKey: string;
    requestTimeoutMs: number;
    /** true when no keys are set: npm start runs the simulator and points the client at it. */
    simulated: boolean;
  };
  /** Signed event-gateway deliveries (POST /webhooks/kling); unset → that route refuses all. */
  gateway: { webhookSecret: string | undefined };
  runblob: { apiBase: string; apiKey: string; simulated: boolean; enabled: boolean };
  simulatorPort: number;
  callback: {
    /** undefined → a random secret persisted under dataDir (see src/secrets.ts). */
    secret: string | undefined;
    timeoutMs: number;
  };
  generation: {
    deadlineMs: number;
    pollIntervalMs: number;
    maxPollIntervalMs: number;
    /** How long the steps after the result run before GenerationStatus shows them; 0 → at once. */
    stepStatusDelayMs: number;
  };
  storage: {
    dir: string;
    /** Set when S3_BUCKET is: videos then go to S3 instead of `dir`. */
    s3: S3Settings | undefined;
  };
  download: {
    dir: string;
    maxBytes: number;
    allowedHosts: string[];
    /** Host or host:port patterns (same syntax as allowedHosts) that may resolve to private, loopback or link-local addresses. */
    allowPrivateAddresses: string[];
  };
  notify: { url: string | undefined; secret: string | undefined };
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  if (Boolean(e.KLING_ACCESS_KEY) !== Boolean(e.KLING_SECRET_KEY)) {
    throw new ConfigError('Invalid configuration:\n  KLING_ACCESS_KEY and KLING_SECRET_KEY must be set together');
  }
  const simulated = !e.KLING_ACCESS_KEY;
  const simulatorBase = `http://127.0.0.1:${e.SIMULATOR_PORT}`;
  const apiBase = (e.KLING_API_BASE ?? (simulated ? simulatorBase : 'https://api-singapore.klingai.com')).replace(/\/+$/, '');
  // Kling serves results from its CDN; the simulator serves them itself, from loopback.
  const hostList = (v: string) => v.split(',').map((h) => h.trim().toLowerCase()).filter(Boolean);
  const allowedHosts = e.DOWNLOAD_ALLOWED_HOSTS ? hostList(e.DOWNLOAD_ALLOWED_HOSTS) : ['*.klingai.com', '*.kling.ai'];
  // Downloads refuse private, loopback and link-local addresses unless the host is listed here.
  const allowPrivateAddresses = e.DOWNLOAD_ALLOW_PRIVATE ? hostList(e.DOWNLOAD_ALLOW_PRIVATE) : [];
  // RunBlob is simulated only in the keyless demo; with real Kling keys and no RunBlob key
  // it is simply not enabled (a production setup never talks to a simulator by accident).
  const runblobSimulated = !e.RUNBLOB_API_KEY && simulated;
  const runblobBase = (e.RUNBLOB_API_BASE ?? (runblobSimulated ? simulatorBase : 'https://platform.runblob.io')).replace(/\/+$/, '');
  // The simulator serves videos from loopback: allow its host and its (private) address.
  const allowSimulator = (host: string) => {
    if (!allowedHosts.includes(host)) allowedHosts.push(host);
    if (!allowPrivateAddresses.includes(host)) allowPrivateAddresses.push(host);
  };
  if (simulated) allowSimulator(new URL(apiBase).host);
  if (runblobSimulated) allowSimulator(new URL(runblobBase).host);
  const s3 = s3Settings(e, env);

  return {
    port: e.PORT,
    host: e.HOST,
    http: {
      rateLimit: e.RATE_LIMIT_MAX === 0 ? false : { max: e.RATE_LIMIT_MAX, timeWindowMs: e.RATE_LIMIT_WINDOW, readMax: e.RATE_LIMIT_READ_MAX ?? e.RATE_LIMIT_MAX * 10 },
      trustProxy: e.TRUST_PROXY,
    },
    publicBaseUrl: (e.PUBLIC_BASE_URL ?? `http://127.0.0.1:${e.PORT}`).replace(/\/+$/, ''),
    logLevel: e.LOG_LEVEL,
    dataDir: e.DATA_DIR,
    temporal: {
      address: e.TEMPORAL_ADDRESS,
      namespace: e.TEMPORAL_NAMESPACE,
      taskQueue: e.TEMPORAL_TASK_QUEUE,
      uiPort: e.TEMPORAL_UI_PORT,
      cliPath: e.TEMPORAL_CLI_PATH,
      workerMetricsPort: e.WORKER_METRICS_PORT || undefined,
      maxCachedWorkflows: e.WORKER_MAX_CACHED_WORKFLOWS,
      workerNice: e.WORKER_NICE,
      uiUrl: e.TEMPORAL_UI_URL?.replace(/\/+$/, ''),
      grpcCompression: e.TEMPORAL_GRPC_COMPRESSION,
    },
    kling: {
      apiBase,
      accessKey: e.KLING_ACCESS_KEY ?? SIMULATOR_ACCESS_KEY,
      secretKey: e.KLING_SECRET_KEY ?? SIMULATOR_SECRET_KEY,
      requestTimeoutMs: e.KLING_REQUEST_TIMEOUT,
      simulated,
    },
    gateway: { webhookSecret: e.KLINGAI_WEBHOOK_SECRET },
    runblob: {
      apiBase: runblobBase,
      apiKey: e.RUNBLOB_API_KEY ?? SIMULATOR_RUNBLOB_KEY,
      simulated: runblobSimulated,
      enabled: Boolean(e.RUNBLOB_API_KEY) || runblobSimulated,
    },
    simulatorPort: e.SIMULATOR_PORT,
    callback: { secret: e.CALLBACK_SECRET, timeoutMs: e.CALLBACK_TIMEOUT },
    generation: {
      deadlineMs: e.GENERATION_DEADLINE,
      pollIntervalMs: e.POLL_INTERVAL,
      maxPollIntervalMs: e.MAX_POLL_INTERVAL,
      stepStatusDelayMs: e.STEP_STATUS_DELAY,
    },
    storage: { dir: path.resolve(e.STORAGE_DIR ?? path.join(e.DATA_DIR, 'videos')), s3 },
    download: {
      dir: path.resolve(e.DOWNLOAD_DIR ?? path.join(e.DATA_DIR, 'downloads')),
      maxBytes: e.MAX_VIDEO_BYTES,
      allowedHosts,
      allowPrivateAddresses,
    },
    notify: { url: e.NOTIFY_URL, secret: e.NOTIFY_SECRET },
  };
}

function s3Settings(e: z.infer<typeof EnvSchema>, env: NodeJS.ProcessEnv): S3Settings | undefined {
  if (!e.S3_BUCKET) {
    // S3 settings without a bucket would silently store on local disk: refuse instead.
    const stray = ['S3_ENDPOINT', 'S3_ACCESS_KEY_ID', 'S3_SECRET_ACCESS_KEY', 'S3_FORCE_PATH_STYLE', 'S3_PREFIX'].filter((name) => env[name]?.trim());
    if (stray.length > 0) throw new ConfigError(`Invalid configuration:\n  ${stray.join(', ')} set but S3_BUCKET is not (S3_BUCKET switches S3 storage on)`);
    return undefined;
  }
  if (Boolean(e.S3_ACCESS_KEY_ID) !== Boolean(e.S3_SECRET_ACCESS_KEY)) {
    throw new ConfigError('Invalid configuration:\n  S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY must be set together (or neither: the AWS default credential chain is used)');
  }
  return {
    bucket: e.S3_BUCKET,
    endpoint: e.S3_ENDPOINT?.replace(/\/+$/, ''),
    region: e.S3_REGION,
    credentials: e.S3_ACCESS_KEY_ID && e.S3_SECRET_ACCESS_KEY ? redactedCredentials(e.S3_ACCESS_KEY_ID, e.S3_SECRET_ACCESS_KEY) : undefined,
    // MinIO and most S3-compatible servers address buckets by path, not by subdomain.
    forcePathStyle: e.S3_FORCE_PATH_STYLE ?? Boolean(e.S3_ENDPOINT),
    prefix: e.S3_PREFIX,
  };
}

/** The secret stays readable for the SDK but never shows in JSON.stringify or console.log / util.inspect. */
function redactedCredentials(accessKeyId: string, secretAccessKey: string): S3Credentials {
  const shown = { accessKeyId, secretAccessKey: '[redacted]' };
  return Object.defineProperties(
    { accessKeyId, secretAccessKey },
    {
      toJSON: { value: () => shown },
      [inspect.custom]: { value: () => shown },
    },
  );
}

export const simulatorKeys = { accessKey: SIMULATOR_ACCESS_KEY, secretKey: SIMULATOR_SECRET_KEY, runblobApiKey: SIMULATOR_RUNBLOB_KEY };
