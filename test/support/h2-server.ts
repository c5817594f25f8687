// Helpers for the HTTP/2 server tests (test/http/h2-server*.test.ts): a trama server on
// 127.0.0.1:0 and a connected node:http2 client session.
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { createServer, type Server, type ServerOptions, type IncomingMessage, type ServerResponse } from '../../src/index.js';

export type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/** A trama server with `handler`; `close()` destroys its connections and waits for the close. */
export async function startServer(handler: Handler, options: ServerOptions = {}): Promise<{ server: Server; port: number; url: string; close: () => Promise<void> }> {
  const server = createServer(options, handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    server,
    port,
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
}

/** A node:http2 client session, connected. */
export function connectH2(url: string): Promise<http2.ClientHttp2Session> {
  return new Promise((resolve, reject) => {
    const c = http2.connect(url);
    c.once('connect', () => resolve(c));
    c.once('error', reject);
  });
}
