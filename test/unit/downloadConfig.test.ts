import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadConfig } from '../../src/config.js';

const REAL_KEYS = { KLING_ACCESS_KEY: 'a', KLING_SECRET_KEY: 'b' };

describe('config: download.allowPrivateAddresses', () => {
  it('defaults to nothing with a real provider', () => {
    const c = loadConfig(REAL_KEYS);
    assert.deepEqual(c.download.allowPrivateAddresses, []);
  });

  it('parses DOWNLOAD_ALLOW_PRIVATE like DOWNLOAD_ALLOWED_HOSTS: a comma list, trimmed and lower-cased', () => {
    const c = loadConfig({ ...REAL_KEYS, DOWNLOAD_ALLOW_PRIVATE: ' MinIO.internal:9000, 10.0.0.5 ,, *.corp.example ', DOWNLOAD_ALLOWED_HOSTS: 'minio.internal:9000' });
    assert.deepEqual(c.download.allowPrivateAddresses, ['minio.internal:9000', '10.0.0.5', '*.corp.example']);
    assert.deepEqual(c.download.allowedHosts, ['minio.internal:9000']);
  });

  it('adds the simulator host:port to both allowedHosts and allowPrivateAddresses when it is used', () => {
    const sim = loadConfig({ SIMULATOR_PORT: '4555' });
    assert.equal(sim.kling.simulated, true);
    assert.deepEqual(sim.download.allowPrivateAddresses, ['127.0.0.1:4555']);
    assert.ok(sim.download.allowedHosts.includes('127.0.0.1:4555'));

    const withList = loadConfig({ DOWNLOAD_ALLOW_PRIVATE: 'nas.local' });
    assert.deepEqual(withList.download.allowPrivateAddresses, ['nas.local', '127.0.0.1:4010']);

    // Real Kling keys, no RunBlob key: no simulator, nothing private allowed.
    assert.ok(!loadConfig(REAL_KEYS).download.allowedHosts.some((h) => h.startsWith('127.')));
  });

  it('adds a simulated RunBlob base that differs from the Kling one', () => {
    const c = loadConfig({ RUNBLOB_API_BASE: 'http://localhost:4777' });
    assert.equal(c.runblob.simulated, true);
    assert.deepEqual(c.download.allowPrivateAddresses, ['127.0.0.1:4010', 'localhost:4777']);
    assert.ok(c.download.allowedHosts.includes('localhost:4777'));
  });
});
