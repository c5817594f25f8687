/**
 * `Server` and `createServer`: node:http's server API over trama's HTTP/1.1 driver.
 *
 * A `net.Server` (so every `listen()` form and `node:cluster` work) whose 'connection' listener
 * binds each socket to an `H1ServerConnection` (src/io/h1-server.ts). The driver produces
 * Exchanges; this file wraps each in an `IncomingMessage` and a `ServerResponse` and emits
 * node's events in node's order. Options, defaults and events follow the node:http docs; where
 * trama is stricter (parser rejects: smuggling shapes, Host rules) docs/server.md says why.
 */
import { Server as NetServer, type Socket } from 'node:net';
import { promisify } from 'node:util';
import { channel } from 'node:diagnostics_channel';
import { captureRejectionSymbol } from 'node:events';
// Node's own timers, not the global ones a test's fake clock may replace (node:http's are internal too).
import { setInterval, clearInterval } from 'node:timers';
import { nodeError, invalidArgType, STATUS_CODES } from '../wire/shared/index.js';
import { debug, debugEnabled } from './debug.js';
import { PROCESS_INSECURE_HTTP_PARSER, PROCESS_MAX_HEADER_SIZE } from './process-options.js';
import type { H1ParserOptions } from '../wire/h1/types.js';
import type { RequestHead } from '../io/exchange.js';
import {
  H1ServerConnection,
  KeepAliveClock,
  monotonicMs,
  DEFAULT_MAX_PIPELINE_DEPTH,
  type H1Exchange,
  type H1ServerHost,
} from '../io/h1-server.js';
import { H2ServerSession, sniffPreface, type H2Exchange, type H2ServerHost } from '../io/h2-server.js';
import { H2Tunnel, connectProtocolOf } from '../io/h2-tunnel.js';
import { decodeHttp2Settings } from '../wire/h2/connection.js';
import { IncomingMessage, IncomingMessageBase, kBodySource, exposedFields, limitHeaderEntries, type IncomingMessageConstructor } from './incoming-message.js';
import { installH2Extras } from './h2-extras.js';
import { ServerResponse, ServerResponseBase, onResponseCreatedChannel, type ServerResponseConstructor, type ServerResponseOptions } from './server-response.js';
import { kUniqueHeaders } from './outgoing-message.js';

/** node's defaults (Node 20–23 docs). */
export const DEFAULT_REQUEST_TIMEOUT = 300_000;
export const DEFAULT_HEADERS_TIMEOUT = 60_000;
export const DEFAULT_KEEP_ALIVE_TIMEOUT = 5_000;
export const DEFAULT_CONNECTIONS_CHECKING_INTERVAL = 30_000;
/**
 * The list entries (name and value each count) node exposes when `maxHeadersCount` is null: its
 * parser's default `maxHeaderPairs`, 2000 entries, so 1000 fields reach `headers` (node's docs say
 * 2000 headers; node 20 shows 1000). Framing always uses every field.
 */
export const DEFAULT_MAX_HEADER_ENTRIES = 2000;
/** The parser's field-count limit for a server: none of its own (maxHeaderSize bounds a head), as node's. */
const UNLIMITED_FIELDS = 0x7fffffff;

/** `http.maxHeaderSize`: the default limit on a request head, in bytes. */
export const maxHeaderSize: number = PROCESS_MAX_HEADER_SIZE;

export type RequestListener = (req: IncomingMessage, res: ServerResponse) => void;

export interface ServerOptions {
  connectionsCheckingInterval?: number;
  headersTimeout?: number;
  highWaterMark?: number;
  insecureHTTPParser?: boolean;
  IncomingMessage?: IncomingMessageConstructor | (new (socket: Socket) => IncomingMessage);
  joinDuplicateHeaders?: boolean;
  keepAlive?: boolean;
  keepAliveInitialDelay?: number;
  keepAliveTimeout?: number;
  maxHeaderSize?: number;
  noDelay?: boolean;
  requestTimeout?: number;
  requireHostHeader?: boolean;
  ServerResponse?: ServerResponseConstructor | (new (req: IncomingMessage, options?: ServerResponseOptions) => ServerResponse);
  uniqueHeaders?: (string | string[])[];
  rejectNonStandardBodyWrites?: boolean;
  /** Sets `server.httpAllowHalfOpen` (keep serving after the client's FIN). Default false, as node's property. */
  httpAllowHalfOpen?: boolean;
  /** trama: responses outstanding on one connection before reading pauses (pipelining bound). Default 64. */
  maxPipelineDepth?: number;
  /**
   * trama: serve HTTP/1.1 (default true). false: a cleartext server speaks HTTP/2 only (prior
   * knowledge), as node:http2's `createServer` does. Named after node:http2's option.
   */
  allowHTTP1?: boolean;
  /** trama: serve HTTP/2 with prior knowledge on cleartext (the preface sniffed). Default true. */
  allowHTTP2?: boolean;
  /** trama: answer `Upgrade: h2c` (RFC 7540 §3.2) with 101 and HTTP/2. Default true. */
  allowH2CUpgrade?: boolean;
  /**
   * trama: advertise SETTINGS_ENABLE_CONNECT_PROTOCOL (RFC 8441) on HTTP/2 sessions, so clients
   * may open WebSockets (any `:protocol`) as extended CONNECT streams, handed to `'upgrade'`.
   * Default: advertised when the server has an `'upgrade'` listener as the session starts (a
   * client that sees the setting may skip HTTP/1.1, so it is only offered when someone answers).
   * node:http2 names it `settings.enableConnectProtocol`.
   */
  enableConnectProtocol?: boolean;
}

installH2Extras();

