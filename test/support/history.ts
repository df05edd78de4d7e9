import type { Client } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import type { TaskUpdate } from '../../workflows/types.js';

/** The providerUpdate signals recorded in a workflow's history, decoded. */
export async function signalsIn(client: Client, workflowId: string): Promise<TaskUpdate[]> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  return (history.events ?? [])
    .map((e) => e.workflowExecutionSignaledEventAttributes)
    .filter((a) => a?.signalName === 'providerUpdate')
    .map((a) => defaultPayloadConverter.fromPayload<TaskUpdate>(a!.input!.payloads![0]!));
}

export async function activityTypesIn(client: Client, workflowId: string): Promise<string[]> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  return (history.events ?? []).flatMap((e) => {
    const scheduled = e.activityTaskScheduledEventAttributes?.activityType?.name;
    if (scheduled) return [scheduled];
    // A local activity leaves a marker whose data names its type.
    const marker = e.markerRecordedEventAttributes;
    if (marker?.markerName !== 'core_local_activity') return [];
    const data = marker.details?.data?.payloads?.[0];
    const type = data && defaultPayloadConverter.fromPayload<{ activity_type?: string }>(data).activity_type;
    return type ? [`${type} (local)`] : [];
  });
}

/** Patch ids (patched() markers), and the search-attribute names of each upsert event, in a workflow's history. */
export async function versioningIn(client: Client, workflowId: string): Promise<{ patches: string[]; upserts: string[][]; upsertedKeys: string[] }> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  const events = history.events ?? [];
  const patches = events.flatMap((e) => {
    const marker = e.markerRecordedEventAttributes;
    const data = marker?.markerName === 'core_patch' ? marker.details?.['patch-data']?.payloads?.[0] : undefined;
    return data ? [defaultPayloadConverter.fromPayload<{ id: string }>(data).id] : [];
  });
  const upserts = events.flatMap((e) => {
    const fields = e.upsertWorkflowSearchAttributesEventAttributes?.searchAttributes?.indexedFields;
    return fields ? [Object.keys(fields).sort()] : [];
  });
  return { patches, upserts, upsertedKeys: upserts.flat() };
}

/** The GenerationStatus values a workflow upserted, in order, and the durations of the timers it started. */
export async function statusUpsertsIn(client: Client, workflowId: string): Promise<{ statuses: string[]; timersMs: number[] }> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  const events = history.events ?? [];
  const statuses = events.flatMap((e) => {
    const field = e.upsertWorkflowSearchAttributesEventAttributes?.searchAttributes?.indexedFields?.GenerationStatus;
    return field ? [defaultPayloadConverter.fromPayload<string>(field)] : [];
  });
  const timersMs = events.flatMap((e) => {
    const timeout = e.timerStartedEventAttributes?.startToFireTimeout;
    return timeout ? [Number(timeout.seconds ?? 0) * 1000 + Math.round((timeout.nanos ?? 0) / 1e6)] : [];
  });
  return { statuses, timersMs };
}

/** Sum of simulator request counts whose "METHOD /route" key matches. */
export function requestCount(stats: { requests: Record<string, number> }, pattern: RegExp): number {
  return Object.entries(stats.requests).reduce((n, [key, count]) => (pattern.test(key) ? n + count : n), 0);
}
