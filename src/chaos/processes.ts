// The klingflow server and worker as real child processes, so the chaos suite can kill
// them (SIGKILL: no goodbye) and start them again, as a crash and a restart would.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface ManagedProcess {
  start(): Promise<void>;
  kill(signal?: NodeJS.Signals): Promise<void>;
  running(): boolean;
}

/** `entry` is a path under the repo (src/worker.ts); ready when `readyLine` is printed. */
export function managedProcess(name: string, entry: string, env: Record<string, string>, readyLine: RegExp, log: (line: string) => void): ManagedProcess {
  let child: ChildProcess | undefined;
  return {
    running: () => child !== undefined && child.exitCode === null && child.signalCode === null,
    async start() {
      const proc = spawn(process.execPath, ['--import', 'tsx', entry], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
      child = proc;
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`${name} not ready within 60 s`)), 60_000);
        const onData = (chunk: Buffer) => {
          const text = chunk.toString();
          if (/\[ERROR\]|"level":[56]0/.test(text)) log(`[${name}] ${text.trim().slice(0, 300)}`);
          if (readyLine.test(text)) {
            clearTimeout(timer);
            resolve();
          }
        };
        proc.stdout?.on('data', onData);
        proc.stderr?.on('data', onData);
        proc.once('exit', (code) => {
          clearTimeout(timer);
          reject(new Error(`${name} exited (${code}) before it was ready`));
        });
      });
    },
    async kill(signal: NodeJS.Signals = 'SIGTERM') {
      const proc = child;
      if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
      const exited = new Promise((r) => proc.once('exit', r));
      proc.kill(signal);
      await exited;
    },
  };
}
