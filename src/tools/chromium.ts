// Headless Chromium for the Web UI test: Debian's package (playwright's own browser
// download cannot work offline). Installed on first use when we are root with apt-get.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

export const DEFAULT_CHROMIUM = '/usr/bin/chromium';

export function ensureChromium(log: (m: string) => void = (m) => console.error(m)): string | undefined {
  const path = process.env.CHROMIUM_PATH ?? DEFAULT_CHROMIUM;
  if (existsSync(path)) return path;
  const root = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!root || !existsSync('/usr/bin/apt-get')) {
    log(`klingflow: Chromium not found at ${path} and cannot be installed here (needs root and apt-get); the Web UI test will be skipped.`);
    return undefined;
  }
  log('klingflow: installing Debian chromium for the Web UI test (first run only)…');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  for (const args of [['update'], ['install', '-y', '--no-install-recommends', 'chromium']]) {
    const r = spawnSync('apt-get', args, { stdio: ['ignore', 'ignore', 'inherit'], env });
    if (r.status !== 0) {
      log(`klingflow: apt-get ${args.join(' ')} failed (exit ${r.status}); the Web UI test will be skipped.`);
      return undefined;
    }
  }
  return existsSync(path) ? path : undefined;
}
