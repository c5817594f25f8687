/**
 * The HTTP/2 server driver: binds the sans-I/O engine (src/wire/h2) to one Duplex (`net.Socket`,
 * `tls.TLSSocket`, a user's Duplex) and turns each request stream into an {@link H2Exchange},
 * the same protocol-neutral Exchange the HTTP/1.1 driver produces, so the http/ facade serves
 * both with the same `IncomingMessage` / `ServerResponse` and the same handler.
 *
 * What it owns (and the why of each choice):
 * - Batching: everything the handlers produce while one read is processed leaves in ONE socket
 *   write (`takeOutputChunks`, merged when small, corked `writev` when large); output produced
 *   later (an async handler) is flushed once per tick, not per call.
 * - Backpressure out: while the socket holds more than its high-water mark, the driver neither
 *   takes more output from the engine (DATA stays queued there, where the priority scheduler can
 *   still reorder it) nor reads; `res.write()` returns false while its stream has a high-water
 *   mark's worth queued, and 'drain' follows when the window and the socket let it go.
 * - Backpressure in: received DATA is credited back (`acknowledgeReceivedData`) only for bytes
 *   that left the request's Readable buffer, so a handler that never reads holds at most the
 *   windows we advertised (stream: 64 KiB by default, connection: 1 MiB).
 * - Timers: one SETTINGS-ACK timer (RFC 9113 §6.5.3, `headersTimeout`: the preface and the ACK
 *   of our SETTINGS must arrive within it), one idle timer (`keepAliveTimeout` with no stream
 *   open), per-stream timers only when the application asks (`res.setTimeout`).
 * - Shutdown: `close()` is the double GOAWAY of RFC 9113 §6.8 (GOAWAY 2^31-1 + PING, then the
 *   real last-stream-id); in-flight streams finish, then the socket ends.
 * - Faults: the engine answers abuse with its codes (GOAWAY ENHANCE_YOUR_CALM, RST_STREAM, …);
 *   the driver reports a session that died by error ('sessionError') and aborts its streams,
 *   other sessions never notice.
 */
import type { Socket } from 'node:net';
// Node's own timers, not the global ones a test's fake clock may replace (node:http's are internal too).
import { setTimeout, clearTimeout } from 'node:timers';
import { performance } from 'node:perf_hooks';
import { nodeError } from '../wire/shared/errors.js';
import { H2Connection, type H2ConnectionOptions } from '../wire/h2/connection.js';
import { CLIENT_PREFACE, ErrorCode } from '../wire/h2/constants.js';
import { h2SessionError as sessionError, writeOutput } from './h2-output.js';
import type { H2Event, H2Headers } from '../wire/h2/events.js';
import type { PrioritySpec } from '../wire/h2/priority/index.js';
import { connReset, closeResponse, type ExchangeRequest, type ExchangeResponse, type FinishableMessage, type RequestHead, type StructuredSink, type Exchange, type BodySource } from './exchange.js';
import { socketListeners } from './socket-listeners.js';

/*
 * RETIRED_LISTS — why the per-batch lists (`#dirty`, `#ending`, the engine's events, the output
 * chunks) are emptied with `length = 0` when done, not just dropped: V8 pretenures an allocation
 * site whose objects tend to survive, so these arrays end up allocated in the old generation. A
 * dropped old array still points at the batch's exchanges until the next full GC, and every
 * scavenge in between copies them — and all they reach (req, res, fields) — and then promotes
 * them. Measured (hello handler, h2load -c 10 -m 100, sampling heap profiler keeping only
 * objects that survived scavenges): 3.5–3.9 KB of each request survived; emptied, 0.3 KB.
 */

export { MERGE_WRITE_BYTES } from './h2-output.js';
/** The stream's high-water mark when the application set none: node's default for Writables. */
const DEFAULT_STREAM_HWM = 16 * 1024;

/** What the driver asks of the http/ layer (the Server). Settings are read live. */
export interface H2ServerHost {
  readonly timeout: number;
  readonly keepAliveTimeout: number;
  readonly headersTimeout: number;
  readonly maxRequestsPerSocket: number;
  readonly closing: boolean;
  /** Engine options for a new session (settings, limits). */
  h2Options(): Omit<H2ConnectionOptions, 'role' | 'upgrade'>;
  /** A request stream opened: build req/res on the exchange and dispatch it. */
  onH2Request(ex: H2Exchange): void;
  /** The response's last frame went to the socket ('finish' time). */
  onH2ResponseFinished(ex: H2Exchange): void;
  /** A session started ('session'). */
  onH2Session(session: H2ServerSession): void;
  /** The session died of an error (ours or the peer's): 'sessionError'. */
  onH2SessionError(err: Error, session: H2ServerSession): void;
  /** server.timeout fired on the socket: true when a listener took it. */
  onH2Timeout(session: H2ServerSession): boolean;
  /** The session is gone. */
  onH2SessionClosed(session: H2ServerSession): void;
}

/**
 * How far `bytes` match the HTTP/2 client preface (RFC 9113 §3.4): 1 it is HTTP/2 (the first
 * four bytes, `PRI `, are enough: no HTTP/1.1 request starts so, and the engine checks the rest),
 * 0 it is not, -1 too few bytes to tell.
 *
 * @example
 * sniffPreface(Buffer.from('PRI * HTTP/2.0')); // 1
 */
