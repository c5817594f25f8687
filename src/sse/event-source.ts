/**
 * `EventSource`: the WHATWG interface (HTML §9.2 "Server-sent events") for Node, as an
 * `EventTarget`, on top of an HTTP client.
 *
 * Processing model (WHATWG §9.2.2-9.2.4), as states:
 *
 *   CONNECTING ──200 + text/event-stream──► OPEN ──EOF / network error──► CONNECTING (after delay)
 *       │  ▲                                  │
 *       │  └──network error (after delay)─────┘
 *       └──204 / other status / other type / too many redirects / buffer overflow──► CLOSED
 *   close() from any state ──► CLOSED (no event)
 *
 * Decisions, and why:
 * - The HTTP client is a dependency: a function with node's `http.request(url, options, cb)`
 *   signature (option `request`). The default is trama's own client
 *   (`request` from `http/client-request.ts`); tests also inject node:http's.
 * - Reconnection waits the reconnection time (3 s, or the server's `retry`), multiplied by
 *   `backoffFactor` for each consecutive failure up to `maxReconnectionTime`, plus up to
 *   `jitter` of it at random, the first wait included: thousands of clients dropped together
 *   (a server restart) do not all return at the same instant. Jitter only adds (WHATWG §9.2.3:
 *   "optionally, wait some more"), so the server's `retry` is a floor: no client comes back
 *   sooner than it asked. A successful open resets the count.
 * - Redirects (301/302/303/307/308) are followed up to `maxRedirects` (fetch's limit is 20); the
 *   MessageEvent `origin` is the final URL's. Like fetch, `Authorization` is dropped when a
 *   redirect leaves the origin. Each reconnection starts again from the original URL (spec).
 * - `Last-Event-ID` is sent as the id's UTF-8 bytes (browsers do the same); ids can hold neither
 *   CR/LF (the parser splits lines there) nor NULL (the parser ignores such ids).
 * - A stream that overflows the parser's buffer limit fails the connection (CLOSED + error):
 *   reconnecting would most likely fetch the same oversized event again.
 * - `heartbeatTimeout` (beyond the standard): if no byte arrives for that long, while waiting for
 *   the response or while open, the request is aborted and the source reconnects. Servers that
 *   send keep-alive comments more often than this are never cut.
 * - `error` events are plain-`Event`-compatible but carry `error` (a TramaError with a `code`)
 *   and `status` where known; the standard's event has neither, so code written for browsers
 *   works unchanged.
 * - `close()` aborts the request and clears every timer: nothing keeps running.
 */
import type * as nodeHttp from 'node:http';
import type * as nodeHttps from 'node:https';
import { request } from '../http/client-request.js';
import { Agent, HttpsAgent } from '../http/agent.js';
import type { RequestOptions } from '../http/client-request.js';
import type { IncomingMessage } from '../http/incoming-message.js';
import { createEventStreamParser, DEFAULT_MAX_BUFFER_SIZE } from '../wire/sse/parser.js';
import type { EventStreamParser } from '../wire/sse/parser.js';
import { TramaError, nodeError } from '../wire/shared/errors.js';
import { USER_AGENT } from '../version.js';

/** The reconnection time before any `retry` field (WHATWG: "a user-agent-defined value"; browsers use ~3 s). */
export const DEFAULT_RECONNECTION_TIME = 3000;
/** Upper bound of the backoff: a dead server is retried at least twice a minute. */
export const DEFAULT_MAX_RECONNECTION_TIME = 30_000;
/** Each consecutive failure multiplies the wait by this. */
export const DEFAULT_BACKOFF_FACTOR = 2;
/** Up to this fraction of each wait is added at random. */
export const DEFAULT_JITTER = 0.25;
/** fetch's redirect limit (WHATWG Fetch §4.4 step 6: more than 20 is a network error). */
export const DEFAULT_MAX_REDIRECTS = 20;

