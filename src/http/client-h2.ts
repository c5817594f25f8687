/**
 * node:http's client over HTTP/2: an Agent with `allowHTTP2` (ALPN `h2`, `http/1.1` on `https:`)
 * or `http2PriorKnowledge` (`http:`, RFC 9113 §3.3) sends each `request()` as a stream of the
 * origin's one session (src/io/h2-client-pool.ts, src/io/h2-client.ts). The caller keeps the same
 * `ClientRequest`; the response is an `IncomingMessage` with `httpVersion === '2.0'`.
 *
 * How a request becomes a stream: the ClientRequest writes what it always writes (an HTTP/1.1
 * head, then the body framed by Content-Length or chunked, then trailers) into this exchange,
 * which reads it back with the wire HTTP/1.1 parser (request role) and sends the head as HTTP/2
 * fields, the de-framed body as DATA, and the trailers as a trailing HEADERS. So `Expect:
 * 100-continue`, `addTrailers`, `flushHeaders`, `setHeader` after construction, write-before-
 * socket buffering — everything OutgoingMessage does — work unchanged, and the bytes are at hand
 * for a replay. Connection-specific fields (Connection, Keep-Alive, Proxy-Connection,
 * Transfer-Encoding, Upgrade; TE other than `trailers`) are dropped (RFC 9113 §8.2.2); Host
 * becomes `:authority` (§8.3.1).
 *
 * Decisions (docs/h2-client.md):
 * - Option names in node's style: `allowHTTP2` mirrors node's `allowHTTP1` of
 *   `http2.createSecureServer` (the same negotiation seen from the other end);
 *   `http2PriorKnowledge` names RFC 9113 §3.3; `http2Coalescing` RFC 9113 §9.1.1. All off by
 *   default: a node program keeps HTTP/1.1.
 * - `statusMessage` is '' (HTTP/2 has no reason phrase, RFC 9113 §8.3.2).
 * - Failover (beyond node and undici): a stream the server never processed (REFUSED_STREAM, or
 *   above a GOAWAY's last-stream-id, or queued on a session that went away) is sent again on
 *   another session whatever its method; a session that dies before the response retries an
 *   idempotent request once, as the HTTP/1.1 client's stale-socket rule. Only while the request's
 *   bytes are at hand (≤ `maxReplayBytes`); otherwise the error reaches the caller.
 * - `'push'` on the request: `(pushedRequest, pushedResponse)` once the pushed response's head
 *   arrives; without a listener the promise is refused with RST_STREAM(CANCEL) (RFC 9113 §8.4).
 * - A CONNECT request or one carrying `Upgrade` goes over HTTP/1.1 (RFC 9113 §8.5/§8.6).
 */
import * as dc from 'node:diagnostics_channel';
import type { Socket } from 'node:net';
// Node's own timers, not the global ones a test's fake clock may replace.
import { setTimeout, clearTimeout } from 'node:timers';
import { H1Parser } from '../wire/h1/parser.js';
import type { H1Head } from '../wire/h1/types.js';
import { ErrorCode, errorCodeName } from '../wire/h2/constants.js';
import type { H2Headers } from '../wire/h2/events.js';
import { H2SessionPool } from '../io/h2-client-pool.js';
import type { H2ClientSession, H2ClientStream } from '../io/h2-client.js';
import { MAX_REPLAY_BYTES } from '../io/h1-client.js';
import type { FinishableMessage, OutgoingSink, BodySource } from '../io/exchange.js';
import { IncomingMessage, kBodySource, type IncomingMessageBase } from './incoming-message.js';
import { nodeError } from '../wire/shared/index.js';

/**
 * How long a pooled session stays open with no stream when the agent sets no `timeout`: long
 * enough for the next request of a page, short enough not to hold servers' slots.
 */
