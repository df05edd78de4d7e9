// The baseline's activities: no work at all, except that the first may signal its own
// workflow without waiting, the way a provider's callback arrives after a submit.
import { Context } from '@temporalio/activity';
import type { Client } from '@temporalio/client';

/** The size and shape of a klingflow providerUpdate signal, so payloads cost the same. */
export const SAMPLE_UPDATE = {
  provider: 'kling',
  taskId: '812345678901234567',
  status: 'succeeded',
  progress: 100,
  videos: [{ id: '0b6f2c64-3b8e-4d9f-9f5e-6a1d2c3b4a59', url: 'http://127.0.0.1:4010/_sim/videos/812345678901234567.mp4', durationSec: 5 }],
  source: 'callback',
  receivedAt: '2025-01-01T00:00:00.000Z',
};

export function createBaselineActivities(client: Client) {
  return {
    async submitNoop({ selfSignal }: { selfSignal: boolean }): Promise<void> {
      if (!selfSignal) return;
      const { workflowId } = Context.current().info.workflowExecution ?? {};
      if (!workflowId) throw new Error('submitNoop runs in a workflow only');
      void client.workflow
        .getHandle(workflowId)
        .signal('baselineUpdate', SAMPLE_UPDATE)
        .catch((err: unknown) => console.error(`baseline self-signal failed: ${String(err)}`));
    },
    async stepNoop(_step: number): Promise<void> {},
  };
}

export type BaselineActivities = ReturnType<typeof createBaselineActivities>;
