// Helpers the HTTP/2 client tests share: a node:http2 server that swallows the stream and session
// errors the tests provoke, listening on 127.0.0.1:0, and a response body read to its end.
import * as http2 from 'node:http2';
import type { Server } from 'node:net';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import type { IncomingMessageBase } from '../../src/http/incoming-message.js';

/** Resets and GOAWAYs are what the tests provoke: node reports them as stream/session errors. */
export function quiet(server: http2.Http2Server | http2.Http2SecureServer): void {
  server.on('stream', (stream) => stream.on('error', () => {}));
  server.on('session', (session) => session.on('error', () => {}));
}

/** Listens on 127.0.0.1, port 0; resolves with the port. */
export async function listen(server: Server): Promise<number> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return (server.address() as AddressInfo).port;
}

/** The whole body of a response, as text. */
export function bodyText(res: IncomingMessageBase): Promise<string> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    res.on('data', (c: Buffer) => parts.push(c));
    res.on('end', () => resolve(Buffer.concat(parts).toString()));
    res.on('error', reject);
  });
}
