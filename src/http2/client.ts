/**
 * node:http2's client: `connect()`, `ClientHttp2Session`, `ClientHttp2Stream`, over trama's HTTP/2
 * client driver (src/io/h2-client.ts, `H2ClientSession` / `H2ClientStream`). This file only
 * translates: node's header objects and options to the driver's field lists, the driver's events
 * to node's (names, arguments, order), and the driver's stream to a Duplex whose readable side
 * credits flow control back as the application reads (RFC 9113 §6.9: a reader that stops holds
 * at most the stream window).
 *
 * Decisions (docs/http2.md): 'connect' is emitted when the socket is connected (TLS: secured), as
 * node does, before the server's SETTINGS; `session.socket` is the real socket; sessions never
 * close when idle (node's default), and push streams nobody listens for ('stream') are refused
 * with RST_STREAM CANCEL at once.
 */
import net from 'node:net';
import tls from 'node:tls';
import { Duplex } from 'node:stream';
import { sensitiveHeaders } from 'node:http2';
import { H2ClientSession, type H2ClientStream } from '../io/h2-client.js';
import type { H2Headers } from '../wire/h2/events.js';
import { invalidArgType } from '../wire/shared/index.js';
import { http2Error, nghttp2CodeName } from './errors.js';
import { toFields, toHeaderObject, type IncomingHeaders, type OutgoingHeaders } from './headers.js';
import { fromEngineSettings, toEngineSettings, validateSettings, type Settings } from './settings.js';
import { constants, streamStateObject } from './constants.js';
import { Http2SessionBase, pingArgs } from './session.js';

/** node:http2's `connect()` options (those trama uses; the rest are accepted and ignored). */
export interface ClientSessionOptions extends tls.ConnectionOptions {
  settings?: Settings;
  createConnection?: (authority: URL, options: ClientSessionOptions) => net.Socket | tls.TLSSocket | Duplex;
  protocol?: 'http:' | 'https:';
  maxSessionMemory?: number;
  peerMaxConcurrentStreams?: number;
}

export interface ClientRequestOptions {
  endStream?: boolean;
  exclusive?: boolean;
  parent?: number;
  weight?: number;
  waitForTrailers?: boolean;
  signal?: AbortSignal;
}

type ConnectListener = (session: ClientHttp2Session, socket: net.Socket | tls.TLSSocket) => void;

/** node:http2's ClientHttp2Session. */
export class ClientHttp2Session extends Http2SessionBase {
  readonly #driver: H2ClientSession;
  readonly #authority: URL;

