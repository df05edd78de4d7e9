// A real notification receiver for the chaos suite: verifies Standard Webhooks signatures,
// dedupes by webhook-id as receivers must, and can be taken down and brought back.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

export interface NotificationReceiver {
  url: string;
  /** While down, every delivery gets a 503 (the sender must retry). */
  setDown(down: boolean): void;
  /** Accepted (2xx) deliveries per webhook-id, and the ids per generation event. */
  stats(): { accepted: number; redeliveries: number; badSignatures: number; refusedWhileDown: number; idsByEvent: Map<string, Set<string>> };
  close(): Promise<void>;
}

export async function startReceiver(secret: string): Promise<NotificationReceiver> {
  const webhook = new Webhook(secret);
  const seen = new Set<string>();
  const idsByEvent = new Map<string, Set<string>>();
  let down = false;
  const counts = { accepted: 0, redeliveries: 0, badSignatures: 0, refusedWhileDown: 0 };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (down) {
        counts.refusedWhileDown++;
        res.writeHead(503, { 'retry-after': '1' }).end();
        return;
      }
      const body = Buffer.concat(chunks).toString();
      let event: { type: string; data: { id: string } };
      try {
        event = webhook.verify(body, req.headers as Record<string, string>) as typeof event;
      } catch {
        counts.badSignatures++;
        res.writeHead(401).end();
        return;
      }
      const id = String(req.headers['webhook-id']);
      if (seen.has(id)) counts.redeliveries++;
      else {
        seen.add(id);
        counts.accepted++;
        const key = `${event.data.id} ${event.type}`;
        if (!idsByEvent.has(key)) idsByEvent.set(key, new Set());
        idsByEvent.get(key)!.add(id);
      }
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/notifications`,
    setDown: (d) => void (down = d),
    stats: () => ({ ...counts, idsByEvent }),
    close: () => new Promise((r) => server.close(() => r())),
  };
}
