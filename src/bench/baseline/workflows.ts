// The baseline for klingflow's orchestration: the same shape of work with nothing in it.
// One activity, a wait for one signal, then the remaining activities, all no-ops. Runs in
// the workflow sandbox like workflows/: no Node built-ins, nothing from src/ but types.
import { ApplicationFailure, condition, defineQuery, defineSignal, proxyActivities, proxyLocalActivities, setHandler, upsertSearchAttributes } from '@temporalio/workflow';
import { GenerationStatusKey } from '../../../workflows/searchAttributes.js';
import type { BaselineActivities } from './activities.js';

export const baselineUpdateSignal = defineSignal<[unknown]>('baselineUpdate');
export const phaseQuery = defineQuery<BaselinePhase>('phase');
export type BaselinePhase = 'submitting' | 'waiting' | 'working' | 'done';

export interface BaselineInput {
  /** Activities in all, the first one before the signal (klingflow: submit | confirm, download, store, notify). */
  activities: number;
  /** Which of the steps after the signal (1 = the first) run as local activities, as klingflow's task read does. */
  localSteps?: number[];
  /** The first activity signals the workflow itself, as the simulator's callback would. */
  selfSignal: boolean;
  waitMs: number;
  /** Sets GenerationStatus=waiting when it starts waiting, as klingflow does. */
  markWaiting?: boolean;
}

const NOOP_OPTIONS = { startToCloseTimeout: '1m', retry: { initialInterval: '1s', backoffCoefficient: 2, maximumAttempts: 5 } } as const;
const { submitNoop, stepNoop } = proxyActivities<BaselineActivities>(NOOP_OPTIONS);
const { stepNoop: stepNoopLocally } = proxyLocalActivities<BaselineActivities>(NOOP_OPTIONS);

export async function baselineGeneration(input: BaselineInput): Promise<number> {
  let signalled = false;
  let phase: BaselinePhase = 'submitting';
  setHandler(baselineUpdateSignal, () => void (signalled = true));
  setHandler(phaseQuery, () => phase);

  await submitNoop({ selfSignal: input.selfSignal });
  phase = 'waiting';
  if (input.markWaiting) upsertSearchAttributes([{ key: GenerationStatusKey, value: 'waiting' }]);
  if (!(await condition(() => signalled, input.waitMs))) throw ApplicationFailure.nonRetryable('no signal in time');
  phase = 'working';
  for (let step = 1; step < input.activities; step++) await (input.localSteps?.includes(step) ? stepNoopLocally(step) : stepNoop(step));
  phase = 'done';
  if (input.markWaiting) upsertSearchAttributes([{ key: GenerationStatusKey, value: 'completed' }]);
  return input.activities;
}