  constructor(driver: H2ClientSession, authority: URL) {
    super(driver as unknown as ConstructorParameters<typeof Http2SessionBase>[0], constants.NGHTTP2_SESSION_CLIENT);
    this.#driver = driver;
    this.#authority = authority;
    driver.on('remoteSettings', (s) => this.emit('remoteSettings', fromEngineSettings(s)));
    driver.on('localSettings', (s) => this.emit('localSettings', fromEngineSettings(s)));
    driver.on('ping', (p: Buffer) => this.emit('ping', Buffer.from(p)));
    driver.on('goaway', (code: number, last: number, debug: Buffer) => this.emit('goaway', code, last, debug.length > 0 ? Buffer.from(debug) : undefined));
    driver.on('frameError', (type: number, code: number, id: number) => this.emit('frameError', type, code, id));
    driver.on('timeout', () => this.emit('timeout'));
    driver.on('push', (s: H2ClientStream, headers: H2Headers, parent: H2ClientStream | undefined) => this.#onPush(s, headers, parent));
    // The driver reports its end once: 'error' (if any) then 'close'.
    let failure: Error | null = null;
    driver.on('error', (err: Error) => (failure = err));
    driver.on('close', () => this.onDriverClosed(failure));
  }

  /** The socket is connected ('connect' was emitted). */
  isConnected = false;

  override get originSet(): string[] | undefined {
    return this.encrypted ? [this.#authority.origin] : undefined;
  }

  /**
   * Opens a request stream: `headers` as node takes them (`:method` GET, `:path` '/', `:scheme`
   * and `:authority` from the session's authority by default).
   *
   * @example
   * const req = session.request({ ':path': '/' });
   * req.on('response', (headers) => console.log(headers[':status']));
   * req.end();
   */
  request(headers?: OutgoingHeaders | null, options: ClientRequestOptions = {}): ClientHttp2Stream {
    if (this.destroyed) throw http2Error('ERR_HTTP2_INVALID_SESSION');
    if (this.closed) throw http2Error('ERR_HTTP2_GOAWAY_SESSION');
    if (headers != null && typeof headers !== 'object') throw invalidArgType('headers', ['object'], headers);
    if (options === null || typeof options !== 'object') throw invalidArgType('options', ['object'], options);
    const h: OutgoingHeaders = headers == null ? {} : { ...headers };
    // node keeps the symbol of sensitive headers on a copy too.
    const marked = (headers as Record<symbol, unknown> | null | undefined)?.[sensitiveHeaders];
    if (marked !== undefined) h[sensitiveHeaders] = marked;
    const method = String(h[':method'] ?? 'GET').toUpperCase();
    h[':method'] = method;
    const connect = method === 'CONNECT' && h[':protocol'] === undefined;
    if (connect) {
      // RFC 9113 §8.5: CONNECT carries only :method and :authority (the proxy target: never defaulted).
      if (h[':authority'] === undefined) throw http2Error('ERR_HTTP2_CONNECT_AUTHORITY');
      if (h[':scheme'] !== undefined) throw http2Error('ERR_HTTP2_CONNECT_SCHEME');
      if (h[':path'] !== undefined) throw http2Error('ERR_HTTP2_CONNECT_PATH');
    } else {
      h[':authority'] ??= this.#authority.host;
      h[':scheme'] ??= this.#authority.protocol.slice(0, -1);
      h[':path'] ??= '/';
    }
    const { fields, sensitive } = toFields(h, 'request');
    const endStream = options.endStream === true;
    const priority = options.weight !== undefined || options.parent !== undefined || options.exclusive !== undefined
      ? { weight: options.weight ?? constants.NGHTTP2_DEFAULT_WEIGHT, exclusive: options.exclusive === true, parent: options.parent ?? 0 }
      : undefined;
    const ds = this.#driver.request(fields, { endStream, waitForTrailers: options.waitForTrailers === true, ...(priority ? { priority } : {}), ...(sensitive ? { sensitive } : {}) });
    const stream = new ClientHttp2Stream(this, ds, h, false);
    if (endStream) stream.end();
    const signal = options.signal;
    if (signal !== undefined) {
      const onAbort = (): void => {
        const err = new Error('The operation was aborted') as Error & { code: string; name: string };
        err.code = 'ABORT_ERR';
        err.name = 'AbortError';
        stream.destroy(err);
      };
      if (signal.aborted) process.nextTick(onAbort);
      else {
        signal.addEventListener('abort', onAbort, { once: true });
        stream.once('close', () => signal.removeEventListener('abort', onAbort));
      }
    }
    return stream;
  }

  #onPush(ds: H2ClientStream, headers: H2Headers, parent: H2ClientStream | undefined): void {
    if (this.listenerCount('stream') === 0) {
      // Nobody takes pushes: refuse it now rather than hold its data.
      ds.close(constants.NGHTTP2_CANCEL);
      return;
    }
    const reqHeaders = toHeaderObject(headers);
    const pushed = new ClientHttp2Stream(this, ds, reqHeaders as OutgoingHeaders, true);
    void parent;
    this.emit('stream', pushed, reqHeaders, constants.NGHTTP2_FLAG_END_HEADERS, flatten(headers));
  }

  override ping(payload?: Uint8Array | ((err: Error | null, duration: number, payload: Buffer) => void), cb?: (err: Error | null, duration: number, payload: Buffer) => void): boolean {
    if (this.destroyed) throw http2Error('ERR_HTTP2_INVALID_SESSION');
    const args = pingArgs(payload, cb);
    return this.#driver.ping(args.payload, args.cb);
  }

  override settings(settings: Settings, cb?: (err: Error | null, settings: Settings, duration: number) => void): void {
    if (this.destroyed) throw http2Error('ERR_HTTP2_INVALID_SESSION');
    const s = validateSettings(settings);
    if (cb !== undefined && typeof cb !== 'function') throw invalidArgType('callback', ['function'], cb);
    const at = performance.now();
    this.#driver.settings(toEngineSettings(s), cb ? () => cb(null, this.localSettings, performance.now() - at) : undefined);
  }

  override goaway(code: number = constants.NGHTTP2_NO_ERROR, lastStreamID?: number, opaqueData?: Uint8Array): void {
    if (this.destroyed) throw http2Error('ERR_HTTP2_INVALID_SESSION');
    if (typeof code !== 'number') throw invalidArgType('code', ['number'], code);
    this.#driver.goaway(code, lastStreamID, opaqueData);
  }

  override destroy(err?: Error | number, code?: number): void {
    if (this.destroyed) return;
    if (typeof err === 'number') {
      code = err;
      err = undefined;
    }
    this.#driver.destroy(err ?? null, code);
  }

  override setLocalWindowSize(size: number): void {
    super.setLocalWindowSize(size);
  }
}


function flatten(fields: H2Headers): string[] {
  const out: string[] = [];
  for (const [n, v] of fields) out.push(n, v);
  return out;
}

/** node:http2's ClientHttp2Stream: a Duplex over one driver stream. */
export class ClientHttp2Stream extends Duplex {
  readonly #session: ClientHttp2Session;
  readonly #ds: H2ClientStream;
  readonly #sentHeaders: OutgoingHeaders;
  readonly #pushed: boolean;
  #sentTrailers: OutgoingHeaders | undefined;
  #aborted = false;
  #pushedBytes = 0;
  #credited = 0;
  #finalCb: ((err?: Error | null) => void) | null = null;
  #endAfterHeaders = false;

