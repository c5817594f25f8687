/**
 * node:http2's `ServerHttp2Stream`: a Duplex whose readable side is the request body and whose
 * writable side is the response, in front of one `H2Exchange` of trama's server driver. The
 * exchange's request and response ends are two small adapters ({@link RequestSide},
 * {@link ResponseSide}), so the driver's flow control, batching, priorities and timeouts serve
 * this API exactly as they serve `IncomingMessage`/`ServerResponse`.
 *
 * Closing follows node: the stream closes when our END_STREAM is written (rstCode
 * NGHTTP2_NO_ERROR), when either side resets it (rstCode the RST_STREAM code; a peer's code
 * other than NO_ERROR/CANCEL is an 'error', ERR_HTTP2_STREAM_ERROR), or when the session goes.
 * 'aborted' precedes 'close' when the peer reset a stream whose response had not ended.
 */
import { Duplex } from 'node:stream';
import fs from 'node:fs';
import type { H2Exchange, H2ServerSession } from '../io/h2-server.js';
import type { ExchangeRequest, ExchangeResponse } from '../io/exchange.js';
import { ErrorCode } from '../wire/h2/constants.js';
import { invalidArgType } from '../wire/shared/index.js';
import { http2Error, nghttp2CodeName } from './errors.js';
import { toFields, toHeaderObject, type IncomingHeaders, type OutgoingHeaders } from './headers.js';
import { constants, streamStateObject } from './constants.js';
import { utcDate } from '../http/outgoing-message.js';
import type { Http2SessionBase } from './session.js';

/** RFC 9110 §15.3.5, §15.3.6, §15.4.5: responses that carry no content. */
const NO_PAYLOAD = new Set([204, 205, 304]);

/** The request end of the exchange: body bytes into the stream's readable side. */
class RequestSide implements ExchangeRequest {
  readonly #stream: ServerHttp2Stream;
  complete = false;
  _consuming = true;
  constructor(stream: ServerHttp2Stream) {
    this.#stream = stream;
  }
  push(chunk: Buffer | null): boolean {
    return this.#stream.push(chunk);
  }
  get readableEnded(): boolean {
    return this.#stream.readableEnded;
  }
  get readableLength(): number {
    return this.#stream.readableLength;
  }
  get destroyed(): boolean {
    return this.#stream.destroyed;
  }
  get rawTrailers(): string[] {
    return [];
  }
  set rawTrailers(raw: string[]) {
    this.#stream.onTrailers(raw);
  }
  _dump(): void {}
  // The stream's own close logic decides its end (rstCode, 'aborted', 'error').
  destroy(): void {}
  emit(event: string): boolean {
    return event === 'timeout' ? this.#stream.emit('timeout') : false;
  }
}

/** The response end of the exchange: what the driver reports about our side. */
class ResponseSide implements ExchangeResponse {
  readonly stream: ServerHttp2Stream;
  _last = true;
  finished = false;
  destroyed = false;
  _closed = false;
  shouldKeepAlive = true;
  /** Trailers as the driver reads them (HTTP/1.1 field lines). */
  _trailer = '';
  _kErrored: unknown = null;
  constructor(stream: ServerHttp2Stream) {
    this.stream = stream;
  }
  _onSinkFinished(): void {}
  _onSinkDrain(): void {
    this.stream.onSinkDrain();
  }
  emit(event: string): boolean {
    if (event === 'close') this.stream.onDriverClosed();
    return false;
  }
}

/** The ServerHttp2Stream of an exchange, if trama/http2 built one. */
export function streamOf(ex: H2Exchange): ServerHttp2Stream | undefined {
  const res = ex.res;
  return res instanceof ResponseSide ? res.stream : undefined;
}

export interface RespondOptions {
  endStream?: boolean;
  waitForTrailers?: boolean;
  sendDate?: boolean;
}

interface FileOptions extends RespondOptions {
  offset?: number;
  length?: number;
  statCheck?: (stats: fs.Stats, headers: OutgoingHeaders, options: FileOptions) => boolean | void;
  onError?: (err: Error) => void;
}

type PushCallback = (err: Error | null, stream?: ServerHttp2Stream, headers?: IncomingHeaders) => void;

