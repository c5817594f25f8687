/**
 * The HTTP/1.1 client connection driver: binds one socket (any Duplex) to the wire engine's
 * response parser and hands what it reads to the exchange currently using the socket.
 *
 * One driver per socket for the socket's whole life, created at its first request and reused by
 * every later request on it (keep-alive): the socket listeners are installed once, the parser is
 * reset rather than re-created, so a reused socket costs no allocation beyond the response
 * itself. The exchange (the http/ layer's ClientRequest) implements {@link H1ClientExchange} and
 * decides what each event means in node:http terms; the driver only reads, parses and writes.
 *
 * Strictness (RFC 9112): a response byte that arrives while no request is waiting for it, or bytes
 * after a complete response (HTTP/1.1 clients do not pipeline here), poison the connection: the
 * current response still completes but the socket is destroyed, never pooled.
 */
import type { Duplex } from 'node:stream';
import { H1Parser } from '../wire/h1/parser.js';
import type { H1BodyDirective, H1Head, H1Handler, H1ParseErrorLike, H1ParserOptions } from '../wire/h1/types.js';
import { debug, debugEnabled } from './debug.js';

// NODE_DEBUG=http: the line node's agent prints for an idle socket's error (read once at start-up).
const DEBUG = debugEnabled;

/** node's default `maxHeaderSize` (16 KiB), used when neither the request nor the CLI says otherwise. */
export const DEFAULT_MAX_HEADER_SIZE = 16384;

/** What a driver tells the exchange that is using its socket. */
export interface H1ClientExchange {
  /** A response head (1xx heads too). Returns the body directive (`'skip-body'` after HEAD, `'tunnel'` for CONNECT 2xx and a 101 that switches protocols). */
  onResponseHead(head: H1Head): H1BodyDirective;
  /** A piece of de-chunked response body (a subarray of the socket's chunk). */
  onResponseBody(chunk: Buffer): void;
  /** The response is complete. `reusable` is false when the connection can't carry another exchange. */
  onResponseComplete(trailers: string[] | null, reusable: boolean): void;
  /** A 101 or a CONNECT tunnel: the driver has let go of the socket; `rest` are the bytes after the head. */
  onTunnel(rest: Buffer): void;
  /** The response bytes are malformed (err.code is an `HPE_*`); the socket must be destroyed. */
  onParseError(err: H1ClientParseError): void;
  /** The socket emitted 'error'. */
  onSocketError(err: Error): void;
  /** The peer ended its side. `err` is set when that cut a response short (`HPE_INVALID_EOF_STATE`). */
  onSocketEnd(err: H1ClientParseError | null): void;
  /** The socket closed. */
  onSocketClose(): void;
  /** The socket drained its write buffer. */
  onDrain(): void;
  /** The socket's idle timeout fired (`socket.setTimeout`). */
  onSocketTimeout(): void;
}

/**
 * Bytes kept for a possible replay (the stale-socket retry) are capped: a larger request is not
 * retried. The Agent option `maxReplayBytes` overrides it (0 turns the retry off).
 */
export const MAX_REPLAY_BYTES = 1024 * 1024;

interface RecordedWrite {
  data: string | Uint8Array;
  encoding: BufferEncoding | null | undefined;
}

/** A parse error shaped like node's client parse errors (`code`, `reason`, `bytesParsed`, `rawPacket`). */
export interface H1ClientParseError extends Error {
  code: string;
  reason: string;
  bytesParsed: number;
  rawPacket: Buffer | undefined;
}

const kDriver = Symbol.for('trama.h1ClientDriver');

type DriverSocket = Duplex & { [kDriver]?: H1ClientDriver };

/** Per-request parser options; a driver re-creates its parser only when these change. */
export interface H1ClientParserOptions {
  maxHeaderSize: number;
  maxHeaderCount: number;
  lenient: boolean;
}

/**
 * Binds a socket to a response parser, for any number of sequential exchanges.
 *
 * @example
 * const driver = H1ClientDriver.for(socket, 16384, 2000, false);
 * driver.attach(exchange);
 * driver.write('GET / HTTP/1.1\r\nHost: a\r\n\r\n');
 */
