// klingflow CLI entry point (bin/klingflow.js, npm run cli): see dispatch.ts for the commands.
import { main, report } from './dispatch.js';

async function exit(code: number): Promise<never> {
  // let piped output drain before exiting (process.exit does not wait for it everywhere)
  await new Promise<void>((r) => process.stdout.write('', () => r()));
  process.exit(code);
}

main(process.argv.slice(2)).then(exit, (err: unknown) => {
  const { message, code } = report(err);
  console.error(message);
  return exit(code);
});
