// Runs a benchmark child's entry point (argv[2]) after arranging that the child stops when
// the bench goes away, even by SIGKILL with no chance to clean up: the bench holds the
// child's stdin open, and its end means the bench is gone.
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const [, , entry, ...rest] = process.argv;
if (!entry) throw new Error('usage: orphanGuard.ts <entry> [args…]');

process.stdin.on('end', () => {
  process.kill(process.pid, 'SIGTERM');
  setTimeout(() => process.exit(1), 5_000).unref();
});
process.stdin.resume();
// Reading stdin must not keep a child alive that has finished its work.
(process.stdin as unknown as { unref?: () => void }).unref?.();

const resolved = path.resolve(entry);
process.argv = [process.argv[0]!, resolved, ...rest];
await import(pathToFileURL(resolved).href);
