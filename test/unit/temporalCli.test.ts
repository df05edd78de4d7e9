import assert from 'node:assert/strict';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { cachedCliPath, resolveTemporalCli, TEMPORAL_CLI_VERSION } from '../../src/temporal/temporalCli.js';

const dir = await mkdtemp(path.join(os.tmpdir(), 'klingflow-cli-'));
after(() => rm(dir, { recursive: true, force: true }));

async function fakeExecutable(file: string) {
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, '#!/bin/sh\nexit 0\n');
  await chmod(file, 0o755);
}

test('TEMPORAL_CLI_PATH first, then temporal on PATH, then the cache folder', async () => {
  const explicit = path.join(dir, 'explicit', 'temporal');
  const onPath = path.join(dir, 'bin', 'temporal');
  const cacheDir = path.join(dir, 'cache');
  await fakeExecutable(explicit);
  await fakeExecutable(onPath);
  const env = { PATH: path.dirname(onPath), KLINGFLOW_CACHE_DIR: cacheDir };
  const log = () => undefined;
  assert.equal(await resolveTemporalCli({ cliPath: explicit, env, log }), explicit);
  // The bench and the chaos runner pass no cliPath: the variable itself must win over PATH.
  assert.equal(await resolveTemporalCli({ env: { ...env, TEMPORAL_CLI_PATH: explicit }, log }), explicit);
  assert.equal(await resolveTemporalCli({ env, log }), onPath);
  const cached = cachedCliPath({ KLINGFLOW_CACHE_DIR: cacheDir });
  assert.equal(cached, path.join(cacheDir, `temporal-cli-${TEMPORAL_CLI_VERSION}`, 'temporal'));
  await fakeExecutable(cached);
  assert.equal(await resolveTemporalCli({ env: { PATH: '', KLINGFLOW_CACHE_DIR: cacheDir }, log }), cached);
});

test('clear errors when nothing can be found or built', async () => {
  await assert.rejects(resolveTemporalCli({ cliPath: path.join(dir, 'missing') }), /TEMPORAL_CLI_PATH/);
  await assert.rejects(resolveTemporalCli({ env: { PATH: '', KLINGFLOW_CACHE_DIR: path.join(dir, 'empty') }, log: () => undefined }), /Go is not installed/);
});
