// The logger's secret censor: what it hides, what it leaves alone, and that a line without
// secrets is not copied.
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { createLogger } from '../../src/observability/logger.js';
import { CENSOR, censorSecrets } from '../../src/observability/secretFields.js';

test('secret-looking fields are censored at the top level, one level down and in headers', () => {
  const input = {
    token: 't',
    secret: 's',
    secretKey: 'k',
    authorization: 'Bearer a',
    config: { secret: 's2', region: 'eu' },
    req: { method: 'POST', headers: { authorization: 'Bearer b', 'content-type': 'application/json' } },
    keep: 'visible',
  };
  const out = censorSecrets(input) as typeof input;
  assert.deepEqual(out, {
    token: CENSOR,
    secret: CENSOR,
    secretKey: CENSOR,
    authorization: CENSOR,
    config: { secret: CENSOR, region: 'eu' },
    req: { method: 'POST', headers: { authorization: CENSOR, 'content-type': 'application/json' } },
    keep: 'visible',
  });
  assert.equal(input.config.secret, 's2', 'the caller’s objects are not changed');
  assert.equal(input.req.headers.authorization, 'Bearer b');
});

test('a line without secrets is returned as it was given, arrays and deeper levels untouched', () => {
  const fields = { generationId: 'gen-1', outcome: 'accepted', list: [{ token: 'in an array' }], deep: { a: { token: 'two levels down' } } };
  assert.equal(censorSecrets(fields), fields);
});

test('an error carrying a secret keeps its class, message and stack', () => {
  const err = Object.assign(new TypeError('boom'), { token: 'leaked', status: 401 });
  const out = censorSecrets({ err }) as { err: TypeError & { token: string; status: number } };
  assert.ok(out.err instanceof TypeError);
  assert.equal(out.err.message, 'boom');
  assert.equal(out.err.stack, err.stack);
  assert.equal(out.err.token, CENSOR);
  assert.equal(out.err.status, 401);
  assert.equal(err.token, 'leaked');
});

test('the process logger censors lines and child bindings, and serializes a censored error', () => {
  const lines: string[] = [];
  const sink = new Writable({ write: (chunk: Buffer, _enc, done) => (lines.push(chunk.toString()), done()) });
  const log = createLogger('info', sink).child({ token: 'bound' });
  log.info({ auth: { secret: 'hunter2' }, req: { headers: { authorization: 'Bearer x' } } }, 'one');
  log.error({ err: Object.assign(new Error('bad'), { secretKey: 'sk' }) }, 'two');
  const [one, two] = lines.map((l) => JSON.parse(l) as Record<string, any>);
  assert.equal(one!.token, CENSOR);
  assert.equal(one!.auth.secret, CENSOR);
  assert.equal(one!.req.headers.authorization, CENSOR);
  assert.equal(two!.err.message, 'bad');
  assert.equal(two!.err.secretKey, CENSOR);
  assert.match(two!.err.stack, /Error: bad/);
  assert.ok(!lines.join('').match(/hunter2|Bearer x|"sk"|bound/), lines.join(''));
});
