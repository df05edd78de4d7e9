import assert from 'node:assert/strict';
import type { LookupAddress } from 'node:dns';
import { describe, it } from 'node:test';
import { AddressRefusedError, pinnedLookup, refusedAddressReason, type Resolver, vetUrlHost } from '../../activities/addressGuard.js';

const REFUSED: Record<string, RegExp> = {
  // IPv4
  '0.0.0.0': /^unspecified$/,
  '0.1.2.3': /reserved/,
  '10.0.0.1': /^private$/,
  '10.255.255.255': /^private$/,
  '100.64.0.1': /CGNAT/,
  '100.127.255.254': /CGNAT/,
  '127.0.0.1': /^loopback$/,
  '127.255.255.254': /^loopback$/,
  '169.254.169.254': /^link-local$/, // cloud metadata
  '172.16.0.1': /^private$/,
  '172.31.255.255': /^private$/,
  '192.0.0.8': /reserved/,
  '192.0.2.10': /documentation/,
  '192.168.1.1': /^private$/,
  '198.18.0.1': /benchmarking/,
  '224.0.0.251': /^multicast$/,
  '239.255.255.250': /^multicast$/,
  '240.0.0.1': /^reserved$/,
  '255.255.255.255': /^broadcast$/,
  // IPv6
  '::': /^unspecified$/,
  '::1': /^loopback$/,
  '0:0:0:0:0:0:0:1': /^loopback$/,
  '[::1]': /^loopback$/,
  'fc00::1': /unique local/,
  'fdff:ffff::1': /unique local/,
  'fe80::1': /^link-local$/,
  'fe80::1%eth0': /^link-local$/,
  'febf::1': /^link-local$/,
  'fec0::1': /site-local/,
  'ff02::1': /^multicast$/,
  'ff05::1:3': /^multicast$/,
  '2001:db8::1': /documentation/,
  '100::1': /discard/,
  // IPv4 inside IPv6
  '::ffff:127.0.0.1': /^IPv4-mapped loopback$/,
  '::ffff:7f00:1': /^IPv4-mapped loopback$/,
  '::FFFF:10.1.2.3': /^IPv4-mapped private$/,
  '::ffff:169.254.169.254': /^IPv4-mapped link-local$/,
  '0:0:0:0:0:ffff:c0a8:101': /^IPv4-mapped private$/,
  '::ffff:0.0.0.0': /^IPv4-mapped unspecified$/,
  '::127.0.0.1': /IPv4-compatible/,
  '::8.8.8.8': /IPv4-compatible/,
  '64:ff9b::10.0.0.1': /^NAT64 private$/,
  '64:ff9b::7f00:1': /^NAT64 loopback$/,
  '64:ff9b:1::1': /local-use NAT64/,
  '2002:7f00:1::1': /^6to4 loopback$/,
  '2002:c0a8:101::1': /^6to4 private$/,
  // not addresses at all
  'localhost': /not an IP address/,
  '127.1': /not an IP address/,
  '': /not an IP address/,
};

const PUBLIC = [
  '8.8.8.8',
  '1.1.1.1',
  '93.184.216.34',
  '9.255.255.255', // just below 10/8
  '11.0.0.0', // just above
  '100.63.255.255', // just below 100.64/10
  '100.128.0.0', // just above
  '126.255.255.255',
  '128.0.0.0',
  '169.253.255.255',
  '169.255.0.0',
  '172.15.255.255',
  '172.32.0.0',
  '192.167.255.255',
  '192.169.0.0',
  '223.255.255.255',
  '2606:4700:4700::1111',
  '2001:4860:4860::8888',
  '::ffff:8.8.8.8',
  '64:ff9b::808:808',
  '2002:808:808::1',
  'fbff::1',
  'fe00::1',
  'fe7f::1', // just below fe80::/10
];

describe('refusedAddressReason', () => {
  for (const [address, reason] of Object.entries(REFUSED)) {
    it(`refuses ${address || '(empty)'}`, () => {
      const got = refusedAddressReason(address);
      assert.ok(got, `${address} was not refused`);
      assert.match(got, reason);
    });
  }

  it('lets ordinary public addresses through, including the neighbours of refused ranges', () => {
    for (const address of PUBLIC) assert.equal(refusedAddressReason(address), undefined, address);
  });
});

/** Resolves only the names in the table; fails the test on any other look-up. */
const table =
  (t: Record<string, string[]>): Resolver =>
  async (hostname) => {
    const found = t[hostname];
    assert.ok(found, `unexpected look-up of ${hostname}`);
    return found.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  };

