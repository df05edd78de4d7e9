// The whole story of one generation. Read top to bottom: submit, wait for the provider's
// callback (or poll when it does not come), confirm, download, store, notify.
import {
  ActivityCancellationType,
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  condition,
  isCancellation,
  log,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setCurrentDetails,
  setHandler,
  sleep,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import { providerUpdateSignal, statusQuery } from './messages.js';
import { GenerationStatusKey, KlingTaskId, VideoProvider } from './searchAttributes.js';
import { isTerminalTask, supersedes } from './taskUpdates.js';
import {
  DEFAULT_STEP_STATUS_DELAY_MS,
  SUBMIT_OUTCOME_UNKNOWN,
  WorkflowFailureType,
  type GenerationInput,
  type GenerationResult,
  type GenerationState,
  type GenerationStatus,
  type ProviderError,
  type TaskUpdate,
} from './types.js';

// Submit retries back off from 1 s (Kling asks for ≥ 1 s on 1302/1303); a retried submit
// looks its task up by external_task_id before creating one, so retries never pay twice.
const { submitTask } = proxyActivities<Activities>({
  startToCloseTimeout: '2m',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1m', maximumAttempts: 12 },
});
// Reading the task is one short, idempotent API call: a local activity runs it inside the
// workflow task that needs it, with no activity task to schedule, dispatch and report. That
// is 5 history events and a worker round trip fewer per read (npm run bench: orchestration,
// callback-to-work). Its retries back off the same way; a long backoff becomes a timer.
const TASK_READ = { startToCloseTimeout: '1m', retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30s', maximumAttempts: 5 } } as const;
const { getTask: getTaskLocally } = proxyLocalActivities<Activities>(TASK_READ);
// Generations started before reads became local replay their recorded getTask activities;
// those started before revision 2 and reading after the change carry this patch's marker.
const { getTask: getTaskAsActivity } = proxyActivities<Activities>(TASK_READ);
const LOCAL_TASK_READS = 'local-task-reads';
// Heartbeats carry bytes done; a dead worker is noticed within the heartbeat timeout and
// the retry resumes from the bytes already on disk.
const { discardDownload } = proxyActivities<Activities>({
  startToCloseTimeout: '1m',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumAttempts: 5 },
});
const { downloadVideo, storeVideo } = proxyActivities<Activities>({
  startToCloseTimeout: '2h',
  heartbeatTimeout: '30s',
  // On cancel, wait until the download has really stopped before discarding its file.
  cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1m', maximumAttempts: 20 },
});
// Standard Webhooks retry schedule, roughly: now, 5 s, 30 s, 3 min, 18 min, then every 2 h.
const { notify } = proxyActivities<Activities>({
  startToCloseTimeout: '1m',
  retry: { initialInterval: '5s', backoffCoefficient: 6, maximumInterval: '2h', maximumAttempts: 10 },
});

/** Held back from GenerationStatus for input.stepStatusDelayMs (revision ≥ 4). */
const STEP_STATUSES: readonly GenerationStatus[] = ['downloading', 'storing', 'notifying'];

/** Bounds resubmission after failures the provider calls transient. */
const MAX_SUBMISSIONS = 3;

type NotifyEvent = 'generation.completed' | 'generation.failed' | 'generation.timed_out' | 'generation.cancelled';

export async function videoGeneration(input: GenerationInput): Promise<GenerationResult> {
  const { id, request } = input;
  const revision = input.revision ?? 1; // see GENERATION_REVISION
  const startedAt = workflowInfo().startTime.getTime();
  const deadlineAt = startedAt + input.deadlineMs;
  const state: GenerationState = {
    id,
    status: 'submitting',
    provider: input.provider,
    providerTaskId: null,
    progress: 0,
    prompt: request.prompt,
    createdAt: new Date(startedAt).toISOString(),
    updatedAt: new Date(startedAt).toISOString(),
  };
  let latest: TaskUpdate | undefined;
  let downloadStarted = false;
  /** What GenerationStatus holds; behind state.status while step statuses are held back. */
  let publishedStatus = state.status;
  let holdStepStatuses = false;

  // Handlers first: a callback may arrive before the submit activity even returns.
  setHandler(statusQuery, () => state);
  // Duplicates and stale updates are routine (at-least-once callbacks, polls racing them) and
  // are dropped without a log line: every workflow log call, whatever its level, crosses the
  // sandbox to the worker. The signal itself stays in the history.
  setHandler(providerUpdateSignal, (update) => void accept(update));

  function accept(update: TaskUpdate): boolean {
    if (!supersedes(latest, update, state.providerTaskId ?? undefined)) return false;
    latest = update;
    state.progress = Math.max(state.progress, update.progress ?? 0);
    touch();
    return true;
  }

  function touch(): void {
    state.updatedAt = new Date().toISOString();
    const details = [`**${state.status}**`, state.providerTaskId && `${state.provider} task \`${state.providerTaskId}\``, `progress ${state.progress}%`];
    if (state.video) details.push(`sha256 \`${state.video.sha256}\``, state.video.uri);
    if (state.error) details.push(`${state.error.code}: ${state.error.message}`);
    setCurrentDetails(details.filter(Boolean).join(' · '));
  }

  /** The status the query and the current details show at once; GenerationStatus follows (publishStatus). */
  function setStatus(status: GenerationStatus, taskId?: string): void {
    if (state.status === status && taskId === undefined) return;
    state.status = status;
    publishStatus(taskId);
    touch();
  }

  /** One upsert per published change; a newly known provider task id rides along in the same one. */
  function publishStatus(taskId?: string): void {
    const status = state.status;
    if (taskId === undefined && (status === publishedStatus || (holdStepStatuses && STEP_STATUSES.includes(status)))) return;
    publishedStatus = status;
    if (taskId === undefined) upsertSearchAttributes([{ key: GenerationStatusKey, value: status }]);
    else upsertSearchAttributes([{ key: KlingTaskId, value: taskId }, { key: GenerationStatusKey, value: status }]);
  }

  /** Keeps the step statuses out of GenerationStatus for `ms`, then publishes the current one. */
  function holdStepStatusesFor(ms: number): void {
    holdStepStatuses = true;
    // Left pending when the generation ends first: a closed workflow's timer just lapses.
    sleep(ms).then(
      () => {
        holdStepStatuses = false;
        publishStatus();
      },
      () => undefined, // cancelled with the generation, which publishes `cancelled` itself
    );
  }

  async function endWithoutVideo(status: 'failed' | 'timed_out', error: ProviderError, type: string): Promise<never> {
    state.error = error;
    setStatus(status);
    await discardPartialDownload();
    log.warn('Generation ended without a video', { taskId: state.providerTaskId, status, code: error.code });
    await sendNotification(status === 'failed' ? 'generation.failed' : 'generation.timed_out');
    throw ApplicationFailure.create({ message: `${error.code}: ${error.message}`, type, nonRetryable: true, details: [state] });
  }

  /** Nothing half-done may stay behind when a generation ends without its video. */
  async function discardPartialDownload(): Promise<void> {
    if (!downloadStarted) return;
    try {
      await discardDownload({ generationId: id });
    } catch (err) {
      log.warn('Could not discard the partial download', { error: String(err) });
    }
  }

  async function sendNotification(event: NotifyEvent): Promise<void> {
    try {
      const { outcome } = await notify({ generationId: id, event, notifyUrl: request.notifyUrl, data: state });
      state.notification = outcome;
    } catch (err) {
      // The generation's outcome stands even if nobody could be told about it.
      log.warn('Notification gave up', { error: String(err) });
      state.notification = 'failed';
    }
    touch();
  }

  /** Submits the task and records its id; returns the provider task id. */
  async function submit(): Promise<string> {
    setStatus('submitting');
    try {
      const submitted = await submitTask({ generationId: id, provider: input.provider, request });
      adopt(submitted.taskId);
      accept(submitted.update);
      return submitted.taskId;
    } catch (err) {
      const cause = err instanceof ActivityFailure ? err.cause : undefined;
      if (!(cause instanceof ApplicationFailure && cause.type === SUBMIT_OUTCOME_UNKNOWN)) throw err;
      // The provider may have created the task and has no idempotency key to ask about it.
      // Its callback names the task: wait for one before paying for another submission.
      setStatus('waiting');
      const remaining = deadlineAt - Date.now();
      if (remaining > 0 && (await condition(() => latest !== undefined, Math.min(input.callbackTimeoutMs, remaining)))) {
        adopt(latest!.taskId);
        return latest!.taskId;
      }
      if (deadlineAt - Date.now() <= 0) throw err;
      log.warn('No callback after an ambiguous submit; submitting again', { error: cause.message });
      return submit();
    }
  }

  /** Records the provider's task; from then on the generation waits on the provider. */
  function adopt(taskId: string): void {
    log.info('Provider task known', { taskId, provider: input.provider });
    state.providerTaskId = taskId;
    if (latest && latest.taskId !== taskId) latest = undefined;
    if (revision >= 3) return setStatus('waiting', taskId); // touches the details itself
    upsertSearchAttributes([{ key: KlingTaskId, value: taskId }]);
    touch();
  }

  /** One read of the task from the API. Non-retryable errors (auth, account) end the generation. */
  async function readTask(taskId: string): Promise<TaskUpdate | undefined> {
    try {
      const local = revision >= 2 || patched(LOCAL_TASK_READS);
      const getTask = local ? getTaskLocally : getTaskAsActivity;
      return await getTask({ provider: input.provider, kind: request.kind, taskId });
    } catch (err) {
      const cause = err instanceof ActivityFailure ? err.cause : undefined;
      if (cause instanceof ApplicationFailure && cause.nonRetryable) throw err;
      log.warn('Task read failed; will try again', { error: String(err) });
      return undefined;
    }
  }

  /** Waits for a confirmed terminal update, or returns undefined at the deadline. */
  async function waitForResult(taskId: string): Promise<TaskUpdate | undefined> {
    let polling = false;
    let interval = input.pollIntervalMs ?? 5_000;
    for (;;) {
      const remaining = deadlineAt - Date.now();
      if (isTerminalTask(latest)) {
        if (latest.source === 'poll' || latest.signed) return latest;
        // Unsigned callbacks prove nothing by themselves: the API's answer is the truth.
        const confirmed = await readTask(taskId);
        if (confirmed && isTerminalTask(confirmed)) return (latest = confirmed);
        if (confirmed) latest = confirmed;
        polling = true;
        if (remaining <= 0) return undefined;
        continue;
      }
      if (remaining <= 0) return undefined;
      if (!polling) {
        setStatus('waiting');
        polling = !(await condition(() => isTerminalTask(latest), Math.min(input.callbackTimeoutMs, remaining)));
        continue;
      }
      setStatus('polling');
      const polled = await readTask(taskId);
      if (polled) accept(polled);
      const left = deadlineAt - Date.now();
      if (!isTerminalTask(latest) && left > 0) {
        await condition(() => isTerminalTask(latest), Math.min(interval, left)); // a callback still wins
        interval = Math.min(Math.round(interval * 1.5), input.maxPollIntervalMs ?? 60_000);
      }
    }
  }

  try {
    if (!workflowInfo().typedSearchAttributes.get(VideoProvider)) {
      upsertSearchAttributes([{ key: VideoProvider, value: input.provider }, { key: GenerationStatusKey, value: state.status }]);
    }
    touch();

    let result: TaskUpdate | undefined;
    for (let submission = 1; ; submission++) {
      const taskId = await submit();
      result = await waitForResult(taskId);
      if (!result) {
        return await endWithoutVideo('timed_out', { code: 'TIMED_OUT', message: `no result from the provider within ${Math.round(input.deadlineMs / 1000)} s` }, WorkflowFailureType.timedOut);
      }
      if (result.status === 'succeeded') break;
      const error = result.error ?? { code: 'PROVIDER_TASK_FAILED', message: `the provider reported the task as ${result.status}` };
      if (error.timedOut) return await endWithoutVideo('timed_out', error, WorkflowFailureType.timedOut);
      // A failure the provider calls transient (RunBlob TASK_FAILED, MAINTENANCE): submit anew.
      if (!error.retryable || submission >= MAX_SUBMISSIONS || deadlineAt - Date.now() <= 0) {
        return await endWithoutVideo('failed', error, WorkflowFailureType.providerFailed);
      }
      log.warn('Provider failure is retryable; submitting again', { code: error.code, submission });
      latest = undefined;
      state.providerTaskId = null;
    }
    const video = result.videos?.[0];
    if (!video) {
      return await endWithoutVideo('failed', { code: 'NO_VIDEO', message: 'the provider reported success without a video' }, WorkflowFailureType.providerFailed);
    }

    state.providerVideoId = video.id;
    const stepStatusDelayMs = input.stepStatusDelayMs ?? DEFAULT_STEP_STATUS_DELAY_MS;
    if (revision >= 4 && stepStatusDelayMs > 0) holdStepStatusesFor(stepStatusDelayMs);
    setStatus('downloading');
    downloadStarted = true;
    const downloaded = await downloadVideo({ generationId: id, url: video.url });
    setStatus('storing');
    state.video = await storeVideo({ generationId: id, downloaded });
    setStatus('notifying');
    await sendNotification('generation.completed');
    setStatus('completed');
    log.info('Generation completed', { taskId: state.providerTaskId, sha256: state.video.sha256, uri: state.video.uri });
    return state;
  } catch (err) {
    if (isCancellation(err)) {
      // Cancelled from outside: record it, tell the subscriber, then let Temporal mark it.
      await CancellationScope.nonCancellable(async () => {
        state.error = { code: 'CANCELLED', message: 'the generation was cancelled' };
        setStatus('cancelled');
        await discardPartialDownload();
        await sendNotification('generation.cancelled');
      });
      throw err;
    }
    if (err instanceof ActivityFailure && state.status !== 'failed' && state.status !== 'timed_out') {
      const cause = err.cause instanceof ApplicationFailure ? err.cause : undefined;
      return await endWithoutVideo(
        'failed',
        { code: cause?.type ?? 'ACTIVITY_FAILED', message: cause?.message ?? err.message },
        cause?.type ?? WorkflowFailureType.providerFailed,
      );
    }
    throw err;
  }
}
