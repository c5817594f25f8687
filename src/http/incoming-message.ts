/**
 * `IncomingMessage`: a received request (server side) or response (client side), a Readable of
 * the body, with node:http's members and duplicate-header rules.
 *
 * Design:
 * - `headers`, `headersDistinct`, `trailers`, `trailersDistinct` are built LAZILY from
 *   `rawHeaders`/`rawTrailers` on first read and cached (most handlers never read most of
 *   them); assigning them replaces the cache, as in node.
 * - The body source is protocol-neutral: whoever feeds the message (the h1 server driver, the h1
 *   client, later an h2 stream) pushes chunks with `push()`, and may set a {@link BodySource}
 *   to be told when the consumer wants more (`_read`) or gives up (`_destroy`).
 * - Callable on an existing object (`IncomingMessage.call(this, socket)`) and subclassable with
 *   `util.inherits`, like `OutgoingMessage` (same construction pattern, see there).
 */
import type { Socket } from 'node:net';
import { Readable, finished, getDefaultHighWaterMark } from 'node:stream';

const DEFAULT_HWM = getDefaultHighWaterMark(false);

export type { BodySource } from '../io/exchange.js';
import type { BodySource } from '../io/exchange.js';
import { adoptState } from './adopt-state.js';

export const kBodySource = Symbol('kBodySource');
const kHeaders = Symbol('kHeaders');
const kHeadersDistinct = Symbol('kHeadersDistinct');
const kTrailers = Symbol('kTrailers');
const kTrailersDistinct = Symbol('kTrailersDistinct');

export type IncomingHttpHeaders = Record<string, string | string[] | undefined>;

// node's grouping of field names for joining duplicates:
//  'drop'  – a single value is meaningful; later duplicates are ignored (unless joinDuplicateHeaders)
//  'array' – set-cookie: every value kept in an array
//  'semi'  – cookie: joined with '; ' (RFC 6265 §5.4)
//  'comma' – everything else: a list joined with ', ' (RFC 9110 §5.3)
const DROP = 0;
const ARRAY = 1;
const SEMI = 2;
const COMMA = 3;
const FIELD_KIND: ReadonlyMap<string, number> = new Map([
  ['content-type', DROP],
  ['content-length', DROP],
  ['user-agent', DROP],
  ['referer', DROP],
  ['host', DROP],
  ['authorization', DROP],
  ['proxy-authorization', DROP],
  ['if-modified-since', DROP],
  ['if-unmodified-since', DROP],
  ['from', DROP],
  ['location', DROP],
  ['max-forwards', DROP],
  ['retry-after', DROP],
  ['etag', DROP],
  ['last-modified', DROP],
  ['server', DROP],
  ['age', DROP],
  ['expires', DROP],
  ['set-cookie', ARRAY],
  ['cookie', SEMI],
]);

// Most requests repeat a few names in a few spellings: remember their lower-case form.
const LOWER_CACHE = new Map<string, string>();
const LOWER_CACHE_MAX = 512;
function lowerName(name: string): string {
  let lower = LOWER_CACHE.get(name);
  if (lower === undefined) {
    lower = name.toLowerCase();
    if (LOWER_CACHE.size < LOWER_CACHE_MAX) LOWER_CACHE.set(name, lower);
  }
  return lower;
}

function addLine(field: string, value: string, dest: IncomingHttpHeaders, joinDuplicates: boolean): void {
  const name = lowerName(field);
  const kind = FIELD_KIND.get(name) ?? COMMA;
  const prev = dest[name];
  if (kind === COMMA || kind === SEMI) {
    dest[name] = typeof prev === 'string' ? prev + (kind === COMMA ? ', ' : '; ') + value : value;
  } else if (kind === ARRAY) {
    if (prev !== undefined) (prev as string[]).push(value);
    else dest[name] = [value];
  } else if (prev === undefined) {
    dest[name] = value;
  } else if (joinDuplicates) {
    dest[name] = prev + ', ' + value;
  }
}

function buildHeaders(raw: readonly string[], joinDuplicates: boolean): IncomingHttpHeaders {
  const dest: IncomingHttpHeaders = {};
  for (let i = 0; i + 1 < raw.length; i += 2) addLine(raw[i]!, raw[i + 1]!, dest, joinDuplicates);
  return dest;
}

function buildDistinct(raw: readonly string[]): Record<string, string[]> {
  // node gives headersDistinct a null prototype (a field named like an Object method is safe).
  const dest = Object.create(null) as Record<string, string[]>;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = lowerName(raw[i]!);
    const list = dest[name];
    if (list === undefined) dest[name] = [raw[i + 1]!];
    else list.push(raw[i + 1]!);
  }
  return dest;
}

/**
 * node's parser hands fields to JavaScript in batches of this many (its C++ buffer holds 32 and
 * flushes when the 32nd field starts), and stops keeping batches once `maxHeaderPairs` entries
 * are kept: what `rawHeaders`/`rawTrailers` show past the limit depends on it.
 */
export const FIELD_BATCH = 31;

