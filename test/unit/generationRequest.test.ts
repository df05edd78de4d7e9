import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseGenerationRequest, toWorkflowInput, ValidationError } from '../../src/generationRequest.js';
import { loadConfig, ConfigError } from '../../src/config.js';

test('defaults and durations: seconds as numbers, units as strings', () => {
  const r = parseGenerationRequest({ prompt: ' a fox ', callbackTimeout: 90, deadline: '45m', duration: 10 });
  assert.equal(r.kind, 'text2video');
  assert.equal(r.provider, 'kling');
  assert.equal(r.prompt, 'a fox');
  assert.equal(r.duration, '10');
  const input = toWorkflowInput('gen-1', r);
  assert.equal(input.callbackTimeoutMs, 90_000);
  assert.equal(input.deadlineMs, 45 * 60_000);
  assert.deepEqual(input.request, { prompt: 'a fox', kind: 'text2video', duration: '10' });
  assert.equal(toWorkflowInput('gen-2', parseGenerationRequest({ prompt: 'x' })).callbackTimeoutMs, 5 * 60_000);
});

test('every invalid field is named', () => {
  const cases: [unknown, string][] = [
    [{}, 'prompt'],
    [{ prompt: 'x', kind: 'image2video' }, 'imageUrl'],
    [{ prompt: 'x', kind: 'image2video', imageUrl: 'https://a/b.png', aspectRatio: '1:1' }, 'aspectRatio'],
    [{ prompt: 'x', notifyUrl: 'ftp://a/b' }, 'notifyUrl'],
    [{ prompt: 'x', duration: '2' }, 'duration'],
    [{ prompt: 'x', model: 'gpt-video' }, 'model'],
    [{ prompt: 'x', deadline: 1 }, 'deadline'],
    [{ prompt: 'x', extra: true }, 'extra'],
    [{ prompt: 42 }, 'prompt'],
  ];
  for (const [body, field] of cases) {
    assert.throws(() => parseGenerationRequest(body), (err: unknown) => err instanceof ValidationError && err.message.includes(field), JSON.stringify(body));
  }
});

test('config: offline defaults, and a bad value names the variable', () => {
  const c = loadConfig({});
  assert.equal(c.port, 3000);
  assert.equal(c.kling.simulated, true);
  assert.equal(c.kling.apiBase, 'http://127.0.0.1:4010');
  assert.equal(c.callback.timeoutMs, 300_000);
  assert.equal(c.generation.deadlineMs, 1_800_000);
  assert.equal(c.temporal.taskQueue, 'klingflow');
  assert.ok(c.download.allowedHosts.includes('127.0.0.1:4010'));
  const real = loadConfig({ KLING_ACCESS_KEY: 'a', KLING_SECRET_KEY: 'b' });
  assert.equal(real.kling.simulated, false);
  assert.equal(real.kling.apiBase, 'https://api-singapore.klingai.com');
  assert.ok(!real.download.allowedHosts.some((h) => h.startsWith('127.')));
  assert.throws(() => loadConfig({ PORT: 'eighty' }), (e: unknown) => e instanceof ConfigError && /PORT/.test(e.message));
  assert.throws(() => loadConfig({ CALLBACK_TIMEOUT: 'soon' }), /CALLBACK_TIMEOUT/);
  assert.throws(() => loadConfig({ KLING_ACCESS_KEY: 'a' }), /KLING_SECRET_KEY/);
});
