/**
 * The `text/event-stream` parser: a sans-I/O engine that turns chunks of an event stream into
 * dispatched events, following the WHATWG HTML "Server-sent events" section, §9.2.5 "Parsing an
 * event stream" and §9.2.6 "Interpreting an event stream" (summarised in
 * `shared/specs/server-sent-events.md`).
 *
 * Decisions, and why:
 * - Input is bytes (`Uint8Array`/`Buffer`) or strings. Bytes go through one streaming UTF-8
 *   `TextDecoder`, so a multi-byte character split across chunks decodes once and invalid bytes
 *   become U+FFFD, as the standard requires. Strings are taken as already decoded.
 * - The BOM is stripped once: the first character of the stream, whichever kind of chunk brings
 *   it, is dropped if it is U+FEFF (the decoder is told to keep it, so the rule lives here only).
 * - A CR ends a line at once (a stream that uses bare CR must not stall waiting for the next
 *   chunk); a LF that comes right after it, even in the next chunk, is swallowed.
 * - The last event ID persists across events and, as in browsers, across reconnections: the
 *   parser takes an initial value (the spec's "last event ID buffer starts empty" would make
 *   every reconnected stream forget the ID until the server repeats it; Chromium and Firefox
 *   seed it with the source's current ID, and so do we).
 * - An unterminated line is kept as a list of fragments joined once at its end: appending to one
 *   string per chunk would be quadratic for a huge line fed in small pieces.
 * - Growth is bounded: the pending line plus the data buffer may not exceed `maxBufferSize`
 *   UTF-16 code units. Crossing it is a fault reported through `onError`; the parser then
 *   ignores its input until `reset()`. Nothing is thrown at the caller for peer input.
 */
import { TramaError } from '../shared/errors.js';

const LF = 0x0a;
const CR = 0x0d;
const COLON = 0x3a;
const SPACE = 0x20;
const BOM = 0xfeff;

/**
 * Default bound on buffered text (pending line + data buffer), in UTF-16 code units: large enough
 * for any sane event (4 Mi characters), small enough that an endless line cannot exhaust memory.
 */
export const DEFAULT_MAX_BUFFER_SIZE = 4 * 1024 * 1024;

/** One dispatched event, as the standard's dispatch step builds it. */
export interface ServerSentEvent {
  /** The event type: the `event` field, or `"message"` when it was empty or absent. */
  readonly type: string;
  /** The data buffer with its one trailing LF removed. */
  readonly data: string;
  /** The last event ID at dispatch time (persists across events). */
  readonly lastEventId: string;
}

/** Callbacks and limits for {@link createEventStreamParser}. */
export interface EventStreamParserOptions {
  /** Called for every dispatched event (blank line with a non-empty data buffer). */
  onEvent: (event: ServerSentEvent) => void;
  /** Called when a `retry` field made only of ASCII digits is parsed, with its value in ms. */
  onRetry?: (ms: number) => void;
  /** Called for every comment line, with the text after the colon (one leading space removed). */
  onComment?: (text: string) => void;
  /** Called once when buffered text would exceed `maxBufferSize`; the parser then stops. */
  onError?: (error: EventStreamError) => void;
  /** Bound on the pending line plus the data buffer, in UTF-16 code units. */
  maxBufferSize?: number;
  /** The last event ID to start from (the EventSource's current one when reconnecting). */
  lastEventId?: string;
}

/** A fault found in an event stream (today only `ERR_SSE_BUFFER_OVERFLOW`). */
export class EventStreamError extends TramaError {}

/** The parser handle returned by {@link createEventStreamParser}. */
export interface EventStreamParser {
  /** Feed the next chunk of the stream (bytes are decoded as UTF-8; strings are taken as is). */
  feed(chunk: Uint8Array | string): void;
  /** The stream ended: an incomplete event is discarded (WHATWG: "pending data must be discarded"). */
  end(): void;
  /** Forget everything except the last event ID: ready for a new stream (a reconnection). */
  reset(): void;
  /** The last event ID set by the most recent dispatch (or the initial value). */
  readonly lastEventId: string;
  /** True after a buffer overflow, until `reset()`. */
  readonly failed: boolean;
}

/**
 * Create a streaming `text/event-stream` parser.
 *
 * @example
 * const parser = createEventStreamParser({
 *   onEvent: (e) => console.log(e.type, e.data, e.lastEventId),
 *   onRetry: (ms) => console.log('reconnect after', ms),
 * });
 * parser.feed(new TextEncoder().encode('event: ping\ndata: 1\n\n'));
 * parser.end();
 */
