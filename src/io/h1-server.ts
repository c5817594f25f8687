/**
 * The HTTP/1.1 server driver: binds the wire parser (src/wire/h1) to a socket (any Duplex), and
 * turns each request into an {@link H1Exchange} for the http/ facade.
 *
 * What it owns (and the why of each choice):
 * - Pipelining, strictly in order (RFC 9112 §9.3.2): exchanges form a queue; only the head of the
 *   queue writes to the socket, later ones buffer their bytes in their exchange until they
 *   become the head. A slow first response never loses or reorders later ones.
 * - Bounded: reading stops (the parser is paused, the socket too) while `maxPipelineDepth`
 *   responses are outstanding, or the bytes waiting to be written pass the socket's high-water
 *   mark; it resumes on 'drain' / when the queue shrinks. A client that sends without reading
 *   cannot grow our memory.
 * - Batching: everything produced while one socket read is being parsed (16 pipelined
 *   responses, or a head and a small body) leaves in ONE socket write, merged as one string;
 *   so does what is written later in one turn (answers after 'end', an await, setImmediate),
 *   written on one immediate.
 * - 'finish' is emitted when the socket's write callback for the response's last bytes fires
 *   (node's timing), tracked with write sequence numbers: no closure per response.
 * - No per-connection closures: socket listeners are module functions that find the connection
 *   through a symbol; one interval per server checks headers/request timeouts (node's
 *   connectionsCheckingInterval); one timer per server watches the keep-alive timeout of its idle
 *   connections ({@link KeepAliveClock}), so a socket's own timer is armed only when the
 *   application or `server.timeout` asks for one.
 * - Peer bytes never throw: parse faults become `clientError` (default answers 400/408/413/431,
 *   then the connection closes after a lingering half-close).
 */
import type { Socket } from 'node:net';
import { Readable } from 'node:stream';
// Node's own timers, not the global ones a test's fake clock may replace (node:http's are internal too).
import { setTimeout, clearTimeout, setImmediate } from 'node:timers';
import { performance } from 'node:perf_hooks';
import { H1Parser, H1ParseError } from '../wire/h1/parser.js';
import { CRLF, fieldLine, statusLine } from '../wire/h1/serializer.js';
import type { H1Handler, H1Head, H1ParserOptions } from '../wire/h1/types.js';
import { connReset, closeResponse, type Exchange, type ExchangeRequest, type ExchangeResponse, type FinishableMessage, type RequestHead } from './exchange.js';
import { socketListeners } from './socket-listeners.js';

/** Default bound on responses outstanding on one connection before reading stops (pipelining). */
export const DEFAULT_MAX_PIPELINE_DEPTH = 64;
/** How long a connection that got an error answer may linger (reading and discarding) before it is destroyed. */
export const ERROR_LINGER_MS = 2000;
/** node's default for setMaxIdleHTTPParsers. */
export const DEFAULT_MAX_IDLE_PARSERS = 1000;

/** What the driver asks of the http/ layer (the Server). Settings are read live. */
export interface H1ServerHost {
  readonly headersTimeout: number;
  readonly requestTimeout: number;
  readonly keepAliveTimeout: number;
  readonly timeout: number;
  /** node's `server.httpAllowHalfOpen`: keep serving after the client's FIN (false: the FIN ends the connection). */
  readonly httpAllowHalfOpen: boolean;
  /** Parser options for new connections. */
  h1ParserOptions(): H1ParserOptions;
  /** Bound on outstanding pipelined responses. */
  readonly maxPipelineDepth: number;
  /** A request head arrived: build req/res on the exchange and dispatch it. */
  onRequest(ex: H1Exchange): void;
  /** The trailer fields to show of a complete trailer section (node's maxHeadersCount rule; the parser used them all). */
  exposedTrailers(trailers: string[]): string[];
  /**
   * The response's bytes are flushed ('finish' time). `inWriteCallback`: called from the socket's
   * write callback, which already runs a tick (or more) after the write, as node's 'finish' does.
   */
  onResponseFinished(ex: H1Exchange, inWriteCallback: boolean): void;
  /** A CONNECT / Upgrade head: does anyone take the socket? (CONNECT without taker: the socket is destroyed.) */
  wantsUpgrade(head: RequestHead, socket: Socket): boolean;
  /**
   * Hand the socket over with the bytes already read past the head; the first `bodyLength` of
   * them are the request's body (an Upgrade request with a body is read in full first).
   */
  onUpgrade(head: RequestHead, socket: Socket, bodyHead: Buffer, bodyLength: number): void;
  /**
   * Optional: sniff the first bytes of a connection (HTTP/2 prior knowledge, RFC 9113 §3.4):
   * 1 hands the connection over to `onPreface`, 0 keeps it HTTP/1.1, -1 waits for more bytes.
   * Asked only when `sniffsPreface(socket)` said so at connection time.
   */
  sniffsPreface?(socket: Socket): boolean;
  sniffPreface?(bytes: Buffer): 1 | 0 | -1;
  onPreface?(socket: Socket, bytes: Buffer): void;
  /** A protocol or socket error: returns true when a `clientError` listener took it. */
  onClientError(err: Error, socket: Socket): boolean;
  /** The socket's timeout fired on a busy connection with server.timeout set. Returns true when handled. */
  onActiveTimeout(conn: H1ServerConnection): boolean;
  /** The keep-alive timeout fired on an idle connection. Returns true when a listener took it. */
  onIdleTimeout(socket: Socket): boolean;
  /** The connection is gone. */
  onConnectionClosed(conn: H1ServerConnection): void;
  /** Server is closing: connections close once idle. */
  readonly closing: boolean;
  /** Watches the keep-alive timeout of this server's idle connections. */
  readonly keepAliveClock: KeepAliveClock;
}

/**
 * Milliseconds on a monotonic clock, for every timeout the driver measures (message ages, idle
 * times). The wall clock can jump (an NTP step at boot): a jump forward would time out every
 * request in flight at once, a jump back would keep idle connections for as long. node:http
 * measures with libuv's monotonic clock too.
 */
export function monotonicMs(): number {
  return performance.now();
}

const kConn = Symbol('trama.h1conn');
/** The socket's event listeners (module-level: no closure per socket), `this[kConn]` answering. */
const socketL = socketListeners(kConn);
const EMPTY = Buffer.alloc(0);

interface Pending {
  data: string | Uint8Array;
  encoding: BufferEncoding | null | undefined;
  cb: ((err?: Error | null) => void) | null | undefined;
}

/** The native stream handle of a net/tls socket (what node's own onStreamRead drives). */
interface NativeHandle {
  reading: boolean;
  readStart(): number;
  readStop(): number;
}

/** The socket's class prototype (its own `push`/`destroy`/`end` are put back from it, see #detach). */
function protoOf(s: Socket): Socket {
  return Object.getPrototypeOf(s) as Socket;
}

