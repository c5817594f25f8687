/**
 * The TLS server: node:https's `Server`/`createServer`, and `createSecureServer` (node:http2's
 * name) — one class, one request handler for HTTP/1.1 and HTTP/2 alike.
 *
 * A `tls.Server` (so `instanceof tls.Server` holds as for node's https.Server, and every `tls`
 * option — `SNICallback`, `ca`, `requestCert`, `ALPNCallback`, session tickets… — goes straight to
 * node:tls). The HTTP half is not copied: it is src/http/server.ts's, run on this object
 * (`kInitHttp`, node's storeHTTPOptions) with the HTTP server's methods borrowed (node's
 * https.Server does the same with http.Server's). What differs is the entry of a connection:
 * 'secureConnection' instead of 'connection', and the protocol comes from ALPN
 * (RFC 7301; RFC 9113 §3.2: "h2" selects HTTP/2 over TLS, no preface sniffing):
 *   - `h2` → the HTTP/2 driver (src/io/h2-server.ts through server.ts's h2 entry);
 *   - `http/1.1`, or no ALPN at all → the HTTP/1.1 driver, unless `allowHTTP1: false`, in which
 *     case node:http2's rule applies: 'unknownProtocol' is emitted with the socket, and a socket
 *     nobody takes is destroyed.
 * Decisions (docs/server.md, "HTTPS and HTTP/2 over TLS"):
 *   - Offered ALPN protocols default to `['h2', 'http/1.1']` for both `createServer` of
 *     trama/https and `createSecureServer` (node's https offers only `http/1.1`, node's http2
 *     refuses HTTP/1.1 unless `allowHTTP1`); `allowHTTP1` defaults to true (the "HTTP/1.1
 *     allowed by default"). `ALPNProtocols` or `ALPNCallback` given by the user win.
 *   - 'tlsClientError' is re-emitted as 'clientError' (node:https); a socket nobody handles is
 *     destroyed with the error.
 */
import tls from 'node:tls';
import { invalidArgType } from '../wire/shared/index.js';
import { Server as HttpServer, connectionListener, serveH2, kInitHttp, type RequestListener, type ServerOptions } from './server.js';

/** ALPN ids (IANA "TLS Application-Layer Protocol Negotiation (ALPN) Protocol IDs"). */
const ALPN_H2 = 'h2';
const ALPN_HTTP1 = 'http/1.1';

/** Options of the TLS server: node:http's server options, node:tls's, and node:http2's `allowHTTP1`. */
export interface SecureServerOptions extends ServerOptions, tls.TlsOptions {
  /** Accept HTTP/1.1 (by ALPN `http/1.1` or a client offering no ALPN). Default true. */
  allowHTTP1?: boolean;
}

type HttpServerInstance = InstanceType<typeof HttpServer>;

/** The HTTP members this server borrows from src/http/server.ts's Server (types only). */
type HttpMembers = Omit<HttpServerInstance, keyof tls.Server>;

function secureConnectionListener(this: SecureServerClass, socket: tls.TLSSocket): void {
  const server = this as unknown as HttpServerInstance;
  const alpn = socket.alpnProtocol;
  if (alpn === ALPN_H2) {
    if (server.closing) socket.destroy();
    else serveH2(server, socket);
    return;
  }
  if (server.allowHTTP1) {
    connectionListener.call(server, socket);
    return;
  }
  // node:http2 with allowHTTP1 false: the application may take the socket, else it is dropped.
  if (!this.emit('unknownProtocol', socket)) socket.destroy();
}

function onTlsClientError(this: SecureServerClass, err: Error, socket: tls.TLSSocket): void {
  if (!this.emit('clientError', err, socket)) socket.destroy(err);
}

// Declaration merging: the borrowed HTTP members, typed, without class fields that would be
// redefined (as undefined) after tls.Server's constructor.
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging
interface SecureServerClass extends HttpMembers {}

