// The process logger writes each line to stdout before the call returns: nothing is held in
// a buffer that a killed process would lose.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';

const LOGGER = fileURLToPath(new URL('../../src/observability/logger.ts', import.meta.url));

test('every line logged before a SIGKILL reaches stdout', () => {
  const lines = 2_000;
  const script = `
    import { createLogger } from ${JSON.stringify(LOGGER)};
    const log = createLogger('info');
    for (let i = 0; i < ${lines}; i++) log.info({ i, token: 'hunter2', auth: { secret: 'hunter3' } }, 'line');
    process.kill(process.pid, 'SIGKILL');
  `;
  const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 30_000 });
  assert.equal(child.signal, 'SIGKILL', child.stderr);
  const out = child.stdout.trim().split('\n').map((l) => JSON.parse(l) as { i: number; token: string; auth: { secret: string }; msg: string });
  assert.equal(out.length, lines);
  assert.deepEqual(out.map((l) => l.i), Array.from({ length: lines }, (_, i) => i));
  assert.ok(out.every((l) => l.token === '[redacted]' && l.auth.secret === '[redacted]' && l.msg === 'line'));
});
