// Seen as a person sees it: headless Chromium opens the Temporal Web UI of the running dev
// server on a completed generation and finds its summary, search attributes and the
// providerUpdate signal. A screenshot is kept in test-artifacts/.
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { chromiumAvailable, launchChromium } from '../support/browser.js';
import { startTestStack, waitFor, type TestStack } from '../support/stack.js';

const skip = chromiumAvailable() ? false : 'Chromium is not installed (npm test installs Debian chromium when run as root)';
let s: TestStack;
let browser: Browser;
let page: Page;

before(async () => {
  if (skip) return;
  s = await startTestStack({}, { webUi: true });
  await s.sim.configure({ processingMs: 300 });
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
});
after(async () => {
  await browser?.close();
  await s?.close();
});

test('the Web UI shows a completed generation: summary, search attributes, providerUpdate', { skip }, async () => {
  const res = await s.api('POST', '/generations', { prompt: 'a lighthouse keeper waves at a passing ship' });
  const state = await s.waitForStatus(res.body.id, ['completed']);
  assert.equal(res.body.links.temporalUi, `${s.temporalUiUrl}/namespaces/default/workflows/${state.id}`);
  await page.goto(res.body.links.temporalUi, { waitUntil: 'networkidle' });
  await page.getByText('Completed', { exact: true }).first().waitFor();
  await page.getByText('providerUpdate').first().waitFor();
  await mkdir('test-artifacts', { recursive: true });
  await page.screenshot({ path: 'test-artifacts/web-ui-generation.png', fullPage: true });

  await page.getByRole('tab', { name: 'User Metadata' }).click();
  // The UI renders the markdown summary inside sandboxed iframes: look through every frame.
  const summary = 'text2video: a lighthouse keeper waves at a passing ship';
  await waitFor(async () => {
    for (const frame of page.frames()) if ((await frame.content().catch(() => '')).includes(summary)) return true;
    return undefined;
  }, 'the summary in the User Metadata tab', 30_000);
  await page.screenshot({ path: 'test-artifacts/web-ui-metadata.png', fullPage: true });

  await page.getByRole('tab', { name: 'Search Attributes' }).click();
  for (const text of ['KlingTaskId', state.providerTaskId!, 'GenerationStatus', 'VideoProvider']) {
    await page.getByText(text, { exact: false }).first().waitFor({ timeout: 10_000 });
  }
  assert.ok((await page.innerText('body')).includes(state.providerTaskId!));
});

test('the API docs page renders in the browser', { skip }, async () => {
  await page.goto(`${s.apiUrl}/docs/`, { waitUntil: 'networkidle' });
  await page.getByText('/generations/{id}/cancel').first().waitFor();
  await page.getByText('/webhooks/kling/{generationId}').first().waitFor();
  await page.screenshot({ path: 'test-artifacts/api-docs.png', fullPage: false });
});
