/**
 * `WebSocket`: the WHATWG client (`new WebSocket(url, protocols)`) and, with the same class, the
 * server side of an accepted upgrade. Both speak through `wire/ws`'s engine over any Duplex: a
 * TCP or TLS socket after an HTTP/1.1 upgrade, or an HTTP/2 extended-CONNECT stream (RFC 8441,
 * src/io/h2-tunnel.ts) — nothing here depends on what carries the bytes.
 *
 * Two event styles on one object:
 * - WHATWG: `addEventListener('message', e => e.data)`, `onopen`/`onmessage`/`onerror`/`onclose`,
 *   `CloseEvent`, `binaryType` (`blob`, `arraybuffer`, and `nodebuffer` as in `ws`);
 * - node (`ws` users): `on('message', (data: Buffer, isBinary) => …)`, `on('close', (code, reason: Buffer) => …)`,
 *   `'ping'`, `'pong'`, `'error'`, `'open'`, and `ping()`, `pong()`, `terminate()`, `send(data, opts, cb)`.
 * Event objects are only built when a WHATWG listener may exist, so the node style costs no
 * allocation per message beyond the message itself.
 */
import type { Duplex } from 'node:stream';
import { setTimeout as startTimer, clearTimeout as stopTimer } from 'node:timers';
import type { Socket } from 'node:net';
import { WsEngine, CloseCode, isValidWireCloseCode, MAX_CLOSE_REASON_BYTES } from '../wire/ws/index.js';
import type { WsEvent, PerMessageDeflate } from '../wire/ws/index.js';
import { OwnEvent, OwnMessageEvent, OwnCloseEvent, OwnErrorEvent } from './events.js';
import type { CloseEvent } from './events.js';

/**
 * How long a closing WebSocket waits for the peer's close frame / TCP close before it destroys
 * the stream: 30 s, as `ws` and browsers roughly do; a peer that never answers cannot hold the
 * socket forever (RFC 6455 §7.1.1 lets either side drop it).
 */
export const CLOSE_TIMEOUT_MS = 30_000;

export type BinaryType = 'blob' | 'arraybuffer' | 'nodebuffer';

/** What `attach` needs to run a WebSocket over a stream (internal). */
export interface AttachOptions {
  role: 'server' | 'client';
  protocol: string;
  extensions: string;
  deflate: PerMessageDeflate | null;
  maxPayload?: number;
  autoPong?: boolean;
  url?: string;
}

type EventListenerLike = ((ev: Event) => unknown) | { handleEvent(ev: Event): unknown };
type SendCallback = (err?: Error | null) => void;
interface PendingSend {
  ready: boolean;
  run: () => void;
}

/** Keys for the internal hooks the client connector and the server use. */
export const kAttach: unique symbol = Symbol('trama.ws.attach');
export const kFail: unique symbol = Symbol('trama.ws.fail');
export const kServerToken: unique symbol = Symbol('trama.ws.server');
export const kAlive: unique symbol = Symbol('trama.ws.alive');
export const kTracker: unique symbol = Symbol('trama.ws.tracker');

const CONNECTING = 0;
const OPEN = 1;
const CLOSING = 2;
const CLOSED = 3;

const DOM_EVENTS = ['open', 'message', 'error', 'close'] as const;
type DomEventName = (typeof DOM_EVENTS)[number];

/** Hooks a connector installs on a client WebSocket to abort its handshake. */
export interface Connector {
  abort(): void;
}

let connectHook: ((ws: WebSocket, url: URL, protocols: string[], init: WebSocketInit) => Connector) | null = null;
/** The client connector registers itself here (kept apart so a server-only program never loads the HTTP client). */
export function setConnector(fn: typeof connectHook): void {
  connectHook = fn;
}

