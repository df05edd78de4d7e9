// buildApp(deps) returns the Fastify app without listening: server.ts listens, tests inject.
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type { Client } from '@temporalio/client';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import type { Config } from '../config.js';
import type { GenerationDefaults } from '../generationRequest.js';
import type { ProviderName } from '../../workflows/types.js';
import { errorHandler, notFoundHandler } from './errorHandler.js';
import { generationRoutes } from './routes/generations.js';
import { healthRoutes } from './routes/health.js';
import { gatewayWebhookRoutes } from './routes/gatewayWebhook.js';
import { klingCallbackRoutes } from './routes/klingCallback.js';
import { runblobCallbackRoutes } from './routes/runblobCallback.js';
import { redactUrl } from './redact.js';

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
}

export function buildApp(deps: AppDeps, logger: FastifyServerOptions['logger'] = false): FastifyInstance {
  const app = Fastify({
    logger:
      logger === false || logger === undefined
        ? false
        : {
            ...(typeof logger === 'object' ? logger : {}),
            // Callback URLs carry their token in the query: never log it.
            serializers: { req: (req) => ({ method: req.method, url: redactUrl(req.url), remoteAddress: req.ip }) },
          },
    bodyLimit: 1024 * 1024,
  });
  // JSON only: a text/plain body is a 415, not a string that later fails as "not an object".
  app.removeContentTypeParser('text/plain');
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.setErrorHandler(errorHandler);
  app.setNotFoundHandler(notFoundHandler);
  app.register(healthRoutes, deps);
  app.register(generationRoutes, deps);
  app.register(klingCallbackRoutes, deps);
  app.register(runblobCallbackRoutes, deps);
  app.register(gatewayWebhookRoutes, deps);
  return app;
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
    defaults: {
      callbackTimeoutMs: config.callback.timeoutMs,
      deadlineMs: config.generation.deadlineMs,
      pollIntervalMs: config.generation.pollIntervalMs,
      maxPollIntervalMs: config.generation.maxPollIntervalMs,
    },
  };
}
