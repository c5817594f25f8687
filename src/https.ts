/**
 * `trama/https`: node:https's API — `createServer`, `Server` (a `tls.Server`), `request`, `get`,
 * `Agent`, `globalAgent` — over trama's drivers. The server answers HTTP/1.1 and HTTP/2 (ALPN) with
 * one handler (src/http/https-server.ts); the client side is HttpsAgent (src/http/agent.ts).
 *
 * @example
 * import https from 'trama/https';
 * https.createServer({ key, cert }, (req, res) => res.end('hello')).listen(8443);
 * https.get('https://example.com/', (res) => res.pipe(process.stdout));
 */
import { ClientRequest, type RequestOptions, urlToHttpOptions } from './http/client-request.js';
import * as agents from './http/agent.js';
import { HttpsAgentExport, globalHttpsAgent, type HttpsAgent } from './http/agent.js';
import type { IncomingMessage } from './http/incoming-message.js';
import { SecureServer, createSecureServer, type SecureServerOptions } from './http/https-server.js';

export { SecureServer as Server, createSecureServer as createServer, HttpsAgentExport as Agent, globalHttpsAgent as globalAgent };
export type { SecureServerOptions as ServerOptions };
export type { RequestListener } from './http/server.js';
export type { RequestOptions };

type ResponseListener = (res: IncomingMessage) => void;

/**
 * node:https's `request(url[, options][, callback])`: node:http's, with the TLS pool
 * (`globalAgent`) and `https:` as the defaults.
 *
 * @example
 * const req = request('https://127.0.0.1:8443/', { ca }, (res) => res.resume());
 * req.end();
 */
export function request(
  url: string | URL | RequestOptions,
  options?: RequestOptions | ResponseListener,
  cb?: ResponseListener,
): ClientRequest {
  let opts: RequestOptions;
  let rest: [RequestOptions | ResponseListener | undefined, ResponseListener | undefined];
  if (typeof url === 'string') {
    opts = urlToHttpOptions(new URL(url)) as RequestOptions;
    rest = [options, cb];
  } else if (url instanceof URL) {
    opts = urlToHttpOptions(url) as RequestOptions;
    rest = [options, cb];
  } else {
    opts = {};
    rest = [url, options as ResponseListener | undefined];
  }
  let listener: ResponseListener | undefined;
  if (rest[0] !== undefined && rest[0] !== null && typeof rest[0] !== 'function') {
    Object.assign(opts, rest[0]);
    listener = rest[1];
  } else {
    listener = (rest[0] as ResponseListener | undefined) ?? rest[1];
  }
  (opts as Record<string, unknown>)._defaultAgent = globalHttpsAgent;
  return new ClientRequest(opts, listener);
}

/**
 * node:https's `get(url[, options][, callback])`: `request` with GET, already ended.
 *
 * @example
 * get('https://127.0.0.1:8443/', { rejectUnauthorized: false }, (res) => res.pipe(process.stdout));
 */
export function get(url: string | URL | RequestOptions, options?: RequestOptions | ResponseListener, cb?: ResponseListener): ClientRequest {
  const req = request(url, options, cb);
  req.end();
  return req;
}

// CommonJS build: plain writable data properties (as node:https's module object), and
// `globalAgent` an accessor: assigning `https.globalAgent = agent` changes the pool `request()`
// and `get()` use by default, as node's (its request reads `module.exports.globalAgent`). The ES
// module build's `globalAgent` is a live binding of the same pool.
if (typeof module === 'object' && module !== null && module.exports === exports) {
  const cjs = module.exports as Record<string, unknown>;
  for (const name of Object.keys(cjs)) {
    if (name === 'globalAgent') continue;
    Object.defineProperty(cjs, name, { value: cjs[name], writable: true, enumerable: true, configurable: true });
  }
  Object.defineProperty(cjs, 'globalAgent', { get: () => agents.globalHttpsAgent, set: (a: HttpsAgent) => agents.setGlobalHttpsAgent(a), enumerable: true, configurable: true });
}