/**
 * The fields node exposes of `raw` (flat name/value list) under a limit of `maxEntries` list
 * entries (node's `maxHeaderPairs`, `maxHeadersCount << 1`; 0 or less: no limit): whole batches
 * of FIELD_BATCH fields are kept while fewer than `maxEntries` entries are kept. Framing has
 * already used every field (the parser saw them all); this only decides what is shown.
 *
 * @example
 * exposedFields(raw, 4); // a 5-field head keeps all 5 (one batch); 40 fields keep 31
 */
export function exposedFields(raw: string[], maxEntries: number): string[] {
  if (maxEntries <= 0 || raw.length <= maxEntries) return raw;
  const batch = FIELD_BATCH * 2;
  let kept = 0;
  while (kept < raw.length && kept < maxEntries) kept += batch;
  return kept >= raw.length ? raw : raw.slice(0, kept);
}

/**
 * Make `headers` and `headersDistinct` show only the first `entries` entries of `rawHeaders`, as
 * node's do under `maxHeadersCount` (its kHeadersCount). Built at once: this is the rare path.
 */
export function limitHeaderEntries(msg: IncomingMessageBase, entries: number): void {
  const counted = msg.rawHeaders.slice(0, entries);
  msg[kHeaders] = buildHeaders(counted, msg.joinDuplicateHeaders);
  msg[kHeadersDistinct] = buildDistinct(counted);
}

/** The methods and state of IncomingMessage (never constructed directly: use `IncomingMessage`). */
export class IncomingMessageBase extends Readable {
  declare socket: Socket | null;
  declare client: Socket | null;
  declare httpVersionMajor: number | null;
  declare httpVersionMinor: number | null;
  declare httpVersion: string | null;
  declare complete: boolean;
  declare rawHeaders: string[];
  declare rawTrailers: string[];
  declare joinDuplicateHeaders: boolean;
  declare aborted: boolean;
  declare upgrade: boolean | null;
  declare url: string;
  declare method: string | null;
  declare statusCode: number | null;
  declare statusMessage: string | null;
  declare _consuming: boolean;
  declare _dumped: boolean;
  declare [kBodySource]: BodySource | null;
  declare [kHeaders]: IncomingHttpHeaders | null;
  declare [kHeadersDistinct]: Record<string, string[]> | null;
  declare [kTrailers]: IncomingHttpHeaders | null;
  declare [kTrailersDistinct]: Record<string, string[]> | null;

  /** node's constructor body; every field assigned here, so V8 sizes the object once. */
  constructor(socket?: Socket | null) {
    const hwm = socket?.readableHighWaterMark;
    // Skip the options object when it would say the default (one allocation less per request).
    super(hwm !== undefined && hwm !== DEFAULT_HWM ? { highWaterMark: hwm } : undefined);
    // undefined, not null, when made without a socket (`new http.IncomingMessage()`), as node.
    this.socket = socket as Socket;
    this.httpVersionMajor = null;
    this.httpVersionMinor = null;
    this.httpVersion = null;
    this.complete = false;
    this.rawHeaders = [];
    this.rawTrailers = [];
    this.joinDuplicateHeaders = false;
    this.aborted = false;
    this.upgrade = null;
    this.url = '';
    this.method = null;
    this.statusCode = null;
    this.statusMessage = null;
    this.client = socket ?? null;
    this._consuming = false;
    this._dumped = false;
    this[kBodySource] = null;
    this[kHeaders] = null;
    this[kHeadersDistinct] = null;
    this[kTrailers] = null;
    this[kTrailersDistinct] = null;
  }

  get connection(): Socket | null {
    return this.socket;
  }
  set connection(v: Socket | null) {
    this.socket = v;
  }

  /** Header fields by lower-cased name, duplicates joined by node's rules (built on first read). */
  get headers(): IncomingHttpHeaders {
    let h = this[kHeaders];
    if (h === null) this[kHeaders] = h = buildHeaders(this.rawHeaders, this.joinDuplicateHeaders);
    return h;
  }
  set headers(val: IncomingHttpHeaders) {
    this[kHeaders] = val;
  }

  /** Every header's values as an array, by lower-cased name. */
  get headersDistinct(): Record<string, string[]> {
    let h = this[kHeadersDistinct];
    if (h === null) this[kHeadersDistinct] = h = buildDistinct(this.rawHeaders);
    return h;
  }
  set headersDistinct(val: Record<string, string[]>) {
    this[kHeadersDistinct] = val;
  }

  /** Trailer fields (after 'end'), same rules as `headers`. */
  get trailers(): IncomingHttpHeaders {
    let h = this[kTrailers];
    if (h === null) this[kTrailers] = h = buildHeaders(this.rawTrailers, this.joinDuplicateHeaders);
    return h;
  }
  set trailers(val: IncomingHttpHeaders) {
    this[kTrailers] = val;
  }

