// Which hosts the download activity may fetch from. Pure, so it is tested on its own.
//
// Patterns (case-insensitive):
//   "*"                 any host
//   "cdn.example.com"   that host, any port
//   "cdn.example.com:8443" / "[::1]:4010"   that host on that port only
//   "*.example.com"     any subdomain (not the apex), optionally with ":port"

const DEFAULT_PORTS: Record<string, string> = { 'http:': '80', 'https:': '443' };

interface Pattern {
  host: string;
  port: string | undefined;
  wildcard: boolean;
}

function parsePattern(raw: string): Pattern | undefined {
  const m = /^(\*\.)?(\[[^\]]+\]|[^:[\]]+)(?::(\d+))?$/.exec(raw.trim().toLowerCase());
  if (!m?.[2]) return undefined;
  return { wildcard: Boolean(m[1]), host: stripDot(m[2]), port: m[3] };
}

// "example.com." and "example.com" name the same host; never let the dot decide.
const stripDot = (h: string) => (h.endsWith('.') ? h.slice(0, -1) : h);

export function isHostAllowed(url: URL, patterns: string[]): boolean {
  const host = stripDot(url.hostname.toLowerCase());
  const port = url.port || DEFAULT_PORTS[url.protocol] || '';
  return patterns.some((raw) => {
    if (raw.trim() === '*') return true;
    const p = parsePattern(raw);
    if (!p) return false;
    if (p.port !== undefined && p.port !== port) return false;
    return p.wildcard ? host.endsWith(`.${p.host}`) : host === p.host;
  });
}
