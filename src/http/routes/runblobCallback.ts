// POST /webhooks/runblob/:generationId?token=… — RunBlob's terminal callback
// `{generation_id, status, video_url, model, message}`.
import type { FastifyPluginAsync } from 'fastify';
import { parseRunBlobBody, runblobToUpdate } from '../../providers/runblob.js';
import type { AppDeps } from '../app.js';
import { registerTokenCallback } from './tokenCallback.js';

export const runblobCallbackRoutes: FastifyPluginAsync<AppDeps> = async (app, deps) => {
  registerTokenCallback(app, deps, 'runblob', (body, receivedAt) => {
    const parsed = parseRunBlobBody(body);
    return parsed.ok ? { ok: true, value: { update: runblobToUpdate(parsed.value, 'callback', receivedAt) } } : parsed;
  });
};
