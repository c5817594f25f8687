/**
 * `OutgoingMessage`: the writable half shared by `ServerResponse` (server) and `ClientRequest`
 * (client), with node:http's API, defaults, errors and HTTP/1.1 framing rules.
 *
 * Design:
 * - Protocol-neutral on the transport side: the message writes framed bytes to an
 *   {@link OutgoingSink} — a `net.Socket` satisfies it, and so does the h1 server's per-response
 *   sink that keeps pipelined responses in order (src/io/h1-server.ts). Until a sink is attached,
 *   writes queue in `outputData` (node does the same before a client socket is assigned).
 * - The HTTP/1.1 head is decided here (`_storeHeader`: which fields node adds, framing,
 *   persistence), as node does, so `res._header` is the head text once sent; its lines are
 *   formatted by the wire serializer (src/wire/h1/serializer.ts). A subclass for another protocol
 *   overrides `_storeHeader`/`_send`.
 * - Callable as a plain function on an existing object (`OutgoingMessage.call(this)`) and
 *   subclassable with `util.inherits` or `class … extends`: frameworks (light-my-request, nock)
 *   rely on it. So the exported value is an ES5-style constructor whose prototype carries the
 *   methods of the `OutgoingMessageBase` class below. `new` builds with that class (whose
 *   constructor assigns every field); a plain call copies a fresh instance's state onto the
 *   receiver (`initOutgoingMessage`, see adopt-state.ts).
 * - Hot path: the head and a small string body leave in ONE sink write (one latin1/utf8 string);
 *   the Date header is cached per second; 'finish' is signalled by the sink without a per-write
 *   closure when the sink supports `finishMessage`.
 */
import type { Socket } from 'node:net';
import { Stream, getDefaultHighWaterMark } from 'node:stream';
// Node's own timers, not the global ones a test's fake clock may replace (node:http's are internal too).
import { setTimeout } from 'node:timers';
import { deprecate } from 'node:util';
import {
  nodeError,
  validateHeaderName,
  validateHeaderValue,
  isToken,
  hasInvalidFieldValueChar,
  invalidArgType,
} from '../wire/shared/index.js';
import { adoptState } from './adopt-state.js';
import { debug, debugEnabled } from './debug.js';
import { CRLF, chunkHeader, fieldLine, lastChunk } from '../wire/h1/serializer.js';

export type { OutgoingSink } from '../io/exchange.js';
import { isStructuredSink, type OutgoingSink } from '../io/exchange.js';
import { storeStructuredHead } from './structured-head.js';

export type OutgoingHeaderValue = number | string | readonly string[];
/** Headers as node accepts them in writeHead: an object, a flat `[k, v, k, v]` list, or `[[k, v], …]`. */
export type OutgoingHeaders =
  | Record<string, OutgoingHeaderValue | undefined>
  | readonly (string | readonly string[])[]
  | readonly (readonly [string, OutgoingHeaderValue])[];

export interface OutgoingMessageOptions {
  highWaterMark?: number;
  rejectNonStandardBodyWrites?: boolean;
}

type WriteCallback = (err?: Error | null) => void;

interface PendingWrite {
  data: string | Uint8Array;
  encoding: BufferEncoding | null | undefined;
  callback: WriteCallback | null | undefined;
}

/**
 * `[originalName, value]` per lower-cased name (node's kOutHeaders), in the order names were first
 * set. A Map, not a null-prototype object: V8 keeps such an object in dictionary mode, and a
 * for-in over it sorts its keys each time (it was two thirds of `_storeHeader`).
 */
export type HeaderStore = Map<string, [string, OutgoingHeaderValue]>;

// Internal state lives in plain named fields (not symbols): V8 turns an object with many
// symbol-keyed stores into a slow dictionary-mode object, which cost ~15% of a request.
export const kOutHeaders = '_kOutHeaders' as const;

/** Header names remembered as valid, with their lower-cased form (see `checkedLowerName`). */
export const LOWER_NAME_CACHE_SIZE = 256;
/** Longer names are checked and lower-cased each time (the cache stays small). */
const LOWER_NAME_CACHE_MAX_LENGTH = 64;
const validNames = new Map<string, string>();

/**
 * Validate a header name (node's ERR_INVALID_HTTP_TOKEN) and return it lower-cased. The few names
 * an application sets again and again are remembered: no token scan, and the lower-cased key is
 * the same (internalized) string each time (a fresh one cost ~10 % of a pipelined request).
 * Bounded: at most LOWER_NAME_CACHE_SIZE names, each at most LOWER_NAME_CACHE_MAX_LENGTH long;
 * only names that passed validation enter.
 */
function checkedLowerName(name: string): string {
  let lower = validNames.get(name);
  if (lower === undefined) {
    validateHeaderName(name);
    lower = name.toLowerCase();
    if (validNames.size < LOWER_NAME_CACHE_SIZE && name.length <= LOWER_NAME_CACHE_MAX_LENGTH) validNames.set(name, lower);
  }
  return lower;
}

/** `name.toLowerCase()` for a name that may never have been validated (getHeader, removeHeader, …). */
function lowerName(name: string): string {
  return validNames.get(name) ?? name.toLowerCase();
}

// The last header value found valid: a string is immutable, and its validity doesn't depend on
// the name, so setting the same value again (a constant 'text/plain') skips the scan.
let lastValidValue = '';

/** node's validateHeaderValue, skipped for the value validated last. */
function checkValue(name: string, value: OutgoingHeaderValue | undefined): void {
  if (value === lastValidValue) return;
  validateHeaderValue(name, value);
  if (typeof value === 'string') lastValidValue = value;
}

