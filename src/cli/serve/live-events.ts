/**
 * The live endpoint of `trama serve`, `/__trama/events`: a Server-Sent Events stream (trama's
 * `eventStream` helper) with a `clock` event and a `counter` event every second, which the demo
 * page (`examples/site/`) shows next to its static assets.
 *
 * Decisions: one timer for all clients, running only while at least one is connected and
 * unref'd (it never keeps a process alive); the counter counts ticks since the server started,
 * and each event's `id` is that count, so a reconnecting browser sends `Last-Event-ID` and the
 * page can show that it resumed. On shutdown {@link LiveEvents.closeAll} ends every stream,
 * because an endless response would otherwise hold a graceful shutdown until its deadline.
 */
import { eventStream, type EventStream } from '../../sse/event-stream.js';
import { prepareEvent } from '../../sse/replay-buffer.js';
import type { ServeRequest, ServeResponse } from './file-handler.js';

/** The path of the live endpoint. */
export const LIVE_EVENTS_PATH = '/__trama/events';
/** Milliseconds between ticks. */
export const LIVE_TICK_MS = 1000;
/** The reconnection delay the stream asks browsers to use. */
const LIVE_RETRY_MS = 2000;
/** Bound on simultaneous live streams; beyond it new ones get 503 (each costs a socket). */
export const MAX_LIVE_STREAMS = 1000;

/**
 * The live endpoint: a request handler plus a way to end every stream.
 *
 * @example
 * const live = new LiveEvents();
 * server.on('request', (req, res) => req.url === LIVE_EVENTS_PATH && live.handle(req, res));
 * process.on('SIGTERM', () => live.closeAll());
 */
export class LiveEvents {
  readonly #streams = new Set<EventStream>();
  readonly #congested = new WeakSet<EventStream>();
  readonly #tickMs: number;
  readonly #maxStreams: number;
  #count = 0;
  #timer: ReturnType<typeof setInterval> | undefined;

  constructor(options: { tickMs?: number; maxStreams?: number } = {}) {
    this.#tickMs = options.tickMs ?? LIVE_TICK_MS;
    this.#maxStreams = options.maxStreams ?? MAX_LIVE_STREAMS;
  }

  /** Open streams right now. */
  get size(): number {
    return this.#streams.size;
  }

  /**
   * Answer a request for {@link LIVE_EVENTS_PATH}.
   *
   * @example
   * const live = new LiveEvents();
   * createServer((req, res) => (req.url === LIVE_EVENTS_PATH ? live.handle(req, res) : files(req, res)));
   */
  handle(req: ServeRequest, res: ServeResponse): void {
    if (req.method !== 'GET') {
      res.statusCode = 405;
      res.setHeader('Allow', 'GET');
      res.end();
      return;
    }
    if (this.#streams.size >= this.#maxStreams) {
      res.statusCode = 503;
      res.setHeader('Retry-After', '5');
      res.end();
      return;
    }
    const stream = eventStream(req, res, { retry: LIVE_RETRY_MS });
    this.#streams.add(stream);
    stream.on('close', () => {
      this.#streams.delete(stream);
      if (this.#streams.size === 0 && this.#timer !== undefined) {
        clearInterval(this.#timer);
        this.#timer = undefined;
      }
    });
    // A first event at once, so the page shows something before the first tick.
    stream.send({ event: 'clock', data: { now: new Date().toISOString() } });
    stream.send({ event: 'counter', id: String(this.#count), data: { count: this.#count, clients: this.#streams.size, resumedFrom: stream.lastEventId } });
    if (this.#timer === undefined) {
      this.#timer = setInterval(() => this.#tick(), this.#tickMs);
      this.#timer.unref();
    }
  }

  /** End every open stream (graceful shutdown). */
  closeAll(): void {
    for (const s of [...this.#streams]) s.close();
  }

  #tick(): void {
    this.#count++;
    const clock = prepareEvent({ event: 'clock', data: { now: new Date().toISOString() } });
    const counter = prepareEvent({ event: 'counter', id: String(this.#count), data: { count: this.#count, clients: this.#streams.size } });
    for (const s of this.#streams) {
      // A slow reader misses ticks instead of growing a buffer: the next tick supersedes them.
      if (this.#congested.has(s)) continue;
      const ok = s.send(clock) && s.send(counter);
      if (!ok) {
        this.#congested.add(s);
        s.once('drain', () => this.#congested.delete(s));
      }
    }
  }
}
