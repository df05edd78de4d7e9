// Requests to JSON APIs and webhook receivers over node:http(s) keep-alive pools. fetch()
// (undici) spent about 0.25 ms more CPU per request than this, measured alone on a loopback
// server, and several times that with the worker busy: that is every Kling submit, read and poll.
import http from 'node:http';
import https from 'node:https';

export interface HttpAnswer {
  status: number;
  statusText: string;
  text: string;
}

export interface HttpRequest {
  method: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string;
  /** For the whole exchange, the answer's body included (as AbortSignal.timeout gave fetch). */
  timeoutMs: number;
  signal?: AbortSignal;
}

/** Answers larger than this are refused: an API's JSON answer is a few KiB. */
export const MAX_ANSWER_BYTES = 8 * 1024 * 1024;

export class KeepAliveHttp {
  private readonly agents = { 'http:': new http.Agent({ keepAlive: true }), 'https:': new https.Agent({ keepAlive: true }) };

  /** Resolves with any HTTP status; rejects on a network error, a timeout or an abort. */
  send(url: string, request: HttpRequest): Promise<HttpAnswer> {
    return new Promise((resolve, reject) => {
      const target = new URL(url);
      const protocol = target.protocol === 'https:' || target.protocol === 'http:' ? target.protocol : undefined;
      if (!protocol) return reject(new TypeError(`unsupported protocol ${target.protocol}`));
      const headers = request.body === undefined ? { ...request.headers } : { ...request.headers, 'content-length': String(Buffer.byteLength(request.body)) };
      const client = protocol === 'https:' ? https : http;
      const req = client.request(target, { method: request.method, headers, agent: this.agents[protocol], signal: request.signal }, (res) => {
        const chunks: Buffer[] = [];
        let bytes = 0;
        res.on('data', (chunk: Buffer) => {
          bytes += chunk.length;
          if (bytes > MAX_ANSWER_BYTES) req.destroy(new Error(`answer larger than ${MAX_ANSWER_BYTES} bytes`));
          else chunks.push(chunk);
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, statusText: res.statusMessage ?? '', text: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      });
      const timer = setTimeout(() => req.destroy(Object.assign(new Error(`no complete answer within ${request.timeoutMs} ms`), { name: 'TimeoutError' })), request.timeoutMs);
      req.on('close', () => clearTimeout(timer));
      req.on('error', reject);
      req.end(request.body);
    });
  }

  /** Closes the idle connections (idle ones never hold the process open). */
  close(): void {
    for (const agent of Object.values(this.agents)) agent.destroy();
  }
}
