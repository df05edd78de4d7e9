// Outgoing POSTs (Kling callbacks, gateway events, RunBlob callbacks): each one shaped by the
// `callback` mode the sender snapshotted, with retries on failure. Bodies are frozen at the
// change, so a late or reordered "processing" callback still says "processing".
import type { SimConfig } from './control.js';
import type { TimerSet } from './timers.js';

const ATTEMPT_TIMEOUT_MS = 10_000;
const FIRST_RETRY_DELAY_MS = 200;

export type DeliveryPolicy = Pick<SimConfig, 'callback' | 'callbackDelayMs' | 'callbackAttempts'>;

export interface Delivery {
  url: string;
  body: string;
  /** reorder mode holds non-terminal deliveries per key until that key's terminal one went out. */
  key: string;
  terminal: boolean;
  policy: DeliveryPolicy;
  /** Called per attempt: a Standard Webhooks signature carries the attempt's timestamp. */
  headers?: () => Record<string, string>;
  /** Counted before the POST, so a receiver that saw it can already read it in the stats. */
  onAttempt: () => void;
  onResult: (ok: boolean) => void;
}

export class CallbackDispatcher {
  private abort = new AbortController();
  private readonly held = new Map<string, Delivery[]>();

  constructor(private readonly timers: TimerSet) {}

  send(delivery: Delivery): void {
    const { callback: mode, callbackDelayMs, callbackAttempts } = delivery.policy;
    switch (mode) {
      case 'drop':
        return;
      case 'deliver':
        void this.deliver(delivery);
        return;
      case 'delay':
        this.timers.after(callbackDelayMs, () => void this.deliver(delivery));
        return;
      case 'duplicate':
        for (let i = 0; i < Math.max(2, callbackAttempts); i++) void this.deliver(delivery);
        return;
      case 'reorder': {
        if (!delivery.terminal) {
          this.held.set(delivery.key, [...(this.held.get(delivery.key) ?? []), delivery]);
          return;
        }
        const held = this.held.get(delivery.key) ?? [];
        this.held.delete(delivery.key);
        // The held ones follow the terminal one, in their own order.
        void held.reduce((prev, d) => prev.then(() => this.deliver(d)), this.deliver(delivery));
        return;
      }
    }
  }

  /** Cancels in-flight deliveries (reset/close); timers are cleared by the TimerSet owner. */
  cancelAll(): void {
    this.abort.abort();
    this.abort = new AbortController();
    this.held.clear();
  }

  /** Resolves once delivered or given up; never rejects. */
  private async deliver(delivery: Delivery): Promise<void> {
    const signal = this.abort.signal;
    for (let attempt = 1; attempt <= delivery.policy.callbackAttempts && !signal.aborted; attempt++) {
      if (attempt > 1) {
        const delay = FIRST_RETRY_DELAY_MS * 2 ** (attempt - 2);
        await new Promise<void>((resolve) => this.timers.after(delay, resolve));
        if (signal.aborted) return;
      }
      delivery.onAttempt();
      const ok = await this.post(delivery, signal);
      if (signal.aborted) return; // reset meanwhile: the fresh stats must not count it
      delivery.onResult(ok);
      if (ok) return;
    }
  }

  private async post(delivery: Delivery, signal: AbortSignal): Promise<boolean> {
    try {
      const res = await fetch(delivery.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...delivery.headers?.() },
        body: delivery.body,
        signal: AbortSignal.any([signal, AbortSignal.timeout(ATTEMPT_TIMEOUT_MS)]),
      });
      await res.arrayBuffer().catch(() => undefined);
      return res.ok;
    } catch {
      return false;
    }
  }
}