/**
 * node:https's Server: a `tls.Server` answering HTTP/1.1 and HTTP/2 (by ALPN) with one handler.
 *
 * @example
 * const server = new Server({ key, cert }, (req, res) => res.end(`over ${req.httpVersion}`));
 * server.listen(8443);
 */
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging
class SecureServerClass extends tls.Server {
  constructor(requestListener?: RequestListener);
  constructor(options: SecureServerOptions, requestListener?: RequestListener);
  constructor(options?: SecureServerOptions | RequestListener | null, requestListener?: RequestListener) {
    let opts: SecureServerOptions;
    if (typeof options === 'function') {
      requestListener = options;
      opts = {};
    } else if (options == null) {
      opts = {};
    } else if (typeof options === 'object' && !Array.isArray(options)) {
      opts = options;
    } else {
      throw invalidArgType('options', ['object'], options);
    }
    const allowHTTP1 = opts.allowHTTP1 ?? true;
    if (typeof allowHTTP1 !== 'boolean') throw invalidArgType('options.allowHTTP1', ['boolean'], allowHTTP1);
    const allowHTTP2 = opts.allowHTTP2 ?? true;
    if (typeof allowHTTP2 !== 'boolean') throw invalidArgType('options.allowHTTP2', ['boolean'], allowHTTP2);
    const tlsOptions: tls.TlsOptions & Record<string, unknown> = {
      // node:https's defaults. Not allowHalfOpen (the cleartext Server's): a TLSSocket that is
      // half-open during its handshake never closes when the client gives up on our certificate.
      noDelay: true,
      ...opts,
    };
    if (opts.ALPNProtocols === undefined && (opts as { ALPNCallback?: unknown }).ALPNCallback === undefined) {
      const offered: string[] = [];
      if (allowHTTP2) offered.push(ALPN_H2);
      if (allowHTTP1) offered.push(ALPN_HTTP1);
      tlsOptions.ALPNProtocols = offered;
    }
    super(tlsOptions, secureConnectionListener);
    HttpServer.prototype[kInitHttp].call(this as unknown as HttpServerInstance, opts, requestListener);
    // RFC 9113 §3.1: "h2c" is HTTP/2 over cleartext TCP; over TLS the only way in is ALPN "h2".
    this.allowH2CUpgrade = false;
    this.on('tlsClientError', onTlsClientError);
  }
}

// Borrow every method of the HTTP Server (close, closeIdleConnections, closeAllConnections,
// setTimeout, the timeout checks, Symbol.asyncDispose…): one implementation for both, and a
// method another lane adds there is here too. `close` calls net.Server's close through `super`,
// which is also what tls.Server inherits.
for (const key of Reflect.ownKeys(HttpServer.prototype)) {
  if (key === 'constructor' || key === kInitHttp) continue;
  if (Object.prototype.hasOwnProperty.call(SecureServerClass.prototype, key)) continue;
  Object.defineProperty(SecureServerClass.prototype, key, Object.getOwnPropertyDescriptor(HttpServer.prototype, key)!);
}
Object.defineProperty(SecureServerClass, 'name', { value: 'Server' });

/** `Server`'s constructor: callable with or without `new`, as node's. */
export interface SecureServerConstructor {
  new (requestListener?: RequestListener): SecureServerClass;
  new (options: SecureServerOptions, requestListener?: RequestListener): SecureServerClass;
  (requestListener?: RequestListener): SecureServerClass;
  (options: SecureServerOptions, requestListener?: RequestListener): SecureServerClass;
  readonly prototype: SecureServerClass;
}

/** node:https's Server (a `tls.Server`), also what `createSecureServer` returns. */
export type SecureServer = SecureServerClass;

/**
 * node:https's Server. `Server(options, listener)` without `new` returns a new server, as node's.
 *
 * @example
 * const server = SecureServer({ key, cert }, (req, res) => res.end('ok'));
 */
export const SecureServer: SecureServerConstructor = new Proxy(SecureServerClass, {
  apply(target, _thisArg, args: [SecureServerOptions | RequestListener | undefined, RequestListener | undefined]) {
    return new target(args[0] as SecureServerOptions, args[1]);
  },
}) as unknown as SecureServerConstructor;

/**
 * A TLS server speaking HTTP/2 and HTTP/1.1 (chosen by ALPN) through one request handler: the
 * `req`/`res` of node:http, with `req.httpVersion` telling which protocol carried them.
 *
 * @example
 * import { createSecureServer } from 'trama';
 * createSecureServer({ key, cert }, (req, res) => res.end(`hello over ${req.httpVersion}\n`)).listen(8443);
 */
export function createSecureServer(requestListener?: RequestListener): SecureServer;
export function createSecureServer(options: SecureServerOptions, requestListener?: RequestListener): SecureServer;
export function createSecureServer(options?: SecureServerOptions | RequestListener, requestListener?: RequestListener): SecureServer {
  if (options !== undefined && options !== null && typeof options !== 'object' && typeof options !== 'function') {
    throw invalidArgType('options', ['object'], options);
  }
  return new SecureServerClass(options as SecureServerOptions, requestListener);
}