export function createEventStreamParser(options: EventStreamParserOptions): EventStreamParser {
  const { onEvent, onRetry, onComment, onError } = options;
  const maxBufferSize = options.maxBufferSize ?? DEFAULT_MAX_BUFFER_SIZE;
  if (!(maxBufferSize > 0)) throw new RangeError(`maxBufferSize must be a positive number, got ${maxBufferSize}`);

  let decoder: InstanceType<typeof TextDecoder> | undefined;
  let atStart = true; // no character seen yet: the next one may be a BOM
  let skipLF = false; // the previous line ended with CR: a LF right after belongs to it
  let failed = false;

  // The unterminated line, as fragments (joined once, when its end arrives).
  const pending: string[] = [];
  let pendingLength = 0;

  // WHATWG buffers: data (as lines, joined at dispatch), event type, last event ID.
  const dataLines: string[] = [];
  let dataLength = 0;
  let eventType = '';
  let idBuffer = options.lastEventId ?? '';
  let lastEventId = idBuffer;

  // Drop everything not yet dispatched; the ID buffer falls back to the last dispatched ID.
  function discard(): void {
    decoder = undefined;
    pending.length = 0;
    pendingLength = 0;
    dataLines.length = 0;
    dataLength = 0;
    eventType = '';
    idBuffer = lastEventId;
  }

  function fail(): void {
    failed = true;
    discard();
    onError?.(
      new EventStreamError(
        'ERR_SSE_BUFFER_OVERFLOW',
        `event stream buffered more than maxBufferSize (${maxBufferSize}) characters without completing an event`,
      ),
    );
  }

  function dispatch(): void {
    // WHATWG §9.2.6 dispatch, step 1: the last event ID is set even when no event fires.
    lastEventId = idBuffer;
    if (dataLines.length === 0) {
      eventType = '';
      return;
    }
    // Step 2-3: the buffer is the data lines each followed by LF, minus the last LF.
    const data = dataLines.length === 1 ? dataLines[0]! : dataLines.join('\n');
    const type = eventType === '' ? 'message' : eventType;
    dataLines.length = 0;
    dataLength = 0;
    eventType = '';
    onEvent({ type, data, lastEventId });
  }

  function field(name: string, value: string): void {
    // WHATWG: field names are compared literally, no case folding.
    switch (name) {
      case 'data':
        dataLines.push(value);
        dataLength += value.length + 1;
        if (dataLength + pendingLength > maxBufferSize) fail();
        break;
      case 'event':
        eventType = value;
        break;
      case 'id':
        // WHATWG: an id containing U+0000 NULL is ignored as a whole.
        if (value.indexOf('\0') === -1) idBuffer = value;
        break;
      case 'retry':
        // WHATWG: only a value made of ASCII digits sets the reconnection time.
        if (isAsciiDigits(value)) onRetry?.(Number(value));
        break;
      default:
        // Unknown fields are ignored.
        break;
    }
  }

  // Process one complete line held in `text` between `start` and `end` (exclusive).
  function line(text: string, start: number, end: number): void {
    // The same bound whether the line came in one chunk or many (the result must not depend on
    // chunking): the pending check below caught a prefix; this catches the whole line.
    if (end - start + dataLength > maxBufferSize) {
      fail();
      return;
    }
    if (start === end) {
      dispatch();
      return;
    }
    const first = text.charCodeAt(start);
    if (first === COLON) {
      if (onComment !== undefined) {
        const from = text.charCodeAt(start + 1) === SPACE ? start + 2 : start + 1;
        onComment(text.slice(from, end));
      }
      return;
    }
    // A bounded scan (not indexOf): a search past `end` would make colon-less lines quadratic.
    let colon = start + 1;
    while (colon < end && text.charCodeAt(colon) !== COLON) colon++;
    if (colon === end) {
      // No colon: the whole line is the field name and the value is empty.
      field(text.slice(start, end), '');
      return;
    }
    // One leading space of the value is removed, no more.
    const from = text.charCodeAt(colon + 1) === SPACE && colon + 1 < end ? colon + 2 : colon + 1;
    field(text.slice(start, colon), text.slice(from, end));
  }

  function feedText(text: string): void {
    let i = 0;
    const n = text.length;
    if (n === 0) return;
    if (atStart) {
      atStart = false;
      if (text.charCodeAt(0) === BOM) i = 1;
    }
    if (skipLF) {
      skipLF = false;
      if (i < n && text.charCodeAt(i) === LF) i++;
    }
    // Next CR and next LF, each searched for only once per occurrence: O(n) for the chunk.
    let nextCR = text.indexOf('\r', i);
    let nextLF = text.indexOf('\n', i);
    while (i < n && !failed) {
      if (nextCR !== -1 && nextCR < i) nextCR = text.indexOf('\r', i);
      if (nextLF !== -1 && nextLF < i) nextLF = text.indexOf('\n', i);
      let eol: number;
      if (nextCR === -1) eol = nextLF;
      else if (nextLF === -1) eol = nextCR;
      else eol = nextCR < nextLF ? nextCR : nextLF;
      if (eol === -1) break;
      if (pending.length === 0) {
        line(text, i, eol);
      } else {
        pending.push(text.slice(i, eol));
        const joined = pending.join('');
        pending.length = 0;
        pendingLength = 0;
        line(joined, 0, joined.length);
      }
      i = eol + 1;
      if (text.charCodeAt(eol) === CR) {
        if (i === n) skipLF = true;
        else if (text.charCodeAt(i) === LF) i++;
      }
    }
    if (i < n && !failed) {
      const rest = i === 0 ? text : text.slice(i);
      pending.push(rest);
      pendingLength += rest.length;
      if (pendingLength + dataLength > maxBufferSize) fail();
    }
  }

  return {
    feed(chunk: Uint8Array | string): void {
      if (failed) return;
      if (typeof chunk === 'string') {
        feedText(chunk);
        return;
      }
      // ignoreBOM: keep U+FEFF in the output so the one BOM rule above applies to both input kinds.
      decoder ??= new TextDecoder('utf-8', { ignoreBOM: true });
      feedText(decoder.decode(chunk, { stream: true }));
    },
    end(): void {
      // Flushing the decoder can only complete the unterminated line, which is discarded anyway.
      discard();
    },
    reset(): void {
      discard();
      atStart = true;
      skipLF = false;
      failed = false;
    },
    get lastEventId(): string {
      return lastEventId;
    },
    get failed(): boolean {
      return failed;
    },
  };
}

function isAsciiDigits(value: string): boolean {
  if (value.length === 0) return false;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return false;
  }
  return true;
}
