/**
 * The HTTP client `trama get` runs on: trama's own client (`src/http/client-request.ts`,
 * `src/http/agent.ts`), in one place. `https:` goes through trama's `HttpsAgent` (node:tls
 * underneath, ALPN `http/1.1`, or `h2` then `http/1.1` with `--http2`).
 */
import { Agent, HttpsAgent } from '../../http/agent.js';
import { request, type ClientRequest, type RequestOptions } from '../../http/client-request.js';
import type { IncomingMessage } from '../../http/incoming-message.js';
import type { Frame } from '../../wire/h2/frames.js';

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

/** `--http2`, `--http2-prior-knowledge`, and the frame printer of `-v`. */
export interface H2Choice {
  http2?: boolean;
  priorKnowledge?: boolean;
  frameTap?: (direction: 'send' | 'recv', frame: Frame, length: number) => void;
}

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
export function createTransport(protocol: 'http:' | 'https:', tlsOptions: { rejectUnauthorized: boolean; ca?: string }, h2: H2Choice = {}): Transport {
  // HTTP/2 (docs/h2-client.md): ALPN on https: with --http2 or --http2-prior-knowledge (curl offers
  // h2 by ALPN in both cases), prior knowledge on http: only with --http2-prior-knowledge.
  const h2Options: Record<string, unknown> = {};
  if (protocol === 'https:' && (h2.http2 === true || h2.priorKnowledge === true)) h2Options.allowHTTP2 = true;
  if (protocol === 'http:' && h2.priorKnowledge === true) h2Options.http2PriorKnowledge = true;
  if (h2.frameTap !== undefined) h2Options.http2FrameTap = h2.frameTap;
  const agent =
    protocol === 'https:'
      ? new HttpsAgent({ keepAlive: true, rejectUnauthorized: tlsOptions.rejectUnauthorized, ...(tlsOptions.ca !== undefined ? { ca: tlsOptions.ca } : {}), ...h2Options })
      : new Agent({ keepAlive: true, ...h2Options });
  return { request: (url, options, callback) => request(url, options, callback), agent };
}
