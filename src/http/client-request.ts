/**
 * `ClientRequest`, `request`, `get`: node:http's client API over the HTTP/1.1 client driver
 * (`src/io/h1-client.ts`) and the wire engine's response parser.
 *
 * Design:
 * - Built on {@link OutgoingMessage} (head building, framing, buffering before a socket), with
 *   the driver as its sink. The events, their order and the errors (`socket hang up`,
 *   `aborted`, `HPE_*` parse errors with `bytesParsed`/`rawPacket`) follow node:http for a
 *   successful request and for every abort/destroy timing; the pool protocol with the Agent
 *   (`addRequest` → `onSocket`, `'free'` on the socket) is node's, so custom agents work.
 * - Hot path: one socket write per request (the head as one latin1 string, plus a small body);
 *   no per-request timer unless a timeout is asked for; the socket listeners and the parser
 *   live in the per-socket driver and are reused across keep-alive requests; response headers
 *   are built lazily by IncomingMessage.
 * - Stale-socket retry (beyond node): a request that fails on a reused keep-alive socket before
 *   any response byte arrived — the server closed the idle connection as we wrote — is sent
 *   again, once, on a fresh connection, when its method is idempotent (RFC 9110 §9.2.2) and its
 *   bytes are still at hand (≤ MAX_REPLAY_BYTES, or the agent's `maxReplayBytes`). Otherwise the error reaches the caller with
 *   `reusedSocket === true`, as in node. A retry emits `'socket'` again with the new socket (code
 *   that checks or instruments the socket there must see the one really used) and re-applies the
 *   request's setTimeout/setNoDelay/setSocketKeepAlive to it. See docs/client.md.
 * - `'timeout'`: the request's fires once per socket (node's `once` listener on the socket), the
 *   response's once per idle period.
 * - `https:` URLs are accepted directly (node:http throws ERR_INVALID_PROTOCOL): they go to
 *   `globalHttpsAgent` unless an agent is given.
 * - Strictness: responses are parsed strictly (RFC 9112) unless `insecureHTTPParser`; a response
 *   that frames its body two ways, or sends bytes after its end, is an error, not a guess.
 *
 * `ClientRequest` is an ES5-style constructor (callable on an existing object, subclassable with
 * `util.inherits`) over the `ClientRequestBase` class, like OutgoingMessage.
 */
import * as dc from 'node:diagnostics_channel';
import * as net from 'node:net';
import { finished, type Duplex } from 'node:stream';
import {
  OutgoingMessage,
  OutgoingMessageBase,
  initOutgoingMessage,
  kOutHeaders,
  kUniqueHeaders,
  outgoingInternals,
  type OutgoingHeaders,
  type OutgoingSink,
} from './outgoing-message.js';
import { IncomingMessage, type IncomingMessageBase } from './incoming-message.js';
import { Agent, globalAgent, globalHttpsAgent, type AgentRequestOptions, type AgentSocket } from './agent.js';
import { PROCESS_INSECURE_HTTP_PARSER, PROCESS_MAX_HEADER_SIZE } from './process-options.js';
import { H1ClientDriver, MAX_REPLAY_BYTES, type H1ClientExchange, type H1ClientParseError } from '../io/h1-client.js';
import type { H1BodyDirective, H1Head } from '../wire/h1/types.js';
import type { H2RequestExchange } from './client-h2.js';
import { requestLine } from '../wire/h1/serializer.js';
import { nodeError, isToken, describeReceived, validateHeaderValue, type NodeStyleError } from '../wire/shared/index.js';
import { debug, debugEnabled } from './debug.js';

const { kNeedDrain } = outgoingInternals;

// NODE_DEBUG=http: node's client lines, word for word (read once at start-up: one branch per site).
const DEBUG = debugEnabled;

// node 20's client channels (lib/_http_client.js), published only when someone subscribed.
const onRequestStartChannel = dc.channel('http.client.request.start');
const onRequestErrorChannel = dc.channel('http.client.request.error');
const onResponseFinishChannel = dc.channel('http.client.response.finish');

/** An 'error' on the request, published on `http.client.request.error` first, as node does. */
function emitRequestError(req: ClientRequestBase, error: Error): void {
  if (onRequestErrorChannel.hasSubscribers) onRequestErrorChannel.publish({ request: req, error });
  req.emit('error', error);
}

type NeedDrain = { [k: symbol]: boolean };

/** node's parser default for response fields kept in `headers` (2000 entries: names and values). */
export const DEFAULT_MAX_HEADERS_COUNT = 2000;

// node: only SP and controls are refused in a path (it is sent as is).
const INVALID_PATH_REGEX = /[^\u0021-\u00ff]/;
/**
 * trama's per-request client state, in ONE named property: adding many symbol-keyed properties
 * to an object this large makes V8 switch it to slow (dictionary) properties.
 */
interface ClientState {
  error: Error | null | undefined;
  driver: H1ClientDriver | null;
  options: RequestOptions | null;
  retried: boolean;
  timeoutListening: boolean;
  // node forwards the socket's 'timeout' to the request with a `once` listener: once per socket.
  timeoutEmitted: boolean;
  // setTimeout/setNoDelay/setSocketKeepAlive calls, re-applied to the socket of a stale-socket
  // retry (null until the first call: nothing allocated on the common path).
  socketCalls: Array<[string, unknown[]]> | null;
  signalCleanup: (() => void) | null;
  /** The HTTP/2 stream carrying this request (an Agent with allowHTTP2: src/http/client-h2.ts). */
  h2: H2RequestExchange | null;
}

