// A worker that shares its host with the webhook receiver yields the CPU to it: the receiver's
// acknowledgement is what providers wait on, while a workflow task or a download a few
// milliseconds later costs nothing. Measured at 200 callbacks/s on 2 cores (npm run bench:
// intake, WORKER_NICE 0 against 10), the callbacks' ack p99 went from 68 ms to 31–38 ms.
import { readdirSync } from 'node:fs';
import os from 'node:os';

/**
 * Sets the process's nice value (0 = normal, 19 = lowest). On Linux a nice value belongs to a
 * thread: every thread the process has now is set, and threads started later (the SDK's
 * runtime, the workflow threads) inherit it from the thread that starts them. Returns the
 * threads set, or 0 where the platform refused.
 */
export function setCpuNice(nice: number): number {
  let threads: number[];
  try {
    threads = readdirSync('/proc/self/task').map(Number);
  } catch {
    threads = [0]; // no /proc: the calling thread (process, elsewhere) only
  }
  let set = 0;
  for (const tid of threads) {
    try {
      os.setPriority(tid, nice);
      set++;
    } catch {
      // A thread that ended meanwhile, or a platform that does not allow it.
    }
  }
  return set;
}