export class H1ClientDriver implements H1Handler {
  readonly socket: Duplex;
  #parser: H1Parser;
  #parserOptions: H1ClientParserOptions;
  #exchange: H1ClientExchange | null = null;
  /** Bytes of the current response seen so far (0: nothing arrived yet: a stale-socket failure is safe to retry). */
  responseBytes = 0;
  /** Exchanges carried so far. */
  exchanges = 0;
  #complete = false;
  #trailers: string[] | null = null;
  #poisoned = false;
  #tunnel = false;
  #keepAlive = true;
  #detached = false;
  #interim = false;
  #head: H1Head | null = null;
  // Bytes given to the parser since its last reset: a parse error's offset is relative to this.
  #fed = 0;

  /** The driver bound to `socket`, created on first use. */
  static for(socket: Duplex, maxHeaderSize: number, maxHeaderCount: number, lenient: boolean): H1ClientDriver {
    const s = socket as DriverSocket;
    let d = s[kDriver];
    if (d === undefined) {
      d = new H1ClientDriver(socket, { maxHeaderSize, maxHeaderCount, lenient });
      s[kDriver] = d;
    } else {
      const p = d.#parserOptions;
      // Same limits as the previous request on this socket (the usual case): keep the parser.
      if (p.maxHeaderSize !== maxHeaderSize || p.maxHeaderCount !== maxHeaderCount || p.lenient !== lenient) {
        d.#parserOptions = { maxHeaderSize, maxHeaderCount, lenient };
        d.#parser = d.#newParser(d.#parserOptions);
      }
    }
    return d;
  }