export const DEFAULT_H2_IDLE_TIMEOUT = 5000;
/** The request head as the ClientRequest wrote it: bounded as node's client bounds a head. */
const MAX_REQUEST_HEAD = 1024 * 1024;
/**
 * Replays of one request the server never processed (REFUSED_STREAM, above a GOAWAY's
 * last-stream-id): always safe, but bounded so a server refusing every stream ends in an error,
 * not a loop. Three covers a rolling restart (GOAWAY on each of two old sessions) with room.
 */
export const MAX_REFUSED_REPLAYS = 3;
/** node's default high-water mark for a writable (what `write()` compares the stream queue to). */
const SINK_HWM = 16 * 1024;

// RFC 9110 §9.2.2: methods whose repetition has the same effect as one request.
const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE', 'PUT', 'DELETE']);
// RFC 9113 §8.2.2: never sent over HTTP/2 (TE only as `te: trailers`).
const CONNECTION_SPECIFIC = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'host', 'http2-settings']);

const onRequestErrorChannel = dc.channel('http.client.request.error');

/** The Agent as this module sees it (src/http/agent.ts). */
export interface H2Agent {
  protocol: string;
  options: Record<string, unknown>;
  dnsCache: { lookup: unknown } | null;
  getName(options: Record<string, unknown>): string;
  createConnection(options: Record<string, unknown>, cb?: (err: Error | null, socket?: unknown) => void): unknown;
  addRequest(req: unknown, options: Record<string, unknown>): void;
}

/** The ClientRequest as this module sees it (src/http/client-request.ts). */
interface H2Request extends FinishableMessage {
  method: string;
  path: string;
  aborted: boolean;
  destroyed: boolean;
  finished: boolean;
  _closed: boolean;
  res: IncomingMessageBase | null;
  socket: Socket | null;
  agent: unknown;
  timeout: number | undefined;
  _trama: { h2: H2RequestExchange | null; error: Error | null | undefined; signalCleanup: (() => void) | null; socketCalls: Array<[string, unknown[]]> | null };
  _attachSink(sink: OutgoingSink): void;
  _finishAfterAttach(): void;
  getHeader(name: string): unknown;
  onSocket(socket: unknown, err?: Error | null): void;
  emit(event: string, ...args: unknown[]): boolean;
  listenerCount(event: string): number;
}

const pools = new WeakMap<object, H2SessionPool>();

function poolOf(agent: H2Agent): H2SessionPool {
  let pool = pools.get(agent);
  if (pool === undefined) {
    const o = agent.options;
    const timeout = typeof o.timeout === 'number' && o.timeout > 0 ? o.timeout : DEFAULT_H2_IDLE_TIMEOUT;
    const session: Record<string, unknown> = { idleTimeout: timeout, unrefWhenIdle: true };
    if (typeof o.http2PingInterval === 'number') session.pingInterval = o.http2PingInterval;
    if (o.http2Settings && typeof o.http2Settings === 'object') session.settings = o.http2Settings;
    // `trama get -v` prints every frame (src/cli/get/frames.ts).
    if (typeof o.http2FrameTap === 'function') session.frameTap = o.http2FrameTap;
    const poolOptions: ConstructorParameters<typeof H2SessionPool>[0] = { session, coalesce: o.http2Coalescing === true };
    // Coalescing resolves names the way the connections do: the agent's `lookup`, if it has one.
    const userLookup = typeof o.lookup === 'function' ? o.lookup : agent.dnsCache?.lookup;
    if (typeof userLookup === 'function') {
      poolOptions.lookup = (host, cb) => {
        (userLookup as (h: string, o: object, cb: (e: Error | null, a: Array<{ address: string }>) => void) => void)(host, { all: true }, (e, list) => cb(e, e ? [] : list.map((a) => a.address)));
      };
    }
    pool = new H2SessionPool(poolOptions);
    pools.set(agent, pool);
  }
  return pool;
}

/**
 * The agent's HTTP/2 sessions (for tests and `agent.destroy()`).
 *
 * @example
 * h2SessionsOf(agent).length; // 1 after any number of requests to one origin
 */
export function h2SessionsOf(agent: object): H2ClientSession[] {
  return pools.get(agent)?.sessions ?? [];
}

