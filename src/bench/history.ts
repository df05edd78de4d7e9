// Reads timings from workflow histories. Event times are the Temporal server's clock, the
// same machine's clock as the simulator's and the bench's.
import type { Client } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import { tsToMs } from '@temporalio/common/lib/time.js';

type History = Awaited<ReturnType<ReturnType<Client['workflow']['getHandle']>['fetchHistory']>>;
type HistoryEvent = NonNullable<History['events']>[number];

export interface ActivityTiming {
  type: string;
  /** Its scheduled event's id. */
  eventId: number;
  scheduledAt: number;
  /** Start of the last attempt (Temporal writes the started event when the attempt ends). */
  startedAt: number | undefined;
  closedAt: number | undefined;
  attempt: number | undefined;
}

export interface SignalTiming {
  name: string;
  at: number;
  input: unknown;
}

export interface WorkflowTaskTiming {
  scheduledAt: number;
  startedAt: number | undefined;
  completedAt: number | undefined;
}

/** A local activity: a marker in the workflow task that ran it (no scheduled/started events). */
export interface LocalActivityTiming {
  type: string;
  /** Its marker's event id, to order it among the scheduled activities. */
  eventId: number;
  /** When the marker was recorded: the end of the workflow task that ran it. */
  at: number;
}

export interface Timings {
  events: number;
  startedAt: number;
  closedAt: number | undefined;
  activities: ActivityTiming[];
  localActivities: LocalActivityTiming[];
  signals: SignalTiming[];
  workflowTasks: WorkflowTaskTiming[];
}

const eventMs = (e: HistoryEvent) => tsToMs(e.eventTime);

export async function timingsOf(client: Client, workflowId: string): Promise<Timings> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  const events = history.events ?? [];
  const bySchedule = new Map<number, ActivityTiming>();
  const activities: ActivityTiming[] = [];
  const localActivities: LocalActivityTiming[] = [];
  const signals: SignalTiming[] = [];
  const workflowTasks: WorkflowTaskTiming[] = [];
  let closedAt: number | undefined;
  for (const e of events) {
    const id = Number(e.eventId);
    if (e.activityTaskScheduledEventAttributes) {
      const t: ActivityTiming = { type: e.activityTaskScheduledEventAttributes.activityType?.name ?? '?', eventId: id, scheduledAt: eventMs(e), startedAt: undefined, closedAt: undefined, attempt: undefined };
      bySchedule.set(id, t);
      activities.push(t);
    } else if (e.activityTaskStartedEventAttributes) {
      const t = bySchedule.get(Number(e.activityTaskStartedEventAttributes.scheduledEventId));
      if (t) {
        t.startedAt = eventMs(e);
        t.attempt = e.activityTaskStartedEventAttributes.attempt ?? undefined;
      }
    } else if (e.activityTaskCompletedEventAttributes || e.activityTaskFailedEventAttributes || e.activityTaskTimedOutEventAttributes) {
      const attrs = e.activityTaskCompletedEventAttributes ?? e.activityTaskFailedEventAttributes ?? e.activityTaskTimedOutEventAttributes;
      const t = bySchedule.get(Number(attrs?.scheduledEventId));
      if (t) t.closedAt = eventMs(e);
    } else if (e.workflowTaskScheduledEventAttributes) {
      workflowTasks.push({ scheduledAt: eventMs(e), startedAt: undefined, completedAt: undefined });
    } else if (e.workflowTaskStartedEventAttributes) {
      const t = workflowTasks.at(-1);
      if (t) t.startedAt = eventMs(e);
    } else if (e.workflowTaskCompletedEventAttributes) {
      const t = workflowTasks.at(-1);
      if (t) t.completedAt = eventMs(e);
    } else if (e.workflowExecutionSignaledEventAttributes) {
      const a = e.workflowExecutionSignaledEventAttributes;
      const payload = a.input?.payloads?.[0];
      signals.push({ name: a.signalName ?? '?', at: eventMs(e), input: payload ? defaultPayloadConverter.fromPayload(payload) : undefined });
    } else if (e.markerRecordedEventAttributes?.markerName === 'core_local_activity') {
      const data = e.markerRecordedEventAttributes.details?.data?.payloads?.[0];
      const type = data ? defaultPayloadConverter.fromPayload<{ activity_type?: string }>(data).activity_type : undefined;
      localActivities.push({ type: type ?? '?', eventId: id, at: eventMs(e) });
    } else if (e.workflowExecutionCompletedEventAttributes || e.workflowExecutionFailedEventAttributes || e.workflowExecutionTerminatedEventAttributes) {
      closedAt = eventMs(e);
    }
  }
  const first = events[0];
  return { events: events.length, startedAt: first ? eventMs(first) : NaN, closedAt, activities, localActivities, signals, workflowTasks };
}
