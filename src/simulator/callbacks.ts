// Outgoing POSTs (Kling callbacks, gateway events, RunBlob callbacks): each one shaped by the
// `callback` mode the sender snapshotted, with retries on failure. Bodies are frozen at the
// change, so a late or reordered "processing" callback still says "processing".
import { setMaxListeners } from 'node:events';
import { KeepAliveHttp } from '../providers/keepAliveHttp.js';
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
  private abort = CallbackDispatcher.controller();
  private readonly held = new Map<string, Delivery[]>();
  // Keep-alive pools, like a provider's webhook sender. node:http rather than fetch(): fetch
  // costs about 0.5 ms more CPU per POST, which the benchmarks would charge to klingflow.
  private readonly http = new KeepAliveHttp();

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
    this.abort = CallbackDispatcher.controller();
    this.held.clear();
  }

  /** Every in-flight POST listens on the one signal (each removes its listener when done). */
  private static controller(): AbortController {
    const controller = new AbortController();
    setMaxListeners(0, controller.signal);
    return controller;
  }

  /** Closes the idle keep-alive connections (the simulator is closing). */
  close(): void {
    this.cancelAll();
    this.http.close();
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
      const headers = { 'content-type': 'application/json', ...delivery.headers?.() };
      // The whole attempt, answer included, gets ATTEMPT_TIMEOUT_MS, as a provider's sender would.
      const answer = await this.http.send(delivery.url, { method: 'POST', headers, body: delivery.body, timeoutMs: ATTEMPT_TIMEOUT_MS, signal });
      return answer.status >= 200 && answer.status < 300;
    } catch {
      return false; // refused, reset, timed out, aborted, or not a URL: a failed attempt
    }
  }
}
