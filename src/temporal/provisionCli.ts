// `npm run temporal:provision`: builds (or finds) the Temporal CLI and prints its path.
import { loadConfig } from '../config.js';
import { resolveTemporalCli } from './temporalCli.js';

const config = loadConfig();
resolveTemporalCli({ cliPath: config.temporal.cliPath })
  .then((cli) => console.log(cli))
  .catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
