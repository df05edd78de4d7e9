// `npm start`: everything in one process, for a first run and for demos.
import { loadConfig } from './config.js';
import { createLogger } from './observability/logger.js';
import { defaultDbFile, startStack } from './stack.js';

const config = loadConfig();
const stack = await startStack(config, {
  devServer: { dbFile: defaultDbFile(config), port: 7233, uiPort: config.temporal.uiPort },
  logger: createLogger(config.logLevel),
});

const lines = [
  '',
  'klingflow is running',
  `  API            ${stack.apiUrl}   (POST /generations, GET /generations/:id)`,
  stack.temporalUiUrl && `  Temporal UI    ${stack.temporalUiUrl}`,
  stack.devServer && `  Temporal       ${stack.devServer.address}   (dev server, state in ${defaultDbFile(config)})`,
  stack.simulatorUrl && `  Simulator      ${stack.simulatorUrl}   (no KLING_ACCESS_KEY set: using the Kling simulator)`,
  `  Videos         ${stack.config.storage.s3 ? `s3://${stack.config.storage.s3.bucket}/${stack.config.storage.s3.prefix}` : stack.config.storage.dir}`,
  '',
  'Try it:',
  `  curl -s -X POST ${stack.apiUrl}/generations -H 'content-type: application/json' -d '{"prompt":"a red fox running through snow"}'`,
  '',
];
console.log(lines.filter((l) => l !== undefined && l !== '' ? true : l === '').join('\n'));

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) process.exit(1);
    stopping = true;
    console.log(`\n${signal}: shutting down (again to force)…`);
    stack.stop().then(() => process.exit(0), (err: unknown) => {
      console.error(err);
      process.exit(1);
    });
  });
}