const kConnections = Symbol('kConnections');
const kInterval = Symbol('kConnectionsCheckingInterval');
const kHost = Symbol('kHost');
const kResOptions = Symbol('kResOptions');
/**
 * trama/http2 (src/http2/) takes over the HTTP/2 sessions and streams of a server that carries
 * these hooks: node:http2's session and stream objects instead of req/res.
 */
export const kH2Hooks = Symbol('trama.h2Hooks');
/** What a server with {@link kH2Hooks} is asked (see src/http2/server.ts). */
export interface H2Hooks {
  h2Options(base: { settings: { maxHeaderListSize: number } }): Omit<import('../wire/h2/connection.js').H2ConnectionOptions, 'role' | 'upgrade'>;
  onSession(session: H2ServerSession): void;
  /** true: the stream was taken (no req/res is built). */
  onStream(ex: H2Exchange): boolean;
  /** true: the stream's finish was handled. */
  onStreamFinished(ex: H2Exchange): boolean;
  onSessionError(err: Error, session: H2ServerSession): void;
  onSessionClosed(session: H2ServerSession): void;
  /** The session's socket timed out: true when someone listened. */
  onTimeout(session: H2ServerSession): boolean;
}
/** The HTTP half of Server's constructor, for servers on another base class (trama/https). */
export const kInitHttp = Symbol('kInitHttp');
const CONTINUE = /(?:^|\W)100-continue(?:$|\W)/i;

// node's diagnostics_channel names for the server side; published only when someone subscribes.
const onRequestStartChannel = channel('http.server.request.start');
const onResponseFinishChannel = channel('http.server.response.finish');

/** node's validateInteger(value, name, 0) with its messages. */
function validateNonNegativeInteger(value: unknown, name: string): number {
  if (typeof value !== 'number') throw invalidArgType(name, ['number'], value);
  if (!Number.isInteger(value)) {
    throw nodeError(RangeError, 'ERR_OUT_OF_RANGE', `The value of "${name}" is out of range. It must be an integer. Received ${String(value)}`);
  }
  if (value < 0 || value > Number.MAX_SAFE_INTEGER) {
    throw nodeError(RangeError, 'ERR_OUT_OF_RANGE', `The value of "${name}" is out of range. It must be >= 0 && <= ${Number.MAX_SAFE_INTEGER}. Received ${String(value)}`);
  }
  return value;
}

function validateTimeout(value: unknown, name: string, def: number): number {
  return value === undefined ? def : validateNonNegativeInteger(value, name);
}

function validateBool(value: unknown, name: string): boolean | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'boolean') throw invalidArgType(name, ['boolean'], value);
  return value;
}

function emitCloseNT(res: ServerResponse): void {
  if (!res._closed) {
    res.destroyed = true;
    res._closed = true;
    res.emit('close');
  }
}

/** The `head` of an HTTP/2 'upgrade': nothing arrives before the tunnel is handed over. */
const EMPTY_HEAD = Buffer.alloc(0);

const VERSION_STRINGS: Record<number, string> = { 10: '1.0', 11: '1.1', 9: '0.9' };

/** The drivers' view of a Server (kept off the Server's own surface). */
class ServerHost implements H1ServerHost, H2ServerHost {
  readonly #server: Server;
  readonly keepAliveClock: KeepAliveClock;
  constructor(server: Server) {
    this.#server = server;
    this.keepAliveClock = new KeepAliveClock(this);
  }
  get headersTimeout(): number {
    return this.#server.headersTimeout;
  }
  get requestTimeout(): number {
    return this.#server.requestTimeout;
  }
  get keepAliveTimeout(): number {
    return this.#server.keepAliveTimeout;
  }
  get timeout(): number {
    return this.#server.timeout;
  }
  get httpAllowHalfOpen(): boolean {
    return this.#server.httpAllowHalfOpen === true;
  }
  get maxPipelineDepth(): number {
    return this.#server.maxPipelineDepth;
  }
  get maxRequestsPerSocket(): number {
    return this.#server.maxRequestsPerSocket;
  }
  get closing(): boolean {
    return this.#server.closing;
  }

  h1ParserOptions(): H1ParserOptions {
    const s = this.#server;
    return {
      role: 'request',
      maxHeaderSize: s.maxHeaderSize ?? PROCESS_MAX_HEADER_SIZE,
      // maxHeadersCount limits what is exposed, not what is parsed (see #newRequest), as node's.
      maxHeaderCount: UNLIMITED_FIELDS,
      lenient: s.insecureHTTPParser ?? PROCESS_INSECURE_HTTP_PARSER,
      // Host rules stay on (RFC 9112 §3.2: two Host fields or an invalid one get 400, request
      // smuggling through disagreeing hosts); requireHostHeader: false only lets a missing one in.
      requireHost: true,
      allowMissingHost: s.requireHostHeader === false,
    };
  }

