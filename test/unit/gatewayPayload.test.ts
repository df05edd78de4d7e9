// Gateway deliveries: signatures over raw bytes at a fixed clock, and recorded event shapes.
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { test } from 'node:test';
import { Webhook } from 'standardwebhooks';
import { gatewayEventToUpdate, parseGatewayEvent, verifyGatewayDelivery } from '../../src/providers/klingGateway.js';

const SECRET = 'gw-secret-123';
const NOW = Date.parse('2026-11-22T12:00:00Z');
const at = new Date(NOW);
const sign = (raw: Buffer, secret = SECRET) => `sha256=${createHmac('sha256', secret).update(raw).digest('hex')}`;

test('X-Kling-Signature: HMAC of the exact raw bytes, compared in constant time', () => {
  const raw = Buffer.from('{"event":"video.completed", "timestamp":1795396800,"data":{"job_id":"1"}}');
  assert.deepEqual(verifyGatewayDelivery(raw, { 'x-kling-signature': sign(raw) }, SECRET, NOW), { ok: true, style: 'kling' });
  const reformatted = Buffer.from(JSON.stringify(JSON.parse(raw.toString())));
  assert.equal(verifyGatewayDelivery(reformatted, { 'x-kling-signature': sign(raw) }, SECRET, NOW).ok, false, 're-serialised JSON is not the signed bytes');
  assert.equal(verifyGatewayDelivery(raw, { 'x-kling-signature': sign(raw, 'other') }, SECRET, NOW).ok, false);
  assert.equal(verifyGatewayDelivery(raw, { 'x-kling-signature': 'sha256=abc' }, SECRET, NOW).ok, false);
  assert.equal(verifyGatewayDelivery(raw, {}, SECRET, NOW).ok, false);
});

test('Standard Webhooks headers verify with whsec_ and plain secrets, within 5 minutes', () => {
  const whsec = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
  const body = '{"event":"video.completed","timestamp":1795396800,"data":{"job_id":"1"}}';
  const ts = new Date(NOW);
  const headers = (secret: string, when = ts) => ({
    'webhook-id': 'msg_1',
    'webhook-timestamp': String(Math.floor(when.getTime() / 1000)),
    'webhook-signature': new Webhook(secret.startsWith('whsec_') ? secret : Buffer.from(secret).toString('base64')).sign('msg_1', when, body),
  });
  assert.deepEqual(verifyGatewayDelivery(Buffer.from(body), headers(whsec), whsec, NOW), { ok: true, style: 'standard' });
  assert.equal(verifyGatewayDelivery(Buffer.from(body), headers(SECRET), SECRET, NOW).ok, true);
  assert.equal(verifyGatewayDelivery(Buffer.from(body), headers(whsec), SECRET, NOW).ok, false);
  const old = verifyGatewayDelivery(Buffer.from(body), headers(whsec, new Date(NOW - 6 * 60_000)), whsec, NOW);
  assert.equal(old.ok, false);
  assert.match((old as { reason: string }).reason, /5-minute/);
});

test('every event name maps to a TaskUpdate; unknown events map to nothing', () => {
  const shape = (event: string, data: Record<string, unknown> = {}) => {
    const parsed = parseGatewayEvent({ event, timestamp: 1795396800, data: { job_id: '842250903629086785', ...data } });
    assert.ok(parsed.ok, JSON.stringify(parsed));
    return gatewayEventToUpdate(parsed.value, at);
  };
  assert.equal(shape('video.created')?.status, 'submitted');
  assert.deepEqual([shape('video.processing', { progress: 45 })?.status, shape('video.processing', { progress: '45' })?.progress], ['processing', 45]);
  const done = shape('video.completed', { status: 'completed', video_url: 'https://cdn.example.com/v.mp4', thumbnail_url: 'https://cdn.example.com/t.jpg', duration: 5 });
  assert.deepEqual(done?.videos, [{ url: 'https://cdn.example.com/v.mp4' }]);
  assert.equal(done?.signed, true);
  assert.equal(shape('job.completed', { video_url: 'https://cdn.example.com/v.mp4' })?.status, 'succeeded');
  assert.equal(shape('video.failed', { error: 'NSFW content' })?.error?.message, 'NSFW content');
  assert.equal(shape('job.failed', { error: { code: 'E1', message: 'boom' } })?.error?.message, 'boom');
  assert.equal(shape('video.cancelled')?.status, 'cancelled');
  assert.equal(shape('job.status_changed', { status: 'processing' })?.status, 'processing');
  assert.equal(shape('job.status_changed', { status: 'weird' }), undefined);
  assert.equal(shape('video.thumbnail_ready'), undefined);
  assert.equal(shape('video.completed', { job_id: 12345 })?.taskId, '12345', 'numbers as strings');
});

test('bad events name the field', () => {
  for (const [body, field] of [
    [{ timestamp: 1, data: { job_id: '1' } }, 'event'],
    [{ event: 'video.completed', timestamp: 1, data: {} }, 'data.job_id'],
    [{ event: 'video.completed', timestamp: 1, data: { job_id: '1', video_url: 'nope' } }, 'data.video_url'],
    [{ event: 'video.completed', data: { job_id: '1' } }, 'timestamp'],
  ] as const) {
    const parsed = parseGatewayEvent(body);
    assert.ok(!parsed.ok);
    assert.ok(parsed.error.includes(field), `${parsed.error} should name ${field}`);
  }
});
