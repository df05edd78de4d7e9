// Finds the Temporal CLI (which embeds the dev server and its Web UI), building it from
// the Go module proxy on first use. Order: TEMPORAL_CLI_PATH, `temporal` on PATH, the
// cache folder, then `go install` into the cache folder.
import path from 'node:path';
import { cacheRoot, goInstall, isExecutable, onPath } from '../tools/goTool.js';

export { cacheRoot };

export const TEMPORAL_CLI_VERSION = 'v1.5.1';
const MODULE = 'github.com/temporalio/cli/cmd/temporal';

export function cachedCliPath(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(cacheRoot(env), `temporal-cli-${TEMPORAL_CLI_VERSION}`, 'temporal');
}

export interface ResolveOptions {
  /** Defaults to env.TEMPORAL_CLI_PATH, so every entry point (bench, chaos, tests) honours it. */
  cliPath?: string;
  log?: (message: string) => void;
  env?: NodeJS.ProcessEnv;
}

export async function resolveTemporalCli({ cliPath: given, log = (m) => console.error(m), env = process.env }: ResolveOptions = {}): Promise<string> {
  const cliPath = given ?? env.TEMPORAL_CLI_PATH;
  if (cliPath) {
    if (!isExecutable(cliPath)) throw new Error(`TEMPORAL_CLI_PATH=${cliPath} is not an executable file`);
    return cliPath;
  }
  const fromPath = onPath('temporal', env);
  if (fromPath) return fromPath;
  const cached = cachedCliPath(env);
  if (isExecutable(cached)) return cached;
  const go = onPath('go', env);
  if (!go) {
    throw new Error(
      'The Temporal CLI was not found and Go is not installed to build it. Install Go (https://go.dev/dl) ' +
        'or the Temporal CLI (https://docs.temporal.io/cli), or set TEMPORAL_CLI_PATH or TEMPORAL_ADDRESS.',
    );
  }
  await goInstall({ go, module: MODULE, version: TEMPORAL_CLI_VERSION, binary: 'temporal', target: cached, label: `the Temporal CLI ${TEMPORAL_CLI_VERSION}`, log, env });
  return cached;
}
