// Assembles the simulator: Kling API and event-gateway registration (/v1), RunBlob
// (/v1/kling), result videos and control API (/_sim).
import Fastify, { type FastifyError, type FastifyInstance } from 'fastify';
import type { KlingKeys } from './auth.js';
import { registerControlRoutes } from './controlRoutes.js';
import { sendKlingError } from './envelope.js';
import { isKlingPath, registerKlingRoutes } from './klingRoutes.js';
import { FAMILIES } from './params.js';
import { DEFAULT_RUNBLOB_API_KEY, isRunblobPath, registerRunblobRoutes, runblobBodyError, runblobNotFound } from './runblobRoutes.js';
import { SimState } from './state.js';
import { registerVideoRoutes } from './videoRoutes.js';
import { registerWebhookRoutes } from './webhookRoutes.js';

export { DEFAULT_RUNBLOB_API_KEY };

export interface SimulatorOptions extends KlingKeys {
  port?: number;
  host?: string;
  logger?: boolean;
  /** The Bearer key RunBlob requests must carry; DEFAULT_RUNBLOB_API_KEY when omitted. */
  runblobApiKey?: string;
}

export interface RunningSimulator {
  url: string;
  app: FastifyInstance;
  close(): Promise<void>;
}

const KNOWN_PATH = new RegExp(`^/v1/(?:videos/(?:${FAMILIES.join('|')})|webhooks)(?:/[^/?]+)?(?:\\?.*)?$`);

export function buildSimulator(opts: SimulatorOptions): { app: FastifyInstance; state: SimState } {
  const state = new SimState();
  const app = Fastify({
    logger: opts.logger ?? false,
    // image2video takes base64 images up to 10 MB.
    bodyLimit: 16 * 1024 * 1024,
    // close() must not wait for keep-alive clients or half-downloaded videos.
    forceCloseConnections: true,
  });

  app.addHook('onRequest', async (request) => {
    const key = `${request.method} ${request.routeOptions.url ?? '(unmatched)'}`;
    state.stats.requests[key] = (state.stats.requests[key] ?? 0) + 1;
  });

  registerKlingRoutes(app, state, opts);
  registerWebhookRoutes(app, state);
  registerRunblobRoutes(app, state, opts.runblobApiKey ?? DEFAULT_RUNBLOB_API_KEY);
  registerVideoRoutes(app, state);
  registerControlRoutes(app, state);

  app.setNotFoundHandler((request, reply) => {
    if (isRunblobPath(request.url)) return runblobNotFound(request, reply);
    if (!isKlingPath(request.url)) return reply.code(404).send({ error: 'Not Found' });
    // A known path with the wrong method is 1202; anything else (other families included) 1203.
    if (KNOWN_PATH.test(request.url)) return sendKlingError(reply, 404, 1202, `Invalid request method: ${request.method}`);
    return sendKlingError(reply, 404, 1203, `Resource not found: ${request.url.split('?')[0]}`);
  });

  app.setErrorHandler((error: FastifyError, request, reply) => {
    const status = error.statusCode ?? 500;
    if (status >= 500) request.log.error(error);
    if (isRunblobPath(request.url)) return runblobBodyError(error, reply);
    if (isKlingPath(request.url)) {
      // Unparseable JSON, wrong content type, oversized body: Kling's "bad parameters".
      return status < 500 ? sendKlingError(reply, 400, 1200, error.message) : sendKlingError(reply, 500, 5000);
    }
    return reply.code(status).send({ error: status < 500 ? error.message : 'Internal error' });
  });

  app.addHook('onClose', async () => state.close());
  return { app, state };
}

export async function startSimulator(opts: SimulatorOptions): Promise<RunningSimulator> {
  const { app, state } = buildSimulator(opts);
  const address = await app.listen({ port: opts.port ?? 0, host: opts.host ?? '127.0.0.1' });
  // Fastify reports e.g. http://127.0.0.1:4010 (IPv6 hosts come bracketed).
  state.baseUrl = address.replace(/\/+$/, '');
  return { url: state.baseUrl, app, close: () => app.close() };
}