  private constructor(socket: Duplex, options: H1ClientParserOptions) {
    this.socket = socket;
    this.#parserOptions = options;
    this.#parser = this.#newParser(options);
    socket.on('data', this.#onData);
    socket.on('end', this.#onEnd);
    socket.on('close', this.#onClose);
    socket.on('error', this.#onError);
    socket.on('drain', this.#onDrain);
    socket.on('timeout', this.#onTimeout);
  }

  #newParser(o: H1ClientParserOptions): H1Parser {
    const opts: H1ParserOptions = { role: 'response', maxHeaderSize: o.maxHeaderSize, lenient: o.lenient };
    if (o.maxHeaderCount > 0) opts.maxHeaderCount = o.maxHeaderCount;
    else opts.maxHeaderCount = Number.MAX_SAFE_INTEGER;
    return new H1Parser(opts, this);
  }

  /** Start an exchange on this socket (the previous one, if any, completed). */
  attach(exchange: H1ClientExchange): void {
    this.#exchange = exchange;
    this.exchanges++;
    this.responseBytes = 0;
    this.#complete = false;
    this.#trailers = null;
    this.#keepAlive = true;
    if (this.exchanges > 1) this.#parser.reset();
    this.#fed = 0;
  }

  /** The exchange is done with the socket (it goes back to the pool or is destroyed). */
  release(): void {
    this.#exchange = null;
    this.#record = null;
  }

  // --- OutgoingSink: the request writes through the driver, which can keep a copy for a replay ---

  #record: RecordedWrite[] | null = null;
  #recordSize = 0;
  #recordLimit = MAX_REPLAY_BYTES;

  /** Keep what is written from now on until the first response byte, for a replay on a fresh socket. */
  startRecording(limit: number = MAX_REPLAY_BYTES): void {
    this.#record = [];
    this.#recordSize = 0;
    this.#recordLimit = limit;
  }

  /** What was written since `startRecording()`, or null when too much was (or nothing is kept). */
  takeRecording(): RecordedWrite[] | null {
    const r = this.#record;
    this.#record = null;
    return r;
  }

  write(data: string | Uint8Array, encoding?: BufferEncoding | null, cb?: (err?: Error | null) => void): boolean {
    const rec = this.#record;
    if (rec !== null) {
      this.#recordSize += data.length;
      if (this.#recordSize > this.#recordLimit) this.#record = null;
      else rec.push({ data, encoding });
    }
    return this.socket.write(data, (encoding ?? 'utf8') as BufferEncoding, cb);
  }

  cork(): void {
    this.socket.cork();
  }

  uncork(): void {
    this.socket.uncork();
  }

  get writableLength(): number {
    return this.socket.writableLength;
  }

  get writableHighWaterMark(): number {
    return this.socket.writableHighWaterMark;
  }

  get writableCorked(): number {
    return this.socket.writableCorked;
  }

  get destroyed(): boolean {
    return this.socket.destroyed;
  }

  /**
   * OutgoingSink: tell `msg` its last byte left once the socket flushed it — unless the socket
   * failed first (node suppresses 'finish' on a socket that had an error).
   */
  finishMessage(msg: { _onSinkFinished(): void }): void {
    const socket = this.socket as Duplex & { _hadError?: boolean };
    // A destroyed socket never sent the message: no 'finish'.
    if (socket.destroyed) return;
    if (socket.writableLength === 0) {
      process.nextTick(finishIfHealthy, socket, msg);
    } else {
      socket.write('', 'latin1', (err) => {
        if (!err) finishIfHealthy(socket, msg);
      });
    }
  }

  /** The current exchange, if any. */
  get exchange(): H1ClientExchange | null {
    return this.#exchange;
  }

  /** The connection must not carry another exchange (server said close, junk after a response, …). */
  get reusable(): boolean {
    return this.#keepAlive && !this.#poisoned && !this.#tunnel && !this.#detached;
  }

  /** Stop driving the socket (upgrade, CONNECT): remove every listener, forget the socket. */
  detach(): void {
    if (this.#detached) return;
    this.#detached = true;
    const s = this.socket as DriverSocket;
    s.removeListener('data', this.#onData);
    s.removeListener('end', this.#onEnd);
    s.removeListener('close', this.#onClose);
    s.removeListener('error', this.#onError);
    s.removeListener('drain', this.#onDrain);
    s.removeListener('timeout', this.#onTimeout);
    // Assigned, not deleted: `delete` turns the socket into a dictionary-mode object (bigger, and
    // slower for the WebSocket or tunnel that keeps using it).
    s[kDriver] = undefined;
    this.#exchange = null;
  }

  // --- H1Handler (called from inside parser.execute) ---

  onHeadersComplete(head: H1Head): H1BodyDirective {
    const ex = this.#exchange;
    if (ex === null) return undefined;
    // A 1xx (other than 101) is interim: its end is not the response's end (RFC 9110 §15.2).
    this.#interim = head.statusCode < 200 && head.statusCode !== 101;
    this.#head = head;
    const directive = ex.onResponseHead(head);
    // The exchange decides whether a 101 switches protocols (a 101 without Upgrade is an
    // ordinary response in node); CONNECT 2xx and real upgrades come back as 'tunnel'.
    if (directive === 'tunnel') this.#tunnel = true;
    return directive;
  }

  onBody(chunk: Buffer): void {
    const ex = this.#exchange;
    if (ex !== null) ex.onResponseBody(chunk);
  }

  onMessageComplete(trailers: string[] | null): void {
    if (this.#tunnel || this.#interim) return;
    // Read persistence now: the parser settles it after the body directive (a HEAD answer
    // without a length stays persistent).
    if (this.#head !== null && !this.#head.keepAlive) this.#keepAlive = false;
    this.#complete = true;
    this.#trailers = trailers;
    // Stop here: any byte after a complete response is not ours to parse (see the module comment).
    this.#parser.pause();
  }

  // --- socket listeners ---

  readonly #onData = (chunk: Buffer): void => {
    const ex = this.#exchange;
    if (ex === null || this.#complete) {
      // Bytes nobody asked for: the connection is out of sync, never reuse it.
      this.#poisoned = true;
      this.socket.destroy();
      return;
    }
    this.responseBytes += chunk.length;
    // A response byte arrived: the request was received, a replay is no longer safe.
    this.#record = null;
    const parser = this.#parser;
    const start = this.#fed;
    this.#fed += chunk.length;
    const consumed = parser.execute(chunk);
    const err = parser.error;
    if (err !== null) {
      this.#poisoned = true;
      ex.onParseError(toClientParseError(err, chunk, err.offset - start));
      return;
    }
    if (this.#tunnel) {
      const rest = consumed < chunk.length ? chunk.subarray(consumed) : Buffer.alloc(0);
      this.detach();
      ex.onTunnel(rest);
      return;
    }
    if (this.#complete) {
      if (consumed < chunk.length) this.#poisoned = true;
      ex.onResponseComplete(this.#trailers, this.reusable);
    }
  };

  readonly #onEnd = (): void => {
    const ex = this.#exchange;
    if (ex === null) {
      // An idle pooled connection the server closed: drop it now, not at the next request.
      if (!this.#detached) this.socket.destroy();
      return;
    }
    let err: H1ClientParseError | null = null;
    if (!this.#complete && this.responseBytes > 0) {
      // Read-until-close bodies complete here; anything else cut short is HPE_INVALID_EOF_STATE.
      const e = this.#parser.finish();
      if (e !== null) err = toClientParseError(e, undefined, 0);
      else if (this.#complete) {
        this.#keepAlive = false;
        ex.onResponseComplete(this.#trailers, false);
        // node's socketOnEnd destroys the socket right after the parser's finish: its 'close'
        // (and with it the request's) comes before the response's own 'close'.
        this.socket.destroy();
        return;
      }
    }
    this.#keepAlive = false;
    ex.onSocketEnd(err);
  };

  readonly #onClose = (): void => {
    const ex = this.#exchange;
    this.#exchange = null;
    if (ex !== null) ex.onSocketClose();
  };

  readonly #onError = (err: Error): void => {
    this.#poisoned = true;
    const ex = this.#exchange;
    if (ex !== null) {
      ex.onSocketError(err);
    } else if (!this.#detached) {
      // Idle (pooled) socket: what node's agent does for its free sockets.
      if (DEBUG) debug('SOCKET ERROR on FREE socket:', err.message, err.stack);
      this.socket.destroy();
      this.socket.emit('agentRemove');
    }
  };

  readonly #onTimeout = (): void => {
    const ex = this.#exchange;
    if (ex !== null) ex.onSocketTimeout();
  };

  readonly #onDrain = (): void => {
    const ex = this.#exchange;
    if (ex !== null) ex.onDrain();
  };
}

/**
 * True when trama's client drives `socket` (its error and idle handling are in place).
 *
 * @example
 * if (!hasH1ClientDriver(socket)) socket.once('error', onIdleError);
 */
export function hasH1ClientDriver(socket: Duplex): boolean {
  return (socket as DriverSocket)[kDriver] !== undefined;
}

function finishIfHealthy(socket: Duplex & { _hadError?: boolean }, msg: { _onSinkFinished(): void }): void {
  if (socket._hadError !== true && !socket.destroyed) msg._onSinkFinished();
}

function toClientParseError(e: H1ParseErrorLike, chunk: Buffer | undefined, at: number): H1ClientParseError {
  // node: `Parse Error: <reason>` with code, reason, bytesParsed (the fault's offset in the
  // packet) and the packet that failed.
  const err = new Error(`Parse Error: ${e.reason}`) as H1ClientParseError;
  err.code = e.code;
  err.reason = e.reason;
  err.bytesParsed = at < 0 ? 0 : at;
  err.rawPacket = chunk;
  return err;
}

/**
 * The server's `Keep-Alive: timeout=N` hint in ms, or -1 without one. (RFC 9112 does not define
 * the field; RFC 2068 §19.7.1 described it and servers — node, nginx, Apache — still send it.)
 *
 * @example
 * keepAliveHintMs(['Keep-Alive', 'timeout=5, max=100']); // 5000
 */
export function keepAliveHintMs(rawHeaders: string[]): number {
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!;
    if (name.length !== 10 || name.toLowerCase() !== 'keep-alive') continue;
    const value = rawHeaders[i + 1]!;
    // A server sends the same value on every response: remember the last one parsed.
    if (value === lastHintValue) return lastHintMs;
    const m = /(?:^|[,;\s])timeout\s*=\s*(\d+)/i.exec(value);
    lastHintValue = value;
    lastHintMs = m !== null ? Number(m[1]) * 1000 : -1;
    return lastHintMs;
  }
  return -1;
}

let lastHintValue = '';
let lastHintMs = -1;
