// Every timer the simulator arms goes through here so reset/close can cancel them all at once,
// and so none of them keeps the process (or a test file) alive on its own.
export class TimerSet {
  private readonly handles = new Set<NodeJS.Timeout>();

  after(ms: number, fn: () => void): void {
    const handle = setTimeout(() => {
      this.handles.delete(handle);
      fn();
    }, Math.max(0, ms));
    handle.unref();
    this.handles.add(handle);
  }

  clearAll(): void {
    for (const handle of this.handles) clearTimeout(handle);
    this.handles.clear();
  }
}

/** An unref'd sleep: a pending simulated delay must not hold the process open after close(). */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)).unref());
}