export const kSink = '_kSink' as const;
export const kUniqueHeaders = '_kUniqueHeaders' as const;
export const kHighWaterMark = '_kHighWaterMark' as const;
export const kRejectNonStandardBodyWrites = '_kRejectNonStandardBodyWrites' as const;
const kCorked = '_kCorked' as const;
const kBytesWritten = '_kBytesWritten' as const;
// A symbol (the client's code indexes it so); set FIRST in init, while V8's keyed-store soft limit
// can't be reached, so the object keeps fast properties.
const kNeedDrain = Symbol('kNeedDrain');
const kErrored = '_kErrored' as const;
const kAutoUncork = '_kAutoUncork' as const;

// Fields the head writer adds itself, formatted once.
const CONNECTION_CLOSE = fieldLine('Connection', 'close');
const CONNECTION_KEEP_ALIVE = fieldLine('Connection', 'keep-alive');
const TRANSFER_ENCODING_CHUNKED = fieldLine('Transfer-Encoding', 'chunked');
const RE_CONN_CLOSE = /(?:^|\W)close(?:$|\W)/i;
const RE_TE_CHUNKED = /(?:^|\W)chunked(?:$|\W)/i;

// The Date header, computed at most once per second (RFC 9110 §6.6.1 wants second precision): a
// timer forgets it at the next second boundary, as node's does, so a response pays nothing.
let dateCache = '';
/** The current time as an IMF-fixdate, cached for the current second. */
export function utcDate(): string {
  if (dateCache === '') {
    const d = new Date();
    dateCache = d.toUTCString();
    setTimeout(forgetDate, 1000 - d.getMilliseconds()).unref();
  }
  return dateCache;
}
function forgetDate(): void {
  dateCache = '';
}

// `Keep-Alive: timeout=…[, max=…]` for the last settings seen (a server sends the same one each time).
let keepAliveMs = -1;
let keepAliveMax: number | undefined;
let keepAliveLine = '';
function keepAliveField(timeoutMs: number, max: number | undefined): string {
  if (timeoutMs !== keepAliveMs || max !== keepAliveMax) {
    keepAliveMs = timeoutMs;
    keepAliveMax = max;
    const maxPart = (max ?? 0) > 0 ? `, max=${max}` : '';
    keepAliveLine = fieldLine('Keep-Alive', `timeout=${Math.floor(timeoutMs / 1000)}${maxPart}`);
  }
  return keepAliveLine;
}

function headersSentError(action: string): Error {
  return nodeError(Error, 'ERR_HTTP_HEADERS_SENT', `Cannot ${action} headers after they are sent to the client`);
}

function validateString(value: unknown, name: string): asserts value is string {
  if (typeof value !== 'string') throw invalidArgType(name, ['string'], value);
}

function nop(): void {}

function byteLength(data: string | Uint8Array, encoding: BufferEncoding | null | undefined): number {
  return typeof data === 'string' ? Buffer.byteLength(data, encoding ?? 'utf8') : data.byteLength;
}

/** Per-head bookkeeping while `_storeHeader` walks the fields. */
interface HeadState {
  connection: boolean;
  contLen: boolean;
  te: boolean;
  date: boolean;
  expect: boolean;
  trailer: boolean;
  header: string;
}

/**
 * The methods and state of `OutgoingMessage`. Never constructed directly (see the module
 * comment): use the exported `OutgoingMessage`.
 */
// The class is a Stream by prototype (set below), not by `extends`: Stream's constructor is just
// EventEmitter.init, which every emitter in the process shares, so its property stores are
// megamorphic; the constructor below sets the same fields itself (~2% of a pipelined request).
export interface OutgoingMessageBase extends Stream {
  _events: Record<string, unknown>;
  _eventsCount: number;
  _maxListeners: number | undefined;
}
export class OutgoingMessageBase {
  declare outputData: PendingWrite[];
  declare outputSize: number;
  declare writable: boolean;
  declare destroyed: boolean;
  declare _last: boolean;
  declare chunkedEncoding: boolean;
  declare shouldKeepAlive: boolean;
  declare maxRequestsOnConnectionReached: boolean;
  declare _defaultKeepAlive: boolean;
  declare useChunkedEncodingByDefault: boolean;
  declare sendDate: boolean;
  declare _removedConnection: boolean;
  declare _removedContLen: boolean;
  declare _removedTE: boolean;
  declare strictContentLength: boolean;
  declare _contentLength: number | null;
  declare _hasBody: boolean;
  declare _trailer: string;
  declare finished: boolean;
  declare _headerSent: boolean;
  declare _closed: boolean;
  declare socket: Socket | null;
  declare _header: string | null;
  declare _keepAliveTimeout: number;
  declare _maxRequestsPerSocket: number | undefined;
  declare _onPendingData: (delta: number) => void;
  declare _kOutHeaders: HeaderStore | null;
  declare _kSink: OutgoingSink | null;
  declare _kCorked: number;
  declare _kBytesWritten: number;
  declare [kNeedDrain]: boolean;
  declare _kErrored: Error | null | undefined;
  declare _kHighWaterMark: number;
  declare _kRejectNonStandardBodyWrites: boolean;
  declare _kUniqueHeaders: Set<string> | null;
  declare _kAutoUncork: boolean;

