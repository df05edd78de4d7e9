// `klingflow status <id>` and `klingflow cancel <id>`: one generation, read or cancelled.
import type { Client } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/common';
import { ValidationError } from '../generationRequest.js';
import { cancelGeneration, getGeneration, isGenerationId } from '../temporal/generations.js';
import { GenerationStatusKey } from '../../workflows/searchAttributes.js';
import { TERMINAL_GENERATION_STATUSES, type GenerationState } from '../../workflows/types.js';
import { CliError, expectPositionals, HELP, JSON_FLAG, printJson, TEMPORAL_FLAGS, TEMPORAL_HELP, type Command, type CommandContext } from './args.js';
import { describeState } from './format.js';
import { targetOf, withClient, type Target } from './temporal.js';
import { watchGeneration, watchModeFor } from './watch.js';

/** Not there (exit 1): the message says where we looked. */
export class NotFoundError extends CliError {
  override name = 'NotFoundError';
}

function checkedId(command: string, ctx: CommandContext, usage: string): string {
  const [id] = expectPositionals(command, ctx.positionals, ['generation-id'], usage);
  if (!isGenerationId(id!)) throw new ValidationError([{ path: 'generation-id', message: `"${id}" is not a generation id (they look like gen-…)` }]);
  return id!;
}

function notFound(id: string, target: Target): NotFoundError {
  return new NotFoundError(`No generation ${id} in namespace "${target.namespace}" at ${target.address}.`);
}

/** Waits for the end; elapsed time counts from the generation's start. */
async function follow(client: Client, state: GenerationState, json: boolean): Promise<GenerationState | null> {
  const created = Date.parse(state.createdAt);
  return watchGeneration(client, state.id, { mode: watchModeFor(json), since: Number.isFinite(created) && created <= Date.now() ? created : undefined });
}

const statusUsage = `Usage: klingflow status <generation-id> [flags]

Shows a generation: status, progress, provider task, and the video (uri, bytes, sha256)
or the error. Exit 1 when there is no such generation.

  --wait                  Follow it until it ends (live progress bar on a terminal)
  --json                  Print the state as one JSON document (as GET /generations/:id)
${TEMPORAL_HELP}`;

export const status: Command = {
  name: 'status',
  summary: 'Show one generation (--wait: follow it to the end)',
  usage: statusUsage,
  options: { ...HELP, ...JSON_FLAG, ...TEMPORAL_FLAGS, wait: { type: 'boolean' } },
  async run(ctx) {
    const id = checkedId('status', ctx, statusUsage);
    const json = ctx.values.json === true;
    const target = targetOf(ctx.config, ctx.values);
    return withClient(target, async (client) => {
      let state = await getGeneration(client, id);
      if (!state) throw notFound(id, target);
      if (!ctx.values.wait) {
        if (json) printJson(state);
        else console.log(describeState(state));
        return 0;
      }
      if (TERMINAL_GENERATION_STATUSES.includes(state.status)) {
        if (json) printJson(state);
        else console.log(describeState(state));
      } else {
        state = await follow(client, state, json);
        if (!state) throw notFound(id, target);
        if (json) printJson(state);
      }
      return state.status === 'completed' ? 0 : 1; // as generate --wait
    });
  },
};

const cancelUsage = `Usage: klingflow cancel <generation-id> [flags]

Cancels a running generation: the provider task is abandoned, any partial download is
discarded, and the subscriber (notifyUrl) is told. Exit 1 when there is no such
generation or it already ended.

  --wait                  Wait until the cancellation has taken effect
  --json                  Print one JSON document: {id, cancelRequested, status}, or the final state with --wait
${TEMPORAL_HELP}`;

export const cancel: Command = {
  name: 'cancel',
  summary: 'Cancel a running generation',
  usage: cancelUsage,
  options: { ...HELP, ...JSON_FLAG, ...TEMPORAL_FLAGS, wait: { type: 'boolean' } },
  async run(ctx) {
    const id = checkedId('cancel', ctx, cancelUsage);
    const json = ctx.values.json === true;
    const target = targetOf(ctx.config, ctx.values);
    return withClient(target, async (client) => {
      const description = await client.workflow
        .getHandle(id)
        .describe()
        .catch((err: unknown) => {
          if (err instanceof WorkflowNotFoundError) throw notFound(id, target);
          throw err;
        });
      const alreadyEnded = async () => {
        const ended = await getGeneration(client, id);
        const already = ended?.status ?? description.status.name.toLowerCase();
        if (json) printJson({ id, cancelRequested: false, status: already });
        else console.error(`${id} already ended (${already}): nothing to cancel.`);
        return already === 'cancelled' ? 0 : 1;
      };
      if (description.status.name !== 'RUNNING') return alreadyEnded();
      if (!(await cancelGeneration(client, id))) return alreadyEnded(); // it ended in between
      if (!ctx.values.wait) {
        // the status it had when asked; status --wait shows it turn to cancelled
        if (json) printJson({ id, cancelRequested: true, status: description.typedSearchAttributes.get(GenerationStatusKey) ?? null });
        else console.log(`Cancellation requested for ${id}.\n  follow: klingflow status ${id} --wait`);
        return 0;
      }
      const running = await getGeneration(client, id);
      const final = running && (await follow(client, running, json));
      if (!final) throw notFound(id, target);
      if (json) printJson(final);
      return final.status === 'cancelled' ? 0 : 1;
    });
  },
};
