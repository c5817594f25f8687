/**
 * Prepared events and the replay buffer behind `eventStream({ replay })`.
 *
 * - A {@link PreparedEvent} is serialized (and validated) once: broadcasting one event to
 *   thousands of streams then costs one write per stream, not one serialization per stream.
 * - A {@link ReplayBuffer} is a bounded ring of the most recent events, shared by every stream of
 *   one channel. A client that reconnects with `Last-Event-ID: X` is sent the events recorded
 *   after X. Recording is explicit (`replay.push`), not a side effect of `send`: the same event
 *   is sent to many streams but must be recorded once.
 * - Lookup is O(1) (id → sequence number); eviction keeps memory bounded by `size` events.
 */
import { serializeEvent } from '../wire/sse/serializer.js';
import type { EventFields } from '../wire/sse/serializer.js';
import { nodeError } from '../wire/shared/errors.js';

/** Default number of events a {@link ReplayBuffer} keeps: enough for a short disconnection. */
export const DEFAULT_REPLAY_SIZE = 1000;

/** Event fields as the server helper takes them: non-string data is sent as JSON. */
export interface EventInit extends Omit<EventFields, 'data'> {
  /** A string is sent as is; anything else as `JSON.stringify(data)`. */
  data?: unknown;
}

/**
 * Normalise `data` (JSON for non-strings) and serialize; throws on CR/LF in `event`/`id`.
 *
 * @example
 * serializeEventInit({ event: 'price', data: { eur: 1.08 } }); // 'event: price\ndata: {"eur":1.08}\n\n'
 */
export function serializeEventInit(init: EventInit): string {
  const { data } = init;
  const fields: EventFields = { event: init.event, id: init.id, retry: init.retry };
  if (data !== undefined) fields.data = typeof data === 'string' ? data : String(JSON.stringify(data));
  return serializeEvent(fields);
}

/**
 * An event serialized once, ready to be written to any number of streams.
 *
 * @example
 * const ev = new PreparedEvent({ id: '7', data: 'hello' });
 * ev.text; // 'id: 7\ndata: hello\n\n'
 */
export class PreparedEvent {
  readonly id: string | undefined;
  readonly event: string | undefined;
  readonly data: string | undefined;
  readonly retry: number | undefined;
  /** The serialized `text/event-stream` text, ending with the blank line. */
  readonly text: string;

  constructor(init: EventInit) {
    this.text = serializeEventInit(init);
    this.id = init.id;
    this.event = init.event;
    this.data = init.data === undefined || typeof init.data === 'string' ? init.data : String(JSON.stringify(init.data));
    this.retry = init.retry;
    Object.freeze(this);
  }
}

/**
 * Serialize an event once, to broadcast it to many streams.
 *
 * @example
 * const ev = prepareEvent({ event: 'price', data: { eur: 1.08 } });
 * for (const stream of streams) stream.send(ev);
 */
export function prepareEvent(init: EventInit): PreparedEvent {
  return new PreparedEvent(init);
}

/** Options of {@link ReplayBuffer}. */
export interface ReplayBufferOptions {
  /** How many recent events to keep (default {@link DEFAULT_REPLAY_SIZE}). */
  size?: number;
}

/**
 * A bounded ring of recent events for resuming reconnecting clients.
 *
 * @example
 * const replay = new ReplayBuffer({ size: 500 });
 * const streams = new Set<EventStream>();
 * server.on('request', (req, res) => {
 *   const s = eventStream(req, res, { replay }); // replays what the client missed
 *   streams.add(s);
 *   s.on('close', () => streams.delete(s));
 * });
 * function broadcast(data: unknown) {
 *   const ev = replay.push({ data }); // id assigned: "1", "2", …
 *   for (const s of streams) s.send(ev);
 * }
 */
export class ReplayBuffer {
  readonly #capacity: number;
  readonly #ring: (PreparedEvent | undefined)[];
  // Sequence number of the next event; the ring slot of sequence s is s % capacity.
  #next = 0;
  readonly #seqOf = new Map<string, number>();
  #autoId = 0;

  constructor(options: ReplayBufferOptions = {}) {
    const size = options.size ?? DEFAULT_REPLAY_SIZE;
    if (!Number.isSafeInteger(size) || size < 1) {
      throw nodeError(RangeError, 'ERR_OUT_OF_RANGE', `The "size" option must be a positive integer. Received ${String(size)}`);
    }
    this.#capacity = size;
    this.#ring = new Array<PreparedEvent | undefined>(size).fill(undefined);
  }

  /** How many events are held now. */
  get length(): number {
    return Math.min(this.#next, this.#capacity);
  }

  /** The id of the newest event, or `undefined` when empty. */
  get lastId(): string | undefined {
    return this.#next === 0 ? undefined : this.#ring[(this.#next - 1) % this.#capacity]!.id;
  }

  /**
   * Record an event and return it prepared for sending. Without an `id`, one is assigned
   * (a decimal counter private to this buffer): replay needs every event to carry one.
   */
  push(init: EventInit | PreparedEvent): PreparedEvent {
    let ev = init instanceof PreparedEvent ? init : undefined;
    if (init.id === undefined || init.id === '') ev = new PreparedEvent({ ...init, data: init.data, id: String(++this.#autoId) });
    ev ??= new PreparedEvent(init);
    const slot = this.#next % this.#capacity;
    const evicted = this.#ring[slot];
    if (evicted !== undefined && this.#seqOf.get(evicted.id!) === this.#next - this.#capacity) this.#seqOf.delete(evicted.id!);
    this.#ring[slot] = ev;
    this.#seqOf.set(ev.id!, this.#next);
    this.#next++;
    return ev;
  }

  /**
   * The events recorded after the one with `id`, oldest first; `undefined` when `id` is not
   * (or no longer) in the buffer, so the caller knows events may have been missed.
   */
  since(id: string): PreparedEvent[] | undefined {
    const seq = this.#seqOf.get(id);
    if (seq === undefined) return undefined;
    const out: PreparedEvent[] = [];
    for (let s = seq + 1; s < this.#next; s++) out.push(this.#ring[s % this.#capacity]!);
    return out;
  }
}
