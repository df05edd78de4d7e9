// Which network addresses the download may connect to. A video URL comes from the provider
// (or from whoever forged a callback): it must not reach the worker's own machine or its
// private network unless the operator allowed that host (DOWNLOAD_ALLOW_PRIVATE; the
// simulator needs it).
//
// A hostname is resolved once, every address is checked, and the connection is then made
// to those checked addresses through pinnedLookup: a DNS answer that changes between the
// check and the connect (DNS rebinding) is never consulted.
import { lookup as dnsLookup } from 'node:dns/promises';
import type { LookupAddress, LookupOptions } from 'node:dns';
import { isIP, type LookupFunction } from 'node:net';
import { isHostAllowed } from './hostAllowlist.js';

export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

export type Resolver = (hostname: string) => Promise<ResolvedAddress[]>;

export const systemResolver: Resolver = async (hostname) => {
  const found = await dnsLookup(hostname, { all: true, verbatim: true });
  return found.map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 }));
};

/** A host resolved to an address the guard refuses. The message names host, address and reason. */
export class AddressRefusedError extends Error {
  override name = 'AddressRefusedError';
  constructor(
    readonly host: string,
    readonly address: string,
    readonly reason: string,
  ) {
    super(
      host === address || host === `[${address}]`
        ? `${host} is a ${reason} address`
        : `${host} resolves to ${address}, a ${reason} address`,
    );
  }
}

// ---------------------------------------------------------------- classification

type Range4 = [base: number, bits: number, reason: string];

const v4 = (dotted: string): number => dotted.split('.').reduce((n, octet) => n * 256 + Number(octet), 0);
const r4 = (cidr: string, reason: string): Range4 => {
  const [base, bits] = cidr.split('/') as [string, string];
  return [v4(base), Number(bits), reason];
};

// Most specific first: the first match names the reason.
const V4_RANGES: Range4[] = [
  r4('0.0.0.0/32', 'unspecified'),
  r4('0.0.0.0/8', 'reserved ("this network")'),
  r4('10.0.0.0/8', 'private'),
  r4('100.64.0.0/10', 'shared (CGNAT)'),
  r4('127.0.0.0/8', 'loopback'),
  r4('169.254.0.0/16', 'link-local'),
  r4('172.16.0.0/12', 'private'),
  r4('192.0.0.0/24', 'reserved (IETF protocol assignments)'),
  r4('192.0.2.0/24', 'reserved (documentation)'),
  r4('192.168.0.0/16', 'private'),
  r4('198.18.0.0/15', 'reserved (benchmarking)'),
  r4('198.51.100.0/24', 'reserved (documentation)'),
  r4('203.0.113.0/24', 'reserved (documentation)'),
  r4('224.0.0.0/4', 'multicast'),
  r4('255.255.255.255/32', 'broadcast'),
  r4('240.0.0.0/4', 'reserved'),
];

function classify4(n: number): string | undefined {
  for (const [base, bits, reason] of V4_RANGES) {
    const size = 2 ** (32 - bits);
    if (n >= base && n < base + size) return reason;
  }
  return undefined;
}

/** The 8 16-bit groups of a valid IPv6 address (zone id ignored). */
function groups6(address: string): number[] {
  let text = address.split('%')[0] as string;
  // A dotted IPv4 tail ("::ffff:127.0.0.1") becomes two groups.
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted?.[1]) {
    const n = v4(dotted[1]);
    text = `${text.slice(0, -dotted[1].length)}${(n >>> 16).toString(16)}:${(n & 0xffff).toString(16)}`;
  }
  const [head = '', tail] = text.split('::') as [string, string | undefined];
  const parse = (s: string) => (s === '' ? [] : s.split(':').map((g) => parseInt(g, 16)));
  const h = parse(head);
  if (tail === undefined) return h;
  const t = parse(tail);
  return [...h, ...Array<number>(8 - h.length - t.length).fill(0), ...t];
}

const embedded4 = (g: number[], at: number) => (g[at] as number) * 65536 + (g[at + 1] as number);
const allZero = (g: number[], from: number, to: number) => g.slice(from, to).every((x) => x === 0);