export function sniffPreface(bytes: Buffer): 1 | 0 | -1 {
  const n = Math.min(bytes.length, 4);
  for (let i = 0; i < n; i++) if (bytes[i] !== CLIENT_PREFACE[i]) return 0;
  return n === 4 ? 1 : -1;
}

type WriteCallback = (err?: Error | null) => void;

/** One request stream; the response's sink and the request body's source. */
export class H2Exchange implements Exchange, StructuredSink, BodySource {
  readonly session: H2ServerSession;
  readonly streamId: number;
  readonly head: RequestHead;
  /** The request's fields as received, pseudo-headers included. */
  readonly fields: H2Headers;
  req: ExchangeRequest | null = null;
  res: ExchangeResponse | null = null;
  /** RFC 7540 / RFC 9218 priority signals received for this stream (null: none). */
  priority: PrioritySpec | null = null;
  readonly structured = true as const;

  // response side
  #status = 0;
  #fields: Array<[string, string]> | null = null;
  #headDue = false;
  /** The final head went to the engine. */
  headSent = false;
  /** The application ended the response. */
  ended = false;
  /** 'finish' was reported. */
  finished = false;
  /** The stream is gone (reset, or the session ended). */
  closed = false;
  /** An extended CONNECT handed to 'upgrade' and accepted (RFC 8441): `req` is the H2Tunnel, both sides end on their own. */
  tunnel = false;
  /** Bytes held back for the next flush, so the last one can carry END_STREAM. */
  #tail: Buffer | null = null;
  /** Bytes given to the engine, and write callbacks waiting for their bytes to leave. */
  #given = 0;
  #callbacks: Array<{ at: number; cb: WriteCallback }> | null = null;
  needDrain = false;
  /** In the session's waiting list. */
  inWaiting = false;
  #timer: NodeJS.Timeout | null = null;
  #timeoutMs = 0;

  // request side
  /** Body bytes pushed into the request, and credited back to the peer. */
  #pushed = 0;
  #acked = 0;
  /** When the request stream opened (monotonic ms), for requestTimeout; 0 once it ended. */
  openedAt: number;

  constructor(session: H2ServerSession, streamId: number, head: RequestHead, fields: H2Headers, now: number) {
    this.session = session;
    this.streamId = streamId;
    this.head = head;
    this.fields = fields;
    this.openedAt = now;
  }

  get protocol(): 'h2' {
    return 'h2';
  }
  /** `req.socket` / `res.socket`: this stream's view of the session socket (see {@link streamSocket}). */
  get socket(): Socket {
    return (this.#socketView ??= new Proxy(this, STREAM_SOCKET) as unknown as Socket);
  }
  #socketView: Socket | null = null;
  /** Members a program assigned on the socket view (node's compat keeps them on the stream). */
  socketOwn: Record<PropertyKey, unknown> | null = null;

  // ---- StructuredSink ----

  storeHead(statusCode: number, fields: Array<[string, string]>): void {
    this.#status = statusCode;
    this.#fields = fields;
  }

  headDue(): void {
    this.#headDue = true;
    this.session.dirty(this);
  }

  sendInformational(statusCode: number, fields: Array<[string, string]>, cb?: WriteCallback): void {
    const conn = this.session.conn;
    if (this.closed || this.headSent || !conn.isStreamOpen(this.streamId)) {
      if (cb) process.nextTick(cb);
      return;
    }
    conn.sendHeaders(this.streamId, [[':status', String(statusCode)], ...fields]);
    if (cb) this.#addCallback(cb);
    this.session.schedule();
  }

  setStreamTimeout(msecs: number): void {
    this.#timeoutMs = msecs;
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    if (msecs > 0 && !this.closed) {
      this.#timer = setTimeout(onStreamTimeout, msecs, this);
      this.#timer.unref();
    }
  }

  /** The stream saw activity: a per-stream timeout starts again. */
  touch(): void {
    if (this.#timer !== null) this.#timer.refresh();
  }

  timedOut(): void {
    this.#timer = null;
    if (this.closed) return;
    const req = this.req;
    const res = this.res;
    const a = req !== null && req.emit('timeout');
    const b = res !== null && res.emit('timeout');
    if (!a && !b) this.resetWith(ErrorCode.CANCEL);
  }

  /**
   * `res.destroy(err)`: as node:http2's compat, what the response already started (its head) goes
   * out, then RST_STREAM — INTERNAL_ERROR with an error, as node; CANCEL without one, where node
   * sends NO_ERROR: RFC 9113 §8.1 keeps a NO_ERROR reset for after a complete response, and a
   * client (node's own) takes a response cut by it for a whole one.
   */
  destroyStream(err?: Error | null): void {
    this.materialize();
    this.resetWith(err ? ErrorCode.INTERNAL_ERROR : ErrorCode.CANCEL);
  }

  /** Reset this stream with `code` (a timeout: CANCEL) and close its request and response. */
  resetWith(code: number): void {
    if (this.closed) return;
    const conn = this.session.conn;
    if (!conn.isTerminated && conn.isStreamOpen(this.streamId)) conn.resetStream(this.streamId, code);
    this.session.streamGone(this, false);
    this.session.schedule();
  }

  // ---- OutgoingSink ----

  write(data: string | Uint8Array, encoding?: BufferEncoding | null, cb?: WriteCallback): boolean {
    if (this.closed || this.ended) {
      if (cb) process.nextTick(cb);
      return false;
    }
    const buf = typeof data === 'string' ? Buffer.from(data, encoding ?? 'utf8') : Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    if (buf.length > 0) {
      if (this.#tail !== null) this.#give(this.#tail, false);
      this.#tail = buf;
    }
    if (cb) this.#addCallback(cb);
    this.session.dirty(this);
    const ok = this.#queued() < DEFAULT_STREAM_HWM && !this.session.congested;
    if (!ok) {
      this.needDrain = true;
      this.session.waitFor(this);
    }
    return ok;
  }

  cork(): void {}
  uncork(): void {}
  get writableLength(): number {
    return this.#queued();
  }
  get writableHighWaterMark(): number {
    return DEFAULT_STREAM_HWM;
  }
  get writableCorked(): number {
    return 0;
  }
  get destroyed(): boolean {
    return this.closed || this.session.socket.destroyed;
  }

  finishMessage(_msg: FinishableMessage): void {
    if (this.closed || this.ended) return;
    this.ended = true;
    const conn = this.session.conn;
    if (!conn.isStreamOpen(this.streamId) || conn.isTerminated) return;
    const trailers = this.#trailers();
    const tail = this.#tail;
    this.#tail = null;
    try {
      if (!this.headSent) this.#sendHead(tail === null && trailers === null);
      if (trailers !== null) {
        if (tail !== null) this.#give(tail, false);
        conn.sendTrailers(this.streamId, trailers);
      } else if (tail !== null) {
        this.#give(tail, true);
      } else if (!this.#endedByHead) {
        conn.endStream(this.streamId);
      }
    } catch (err) {
      this.#refused(err);
      return;
    }
    this.session.ending(this);
  }

  /**
   * The engine refused what the response asked to send (a header list beyond the client's
   * SETTINGS_MAX_HEADER_LIST_SIZE, a field HTTP/2 cannot carry): the stream is reset with
   * INTERNAL_ERROR and the response closes, instead of an exception escaping a later flush.
   */
  #refused(err: unknown): void {
    if (this.res !== null) (this.res as unknown as { _kErrored: unknown })._kErrored = err;
    this.resetWith(ErrorCode.INTERNAL_ERROR);
  }

  #endedByHead = false;

  /** Trailers added with `res.addTrailers` (kept by the message as HTTP/1.1 lines). */
  #trailers(): Array<[string, string]> | null {
    const text = (this.res as { _trailer?: string } | null)?._trailer;
    if (!text) return null;
    const out: Array<[string, string]> = [];
    for (const line of text.split('\r\n')) {
      const at = line.indexOf(':');
      if (at > 0) out.push([line.slice(0, at).toLowerCase(), line.slice(at + 1).trim()]);
    }
    return out.length > 0 ? out : null;
  }

  #sendHead(endStream: boolean): void {
    this.headSent = true;
    // storeHead's list starts with :status (src/http/structured-head.ts).
    const head = this.#fields ?? [[':status', String(this.#status || 200)]];
    this.session.conn.sendHeaders(this.streamId, head, { endStream });
    if (endStream) this.#endedByHead = true;
  }

