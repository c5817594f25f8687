/**
 * The HTTP server `trama serve` runs on, in one place so the command and its tests agree.
 *
 * `trama serve` is meant to run on trama's own HTTP/1.1 server (`src/http/server.ts`). Until
 * that server lands, this module binds node:http's `createServer`, which has the same API;
 * the handler (file-handler.ts) only uses node:http-compatible members either way.
 */
import { createServer, type Server } from 'node:http';
import type { RequestListener } from './file-handler.js';

/** Which implementation serves: shown by `trama serve` at start-up and asserted by tests. */
export const SERVER_IMPLEMENTATION: 'trama' | 'node:http' = 'node:http';

/**
 * Create the server for a listener.
 *
 * @example
 * createHttpServer((req, res) => res.end('hi')).listen(0, '127.0.0.1');
 */
export function createHttpServer(listener: RequestListener): Server {
  return createServer(listener);
}