/** Does the socket carry its own `name` (a user's override), not one we put back from its prototype? */
function ownOverride(s: Socket, name: 'destroy' | 'end'): boolean {
  return Object.prototype.hasOwnProperty.call(s, name) && s[name] !== protoOf(s)[name];
}

type SocketWithConn = Socket & { [kConn]?: H1ServerConnection; _httpMessage?: unknown; _handle?: NativeHandle | null };

// ---------------------------------------------------------------------------------------------
// Parser pool (node's setMaxIdleHTTPParsers): parsers are reset and reused across connections.

interface PooledParser {
  parser: H1Parser;
  handler: ParserTrampoline;
  key: string;
}

/** The parser's handler is fixed at construction: a trampoline lets a pooled parser serve any connection. */
class ParserTrampoline implements H1Handler {
  conn: H1ServerConnection | null = null;
  onHeadersComplete(head: H1Head): void {
    this.conn!.onHead(head);
  }
  onBody(chunk: Buffer): void {
    this.conn!.onBody(chunk);
  }
  onMessageComplete(trailers: string[] | null): void {
    this.conn!.onMessageComplete(trailers);
  }
}

let maxIdleParsers = DEFAULT_MAX_IDLE_PARSERS;
const idleParsers: PooledParser[] = [];

/**
 * Set how many idle parsers are kept for reuse (node's `http.setMaxIdleHTTPParsers`).
 *
 * @example
 * setMaxIdleHTTPParsers(2000);
 */
export function setMaxIdleHTTPParsers(max: number): void {
  if (typeof max !== 'number' || !Number.isInteger(max) || max < 1) {
    const err = new RangeError(`The value of "max" is out of range. It must be >= 1 && <= 4294967295. Received ${String(max)}`) as RangeError & { code: string };
    if (typeof max !== 'number') {
      const te = new TypeError(`The "max" argument must be of type number. Received type ${typeof max} (${String(max)})`) as TypeError & { code: string };
      te.code = 'ERR_INVALID_ARG_TYPE';
      throw te;
    }
    err.code = 'ERR_OUT_OF_RANGE';
    throw err;
  }
  maxIdleParsers = max;
  if (idleParsers.length > max) idleParsers.length = max;
}

function parserKey(o: H1ParserOptions): string {
  return `${o.maxHeaderSize ?? ''}|${o.maxHeaderCount ?? ''}|${o.lenient ? 1 : 0}|${o.requireHost === false ? 0 : 1}|${o.allowMissingHost === true ? 1 : 0}`;
}

function acquireParser(options: H1ParserOptions): PooledParser {
  const key = parserKey(options);
  const p = takeParser(key);
  if (p !== null) return p;
  const handler = new ParserTrampoline();
  return { parser: new H1Parser(options, handler), handler, key };
}

/** An idle pooled parser made with options of this key, or null. */
function takeParser(key: string): PooledParser | null {
  for (let i = idleParsers.length - 1; i >= 0; i--) {
    if (idleParsers[i]!.key === key) {
      const p = idleParsers[i]!;
      idleParsers[i] = idleParsers[idleParsers.length - 1]!;
      idleParsers.pop();
      return p;
    }
  }
  return null;
}

function releaseParser(p: PooledParser): void {
  p.handler.conn = null;
  if (idleParsers.length < maxIdleParsers) {
    p.parser.reset();
    idleParsers.push(p);
  }
}

// ---------------------------------------------------------------------------------------------
// The Exchange of one request/response on an h1 connection.

/** One request/response on an HTTP/1.1 connection; the response's sink. */
export class H1Exchange implements Exchange {
  readonly conn: H1ServerConnection;
  readonly head: RequestHead;
  req: ExchangeRequest | null = null;
  res: ExchangeResponse | null = null;
  /** Bytes written before this exchange reached the head of the queue. */
  pending: Pending[] | null = null;
  pendingBytes = 0;
  /** The response ended (all its bytes handed to us). */
  ended = false;
  /** Write sequence number after which 'finish' may be emitted (-1: not yet). */
  finishSeq = -1;
  /** The response was flushed and reported. */
  done = false;

  constructor(conn: H1ServerConnection, head: RequestHead) {
    this.conn = conn;
    this.head = head;
  }

  get protocol(): 'http/1.1' {
    return 'http/1.1';
  }
  get socket(): Socket {
    return this.conn.socket;
  }

  // ---- OutgoingSink ----

  write(data: string | Uint8Array, encoding?: BufferEncoding | null, cb?: (err?: Error | null) => void): boolean {
    const conn = this.conn;
    if (conn.queue[0] === this) return conn.out(data, encoding, cb);
    (this.pending ??= []).push({ data, encoding, cb });
    const len = typeof data === 'string' ? data.length : data.byteLength;
    this.pendingBytes += len;
    conn.queuedBytes += len;
    return conn.queuedBytes < conn.socket.writableHighWaterMark;
  }
  cork(): void {}
  uncork(): void {}
  get writableLength(): number {
    const conn = this.conn;
    return conn.queue[0] === this ? conn.socket.writableLength + conn.batchLength() : this.pendingBytes;
  }
  get writableHighWaterMark(): number {
    return this.conn.socket.writableHighWaterMark;
  }
  get writableCorked(): number {
    return 0;
  }
  get destroyed(): boolean {
    return this.conn.socket.destroyed;
  }
  finishMessage(_msg: FinishableMessage): void {
    this.ended = true;
    if (this.conn.queue[0] === this) this.conn.advance();
  }

  // ---- BodySource ----

  resumeBody(_msg: unknown): void {
    this.conn.resumeFor(PAUSE_BODY);
  }
  abortBody(_msg: unknown, err: Error | null): void {
    // h1 can't abandon one request body and keep the connection: close it.
    const sock = this.conn.socket;
    if (!sock.destroyed) sock.destroy(err ?? undefined);
  }
}

// Reasons to stop reading (bit flags).
const PAUSE_BODY = 1; // a request body's consumer is full
const PAUSE_PIPELINE = 2; // too many responses outstanding / too many bytes queued

/** One HTTP/1.1 server connection. */
export class H1ServerConnection {
  readonly socket: SocketWithConn;
  readonly host: H1ServerHost;
  #pooled: PooledParser | null;
  /** Exchanges whose responses are not yet fully handed to the socket, in request order. */
  queue: H1Exchange[] = [];
  /** Bytes buffered in non-head exchanges. */
  queuedBytes = 0;
  /** The exchange whose request is being received (head seen, body not complete). */
  #current: H1Exchange | null = null;
  /** Start time (monotonicMs) of the message being received, 0 when none. */
  msgStart = 0;
  #headersDone = false;
  /** Number of requests seen (maxRequestsPerSocket). */
  requestCount = 0;

