// docker-compose.yml as Docker Compose itself sees it: the real `docker compose config`
// (v2, built once from the Go module proxy into ~/.cache/klingflow, src/tools/dockerCompose.ts)
// loads, interpolates, validates and normalizes it without a Docker engine. The checks read
// the normalized model: the whole system is there, every long-running service has a health
// check, one-shot jobs gate what needs them, the search attributes match the workflow
// contract, and the klingflow services are configured for the bundled MinIO.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { loadConfig } from '../../src/config.js';
import {
  composeConfig,
  type ComposeCommand,
  type ComposeModel,
  type ComposeService,
  ComposeUnavailableError,
  resolveDockerCompose,
  runCompose,
} from '../../src/tools/dockerCompose.js';
import { SEARCH_ATTRIBUTES } from '../../workflows/searchAttributes.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
// Hermetic: no host variables, no ./.env (a developer's keys must not change the verdict).
const HERMETIC = { env: { PATH: process.env.PATH, HOME: process.env.HOME }, envFiles: ['/dev/null'] };
const SIMULATOR = { env: HERMETIC.env, envFiles: ['deploy/simulator.env'], profiles: ['simulator'] };

const ONE_SHOT = ['temporal-schema', 'temporal-setup', 'minio-setup'];
const LONG_RUNNING = ['postgresql', 'temporal', 'temporal-ui', 'temporal-admin-tools', 'minio', 'klingflow-server', 'klingflow-worker'];
const KLINGFLOW = ['klingflow-server', 'klingflow-worker'];
const S3_VARIABLES = ['S3_BUCKET', 'S3_ENDPOINT', 'S3_REGION', 'S3_ACCESS_KEY_ID', 'S3_SECRET_ACCESS_KEY', 'S3_FORCE_PATH_STYLE', 'S3_PREFIX'];

let compose: ComposeCommand | undefined;
let unavailable: string | undefined;
try {
  compose = await resolveDockerCompose({ log: (m) => console.log(m) });
} catch (err) {
  // Only where it cannot be had at all (no Go, no compose plugin); a failed build fails.
  if (!(err instanceof ComposeUnavailableError)) throw err;
  unavailable = `skipped: ${err.message}`;
}

function service(model: ComposeModel, name: string): ComposeService {
  const s = model.services[name];
  assert.ok(s, `service ${name} is missing (have: ${Object.keys(model.services).join(', ')})`);
  return s;
}

/** The environment as the container gets it (null = unset). */
function envOf(s: ComposeService): Record<string, string | undefined> {
  return Object.fromEntries(Object.entries(s.environment ?? {}).map(([k, v]) => [k, v ?? undefined]));
}

/** "Name=Type Name=Type" → Map(name → type). */
function parseAttributes(spec: string): Map<string, string> {
  return new Map(spec.trim().split(/\s+/).map((pair) => pair.split('=') as [string, string]));
}

/** Temporal's IndexedValueType spelled as the SDK does (KEYWORD_LIST) or as the CLI does (KeywordList). */
const typeKey = (t: string) => t.replace(/_/g, '').toLowerCase();

