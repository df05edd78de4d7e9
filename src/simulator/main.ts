// `npm run simulator`: the Kling stand-in on HOST:SIMULATOR_PORT with the keys klingflow
// will use. Video URLs it hands out are based on KLING_API_BASE (the address klingflow
// reaches it at: http://kling-simulator:4010 in docker-compose), not on its listen address.
import { loadConfig, simulatorKeys } from '../config.js';
import { buildSimulator } from './app.js';

const config = loadConfig();
// Accept exactly the keys klingflow's clients sign with (config.kling, config.runblob), so both sides agree.
const keys = config.kling.simulated ? simulatorKeys : { accessKey: config.kling.accessKey, secretKey: config.kling.secretKey };

const { app, state } = buildSimulator({ ...keys, runblobApiKey: config.runblob.apiKey, logger: config.logLevel === 'debug' || config.logLevel === 'trace' });
const listening = await app.listen({ port: config.simulatorPort, host: config.host });
state.baseUrl = config.simulatorPort === 0 ? listening : config.kling.apiBase;
console.log(`Kling simulator listening on ${listening}, advertised as ${state.baseUrl} (control API: ${state.baseUrl}/_sim/config)`);

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
