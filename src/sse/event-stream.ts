/**
 * `eventStream(req, res, options)`: the server side of Server-Sent Events over any
 * node:http-compatible response (trama's `ServerResponse`, node's, or an HTTP/2 compat one).
 *
 * Decisions, and why:
 * - Headers: `Content-Type: text/event-stream; charset=utf-8`, `Cache-Control: no-store` (no cache
 *   may keep or replay a live stream), `X-Accel-Buffering: no` (nginx and compatible proxies would
 *   otherwise buffer the stream). No `Connection` header: it is connection-specific and forbidden
 *   in HTTP/2 (RFC 9113 §8.2.2), and HTTP/1.1 keeps the connection open anyway. Headers are
 *   flushed at once so the client fires `open` before the first event.
 * - Backpressure is the response's: `send` returns what `res.write` returned, and 'drain' is
 *   re-emitted. Nothing is queued here, so a slow consumer costs what the socket buffers.
 * - Keep-alive comments (`:\n`) are written only when nothing else was written during the last
 *   interval; the timer is unref'd (it never keeps a process alive) and cleared on close.
 * - `Last-Event-ID` arrives as latin1-decoded header text; the id was sent as UTF-8 bytes, so the
 *   header is re-decoded as UTF-8 (ids outside ASCII survive the round trip).
 * - When the client goes away ('close' on the response), the stream closes: timers stop,
 *   'close' is emitted once, and later `send`/`comment` calls are no-ops that return false.
 */
import { EventEmitter } from 'node:events';
import { serializeComment } from '../wire/sse/serializer.js';
import { nodeError } from '../wire/shared/errors.js';
import { PreparedEvent, serializeEventInit } from './replay-buffer.js';
import type { EventInit, ReplayBuffer } from './replay-buffer.js';

/** The keep-alive beat of a stream, called by its shared ticker (not public API). */
const kKeepAliveTick = Symbol('trama.keepAliveTick');

/** Default interval between keep-alive comments: below the idle timeouts of common proxies (30-60 s). */
export const DEFAULT_KEEP_ALIVE_INTERVAL = 15_000;

/** The request side `eventStream` reads: only the headers (`Last-Event-ID`). */
export interface EventStreamRequest {
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
}

/** The response side `eventStream` drives: a node:http-compatible `ServerResponse`. */
export interface EventStreamResponse {
  statusCode: number;
  readonly headersSent: boolean;
  readonly destroyed?: boolean;
  readonly writableEnded?: boolean;
  setHeader(name: string, value: string): unknown;
  flushHeaders?(): void;
  writeHead?(statusCode: number): unknown;
  write(chunk: string): boolean;
  end(): unknown;
  on(event: 'close' | 'drain', listener: () => void): unknown;
  removeListener(event: 'close' | 'drain', listener: () => void): unknown;
}

/** Options of {@link eventStream}. */
export interface EventStreamOptions {
  /** Milliseconds between keep-alive comments when idle; 0 disables (default {@link DEFAULT_KEEP_ALIVE_INTERVAL}). */
  keepAlive?: number;
  /** Replay the events this buffer recorded after the client's `Last-Event-ID`. */
  replay?: ReplayBuffer;
  /** Send a `retry` field first: the client's reconnection time in ms. */
  retry?: number;
}

/**
 * One open event stream. Events: `'drain'` (writable again after `send` returned false),
 * `'close'` (the client went away or `close()` was called; emitted once).
 *
 * @example
 * const stream = new EventStream(req, res, { keepAlive: 15_000 });
 * if (!stream.send({ event: 'tick', data: '1' })) await once(stream, 'drain');
 * stream.on('close', () => console.log('client gone'));
 */