  /**
   * node's constructor body. Every field is assigned here, in the constructor itself, so V8 sizes
   * the object for all of them up front (fields set from a helper function grew the object's
   * out-of-line property store step by step: ~1.3 KB of garbage per response).
   */
  constructor(options?: OutgoingMessageOptions) {
    // EventEmitter.init's fields (its capture-rejections flag stays unset: false).
    this._events = { __proto__: null } as unknown as Record<string, unknown>;
    this._eventsCount = 0;
    this._maxListeners = undefined;
    this[kNeedDrain] = false;
    this.outputData = [];
    this.outputSize = 0;
    this.writable = true;
    this.destroyed = false;
    this._last = false;
    this.chunkedEncoding = false;
    this.shouldKeepAlive = true;
    this.maxRequestsOnConnectionReached = false;
    this._defaultKeepAlive = true;
    this.useChunkedEncodingByDefault = true;
    this.sendDate = false;
    this._removedConnection = false;
    this._removedContLen = false;
    this._removedTE = false;
    this.strictContentLength = false;
    this._contentLength = null;
    this._hasBody = true;
    this._trailer = '';
    this.finished = false;
    this._headerSent = false;
    this._closed = false;
    this.socket = null;
    this._header = null;
    this._keepAliveTimeout = 0;
    this._maxRequestsPerSocket = undefined;
    this._onPendingData = nop;
    this._kOutHeaders = null;
    this._kSink = null;
    this._kCorked = 0;
    this._kBytesWritten = 0;
    this._kErrored = null;
    this._kHighWaterMark = options?.highWaterMark ?? getDefaultHighWaterMark(false);
    this._kRejectNonStandardBodyWrites = options?.rejectNonStandardBodyWrites ?? false;
    this._kUniqueHeaders = null;
    this._kAutoUncork = false;
  }

  // ---- state getters (node's names) ----

  get writableFinished(): boolean {
    const sink = this[kSink];
    return this.finished && this.outputSize === 0 && (!sink || sink.writableLength === 0);
  }
  get writableObjectMode(): boolean {
    return false;
  }
  get writableLength(): number {
    const sink = this[kSink];
    return this.outputSize + (sink ? sink.writableLength : 0);
  }
  get writableHighWaterMark(): number {
    const sink = this[kSink];
    return sink ? sink.writableHighWaterMark : this[kHighWaterMark];
  }
  get writableCorked(): number {
    return this[kCorked];
  }
  get writableEnded(): boolean {
    return this.finished;
  }
  get writableNeedDrain(): boolean {
    return !this.destroyed && !this.finished && this[kNeedDrain];
  }
  get connection(): this['socket'] {
    return this.socket;
  }
  set connection(v: this['socket']) {
    this.socket = v;
  }
  get headersSent(): boolean {
    return !!this._header;
  }
  get errored(): Error | null | undefined {
    return this[kErrored];
  }
  get closed(): boolean {
    return this._closed;
  }

  // ---- headers ----

  /**
   * Set one header (replacing any value), validated like node.
   *
   * @example
   * res.setHeader('Content-Type', 'text/plain').setHeader('Set-Cookie', ['a=1', 'b=2']);
   */
  setHeader(name: string, value: OutgoingHeaderValue): this {
    if (this._header) throw headersSentError('set');
    const lower = checkedLowerName(name);
    checkValue(name, value);
    let headers = this[kOutHeaders];
    if (headers === null) this[kOutHeaders] = headers = new Map();
    headers.set(lower, [name, value]);
    return this;
  }

  /**
   * Add a value to a header, keeping the ones already set (a list once there are several).
   *
   * @example
   * res.appendHeader('Set-Cookie', 'a=1'); res.appendHeader('Set-Cookie', 'b=2');
   */
  appendHeader(name: string, value: OutgoingHeaderValue): this {
    if (this._header) throw headersSentError('append');
    const field = checkedLowerName(name);
    checkValue(name, value);
    const headers = this[kOutHeaders];
    const entry = headers === null ? undefined : headers.get(field);
    if (entry === undefined || !entry[1]) return this.setHeader(name, value);
    if (!Array.isArray(entry[1])) entry[1] = [entry[1] as string];
    const list = entry[1] as unknown[];
    if (Array.isArray(value)) for (const v of value) list.push(v);
    else list.push(value);
    return this;
  }

  /**
   * Set many headers from a `Headers` or a `Map` (set-cookie values are kept apart).
   *
   * @example
   * res.setHeaders(new Headers({ 'content-type': 'text/html' }));
   */
  setHeaders(headers: Headers | Map<string, OutgoingHeaderValue>): this {
    if (this._header) throw headersSentError('set');
    const h = headers as unknown as { keys?: unknown; get?: unknown } | null;
    if (!h || Array.isArray(h) || typeof h.keys !== 'function' || typeof h.get !== 'function') {
      throw invalidArgType('headers', ['Headers', 'Map'], headers);
    }
    const cookies: string[] = [];
    for (const [key, value] of headers as Iterable<[string, OutgoingHeaderValue]>) {
      if (key === 'set-cookie') {
        if (Array.isArray(value)) cookies.push(...(value as string[]));
        else cookies.push(value as string);
        continue;
      }
      this.setHeader(key, value);
    }
    if (cookies.length > 0) this.setHeader('set-cookie', cookies);
    return this;
  }

  /** The value set for `name` (any case), or undefined. */
  getHeader(name: string): OutgoingHeaderValue | undefined {
    validateString(name, 'name');
    const headers = this[kOutHeaders];
    if (headers === null) return undefined;
    const entry = headers.get(lowerName(name));
    return entry && entry[1];
  }

  /** Lower-cased names of the headers set so far. */
  getHeaderNames(): string[] {
    return this[kOutHeaders] !== null ? Array.from(this[kOutHeaders].keys()) : [];
  }

  /** Names of the headers set so far, in the case they were set with. */
  getRawHeaderNames(): string[] {
    const headers = this[kOutHeaders];
    if (headers === null) return [];
    const out: string[] = [];
    for (const entry of headers.values()) out.push(entry[0]);
    return out;
  }

  /** A null-prototype copy: lower-cased name → value. */
  getHeaders(): Record<string, OutgoingHeaderValue> {
    const headers = this[kOutHeaders];
    const ret = Object.create(null) as Record<string, OutgoingHeaderValue>;
    if (headers) for (const [key, entry] of headers) ret[key] = entry[1];
    return ret;
  }

  hasHeader(name: string): boolean {
    validateString(name, 'name');
    return this[kOutHeaders] !== null && !!this[kOutHeaders].get(lowerName(name));
  }