function newState(): ClientState {
  return { error: undefined, driver: null, options: null, retried: false, timeoutListening: false, timeoutEmitted: false, socketCalls: null, signalCleanup: null, h2: null };
}

/**
 * The request's state, made on first use for an object our constructor never ran on (a subclass
 * that only calls `OutgoingMessage.call(this)`, as nock does): node's methods work on those.
 */
function state(req: ClientRequestBase): ClientState {
  return req._trama ?? (req._trama = newState());
}

// RFC 9110 §9.2.2: methods whose repetition has the same effect as one request.
const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE', 'PUT', 'DELETE']);

/** Options of `request()` / `get()`: node's, plus net/tls connect options. */
export interface RequestOptions extends Record<string, unknown> {
  agent?: Agent | boolean | null | undefined;
  auth?: string | null;
  createConnection?: (options: RequestOptions, cb: (err: Error | null, socket?: Duplex) => void) => Duplex | undefined | void;
  defaultPort?: number;
  family?: number;
  headers?: OutgoingHeaders | Record<string, unknown>;
  hints?: number;
  host?: string | null;
  hostname?: string | null;
  insecureHTTPParser?: boolean;
  joinDuplicateHeaders?: boolean;
  localAddress?: string;
  localPort?: number;
  lookup?: unknown;
  maxHeaderSize?: number;
  method?: string;
  path?: string | null;
  port?: number | string | null;
  protocol?: string | null;
  setDefaultHeaders?: boolean;
  setHost?: boolean;
  signal?: AbortSignal;
  socketPath?: string;
  timeout?: number;
  uniqueHeaders?: (string | string[])[];
}

type ResponseListener = (res: IncomingMessageBase) => void;

type SocketLike = AgentSocket & {
  connecting?: boolean;
  setNoDelay?(noDelay?: boolean): unknown;
  destroySoon?(): void;
  parser?: unknown;
  /** node's flag: an error was already reported for this socket (no second one, no 'finish'). */
  _hadError?: boolean;
};

/** node's ERR_INVALID_ARG_TYPE with its exact wording (`property` for dotted names). */
function argType(name: string, expected: string, value: unknown): NodeStyleError {
  const kind = name.includes('.') ? 'property' : 'argument';
  return nodeError(TypeError, 'ERR_INVALID_ARG_TYPE', `The "${name}" ${kind} must be ${expected}.${describeReceived(value)}`);
}

/** The request's socket, as the client sees it (any Duplex a createConnection returned). */
function sk(req: OutgoingMessageBase): SocketLike {
  return req.socket as unknown as SocketLike;
}

function validateHost(host: unknown, name: string): string | null | undefined {
  if (host !== null && host !== undefined && typeof host !== 'string') {
    throw argType(`options.${name}`, 'of type string or one of undefined or null', host);
  }
  return host;
}

/** node's `ConnResetException`: an Error with code ECONNRESET. */
function connResetException(msg: string): Error {
  const err = new Error(msg) as Error & { code: string };
  err.code = 'ECONNRESET';
  return err;
}

function abortError(cause: unknown): Error {
  const err = new Error('The operation was aborted', { cause }) as Error & { code: string };
  err.name = 'AbortError';
  err.code = 'ABORT_ERR';
  return err;
}

function isURL(v: unknown): v is URL {
  return v instanceof URL || (typeof v === 'object' && v !== null && typeof (v as URL).href === 'string' && (v as URL).searchParams instanceof URLSearchParams);
}

/**
 * node's urlToHttpOptions: a URL as request options (credentials percent-decoded into `auth`,
 * IPv6 brackets removed from `hostname`).
 *
 * @example
 * urlToHttpOptions(new URL('http://u:p@[::1]:8080/a?b')); // { hostname: '::1', port: 8080, path: '/a?b', auth: 'u:p', … }
 */
export function urlToHttpOptions(url: URL): RequestOptions {
  const { hostname, pathname, port, username, password, search } = url;
  const options: RequestOptions = {
    __proto__: null,
    ...(url as unknown as Record<string, unknown>),
    protocol: url.protocol,
    hostname: hostname && hostname.startsWith('[') ? hostname.slice(1, -1) : hostname,
    hash: url.hash,
    search,
    pathname,
    path: `${pathname || ''}${search || ''}`,
    href: url.href,
  } as RequestOptions;
  if (port !== '') options.port = Number(port);
  if (username || password) options.auth = `${decodeURIComponent(username)}:${decodeURIComponent(password)}`;
  return options;
}

function validateInteger(value: unknown, name: string, min: number): void {
  if (typeof value !== 'number') throw argType(name, 'of type number', value);
  if (!Number.isInteger(value)) {
    throw nodeError(RangeError, 'ERR_OUT_OF_RANGE', `The value of "${name}" is out of range. It must be an integer. Received ${value}`);
  }
  if (value < min || value > Number.MAX_SAFE_INTEGER) {
    throw nodeError(RangeError, 'ERR_OUT_OF_RANGE', `The value of "${name}" is out of range. It must be >= ${min} && <= ${Number.MAX_SAFE_INTEGER}. Received ${value}`);
  }
}

/** node's getTimerDuration: a finite non-negative number of ms (larger ones clamp to 2^31-1 with a warning in node). */
function timerDuration(msecs: unknown, name: string): number {
  if (typeof msecs !== 'number') throw argType(name, 'of type number', msecs);
  if (msecs < 0 || !Number.isFinite(msecs)) {
    throw nodeError(RangeError, 'ERR_OUT_OF_RANGE', `The value of "${name}" is out of range. It must be a non-negative finite number. Received ${msecs}`);
  }
  return msecs > 2147483647 ? 1 : msecs;
}

