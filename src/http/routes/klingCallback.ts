// POST /webhooks/kling/:generationId?token=… — Kling's own callback: the bare task object,
// or the same wrapped in {code,message,data} by some gateways.
import type { FastifyPluginAsync } from 'fastify';
import { klingTaskToUpdate, parseKlingTaskBody } from '../../providers/klingPayload.js';
import type { AppDeps } from '../app.js';
import { registerTokenCallback } from './tokenCallback.js';

export const klingCallbackRoutes: FastifyPluginAsync<AppDeps> = async (app, deps) => {
  registerTokenCallback(app, deps, 'kling', (body, receivedAt) => {
    const parsed = parseKlingTaskBody(body);
    if (!parsed.ok) return parsed;
    return { ok: true, value: { update: klingTaskToUpdate(parsed.value, 'callback', receivedAt), generationId: parsed.value.task_info?.external_task_id } };
  });
};