  #newRequest(head: RequestHead, socket: Socket): IncomingMessage {
    const s = this.#server;
    // The default classes are built by their ES class directly (the exported constructors are
    // plain functions for util.inherits users: `new` on them allocates a receiver it discards).
    const Req = s.IncomingMessage;
    const req = (Req === IncomingMessage ? new IncomingMessageBase(socket) : new Req(socket)) as IncomingMessage;
    const maj = head.versionMajor;
    const min = head.versionMinor;
    req.httpVersionMajor = maj;
    req.httpVersionMinor = min;
    req.httpVersion = VERSION_STRINGS[maj * 10 + min] ?? `${maj}.${min}`;
    req.method = head.method;
    req.url = head.url;
    req.rawHeaders = head.rawHeaders;
    req.upgrade = head.upgrade;
    req.joinDuplicateHeaders = s.joinDuplicateHeaders === true;
    const maxEntries = this.maxHeaderEntries();
    if (maxEntries > 0 && head.rawHeaders.length > maxEntries) {
      // node keeps parsing every field (framing needs them) and shows fewer.
      req.rawHeaders = exposedFields(head.rawHeaders, maxEntries);
      limitHeaderEntries(req, maxEntries);
    }
    return req;
  }

  /** node's `maxHeaderPairs`: `maxHeadersCount << 1` when it is a number (0 or less: no limit). */
  maxHeaderEntries(): number {
    const count = this.#server.maxHeadersCount;
    return typeof count === 'number' ? count << 1 : DEFAULT_MAX_HEADER_ENTRIES;
  }

  /** The trailer fields node exposes of a complete trailer section (its batches, see exposedFields). */
  exposedTrailers(trailers: string[]): string[] {
    return exposedFields(trailers, this.maxHeaderEntries());
  }

  /**
   * The request and response of an exchange, whichever protocol carries it: the request fed by the
   * exchange, the response writing to it. `publish`: the default ServerResponse is built by its ES
   * class directly, so 'http.server.response.created' is published here (a subclass's constructor
   * goes through the exported ServerResponse, which publishes); node's http2 publishes none.
   */
  #newPair(ex: H1Exchange | H2Exchange, publish: boolean): { req: IncomingMessage; res: ServerResponse } {
    const s = this.#server;
    const req = this.#newRequest(ex.head, ex.socket);
    req.upgrade = false;
    req[kBodySource] = ex;
    ex.req = req;
    const Res = s.ServerResponse;
    let res: ServerResponse;
    if (Res === ServerResponse) {
      res = new ServerResponseBase(req, s[kResOptions]);
      if (publish && onResponseCreatedChannel.hasSubscribers) onResponseCreatedChannel.publish({ request: req, response: res });
    } else {
      res = new Res(req, s[kResOptions]) as ServerResponse;
    }
    res[kUniqueHeaders] = s[kUniqueHeaders];
    res.socket = ex.socket;
    res._attachSink(ex);
    ex.res = res;
    return { req, res };
  }

  onRequest(ex: H1Exchange): void {
    const s = this.#server;
    const head = ex.head;
    const socket = ex.socket;
    const { req, res } = this.#newPair(ex, true);
    res._keepAliveTimeout = s.keepAliveTimeout;
    res._maxRequestsPerSocket = s.maxRequestsPerSocket;
    res.shouldKeepAlive = head.keepAlive;
    const sock = socket as Socket & { _httpMessage?: unknown };
    if (!sock._httpMessage) sock._httpMessage = res;
    if (onRequestStartChannel.hasSubscribers) onRequestStartChannel.publish({ request: req, response: res, socket, server: s });

    if (head.versionMajor === 1 && head.versionMinor === 1) {
      const max = s.maxRequestsPerSocket;
      if (typeof max === 'number' && max > 0) {
        const count = ex.conn.requestCount;
        res.maxRequestsOnConnectionReached = max <= count;
        if (max < count) {
          s.emit('dropRequest', req, socket);
          res.writeHead(503);
          res.end();
          return;
        }
      }
      const expect = expectValue(head.rawHeaders);
      if (expect !== undefined) return answerExpectation(s, req, res, expect);
    }
    s.emit('request', req, res);
  }

  onResponseFinished(ex: H1Exchange, inWriteCallback: boolean): void {
    const res = ex.res as ServerResponse;
    const req = ex.req as IncomingMessage;
    // node publishes from its own 'finish' listener, the first one: before the user's.
    if (onResponseFinishChannel.hasSubscribers) onResponseFinishChannel.publish({ request: req, response: res, socket: ex.socket, server: this.#server });
    res._onSinkFinished();
    const sock = res.socket as (Socket & { _httpMessage?: unknown }) | null;
    if (sock && sock._httpMessage === res) sock._httpMessage = null;
    res.socket = null;
    // node's order is res 'close', then req 'end' and 'close'. node emits 'close' one tick after
    // 'finish' (its 'finish' listener schedules it first, so it runs before any tick a user's
    // 'finish' listener schedules). From a write callback, which is itself a tick after the write,
    // 'close' right after 'finish' keeps that order and spares a tick per response.
    if (inWriteCallback) emitCloseNT(res);
    else process.nextTick(emitCloseNT, res);
    // Nobody read the body: drain it so the connection can go on (node's req._dump()).
    const rs = (req as unknown as { _readableState: { resumeScheduled: boolean } })._readableState;
    if (!req._consuming && !rs.resumeScheduled) {
      if (req.complete && req.readableLength === 0 && req.readableFlowing === null) {
        // Nothing left to drain: a read(0) ends it (one tick) instead of resume()'s three.
        req._dumped = true;
        req.read(0);
      } else {
        req._dump();
      }
    }
  }

  wantsUpgrade(head: RequestHead, socket: Socket): boolean {
    if (this.#server.allowH2CUpgrade && h2cSettings(head, socket) !== null) return true;
    return this.#server.listenerCount(head.method === 'CONNECT' ? 'connect' : 'upgrade') > 0;
  }

  onUpgrade(head: RequestHead, socket: Socket, bodyHead: Buffer, bodyLength: number): void {
    const settings = this.#server.allowH2CUpgrade ? h2cSettings(head, socket) : null;
    if (settings !== null) {
      upgradeToH2(this.#server, this, head, socket, settings, bodyHead, bodyLength);
      return;
    }
    const req = this.#newRequest(head, socket);
    req.upgrade = true;
    if (debugEnabled) {
      debug('SERVER upgrade or connect', head.method);
      debug('SERVER have listener for %s', head.method === 'CONNECT' ? 'connect' : 'upgrade');
    }
    // No data is lost between our listener leaving and theirs arriving.
    (socket as unknown as { readableFlowing: boolean | null }).readableFlowing = null;
    if (socket.isPaused()) socket.resume();
    (socket as unknown as { readableFlowing: boolean | null }).readableFlowing = null;
    this.#server.emit(head.method === 'CONNECT' ? 'connect' : 'upgrade', req, socket, bodyHead);
  }

  onClientError(err: Error, socket: Socket): boolean {
    if (debugEnabled && (err as { code?: string }).code?.startsWith('HPE_')) debug('parse error', err);
    return this.#server.emit('clientError', err, socket);
  }

  onActiveTimeout(conn: H1ServerConnection): boolean {
    const req = conn.current?.req as IncomingMessage | undefined;
    const reqTimeout = req !== undefined && !req.complete && req.emit('timeout', conn.socket);
    const res = conn.queue[0]?.res as ServerResponse | undefined;
    const resTimeout = res !== undefined && res.emit('timeout', conn.socket);
    const serverTimeout = this.#server.emit('timeout', conn.socket);
    return reqTimeout || resTimeout || serverTimeout;
  }

  onIdleTimeout(socket: Socket): boolean {
    return this.#server.emit('timeout', socket);
  }

  onConnectionClosed(conn: H1ServerConnection): void {
    debug('server socket close');
    this.#server[kConnections].delete(conn);
  }

  // ---- HTTP/2 (src/io/h2-server.ts) ----

  sniffsPreface(socket: Socket): boolean {
    return this.#server.allowHTTP2 && (socket as { encrypted?: boolean }).encrypted !== true;
  }

  sniffPreface(bytes: Buffer): 1 | 0 | -1 {
    return sniffPreface(bytes);
  }

  onPreface(socket: Socket, bytes: Buffer): void {
    serveH2(this.#server, socket, bytes);
  }

  h2Options(): Omit<import('../wire/h2/connection.js').H2ConnectionOptions, 'role' | 'upgrade'> {
    const s = this.#server;
    // maxHeaderSize is advertised as SETTINGS_MAX_HEADER_LIST_SIZE (and enforced: 431 + RST_STREAM).
    const base = { settings: { maxHeaderListSize: s.maxHeaderSize ?? PROCESS_MAX_HEADER_SIZE, enableConnectProtocol: s.enableConnectProtocol ?? s.listenerCount('upgrade') > 0 } };
    const hooks = s[kH2Hooks];
    return hooks === undefined ? base : hooks.h2Options(base);
  }

  onH2Request(ex: H2Exchange): void {
    const s = this.#server;
    const hooks = s[kH2Hooks];
    if (hooks !== undefined && hooks.onStream(ex)) return;
    if (ex.head.method === 'CONNECT' && s.listenerCount('upgrade') > 0) {
      const protocol = connectProtocolOf(ex.fields);
      if (protocol !== undefined) return this.#onH2Upgrade(ex, protocol);
    }
    const { req, res } = this.#newPair(ex, false);
    res.shouldKeepAlive = true;
    res.sendDate = true;
    const expect = expectValue(ex.head.rawHeaders);
    if (expect !== undefined) return answerExpectation(s, req, res, expect);
    s.emit('request', req, res);
  }

  /**
   * RFC 8441 extended CONNECT: the same 'upgrade' event as over HTTP/1.1, with a Duplex over the
   * stream as the socket. `req.method` stays CONNECT (what was sent), `req.url` is `:path`.
   */
  #onH2Upgrade(ex: H2Exchange, protocol: string): void {
    const req = this.#newRequest(ex.head, ex.socket);
    req.upgrade = true;
    const tunnel = new H2Tunnel(ex, protocol);
    ex.tunnel = true;
    // A tunnel's request never "completes": requestTimeout does not apply to it.
    ex.openedAt = 0;
    ex.req = tunnel;
    this.#server.emit('upgrade', req, tunnel, EMPTY_HEAD);
  }

  onH2ResponseFinished(ex: H2Exchange): void {
    const hooks = this.#server[kH2Hooks];
    if (hooks !== undefined && hooks.onStreamFinished(ex)) return;
    if (ex.req instanceof H2Tunnel) return ex.req._onSinkFinished();
    const res = ex.res as ServerResponse;
    const req = ex.req as IncomingMessage;
    res._onSinkFinished();
    res.socket = null;
    process.nextTick(emitCloseNT, res);
    // Nobody read the body: let it end (the driver stops the stream if the peer still sends).
    const rs = (req as unknown as { _readableState: { resumeScheduled: boolean } })._readableState;
    if (!req._consuming && !rs.resumeScheduled && !req.destroyed) req._dump();
  }

  onH2Session(session: H2ServerSession): void {
    this.#server[kConnections].add(session);
    const hooks = this.#server[kH2Hooks];
    if (hooks !== undefined) hooks.onSession(session);
    else this.#server.emit('session', session);
  }

  onH2SessionError(err: Error, session: H2ServerSession): void {
    const s = this.#server;
    const hooks = s[kH2Hooks];
    if (hooks !== undefined) hooks.onSessionError(err, session);
    else if (s.listenerCount('sessionError') > 0) s.emit('sessionError', err, session);
  }

  onH2Timeout(session: H2ServerSession): boolean {
    const hooks = this.#server[kH2Hooks];
    if (hooks !== undefined) return hooks.onTimeout(session);
    return this.#server.emit('timeout', session.socket);
  }

  onH2SessionClosed(session: H2ServerSession): void {
    this.#server[kConnections].delete(session);
    this.#server[kH2Hooks]?.onSessionClosed(session);
  }
}

/**
 * The HTTP2-Settings of an `Upgrade: h2c` request this server may accept (RFC 7540 §3.2), or
 * null: cleartext only, `h2c` among the Upgrade tokens, exactly one valid HTTP2-Settings
 * (§3.2.1: otherwise the server MUST NOT upgrade, and the request is served over HTTP/1.1).
 */
function h2cSettings(head: RequestHead, socket: Socket): string | null {
  if ((socket as { encrypted?: boolean }).encrypted === true || head.method === 'CONNECT') return null;
  const raw = head.rawHeaders;
  let settings: string | null = null;
  let count = 0;
  let h2c = false;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!.toLowerCase();
    if (name === 'upgrade') {
      for (const t of raw[i + 1]!.split(',')) if (t.trim().toLowerCase() === 'h2c') h2c = true;
    } else if (name === 'http2-settings') {
      settings = raw[i + 1]!;
      count++;
    }
  }
  if (!h2c || count !== 1 || settings === null || decodeHttp2Settings(settings) === null) return null;
  return settings;
}

/** Fields that describe the HTTP/1.1 connection or the upgrade itself: not part of the h2 request. */
const H2C_DROPPED = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'http2-settings', 'te']);

