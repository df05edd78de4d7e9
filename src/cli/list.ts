// `klingflow list`: recent generations from Temporal visibility, filtered on the
// GenerationStatus and VideoProvider search attributes, newest first.
import type { Client, WorkflowExecutionInfo } from '@temporalio/client';
import { GenerationStatusKey, KlingTaskId, VideoProvider } from '../../workflows/searchAttributes.js';
import type { GenerationStatus, ProviderName } from '../../workflows/types.js';
import { expectPositionals, HELP, intIn, JSON_FLAG, oneOf, printJson, str, TEMPORAL_FLAGS, TEMPORAL_HELP, type Command } from './args.js';
import { renderListTable, rowStatus, type ListRow } from './format.js';
import { targetOf, withClient } from './temporal.js';

export const STATUSES = ['submitting', 'waiting', 'polling', 'downloading', 'storing', 'notifying', 'completed', 'failed', 'cancelled', 'timed_out'] as const satisfies readonly GenerationStatus[];
export const PROVIDERS = ['kling', 'runblob'] as const satisfies readonly ProviderName[];
const SUMMARY_CONCURRENCY = 8;

/** The visibility query; values are checked against fixed lists first, so nothing is injected. */
export function listQuery(filter: { statuses?: readonly GenerationStatus[]; provider?: ProviderName }): string {
  const parts = ['WorkflowType = "videoGeneration"'];
  if (filter.statuses?.length) {
    const one = filter.statuses.map((s) => `GenerationStatus = "${s}"`);
    parts.push(one.length === 1 ? one[0]! : `(${one.join(' OR ')})`);
  }
  if (filter.provider) parts.push(`VideoProvider = "${filter.provider}"`);
  return parts.join(' AND ');
}

export function rowOf(wf: WorkflowExecutionInfo, summary: string | null): ListRow {
  return {
    id: wf.workflowId,
    status: rowStatus(wf.status.name, wf.typedSearchAttributes.get(GenerationStatusKey)),
    provider: wf.typedSearchAttributes.get(VideoProvider) ?? null,
    providerTaskId: wf.typedSearchAttributes.get(KlingTaskId) ?? null,
    startedAt: wf.startTime.toISOString(),
    closedAt: wf.closeTime?.toISOString() ?? null,
    summary,
    executionStatus: wf.status.name,
  };
}

/** The prompt summary is the workflow's staticSummary: one describe per row, a few at a time. */
async function summaries(client: Client, ids: string[]): Promise<(string | null)[]> {
  const out: (string | null)[] = new Array(ids.length).fill(null);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < ids.length; i = next++) {
      out[i] = await client.workflow
        .getHandle(ids[i]!)
        .describe()
        .then((d) => d.staticSummary())
        .then((s) => s ?? null, () => null);
    }
  };
  await Promise.all(Array.from({ length: Math.min(SUMMARY_CONCURRENCY, ids.length) }, worker));
  return out;
}

const usage = `Usage: klingflow list [flags]

Lists recent generations, newest first, from Temporal visibility: id, status, provider,
provider task id, start time and prompt summary.

  --status <s[,s…]>       Only these statuses: ${STATUSES.join(', ')}
  --provider <p>          Only this provider: ${PROVIDERS.join(', ')}
  --limit <n>             At most n generations (default 20, up to 1000)
  --json                  Print one JSON array of {id, status, provider, providerTaskId, startedAt, closedAt, summary, executionStatus}
${TEMPORAL_HELP}

Examples:
  klingflow list --status failed,timed_out
  klingflow list --provider runblob --limit 5 --json`;

export const list: Command = {
  name: 'list',
  summary: 'List recent generations (filter by --status, --provider)',
  usage,
  options: { ...HELP, ...JSON_FLAG, ...TEMPORAL_FLAGS, status: { type: 'string' }, provider: { type: 'string' }, limit: { type: 'string' } },
  async run({ config, values, positionals }) {
    expectPositionals('list', positionals, [], usage);
    const statusFlag = str(values, 'status');
    const statuses = statusFlag?.split(',').map((s) => oneOf('--status', s.trim(), STATUSES)!);
    const provider = oneOf('--provider', str(values, 'provider'), PROVIDERS);
    const limit = intIn('--limit', str(values, 'limit'), 1, 1000) ?? 20;
    const query = listQuery({ statuses, provider });
    return withClient(targetOf(config, values), async (client) => {
      const found: WorkflowExecutionInfo[] = [];
      for await (const wf of client.workflow.list({ query, pageSize: Math.min(limit, 100) })) {
        found.push(wf);
        if (found.length >= limit) break;
      }
      const rows = (await summaries(client, found.map((wf) => wf.workflowId))).map((s, i) => rowOf(found[i]!, s));
      if (values.json) printJson(rows);
      else if (rows.length === 0) console.log(`No generations match (${query}).`);
      else console.log(renderListTable(rows, { now: Date.now(), columns: process.stdout.isTTY ? process.stdout.columns : undefined }));
      return 0;
    });
  },
};
