/** A webhook receiver on loopback that keeps every body it is sent, in order. */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface HookServer {
  /** http://127.0.0.1:PORT (no path). */
  base: string;
  bodies: string[];
  close(): Promise<void>;
}

export async function startHookServer(): Promise<HookServer> {
  const bodies: string[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      bodies.push(body);
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    bodies,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
