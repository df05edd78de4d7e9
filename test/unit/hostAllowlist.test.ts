import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isHostAllowed } from '../../activities/hostAllowlist.js';

const allowed = (url: string, patterns: string[]) => isHostAllowed(new URL(url), patterns);

describe('isHostAllowed', () => {
  it('matches an exact host on any port, case-insensitively', () => {
    assert.equal(allowed('https://CDN.Example.com/v.mp4', ['cdn.example.com']), true);
    assert.equal(allowed('http://cdn.example.com:8080/v.mp4', ['CDN.EXAMPLE.COM']), true);
    assert.equal(allowed('https://other.example.com/v.mp4', ['cdn.example.com']), false);
    assert.equal(allowed('https://cdn.example.com.evil.net/v.mp4', ['cdn.example.com']), false);
  });

  it('matches host:port only on that port, default ports included', () => {
    assert.equal(allowed('http://127.0.0.1:4010/v', ['127.0.0.1:4010']), true);
    assert.equal(allowed('http://127.0.0.1:4011/v', ['127.0.0.1:4010']), false);
    assert.equal(allowed('http://127.0.0.1/v', ['127.0.0.1:4010']), false);
    assert.equal(allowed('https://cdn.example.com/v', ['cdn.example.com:443']), true);
    assert.equal(allowed('http://cdn.example.com/v', ['cdn.example.com:443']), false);
    assert.equal(allowed('http://[::1]:4010/v', ['[::1]:4010']), true);
    assert.equal(allowed('http://[::1]:4011/v', ['[::1]:4010']), false);
  });

  it('matches *.domain on subdomains but not the apex or look-alikes', () => {
    const p = ['*.klingai.com'];
    assert.equal(allowed('https://cdn.klingai.com/v', p), true);
    assert.equal(allowed('https://a.b.KlingAI.com/v', p), true);
    assert.equal(allowed('https://klingai.com/v', p), false);
    assert.equal(allowed('https://evilklingai.com/v', p), false);
    assert.equal(allowed('https://cdn.klingai.com.evil.net/v', p), false);
    assert.equal(allowed('https://cdn.klingai.com:8443/v', ['*.klingai.com:443']), false);
  });

  it('treats a trailing dot as the same host', () => {
    assert.equal(allowed('https://cdn.example.com./v', ['cdn.example.com']), true);
  });

  it('* allows everything; an empty list allows nothing; junk patterns match nothing', () => {
    assert.equal(allowed('https://anything.test/v', ['*']), true);
    assert.equal(allowed('https://anything.test/v', []), false);
    assert.equal(allowed('https://anything.test/v', ['', 'a:b:c', '**']), false);
  });
});