/** RFC 7540 §3.2: 101, then the upgraded request is stream 1 of a new HTTP/2 session. */
function upgradeToH2(server: Server, host: ServerHost, head: RequestHead, socket: Socket, settings: string, bodyHead: Buffer, bodyLength: number): void {
  const raw: string[] = [];
  let authority = '';
  const fields: Array<[string, string]> = [];
  for (let i = 0; i < head.rawHeaders.length; i += 2) {
    const name = head.rawHeaders[i]!;
    const lower = name.toLowerCase();
    if (H2C_DROPPED.has(lower)) continue;
    if (lower === 'host') authority = head.rawHeaders[i + 1]!;
    raw.push(name, head.rawHeaders[i + 1]!);
    if (lower !== 'host') fields.push([lower, head.rawHeaders[i + 1]!]);
  }
  const pseudo: Array<[string, string]> = [[':method', head.method], [':scheme', 'http'], [':authority', authority], [':path', head.url]];
  const h2Head: RequestHead = { ...head, versionMajor: 2, versionMinor: 0, rawHeaders: raw, keepAlive: true, upgrade: false };
  if (server.closing || socket.destroyed) {
    socket.destroy();
    return;
  }
  // RFC 9110 §7.8: the 101 names the protocol switched to.
  socket.write('HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n\r\n');
  const body = bodyHead.subarray(0, bodyLength);
  const rest = bodyHead.subarray(bodyLength);
  const sock = socket as Socket & { server?: unknown };
  if (sock.server == null) sock.server = server;
  new H2ServerSession(socket, host, { firstBytes: rest, upgrade: { head: h2Head, fields: [...pseudo, ...fields], body, http2Settings: settings } });
}

