/**
 * node:http2's servers over trama's: `Http2Server` is trama's `Server` (src/http/server.ts) and
 * `Http2SecureServer` trama's TLS server (src/http/https-server.ts), each carrying
 * {@link kH2Hooks} so that their HTTP/2 sessions and streams become node:http2's objects:
 * `ServerHttp2Session` for each connection ('session'), `ServerHttp2Stream` for each request
 * ('stream' on the session, then on the server).
 *
 * The compat API ('request' handler) takes the fast path: when nobody listens for 'stream', a
 * request is trama's `IncomingMessage`/`ServerResponse` pair — the very objects of trama's
 * HTTP/1.1 server, with node:http2's compat members (`req.stream`, `res.stream`,
 * `res.createPushResponse`, `req.authority`…) — instead of compat objects wrapped around a stream
 * (node's way, two layers of streams per request). `Http2ServerRequest`/`Http2ServerResponse` are
 * those classes. docs/http2.md writes this decision down.
 *
 * Defaults that are node:http2's, not node:http's: HTTP/1.1 refused unless `allowHTTP1`, no idle
 * session timeout (a gRPC channel stays), no request timeout; `Upgrade: h2c` only with
 * `allowH2CUpgrade: true` (a trama option; it needs the HTTP/1.1 parser, so it implies HTTP/1.1
 * for requests that do not upgrade).
 */
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { Server as HttpServer, serveH2, kH2Hooks, type H2Hooks, type ServerOptions } from '../http/server.js';
import { SecureServer, type SecureServerOptions } from '../http/https-server.js';
import type { H2Exchange, H2ServerSession } from '../io/h2-server.js';
import type { H2ConnectionOptions } from '../wire/h2/connection.js';
import type { H2Event } from '../wire/h2/events.js';
import { invalidArgType } from '../wire/shared/index.js';
import { Http2SessionBase } from './session.js';
import { ServerHttp2Stream, streamOf } from './server-stream.js';
import { toEngineSettings, validateSettings, type Settings } from './settings.js';
import { toHeaderObject, toRawHeaders } from './headers.js';
import { constants } from './constants.js';
import type { IncomingMessage } from '../http/incoming-message.js';
import type { ServerResponse } from '../http/server-response.js';

/** node:http2's default SETTINGS_MAX_HEADER_LIST_SIZE (its getDefaultSettings().maxHeaderListSize). */
const NODE_MAX_HEADER_LIST_SIZE = 65535;

/** node:http2's server options (those trama uses; the rest are accepted and ignored, see docs). */
export interface Http2ServerOptions extends ServerOptions {
  settings?: Settings;
  maxSessionMemory?: number;
  peerMaxConcurrentStreams?: number;
  /** trama: answer `Upgrade: h2c` (RFC 7540 §3.2). Default false on trama/http2's servers. */
  allowH2CUpgrade?: boolean;
}
export interface Http2SecureServerOptions extends Http2ServerOptions, Omit<SecureServerOptions, keyof ServerOptions> {}

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/** node:http2's ServerHttp2Session: one HTTP/2 connection of a server. */
export class ServerHttp2Session extends Http2SessionBase {
  readonly server: object | undefined;
  /** Open streams by id (for rstCode on a peer's RST_STREAM). */
  readonly streams = new Map<number, ServerHttp2Stream>();
  /** The last request HEADERS ended the stream (node's endAfterHeaders / flags). */
  lastHeadersEnded = false;

  constructor(driver: H2ServerSession, server: object | undefined) {
    super(driver, constants.NGHTTP2_SESSION_SERVER);
    this.server = server;
    driver.observer = (e) => this.#observe(e);
  }

  #observe(e: H2Event): void {
    if (e.type === 'headers-received') this.lastHeadersEnded = e.endStream;
    else if (e.type === 'stream-reset' && e.remote) this.streams.get(e.streamId)?.onPeerReset(e.errorCode);
    this.onEngineEvent(e);
  }
}

const sessions = new WeakMap<H2ServerSession, ServerHttp2Session>();

/** The node:http2 session in front of a driver session (created on first use). */
export function sessionOf(driver: H2ServerSession, server?: object): ServerHttp2Session {
  let s = sessions.get(driver);
  if (s === undefined) {
    s = new ServerHttp2Session(driver, server);
    sessions.set(driver, s);
  }
  return s;
}

type EmitterServer = { emit(event: string | symbol, ...args: unknown[]): boolean; listenerCount(event: string | symbol): number };

/** The hooks a trama/http2 server gives src/http/server.ts. */
class Http2Hooks implements H2Hooks {
  readonly #server: EmitterServer;
  readonly #settings: Settings;

  constructor(server: EmitterServer, options: Http2ServerOptions) {
    this.#server = server;
    this.#settings = options.settings === undefined ? {} : validateSettings(options.settings, 'options.settings');
  }

