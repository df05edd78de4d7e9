// The worker's nice value must reach every thread: the ones it has when it sets it, and the
// ones started afterwards (the SDK's runtime and workflow threads), which Linux does not
// change along with the process.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { test } from 'node:test';

const CHILD = `
import { readdirSync, readFileSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { setCpuNice } from './src/temporal/cpuPriority.ts';
const nices = () => readdirSync('/proc/self/task').map((tid) => Number(readFileSync('/proc/self/task/' + tid + '/stat', 'utf8').split(') ')[1].split(' ')[16]));
const before = nices().length;
const set = setCpuNice(7);
const worker = new Worker('setInterval(() => {}, 1000)', { eval: true });
await new Promise((r) => worker.once('online', r));
console.log(JSON.stringify({ before, set, after: nices() }));
await worker.terminate();
`;

test('setCpuNice sets every thread, and threads started later inherit it', { skip: !existsSync('/proc/self/task') && 'needs Linux /proc' }, () => {
  const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', CHILD], { encoding: 'utf8', cwd: new URL('../..', import.meta.url).pathname });
  assert.equal(child.status, 0, child.stderr);
  const { before, set, after } = JSON.parse(child.stdout.trim().split('\n').at(-1)!) as { before: number; set: number; after: number[] };
  assert.ok(set >= before - 1 && before > 1, `set ${set} of ${before} threads`);
  assert.ok(after.length > before, 'a thread was started after the call');
  assert.deepEqual([...new Set(after)], [7], `nice values: ${after.join(' ')}`);
});
