/**
 * The HTTP/2 client driver: binds the sans-I/O engine (src/wire/h2) in the client role to one
 * Duplex (`net.Socket`, `tls.TLSSocket` after ALPN `h2`, or any Duplex a user hands in, with bytes
 * already read allowed) and exposes a stream-level API. Everything above is built on it: the
 * node:http client (`request()` through an Agent with HTTP/2 enabled, src/io/h2-client-pool.ts),
 * node's `http2.connect()` / `ClientHttp2Session` (trama/http2), EventSource and `trama get`.
 *
 * ## API
 *
 * ```ts
 * const session = new H2ClientSession(socket, { idleTimeout: 5000 });
 * const stream = session.request([[':method', 'POST'], [':scheme', 'https'], [':authority', 'a.test'], [':path', '/up']],
 *   { endStream: false, waitForTrailers: true, priority: { weight: 32, exclusive: false, parent: 0 } });
 * stream.on('response', (headers, endStream) => {});   // final response head, pseudo-headers included
 * stream.on('data', (chunk) => { use(chunk); stream.consumed(chunk.length); }); // credit on consume
 * stream.on('end', () => {});                           // the peer's END_STREAM
 * stream.on('close', (code) => {});                     // always last; code 0 unless reset
 * if (!stream.write(body)) stream.once('drain', more);  // false: stream queue or socket full
 * stream.on('wantTrailers', () => stream.sendTrailers([['x-sum', '…']]));
 * stream.end();
 * ```
 *
 * `H2ClientSession` (an EventEmitter):
 * - `request(headers, { endStream, waitForTrailers, priority, sensitive })` → `H2ClientStream`.
 *   `headers` is the full field list in wire order, pseudo-headers first (the caller builds
 *   `:method`/`:scheme`/`:authority`/`:path`; connection-specific fields are refused by the engine
 *   with `ERR_HTTP2_INVALID_CONNECTION_HEADERS`). `priority` takes node's `{ weight, exclusive,
 *   parent }` or the engine's `{ dependsOn, urgency, incremental }`. When the peer's
 *   MAX_CONCURRENT_STREAMS is reached the stream is queued (`stream.id === 0`, 'ready' when it
 *   opens). Throws `ERR_HTTP2_INVALID_SESSION` after close()/destroy, `ERR_HTTP2_GOAWAY_SESSION`
 *   after a GOAWAY was received, and the engine's field errors synchronously.
 * - `settings(partial, cb?)`: SETTINGS; 'localSettings'(settings) when acknowledged.
 *   `localSettings` / `remoteSettings` getters; 'remoteSettings'(settings) on each peer SETTINGS.
 * - `ping(payload?, cb?(err, durationMs, payload))` → true.
 * - `goaway(code?, lastStreamId?, data?)`: sends GOAWAY (the engine names the last pushed stream
 *   it processed; `lastStreamId` is accepted for node's signature only). Received: 'goaway'(code,
 *   lastStreamId, debug). Our streams above that id close with `refused === true`.
 * - `close(cb?)`: graceful; no new request, streams in flight (and queued ones) finish, then
 *   GOAWAY(NO_ERROR) and the socket ends. `destroy(err?, code?)`: GOAWAY(code) and socket destroyed
 *   now; every stream closes with `stream.error` set.
 * - `setLocalWindowSize(n)`: grows the connection receive window to `n`.
 * - `state`: windows, stream counts, queued bytes (node's `session.state` names).
 * - 'push'(pushedStream, requestHeaders, parentStream): a PUSH_PROMISE. The parent stream gets
 *   'push'(pushedStream, requestHeaders) first. With no listener for either, the push is refused
 *   at once with RST_STREAM(CANCEL). A pushed stream emits 'response'/'data'/'end'/'close' like
 *   any other (it is receive-only).
 * - 'ping'(payload) for a PING received, 'frameError'(type, code, streamId) when a frame could
 *   not be sent (a queued stream whose headers the engine refused when it opened),
 *   'error'(err) when the session dies of an error (ours, the peer's GOAWAY with an error code,
 *   the socket's), 'timeout' before an idle close, 'close' once the socket is gone.
 * - options: engine options (settings, limits), `firstBytes` (already read from the socket),
 *   `idleTimeout` (ms with no stream open or queued → graceful close; 0 never),
 *   `pingInterval` (ms of silence while streams are open → keep-alive PING; unanswered for
 *   `pingTimeout` ms → destroy with `ERR_HTTP2_PING_TIMEOUT`), `settingsTimeout` (RFC 9113
 *   §6.5.3), `streamHighWaterMark`, `unrefWhenIdle`, `frameTap(direction, frame, length)` (every
 *   frame decoded as it is read or written, for `trama get -v`; off unless set).
 *
 * `H2ClientStream` (an EventEmitter):
 * - `id` (0 while queued), `requestHeaders`, `pushed`, `refused` (true when the server never
 *   processed it: REFUSED_STREAM, above a GOAWAY's last-stream-id, or queued when the session
 *   went away — safe to retry whatever the method), `rstCode`, `error`, `closed`,
 *   `headersReceived`, `endReceived`, `endSent`.
 * - `write(chunk, cb?)` → boolean (false when `streamHighWaterMark` bytes wait in the stream's
 *   queue or the socket is above its high-water mark; 'drain' follows). The callback runs once the
 *   bytes left for the socket. Bytes are sent as flow control allows; the engine keeps them, the
 *   driver never grows memory beyond what the caller wrote past a `false`.
 * - `end(chunk?, cb?)`: END_STREAM after the queued bytes, or 'wantTrailers' when the stream was
 *   opened with `waitForTrailers` — then `sendTrailers(fields)` (an empty list ends without).
 * - `consumed(n)`: the caller is done with `n` received bytes; only then does the window go back
 *   to the server. A stream with no 'data' listener credits at once (nobody holds the bytes).
 * - `close(code = CANCEL)`: RST_STREAM. `priority(spec)`: PRIORITY / PRIORITY_UPDATE.
 * - events: 'ready'(id), 'information'(headers) for 1xx, 'response'(headers, endStream),
 *   'data'(chunk), 'trailers'(headers), 'end', 'push'(pushed, requestHeaders), 'wantTrailers',
 *   'drain', 'reset'(code, remote), 'close'(code).
 *
 * ## Why these choices
 * - Batching: output produced during one read or one tick leaves in one socket write (as the
 *   server driver, through `writeOutput`, src/io/h2-output.ts).
 * - Until the server's first SETTINGS arrives we open at most `ASSUMED_MAX_CONCURRENT_STREAMS`
 *   (RFC 9113 §6.5.2 allows unlimited, but a server that then advertises fewer would refuse the
 *   excess; Go's client makes the same assumption).
 * - Backpressure out: while the socket is above its high-water mark the driver takes no output
 *   from the engine (DATA waits there, in priority order), and `write()` says false.
 * - Backpressure in: DATA is credited back only by `consumed()`, so memory stays within the
 *   windows we advertised.
 */
