// Callback delivery: one POST of the bare task object per status change, shaped by the task's
// callback mode, with retries on failure. Bodies are frozen at the change, so a late or
// reordered "processing" callback still says "processing".
import type { SimStats } from './control.js';
import type { SimTask } from './tasks.js';
import type { TimerSet } from './timers.js';

const ATTEMPT_TIMEOUT_MS = 10_000;
const FIRST_RETRY_DELAY_MS = 200;

export class CallbackDispatcher {
  private abort = new AbortController();
  /** reorder mode: the processing body waits here until the terminal one has gone out. */
  private readonly held = new Map<string, string>();

  constructor(
    private readonly timers: TimerSet,
    private readonly stats: SimStats,
  ) {}

  onStatusChange(task: SimTask, body: string): void {
    const url = task.callbackUrl;
    if (url === undefined) return;
    const { callback: mode, callbackDelayMs, callbackAttempts } = task.snapshot;
    const terminal = task.status === 'succeed' || task.status === 'failed';
    const deliver = () => this.deliver(task, url, body, callbackAttempts);

    switch (mode) {
      case 'drop':
        return;
      case 'deliver':
        void deliver();
        return;
      case 'delay':
        this.timers.after(callbackDelayMs, () => void deliver());
        return;
      case 'duplicate':
        for (let i = 0; i < Math.max(2, callbackAttempts); i++) void deliver();
        return;
      case 'reorder': {
        if (!terminal) {
          this.held.set(task.id, body);
          return;
        }
        const heldBody = this.held.get(task.id);
        this.held.delete(task.id);
        void deliver().then(() => {
          if (heldBody !== undefined) void this.deliver(task, url, heldBody, callbackAttempts);
        });
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
  private async deliver(task: SimTask, url: string, body: string, attempts: number): Promise<void> {
    const signal = this.abort.signal;
    for (let attempt = 1; attempt <= attempts && !signal.aborted; attempt++) {
      if (attempt > 1) {
        const delay = FIRST_RETRY_DELAY_MS * 2 ** (attempt - 2);
        await new Promise<void>((resolve) => this.timers.after(delay, resolve));
        if (signal.aborted) return;
      }
      this.stats.callbacksSent++;
      task.counters.callbacksSent++;
      if (await this.post(url, body, signal)) {
        this.stats.callbacksDelivered++;
        return;
      }
      this.stats.callbacksFailed++;
    }
  }

  private async post(url: string, body: string, signal: AbortSignal): Promise<boolean> {
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
        signal: AbortSignal.any([signal, AbortSignal.timeout(ATTEMPT_TIMEOUT_MS)]),
      });
      await res.arrayBuffer().catch(() => undefined);
      return res.ok;
    } catch {
      return false;
    }
  }
}
