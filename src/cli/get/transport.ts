/**
 * The HTTP client `trama get` runs on, in one place.
 *
 * `trama get` is meant to run on trama's own client (`src/http/client-request.ts`,
 * `src/http/agent.ts`). Until that client lands, this module binds node:http/node:https, which
 * have the same `request(url, options, callback)` signature and `Agent` class; get-command.ts
 * only uses node:http-compatible members (`reusedSocket`, `_header`, `rawHeaders`, `lookup`).
 */
import * as http from 'node:http';
import * as https from 'node:https';

/** Which implementation fetches: shown by `trama get -v` and asserted by tests. */
export const CLIENT_IMPLEMENTATION: 'trama' | 'node:http' = 'node:http';

/** node's `http.request(url, options, callback)` signature. */
export type RequestFunction = (url: URL, options: https.RequestOptions, callback?: (res: http.IncomingMessage) => void) => http.ClientRequest;

/** The request function and a keep-alive agent for one scheme. */
export interface Transport {
  readonly request: RequestFunction;
  readonly agent: http.Agent;
}

/**
 * A transport for `http:` or `https:`, with a keep-alive agent so redirects to the same origin
 * reuse the connection (and `-v` shows it). Call `agent.destroy()` when done.
 *
 * @example
 * const t = createTransport('https:', { rejectUnauthorized: false });
 */
export function createTransport(protocol: 'http:' | 'https:', tlsOptions: { rejectUnauthorized: boolean }): Transport {
  if (protocol === 'https:') {
    return { request: https.request, agent: new https.Agent({ keepAlive: true, rejectUnauthorized: tlsOptions.rejectUnauthorized, ALPNProtocols: ['http/1.1'] }) };
  }
  return { request: http.request, agent: new http.Agent({ keepAlive: true }) };
}