  #give(buf: Buffer, endStream: boolean): void {
    this.#given += buf.length;
    this.session.conn.sendData(this.streamId, buf, { endStream });
  }

  #queued(): number {
    return (this.#tail?.length ?? 0) + (this.closed ? 0 : this.session.conn.streamQueuedBytes(this.streamId));
  }

  #addCallback(cb: WriteCallback): void {
    (this.#callbacks ??= []).push({ at: this.#given + (this.#tail?.length ?? 0), cb });
    this.session.waitFor(this);
  }

  /** Before the session takes output: the head and held-back bytes go to the engine. */
  materialize(): void {
    if (this.closed || this.ended) return;
    const conn = this.session.conn;
    if (!conn.isStreamOpen(this.streamId)) return;
    try {
      if (!this.headSent && (this.#headDue || this.#tail !== null)) this.#sendHead(false);
      const tail = this.#tail;
      if (tail !== null && this.headSent) {
        this.#tail = null;
        this.#give(tail, false);
      }
    } catch (err) {
      this.#refused(err);
    }
  }

  /** After output was written: callbacks whose bytes left, and 'drain'. */
  afterFlush(): void {
    const cbs = this.#callbacks;
    if (cbs !== null) {
      const sent = this.#given - (this.closed ? 0 : this.session.conn.streamQueuedBytes(this.streamId));
      while (cbs.length > 0 && (cbs[0]!.at <= sent || this.closed)) cbs.shift()!.cb();
      if (cbs.length === 0) this.#callbacks = null;
    }
    if (this.needDrain && !this.session.congested && this.#queued() < DEFAULT_STREAM_HWM) {
      this.needDrain = false;
      this.res?._onSinkDrain?.();
    }
  }

  get waiting(): boolean {
    return this.#callbacks !== null || this.needDrain;
  }

  // ---- request body (BodySource) ----

  /** DATA for this stream: into the request, credited back as far as it was consumed. */
  onData(data: Buffer): void {
    const req = this.req;
    if (req === null || req.destroyed) {
      // Nobody will read it: give the window back at once.
      this.session.conn.acknowledgeReceivedData(this.streamId, data.length);
      return;
    }
    this.#pushed += data.length;
    req.push(data);
    this.#credit();
  }

  #credit(): void {
    const req = this.req as (ExchangeRequest & { readableLength?: number }) | null;
    const buffered = req === null || req.destroyed ? 0 : req.readableLength ?? 0;
    const consumed = this.#pushed - buffered - this.#acked;
    if (consumed > 0) {
      this.#acked += consumed;
      const conn = this.session.conn;
      if (!conn.isTerminated) {
        conn.acknowledgeReceivedData(this.streamId, consumed);
        this.session.schedule();
      }
    }
  }

  resumeBody(msg: unknown): void {
    this.#credit();
    // Readable calls _read again only once a push clears its `reading` flag; here more bytes come
    // only after we credit the window, and we credit on _read: without this, a reader that let
    // the window fill before reading would wait forever. Cleared, every read() asks again.
    const rs = (msg as { _readableState?: { reading: boolean } })._readableState;
    if (rs !== undefined) rs.reading = false;
  }

  abortBody(_msg: unknown, _err: Error | null): void {
    // HTTP/2 can abandon one request body and keep the connection: reset this stream only.
    const conn = this.session.conn;
    if (!this.closed && !conn.isTerminated && conn.streamState(this.streamId) === 'open') {
      conn.resetStream(this.streamId, ErrorCode.CANCEL);
      this.session.streamGone(this, false);
      this.session.schedule();
    }
  }

  /** The stream is over (reset, or session gone): stop timers, drop callbacks. */
  dispose(): void {
    this.closed = true;
    this.#tail = null;
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    const cbs = this.#callbacks;
    this.#callbacks = null;
    if (cbs !== null) for (const { cb } of cbs) process.nextTick(cb);
  }

  /**
   * The stream is over and its events are out: forget the request and response. Whatever still
   * points at this exchange (a list not yet collected, the request's body source) then no longer
   * keeps them, and all they reach, alive past the next scavenge (see RETIRED_LISTS).
   */
  release(): void {
    this.req = null;
    this.res = null;
    this.#fields = null;
    this.#tail = null;
  }

  /** The session's connection, for HTTP/2-only abilities (push, priority). */
  get connection(): H2Connection {
    return this.session.conn;
  }

  /** The timeout last asked for with setStreamTimeout (0: none). */
  get timeoutMs(): number {
    return this.#timeoutMs;
  }
}

