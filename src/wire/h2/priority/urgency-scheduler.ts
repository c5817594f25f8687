/**
 * The RFC 9218 scheduler: urgency levels 0..7 and the incremental flag.
 *
 * Scheduling (RFC 9218 §10):
 * - a lower urgency is always served first ("sending higher-urgency responses before
 *   lower-urgency responses");
 * - within an urgency, non-incremental streams are served one at a time in ascending stream id
 *   ("in the order in which those requests were generated"); a lower id that becomes ready
 *   takes over from a higher one at the next frame;
 * - incremental streams of the same urgency share bandwidth round-robin, charged by bytes;
 * - both kinds at the same urgency: the whole non-incremental queue takes turns with the
 *   incremental streams as if it were one more incremental stream, so neither kind starves the
 *   other (§10 RECOMMENDS avoiding that starvation and leaves the method to the server).
 *
 * Each urgency has a byte clock; an incremental stream's start tag advances by the cost of each of
 * its frames, the non-incremental queue has one shared start tag, and the least start tag is served
 * (ties: the non-incremental queue, then the incremental stream that became ready first). A stream
 * that becomes ready starts at the clock, so it neither banks credit nor owes a debt.
 *
 * Signals (RFC 9218 §7): a PRIORITY_UPDATE carries a complete set, so a spec with either
 * `urgency` or `incremental` resets the other to its default. One received for a stream that is
 * not open yet is buffered (§7 SHOULD) and wins over the `priority` header when the stream opens
 * (§7: the most recent PRIORITY_UPDATE "overrides any other signal"); an id at or below the
 * highest opened id of the same parity is closed (RFC 9113 §5.1.1), so its update is discarded
 * (§7.1 "can discard"). Buffered updates are bounded by `maxNodes`, least recently received first
 * out. The RFC 7540 fields of a spec are ignored here, except that a self-dependency still
 * returns false (RFC 9113 keeps that rule for PRIORITY frames).
 *
 * Complexity: pop O(8); charge, setReady, reprioritize, close O(log n) for n ready streams.
 * Tags are byte counts below 2^53 (8 PiB per urgency), exact in doubles: no renormalisation.
 */
import { IndexedHeap, type HeapItem } from './heap.js';
import { checkLimit, checkStreamId, clampUrgency, frameCost, hasUrgencyFields } from './common.js';
import {
  DEFAULT_MAX_NODES,
  DEFAULT_URGENCY,
  MAX_URGENCY,
  type H2Scheduler,
  type PrioritySpec,
  type SchedulerOptions,
} from './types.js';

class UrgencyStream implements HeapItem {
  heapIndex = -1;
  urgency = DEFAULT_URGENCY;
  incremental = false;
  ready = false;
  /** Byte start tag on the urgency's clock (incremental streams only). */
  start = 0;
  /** Order of becoming ready, for ties. */
  seq = 0;
  readonly id: number;
  constructor(id: number) {
    this.id = id;
  }
}

class UrgencyLevel {
  /** Ready non-incremental streams, lowest id first. */
  readonly queue = new IndexedHeap<UrgencyStream>((a, b) => a.id < b.id);
  /** Ready incremental streams, least start tag first. */
  readonly shared = new IndexedHeap<UrgencyStream>((a, b) => a.start < b.start || (a.start === b.start && a.seq < b.seq));
  /** The start tag of the last participant served. */
  clock = 0;
  /** The start tag of the non-incremental queue as a whole. */
  queueStart = 0;
}

/** A stream's RFC 9218 parameters. */
export interface UrgencyPriority {
  urgency: number;
  incremental: boolean;
}

/** Read a complete RFC 9218 parameter set from a spec (missing parameters take their defaults). */
function toPriority(spec: PrioritySpec): UrgencyPriority {
  return { urgency: clampUrgency(spec.urgency), incremental: spec.incremental === true };
}

/**
 * The RFC 9218 urgency/incremental scheduler. Prefer `createScheduler('rfc9218')`.
 *
 * @example
 * const s = new UrgencyScheduler();
 * s.open(1, { urgency: 3 }); s.open(3, { urgency: 0 });
 * s.setReady(1, true); s.setReady(3, true);
 * s.pop(); // 3: urgency 0 goes first
 */
export class UrgencyScheduler implements H2Scheduler {
  readonly #levels: UrgencyLevel[] = [];
  readonly #streams = new Map<number, UrgencyStream>();
  /** Buffered PRIORITY_UPDATEs for streams not open yet, least recently received first. */
  readonly #pending = new Map<number, UrgencyPriority>();
  readonly #maxNodes: number;
  /** Highest id opened, by parity (0: even, server-initiated; 1: odd, client-initiated). */
  readonly #highest = [0, 0];
  #seq = 0;

  constructor(options: SchedulerOptions = {}) {
    this.#maxNodes = checkLimit('maxNodes', options.maxNodes, DEFAULT_MAX_NODES);
    checkLimit('maxRetainedClosed', options.maxRetainedClosed, 0);
    for (let u = 0; u <= MAX_URGENCY; u++) this.#levels.push(new UrgencyLevel());
  }