/** node:http2's ServerHttp2Stream. */
export class ServerHttp2Stream extends Duplex {
  readonly #ex: H2Exchange;
  readonly #session: Http2SessionBase;
  readonly #res: ResponseSide;
  readonly #pushed: boolean;
  readonly #head: boolean;
  #headersSent = false;
  #sentHeaders: OutgoingHeaders | undefined;
  #sentTrailers: OutgoingHeaders | undefined;
  #sentInfoHeaders: OutgoingHeaders[] | undefined;
  #waitForTrailers = false;
  #wantTrailers = false;
  #endedByRespond = false;
  #finalCb: ((err?: Error | null) => void) | null = null;
  #sinkFinished = false;
  #closed = false;
  #aborted = false;
  rstCode: number | undefined = undefined;
  /** The request's END_STREAM came on its HEADERS (no body). */
  endAfterHeaders = false;

  constructor(session: Http2SessionBase, ex: H2Exchange, pushed = false) {
    super({ allowHalfOpen: true, autoDestroy: false, decodeStrings: false });
    this.#ex = ex;
    this.#session = session;
    this.#pushed = pushed;
    this.#head = ex.head.method === 'HEAD';
    const req = new RequestSide(this);
    this.#res = new ResponseSide(this);
    ex.req = req;
    ex.res = this.#res;
  }