/**
 * `req.socket` over HTTP/2 — one stream's view of the socket its session shares with every other
 * stream, as node:http2's compat gives (its per-stream socket proxy), so that code written for
 * HTTP/1.1 cannot end the session by accident:
 * - reads pass through to the session socket (remoteAddress, encrypted, getPeerCertificate(), …;
 *   `instanceof net.Socket` / `tls.TLSSocket` hold);
 * - `destroy(err)` resets this stream only (as `res.destroy(err)`); `end(…)` ends this response;
 * - `setTimeout(ms, cb)` times this stream (node's compat sets the session's timeout, which every
 *   other stream shares; one handler's timeout is not theirs);
 * - listener methods and `emit` are the request's (node: the stream's): 'close' fires when this
 *   stream is gone, and per-request listeners do not pile up on the shared socket; once the
 *   stream is over they do nothing;
 * - `writable` / `destroyed` / `readable` are this stream's; `write`, `read`, `pause`, `resume`
 *   throw ERR_HTTP2_NO_SOCKET_MANIPULATION, as node's.
 */
const STREAM_SOCKET: ProxyHandler<H2Exchange> = {
  get(ex, prop) {
    const own = ex.socketOwn;
    if (own !== null && prop in own) return own[prop];
    switch (prop) {
      case 'destroy':
        return function destroy(this: unknown, err?: Error) {
          ex.destroyStream(err ?? null);
          return ex.socket;
        };
      case 'end':
        return function end(this: unknown, ...args: unknown[]) {
          const res = ex.res as unknown as { end?: (...a: unknown[]) => unknown } | null;
          if (res !== null && !ex.ended && !ex.closed) res.end?.(...args);
          return ex.socket;
        };
      case 'setTimeout':
        return function setTimeout(this: unknown, msecs: number, cb?: () => void) {
          ex.setStreamTimeout(msecs);
          const req = ex.req as unknown as NodeJS.EventEmitter | null;
          if (cb !== undefined && req !== null) req.once('timeout', cb);
          return ex.socket;
        };
      case 'on': case 'once': case 'off': case 'addListener': case 'removeListener': case 'prependListener':
      case 'prependOnceListener': case 'removeAllListeners': case 'listeners': case 'listenerCount': case 'emit': {
        const req = ex.req as unknown as Record<string, (...a: unknown[]) => unknown> | null;
        // The stream is over: nothing will be emitted for it again (and nothing may land on the
        // shared socket, where listeners would pile up).
        if (req === null) return function over(this: unknown) {
          return prop === 'emit' ? false : prop === 'listenerCount' ? 0 : prop === 'listeners' ? [] : ex.socket;
        };
        return function listen(this: unknown, ...args: unknown[]) {
          const r = req[prop]!.apply(req, args);
          return r === req ? ex.socket : r;
        };
      }
      case 'writable':
        return !ex.closed && !ex.ended;
      case 'destroyed':
        return ex.closed || ex.session.socket.destroyed;
      case 'readable': {
        const req = ex.req as unknown as { readable?: boolean } | null;
        return !ex.closed && req !== null && req.readable === true;
      }
      case 'write': case 'read': case 'pause': case 'resume':
        throw nodeError(Error, 'ERR_HTTP2_NO_SOCKET_MANIPULATION', 'HTTP/2 sockets should not be directly manipulated (e.g. read and written)');
      default:
        return socketMember(ex.session.socket, prop);
    }
  },
  has(ex, prop) {
    return (ex.socketOwn !== null && prop in ex.socketOwn) || prop in ex.session.socket;
  },
  set(ex, prop, value) {
    switch (prop) {
      case 'write': case 'read': case 'pause': case 'resume':
        throw nodeError(Error, 'ERR_HTTP2_NO_SOCKET_MANIPULATION', 'HTTP/2 sockets should not be directly manipulated (e.g. read and written)');
      case 'destroy': case 'end': case 'setTimeout': case 'on': case 'once': case 'emit': case 'writable': case 'destroyed': case 'readable':
        (ex.socketOwn ??= {})[prop] = value;
        return true;
      default:
        (ex.session.socket as unknown as Record<PropertyKey, unknown>)[prop] = value;
        return true;
    }
  },
  getPrototypeOf(ex) {
    return Object.getPrototypeOf(ex.session.socket) as object | null;
  },
};