describe('docker-compose.yml under Docker Compose', { skip: unavailable }, () => {
  let model: ComposeModel;
  let simulator: ComposeModel;

  before(async () => {
    model = await composeConfig(compose!, HERMETIC);
    simulator = await composeConfig(compose!, SIMULATOR);
  });

  test('`docker compose config` accepts it, with and without the simulator profile, without warnings', async () => {
    for (const options of [HERMETIC, SIMULATOR]) {
      const result = await runCompose(compose!, ['config', '--quiet'], options);
      assert.equal(result.code, 0, result.stderr);
      assert.doesNotMatch(result.stderr, /WARN|variable is not set|obsolete/i);
    }
    assert.equal(model.name, 'klingflow');
  });

  test('the whole system: Temporal on PostgreSQL with its schema job, UI, admin tools, MinIO, the server and two workers', () => {
    assert.deepEqual(Object.keys(model.services).sort(), [...ONE_SHOT, ...LONG_RUNNING].sort());
    assert.match(service(model, 'temporal').image!, /^temporalio\/server:/);
    assert.match(service(model, 'temporal-ui').image!, /^temporalio\/ui:/);
    assert.match(service(model, 'postgresql').image!, /^postgres:/);
    assert.match(service(model, 'minio').image!, /^minio\/minio:/);
    assert.match(service(model, 'minio-setup').image!, /^minio\/mc:/);
    const adminTools = service(model, 'temporal-admin-tools').image!;
    assert.match(adminTools, /^temporalio\/admin-tools:/);
    for (const job of ['temporal-schema', 'temporal-setup']) assert.equal(service(model, job).image, adminTools);
    // Server and admin tools move together (the schema job ships the schema the server expects).
    assert.equal(service(model, 'temporal').image!.split(':')[1], adminTools.split(':')[1]);
    assert.equal(envOf(service(model, 'temporal')).DB, 'postgres12');
    assert.equal(envOf(service(model, 'temporal-schema')).POSTGRES_SEEDS, 'postgresql');
    assert.ok(service(model, 'temporal-schema').entrypoint?.join(' ').includes('temporal-schema.sh'));

    const worker = service(model, 'klingflow-worker');
    assert.equal(worker.deploy?.replicas, 2);
    assert.equal(worker.container_name, undefined, 'replicas cannot share a container name');
    assert.equal(worker.ports, undefined, 'replicas cannot share a host port');
    for (const name of KLINGFLOW) {
      assert.equal(path.resolve(service(model, name).build!.context), path.resolve(ROOT));
      assert.equal(service(model, name).image, undefined);
    }
    assert.deepEqual(service(model, 'klingflow-worker').command, ['node', '--import', 'tsx', 'src/worker.ts']);
    assert.deepEqual(service(model, 'klingflow-server').command, ['node', '--import', 'tsx', 'src/server.ts']);
  });

  test('every long-running service has a health check; one-shot jobs run once and gate their dependents', () => {
    for (const m of [model, simulator]) {
      for (const [name, s] of Object.entries(m.services)) {
        if (ONE_SHOT.includes(name)) {
          assert.equal(s.restart, 'no', `${name} is a one-shot job`);
          continue;
        }
        assert.equal(s.restart, 'unless-stopped', `${name} restarts`);
        assert.ok(s.healthcheck && !s.healthcheck.disable && (s.healthcheck.test?.length ?? 0) > 0, `${name} has a health check`);
        assert.notEqual(s.healthcheck.test![0], 'NONE', `${name} has a health check`);
      }
      for (const [name, s] of Object.entries(m.services)) {
        for (const [dependency, { condition }] of Object.entries(s.depends_on ?? {})) {
          const expected = ONE_SHOT.includes(dependency) ? 'service_completed_successfully' : 'service_healthy';
          assert.equal(condition, expected, `${name} → ${dependency}`);
        }
      }
    }
    const dependsOn = (name: string) => Object.keys(service(model, name).depends_on ?? {}).sort();
    assert.deepEqual(dependsOn('temporal-schema'), ['postgresql']);
    assert.deepEqual(dependsOn('temporal'), ['postgresql', 'temporal-schema']);
    assert.deepEqual(dependsOn('temporal-setup'), ['temporal']);
    assert.deepEqual(dependsOn('temporal-ui'), ['temporal']);
    assert.deepEqual(dependsOn('temporal-admin-tools'), ['temporal']);
    assert.deepEqual(dependsOn('minio-setup'), ['minio']);
    for (const name of KLINGFLOW) assert.deepEqual(dependsOn(name), ['minio-setup', 'temporal-setup']);
    // The worker's check runs a script that must be in the image (COPY . ., minus .dockerignore).
    const workerCheck = service(model, 'klingflow-worker').healthcheck!.test!;
    assert.deepEqual(workerCheck.slice(0, 2), ['CMD', 'node']);
    assert.ok(existsSync(path.join(ROOT, workerCheck[2]!)), workerCheck[2]);
    const ignored = readFileSync(path.join(ROOT, '.dockerignore'), 'utf8').split('\n').map((l) => l.trim());
    assert.ok(!ignored.some((l) => l === 'deploy' || l === 'deploy/' || l.startsWith('deploy/worker')), '.dockerignore keeps deploy/worker-healthcheck.mjs');
  });

  test('the setup job registers the search attributes of workflows/searchAttributes.ts in klingflow’s namespace', () => {
    const setup = service(model, 'temporal-setup');
    const env = envOf(setup);
    const registered = parseAttributes(env.SEARCH_ATTRIBUTES ?? '');
    assert.deepEqual([...registered.keys()].sort(), SEARCH_ATTRIBUTES.map((a) => a.name).sort());
    for (const attribute of SEARCH_ATTRIBUTES) assert.equal(typeKey(registered.get(attribute.name)!), typeKey(attribute.type), attribute.name);
    assert.equal(env.TEMPORAL_ADDRESS, 'temporal:7233');
    for (const name of KLINGFLOW) assert.equal(env.TEMPORAL_NAMESPACE, envOf(service(model, name)).TEMPORAL_NAMESPACE);

    // The mounted script runs it, and its own default is the same contract.
    const mount = setup.volumes?.find((v) => v.type === 'bind' && v.target.endsWith('temporal-setup.sh'));
    assert.ok(mount?.source && setup.entrypoint?.includes(mount.target), 'temporal-setup.sh is mounted and run');
    assert.equal(path.relative(ROOT, mount.source), path.join('deploy', 'temporal-setup.sh'));
    const script = readFileSync(mount.source, 'utf8');
    const fallback = /SEARCH_ATTRIBUTES=\$\{SEARCH_ATTRIBUTES:-([^}]*)\}/.exec(script)?.[1];
    assert.deepEqual(parseAttributes(fallback ?? ''), registered);
    assert.match(script, /search-attribute create/);
  });

  test('the klingflow services share one environment, configured for S3 on the bundled MinIO', () => {
    const [server, worker] = KLINGFLOW.map((name) => envOf(service(model, name)));
    assert.deepEqual(server, worker, 'server and workers must agree (namespace, callback secret, storage)');
    for (const variable of S3_VARIABLES) assert.ok(variable in server!, `${variable} is passed to klingflow`);
    const minio = envOf(service(model, 'minio'));
    const bucketJob = service(model, 'minio-setup');
    assert.equal(server!.S3_ENDPOINT, 'http://minio:9000');
    assert.equal(server!.S3_FORCE_PATH_STYLE, 'true');
    assert.ok(server!.S3_REGION);
    assert.equal(server!.S3_BUCKET, envOf(bucketJob).S3_BUCKET);
    assert.equal(server!.S3_ACCESS_KEY_ID, minio.MINIO_ROOT_USER);
    assert.equal(server!.S3_SECRET_ACCESS_KEY, minio.MINIO_ROOT_PASSWORD);
    assert.ok(minio.MINIO_ROOT_PASSWORD!.length >= 8, 'MinIO refuses passwords under 8 characters');
    const script = [...(bucketJob.entrypoint ?? []), ...(bucketJob.command ?? [])].join(' ');
    assert.match(script, /mc alias set \S+ http:\/\/minio:9000 /);
    assert.match(script, /mc mb --ignore-existing /);
    assert.equal(server!.TEMPORAL_ADDRESS, 'temporal:7233');
    // klingflow's own configuration schema accepts what compose hands it: S3 storage on.
    const config = loadConfig(server!);
    assert.equal(config.temporal.address, 'temporal:7233');
    assert.equal(config.host, '0.0.0.0');
    assert.equal(config.storage.s3?.bucket, server!.S3_BUCKET);
    assert.equal(config.storage.s3?.endpoint, 'http://minio:9000');
    assert.equal(config.storage.s3?.forcePathStyle, true);
    assert.equal(config.storage.s3?.prefix, 'videos/');
    assert.equal(config.storage.s3?.credentials?.accessKeyId, minio.MINIO_ROOT_USER);
  });

  test('host variables reach every service that needs them', async () => {
    const minioPassword = { ...HERMETIC.env, MINIO_ROOT_PASSWORD: 'another-secret', S3_BUCKET: 'videos', TEMPORAL_NAMESPACE: 'prod' };
    const custom = await composeConfig(compose!, { ...HERMETIC, env: minioPassword });
    for (const name of KLINGFLOW) {
      const e = envOf(service(custom, name));
      assert.equal(e.S3_BUCKET, 'videos');
      assert.equal(e.S3_SECRET_ACCESS_KEY, 'another-secret');
      assert.equal(e.TEMPORAL_NAMESPACE, 'prod');
    }
    assert.equal(envOf(service(custom, 'minio-setup')).S3_BUCKET, 'videos');
    assert.equal(envOf(service(custom, 'temporal-setup')).TEMPORAL_NAMESPACE, 'prod');

    // AWS S3 with the default credential chain: empty endpoint and keys stay empty.
    const aws = { ...HERMETIC.env, S3_ENDPOINT: '', S3_ACCESS_KEY_ID: '', S3_SECRET_ACCESS_KEY: '', S3_FORCE_PATH_STYLE: 'false', S3_REGION: 'eu-west-1' };
    const onAws = loadConfig(envOf(service(await composeConfig(compose!, { ...HERMETIC, env: aws }), 'klingflow-worker')));
    assert.equal(onAws.storage.s3?.endpoint, undefined);
    assert.equal(onAws.storage.s3?.credentials, undefined);
    assert.equal(onAws.storage.s3?.forcePathStyle, false);
    assert.equal(onAws.storage.s3?.region, 'eu-west-1');
  });

  test('the simulator profile (deploy/simulator.env) adds the simulator and points klingflow at it', () => {
    assert.deepEqual(Object.keys(simulator.services).sort(), [...ONE_SHOT, ...LONG_RUNNING, 'kling-simulator'].sort());
    const env = envOf(service(simulator, 'klingflow-worker'));
    assert.deepEqual(env, envOf(service(simulator, 'klingflow-server')));
    const config = loadConfig(env);
    assert.equal(config.kling.simulated, true);
    assert.equal(config.kling.apiBase, 'http://kling-simulator:4010');
    assert.equal(config.runblob.apiBase, 'http://kling-simulator:4010');
    assert.ok(config.download.allowedHosts.includes('kling-simulator:4010'));
    assert.equal(envOf(service(simulator, 'kling-simulator')).KLING_API_BASE, 'http://kling-simulator:4010');
  });

  test('unauthenticated admin surfaces are published on 127.0.0.1 only; the API on every interface', () => {
    for (const m of [model, simulator]) {
      for (const [name, s] of Object.entries(m.services)) {
        for (const port of s.ports ?? []) {
          if (name === 'klingflow-server') assert.equal(port.host_ip, undefined);
          else assert.equal(port.host_ip, '127.0.0.1', `${name}:${port.target}`);
        }
      }
    }
    assert.deepEqual(service(model, 'klingflow-server').ports?.map((p) => [p.published, p.target]), [['3000', 3000]]);
  });

  test('every bind-mounted file exists in the repository', () => {
    for (const [name, s] of Object.entries(simulator.services)) {
      for (const v of s.volumes ?? []) {
        if (v.type === 'bind') assert.ok(v.source && existsSync(v.source), `${name}: ${v.source}`);
      }
    }
  });
});

describe('Docker Compose rejects what it must', { skip: unavailable }, () => {
  const dir = mkdtemp(path.join(os.tmpdir(), 'klingflow-compose-'));
  after(async () => rm(await dir, { recursive: true, force: true }));

  for (const [what, yaml, message] of [
    ['a misspelled key', 'services:\n  a:\n    image: x\n    healthcheck:\n      test: ["CMD", "true"]\n      intervall: 5s\n', /additional properties 'intervall' not allowed/],
    ['a dependency on a missing service', 'services:\n  a:\n    image: x\n    depends_on:\n      b:\n        condition: service_healthy\n', /undefined service "b"/],
    ['replicas that are not a number', 'services:\n  a:\n    image: x\n    deploy:\n      replicas: two\n', /replicas/],
  ] as const) {
    test(what, async () => {
      const projectDir = await dir;
      await writeFile(path.join(projectDir, 'docker-compose.yml'), yaml);
      const result = await runCompose(compose!, ['config', '--quiet'], { ...HERMETIC, projectDir });
      assert.notEqual(result.code, 0);
      assert.match(result.stderr, message);
    });
  }
});
