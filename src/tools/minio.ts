// MinIO for the S3 tests: found or built from the Go module proxy the way the Temporal CLI
// is (src/temporal/temporalCli.ts), then started on loopback with a throwaway data folder.
// Order: MINIO_PATH, `minio` on PATH, the cache folder, then `go install` into the cache
// folder. Never used in production: there S3_ENDPOINT points at a real service.
//
// `npm run minio:provision` builds (or finds) it and prints its path.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { freePort } from '../temporal/devServer.js';
import { cacheRoot, goInstall, isExecutable, onPath } from './goTool.js';

// MinIO publishes RELEASE.* tags, which are not semver: the module proxy serves commits as
// pseudo-versions only. This is the proxy's `latest` (2026-02-12), checked to build with
// `go install` (no replace directives in its go.mod).
export const MINIO_VERSION = 'v0.0.0-20260212201848-7aac2a2c5b7c';
const MODULE = 'github.com/minio/minio';

export function cachedMinioPath(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(cacheRoot(env), `minio-${MINIO_VERSION}`, 'minio');
}

/** Thrown when there is no MinIO and no Go to build one: the S3 tests skip on it. */
export class MinioUnavailableError extends Error {
  override name = 'MinioUnavailableError';
}

export interface ResolveMinioOptions {
  log?: (message: string) => void;
  env?: NodeJS.ProcessEnv;
}

/** A MinIO binary already there (no build needed), or undefined. */
export function findMinio(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.MINIO_PATH) return env.MINIO_PATH;
  const found = onPath('minio', env);
  if (found) return found;
  const cached = cachedMinioPath(env);
  return isExecutable(cached) ? cached : undefined;
}

/** True when MinIO is there or can be built (Go is installed). */
export function canProvisionMinio(env: NodeJS.ProcessEnv = process.env): boolean {
  return findMinio(env) !== undefined || onPath('go', env) !== undefined;
}

export async function resolveMinio({ log = (m) => console.error(m), env = process.env }: ResolveMinioOptions = {}): Promise<string> {
  if (env.MINIO_PATH) {
    if (!isExecutable(env.MINIO_PATH)) throw new Error(`MINIO_PATH=${env.MINIO_PATH} is not an executable file`);
    return env.MINIO_PATH;
  }
  const found = findMinio(env);
  if (found) return found;
  const go = onPath('go', env);
  if (!go) {
    throw new MinioUnavailableError(
      'MinIO was not found and Go is not installed to build it. Install Go (https://go.dev/dl) or MinIO ' +
        '(https://min.io/download), or set MINIO_PATH to a minio binary.',
    );
  }
  const target = cachedMinioPath(env);
  await goInstall({ go, module: MODULE, version: MINIO_VERSION, binary: 'minio', target, label: `MinIO ${MINIO_VERSION}`, log, env });
  return target;
}

// ---------------------------------------------------------------- a running server

export interface MinioServer {
  /** e.g. http://127.0.0.1:40123 */
  endpoint: string;
  accessKeyId: string;
  secretAccessKey: string;
  region: string;
  /** The bucket created at start. */
  bucket: string;
  dataDir: string;
  /** A path-style client with the root credentials. */
  client: S3Client;
  stop(): Promise<void>;
}

export interface StartMinioOptions extends ResolveMinioOptions {
  bucket?: string;
  /** How long to wait for /minio/health/live. Default 30 s. */
  readyTimeoutMs?: number;
}

/** Starts MinIO on free loopback ports with a temp data folder, waits until live, creates the bucket. */
export async function startMinio({ bucket = 'klingflow-test', readyTimeoutMs = 30_000, log = (m) => console.error(m), env = process.env }: StartMinioOptions = {}): Promise<MinioServer> {
  const binary = await resolveMinio({ log, env });
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'klingflow-minio-'));
  const accessKeyId = 'klingflow-test';
  const secretAccessKey = 'klingflow-test-secret';
  const region = 'us-east-1';

  // The free-port probe can race with another process: try a few times.
  let lastError: unknown;
  for (let attempt = 1; attempt <= 3; attempt++) {
    const [port, consolePort] = [await freePort(), await freePort()];
    const endpoint = `http://127.0.0.1:${port}`;
    const child = spawn(binary, ['server', dataDir, '--address', `127.0.0.1:${port}`, '--console-address', `127.0.0.1:${consolePort}`], {
      env: {
        ...env,
        MINIO_ROOT_USER: accessKeyId,
        MINIO_ROOT_PASSWORD: secretAccessKey,
        MINIO_UPDATE: 'off',
        MINIO_BROWSER: 'off',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const output: string[] = [];
    child.stdout?.on('data', (c: Buffer) => output.push(c.toString()));
    child.stderr?.on('data', (c: Buffer) => output.push(c.toString()));
    try {
      await waitLive(endpoint, child, readyTimeoutMs, output);
    } catch (err) {
      lastError = err;
      await stopChild(child);
      continue;
    }
    const client = new S3Client({ endpoint, region, forcePathStyle: true, credentials: { accessKeyId, secretAccessKey } });
    try {
      await client.send(new CreateBucketCommand({ Bucket: bucket }));
    } catch (err) {
      client.destroy();
      await stopChild(child);
      await rm(dataDir, { recursive: true, force: true });
      throw err;
    }
    return {
      endpoint,
      accessKeyId,
      secretAccessKey,
      region,
      bucket,
      dataDir,
      client,
      async stop() {
        client.destroy();
        await stopChild(child);
        await rm(dataDir, { recursive: true, force: true });
      },
    };
  }
  await rm(dataDir, { recursive: true, force: true });
  throw lastError instanceof Error ? lastError : new Error(String(lastError));
}

async function waitLive(endpoint: string, child: ChildProcess, timeoutMs: number, output: string[]): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exited: string | undefined;
  child.once('exit', (code, signal) => (exited = `exit ${code ?? signal}`));
  while (Date.now() < deadline) {
    if (exited) throw new Error(`MinIO stopped before it was ready (${exited}):\n${output.join('').slice(-2000)}`);
    try {
      const res = await fetch(`${endpoint}/minio/health/live`, { signal: AbortSignal.timeout(1_000) });
      if (res.ok) return;
    } catch {
      /* not listening yet */
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`MinIO did not answer ${endpoint}/minio/health/live within ${timeoutMs} ms:\n${output.join('').slice(-2000)}`);
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  resolveMinio()
    .then((binary) => console.log(binary))
    .catch((err: unknown) => {
      console.error(err instanceof Error ? err.message : err);
      process.exit(1);
    });
}