function parseUniqueHeadersOption(headers: unknown): Set<string> | null {
  if (!Array.isArray(headers)) return null;
  const unique = new Set<string>();
  for (const h of headers as (string | string[])[]) {
    if (Array.isArray(h)) for (const x of h) unique.add(String(x).toLowerCase());
    else unique.add(String(h).toLowerCase());
  }
  return unique;
}

/** An `'information'` event's payload (1xx other than 101). */
export interface InformationEvent {
  statusCode: number;
  statusMessage: string;
  httpVersion: string;
  httpVersionMajor: number;
  httpVersionMinor: number;
  headers: Record<string, string | string[] | undefined>;
  rawHeaders: string[];
}

/** The methods and state of ClientRequest (see the module comment). */
export class ClientRequestBase extends OutgoingMessageBase implements H1ClientExchange {
  declare agent: Agent | undefined | null;
  declare method: string;
  declare path: string;
  declare host: string;
  declare protocol: string;
  declare res: IncomingMessageBase | null;
  declare aborted: boolean;
  declare timeoutCb: (() => void) | null;
  declare upgradeOrConnect: boolean;
  declare parser: null;
  declare maxHeadersCount: number | null;
  declare reusedSocket: boolean;
  declare _ended: boolean;
  declare socketPath: string | undefined;
  declare timeout: number | undefined;
  declare maxHeaderSize: number | undefined;
  declare insecureHTTPParser: boolean | undefined;
  declare joinDuplicateHeaders: boolean | undefined;
  declare _trama: ClientState;

  /** node's ClientRequest constructor (see `initClientRequest`). */
  constructor(input: string | URL | RequestOptions | null | undefined, options?: RequestOptions | ResponseListener | null, cb?: ResponseListener) {
    super();
    initClientRequest(this, input, options, cb);
  }

  override _implicitHeader(): void {
    if (this._header) throw nodeError(Error, 'ERR_HTTP_HEADERS_SENT', 'Cannot render headers after they are sent to the client');
    this._storeHeader(requestLine(this.method, this.path), this[kOutHeaders]);
  }

  override _finish(): void {
    super._finish();
    if (onRequestStartChannel.hasSubscribers) onRequestStartChannel.publish({ request: this });
  }

  override _onSinkFinished(): void {
    super._onSinkFinished();
    // node's requestOnFinish: the response ended before the request's last byte left; the socket
    // goes back to the pool only now that it has drained (never with a body still queued on it).
    if (this.shouldKeepAlive && this._ended && !this.destroyed && this.res) responseKeepAlive(this);
  }

  /**
   * Deprecated in node (use `destroy()`): emits 'abort' once, then destroys.
   *
   * @example
   * const req = request('http://127.0.0.1:8080/'); req.abort();
   */
  abort(): void {
    if (this.aborted) return;
    this.aborted = true;
    process.nextTick(emitAbortNT, this);
    this.destroy();
  }

  /**
   * Destroy the request (and its socket): 'error' (`socket hang up` or `err`) then 'close',
   * in node's order for each timing.
   *
   * @example
   * req.destroy(new Error('no longer needed'));
   */
  override destroy(err?: Error | null): this {
    if (this.destroyed) return this;
    this.destroyed = true;
    // If we're aborting, we don't care about any more response data.
    // Truthiness, not `!== null`: a subclass that skipped our constructor (nock's
    // ErroringClientRequest: only OutgoingMessage.call(this)) has no `res` at all.
    if (this.res) this.res._dump();
    const st = state(this);
    st.error = err;
    // HTTP/2: reset this request's stream only; the session carries other requests.
    if (st.h2 !== null) st.h2.destroyRequest(err);
    else sk(this)?.destroy(err ?? undefined);
    return this;
  }

  /** Pool protocol: the agent (or createConnection) hands the request its socket. */
  onSocket(socket: AgentSocket, err?: Error | null): void {
    process.nextTick(onSocketNT, this, socket as SocketLike, err);
  }

  /**
   * Emit 'timeout' after `msecs` of socket inactivity (the request is not destroyed by it).
   *
   * @example
   * req.setTimeout(1000, () => req.destroy());
   */
  override setTimeout(msecs: number, callback?: () => void): this {
    if (this._ended) return this;
    listenSocketTimeout(this);
    msecs = timerDuration(msecs, 'msecs');
    if (callback) this.once('timeout', callback);
    (state(this).socketCalls ??= []).push(['setTimeout', [msecs]]);
    const h2 = state(this).h2;
    if (h2 !== null) {
      // HTTP/2: the stream's own timer (applied when the stream opens if it has not yet).
      h2.setTimeout(msecs);
      return this;
    }
    if (sk(this) !== null) setSocketTimeout(sk(this), msecs);
    else this.once('socket', (sock: SocketLike) => setSocketTimeout(sock, msecs));
    return this;
  }

  clearTimeout(cb?: () => void): void {
    this.setTimeout(0, cb);
  }

  setNoDelay(noDelay?: boolean): void {
    this._deferToConnect('setNoDelay', [noDelay]);
  }

  setSocketKeepAlive(enable?: boolean, initialDelay?: number): void {
    this._deferToConnect('setKeepAlive', [enable, initialDelay]);
  }

  /** Call `socket[method](...args)` once a socket is assigned and connected. */
  _deferToConnect(method: string | null, args: unknown[]): void {
    if (method) (state(this).socketCalls ??= []).push([method, args]);
    const call = (): void => {
      const sock = sk(this) as unknown as Record<string, (...a: unknown[]) => unknown> | null;
      if (method && sock && typeof sock[method] === 'function') sock[method]!(...args);
    };
    const onSocket = (): void => {
      if (sk(this)!.writable) call();
      else sk(this)!.once('connect', call);
    };
    if (sk(this) === null) this.once('socket', onSocket);
    else onSocket();
  }

