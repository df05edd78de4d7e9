// `npm test`: provisions the Temporal CLI once (with progress) so no test times out on a
// first-run build, then typechecks, lints and runs unit and integration tests.
import { spawnSync } from 'node:child_process';
import { resolveTemporalCli } from '../src/temporal/temporalCli.js';
import { ensureChromium } from '../src/tools/chromium.js';
import { resolveMinio } from '../src/tools/minio.js';
import { resolveDockerCompose } from '../src/tools/dockerCompose.js';

const cliPath = await resolveTemporalCli({ cliPath: process.env.TEMPORAL_CLI_PATH });
console.log(`Temporal CLI: ${cliPath}`);
// MinIO for the S3 test: built once (with progress) here rather than inside a test's timeout.
const minio = await resolveMinio().catch((err: unknown) => {
  console.error(`klingflow: ${(err as Error).message} — the S3 test will be skipped.`);
  return undefined;
});
// The real `docker compose` (built from source once) validates docker-compose.yml.
const compose = await resolveDockerCompose().catch((err: unknown) => {
  console.error(`klingflow: ${(err as Error).message} — the compose test will be skipped.`);
  return undefined;
});
const chromium = ensureChromium();
const env = { ...process.env, TEMPORAL_CLI_PATH: cliPath, ...(chromium ? { CHROMIUM_PATH: chromium } : {}), ...(minio ? { MINIO_PATH: minio } : {}), ...(compose && compose.args.length === 0 ? { DOCKER_COMPOSE_PATH: compose.file } : {}) };

function run(title: string, command: string, args: string[]): void {
  console.log(`\n== ${title}`);
  const result = spawnSync(command, args, { stdio: 'inherit', env, shell: false });
  if (result.status !== 0) {
    console.error(`\n${title} failed (exit ${result.status ?? result.signal}).`);
    process.exit(result.status ?? 1);
  }
}

const only = process.argv[2]; // `npm test -- unit` or `npm test -- integration`
const files = (dir: string) => spawnSync('sh', ['-c', `ls test/${dir}/*.test.ts`], { encoding: 'utf8' }).stdout.trim().split('\n').filter(Boolean);
if (!only) {
  run('typecheck', 'npx', ['tsc', '--noEmit']);
  run('lint', 'npx', ['eslint', '.']);
}
if (!only || only === 'unit') run('unit tests', process.execPath, ['--import', 'tsx', '--test', ...files('unit')]);
// Integration files each start a Temporal dev server and a worker: one at a time on 2 cores.
if (!only || only === 'integration') run('integration tests', process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=1', ...files('integration')]);