/**
 * **The HTTP/2 entry point.** Serve `socket` (a `net.Socket`, a `tls.TLSSocket` whose ALPN chose
 * `h2`, or any Duplex) as an HTTP/2 server session of `server`: every request stream reaches the
 * server's 'request' listeners as the same `IncomingMessage` / `ServerResponse` pair as over
 * HTTP/1.1 (`req.httpVersion === '2.0'`). `firstBytes` are bytes already read from the socket
 * (a sniffed preface), processed before anything else. The TLS server calls this from
 * 'secureConnection' when `socket.alpnProtocol === 'h2'`; the cleartext server calls it when the
 * prior-knowledge preface is sniffed (src/io/h1-server.ts hands the connection over). Returns
 * the session (also emitted as 'session').
 *
 * @example
 * tlsServer.on('secureConnection', (socket) => {
 *   if (socket.alpnProtocol === 'h2') serveH2(server, socket);
 * });
 */
export function serveH2(server: Server, socket: Socket, firstBytes?: Buffer): H2ServerSession {
  const sock = socket as Socket & { server?: unknown };
  if (sock.server == null) sock.server = server;
  if (server[kInterval] === null) setupConnectionsTracking.call(server);
  return new H2ServerSession(socket, server[kHost], firstBytes ? { firstBytes } : {});
}

/** A request with `Expect` (HTTP/1.1 and HTTP/2 alike): node's checkContinue / checkExpectation / 417. */
function answerExpectation(s: Server, req: IncomingMessage, res: ServerResponse, expect: string): void {
  if (CONTINUE.test(expect)) {
    res._expect_continue = true;
    if (s.listenerCount('checkContinue') > 0) {
      s.emit('checkContinue', req, res);
    } else {
      res.writeContinue();
      s.emit('request', req, res);
    }
  } else if (s.listenerCount('checkExpectation') > 0) {
    s.emit('checkExpectation', req, res);
  } else {
    // RFC 9110 §10.1.1: an expectation we can't meet gets 417.
    res.writeHead(417);
    res.end();
  }
}

function expectValue(raw: readonly string[]): string | undefined {
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    if (name.length === 6 && name.toLowerCase() === 'expect') return raw[i + 1];
  }
  return undefined;
}

/**
 * Express (4 and 5) and frameworks like it build every `req`/`res` on their own objects that
 * inherit from `require('http').IncomingMessage.prototype` / `.ServerResponse.prototype`, and set
 * them as the prototypes of the objects the server hands over. Without trama/register those are
 * node:http's prototypes, whose methods read node's internal state: the first request would crash
 * deep inside node (`Cannot read properties of undefined (reading 'content-type')` in
 * getHeader). Such a handler is recognised by the objects it carries (`app.request`,
 * `app.response`) and refused at once with the way out.
 */