  // ---- H1ClientExchange: what the driver reads ----

  onResponseHead(head: H1Head): H1BodyDirective {
    const socket = sk(this)!;
    if (DEBUG) debug('AGENT incoming response!');
    if (this.res !== null && !this.upgradeOrConnect) {
      // A second final response for one request: the server is out of sync.
      socket.destroy();
      return 'skip-body';
    }
    const res = new IncomingMessage(socket as unknown as net.Socket);
    res.httpVersionMajor = head.versionMajor;
    res.httpVersionMinor = head.versionMinor;
    res.httpVersion = head.versionMajor === 1 && head.versionMinor === 1 ? '1.1' : `${head.versionMajor}.${head.versionMinor}`;
    res.statusCode = head.statusCode;
    res.statusMessage = head.statusMessage;
    res.rawHeaders = head.rawHeaders;
    res.upgrade = head.upgrade;
    if (this.joinDuplicateHeaders) res.joinDuplicateHeaders = true;
    // node builds `headers` from the first maxHeadersCount fields only (0: no limit; unset: its
    // parser's default of 2000 entries, i.e. 1000 fields); rawHeaders keeps them all.
    const max = this.maxHeadersCount;
    const limit = typeof max === 'number' ? (max > 0 ? max : Infinity) : DEFAULT_MAX_HEADERS_COUNT / 2;
    if (head.rawHeaders.length > limit * 2) {
      res.headers = headersOf(head.rawHeaders.slice(0, limit * 2), res.joinDuplicateHeaders);
    }
    const status = head.statusCode;
    if (status === 101) {
      if (switchesProtocols(head.rawHeaders)) {
        res.upgrade = true;
        this.res = res;
        return 'tunnel';
      }
      // A 101 without `Upgrade` and `Connection: upgrade` switches nothing (RFC 9110 §15.2.2: the
      // server names the protocol in Upgrade): node's parser makes it an ordinary response with
      // no body. Whatever follows it is not HTTP we asked for: the connection is not reused.
      res.upgrade = false;
      this.shouldKeepAlive = false;
    }
    if (this.method === 'CONNECT' && status >= 200) {
      // node treats every final answer to CONNECT as the start of a tunnel.
      res.upgrade = true;
      this.res = res;
      return 'tunnel';
    }
    if (status < 200 && status !== 101) {
      if (status === 100) this.emit('continue');
      const info: InformationEvent = {
        statusCode: status,
        statusMessage: head.statusMessage,
        httpVersion: res.httpVersion,
        httpVersionMajor: head.versionMajor,
        httpVersionMinor: head.versionMinor,
        headers: res.headers,
        rawHeaders: head.rawHeaders,
      };
      this.emit('information', info);
      return 'skip-body';
    }
    if (this.shouldKeepAlive && !head.keepAlive && !this.upgradeOrConnect) this.shouldKeepAlive = false;
    if (onResponseFinishChannel.hasSubscribers) onResponseFinishChannel.publish({ request: this, response: res });
    this.res = res;
    (res as IncomingMessageBase & { req?: unknown }).req = this;
    // Our listener first, so the socket is cleaned up whatever the user's listeners do.
    res.on('end', responseOnEnd);
    if (this.aborted || !this.emit('response', res)) res._dump();
    if (this.method === 'HEAD') return 'skip-body';
    if (status === 304 || status === 204 || status === 101) {
      if (status === 304) res.complete = true;
      return 'skip-body';
    }
    return undefined;
  }

  onResponseBody(chunk: Buffer): void {
    const res = this.res!;
    if (!res.push(chunk)) sk(this)?.pause();
  }

  onResponseComplete(trailers: string[] | null, reusable: boolean): void {
    const res = this.res;
    if (res === null) return;
    if (!reusable) this.shouldKeepAlive = false;
    res.complete = true;
    if (trailers !== null) res.rawTrailers = trailers;
    res.push(null);
  }

  onTunnel(rest: Buffer): void {
    const socket = sk(this)!;
    const res = this.res!;
    const eventName = this.method === 'CONNECT' ? 'connect' : 'upgrade';
    if (this.listenerCount(eventName) > 0) {
      this.upgradeOrConnect = true;
      socket.emit('agentRemove');
      socket._httpMessage = null;
      (socket as unknown as { readableFlowing: boolean | null }).readableFlowing = null;
      this.emit(eventName, res, socket, rest);
      this.destroyed = true;
      this._closed = true;
      this.emit('close');
    } else {
      // Upgrade or CONNECT without a listener: node closes the connection.
      socket.once('close', () => socketCloseListener(this));
      socket.destroy();
    }
  }

  onParseError(err: H1ClientParseError): void {
    const socket = sk(this)!;
    if (DEBUG) debug('parse error', err);
    socket.destroy();
    socket._hadError = true;
    emitRequestError(this, err);
  }

  onSocketError(err: Error): void {
    const socket = sk(this)!;
    if (DEBUG) debug('SOCKET ERROR:', err.message, err.stack);
    if (retryOnFreshSocket(this)) return;
    socket._hadError = true;
    emitRequestError(this, err);
    socket.destroy();
  }

  onSocketEnd(err: H1ClientParseError | null): void {
    void err;
    const socket = sk(this)!;
    if (this.res === null && !socket._hadError) {
      if (retryOnFreshSocket(this)) return;
      socket._hadError = true;
      emitRequestError(this, connResetException('socket hang up'));
    }
    socket.destroy();
  }