function socketMember(socket: Socket, prop: PropertyKey): unknown {
  const value = (socket as unknown as Record<PropertyKey, unknown>)[prop];
  return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(socket) : value;
}

function onStreamTimeout(ex: H2Exchange): void {
  ex.timedOut();
}

/** Options of a session start. */
export interface H2SessionStart {
  /** Bytes already read from the socket (the sniffed preface, or what followed a 101). */
  firstBytes?: Buffer;
  /** An `Upgrade: h2c` request (RFC 7540 §3.2): its head, body, and HTTP2-Settings value. */
  upgrade?: { head: RequestHead; fields: H2Headers; body: Buffer; http2Settings: string };
}

const kSession = Symbol('trama.h2session');
/** The socket's event listeners (module-level: no closure per socket), `this[kSession]` answering. */
const socketL = socketListeners(kSession);
type SocketWithSession = Socket & { [kSession]?: H2ServerSession };

/** One HTTP/2 server connection over one socket. */
export class H2ServerSession {
  readonly socket: SocketWithSession;
  readonly host: H2ServerHost;
  readonly conn: H2Connection;
  /** Open request streams by id. */
  readonly streams = new Map<number, H2Exchange>();
  /** Streams opened so far (maxRequestsPerSocket). */
  requestCount = 0;
  #dirty: H2Exchange[] = [];
  #ending: H2Exchange[] = [];
  /** Exchanges with write callbacks or a 'drain' owed (an array, not a Set: RETIRED_LISTS). */
  #waiting: H2Exchange[] = [];
  #batching = false;
  #scheduled = false;
  #readPaused = false;
  #dead = false;
  #settingsTimer: NodeJS.Timeout | null = null;
  #idleTimer: NodeJS.Timeout | null = null;
  #closeRequested = false;
  #error: Error | null = null;
  /**
   * Sees every engine event before the driver acts on it (trama/http2
   * builds node:http2's session events — 'ping', 'goaway', 'remoteSettings', rstCode — from them).
   */
  observer: ((e: H2Event) => void) | null = null;

  constructor(socket: Socket, host: H2ServerHost, start: H2SessionStart = {}) {
    this.socket = socket as SocketWithSession;
    this.host = host;
    const options: H2ConnectionOptions = { role: 'server', ...host.h2Options() };
    if (start.upgrade) options.upgrade = { http2Settings: start.upgrade.http2Settings, method: start.upgrade.head.method };
    this.conn = new H2Connection(options);
    this.socket[kSession] = this;
    if (typeof socket.setNoDelay === 'function') socket.setNoDelay(true);
    socket.on('data', socketL.data);
    socket.on('end', socketL.end);
    socket.on('close', socketL.close);
    socket.on('error', socketL.error);
    socket.on('drain', socketL.drain);
    socket.on('timeout', socketL.timeout);
    if (host.timeout > 0 && typeof socket.setTimeout === 'function') socket.setTimeout(host.timeout);
    // RFC 9113 §6.5.3: our SETTINGS must be acknowledged in reasonable time; the client's
    // preface must arrive for that, so this one timer also bounds a preface that never completes.
    const ht = host.headersTimeout;
    if (ht > 0) {
      this.#settingsTimer = setTimeout(onSettingsTimeout, ht, this);
      this.#settingsTimer.unref();
    }
    host.onH2Session(this);
    this.#batching = true;
    try {
      if (start.upgrade) this.#openUpgraded(start.upgrade);
      if (start.firstBytes && start.firstBytes.length > 0) this.#receive(start.firstBytes);
    } finally {
      this.#batching = false;
      this.flush();
    }
    if (this.streams.size === 0) this.#armIdle();
    if (socket.isPaused?.()) socket.resume();
  }

  /** The exchange of an open stream (for tests and HTTP/2-only abilities). */
  stream(id: number): H2Exchange | undefined {
    return this.streams.get(id);
  }

  get congested(): boolean {
    const s = this.socket;
    return s.writableLength >= s.writableHighWaterMark;
  }

  get destroyed(): boolean {
    return this.#dead;
  }

  // ---- input ----

  onData(chunk: Buffer): void {
    if (this.#dead) return;
    this.#batching = true;
    try {
      this.#receive(chunk);
    } finally {
      this.#batching = false;
      this.flush();
    }
  }

  #receive(chunk: Buffer): void {
    const events = this.conn.receive(chunk);
    for (let i = 0; i < events.length; i++) {
      const e = events[i]!;
      if (this.observer !== null) this.observer(e);
      if (e.type === 'headers-received') {
        // The priority the request carried comes as the next event: the handler sees it at once.
        const next = events[i + 1];
        const prio = next !== undefined && next.type === 'priority-updated' && next.streamId === e.streamId ? next.priority : undefined;
        this.#onRequestHeaders(e.streamId, e.headers, prio);
        if (prio !== undefined) i++;
      } else this.#onEvent(e);
    }
    // Emptied, not just dropped: see RETIRED_LISTS.
    events.length = 0;
  }