function assertNodeCompatibleListener(listener: unknown): void {
  if (typeof listener !== 'function') return;
  const l = listener as { request?: unknown; response?: unknown };
  const req = l.request;
  const res = l.response;
  if ((req === undefined || req === null) && (res === undefined || res === null)) return;
  const foreign = foreignPrototype(req, IncomingMessage.prototype, 'IncomingMessage') ?? foreignPrototype(res, ServerResponse.prototype, 'ServerResponse');
  if (foreign === undefined) return;
  throw nodeError(
    TypeError,
    'ERR_TRAMA_NODE_HTTP_PROTOTYPE',
    `This request listener builds req/res on another http module's ${foreign}.prototype (Express does this with ` +
      `node:http's, or another copy of trama's); that module's methods cannot run on trama's objects. Start the program with ` +
      `\`node --import trama/register app.js\` (or \`node -r trama/register app.js\`) so that every require('http') ` +
      `and import of node:http is trama, or create this server with node:http.`,
  );
}

// A listener added after construction (`server.on('request', app)`) is checked when listening starts.
const netListen = NetServer.prototype.listen as (this: NetServer, ...args: unknown[]) => NetServer;
function listen(this: ServerClass, ...args: unknown[]): ServerClass {
  const listeners = this.listeners('request');
  for (let i = 0; i < listeners.length; i++) assertNodeCompatibleListener(listeners[i]);
  return netListen.apply(this, args) as ServerClass;
}

/** Express's chain is 3 deep; the bound only guards against a Proxy whose prototype chain never ends. */
const MAX_PROTOTYPE_DEPTH = 64;

/** The class name when `obj` inherits from a `name` prototype other than `own` (node's, or another copy of trama's). */
function foreignPrototype(obj: unknown, own: object, name: string): string | undefined {
  if (obj === null || (typeof obj !== 'object' && typeof obj !== 'function')) return undefined;
  for (let p: unknown = obj, depth = 0; p !== null && depth < MAX_PROTOTYPE_DEPTH; p = Object.getPrototypeOf(p), depth++) {
    if (p === own) return undefined;
    const ctor = Object.prototype.hasOwnProperty.call(p, 'constructor') ? (p as { constructor: unknown }).constructor : undefined;
    if (typeof ctor === 'function' && ctor.name === name && ctor.prototype === p) return name;
  }
  return undefined;
}

/** Binds one accepted socket to the server (node's connectionListener); trama/https calls it per TLS socket. */
export function connectionListener(this: Server, socket: Socket): void {
  debug('SERVER new http connection');
  const server = this;
  const s = socket as Socket & { server?: unknown };
  if (s.server == null) s.server = server;
  if (server[kInterval] === null) setupConnectionsTracking.call(server);
  if (server.closing) {
    socket.destroy();
    return;
  }
  // HTTP/2 only (allowHTTP1: false): the engine judges the preface itself.
  if (!server.allowHTTP1) {
    serveH2(server, socket);
    return;
  }
  // As node: an HTTP/1 connection's bytes are octets, never decoded text (RFC 9112 §2.2), so the
  // socket refuses setEncoding() (node's ERR_HTTP_SOCKET_ENCODING).
  socket.setEncoding = refuseSocketEncoding;
  const conn = new H1ServerConnection(socket, server[kHost]);
  server[kConnections].add(conn);
}

function refuseSocketEncoding(): never {
  throw nodeError(Error, 'ERR_HTTP_SOCKET_ENCODING', 'Changing the socket encoding is not allowed per RFC7230 Section 3.');
}

/** Listening (again: supertest closes and re-listens a server per request): a closed server serves anew. */
function onListening(this: Server): void {
  this.closing = false;
  setupConnectionsTracking.call(this);
}

function setupConnectionsTracking(this: Server): void {
  if (this[kInterval] !== null) clearInterval(this[kInterval]);
  const server = this;
  const interval = setInterval(() => server._checkConnections(), this.connectionsCheckingInterval);
  interval.unref();
  this[kInterval] = interval;
}

/**
 * The methods of node:http's Server (a `net.Server` speaking HTTP/1.1). Never constructed through
 * this class: the exported `Server` function below initializes the object (see there), so
 * `Server.call(this)` works for `util.inherits` subclasses as in node.
 */
class ServerClass extends NetServer {
  declare timeout: number;
  declare maxHeadersCount: number | null;
  declare maxRequestsPerSocket: number;
  declare headersTimeout: number;
  declare requestTimeout: number;
  declare keepAliveTimeout: number;
  declare connectionsCheckingInterval: number;
  declare requireHostHeader: boolean;
  declare joinDuplicateHeaders: boolean | undefined;
  declare insecureHTTPParser: boolean | undefined;
  declare maxHeaderSize: number | undefined;
  declare rejectNonStandardBodyWrites: boolean;
  declare httpAllowHalfOpen: boolean;
  declare maxPipelineDepth: number;
  /** close() was called: new requests get `Connection: close`, idle connections close. */
  declare closing: boolean;
  declare IncomingMessage: new (socket: Socket) => IncomingMessage;
  declare ServerResponse: new (req: IncomingMessage, options?: ServerResponseOptions) => ServerResponse;
  /** Serve HTTP/1.1 (trama option, node:http2's name). */
  declare allowHTTP1: boolean;
  /** Serve HTTP/2 with prior knowledge on cleartext. */
  declare allowHTTP2: boolean;
  /** Answer `Upgrade: h2c`. */
  declare allowH2CUpgrade: boolean;
  declare enableConnectProtocol: boolean | undefined;
  declare [kConnections]: Set<H1ServerConnection | H2ServerSession>;
  /** Set by trama/http2's servers only. */
  declare [kH2Hooks]: H2Hooks | undefined;
  declare [kInterval]: ReturnType<typeof setInterval> | null;
  declare [kHost]: ServerHost;
  declare [kResOptions]: ServerResponseOptions;
  declare [kUniqueHeaders]: Set<string> | null;

