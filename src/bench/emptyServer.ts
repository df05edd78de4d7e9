// The HTTP limit for the callback-intake benchmark: Fastify with the same route shape and
// JSON body parsing as the callback receiver, answering at once without touching Temporal.
// Usage: emptyServer.ts --port N
import { parseArgs } from 'node:util';
import Fastify from 'fastify';

const { values } = parseArgs({ options: { port: { type: 'string' } } });
const app = Fastify({ logger: false });
app.post('/webhooks/kling/:generationId', async () => ({ ok: true, outcome: 'accepted' }));
await app.listen({ port: Number(values.port ?? 0), host: '127.0.0.1' });
console.log('empty server listening');
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void app.close().then(() => process.exit(0)));
