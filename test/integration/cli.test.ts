// The klingflow CLI against a real stack: every command as a user runs it (bin/klingflow.js
// in a child process), its --json output, its exit codes and its error messages.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { expectedVideoSha256 } from '../../src/simulator/video.js';
import { startTestStack, waitFor, type TestStack } from '../support/stack.js';

let s: TestStack;
let env: Record<string, string>;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function cli(args: string[], extraEnv: Record<string, string> = {}): Promise<Run> {
  const child = spawn(process.execPath, ['bin/klingflow.js', ...args], { env: { ...process.env, ...env, ...extraEnv }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

/** Runs a command that must succeed and print one JSON document. */
async function cliJson(args: string[], extraEnv: Record<string, string> = {}): Promise<any> {
  const r = await cli([...args, '--json'], extraEnv);
  assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}${r.stdout}`);
  return JSON.parse(r.stdout);
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise((r) => server.close(r));
  return port;
}

before(async () => {
  s = await startTestStack();
  await s.sim.configure({ processingMs: 300 });
  env = { TEMPORAL_ADDRESS: s.devServer!.address, TEMPORAL_TASK_QUEUE: s.config.temporal.taskQueue, TEMPORAL_NAMESPACE: s.config.temporal.namespace };
});
after(async () => {
  await s?.close();
});

describe('generate, status, list', () => {
  let id: string;

  test('generate --json prints {id, status}; status --wait --json and status --json end completed with the sha256', async () => {
    const started = await cliJson(['generate', 'a lighthouse at dusk, waves below']);
    assert.match(started.id, /^gen-/);
    assert.equal(started.status, 'submitting');
    assert.equal(started.created, true);
    id = started.id;

    const final = await cliJson(['status', id, '--wait']);
    assert.equal(final.status, 'completed');
    assert.equal(final.video.sha256, await expectedVideoSha256());

    const state = await cliJson(['status', id]);
    assert.equal(state.id, id);
    assert.equal(state.status, 'completed');
    assert.equal(state.progress, 100);
    assert.equal(state.video.sha256, await expectedVideoSha256());

    const plain = await cli(['status', id]);
    assert.equal(plain.code, 0, plain.stderr);
    assert.match(plain.stdout, /status\s+completed/);
    assert.ok(plain.stdout.includes(await expectedVideoSha256()));
  });

  test('generate --wait --json prints only the final state', async () => {
    const r = await cli(['generate', 'a paper boat on a puddle', '--wait', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const final = JSON.parse(r.stdout); // nothing but the document on stdout
    assert.equal(final.status, 'completed');
    assert.equal(final.video.sha256, await expectedVideoSha256());
  });

  test('list --json finds it from visibility, and --status / --provider filter', async () => {
    const rows = await waitFor(async () => {
      const all: any[] = await cliJson(['list', '--status', 'completed']);
      return all.some((r) => r.id === id) ? all : undefined;
    }, 'the generation in list --status completed');
    const row = rows.find((r) => r.id === id);
    assert.equal(row.status, 'completed');
    assert.equal(row.provider, 'kling');
    assert.equal(row.executionStatus, 'COMPLETED');
    assert.match(row.providerTaskId, /\S/);
    assert.ok(!Number.isNaN(Date.parse(row.startedAt)));
    assert.equal(row.summary, 'text2video: a lighthouse at dusk, waves below');
    assert.ok(rows.every((r) => r.status === 'completed'));

    const failed: any[] = await cliJson(['list', '--status', 'failed,timed_out']);
    assert.ok(!failed.some((r) => r.id === id));
    const runblob: any[] = await cliJson(['list', '--provider', 'runblob']);
    assert.ok(!runblob.some((r) => r.id === id));
    const one: any[] = await cliJson(['list', '--limit', '1']);
    assert.equal(one.length, 1);

    const table = await cli(['list', '--provider', 'kling']);
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, /^ID\s+STATUS\s+PROVIDER\s+TASK\s+STARTED\s+PROMPT/);
    assert.match(table.stdout, new RegExp(`${id}\\s+completed\\s+kling\\s+\\S+\\s+\\d+[smhd] ago\\s+text2video: a lighthouse`));
  });

  test('on a terminal, generate --wait draws a live progress bar', { skip: !hasScript() && 'util-linux `script` (a pseudo-terminal) is not installed' }, async () => {
    const envArgs = Object.entries(env).map(([k, v]) => `${k}=${v}`);
    const command = ['env', ...envArgs, process.execPath, 'bin/klingflow.js', 'generate', 'a kite in a storm', '--wait'].map((a) => `'${a}'`).join(' ');
    // asynchronously: the stack serving this generation runs in this process
    const child = spawn('script', ['-qec', command, '/dev/null'], { stdio: ['ignore', 'pipe', 'pipe'] });
    const r = { stdout: '', stderr: '' };
    child.stdout.on('data', (c: Buffer) => (r.stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (r.stderr += c.toString()));
    assert.equal(await new Promise((done) => child.on('close', done)), 0, r.stdout + r.stderr);
    assert.match(r.stdout, /\r\x1b\[2K[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] \w+\s+[█▏▎▍▌▋▊▉░]+\s+\d+%\s+\d+\.\ds/);
    assert.match(r.stdout, /✔ completed\s+█+ 100%/);
    assert.ok(r.stdout.includes(await expectedVideoSha256()));
  });
});

describe('cancel', () => {
  test('cancel on a long-running generation: status becomes cancelled', async () => {
    await s.sim.configure({ processingMs: 120_000 });
    try {
      const { id } = await cliJson(['generate', 'a very slow sunrise']);
      await s.waitForStatus(id, ['waiting', 'polling']);

      // Ctrl-C while following stops the watching, not the generation
      const watcher = spawn(process.execPath, ['bin/klingflow.js', 'status', id, '--wait'], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
      let watched = '';
      let hint = '';
      watcher.stdout.on('data', (c: Buffer) => (watched += c.toString()));
      watcher.stderr.on('data', (c: Buffer) => (hint += c.toString()));
      const watcherExit = new Promise<number | null>((r) => watcher.on('close', r));
      await waitFor(async () => watched.includes(id), 'the first progress line');
      watcher.kill('SIGINT');
      assert.equal(await watcherExit, 130);
      assert.match(hint, new RegExp(`Stopped watching; ${id} keeps running`));
      assert.match((await cliJson(['status', id])).status, /waiting|polling/);

      const asked = await cliJson(['cancel', id]);
      assert.equal(asked.id, id);
      assert.equal(asked.cancelRequested, true);
      const waited = await cli(['status', id, '--wait', '--json']);
      assert.equal(waited.code, 1, waited.stderr); // --wait: 0 only for completed
      assert.equal(JSON.parse(waited.stdout).status, 'cancelled');
      assert.equal((await cliJson(['status', id])).status, 'cancelled');

      const again = await cli(['cancel', id]);
      assert.equal(again.code, 0);
      assert.match(again.stderr, /already ended \(cancelled\)/);
      const listed = await waitFor(async () => {
        const rows: any[] = await cliJson(['list', '--status', 'cancelled']);
        return rows.find((r) => r.id === id);
      }, 'the cancelled generation in list --status cancelled');
      assert.equal(listed.executionStatus, 'CANCELLED');
    } finally {
      await s.sim.configure({ processingMs: 300 });
    }
  });

  test('cancel --wait on a completed generation says it already ended (exit 1)', async () => {
    const { id } = await cliJson(['generate', 'quick one', '--wait']);
    const r = await cli(['cancel', id, '--wait']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, new RegExp(`${id} already ended \\(completed\\)`));
  });
});

describe('errors', () => {
  test('unknown generation: exit 1 with a clear message', async () => {
    for (const command of ['status', 'cancel']) {
      const r = await cli([command, 'gen-doesnotexist']);
      assert.equal(r.code, 1, command);
      assert.equal(r.stdout, '');
      assert.match(r.stderr, /^No generation gen-doesnotexist in namespace "default" at /);
    }
    const malformed = await cli(['status', 'not-an-id']);
    assert.equal(malformed.code, 2);
    assert.match(malformed.stderr, /Invalid generation-id: "not-an-id" is not a generation id/);
  });

  test('unknown namespace: exit 1 naming it', async () => {
    for (const args of [['list'], ['status', 'gen-abc'], ['generate', 'x']]) {
      const r = await cli([...args, '--namespace', 'no-such-namespace']);
      assert.equal(r.code, 1, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, /^Namespace "no-such-namespace" does not exist on Temporal at \S+\. Use --namespace or TEMPORAL_NAMESPACE\.\n$/);
    }
  });

  test('unknown flag or command: usage, naming it, exit 2', async () => {
    const flag = await cli(['list', '--bogus']);
    assert.equal(flag.code, 2);
    assert.equal(flag.stdout, '');
    assert.match(flag.stderr, /^Unknown flag --bogus for "klingflow list"\./);
    assert.match(flag.stderr, /Usage: klingflow list/);

    const typo = await cli(['status', 'gen-x', '--jsn']);
    assert.equal(typo.code, 2);
    assert.match(typo.stderr, /Unknown flag --jsn .*Did you mean --json\?/);

    const command = await cli(['lsit']);
    assert.equal(command.code, 2);
    assert.match(command.stderr, /^Unknown command "lsit"\. Did you mean "list"\?/);
    assert.match(command.stderr, /Usage: klingflow <command>/);

    const missing = await cli(['list', '--limit']);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /Flag --limit needs a value/);
  });

  test('validation errors name the field: exit 2, before Temporal is contacted', async () => {
    const unreachable = { TEMPORAL_ADDRESS: '127.0.0.1:1' };
    const cases: [string[], RegExp][] = [
      [['list', '--status', 'done'], /Invalid --status: must be one of .*completed/],
      [['list', '--limit', '0'], /Invalid --limit: must be a whole number from 1 to 1000/],
      [['generate', 'x', '--duration', '99'], /Invalid --duration: must be between 3 and 15 seconds/],
      [['generate', 'x', '--image', 'not a url'], /Invalid --image/],
      [['server', '--port', 'http'], /Invalid --port/],
    ];
    for (const [args, message] of cases) {
      const r = await cli(args, unreachable);
      assert.equal(r.code, 2, args.join(' '));
      assert.match(r.stderr, message);
    }
  });

  test('Temporal unreachable: one line naming the address, suggesting npm start / TEMPORAL_ADDRESS, exit 1', async () => {
    const port = await freePort();
    for (const [args, extra] of [
      [['status', 'gen-abc', '--address', `127.0.0.1:${port}`], {}],
      [['list', '--json'], { TEMPORAL_ADDRESS: `127.0.0.1:${port}` }],
      [['worker'], { TEMPORAL_ADDRESS: `127.0.0.1:${port}` }],
    ] as const) {
      const r = await cli([...args], extra);
      assert.equal(r.code, 1, args.join(' '));
      assert.equal(r.stdout, '');
      const lines = r.stderr.trim().split('\n');
      assert.equal(lines.length, 1, r.stderr);
      assert.match(lines[0]!, new RegExp(`^Cannot reach Temporal at 127\\.0\\.0\\.1:${port} .*\`npm start\`.*TEMPORAL_ADDRESS`));
    }
  });

  test('--help works for every command, without Temporal', async () => {
    const commands = ['generate', 'status', 'list', 'cancel', 'worker', 'server', 'simulator', 'webhook test', 'webhook register'];
    const runs = [...commands.map((c) => [...c.split(' '), '--help']), ['help', 'list'], ['help', 'webhook', 'register'], ['status', '-h']];
    for (const args of runs) {
      const r = await cli(args, { TEMPORAL_ADDRESS: '127.0.0.1:1' });
      assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
      const command = args.filter((a) => !a.startsWith('-') && a !== 'help').join(' ');
      assert.ok(r.stdout.startsWith(`Usage: klingflow ${command}`), r.stdout);
      assert.equal(r.stderr, '');
    }
    for (const args of [['--help'], ['help'], ['-h'], ['webhook', '--help']]) {
      const r = await cli(args);
      assert.equal(r.code, 0, args.join(' '));
      assert.match(r.stdout, /^Usage: klingflow/);
    }
  });
});

