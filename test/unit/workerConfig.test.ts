// The worker's workflow cache size from the environment.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, DEFAULT_MAX_CACHED_WORKFLOWS, DEFAULT_WORKER_NICE, loadConfig } from '../../src/config.js';

test('WORKER_MAX_CACHED_WORKFLOWS: 500 by default, any count of 2 or more, or 0 for no cache', () => {
  assert.equal(DEFAULT_MAX_CACHED_WORKFLOWS, 500);
  assert.equal(loadConfig({}).temporal.maxCachedWorkflows, 500);
  assert.equal(loadConfig({ WORKER_MAX_CACHED_WORKFLOWS: '2000' }).temporal.maxCachedWorkflows, 2000);
  assert.equal(loadConfig({ WORKER_MAX_CACHED_WORKFLOWS: '0' }).temporal.maxCachedWorkflows, 0);
});

test('a cache of 1, a negative or a non-number is a ConfigError naming the variable', () => {
  for (const value of ['1', '-5', 'lots', '2.5']) {
    assert.throws(
      () => loadConfig({ WORKER_MAX_CACHED_WORKFLOWS: value }),
      (err: Error) => err instanceof ConfigError && err.message.includes('WORKER_MAX_CACHED_WORKFLOWS:'),
      value,
    );
  }
});

test('WORKER_NICE: 10 by default, 0 to 19; anything else is a ConfigError naming the variable', () => {
  assert.equal(loadConfig({}).temporal.workerNice, DEFAULT_WORKER_NICE);
  assert.equal(DEFAULT_WORKER_NICE, 10);
  assert.equal(loadConfig({ WORKER_NICE: '0' }).temporal.workerNice, 0);
  assert.equal(loadConfig({ WORKER_NICE: '19' }).temporal.workerNice, 19);
  for (const value of ['-5', '20', '3.5', 'low']) {
    assert.throws(
      () => loadConfig({ WORKER_NICE: value }),
      (err: Error) => err instanceof ConfigError && err.message.includes('WORKER_NICE:'),
      value,
    );
  }
});
