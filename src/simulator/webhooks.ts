// Registered gateway endpoints (POST /v1/webhooks): who gets which events, signed with what.
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { httpUrl } from './fields.js';

export const GATEWAY_EVENTS = [
  'video.created',
  'video.processing',
  'video.completed',
  'video.failed',
  'video.cancelled',
  'job.completed',
  'job.failed',
  'job.status_changed',
] as const;
export type GatewayEvent = (typeof GATEWAY_EVENTS)[number];

const eventName = z.enum([...GATEWAY_EVENTS, '*'], {
  error: (iss) => `unknown event ${JSON.stringify(iss.input)}: expected "*" or one of ${GATEWAY_EVENTS.join(', ')}`,
});

export const WebhookCreateSchema = z.object({
  url: httpUrl,
  events: z.array(eventName, { error: 'must be a list of event names' }).min(1, 'must name at least one event'),
  active: z.boolean().default(true),
});

export interface Webhook {
  id: string;
  secret: string;
  url: string;
  events: string[];
  active: boolean;
}

export class WebhookRegistry {
  private readonly hooks = new Map<string, Webhook>();

  /** `secret` overrides the random one (the gatewaySecret knob). */
  add(input: z.infer<typeof WebhookCreateSchema>, secret?: string): Webhook {
    const hook: Webhook = {
      id: `wh_${randomBytes(12).toString('hex')}`,
      secret: secret ?? randomBytes(32).toString('hex'),
      url: input.url,
      events: [...new Set(input.events)],
      active: input.active,
    };
    this.hooks.set(hook.id, hook);
    return hook;
  }

  remove(id: string): boolean {
    return this.hooks.delete(id);
  }

  /** Secrets are shown once, at registration. */
  list(): Omit<Webhook, 'secret'>[] {
    return [...this.hooks.values()].map(({ secret: _secret, ...rest }) => rest);
  }

  /**
   * Active endpoints that asked for this event. "*" means the video.* events only: the job.*
   * ones repeat them under other names, so a catch-all would get every change twice.
   */
  subscribers(event: GatewayEvent): Webhook[] {
    const viaStar = event.startsWith('video.');
    return [...this.hooks.values()].filter((h) => h.active && (h.events.includes(event) || (viaStar && h.events.includes('*'))));
  }

  clear(): void {
    this.hooks.clear();
  }
}