  removeHeader(name: string): void {
    validateString(name, 'name');
    if (this._header) throw headersSentError('remove');
    const key = lowerName(name);
    switch (key) {
      case 'connection':
        this._removedConnection = true;
        break;
      case 'content-length':
        this._removedContLen = true;
        break;
      case 'transfer-encoding':
        this._removedTE = true;
        break;
      case 'date':
        this.sendDate = false;
        break;
    }
    if (this[kOutHeaders] !== null) this[kOutHeaders].delete(key);
  }

  /** Subclasses write their default head (ServerResponse: `writeHead(this.statusCode)`). */
  _implicitHeader(): void {
    throw nodeError(Error, 'ERR_METHOD_NOT_IMPLEMENTED', 'The _implicitHeader() method is not implemented');
  }

  /**
   * Serialize the HTTP/1.1 head (`firstLine` already ends in CRLF) with `headers` — the
   * progressive store, or what writeHead was given — adding Date, Connection, Keep-Alive and the
   * framing field as node does, and store it in `_header` until the first body write.
   */
  _storeHeader(firstLine: string, headers: OutgoingHeaders | HeaderStore | null | undefined): void {
    // HTTP/2: the status and fields go to the stream as a list (src/http/structured-head.ts).
    const sink = this[kSink];
    if (isStructuredSink(sink)) {
      storeStructuredHead(this, sink, (this as { statusCode?: number }).statusCode ?? 200, headers, this[kOutHeaders], utcDate);
      return;
    }
    const state: HeadState = {
      connection: false,
      contLen: false,
      te: false,
      date: false,
      expect: false,
      trailer: false,
      header: firstLine,
    };
    if (headers) {
      if (headers === this[kOutHeaders]) {
        for (const entry of (headers as HeaderStore).values()) processHeader(this, state, entry[0], entry[1], false);
      } else if (Array.isArray(headers)) {
        if (headers.length > 0 && Array.isArray(headers[0])) {
          for (const pair of headers as readonly (readonly [string, OutgoingHeaderValue])[]) {
            processHeader(this, state, pair[0], pair[1], true);
          }
        } else {
          if (headers.length % 2 !== 0) {
            throw nodeError(TypeError, 'ERR_INVALID_ARG_VALUE', `The argument 'headers' is invalid. Received ${formatArray(headers)}`);
          }
          for (let n = 0; n < headers.length; n += 2) {
            processHeader(this, state, headers[n] as string, headers[n + 1] as OutgoingHeaderValue, true);
          }
        }
      } else {
        const obj = headers as Record<string, OutgoingHeaderValue | undefined>;
        for (const key in obj) {
          if (Object.prototype.hasOwnProperty.call(obj, key)) {
            processHeader(this, state, key, obj[key] as OutgoingHeaderValue, true);
          }
        }
      }
    }
    let header = state.header;

    // RFC 9110 §6.6.1: an origin server with a clock MUST send Date (node: unless sendDate=false).
    if (this.sendDate && !state.date) header += fieldLine('Date', utcDate());

    // A user's chunked Transfer-Encoding on a 204 or 304, which have no content (RFC 9110 §15.3.5,
    // §15.4.5): node sends no last chunk and closes the connection after it, so a peer that reads
    // the field as framing cannot take the next response for this one's body.
    if (this.chunkedEncoding) {
      const status = (this as { statusCode?: number }).statusCode;
      if (status === 204 || status === 304) {
        debug(`${status} response should not use chunked encoding, closing connection.`);
        this.chunkedEncoding = false;
        this.shouldKeepAlive = false;
      }
    }

    // Persistence (RFC 9112 §9.3): say keep-alive or close explicitly, as node does.
    if (this._removedConnection) {
      this._last = !this.shouldKeepAlive;
    } else if (!state.connection) {
      const sendKeepAlive =
        this.shouldKeepAlive && (state.contLen || this.useChunkedEncodingByDefault || !!(this as { agent?: unknown }).agent);
      if (sendKeepAlive && this.maxRequestsOnConnectionReached) {
        header += CONNECTION_CLOSE;
      } else if (sendKeepAlive) {
        header += CONNECTION_KEEP_ALIVE;
        if (this._keepAliveTimeout && this._defaultKeepAlive) header += keepAliveField(this._keepAliveTimeout, this._maxRequestsPerSocket);
      } else {
        this._last = true;
        header += CONNECTION_CLOSE;
      }
    }

    // Framing (RFC 9112 §6): a length when known, else chunked, else read-until-close.
    if (!state.contLen && !state.te) {
      if (!this._hasBody) {
        this.chunkedEncoding = false;
      } else if (!this.useChunkedEncodingByDefault) {
        this._last = true;
      } else if (!state.trailer && !this._removedContLen && typeof this._contentLength === 'number') {
        header += fieldLine('Content-Length', this._contentLength);
      } else if (!this._removedTE) {
        header += TRANSFER_ENCODING_CHUNKED;
        this.chunkedEncoding = true;
      } else {
        debug('Both Content-Length and Transfer-Encoding are removed');
        this._last = true;
      }
    }
    // Trailers travel only in a chunked body (RFC 9112 §7.1.2).
    if (this.chunkedEncoding !== true && state.trailer) {
      throw nodeError(Error, 'ERR_HTTP_TRAILER_INVALID', 'Trailers are invalid with this transfer encoding');
    }
    this._header = header + CRLF;
    this._headerSent = false;
    // With Expect: 100-continue the head goes now, so the peer may send its body.
    if (state.expect) this._send('');
  }

  // ---- body ----

  /**
   * Write a body chunk; the head goes first on the first write.
   *
   * @example
   * res.write('part 1'); res.write(Buffer.from('part 2'), () => console.log('flushed'));
   */
  write(chunk: string | Uint8Array, encoding?: BufferEncoding | WriteCallback | null, callback?: WriteCallback): boolean {
    if (typeof encoding === 'function') {
      callback = encoding;
      encoding = null;
    }
    const ret = writeChunk(this, chunk, encoding, callback, false);
    if (!ret) this[kNeedDrain] = true;
    return ret;
  }

