// TEMPORAL_GRPC_COMPRESSION: what the native connection puts on the wire, seen by a minimal
// gRPC (HTTP/2) server on loopback that answers every call with an empty message.
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { ConfigError, DEFAULT_GRPC_COMPRESSION, loadConfig, type GrpcCompression } from '../../src/config.js';
import { connectNative } from '../../src/temporal/connect.js';

interface Call {
  method: string;
  encoding: string | undefined;
  /** The gRPC message prefix's compressed flag (1 = compressed). */
  compressedFlag: number | undefined;
  bytes: number;
}

const calls: Call[] = [];
const server = http2.createServer();
server.on('stream', (stream, headers) => {
  const chunks: Buffer[] = [];
  stream.on('data', (c: Buffer) => chunks.push(c));
  stream.on('end', () => {
    const body = Buffer.concat(chunks);
    const encoding = headers['grpc-encoding'];
    calls.push({ method: String(headers[':path']).split('/').pop()!, encoding: typeof encoding === 'string' ? encoding : undefined, compressedFlag: body[0], bytes: body.length });
    stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
    stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
    stream.end(Buffer.from([0, 0, 0, 0, 0])); // an uncompressed, empty message
  });
});
let address: string;
before(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  address = `127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => server.close());

async function signalThrough(compression: GrpcCompression): Promise<Call> {
  calls.length = 0;
  const connection = await connectNative(address, compression);
  try {
    const payload = { metadata: { encoding: Buffer.from('json/plain') }, data: Buffer.from(JSON.stringify({ task_status: 'processing', note: 'x'.repeat(900) })) };
    await connection.workflowService.signalWorkflowExecution({ namespace: 'default', workflowExecution: { workflowId: 'gen-x' }, signalName: 'providerUpdate', input: { payloads: [payload] } });
  } finally {
    await connection.close();
  }
  const signal = calls.find((c) => c.method === 'SignalWorkflowExecution');
  assert.ok(signal, `no signal call seen; calls: ${JSON.stringify(calls)}`);
  return signal;
}

test('TEMPORAL_GRPC_COMPRESSION: none by default, gzip on request; anything else names the variable', () => {
  assert.equal(DEFAULT_GRPC_COMPRESSION, 'none');
  assert.equal(loadConfig({}).temporal.grpcCompression, 'none');
  assert.equal(loadConfig({ TEMPORAL_GRPC_COMPRESSION: 'gzip' }).temporal.grpcCompression, 'gzip');
  for (const value of ['zstd', 'GZIP', '']) {
    assert.throws(
      () => loadConfig({ TEMPORAL_GRPC_COMPRESSION: value }),
      (err: Error) => err instanceof ConfigError && err.message.includes('TEMPORAL_GRPC_COMPRESSION: must be none or gzip'),
      value,
    );
  }
});

test('compression none: requests go out uncompressed, with no grpc-encoding', async () => {
  const call = await signalThrough('none');
  assert.equal(call.encoding, undefined);
  assert.equal(call.compressedFlag, 0);
  assert.ok(call.bytes > 900, `the payload went out whole (${call.bytes} bytes)`);
});

test('compression gzip: the SDK default, requests are gzipped', async () => {
  const call = await signalThrough('gzip');
  assert.equal(call.encoding, 'gzip');
  assert.equal(call.compressedFlag, 1);
  assert.ok(call.bytes < 900, `gzip shrank the repetitive payload (${call.bytes} bytes)`);
});