  #pause = 0;
  #rest: Buffer | null = null;
  #dead = false;
  #closeWhenIdle = false;
  #endAfterFlush = false;
  #upgradeBody: Buffer[] | null = null;
  #upgrading: RequestHead | null = null;
  #fed = 0; // bytes given to the parser since its last reset (for err.bytesParsed)
  /** Listeners removed, parser given back for good (upgrade, close). */
  #detached = false;
  /** The pool key of this connection's parser options (to take a parser back after idling). */
  readonly #parserKey: string;

  // Batching: output produced while a read is parsed.
  #batching = false;
  #batch = '';
  /**
   * What precedes `#batch` in the batch when it holds Buffer bodies (`res.end(buffer)`): strings
   * and Buffers in order, written corked (one writev) with `#batch` last. Null: text only.
   */
  #batchParts: (string | Uint8Array)[] | null = null;
  /** Bytes (string lengths for text) in `#batchParts`. */
  #batchPartsSize = 0;
  #batchCbs: ((err?: Error | null) => void)[] | null = null;
  /** A turn batch is open: output produced outside a read (after 'end', an await, a timer) waits for `endTurn`. */
  #turnScheduled = false;

  // Finish tracking: writes issued / completed, exchanges waiting for their last write.
  #writeSeq = 0;
  #doneSeq = 0;
  #waiting: H1Exchange[] = [];
  #timeoutMs = 0;
  #resumeScheduled = false;
  #handle: NativeHandle | null = null;
  #pauseAtEnd = false;
  #lastRequest = false;
  #inputClosed = false;
  /** The socket was ended on the peer's FIN: later response bytes are dropped, as node's are. */
  #outputClosed = false;
  /** server.close() reached this busy connection: answer what was received, then close. */
  #draining = false;
  /** When the connection was accepted (monotonicMs), until its first byte; 0 after. */
  #freshSince = 0;
  /** Still looking at the first bytes for the HTTP/2 preface (null: not sniffing). */
  #sniffed: Buffer | null = null;

  // Keep-alive watch (KeepAliveClock): when the connection last became idle (ms; 0 while a
  // request is in progress or a response outstanding, -1 once its keep-alive timeout fired), and
  // its links in the server's clock, oldest idle first.
  idleSince = 0;
  kaPrev: H1ServerConnection | null = null;
  kaNext: H1ServerConnection | null = null;
  kaQueued = false;

  constructor(socket: Socket, host: H1ServerHost) {
    this.socket = socket as SocketWithConn;
    this.host = host;
    this.#pooled = acquireParser(host.h1ParserOptions());
    this.#pooled.handler.conn = this;
    this.#parserKey = this.#pooled.key;
    this.socket[kConn] = this;
    // Reads skip the Readable machinery when the socket has a native handle (net, tls): its
    // `push` hands each chunk straight to us, as node:http's own parser consumes the handle.
    // Any other Duplex gets a 'data' listener.
    const handle = this.socket._handle;
    if (handle && typeof handle.readStop === 'function' && typeof handle.readStart === 'function') {
      this.#handle = handle;
      this.socket.push = fastPush;
    } else {
      socket.on('data', socketL.data);
    }
    socket.on('end', socketL.end);
    socket.on('close', socketL.close);
    socket.on('error', socketL.error);
    socket.on('drain', socketL.drain);
    socket.on('timeout', socketL.timeout);
    // res.destroy() destroys the socket: what the current read's batch holds goes out first.
    if (!ownOverride(socket, 'destroy')) this.socket.destroy = destroyAfterFlush;
    // So does socket.end() (`res.end(); res.socket.end()`): node's bytes are already written then.
    if (!ownOverride(socket, 'end')) this.socket.end = endAfterFlush;
    // Until its first byte a connection waits for a request head: headersTimeout/requestTimeout
    // run from the accept, as node's do (408), and the keep-alive timeout does not (node arms it
    // only after a response). It still counts as idle for closeIdleConnections() and close(), as
    // node's documentation says ("not sending a request or waiting for a response"): node 20
    // keeps it instead, and after close() (whose checking interval stops) forever. docs/server.md.
    this.#freshSince = monotonicMs();
    if (host.timeout > 0) this.#armTimeout(host.timeout);
    if (host.sniffsPreface?.(socket) === true) this.#sniffed = EMPTY;
    // A socket handed over with bytes already read (a protocol sniff that unshift()ed them, then
    // server.emit('connection', socket)), or paused: the bytes are the start of the first
    // request. Pausing stops a flow in progress from emitting them to no listener; they are fed
    // on the next tick (after the other 'connection' listeners, before any later read).
    if (socket.readableLength > 0 || socket.readableFlowing === false) {
      socket.pause();
      process.nextTick(readBuffered, this);
    }
  }

  /** Reads come from the socket's native handle (our `push`), not 'data' events. */
  get readsHandle(): boolean {
    return this.#handle !== null;
  }

  /** True while reading is stopped (`push` tells the handle to stop when it returns false). */
  get readingPaused(): boolean {
    return this.#pause !== 0;
  }