  /**
   * Hand framed bytes to the sink (or queue them), prefixing the head on the first call. Returns
   * false once the buffered amount passes the high-water mark.
   */
  _send(data: string | Uint8Array, encoding?: BufferEncoding | null, callback?: WriteCallback | null): boolean {
    if (!this._headerSent && this._header !== null) {
      const sink = this[kSink];
      if (isStructuredSink(sink)) {
        // HTTP/2: the stream holds the head as fields and sends it before these bytes.
        this._headerSent = true;
        sink.headDue();
        return this._writeRaw(data, encoding, callback);
      }
      const header = this._header;
      // One write for head + body when the body is text, in the body's encoding: node's rule, which
      // also decides how a header value above 0x7F leaves (as latin1 bytes, except when merged
      // with a UTF-8 string body).
      if (typeof data === 'string' && (encoding === 'utf8' || encoding === 'latin1' || !encoding)) {
        data = header + data;
      } else {
        this._headerSent = true;
        this._writeRaw(header, 'latin1', null);
      }
      this._headerSent = true;
    }
    return this._writeRaw(data, encoding, callback);
  }

  _writeRaw(data: string | Uint8Array, encoding?: BufferEncoding | null, callback?: WriteCallback | null): boolean {
    const sink = this[kSink];
    // A destroyed transport: drop the bytes; 'close' is on its way (node does the same).
    if (sink !== null && sink.destroyed) return false;
    if (data.length === 0 && callback == null) return this.outputSize < this[kHighWaterMark];
    if (sink !== null && this[kCorked] === 0) {
      if (this.outputData.length > 0) this._flushOutput(sink);
      return sink.write(data, encoding, callback ?? undefined);
    }
    // The first queued write makes a one-element array (a push onto an empty one allocates room
    // for 17): a response's head and body are usually queued once, corked in end().
    const queued: PendingWrite = { data, encoding, callback };
    if (this.outputData.length === 0) this.outputData = [queued];
    else this.outputData.push(queued);
    const len = typeof data === 'string' ? data.length : data.byteLength;
    this.outputSize += len;
    this._onPendingData(len);
    return this.outputSize < this[kHighWaterMark];
  }

  /** Send what was queued while no sink was attached (or while corked) to `sink`, in one write when possible. */
  _flushOutput(sink: OutgoingSink): boolean {
    const out = this.outputData;
    const n = out.length;
    if (n === 0) return true;
    this.outputData = [];
    const size = this.outputSize;
    this.outputSize = 0;
    this._onPendingData(-size);
    if (n === 1) {
      const w = out[0]!;
      return sink.write(w.data, w.encoding, w.callback ?? undefined);
    }
    // Merge neighbouring strings whose encodings are byte-compatible (latin1 heads into utf8 bodies,
    // as node's head+body merge does), so a corked head + body + chunk framing becomes one write.
    sink.cork();
    let ret = true;
    let text = '';
    let textEnc: BufferEncoding | null = null;
    let cbs: WriteCallback[] | null = null;
    const flushText = (): void => {
      if (text === '' && cbs === null) return;
      const cb = cbs === null ? undefined : cbs.length === 1 ? cbs[0] : callAll(cbs);
      ret = sink.write(text, textEnc ?? 'latin1', cb);
      text = '';
      textEnc = null;
      cbs = null;
    };
    for (let i = 0; i < n; i++) {
      const w = out[i]!;
      const enc = w.encoding ?? 'utf8';
      if (typeof w.data === 'string' && (enc === 'utf8' || enc === 'utf-8' || enc === 'latin1')) {
        const wantsUtf8 = enc !== 'latin1';
        // Latin-1 text (a head, a trailer section) and UTF-8 text share one write only while the
        // latin1 part is ASCII: a header value's byte 0xE5 must leave as one byte, as node sends it.
        if (wantsUtf8 ? textEnc === 'latin1' && hasHighByte(text) : textEnc === 'utf8' && hasHighByte(w.data)) flushText();
        text += w.data;
        if (wantsUtf8) textEnc = 'utf8';
        else textEnc ??= 'latin1';
        if (w.callback) (cbs ??= []).push(w.callback);
      } else {
        flushText();
        ret = sink.write(w.data, w.encoding, w.callback ?? undefined);
      }
    }
    flushText();
    sink.uncork();
    return ret;
  }

  /** Attach the transport; anything queued so far is flushed to it. */
  _attachSink(sink: OutgoingSink): void {
    this[kSink] = sink;
    if (this.outputData.length > 0 && this[kCorked] === 0) {
      if (this._flushOutput(sink) && this[kNeedDrain]) process.nextTick(emitDrain, this);
    }
  }

  /** Called by the sink when the transport drained: 'drain' if a write asked for it. */
  _onSinkDrain(): void {
    if (this[kNeedDrain] && !this.finished) {
      this[kNeedDrain] = false;
      this.emit('drain');
    }
  }

  /** Called by the sink's `finishMessage` once the final bytes are flushed. */
  _onSinkFinished(): void {
    this.emit('finish');
  }