  /**
   * The HTTP half of the constructor (node's storeHTTPOptions and the HTTP listeners), run by the
   * `Server` function below and shared with trama/https's Server, which runs it on a `tls.Server`
   * and binds 'secureConnection' instead of 'connection'. Validation and messages are node's.
   */
  [kInitHttp](opts: ServerOptions, requestListener?: RequestListener): void {
    this.IncomingMessage = (opts.IncomingMessage || IncomingMessage) as new (socket: Socket) => IncomingMessage;
    this.ServerResponse = (opts.ServerResponse || ServerResponse) as new (req: IncomingMessage, o?: ServerResponseOptions) => ServerResponse;
    if (opts.maxHeaderSize !== undefined) validateNonNegativeInteger(opts.maxHeaderSize, 'maxHeaderSize');
    this.maxHeaderSize = opts.maxHeaderSize;
    this.insecureHTTPParser = validateBool(opts.insecureHTTPParser, 'options.insecureHTTPParser');
    this.requestTimeout = validateTimeout(opts.requestTimeout, 'requestTimeout', DEFAULT_REQUEST_TIMEOUT);
    this.headersTimeout = validateTimeout(opts.headersTimeout, 'headersTimeout', Math.min(DEFAULT_HEADERS_TIMEOUT, this.requestTimeout));
    if (this.requestTimeout > 0 && this.headersTimeout > 0 && this.headersTimeout > this.requestTimeout) {
      throw nodeError(RangeError, 'ERR_OUT_OF_RANGE', `The value of "headersTimeout" is out of range. It must be <= requestTimeout. Received ${this.headersTimeout}`);
    }
    this.keepAliveTimeout = validateTimeout(opts.keepAliveTimeout, 'keepAliveTimeout', DEFAULT_KEEP_ALIVE_TIMEOUT);
    this.connectionsCheckingInterval = validateTimeout(opts.connectionsCheckingInterval, 'connectionsCheckingInterval', DEFAULT_CONNECTIONS_CHECKING_INTERVAL);
    this.requireHostHeader = validateBool(opts.requireHostHeader, 'options.requireHostHeader') ?? true;
    this.joinDuplicateHeaders = validateBool(opts.joinDuplicateHeaders, 'options.joinDuplicateHeaders');
    this.rejectNonStandardBodyWrites = validateBool(opts.rejectNonStandardBodyWrites, 'options.rejectNonStandardBodyWrites') ?? false;
    // trama: an option for it too (node 20 only has the property), see ServerOptions.
    this.httpAllowHalfOpen = validateBool(opts.httpAllowHalfOpen, 'options.httpAllowHalfOpen') ?? false;
    ({ allowHTTP1: this.allowHTTP1, allowHTTP2: this.allowHTTP2, allowH2CUpgrade: this.allowH2CUpgrade } = protocolOptions(opts));
    this.enableConnectProtocol = validateBool(opts.enableConnectProtocol, 'options.enableConnectProtocol');
    const depth = opts.maxPipelineDepth ?? DEFAULT_MAX_PIPELINE_DEPTH;
    if (!Number.isInteger(depth) || depth < 1) {
      throw nodeError(RangeError, 'ERR_OUT_OF_RANGE', `The value of "maxPipelineDepth" is out of range. It must be >= 1. Received ${String(opts.maxPipelineDepth)}`);
    }
    this.maxPipelineDepth = depth;
    if (requestListener) {
      assertNodeCompatibleListener(requestListener);
      this.on('request', requestListener);
    }
    this.on('listening', onListening);
    this.timeout = 0;
    this.maxHeadersCount = null;
    this.maxRequestsPerSocket = 0;
    this.closing = false;
    this[kConnections] = new Set<H1ServerConnection | H2ServerSession>();
    this[kInterval] = null;
    this[kUniqueHeaders] = uniqueHeaderSet(opts.uniqueHeaders);
    this[kResOptions] = {
      highWaterMark: opts.highWaterMark,
      rejectNonStandardBodyWrites: this.rejectNonStandardBodyWrites,
    };
    this[kHost] = new ServerHost(this);
  }

  /**
   * Set the idle timeout of new connections; `callback` listens for 'timeout'.
   *
   * @example
   * server.setTimeout(10_000, (socket) => socket.destroy());
   */
  setTimeout(msecs?: number | (() => void), callback?: (socket: Socket) => void): this {
    if (typeof msecs === 'function') {
      callback = msecs as unknown as (socket: Socket) => void;
      msecs = undefined;
    }
    this.timeout = msecs ?? 0;
    if (callback) this.on('timeout', callback);
    return this;
  }

  /**
   * Stop accepting connections, close idle ones now; busy ones answer the requests they have
   * received, read no more, and close after their last response.
   */
  override close(callback?: (err?: Error) => void): this {
    this.closing = true;
    this.closeIdleConnections();
    for (const conn of this[kConnections]) conn.drainForClose();
    if (this[kInterval] !== null) {
      clearInterval(this[kInterval]);
      this[kInterval] = null;
    }
    return super.close(callback);
  }

  /** Destroy every connection of this server, busy or not. */
  closeAllConnections(): void {
    for (const conn of [...this[kConnections]]) conn.socket.destroy();
  }

  /** Close connections that are not sending a request or waiting for a response. */
  closeIdleConnections(): void {
    for (const conn of [...this[kConnections]]) conn.closeIfIdle();
  }

  /** The interval's work: headersTimeout and requestTimeout (node's checkConnections). */
  _checkConnections(): void {
    const ht = this.headersTimeout;
    const rt = this.requestTimeout;
    if (ht === 0 && rt === 0) return;
    const now = monotonicMs();
    for (const conn of [...this[kConnections]]) conn.checkTimeouts(now, ht, rt);
  }

