// Secrets that work offline without configuration: when CALLBACK_SECRET or NOTIFY_SECRET
// is unset, a random one is created once and kept under DATA_DIR (mode 0600). Keeping it
// matters: callback URLs already handed to the provider must still verify after a restart.
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Config } from './config.js';

function persisted(dataDir: string, name: string, make: () => string): string {
  const file = path.join(dataDir, name);
  try {
    return readFileSync(file, 'utf8').trim();
  } catch {
    mkdirSync(dataDir, { recursive: true });
    const value = make();
    try {
      writeFileSync(file, `${value}\n`, { mode: 0o600, flag: 'wx' });
      return value;
    } catch {
      return readFileSync(file, 'utf8').trim(); // another process created it first
    }
  }
}

export interface ResolvedSecrets {
  callbackSecret: string;
  notifySecret: string;
}

export function resolveSecrets(config: Config): ResolvedSecrets {
  return {
    callbackSecret: config.callback.secret ?? persisted(config.dataDir, 'callback-secret', () => randomBytes(32).toString('base64url')),
    notifySecret: config.notify.secret ?? persisted(config.dataDir, 'notify-secret', () => `whsec_${randomBytes(32).toString('base64')}`),
  };
}

/** The config with its secrets filled in. */
export function withSecrets(config: Config): Config & { callback: { secret: string }; notify: { secret: string } } {
  const s = resolveSecrets(config);
  return { ...config, callback: { ...config.callback, secret: s.callbackSecret }, notify: { ...config.notify, secret: s.notifySecret } };
}