  onSocketClose(): void {
    if (this.res === null && !sk(this)!._hadError && retryOnFreshSocket(this)) return;
    socketCloseListener(this);
  }

  onDrain(): void {
    if (!this.finished && (this as unknown as NeedDrain)[kNeedDrain]) {
      (this as unknown as NeedDrain)[kNeedDrain] = false;
      this.emit('drain');
    }
  }

  onSocketTimeout(): void {
    if (this._trama.timeoutListening && !this._trama.timeoutEmitted) {
      this._trama.timeoutEmitted = true;
      this.emit('timeout');
    }
    const res = this.res;
    if (res !== null && !res.complete) res.emit('timeout');
  }
}

/**
 * The stale keep-alive socket race (see the module comment): true when the request was moved
 * to a fresh socket.
 */
function retryOnFreshSocket(req: ClientRequestBase): boolean {
  const driver = req._trama.driver;
  const agent = req.agent;
  if (
    !req.reusedSocket ||
    req._trama.retried ||
    req.destroyed ||
    req.aborted ||
    driver === null ||
    driver.responseBytes !== 0 ||
    !IDEMPOTENT.has(req.method) ||
    !agent ||
    typeof agent.createSocket !== 'function' ||
    req._trama.options === null
  ) {
    return false;
  }
  const replay = driver.takeRecording();
  if (replay === null) return false;
  req._trama.retried = true;
  const old = sk(req)!;
  driver.release();
  old._httpMessage = null;
  old.destroy();
  req.socket = null;
  req._trama.driver = null;
  req.reusedSocket = false;
  agent.createSocket(req, req._trama.options as AgentRequestOptions, (err, socket) => {
    if (err) {
      process.nextTick(() => {
        emitRequestError(req, err);
        req._closed = true;
        req.emit('close');
      });
      return;
    }
    const s = socket as SocketLike;
    // The replay goes first, then anything the request writes later.
    attachSocket(req, s);
    // What the pool and the request's own calls did to the stale socket, done to this one
    // (the agent's #setRequestSocket, then setTimeout/setNoDelay/setSocketKeepAlive in order).
    const agentTimeout = (agent.options as { timeout?: number } | undefined)?.timeout || 0;
    if (req.timeout !== undefined && req.timeout !== agentTimeout) s.setTimeout?.(req.timeout);
    const calls = req._trama.socketCalls;
    if (calls !== null) for (const [method, args] of calls) applySocketCall(s, method, args);
    // A new socket: its 'timeout' reaches the request once more, as node's per-socket listener.
    req._trama.timeoutEmitted = false;
    const d = req._trama.driver as H1ClientDriver | null;
    for (const w of replay) (d ?? s).write(w.data as Buffer, (w.encoding ?? 'utf8') as BufferEncoding);
    req.emit('socket', s);
    req._attachSink((d ?? s) as unknown as OutgoingSink);
  });
  return true;
}

/**
 * A 101 that really switches: an `Upgrade` field and `upgrade` among the Connection options (what
 * llhttp requires before node's client emits 'upgrade').
 */
function switchesProtocols(raw: string[]): boolean {
  let upgrade = false;
  let connection = false;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!.toLowerCase();
    if (name === 'upgrade') upgrade = true;
    else if (name === 'connection' && /(?:^|,)[ \t]*upgrade[ \t]*(?:,|$)/i.test(raw[i + 1]!)) connection = true;
  }
  return upgrade && connection;
}

/** A header with a truthy value is set (node's `getHeader(name)` truthiness), `name` lower-case. */
function hasStored(req: ClientRequestBase, name: string): boolean {
  const store = req[kOutHeaders];
  if (store === null) return false;
  const entry = store.get(name);
  return entry !== undefined && !!entry[1];
}

function headersOf(raw: string[], join: boolean): Record<string, string | string[] | undefined> {
  const tmp = new IncomingMessage(null);
  tmp.rawHeaders = raw;
  tmp.joinDuplicateHeaders = join;
  return tmp.headers;
}

function emitAbortNT(req: ClientRequestBase): void {
  req.emit('abort');
}

function applySocketCall(sock: SocketLike, method: string, args: unknown[]): void {
  const call = (): void => {
    const fn = (sock as unknown as Record<string, ((...a: unknown[]) => unknown) | undefined>)[method];
    if (typeof fn === 'function') fn.apply(sock, args);
  };
  if (sock.connecting) sock.once('connect', call);
  else call();
}

function setSocketTimeout(sock: SocketLike, msecs: number): void {
  if (sock.connecting) sock.once('connect', () => sock.setTimeout?.(msecs));
  else sock.setTimeout?.(msecs);
}

function listenSocketTimeout(req: ClientRequestBase): void {
  // The driver forwards the socket's 'timeout'; the request only says it wants it.
  const st = state(req);
  if (st.timeoutListening) return;
  st.timeoutListening = true;
  req.timeoutCb = emitRequestTimeoutNoop;
}

function emitRequestTimeoutNoop(): void {}

function socketCloseListener(req: ClientRequestBase): void {
  const socket = sk(req)!;
  if (DEBUG) debug('HTTP socket close');
  const res = req.res;
  req.destroyed = true;
  req._trama.signalCleanup?.();
  if (res !== null) {
    // Socket closed before the response completed.
    if (!res.complete) res.destroy(connResetException('aborted'));
    req._closed = true;
    req.emit('close');
    if (!res.aborted && res.readable) res.push(null);
  } else {
    if (!socket._hadError) {
      // The socket closed before a response started: the error belongs to the request.
      socket._hadError = true;
      emitRequestError(req, connResetException('socket hang up'));
    }
    req._closed = true;
    req.emit('close');
  }
  req.outputData.length = 0;
  req.outputSize = 0;
}