  /**
   * Finish the message, optionally with a last chunk.
   *
   * @example
   * res.end('bye', 'utf8', () => console.log('finished'));
   */
  end(chunk?: string | Uint8Array | WriteCallback | null, encoding?: BufferEncoding | WriteCallback | null, callback?: WriteCallback): this {
    if (typeof chunk === 'function') {
      callback = chunk;
      chunk = null;
      encoding = null;
    } else if (typeof encoding === 'function') {
      callback = encoding;
      encoding = null;
    }
    if (chunk) {
      if (this.finished) {
        onError(this, nodeError(Error, 'ERR_STREAM_WRITE_AFTER_END', 'write after end'), typeof callback === 'function' ? callback : nop);
        return this;
      }
      // Corked until the end of end(): head, last chunk and terminator leave in one write.
      this[kCorked]++;
      writeChunk(this, chunk, encoding, null, true);
    } else if (this.finished) {
      if (typeof callback === 'function') {
        if (!this.writableFinished) this.on('finish', callback);
        else callback(nodeError(Error, 'ERR_STREAM_ALREADY_FINISHED', 'Cannot call end after a stream was finished'));
      }
      return this;
    } else if (!this._header) {
      this[kCorked]++;
      this._contentLength = 0;
      this._implicitHeader();
    }
    if (typeof callback === 'function') this.once('finish', callback);
    if (strictLength(this) && this[kBytesWritten] !== this._contentLength) {
      throw contentLengthMismatch(this[kBytesWritten], this._contentLength as number);
    }
    if (this._hasBody && this.chunkedEncoding) {
      this._send(lastChunk(this._trailer), 'latin1', null);
    } else if (!this._headerSent) {
      this._send('', 'latin1', null);
    }
    this.finished = true;
    this[kCorked] = 0;
    this[kAutoUncork] = false;
    if (debugEnabled) debug('outgoing message end.');
    const sink = this[kSink];
    if (sink !== null) {
      if (this.outputData.length > 0) this._flushOutput(sink);
      this._finish();
      signalFinish(this, sink);
    }
    return this;
  }

  /** Called when a late sink arrives for a message already ended (client side), after flushing. */
  _finishAfterAttach(): void {
    const sink = this[kSink];
    if (sink === null || !this.finished) return;
    this._finish();
    signalFinish(this, sink);
  }

  /** Emits 'prefinish': everything has been handed to the transport. */
  _finish(): void {
    this.emit('prefinish');
  }

  /**
   * Trailer fields for a chunked message, sent with the last chunk (RFC 9112 §7.1.2).
   *
   * @example
   * res.setHeader('Trailer', 'Content-MD5'); res.write(data); res.addTrailers({ 'Content-MD5': md5 }); res.end();
   */
  addTrailers(headers: Record<string, OutgoingHeaderValue> | readonly (readonly [string, OutgoingHeaderValue])[]): void {
    this._trailer = '';
    const keys = Array.isArray(headers) ? null : Object.keys(headers);
    const n = keys === null ? (headers as unknown[]).length : keys.length;
    for (let i = 0; i < n; i++) {
      let field: string;
      let value: OutgoingHeaderValue;
      if (keys === null) {
        const pair = (headers as readonly (readonly [string, OutgoingHeaderValue])[])[i]!;
        field = pair[0];
        value = pair[1];
      } else {
        field = keys[i]!;
        value = (headers as Record<string, OutgoingHeaderValue>)[field]!;
      }
      if (typeof field !== 'string' || !field || !isToken(field)) {
        throw nodeError(TypeError, 'ERR_INVALID_HTTP_TOKEN', `Trailer name must be a valid HTTP token ["${field}"]`);
      }
      // RFC 9110 §6.5.1: trailer values follow field-value rules; no CR/LF smuggling.
      const values = Array.isArray(value) ? (value as string[]) : [value as string];
      for (const v of values) {
        if (hasInvalidFieldValueChar(String(v))) {
          throw nodeError(TypeError, 'ERR_INVALID_CHAR', `Invalid character in trailer content ["${field}"]`);
        }
        this._trailer += fieldLine(field, v);
      }
    }
  }

  /** Send the head now (it would otherwise wait for the first body chunk). */
  flushHeaders(): void {
    if (!this._header) this._implicitHeader();
    this._send('');
  }

  cork(): void {
    this[kCorked]++;
  }

  uncork(): void {
    if (this[kCorked] > 0) this[kCorked]--;
    if (this[kCorked] === 0) {
      const sink = this[kSink];
      if (sink !== null && this.outputData.length > 0) {
        // A write returned false while corked; if the sink takes it all without asking for a
        // 'drain' of its own, the writer still waits for one: owe it.
        if (this._flushOutput(sink) && this[kNeedDrain]) process.nextTick(emitDrain, this);
      }
    }
  }

  setTimeout(msecs: number, callback?: () => void): this {
    if (callback) this.on('timeout', callback);
    const sink = this[kSink];
    if (isStructuredSink(sink)) {
      // HTTP/2: the stream's own timer; the socket is shared by every stream.
      sink.setStreamTimeout(msecs);
      return this;
    }
    const sock = this.socket as unknown as { setTimeout?: (ms: number) => void; once?: (ev: string, f: () => void) => void } | null;
    if (!sock || typeof sock.setTimeout !== 'function') {
      this.once('socket', (s: { setTimeout(ms: number): void }) => s.setTimeout(msecs));
    } else {
      sock.setTimeout(msecs);
    }
    return this;
  }

  destroy(error?: Error | null): this {
    if (this.destroyed) return this;
    this.destroyed = true;
    // As node: destroy() without an error leaves `errored` undefined (null only before it).
    this[kErrored] = error;
    const sink = this[kSink];
    if (isStructuredSink(sink)) {
      // HTTP/2: reset this stream only; the connection serves the others.
      sink.destroyStream(error);
      return this;
    }
    const sock = this.socket as unknown as { destroy?: (e?: Error) => void } | null;
    if (sock && typeof sock.destroy === 'function') sock.destroy(error ?? undefined);
    else this.once('socket', (s: { destroy(e?: Error): void }) => s.destroy(error ?? undefined));
    return this;
  }

  /** OutgoingMessage is not readable: piping from it is an error, as in node. */
  pipe<T extends NodeJS.WritableStream>(_destination: T): T {
    this.emit('error', nodeError(Error, 'ERR_STREAM_CANNOT_PIPE', 'Cannot pipe, not readable'));
    return _destination;
  }
}