function classify6(g: number[]): string | undefined {
  const [g0 = 0, g1 = 0] = g;
  if (allZero(g, 0, 8)) return 'unspecified';
  if (allZero(g, 0, 7) && g[7] === 1) return 'loopback';
  // ::ffff:a.b.c.d (IPv4-mapped): the socket connects to the IPv4 address itself.
  if (allZero(g, 0, 5) && g[5] === 0xffff) {
    const reason = classify4(embedded4(g, 6));
    return reason && `IPv4-mapped ${reason}`;
  }
  // ::a.b.c.d (IPv4-compatible, deprecated): never a legitimate download source.
  if (allZero(g, 0, 6)) return 'reserved (IPv4-compatible)';
  // 64:ff9b::a.b.c.d (NAT64 well-known prefix) and 2002:aabb:ccdd:: (6to4) carry an IPv4 address.
  if (g0 === 0x64 && g1 === 0xff9b && allZero(g, 2, 6)) {
    const reason = classify4(embedded4(g, 6));
    return reason && `NAT64 ${reason}`;
  }
  if (g0 === 0x2002) {
    const reason = classify4(embedded4(g, 1));
    return reason && `6to4 ${reason}`;
  }
  if (g0 === 0x64 && g1 === 0xff9b) return 'reserved (local-use NAT64)';
  if (g0 === 0x100 && allZero(g, 1, 4)) return 'reserved (discard-only)';
  if (g0 === 0x2001 && g1 === 0xdb8) return 'reserved (documentation)';
  if ((g0 & 0xfe00) === 0xfc00) return 'private (unique local)';
  if ((g0 & 0xffc0) === 0xfe80) return 'link-local';
  if ((g0 & 0xffc0) === 0xfec0) return 'private (site-local)';
  if ((g0 & 0xff00) === 0xff00) return 'multicast';
  return undefined;
}

/**
 * Why an IP address may not be downloaded from (e.g. "loopback", "private",
 * "IPv4-mapped loopback"), or undefined for an ordinary public address.
 * Anything that is not a valid IP address literal is refused as "not an IP address".
 */
export function refusedAddressReason(address: string): string | undefined {
  const bare = address.startsWith('[') && address.endsWith(']') ? address.slice(1, -1) : address;
  const zoneless = bare.split('%')[0] as string;
  switch (isIP(zoneless)) {
    case 4:
      return classify4(v4(zoneless));
    case 6:
      return classify6(groups6(zoneless));
    default:
      return 'not an IP address';
  }
}

// ---------------------------------------------------------------- vetting a URL's host

export interface VetOptions {
  /** Host or host:port patterns (hostAllowlist syntax) that may use refused ranges. */
  allowPrivate: string[];
  resolve?: Resolver;
}

/**
 * Resolves the URL's host (an IP literal is taken as is) and checks every address.
 * Throws AddressRefusedError when one is refused and the host is not allowed private
 * addresses; DNS errors are passed through. The result is what the connection must use.
 */
export async function vetUrlHost(url: URL, { allowPrivate, resolve = systemResolver }: VetOptions): Promise<ResolvedAddress[]> {
  const hostname = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  const literal = isIP(hostname);
  const addresses: ResolvedAddress[] = literal ? [{ address: hostname, family: literal === 6 ? 6 : 4 }] : await resolve(hostname);
  if (addresses.length === 0) throw Object.assign(new Error(`no address found for ${url.hostname}`), { code: 'ENOTFOUND' });
  if (isHostAllowed(url, allowPrivate)) return addresses;
  for (const { address } of addresses) {
    const reason = refusedAddressReason(address);
    if (reason) throw new AddressRefusedError(url.host, address, reason);
  }
  return addresses;
}

/** A net/http `lookup` that answers only with the vetted addresses: no second DNS query. */
export function pinnedLookup(addresses: ResolvedAddress[]): LookupFunction {
  return (hostname: string, options: LookupOptions, callback) => {
    const wanted = options.family === 4 || options.family === 6 ? addresses.filter((a) => a.family === options.family) : addresses;
    const first = wanted[0];
    if (!first) {
      const err: NodeJS.ErrnoException = Object.assign(new Error(`no vetted IPv${String(options.family)} address for ${hostname}`), {
        code: 'ENOTFOUND',
      });
      callback(err, '', 0);
      return;
    }
    if (options.all) callback(null, wanted.map((a): LookupAddress => ({ address: a.address, family: a.family })));
    else callback(null, first.address, first.family);
  };
}