/**
 * The open HTTP/2 session the agent holds for the origin these request options name, if any
 * (the WebSocket client's RFC 8441 path: src/ws/client.ts).
 *
 * @example
 * h2SessionFor(agent, { host: '127.0.0.1', port: 8080 }); // H2ClientSession | undefined
 */
export function h2SessionFor(agent: object, options: Record<string, unknown>): H2ClientSession | undefined {
  const pool = pools.get(agent);
  return pool === undefined ? undefined : pool.pick((agent as H2Agent).getName(options));
}

/** Agent#destroy: every HTTP/2 session goes too. */
export function destroyH2Sessions(agent: object): void {
  pools.get(agent)?.destroy();
}

/**
 * Whether the Agent options ask for HTTP/2 (read once by the Agent).
 *
 * @example
 * wantsH2({ allowHTTP2: true }); // true
 */
export function wantsH2(options: Record<string, unknown> | undefined): boolean {
  return options !== undefined && (options.allowHTTP2 === true || options.http2PriorKnowledge === true);
}

/**
 * Agent hook: takes `req` onto HTTP/2 when the agent allows it and the origin is not known to
 * speak only HTTP/1.1. False: the caller goes on with HTTP/1.1.
 */
export function h2AddRequest(agent: H2Agent, req: H2Request, options: Record<string, unknown>): boolean {
  const o = agent.options;
  const tls = agent.protocol === 'https:';
  if (tls ? o.allowHTTP2 !== true : o.http2PriorKnowledge !== true) return false;
  // RFC 9113 §8.5 / §8.6: CONNECT and Upgrade belong to HTTP/1.1 here.
  if (req.method === 'CONNECT' || req.getHeader('upgrade') !== undefined) return false;
  if (options.socketPath) return false;
  // The pool is the agent's own: the agent's options are the same for every key, the request's
  // (host, port, TLS options) name the origin.
  const key = agent.getName(options);
  const pool = poolOf(agent);
  if (pool.isH1(key)) return false;
  const ex = new H2RequestExchange(agent, req, options, key, tls);
  req._trama.h2 = ex;
  const session = pool.pick(key);
  if (session !== undefined) ex.bind(session, true);
  else ex.acquire();
  return true;
}

function requestError(req: H2Request, err: Error): void {
  if (onRequestErrorChannel.hasSubscribers) onRequestErrorChannel.publish({ request: req, error: err });
  req.emit('error', err);
}

function connReset(msg: string): Error {
  const err = new Error(msg) as Error & { code: string };
  err.code = 'ECONNRESET';
  return err;
}

/** node:http2's stream error for a reset: `Stream closed with error code NGHTTP2_…`. */
function streamError(code: number): Error {
  return nodeError(Error, 'ERR_HTTP2_STREAM_ERROR', `Stream closed with error code NGHTTP2_${errorCodeName(code)}`);
}

function flatHeaders(fields: H2Headers): string[] {
  const raw: string[] = [];
  for (let i = 0; i < fields.length; i++) {
    const f = fields[i]!;
    if (f[0].charCodeAt(0) !== 58 /* : */) raw.push(f[0], f[1]);
  }
  return raw;
}

function statusOf(fields: H2Headers): number {
  for (let i = 0; i < fields.length; i++) if (fields[i]![0] === ':status') return Number(fields[i]![1]);
  return 0;
}

/** An IncomingMessage for an HTTP/2 response head. */
function h2Response(socket: Socket | null, fields: H2Headers): IncomingMessageBase {
  const res = new IncomingMessage(socket);
  res.httpVersionMajor = 2;
  res.httpVersionMinor = 0;
  res.httpVersion = '2.0';
  res.statusCode = statusOf(fields);
  res.statusMessage = '';
  res.rawHeaders = flatHeaders(fields);
  return res;
}

/**
 * Feeds an IncomingMessage from a stream, with credit on consume: the window goes back to the
 * server only for bytes that left the message's buffer.
 */
class ResponseBody implements BodySource {
  readonly stream: H2ClientStream;
  readonly res: IncomingMessageBase;
  #pushed = 0;
  #acked = 0;
  #timer: NodeJS.Timeout | null = null;

