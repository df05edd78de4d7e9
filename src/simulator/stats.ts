// The counters GET /_sim/stats shows: totals, and one entry per Kling task or RunBlob generation.
export interface TaskStats {
  provider: 'kling' | 'runblob';
  externalTaskId: string | undefined;
  /** The Kling task family; "o3-video" for RunBlob generations. */
  family: string;
  status: string;
  callbacksSent: number;
  gatewayDeliveries: number;
  videoRequests: number;
  videoBytesServed: number;
}

export interface SimStats {
  requests: Record<string, number>;
  tasksCreated: number;
  /** Callback POST attempts made, Kling and RunBlob (retries included). */
  callbacksSent: number;
  /** Attempts that failed: connection error, timeout or non-2xx. */
  callbacksFailed: number;
  /** Callbacks acknowledged with a 2xx. */
  callbacksDelivered: number;
  /** Event-gateway POST attempts, failures and 2xx answers, counted like callbacks. */
  gatewayDeliveriesSent: number;
  gatewayDeliveriesFailed: number;
  gatewayDeliveriesDelivered: number;
  runblobGenerationsCreated: number;
  videoRequests: number;
  videoBytesServed: number;
}

export function emptyStats(): SimStats {
  return {
    requests: {},
    tasksCreated: 0,
    callbacksSent: 0,
    callbacksFailed: 0,
    callbacksDelivered: 0,
    gatewayDeliveriesSent: 0,
    gatewayDeliveriesFailed: 0,
    gatewayDeliveriesDelivered: 0,
    runblobGenerationsCreated: 0,
    videoRequests: 0,
    videoBytesServed: 0,
  };
}
