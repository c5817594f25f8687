/**
 * Stream states of RFC 9113 §5.1, as tables.
 *
 * ```
 *                              +--------+
 *                      send PP |        | recv PP
 *                     ,--------+  idle  +--------.
 *                    /         |        |         \
 *                   v          +--------+          v
 *            +----------+          |           +----------+
 *            |          |          | send H /  |          |
 *     ,------+ reserved |          | recv H    | reserved +------.
 *     |      | (local)  |          |           | (remote) |      |
 *     |      +---+------+          v           +------+---+      |
 *     |          |             +--------+             |          |
 *     |          |     recv ES |        | send ES     |          |
 *     |   send H |     ,-------+  open  +-------.     | recv H   |
 *     |          |    /        |        |        \    |          |
 *     |          v   v         +---+----+         v   v          |
 *     |      +----------+          |           +----------+      |
 *     |      |   half-  |          |           |   half-  |      |
 *     |      |  closed  |          | send R /  |  closed  |      |
 *     |      | (remote) |          | recv R    | (local)  |      |
 *     |      +----+-----+          |           +-----+----+      |
 *     |           |                |                 |           |
 *     |           | send ES /      |       recv ES / |           |
 *     |           | send R /       v        send R / |           |
 *     |           | recv R     +--------+   recv R   |           |
 *     | send R /  `----------->|        |<-----------'  send R / |
 *     | recv R                 | closed |               recv R   |
 *     `----------------------->|        |<-----------------------'
 *                              +--------+
 *   send/recv: this endpoint sends/receives the frame.
 *   H: HEADERS (with its CONTINUATIONs)  PP: PUSH_PROMISE  ES: END_STREAM flag  R: RST_STREAM
 * ```
 *
 * Two tables:
 * - `TRANSITIONS[state][input]` is the next state; an input the table does not list is a fault
 *   (a local misuse when we send, a protocol error when we receive).
 * - `RECEIVE_VERDICTS[state][frame type]` says what receiving a frame on a stream in that state
 *   means. `closed` is split by HOW the stream closed (RFC 9113 §5.1 "closed"): after we sent
 *   RST_STREAM, late frames are ignored; after the peer's RST_STREAM DATA/HEADERS are a stream
 *   error; after END_STREAM in both directions DATA/HEADERS are a connection error STREAM_CLOSED.
 *   WINDOW_UPDATE on a closed stream is always ignored (RFC 9113 §6.9).
 */

/** The seven states of RFC 9113 §5.1. */
export type StreamState =
  | 'idle'
  | 'reserved-local'
  | 'reserved-remote'
  | 'open'
  | 'half-closed-local'
  | 'half-closed-remote'
  | 'closed';

/** What moves a stream between states. */
export type StreamInput =
  | 'send-headers'
  | 'recv-headers'
  | 'send-push-promise'
  | 'recv-push-promise'
  | 'send-end-stream'
  | 'recv-end-stream'
  | 'send-reset'
  | 'recv-reset';

/** The state machine of RFC 9113 §5.1 (the diagram above, one row per state). */
export const TRANSITIONS: Readonly<Record<StreamState, Readonly<Partial<Record<StreamInput, StreamState>>>>> = {
  idle: {
    'send-headers': 'open',
    'recv-headers': 'open',
    'send-push-promise': 'reserved-local',
    'recv-push-promise': 'reserved-remote',
  },
  'reserved-local': {
    'send-headers': 'half-closed-remote',
    'send-reset': 'closed',
    'recv-reset': 'closed',
  },
  'reserved-remote': {
    'recv-headers': 'half-closed-local',
    'send-reset': 'closed',
    'recv-reset': 'closed',
  },
  open: {
    'send-headers': 'open', // 1xx, then the final response; trailers come with END_STREAM
    'recv-headers': 'open',
    'send-end-stream': 'half-closed-local',
    'recv-end-stream': 'half-closed-remote',
    'send-reset': 'closed',
    'recv-reset': 'closed',
  },
  'half-closed-local': {
    'recv-headers': 'half-closed-local',
    'recv-end-stream': 'closed',
    'send-reset': 'closed',
    'recv-reset': 'closed',
  },
  'half-closed-remote': {
    'send-headers': 'half-closed-remote',
    'send-end-stream': 'closed',
    'send-reset': 'closed',
    'recv-reset': 'closed',
  },
  closed: {},
};