  #openUpgraded(up: NonNullable<H2SessionStart['upgrade']>): void {
    // RFC 7540 §3.2: the upgraded request is stream 1, complete (its body was read over HTTP/1.1).
    const ex = this.#open(1, up.head, up.fields);
    if (up.body.length > 0) {
      const req = ex.req;
      if (req !== null && !req.destroyed) req.push(up.body);
    }
    this.#requestEnded(ex, null);
  }

  #onEvent(e: H2Event): void {
    switch (e.type) {
      case 'data-received': {
        const ex = this.streams.get(e.streamId);
        if (ex === undefined) this.conn.acknowledgeReceivedData(e.streamId, e.data.length);
        else {
          ex.touch();
          ex.onData(e.data);
        }
        break;
      }
      case 'trailers-received': {
        const ex = this.streams.get(e.streamId);
        if (ex !== undefined && ex.req !== null) {
          const raw: string[] = [];
          for (const [n, v] of e.headers) raw.push(n, v);
          ex.req.rawTrailers = raw;
        }
        break;
      }
      case 'stream-ended': {
        const ex = this.streams.get(e.streamId);
        if (ex !== undefined) {
          this.#requestEnded(ex, null);
          if (ex.tunnel && ex.finished) this.#tunnelClosed(ex);
        }
        break;
      }
      case 'stream-reset': {
        const ex = this.streams.get(e.streamId);
        if (ex !== undefined) this.streamGone(ex, true);
        break;
      }
      case 'priority-updated': {
        const ex = this.streams.get(e.streamId);
        if (ex !== undefined) ex.priority = { ...(ex.priority ?? {}), ...e.priority };
        break;
      }
      case 'settings-acked':
        if (this.conn.settingsAwaitingAck === 0 && this.#settingsTimer !== null) {
          clearTimeout(this.#settingsTimer);
          this.#settingsTimer = null;
        }
        break;
      case 'connection-terminated':
        this.#error = sessionError(e.errorCode, e.remote, e.message);
        break;
      default:
        break;
    }
  }

  #onRequestHeaders(id: number, fields: H2Headers, priority: PrioritySpec | undefined): void {
    const head = requestHead(fields);
    this.#open(id, head, fields, priority);
  }

  #open(id: number, head: RequestHead, fields: H2Headers, priority?: PrioritySpec): H2Exchange {
    const ex = new H2Exchange(this, id, head, fields, performance.now());
    if (priority !== undefined) ex.priority = { ...priority };
    this.streams.set(id, ex);
    this.requestCount++;
    this.#disarmIdle();
    const max = this.host.maxRequestsPerSocket;
    // maxRequestsPerSocket: this session takes no stream after the Nth; GOAWAY names it last,
    // and the client sends the rest on a new connection (RFC 9113 §6.8).
    if (max > 0 && this.requestCount === max && !this.#closeRequested) {
      this.#closeRequested = true;
      this.conn.goaway(ErrorCode.NO_ERROR);
    }
    this.host.onH2Request(ex);
    return ex;
  }

  #requestEnded(ex: H2Exchange, _trailers: null): void {
    ex.openedAt = 0;
    const req = ex.req;
    if (req === null || req.destroyed) return;
    req.complete = true;
    req.push(null);
  }

  /** The stream is gone before its response finished (reset either way, or the session ended). */
  streamGone(ex: H2Exchange, byPeer: boolean): void {
    if (ex.closed) return;
    ex.dispose();
    this.streams.delete(ex.streamId);
    const req = ex.req as (ExchangeRequest & { aborted?: boolean; complete: boolean }) | null;
    let resLater = false;
    if (req !== null) {
      // node's compat 'aborted': the peer gave up on a response still in progress — also when the
      // request body was complete and the request already auto-destroyed (node:http2's client
      // ends its side before its RST_STREAM).
      if (!ex.finished && req.complete && !req.aborted && (req.readableEnded || req.destroyed)) {
        req.aborted = true;
        req.emit('aborted');
      }
      // node's compat order: 'aborted', the request's 'close', then the response's 'close'; the
      // request is destroyed without an error (node:http2 emits none on a reset stream).
      if (!req.destroyed) req.destroy();
      const res = ex.res;
      if (!ex.finished && res !== null && (req as { closed?: boolean }).closed === false) {
        (req as unknown as NodeJS.EventEmitter).once('close', () => closeResponse(res));
        resLater = true;
      }
    }
    if (!ex.finished && !resLater) closeResponse(ex.res);
    ex.release();
    if (this.streams.size === 0) this.#becameIdle();
  }

  // ---- output ----

  /** The exchange has something for the engine (head, bytes). */
  dirty(ex: H2Exchange): void {
    this.#dirty.push(ex);
    this.schedule();
  }

  /** The exchange ended its response: report 'finish' once its last frame is written. */
  ending(ex: H2Exchange): void {
    this.#ending.push(ex);
    this.schedule();
  }

  /** Output is waiting: flush at the end of this read, or of this tick. */
  schedule(): void {
    if (this.#batching || this.#scheduled || this.#dead) return;
    this.#scheduled = true;
    process.nextTick(flushSession, this);
  }

  flush(): void {
    this.#scheduled = false;
    if (this.#dead) return;
    const dirty = this.#dirty;
    if (dirty.length > 0) {
      this.#dirty = [];
      for (let i = 0; i < dirty.length; i++) dirty[i]!.materialize();
      dirty.length = 0; // RETIRED_LISTS
    }
    const sock = this.socket;
    // Above the high-water mark, DATA stays in the engine (reordered by priority) until 'drain'.
    if (!this.congested && !sock.destroyed) {
      const chunks = this.conn.takeOutputChunks();
      // One write for the batch: merged when small, corked (one writev) when large.
      writeOutput(sock, chunks, null);
      chunks.length = 0; // RETIRED_LISTS
    }
    this.#afterWrite();
    if (this.conn.wantsClose) this.#endSocket();
    else if (this.congested) this.#pauseReading();
  }

  #afterWrite(): void {
    // Write callbacks first: node calls them before 'finish'.
    const waiting = this.#waiting;
    if (waiting.length > 0) {
      this.#waiting = [];
      for (let i = 0; i < waiting.length; i++) {
        const ex = waiting[i]!;
        ex.inWaiting = false;
        if (!ex.closed) ex.afterFlush();
        if (ex.waiting && !ex.closed) this.waitFor(ex);
      }
      waiting.length = 0; // RETIRED_LISTS
    }
    const ending = this.#ending;
    if (ending.length > 0) {
      let keep: H2Exchange[] | null = null;
      for (let i = 0; i < ending.length; i++) {
        const ex = ending[i]!;
        if (ex.closed || ex.finished) continue;
        const st = this.conn.streamState(ex.streamId);
        // Our END_STREAM is written: the response is finished (node's 'finish' time).
        if (st === 'closed' || st === 'half-closed-local') {
          ex.finished = true;
          this.#finished(ex);
        } else (keep ??= []).push(ex);
      }
      this.#ending = keep ?? [];
      ending.length = 0; // RETIRED_LISTS
    }
  }

  /** The exchange has write callbacks or owes a 'drain': look at it after each write. */
  waitFor(ex: H2Exchange): void {
    if (ex.inWaiting) return;
    ex.inWaiting = true;
    this.#waiting.push(ex);
  }

  #finished(ex: H2Exchange): void {
    if (ex.tunnel && this.conn.streamState(ex.streamId) === 'half-closed-local') {
      // RFC 8441 §5: a tunnel's END_STREAM is a half-close (the TCP FIN); the peer's DATA still
      // flows in until its own END_STREAM (then #tunnelClosed) or a reset.
      this.host.onH2ResponseFinished(ex);
      return;
    }
    ex.dispose();
    ex.closed = true;
    this.streams.delete(ex.streamId);
    this.host.onH2ResponseFinished(ex);
    // The request may still be arriving (a response sent before the body ended): RFC 9113 §8.1
    // lets the server stop it without error.
    if (this.conn.streamState(ex.streamId) === 'half-closed-local' && !this.conn.isTerminated) {
      this.conn.resetStream(ex.streamId, ErrorCode.NO_ERROR);
      const req = ex.req;
      if (req !== null && !req.destroyed && !req.complete) req.destroy();
      this.schedule();
    }
    ex.release();
    if (this.streams.size === 0) this.#becameIdle();
  }

  /** Both sides of a tunnel ended: the stream is gone. */
  #tunnelClosed(ex: H2Exchange): void {
    ex.dispose();
    this.streams.delete(ex.streamId);
    // Left in #waiting: the next flush drops it (it is closed).
    if (this.streams.size === 0) this.#becameIdle();
  }

  #becameIdle(): void {
    if (this.#dead) return;
    if (this.host.closing) this.close();
    else this.#armIdle();
    this.schedule();
  }

  #armIdle(): void {
    const ka = this.host.keepAliveTimeout;
    if (ka > 0 && this.#idleTimer === null) {
      this.#idleTimer = setTimeout(onIdleTimeout, ka, this);
      this.#idleTimer.unref();
    }
  }

  #disarmIdle(): void {
    if (this.#idleTimer !== null) {
      clearTimeout(this.#idleTimer);
      this.#idleTimer = null;
    }
  }

  idleExpired(): void {
    this.#idleTimer = null;
    if (this.streams.size === 0) this.close();
  }

  settingsExpired(): void {
    this.#settingsTimer = null;
    if (this.#dead || this.conn.isTerminated || this.conn.settingsAwaitingAck === 0) return;
    // RFC 9113 §6.5.3: SETTINGS_TIMEOUT.
    this.conn.goaway(ErrorCode.SETTINGS_TIMEOUT, 'SETTINGS not acknowledged in time');
    this.#error = sessionError(ErrorCode.SETTINGS_TIMEOUT, false, 'SETTINGS not acknowledged in time');
    this.flush();
  }

  #pauseReading(): void {
    if (!this.#readPaused && !this.socket.destroyed) {
      this.#readPaused = true;
      this.socket.pause();
    }
  }

  onDrain(): void {
    if (this.#readPaused) {
      this.#readPaused = false;
      this.socket.resume();
    }
    this.flush();
  }

  #endSocket(): void {
    const s = this.socket;
    if (this.#dead) return;
    this.#dead = true;
    this.#teardown();
    if (!s.destroyed) {
      if (typeof (s as { destroySoon?: () => void }).destroySoon === 'function') (s as unknown as { destroySoon(): void }).destroySoon();
      else s.end();
    }
  }

  // ---- shutdown ----

  /**
   * Graceful close (server.close(), idle timeout): the double GOAWAY of RFC 9113 §6.8, streams in
   * flight finish, then the socket ends.
   */
  close(): void {
    if (this.#dead || this.conn.isTerminated) return;
    if (!this.#closeRequested) {
      this.#closeRequested = true;
      if (this.streams.size === 0) this.conn.goaway(ErrorCode.NO_ERROR);
      else this.conn.startGracefulShutdown();
    } else if (this.streams.size === 0 && !this.conn.wantsClose) {
      this.conn.goaway(ErrorCode.NO_ERROR);
    }
    this.schedule();
  }

  /**
   * server.closeIdleConnections(): close now if no stream is open. While the server is closing
   * (server.close()), busy sessions start their graceful close too: GOAWAY now, so the client
   * opens no new stream here, and the streams in flight finish.
   */
  closeIfIdle(): void {
    if (this.streams.size === 0 || this.host.closing) this.close();
  }

  /** server.close() reached this session: GOAWAY now, the streams in flight finish (as closeIfIdle while closing). */
  drainForClose(): void {
    this.close();
  }

  /**
   * Server push (RFC 9113 §8.4): promise `fields` (a GET request) on the parent's stream and
   * return the promised stream's exchange; its response is written like any other.
   */
  openPushed(parent: H2Exchange, fields: H2Headers): H2Exchange {
    const id = this.conn.pushPromise(parent.streamId, fields);
    const ex = new H2Exchange(this, id, requestHead(fields), fields, 0);
    this.streams.set(id, ex);
    this.schedule();
    return ex;
  }

  /** Interval check (server.requestTimeout): a request not received in full in time gets 408. */
  checkTimeouts(now: number, _headersTimeout: number, requestTimeout: number): void {
    if (requestTimeout <= 0 || this.#dead) return;
    for (const ex of [...this.streams.values()]) {
      if (ex.openedAt > 0 && now - ex.openedAt > requestTimeout) {
        ex.openedAt = 0;
        const res = ex.res as (ExchangeResponse & { headersSent?: boolean; writeHead?: (s: number) => unknown; end?: () => unknown }) | null;
        if (res !== null && !res.headersSent && typeof res.writeHead === 'function') {
          res.writeHead(408);
          res.end!();
        } else ex.resetWith(ErrorCode.CANCEL);
      }
    }
  }

  /** The socket is going away: every stream is aborted. */
  #teardown(): void {
    this.#disarmIdle();
    if (this.#settingsTimer !== null) {
      clearTimeout(this.#settingsTimer);
      this.#settingsTimer = null;
    }
    for (const ex of [...this.streams.values()]) this.streamGone(ex, true);
  }

  onClose(): void {
    const wasDead = this.#dead;
    this.#dead = true;
    this.#teardown();
    const s = this.socket;
    s.removeListener('data', socketL.data);
    s.removeListener('end', socketL.end);
    s.removeListener('close', socketL.close);
    s.removeListener('drain', socketL.drain);
    s.removeListener('timeout', socketL.timeout);
    delete s[kSession];
    if (this.#error !== null) this.host.onH2SessionError(this.#error, this);
    void wasDead;
    this.host.onH2SessionClosed(this);
  }

  onEnd(): void {
    // The client's FIN: HTTP/2 has no half-closed connection (a client ends its requests with
    // END_STREAM; after a FIN it can send no WINDOW_UPDATE, SETTINGS ACK or RST_STREAM), so the
    // client is gone, as node:http2 takes it: streams in flight are aborted ('aborted', 'close')
    // at once instead of waiting on handlers that may never finish.
    this.#endSocket();
  }

  onError(err: Error): void {
    this.#error ??= err;
    this.socket.destroy();
  }

  onTimeout(): void {
    if (!this.host.onH2Timeout(this)) this.socket.destroy();
  }
}

function requestHead(fields: H2Headers): RequestHead {
  let method = 'GET';
  let path = '';
  let authority: string | undefined;
  let hasHost = false;
  // Pseudo-headers come first (the engine checked): read them, then copy the rest once.
  let i = 0;
  for (; i < fields.length; i++) {
    const f = fields[i]!;
    const name = f[0];
    if (name.charCodeAt(0) !== 58 /* : */) break;
    if (name === ':method') method = f[1];
    else if (name === ':path') path = f[1];
    else if (name === ':authority') authority = f[1];
  }
  for (let j = i; j < fields.length; j++) {
    if (fields[j]![0] === 'host') {
      hasHost = true;
      break;
    }
  }
  // node's compat convention: `:authority` is visible as `host` (RFC 9113 §8.3.1 lets it replace Host).
  const raw: string[] = !hasHost && authority !== undefined ? ['host', authority] : [];
  for (; i < fields.length; i++) raw.push(fields[i]![0], fields[i]![1]);
  // CONNECT has no :path: node's compat request shows the authority as the url.
  if (path === '' && authority !== undefined) path = authority;
  return { method, url: path, versionMajor: 2, versionMinor: 0, rawHeaders: raw, keepAlive: true, upgrade: false };
}



function flushSession(s: H2ServerSession): void {
  s.flush();
}
function onIdleTimeout(s: H2ServerSession): void {
  s.idleExpired();
}
function onSettingsTimeout(s: H2ServerSession): void {
  s.settingsExpired();
}


