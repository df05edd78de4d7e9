// All activities, built from their dependencies. The worker wires the real ones; the
// workflow types its proxies with ReturnType<typeof createActivities>.
import type { Config } from '../src/config.js';
import { providerCallbackUrl } from '../src/providers/callbackToken.js';
import { KlingClient, klingProvider } from '../src/providers/kling.js';
import { runblobProvider } from '../src/providers/runblob.js';
import { createCleanupActivities } from './cleanup.js';
import { createDownloadActivities } from './download.js';
import { createNotifyActivities } from './notify.js';
import { createProviderTaskActivities } from './providerTask.js';
import { createStoreActivities } from './store.js';

export interface ActivityDeps {
  config: Config;
  /** Resolved callback secret (src/secrets.ts fills it when not configured). */
  callbackSecret: string;
  fetch?: typeof fetch;
}

export function createActivities({ config, callbackSecret, fetch }: ActivityDeps) {
  const kling = new KlingClient({
    apiBase: config.kling.apiBase,
    accessKey: config.kling.accessKey,
    secretKey: config.kling.secretKey,
    timeoutMs: config.kling.requestTimeoutMs,
  });
  return {
    ...createProviderTaskActivities({
      providers: {
        kling: klingProvider(kling),
        runblob: runblobProvider({ apiBase: config.runblob.apiBase, apiKey: config.runblob.apiKey, timeoutMs: config.kling.requestTimeoutMs, fetch }),
      },
      callbackUrlFor: (provider, id) => providerCallbackUrl(config.publicBaseUrl, provider, id, callbackSecret),
    }),
    ...createDownloadActivities({ download: config.download, fetch }),
    ...createCleanupActivities({ download: config.download }),
    ...createStoreActivities({ storage: config.storage }),
    ...createNotifyActivities({ notify: config.notify, fetch }),
  };
}

export type Activities = ReturnType<typeof createActivities>;