/**
 * The next state, or null when the input is not allowed in `state`.
 *
 * @example
 * transition('open', 'recv-end-stream'); // 'half-closed-remote'
 * transition('half-closed-remote', 'recv-headers'); // null
 */
export function transition(state: StreamState, input: StreamInput): StreamState | null {
  return TRANSITIONS[state][input] ?? null;
}

/** How a stream reached `closed`: decides what a late frame means. */
export type ClosedBy = 'end-stream' | 'sent-reset' | 'recv-reset';

/** Where a received frame's verdict is looked up: the state, with `closed` split by cause. */
export type VerdictState = Exclude<StreamState, 'closed'> | `closed-by-${ClosedBy}`;

/** Frame types whose reception depends on the stream state. */
export type StreamFrameType = 'DATA' | 'HEADERS' | 'PRIORITY' | 'RST_STREAM' | 'PUSH_PROMISE' | 'WINDOW_UPDATE';

/**
 * What receiving a frame means:
 * - `ok`: process it;
 * - `ignore`: drop it (still charged to connection flow control / the HPACK decoder);
 * - `stream:CODE` / `connection:CODE`: a fault of that scope and RFC 9113 §7 code.
 */
export type Verdict = 'ok' | 'ignore' | 'stream:STREAM_CLOSED' | 'connection:STREAM_CLOSED' | 'connection:PROTOCOL_ERROR';

/**
 * RFC 9113 §5.1, per state, for frames received on a stream. PUSH_PROMISE here is a frame whose
 * stream id is the PARENT stream (the promised stream's own state is checked separately).
 * CONTINUATION is absent: its legality is sequencing (§6.10), and its field block is judged as
 * the HEADERS or PUSH_PROMISE it continues.
 */
