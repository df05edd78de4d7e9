// The CLI's argument handling: command lookup, strict flags with errors that name the
// flag, validation that names the field, the visibility query and the address parsing.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { closest, expectPositionals, intIn, oneOf, parse, UsageError, wantsHelp } from '../../src/cli/args.js';
import { COMMANDS, report, resolve } from '../../src/cli/dispatch.js';
import { requestFromFlags, withFlagNames } from '../../src/cli/generate.js';
import { listQuery } from '../../src/cli/list.js';
import { hostPort, TemporalUnreachableError } from '../../src/cli/temporal.js';
import { ValidationError } from '../../src/generationRequest.js';

const names = (argv: string[]) => {
  const r = resolve(argv);
  return { command: r.command?.name, rest: r.rest, word: r.word, group: r.group };
};

test('resolve: the command word may come after flags, and flag values are not mistaken for it', () => {
  assert.deepEqual(names(['list', '--limit', '5']), { command: 'list', rest: ['--limit', '5'], word: 'list', group: undefined });
  assert.deepEqual(names(['--address', 'h:1', 'status', 'gen-1']).rest, ['--address', 'h:1', 'gen-1']);
  assert.equal(names(['--address', 'status', 'list']).command, 'list');
  assert.deepEqual(names(['webhook', '--url', 'http://x', 'test']), { command: 'webhook test', rest: ['--url', 'http://x'], word: undefined, group: undefined });
  assert.deepEqual(names(['webhook', 'nope']), { command: undefined, rest: ['nope'], word: 'nope', group: 'webhook' });
  assert.equal(names(['generate', '--', '-a prompt with a dash']).command, 'generate');
  assert.equal(names(['frobnicate']).command, undefined);
  assert.equal(names([]).word, undefined);
});

test('every command has a usage that starts with its name and mentions each of its flags', () => {
  for (const c of COMMANDS) {
    assert.ok(c.usage.startsWith(`Usage: klingflow ${c.name}`), c.name);
    for (const flag of Object.keys(c.options).filter((f) => f !== 'help')) assert.ok(c.usage.includes(`--${flag}`), `${c.name} --${flag}`);
  }
});

test('parse: strict; unknown flags and missing values are usage errors that name the flag', () => {
  const options = { json: { type: 'boolean' as const }, limit: { type: 'string' as const } };
  assert.deepEqual({ ...parse('list', ['--limit', '3', '--json'], options, 'U').values }, { limit: '3', json: true });
  const fails = (argv: string[], message: RegExp) =>
    assert.throws(
      () => parse('list', argv, options, 'U'),
      (err: unknown) => err instanceof UsageError && message.test(err.message) && err.usage === 'U',
    );
  fails(['--bogus'], /^Unknown flag --bogus for "klingflow list"\.$/);
  fails(['--limt', '3'], /Unknown flag --limt .* Did you mean --limit\?/);
  fails(['-x'], /Unknown flag -x/);
  fails(['--limit'], /^Flag --limit needs a value\.$/);
  fails(['--json=yes'], /^Flag --json takes no value\.$/);
});

test('wantsHelp, closest, expectPositionals', () => {
  assert.equal(wantsHelp(['x', '-h']), true);
  assert.equal(wantsHelp(['--', '--help']), false);
  assert.equal(closest('lst', ['generate', 'list', 'status']), 'list');
  assert.equal(closest('stat', ['generate', 'list', 'status']), 'status');
  assert.equal(closest('zzzzzz', ['generate', 'list']), undefined);
  assert.throws(() => expectPositionals('status', [], ['generation-id'], 'U'), /needs <generation-id>/);
  assert.throws(() => expectPositionals('list', ['x'], [], 'U'), /takes no arguments; unexpected "x"/);
});

test('oneOf and intIn: validation errors name the flag', () => {
  assert.equal(oneOf('--provider', 'kling', ['kling', 'runblob']), 'kling');
  assert.equal(oneOf('--provider', undefined, ['kling']), undefined);
  assert.throws(() => oneOf('--provider', 'acme', ['kling', 'runblob']), (e: unknown) => e instanceof ValidationError && e.issues[0]!.path === '--provider');
  assert.equal(intIn('--limit', '20', 1, 1000), 20);
  for (const bad of ['0', '1001', '-1', '2.5', 'ten', '']) assert.throws(() => intIn('--limit', bad, 1, 1000), /--limit: must be a whole number from 1 to 1000/);
});

test('generate: flags become the request body; issues are reported under the flag names', () => {
  assert.deepEqual(requestFromFlags({ 'aspect-ratio': '9:16', images: 'https://a/1.jpg, https://a/2.jpg', 'keep-original-sound': true, wait: true }, 'a fox'), {
    prompt: 'a fox',
    aspectRatio: '9:16',
    imageUrls: ['https://a/1.jpg', 'https://a/2.jpg'],
    keepOriginalSound: true,
  });
  const renamed = withFlagNames(new ValidationError([
    { path: 'imageUrl', message: 'must be an http(s) URL' },
    { path: 'imageUrls.1', message: 'must be an http(s) URL' },
    { path: 'prompt', message: 'is required' },
  ]));
  assert.deepEqual(renamed.issues.map((i) => i.path), ['--image', '--images', 'prompt']);
});

test('report: exit 2 for usage and validation, 1 for the rest; Temporal unreachable is one line', () => {
  assert.equal(report(new UsageError('Unknown flag --x', 'U')).code, 2);
  assert.deepEqual(report(new ValidationError([{ path: '--limit', message: 'too big' }])), { message: 'Invalid --limit: too big', code: 2 });
  const unreachable = report(new TemporalUnreachableError('localhost:7233', 'ECONNREFUSED'));
  assert.equal(unreachable.code, 1);
  assert.equal(unreachable.message.split('\n').length, 1);
  assert.match(unreachable.message, /^Cannot reach Temporal at localhost:7233 \(ECONNREFUSED\)\. .*`npm start`.*TEMPORAL_ADDRESS/);
  assert.deepEqual(report(new Error('boom')), { message: 'Error: boom', code: 1 });
});

test('listQuery: the workflow type, then the search attributes', () => {
  assert.equal(listQuery({}), 'WorkflowType = "videoGeneration"');
  assert.equal(listQuery({ statuses: ['completed'], provider: 'kling' }), 'WorkflowType = "videoGeneration" AND GenerationStatus = "completed" AND VideoProvider = "kling"');
  assert.equal(listQuery({ statuses: ['failed', 'timed_out'] }), 'WorkflowType = "videoGeneration" AND (GenerationStatus = "failed" OR GenerationStatus = "timed_out")');
});

test('hostPort: host:port, bracketed IPv6, dns:/// and the default port', () => {
  assert.deepEqual(hostPort('localhost:7233'), { host: 'localhost', port: 7233 });
  assert.deepEqual(hostPort('[::1]:7234'), { host: '::1', port: 7234 });
  assert.deepEqual(hostPort('dns:///temporal.internal:7233'), { host: 'temporal.internal', port: 7233 });
  assert.deepEqual(hostPort('temporal'), { host: 'temporal', port: 7233 });
  assert.equal(hostPort('http://x:1/path'), undefined);
});
