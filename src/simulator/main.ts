// `npm run simulator`: the Kling stand-in on SIMULATOR_PORT with the keys klingflow will use.
import { loadConfig, simulatorKeys } from '../config.js';
import { startSimulator } from './app.js';

const config = loadConfig();
// Accept exactly the keys klingflow's client signs with (config.kling), so both sides agree.
const keys = config.kling.simulated ? simulatorKeys : { accessKey: config.kling.accessKey, secretKey: config.kling.secretKey };

const sim = await startSimulator({ port: config.simulatorPort, host: '127.0.0.1', ...keys, logger: config.logLevel === 'debug' || config.logLevel === 'trace' });
console.log(`Kling simulator listening on ${sim.url} (control API: ${sim.url}/_sim/config)`);

let closing = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (closing) process.exit(1);
    closing = true;
    sim.close().then(
      () => process.exit(0),
      (err: unknown) => {
        console.error(err);
        process.exit(1);
      },
    );
  });
}