  get trailersDistinct(): Record<string, string[]> {
    let h = this[kTrailersDistinct];
    if (h === null) this[kTrailersDistinct] = h = buildDistinct(this.rawTrailers);
    return h;
  }
  set trailersDistinct(val: Record<string, string[]>) {
    this[kTrailersDistinct] = val;
  }

  /**
   * Set the socket's idle timeout; `callback` listens for this message's 'timeout'.
   *
   * @example
   * req.setTimeout(5000, () => req.destroy());
   */
  setTimeout(msecs: number, callback?: () => void): this {
    if (callback) this.on('timeout', callback);
    // HTTP/2: the stream's own timer (its source is the stream's Exchange), not the shared socket.
    const src = this[kBodySource] as { setStreamTimeout?: (ms: number) => void } | null;
    if (src !== null && typeof src.setStreamTimeout === 'function') src.setStreamTimeout(msecs);
    else this.socket?.setTimeout(msecs);
    return this;
  }

  /** Add fields to `dest` with node's duplicate rules (node's semi-internal `_addHeaderLine`). */
  _addHeaderLine(field: string, value: string, dest: IncomingHttpHeaders): void {
    addLine(field, value, dest, this.joinDuplicateHeaders);
  }

  /** node's semi-internal `_addHeaderLines(headers, n)`: fill `headers` (or `trailers` after completion) from a raw list. */
  _addHeaderLines(headers: string[], n: number): void {
    if (!headers || headers.length === 0) return;
    const dest = this.complete ? this.trailers : this.headers;
    for (let i = 0; i < n && i + 1 < headers.length; i += 2) addLine(headers[i]!, headers[i + 1]!, dest, this.joinDuplicateHeaders);
  }

  override _read(_n: number): void {
    if (!this._consuming) {
      (this as unknown as { _readableState: { readingMore: boolean } })._readableState.readingMore = false;
      this._consuming = true;
    }
    const src = this[kBodySource];
    if (src !== null) src.resumeBody(this);
    else if (this.socket?.readable) this.socket.resume();
  }

  /** Read and discard the rest of the body (the response is done and nobody read it). */
  _dump(): void {
    if (!this._dumped) {
      this._dumped = true;
      this.removeAllListeners('data');
      this.resume();
    }
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    if (!this.readableEnded || !this.complete) {
      this.aborted = true;
      this.emit('aborted');
    }
    const src = this[kBodySource];
    if (this.aborted && src !== null && typeof src.abortBody === 'function') {
      src.abortBody(this, err);
      process.nextTick(onDestroyed, this, err, cb);
      return;
    }
    const sock = this.socket;
    if (sock !== null && this.aborted && !sock.destroyed) {
      sock.destroy(err ?? undefined);
      const cleanup = finished(sock, (e) => {
        cleanup();
        const premature = (e as { code?: string } | undefined)?.code === 'ERR_STREAM_PREMATURE_CLOSE';
        process.nextTick(onDestroyed, this, (premature ? null : e) || err, cb);
      });
      return;
    }
    if (err === null && !this.aborted) cb(); // ended normally: nothing to report, no extra tick
    else process.nextTick(onDestroyed, this, err, cb);
  }
}

// node keeps this for compatibility: a destroy error is emitted only when someone listens for it
// (a client that vanishes must not crash a server that never added an 'error' listener).
function onDestroyed(msg: IncomingMessageBase, err: Error | null | undefined, cb: (err?: Error | null) => void): void {
  if (msg.listenerCount('error') === 0) cb();
  else cb(err);
}

/** Give `self` a fresh IncomingMessage's state (the constructor as a plain function, see adopt-state.ts). */
export function initIncomingMessage(self: IncomingMessageBase, socket: Socket | null | undefined): void {
  adoptState(self, new IncomingMessageBase(socket));
}

export interface IncomingMessageConstructor {
  new (socket?: Socket | null): IncomingMessage;
  (this: object, socket?: Socket | null): void;
  readonly prototype: IncomingMessage;
}

/** The node:http IncomingMessage. */
export type IncomingMessage = IncomingMessageBase;

function IncomingMessageFn(this: IncomingMessageBase, socket?: Socket | null): IncomingMessageBase | void {
  // Called without `new` and without a receiver: construct (node's constructors tolerate it).
  // `new IncomingMessage(socket)`, or a call without a receiver: the class builds it.
  if (new.target === IncomingMessageFn || this === undefined || this === null || (this as unknown) === globalThis) return new IncomingMessageBase(socket);
  initIncomingMessage(this, socket);
}
// node's name: `.name`, `constructor.name` and util.inspect show 'IncomingMessage'.
Object.defineProperty(IncomingMessageFn, 'name', { value: 'IncomingMessage' });
IncomingMessageFn.prototype = IncomingMessageBase.prototype;
Object.defineProperty(IncomingMessageBase.prototype, 'constructor', {
  value: IncomingMessageFn,
  writable: true,
  configurable: true,
  enumerable: false,
});
Object.setPrototypeOf(IncomingMessageFn, Readable);

export const IncomingMessage = IncomingMessageFn as unknown as IncomingMessageConstructor;