/** The longest delay setTimeout honours (about 24.8 days); longer ones fire after 1 ms. */
const MAX_TIMER_DELAY = 2 ** 31 - 1;

const CONNECTING = 0;
const OPEN = 1;
const CLOSED = 2;

/** The response shape EventSource reads: a node:http `IncomingMessage`, or trama's. */
export interface EventSourceResponse {
  readonly statusCode?: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  on(event: 'data', listener: (chunk: Uint8Array) => void): unknown;
  on(event: 'end' | 'close', listener: () => void): unknown;
  on(event: 'error', listener: (err: Error) => void): unknown;
  resume(): unknown;
  destroy(error?: Error): unknown;
}

/** The request shape EventSource drives: a node:http `ClientRequest`, or trama's. */
export interface EventSourceRequest {
  on(event: 'error', listener: (err: Error) => void): unknown;
  end(): unknown;
  destroy(error?: Error): unknown;
}

/** Options handed to the request function. */
export interface EventSourceRequestOptions {
  method: 'GET';
  headers: Record<string, string>;
  agent?: unknown;
}

/** node's `http.request(url, options, callback)` signature, as EventSource uses it. */
export type EventSourceRequestFunction = (
  url: URL,
  options: EventSourceRequestOptions,
  callback: (res: EventSourceResponse) => void,
) => EventSourceRequest;

/** The standard's dictionary plus trama's options. */
export interface EventSourceInit {
  /** WHATWG: reflected by `withCredentials`. Node has no cookie jar, so it changes nothing else. */
  withCredentials?: boolean;
  /** Extra request headers (e.g. `Authorization`, `User-Agent`: default `trama/VERSION`); `Accept` and `Last-Event-ID` are EventSource's. */
  headers?: Record<string, string>;
  /** The last event ID to start with (sent as `Last-Event-ID` on the first request). */
  lastEventId?: string;
  /** Reconnection time before any `retry` field, ms (default {@link DEFAULT_RECONNECTION_TIME}). */
  reconnectionTime?: number;
  /** Cap on the backoff, ms (default {@link DEFAULT_MAX_RECONNECTION_TIME}). */
  maxReconnectionTime?: number;
  /** Multiplier per consecutive failure; 1 disables backoff (default {@link DEFAULT_BACKOFF_FACTOR}). */
  backoffFactor?: number;
  /** Fraction (0-1) of each wait added at random (default {@link DEFAULT_JITTER}). */
  jitter?: number;
  /** Reconnect when no byte arrived for this many ms; 0 disables (default 0). */
  heartbeatTimeout?: number;
  /** Redirects followed per connection (default {@link DEFAULT_MAX_REDIRECTS}). */
  maxRedirects?: number;
  /** Parser buffer bound in UTF-16 code units (default {@link DEFAULT_MAX_BUFFER_SIZE}). */
  maxBufferSize?: number;
  /** The Agent to connect with (trama's or node's), passed through to the request function. */
  agent?: unknown;
  /**
   * Over HTTP/2 (when no `agent` is given): trama's shared HTTP/2 agents — ALPN `h2` on `https:`,
   * prior knowledge on `http:` — so every EventSource to one origin shares one session
   * (docs/h2-client.md). Default false.
   */
  http2?: boolean;
  /**
   * The HTTP client, with node's `http.request(url, options, callback)` signature: trama's
   * `request` (the default), node's `http.request` / `https.request`, or any function of that shape.
   */
  request?: EventSourceRequestFunction | typeof request | typeof nodeHttp.request | typeof nodeHttps.request;
}

/** The `error` event: an `Event` (as the standard fires) with the cause attached. */
export class EventSourceErrorEvent extends Event {
  /** Why: `ERR_SSE_NETWORK`, `ERR_SSE_CONNECTION_LOST`, `ERR_SSE_BAD_STATUS`, `ERR_SSE_BAD_CONTENT_TYPE`, … */
  readonly error: TramaError;
  /** The HTTP status, when a response caused it. */
  readonly status: number | undefined;
  constructor(error: TramaError, status?: number) {
    super('error');
    this.error = error;
    this.status = status;
  }
}