  constructor(session: ClientHttp2Session, ds: H2ClientStream, sentHeaders: OutgoingHeaders, pushed: boolean) {
    super({ allowHalfOpen: true, autoDestroy: false, decodeStrings: false });
    this.#session = session;
    this.#ds = ds;
    this.#sentHeaders = sentHeaders;
    this.#pushed = pushed;
    if (pushed) {
      this.#ready = true;
      this.end();
    } else if (ds.id !== 0 && session.isConnected) process.nextTick(() => this.#becomeReady());
    else if (ds.id !== 0) session.once('connect', () => this.#becomeReady());
    // A stream queued behind MAX_CONCURRENT_STREAMS opens later.
    ds.on('ready', () => (session.isConnected ? this.#becomeReady() : session.once('connect', () => this.#becomeReady())));
    ds.on('information', (fields: H2Headers) => {
      const h = toHeaderObject(fields);
      if (h[':status'] === '100') this.emit('continue');
      this.emit('headers', h, constants.NGHTTP2_FLAG_END_HEADERS);
    });
    ds.on('response', (fields: H2Headers, endStream: boolean) => {
      const h = toHeaderObject(fields);
      (h as Record<string, unknown>)[':status'] = Number(h[':status']);
      this.#endAfterHeaders = endStream;
      const flags = constants.NGHTTP2_FLAG_END_HEADERS | (endStream ? constants.NGHTTP2_FLAG_END_STREAM : 0);
      // A pushed stream's response is node's 'push' event; a request's is 'response'.
      this.emit(this.#pushed ? 'push' : 'response', h, flags);
    });
    ds.on('data', (chunk: Buffer) => {
      this.#pushedBytes += chunk.length;
      this.push(chunk);
      this.#credit();
    });
    ds.on('trailers', (fields: H2Headers) => this.emit('trailers', toHeaderObject(fields), constants.NGHTTP2_FLAG_END_STREAM | constants.NGHTTP2_FLAG_END_HEADERS));
    ds.on('end', () => this.push(null));
    ds.on('wantTrailers', () => this.emit('wantTrailers'));
    ds.on('drain', () => {});
    ds.on('close', (code: number) => this.#onClose(code));
  }

  get id(): number | undefined {
    return this.#ds.id === 0 ? undefined : this.#ds.id;
  }
  get session(): ClientHttp2Session | undefined {
    return this.destroyed ? undefined : this.#session;
  }
  get pending(): boolean {
    return !this.#ready;
  }

  /**
   * node's 'ready': the stream has its id and the session is connected. Writes made before wait
   * for it, as node's pending streams do (so 'finish' never precedes 'ready').
   */
  #becomeReady(): void {
    if (this.#ready || this.#ds.closed) return;
    this.#ready = true;
    this.emit('ready');
    const waiting = this.#waiting;
    this.#waiting = [];
    for (const f of waiting) f();
  }
  #ready = false;
  #waiting: Array<() => void> = [];
  get rstCode(): number | undefined {
    return this.#ds.rstCode ?? (this.#ds.closed ? constants.NGHTTP2_NO_ERROR : undefined);
  }
  get sentHeaders(): OutgoingHeaders {
    return this.#sentHeaders;
  }
  get sentTrailers(): OutgoingHeaders | undefined {
    return this.#sentTrailers;
  }
  get aborted(): boolean {
    return this.#aborted;
  }
  get endAfterHeaders(): boolean {
    return this.#endAfterHeaders;
  }
  get bufferSize(): number {
    return this.writableLength + this.#ds.bufferedAmount;
  }
  get state(): Record<string, number> {
    if (this.#ds.closed) return {};
    return streamStateObject(this.#ds.state, constants.NGHTTP2_DEFAULT_WEIGHT, this.#ds.sendWindow);
  }

  /** node's `closed`: the stream is closed on the wire. */
  isClosed(): boolean {
    return this.#ds.closed;
  }

  #credit(): void {
    const consumed = this.#pushedBytes - this.readableLength - this.#credited;
    if (consumed > 0) {
      this.#credited += consumed;
      this.#ds.consumed(consumed);
    }
  }

  /**
   * Sends trailers and ends the stream (after 'wantTrailers', request with `waitForTrailers`).
   *
   * @example
   * req.on('wantTrailers', () => req.sendTrailers({ 'x-sum': '…' }));
   */
  sendTrailers(headers: OutgoingHeaders): void {
    if (this.destroyed || this.#ds.closed) throw http2Error('ERR_HTTP2_INVALID_STREAM');
    if (this.#sentTrailers) throw http2Error('ERR_HTTP2_TRAILERS_ALREADY_SENT');
    const { fields } = toFields(headers, 'trailers');
    this.#ds.sendTrailers(fields);
    this.#sentTrailers = headers;
  }

  /**
   * Resets the stream with `code` (RFC 9113 §6.4); `cb` listens for 'close'.
   *
   * @example
   * req.close(constants.NGHTTP2_CANCEL);
   */
  close(code: number = constants.NGHTTP2_NO_ERROR, cb?: () => void): void {
    if (typeof code !== 'number' || code < 0 || code > 2 ** 32 - 1) throw invalidArgType('code', ['number'], code);
    if (cb !== undefined) {
      if (typeof cb !== 'function') throw invalidArgType('callback', ['function'], cb);
      this.once('close', cb);
    }
    if (!this.#ds.closed) this.#ds.close(code);
  }

  /** Re-prioritizes this stream (PRIORITY, RFC 7540 §5.3 fields). */
  priority(options: { parent?: number; weight?: number; exclusive?: boolean; silent?: boolean }): void {
    if (options === null || typeof options !== 'object') throw invalidArgType('options', ['object'], options);
    if (options.parent !== undefined && options.parent === this.id) throw http2Error('ERR_HTTP2_STREAM_SELF_DEPENDENCY');
    if (this.#ds.id === 0 || this.#ds.closed) return;
    this.#ds.priority({ weight: options.weight ?? constants.NGHTTP2_DEFAULT_WEIGHT, exclusive: options.exclusive === true, parent: options.parent ?? 0 });
  }

  /** An inactivity timeout on this stream: 'timeout' when nothing moved for `msecs`. */
  setTimeout(msecs: number, cb?: () => void): this {
    if (cb !== undefined) this.once('timeout', cb);
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    if (msecs > 0) {
      this.#timer = setTimeout(() => this.emit('timeout'), msecs);
      this.#timer.unref();
      const refresh = (): void => void this.#timer?.refresh();
      this.#ds.on('data', refresh);
    }
    return this;
  }
  #timer: NodeJS.Timeout | null = null;

  override _read(): void {
    this.#credit();
  }

  override _write(chunk: Buffer | string, encoding: BufferEncoding, cb: (err?: Error | null) => void): void {
    if (!this.#ready && !this.#ds.closed) return void this.#waiting.push(() => this._write(chunk, encoding, cb));
    if (this.#ds.closed) return cb(http2Error('ERR_HTTP2_INVALID_STREAM'));
    this.#ds.write(typeof chunk === 'string' ? Buffer.from(chunk, encoding) : chunk, cb);
  }

  override _final(cb: (err?: Error | null) => void): void {
    if (!this.#ready && !this.#ds.closed) return void this.#waiting.push(() => this._final(cb));
    if (this.#ds.closed || this.#pushed || this.#ds.endSent || this.#ds.ended) return cb();
    this.#finalCb = cb;
    this.#ds.end(undefined, () => {
      const f = this.#finalCb;
      this.#finalCb = null;
      f?.();
    });
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    if (this.#timer !== null) clearTimeout(this.#timer);
    if (!this.#ds.closed) this.#ds.close(err ? constants.NGHTTP2_INTERNAL_ERROR : constants.NGHTTP2_CANCEL);
    cb(err);
  }

  #onClose(code: number): void {
    if (this.#timer !== null) clearTimeout(this.#timer);
    const waiting = this.#waiting;
    this.#waiting = [];
    for (const f of waiting) f();
    const f = this.#finalCb;
    this.#finalCb = null;
    if (f !== null) f();
    if (this.destroyed) return;
    let err: Error | undefined;
    if (this.#ds.error) err = this.#ds.error;
    else if (code !== constants.NGHTTP2_NO_ERROR && code !== constants.NGHTTP2_CANCEL) err = http2Error('ERR_HTTP2_STREAM_ERROR', nghttp2CodeName(code));
    if (code !== constants.NGHTTP2_NO_ERROR && !this.writableEnded) {
      this.#aborted = true;
      this.emit('aborted');
    }
    if (err !== undefined || this.readableEnded || !this.#ds.endReceived) {
      this.destroy(err);
      return;
    }
    // The response was complete: 'close' waits for 'end' (node's order); with nothing left to
    // read, read(0) lets 'end' out even while the reader is paused (as node does on close).
    this.once('end', () => this.destroy());
    // Nobody reads yet (no 'data' listener, never paused): 'end' waits for the first reader.
    if (this.readableLength === 0 && this.readableFlowing !== null) this.read(0);
  }
}

Object.defineProperty(ClientHttp2Stream.prototype, 'closed', {
  configurable: true,
  enumerable: false,
  get(this: ClientHttp2Stream): boolean {
    return this.isClosed();
  },
});


function parseAuthority(authority: unknown): URL {
  if (authority instanceof URL) return authority;
  if (typeof authority === 'string') return new URL(authority);
  if (authority !== null && typeof authority === 'object') {
    const a = authority as { protocol?: string; host?: string; hostname?: string; port?: number | string };
    const protocol = a.protocol ?? 'https:';
    const host = a.hostname ?? a.host ?? 'localhost';
    return new URL(`${protocol}//${host.includes(':') && !host.startsWith('[') ? `[${host}]` : host}${a.port ? `:${a.port}` : ''}`);
  }
  throw invalidArgType('authority', ['string', 'URL'], authority);
}

/**
 * node:http2's `connect(authority[, options][, listener])`: an HTTP/2 session to `authority`
 * (`http:` prior knowledge, `https:` TLS with ALPN `h2`).
 *
 * @example
 * const session = connect('https://example.org');
 * const req = session.request({ ':path': '/' });
 * req.on('response', (h) => console.log(h[':status'])).end();
 */
export function connect(authority: string | URL | object, options?: ClientSessionOptions | ConnectListener, listener?: ConnectListener): ClientHttp2Session {
  if (typeof options === 'function') {
    listener = options;
    options = undefined;
  }
  const opts: ClientSessionOptions = options ?? {};
  if (opts === null || typeof opts !== 'object') throw invalidArgType('options', ['object'], opts);
  const url = parseAuthority(authority);
  const protocol = opts.protocol ?? url.protocol;
  if (protocol !== 'http:' && protocol !== 'https:') throw http2Error('ERR_HTTP2_UNSUPPORTED_PROTOCOL', protocol);
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  const port = Number(url.port || (protocol === 'https:' ? 443 : 80));
  const settings = opts.settings === undefined ? {} : validateSettings(opts.settings, 'options.settings');
  let socket: net.Socket | tls.TLSSocket | Duplex;
  let connectEvent: string | null;
  if (typeof opts.createConnection === 'function') {
    socket = opts.createConnection(url, opts);
    connectEvent = (socket as net.Socket).connecting === true ? (socket instanceof tls.TLSSocket ? 'secureConnect' : 'connect') : null;
  } else if (protocol === 'https:') {
    const servername = opts.servername ?? (net.isIP(host) ? undefined : host);
    socket = tls.connect({ ...opts, host, port, ALPNProtocols: ['h2'], ...(servername ? { servername } : {}) } as tls.ConnectionOptions);
    connectEvent = 'secureConnect';
  } else {
    socket = net.connect({ host, port });
    connectEvent = 'connect';
  }
  const driver = new H2ClientSession(socket, { settings: toEngineSettings(settings), idleTimeout: 0 });
  const session = new ClientHttp2Session(driver, new URL(`${protocol}//${url.host}`));
  if (listener !== undefined) session.once('connect', listener);
  const emitConnect = (): void => {
    if (session.destroyed) return;
    session.isConnected = true;
    session.emit('connect', session, socket);
  };
  if (connectEvent === null) process.nextTick(emitConnect);
  else socket.once(connectEvent, emitConnect);
  return session;
}