import { EventEmitter } from 'node:events';
import type { Duplex } from 'node:stream';
// Node's own timers, not the global ones a test's fake clock may replace.
import { setTimeout, clearTimeout } from 'node:timers';
import { performance } from 'node:perf_hooks';
import { H2Connection, type H2ConnectionOptions, type H2Settings } from '../wire/h2/connection.js';
import { CLIENT_PREFACE, ErrorCode, MAX_MAX_FRAME_SIZE } from '../wire/h2/constants.js';
import { FrameReader, type Frame } from '../wire/h2/frames.js';
import type { H2Event, H2Headers } from '../wire/h2/events.js';
import type { PrioritySpec } from '../wire/h2/priority/index.js';
import { nodeError } from '../wire/shared/index.js';
import { h2SessionError, writeOutput } from './h2-output.js';
import { socketListeners } from './socket-listeners.js';

/**
 * Streams we open before the server's first SETTINGS tells its MAX_CONCURRENT_STREAMS: the RFC's
 * initial value is unlimited, but servers commonly advertise 100 (nghttp2, node, nginx 128) and
 * refuse the excess with REFUSED_STREAM; 100 keeps a burst of requests within that.
 */
export const ASSUMED_MAX_CONCURRENT_STREAMS = 100;
/** A stream's write queue before `write()` says false: node's default for Writables. */
export const DEFAULT_STREAM_HWM = 16 * 1024;
/** How long a keep-alive PING may go unanswered (node's default for http2 has none; undici uses a similar bound). */
export const DEFAULT_PING_TIMEOUT = 10_000;

type WriteCallback = (err?: Error | null) => void;

/** node's `{ weight, exclusive, parent }` or the engine's PrioritySpec. */
export interface StreamPriority extends PrioritySpec {
  parent?: number;
  silent?: boolean;
}

/** Options of {@link H2ClientSession.request}. */
export interface H2RequestOptions {
  /** The request has no body: END_STREAM on HEADERS. */
  endStream?: boolean;
  /** node's shape: after the last DATA, emit 'wantTrailers' and wait for `sendTrailers()`. */
  waitForTrailers?: boolean;
  priority?: StreamPriority;
  /** Field names sent as never-indexed literals (RFC 7541 §7.1.3). */
  sensitive?: ReadonlySet<string>;
}

/** Options of {@link H2ClientSession}. */
export interface H2ClientSessionOptions extends Omit<H2ConnectionOptions, 'role'> {
  /** Bytes already read from the socket (e.g. after an HTTP/1.1 101 for h2c). */
  firstBytes?: Buffer;
  /** Milliseconds with no stream open or queued before a graceful close (0: never). */
  idleTimeout?: number;
  /** Milliseconds of silence from the server, streams open, before a keep-alive PING (0: none). */
  pingInterval?: number;
  /** Milliseconds a keep-alive PING may stay unanswered before the session is destroyed. */
  pingTimeout?: number;
  /** RFC 9113 §6.5.3: milliseconds for our SETTINGS to be acknowledged (0: no limit). */
  settingsTimeout?: number;
  /** A stream's write queue before `write()` returns false. */
  streamHighWaterMark?: number;
  /** `unref()` the socket while no stream is open (a pooled session must not keep a process alive). */
  unrefWhenIdle?: boolean;
  /** Every frame read ('recv') or written ('send'), decoded, with its payload length; for `trama get -v`. */
  frameTap?: (direction: 'recv' | 'send', frame: Frame, length: number) => void;
}

/** One request stream (or one pushed stream) of an {@link H2ClientSession}. */
export class H2ClientStream extends EventEmitter {
  readonly session: H2ClientSession;
  /** The stream id; 0 while queued behind MAX_CONCURRENT_STREAMS. */
  id = 0;
  readonly requestHeaders: H2Headers;
  /** A server push (receive-only). */
  readonly pushed: boolean;
  /** The server never processed this stream: retrying it elsewhere is safe for any method. */
  refused = false;
  /** The RST_STREAM code that closed the stream (sent or received), if any. */
  rstCode: number | undefined = undefined;
  /** Why the stream closed abnormally (session error, socket error), if it did. */
  error: Error | null = null;
  closed = false;
  headersReceived = false;
  endReceived = false;
  /** END_STREAM (or trailers) handed to the engine. */
  endSent = false;
  /** The application called end(). */
  ended = false;

  readonly waitForTrailers: boolean;
  /** @internal options kept until a queued stream opens */
  openOptions: H2RequestOptions | null;
  #tail: Buffer | null = null;
  /** Bytes written before the stream opened. */
  #pending: Buffer[] | null = null;
  #given = 0;
  /** Bytes the application wrote (write callbacks fire once this many have left). */
  #written = 0;
  #callbacks: Array<{ at: number; cb: WriteCallback }> | null = null;
  #needDrain = false;
  #wantTrailersDue = false;
  /** Bytes delivered by 'data' and not yet consumed. */
  #unconsumed = 0;

  constructor(session: H2ClientSession, headers: H2Headers, pushed: boolean, options: H2RequestOptions | null) {
    super();
    this.session = session;
    this.requestHeaders = headers;
    this.pushed = pushed;
    this.waitForTrailers = options?.waitForTrailers === true;
    this.openOptions = options;
    if (pushed) {
      this.ended = true;
      this.endSent = true;
    } else if (options?.endStream === true) {
      this.ended = true;
    }
  }

