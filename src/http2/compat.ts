/**
 * node:http2's compat members that trama's `IncomingMessage`/`ServerResponse` lack: `req.stream`
 * and `res.stream`. On trama the compat API is not a layer over a stream (src/http2/server.ts
 * says why), so `stream` is a small view of the request's HTTP/2 stream with node's members
 * that make sense beside a live `res`: `id`, `session`, `state`, `closed`, `destroyed`,
 * `rstCode`, `pushAllowed`, `headersSent`, `sentHeaders`, `priority()`, `close(code)`,
 * `setTimeout()`, and 'close'. Writing goes through `res` (`respond()` is not there: the
 * response already owns the stream). Installed on the prototypes when trama/http2 is loaded;
 * over HTTP/1.1 `stream` is undefined.
 */
import { EventEmitter } from 'node:events';
import type { H2Exchange } from '../io/h2-server.js';
import { IncomingMessage, IncomingMessageBase, kBodySource } from '../http/incoming-message.js';
import { ServerResponse, ServerResponseBase } from '../http/server-response.js';
import { ErrorCode } from '../wire/h2/constants.js';
import { invalidArgType } from '../wire/shared/index.js';
import { http2Error } from './errors.js';
import { constants, streamStateObject } from './constants.js';
import { sessionOf, type ServerHttp2Session } from './server.js';

function exchangeOf(o: object, key: 'req' | 'res'): H2Exchange | undefined {
  const ex = key === 'req' ? (o as { [kBodySource]?: unknown })[kBodySource] : (o as { _kSink?: unknown })._kSink;
  return ex != null && (ex as { structured?: unknown }).structured === true ? (ex as H2Exchange) : undefined;
}

/** node's `req.stream` / `res.stream` for a request served by trama's compat fast path. */
export class CompatHttp2Stream extends EventEmitter {
  readonly #ex: H2Exchange;
  readonly #res: ServerResponseBase | null;
  rstCode: number | undefined = undefined;

  constructor(ex: H2Exchange) {
    super();
    this.#ex = ex;
    this.#res = ex.res as ServerResponseBase | null;
    this.#res?.once('close', () => {
      this.rstCode ??= this.#ex.finished ? constants.NGHTTP2_NO_ERROR : constants.NGHTTP2_CANCEL;
      this.emit('close');
    });
  }
  get id(): number {
    return this.#ex.streamId;
  }
  get session(): ServerHttp2Session {
    return sessionOf(this.#ex.session);
  }
  get closed(): boolean {
    return this.#ex.closed;
  }
  get destroyed(): boolean {
    return this.#ex.closed;
  }
  get pushAllowed(): boolean {
    return !this.#ex.closed && this.#ex.connection.remoteSettings.enablePush;
  }
  get headersSent(): boolean {
    return this.#res?.headersSent === true;
  }
  get sentHeaders(): Record<string, unknown> | undefined {
    const res = this.#res;
    if (res === null || !res.headersSent) return undefined;
    return { ':status': res.statusCode, ...res.getHeaders() };
  }
  get state(): Record<string, number> {
    if (this.#ex.closed) return {};
    const conn = this.#ex.connection;
    return streamStateObject(conn.streamState(this.id), this.#ex.priority?.weight ?? constants.NGHTTP2_DEFAULT_WEIGHT, conn.streamSendWindow(this.id));
  }

  /** Resets the stream with `code` (RFC 9113 §6.4): the response closes without 'finish'. */
  close(code: number = constants.NGHTTP2_NO_ERROR, cb?: () => void): void {
    if (typeof code !== 'number') throw invalidArgType('code', ['number'], code);
    if (cb !== undefined) this.once('close', cb);
    const ex = this.#ex;
    if (ex.closed) return;
    this.rstCode = code;
    const conn = ex.connection;
    if (!conn.isTerminated && conn.isStreamOpen(ex.streamId)) conn.resetStream(ex.streamId, code);
    ex.session.streamGone(ex, false);
    ex.session.schedule();
  }

  destroy(err?: Error): void {
    this.close(err ? ErrorCode.INTERNAL_ERROR : ErrorCode.CANCEL);
  }

  /** Changes this response's priority in our scheduler (RFC 7540 §5.3 fields). */
  priority(options: { parent?: number; weight?: number; exclusive?: boolean }): void {
    if (options === null || typeof options !== 'object') throw invalidArgType('options', ['object'], options);
    if (options.parent === this.id) throw http2Error('ERR_HTTP2_STREAM_SELF_DEPENDENCY');
    const ex = this.#ex;
    if (ex.closed) return;
    const spec: Record<string, unknown> = {};
    if (options.parent !== undefined) spec.dependsOn = options.parent;
    if (options.weight !== undefined) spec.weight = options.weight;
    if (options.exclusive !== undefined) spec.exclusive = options.exclusive;
    ex.connection.prioritize(ex.streamId, spec);
    ex.session.schedule();
  }

  setTimeout(msecs: number, cb?: () => void): this {
    this.#res?.setTimeout(msecs, cb);
    return this;
  }
}

const views = new WeakMap<H2Exchange, CompatHttp2Stream>();

function viewOf(ex: H2Exchange | undefined): CompatHttp2Stream | undefined {
  if (ex === undefined) return undefined;
  let v = views.get(ex);
  if (v === undefined) {
    v = new CompatHttp2Stream(ex);
    views.set(ex, v);
  }
  return v;
}

/** Adds `stream` to the request and response prototypes (idempotent). */
export function installCompatMembers(): void {
  const reqProto = IncomingMessageBase.prototype as object;
  if (Object.prototype.hasOwnProperty.call(reqProto, 'stream')) return;
  Object.defineProperty(reqProto, 'stream', {
    configurable: true,
    get(this: IncomingMessageBase) {
      return viewOf(exchangeOf(this, 'req'));
    },
  });
  Object.defineProperty(ServerResponseBase.prototype, 'stream', {
    configurable: true,
    get(this: ServerResponseBase) {
      return viewOf(exchangeOf(this, 'res'));
    },
  });
}

/**
 * node:http2's `Http2ServerRequest`: on trama, an `IncomingMessage` that came over HTTP/2.
 * `instanceof` answers as with node — true for a request served over HTTP/2, false for one over
 * HTTP/1.1 (`allowHTTP1`) — because programs tell the protocols apart that way (@hono/node-server
 * reads `authority`/`scheme` only for HTTP/2 requests).
 */
export class Http2ServerRequest extends (IncomingMessage as unknown as typeof IncomingMessageBase) {
  static override [Symbol.hasInstance](o: unknown): boolean {
    if (Function.prototype[Symbol.hasInstance].call(this, o)) return true;
    return this === Http2ServerRequest && o instanceof IncomingMessageBase && o.httpVersionMajor === 2;
  }
}

/** node:http2's `Http2ServerResponse`: on trama, a `ServerResponse` to a request that came over HTTP/2. */
export class Http2ServerResponse extends (ServerResponse as unknown as typeof ServerResponseBase) {
  static override [Symbol.hasInstance](o: unknown): boolean {
    if (Function.prototype[Symbol.hasInstance].call(this, o)) return true;
    return this === Http2ServerResponse && o instanceof ServerResponseBase && (o.req as IncomingMessageBase | undefined)?.httpVersionMajor === 2;
  }
}