function processHeader(msg: OutgoingMessageBase, state: HeadState, key: string, value: OutgoingHeaderValue, validate: boolean): void {
  if (validate) checkedLowerName(key);
  const unique = msg[kUniqueHeaders];
  if (Array.isArray(value)) {
    if ((value.length < 2 || !isCookieField(key)) && (unique === null || !unique.has(lowerName(key)))) {
      for (let i = 0; i < value.length; i++) storeField(msg, state, key, value[i] as string, validate);
      return;
    }
    value = value.join('; ');
  }
  storeField(msg, state, key, value as string | number, validate);
}

function storeField(msg: OutgoingMessageBase, state: HeadState, key: string, value: string | number, validate: boolean): void {
  if (validate) checkValue(key, value);
  state.header += fieldLine(key, value);
  // Only a handful of names change the framing: test the length first (cheap), then the name.
  switch (key.length) {
    case 4:
      if (lowerName(key) === 'date') state.date = true;
      break;
    case 6:
      if (lowerName(key) === 'expect') state.expect = true;
      break;
    case 7:
      if (lowerName(key) === 'trailer') state.trailer = true;
      break;
    case 10: {
      const lower = lowerName(key);
      if (lower === 'connection') {
        state.connection = true;
        msg._removedConnection = false;
        if (RE_CONN_CLOSE.test(String(value))) msg._last = true;
        else msg.shouldKeepAlive = true;
      } else if (lower === 'keep-alive') {
        msg._defaultKeepAlive = false;
      }
      break;
    }
    case 14:
      if (lowerName(key) === 'content-length') {
        state.contLen = true;
        msg._contentLength = +value;
        msg._removedContLen = false;
      }
      break;
    case 17:
      if (lowerName(key) === 'transfer-encoding') {
        state.te = true;
        msg._removedTE = false;
        if (RE_TE_CHUNKED.test(String(value))) msg.chunkedEncoding = true;
      }
      break;
  }
}

function strictLength(msg: OutgoingMessageBase): boolean {
  return (
    msg.strictContentLength &&
    msg._contentLength != null &&
    msg._hasBody &&
    !msg._removedContLen &&
    !msg.chunkedEncoding &&
    !msg.hasHeader('transfer-encoding')
  );
}

function onError(msg: OutgoingMessageBase, err: Error, callback: WriteCallback): void {
  if (msg.destroyed) return;
  process.nextTick(emitErrorNT, msg, err, callback);
}

function signalFinish(msg: OutgoingMessageBase, sink: OutgoingSink): void {
  if (typeof sink.finishMessage === 'function') sink.finishMessage(msg);
  else if (sink.writableLength === 0 && !sink.destroyed) process.nextTick(emitFinish, msg);
  else sink.write('', 'latin1', () => emitFinish(msg));
}

function isTextEncoding(encoding: BufferEncoding | null | undefined): boolean {
  return encoding == null || encoding === 'utf8' || encoding === 'utf-8' || encoding === 'latin1';
}

function writeChunk(
  msg: OutgoingMessageBase,
  chunk: string | Uint8Array | null | undefined,
  encoding: BufferEncoding | null | undefined,
  callback: WriteCallback | null | undefined,
  fromEnd: boolean,
): boolean {
  const cb = typeof callback === 'function' ? callback : nop;
  if (chunk === null) {
    throw nodeError(TypeError, 'ERR_STREAM_NULL_VALUES', 'May not write null values to stream');
  } else if (typeof chunk !== 'string' && !(chunk instanceof Uint8Array)) {
    throw invalidArgType('chunk', ['string', 'Buffer', 'Uint8Array'], chunk);
  }
  let err: Error | undefined;
  if (msg.finished) err = nodeError(Error, 'ERR_STREAM_WRITE_AFTER_END', 'write after end');
  else if (msg.destroyed) err = nodeError(Error, 'ERR_STREAM_DESTROYED', 'Cannot call write after a stream was destroyed');
  if (err) {
    if (!msg.destroyed) onError(msg, err, cb);
    else process.nextTick(cb, err);
    return false;
  }
  let len: number | undefined;
  if (!msg._header) {
    if (fromEnd) msg._contentLength = len = byteLength(chunk, encoding);
    msg._implicitHeader();
  }
  if (!msg._hasBody) {
    if (msg[kRejectNonStandardBodyWrites]) {
      throw nodeError(Error, 'ERR_HTTP_BODY_NOT_ALLOWED', 'Adding content for this request method or response status is not allowed.');
    }
    debug('This type of response MUST NOT have a body. Ignoring write() calls.');
    process.nextTick(cb);
    return true;
  }
  if (strictLength(msg)) {
    len ??= byteLength(chunk, encoding);
    const total = msg[kBytesWritten] + len;
    if (fromEnd ? total !== msg._contentLength : total > (msg._contentLength as number)) {
      throw contentLengthMismatch(total, msg._contentLength as number);
    }
    msg[kBytesWritten] = total;
  }
  // Writes made in one tick leave together (node corks the socket until the next tick).
  if (!fromEnd && msg[kCorked] === 0 && !msg[kAutoUncork]) {
    msg[kAutoUncork] = true;
    msg[kCorked]++;
    process.nextTick(autoUncork, msg);
  }
  if (!msg.chunkedEncoding || chunk.length === 0) {
    const ret = msg._send(chunk, encoding, callback);
    if (debugEnabled) debug('write ret = ' + ret);
    return ret;
  }
  len ??= byteLength(chunk, encoding);
  const size = chunkHeader(len);
  if (typeof chunk === 'string' && isTextEncoding(encoding)) {
    let ret: boolean;
    if (!msg._headerSent && msg._header !== null) {
      // The head leaves with the size line, in latin1, as node sends it (a header value's 0xE5
      // stays one byte); later chunks are one string.
      msg._send(size, 'latin1', null);
      ret = msg._send(chunk + CRLF, encoding, callback);
    } else {
      ret = msg._send(size + chunk + CRLF, encoding, callback);
    }
    if (debugEnabled) debug('write ret = ' + ret);
    return ret;
  }
  msg._send(size, 'latin1', null);
  msg._send(chunk, encoding, null);
  const ret = msg._send(CRLF, 'latin1', callback);
  if (debugEnabled) debug('write ret = ' + ret);
  return ret;
}