function responseOnEnd(this: IncomingMessageBase): void {
  const req = (this as IncomingMessageBase & { req: ClientRequestBase }).req;
  const socket = sk(req);
  req._ended = true;
  if (!req.shouldKeepAlive) {
    if (socket !== null && socket.writable) {
      if (DEBUG) debug('AGENT socket.destroySoon()');
      if (typeof socket.destroySoon === 'function') socket.destroySoon();
      else socket.end();
    }
  } else if (req.writableFinished && !this.aborted) {
    // Every request byte was accepted by the socket (not merely queued on it): free it now;
    // otherwise _onSinkFinished does once it drained.
    responseKeepAlive(req);
  }
}

function responseKeepAlive(req: ClientRequestBase): void {
  const socket = sk(req)!;
  if (DEBUG) debug('AGENT socket keep-alive');
  const driver = req._trama.driver;
  if (req._trama.timeoutListening && req.timeoutCb !== null) {
    socket.setTimeout?.(0);
    req.timeoutCb = null;
  }
  if (driver !== null) driver.release();
  req.destroyed = true;
  if (req.res !== null) {
    // Detach the socket from the response so res.destroy() can't hit the next request's socket.
    req.res.socket = null;
  }
  // Mark the socket as available after the user's 'end' handlers ran (node's emitFreeNT).
  process.nextTick(emitFreeNT, req);
}

function emitFreeNT(req: ClientRequestBase): void {
  req._closed = true;
  req._trama.signalCleanup?.();
  req.emit('close');
  if (sk(req) !== null) sk(req).emit('free');
}

function attachSocket(req: ClientRequestBase, socket: SocketLike): void {
  req.socket = socket as unknown as net.Socket;
  // maxHeadersCount is not a parse limit in node (extra fields are dropped from `headers`, see
  // onResponseHead): the parser's count bound is left open, the head stays bounded by size.
  const driver = H1ClientDriver.for(socket, req.maxHeaderSize || PROCESS_MAX_HEADER_SIZE, 0, (req.insecureHTTPParser ?? PROCESS_INSECURE_HTTP_PARSER) === true);
  driver.attach(req);
  req._trama.driver = driver;
  socket._httpMessage = req;
  // Only a reused socket can be stale; only an idempotent request may be replayed.
  if (req.reusedSocket && !req._trama.retried && IDEMPOTENT.has(req.method)) {
    const limit = (req.agent?.options as { maxReplayBytes?: number } | undefined)?.maxReplayBytes;
    driver.startRecording(typeof limit === 'number' ? limit : MAX_REPLAY_BYTES);
  }
}

function tickOnSocket(req: ClientRequestBase, socket: SocketLike): void {
  attachSocket(req, socket);
  const agent = req.agent;
  if (req.timeout !== undefined || (agent && (agent.options as { timeout?: number } | undefined)?.timeout)) listenSocketTimeout(req);
  req.emit('socket', socket);
}

function onSocketNT(req: ClientRequestBase, socket: SocketLike | undefined, err: Error | null | undefined): void {
  const st = state(req);
  if (req.destroyed || err) {
    req.destroyed = true;
    const done = (e: Error | null | undefined): void => {
      if (!req.aborted && !e) e = connResetException('socket hang up');
      if (e) emitRequestError(req, e);
      req._closed = true;
      st.signalCleanup?.();
      req.emit('close');
    };
    if (socket) {
      if (!err && req.agent && !socket.destroyed) {
        // Never used: give it back to the pool untouched.
        socket.emit('free');
      } else {
        // finished() listens for 'error' too: a socket (often a user's Duplex) that fails while
        // or after being destroyed reports that error on the request, never as an uncaught one;
        // a plain premature close is no error (node's onSocketNT).
        socket.destroy((err || st.error) ?? undefined);
        finished(socket, (er) => {
          done(er && (er as NodeStyleError).code !== 'ERR_STREAM_PREMATURE_CLOSE' ? er : err);
        });
        return;
      }
    }
    done(err || st.error);
    return;
  }
  tickOnSocket(req, socket!);
  req._attachSink(st.driver as unknown as OutgoingSink);
  if (req.finished) req._finishAfterAttach();
  else if ((req as unknown as NeedDrain)[kNeedDrain]) {
    (req as unknown as NeedDrain)[kNeedDrain] = false;
    req.emit('drain');
  }
}

