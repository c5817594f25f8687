/**
 * The HTTP server `trama serve` runs on, in one place so the command and its tests agree.
 *
 * Meant to be trama's own HTTP/1.1 server (`src/http/server.ts`). It is node:http's for now:
 * trama's ServerResponse does not emit 'drain' after a `write()` that returned false, so a
 * streamed file larger than the socket buffer stalls (see docs/cli.md). The handler only uses
 * the structural ServeRequest/ServeResponse members, which both servers provide; switching is
 * this file alone.
 */
import { createServer, type Server } from 'node:http';
import type { RequestListener } from './file-handler.js';

/** The server type `serve` runs on. */
export type HttpServer = Server;

/** Which implementation serves: shown by `trama serve` at start-up and asserted by tests. */
export const SERVER_IMPLEMENTATION: 'trama' | 'node:http' = 'node:http';

/**
 * Create the server for a listener.
 *
 * @example
 * createHttpServer((req, res) => res.end('hi')).listen(0, '127.0.0.1');
 */
export function createHttpServer(listener: RequestListener): HttpServer {
  return createServer((req, res) => listener(req, res));
}