  #readStop(): void {
    const h = this.#handle;
    if (h === null) {
      this.socket.pause();
      return;
    }
    h.reading = false;
    if (!this.socket.destroyed) h.readStop();
  }

  #readStart(): void {
    const h = this.#handle;
    if (h === null) {
      this.socket.resume();
      return;
    }
    if (!h.reading) {
      h.reading = true;
      h.readStart();
    }
  }

  /** No request in progress and no response outstanding. */
  get idle(): boolean {
    return this.queue.length === 0 && this.msgStart === 0;
  }

  /** The exchange receiving its request now (for 'timeout' on req). */
  get current(): H1Exchange | null {
    return this.#current;
  }

  #armTimeout(ms: number): void {
    // Compare with the socket's own value: the application may have changed it (req.setTimeout).
    const current = (this.socket as { timeout?: number }).timeout ?? this.#timeoutMs;
    if (ms === this.#timeoutMs && ms === current) return;
    this.#timeoutMs = ms;
    if (typeof this.socket.setTimeout === 'function') this.socket.setTimeout(ms);
  }

  // ---- reading ----

  onData(chunk: Buffer): void {
    if (this.#dead || this.#inputClosed) return;
    if (this.#sniffed !== null) {
      // The first bytes may be HTTP/2's preface (prior knowledge): then the connection is handed
      // over whole; a preface split across reads waits for its next bytes.
      const seen = this.#sniffed.length === 0 ? chunk : Buffer.concat([this.#sniffed, chunk]);
      const verdict = this.host.sniffPreface!(seen);
      if (verdict === -1) {
        this.#sniffed = seen;
        return;
      }
      this.#sniffed = null;
      if (verdict === 1) {
        this.#detach();
        this.host.onPreface!(this.socket, seen);
        return;
      }
      chunk = seen;
    }
    if (this.msgStart === 0) {
      this.msgStart = monotonicMs();
      this.#headersDone = false;
      this.idleSince = 0;
      this.#freshSince = 0;
    }
    this.#batching = true;
    try {
      this.#parse(chunk);
    } finally {
      // Even when a 'request' listener throws: what was produced still goes out.
      this.#batching = false;
      this.flush();
    }
    this.#releaseIfIdle();
  }

  /**
   * A connection between messages holds no parser: it goes back to the pool (one parser serves
   * many idle connections) and is taken again when bytes arrive. Between messages means no
   * request being received; responses may still be going out (an event stream, a long poll: the
   * parser has nothing to do until the next request). Never while parsing, nor with bytes held
   * back or reading paused.
   */
  #releaseIfIdle(): void {
    const pooled = this.#pooled;
    if (pooled !== null && !this.#batching && this.msgStart === 0 && this.#rest === null && this.#pause === 0 && !this.#dead && this.#upgrading === null) {
      this.#pooled = null;
      releaseParser(pooled);
    }
  }

  #parse(chunk: Buffer): void {
    let pooled = this.#pooled;
    if (pooled === null) {
      if (this.#detached) return;
      pooled = takeParser(this.#parserKey) ?? acquireParser(this.host.h1ParserOptions());
      pooled.handler.conn = this;
      this.#pooled = pooled;
      this.#fed = 0;
    }
    const parser = pooled.parser;
    let buf = chunk;
    for (;;) {
      const base = this.#fed;
      const n = parser.execute(buf);
      this.#fed += n;
      let err = parser.error;
      if (err === null && parser.upgraded && this.#upgrading === null && parser.h2Preface) {
        // HTTP/2's preface on a port that does not speak it (allowHTTP2: false): a client error,
        // as node:http's (HPE_PAUSED_H2_UPGRADE; default answer 400), not a silent close.
        err = new H1ParseError('HPE_PAUSED_H2_UPGRADE', 'Pause on PRI/Upgrade', this.#fed);
      }
      if (err !== null) {
        Object.defineProperty(err, 'bytesParsed', { value: err.offset - base, configurable: true, enumerable: true });
        (err as { rawPacket?: Buffer }).rawPacket = buf;
        this.fail(err);
        return;
      }
      if (parser.upgraded) {
        const rest = n < buf.length ? buf.subarray(n) : EMPTY;
        const up = this.#upgrading;
        if (up !== null) {
          this.#handOver(up, rest);
          return;
        }
        // An Upgrade nobody took was served as a plain request. What follows it may be the other
        // protocol's bytes, so (like node) nothing more is parsed: close after the response.
        this.#dead = true;
        if (this.queue.length === 0) {
          if (this.#batching) this.#endAfterFlush = true;
          else this.#endSocket();
        } else {
          this.#closeWhenIdle = true;
        }
        return;
      }
      if (n < buf.length) {
        // Paused by a callback: keep the rest for resume.
        this.#rest = buf.subarray(n);
      }
      if (this.msgStart === 0 && !parser.betweenMessages) {
        // The read ended inside the next pipelined request (its first bytes are in the parser):
        // a message is being received, so the parser stays (and its headersTimeout runs).
        this.msgStart = monotonicMs();
        this.#headersDone = false;
        this.idleSince = 0;
      }
      if (this.#draining) this.#stopReadingIfDrained();
      return;
    }
  }

  onHead(h: H1Head): void {
    this.#headersDone = true;
    // The parser's head is fresh per message and has every RequestHead field: use it as is.
    const head: RequestHead = h;
    if (h.upgrade && this.host.wantsUpgrade(head, this.socket)) {
      this.#upgrading = head;
      this.#upgradeBody = [];
      return;
    }
    if (h.upgrade && h.method === 'CONNECT') {
      // CONNECT with no 'connect' listener: node destroys the socket.
      this.#dead = true;
      this.#pooled?.parser.pause();
      this.socket.destroy();
      return;
    }
    // The last request of this connection (Connection: close, or HTTP/1.0 without keep-alive):
    // what follows it is not read (RFC 9112 §9.6). node answers such bytes with a 400 that can
    // overtake the legitimate response; trama discards them and answers the request.
    if (!h.keepAlive) this.#lastRequest = true;
    this.requestCount++;
    const ex = new H1Exchange(this, head);
    this.#current = ex;
    this.queue.push(ex);
    if (this.host.timeout > 0) this.#armTimeout(this.host.timeout);
    this.host.onRequest(ex);
    if (this.#overloaded()) {
      // Stop at a message boundary: after this head for a bodiless request (pausing inside the
      // head would leave its completion pending with no bytes to resume on), else now.
      if (!h.chunked && h.contentLength <= 0) this.#pauseAtEnd = true;
      else this.#pauseFor(PAUSE_PIPELINE);
    }
  }

  /**
   * Too much outstanding: too many responses queued, or more bytes waiting (queued in exchanges,
   * batched, or in the socket's buffer) than the socket's high-water mark. Reading stops until
   * the queue shrinks or the socket drains, so a client that doesn't read can't grow our memory.
   */
  #overloaded(): boolean {
    const sock = this.socket;
    return (
      this.queue.length >= this.host.maxPipelineDepth ||
      this.queuedBytes + this.#batch.length + this.#batchPartsSize + sock.writableLength >= sock.writableHighWaterMark
    );
  }

  onBody(chunk: Buffer): void {
    if (this.#upgradeBody !== null) {
      this.#upgradeBody.push(Buffer.from(chunk));
      return;
    }
    const req = this.#current?.req;
    if (!req || req.destroyed) return;
    if (!req.push(chunk)) this.#pauseFor(PAUSE_BODY);
  }

  onMessageComplete(trailers: string[] | null): void {
    this.msgStart = 0;
    // Answered already (a handler that ends the response at once): idle from now.
    if (this.queue.length === 0 && !this.#dead) this.#watchIdle();
    if (this.#lastRequest && this.#upgrading === null) {
      this.#inputClosed = true;
      this.#pooled?.parser.pause();
    }
    if (this.#pauseAtEnd) {
      this.#pauseAtEnd = false;
      this.#pauseFor(PAUSE_PIPELINE);
    }
    if (this.#upgrading !== null) return;
    const ex = this.#current;
    this.#current = null;
    const req = ex?.req;
    if (!req) return;
    req.complete = true;
    if (trailers !== null) req.rawTrailers = this.host.exposedTrailers(trailers);
    if (!req.destroyed) req.push(null);
  }

  /**
   * Stop reading. PAUSE_PIPELINE also pauses the parser (at a message boundary): the rest of the
   * chunk waits in `#rest`. PAUSE_BODY pauses the socket only, as node does: the current chunk is
   * parsed to its end (one read's worth of body is the bound).
   */
  #pauseFor(reason: number): void {
    if (reason === PAUSE_PIPELINE) this.#pooled?.parser.pause();
    if (this.#pause === 0) this.#readStop();
    this.#pause |= reason;
  }

  resumeFor(reason: number): void {
    if ((this.#pause & reason) === 0) return;
    this.#pause &= ~reason;
    if (this.#pause !== 0 || this.#dead || this.#inputClosed || this.#detached) return;
    const pooled = this.#pooled;
    if (pooled !== null) pooled.parser.resume();
    const rest = this.#rest;
    if (rest !== null) {
      this.#rest = null;
      const wasBatching = this.#batching;
      this.#batching = true;
      this.#parse(rest);
      this.#batching = wasBatching;
      if (!wasBatching) this.flush();
    }
    if (this.#pause === 0 && !this.#dead && !this.socket.destroyed) this.#readStart();
  }

  /**
   * server.close() reached this busy connection: every request already received (the one being
   * received, and whatever the reads so far hold) is answered in order; nothing more is read;
   * the connection closes after the last response.
   */
  drainForClose(): void {
    if (this.#dead || this.#draining) return;
    this.#draining = true;
    this.#closeWhenIdle = true;
    if (!this.#batching) this.#stopReadingIfDrained();
  }

  /** Draining: once no request is partly received and no received byte waits, read no more. */
  #stopReadingIfDrained(): void {
    if (this.msgStart !== 0 || this.#rest !== null || this.#inputClosed || this.#dead) return;
    this.#inputClosed = true;
    this.#pooled?.parser.pause();
    // The last response not yet begun says so (RFC 9112 §9.6: Connection: close, then the
    // server closes); one already begun keeps its head, and the connection closes after it.
    const last = this.queue[this.queue.length - 1]?.res as (ExchangeResponse & { _headerSent?: boolean }) | null | undefined;
    if (last != null && last._headerSent !== true) last.shouldKeepAlive = false;
    if (this.queue.length === 0) {
      if (this.#batching) this.#endAfterFlush = true;
      else this.#endSocket();
    }
  }

  #handOver(head: RequestHead, rest: Buffer): void {
    const parts = this.#upgradeBody ?? [];
    this.#upgradeBody = null;
    this.#upgrading = null;
    const bodyHead = parts.length === 0 ? rest : Buffer.concat([...parts, rest]);
    let bodyLength = 0;
    for (const p of parts) bodyLength += p.length;
    this.flush();
    this.#detach();
    this.host.onUpgrade(head, this.socket, bodyHead, bodyLength);
  }

  /** Remove our listeners and give back the parser (upgrade, close). */
  #detach(): void {
    this.#dead = true;
    this.#detached = true;
    const s = this.socket;
    if (this.#handle !== null) {
      // Give the socket its own push back, reading (Readable's state never saw our pauses, so it
      // would not restart the handle itself); the new owner's listeners get what follows.
      // Put back by assignment, never `delete`: deleting properties turns the socket into a
      // dictionary-mode object (measured: 2670 B per upgraded socket kept by a WebSocket, against
      // node:http's 1250 B), slower too for everything that later reads its fields.
      s.push = protoOf(s).push;
      if (!s.destroyed) this.#readStart();
      this.#handle = null;
    } else {
      s.removeListener('data', socketL.data);
    }
    s.removeListener('end', socketL.end);
    s.removeListener('close', socketL.close);
    s.removeListener('error', socketL.error);
    s.removeListener('drain', socketL.drain);
    s.removeListener('timeout', socketL.timeout);
    if (s.destroy === destroyAfterFlush) s.destroy = protoOf(s).destroy;
    if (s.end === endAfterFlush) s.end = protoOf(s).end;
    if (this.#timeoutMs !== 0 && typeof s.setTimeout === 'function') s.setTimeout(0);
    this.#timeoutMs = 0;
    this.host.keepAliveClock.remove(this);
    s[kConn] = undefined;
    if (this.#pooled !== null) {
      releaseParser(this.#pooled);
      this.#pooled = null;
    }
    this.host.onConnectionClosed(this);
  }

  // ---- writing ----

  batchLength(): number {
    return this.#batch.length + this.#batchPartsSize;
  }

  /** The one way bytes reach the socket: batched while a read is being parsed. */
  out(data: string | Uint8Array, encoding: BufferEncoding | null | undefined, cb: ((err?: Error | null) => void) | null | undefined): boolean {
    // Ended on the peer's FIN: node's response holds such bytes and never sends them ('close' is coming).
    if (this.#outputClosed) return false;
    const sock = this.socket;
    const text = typeof data === 'string';
    // A Buffer smaller than the high-water mark joins the batch too (written corked with the
    // text around it): `res.end(buffer)` leaves with its head in one syscall, not two.
    if (text ? isUtf8Compatible(data, encoding) : data.byteLength < sock.writableHighWaterMark) {
      if (!this.#batching) {
        // Written outside a read (a handler that answered after 'end', an `await`, a timer): the
        // responses of this turn leave together, in one write in the check phase, after the
        // ticks, microtasks and immediates that produce them (16 pipelined requests answered on
        // their 'end' ticks, after one await each, or from one setImmediate each, are one
        // batch, as when answered at once). One immediate per batch, not a write per response;
        // 'finish' still waits for the write's callback. setImmediate rather than nextTick, by
        // measurement (docs/server.md): node runs the tick queue between immediates, so a tick
        // flush writes once per immediate, and it cost no less at keep-alive.
        this.#batching = true;
        if (!this.#turnScheduled) {
          this.#turnScheduled = true;
          setImmediate(endTurn, this);
        }
      }
      if (text) this.#batch += data;
      else {
        const parts = (this.#batchParts ??= []);
        if (this.#batch.length > 0) {
          parts.push(this.#batch);
          this.#batchPartsSize += this.#batch.length;
          this.#batch = '';
        }
        parts.push(data);
        this.#batchPartsSize += data.byteLength;
      }
      if (cb) (this.#batchCbs ??= []).push(cb);
      // A large (or streamed) body: no use holding it. Either way the socket's backpressure
      // applies: false while it owes a 'drain' (a chunked body's "\r\n" after a Buffer that
      // filled it must say so too).
      if (this.#batch.length + this.#batchPartsSize >= sock.writableHighWaterMark) this.flush();
      return !sock.writableNeedDrain;
    }
    if (this.#batching) this.flush();
    this.#writeSeq++;
    return sock.write(data, encoding ?? 'utf8', cb ? (err) => { cb(err); this.#onWriteDone(err); } : this.#onWriteDoneBound);
  }

  /** The turn's batch (see `out`): written in the check phase. */
  endTurn(): void {
    this.#turnScheduled = false;
    // A read parsed since (readBuffered's tick) already wrote it.
    if (!this.#batching) return;
    this.#batching = false;
    this.flush();
    if (this.#draining) this.#stopReadingIfDrained();
    this.#releaseIfIdle();
  }

  /** Write what was batched, in one socket write. */
  flush(): void {
    this.#writeBatch();
    if (this.#waiting.length > 0 && this.#writeSeq === this.#doneSeq) this.#settle(false);
    // Paused because output piled up, and the socket took it all: go on after pending I/O runs
    // (the socket may owe us no 'drain': a write the kernel took whole never asked for one).
    if ((this.#pause & PAUSE_PIPELINE) !== 0 && !this.#resumeScheduled && !this.#overloaded()) {
      this.#resumeScheduled = true;
      setImmediate(resumePipeline, this);
    }
    if (this.#endAfterFlush) {
      this.#endAfterFlush = false;
      this.#endSocket();
    }
  }

  #writeBatch(): void {
    const text = this.#batch;
    const parts = this.#batchParts;
    const cbs = this.#batchCbs;
    if (text.length > 0 || parts !== null || cbs !== null) {
      this.#batch = '';
      this.#batchParts = null;
      this.#batchPartsSize = 0;
      this.#batchCbs = null;
      // Ended on the peer's FIN meanwhile: node's response holds such bytes and never sends them.
      if (this.#outputClosed) return;
      this.#writeSeq++;
      const done = this.#onWriteDoneBound;
      // User write callbacks run before 'finish', as in node; each response's 'finish' (a
      // `#settleNextBound` mark) right after its own callbacks, so that several responses in one
      // write report in node's order (its writes are one per response).
      const cb =
        cbs === null
          ? done
          : (err?: Error | null): void => {
              this.#doneSeq++;
              for (const c of cbs) c(err);
              if (!err) this.#settle(true);
            };
      const sock = this.socket;
      if (parts === null) {
        sock.write(text, 'utf8', cb);
        return;
      }
      // Heads and Buffer bodies: corked, one writev. Only the last piece carries the callback
      // (one write in the sequence count): a writev's callbacks all fire when it completes.
      sock.cork();
      const last = text.length > 0 ? -1 : parts.length - 1;
      for (let i = 0; i < parts.length; i++) sock.write(parts[i]!, 'utf8', i === last ? cb : undefined);
      if (last === -1) sock.write(text, 'utf8', cb);
      sock.uncork();
    }
  }

  readonly #onWriteDoneBound = (err?: Error | null): void => this.#onWriteDone(err);
  readonly #settleNextBound = (err?: Error | null): void => {
    const w = this.#waiting;
    if (err || w.length === 0 || w[0]!.finishSeq > this.#doneSeq) return;
    const ex = w.shift()!;
    ex.done = true;
    this.host.onResponseFinished(ex, true);
  };

  #onWriteDone(err?: Error | null): void {
    this.#doneSeq++;
    if (err) return;
    this.#settle(true);
  }

  /** Emit 'finish' for exchanges whose last write has completed. */
  #settle(inWriteCallback: boolean): void {
    const w = this.#waiting;
    while (w.length > 0 && w[0]!.finishSeq <= this.#doneSeq) {
      const ex = w.shift()!;
      ex.done = true;
      this.host.onResponseFinished(ex, inWriteCallback);
    }
  }

  /** The head exchange ended: move on to the next ones, flushing what they buffered. */
  advance(): void {
    const q = this.queue;
    let closeAfter = false;
    while (q.length > 0 && q[0]!.ended) {
      const ex = q.shift()!;
      // Its last bytes are in the socket (or the batch, which is written as the next write).
      if (this.#batching && this.batchLength() > 0) {
        ex.finishSeq = this.#writeSeq + 1;
        (this.#batchCbs ??= []).push(this.#settleNextBound);
      } else {
        ex.finishSeq = this.#writeSeq;
      }
      this.#waiting.push(ex);
      if (ex.res?._last) {
        closeAfter = true;
        break;
      }
      const next = q[0];
      if (next !== undefined) {
        (this.socket as SocketWithConn)._httpMessage = next.res;
        const pending = next.pending;
        if (pending !== null) {
          next.pending = null;
          this.queuedBytes -= next.pendingBytes;
          next.pendingBytes = 0;
          for (const p of pending) this.out(p.data, p.encoding, p.cb);
          // It may have been told to wait for 'drain' while queued; the socket owes it none.
          if (!next.ended && !this.socket.writableNeedDrain) next.res?._onSinkDrain?.();
        }
      }
    }
    // A response's last write may already be done (end() with no data after a 'drain'): no write
    // callback is coming to report it, so its 'finish' is due now (before a Connection: close
    // ends the socket, or a later pipelined response writes).
    if (!this.#batching && this.#waiting.length > 0 && this.#writeSeq === this.#doneSeq) this.#settle(false);
    if (closeAfter) {
      // Connection: close was sent: nothing after this response is served (RFC 9112 §9.6).
      this.#dead = true;
      this.#pooled?.parser.pause();
      for (const ex of q) this.#abortExchange(ex);
      q.length = 0;
      if (this.#batching) this.#endAfterFlush = true;
      else this.#endSocket();
    } else if (q.length === 0 && this.msgStart === 0) {
      this.#becameIdle();
    }
    if ((this.#pause & PAUSE_PIPELINE) !== 0 && !this.#overloaded()) this.resumeFor(PAUSE_PIPELINE);
  }

  #becameIdle(): void {
    (this.socket as SocketWithConn)._httpMessage = null;
    if (this.host.closing || this.#closeWhenIdle) {
      if (this.#batching) this.#endAfterFlush = true;
      else this.#endSocket();
      return;
    }
    this.#watchIdle();
    this.#releaseIfIdle();
  }

  /**
   * No request in progress, no response outstanding: the keep-alive timeout starts (from the last
   * response's end, or the last request's when its response was sent first).
   */
  #watchIdle(): void {
    if (this.host.timeout > 0) {
      // The socket's own timer is armed for server.timeout: it measures the idle time too.
      const ka = this.host.keepAliveTimeout;
      if (ka > 0) this.#armTimeout(ka);
    } else {
      if (this.#timeoutMs !== 0) this.#armTimeout(0);
      this.host.keepAliveClock.idle(this);
    }
  }

  /** The keep-alive clock found this connection idle past the timeout: node's socket 'timeout'. */
  idleExpired(): void {
    if (!this.#dead && this.idle && !this.socket.destroyed) this.socket.emit('timeout');
  }

  #endSocket(): void {
    const s = this.socket;
    if (s.destroyed) return;
    // A turn's batch still open (the client's FIN in a half-open server): its bytes go first.
    this.#writeBatch();
    if (typeof (s as { destroySoon?: () => void }).destroySoon === 'function') (s as unknown as { destroySoon(): void }).destroySoon();
    else s.end();
  }

  #abortExchange(ex: H1Exchange): void {
    const req = ex.req;
    if (req && !req.destroyed) req.destroy(connReset());
    closeResponse(ex.res);
  }

  // ---- errors, end, close, timeouts ----

  /** A protocol error (or timeout): clientError, or node's default answer and a lingering close. */
  fail(err: Error): void {
    if (this.#dead) return;
    this.#dead = true;
    this.#pooled?.parser.pause();
    this.flush();
    const sock = this.socket;
    sock.removeListener('error', socketL.error);
    sock.on('error', noop);
    if (this.#timeoutMs !== 0 && typeof sock.setTimeout === 'function') sock.setTimeout(0);
    this.#timeoutMs = 0;
    this.host.keepAliveClock.remove(this);
    if (this.host.onClientError(err, sock)) return;
    // Answer only when no response has started on the wire (node: no in-flight response with its head sent).
    const head = this.queue[0];
    const started = head !== undefined && (head.res as { _headerSent?: boolean } | null)?._headerSent === true;
    if (sock.writable && !started) {
      sock.write(errorAnswer((err as { code?: string }).code));
    }
    for (const ex of this.queue) this.#abortExchange(ex);
    this.queue.length = 0;
    lingerClose(sock);
  }

  onEnd(): void {
    if (this.#detached) return;
    if (!this.#dead) {
      const pooled = this.#pooled;
      const err = pooled !== null && this.msgStart !== 0 ? pooled.parser.finish() : null;
      if (err !== null) {
        // A message cut short by the peer's FIN is a client error (node: HPE_INVALID_EOF_STATE).
        (err as { rawPacket?: Buffer }).rawPacket = EMPTY;
        Object.defineProperty(err, 'bytesParsed', { value: 0, configurable: true, enumerable: true });
        this.fail(err);
        return;
      }
      if (this.host.httpAllowHalfOpen) {
        // The client is done sending: answer what is outstanding, then close.
        if (this.queue.length === 0) this.#endSocket();
        else this.#closeWhenIdle = true;
        return;
      }
    }
    // httpAllowHalfOpen false (node's default): the client's FIN is a disconnect. The socket ends
    // (what is already written still flushes), and its 'close' aborts what is in progress: the
    // request gets 'aborted' (unless read to its end) and 'close', the response 'close' without
    // 'finish', as in node. A connection that failed and was left open by a 'clientError'
    // listener ends too (node's socketOnEnd): no descriptor waits for a peer that left.
    // Responses ended before the FIN was read are node's already written: a turn's batch still
    // open (its flush waits for the check phase) goes out first.
    if (this.#batching) this.#writeBatch();
    this.#dead = true;
    this.#inputClosed = true;
    this.#outputClosed = true;
    this.#pooled?.parser.pause();
    this.host.keepAliveClock.remove(this);
    this.#endSocket();
  }

  onClose(): void {
    for (const ex of this.queue) this.#abortExchange(ex);
    this.queue.length = 0;
    const req = this.#current?.req;
    if (req && !req.destroyed) req.destroy(connReset());
    this.#current = null;
    // Responses ended but not yet flushed when the socket died: report 'close'.
    for (const ex of this.#waiting) closeResponse(ex.res);
    this.#waiting.length = 0;
    if (!this.#detached) this.#detach();
  }

  onError(err: Error): void {
    // node emits clientError for socket errors (ECONNRESET, …) too, then destroys.
    const sock = this.socket;
    sock.removeListener('error', socketL.error);
    sock.on('error', noop);
    if (!this.host.onClientError(err, sock)) sock.destroy(err);
  }

  /** The scheduled resume after a flush (see `flush`). */
  resumeScheduled(): void {
    this.#resumeScheduled = false;
    if ((this.#pause & PAUSE_PIPELINE) !== 0 && !this.#overloaded()) this.resumeFor(PAUSE_PIPELINE);
  }

  onDrain(): void {
    const res = this.queue[0]?.res;
    if (res && !res.finished) res._onSinkDrain?.();
    if ((this.#pause & PAUSE_PIPELINE) !== 0 && !this.#overloaded()) this.resumeFor(PAUSE_PIPELINE);
  }

  onTimeout(): void {
    if (this.#dead) return;
    if (this.idle) {
      if (!this.host.onIdleTimeout(this.socket)) this.socket.destroy();
      return;
    }
    // A timeout the application or server.timeout set: node's events (req, res, server), and
    // destroy when nobody listens. Our own keep-alive timer firing while a request is in flight
    // (server.timeout 0) is not idleness: ignore it.
    const current = (this.socket as { timeout?: number }).timeout ?? this.#timeoutMs;
    if (this.host.timeout > 0 || current !== this.#timeoutMs) {
      if (!this.host.onActiveTimeout(this)) this.socket.destroy();
    }
  }

  /** Called by the server's interval: enforce headersTimeout / requestTimeout (node's checkConnections). */
  checkTimeouts(now: number, headersTimeout: number, requestTimeout: number): void {
    if (this.#dead) return;
    let start = this.msgStart;
    let headersDone = this.#headersDone;
    if (start === 0) {
      // No byte yet: waiting for the first head since the accept (node's 408 too).
      start = this.#freshSince;
      if (start === 0) return;
      headersDone = false;
    }
    const age = now - start;
    if ((headersTimeout > 0 && !headersDone && age > headersTimeout) || (requestTimeout > 0 && age > requestTimeout)) {
      this.fail(requestTimeoutError());
    }
  }

  /** res.destroy() is destroying the socket: the batch of the read being parsed goes out first. */
  flushBeforeDestroy(): void {
    if (this.#batching && this.batchLength() > 0 && !this.socket.destroyed && !this.#outputClosed) this.flush();
  }

  /** socket.end() is ending the socket: what is batched is written before it. */
  writeBatchBeforeEnd(): void {
    if (this.#batching && !this.socket.destroyed) this.#writeBatch();
  }

  /** Close if idle (server.closeIdleConnections). */
  closeIfIdle(): void {
    if (this.idle && !this.socket.destroyed) this.socket.destroy();
  }
}

/**
 * The keep-alive timeout of one server's idle connections, on one timer.
 *
 * node arms each socket's own timer and re-arms it on every read and every write (a timer-list
 * move and a clock read each time: ~1 µs of a keep-alive request here). Here a connection joins
 * the tail of a list when it becomes idle (leaving its old place), so the list is ordered by idle
 * time and the head is the first due; one timer waits for the head's deadline. A connection that
 * got busy again keeps its place until the timer reaches it, then simply leaves (it rejoins when
 * idle). A closed connection leaves at once. The deadline is read live from
 * `server.keepAliveTimeout`.
 */
export class KeepAliveClock {
  readonly #host: { readonly keepAliveTimeout: number };
  #head: H1ServerConnection | null = null;
  #tail: H1ServerConnection | null = null;
  #timer: NodeJS.Timeout | null = null;
  #timerAt = 0;
  readonly #fireBound = (): void => this.#fire();

  constructor(host: { readonly keepAliveTimeout: number }) {
    this.#host = host;
  }

  /** `conn` became idle now. */
  idle(conn: H1ServerConnection): void {
    const now = monotonicMs();
    conn.idleSince = now;
    if (conn.kaQueued) this.#unlink(conn);
    const ka = this.#host.keepAliveTimeout;
    if (!(ka > 0)) return; // 0: no keep-alive timeout (node's meaning)
    const tail = this.#tail;
    conn.kaPrev = tail;
    conn.kaNext = null;
    conn.kaQueued = true;
    if (tail === null) this.#head = conn;
    else tail.kaNext = conn;
    this.#tail = conn;
    // Normally the timer is already set for an earlier deadline; not if the timeout was lowered.
    if (this.#timer === null || now + ka < this.#timerAt) this.#arm(now + ka, now);
  }

  /** `conn` is gone (closed, handed over, failed). */
  remove(conn: H1ServerConnection): void {
    if (conn.kaQueued) this.#unlink(conn);
  }

  #unlink(conn: H1ServerConnection): void {
    const prev = conn.kaPrev;
    const next = conn.kaNext;
    if (prev === null) this.#head = next;
    else prev.kaNext = next;
    if (next === null) this.#tail = prev;
    else next.kaPrev = prev;
    conn.kaPrev = conn.kaNext = null;
    conn.kaQueued = false;
  }

  #arm(at: number, now: number): void {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timerAt = at;
    this.#timer = setTimeout(this.#fireBound, Math.max(1, at - now));
    this.#timer.unref();
  }

  #fire(): void {
    this.#timer = null;
    const ka = this.#host.keepAliveTimeout;
    const now = monotonicMs();
    let conn: H1ServerConnection | null;
    while ((conn = this.#head) !== null) {
      const since = conn.idleSince;
      // The oldest idle connection isn't due yet: nor is any after it.
      if (since > 0 && ka > 0 && since + ka > now) break;
      this.#unlink(conn);
      if (since > 0 && ka > 0) {
        conn.idleSince = -1;
        conn.idleExpired();
      }
      // Else it got busy (it rejoins when idle again), or the timeout was turned off.
    }
    if (this.#head !== null) this.#arm(this.#head.idleSince + ka, now);
  }
}

function noop(): void {}

function resumePipeline(conn: H1ServerConnection): void {
  conn.resumeScheduled();
}

function isUtf8Compatible(s: string, encoding: BufferEncoding | null | undefined): boolean {
  if (encoding == null || encoding === 'utf8' || encoding === 'utf-8') return true;
  if (encoding !== 'latin1' && encoding !== 'ascii' && encoding !== 'binary') return false;
  // Latin-1 text is byte-identical in UTF-8 only while it is ASCII.
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0x7f) return false;
  return true;
}

/** node's ERR_HTTP_REQUEST_TIMEOUT. */
function requestTimeoutError(): Error {
  const err = new Error('Request timeout') as Error & { code: string };
  Object.defineProperty(err, 'code', { value: 'ERR_HTTP_REQUEST_TIMEOUT', enumerable: true, writable: true, configurable: true });
  return err;
}

/** node's default answers to a client error, by code. */
export function errorAnswer(code: string | undefined): string {
  switch (code) {
    case 'HPE_HEADER_OVERFLOW':
      return closingAnswer(431, 'Request Header Fields Too Large');
    case 'HPE_CHUNK_EXTENSIONS_OVERFLOW':
      return closingAnswer(413, 'Payload Too Large');
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return closingAnswer(408, 'Request Timeout');
    default:
      return closingAnswer(400, 'Bad Request');
  }
}

/** A bodiless answer that ends the connection, formatted by the wire serializer. */
function closingAnswer(statusCode: number, reason: string): string {
  return statusLine(statusCode, reason) + fieldLine('Connection', 'close') + CRLF;
}

/**
 * Close after an error answer without losing it: half-close, keep reading (and discarding) so
 * the peer's unread bytes don't turn our FIN into a RST, destroy when the peer closes or after
 * ERROR_LINGER_MS (RFC 9112 §9.6).
 */
function lingerClose(sock: Socket): void {
  if (sock.destroyed) return;
  sock.on('data', noop);
  if (typeof sock.resume === 'function') sock.resume();
  sock.end();
  const t = setTimeout(() => sock.destroy(), ERROR_LINGER_MS);
  t.unref?.();
  sock.once('close', () => clearTimeout(t));
}

const readablePush = Readable.prototype.push;

/** The socket's `destroy` while we own it (see `flushBeforeDestroy`); the prototype's does the work. */
/** The socket's `end` while we own it: the open batch is written first (not the rest of a flush). */
function endAfterFlush(this: SocketWithConn, ...args: unknown[]): SocketWithConn {
  this[kConn]?.writeBatchBeforeEnd();
  (Object.getPrototypeOf(this) as { end(this: Socket, ...a: unknown[]): Socket }).end.apply(this, args);
  return this;
}

function destroyAfterFlush(this: SocketWithConn, err?: Error): SocketWithConn {
  this[kConn]?.flushBeforeDestroy();
  const protoDestroy = (Object.getPrototypeOf(this) as { destroy(this: Socket, e?: Error): Socket }).destroy;
  protoDestroy.call(this, err);
  return this;
}

/** Bytes a handed-over socket had already read (see the constructor): parse them first. */
function endTurn(conn: H1ServerConnection): void {
  conn.endTurn();
}

function readBuffered(conn: H1ServerConnection): void {
  const sock = conn.socket;
  if (sock[kConn] !== conn || sock.destroyed) return;
  if (!conn.readsHandle) {
    sock.resume(); // the 'data' listener gets them
    return;
  }
  // Our push takes what the handle reads next; read() hands over what is buffered (and
  // restarts the handle if the stream had stopped it).
  const buffered: unknown = sock.read();
  if (Buffer.isBuffer(buffered)) conn.onData(buffered);
}

/**
 * The socket's `push` while we own it: node's onStreamRead calls it with each chunk read (and
 * with null at EOF). Chunks go to the connection; returning false makes the handle stop reading.
 */
function fastPush(this: SocketWithConn, chunk: unknown, encoding?: BufferEncoding): boolean {
  const conn = this[kConn];
  if (chunk === null || conn === undefined || !Buffer.isBuffer(chunk)) return readablePush.call(this, chunk, encoding);
  conn.onData(chunk);
  return !conn.readingPaused;
}