/** The second argument of `new WebSocket(url, …)`, as undici's: protocols, headers, agent, TLS options. */
export interface WebSocketInit {
  protocols?: string | string[];
  headers?: Record<string, string | string[]>;
  /** An http/https Agent (trama's or node's), as in `request()`. */
  agent?: unknown;
  /** Offer permessage-deflate (default true, as browsers do); or its options. */
  perMessageDeflate?: boolean | import('../wire/ws/index.js').PerMessageDeflateOptions;
  /** Largest message accepted (bytes). Default the engine's DEFAULT_MAX_MESSAGE_BYTES. */
  maxPayload?: number;
  /**
   * trama: an HTTP/2 client session to the origin (`H2ClientSession`). When its server advertised
   * SETTINGS_ENABLE_CONNECT_PROTOCOL, the WebSocket is an extended CONNECT stream on it (RFC 8441);
   * otherwise it upgrades over HTTP/1.1 as usual.
   */
  session?: unknown;
  /** TLS options for `wss:` (ca, cert, key, rejectUnauthorized, servername, …). */
  [tlsOption: string]: unknown;
}

function domException(message: string, name: string): Error {
  return new DOMException(message, name);
}

/** The WHATWG WebSocket, also the server-side socket (see the module comment). */
export class WebSocket {
  static readonly CONNECTING = CONNECTING;
  static readonly OPEN = OPEN;
  static readonly CLOSING = CLOSING;
  static readonly CLOSED = CLOSED;
  declare readonly CONNECTING: 0;
  declare readonly OPEN: 1;
  declare readonly CLOSING: 2;
  declare readonly CLOSED: 3;

  #readyState = CONNECTING;
  #url = '';
  /** The URL's origin, for MessageEvent.origin (computed once). */
  #origin: string | null = null;
  #protocol = '';
  #extensions = '';
  #binaryType: BinaryType = 'blob';
  #server = false;
  #engine: WsEngine | null = null;
  #stream: Duplex | null = null;
  #connector: Connector | null = null;
  #et: EventTarget | null = null;
  #forwarders: Map<EventListenerLike, (ev: Event) => void> | null = null;
  #nl: unknown[] | null = null;
  /** May a WHATWG listener or `on*` handler exist for this event? (only ever turns true) */
  #dom = 0;
  #handlers: Partial<Record<DomEventName, ((ev: Event) => unknown) | null>> | null = null;
  #closeCode: number = CloseCode.ABNORMAL;
  #closeReason = '';
  #closeTimer: ReturnType<typeof startTimer> | null = null;
  #errored = false;
  /** Blob sends wait for their bytes; later sends queue behind them to keep the order. */
  #pending: PendingSend[] | null = null;
  #pendingBytes = 0;
  #bufferedAfterClose = 0;
  #paused = false;
  [kAlive] = true;
  /** The set that tracks this socket on its server (left on close), or null. */
  [kTracker]: Set<WebSocket> | null = null;

  /**
   * Open a WebSocket to `url` (`ws:`, `wss:`, `http:`, `https:`).
   *
   * @example
   * const ws = new WebSocket('ws://127.0.0.1:8080/chat', ['v1.chat']);
   * ws.onmessage = (e) => console.log(e.data);
   * ws.onopen = () => ws.send('hello');
   */
  constructor(url: string | URL, protocols?: string | string[] | WebSocketInit, internal?: symbol) {
    if (internal === kServerToken) {
      this.#server = true;
      this.#binaryType = 'nodebuffer';
      return;
    }
    let parsed: URL;
    try {
      parsed = new URL(String(url));
    } catch {
      throw domException(`Invalid URL: ${String(url)}`, 'SyntaxError');
    }
    // WHATWG WebSockets "new WebSocket(url, protocols)": http(s) map to ws(s); a fragment is an error.
    if (parsed.protocol === 'http:') parsed.protocol = 'ws:';
    else if (parsed.protocol === 'https:') parsed.protocol = 'wss:';
    if (parsed.protocol !== 'ws:' && parsed.protocol !== 'wss:') throw domException(`The URL's scheme must be either 'http', 'https', 'ws', or 'wss'. '${parsed.protocol}' is not allowed.`, 'SyntaxError');
    if (parsed.hash !== '' || String(url).endsWith('#')) throw domException('The URL contains a fragment identifier.', 'SyntaxError');
    let init: WebSocketInit = {};
    let list: string[];
    if (protocols !== null && typeof protocols === 'object' && !Array.isArray(protocols)) {
      init = protocols;
      list = init.protocols === undefined ? [] : typeof init.protocols === 'string' ? [init.protocols] : [...init.protocols];
    } else {
      list = protocols === undefined ? [] : typeof protocols === 'string' ? [protocols] : [...protocols];
    }
    const seen = new Set<string>();
    for (const p of list) {
      if (!/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(p) || seen.has(p)) throw domException(`Invalid or duplicated subprotocol: ${p}`, 'SyntaxError');
      seen.add(p);
    }
    this.#url = parsed.href;
    if (connectHook === null) throw new Error('trama: the WebSocket client connector is not loaded');
    this.#connector = connectHook(this, parsed, list, init);
  }