export const RECEIVE_VERDICTS: Readonly<Record<VerdictState, Readonly<Record<StreamFrameType, Verdict>>>> = {
  // "Receiving any frame other than HEADERS or PRIORITY on a stream in this state MUST be treated
  // as a connection error of type PROTOCOL_ERROR."
  idle: {
    DATA: 'connection:PROTOCOL_ERROR', HEADERS: 'ok', PRIORITY: 'ok', RST_STREAM: 'connection:PROTOCOL_ERROR',
    PUSH_PROMISE: 'connection:PROTOCOL_ERROR', WINDOW_UPDATE: 'connection:PROTOCOL_ERROR',
  },
  // "An endpoint MUST NOT receive any type of frame other than RST_STREAM, WINDOW_UPDATE, or
  // PRIORITY in this state" (reserved (local)): others are a connection PROTOCOL_ERROR.
  'reserved-local': {
    DATA: 'connection:PROTOCOL_ERROR', HEADERS: 'connection:PROTOCOL_ERROR', PRIORITY: 'ok', RST_STREAM: 'ok',
    PUSH_PROMISE: 'connection:PROTOCOL_ERROR', WINDOW_UPDATE: 'ok',
  },
  // "Receiving any type of frame other than HEADERS, RST_STREAM, or PRIORITY on a stream in this
  // state MUST be treated as a connection error of type PROTOCOL_ERROR." (reserved (remote))
  'reserved-remote': {
    DATA: 'connection:PROTOCOL_ERROR', HEADERS: 'ok', PRIORITY: 'ok', RST_STREAM: 'ok',
    PUSH_PROMISE: 'connection:PROTOCOL_ERROR', WINDOW_UPDATE: 'connection:PROTOCOL_ERROR',
  },
  open: {
    DATA: 'ok', HEADERS: 'ok', PRIORITY: 'ok', RST_STREAM: 'ok', PUSH_PROMISE: 'ok', WINDOW_UPDATE: 'ok',
  },
  // "half-closed (local): An endpoint can receive any type of frame in this state."
  'half-closed-local': {
    DATA: 'ok', HEADERS: 'ok', PRIORITY: 'ok', RST_STREAM: 'ok', PUSH_PROMISE: 'ok', WINDOW_UPDATE: 'ok',
  },
  // "If an endpoint receives additional frames, other than WINDOW_UPDATE, PRIORITY, or
  // RST_STREAM, for a stream that is in this state, it MUST respond with a stream error of type
  // STREAM_CLOSED." (half-closed (remote)). For PUSH_PROMISE, RFC 9113 §6.6 wants the parent
  // "open" or "half-closed (local)" at the receiver, otherwise a connection PROTOCOL_ERROR.
  'half-closed-remote': {
    DATA: 'stream:STREAM_CLOSED', HEADERS: 'stream:STREAM_CLOSED', PRIORITY: 'ok', RST_STREAM: 'ok',
    PUSH_PROMISE: 'connection:PROTOCOL_ERROR', WINDOW_UPDATE: 'ok',
  },
  // "An endpoint MUST ignore frames that it receives on closed streams after it has sent a
  // RST_STREAM frame." PUSH_PROMISE is ignored too (its promised stream is then refused).
  'closed-by-sent-reset': {
    DATA: 'ignore', HEADERS: 'ignore', PRIORITY: 'ok', RST_STREAM: 'ignore', PUSH_PROMISE: 'ignore', WINDOW_UPDATE: 'ignore',
  },
  // RFC 7540 §5.1: "An endpoint that receives any frame other than PRIORITY after receiving a
  // RST_STREAM MUST treat that as a stream error (Section 5.4.2) of type STREAM_CLOSED" — kept for
  // DATA and HEADERS. WINDOW_UPDATE is ignored: RFC 9113 §6.9 says a WINDOW_UPDATE on a closed
  // stream "MUST NOT" be treated as an error, and §5.1 forbids sending anything but PRIORITY on a
  // closed stream (nghttp2 and hyperium/h2 drop it too). PRIORITY stays allowed on closed streams;
  // PUSH_PROMISE on a parent that is not open/half-closed (local) is a PROTOCOL_ERROR (§6.6).
  'closed-by-recv-reset': {
    DATA: 'stream:STREAM_CLOSED', HEADERS: 'stream:STREAM_CLOSED', PRIORITY: 'ok', RST_STREAM: 'ignore',
    PUSH_PROMISE: 'connection:PROTOCOL_ERROR', WINDOW_UPDATE: 'ignore',
  },
  // Closed by END_STREAM both ways: the peer knows it is closed, so DATA/HEADERS are a connection
  // error STREAM_CLOSED ("An endpoint MAY treat receipt of any other type of frame on a closed
  // stream as a connection error of type STREAM_CLOSED"), except WINDOW_UPDATE and RST_STREAM,
  // which may cross our END_STREAM in flight.
  'closed-by-end-stream': {
    DATA: 'connection:STREAM_CLOSED', HEADERS: 'connection:STREAM_CLOSED', PRIORITY: 'ok', RST_STREAM: 'ignore',
    PUSH_PROMISE: 'connection:PROTOCOL_ERROR', WINDOW_UPDATE: 'ignore',
  },
};

/**
 * The verdict for receiving `frame` on a stream in `state` (closed split by `closedBy`).
 *
 * @example
 * receiveVerdict('half-closed-remote', 'DATA'); // 'stream:STREAM_CLOSED'
 */
export function receiveVerdict(state: StreamState, frame: StreamFrameType, closedBy: ClosedBy = 'end-stream'): Verdict {
  const key: VerdictState = state === 'closed' ? `closed-by-${closedBy}` : state;
  return RECEIVE_VERDICTS[key][frame];
}