  h2Options(base: { settings: { maxHeaderListSize: number } }): Omit<H2ConnectionOptions, 'role' | 'upgrade'> {
    const settings = toEngineSettings(this.#settings);
    // A server never enables push (RFC 9113 §6.5.2); node ignores the setting there.
    delete settings.enablePush;
    return { ...base, settings: { ...base.settings, ...settings } };
  }

  onSession(driver: H2ServerSession): void {
    const session = sessionOf(driver, this.#server);
    this.#server.emit('session', session);
  }

  onStream(ex: H2Exchange): boolean {
    const server = this.#server;
    const session = sessionOf(ex.session, server);
    // The fast path: only a 'request' handler → trama's req/res, no stream object at all.
    if (session.listenerCount('stream') === 0 && server.listenerCount('stream') === 0) return false;
    const stream = new ServerHttp2Stream(session, ex);
    stream.endAfterHeaders = session.lastHeadersEnded;
    session.streams.set(ex.streamId, stream);
    const headers = toHeaderObject(ex.fields);
    const flags = constants.NGHTTP2_FLAG_END_HEADERS | (stream.endAfterHeaders ? constants.NGHTTP2_FLAG_END_STREAM : 0);
    const raw = toRawHeaders(ex.fields);
    session.emit('stream', stream, headers, flags, raw);
    server.emit('stream', stream, headers, flags, raw);
    return true;
  }

  onStreamFinished(ex: H2Exchange): boolean {
    const stream = streamOf(ex);
    if (stream === undefined) return false;
    stream.onSinkFinished();
    return true;
  }

  onSessionError(err: Error, driver: H2ServerSession): void {
    const session = sessionOf(driver, this.#server);
    if (this.#server.listenerCount('sessionError') > 0) this.#server.emit('sessionError', err, session);
    session.onDriverClosed(err);
  }

  onTimeout(driver: H2ServerSession): boolean {
    // node: the session's 'timeout', else the server's; nobody listening → the session is destroyed.
    const session = sessionOf(driver, this.#server);
    return session.onTimeout() || this.#server.emit('timeout', session);
  }

  onSessionClosed(driver: H2ServerSession): void {
    sessionOf(driver, this.#server).onDriverClosed(null);
  }
}

function serverOptions(options: Http2ServerOptions, secure: boolean): Http2ServerOptions {
  return {
    // node:http2: no idle-session timeout, no request timeout, HTTP/2 only.
    keepAliveTimeout: 0,
    requestTimeout: 0,
    maxHeaderSize: options.settings?.maxHeaderListSize ?? options.settings?.maxHeaderSize ?? NODE_MAX_HEADER_LIST_SIZE,
    ...options,
    allowHTTP1: options.allowHTTP1 ?? (options.allowH2CUpgrade === true && !secure),
    allowH2CUpgrade: options.allowH2CUpgrade ?? false,
  };
}

function parseArgs(options: unknown, handler: unknown): [Http2ServerOptions, Handler | undefined] {
  if (typeof options === 'function') return [{}, options as Handler];
  if (options === undefined || options === null) return [{}, handler as Handler | undefined];
  if (typeof options !== 'object') throw invalidArgType('options', ['object'], options);
  return [options as Http2ServerOptions, handler as Handler | undefined];
}

/**
 * node:http2's Http2Server: HTTP/2 with prior knowledge on cleartext (a `net.Server`).
 *
 * @example
 * const server = new Http2Server((req, res) => res.end('hi'));
 */
export class Http2Server extends HttpServer {
  constructor(options?: Http2ServerOptions | Handler, handler?: Handler) {
    const [opts, h] = parseArgs(options, handler);
    const o = serverOptions(opts, false);
    super(o, h);
    this[kH2Hooks] = new Http2Hooks(this, o);
    this.timeout = 0;
  }
}

/**
 * node:http2's Http2SecureServer: HTTP/2 over TLS (ALPN `h2`; `http/1.1` with `allowHTTP1`).
 *
 * @example
 * new Http2SecureServer({ key, cert }, (req, res) => res.end('hi')).listen(8443);
 */
export class Http2SecureServer extends SecureServer {
  constructor(options: Http2SecureServerOptions, handler?: Handler) {
    if (options === null || typeof options !== 'object') throw invalidArgType('options', ['object'], options);
    const o = serverOptions(options, true) as SecureServerOptions;
    super(o, handler);
    (this as unknown as { [kH2Hooks]: H2Hooks })[kH2Hooks] = new Http2Hooks(this, o);
  }
}

/**
 * node:http2's `createServer([options][, onRequestHandler])`.
 *
 * @example
 * createServer().on('stream', (stream) => { stream.respond(); stream.end('ok'); }).listen(8080);
 */
export function createServer(options?: Http2ServerOptions | Handler, handler?: Handler): Http2Server {
  return new Http2Server(options, handler);
}

/**
 * node:http2's `createSecureServer(options[, onRequestHandler])`.
 *
 * @example
 * createSecureServer({ key, cert, allowHTTP1: true }, (req, res) => res.end('ok')).listen(8443);
 */
export function createSecureServer(options: Http2SecureServerOptions, handler?: Handler): Http2SecureServer {
  if (options === null || typeof options !== 'object') throw invalidArgType('options', ['object'], options);
  return new Http2SecureServer(options, handler);
}

/**
 * node:http2's `performServerHandshake(socket[, options])`: serves HTTP/2 on a socket that is
 * already connected (no listening server) and returns its session.
 *
 * @example
 * net.createServer((socket) => performServerHandshake(socket).on('stream', onStream));
 */
export function performServerHandshake(socket: Socket | TLSSocket, options: Http2ServerOptions = {}): ServerHttp2Session {
  if (options === null || typeof options !== 'object') throw invalidArgType('options', ['object'], options);
  // A server object that never listens: it only holds the options and the hooks.
  const holder = new Http2Server(options);
  const driver = serveH2(holder, socket as Socket);
  return sessionOf(driver, undefined);
}