  constructor(stream: H2ClientStream, res: IncomingMessageBase) {
    this.stream = stream;
    this.res = res;
    res[kBodySource] = this;
    stream.on('data', (chunk: Buffer) => {
      if (this.#timer !== null) this.#timer.refresh();
      this.#pushed += chunk.length;
      res.push(chunk);
      this.#credit();
    });
    stream.on('trailers', (fields: H2Headers) => {
      res.rawTrailers = flatHeaders(fields);
    });
    stream.on('end', () => {
      this.#stopTimer();
      res.complete = true;
      res.push(null);
    });
  }

  #credit(): void {
    const res = this.res;
    const buffered = res.destroyed ? 0 : res.readableLength;
    const consumed = this.#pushed - buffered - this.#acked;
    if (consumed > 0) {
      this.#acked += consumed;
      this.stream.consumed(consumed);
    }
  }

  resumeBody(msg: unknown): void {
    this.#credit();
    // More bytes come only after we credit, and we credit on _read: let every read() ask again.
    const rs = (msg as { _readableState?: { reading: boolean } })._readableState;
    if (rs !== undefined) rs.reading = false;
  }

  abortBody(): void {
    this.#stopTimer();
    if (!this.stream.closed) this.stream.close(ErrorCode.CANCEL);
  }

  setStreamTimeout(msecs: number): void {
    this.#stopTimer();
    if (msecs > 0 && !this.stream.closed) {
      this.#timer = setTimeout(() => {
        this.#timer = null;
        this.res.emit('timeout');
      }, msecs);
      this.#timer.unref();
    }
  }

  #stopTimer(): void {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
  }
}

/** What `'push'` gives as the pushed request. */
export interface PushedRequest {
  method: string;
  path: string;
  authority: string;
  scheme: string;
  headers: Record<string, string | string[] | undefined>;
  rawHeaders: string[];
}

/** One ClientRequest carried by an HTTP/2 stream: the request's sink and its response's source. */
export class H2RequestExchange implements OutgoingSink {
  readonly agent: H2Agent;
  readonly req: H2Request;
  readonly key: string;
  readonly tls: boolean;
  #options: Record<string, unknown>;
  session: H2ClientSession | null = null;
  stream: H2ClientStream | null = null;
  /** The parser reading the request back, taken at the first byte, returned once the message is read. */
  #slot: ParserSlot | null = null;
  /** Bytes written while no session is bound (waiting for a connection or a retry). */
  #held: Buffer[] | null = [];
  /** Every byte the request wrote, for a replay (null once over the limit). */
  #recorded: Buffer[] | null = [];
  #recordedBytes = 0;
  #replayLimit: number;
  /** Replays for streams the server never processed (refused, above a GOAWAY, session gone first). */
  #refusedReplays = 0;
  /** The one replay of an idempotent request whose session died under it. */
  #deadReplayed = false;
  #done = false;
  #finishing: FinishableMessage | null = null;
  #messageComplete = false;
  #body: ResponseBody | null = null;
  #timer: NodeJS.Timeout | null = null;
  #timeoutMs = 0;

  constructor(agent: H2Agent, req: H2Request, options: Record<string, unknown>, key: string, tls: boolean) {
    this.agent = agent;
    this.req = req;
    this.#options = options;
    this.key = key;
    this.tls = tls;
    const limit = agent.options.maxReplayBytes;
    this.#replayLimit = typeof limit === 'number' ? limit : MAX_REPLAY_BYTES;
  }

  /** @internal the parser read the request head. */
  parsedHead(head: H1Head): void {
    this.#open(head);
  }
  /** @internal a piece of de-framed request body. */
  parsedBody(chunk: Buffer): void {
    this.stream?.write(chunk);
  }
  /** @internal the request message is complete (trailers, if any). */
  parsedEnd(trailers: string[] | null): void {
    this.#messageComplete = true;
    this.#end(trailers);
  }

  // ---- session ----

