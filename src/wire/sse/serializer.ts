/**
 * The `text/event-stream` serializer: events and comments to the text a server writes.
 *
 * Decisions, and why:
 * - `data` is split on every line break the parser recognises (CRLF, LF, CR) and each line becomes
 *   its own `data:` line, so the client rebuilds the same text with LF separators. A CR inside
 *   data is therefore not preserved as CR (the format cannot carry it); LF round-trips exactly.
 * - A value is always written after `": "` when it is not empty: the parser removes exactly one
 *   leading space, so a value that itself starts with a space survives.
 * - `event` and `id` are single-line fields: a CR or LF there would let a caller inject fields or
 *   end the event early, so they throw (`ERR_INVALID_CHAR`) instead of corrupting the stream.
 *   An `id` with U+0000 NULL throws too: every client would ignore it (WHATWG §9.2.6).
 * - Comments may span lines: each line becomes its own `:` line.
 * - Every event ends with the blank line that dispatches it.
 */
import { nodeError } from '../shared/errors.js';

/** What {@link serializeEvent} writes; every field is optional but at least one is expected. */
export interface EventFields {
  /** The payload; line breaks split it into several `data:` lines. */
  data?: string;
  /** The event type (`addEventListener(type)` on the client); no CR/LF. */
  event?: string;
  /** The event ID, echoed back as `Last-Event-ID` on reconnection; no CR/LF/NULL. */
  id?: string;
  /** The reconnection time the client should use, in milliseconds (a non-negative integer). */
  retry?: number;
}

const LINE_BREAK = /\r\n|\r|\n/;
const FORBIDDEN_IN_FIELD = /[\r\n]/;

function checkSingleLine(name: string, value: unknown): string {
  if (typeof value !== 'string') {
    throw nodeError(TypeError, 'ERR_INVALID_ARG_TYPE', `The "${name}" field must be of type string. Received ${typeof value}`);
  }
  if (FORBIDDEN_IN_FIELD.test(value)) {
    throw nodeError(TypeError, 'ERR_INVALID_CHAR', `Invalid character (CR or LF) in event stream field ["${name}"]`);
  }
  return value;
}

function pushLines(out: string[], prefix: string, text: string): void {
  const lines = LINE_BREAK.test(text) ? text.split(LINE_BREAK) : [text];
  for (const l of lines) out.push(l === '' ? `${prefix}\n` : `${prefix} ${l}\n`);
}

/**
 * Serialize one event as `text/event-stream` text, ending with the blank line that dispatches it.
 *
 * @example
 * serializeEvent({ event: 'tick', id: '7', data: 'line 1\nline 2' });
 * // 'event: tick\nid: 7\ndata: line 1\ndata: line 2\n\n'
 */
export function serializeEvent(fields: EventFields): string {
  const out: string[] = [];
  if (fields.event !== undefined) {
    const event = checkSingleLine('event', fields.event);
    if (event !== '') out.push(`event: ${event}\n`);
  }
  if (fields.id !== undefined) {
    const id = checkSingleLine('id', fields.id);
    if (id.indexOf('\0') !== -1) {
      throw nodeError(TypeError, 'ERR_INVALID_CHAR', 'Invalid character (NULL) in event stream field ["id"]');
    }
    // An empty id is meaningful: it resets the client's last event ID.
    out.push(id === '' ? 'id\n' : `id: ${id}\n`);
  }
  if (fields.retry !== undefined) {
    const retry = fields.retry;
    if (typeof retry !== 'number' || !Number.isSafeInteger(retry) || retry < 0) {
      throw nodeError(RangeError, 'ERR_OUT_OF_RANGE', `The "retry" field must be a non-negative integer. Received ${String(retry)}`);
    }
    out.push(`retry: ${retry}\n`);
  }
  if (fields.data !== undefined) {
    if (typeof fields.data !== 'string') {
      throw nodeError(TypeError, 'ERR_INVALID_ARG_TYPE', `The "data" field must be of type string. Received ${typeof fields.data}`);
    }
    pushLines(out, 'data:', fields.data);
  }
  out.push('\n');
  return out.join('');
}

/**
 * Serialize a comment (ignored by clients; servers send them as keep-alives). Line breaks in the
 * text start new comment lines. No blank line is added: a comment never dispatches anything.
 *
 * @example
 * serializeComment('keep-alive'); // ': keep-alive\n'
 */
export function serializeComment(text = ''): string {
  if (typeof text !== 'string') {
    throw nodeError(TypeError, 'ERR_INVALID_ARG_TYPE', `The "comment" argument must be of type string. Received ${typeof text}`);
  }
  const out: string[] = [];
  pushLines(out, ':', text);
  return out.join('');
}