  open(id: number, spec?: PrioritySpec): boolean {
    checkStreamId('id', id, false);
    let stream = this.#streams.get(id);
    if (stream === undefined) {
      stream = new UrgencyStream(id);
      this.#streams.set(id, stream);
      const parity = id & 1;
      if (id > (this.#highest[parity] as number)) {
        this.#highest[parity] = id;
        // RFC 9113 §5.1.1: opening `id` closes every idle stream of the same parity below it, so
        // updates buffered for them can never apply. O(buffered) ≤ maxNodes.
        if (this.#pending.size > 0) {
          for (const other of this.#pending.keys()) if ((other & 1) === parity && other < id) this.#pending.delete(other);
        }
      }
      const buffered = this.#pending.get(id);
      if (buffered !== undefined) {
        // RFC 9218 §7: the most recent PRIORITY_UPDATE overrides any other signal.
        this.#pending.delete(id);
        stream.urgency = buffered.urgency;
        stream.incremental = buffered.incremental;
      } else if (hasUrgencyFields(spec)) {
        const p = toPriority(spec);
        stream.urgency = p.urgency;
        stream.incremental = p.incremental;
      }
    } else if (hasUrgencyFields(spec)) {
      this.#update(stream, toPriority(spec));
    }
    return spec?.dependsOn !== id;
  }

  reprioritize(id: number, spec: PrioritySpec): boolean {
    checkStreamId('id', id, false);
    if (spec.dependsOn === id) return false;
    if (!hasUrgencyFields(spec)) return true;
    const p = toPriority(spec);
    const stream = this.#streams.get(id);
    if (stream !== undefined) {
      this.#update(stream, p);
    } else if (id > (this.#highest[id & 1] as number)) {
      // RFC 9218 §7: buffer the latest update for a stream that has not opened yet.
      this.#pending.delete(id);
      this.#pending.set(id, p);
      while (this.#pending.size > this.#maxNodes) {
        this.#pending.delete(this.#pending.keys().next().value as number);
      }
    }
    return true;
  }

  close(id: number): void {
    const stream = this.#streams.get(id);
    if (stream === undefined) {
      this.#pending.delete(id);
      return;
    }
    if (stream.ready) this.#leave(stream);
    this.#streams.delete(id);
  }

  setReady(id: number, ready: boolean): void {
    const stream = this.#streams.get(id);
    if (stream === undefined || stream.ready === ready) return;
    if (ready) this.#enter(stream);
    else this.#leave(stream);
  }

  pop(): number {
    for (let u = 0; u <= MAX_URGENCY; u++) {
      const level = this.#levels[u] as UrgencyLevel;
      const first = level.queue.peek();
      const shared = level.shared.peek();
      if (shared === undefined) {
        if (first !== undefined) return first.id;
        continue;
      }
      if (first !== undefined && level.queueStart <= shared.start) return first.id;
      return shared.id;
    }
    return 0;
  }

  charge(id: number, bytes: number): void {
    const stream = this.#streams.get(id);
    if (stream === undefined) return;
    const level = this.#levels[stream.urgency] as UrgencyLevel;
    const cost = frameCost(bytes);
    if (stream.incremental) {
      if (stream.start > level.clock) level.clock = stream.start;
      stream.start += cost;
      if (stream.heapIndex >= 0) level.shared.update(stream);
    } else {
      if (level.queueStart > level.clock) level.clock = level.queueStart;
      level.queueStart += cost;
    }
  }

  /** A stream's current parameters, or undefined when it is not open. */
  priorityOf(id: number): UrgencyPriority | undefined {
    const s = this.#streams.get(id);
    return s === undefined ? undefined : { urgency: s.urgency, incremental: s.incremental };
  }

  /** Counts: open streams and buffered updates for streams not open yet. */
  stats(): { open: number; pending: number } {
    return { open: this.#streams.size, pending: this.#pending.size };
  }

  #update(stream: UrgencyStream, p: UrgencyPriority): void {
    if (stream.urgency === p.urgency && stream.incremental === p.incremental) return;
    const wasReady = stream.ready;
    if (wasReady) this.#leave(stream);
    if (stream.urgency !== p.urgency) stream.start = 0;
    stream.urgency = p.urgency;
    stream.incremental = p.incremental;
    if (wasReady) this.#enter(stream);
  }

  #enter(stream: UrgencyStream): void {
    const level = this.#levels[stream.urgency] as UrgencyLevel;
    stream.ready = true;
    if (stream.incremental) {
      if (stream.start < level.clock) stream.start = level.clock;
      stream.seq = ++this.#seq;
      level.shared.push(stream);
    } else {
      if (level.queue.size === 0 && level.queueStart < level.clock) level.queueStart = level.clock;
      level.queue.push(stream);
    }
  }

  #leave(stream: UrgencyStream): void {
    const level = this.#levels[stream.urgency] as UrgencyLevel;
    stream.ready = false;
    if (stream.incremental) level.shared.remove(stream);
    else level.queue.remove(stream);
  }
}