  get id(): number {
    return this.#ex.streamId;
  }
  get session(): Http2SessionBase | undefined {
    return this.#closed && this.destroyed ? undefined : this.#session;
  }
  get headersSent(): boolean {
    return this.#headersSent;
  }
  get sentHeaders(): OutgoingHeaders | undefined {
    return this.#sentHeaders;
  }
  get sentTrailers(): OutgoingHeaders | undefined {
    return this.#sentTrailers;
  }
  get sentInfoHeaders(): OutgoingHeaders[] | undefined {
    return this.#sentInfoHeaders;
  }
  get pushAllowed(): boolean {
    return !this.#pushed && !this.#closed && this.#session.remoteSettings.enablePush === true;
  }
  get aborted(): boolean {
    return this.#aborted;
  }
  /** node's `closed`: the stream is closed on the wire (the Duplex's own `closed` is after 'close'). */
  isClosed(): boolean {
    return this.#closed;
  }
  get pending(): boolean {
    return false;
  }
  get bufferSize(): number {
    return this.writableLength + (this.#closed ? 0 : this.#ex.writableLength);
  }
  /** node's stream state: the RFC 9113 §5.1 state as NGHTTP2_STREAM_STATE_*, windows, weight. */
  get state(): Record<string, number> {
    if (this.#closed) return {};
    const conn = this.#ex.connection;
    return streamStateObject(conn.streamState(this.id), this.#ex.priority?.weight ?? constants.NGHTTP2_DEFAULT_WEIGHT, conn.streamSendWindow(this.id));
  }

  /** The exchange behind this stream (trama). */
  get exchange(): H2Exchange {
    return this.#ex;
  }

  #assertOpen(): void {
    if (this.destroyed || this.#closed) throw http2Error('ERR_HTTP2_INVALID_STREAM');
  }

  /**
   * Sends the response head. `endStream`: no body follows; `waitForTrailers`: 'wantTrailers' is
   * emitted after the last DATA, and `sendTrailers()` ends the stream.
   *
   * @example
   * stream.respond({ ':status': 200, 'content-type': 'text/plain' });
   * stream.end('hello');
   */
  respond(headers?: OutgoingHeaders | null, options: RespondOptions = {}): void {
    this.#assertOpen();
    if (this.#headersSent) throw http2Error('ERR_HTTP2_HEADERS_SENT');
    if (options === null || typeof options !== 'object') throw invalidArgType('options', ['object'], options);
    const h: OutgoingHeaders = headers == null ? {} : headers;
    const { status, endStream } = this.#prepareHead(h, options);
    const { fields } = toFields(h, 'response');
    this.#sendHead(status, fields, h, options, endStream);
  }

  #prepareHead(h: OutgoingHeaders, options: RespondOptions): { status: number; endStream: boolean } {
    if (h === null || typeof h !== 'object') throw invalidArgType('headers', ['object'], h);
    const raw = h[':status'];
    const status = raw === undefined ? 200 : Number(raw) | 0;
    h[':status'] = status;
    if (status < 200 || status > 599) throw http2Error('ERR_HTTP2_STATUS_INVALID', raw);
    if (options.sendDate !== false && h.date === undefined && h.Date === undefined) h.date = utcDate();
    let endStream = options.endStream === true;
    // node ends the stream itself for a HEAD request and for statuses without content.
    if (this.#head || NO_PAYLOAD.has(status)) endStream = true;
    return { status, endStream };
  }

  #sendHead(status: number, fields: Array<[string, string]>, h: OutgoingHeaders, options: RespondOptions, endStream: boolean): void {
    this.#headersSent = true;
    this.#sentHeaders = h;
    this.#waitForTrailers = options.waitForTrailers === true;
    const ex = this.#ex;
    // storeHead's list starts with :status (the driver sends it as is).
    if (fields.length === 0 || fields[0]![0] !== ':status') fields.unshift([':status', String(status)]);
    else fields[0] = [':status', String(status)];
    ex.storeHead(status, fields);
    ex.headDue();
    if (endStream) {
      this.#endedByRespond = true;
      if (this.#waitForTrailers) this.#askTrailers();
      else ex.finishMessage(this.#res);
      this.end();
    }
  }

  /**
   * Sends a 1xx head before the response (RFC 9110 §15.2).
   *
   * @example
   * stream.additionalHeaders({ ':status': 103, link: '</a.css>; rel=preload' });
   */
  additionalHeaders(headers: OutgoingHeaders): void {
    this.#assertOpen();
    if (this.#headersSent) throw http2Error('ERR_HTTP2_HEADERS_AFTER_RESPOND');
    if (headers === null || typeof headers !== 'object') throw invalidArgType('headers', ['object'], headers);
    const raw = headers[':status'];
    if (raw !== undefined) {
      const status = Number(raw) | 0;
      headers[':status'] = status;
      if (status === 101) throw http2Error('ERR_HTTP2_STATUS_101');
      if (status < 100 || status >= 200) throw http2Error('ERR_HTTP2_INVALID_INFO_STATUS', raw);
    }
    const status = (headers[':status'] as number | undefined) ?? 100;
    const { fields } = toFields(headers, 'response');
    (this.#sentInfoHeaders ??= []).push(headers);
    this.#ex.sendInformational(status, fields.filter(([n]) => n !== ':status'));
  }

  /**
   * Sends trailers and ends the stream; only after 'wantTrailers' (respond with `waitForTrailers`).
   *
   * @example
   * stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
   */
  sendTrailers(headers: OutgoingHeaders): void {
    if (this.destroyed || this.#closed) throw http2Error('ERR_HTTP2_INVALID_STREAM');
    if (this.#sentTrailers) throw http2Error('ERR_HTTP2_TRAILERS_ALREADY_SENT');
    if (!this.#wantTrailers) throw http2Error('ERR_HTTP2_TRAILERS_NOT_READY');
    const { fields } = toFields(headers, 'trailers');
    this.#sentTrailers = headers;
    this.#res._trailer = fields.map(([n, v]) => `${n}: ${v}\r\n`).join('');
    // RFC 9113 §8.1: an empty trailer section still ends the stream; the driver then sends END_STREAM on DATA.
    this.#ex.finishMessage(this.#res);
  }

  #askTrailers(): void {
    this.#wantTrailers = true;
    // node emits 'wantTrailers' when the last DATA is queued; the listener answers with sendTrailers().
    process.nextTick(emitWantTrailers, this);
  }

  /**
   * Resets the stream with `code` (RFC 9113 §6.4); `cb` listens for 'close'.
   *
   * @example
   * stream.close(constants.NGHTTP2_CANCEL);
   */
  close(code: number = constants.NGHTTP2_NO_ERROR, cb?: () => void): void {
    if (typeof code !== 'number' || code < 0 || code > 2 ** 32 - 1) throw invalidArgType('code', ['number'], code);
    if (cb !== undefined) {
      if (typeof cb !== 'function') throw invalidArgType('callback', ['function'], cb);
      this.once('close', cb);
    }
    if (this.#closed) return;
    this.rstCode = code;
    this.#reset(code);
  }

  #reset(code: number): void {
    const ex = this.#ex;
    const conn = ex.connection;
    if (!ex.closed && !conn.isTerminated && conn.isStreamOpen(this.id)) conn.resetStream(this.id, code);
    ex.session.streamGone(ex, false);
    ex.session.schedule();
  }

  /**
   * Changes this response's priority in our scheduler (RFC 7540 §5.3 fields or RFC 9218
   * urgency/incremental): node 20 ignores this; trama's scheduler uses it.
   */
  priority(options: { parent?: number; weight?: number; exclusive?: boolean; silent?: boolean; urgency?: number; incremental?: boolean }): void {
    this.#assertOpen();
    if (options === null || typeof options !== 'object') throw invalidArgType('options', ['object'], options);
    if (options.parent === this.id) throw http2Error('ERR_HTTP2_STREAM_SELF_DEPENDENCY');
    const spec: Record<string, unknown> = {};
    if (options.parent !== undefined) spec.dependsOn = options.parent;
    if (options.weight !== undefined) spec.weight = options.weight;
    if (options.exclusive !== undefined) spec.exclusive = options.exclusive;
    if (options.urgency !== undefined) spec.urgency = options.urgency;
    if (options.incremental !== undefined) spec.incremental = options.incremental;
    this.#ex.connection.prioritize(this.id, spec);
    this.#ex.session.schedule();
  }

  /** A per-stream inactivity timeout; 'timeout' when it fires (no listener: the stream is reset). */
  setTimeout(msecs: number, cb?: () => void): this {
    if (cb !== undefined) this.once('timeout', cb);
    this.#ex.setStreamTimeout(msecs);
    return this;
  }

  /**
   * Server push (RFC 9113 §8.4): promises `headers` (a GET) and gives the pushed stream to `cb`.
   *
   * @example
   * stream.pushStream({ ':path': '/style.css' }, (err, push) => push.respond({ ':status': 200 }));
   */
  pushStream(headers: OutgoingHeaders, options?: Record<string, unknown> | PushCallback, cb?: PushCallback): void {
    if (typeof options === 'function') {
      cb = options;
      options = undefined;
    }
    if (typeof cb !== 'function') throw invalidArgType('callback', ['function'], cb);
    this.#assertOpen();
    if (this.#pushed) throw http2Error('ERR_HTTP2_NESTED_PUSH');
    if (!this.pushAllowed) throw http2Error('ERR_HTTP2_PUSH_DISABLED');
    if (this.#headersSent && this.#ex.ended) throw http2Error('ERR_HTTP2_HEADERS_SENT');
    const h: OutgoingHeaders = headers == null ? {} : { ...headers };
    const own = (n: string): string | undefined => this.#ex.fields.find(([k]) => k === n)?.[1];
    h[':method'] ??= 'GET';
    h[':scheme'] ??= own(':scheme') ?? (this.#session.encrypted ? 'https' : 'http');
    h[':authority'] ??= own(':authority') ?? own('host');
    h[':path'] ??= '/';
    if (h[':method'] !== 'GET' && h[':method'] !== 'HEAD') throw http2Error('ERR_HTTP2_INVALID_PSEUDOHEADER', ':method');
    const { fields } = toFields(h, 'request');
    const driver: H2ServerSession = this.#ex.session;
    const pushedEx = driver.openPushed(this.#ex, fields);
    const pushed = new ServerHttp2Stream(this.#session, pushedEx, true);
    const req = pushedEx.req as RequestSide;
    req.complete = true;
    pushed.push(null);
    const headersObj = toHeaderObject(fields);
    process.nextTick(cb, null, pushed, headersObj);
  }

  /**
   * Responds with the content of an open file descriptor (node's respondWithFD).
   *
   * @example
   * stream.respondWithFD(fs.openSync('index.html', 'r'), { 'content-type': 'text/html' });
   */
  respondWithFD(fd: number | fs.promises.FileHandle, headers?: OutgoingHeaders | null, options: FileOptions = {}): void {
    this.#assertOpen();
    if (this.#headersSent) throw http2Error('ERR_HTTP2_HEADERS_SENT');
    const h: OutgoingHeaders = headers == null ? {} : headers;
    const num = typeof fd === 'number' ? fd : (fd as { fd: number }).fd;
    if (typeof num !== 'number') throw invalidArgType('fd', ['number'], fd);
    fs.fstat(num, (err, stat) => this.#sendFile(num, stat, err, h, options, false));
  }

  /**
   * Responds with a file (node's respondWithFile): `content-length` from its size, `statCheck`
   * may change the headers or cancel, `onError` takes open/stat errors.
   *
   * @example
   * stream.respondWithFile('index.html', { 'content-type': 'text/html' });
   */
  respondWithFile(path: string, headers?: OutgoingHeaders | null, options: FileOptions = {}): void {
    this.#assertOpen();
    if (this.#headersSent) throw http2Error('ERR_HTTP2_HEADERS_SENT');
    const h: OutgoingHeaders = headers == null ? {} : headers;
    fs.open(path, 'r', (err, fd) => {
      if (err) return this.#fileError(err, options);
      fs.fstat(fd, (err2, stat) => this.#sendFile(fd, stat, err2, h, options, true));
    });
  }

  #fileError(err: Error, options: FileOptions): void {
    if (typeof options.onError === 'function') options.onError(err);
    else this.destroy(err);
  }

  #sendFile(fd: number, stat: fs.Stats, err: Error | null, h: OutgoingHeaders, options: FileOptions, own: boolean): void {
    const done = (): void => {
      if (own) fs.close(fd, () => {});
    };
    if (this.destroyed || this.#closed) return done();
    if (err) {
      done();
      return this.#fileError(err, options);
    }
    if (stat.isDirectory()) {
      done();
      return this.#fileError(http2Error('ERR_HTTP2_SEND_FILE'), options);
    }
    const offset = options.offset ?? 0;
    const regular = stat.isFile();
    if (!regular && (options.offset !== undefined || options.length !== undefined)) {
      done();
      return this.#fileError(http2Error('ERR_HTTP2_SEND_FILE_NOSEEK'), options);
    }
    if (typeof options.statCheck === 'function' && options.statCheck.call(this, stat, h, options) === false) return done();
    let length = options.length ?? (regular ? stat.size - offset : -1);
    if (regular) {
      length = Math.max(0, Math.min(length, stat.size - offset));
      // node: respondWithFile states the length; respondWithFD sends to the end unannounced.
      if (own) h['content-length'] = length;
    }
    const { status, endStream } = this.#prepareHead(h, options);
    const { fields } = toFields(h, 'response');
    this.#sendHead(status, fields, h, options, endStream || length === 0);
    if (endStream || length === 0) return done();
    const rs = fs.createReadStream('', { fd, start: offset, end: length >= 0 ? offset + length - 1 : undefined, autoClose: own });
    rs.on('error', (e) => this.destroy(e));
    rs.pipe(this);
  }

  // ---- Duplex ----

  override _read(): void {
    this.#ex.resumeBody(this);
  }

  override _write(chunk: Buffer | string, encoding: BufferEncoding, cb: (err?: Error | null) => void): void {
    if (this.#closed) return cb(http2Error('ERR_HTTP2_INVALID_STREAM'));
    if (!this.#headersSent) this.respond();
    // Below the exchange's high-water mark the chunk is accepted at once (no per-chunk callback
    // for the driver to track); above it, the next write waits for the exchange's 'drain'.
    const ex = this.#ex;
    // The head goes to the engine before any DATA the exchange hands over with the next write.
    if (!ex.headSent) ex.materialize();
    if (ex.write(chunk, typeof chunk === 'string' ? encoding : null)) cb();
    else this.#drainCb = cb;
  }
  #drainCb: ((err?: Error | null) => void) | null = null;

  /** The exchange drained (ResponseSide._onSinkDrain): the write that waited completes. */
  onSinkDrain(): void {
    const cb = this.#drainCb;
    this.#drainCb = null;
    if (cb !== null) cb();
  }

  override _final(cb: (err?: Error | null) => void): void {
    if (this.#closed) return cb();
    if (!this.#headersSent) this.respond();
    if (this.#sinkFinished) return cb();
    if (this.#waitForTrailers) {
      // node: the writable side finishes at once; 'wantTrailers' follows, and the stream stays
      // open until sendTrailers().
      cb();
      if (!this.#endedByRespond) this.#askTrailers();
      return;
    }
    this.#finalCb = cb;
    if (!this.#endedByRespond) this.#ex.finishMessage(this.#res);
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    (this.#session as { streams?: Map<number, unknown> }).streams?.delete(this.id);
    if (!this.#closed) {
      this.#closed = true;
      const code = this.rstCode ?? (err ? ErrorCode.INTERNAL_ERROR : ErrorCode.CANCEL);
      this.rstCode = code;
      this.#reset(code);
    }
    cb(err);
  }

  // ---- driver callbacks ----

  /** The request's trailers arrived: node's 'trailers' (headers, flags). */
  onTrailers(raw: string[]): void {
    const fields: Array<[string, string]> = [];
    for (let i = 0; i < raw.length; i += 2) fields.push([raw[i]!, raw[i + 1]!]);
    this.emit('trailers', toHeaderObject(fields), constants.NGHTTP2_FLAG_END_STREAM | constants.NGHTTP2_FLAG_END_HEADERS);
  }

  /** A peer's RST_STREAM for this stream arrived (before the driver closes it). */
  onPeerReset(code: number): void {
    this.rstCode = code;
  }

  /** Our END_STREAM was written: 'finish', then 'close'. */
  onSinkFinished(): void {
    this.#sinkFinished = true;
    const cb = this.#finalCb;
    this.#finalCb = null;
    if (cb !== null) cb();
    this.rstCode ??= constants.NGHTTP2_NO_ERROR;
    this.#closed = true;
    process.nextTick(closeWhenRead, this);
  }

  /** The driver closed the stream before our response ended (reset either way, session gone). */
  onDriverClosed(): void {
    if (this.#closed && this.destroyed) return;
    this.#closed = true;
    this.rstCode ??= constants.NGHTTP2_CANCEL;
    const code = this.rstCode;
    if (!this.writableEnded || this.#finalCb !== null) {
      this.#aborted = true;
      // node: a stream closed on the wire before its response ended was aborted (whoever reset it).
      this.emit('aborted');
    }
    const cb = this.#finalCb;
    this.#finalCb = null;
    this.onSinkDrain();
    let err: Error | undefined;
    // node: a close with any code but NO_ERROR or CANCEL is an error, whichever side reset.
    if (code !== constants.NGHTTP2_NO_ERROR && code !== constants.NGHTTP2_CANCEL) {
      err = http2Error('ERR_HTTP2_STREAM_ERROR', nghttp2CodeName(code));
    }
    if (cb !== null) cb();
    if (!this.destroyed) this.destroy(err);
  }

  emitWantTrailers(): void {
    if (this.#closed || this.#sentTrailers) return;
    this.emit('wantTrailers');
  }
}

function emitWantTrailers(s: ServerHttp2Stream): void {
  s.emitWantTrailers();
}

function closeWhenRead(s: ServerHttp2Stream): void {
  if (s.destroyed) return;
  if (s.readableEnded) return void s.destroy();
  // node lets the request body be read to its end first; with nothing left to read, read(0)
  // lets 'end' out even while the reader is paused (as node does on close).
  s.once('end', () => s.destroy());
  // node: a request body nobody tried to read is dumped so the stream can close; otherwise
  // read(0) lets 'end' out once the reader has taken everything, even while paused.
  if (s.readableFlowing === null) s.resume();
  else if (s.readableLength === 0) s.read(0);
  // The request never ended (the driver stopped it with RST_STREAM NO_ERROR): close now.
  if (!s.exchange.req?.complete) s.destroy();
}

Object.defineProperty(ServerHttp2Stream.prototype, 'closed', {
  configurable: true,
  enumerable: false,
  get(this: ServerHttp2Stream): boolean {
    return this.isClosed();
  },
});