/** node's ClientRequest constructor body, after OutgoingMessage's. */
function initClientRequest(
  self: ClientRequestBase,
  input: string | URL | RequestOptions | null | undefined,
  options?: RequestOptions | ResponseListener | null,
  cb?: ResponseListener,
): void {
  let opts: RequestOptions;
  let base: RequestOptions | null;
  if (typeof input === 'string') {
    base = urlToHttpOptions(new URL(input));
  } else if (isURL(input)) {
    base = urlToHttpOptions(input);
  } else {
    cb = options as ResponseListener | undefined;
    options = input as RequestOptions | null | undefined;
    base = null;
  }
  if (typeof options === 'function') {
    cb = options;
    opts = base ?? {};
  } else {
    // Spread, not Object.assign: same copy, but V8 clones a literal-like object much faster.
    opts = base === null ? ({ ...options } as RequestOptions) : Object.assign(base, options);
  }

  let agent = opts.agent as Agent | false | null | undefined;
  const requestedProtocol = (opts.protocol as string | null | undefined) || undefined;
  // trama: https: URLs use the TLS pool by default.
  const defaultAgent: Agent =
    (opts._defaultAgent as Agent | undefined) || (requestedProtocol === 'https:' && (agent === undefined || agent === null || agent === false) ? globalHttpsAgent : globalAgent);
  if (agent === false) {
    const Ctor = defaultAgent.constructor as new () => Agent;
    agent = new Ctor();
  } else if (agent === null || agent === undefined) {
    if (typeof opts.createConnection !== 'function') agent = defaultAgent;
  } else if (typeof (agent as Agent).addRequest !== 'function') {
    throw argType('options.agent', 'one of Agent-like Object, undefined, or false', agent);
  }
  self.agent = agent || undefined;

  const protocol = requestedProtocol || defaultAgent.protocol;
  let expectedProtocol = defaultAgent.protocol;
  if (self.agent && self.agent.protocol) expectedProtocol = self.agent.protocol;

  if (opts.path) {
    const path = String(opts.path);
    if (INVALID_PATH_REGEX.test(path)) {
      if (DEBUG) debug('Path contains unescaped characters: "%s"', path);
      throw nodeError(TypeError, 'ERR_UNESCAPED_CHARACTERS', 'Request path contains unescaped characters');
    }
  }
  if (protocol !== expectedProtocol) {
    throw nodeError(TypeError, 'ERR_INVALID_PROTOCOL', `Protocol "${protocol}" not supported. Expected "${expectedProtocol}"`);
  }

  const defaultPort = opts.defaultPort || (self.agent && self.agent.defaultPort);
  const port = (opts.port = opts.port || defaultPort || 80);
  const host = (opts.host = validateHost(opts.hostname, 'hostname') || validateHost(opts.host, 'host') || 'localhost');
  const setDefaultHeaders = opts.setDefaultHeaders === undefined ? true : Boolean(opts.setDefaultHeaders);
  const setHost = opts.setHost === undefined ? setDefaultHeaders : Boolean(opts.setHost);

  self.socketPath = opts.socketPath;
  self.timeout = undefined;
  if (opts.timeout !== undefined) self.timeout = timerDuration(opts.timeout, 'timeout');

  let method = opts.method as unknown;
  const methodIsString = typeof method === 'string';
  if (method !== null && method !== undefined && !methodIsString) throw argType('options.method', 'of type string', method);
  if (methodIsString && method) {
    if (!isToken(method as string)) {
      throw nodeError(TypeError, 'ERR_INVALID_HTTP_TOKEN', `Method must be a valid HTTP token ["${method as string}"]`);
    }
    method = self.method = (method as string).toUpperCase();
  } else {
    method = self.method = 'GET';
  }

  const maxHeaderSize = opts.maxHeaderSize;
  if (maxHeaderSize !== undefined) validateInteger(maxHeaderSize, 'maxHeaderSize', 0);
  self.maxHeaderSize = maxHeaderSize;

  const insecureHTTPParser = opts.insecureHTTPParser;
  if (insecureHTTPParser !== undefined && typeof insecureHTTPParser !== 'boolean') {
    throw argType('options.insecureHTTPParser', 'of type boolean', insecureHTTPParser);
  }
  self.insecureHTTPParser = insecureHTTPParser;

  const joinDuplicateHeaders = opts.joinDuplicateHeaders;
  if (joinDuplicateHeaders !== undefined && typeof joinDuplicateHeaders !== 'boolean') {
    throw argType('options.joinDuplicateHeaders', 'of type boolean', joinDuplicateHeaders);
  }
  self.joinDuplicateHeaders = joinDuplicateHeaders;

  self.path = (opts.path as string | null | undefined) || '/';
  if (cb) self.once('response', cb);

  self.useChunkedEncodingByDefault = !(
    method === 'GET' ||
    method === 'HEAD' ||
    method === 'DELETE' ||
    method === 'OPTIONS' ||
    method === 'TRACE' ||
    method === 'CONNECT'
  );

  self._ended = false;
  self.res = null;
  self.aborted = false;
  self.timeoutCb = null;
  self.upgradeOrConnect = false;
  self.parser = null;
  self.maxHeadersCount = null;
  self.reusedSocket = false;
  self.host = host;
  self.protocol = protocol;
  self._trama = newState();
  if (opts.uniqueHeaders !== undefined) self[kUniqueHeaders] = parseUniqueHeadersOption(opts.uniqueHeaders);

  if (self.agent) {
    // Keep-alive by default, but only if the agent will actually reuse the connection.
    if (!self.agent.keepAlive && !Number.isFinite(self.agent.maxSockets)) {
      self._last = true;
      self.shouldKeepAlive = false;
    } else {
      self._last = false;
      self.shouldKeepAlive = true;
    }
  }

  if (!setDefaultHeaders) {
    // The caller writes Connection and the framing fields itself.
    self._removedConnection = true;
    self._removedContLen = true;
    self._removedTE = true;
  }

  const headers = opts.headers as Record<string, unknown> | unknown[] | undefined;
  if (!Array.isArray(headers)) {
    if (headers) {
      const keys = Object.keys(headers);
      for (let i = 0; i < keys.length; i++) {
        const key = keys[i]!;
        self.setHeader(key, (headers as Record<string, never>)[key]);
      }
    }
    // The header store is read directly here (no getHeader(): the names are known constants).
    if (host && setHost && !hasStored(self, 'host')) {
      let hostHeader: string = host;
      // RFC 3986 §3.2.2: an IPv6 literal goes in brackets.
      const posColon = hostHeader.indexOf(':');
      if (posColon !== -1 && hostHeader.includes(':', posColon + 1) && hostHeader.charCodeAt(0) !== 91) {
        hostHeader = `[${hostHeader}]`;
      }
      if (port && +port !== defaultPort) hostHeader += ':' + port;
      // node's setHeader('Host', …): the value is checked (no CR/LF from a hostile host option).
      validateHeaderValue('Host', hostHeader);
      let store = self[kOutHeaders];
      if (store === null) self[kOutHeaders] = store = new Map();
      store.set('host', ['Host', hostHeader]);
    }
    if (opts.auth && !hasStored(self, 'authorization')) {
      self.setHeader('Authorization', 'Basic ' + Buffer.from(String(opts.auth)).toString('base64'));
    }
    if (hasStored(self, 'expect')) {
      if (self._header) throw nodeError(Error, 'ERR_HTTP_HEADERS_SENT', 'Cannot render headers after they are sent to the client');
      self._storeHeader(requestLine(self.method, self.path), self[kOutHeaders]);
    }
  } else {
    self._storeHeader(requestLine(self.method, self.path), headers as OutgoingHeaders);
  }

  const signal = opts.signal;
  let optsWithoutSignal = opts;
  if (signal) {
    optsWithoutSignal = Object.assign({}, opts);
    delete optsWithoutSignal.signal;
    addAbortSignal(self, signal);
  }
  self._trama.options = optsWithoutSignal;

  if (self.agent) {
    self.agent.addRequest(self as unknown as Parameters<Agent['addRequest']>[0], optsWithoutSignal as AgentRequestOptions);
  } else {
    // No agent: Connection: close.
    self._last = true;
    self.shouldKeepAlive = false;
    // What reaches the connection is net's options: `path` is the IPC path (the socket path), never
    // the request path (node copies the options the same way; the Agent does it in createSocket).
    let connOpts = optsWithoutSignal;
    if (connOpts.path || connOpts.socketPath) {
      connOpts = { ...optsWithoutSignal };
      if (connOpts.socketPath) connOpts.path = connOpts.socketPath;
      else connOpts.path = undefined;
    }
    const create = connOpts.createConnection;
    if (typeof create === 'function') {
      let called = false;
      const oncreate = (err: Error | null, socket?: Duplex): void => {
        if (called) return;
        called = true;
        if (err) process.nextTick(emitRequestError, self, err);
        else self.onSocket(socket as AgentSocket);
      };
      try {
        const newSocket = create(connOpts, oncreate);
        if (newSocket) oncreate(null, newSocket);
      } catch (err) {
        oncreate(err as Error);
      }
    } else {
      if (DEBUG) debug('CLIENT use net.createConnection', connOpts);
      self.onSocket(net.createConnection(connOpts as net.NetConnectOpts) as unknown as AgentSocket);
    }
  }
}