function isCookieField(key: string): boolean {
  return key.length === 6 && lowerName(key) === 'cookie';
}

function hasHighByte(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0x7f) return true;
  return false;
}

function formatArray(a: readonly unknown[]): string {
  return `[ ${a.map((x) => (typeof x === 'string' ? `'${x}'` : String(x))).join(', ')} ]`;
}

function callAll(cbs: WriteCallback[]): WriteCallback {
  return (err) => {
    for (const cb of cbs) cb(err);
  };
}

function contentLengthMismatch(actual: number, expected: number): Error {
  return nodeError(
    Error,
    'ERR_HTTP_CONTENT_LENGTH_MISMATCH',
    `Response body's content-length of ${actual} byte(s) does not match the content-length of ${expected} byte(s) set in header`,
  );
}

function autoUncork(msg: OutgoingMessageBase): void {
  if (!msg[kAutoUncork]) return;
  msg[kAutoUncork] = false;
  msg.uncork();
}

function emitErrorNT(msg: OutgoingMessageBase, err: Error, callback: WriteCallback): void {
  callback(err);
  if (!msg.destroyed) msg.emit('error', err);
}

function emitDrain(msg: OutgoingMessageBase): void {
  msg._onSinkDrain();
}

function emitFinish(msg: OutgoingMessageBase): void {
  msg.emit('finish');
}

/**
 * Give `self` a fresh OutgoingMessage's state: the constructor run as a plain function on an
 * existing object (`OutgoingMessage.call(this)`, the util.inherits pattern).
 */
export function initOutgoingMessage(self: OutgoingMessageBase, options?: OutgoingMessageOptions): void {
  adoptState(self, new OutgoingMessageBase(options));
}

/** `OutgoingMessage` as a value: constructible, callable on an existing object, subclassable. */
export interface OutgoingMessageConstructor {
  new (options?: OutgoingMessageOptions): OutgoingMessage;
  (this: object, options?: OutgoingMessageOptions): void;
  readonly prototype: OutgoingMessage;
}

/** The node:http OutgoingMessage (see the module comment for why it is a function). */
export type OutgoingMessage = OutgoingMessageBase;

function OutgoingMessageFn(this: OutgoingMessageBase, options?: OutgoingMessageOptions): OutgoingMessageBase | void {
  // Called without `new` and without a receiver: construct (node's constructors tolerate it).
  // `new OutgoingMessage()`, or a call without a receiver: the class builds it.
  if (new.target === OutgoingMessageFn || this === undefined || this === null || (this as unknown) === globalThis) return new OutgoingMessageBase(options);
  initOutgoingMessage(this, options);
}
Object.setPrototypeOf(OutgoingMessageBase.prototype, Stream.prototype);
Object.setPrototypeOf(OutgoingMessageBase, Stream);
// node's name: `.name`, `constructor.name` and util.inspect show 'OutgoingMessage'.
Object.defineProperty(OutgoingMessageFn, 'name', { value: 'OutgoingMessage' });
OutgoingMessageFn.prototype = OutgoingMessageBase.prototype;
Object.defineProperty(OutgoingMessageBase.prototype, 'constructor', {
  value: OutgoingMessageFn,
  writable: true,
  configurable: true,
  enumerable: false,
});
Object.setPrototypeOf(OutgoingMessageFn, Stream);

export const OutgoingMessage = OutgoingMessageFn as unknown as OutgoingMessageConstructor;

/** Internal symbols for subclasses in other files (ServerResponse, ClientRequest). */
export const outgoingInternals = { kCorked, kBytesWritten, kNeedDrain, kErrored, kAutoUncork } as const;

// node's deprecated views of the header store (DEP0066), still read and written by older
// middleware: `_headers` is getHeaders() (assigning it replaces every header), `_headerNames`
// maps each lower-cased name to the name as set (assigning it renames the ones it lists).
const DEP0066 = 'DEP0066';
Object.defineProperty(OutgoingMessageBase.prototype, '_headers', {
  configurable: true,
  enumerable: false,
  get: deprecate(function (this: OutgoingMessageBase) {
    return this.getHeaders();
  }, 'OutgoingMessage.prototype._headers is deprecated', DEP0066),
  set: deprecate(function (this: OutgoingMessageBase, val: Record<string, OutgoingHeaderValue> | null | undefined) {
    if (val == null) {
      this[kOutHeaders] = null;
    } else if (typeof val === 'object') {
      const headers: HeaderStore = new Map();
      this[kOutHeaders] = headers;
      for (const name of Object.keys(val)) headers.set(name.toLowerCase(), [name, val[name]!]);
    }
  }, 'OutgoingMessage.prototype._headers is deprecated', DEP0066),
});
Object.defineProperty(OutgoingMessageBase.prototype, '_headerNames', {
  configurable: true,
  enumerable: false,
  get: deprecate(function (this: OutgoingMessageBase) {
    const headers = this[kOutHeaders];
    if (headers === null) return null;
    const out: Record<string, string> = Object.create(null);
    for (const [lower, [name]] of headers) out[lower] = name;
    return out;
  }, 'OutgoingMessage.prototype._headerNames is deprecated', DEP0066),
  set: deprecate(function (this: OutgoingMessageBase, val: Record<string, string> | null | undefined) {
    const headers = this[kOutHeaders];
    if (typeof val !== 'object' || val === null || headers === null) return;
    for (const key of Object.keys(val)) {
      const entry = headers.get(key);
      if (entry !== undefined) entry[0] = val[key]!;
    }
  }, 'OutgoingMessage.prototype._headerNames is deprecated', DEP0066),
});
