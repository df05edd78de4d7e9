// Signed outgoing webhook (Standard Webhooks) telling the caller how a generation ended.
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { Webhook } from 'standardwebhooks';
import type { Config } from '../src/config.js';
import { FailureType } from '../src/errors.js';
import type { GenerationState } from '../workflows/types.js';
import { parseRetryAfter } from './retryAfter.js';

const REQUEST_TIMEOUT_MS = 15_000;

export type NotifyEvent = 'generation.completed' | 'generation.failed' | 'generation.timed_out' | 'generation.cancelled';

export interface NotifyDeps {
  notify: Config['notify'];
  fetch?: typeof fetch;
  now?: () => Date;
}

export interface NotifyInput {
  generationId: string;
  event: NotifyEvent;
  notifyUrl?: string;
  data: GenerationState;
}

export interface NotifyResult {
  outcome: 'sent' | 'skipped';
  status?: number;
}

const misconfigured = (message: string) => ApplicationFailure.nonRetryable(message, FailureType.notifyMisconfigured);
const retry = (message: string, nextRetryDelay?: number) =>
  ApplicationFailure.create({ message, type: FailureType.notifyFailed, nonRetryable: false, nextRetryDelay });

export function createNotifyActivities(deps: NotifyDeps) {
  const doFetch = deps.fetch ?? globalThis.fetch;
  const now = deps.now ?? (() => new Date());

  return {
    async notify({ generationId, event, notifyUrl, data }: NotifyInput): Promise<NotifyResult> {
      const target = notifyUrl ?? deps.notify.url;
      if (!target) return { outcome: 'skipped' };

      let url: URL;
      try {
        url = new URL(target);
      } catch {
        throw misconfigured('Notification URL is not a valid URL');
      }
      if (url.protocol !== 'http:' && url.protocol !== 'https:') throw misconfigured(`Notification URL scheme "${url.protocol}" is not http(s)`);
      // The query string may carry the receiver's token: messages show origin and path only.
      const where = `${url.origin}${url.pathname}`;

      if (!deps.notify.secret) throw misconfigured(`Cannot notify ${where}: NOTIFY_SECRET is not set`);
      let webhook: Webhook;
      try {
        webhook = new Webhook(deps.notify.secret);
      } catch {
        throw misconfigured('NOTIFY_SECRET is not a valid Standard Webhooks secret (whsec_<base64>)');
      }

      // Stable across retries: the receiver's idempotency key.
      const msgId = `msg_${generationId}_${event}`;
      const sentAt = now();
      const body = JSON.stringify({ type: event, timestamp: sentAt.toISOString(), data });
      const headers = {
        'content-type': 'application/json',
        'user-agent': 'klingflow',
        'webhook-id': msgId,
        'webhook-timestamp': String(Math.floor(sentAt.getTime() / 1000)),
        'webhook-signature': webhook.sign(msgId, sentAt, body),
      };

      const cancelled = Context.current().cancellationSignal;
      let res: Response;
      try {
        res = await doFetch(url, {
          method: 'POST',
          headers,
          body,
          // A redirect is not a 2xx: never re-send a signed POST somewhere else.
          redirect: 'manual',
          signal: AbortSignal.any([cancelled, AbortSignal.timeout(REQUEST_TIMEOUT_MS)]),
        });
      } catch (err) {
        if (cancelled.aborted) throw cancelled.reason ?? err;
        const reason = err instanceof Error && err.name === 'TimeoutError' ? `no answer within ${REQUEST_TIMEOUT_MS / 1000} s` : describe(err);
        throw retry(`Notification to ${where} failed: ${reason}`);
      }
      // Only the status matters; drop the body so the connection is freed.
      await res.body?.cancel().catch(() => undefined);

      const status = res.status;
      if (status >= 200 && status < 300) return { outcome: 'sent', status };
      if (status === 410) {
        throw ApplicationFailure.nonRetryable(`Notification to ${where} rejected with HTTP 410: the receiver asked us to stop`, FailureType.notifyRejected);
      }
      const delay = status === 429 || status === 503 ? parseRetryAfter(res.headers.get('retry-after'), now()) : undefined;
      throw retry(`Notification to ${where} answered HTTP ${status}${delay === undefined ? '' : `; retrying after ${delay} ms`}`, delay);
    },
  };
}

function describe(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause = err.cause instanceof Error ? `: ${err.cause.message}` : '';
  return `${err.message}${cause}`;
}