function addAbortSignal(req: ClientRequestBase, signal: AbortSignal): void {
  if (typeof signal !== 'object' || signal === null || !('aborted' in signal)) {
    throw argType('signal', 'an instance of AbortSignal', signal);
  }
  const onAbort = (): void => {
    req.destroy(abortError(signal.reason));
  };
  if (signal.aborted) {
    onAbort();
    return;
  }
  signal.addEventListener('abort', onAbort);
  req._trama.signalCleanup = () => {
    signal.removeEventListener('abort', onAbort);
    req._trama.signalCleanup = null;
  };
}

/** `ClientRequest` as a value: constructible, callable on an existing object, subclassable. */
export interface ClientRequestConstructor {
  new (input: string | URL | RequestOptions, options?: RequestOptions | ResponseListener, cb?: ResponseListener): ClientRequest;
  (this: object, input: string | URL | RequestOptions, options?: RequestOptions | ResponseListener, cb?: ResponseListener): void;
  readonly prototype: ClientRequest;
}

/** The node:http ClientRequest. */
export type ClientRequest = ClientRequestBase;

function ClientRequestFn(
  this: ClientRequestBase,
  input: string | URL | RequestOptions,
  options?: RequestOptions | ResponseListener,
  cb?: ResponseListener,
): ClientRequestBase | void {
  // `new ClientRequest(…)`, or a call without a receiver: the class builds it.
  if (new.target === ClientRequestFn || !(this instanceof ClientRequestBase)) return new ClientRequestBase(input, options, cb);
  initOutgoingMessage(this);
  initClientRequest(this, input, options, cb);
}
ClientRequestFn.prototype = ClientRequestBase.prototype;
Object.defineProperty(ClientRequestBase.prototype, 'constructor', {
  value: ClientRequestFn,
  writable: true,
  configurable: true,
  enumerable: false,
});
Object.setPrototypeOf(ClientRequestFn, OutgoingMessage);
// node's name (stack traces, `constructor.name` checks in libraries).
Object.defineProperty(ClientRequestFn, 'name', { value: 'ClientRequest', configurable: true });

export const ClientRequest = ClientRequestFn as unknown as ClientRequestConstructor;

/**
 * node:http's `request(url[, options][, callback])`: start a request (call `end()` to send it).
 *
 * @example
 * const req = request('http://127.0.0.1:8080/upload', { method: 'POST' }, (res) => res.resume());
 * req.end('payload');
 */
export function request(
  url: string | URL | RequestOptions,
  options?: RequestOptions | ResponseListener,
  cb?: ResponseListener,
): ClientRequest {
  return new ClientRequest(url, options, cb);
}

/**
 * node:http's `get(url[, options][, callback])`: a GET request, already ended.
 *
 * @example
 * get('http://127.0.0.1:8080/', (res) => { res.setEncoding('utf8'); res.on('data', console.log); });
 */
export function get(url: string | URL | RequestOptions, options?: RequestOptions | ResponseListener, cb?: ResponseListener): ClientRequest {
  const req = request(url, options, cb);
  req.end();
  return req;
}