const refusedWith = (reason: RegExp) => (err: unknown) => {
  assert.ok(err instanceof AddressRefusedError, `expected AddressRefusedError, got ${String(err)}`);
  assert.match(err.message, reason);
  return true;
};

describe('vetUrlHost', () => {
  const noDns: Resolver = async (h) => assert.fail(`an IP literal must not be looked up (${h})`);

  it('refuses loopback in every spelling the URL parser and the system resolver accept', async () => {
    for (const host of ['127.1', '0x7f.0.0.1', '0177.0.0.1', '2130706433', '127.0.0.1', '[::ffff:127.0.0.1]', '[::1]', 'localhost', 'LocalHost']) {
      await assert.rejects(vetUrlHost(new URL(`http://${host}:8080/v.mp4`), { allowPrivate: [] }), refusedWith(/loopback/), host);
    }
  });

  it('takes IP literals as they are, without DNS', async () => {
    assert.deepEqual(await vetUrlHost(new URL('http://8.8.8.8/v'), { allowPrivate: [], resolve: noDns }), [{ address: '8.8.8.8', family: 4 }]);
    assert.deepEqual(await vetUrlHost(new URL('https://[2606:4700:4700::1111]/v'), { allowPrivate: [], resolve: noDns }), [
      { address: '2606:4700:4700::1111', family: 6 },
    ]);
    await assert.rejects(vetUrlHost(new URL('http://169.254.169.254/latest/meta-data'), { allowPrivate: [], resolve: noDns }), refusedWith(/link-local/));
  });

  it('checks every address a name resolves to, and names host, address and reason', async () => {
    const resolve = table({ 'cdn.example.com': ['93.184.216.34', '2606:2800:220:1::1', '::ffff:10.0.0.7'] });
    await assert.rejects(
      vetUrlHost(new URL('https://cdn.example.com/v.mp4?sig=x'), { allowPrivate: [], resolve }),
      refusedWith(/^cdn\.example\.com resolves to ::ffff:10\.0\.0\.7, a IPv4-mapped private address$/),
    );
    const ok = table({ 'cdn.example.com': ['93.184.216.34', '2606:2800:220:1::1'] });
    assert.equal((await vetUrlHost(new URL('https://cdn.example.com/v.mp4'), { allowPrivate: [], resolve: ok })).length, 2);
  });

  it('lets a host listed in allowPrivate use private addresses, honouring the port', async () => {
    const resolve = table({ minio: ['172.18.0.5'] });
    const url = new URL('http://minio:9000/bucket/v.mp4');
    assert.deepEqual(await vetUrlHost(url, { allowPrivate: ['minio:9000'], resolve }), [{ address: '172.18.0.5', family: 4 }]);
    await assert.rejects(vetUrlHost(url, { allowPrivate: ['minio:9001'], resolve }), refusedWith(/minio:9000 resolves to 172\.18\.0\.5, a private/));
    await assert.rejects(vetUrlHost(url, { allowPrivate: ['other'], resolve }), AddressRefusedError);
    assert.equal((await vetUrlHost(new URL('http://127.0.0.1:4010/v'), { allowPrivate: ['127.0.0.1:4010'] })).length, 1);
  });

  it('fails a name that resolves to nothing', async () => {
    await assert.rejects(vetUrlHost(new URL('http://empty.test/v'), { allowPrivate: [], resolve: table({ 'empty.test': [] }) }), /no address/);
  });
});

describe('pinnedLookup', () => {
  const lookup = pinnedLookup([
    { address: '93.184.216.34', family: 4 },
    { address: '2606:2800:220:1::1', family: 6 },
  ]);
  const call = (options: { all?: boolean; family?: number }) =>
    new Promise<{ err: NodeJS.ErrnoException | null; address: string | LookupAddress[]; family?: number }>((resolve) =>
      lookup('anything.example', options, (err, address, family) => resolve({ err, address, family })),
    );

  it('answers with the vetted addresses, whatever name is asked', async () => {
    assert.deepEqual((await call({ all: true })).address, [
      { address: '93.184.216.34', family: 4 },
      { address: '2606:2800:220:1::1', family: 6 },
    ]);
    const one = await call({});
    assert.equal(one.address, '93.184.216.34');
    assert.equal(one.family, 4);
  });

  it('honours a requested family, and fails when none was vetted', async () => {
    const six = await call({ family: 6 });
    assert.equal(six.address, '2606:2800:220:1::1');
    const v4only = pinnedLookup([{ address: '93.184.216.34', family: 4 }]);
    const err = await new Promise<NodeJS.ErrnoException | null>((resolve) => v4only('x', { family: 6 }, (e) => resolve(e)));
    assert.equal(err?.code, 'ENOTFOUND');
  });
});
