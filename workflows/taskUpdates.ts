// Which provider update wins. Pure, so it is unit-tested outside the sandbox.
// Callbacks can be duplicated, reordered or late; the rules make all of them harmless:
// an update must belong to our task and move the task forward, or it is ignored.
import type { TaskStatus, TaskUpdate } from './types.js';

const RANK: Record<TaskStatus, number> = { submitted: 0, processing: 1, succeeded: 2, failed: 2, cancelled: 2 };

export type TerminalUpdate = TaskUpdate & { status: 'succeeded' | 'failed' | 'cancelled' };

export function isTerminalTask(update: TaskUpdate | undefined): update is TerminalUpdate {
  return update !== undefined && RANK[update.status] === 2;
}

/**
 * Returns true when `next` should replace `current`.
 * `taskId` is the provider task we submitted (undefined while the submit is in flight:
 * a fast provider can call back before the submit activity's result is recorded).
 */
export function supersedes(current: TaskUpdate | undefined, next: TaskUpdate, taskId: string | undefined): boolean {
  if (taskId !== undefined && next.taskId !== taskId) return false;
  if (current === undefined) return true;
  if (isTerminalTask(current)) return false;
  const diff = RANK[next.status] - RANK[current.status];
  if (diff !== 0) return diff > 0;
  return (next.progress ?? 0) > (current.progress ?? 0);
}