  get url(): string {
    return this.#url;
  }
  get readyState(): number {
    return this.#readyState;
  }
  get protocol(): string {
    return this.#protocol;
  }
  get extensions(): string {
    return this.#extensions;
  }
  /** Bytes handed to `send()` and not yet written to the network. */
  get bufferedAmount(): number {
    const s = this.#stream;
    return (s === null ? 0 : s.writableLength) + this.#pendingBytes + this.#bufferedAfterClose;
  }
  get binaryType(): BinaryType {
    return this.#binaryType;
  }
  set binaryType(v: BinaryType) {
    if (v === 'blob' || v === 'arraybuffer' || v === 'nodebuffer') this.#binaryType = v;
  }
  /** `ws` compatibility: is this the server side? */
  get isServer(): boolean {
    return this.#server;
  }

  // ---- WHATWG handlers -------------------------------------------------------------------
  get onopen(): ((ev: Event) => unknown) | null {
    return this.#handlers?.open ?? null;
  }
  set onopen(fn: ((ev: Event) => unknown) | null) {
    this.#setHandler('open', fn);
  }
  get onmessage(): ((ev: MessageEvent) => unknown) | null {
    return (this.#handlers?.message as ((ev: MessageEvent) => unknown) | undefined) ?? null;
  }
  set onmessage(fn: ((ev: MessageEvent) => unknown) | null) {
    this.#setHandler('message', fn as ((ev: Event) => unknown) | null);
  }
  get onerror(): ((ev: Event) => unknown) | null {
    return this.#handlers?.error ?? null;
  }
  set onerror(fn: ((ev: Event) => unknown) | null) {
    this.#setHandler('error', fn);
  }
  get onclose(): ((ev: CloseEvent) => unknown) | null {
    return (this.#handlers?.close as ((ev: CloseEvent) => unknown) | undefined) ?? null;
  }
  set onclose(fn: ((ev: CloseEvent) => unknown) | null) {
    this.#setHandler('close', fn as ((ev: Event) => unknown) | null);
  }

  #setHandler(type: DomEventName, fn: ((ev: Event) => unknown) | null): void {
    const handlers = (this.#handlers ??= {});
    const had = handlers[type] != null;
    handlers[type] = typeof fn === 'function' ? fn : null;
    // The handler runs at its registration's place among the listeners (HTML §8.1.8.1).
    if (!had && typeof fn === 'function') this.addEventListener(type, handlerTrampoline);
  }

  /** The `on*` handler for an event type (internal, for the shared trampoline). */
  handlerFor(type: string): ((ev: Event) => unknown) | null | undefined {
    return this.#handlers?.[type as DomEventName];
  }

  // ---- EventTarget ----------------------------------------------------------------------------
  // Listeners live in an EventTarget made on the first addEventListener: a server holding
  // thousands of sockets driven in the node style pays nothing for it (node's EventTarget costs
  // ~450 bytes per instance). Each listener is registered through a forwarder that calls it with
  // `this` = the WebSocket, and every event is dispatched with target/currentTarget = the WebSocket.

  /**
   * @example
   * ws.addEventListener('message', (e) => console.log(e.data));
   */
  addEventListener(type: string, listener: EventListenerLike | null, options?: boolean | { once?: boolean; capture?: boolean; passive?: boolean; signal?: AbortSignal }): void {
    if (listener === null || listener === undefined) return;
    const i = DOM_EVENTS.indexOf(type as DomEventName);
    if (i !== -1) this.#dom |= 1 << i;
    (this.#et ??= new EventTarget()).addEventListener(type, this.#forwarder(listener), options);
  }

  removeEventListener(type: string, listener: EventListenerLike | null, options?: boolean | { capture?: boolean }): void {
    const f = listener === null || listener === undefined ? undefined : this.#forwarders?.get(listener);
    if (f !== undefined) this.#et!.removeEventListener(type, f, options);
  }

  dispatchEvent(event: Event): boolean {
    const et = this.#et;
    if (et === null) return !event.defaultPrevented;
    Object.defineProperties(event, { target: { value: this, configurable: true }, currentTarget: { value: this, configurable: true }, srcElement: { value: this, configurable: true } });
    return et.dispatchEvent(event);
  }

  /** Fire one of our own events (their target getters already answer this WebSocket). */
  #dispatch(event: Event): void {
    this.#et?.dispatchEvent(event);
  }

  #forwarder(listener: EventListenerLike): (ev: Event) => void {
    const map = (this.#forwarders ??= new Map());
    let f = map.get(listener);
    if (f === undefined) {
      const self = this;
      f = typeof listener === 'function' ? (ev: Event) => void listener.call(self, ev) : (ev: Event) => void listener.handleEvent(ev);
      map.set(listener, f);
    }
    return f;
  }

  #wantsDom(type: DomEventName): boolean {
    return (this.#dom & (1 << DOM_EVENTS.indexOf(type))) !== 0;
  }

  // ---- node (EventEmitter) style, as `ws` -------------------------------------------------
  // A flat list of (event, listener, once) triples instead of an EventEmitter: a socket has a
  // handful of listeners, and this keeps an idle one small.

  on(event: string, listener: (...args: any[]) => void): this {
    // The first listener gets an array of exactly its size (a pushed-to [] reserves 17 slots).
    if (this.#nl === null) this.#nl = [event, listener, false];
    else this.#nl.push(event, listener, false);
    return this;
  }
  addListener(event: string, listener: (...args: any[]) => void): this {
    return this.on(event, listener);
  }
  once(event: string, listener: (...args: any[]) => void): this {
    if (this.#nl === null) this.#nl = [event, listener, true];
    else this.#nl.push(event, listener, true);
    return this;
  }
  off(event: string, listener: (...args: any[]) => void): this {
    const l = this.#nl;
    if (l === null) return this;
    // Remove the most recently added match, as EventEmitter does.
    for (let i = l.length - 3; i >= 0; i -= 3) {
      if (l[i] === event && l[i + 1] === listener) {
        l.splice(i, 3);
        break;
      }
    }
    return this;
  }
  removeListener(event: string, listener: (...args: any[]) => void): this {
    return this.off(event, listener);
  }
  removeAllListeners(event?: string): this {
    const l = this.#nl;
    if (l === null) return this;
    if (event === undefined) this.#nl = null;
    else for (let i = l.length - 3; i >= 0; i -= 3) if (l[i] === event) l.splice(i, 3);
    return this;
  }
  listenerCount(event: string): number {
    const l = this.#nl;
    let n = 0;
    if (l !== null) for (let i = 0; i < l.length; i += 3) if (l[i] === event) n++;
    return n;
  }
  /** Call the node-style listeners of `event` in order; an 'error' nobody listens to is not thrown (see 'close'). */
  emit(event: string, ...args: unknown[]): boolean {
    const l = this.#nl;
    if (l === null) return false;
    let found = false;
    // A snapshot, so listeners added or removed while emitting do not change this round (as EventEmitter).
    const snapshot = l.length === 3 ? l : l.slice();
    for (let i = 0; i < snapshot.length; i += 3) {
      if (snapshot[i] !== event) continue;
      found = true;
      const fn = snapshot[i + 1] as (...a: unknown[]) => void;
      if (snapshot[i + 2] === true) this.off(event, fn);
      fn.apply(this, args);
    }
    return found;
  }

  #emitNode(event: string, a?: unknown, b?: unknown): void {
    const l = this.#nl;
    if (l === null) return;
    if (l.length === 3) {
      // The common case (one listener): no snapshot, no rest arguments.
      if (l[0] !== event) return;
      const fn = l[1] as (x: unknown, y: unknown) => void;
      if (l[2] === true) this.#nl = null;
      fn.call(this, a, b);
      return;
    }
    this.emit(event, a, b);
  }

  // ---- wiring -----------------------------------------------------------------------------

  /** Run the protocol over `stream` (after a successful handshake); `head` is what already arrived. */
  [kAttach](stream: Duplex, head: Buffer, opts: AttachOptions): void {
    this.#connector = null;
    this.#stream = stream;
    this.#protocol = opts.protocol;
    this.#extensions = opts.extensions;
    if (opts.url !== undefined) this.#url = opts.url;
    // Socket chunks are ours alone: unmask them in place.
    this.#engine = new WsEngine({ role: opts.role, deflate: opts.deflate, maxMessageBytes: opts.maxPayload, autoPong: opts.autoPong, unmaskInPlace: true });
    const sock = stream as Partial<Socket>;
    if (typeof sock.setNoDelay === 'function') sock.setNoDelay(true);
    if (typeof sock.setTimeout === 'function') sock.setTimeout(0);
    (stream as unknown as Record<symbol, WebSocket>)[kOwner] = this;
    stream.on('data', onStreamData);
    stream.on('end', onStreamEnd);
    stream.on('close', onStreamClose);
    stream.on('error', onStreamError);
    this.#readyState = OPEN;
    this.#fire('open');
    this.#emitNode('open');
    if (head.length > 0 && this.#readyState === OPEN) this.#receive(head);
    if (stream.readableFlowing !== true && !this.#paused) stream.resume();
  }

  /** The handshake failed or the connector gave up: error, then close (1006). */
  [kFail](err: Error): void {
    if (this.#readyState === CLOSED) return;
    this.#connector = null;
    this.#readyState = CLOSED;
    this.#closeCode = CloseCode.ABNORMAL;
    this.#fireError(err);
    this.#fireClose(false);
  }

  #receive(chunk: Buffer): void {
    const engine = this.#engine!;
    const events = engine.receive(chunk);
    if (events.length > 1) {
      // Several messages in one read: what their handlers send leaves in one write (writev).
      const s = this.#stream!;
      s.cork();
      for (let i = 0; i < events.length; i++) this.#onEvent(events[i]!);
      if (engine.hasOutput) this.#flush();
      s.uncork();
      return;
    }
    if (events.length === 1) this.#onEvent(events[0]!);
    if (engine.hasOutput) this.#flush();
  }

  #onEvent(ev: WsEvent): void {
    switch (ev.type) {
      case 'message':
        this.#deliver(ev.data, ev.binary);
        return;
      case 'ping':
        this[kAlive] = true;
        this.#emitNode('ping', ev.data);
        return;
      case 'pong':
        this[kAlive] = true;
        this.#emitNode('pong', ev.data);
        return;
      case 'close':
        // RFC 6455 §7.1.5: the close code and reason are the peer's.
        this.#closeCode = ev.code;
        this.#closeReason = ev.reason;
        if (this.#readyState === OPEN) this.#readyState = CLOSING;
        this.#flush();
        // RFC 6455 §7.1.1: the server closes the TCP connection first; a client waits for it.
        if (this.#server) this.#stream!.end();
        this.#armCloseTimer();
        return;
      case 'fault': {
        const err = Object.assign(new RangeError(ev.reason), { code: ev.errorCode, closeCode: ev.code });
        this.#closeCode = ev.code;
        this.#readyState = CLOSING;
        this.#flush();
        this.#stream!.end();
        this.#armCloseTimer();
        this.#errored = true;
        this.#fireError(err);
        return;
      }
    }
  }

  #deliver(data: Buffer, binary: boolean): void {
    if (this.#nl !== null) this.#emitNode('message', data, binary);
    if (!this.#wantsDom('message')) return;
    let value: unknown;
    if (!binary) value = data.toString('utf8');
    else if (this.#binaryType === 'arraybuffer') value = data.buffer.slice(data.byteOffset, data.byteOffset + data.length);
    else if (this.#binaryType === 'blob') value = new Blob([data]);
    else value = data;
    this.#dispatch(new OwnMessageEvent(this, 'message', { data: value, origin: (this.#origin ??= originOf(this.#url)) }));
  }

  #fire(type: 'open'): void {
    if (this.#wantsDom(type)) this.#dispatch(new OwnEvent(this, type));
  }

  #fireError(err: Error): void {
    if (this.#wantsDom('error')) this.#dispatch(new OwnErrorEvent(this, 'error', { error: err, message: err.message }));
    this.#emitNode('error', err);
  }

  #fireClose(wasClean: boolean): void {
    if (this.#closeTimer !== null) {
      stopTimer(this.#closeTimer);
      this.#closeTimer = null;
    }
    const code = this.#closeCode;
    const reason = this.#closeReason;
    if (this[kTracker] !== null) {
      this[kTracker].delete(this);
      this[kTracker] = null;
    }
    if (this.#wantsDom('close')) {
      // WHATWG: a connection failed by a protocol fault closes with 1006 and wasClean false.
      this.#dispatch(new OwnCloseEvent(this, 'close', { wasClean, code: this.#errored ? CloseCode.ABNORMAL : code, reason }));
    }
    this.#emitNode('close', code, Buffer.from(reason));
  }

  #armCloseTimer(): void {
    if (this.#closeTimer !== null) return;
    this.#closeTimer = startTimer(() => {
      this.#closeTimer = null;
      this.#stream?.destroy();
    }, CLOSE_TIMEOUT_MS);
  }

  /** Write what the engine queued; pause reading while the stream is over its high-water mark. */
  #flush(cb?: SendCallback): void {
    const s = this.#stream!;
    const out = this.#engine!.takeOutput();
    if (out.length === 0) {
      if (cb !== undefined) process.nextTick(cb);
      return;
    }
    let ok = true;
    if (out.length === 1) ok = cb === undefined ? s.write(out[0]!) : s.write(out[0]!, cb);
    else {
      s.cork();
      for (let i = 0; i < out.length; i++) ok = i === out.length - 1 && cb !== undefined ? s.write(out[i]!, cb) : s.write(out[i]!);
      s.uncork();
    }
    if (!ok && !this.#paused) {
      // Backpressure: stop reading (and so stop answering pings) until the peer drains what we sent.
      this.#paused = true;
      s.pause();
      s.once('drain', onStreamDrain);
    }
  }

  /** Called on 'drain' (internal). */
  resumeReading(): void {
    if (!this.#paused) return;
    this.#paused = false;
    this.#stream?.resume();
  }

  onStreamData(chunk: Buffer): void {
    if (this.#engine !== null) this.#receive(chunk);
  }

  onStreamEnd(): void {
    // The peer is done sending; RFC 6455 §7.1.1: close our side too.
    this.#stream?.end();
  }

  onStreamClose(): void {
    if (this.#readyState === CLOSED) return;
    const engine = this.#engine;
    this.#readyState = CLOSED;
    if (engine === null || !engine.closeReceived) {
      this.#closeCode = this.#errored ? this.#closeCode : CloseCode.ABNORMAL;
      if (!this.#errored && engine !== null && !engine.closeSent) {
        // The connection dropped without a closing handshake: WHATWG fires error, then close.
        if (this.#wantsDom('error')) this.#dispatch(new OwnErrorEvent(this, 'error', { message: 'connection closed abnormally' }));
      }
      this.#closeReason = '';
    }
    this.#fireClose(engine !== null && engine.closeSent && engine.closeReceived && !this.#errored);
  }

  onStreamError(err: Error): void {
    // 'close' follows and reports 1006; `ws` emits the socket error only through 'close'.
    void err;
  }

  // ---- sending ------------------------------------------------------------------------------

  /**
   * Send a message: a string as text, an ArrayBuffer / view / Blob as binary (WHATWG); node
   * style also takes `(data, { binary, compress, fin }, cb)`.
   *
   * @example
   * ws.send('hello');
   * ws.send(new Uint8Array([1, 2, 3]));
   */
  send(data: string | ArrayBufferLike | ArrayBufferView | Blob, options?: { binary?: boolean; compress?: boolean; fin?: boolean } | SendCallback, cb?: SendCallback): void {
    if (typeof options === 'function') {
      cb = options;
      options = undefined;
    }
    if (this.#readyState === CONNECTING) throw domException('Still in CONNECTING state.', 'InvalidStateError');
    if (data instanceof Blob) {
      this.#sendBlob(data, options, cb);
      return;
    }
    let buf: Buffer;
    let binary: boolean;
    if (typeof data === 'string') {
      buf = Buffer.from(data, 'utf8');
      binary = false;
    } else if (Buffer.isBuffer(data)) {
      buf = data;
      binary = true;
    } else if (ArrayBuffer.isView(data)) {
      buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
      binary = true;
    } else if (data instanceof ArrayBuffer || data instanceof SharedArrayBuffer) {
      buf = Buffer.from(data);
      binary = true;
    } else {
      buf = Buffer.from(String(data), 'utf8');
      binary = false;
    }
    if (options?.binary !== undefined) binary = options.binary;
    if (this.#pending !== null) {
      const copy = Buffer.from(buf);
      this.#pendingBytes += copy.length;
      this.#pending.push({
        ready: true,
        run: () => {
          this.#pendingBytes -= copy.length;
          this.#sendNow(copy, binary, options as { compress?: boolean; fin?: boolean } | undefined, cb);
        },
      });
      return;
    }
    this.#sendNow(buf, binary, options, cb);
  }

  #sendNow(buf: Buffer, binary: boolean, options: { compress?: boolean; fin?: boolean } | undefined, cb: SendCallback | undefined): void {
    if (this.#readyState !== OPEN || this.#engine!.closeSent) {
      // WHATWG: after close, sends only grow bufferedAmount.
      this.#bufferedAfterClose += buf.length;
      if (cb !== undefined) process.nextTick(cb, new Error('WebSocket is not open'));
      return;
    }
    this.#engine!.sendMessage(buf, binary, options);
    this.#flush(cb);
  }

  #sendBlob(blob: Blob, options: { compress?: boolean; fin?: boolean } | undefined, cb: SendCallback | undefined): void {
    const entry: PendingSend = { ready: false, run: () => {} };
    (this.#pending ??= []).push(entry);
    this.#pendingBytes += blob.size;
    const settle = (run: () => void): void => {
      entry.ready = true;
      entry.run = () => {
        this.#pendingBytes -= blob.size;
        run();
      };
      this.#drainPending();
    };
    blob.arrayBuffer().then(
      (ab) => settle(() => this.#sendNow(Buffer.from(ab), true, options, cb)),
      (err: Error) => settle(() => cb?.(err)),
    );
  }

  /** Send queued entries in order, up to the first Blob still being read. */
  #drainPending(): void {
    const q = this.#pending;
    if (q === null) return;
    while (q.length > 0 && q[0]!.ready) q.shift()!.run();
    if (q.length === 0) this.#pending = null;
  }

  /** `ws`: send a ping (≤ 125 bytes). */
  ping(data?: string | Buffer | ArrayBufferView, mask?: boolean | SendCallback, cb?: SendCallback): void {
    if (typeof mask === 'function') cb = mask;
    if (this.#readyState === CONNECTING) throw new Error('WebSocket is not open: readyState 0 (CONNECTING)');
    if (this.#readyState !== OPEN) {
      if (cb !== undefined) process.nextTick(cb, new Error('WebSocket is not open'));
      return;
    }
    this.#engine!.sendPing(toBytes(data));
    this.#flush(cb);
  }

  /** `ws`: send an unsolicited pong (≤ 125 bytes). */
  pong(data?: string | Buffer | ArrayBufferView, mask?: boolean | SendCallback, cb?: SendCallback): void {
    if (typeof mask === 'function') cb = mask;
    if (this.#readyState === CONNECTING) throw new Error('WebSocket is not open: readyState 0 (CONNECTING)');
    if (this.#readyState !== OPEN) {
      if (cb !== undefined) process.nextTick(cb, new Error('WebSocket is not open'));
      return;
    }
    this.#engine!.sendPong(toBytes(data));
    this.#flush(cb);
  }

  /**
   * Start the closing handshake (WHATWG `close(code, reason)`). A client may send 1000 or
   * 3000–4999; the server side any code RFC 6455 §7.4 allows on the wire (1001, 1011, … as `ws`).
   *
   * @example
   * ws.close(1000, 'bye');
   */
  close(code?: number, reason?: string | Buffer): void {
    if (code !== undefined) {
      const allowed = this.#server ? isValidWireCloseCode(code) : code === 1000 || (code >= 3000 && code <= 4999);
      if (!allowed) throw domException(`The close code must be either 1000, or between 3000 and 4999. ${code} is neither.`, 'InvalidAccessError');
    }
    const r = reason === undefined ? '' : String(reason);
    if (Buffer.byteLength(r) > MAX_CLOSE_REASON_BYTES) throw domException('The close reason must not be greater than 123 UTF-8 bytes.', 'SyntaxError');
    if (this.#readyState === CLOSING || this.#readyState === CLOSED) return;
    if (this.#readyState === CONNECTING) {
      // WHATWG: fail the connection (error, then close 1006).
      const c = this.#connector;
      this.#connector = null;
      c?.abort();
      this[kFail](new Error('WebSocket was closed before the connection was established'));
      return;
    }
    this.#readyState = CLOSING;
    this.#engine!.sendClose(code ?? (reason !== undefined && r !== '' ? CloseCode.NORMAL : undefined), r);
    this.#flush();
    this.#armCloseTimer();
  }

  /** `ws`: drop the connection now, without a closing handshake. */
  terminate(): void {
    if (this.#readyState === CLOSED) return;
    if (this.#readyState === CONNECTING) {
      const c = this.#connector;
      this.#connector = null;
      c?.abort();
      this[kFail](new Error('WebSocket was closed before the connection was established'));
      return;
    }
    this.#readyState = CLOSING;
    this.#stream?.destroy();
  }

  /** `ws`: stop / restart reading from the network. */
  pause(): void {
    this.#stream?.pause();
  }
  resume(): void {
    if (!this.#paused) this.#stream?.resume();
  }

  /** The stream this WebSocket runs over (a socket after an HTTP/1.1 upgrade). */
  get stream(): Duplex | null {
    return this.#stream;
  }
}

// `ws instanceof EventTarget` holds, as for the WHATWG interface; every EventTarget method is our own.
Object.setPrototypeOf(WebSocket.prototype, EventTarget.prototype);

for (const [k, v] of [['CONNECTING', CONNECTING], ['OPEN', OPEN], ['CLOSING', CLOSING], ['CLOSED', CLOSED]] as const) {
  Object.defineProperty(WebSocket.prototype, k, { value: v, enumerable: true });
}


function toBytes(data: string | Buffer | ArrayBufferView | undefined): Buffer {
  if (data === undefined) return Buffer.alloc(0);
  if (typeof data === 'string') return Buffer.from(data);
  if (Buffer.isBuffer(data)) return data;
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

function originOf(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}`;
  } catch {
    return '';
  }
}

/** One listener for every `on*` handler of every WebSocket: it calls the current handler. */
function handlerTrampoline(this: WebSocket, ev: Event): void {
  // (called through the forwarder, so `this` is the WebSocket)
  const fn = this.handlerFor(ev.type);
  if (typeof fn === 'function') fn.call(this, ev);
}

// Stream listeners shared by every WebSocket (no closures per connection): the stream knows its owner.
const kOwner = Symbol('trama.ws.owner');
function owner(s: unknown): WebSocket {
  return (s as Record<symbol, WebSocket>)[kOwner]!;
}
function onStreamData(this: Duplex, chunk: Buffer): void {
  owner(this).onStreamData(chunk);
}
function onStreamEnd(this: Duplex): void {
  owner(this).onStreamEnd();
}
function onStreamClose(this: Duplex): void {
  owner(this).onStreamClose();
}
function onStreamError(this: Duplex, err: Error): void {
  owner(this).onStreamError(err);
}
function onStreamDrain(this: Duplex): void {
  owner(this).resumeReading();
}