  /**
   * A rejected promise from an async listener, with `events.captureRejections` on: node's answer
   * for 'request' is a 500 with no header the handler had set (none may leak), or, once the head
   * is out, destroying the response; other events go to net.Server's handler.
   */
  override [captureRejectionSymbol](err: Error, event: string, ...args: unknown[]): void {
    if (event === 'request') {
      const res = args[1] as ServerResponse;
      if (!res.headersSent && !res.writableEnded) {
        const names = res.getHeaderNames();
        for (let i = 0; i < names.length; i++) res.removeHeader(names[i]!);
        res.statusCode = 500;
        res.end(STATUS_CODES[500]);
      } else {
        res.destroy();
      }
      return;
    }
    const base = (NetServer.prototype as unknown as Record<symbol, (this: unknown, ...a: unknown[]) => void>)[captureRejectionSymbol];
    base?.call(this, err, event, ...args);
  }

  override async [Symbol.asyncDispose](): Promise<void> {
    return promisify(this.close).call(this) as Promise<void>;
  }
}

function uniqueHeaderSet(list: unknown): Set<string> | null {
  // node ignores anything but an array here (parseUniqueHeadersOption).
  if (!Array.isArray(list)) return null;
  const set = new Set<string>();
  for (const entry of list as unknown[]) {
    if (Array.isArray(entry)) for (const e of entry) set.add(String(e).toLowerCase());
    else set.add(String(entry).toLowerCase());
  }
  return set;
}

/**
 * node's Server constructor body on `self`: the options argument checked as node checks it,
 * net.Server's init, then the HTTP half (`[kInitHttp]`) and the 'connection' listener.
 */
/**
 * A server constructor's `(options?, requestListener?)`, as node's: a function alone is the
 * listener; options must be an object. Shared with trama/https's Server.
 */
export function serverArgs<O extends object>(options: O | RequestListener | null | undefined, requestListener: RequestListener | undefined): [O, RequestListener | undefined] {
  if (typeof options === 'function') return [{} as O, options];
  if (options == null) return [{} as O, requestListener];
  if (typeof options !== 'object' || Array.isArray(options)) throw invalidArgType('options', ['object'], options);
  return [options, requestListener];
}

/** Which protocols a server speaks (`allowHTTP1`, `allowHTTP2`, `allowH2CUpgrade`; default all), validated as node's. */
export function protocolOptions(opts: ServerOptions): { allowHTTP1: boolean; allowHTTP2: boolean; allowH2CUpgrade: boolean } {
  return {
    allowHTTP1: validateBool(opts.allowHTTP1, 'options.allowHTTP1') ?? true,
    allowHTTP2: validateBool(opts.allowHTTP2, 'options.allowHTTP2') ?? true,
    allowH2CUpgrade: validateBool(opts.allowH2CUpgrade, 'options.allowH2CUpgrade') ?? true,
  };
}

function initServer(self: ServerClass, options: ServerOptions | RequestListener | null | undefined, listener: RequestListener | undefined): void {
  const [opts, requestListener] = serverArgs(options, listener);
  // net.Server is a plain function in node: it initializes an existing object.
  (NetServer as unknown as (this: object, o: object) => void).call(self, {
    allowHalfOpen: true,
    noDelay: opts.noDelay ?? true,
    keepAlive: opts.keepAlive,
    keepAliveInitialDelay: opts.keepAliveInitialDelay,
    highWaterMark: opts.highWaterMark,
  });
  self[kInitHttp](opts, requestListener);
  self.on('connection', connectionListener);
}

/** `Server`'s constructor: callable with or without `new`, and on an existing object, as node's. */
export interface ServerConstructor {
  new (requestListener?: RequestListener): ServerClass;
  new (options: ServerOptions, requestListener?: RequestListener): ServerClass;
  (requestListener?: RequestListener): ServerClass;
  (options: ServerOptions, requestListener?: RequestListener): ServerClass;
  readonly prototype: ServerClass;
}

/** node:http's Server: a `net.Server` speaking HTTP/1.1. */
export type Server = ServerClass;

/**
 * node:http's Server. A plain function, as node's: `Server(listener)` without `new` returns a new
 * server, `Server.call(this, options)` initializes a `util.inherits` subclass's object, and
 * `class MyServer extends Server` works too.
 *
 * @example
 * const server = new Server({ keepAliveTimeout: 10_000 }, (req, res) => res.end('ok'));
 * server.listen(0, '127.0.0.1');
 */
function Server(this: unknown, options?: ServerOptions | RequestListener | null, requestListener?: RequestListener): ServerClass | void {
  if (!(this instanceof Server)) return new (Server as unknown as ServerConstructor)(options as ServerOptions, requestListener);
  initServer(this as ServerClass, options, requestListener);
}
Server.prototype = ServerClass.prototype;
Object.defineProperty(ServerClass.prototype, 'listen', { value: listen, writable: true, configurable: true, enumerable: false });
Object.defineProperty(ServerClass.prototype, 'constructor', { value: Server, writable: true, configurable: true, enumerable: false });
Object.setPrototypeOf(Server, NetServer);

const ServerExport = Server as unknown as ServerConstructor;
export { ServerExport as Server };

/**
 * Create an HTTP/1.1 server (node:http's `createServer`).
 *
 * @example
 * import { createServer } from 'trama';
 * createServer((req, res) => res.end('hello')).listen(8080);
 */
export function createServer(requestListener?: RequestListener): Server;
export function createServer(options: ServerOptions, requestListener?: RequestListener): Server;
export function createServer(options?: ServerOptions | RequestListener, requestListener?: RequestListener): Server {
  return new ServerExport(options as ServerOptions, requestListener);
}
