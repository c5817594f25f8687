/**
 * The HTTP server `trama serve` runs on: trama's own HTTP/1.1 server (`src/http/server.ts`),
 * in one place so the command and its tests agree. The handler only uses the structural
 * ServeRequest/ServeResponse members, so node:http's server runs it too (the tests use it as
 * the oracle).
 */
import { createServer, type Server } from '../../http/server.js';
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
export function createHttpServer(listener: RequestListener): HttpServer {
  return createServer((req, res) => listener(req, res));
}
