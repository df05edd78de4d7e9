// Kling authenticates every request with a short-lived HS256 JWT (providers.md):
// iss = access key, exp = now + 1800 s, nbf = now - 5 s. Minting one per request is
// wasteful, so a token is reused until shortly before it expires.
import jwt from 'jsonwebtoken';

export const TOKEN_TTL_SEC = 1800;
const NBF_SKEW_SEC = 5;
/** Refresh this long before exp so a token never expires in flight. */
const REFRESH_MARGIN_SEC = 60;

export interface KlingKeys {
  accessKey: string;
  secretKey: string;
}

export function signKlingJwt(keys: KlingKeys, nowSec: number): string {
  return jwt.sign({ iss: keys.accessKey, exp: nowSec + TOKEN_TTL_SEC, nbf: nowSec - NBF_SKEW_SEC }, keys.secretKey, {
    algorithm: 'HS256',
    header: { alg: 'HS256', typ: 'JWT' },
    noTimestamp: true,
  });
}

export class KlingTokenSource {
  private token: string | undefined;
  private expiresAt = 0;

  constructor(
    private readonly keys: KlingKeys,
    private readonly nowSec: () => number = () => Math.floor(Date.now() / 1000),
  ) {}

  get(): string {
    const now = this.nowSec();
    if (!this.token || now >= this.expiresAt - REFRESH_MARGIN_SEC) {
      this.token = signKlingJwt(this.keys, now);
      this.expiresAt = now + TOKEN_TTL_SEC;
    }
    return this.token;
  }

  /** Drop the cached token, e.g. after the API answered 1004. */
  invalidate(): void {
    this.token = undefined;
  }
}
