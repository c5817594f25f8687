/**
 * The HTTP server `trama serve` runs on: trama's own HTTP/1.1 server (`src/http/server.ts`),
 * in one place so the command and its tests agree. The handler only uses the structural
 * ServeRequest/ServeResponse members, so node:http's server runs it too (the tests use it as
 * the oracle).
 */
import { createServer, type Server } from '../../http/server.js';
import { createSecureServer } from '../../http/https-server.js';
import type { RequestListener } from './file-handler.js';

/** The server type `serve` runs on. */
export type HttpServer = Server;

/** Which implementation serves: shown by `trama serve` at start-up and asserted by tests. */
export const SERVER_IMPLEMENTATION: 'trama' | 'node:http' = 'trama';

/**
 * Create the server for a listener.
 *
 * @example
 * createHttpServer((req, res) => res.end('hi')).listen(0, '127.0.0.1');
 */
export function createHttpServer(listener: RequestListener, tls?: { cert: Buffer; key: Buffer }): HttpServer {
  // With a certificate: HTTPS, HTTP/2 by ALPN and HTTP/1.1 for the rest, same handler and the
  // same server methods (the TLS server borrows them), so the command treats both alike.
  if (tls !== undefined) return createSecureServer({ cert: tls.cert, key: tls.key }, (req, res) => listener(req, res)) as unknown as HttpServer;
  return createServer((req, res) => listener(req, res));
}
