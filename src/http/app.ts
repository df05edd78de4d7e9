// buildApp(deps) returns the Fastify app without listening: server.ts listens, tests inject.
import { isUtf8 } from 'node:buffer';
import type { Socket } from 'node:net';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type { Client } from '@temporalio/client';
import { jsonSchemaTransform, serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { Logger } from 'pino';
import type { Metrics } from '../observability/metrics.js';
import { metricsRoutes, recordCallbacks } from './routes/metrics.js';
import type { Config } from '../config.js';
import { HttpError } from '../errors.js';
import type { GenerationDefaults } from '../generationRequest.js';
import type { ProviderName } from '../../workflows/types.js';
import { clientErrorHandler, errorHandler, notFoundHandler, rawErrorAnswer } from './errorHandler.js';
import { generationRoutes } from './routes/generations.js';
import { healthRoutes } from './routes/health.js';
import { gatewayWebhookRoutes } from './routes/gatewayWebhook.js';
import { klingCallbackRoutes } from './routes/klingCallback.js';
import { runblobCallbackRoutes } from './routes/runblobCallback.js';
import { BODY_LIMITS, type RateLimit } from './limits.js';
import { redactUrl } from './redact.js';
import { addSecurityHeaders } from './securityHeaders.js';
import { OneLinePerRequest } from './requestLog.js';

export { BODY_LIMITS, DEFAULT_RATE_LIMIT, type RateLimit } from './limits.js';

export interface AppDeps {
  client: Client;
  callbackSecret: string;
  /** KLINGAI_WEBHOOK_SECRET: verifies signed gateway deliveries; unset → they are refused. */
  gatewaySecret?: string;
  taskQueue: string;
  namespace: string;
  /** Providers this deployment can use; others are a 400 naming `provider`. */
  providers?: ProviderName[];
  defaults?: GenerationDefaults;
  temporalUiUrl?: string;
  /** How long a request waits for Temporal before answering 503 (a provider then retries its callback). */
  signalTimeoutMs: number;
  /** Prometheus metrics; GET /metrics is served when set. */
  metrics?: Metrics;
  /** The in-process worker's SDK metrics endpoint, appended to GET /metrics. */
  workerMetricsUrl?: string;
  /** Rate limit of the REST API (/generations*), per client IP; false turns it off. Default DEFAULT_RATE_LIMIT. */
  rateLimit?: RateLimit | false;
  /** Fastify's trustProxy: whose X-Forwarded-For sets the client IP. Default false. */
  trustProxy?: boolean | number | string[];
}

/** `logger`: false, Fastify logger options, or a pino instance shared with the rest of the process. */
export function buildApp(deps: AppDeps, logger: FastifyServerOptions['logger'] | Logger = false): FastifyInstance {
  // Callback URLs carry their token in the query: never log it. Headers (signatures,
  // Authorization) are not logged at all.
  const serializers = { req: (req: { method: string; url: string; ip?: string }) => ({ method: req.method, url: redactUrl(req.url), remoteAddress: req.ip }) };
  const shared = isPino(logger) ? logger.child({ component: 'http' }, { serializers }) : undefined;
  const app = Fastify({
    ...(shared
      ? { loggerInstance: shared as unknown as FastifyBaseLogger }
      : { logger: logger === false || logger === undefined ? false : { ...(typeof logger === 'object' ? logger : {}), serializers } }),
    // The fallback for anything without its own limit; every route sets one (BODY_LIMITS).
    bodyLimit: BODY_LIMITS.none,
    // A client has 30 s to send its whole request: a trickling body cannot hold a
    // connection (or a graceful shutdown) forever. Node answers 408.
    requestTimeout: 30_000,
    // On close: drop idle keep-alive sockets at once, never ones with a request in flight.
    forceCloseConnections: 'idle',
    // A request that reached a route while we shut down is served (its answer closes the
    // connection) rather than refused: a provider callback already here is not turned away.
    return503OnClosing: false,
    // Bad percent-encoding and over-long path parameters: the same error shape as the rest.
    frameworkErrors: (err, req, reply) => errorHandler(err, req, reply),
    // Requests Node's parser refuses (and header overflows, timeouts): the same shape too.
    clientErrorHandler,
    trustProxy: trustProxyOption(deps.trustProxy),
    // One line per request instead of two, with the route's own fields (requestLog.ts).
    logController: new OneLinePerRequest(),
  });
  // No proxying here: CONNECT gets an answer rather than a silently dropped socket.
  app.server.on('connect', (_req, socket: Socket) => {
    rawErrorAnswer(socket, 400, 'BAD_REQUEST', 'CONNECT is not supported');
    socket.end();
  });

  // Graceful shutdown: in-flight requests finish, and their answers say `Connection: close`
  // so the keep-alive socket does not hold app.close() until keepAliveTimeout (72 s).
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  // Synchronous hooks on every request: an async one costs a promise per answer.
  app.addHook('onSend', (_req, reply, payload, done) => {
    if (closing) reply.header('connection', 'close');
    done(null, payload);
  });

  addSecurityHeaders(app);

  // JSON only: a text/plain body is a 415, not a string that later fails as "not an object".
  app.removeContentTypeParser('text/plain');
  // JSON is UTF-8 (RFC 8259): invalid bytes are a 400, not silently turned into U+FFFD.
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (req, body, done) => {
    const bytes = body as Buffer;
    if (!isUtf8(bytes)) return done(new HttpError('INVALID_JSON', 'Body is not valid UTF-8'), undefined);
    parseJson(req, bytes.toString('utf8'), done);
  });

  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.setErrorHandler(errorHandler);
  app.setNotFoundHandler(notFoundHandler);
  // OpenAPI from the routes' zod schemas, served at /docs (JSON at /docs/json).
  app.register(swagger, {
    openapi: {
      info: { title: 'klingflow', version: '0.1.0', description: 'Durable AI video generation (Kling and resellers) on Temporal.' },
      tags: [{ name: 'generations' }, { name: 'webhooks' }, { name: 'health' }],
    },
    transform: jsonSchemaTransform,
  });
  app.register(swaggerUi, { routePrefix: '/docs' });
  app.register(metricsRoutes, deps);
  if (deps.metrics) recordCallbacks(app, deps.metrics);
  app.register(healthRoutes, deps);
  app.register(generationRoutes, deps);
  app.register(klingCallbackRoutes, deps);
  app.register(runblobCallbackRoutes, deps);
  app.register(gatewayWebhookRoutes, deps);
  return app;
}