  /** The stream's send window (0 while queued or closed). */
  get sendWindow(): number {
    return this.id === 0 || this.closed ? 0 : this.session.conn.streamSendWindow(this.id);
  }
  /** The stream's receive window. */
  get receiveWindow(): number {
    return this.id === 0 || this.closed ? 0 : this.session.conn.streamReceiveWindow(this.id);
  }
  /** Bytes written and not yet handed to the socket. */
  get bufferedAmount(): number {
    let n = this.#tail?.length ?? 0;
    if (this.#pending !== null) for (const b of this.#pending) n += b.length;
    if (this.id !== 0 && !this.closed) n += this.session.conn.streamQueuedBytes(this.id);
    return n;
  }
  /** The engine's view of the stream (RFC 9113 §5.1). */
  get state(): string {
    if (this.id === 0) return this.closed ? 'closed' : 'idle';
    return this.session.conn.streamState(this.id);
  }

  /**
   * Queues request body bytes; false when the caller should wait for 'drain'.
   *
   * @example
   * if (!stream.write(chunk)) await once(stream, 'drain');
   */
  write(chunk: string | Uint8Array, cb?: WriteCallback): boolean {
    if (this.ended || this.closed) {
      const err = h2Error('ERR_STREAM_WRITE_AFTER_END', 'write after end');
      if (cb) process.nextTick(cb, err);
      return false;
    }
    const buf = typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    this.#written += buf.length;
    if (buf.length > 0) {
      if (this.id === 0) (this.#pending ??= []).push(buf);
      else {
        if (this.#tail !== null) this.#give(this.#tail, false);
        this.#tail = buf;
        this.session.dirty(this);
      }
    }
    if (cb) this.#addCallback(cb);
    const ok = this.bufferedAmount < this.session.streamHighWaterMark && !this.session.congested;
    if (!ok) {
      this.#needDrain = true;
      this.session.waitFor(this);
    }
    return ok;
  }

  /**
   * Ends the request body: END_STREAM after the queued bytes (or 'wantTrailers' first).
   *
   * @example
   * stream.end('last bytes');
   */
  end(chunk?: string | Uint8Array | null, cb?: WriteCallback): void {
    if (chunk !== undefined && chunk !== null && (typeof chunk === 'string' ? chunk.length : chunk.byteLength) > 0) this.write(chunk);
    if (this.ended || this.closed) {
      if (cb) process.nextTick(cb);
      return;
    }
    this.ended = true;
    if (cb) this.#addCallback(cb);
    if (this.id !== 0) this.#sendEnd();
  }

  /**
   * Ends the request body with trailers known now (no 'wantTrailers' round): the trailers follow
   * the queued bytes (RFC 9113 §8.1).
   *
   * @example
   * stream.endWithTrailers([['x-checksum', sum]]);
   */
  endWithTrailers(fields: ReadonlyArray<readonly [string, string]>, cb?: WriteCallback): void {
    if (this.ended || this.closed || this.waitForTrailers) {
      this.end(null, cb);
      return;
    }
    this.ended = true;
    if (cb) this.#addCallback(cb);
    if (this.id === 0) {
      this.#queuedTrailers = fields.map(([n, v]) => [n, v]);
      return;
    }
    this.#sendWithTrailers(fields);
  }

  #queuedTrailers: H2Headers | null = null;

  #sendWithTrailers(fields: ReadonlyArray<readonly [string, string]>): void {
    const tail = this.#tail;
    this.#tail = null;
    if (tail !== null) this.#give(tail, false);
    if (fields.length > 0) this.session.conn.sendTrailers(this.id, fields);
    else this.session.conn.endStream(this.id);
    this.endSent = true;
    this.session.ending(this);
  }

  /**
   * `cb` once every byte written so far has left for the socket.
   *
   * @example
   * stream.flushed(() => console.log('sent'));
   */
  flushed(cb: WriteCallback): void {
    if (this.closed) process.nextTick(cb, this.error);
    else this.#addCallback(cb);
  }

  /**
   * Trailers after the body (only after 'wantTrailers'); an empty list ends the stream without.
   *
   * @example
   * stream.on('wantTrailers', () => stream.sendTrailers([['grpc-status', '0']]));
   */
  sendTrailers(fields: ReadonlyArray<readonly [string, string]>): void {
    if (this.closed) throw h2Error('ERR_HTTP2_INVALID_STREAM', 'The stream has been destroyed');
    if (!this.#wantTrailersDue) throw h2Error('ERR_HTTP2_TRAILERS_NOT_READY', 'Trailing headers cannot be sent until after the wantTrailers event is emitted');
    this.#wantTrailersDue = false;
    const conn = this.session.conn;
    if (fields.length > 0) conn.sendTrailers(this.id, fields);
    else conn.endStream(this.id);
    this.endSent = true;
    this.session.ending(this);
  }

  /**
   * The caller is done with `n` received bytes: the window goes back to the server.
   *
   * @example
   * stream.on('data', (chunk) => { out.push(chunk); stream.consumed(chunk.length); });
   */
  consumed(n: number): void {
    if (n <= 0) return;
    n = Math.min(n, this.#unconsumed);
    if (n === 0) return;
    this.#unconsumed -= n;
    const conn = this.session.conn;
    if (conn.isTerminated) return;
    conn.acknowledgeReceivedData(this.id, n);
    this.session.schedule();
  }

  /**
   * Resets the stream (RST_STREAM, CANCEL by default). A queued stream is dropped without a frame.
   *
   * @example
   * stream.close(ErrorCode.CANCEL);
   */
  close(code: number = ErrorCode.CANCEL): void {
    if (this.closed) return;
    const session = this.session;
    if (this.id !== 0 && !session.conn.isTerminated && session.conn.isStreamOpen(this.id)) {
      session.conn.resetStream(this.id, code);
      session.schedule();
    }
    this.rstCode = code;
    session.finish(this, code);
  }

  /**
   * Signals a new priority (PRIORITY for RFC 7540 fields, PRIORITY_UPDATE for RFC 9218 ones).
   *
   * @example
   * stream.priority({ weight: 256, exclusive: true, parent: 0 });
   */
  priority(spec: StreamPriority): void {
    if (this.closed || this.id === 0) {
      if (this.openOptions !== null) this.openOptions.priority = spec;
      return;
    }
    this.session.conn.prioritize(this.id, enginePriority(spec));
    this.session.schedule();
  }

  // ---- driver side ----

  /** @internal the stream got its id: headers, then bytes written meanwhile. */
  open(id: number): void {
    this.id = id;
    const options = this.openOptions ?? {};
    this.openOptions = null;
    const pending = this.#pending;
    this.#pending = null;
    const bodyless = this.ended && pending === null && !this.waitForTrailers && this.#queuedTrailers === null;
    const sendOpts: { endStream: boolean; priority?: PrioritySpec; sensitive?: ReadonlySet<string> } = { endStream: bodyless };
    if (options.priority) sendOpts.priority = enginePriority(options.priority);
    if (options.sensitive) sendOpts.sensitive = options.sensitive;
    this.session.conn.sendHeaders(id, this.requestHeaders, sendOpts);
    if (bodyless) {
      this.endSent = true;
      this.session.ending(this);
    } else if (pending !== null) {
      for (let i = 0; i < pending.length - 1; i++) this.#give(pending[i]!, false);
      this.#tail = pending[pending.length - 1]!;
      if (this.ended) this.#endOpened();
      else this.session.dirty(this);
    } else if (this.ended) this.#endOpened();
  }

  #endOpened(): void {
    const trailers = this.#queuedTrailers;
    this.#queuedTrailers = null;
    if (trailers !== null) this.#sendWithTrailers(trailers);
    else this.#sendEnd();
  }

  #sendEnd(): void {
    const tail = this.#tail;
    this.#tail = null;
    const conn = this.session.conn;
    if (this.waitForTrailers) {
      if (tail !== null) this.#give(tail, false);
      this.#wantTrailersDue = true;
      process.nextTick(emitWantTrailers, this);
      return;
    }
    if (tail !== null) this.#give(tail, true);
    else conn.endStream(this.id);
    this.endSent = true;
    this.session.ending(this);
  }

  #give(buf: Buffer, endStream: boolean): void {
    this.#given += buf.length;
    this.session.conn.sendData(this.id, buf, { endStream });
  }

  #addCallback(cb: WriteCallback): void {
    (this.#callbacks ??= []).push({ at: this.#written, cb });
    this.session.waitFor(this);
  }

  /** @internal before the session takes output: the held-back tail goes to the engine. */
  materialize(): void {
    if (this.closed || this.ended || this.id === 0) return;
    const tail = this.#tail;
    if (tail !== null) {
      this.#tail = null;
      this.#give(tail, false);
    }
  }

  /** @internal after a socket write: write callbacks whose bytes left, and 'drain'. */
  afterFlush(): void {
    const cbs = this.#callbacks;
    if (cbs !== null) {
      const sent = this.#given - (this.closed || this.id === 0 ? 0 : this.session.conn.streamQueuedBytes(this.id));
      while (cbs.length > 0 && (this.closed || (this.id !== 0 && cbs[0]!.at <= sent))) cbs.shift()!.cb(this.closed && this.error ? this.error : null);
      if (cbs.length === 0) this.#callbacks = null;
    }
    if (this.#needDrain && !this.closed && !this.session.congested && this.bufferedAmount < this.session.streamHighWaterMark) {
      this.#needDrain = false;
      this.emit('drain');
    }
  }

  /** @internal */
  get waiting(): boolean {
    return this.#callbacks !== null || this.#needDrain;
  }

  /** @internal DATA arrived for this stream. */
  onData(data: Buffer): void {
    if (this.listenerCount('data') === 0) {
      this.session.conn.acknowledgeReceivedData(this.id, data.length);
      return;
    }
    this.#unconsumed += data.length;
    this.emit('data', data);
  }

  /** @internal the stream is gone: drop what waits. */
  dispose(): void {
    this.closed = true;
    this.#tail = null;
    this.#pending = null;
    this.#wantTrailersDue = false;
    const cbs = this.#callbacks;
    this.#callbacks = null;
    if (cbs !== null) for (const { cb } of cbs) process.nextTick(cb, this.error);
  }

  /** @internal */
  wantTrailers(): void {
    if (this.closed || !this.#wantTrailersDue) return;
    this.emit('wantTrailers');
    // node: with no listener the stream ends without trailers.
    if (this.#wantTrailersDue && this.listenerCount('wantTrailers') === 0) this.sendTrailers([]);
    this.session.schedule();
  }
}

function emitWantTrailers(s: H2ClientStream): void {
  s.wantTrailers();
}

function enginePriority(spec: StreamPriority): PrioritySpec {
  const out: PrioritySpec = {};
  const dependsOn = spec.dependsOn ?? spec.parent;
  if (dependsOn !== undefined) out.dependsOn = dependsOn;
  if (spec.weight !== undefined) out.weight = spec.weight;
  if (spec.exclusive !== undefined) out.exclusive = spec.exclusive;
  if (spec.urgency !== undefined) out.urgency = spec.urgency;
  if (spec.incremental !== undefined) out.incremental = spec.incremental;
  return out;
}

const kClientSession = Symbol('trama.h2clientsession');
/** The socket's event listeners (module-level: no closure per socket), `this[kClientSession]` answering. */
const socketL = socketListeners(kClientSession);
type SocketWithSession = Duplex & { [kClientSession]?: H2ClientSession; writableLength: number; writableHighWaterMark: number };

/** node's `session.state` for a client session. */
export interface H2ClientSessionState {
  effectiveLocalWindowSize: number;
  localWindowSize: number;
  remoteWindowSize: number;
  outboundQueueSize: number;
  /** Streams open on the connection (ours and pushed). */
  openStreams: number;
  /** Requests waiting behind MAX_CONCURRENT_STREAMS. */
  queuedStreams: number;
  nextStreamID: number;
  localSettings: Readonly<H2Settings>;
  remoteSettings: Readonly<H2Settings>;
}

/** One HTTP/2 client connection over one Duplex. See the module header for the API. */
export class H2ClientSession extends EventEmitter {
  readonly socket: SocketWithSession;
  readonly conn: H2Connection;
  readonly streamHighWaterMark: number;
  /** Open streams by id (requests and pushes). */
  readonly streams = new Map<number, H2ClientStream>();
  /** Requests waiting for room under MAX_CONCURRENT_STREAMS, in order. */
  #queue: H2ClientStream[] = [];
  #dirty: H2ClientStream[] = [];
  #ending: H2ClientStream[] = [];
  #waiting = new Set<H2ClientStream>();
  #batching = false;
  #scheduled = false;
  #readPaused = false;
  #dead = false;
  #closing = false;
  #closeCallbacks: Array<() => void> = [];
  #remoteSettingsSeen = false;
  #goawayReceived = false;
  #error: Error | null = null;
  #idleTimeout: number;
  #idleTimer: NodeJS.Timeout | null = null;
  #pingInterval: number;
  #pingTimeout: number;
  #pingTimer: NodeJS.Timeout | null = null;
  #lastReceive = 0;
  #keepAlivePing: string | null = null;
  #settingsTimer: NodeJS.Timeout | null = null;
  #pings = new Map<string, { start: number; cb: ((err: Error | null, duration: number, payload: Buffer) => void) | undefined }>();
  #settingsCallbacks: Array<() => void> = [];
  #tap: H2ClientSessionOptions['frameTap'];
  #unrefWhenIdle: boolean;
  #unrefd = false;
  #tapIn: FrameReader | null = null;
  #tapOut: FrameReader | null = null;

  constructor(socket: Duplex, options: H2ClientSessionOptions = {}) {
    super();
    const { firstBytes, idleTimeout, pingInterval, pingTimeout, settingsTimeout, streamHighWaterMark, frameTap, unrefWhenIdle, ...engine } = options;
    this.#unrefWhenIdle = unrefWhenIdle === true;
    this.socket = socket as SocketWithSession;
    this.conn = new H2Connection({ ...engine, role: 'client' });
    this.streamHighWaterMark = streamHighWaterMark ?? DEFAULT_STREAM_HWM;
    this.#idleTimeout = idleTimeout ?? 0;
    this.#pingInterval = pingInterval ?? 0;
    this.#pingTimeout = pingTimeout ?? DEFAULT_PING_TIMEOUT;
    this.#tap = frameTap;
    if (frameTap) {
      this.#tapIn = new FrameReader(MAX_MAX_FRAME_SIZE);
      this.#tapOut = new FrameReader(MAX_MAX_FRAME_SIZE);
    }
    this.socket[kClientSession] = this;
    const sock = socket as Duplex & { setNoDelay?: (v: boolean) => void };
    if (typeof sock.setNoDelay === 'function') sock.setNoDelay(true);
    socket.on('data', socketL.data);
    socket.on('end', socketL.end);
    socket.on('close', socketL.close);
    socket.on('error', socketL.error);
    socket.on('drain', socketL.drain);
    if (settingsTimeout !== undefined && settingsTimeout > 0) {
      this.#settingsTimer = setTimeout(onSettingsTimeout, settingsTimeout, this);
      this.#settingsTimer.unref();
    }
    this.#lastReceive = performance.now();
    this.#batching = true;
    try {
      if (firstBytes && firstBytes.length > 0) this.#receive(firstBytes);
    } finally {
      this.#batching = false;
    }
    // The preface and our SETTINGS leave now: a server may wait for them before its own.
    this.flush();
    this.#armIdle();
    if ((socket as { isPaused?: () => boolean }).isPaused?.()) socket.resume();
  }

  // ---- public API ----

  get destroyed(): boolean {
    return this.#dead;
  }
  /** close() was called, or a GOAWAY arrived: no new request here. */
  get closing(): boolean {
    return this.#closing || this.#goawayReceived;
  }
  /** A GOAWAY from the server arrived. */
  get goawayReceived(): boolean {
    return this.#goawayReceived;
  }
  /** True while a new request would open at once or be queued on this session. */
  get available(): boolean {
    return !this.#dead && !this.#closing && !this.#goawayReceived && !this.conn.isTerminated;
  }
  /** Streams that could still open now without queueing. */
  get freeSlots(): number {
    if (!this.available) return 0;
    return Math.max(0, this.#maxConcurrent() - this.#activeLocal() - this.#queue.length);
  }
  get localSettings(): Readonly<H2Settings> {
    return this.conn.localSettings;
  }
  get remoteSettings(): Readonly<H2Settings> {
    return this.conn.remoteSettings;
  }
  /** The server's first SETTINGS arrived. */
  get remoteSettingsReceived(): boolean {
    return this.#remoteSettingsSeen;
  }
  get congested(): boolean {
    const s = this.socket;
    return s.writableLength >= s.writableHighWaterMark;
  }
  get state(): H2ClientSessionState {
    const conn = this.conn;
    let queued = 0;
    for (const s of this.streams.values()) queued += s.bufferedAmount;
    return {
      effectiveLocalWindowSize: conn.connectionReceiveWindow,
      localWindowSize: conn.connectionReceiveWindow,
      remoteWindowSize: conn.connectionSendWindow,
      outboundQueueSize: queued,
      openStreams: this.streams.size,
      queuedStreams: this.#queue.length,
      nextStreamID: conn.nextStreamId(),
      localSettings: conn.localSettings,
      remoteSettings: conn.remoteSettings,
    };
  }

  /**
   * Opens (or queues) a request stream.
   *
   * @example
   * const s = session.request([[':method', 'GET'], [':scheme', 'http'], [':authority', 'a.test'], [':path', '/']], { endStream: true });
   */
  request(headers: ReadonlyArray<readonly [string, string]>, options: H2RequestOptions = {}): H2ClientStream {
    if (this.#goawayReceived) throw h2Error('ERR_HTTP2_GOAWAY_SESSION', 'New streams cannot be created after receiving a GOAWAY');
    if (this.#dead || this.#closing || this.conn.isTerminated) throw h2Error('ERR_HTTP2_INVALID_SESSION', 'The session has been destroyed');
    const fields: H2Headers = headers.map(([n, v]) => [n, v]);
    const stream = new H2ClientStream(this, fields, false, { ...options });
    this.#disarmIdle();
    if (this.#queue.length === 0 && this.#canOpen()) {
      // Synchronous: the engine's field errors reach the caller as exceptions.
      stream.open(this.conn.nextStreamId());
      this.streams.set(stream.id, stream);
      this.schedule();
    } else {
      this.#queue.push(stream);
    }
    return stream;
  }

  /**
   * Sends SETTINGS; `cb` and 'localSettings' when the server acknowledges them.
   *
   * @example
   * session.settings({ initialWindowSize: 1 << 20 });
   */
  settings(settings: Partial<H2Settings>, cb?: () => void): void {
    this.conn.updateSettings(settings);
    if (cb) this.#settingsCallbacks.push(cb);
    this.schedule();
  }

  /**
   * PING; `cb(err, durationMs, payload)` on the ACK.
   *
   * @example
   * session.ping((err, ms) => console.log('rtt', ms));
   */
  ping(payload?: Uint8Array | ((err: Error | null, duration: number, payload: Buffer) => void), cb?: (err: Error | null, duration: number, payload: Buffer) => void): boolean {
    if (typeof payload === 'function') {
      cb = payload;
      payload = undefined;
    }
    if (this.#dead || this.conn.isTerminated) throw h2Error('ERR_HTTP2_INVALID_SESSION', 'The session has been destroyed');
    const opaque = this.conn.ping(payload);
    this.#pings.set(opaque.toString('hex'), { start: performance.now(), cb });
    this.schedule();
    return true;
  }

  /**
   * Sends GOAWAY (`lastStreamId` is decided by the engine: the last pushed stream processed).
   *
   * @example
   * session.goaway(ErrorCode.NO_ERROR);
   */
  goaway(code: number = ErrorCode.NO_ERROR, _lastStreamId?: number, data?: Uint8Array | string): void {
    if (this.#dead || this.conn.isTerminated) return;
    const debug = data === undefined ? '' : typeof data === 'string' ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('utf8');
    this.conn.goaway(code, debug);
    if (code !== ErrorCode.NO_ERROR) this.#error ??= h2SessionError(code, false, 'GOAWAY sent');
    this.#closing = true;
    this.schedule();
  }

  /**
   * Graceful close: streams in flight and queued finish, then GOAWAY and the socket ends.
   *
   * @example
   * session.close(() => console.log('closed'));
   */
  close(cb?: () => void): void {
    if (cb) {
      if (this.#dead) process.nextTick(cb);
      else this.#closeCallbacks.push(cb);
    }
    if (this.#dead) return;
    this.#closing = true;
    this.#maybeFinishClose();
  }

  /**
   * Tears the session down now: GOAWAY(code) if the connection is alive, socket destroyed, every
   * stream closed with `error`.
   *
   * @example
   * session.destroy(new Error('shutting down'), ErrorCode.CANCEL);
   */
  destroy(err?: Error | null, code?: number): void {
    if (this.#dead) return;
    if (err) this.#error ??= err;
    if (!this.conn.isTerminated) {
      try {
        this.conn.goaway(code ?? (err ? ErrorCode.INTERNAL_ERROR : ErrorCode.NO_ERROR));
        const out = this.conn.takeOutputChunks();
        if (!this.socket.destroyed) writeOutput(this.socket, out, this.#tapOut !== null ? (c) => this.#tapSend(c) : null);
      } catch {
        // a dead connection has nothing to say
      }
    }
    this.#teardown(this.#error);
    this.socket.destroy();
  }

  /**
   * Grows the connection receive window to `size` bytes (it never shrinks: RFC 9113 §6.9).
   *
   * @example
   * session.setLocalWindowSize(16 << 20);
   */
  setLocalWindowSize(size: number): void {
    const delta = size - this.conn.connectionReceiveWindow;
    if (delta > 0) {
      this.conn.openWindow(0, delta);
      this.schedule();
    }
  }

  // ---- driver internals (used by H2ClientStream) ----

  /** @internal the stream has bytes for the engine. */
  dirty(s: H2ClientStream): void {
    this.#dirty.push(s);
    this.schedule();
  }
  /** @internal the stream's END_STREAM was queued. */
  ending(s: H2ClientStream): void {
    this.#ending.push(s);
    this.schedule();
  }
  /** @internal */
  waitFor(s: H2ClientStream): void {
    this.#waiting.add(s);
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
    }
    const sock = this.socket;
    if (!this.congested && !sock.destroyed) {
      writeOutput(sock, this.conn.takeOutputChunks(), this.#tapOut !== null ? (c) => this.#tapSend(c) : null);
    }
    this.#afterWrite();
    if (this.conn.wantsClose) this.#endSocket();
    else if (this.congested) this.#pauseReading();
  }

  #afterWrite(): void {
    const waiting = this.#waiting;
    if (waiting.size > 0) {
      for (const s of [...waiting]) {
        s.afterFlush();
        if (!s.waiting || s.closed) waiting.delete(s);
      }
    }
    const ending = this.#ending;
    if (ending.length > 0) {
      let keep: H2ClientStream[] | null = null;
      for (let i = 0; i < ending.length; i++) {
        const s = ending[i]!;
        if (s.closed) continue;
        if (this.conn.streamState(s.id) === 'closed') this.finish(s, s.rstCode ?? 0);
        else (keep ??= []).push(s);
      }
      this.#ending = keep ?? [];
    }
  }

  #maxConcurrent(): number {
    const peer = this.conn.remoteSettings.maxConcurrentStreams;
    return this.#remoteSettingsSeen ? peer : Math.min(peer, ASSUMED_MAX_CONCURRENT_STREAMS);
  }

  #activeLocal(): number {
    let n = 0;
    for (const s of this.streams.values()) if (!s.pushed) n++;
    return n;
  }

  #canOpen(): boolean {
    return this.conn.canOpenStream && this.#activeLocal() < this.#maxConcurrent();
  }

  /** Opens queued requests while the server's limit leaves room. */
  #drainQueue(): void {
    const q = this.#queue;
    while (q.length > 0 && !this.#dead && this.#canOpen()) {
      const s = q.shift()!;
      if (s.closed) continue;
      try {
        s.open(this.conn.nextStreamId());
      } catch (err) {
        // The engine refused the head (e.g. beyond the server's MAX_HEADER_LIST_SIZE, learnt late).
        s.error = err as Error;
        this.emit('frameError', 0x1, ErrorCode.INTERNAL_ERROR, 0);
        this.finish(s, ErrorCode.INTERNAL_ERROR);
        continue;
      }
      this.streams.set(s.id, s);
      s.emit('ready', s.id);
    }
    if (q.length > 0 && q.every((s) => s.closed)) this.#queue = [];
    this.schedule();
  }

  /** @internal The stream is over: 'close' once, and the session may become idle. */
  finish(s: H2ClientStream, code: number): void {
    if (s.closed) return;
    if (s.id === 0) {
      const at = this.#queue.indexOf(s);
      if (at >= 0) this.#queue.splice(at, 1);
    }
    s.dispose();
    if (s.id !== 0) this.streams.delete(s.id);
    this.#waiting.delete(s);
    process.nextTick(emitStreamClose, s, code);
    if (!this.#dead) {
      if (this.#queue.length > 0) this.#drainQueue();
      if (this.streams.size === 0 && this.#queue.length === 0) {
        if (this.#closing || this.#goawayReceived) this.#maybeFinishClose();
        else this.#armIdle();
      }
    }
  }

  #maybeFinishClose(): void {
    if (this.#dead || !this.#closing || this.streams.size > 0 || this.#queue.length > 0) return;
    if (!this.conn.isTerminated && !this.conn.wantsClose) this.conn.goaway(ErrorCode.NO_ERROR);
    this.schedule();
  }

  // ---- input ----

  onData(chunk: Buffer): void {
    if (this.#dead) return;
    this.#lastReceive = performance.now();
    this.#batching = true;
    try {
      this.#receive(chunk);
    } finally {
      this.#batching = false;
      this.flush();
    }
  }

  #receive(chunk: Buffer): void {
    if (this.#tapIn !== null) this.#tapRecv(chunk);
    const events = this.conn.receive(chunk);
    for (let i = 0; i < events.length; i++) this.#onEvent(events[i]!);
  }

  #onEvent(e: H2Event): void {
    switch (e.type) {
      case 'headers-received': {
        const s = this.streams.get(e.streamId);
        if (s === undefined) break;
        if (s.headersReceived) break;
        s.headersReceived = true;
        s.emit('response', e.headers, e.endStream);
        break;
      }
      case 'informational-received': {
        const s = this.streams.get(e.streamId);
        if (s !== undefined) s.emit('information', e.headers);
        break;
      }
      case 'data-received': {
        const s = this.streams.get(e.streamId);
        if (s === undefined || s.closed) this.conn.acknowledgeReceivedData(e.streamId, e.data.length);
        else s.onData(e.data);
        break;
      }
      case 'trailers-received': {
        const s = this.streams.get(e.streamId);
        if (s !== undefined) s.emit('trailers', e.headers);
        break;
      }
      case 'stream-ended': {
        const s = this.streams.get(e.streamId);
        if (s === undefined) break;
        s.endReceived = true;
        s.emit('end');
        if (this.conn.streamState(s.id) === 'closed') this.finish(s, 0);
        break;
      }
      case 'stream-reset': {
        const s = this.streams.get(e.streamId);
        if (s === undefined) break;
        s.rstCode = e.errorCode;
        // RFC 9113 §8.7: REFUSED_STREAM means the server did no processing.
        if (e.remote && e.errorCode === ErrorCode.REFUSED_STREAM) s.refused = true;
        s.emit('reset', e.errorCode, e.remote);
        this.finish(s, e.errorCode);
        break;
      }
      case 'push-promise-received':
        this.#onPush(e.parentId, e.promisedId, e.headers);
        break;
      case 'settings-received': {
        const first = !this.#remoteSettingsSeen;
        this.#remoteSettingsSeen = true;
        this.emit('remoteSettings', this.conn.remoteSettings);
        if (first) this.emit('connect', this, this.socket);
        if (this.#queue.length > 0) this.#drainQueue();
        break;
      }
      case 'settings-acked': {
        if (this.conn.settingsAwaitingAck === 0 && this.#settingsTimer !== null) {
          clearTimeout(this.#settingsTimer);
          this.#settingsTimer = null;
        }
        this.emit('localSettings', this.conn.localSettings);
        const cb = this.#settingsCallbacks.shift();
        if (cb) cb();
        break;
      }
      case 'ping-received':
        this.emit('ping', e.data);
        break;
      case 'ping-acked': {
        const key = e.data.toString('hex');
        if (key === this.#keepAlivePing) this.#keepAlivePing = null;
        const p = this.#pings.get(key);
        if (p !== undefined) {
          this.#pings.delete(key);
          if (p.cb) p.cb(null, performance.now() - p.start, e.data);
        }
        break;
      }
      case 'goaway-received': {
        this.#goawayReceived = true;
        this.#disarmIdle();
        // Queued requests were never sent: they belong on another session.
        const queued = this.#queue;
        this.#queue = [];
        for (const s of queued) {
          s.refused = true;
          s.rstCode = ErrorCode.REFUSED_STREAM;
          this.finish(s, ErrorCode.REFUSED_STREAM);
        }
        this.emit('goaway', e.errorCode, e.lastStreamId, e.debug);
        if (this.streams.size === 0) this.schedule();
        break;
      }
      case 'connection-terminated':
        this.#error ??= h2SessionError(e.errorCode, e.remote, e.message);
        break;
      default:
        break;
    }
  }

  #onPush(parentId: number, promisedId: number, headers: H2Headers): void {
    const parent = this.streams.get(parentId);
    const wanted = (parent !== undefined && parent.listenerCount('push') > 0) || this.listenerCount('push') > 0;
    if (!wanted || this.#closing) {
      // Nobody will read it: refuse the push (RFC 9113 §8.4: RST_STREAM CANCEL).
      if (this.conn.isStreamOpen(promisedId)) this.conn.resetStream(promisedId, ErrorCode.CANCEL);
      return;
    }
    const s = new H2ClientStream(this, headers, true, null);
    s.id = promisedId;
    this.streams.set(promisedId, s);
    this.#disarmIdle();
    if (parent !== undefined) parent.emit('push', s, headers);
    this.emit('push', s, headers, parent);
  }

  // ---- frame tap (trama get -v) ----

  #tapRecv(chunk: Buffer): void {
    const r = this.#tapIn!;
    r.push(Buffer.from(chunk));
    this.#drainTap(r, 'recv');
  }

  #tapSend(chunk: Buffer): void {
    // The client preface's magic (RFC 9113 §3.4) precedes the first frame we send: not a frame.
    if (this.#tapSkip > 0) {
      const n = Math.min(this.#tapSkip, chunk.length);
      this.#tapSkip -= n;
      chunk = chunk.subarray(n);
    }
    const r = this.#tapOut!;
    r.push(Buffer.from(chunk));
    this.#drainTap(r, 'send');
  }

  #drainTap(r: FrameReader, dir: 'recv' | 'send'): void {
    for (;;) {
      const f = r.next();
      if (f === null || f.kind !== 'frame') return;
      this.#tap!(dir, f.frame, f.length);
    }
  }
  #tapSkip = CLIENT_PREFACE.length;

  // ---- timers ----

  #armIdle(): void {
    if (this.#unrefWhenIdle && !this.#unrefd) {
      this.#unrefd = true;
      (this.socket as { unref?: () => void }).unref?.();
    }
    if (this.#idleTimeout > 0 && this.#idleTimer === null && !this.#dead) {
      this.#idleTimer = setTimeout(onIdleTimeout, this.#idleTimeout, this);
      this.#idleTimer.unref();
    }
    this.#stopPing();
  }

  #disarmIdle(): void {
    if (this.#unrefd) {
      this.#unrefd = false;
      (this.socket as { ref?: () => void }).ref?.();
    }
    if (this.#idleTimer !== null) {
      clearTimeout(this.#idleTimer);
      this.#idleTimer = null;
    }
    this.#startPing();
  }

  /** @internal */
  idleExpired(): void {
    this.#idleTimer = null;
    if (this.streams.size > 0 || this.#queue.length > 0 || this.#dead) return;
    this.emit('timeout');
    this.close();
  }

  #startPing(): void {
    if (this.#pingInterval > 0 && this.#pingTimer === null && !this.#dead) {
      this.#pingTimer = setTimeout(onPingTimer, this.#pingInterval, this);
      this.#pingTimer.unref();
    }
  }

  #stopPing(): void {
    if (this.#pingTimer !== null) {
      clearTimeout(this.#pingTimer);
      this.#pingTimer = null;
    }
    this.#keepAlivePing = null;
  }

  /** @internal keep-alive: PING after a silence, destroy when the PING goes unanswered. */
  pingTick(): void {
    this.#pingTimer = null;
    if (this.#dead || this.conn.isTerminated) return;
    if (this.#keepAlivePing !== null) {
      this.destroy(h2Error('ERR_HTTP2_PING_TIMEOUT', 'The server did not answer a keep-alive PING in time'), ErrorCode.NO_ERROR);
      return;
    }
    if (this.streams.size === 0 && this.#queue.length === 0) return;
    const silent = performance.now() - this.#lastReceive;
    let wait = this.#pingInterval - silent;
    if (wait <= 0) {
      this.#keepAlivePing = this.conn.ping().toString('hex');
      this.flush();
      wait = this.#pingTimeout;
    }
    this.#pingTimer = setTimeout(onPingTimer, Math.max(1, wait), this);
    this.#pingTimer.unref();
  }

  /** @internal */
  settingsExpired(): void {
    this.#settingsTimer = null;
    if (this.#dead || this.conn.isTerminated || this.conn.settingsAwaitingAck === 0) return;
    // RFC 9113 §6.5.3: SETTINGS_TIMEOUT.
    this.conn.goaway(ErrorCode.SETTINGS_TIMEOUT, 'SETTINGS not acknowledged in time');
    this.#error ??= h2SessionError(ErrorCode.SETTINGS_TIMEOUT, false, 'SETTINGS not acknowledged in time');
    this.flush();
  }

  // ---- socket ----

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
    if (this.#dead) return;
    const s = this.socket;
    this.#teardown(this.#error);
    if (!s.destroyed) {
      const d = s as unknown as { destroySoon?: () => void };
      if (typeof d.destroySoon === 'function') d.destroySoon();
      else s.end();
    }
  }

  /** Every stream and callback ends; the session takes nothing more. */
  #teardown(err: Error | null): void {
    if (this.#dead) return;
    this.#dead = true;
    this.#disarmIdleOnly();
    this.#stopPing();
    if (this.#settingsTimer !== null) {
      clearTimeout(this.#settingsTimer);
      this.#settingsTimer = null;
    }
    const lost = err ?? h2Error('ERR_HTTP2_STREAM_CANCEL', 'The pending stream has been canceled (caused by: the session closed)');
    const queued = this.#queue;
    this.#queue = [];
    for (const s of queued) {
      // Never sent: another session may carry it.
      s.refused = true;
      s.error = lost;
      s.rstCode = ErrorCode.REFUSED_STREAM;
      this.finish(s, ErrorCode.REFUSED_STREAM);
    }
    for (const s of [...this.streams.values()]) {
      s.error = lost;
      this.finish(s, err ? ErrorCode.INTERNAL_ERROR : ErrorCode.CANCEL);
    }
    for (const [, p] of this.#pings) if (p.cb) process.nextTick(p.cb, h2Error('ERR_HTTP2_PING_CANCEL', 'HTTP2 ping cancelled'), 0, Buffer.alloc(8));
    this.#pings.clear();
  }

  #disarmIdleOnly(): void {
    if (this.#idleTimer !== null) {
      clearTimeout(this.#idleTimer);
      this.#idleTimer = null;
    }
  }

  onClose(): void {
    const s = this.socket;
    this.#teardown(this.#error);
    s.removeListener('data', socketL.data);
    s.removeListener('end', socketL.end);
    s.removeListener('close', socketL.close);
    s.removeListener('drain', socketL.drain);
    delete s[kClientSession];
    const err = this.#error;
    process.nextTick(() => {
      if (err !== null && this.listenerCount('error') > 0) this.emit('error', err);
      this.emit('close');
      for (const cb of this.#closeCallbacks.splice(0)) cb();
    });
  }

  onEnd(): void {
    // The server is done sending: nothing more will answer our streams.
    if (!this.#dead && (this.streams.size > 0 || this.#queue.length > 0)) {
      this.#error ??= h2Error('ECONNRESET', 'The server closed the connection');
    }
    this.#endSocket();
  }

  onError(err: Error): void {
    this.#error ??= err;
    this.socket.destroy();
  }
}

function h2Error(code: string, message: string): Error {
  return nodeError(Error, code, message);
}

function emitStreamClose(s: H2ClientStream, code: number): void {
  s.emit('close', code);
}
function flushSession(s: H2ClientSession): void {
  s.flush();
}
function onIdleTimeout(s: H2ClientSession): void {
  s.idleExpired();
}
function onPingTimer(s: H2ClientSession): void {
  s.pingTick();
}
function onSettingsTimeout(s: H2ClientSession): void {
  s.settingsExpired();
}

