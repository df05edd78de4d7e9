// Signals and queries of videoGeneration, defined once for the workflow and its callers.
import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { GenerationState, TaskUpdate } from './types.js';

export const providerUpdateSignal = defineSignal<[TaskUpdate]>('providerUpdate');
export const statusQuery = defineQuery<GenerationState>('status');