export class EventStream extends EventEmitter {
  /** The client's `Last-Event-ID` header ('' when absent). */
  readonly lastEventId: string;
  /** How many events were replayed from the replay buffer on open. */
  readonly replayed: number;
  /**
   * True when the client sent a `Last-Event-ID` that the replay buffer no longer (or never) held:
   * it may have missed events, and the application may want to send it a full state.
   */
  readonly replayGap: boolean;
  readonly #res: EventStreamResponse;
  #closed = false;
  #wroteSinceTick = false;
  /** The shared keep-alive ticker this stream is on, if any. */
  #ticker: KeepAliveTicker | undefined;
  readonly #onClose = (): void => this.#teardown();
  readonly #onDrain = (): void => {
    this.emit('drain');
  };

  constructor(req: EventStreamRequest, res: EventStreamResponse, options: EventStreamOptions = {}) {
    super();
    if (res.headersSent) {
      throw nodeError(Error, 'ERR_HTTP_HEADERS_SENT', 'Cannot set headers after they are sent to the client');
    }
    const keepAlive = options.keepAlive ?? DEFAULT_KEEP_ALIVE_INTERVAL;
    if (typeof keepAlive !== 'number' || !(keepAlive >= 0) || !Number.isFinite(keepAlive)) {
      throw nodeError(RangeError, 'ERR_OUT_OF_RANGE', `The "keepAlive" option must be a non-negative number. Received ${String(keepAlive)}`);
    }
    this.#res = res;
    this.lastEventId = readLastEventId(req.headers['last-event-id']);

    // Everything that is written on open, joined into one write.
    const head: string[] = [];
    if (options.retry !== undefined) head.push(serializeEventInit({ retry: options.retry }));
    let replayed = 0;
    let gap = false;
    if (options.replay !== undefined && this.lastEventId !== '') {
      const missed = options.replay.since(this.lastEventId);
      if (missed === undefined) gap = true;
      else for (const ev of missed) head.push(ev.text);
      replayed = missed?.length ?? 0;
    }
    this.replayed = replayed;
    this.replayGap = gap;

    res.statusCode = 200;
    res.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('X-Accel-Buffering', 'no');
    res.on('close', this.#onClose);
    res.on('drain', this.#onDrain);
    if (res.destroyed === true || res.writableEnded === true) {
      // The client left before we started: close on the next tick, after the caller attached listeners.
      process.nextTick(this.#onClose);
      return;
    }
    if (typeof res.flushHeaders === 'function') res.flushHeaders();
    else res.writeHead?.(200);
    if (head.length > 0) res.write(head.join(''));

    if (keepAlive > 0) {
      this.#ticker = KeepAliveTicker.for(keepAlive);
      this.#ticker.add(this);
    }
  }

  /** The shared ticker's beat: a comment unless something was written since the last one. */
  [kKeepAliveTick](): void {
    if (!this.#wroteSinceTick) this.#write(serializeComment());
    this.#wroteSinceTick = false;
  }

  /** True once the client went away or `close()` was called. */
  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Send one event. Returns false when the stream is closed (nothing written) or when the
   * response is buffering above its high-water mark: wait for 'drain' before sending more.
   * Throws `ERR_INVALID_CHAR` for CR/LF in `event` or `id` (nothing is written then).
   */
  send(event: EventInit | PreparedEvent): boolean {
    const text = event instanceof PreparedEvent ? event.text : serializeEventInit(event);
    return this.#write(text);
  }

  /** Send a comment line (ignored by clients); returns like {@link EventStream.send}. */
  comment(text = ''): boolean {
    return this.#write(serializeComment(text));
  }

  /** End the response (the client will reconnect unless told otherwise, e.g. with a 204 next time). */
  close(): void {
    if (this.#closed) return;
    this.#res.end();
    this.#teardown();
  }

  #write(text: string): boolean {
    if (this.#closed) return false;
    this.#wroteSinceTick = true;
    return this.#res.write(text);
  }

  #teardown(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#ticker !== undefined) this.#ticker.delete(this);
    this.#ticker = undefined;
    this.#res.removeListener('close', this.#onClose);
    this.#res.removeListener('drain', this.#onDrain);
    this.emit('close');
  }
}

/**
 * One unref'd interval timer per keep-alive interval, shared by every stream using it: thousands
 * of open streams cost one timer, not a timer and a closure each (memory per open stream, issue
 * 16). A stream joins at any phase of the beat, so its first comment may come sooner than a full
 * interval after opening; never more than one per interval, as with a timer of its own.
 */
class KeepAliveTicker {
  static #byInterval = new Map<number, KeepAliveTicker>();
  readonly #interval: number;
  readonly #streams = new Set<EventStream>();
  #timer: ReturnType<typeof setInterval> | undefined;

  static for(interval: number): KeepAliveTicker {
    let t = KeepAliveTicker.#byInterval.get(interval);
    if (t === undefined) KeepAliveTicker.#byInterval.set(interval, (t = new KeepAliveTicker(interval)));
    return t;
  }

  private constructor(interval: number) {
    this.#interval = interval;
  }

  add(stream: EventStream): void {
    this.#streams.add(stream);
    if (this.#timer === undefined) {
      this.#timer = setInterval(() => {
        for (const st of this.#streams) st[kKeepAliveTick]();
      }, this.#interval);
      this.#timer.unref();
    }
  }

  delete(stream: EventStream): void {
    this.#streams.delete(stream);
    if (this.#streams.size === 0 && this.#timer !== undefined) {
      clearInterval(this.#timer);
      this.#timer = undefined;
      KeepAliveTicker.#byInterval.delete(this.#interval);
    }
  }
}

function readLastEventId(value: string | string[] | undefined): string {
  const v = Array.isArray(value) ? value[0] : value;
  if (v === undefined || v === '') return '';
  // Header text is latin1 (one char per byte); the client wrote the id's UTF-8 bytes.
  for (let i = 0; i < v.length; i++) {
    if (v.charCodeAt(i) > 0x7f) return Buffer.from(v, 'latin1').toString('utf8');
  }
  return v;
}

/**
 * Start a Server-Sent Events response: sets the event-stream headers, flushes them, replays
 * missed events when given a replay buffer, and returns the stream to `send` on.
 *
 * @example
 * createServer((req, res) => {
 *   const stream = eventStream(req, res, { keepAlive: 15_000 });
 *   const timer = setInterval(() => stream.send({ event: 'tick', data: { now: Date.now() } }), 1000);
 *   stream.on('close', () => clearInterval(timer));
 * });
 */
export function eventStream(req: EventStreamRequest, res: EventStreamResponse, options?: EventStreamOptions): EventStream {
  return new EventStream(req, res, options);
}
