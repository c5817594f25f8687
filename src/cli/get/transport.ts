/**
 * The HTTP client `trama get` runs on: trama's own client (`src/http/client-request.ts`,
 * `src/http/agent.ts`), in one place. `https:` goes through trama's `HttpsAgent` (node:tls
 * underneath, ALPN `http/1.1`).
 */
import { Agent, HttpsAgent } from '../../http/agent.js';
import { request, type ClientRequest, type RequestOptions } from '../../http/client-request.js';
import type { IncomingMessage } from '../../http/incoming-message.js';

/** Which implementation fetches: shown by `trama get -v` and asserted by tests. */
export const CLIENT_IMPLEMENTATION: 'trama' | 'node:http' = 'trama';

/** The request object `get` drives. */
export type GetRequest = ClientRequest;
/** The response object `get` reads. */
export type GetResponse = IncomingMessage;
/** Request options (node's `http.request` options). */
export type GetRequestOptions = RequestOptions;

/** node's `http.request(url, options, callback)` signature, on trama's classes. */
export type RequestFunction = (url: URL, options: GetRequestOptions, callback?: (res: GetResponse) => void) => GetRequest;

/** The request function and a keep-alive agent for one scheme. */
export interface Transport {
  readonly request: RequestFunction;
  readonly agent: Agent;
}

/**
 * A transport for `http:` or `https:`, with a keep-alive agent so redirects to the same origin
 * reuse the connection (and `-v` shows it). Call `agent.destroy()` when done.
 *
 * @example
 * const t = createTransport('https:', { rejectUnauthorized: false });
 */
export function createTransport(protocol: 'http:' | 'https:', tlsOptions: { rejectUnauthorized: boolean; ca?: string }): Transport {
  const agent =
    protocol === 'https:'
      ? new HttpsAgent({ keepAlive: true, rejectUnauthorized: tlsOptions.rejectUnauthorized, ...(tlsOptions.ca !== undefined ? { ca: tlsOptions.ca } : {}) })
      : new Agent({ keepAlive: true });
  return { request: (url, options, callback) => request(url, options, callback), agent };
}