type Handler = ((this: EventSource, ev: Event) => unknown) | null;

function checkTime(name: string, value: number | undefined, fallback: number, min = 0): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min) {
    throw nodeError(RangeError, 'ERR_OUT_OF_RANGE', `The "${name}" option must be a finite number >= ${min}. Received ${String(value)}`);
  }
  return value;
}

// trama's own client; it takes https: URLs directly (TLS pool) as well as http:.
function defaultRequest(url: URL, options: EventSourceRequestOptions, callback: (res: EventSourceResponse) => void): EventSourceRequest {
  return request(url, options as RequestOptions, callback as (res: IncomingMessage) => void);
}

let h2Agents: { http: Agent; https: HttpsAgent } | null = null;

/** The HTTP/2 agents every `http2: true` EventSource shares: one session per origin among them. */
function sharedH2Agent(protocol: string): Agent {
  h2Agents ??= { http: new Agent({ http2PriorKnowledge: true }), https: new HttpsAgent({ allowHTTP2: true }) };
  return protocol === 'https:' ? h2Agents.https : h2Agents.http;
}

function headerValue(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

function isEventStream(contentType: string | undefined): boolean {
  if (contentType === undefined) return false;
  const semi = contentType.indexOf(';');
  const essence = (semi === -1 ? contentType : contentType.slice(0, semi)).trim().toLowerCase();
  return essence === 'text/event-stream';
}

/** UTF-8 bytes as a latin1 string: the header value carries the id's bytes unchanged. */
function idToHeader(id: string): string {
  for (let i = 0; i < id.length; i++) {
    if (id.charCodeAt(i) > 0x7f) return Buffer.from(id, 'utf8').toString('latin1');
  }
  return id;
}

/**
 * The WHATWG `EventSource`, for Node.
 *
 * @example
 * const es = new EventSource('http://127.0.0.1:8080/events', {
 *   headers: { authorization: 'Bearer …' },
 *   heartbeatTimeout: 45_000,
 * });
 * es.onmessage = (e) => console.log(e.data, e.lastEventId);
 * es.addEventListener('price', (e) => console.log((e as MessageEvent).data));
 * es.onerror = () => console.log('lost; readyState =', es.readyState);
 * // later
 * es.close();
 */
export class EventSource extends EventTarget {
  static readonly CONNECTING = CONNECTING;
  static readonly OPEN = OPEN;
  static readonly CLOSED = CLOSED;
  declare readonly CONNECTING: 0;
  declare readonly OPEN: 1;
  declare readonly CLOSED: 2;

  readonly #url: string;
  readonly #withCredentials: boolean;
  #readyState: 0 | 1 | 2 = CONNECTING;

  readonly #headers: Record<string, string>;
  readonly #request: EventSourceRequestFunction;
  readonly #agent: unknown;
  readonly #http2: boolean;
  readonly #maxReconnection: number;
  readonly #backoffFactor: number;
  readonly #jitter: number;
  readonly #heartbeatTimeout: number;
  readonly #maxRedirects: number;
  readonly #parser: EventStreamParser;

  #reconnectionTime: number;
  #failures = 0;
  #origin = '';
  #req: EventSourceRequest | undefined;
  #res: EventSourceResponse | undefined;
  #reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  #heartbeatTimer: ReturnType<typeof setTimeout> | undefined;
  readonly #handlers = new Map<string, { handler: Handler; listener: (ev: Event) => void }>();

  constructor(url: string | URL, init: EventSourceInit = {}) {
    super();
    let parsed: URL;
    try {
      parsed = new URL(String(url));
    } catch {
      throw new DOMException(`Failed to construct 'EventSource': The URL '${String(url)}' is invalid.`, 'SyntaxError');
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
      throw new DOMException(`Failed to construct 'EventSource': The URL's scheme must be http or https ('${parsed.protocol}').`, 'SyntaxError');
    }
    this.#url = parsed.href;
    this.#withCredentials = init.withCredentials === true;

    this.#headers = {};
    for (const [k, v] of Object.entries(init.headers ?? {})) {
      const name = k.toLowerCase();
      // These two belong to EventSource (WHATWG §9.2.2 / reconnection).
      if (name !== 'accept' && name !== 'last-event-id') this.#headers[name] = String(v);
    }
    // The accepted clients differ only in their option and response types, which EventSource
    // reads structurally (EventSourceRequestOptions / EventSourceResponse).
    this.#request = (init.request ?? defaultRequest) as EventSourceRequestFunction;
    this.#agent = init.agent;
    this.#http2 = init.http2 === true;
    this.#reconnectionTime = checkTime('reconnectionTime', init.reconnectionTime, DEFAULT_RECONNECTION_TIME);
    this.#maxReconnection = checkTime('maxReconnectionTime', init.maxReconnectionTime, DEFAULT_MAX_RECONNECTION_TIME);
    this.#backoffFactor = checkTime('backoffFactor', init.backoffFactor, DEFAULT_BACKOFF_FACTOR, 1);
    this.#jitter = checkTime('jitter', init.jitter, DEFAULT_JITTER);
    if (this.#jitter > 1) throw nodeError(RangeError, 'ERR_OUT_OF_RANGE', `The "jitter" option must be between 0 and 1. Received ${this.#jitter}`);
    this.#heartbeatTimeout = checkTime('heartbeatTimeout', init.heartbeatTimeout, 0);
    this.#maxRedirects = checkTime('maxRedirects', init.maxRedirects, DEFAULT_MAX_REDIRECTS);

    const lastEventId = init.lastEventId ?? '';
    if (/[\r\n\0]/.test(lastEventId)) {
      throw nodeError(TypeError, 'ERR_INVALID_CHAR', 'Invalid character (CR, LF or NULL) in the "lastEventId" option');
    }
    this.#parser = createEventStreamParser({
      lastEventId,
      maxBufferSize: init.maxBufferSize ?? DEFAULT_MAX_BUFFER_SIZE,
      onEvent: (e) => {
        if (this.#readyState !== OPEN) return;
        this.dispatchEvent(new MessageEvent(e.type, { data: e.data, origin: this.#origin, lastEventId: e.lastEventId }));
      },
      onRetry: (ms) => {
        this.#reconnectionTime = ms;
      },
      onError: (err) => this.#fail(err),
    });
    // Start once the constructor's caller has had a chance to attach handlers.
    process.nextTick(() => this.#connect());
  }

  /** The URL given to the constructor, resolved (the original one, even after redirects). */
  get url(): string {
    return this.#url;
  }
  get withCredentials(): boolean {
    return this.#withCredentials;
  }
  get readyState(): 0 | 1 | 2 {
    return this.#readyState;
  }
  /** trama: the last event ID that will be sent as `Last-Event-ID` on reconnection. */
  get lastEventId(): string {
    return this.#parser.lastEventId;
  }

  get onopen(): Handler {
    return this.#getHandler('open');
  }
  set onopen(h: Handler) {
    this.#setHandler('open', h);
  }
  get onmessage(): Handler {
    return this.#getHandler('message');
  }
  set onmessage(h: Handler) {
    this.#setHandler('message', h);
  }
  get onerror(): Handler {
    return this.#getHandler('error');
  }
  set onerror(h: Handler) {
    this.#setHandler('error', h);
  }

  /** Abort the connection (or the wait before the next one) and stop for good: no more events. */
  close(): void {
    this.#readyState = CLOSED;
    this.#teardown();
  }

  // An event handler attribute keeps its place in the listener order while it is replaced
  // (HTML §8.1.8.1); setting null removes it.
  #getHandler(type: string): Handler {
    return this.#handlers.get(type)?.handler ?? null;
  }
  #setHandler(type: string, h: Handler): void {
    const entry = this.#handlers.get(type);
    const handler = typeof h === 'function' ? h : null;
    if (handler === null) {
      if (entry !== undefined) {
        this.removeEventListener(type, entry.listener);
        this.#handlers.delete(type);
      }
      return;
    }
    if (entry !== undefined) {
      entry.handler = handler;
      return;
    }
    const slot = { handler, listener: (ev: Event): void => void slot.handler?.call(this, ev) };
    this.#handlers.set(type, slot);
    this.addEventListener(type, slot.listener);
  }

  #teardown(): void {
    if (this.#reconnectTimer !== undefined) clearTimeout(this.#reconnectTimer);
    if (this.#heartbeatTimer !== undefined) clearTimeout(this.#heartbeatTimer);
    this.#reconnectTimer = undefined;
    this.#heartbeatTimer = undefined;
    const req = this.#req;
    const res = this.#res;
    this.#req = undefined;
    this.#res = undefined;
    res?.destroy();
    req?.destroy();
  }

  #connect(): void {
    this.#reconnectTimer = undefined;
    if (this.#readyState !== CONNECTING) return;
    this.#fetch(new URL(this.#url), 0, this.#headers);
  }

  #fetch(url: URL, redirects: number, extraHeaders: Record<string, string>): void {
    // WHATWG §9.2.2: the request's cache mode is "no-store", which Fetch §4.5 (HTTP-network-or-cache
    // fetch) turns into `Pragma: no-cache` and `Cache-Control: no-cache` unless already present
    // (what browsers send). A User-Agent as browsers send one (servers log and sometimes route on
    // it); `headers: { 'user-agent': … }` replaces it.
    const headers: Record<string, string> = { pragma: 'no-cache', 'cache-control': 'no-cache', 'user-agent': USER_AGENT, ...extraHeaders, accept: 'text/event-stream' };
    const id = this.#parser.lastEventId;
    if (id !== '') headers['last-event-id'] = idToHeader(id);
    const options: EventSourceRequestOptions = { method: 'GET', headers };
    if (this.#agent !== undefined) options.agent = this.#agent;
    else if (this.#http2) options.agent = sharedH2Agent(url.protocol);
    let req: EventSourceRequest;
    try {
      req = this.#request(url, options, (res) => this.#onResponse(req, res, url, redirects, extraHeaders));
    } catch (err) {
      // The client refused the request outright (bad agent, bad header): not a transient failure.
      this.#fail(new TramaError('ERR_SSE_REQUEST', `the request could not be made: ${(err as Error).message}`, { cause: err }));
      return;
    }
    this.#req = req;
    req.on('error', (err) => {
      if (req !== this.#req) return;
      this.#reestablish(new TramaError('ERR_SSE_NETWORK', `network error: ${err.message}`, { cause: err }));
    });
    this.#armHeartbeat();
    req.end();
  }

  #armHeartbeat(): void {
    if (this.#heartbeatTimeout <= 0) return;
    if (this.#heartbeatTimer !== undefined) {
      this.#heartbeatTimer.refresh();
      return;
    }
    this.#heartbeatTimer = setTimeout(() => {
      this.#heartbeatTimer = undefined;
      this.#reestablish(new TramaError('ERR_SSE_HEARTBEAT_TIMEOUT', `no data for ${this.#heartbeatTimeout} ms`));
    }, this.#heartbeatTimeout);
  }

  #onResponse(req: EventSourceRequest, res: EventSourceResponse, url: URL, redirects: number, extraHeaders: Record<string, string>): void {
    if (req !== this.#req || this.#readyState === CLOSED) {
      res.destroy();
      return;
    }
    this.#res = res;
    const status = res.statusCode ?? 0;
    const location = headerValue(res.headers.location);
    if ((status === 301 || status === 302 || status === 303 || status === 307 || status === 308) && location !== undefined) {
      res.resume();
      let next: URL;
      try {
        next = new URL(location, url);
      } catch {
        this.#fail(new TramaError('ERR_SSE_BAD_REDIRECT', `invalid redirect location: ${location}`), status);
        return;
      }
      if (next.protocol !== 'http:' && next.protocol !== 'https:') {
        this.#fail(new TramaError('ERR_SSE_BAD_REDIRECT', `redirect to a non-HTTP URL: ${next.href}`), status);
        return;
      }
      if (redirects >= this.#maxRedirects) {
        this.#fail(new TramaError('ERR_SSE_TOO_MANY_REDIRECTS', `more than ${this.#maxRedirects} redirects`), status);
        return;
      }
      let headers = extraHeaders;
      if (next.origin !== url.origin && 'authorization' in headers) {
        // Fetch §4.4 step 13: credentials are not carried to another origin.
        headers = { ...headers };
        delete headers.authorization;
      }
      this.#req = undefined;
      this.#res = undefined;
      req.destroy();
      this.#fetch(next, redirects + 1, headers);
      return;
    }
    // WHATWG §9.2.2: anything but a 200 text/event-stream "fails the connection" (204 included).
    if (status !== 200) {
      this.#fail(new TramaError('ERR_SSE_BAD_STATUS', `unexpected status ${status}`), status);
      return;
    }
    const type = headerValue(res.headers['content-type']);
    if (!isEventStream(type)) {
      this.#fail(new TramaError('ERR_SSE_BAD_CONTENT_TYPE', `unexpected content type ${type ?? '(none)'}`), status);
      return;
    }
    // Announce the connection.
    this.#origin = url.origin;
    this.#failures = 0;
    this.#parser.reset();
    res.on('data', (chunk) => {
      if (res !== this.#res) return;
      if (this.#heartbeatTimer !== undefined) this.#heartbeatTimer.refresh();
      this.#parser.feed(chunk);
    });
    const ended = (): void => {
      if (res !== this.#res) return;
      this.#parser.end();
      this.#reestablish(new TramaError('ERR_SSE_CONNECTION_LOST', 'the event stream ended'));
    };
    res.on('end', ended);
    res.on('close', ended);
    res.on('error', ended);
    this.#readyState = OPEN;
    this.dispatchEvent(new Event('open'));
  }

  // WHATWG §9.2.3 "fail the connection": CLOSED, fire error, no reconnection.
  #fail(error: TramaError, status?: number): void {
    if (this.#readyState === CLOSED) return;
    this.#readyState = CLOSED;
    this.#teardown();
    this.dispatchEvent(new EventSourceErrorEvent(error, status));
  }

  // WHATWG §9.2.3 "reestablish the connection": CONNECTING, fire error, wait, fetch again.
  #reestablish(error: TramaError): void {
    if (this.#readyState === CLOSED) return;
    this.#teardown();
    this.#readyState = CONNECTING;
    this.dispatchEvent(new EventSourceErrorEvent(error));
    if (this.#readyState !== CONNECTING || this.#reconnectTimer !== undefined) return;
    this.#reconnectTimer = setTimeout(() => this.#connect(), this.#delay());
  }

  #delay(): number {
    const base = this.#reconnectionTime;
    // The cap bounds the backoff, not the server's own reconnection time.
    const backedOff = Math.max(base, Math.min(this.#maxReconnection, base * this.#backoffFactor ** this.#failures));
    this.#failures++;
    const wait = Math.round(backedOff * (1 + this.#jitter * Math.random()));
    // setTimeout turns anything above 2^31-1 ms into 1 ms: a huge `retry` must not mean "at once".
    return Math.min(wait, MAX_TIMER_DELAY);
  }
}

Object.defineProperties(EventSource.prototype, {
  CONNECTING: { value: CONNECTING, enumerable: true },
  OPEN: { value: OPEN, enumerable: true },
  CLOSED: { value: CLOSED, enumerable: true },
});
