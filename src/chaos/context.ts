// What a scenario's fault actions can reach while its generations run.
import type { Client } from '@temporalio/client';
import type { NotificationReceiver } from './receiver.js';
import type { ManagedProcess } from './processes.js';

export interface ChaosContext {
  client: Client;
  worker: ManagedProcess;
  server: ManagedProcess;
  receiver: NotificationReceiver;
  sleep(ms: number): Promise<void>;
  /** SIGKILL the Temporal dev server and start it again on the same SQLite file and port. */
  restartTemporal(): Promise<void>;
  /** Resolves once the simulator is serving some video but has not finished it. */
  waitForDownloadInProgress(): Promise<void>;
  waitUntilAllTerminal(): Promise<void>;
}