/** A hop count trusts that many proxies nearest to us: what Fastify does with a number, which its types only accept as a function. */
function trustProxyOption(trust: AppDeps['trustProxy']): boolean | string[] | ((address: string, hop: number) => boolean) {
  if (typeof trust !== 'number') return trust ?? false;
  return (_address, hop) => hop < trust;
}

function isPino(logger: unknown): logger is Logger {
  return typeof logger === 'object' && logger !== null && typeof (logger as Logger).child === 'function' && typeof (logger as Logger).info === 'function';
}

/** AppDeps from the config (secrets resolved); temporalUiUrl overrides the configured one. */
export function appDepsFromConfig(config: Config & { callback: { secret: string } }, client: Client, temporalUiUrl?: string): AppDeps {
  return {
    client,
    callbackSecret: config.callback.secret,
    gatewaySecret: config.gateway.webhookSecret,
    providers: config.runblob.enabled ? ['kling', 'runblob'] : ['kling'],
    taskQueue: config.temporal.taskQueue,
    namespace: config.temporal.namespace,
    temporalUiUrl: temporalUiUrl ?? config.temporal.uiUrl,
    signalTimeoutMs: 10_000,
    rateLimit: config.http.rateLimit,
    trustProxy: config.http.trustProxy,
    defaults: {
      callbackTimeoutMs: config.callback.timeoutMs,
      deadlineMs: config.generation.deadlineMs,
      pollIntervalMs: config.generation.pollIntervalMs,
      maxPollIntervalMs: config.generation.maxPollIntervalMs,
      stepStatusDelayMs: config.generation.stepStatusDelayMs,
    },
  };
}