describe('worker, server, simulator', () => {
  test('worker serves its own task queue; SIGINT stops it cleanly (exit 0)', async () => {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'klingflow-cli-worker-'));
    const queue = `cli-worker-${process.pid}`;
    const child = spawn(process.execPath, ['bin/klingflow.js', 'worker', '--address', s.devServer!.address, '--task-queue', queue], {
      env: {
        ...process.env,
        DATA_DIR: dataDir,
        KLING_API_BASE: s.simulatorUrl!,
        PUBLIC_BASE_URL: s.apiUrl,
        CALLBACK_SECRET: 'test-callback-secret',
        POLL_INTERVAL: '300ms',
        MAX_POLL_INTERVAL: '1s',
        LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    const exited = new Promise<number | null>((r) => child.on('close', r));
    try {
      const final = await cliJson(['generate', 'served by the CLI worker', '--wait', '--task-queue', queue]);
      assert.equal(final.status, 'completed', out);
      assert.match(final.video.uri, new RegExp(dataDir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
    } finally {
      child.kill('SIGINT');
      assert.equal(await exited, 0, out);
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  test('server and simulator run the real entry points; SIGTERM is forwarded', async () => {
    const port = await freePort();
    const server = spawn(process.execPath, ['bin/klingflow.js', 'server', '--port', String(port)], { env: { ...process.env, ...env, LOG_LEVEL: 'silent' }, stdio: 'ignore' });
    const serverExit = new Promise<number | null>((r) => server.on('close', r));
    const health = await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => undefined))?.status === 200 || undefined, 'server /readyz');
    assert.equal(health, true);
    server.kill('SIGTERM');
    assert.equal(await serverExit, 0);

    const sim = spawn(process.execPath, ['bin/klingflow.js', 'simulator', '--port', '0'], { env: { ...process.env, LOG_LEVEL: 'silent' }, stdio: ['ignore', 'pipe', 'inherit'] });
    let simOut = '';
    sim.stdout.on('data', (c: Buffer) => (simOut += c.toString()));
    const simExit = new Promise<number | null>((r) => sim.on('close', r));
    const url = await waitFor(async () => /listening on (http:\/\/\S+?),/.exec(simOut)?.[1], 'simulator listening line');
    assert.equal((await fetch(`${url}/_sim/stats`)).status, 200);
    sim.kill('SIGTERM');
    assert.equal(await simExit, 0);
  });
});

function hasScript(): boolean {
  return spawnSync('script', ['--version'], { stdio: 'ignore' }).status === 0;
}