  /** Finds or opens the origin's session, then binds to it. */
  acquire(): void {
    const pool = poolOf(this.agent);
    const now = pool.pick(this.key);
    if (now !== undefined) {
      this.bind(now, false);
      return;
    }
    // node's per-connection options: the request's, overridden by the agent's.
    const o: Record<string, unknown> = { __proto__: null, ...this.#options, ...this.agent.options };
    const host = String(o.host ?? 'localhost');
    const open = (): import('node:stream').Duplex => {
      const connect: Record<string, unknown> = { ...o };
      if (this.tls) connect.ALPNProtocols = ['h2', 'http/1.1'];
      if (this.agent.dnsCache !== null && connect.lookup === undefined) connect.lookup = this.agent.dnsCache.lookup;
      // The request path is not a connection option (net would read `path` as an IPC path).
      delete connect.path;
      if (this.tls && connect.servername === undefined) {
        const sni = sniOf(this.req, host);
        if (sni !== '') connect.servername = sni;
      }
      return this.agent.createConnection(connect) as import('node:stream').Duplex;
    };
    pool.connect(this.key, open, this.tls, signatureOf(o), host, (err, outcome) => {
      if (this.#done) return;
      if (err !== null) {
        this.#fail(err);
        return;
      }
      if ('h1' in outcome!) {
        // ALPN chose HTTP/1.1: this request goes the HTTP/1.1 way (the pool remembers the origin).
        this.#toH1();
        return;
      }
      this.bind(outcome!.session, false);
    });
  }

  /** The request's sink is this exchange, writing to `session`. */
  bind(session: H2ClientSession, sync: boolean): void {
    const req = this.req;
    this.session = session;
    const first = req.socket === null;
    // A stream on a session that was already open: node's "reused socket" (no connect, no handshake).
    if (sync) (req as unknown as { reusedSocket: boolean }).reusedSocket = true;
    req.socket = session.socket as unknown as Socket;
    const held = this.#held;
    this.#held = null;
    if (first) {
      process.nextTick(emitSocket, this);
      req._attachSink(this);
    }
    if (held !== null) for (const b of held) this.#feed(b);
    if (!sync && first) {
      if (req.destroyed) return;
      if (req.finished) req._finishAfterAttach();
    }
  }

  #toH1(): void {
    const req = this.req;
    req._trama.h2 = null;
    this.#done = true;
    this.agent.addRequest(req, this.#options);
  }

  // ---- OutgoingSink ----

  write(data: string | Uint8Array, encoding?: BufferEncoding | null, cb?: (err?: Error | null) => void): boolean {
    const buf = typeof data === 'string' ? Buffer.from(data, encoding ?? 'utf8') : Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    if (this.#done) {
      if (cb) process.nextTick(cb, this.req._trama.error ?? null);
      return false;
    }
    if (buf.length > 0 && this.#recorded !== null) {
      this.#recordedBytes += buf.length;
      if (this.#recordedBytes > this.#replayLimit) this.#recorded = null;
      else this.#recorded.push(buf);
    }
    if (this.#held !== null) {
      this.#held.push(buf);
      if (cb) process.nextTick(cb);
      return true;
    }
    this.#feed(buf);
    if (cb) {
      if (this.stream !== null) this.stream.flushed(cb);
      else process.nextTick(cb);
    }
    return this.stream === null || (this.stream.bufferedAmount < SINK_HWM && !this.session!.congested);
  }

  #feed(buf: Buffer): void {
    if (buf.length === 0 || this.#done) return;
    const slot = (this.#slot ??= takeSlot(this));
    const parser = slot.parser;
    const n = parser.execute(buf);
    const err = parser.error;
    if (err !== null || n < buf.length) {
      this.#releaseParser();
      this.#destroy(err ?? nodeError(Error, 'ERR_HTTP2_INVALID_HEADERS', 'the request cannot be sent over HTTP/2'));
    } else if (this.#messageComplete) this.#releaseParser();
  }

  #releaseParser(): void {
    const slot = this.#slot;
    if (slot === null) return;
    this.#slot = null;
    releaseSlot(slot);
  }

  cork(): void {}
  uncork(): void {}
  get writableLength(): number {
    return this.stream?.bufferedAmount ?? 0;
  }
  get writableHighWaterMark(): number {
    return SINK_HWM;
  }
  get writableCorked(): number {
    return 0;
  }
  get destroyed(): boolean {
    return this.#done;
  }

  finishMessage(msg: FinishableMessage): void {
    this.#finishing = msg;
    if (this.#messageComplete && this.stream !== null && this.stream.endSent) this.stream.flushed(() => this.#finished());
  }

  #finished(): void {
    const msg = this.#finishing;
    if (msg === null || this.req.destroyed && this.#done) return;
    this.#finishing = null;
    msg._onSinkFinished();
  }

  // ---- the request head and body, as parsed ----

  #open(head: H1Head): void {
    const session = this.session!;
    const o = this.#options;
    let authority: string | null = null;
    const fields: Array<[string, string]> = [[':method', head.method], [':scheme', this.tls ? 'https' : 'http'], [':authority', ''], [':path', head.url]];
    const raw = head.rawHeaders;
    for (let i = 0; i < raw.length; i += 2) {
      const name = raw[i]!.toLowerCase();
      const value = raw[i + 1]!;
      if (name === 'host') {
        if (authority === null) authority = value;
        continue;
      }
      if (CONNECTION_SPECIFIC.has(name)) continue;
      if (name === 'te' && value.toLowerCase() !== 'trailers') continue;
      fields.push([name, value]);
    }
    if (authority === null) {
      const port = Number(o.port);
      const host = String(o.host ?? 'localhost');
      const h = host.includes(':') ? `[${host}]` : host;
      authority = port && port !== (this.tls ? 443 : 80) ? `${h}:${port}` : h;
    }
    fields[2]![1] = authority;
    const endStream = head.contentLength <= 0 && !head.chunked;
    let stream: H2ClientStream;
    try {
      stream = session.request(fields, { endStream });
    } catch (err) {
      const code = (err as { code?: string }).code;
      if ((code === 'ERR_HTTP2_GOAWAY_SESSION' || code === 'ERR_HTTP2_INVALID_SESSION') && this.#retry(true, true)) return;
      this.#destroy(err as Error);
      return;
    }
    this.stream = stream;
    this.#listen(stream);
  }

  #end(trailers: string[] | null): void {
    const stream = this.stream;
    if (stream === null) return;
    if (trailers !== null && trailers.length > 0) {
      const fields: Array<[string, string]> = [];
      for (let i = 0; i < trailers.length; i += 2) fields.push([trailers[i]!.toLowerCase(), trailers[i + 1]!]);
      stream.endWithTrailers(fields);
    } else stream.end();
    if (this.#finishing !== null) stream.flushed(() => this.#finished());
  }

  #listen(stream: H2ClientStream): void {
    const req = this.req;
    if (this.#timeoutMs > 0) this.#armTimer();
    stream.on('information', (fields: H2Headers) => {
      const status = statusOf(fields);
      if (status === 100) req.emit('continue');
      const tmp = h2Response(null, fields);
      req.emit('information', {
        statusCode: status,
        statusMessage: '',
        httpVersion: '2.0',
        httpVersionMajor: 2,
        httpVersionMinor: 0,
        headers: tmp.headers,
        rawHeaders: tmp.rawHeaders,
      });
    });
    stream.on('response', (fields: H2Headers) => this.#onResponse(stream, fields));
    stream.on('push', (pushed: H2ClientStream, headers: H2Headers) => this.#onPush(pushed, headers));
    stream.on('drain', () => {
      (req as unknown as { _onSinkDrain?: () => void })._onSinkDrain?.();
    });
    stream.on('close', (code: number) => this.#onClose(stream, code));
    // The request's timeout is an idle timeout (as node's socket one): response bytes restart it.
    stream.on('data', () => {
      if (this.#timer !== null) this.#timer.refresh();
    });
  }

  #onResponse(stream: H2ClientStream, fields: H2Headers): void {
    const req = this.req;
    this.#recorded = null;
    const res = h2Response(this.session!.socket as unknown as Socket, fields);
    this.#body = new ResponseBody(stream, res);
    req.res = res;
    (res as IncomingMessageBase & { req?: unknown }).req = req;
    res.on('end', () => this.#responseEnded());
    if (req.aborted || !req.emit('response', res)) res._dump();
  }

  #responseEnded(): void {
    // node: the request's 'close' after the response's 'end', on the next tick.
    process.nextTick(() => this.#close());
  }

  #onPush(pushed: H2ClientStream, headers: H2Headers): void {
    const req = this.req;
    if (req.listenerCount('push') === 0) {
      pushed.close(ErrorCode.CANCEL);
      return;
    }
    let method = 'GET';
    let path = '/';
    let authority = '';
    let scheme = this.tls ? 'https' : 'http';
    for (const [n, v] of headers) {
      if (n === ':method') method = v;
      else if (n === ':path') path = v;
      else if (n === ':authority') authority = v;
      else if (n === ':scheme') scheme = v;
    }
    const tmp = h2Response(null, headers);
    const pushedRequest: PushedRequest = { method, path, authority, scheme, headers: tmp.headers, rawHeaders: tmp.rawHeaders };
    pushed.on('response', (fields: H2Headers) => {
      const res = h2Response(this.session!.socket as unknown as Socket, fields);
      new ResponseBody(pushed, res);
      pushed.on('close', (code: number) => {
        if (!res.complete && !res.destroyed) res.destroy(code === 0 ? connReset('aborted') : streamError(code));
      });
      req.emit('push', pushedRequest, res);
    });
  }

  #onClose(stream: H2ClientStream, code: number): void {
    this.#stopTimer();
    if (this.#done || stream !== this.stream) return;
    const req = this.req;
    const res = req.res;
    if (res === null) {
      // Never answered: the server did not process it, or the session died under it.
      if (stream.refused && this.#retry(false, true)) return;
      if (stream.error !== null && IDEMPOTENT.has(req.method) && this.#retry(false, false)) return;
      this.#done = true;
      const err = stream.error ?? (code !== 0 ? streamError(code) : connReset('socket hang up'));
      if (!req.destroyed) requestError(req, err);
      this.#close();
      return;
    }
    if (!res.complete) {
      this.#done = true;
      res.destroy(stream.error ?? connReset('aborted'));
      this.#close();
    }
  }

  /** A replay on another session (failover); false when the bytes are not at hand or it was done. */
  #retry(sync: boolean, refused: boolean): boolean {
    const recorded = this.#recorded;
    if (recorded === null || this.req.destroyed) return false;
    if (refused) {
      // Never processed: safe for any method, but a server refusing every time must not loop.
      if (this.#refusedReplays >= MAX_REFUSED_REPLAYS) return false;
      this.#refusedReplays++;
    } else {
      if (this.#deadReplayed) return false;
      this.#deadReplayed = true;
    }
    const old = this.stream;
    this.stream = null;
    this.session = null;
    this.#messageComplete = false;
    this.#releaseParser();
    this.#held = [...recorded];
    if (old !== null) old.removeAllListeners();
    if (sync) process.nextTick(() => this.acquire());
    else this.acquire();
    return true;
  }

  #fail(err: Error): void {
    const req = this.req;
    this.#done = true;
    req._trama.h2 = null;
    // The pool protocol's own error path: 'error' then 'close', as a failed connect over HTTP/1.1.
    req.onSocket(undefined, err);
  }

  #close(): void {
    const req = this.req;
    this.#done = true;
    // Never inside the parser's execute: #close runs from events and ticks.
    this.#releaseParser();
    if (req._closed) return;
    req.destroyed = true;
    req._closed = true;
    req._trama.signalCleanup?.();
    req.emit('close');
  }

  /** ClientRequest#destroy over HTTP/2: reset this stream only; the session serves the others. */
  destroyRequest(err: Error | null | undefined): void {
    const req = this.req;
    const stream = this.stream;
    const res = req.res;
    const wasDone = this.#done;
    this.#done = true;
    this.#stopTimer();
    if (stream !== null && !stream.closed) stream.close(ErrorCode.CANCEL);
    if (wasDone && req._closed) return;
    process.nextTick(() => {
      if (res !== null) {
        if (!res.complete && !res.destroyed) res.destroy(connReset('aborted'));
        if (err) requestError(req, err);
      } else {
        const e = err ?? (req.aborted ? null : connReset('socket hang up'));
        if (e) requestError(req, e);
      }
      this.#close();
    });
  }

  #destroy(err: Error): void {
    const req = this.req as unknown as { destroy(err?: Error): unknown };
    req.destroy(err);
  }

  // ---- timeouts: the request's own timer, not the shared socket's ----

  setTimeout(msecs: number): void {
    this.#timeoutMs = msecs;
    this.#stopTimer();
    if (msecs > 0 && this.stream !== null && !this.#done) this.#armTimer();
  }

  #armTimer(): void {
    this.#timer = setTimeout(() => {
      this.#timer = null;
      this.req.emit('timeout');
    }, this.#timeoutMs);
    this.#timer.unref();
  }

  #stopTimer(): void {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
  }
}

/**
 * Request parsers are reused: building one costs more than the head it reads. A request holds one
 * from its first byte to its last; at most `PARSER_POOL_MAX` idle ones are kept (enough for the
 * requests one tick of a busy client writes; more would only hold memory).
 */
const PARSER_POOL_MAX = 64;
interface ParserSlot {
  parser: H1Parser;
  ex: H2RequestExchange | null;
}
const freeSlots: ParserSlot[] = [];

function takeSlot(ex: H2RequestExchange): ParserSlot {
  let slot = freeSlots.pop();
  if (slot === undefined) {
    const s: ParserSlot = { parser: null as unknown as H1Parser, ex: null };
    s.parser = new H1Parser({ role: 'request', requireHost: false, maxHeaderSize: MAX_REQUEST_HEAD }, {
      onHeadersComplete: (head) => {
        s.ex?.parsedHead(head);
      },
      onBody: (chunk) => {
        s.ex?.parsedBody(chunk);
      },
      onMessageComplete: (trailers) => {
        s.ex?.parsedEnd(trailers);
      },
    });
    slot = s;
  }
  slot.ex = ex;
  return slot;
}

function releaseSlot(slot: ParserSlot): void {
  slot.ex = null;
  slot.parser.reset();
  if (freeSlots.length < PARSER_POOL_MAX) freeSlots.push(slot);
}

function emitSocket(ex: H2RequestExchange): void {
  const req = ex.req;
  if (req.destroyed && req._closed) return;
  req.emit('socket', req.socket);
  const t = req.timeout;
  if (t !== undefined && t > 0) ex.setTimeout(t);
  const calls = req._trama.socketCalls;
  if (calls !== null) for (const [m, args] of calls) if (m === 'setTimeout') ex.setTimeout(args[0] as number);
}

/** SNI from the Host header (or the host option); never an IP literal (RFC 6066 §3). */
function sniOf(req: H2Request, host: string): string {
  let name = host;
  const h = req.getHeader('host');
  if (typeof h === 'string' && h !== '') name = h.startsWith('[') ? h.slice(1, h.indexOf(']')) : h.split(':', 1)[0]!;
  return /^[\d.]+$/.test(name) || name.includes(':') ? '' : name;
}

/** What must match for two origins to share a session besides the host (RFC 9113 §9.1.1). */
function signatureOf(o: Record<string, unknown>): string {
  let sig = String(o.port ?? '');
  for (const k of ['ca', 'cert', 'key', 'pfx', 'rejectUnauthorized', 'ciphers', 'minVersion', 'maxVersion', 'localAddress', 'family']) {
    sig += '|' + (o[k] === undefined ? '' : String(o[k]));
  }
  return sig;
}
