// Finds Docker Compose v2 for checking docker-compose.yml where no Docker engine runs (CI,
// this repository's development machine): `compose config` loads, interpolates, validates
// against the Compose schema and normalizes without talking to a daemon.
//
// Order: DOCKER_COMPOSE_PATH, the cache folder, a build of the pinned release from the Go
// module proxy into the cache folder (like the Temporal CLI, src/temporal/temporalCli.ts),
// then `docker compose` if the Docker CLI has the plugin. `go install …@version` refuses the
// module (its go.mod has exclude directives), so the release's source is fetched with
// `go mod download` and built as the main module, where those directives apply as intended.
//
//   node --import tsx src/tools/dockerCompose.ts [compose arguments]   (default: config --quiet)
import { spawn, spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { cacheRoot, isExecutable, onPath } from './goTool.js';

export const DOCKER_COMPOSE_VERSION = 'v2.40.3';
const MODULE = 'github.com/docker/compose/v2';
const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** How to run compose: `file ...args <compose arguments>`. */
export interface ComposeCommand {
  file: string;
  args: string[];
  /** Where it came from, for messages. */
  source: 'DOCKER_COMPOSE_PATH' | 'cache' | 'built' | 'docker compose';
}

export class ComposeUnavailableError extends Error {
  override name = 'ComposeUnavailableError';
}

export function cachedComposePath(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(cacheRoot(env), `docker-compose-${DOCKER_COMPOSE_VERSION}`, 'docker-compose');
}

export interface ResolveComposeOptions {
  log?: (message: string) => void;
  env?: NodeJS.ProcessEnv;
}

export async function resolveDockerCompose({ log = (m) => console.error(m), env = process.env }: ResolveComposeOptions = {}): Promise<ComposeCommand> {
  const explicit = env.DOCKER_COMPOSE_PATH;
  if (explicit) {
    if (!isExecutable(explicit)) throw new Error(`DOCKER_COMPOSE_PATH=${explicit} is not an executable file`);
    return { file: explicit, args: [], source: 'DOCKER_COMPOSE_PATH' };
  }
  const cached = cachedComposePath(env);
  if (isExecutable(cached)) return { file: cached, args: [], source: 'cache' };
  const go = onPath('go', env);
  if (go) {
    await buildCompose(go, cached, log, env);
    return { file: cached, args: [], source: 'built' };
  }
  const docker = onPath('docker', env);
  if (docker && spawnSync(docker, ['compose', 'version'], { env, stdio: 'ignore' }).status === 0) {
    return { file: docker, args: ['compose'], source: 'docker compose' };
  }
  throw new ComposeUnavailableError(
    `Docker Compose v2 was not found and Go is not installed to build it (${MODULE} ${DOCKER_COMPOSE_VERSION}). ` +
      'Install Go (https://go.dev/dl) or the Docker Compose plugin, or set DOCKER_COMPOSE_PATH.',
  );
}

async function run(file: string, args: string[], options: { cwd?: string; env: NodeJS.ProcessEnv; onOutput?: (text: string) => void }) {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const code = await new Promise<number | null>((resolve, reject) => {
    const child = spawn(file, args, { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => {
      const text = chunk.toString();
      stderr.push(text);
      options.onOutput?.(text);
    });
    child.on('error', reject);
    child.on('close', resolve);
  });
  return { code, stdout: stdout.join(''), stderr: stderr.join('') };
}

/** go mod download + go build into a temp folder, then an atomic rename: concurrent first runs cannot see half a binary. */
async function buildCompose(go: string, target: string, log: (m: string) => void, env: NodeJS.ProcessEnv): Promise<void> {
  await mkdir(path.dirname(target), { recursive: true });
  const tmp = await mkdtemp(path.join(path.dirname(target), '.build-'));
  const started = Date.now();
  const seconds = () => Math.round((Date.now() - started) / 1000);
  log(`klingflow: building Docker Compose ${DOCKER_COMPOSE_VERSION} with Go (first run only, a few minutes) into ${path.dirname(target)}`);
  let downloads = 0;
  let phase = 'fetching its source';
  const onOutput = (text: string) => {
    downloads += text.split('go: downloading').length - 1;
  };
  const ticker = setInterval(() => log(`klingflow: … still building Docker Compose: ${phase} (${seconds()} s, ${downloads} modules fetched)`), 15_000);
  // The module is built as the main module in its own (read-only) source folder.
  const goEnv = { ...env, GOWORK: 'off', GOFLAGS: `${env.GOFLAGS ?? ''} -buildvcs=false`.trim() };
  try {
    const download = await run(go, ['mod', 'download', '-json', `${MODULE}@${DOCKER_COMPOSE_VERSION}`], { env: goEnv, onOutput });
    const dir = download.code === 0 ? (JSON.parse(download.stdout) as { Dir?: string }).Dir : undefined;
    if (!dir) throw new Error(`go mod download ${MODULE}@${DOCKER_COMPOSE_VERSION} failed (exit ${download.code}):\n${(download.stderr + download.stdout).slice(-4000)}`);
    phase = 'compiling';
    const ldflags = `-s -w -X ${MODULE}/internal.Version=${DOCKER_COMPOSE_VERSION}`;
    const output = path.join(tmp, 'docker-compose');
    const build = await run(go, ['build', '-trimpath', '-ldflags', ldflags, '-o', output, './cmd'], { cwd: dir, env: goEnv, onOutput });
    if (build.code !== 0) throw new Error(`go build of ${MODULE}@${DOCKER_COMPOSE_VERSION} failed (exit ${build.code}):\n${build.stderr.slice(-4000)}`);
    await rename(output, target);
    log(`klingflow: Docker Compose ready after ${seconds()} s: ${target}`);
  } finally {
    clearInterval(ticker);
    await rm(tmp, { recursive: true, force: true });
  }
}

export interface ComposeConfigOptions {
  projectDir?: string;
  /** Compose files, relative to projectDir (default: compose's own lookup, docker-compose.yml). */
  files?: string[];
  /** --env-file arguments; [] reads ./.env as compose does, ['/dev/null'] reads none. */
  envFiles?: string[];
  profiles?: string[];
  /** The environment compose interpolates from (default: a hermetic PATH + HOME only). */
  env?: NodeJS.ProcessEnv;
}

export interface ComposeResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `compose [global flags] <args>` for a project; never throws on a non-zero exit. */
export async function runCompose(compose: ComposeCommand, args: string[], options: ComposeConfigOptions = {}): Promise<ComposeResult> {
  const projectDir = options.projectDir ?? REPO_ROOT;
  const global = ['--project-directory', projectDir];
  for (const file of options.files ?? []) global.push('--file', path.resolve(projectDir, file));
  for (const envFile of options.envFiles ?? []) global.push('--env-file', path.resolve(projectDir, envFile));
  for (const profile of options.profiles ?? []) global.push('--profile', profile);
  const env = options.env ?? { PATH: process.env.PATH, HOME: process.env.HOME };
  return run(compose.file, [...compose.args, ...global, ...args], { cwd: projectDir, env });
}

/** The normalized model `docker compose config --format json` prints; throws with compose's message when it rejects the project. */
export async function composeConfig(compose: ComposeCommand, options: ComposeConfigOptions = {}): Promise<ComposeModel> {
  const result = await runCompose(compose, ['config', '--format', 'json'], options);
  if (result.code !== 0) throw new Error(`compose config rejected the project (exit ${result.code}):\n${result.stderr.trim()}`);
  return JSON.parse(result.stdout) as ComposeModel;
}

/** The parts of the normalized Compose model klingflow's checks read. */
export interface ComposeModel {
  name: string;
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
}

export interface ComposeService {
  image?: string;
  build?: { context: string; dockerfile?: string };
  command?: string[] | null;
  entrypoint?: string[] | null;
  container_name?: string;
  profiles?: string[];
  environment?: Record<string, string | null>;
  depends_on?: Record<string, { condition: string; required?: boolean; restart?: boolean }>;
  deploy?: { replicas?: number };
  healthcheck?: { test?: string[]; disable?: boolean; interval?: string; timeout?: string; retries?: number; start_period?: string };
  ports?: { target: number; published?: string; host_ip?: string; protocol?: string }[];
  volumes?: { type: string; source?: string; target: string; read_only?: boolean }[];
  restart?: string;
}

// Run directly: provision compose, then run it on this repository (default `config --quiet`).
if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  try {
    const compose = await resolveDockerCompose();
    const args = process.argv.slice(2);
    const child = spawnSync(compose.file, [...compose.args, '--project-directory', REPO_ROOT, ...(args.length ? args : ['config', '--quiet'])], {
      stdio: 'inherit',
    });
    if (child.status === 0 && !args.length) console.error(`docker-compose.yml: accepted by ${compose.file} ${compose.args.join(' ')}`.trimEnd());
    process.exit(child.status ?? 1);
  } catch (err) {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  }
}
