// The embedded Temporal of `npm start`: search attributes registered and usable at once, and
// state kept in a SQLite file across a restart, even after a kill.
import assert from 'node:assert/strict';
import { access, chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { Client, Connection } from '@temporalio/client';
import { freePort, portInUse, startDevServer } from '../../src/temporal/devServer.js';
import { resolveTemporalCli } from '../../src/temporal/temporalCli.js';
import { startGeneration } from '../../src/temporal/generations.js';
import { waitFor } from '../support/waitFor.js';

const dir = await mkdtemp(path.join(os.tmpdir(), 'klingflow-devserver-'));
after(() => rm(dir, { recursive: true, force: true }));

async function withClient<T>(address: string, fn: (client: Client) => Promise<T>): Promise<T> {
  const connection = await Connection.connect({ address });
  try {
    return await fn(new Client({ connection }));
  } finally {
    await connection.close();
  }
}

/** Starts a dev server on `dbFile` again and hands `fn` a client of it; stops it after. */
async function onRestartedServer(cliPath: string, dbFile: string, fn: (client: Client) => Promise<void>): Promise<void> {
  const server = await startDevServer({ cliPath, dbFile, headless: true });
  try {
    await withClient(server.address, fn);
  } finally {
    await server.stop();
  }
}

test('a restart of the dev server keeps every workflow, findable by search attribute', async () => {
  const cliPath = await resolveTemporalCli();
  const dbFile = path.join(dir, 'temporal.db');
  const first = await startDevServer({ cliPath, dbFile, headless: true });
  // No worker polls this queue: the generation simply stays open.
  const started = await withClient(first.address, (client) => startGeneration(client, { prompt: 'persist me' }, { taskQueue: 'nobody-polls-this' }));
  await first.stop();

  await onRestartedServer(cliPath, dbFile, async (client) => {
    const description = await client.workflow.getHandle(started.id).describe();
    assert.equal(description.status.name, 'RUNNING');
    assert.equal(await description.staticSummary(), 'text2video: persist me');
    const found: string[] = [];
    for await (const wf of client.workflow.list({ query: `GenerationStatus = "submitting" AND VideoProvider = "kling"` })) found.push(wf.workflowId);
    assert.ok(found.includes(started.id), `visibility query found ${found.join(',')}`);
    await client.workflow.getHandle(started.id).terminate('test cleanup');
  });
});

// `npm start`'s database runs in WAL mode with every commit synced (DEV_SERVER_FILE_PRAGMAS):
// a generation the server has acknowledged survives the server being killed outright.
test('a generation acknowledged before the dev server is killed (SIGKILL) is there after a restart; the file is in WAL mode', async () => {
  const cliPath = await resolveTemporalCli();
  const dbFile = path.join(dir, 'killed.db');
  const first = await startDevServer({ cliPath, dbFile, headless: true });
  const started = await withClient(first.address, (client) => startGeneration(client, { prompt: 'survive a kill' }, { taskQueue: 'nobody-polls-this' }));
  await access(`${dbFile}-wal`); // throws unless SQLite keeps a write-ahead log
  first.process.kill('SIGKILL');
  await first.stop();

  await onRestartedServer(cliPath, dbFile, async (client) => {
    const description = await client.workflow.getHandle(started.id).describe();
    assert.equal(description.status.name, 'RUNNING');
    await client.workflow.getHandle(started.id).terminate('test cleanup');
  });
});

// The dev server reads search attributes from a cache refreshed once a minute
// (DEV_SERVER_DYNAMIC_CONFIG). klingflow's are stored before the server serves, so the very
// first request after it is ready may already use them: a start that sets them and a
// visibility query that filters on them, with no minute of "not defined" errors.
test('search attributes are usable the moment a fresh dev server is ready', async () => {
  const cliPath = await resolveTemporalCli();
  const server = await startDevServer({ cliPath, headless: true });
  try {
    await withClient(server.address, async (client) => {
      const started = await startGeneration(client, { prompt: 'first request' }, { taskQueue: 'nobody-polls-this' });
      const found = await waitFor(async () => {
        const ids: string[] = [];
        for await (const wf of client.workflow.list({ query: `GenerationStatus = "submitting" AND VideoProvider = "kling"` })) ids.push(wf.workflowId);
        return ids.includes(started.id) && ids;
      }, 'the generation in a visibility query on its search attributes');
      assert.deepEqual(found, [started.id]);
      await client.workflow.getHandle(started.id).terminate('test cleanup');
    });
  } finally {
    await server.stop();
  }
});

// A port is picked free and bound a moment later; a process starting at the same time can take
// it in between (CI saw it: the CLI's own HTTP API port, in a parallel test). The CLI in front
// here fails its first start exactly as the real one did, then runs the real CLI.
test('a start that loses a port race is started again with fresh ports', async () => {
  const cliPath = await resolveTemporalCli();
  const attempts = path.join(dir, 'attempts');
  const racy = path.join(dir, 'racy-temporal');
  await writeFile(
    racy,
    `#!/bin/sh
echo start >> '${attempts}'
if [ "$(wc -l < '${attempts}')" -eq 1 ]; then
  echo 'level=ERROR msg="failed starting server: failed listening for HTTP API on 127.0.0.1:34317: listen tcp 127.0.0.1:34317: bind: address already in use"' >&2
  exit 1
fi
exec '${cliPath}' "$@"
`,
  );
  await chmod(racy, 0o755);
  const logged: string[] = [];
  const server = await startDevServer({ cliPath: racy, headless: true, log: (line) => logged.push(line) });
  try {
    assert.equal((await readFile(attempts, 'utf8')).trim().split('\n').length, 2);
    assert.ok(logged.some((line) => line.includes('port 34317 was taken while it started')), 'the retry is logged');
    await withClient(server.address, (client) => client.workflowService.describeNamespace({ namespace: 'default' }));
  } finally {
    await server.stop();
  }
});

test('a port the caller chose and someone else holds fails at once, naming the port', async () => {
  const cliPath = await resolveTemporalCli();
  const holder = net.createServer();
  const port = await freePort();
  await new Promise<void>((resolve) => holder.listen(port, '127.0.0.1', resolve));
  try {
    const startedAt = Date.now();
    await assert.rejects(startDevServer({ cliPath, port, headless: true }), (err: Error) => portInUse(err.message) === port);
    assert.ok(Date.now() - startedAt < 30_000, 'no waiting for a readiness deadline');
  } finally {
    holder.close();
  }
});

test('a dev server that never comes up fails at the deadline, saying what it waited for, and is killed', async () => {
  const pidFile = path.join(dir, 'silent.pid');
  const silent = path.join(dir, 'silent-temporal');
  // Says something, then nothing: no "Server:" line, no port.
  await writeFile(silent, `#!/bin/sh\necho $$ > '${pidFile}'\necho 'warming up'\nexec sleep 600\n`);
  await chmod(silent, 0o755);
  await assert.rejects(startDevServer({ cliPath: silent, headless: true, readyTimeoutMs: 1_500 }), (err: Error) => {
    assert.match(err.message, /not ready at 127\.0\.0\.1:\d+ in time: the CLI has not printed its "Server:" line yet/);
    assert.match(err.message, /warming up/, "the CLI's own output is in the error");
    return true;
  });
  const pid = Number((await readFile(pidFile, 'utf8')).trim());
  const gone = () => {
    try {
      process.kill(pid, 0);
      return false;
    } catch {
      return true;
    }
  };
  await waitFor(async () => gone(), 'the silent CLI to be killed', 5_000);
});
