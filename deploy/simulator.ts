// The Kling simulator as the compose service `kling-simulator` (profile "simulator").
//
// Why not `npm run simulator`: src/simulator/main.ts listens on 127.0.0.1 only, and the
// simulator puts its own listen address into task results as the video URL
// (http://127.0.0.1:4010/_sim/videos/…), which the worker container could not download.
// Here it listens on HOST (0.0.0.0 in compose) and advertises KLING_API_BASE
// (http://kling-simulator:4010), the address the klingflow containers reach it at.
import { loadConfig, simulatorKeys } from '../src/config.js';
import { buildSimulator } from '../src/simulator/app.js';

const config = loadConfig();
// Accept exactly the keys klingflow signs with: the built-in pair when no keys are set.
const keys = config.kling.simulated ? simulatorKeys : { accessKey: config.kling.accessKey, secretKey: config.kling.secretKey };

const { app, state } = buildSimulator({ ...keys, logger: config.logLevel === 'debug' || config.logLevel === 'trace' });
await app.listen({ port: config.simulatorPort, host: config.host });
state.baseUrl = config.kling.apiBase;
console.log(`Kling simulator listening on ${config.host}:${config.simulatorPort}, advertised as ${state.baseUrl} (control API: ${state.baseUrl}/_sim/config)`);

let closing = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (closing) process.exit(1);
    closing = true;
    app.close().then(
      () => process.exit(0),
      (err: unknown) => {
        console.error(err);
        process.exit(1);
      },
    );
  });
}
