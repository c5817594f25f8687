/**
 * The HTTP/2 connection engine, sans-I/O, for both roles (RFC 9113).
 *
 * Contract (python-hyper/h2 style):
 *   const events = conn.receive(bytes);   // peer bytes in → events out; never throws for peer input
 *   conn.sendHeaders(id, headers, …);     // local actions queue frames (throw only on misuse)
 *   socket.write(conn.takeOutput());      // bytes to send, DATA ordered by the priority scheduler
 *
 * Design decisions (see docs/h2-engine.md for the long form):
 * - Faults in one place: every check returns an `H2Fault` with its scope and RFC code where it is
 *   detected; `#applyFault` alone turns it into RST_STREAM or GOAWAY. After a connection fault the
 *   engine processes nothing more. A received RST_STREAM is never answered with one.
 * - Stream states follow the tables of `stream-state.ts`; a closed stream remembers how it closed
 *   (bounded memory), which decides whether a late frame is ignored, a stream error or a
 *   connection error.
 * - Our SETTINGS take effect when acknowledged, except where the peer may already rely on a raised
 *   value: increases of INITIAL_WINDOW_SIZE, HEADER_TABLE_SIZE and MAX_FRAME_SIZE apply at once
 *   (the peer may use them as soon as it reads them), decreases wait for the ACK.
 * - Field blocks are HPACK-encoded at the moment their frames are queued, so encoding order is
 *   wire order (trailers are encoded when the DATA before them has drained).
 * - Flow control: DATA is queued per stream and released by `takeOutput()` within both windows,
 *   in the order the scheduler (RFC 7540 tree or RFC 9218 urgency) picks. Received DATA is
 *   credited back when the application calls `acknowledgeReceivedData`; a WINDOW_UPDATE goes out
 *   once half of the window has been consumed, so a fast reader never stalls on a full window.
 */
import {
  CLIENT_PREFACE,
  DEFAULT_HEADER_TABLE_SIZE,
  DEFAULT_INITIAL_WINDOW_SIZE,
  ErrorCode,
  FrameType,
  MAX_MAX_FRAME_SIZE,
  MAX_STREAM_ID,
  MAX_WINDOW_SIZE,
  MIN_MAX_FRAME_SIZE,
  SettingId,
} from './constants.js';
import {
  FrameReader,
  checkSetting,
  connectionFault,
  decodeFrame,
  isFault,
  encodeFrame,
  streamFault,
  writeFrameHeader,
  type Frame,
  type H2Fault,
  type PriorityFields,
} from './frames.js';
import { checkLocalFields, checkReceivedFields, type FieldSectionKind } from './headers.js';
import { receiveVerdict, transition, type ClosedBy, type StreamFrameType, type StreamInput, type StreamState, type Verdict } from './stream-state.js';
import {
  DEFAULT_CONNECTION_WINDOW_SIZE,
  DEFAULT_GLITCH_BURST,
  DEFAULT_GLITCH_RATE,
  DEFAULT_MAX_CLOSED_STREAMS,
  DEFAULT_MAX_CONCURRENT_STREAMS,
  DEFAULT_MAX_CONTINUATION_FRAMES,
  DEFAULT_MAX_HEADER_BLOCK_SIZE,
  DEFAULT_MAX_HEADER_LIST_SIZE,
  DEFAULT_MAX_OUTSTANDING_ACKS,
  DEFAULT_MAX_RESERVED_PUSHES,
  DEFAULT_MAX_SETTINGS_ENTRIES,
  DEFAULT_RESET_BURST,
  DEFAULT_RESET_RATE,
  TokenBucket,
} from './limits.js';
import { HpackDecoder, HpackEncoder, HpackError, type HuffmanMode } from './hpack/index.js';
import { createScheduler, parsePriorityField, serializePriorityField, type H2Scheduler, type PrioritySpec, type SchedulerOptions } from './priority/index.js';
import type { H2Event, H2Headers } from './events.js';
import { TramaError, nodeError } from '../shared/index.js';

/** The SETTINGS of one endpoint (RFC 9113 §6.5.2, RFC 8441 §3, RFC 9218 §2.1). */
export interface H2Settings {
  headerTableSize: number;
  enablePush: boolean;
  maxConcurrentStreams: number;
  initialWindowSize: number;
  maxFrameSize: number;
  maxHeaderListSize: number;
  enableConnectProtocol: boolean;
  noRfc7540Priorities: boolean;
}

/** RFC 9113 §6.5.2 initial values: what is in force before any SETTINGS. */
const RFC_DEFAULTS: Readonly<H2Settings> = {
  headerTableSize: DEFAULT_HEADER_TABLE_SIZE,
  enablePush: true,
  maxConcurrentStreams: Infinity,
  initialWindowSize: DEFAULT_INITIAL_WINDOW_SIZE,
  maxFrameSize: MIN_MAX_FRAME_SIZE,
  maxHeaderListSize: Infinity,
  enableConnectProtocol: false,
  noRfc7540Priorities: false,
};

/** Options of {@link H2Connection}. Every abuse limit defaults to the constant in `limits.ts`. */
export interface H2ConnectionOptions {
  /** Which end of the connection this engine plays. */
  role: 'client' | 'server';
  /** SETTINGS we advertise in the preface (unset entries keep the defaults below). */
  settings?: Partial<H2Settings>;
  /** Which scheduler orders DATA: the RFC 7540 tree (default) or RFC 9218 urgency. */
  priority?: 'rfc7540' | 'rfc9218';
  /**
   * The scheduler's memory bounds for streams that are not open (PRIORITY placeholders for idle
   * streams, retained closed streams, buffered PRIORITY_UPDATEs): `maxNodes` (default
   * `DEFAULT_MAX_NODES`) and `maxRetainedClosed` (default `DEFAULT_MAX_RETAINED_CLOSED`).
   */
  priorityLimits?: SchedulerOptions;
  /** The connection receive window we open after the preface. Default 1 MiB. */
  connectionWindowSize?: number;
  /** HPACK encoder's Huffman choice (default 'auto'). */
  huffman?: HuffmanMode;
  /** Fields to send as never-indexed literals (beside the encoder's own choice). */
  neverIndex?: (name: string, value: string) => boolean;
  /** Largest HPACK table our encoder uses, whatever the peer allows. Default 4096. */
  maxEncoderTableSize?: number;
  resetBurst?: number;
  resetRate?: number;
  glitchBurst?: number;
  glitchRate?: number;
  maxContinuationFrames?: number;
  maxHeaderBlockSize?: number;
  maxOutstandingAcks?: number;
  maxSettingsEntries?: number;
  maxReservedPushes?: number;
  maxClosedStreams?: number;
  /** The clock for rate limits (milliseconds). Default `Date.now`. */
  now?: () => number;
  /**
   * Start from an HTTP/1.1 `Upgrade: h2c` (RFC 7540 §3.2): the upgraded request is stream 1,
   * half-closed from the client. Server: `http2Settings` is the request's HTTP2-Settings value
   * (check it first with `decodeHttp2Settings`; the 101 acknowledges it); the application already
   * has the request head from HTTP/1.1 and answers with `sendHeaders(1, …)`. Client: `method` of
   * the upgraded request (HEAD responses carry no DATA) and the HTTP2-Settings it sent (then in
   * force); the response arrives on stream 1.
   */
  upgrade?: { http2Settings?: string; method?: string };
}

/**
 * Decodes an HTTP2-Settings header value (RFC 7540 §3.2.1: base64url of a SETTINGS payload);
 * null when it is not valid, in which case a server must not upgrade.
 *
 * @example
 * const entries = decodeHttp2Settings(req.headers['http2-settings']);
 * if (entries === null) return respond400();
 */
export function decodeHttp2Settings(value: string): Array<[number, number]> | null {
  if (typeof value !== 'string' || !/^[A-Za-z0-9_-]*={0,2}$/.test(value)) return null;
  const payload = Buffer.from(value, 'base64url');
  if (payload.length % 6 !== 0) return null;
  const f = decodeFrame(FrameType.SETTINGS, 0, 0, payload);
  return isFault(f) || f.type !== 'SETTINGS' ? null : f.settings;
}

/**
 * Encodes SETTINGS as an HTTP2-Settings header value for an `Upgrade: h2c` request.
 *
 * @example
 * const value = encodeHttp2Settings({ initialWindowSize: 1 << 20 }); // 'AAQAEAAA'
 */
export function encodeHttp2Settings(settings: Partial<H2Settings>): string {
  const entries: Array<[number, number]> = [];
  if (settings.headerTableSize !== undefined) entries.push([SettingId.HEADER_TABLE_SIZE, settings.headerTableSize]);
  if (settings.enablePush !== undefined) entries.push([SettingId.ENABLE_PUSH, settings.enablePush ? 1 : 0]);
  if (settings.maxConcurrentStreams !== undefined) entries.push([SettingId.MAX_CONCURRENT_STREAMS, settings.maxConcurrentStreams]);
  if (settings.initialWindowSize !== undefined) entries.push([SettingId.INITIAL_WINDOW_SIZE, settings.initialWindowSize]);
  if (settings.maxFrameSize !== undefined) entries.push([SettingId.MAX_FRAME_SIZE, settings.maxFrameSize]);
  if (settings.maxHeaderListSize !== undefined) entries.push([SettingId.MAX_HEADER_LIST_SIZE, settings.maxHeaderListSize]);
  return encodeFrame({ type: 'SETTINGS', ack: false, settings: entries }, MAX_MAX_FRAME_SIZE).subarray(9).toString('base64url');
}

/** Options of `sendHeaders`. */
export interface SendHeadersOptions {
  endStream?: boolean;
  /** Priority signal: RFC 7540 fields go into the HEADERS frame (client), RFC 9218 ones into a
   *  `priority` field when the headers have none (client); the server applies it locally. */
  priority?: PrioritySpec;
  /** Field names to send as never-indexed literals (RFC 7541 §7.1.3). */
  sensitive?: ReadonlySet<string>;
}

interface H2Stream {
  id: number;
  state: StreamState;
  local: boolean; // initiated (or promised) by us
  sendWindow: number; // can go negative when the peer lowers INITIAL_WINDOW_SIZE (RFC 9113 §6.9.2)
  recvWindow: number; // likewise when we lower ours
  // outbound
  chunks: Buffer[];
  chunkOff: number;
  queued: number;
  endQueued: boolean;
  trailers: H2Headers | null;
  trailerSensitive: ReadonlySet<string> | undefined;
  localFinal: boolean; // we sent the final (non-1xx) header section
  // inbound
  remoteFinal: boolean; // the peer's final header section arrived
  expected: number; // declared content-length, -1 if none
  received: number;
  unacked: number; // delivered to the app, not yet acknowledged
  consumed: number; // acknowledged since our last stream WINDOW_UPDATE
  requestMethod: string;
  announced: boolean; // the application has heard of this stream
}

interface ClosedRecord {
  closedBy: ClosedBy;
  unacked: number;
}

interface FieldBlockAssembly {
  streamId: number;
  promisedId: number; // 0 for HEADERS
  parts: Buffer[];
  size: number;
  continuations: number;
  endStream: boolean;
  priority: PriorityFields | undefined;
}

const EMPTY = Buffer.alloc(0);

function isActive(state: StreamState): boolean {
  return state === 'open' || state === 'half-closed-local' || state === 'half-closed-remote';
}

function misuse(code: string, message: string): never {
  throw new TramaError(code, message);
}

/** RFC 9113 §6.5.2: a field section's size is the sum of name + value + 32 octets per field. */
function fieldSectionSize(fields: ReadonlyArray<readonly [string, string]>): number {
  let n = 0;
  for (let i = 0; i < fields.length; i++) n += fields[i]![0].length + fields[i]![1].length + 32;
  return n;
}

/**
 * One HTTP/2 connection, either role, with no I/O.
 *
 * @example
 * const client = new H2Connection({ role: 'client' });
 * const id = client.nextStreamId();
 * client.sendHeaders(id, [[':method', 'GET'], [':scheme', 'https'], [':authority', 'example.com'], [':path', '/']], { endStream: true });
 * socket.write(client.takeOutput());
 * socket.on('data', (b) => { for (const e of client.receive(b)) console.log(e.type); socket.write(client.takeOutput()); });
 */
export class H2Connection {
  readonly role: 'client' | 'server';
  #isClient: boolean;
  #now: () => number;

  // settings
  #local: H2Settings; // in force (acknowledged by the peer)
  #advertised: H2Settings; // the latest we sent
  #pendingLocal: Array<Array<[number, number]>> = [];
  #peer: H2Settings = { ...RFC_DEFAULTS };
  #gotPeerSettings = false;
  #peerPrioritiesFixed = false; // the peer's first SETTINGS frame fixed its NO_RFC7540_PRIORITIES
  #maxEncoderTableSize: number;

  // codecs
  #reader: FrameReader;
  #encoder: HpackEncoder;
  #decoder: HpackDecoder;
  #prefaceLeft: number;

  // streams
  #streams = new Map<number, H2Stream>();
  #closed = new Map<number, ClosedRecord>();
  #forgottenPeerMax = 0; // highest peer stream id dropped from #closed (its closing is forgotten)
  /** #closed's ids in insertion order (a ring of maxClosedStreams + 1), created with the first. */
  #closedRing: Int32Array | null = null;
  #ringIn = 0;
  #ringOut = 0;
  #nextLocalId: number;
  #lastPeerId = 0; // highest stream id the peer opened or promised
  #activeLocal = 0;
  #activePeer = 0;
  #reservedRemote = 0;
  #scheduler: H2Scheduler;
  /** The scheduler was not chosen by the application: a server may follow the client's signal. */
  #schedulerByDefault: SchedulerOptions | null;
  #finishers = new Set<number>(); // streams whose only pending output is END_STREAM or trailers

  // flow control (connection level)
  #connSendWindow = DEFAULT_INITIAL_WINDOW_SIZE;
  #connRecvWindow = DEFAULT_INITIAL_WINDOW_SIZE;
  #connRecvTarget: number;
  #connConsumed = 0;

  // output
  #out: Buffer[] = [];
  #outAcks = 0;

  // connection lifecycle
  #dead = false;
  #goawaySentId = -1; // last-stream-id of our latest GOAWAY, -1 if none
  #goawayReceivedId = -1;
  #gracefulPing: string | null = null;
  #pings = new Set<string>();
  #assembly: FieldBlockAssembly | null = null;
  #events: H2Event[] = [];

  // limits
  #resets: TokenBucket;
  #glitches: TokenBucket;
  #maxContinuations: number;
  #maxBlockSize: number;
  #maxOutstandingAcks: number;
  #maxSettingsEntries: number;
  #maxReservedPushes: number;
  #maxClosed: number;

  constructor(options: H2ConnectionOptions) {
    this.role = options.role;
    this.#isClient = options.role === 'client';
    this.#now = options.now ?? Date.now;
    const now = this.#now();
    this.#resets = new TokenBucket(options.resetBurst ?? DEFAULT_RESET_BURST, options.resetRate ?? DEFAULT_RESET_RATE, now);
    this.#glitches = new TokenBucket(options.glitchBurst ?? DEFAULT_GLITCH_BURST, options.glitchRate ?? DEFAULT_GLITCH_RATE, now);
    this.#maxContinuations = options.maxContinuationFrames ?? DEFAULT_MAX_CONTINUATION_FRAMES;
    this.#maxBlockSize = options.maxHeaderBlockSize ?? DEFAULT_MAX_HEADER_BLOCK_SIZE;
    this.#maxOutstandingAcks = options.maxOutstandingAcks ?? DEFAULT_MAX_OUTSTANDING_ACKS;
    this.#maxSettingsEntries = options.maxSettingsEntries ?? DEFAULT_MAX_SETTINGS_ENTRIES;
    this.#maxReservedPushes = options.maxReservedPushes ?? DEFAULT_MAX_RESERVED_PUSHES;
    this.#maxClosed = options.maxClosedStreams ?? DEFAULT_MAX_CLOSED_STREAMS;
    this.#maxEncoderTableSize = options.maxEncoderTableSize ?? DEFAULT_HEADER_TABLE_SIZE;
    this.#nextLocalId = this.#isClient ? 1 : 2;
    this.#prefaceLeft = this.#isClient ? 0 : CLIENT_PREFACE.length;

    const wanted: H2Settings = {
      ...RFC_DEFAULTS,
      maxConcurrentStreams: DEFAULT_MAX_CONCURRENT_STREAMS,
      maxHeaderListSize: DEFAULT_MAX_HEADER_LIST_SIZE,
      noRfc7540Priorities: options.priority === 'rfc9218',
      ...options.settings,
    };
    if (!this.#isClient && options.settings?.enablePush) {
      throw nodeError(TypeError, 'ERR_HTTP2_INVALID_SETTING_VALUE', 'A server cannot enable push (SETTINGS_ENABLE_PUSH)');
    }
    this.#local = { ...RFC_DEFAULTS };
    this.#advertised = { ...RFC_DEFAULTS };
    this.#reader = new FrameReader(MIN_MAX_FRAME_SIZE);
    this.#decoder = new HpackDecoder({ maxHeaderListSize: wanted.maxHeaderListSize });
    const encOpts: { maxTableSize: number; huffman?: HuffmanMode; neverIndex?: (n: string, v: string) => boolean } = { maxTableSize: this.#maxEncoderTableSize };
    if (options.huffman) encOpts.huffman = options.huffman;
    if (options.neverIndex) encOpts.neverIndex = options.neverIndex;
    this.#encoder = new HpackEncoder(encOpts);
    this.#encoder.setMaxTableSize(Math.min(DEFAULT_HEADER_TABLE_SIZE, this.#maxEncoderTableSize));
    this.#scheduler = createScheduler(options.priority ?? 'rfc7540', options.priorityLimits);
    this.#schedulerByDefault = options.priority === undefined ? (options.priorityLimits ?? {}) : null;

    // RFC 9113 §3.4: the client sends the magic, then both send SETTINGS as their first frame.
    if (this.#isClient) this.#out.push(CLIENT_PREFACE);
    const entries = this.#settingsEntries(wanted, true);
    this.#sendSettings(entries);
    const connWindow = options.connectionWindowSize ?? DEFAULT_CONNECTION_WINDOW_SIZE;
    if (connWindow > MAX_WINDOW_SIZE || connWindow < DEFAULT_INITIAL_WINDOW_SIZE) {
      throw nodeError(RangeError, 'ERR_OUT_OF_RANGE', `The value of "connectionWindowSize" is out of range. Received ${connWindow}`);
    }
    this.#connRecvTarget = connWindow;
    if (connWindow > DEFAULT_INITIAL_WINDOW_SIZE) {
      this.#out.push(encodeFrame({ type: 'WINDOW_UPDATE', streamId: 0, increment: connWindow - DEFAULT_INITIAL_WINDOW_SIZE }));
      this.#connRecvWindow = connWindow;
    }
    if (options.upgrade) this.#startUpgraded(options.upgrade);
  }

  /** RFC 7540 §3.2: stream 1 carries the upgraded request, "half-closed" from the client. */
  #startUpgraded(upgrade: { http2Settings?: string; method?: string }): void {
    const s = this.#newStream(1, this.#isClient);
    this.#streams.set(1, s);
    s.announced = true;
    if (this.#isClient) {
      // What we sent as HTTP2-Settings is in force: the server's 101 acknowledged it.
      if (upgrade.http2Settings !== undefined) {
        const entries = decodeHttp2Settings(upgrade.http2Settings);
        if (entries === null) throw nodeError(TypeError, 'ERR_HTTP2_INVALID_SETTING_VALUE', 'invalid HTTP2-Settings header value');
        this.#applyLocalSettings(entries, 'sent');
        this.#applyLocalSettings(entries, 'acked');
      }
      s.localFinal = true;
      s.requestMethod = upgrade.method ?? 'GET';
      this.#nextLocalId = 3;
      this.#move(s, 'send-headers');
      this.#move(s, 'send-end-stream');
    } else {
      const entries = decodeHttp2Settings(upgrade.http2Settings ?? '');
      if (entries === null) throw nodeError(TypeError, 'ERR_HTTP2_INVALID_SETTING_VALUE', 'invalid HTTP2-Settings header value');
      // RFC 7540 §3.2.1: interpreted as a SETTINGS frame; the 101 response is the acknowledgement.
      for (const [id, v] of entries) {
        const bad = checkSetting(id, v);
        if (bad) throw nodeError(TypeError, 'ERR_HTTP2_INVALID_SETTING_VALUE', `invalid HTTP2-Settings: ${bad.message}`);
      }
      const fault = this.#applyPeerSettings(entries);
      if (fault) throw nodeError(TypeError, 'ERR_HTTP2_INVALID_SETTING_VALUE', `invalid HTTP2-Settings: ${fault.message}`);
      s.remoteFinal = true;
      s.requestMethod = upgrade.method ?? 'GET';
      this.#lastPeerId = 1;
      this.#move(s, 'recv-headers');
      this.#move(s, 'recv-end-stream');
    }
    this.#scheduler.open(1, {});
  }

  // -------------------------------------------------------------------------------------------
  // Introspection

  /** SETTINGS of ours the peer has acknowledged. */
  get localSettings(): Readonly<H2Settings> {
    return this.#local;
  }
  /** SETTINGS the peer sent (RFC defaults until its first SETTINGS). */
  get remoteSettings(): Readonly<H2Settings> {
    return this.#peer;
  }
  /** True once a connection error ended the connection (ours or the peer's GOAWAY with an error). */
  get isTerminated(): boolean {
    return this.#dead;
  }
  /**
   * True when the driver should close the transport: terminated, or GOAWAY exchanged and no stream
   * left.
   *
   * @example
   * socket.write(conn.takeOutput()); if (conn.wantsClose) socket.end();
   */
  get wantsClose(): boolean {
    if (this.#dead) return true;
    if (this.#goawaySentId < 0 && this.#goawayReceivedId < 0) return false;
    if (this.#gracefulPing !== null) return false;
    return this.#streams.size === 0;
  }
  /** Streams currently open or half-closed, in both directions. */
  get activeStreams(): number {
    return this.#activeLocal + this.#activePeer;
  }
  /** The connection's send window (bytes of DATA we may still send). */
  get connectionSendWindow(): number {
    return this.#connSendWindow;
  }
  /** The connection's receive window (bytes the peer may still send). */
  get connectionReceiveWindow(): number {
    return this.#connRecvWindow;
  }
  /**
   * SETTINGS frames we sent that the peer has not acknowledged yet: a driver that wants
   * SETTINGS_TIMEOUT (RFC 9113 §6.5.3) starts a timer while this is above 0 and calls
   * `goaway(ErrorCode.SETTINGS_TIMEOUT)` when it fires.
   *
   * @example
   * if (conn.settingsAwaitingAck > 0) settingsTimer.refresh();
   */
  get settingsAwaitingAck(): number {
    return this.#pendingLocal.length;
  }
  /**
   * A stream's state (RFC 9113 §5.1); 'idle' for unknown future ids, 'closed' for past ones.
   *
   * @example
   * if (conn.streamState(id) !== 'closed') conn.sendData(id, chunk);
   */
  streamState(id: number): StreamState {
    const s = this.#streams.get(id);
    if (s) return s.state;
    if (this.#closed.has(id)) return 'closed';
    return this.#isIdle(id) ? 'idle' : 'closed';
  }
  /**
   * Whether stream `id` is still alive: neither idle nor closed (open, half-closed either way, or
   * reserved), on a connection that is not terminated. Events arrive in batches, so a reset late
   * in a batch may already have closed a stream an earlier event is about: answer a stream only
   * while this is true, and the `send*` calls cannot throw `ERR_HTTP2_INVALID_STREAM` for it.
   *
   * @example
   * if (conn.isStreamOpen(e.streamId)) conn.sendHeaders(e.streamId, [[':status', '200']], { endStream: true });
   */
  isStreamOpen(id: number): boolean {
    return !this.#dead && this.#streams.has(id);
  }
  /** A stream's send window, or 0 when the stream is not open for sending. */
  streamSendWindow(id: number): number {
    return this.#streams.get(id)?.sendWindow ?? 0;
  }
  /** A stream's receive window. */
  streamReceiveWindow(id: number): number {
    return this.#streams.get(id)?.recvWindow ?? 0;
  }
  /** Bytes queued on a stream and not yet written by `takeOutput()`. */
  streamQueuedBytes(id: number): number {
    return this.#streams.get(id)?.queued ?? 0;
  }

  // -------------------------------------------------------------------------------------------
  // Receiving

  /**
   * Feeds bytes from the peer; returns what happened. Never throws for peer input: violations
   * become RST_STREAM / GOAWAY frames (in `takeOutput()`) and `stream-reset` /
   * `connection-terminated` events. After a connection error it returns [] for any input.
   *
   * @example
   * for (const e of conn.receive(chunk)) if (e.type === 'headers-received') handle(e.streamId, e.headers);
   */
  receive(bytes: Uint8Array): H2Event[] {
    if (this.#dead) return [];
    const events: H2Event[] = [];
    this.#events = events;
    try {
      let input = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      if (this.#prefaceLeft > 0) {
        const at = CLIENT_PREFACE.length - this.#prefaceLeft;
        const n = Math.min(this.#prefaceLeft, input.length);
        // RFC 9113 §3.4: an invalid preface is a connection error PROTOCOL_ERROR.
        if (CLIENT_PREFACE.compare(input, 0, n, at, at + n) !== 0) {
          this.#applyFault(connectionFault(ErrorCode.PROTOCOL_ERROR, 'invalid connection preface'));
          return events;
        }
        this.#prefaceLeft -= n;
        input = input.subarray(n);
      }
      this.#reader.push(input);
      while (!this.#dead) {
        const r = this.#reader.next();
        if (r === null) break;
        let fault: H2Fault | undefined;
        if (r.kind === 'fault') {
          fault = this.#assembly !== null && r.frameType !== FrameType.CONTINUATION
            ? connectionFault(ErrorCode.PROTOCOL_ERROR, 'frame interleaved in a field block')
            : r.fault;
          if (fault.scope === 'stream' && this.#isIdle(fault.streamId)) {
            // RST_STREAM MUST NOT be sent for an idle stream (RFC 9113 §6.4): escalate.
            fault = connectionFault(ErrorCode.PROTOCOL_ERROR, fault.message);
          }
        } else {
          fault = this.#onFrame(r.frame, r.length);
        }
        if (fault) this.#applyFault(fault);
      }
    } catch (err) {
      // A bug of ours must not escape as an exception on peer input: end the connection cleanly.
      this.#applyFault(connectionFault(ErrorCode.INTERNAL_ERROR, `internal error: ${(err as Error)?.message ?? String(err)}`));
    }
    this.#events = []; // do not keep the caller's events (and the input they view) alive
    return events;
  }

  #onFrame(f: Frame, length: number): H2Fault | undefined {
    // RFC 9113 §6.10: a field block is contiguous; anything else in between is a PROTOCOL_ERROR.
    if (this.#assembly !== null && f.type !== 'CONTINUATION') {
      return connectionFault(ErrorCode.PROTOCOL_ERROR, `${f.type} inside a field block`);
    }
    // RFC 9113 §3.4: the peer's first frame is SETTINGS.
    if (!this.#gotPeerSettings) {
      if (f.type !== 'SETTINGS' || f.ack) return connectionFault(ErrorCode.PROTOCOL_ERROR, 'first frame is not SETTINGS');
      this.#gotPeerSettings = true;
    }
    switch (f.type) {
      case 'DATA':
        return this.#onData(f.streamId, f.data, length, f.endStream);
      case 'HEADERS':
        if (f.endHeaders) return this.#onHeaderBlock(f.streamId, f.block, f.endStream, f.priority);
        return this.#startAssembly(f.streamId, 0, f.block, f.endStream, f.priority);
      case 'CONTINUATION':
        return this.#onContinuation(f.streamId, f.block, f.endHeaders);
      case 'PUSH_PROMISE':
        return this.#onPushPromise(f.streamId, f.promisedId, f.block, f.endHeaders);
      case 'PRIORITY':
        return this.#onPriority(f.streamId, f.priority);
      case 'RST_STREAM':
        return this.#onRstStream(f.streamId, f.errorCode);
      case 'SETTINGS':
        return this.#onSettings(f.ack, f.settings);
      case 'PING':
        return this.#onPing(f.ack, f.opaque);
      case 'GOAWAY':
        return this.#onGoaway(f.lastStreamId, f.errorCode, f.debug);
      case 'WINDOW_UPDATE':
        return this.#onWindowUpdate(f.streamId, f.increment);
      case 'PRIORITY_UPDATE':
        return this.#onPriorityUpdate(f.prioritizedId, f.value);
      case 'UNKNOWN':
        // RFC 9113 §5.5: unknown frame types are ignored.
        return undefined;
    }
  }

  /** True when `id` names a stream that was never opened (RFC 9113 §5.1 "idle"). */
  #isIdle(id: number): boolean {
    if (id === 0) return false;
    if (this.#streams.has(id) || this.#closed.has(id)) return false;
    const peerParity = this.#isClient ? id % 2 === 0 : id % 2 === 1;
    return peerParity ? id > this.#lastPeerId : id >= this.#nextLocalId;
  }

  /** Looks a stream up and judges a received frame on it (stream-state.ts tables). */
  #judge(id: number, frame: StreamFrameType): { s: H2Stream | undefined; verdict: Verdict } {
    const s = this.#streams.get(id);
    if (s) return { s, verdict: receiveVerdict(s.state, frame) };
    const rec = this.#closed.get(id);
    if (rec) return { s: undefined, verdict: receiveVerdict('closed', frame, rec.closedBy) };
    if (this.#isIdle(id)) return { s: undefined, verdict: receiveVerdict('idle', frame) };
    // Never opened, or closed so long ago that we forgot how. RFC 9113 §5.1.1: a peer's new
    // stream id must exceed every earlier one, so HEADERS on an id the peer skipped is a
    // connection PROTOCOL_ERROR. At or below the highest forgotten id we cannot tell a skipped id
    // from late trailers of a stream we reset long ago (§5.1: "MUST ignore frames ... after it
    // has sent a RST_STREAM"), so that is only a stream error, drawn from the reset bucket.
    // §6.1 makes DATA a stream error STREAM_CLOSED; the rest may cross in flight and is ignored.
    if (frame === 'HEADERS' && this.#peerOwned(id) && id > this.#forgottenPeerMax) return { s: undefined, verdict: 'connection:PROTOCOL_ERROR' };
    if (frame === 'DATA' || frame === 'HEADERS') return { s: undefined, verdict: 'stream:STREAM_CLOSED' };
    return { s: undefined, verdict: frame === 'PRIORITY' ? 'ok' : 'ignore' };
  }

  #verdictFault(id: number, verdict: Verdict, what: string): H2Fault | undefined {
    switch (verdict) {
      case 'stream:STREAM_CLOSED':
        return streamFault(id, ErrorCode.STREAM_CLOSED, `${what} on closed stream ${id}`);
      case 'connection:STREAM_CLOSED':
        return connectionFault(ErrorCode.STREAM_CLOSED, `${what} on closed stream ${id}`);
      case 'connection:PROTOCOL_ERROR':
        return connectionFault(ErrorCode.PROTOCOL_ERROR, `${what} on stream ${id} in state ${this.streamState(id)}`);
      default:
        return undefined;
    }
  }

  #glitch(what: string): H2Fault | undefined {
    if (this.#glitches.take(this.#now())) return undefined;
    return connectionFault(ErrorCode.ENHANCE_YOUR_CALM, `too many ${what}`);
  }

  #onData(id: number, data: Buffer, flowLength: number, endStream: boolean): H2Fault | undefined {
    // RFC 9113 §6.9.1: every DATA frame counts against the connection window, whatever its stream.
    if (flowLength > this.#connRecvWindow) return connectionFault(ErrorCode.FLOW_CONTROL_ERROR, 'DATA beyond the connection window');
    this.#connRecvWindow -= flowLength;
    const { s, verdict } = this.#judge(id, 'DATA');
    if (verdict !== 'ok' || !s) {
      this.#creditConnection(flowLength);
      return this.#verdictFault(id, verdict, 'DATA');
    }
    if (flowLength > s.recvWindow) {
      this.#creditConnection(flowLength);
      return streamFault(id, ErrorCode.FLOW_CONTROL_ERROR, 'DATA beyond the stream window');
    }
    s.recvWindow -= flowLength;
    const padding = flowLength - data.length;
    if (padding > 0) {
      // Padding is never seen by the application: credit it back at once.
      s.consumed += padding;
      this.#creditConnection(padding);
    }
    s.unacked += data.length;
    // RFC 9113 §8.1: DATA before the header section (or between 1xx and final) is malformed.
    if (!s.remoteFinal) return streamFault(id, ErrorCode.PROTOCOL_ERROR, 'DATA before HEADERS');
    s.received += data.length;
    // RFC 9113 §8.1.1: content-length must match the sum of DATA payloads.
    if (s.expected >= 0 && (s.received > s.expected || (endStream && s.received !== s.expected))) {
      return streamFault(id, ErrorCode.PROTOCOL_ERROR, 'content-length does not match DATA');
    }
    if (data.length === 0 && !endStream) {
      const g = this.#glitch('empty DATA frames');
      if (g) return g;
    }
    this.#events.push({ type: 'data-received', streamId: id, data, flowControlledLength: flowLength, endStream });
    if (endStream) this.#recvEnd(s);
    return undefined;
  }

  #recvEnd(s: H2Stream): void {
    this.#move(s, 'recv-end-stream');
    this.#events.push({ type: 'stream-ended', streamId: s.id });
  }

  #startAssembly(streamId: number, promisedId: number, block: Buffer, endStream: boolean, priority: PriorityFields | undefined): H2Fault | undefined {
    if (block.length > this.#maxBlockSize) return connectionFault(ErrorCode.ENHANCE_YOUR_CALM, 'field block too large');
    this.#assembly = { streamId, promisedId, parts: [block], size: block.length, continuations: 0, endStream, priority };
    return undefined;
  }

  #onContinuation(id: number, block: Buffer, endHeaders: boolean): H2Fault | undefined {
    const a = this.#assembly;
    // RFC 9113 §6.10: CONTINUATION only right after HEADERS/PUSH_PROMISE/CONTINUATION of the same stream.
    if (a === null || a.streamId !== id) return connectionFault(ErrorCode.PROTOCOL_ERROR, 'unexpected CONTINUATION');
    a.continuations++;
    a.size += block.length;
    // CONTINUATION floods: a field block is decoded only once complete, so its size and its
    // number of frames are bounded (connection error: the HPACK context cannot be kept in sync).
    if (a.continuations > this.#maxContinuations) return connectionFault(ErrorCode.ENHANCE_YOUR_CALM, 'too many CONTINUATION frames');
    if (a.size > this.#maxBlockSize) return connectionFault(ErrorCode.ENHANCE_YOUR_CALM, 'field block too large');
    a.parts.push(block);
    if (!endHeaders) return undefined;
    this.#assembly = null;
    const whole = a.parts.length === 1 ? a.parts[0]! : Buffer.concat(a.parts, a.size);
    if (a.promisedId !== 0) return this.#onPushBlock(a.streamId, a.promisedId, whole);
    return this.#onHeaderBlock(a.streamId, whole, a.endStream, a.priority);
  }

  /** Decodes a field block; a COMPRESSION_ERROR is a connection fault (RFC 9113 §4.3). */
  #decode(block: Buffer): H2Headers | 'too-large' | H2Fault {
    try {
      return this.#decoder.decode(block);
    } catch (err) {
      if (err instanceof HpackError && err.code === 'HEADER_LIST_TOO_LARGE') return 'too-large';
      return connectionFault(ErrorCode.COMPRESSION_ERROR, `HPACK: ${(err as Error)?.message ?? String(err)}`);
    }
  }

  #onHeaderBlock(id: number, block: Buffer, endStream: boolean, prio: PriorityFields | undefined): H2Fault | undefined {
    // Decode first, whatever happens to the stream: the HPACK context must stay in sync.
    const decoded = this.#decode(block);
    if (typeof decoded === 'object' && !Array.isArray(decoded)) return decoded;
    const { s, verdict } = this.#judge(id, 'HEADERS');
    if (verdict !== 'ok') return this.#verdictFault(id, verdict, 'HEADERS');
    if (!s) return this.#onNewPeerStream(id, decoded, endStream, prio);

    if (prio) {
      if (prio.dependsOn === id) return streamFault(id, ErrorCode.PROTOCOL_ERROR, 'stream depends on itself');
      if (!this.#ignoresRfc7540Signals()) this.#reprioritize(id, prio);
    }
    if (decoded === 'too-large') return this.#refuseLargeHeaders(s);
    if (s.state === 'reserved-remote') {
      // A pushed response (RFC 9113 §8.4): the stream becomes half-closed (local) and counts.
      if (this.#activePeer >= this.#advertised.maxConcurrentStreams) return streamFault(id, ErrorCode.REFUSED_STREAM, 'too many concurrent pushed streams');
      this.#move(s, 'recv-headers');
    }
    if (!s.remoteFinal && this.#isClient) {
      const r = checkReceivedFields(decoded, 'response', false);
      if ('malformed' in r) return streamFault(id, ErrorCode.PROTOCOL_ERROR, r.malformed);
      if (r.status < 200) {
        // RFC 9113 §8.1: a 1xx response cannot end the stream.
        if (endStream) return streamFault(id, ErrorCode.PROTOCOL_ERROR, 'informational response with END_STREAM');
        this.#events.push({ type: 'informational-received', streamId: id, headers: decoded });
        return undefined;
      }
      s.remoteFinal = true;
      // RFC 9110 §6.4.1: responses to HEAD, and 204/304, have no content whatever content-length says.
      s.expected = s.requestMethod === 'HEAD' || r.status === 204 || r.status === 304 ? 0 : r.contentLength;
      if (endStream && s.expected > 0) return streamFault(id, ErrorCode.PROTOCOL_ERROR, 'content-length does not match DATA');
      this.#events.push({ type: 'headers-received', streamId: id, headers: decoded, endStream });
      if (endStream) this.#recvEnd(s);
      return undefined;
    }
    // A second header section: trailers, which MUST end the stream (RFC 9113 §8.1).
    if (!endStream) return streamFault(id, ErrorCode.PROTOCOL_ERROR, 'trailers without END_STREAM');
    // A client only ever receives responses (pushed ones too): their trailers may not carry TE.
    const r = checkReceivedFields(decoded, this.#isClient ? 'response-trailers' : 'trailers', false);
    if ('malformed' in r) return streamFault(id, ErrorCode.PROTOCOL_ERROR, r.malformed);
    if (s.expected >= 0 && s.received !== s.expected) return streamFault(id, ErrorCode.PROTOCOL_ERROR, 'content-length does not match DATA');
    this.#events.push({ type: 'trailers-received', streamId: id, headers: decoded });
    this.#recvEnd(s);
    return undefined;
  }

  #onNewPeerStream(id: number, decoded: H2Headers | 'too-large', endStream: boolean, prio: PriorityFields | undefined): H2Fault | undefined {
    // RFC 9113 §5.1.1: only clients open streams with HEADERS, on odd ids above all earlier ones.
    if (this.#isClient || id % 2 === 0) return connectionFault(ErrorCode.PROTOCOL_ERROR, `HEADERS opening stream ${id}`);
    this.#lastPeerId = id;
    // RFC 9113 §6.8: after our GOAWAY, streams above its last-stream-id are ignored.
    if (this.#goawaySentId >= 0 && id > this.#goawaySentId) {
      this.#remember(id, 'sent-reset', 0);
      return undefined;
    }
    const s = this.#newStream(id, false);
    if (prio && prio.dependsOn === id) {
      this.#streams.set(id, s);
      this.#move(s, 'recv-headers');
      return streamFault(id, ErrorCode.PROTOCOL_ERROR, 'stream depends on itself');
    }
    this.#streams.set(id, s);
    this.#move(s, 'recv-headers');
    // RFC 9113 §5.1.2: beyond our SETTINGS_MAX_CONCURRENT_STREAMS, refuse (safe to retry).
    if (this.#activePeer > this.#advertised.maxConcurrentStreams) return streamFault(id, ErrorCode.REFUSED_STREAM, 'too many concurrent streams');
    if (decoded === 'too-large') return this.#refuseLargeHeaders(s);
    const r = checkReceivedFields(decoded, 'request', this.#advertised.enableConnectProtocol);
    if ('malformed' in r) return streamFault(id, ErrorCode.PROTOCOL_ERROR, r.malformed);
    s.remoteFinal = true;
    s.requestMethod = r.method;
    s.expected = r.contentLength;
    if (endStream && s.expected > 0) return streamFault(id, ErrorCode.PROTOCOL_ERROR, 'content-length does not match DATA');
    // A spec only when the request signalled a priority (most do not: no object per stream).
    const tree = prio !== undefined && !this.#ignoresRfc7540Signals();
    let spec: PrioritySpec | undefined;
    if (tree || r.priority) {
      spec = {};
      if (tree) Object.assign(spec, prio);
      if (r.priority) Object.assign(spec, parsePriorityField(r.priority));
    }
    this.#scheduler.open(id, spec);
    s.announced = true;
    this.#events.push({ type: 'headers-received', streamId: id, headers: decoded, endStream });
    if (spec !== undefined) this.#events.push({ type: 'priority-updated', streamId: id, priority: spec });
    if (endStream) this.#recvEnd(s);
    return undefined;
  }

  /**
   * The peer's header list exceeds our SETTINGS_MAX_HEADER_LIST_SIZE (an HPACK bomb, or just too
   * big). The block was decoded to its end, so the connection survives: a server answers 431 and
   * closes the stream (RFC 9113 §8.1: RST_STREAM NO_ERROR after a complete response), a client
   * cancels the stream.
   */
  #refuseLargeHeaders(s: H2Stream): H2Fault {
    if (!this.#isClient && !s.localFinal && (s.state === 'open' || s.state === 'half-closed-remote')) {
      this.#writeFieldBlock(s.id, 0, this.#encoder.encode([[':status', '431']]), true, undefined);
      s.localFinal = true;
      this.#move(s, 'send-end-stream');
      return streamFault(s.id, ErrorCode.NO_ERROR, 'header list too large (answered 431)');
    }
    return streamFault(s.id, ErrorCode.CANCEL, 'header list too large');
  }

  #onPushPromise(parentId: number, promisedId: number, block: Buffer, endHeaders: boolean): H2Fault | undefined {
    // RFC 9113 §8.4: only servers push; a client that disabled push treats one as PROTOCOL_ERROR.
    if (!this.#isClient) return connectionFault(ErrorCode.PROTOCOL_ERROR, 'PUSH_PROMISE sent by a client');
    if (!this.#local.enablePush) return connectionFault(ErrorCode.PROTOCOL_ERROR, 'PUSH_PROMISE with push disabled');
    // RFC 9113 §6.6: a push is only promised on a stream the client initiated (never on a pushed one).
    if (parentId % 2 === 0) return connectionFault(ErrorCode.PROTOCOL_ERROR, `PUSH_PROMISE on server stream ${parentId}`);
    // RFC 9113 §5.1.1: a promised id is a new even id above every earlier one.
    if (promisedId === 0 || promisedId % 2 !== 0 || promisedId <= this.#lastPeerId) {
      return connectionFault(ErrorCode.PROTOCOL_ERROR, `invalid promised stream id ${promisedId}`);
    }
    if (!endHeaders) return this.#startAssembly(parentId, promisedId, block, false, undefined);
    return this.#onPushBlock(parentId, promisedId, block);
  }

  #onPushBlock(parentId: number, promisedId: number, block: Buffer): H2Fault | undefined {
    const decoded = this.#decode(block);
    if (typeof decoded === 'object' && !Array.isArray(decoded)) return decoded;
    if (promisedId <= this.#lastPeerId) return connectionFault(ErrorCode.PROTOCOL_ERROR, `invalid promised stream id ${promisedId}`);
    this.#lastPeerId = promisedId;
    const { verdict } = this.#judge(parentId, 'PUSH_PROMISE');
    if (verdict !== 'ok' && verdict !== 'ignore') return this.#verdictFault(parentId, verdict, 'PUSH_PROMISE');
    const s = this.#newStream(promisedId, false);
    s.state = 'reserved-remote';
    this.#streams.set(promisedId, s);
    this.#reservedRemote++;
    // We reset the parent: the push is of no use (RFC 9113 §5.1 "closed": ignore, refuse the promise).
    if (verdict === 'ignore') return streamFault(promisedId, ErrorCode.CANCEL, 'push on a stream we reset');
    // RFC 9113 §6.8: after our GOAWAY, streams above its last-stream-id are not taken up.
    if (this.#goawaySentId >= 0 && promisedId > this.#goawaySentId) return streamFault(promisedId, ErrorCode.REFUSED_STREAM, 'push after our GOAWAY');
    // We asked for no push, and the peer had not seen it yet: refuse this one.
    if (!this.#advertised.enablePush) return streamFault(promisedId, ErrorCode.CANCEL, 'push disabled');
    if (decoded === 'too-large') return streamFault(promisedId, ErrorCode.CANCEL, 'pushed header list too large');
    // RFC 9113 §8.4: a malformed or unsafe promised request is a stream error on the promised stream.
    const r = checkReceivedFields(decoded, 'push-request', false);
    if ('malformed' in r) return streamFault(promisedId, ErrorCode.PROTOCOL_ERROR, r.malformed);
    if (this.#reservedRemote > this.#maxReservedPushes) return streamFault(promisedId, ErrorCode.REFUSED_STREAM, 'too many pushed streams');
    s.requestMethod = r.method;
    s.announced = true;
    this.#scheduler.open(promisedId, { dependsOn: parentId });
    this.#events.push({ type: 'push-promise-received', parentId, promisedId, headers: decoded });
    return undefined;
  }

  #reprioritize(id: number, spec: PrioritySpec): boolean {
    return this.#scheduler.reprioritize(id, spec);
  }

  #onPriority(id: number, prio: PriorityFields): H2Fault | undefined {
    // RFC 9113 §5.3.1 (RFC 7540 §5.3.1): a stream cannot depend on itself.
    if (prio.dependsOn === id) {
      return this.#isIdle(id)
        ? connectionFault(ErrorCode.PROTOCOL_ERROR, 'idle stream depends on itself')
        : streamFault(id, ErrorCode.PROTOCOL_ERROR, 'stream depends on itself');
    }
    const s = this.#streams.get(id);
    // PRIORITY is allowed in every state (RFC 9113 §5.1), but churn on streams that are not open
    // costs work for nothing (CVE-2019-9513): it counts as a glitch.
    if (!s || !isActive(s.state)) {
      const g = this.#glitch('PRIORITY frames for inactive streams');
      if (g) return g;
    }
    if (this.#ignoresRfc7540Signals()) return undefined;
    this.#reprioritize(id, prio);
    this.#events.push({ type: 'priority-updated', streamId: id, priority: { ...prio } });
    return undefined;
  }

  /**
   * RFC 9218 §2.1: "A server that receives SETTINGS_NO_RFC7540_PRIORITIES with a value of 1 MUST
   * ignore HTTP/2 priority signals" (PRIORITY frames and the priority fields of HEADERS); their
   * layout is still checked (a self-dependency stays an error).
   */
  #ignoresRfc7540Signals(): boolean {
    return !this.#isClient && this.#peer.noRfc7540Priorities;
  }

  #onPriorityUpdate(id: number, value: string): H2Fault | undefined {
    // RFC 9218 §7.1: only clients send PRIORITY_UPDATE.
    if (this.#isClient) return connectionFault(ErrorCode.PROTOCOL_ERROR, 'PRIORITY_UPDATE sent by a server');
    // RFC 9218 §7.1: a PRIORITY_UPDATE for a push stream that is still idle is a PROTOCOL_ERROR.
    if (id % 2 === 0 && this.#isIdle(id)) return connectionFault(ErrorCode.PROTOCOL_ERROR, `PRIORITY_UPDATE for idle push stream ${id}`);
    const spec: PrioritySpec = parsePriorityField(value);
    const s = this.#streams.get(id);
    if (!s || !isActive(s.state)) {
      const g = this.#glitch('PRIORITY_UPDATE frames for inactive streams');
      if (g) return g;
    }
    this.#reprioritize(id, spec);
    this.#events.push({ type: 'priority-updated', streamId: id, priority: spec });
    return undefined;
  }

  #onRstStream(id: number, code: number): H2Fault | undefined {
    const { s, verdict } = this.#judge(id, 'RST_STREAM');
    if (verdict !== 'ok') return this.#verdictFault(id, verdict, 'RST_STREAM');
    // Rapid reset (CVE-2023-44487): resets received draw from a token bucket.
    if (!this.#resets.take(this.#now())) return connectionFault(ErrorCode.ENHANCE_YOUR_CALM, 'too many stream resets');
    if (!s) return undefined;
    const announced = s.announced;
    this.#close(s, 'recv-reset');
    // A received reset is never answered with one (RFC 9113 §5.4.2).
    if (announced) this.#events.push({ type: 'stream-reset', streamId: id, errorCode: code, remote: true });
    return undefined;
  }

  #onSettings(ack: boolean, entries: Array<[number, number]>): H2Fault | undefined {
    if (ack) {
      const applied = this.#pendingLocal.shift();
      if (!applied) return this.#glitch('unsolicited SETTINGS ACKs');
      this.#applyLocalSettings(applied, 'acked');
      this.#events.push({ type: 'settings-acked', settings: applied });
      return undefined;
    }
    if (entries.length > this.#maxSettingsEntries) return connectionFault(ErrorCode.ENHANCE_YOUR_CALM, 'too many SETTINGS entries');
    const bad = this.#applyPeerSettings(entries);
    if (bad) return bad;
    this.#peerPrioritiesFixed = true;
    const g = this.#queueAck(encodeFrame({ type: 'SETTINGS', ack: true, settings: [] }));
    if (g) return g;
    this.#events.push({ type: 'settings-received', settings: entries });
    return undefined;
  }

  /** Applies the peer's SETTINGS entries in order (RFC 9113 §6.5.3). */
  #applyPeerSettings(entries: Array<[number, number]>): H2Fault | undefined {
    const p = this.#peer;
    for (const [id, value] of entries) {
      switch (id) {
        case SettingId.HEADER_TABLE_SIZE:
          p.headerTableSize = value;
          this.#encoder.setMaxTableSize(Math.min(value, this.#maxEncoderTableSize));
          break;
        case SettingId.ENABLE_PUSH:
          // RFC 9113 §6.5.2: a client MUST treat ENABLE_PUSH = 1 from a server as a PROTOCOL_ERROR.
          if (this.#isClient && value === 1) return connectionFault(ErrorCode.PROTOCOL_ERROR, 'server sent SETTINGS_ENABLE_PUSH = 1');
          p.enablePush = value === 1;
          break;
        case SettingId.MAX_CONCURRENT_STREAMS:
          p.maxConcurrentStreams = value;
          break;
        case SettingId.INITIAL_WINDOW_SIZE: {
          // RFC 9113 §6.9.2: the change applies to every stream's send window, which may go
          // negative; pushing one past 2^31-1 is a connection FLOW_CONTROL_ERROR.
          const delta = value - p.initialWindowSize;
          p.initialWindowSize = value;
          for (const s of this.#streams.values()) {
            s.sendWindow += delta;
            if (s.sendWindow > MAX_WINDOW_SIZE) return connectionFault(ErrorCode.FLOW_CONTROL_ERROR, 'INITIAL_WINDOW_SIZE overflows a stream window');
            this.#refreshReady(s);
          }
          break;
        }
        case SettingId.MAX_FRAME_SIZE:
          p.maxFrameSize = value;
          break;
        case SettingId.MAX_HEADER_LIST_SIZE:
          p.maxHeaderListSize = value;
          break;
        case SettingId.ENABLE_CONNECT_PROTOCOL:
          // RFC 8441 §3: once 1, it cannot go back to 0.
          if (p.enableConnectProtocol && value === 0) return connectionFault(ErrorCode.PROTOCOL_ERROR, 'SETTINGS_ENABLE_CONNECT_PROTOCOL withdrawn');
          p.enableConnectProtocol = value === 1;
          break;
        case SettingId.NO_RFC7540_PRIORITIES:
          // RFC 9218 §2.1: "Senders MUST NOT change the SETTINGS_NO_RFC7540_PRIORITIES value after
          // the first SETTINGS frame. Receivers that detect a change MAY treat it as a connection
          // error of type PROTOCOL_ERROR." We do, as nghttp2 does; absent from the first frame
          // means 0 for good. (Values other than 0 and 1 are refused by `checkSetting`.)
          if (this.#peerPrioritiesFixed && (value === 1) !== p.noRfc7540Priorities) {
            return connectionFault(ErrorCode.PROTOCOL_ERROR, 'SETTINGS_NO_RFC7540_PRIORITIES changed after the first SETTINGS');
          }
          p.noRfc7540Priorities = value === 1;
          // RFC 9218 §2.1: a client that opts out of RFC 7540 priorities in its first SETTINGS
          // signals urgency instead; a server on the default tree then orders DATA by urgency
          // (before any stream exists: the first SETTINGS comes right after the preface).
          if (value === 1 && !this.#isClient && this.#schedulerByDefault !== null && this.#streams.size === 0) {
            this.#scheduler = createScheduler('rfc9218', this.#schedulerByDefault);
            this.#schedulerByDefault = null;
          }
          break;
        default:
          break; // RFC 9113 §6.5.2: unknown settings are ignored
      }
    }
    return undefined;
  }

  /** Queues a SETTINGS/PING ACK; too many not yet taken by `takeOutput()` is a flood. */
  #queueAck(frame: Buffer): H2Fault | undefined {
    if (++this.#outAcks > this.#maxOutstandingAcks) return connectionFault(ErrorCode.ENHANCE_YOUR_CALM, 'too many SETTINGS/PING frames awaiting ACK');
    this.#out.push(frame);
    return undefined;
  }

  #onPing(ack: boolean, opaque: Buffer): H2Fault | undefined {
    const data = Buffer.from(opaque); // the input buffer belongs to the caller
    if (!ack) {
      const g = this.#queueAck(encodeFrame({ type: 'PING', ack: true, opaque: data }));
      if (g) return g;
      this.#events.push({ type: 'ping-received', data });
      return undefined;
    }
    const key = data.toString('hex');
    if (!this.#pings.delete(key)) return this.#glitch('unsolicited PING ACKs');
    if (this.#gracefulPing === key) {
      // Second step of the graceful shutdown: the peer has seen the first GOAWAY, so every stream
      // it opened before has reached us.
      this.#gracefulPing = null;
      this.goaway(ErrorCode.NO_ERROR);
    }
    this.#events.push({ type: 'ping-acked', data });
    return undefined;
  }

  #onGoaway(lastStreamId: number, code: number, debug: Buffer): H2Fault | undefined {
    // RFC 9113 §6.8: the last-stream-id MUST NOT increase across GOAWAYs.
    if (this.#goawayReceivedId >= 0 && lastStreamId > this.#goawayReceivedId) {
      return connectionFault(ErrorCode.PROTOCOL_ERROR, 'GOAWAY last-stream-id increased');
    }
    this.#goawayReceivedId = lastStreamId;
    const copy = Buffer.from(debug);
    this.#events.push({ type: 'goaway-received', lastStreamId, errorCode: code, debug: copy });
    // Streams we opened above last-stream-id were not processed: safe to retry elsewhere.
    for (const s of [...this.#streams.values()]) {
      if (s.local && s.id > lastStreamId && s.id % 2 === (this.#isClient ? 1 : 0)) {
        const announced = s.announced;
        this.#close(s, 'recv-reset');
        if (announced) this.#events.push({ type: 'stream-reset', streamId: s.id, errorCode: ErrorCode.REFUSED_STREAM, remote: true, message: 'not processed (GOAWAY)' });
      }
    }
    if (code !== ErrorCode.NO_ERROR) {
      this.#events.push({ type: 'connection-terminated', errorCode: code, lastStreamId, remote: true, message: copy.toString('utf8') });
      this.#terminate();
    }
    return undefined;
  }

  #onWindowUpdate(id: number, increment: number): H2Fault | undefined {
    if (id === 0) {
      this.#connSendWindow += increment;
      // RFC 9113 §6.9.1: a window above 2^31-1 is a FLOW_CONTROL_ERROR.
      if (this.#connSendWindow > MAX_WINDOW_SIZE) return connectionFault(ErrorCode.FLOW_CONTROL_ERROR, 'connection window overflow');
      this.#events.push({ type: 'window-updated', streamId: 0, increment });
      return undefined;
    }
    // The stream's state first: on an idle or reserved (remote) stream any WINDOW_UPDATE is a
    // connection error, and on a closed one it is ignored whatever its increment. RFC 9113 §6.9:
    // "a receiver could receive a WINDOW_UPDATE frame on a stream in a "half-closed (remote)" or
    // "closed" state. A receiver MUST NOT treat this as an error", and §5.1: "An endpoint MUST NOT
    // send frames other than PRIORITY on a closed stream", so no RST_STREAM there either.
    // nghttp2 does the same (session_on_stream_window_update_received looks the stream up before
    // checking the increment, and drops the frame when the stream is closed).
    const { s, verdict } = this.#judge(id, 'WINDOW_UPDATE');
    if (verdict !== 'ok' || !s) return this.#verdictFault(id, verdict, 'WINDOW_UPDATE');
    // RFC 9113 §6.9: "A receiver MUST treat the receipt of a WINDOW_UPDATE frame with a
    // flow-control window increment of 0 as a stream error (Section 5.4.2) of type PROTOCOL_ERROR".
    if (increment === 0) return streamFault(id, ErrorCode.PROTOCOL_ERROR, 'WINDOW_UPDATE increment of 0');
    s.sendWindow += increment;
    if (s.sendWindow > MAX_WINDOW_SIZE) return streamFault(id, ErrorCode.FLOW_CONTROL_ERROR, 'stream window overflow');
    this.#refreshReady(s);
    this.#events.push({ type: 'window-updated', streamId: id, increment });
    return undefined;
  }

  // -------------------------------------------------------------------------------------------
  // Faults, in one place

  /**
   * The one place faults become frames: a stream fault → RST_STREAM (counted against the reset
   * bucket: "made you reset"), a connection fault → GOAWAY, after which nothing is processed.
   */
  #applyFault(fault: H2Fault): void {
    if (this.#dead) return;
    if (fault.scope === 'connection') {
      const last = this.#goawayLastId();
      const debug = Buffer.from(fault.message.slice(0, 256), 'utf8');
      this.#out.push(encodeFrame({ type: 'GOAWAY', lastStreamId: last, errorCode: fault.code, debug }, MAX_MAX_FRAME_SIZE));
      this.#goawaySentId = last;
      this.#events.push({ type: 'connection-terminated', errorCode: fault.code, lastStreamId: last, remote: false, message: fault.message });
      this.#terminate();
      return;
    }
    // "Made you reset" (CVE-2025-8671): stream errors the peer provokes draw from the reset bucket.
    if (!this.#resets.take(this.#now())) {
      this.#applyFault(connectionFault(ErrorCode.ENHANCE_YOUR_CALM, 'too many stream errors'));
      return;
    }
    const id = fault.streamId;
    const s = this.#streams.get(id);
    if (!s && this.#closed.get(id)?.closedBy === 'sent-reset') return;
    this.#out.push(encodeFrame({ type: 'RST_STREAM', streamId: id, errorCode: fault.code }));
    if (s) {
      const announced = s.announced;
      this.#close(s, 'sent-reset');
      if (announced) this.#events.push({ type: 'stream-reset', streamId: id, errorCode: fault.code, remote: false, message: fault.message });
    } else {
      this.#remember(id, 'sent-reset', 0);
    }
  }

  /**
   * The last-stream-id for a GOAWAY we send: the highest peer stream we took up. Streams the peer
   * opened after an earlier GOAWAY were ignored, and RFC 9113 §6.8 forbids a later GOAWAY to
   * raise the value, so it never exceeds the last one sent.
   */
  #goawayLastId(): number {
    return this.#goawaySentId >= 0 ? Math.min(this.#goawaySentId, this.#lastPeerId) : this.#lastPeerId;
  }

  #terminate(): void {
    this.#dead = true;
    this.#assembly = null;
    for (const s of [...this.#streams.values()]) this.#close(s, 'sent-reset');
  }

  // -------------------------------------------------------------------------------------------
  // Stream bookkeeping

  #newStream(id: number, local: boolean): H2Stream {
    return {
      id, state: 'idle', local,
      sendWindow: this.#peer.initialWindowSize,
      recvWindow: this.#recvInitialWindow(),
      chunks: [], chunkOff: 0, queued: 0, endQueued: false, trailers: null, trailerSensitive: undefined, localFinal: false,
      remoteFinal: false, expected: -1, received: 0, unacked: 0, consumed: 0, requestMethod: '', announced: false,
    };
  }

  /** Applies a state-table transition; an input the table lacks is a bug or local misuse. */
  #move(s: H2Stream, input: StreamInput): void {
    const next = transition(s.state, input);
    if (next === null) misuse('ERR_HTTP2_INVALID_STREAM_STATE', `stream ${s.id}: ${input} not allowed in state ${s.state}`);
    if (next === 'closed') {
      this.#close(s, input === 'send-reset' ? 'sent-reset' : input === 'recv-reset' ? 'recv-reset' : 'end-stream');
      return;
    }
    const was = isActive(s.state);
    const now = isActive(next);
    if (was !== now) {
      if (this.#peerOwned(s.id)) this.#activePeer += now ? 1 : -1;
      else this.#activeLocal += now ? 1 : -1;
    }
    if (s.state === 'reserved-remote') this.#reservedRemote--;
    s.state = next;
  }

  #peerOwned(id: number): boolean {
    return this.#isClient ? id % 2 === 0 : id % 2 === 1;
  }

  #close(s: H2Stream, by: ClosedBy): void {
    if (!this.#streams.has(s.id)) return;
    if (isActive(s.state)) {
      if (this.#peerOwned(s.id)) this.#activePeer--;
      else this.#activeLocal--;
    }
    if (s.state === 'reserved-remote') this.#reservedRemote--;
    s.state = 'closed';
    this.#streams.delete(s.id);
    this.#scheduler.close(s.id);
    this.#finishers.delete(s.id);
    s.chunks = [];
    s.queued = 0;
    // Bytes the application will never acknowledge (the stream is reset) go back to the connection.
    let unacked = s.unacked;
    if (by !== 'end-stream' && unacked > 0) {
      this.#creditConnection(unacked);
      unacked = 0;
    }
    this.#remember(s.id, by, unacked);
  }

  #remember(id: number, closedBy: ClosedBy, unacked: number): void {
    const closed = this.#closed;
    const known = closed.get(id);
    if (known !== undefined) {
      known.closedBy = closedBy;
      known.unacked = unacked;
      return;
    }
    closed.set(id, { closedBy, unacked });
    // Oldest first from a ring of ids (no Map iterator and entry array per closed stream).
    const ring = (this.#closedRing ??= new Int32Array(this.#maxClosed + 1));
    ring[this.#ringIn] = id;
    this.#ringIn = (this.#ringIn + 1) % ring.length;
    if (closed.size > this.#maxClosed) {
      const oldId = ring[this.#ringOut]!;
      this.#ringOut = (this.#ringOut + 1) % ring.length;
      const old = closed.get(oldId)!;
      closed.delete(oldId);
      if (this.#peerOwned(oldId) && oldId > this.#forgottenPeerMax) this.#forgottenPeerMax = oldId;
      if (old.unacked > 0) this.#creditConnection(old.unacked);
    }
  }

  #refreshReady(s: H2Stream): void {
    if (!isActive(s.state)) return;
    this.#scheduler.setReady(s.id, s.queued > 0 && s.sendWindow > 0);
  }

  // -------------------------------------------------------------------------------------------
  // Receive-side flow control

  #creditConnection(n: number): void {
    if (n <= 0 || this.#dead) return;
    this.#connConsumed += n;
    // Update once half of the window is consumed: few frames, and the peer never stalls.
    if (this.#connConsumed >= this.#connRecvTarget / 2) {
      const inc = this.#connConsumed;
      this.#connConsumed = 0;
      this.#connRecvWindow += inc;
      this.#out.push(encodeFrame({ type: 'WINDOW_UPDATE', streamId: 0, increment: inc }));
    }
  }

  /** Sends the stream's pending credit once it reaches half the window (only while the peer may send). */
  #creditStream(s: H2Stream): void {
    if (s.consumed > 0 && (s.state === 'open' || s.state === 'half-closed-local') && s.consumed >= this.#recvInitialWindow() / 2) {
      const inc = s.consumed;
      s.consumed = 0;
      s.recvWindow += inc;
      this.#out.push(encodeFrame({ type: 'WINDOW_UPDATE', streamId: s.id, increment: inc }));
    }
  }

  /**
   * The application consumed `n` body bytes of stream `id`: credit them back to the peer. A
   * WINDOW_UPDATE goes out once half a window is consumed (stream and connection each).
   *
   * @example
   * if (e.type === 'data-received') { sink.write(e.data); conn.acknowledgeReceivedData(e.streamId, e.data.length); }
   */
  acknowledgeReceivedData(id: number, n: number): void {
    if (!Number.isInteger(n) || n < 0) throw nodeError(RangeError, 'ERR_OUT_OF_RANGE', `The value of "n" is out of range. Received ${n}`);
    const s = this.#streams.get(id);
    if (s) {
      n = Math.min(n, s.unacked);
      s.unacked -= n;
      s.consumed += n;
      this.#creditStream(s);
    } else {
      const rec = this.#closed.get(id);
      if (!rec) return;
      n = Math.min(n, rec.unacked);
      rec.unacked -= n;
    }
    this.#creditConnection(n);
  }

  /**
   * Grants the peer `n` more bytes on stream `id` (0: the connection) beyond what acknowledging
   * returns — for a receiver that advertised a small or zero INITIAL_WINDOW_SIZE and opens
   * windows by hand, or one that wants a larger window for a fast stream.
   *
   * @example
   * conn.openWindow(streamId, 1 << 20); // let this upload run ahead by 1 MiB
   */
  openWindow(id: number, n: number): void {
    this.#assertAlive();
    if (!Number.isInteger(n) || n < 1) throw nodeError(RangeError, 'ERR_OUT_OF_RANGE', `The value of "n" is out of range. Received ${n}`);
    if (id === 0) {
      if (this.#connRecvWindow + n > MAX_WINDOW_SIZE) throw nodeError(RangeError, 'ERR_HTTP2_INVALID_WINDOW', 'the connection window would exceed 2^31-1');
      this.#connRecvWindow += n;
    } else {
      const s = this.#streams.get(id);
      if (!s || !(s.state === 'open' || s.state === 'half-closed-local')) misuse('ERR_HTTP2_INVALID_STREAM', `stream ${id} is not receiving`);
      if (s.recvWindow + n > MAX_WINDOW_SIZE) throw nodeError(RangeError, 'ERR_HTTP2_INVALID_WINDOW', 'the stream window would exceed 2^31-1');
      s.recvWindow += n;
    }
    this.#out.push(encodeFrame({ type: 'WINDOW_UPDATE', streamId: id, increment: n }));
  }

  // -------------------------------------------------------------------------------------------
  // Settings

  #settingsEntries(want: H2Settings, initial: boolean): Array<[number, number]> {
    const e: Array<[number, number]> = [];
    const base = initial ? RFC_DEFAULTS : this.#advertised;
    if (want.headerTableSize !== base.headerTableSize) e.push([SettingId.HEADER_TABLE_SIZE, want.headerTableSize]);
    if (this.#isClient && want.enablePush !== base.enablePush) e.push([SettingId.ENABLE_PUSH, want.enablePush ? 1 : 0]);
    if (want.maxConcurrentStreams !== base.maxConcurrentStreams && Number.isFinite(want.maxConcurrentStreams)) e.push([SettingId.MAX_CONCURRENT_STREAMS, want.maxConcurrentStreams]);
    if (want.initialWindowSize !== base.initialWindowSize) e.push([SettingId.INITIAL_WINDOW_SIZE, want.initialWindowSize]);
    if (want.maxFrameSize !== base.maxFrameSize) e.push([SettingId.MAX_FRAME_SIZE, want.maxFrameSize]);
    if (want.maxHeaderListSize !== base.maxHeaderListSize && Number.isFinite(want.maxHeaderListSize)) e.push([SettingId.MAX_HEADER_LIST_SIZE, want.maxHeaderListSize]);
    if (want.enableConnectProtocol !== base.enableConnectProtocol) e.push([SettingId.ENABLE_CONNECT_PROTOCOL, want.enableConnectProtocol ? 1 : 0]);
    if (want.noRfc7540Priorities !== base.noRfc7540Priorities) e.push([SettingId.NO_RFC7540_PRIORITIES, want.noRfc7540Priorities ? 1 : 0]);
    for (const [id, v] of e) {
      const bad = checkSettingLocal(id, v);
      if (bad) throw nodeError(RangeError, 'ERR_HTTP2_INVALID_SETTING_VALUE', bad);
    }
    return e;
  }

  #sendSettings(entries: Array<[number, number]>): void {
    this.#out.push(encodeFrame({ type: 'SETTINGS', ack: false, settings: entries }, MAX_MAX_FRAME_SIZE));
    this.#pendingLocal.push(entries);
    this.#applyLocalSettings(entries, 'sent');
  }

  /**
   * Our settings take effect on ACK, except raised limits the peer may use as soon as it reads
   * them (window, table size, frame size, header list size): those apply when sent.
   */
  #applyLocalSettings(entries: Array<[number, number]>, phase: 'sent' | 'acked'): void {
    const target = phase === 'sent' ? this.#advertised : this.#local;
    for (const [id, v] of entries) {
      switch (id) {
        case SettingId.HEADER_TABLE_SIZE:
          target.headerTableSize = v;
          this.#decoder.maxTableSize = Math.max(this.#local.headerTableSize, this.#advertised.headerTableSize);
          break;
        case SettingId.ENABLE_PUSH:
          target.enablePush = v === 1;
          break;
        case SettingId.MAX_CONCURRENT_STREAMS:
          target.maxConcurrentStreams = v;
          break;
        case SettingId.INITIAL_WINDOW_SIZE: {
          const before = this.#recvInitialWindow();
          target.initialWindowSize = v;
          const after = this.#recvInitialWindow();
          // RFC 9113 §6.9.2: the change shifts every stream's receive window (maybe below 0);
          // credit held back under the old, larger threshold may now be due.
          if (after !== before) {
            for (const s of this.#streams.values()) {
              s.recvWindow += after - before;
              this.#creditStream(s);
            }
          }
          break;
        }
        case SettingId.MAX_FRAME_SIZE:
          target.maxFrameSize = v;
          this.#reader.maxFrameSize = Math.max(this.#local.maxFrameSize, this.#advertised.maxFrameSize);
          break;
        case SettingId.MAX_HEADER_LIST_SIZE:
          // Advisory for the peer, enforced by us at once: an HPACK bomb stops at the advertised size.
          target.maxHeaderListSize = v;
          this.#decoder.maxHeaderListSize = this.#advertised.maxHeaderListSize;
          break;
        case SettingId.ENABLE_CONNECT_PROTOCOL:
          target.enableConnectProtocol = v === 1;
          break;
        case SettingId.NO_RFC7540_PRIORITIES:
          target.noRfc7540Priorities = v === 1;
          break;
      }
    }
  }

  /** The initial window of our streams: a raise counts once sent, a cut once acknowledged. */
  #recvInitialWindow(): number {
    return Math.max(this.#local.initialWindowSize, this.#advertised.initialWindowSize);
  }

  /**
   * Sends new SETTINGS; they take effect when the peer acknowledges them ('settings-acked').
   *
   * @example
   * conn.updateSettings({ initialWindowSize: 1 << 20, maxConcurrentStreams: 250 });
   */
  updateSettings(settings: Partial<H2Settings>): void {
    this.#assertAlive();
    if (!this.#isClient && settings.enablePush) throw nodeError(TypeError, 'ERR_HTTP2_INVALID_SETTING_VALUE', 'A server cannot enable push (SETTINGS_ENABLE_PUSH)');
    if (this.#advertised.enableConnectProtocol && settings.enableConnectProtocol === false) {
      throw nodeError(TypeError, 'ERR_HTTP2_INVALID_SETTING_VALUE', 'SETTINGS_ENABLE_CONNECT_PROTOCOL cannot be withdrawn (RFC 8441 §3)');
    }
    // RFC 9218 §2.1: the value of our first SETTINGS frame holds for the whole connection.
    if (settings.noRfc7540Priorities !== undefined && settings.noRfc7540Priorities !== this.#advertised.noRfc7540Priorities) {
      throw nodeError(TypeError, 'ERR_HTTP2_INVALID_SETTING_VALUE', 'SETTINGS_NO_RFC7540_PRIORITIES cannot change after the first SETTINGS (RFC 9218 §2.1)');
    }
    const entries = this.#settingsEntries({ ...this.#advertised, ...settings }, false);
    this.#sendSettings(entries);
  }

  // -------------------------------------------------------------------------------------------
  // Sending

  #assertAlive(): void {
    if (this.#dead) misuse('ERR_HTTP2_INVALID_SESSION', 'the HTTP/2 connection is closed');
  }

  /**
   * The id the next locally-initiated stream must use (odd for clients).
   *
   * @example
   * const id = client.nextStreamId();
   * client.sendHeaders(id, requestHeaders, { endStream: true });
   */
  nextStreamId(): number {
    return this.#nextLocalId;
  }

  /** Whether the peer's SETTINGS_MAX_CONCURRENT_STREAMS leaves room for one more local stream. */
  get canOpenStream(): boolean {
    return !this.#dead && this.#goawayReceivedId < 0 && this.#activeLocal < this.#peer.maxConcurrentStreams && this.#nextLocalId <= MAX_STREAM_ID;
  }

  /**
   * Sends a header section: a request (client, opening stream `id`), a response or a 1xx
   * (server), or the response of a promised stream (server). Use `sendTrailers` for trailers.
   *
   * @example
   * server.sendHeaders(streamId, [[':status', '200'], ['content-type', 'text/plain']]);
   */
  sendHeaders(id: number, headers: ReadonlyArray<readonly [string, string]>, options: SendHeadersOptions = {}): void {
    this.#assertAlive();
    const endStream = options.endStream === true;
    let s = this.#streams.get(id);
    let kind: FieldSectionKind;
    // Read, never kept (the encoder stores names and values, not the pairs): no copy, except
    // where a priority field is added (below).
    let fields = headers as Array<[string, string]>;
    let prioFields: PriorityFields | undefined;
    if (!s) {
      if (!this.#isClient) misuse('ERR_HTTP2_INVALID_STREAM', `stream ${id} is not open (a server opens streams with pushPromise)`);
      if (id !== this.#nextLocalId) misuse('ERR_HTTP2_INVALID_STREAM', `the next stream id must be ${this.#nextLocalId}, not ${id}`);
      if (this.#goawayReceivedId >= 0) misuse('ERR_HTTP2_GOAWAY_SESSION', 'new streams cannot be created after receiving a GOAWAY');
      if (this.#activeLocal >= this.#peer.maxConcurrentStreams) misuse('ERR_HTTP2_OUT_OF_STREAMS', 'the peer\'s SETTINGS_MAX_CONCURRENT_STREAMS is reached');
      if (id > MAX_STREAM_ID) misuse('ERR_HTTP2_OUT_OF_STREAMS', 'stream ids are exhausted');
      kind = 'request';
      const spec = options.priority;
      if (spec && (spec.urgency !== undefined || spec.incremental !== undefined) && !fields.some(([n]) => n === 'priority')) {
        fields = [...fields, ['priority', serializePriorityField({ urgency: spec.urgency ?? 3, incremental: spec.incremental ?? false })]];
      }
      // RFC 8441 §3: `:protocol` only once the server sent SETTINGS_ENABLE_CONNECT_PROTOCOL = 1.
      const info = checkLocalFields(fields, kind, this.#peer.enableConnectProtocol);
      this.#checkPeerListSize(fields, 'request headers');
      if (spec && (spec.dependsOn !== undefined || spec.weight !== undefined || spec.exclusive !== undefined) && !this.#peer.noRfc7540Priorities) {
        prioFields = { dependsOn: spec.dependsOn ?? 0, weight: spec.weight ?? 16, exclusive: spec.exclusive ?? false };
      }
      s = this.#newStream(id, true);
      s.requestMethod = info.method;
      s.localFinal = true;
      this.#nextLocalId = id + 2;
      this.#streams.set(id, s);
      this.#move(s, 'send-headers');
      this.#scheduler.open(id, spec ?? {});
      s.announced = true;
    } else {
      if (this.#isClient && s.state !== 'reserved-local') misuse('ERR_HTTP2_HEADERS_SENT', `headers already sent on stream ${id}; use sendTrailers`);
      if (s.localFinal) misuse('ERR_HTTP2_HEADERS_SENT', `response headers already sent on stream ${id}; use sendTrailers`);
      kind = 'response';
      // Every check before any change: a misuse leaves the stream as it was.
      const info = checkLocalFields(fields, kind, false);
      this.#checkPeerListSize(fields, 'response headers');
      const informational = info.status < 200;
      if (informational && endStream) misuse('ERR_HTTP2_STATUS_INFO', 'an informational response cannot end the stream');
      if (informational && s.state === 'reserved-local') misuse('ERR_HTTP2_STATUS_INFO', 'a pushed response cannot be informational');
      // RFC 9113 §5.1.2: a pushed stream leaving "reserved" counts against the peer's limit.
      if (s.state === 'reserved-local' && this.#activeLocal >= this.#peer.maxConcurrentStreams) {
        misuse('ERR_HTTP2_OUT_OF_STREAMS', 'the peer\'s SETTINGS_MAX_CONCURRENT_STREAMS is reached');
      }
      this.#move(s, 'send-headers');
      if (!informational) s.localFinal = true;
      if (options.priority) this.#reprioritize(id, options.priority);
    }
    const block = this.#encoder.encode(fields, options.sensitive);
    this.#writeFieldBlock(id, 0, block, endStream, prioFields);
    if (endStream) {
      s.endQueued = true;
      this.#move(s, 'send-end-stream');
    }
  }

  /** Writes HEADERS or PUSH_PROMISE plus CONTINUATIONs, split at the peer's max frame size. */
  #writeFieldBlock(id: number, promisedId: number, block: Buffer, endStream: boolean, priority: PriorityFields | undefined): void {
    const max = this.#peer.maxFrameSize;
    const room = max - (priority ? 5 : 0) - (promisedId ? 4 : 0);
    const first = block.subarray(0, room);
    const endHeaders = block.length <= room;
    if (promisedId) this.#out.push(encodeFrame({ type: 'PUSH_PROMISE', streamId: id, promisedId, block: first, endHeaders }, max));
    else this.#out.push(encodeFrame({ type: 'HEADERS', streamId: id, block: first, endStream, endHeaders, priority }, max));
    for (let at = room; at < block.length; at += max) {
      const part = block.subarray(at, at + max);
      this.#out.push(encodeFrame({ type: 'CONTINUATION', streamId: id, block: part, endHeaders: at + max >= block.length }, max));
    }
  }

  /**
   * RFC 9113 §6.5.2, §10.5.1: the peer announced the largest field section it accepts
   * (SETTINGS_MAX_HEADER_LIST_SIZE); a larger one would only be refused, so it is a local misuse.
   */
  #checkPeerListSize(fields: ReadonlyArray<readonly [string, string]>, what: string): void {
    const size = fieldSectionSize(fields);
    if (size > this.#peer.maxHeaderListSize) {
      misuse('ERR_HTTP2_HEADER_LIST_TOO_LARGE', `${what} of ${size} octets exceed the peer's SETTINGS_MAX_HEADER_LIST_SIZE (${this.#peer.maxHeaderListSize})`);
    }
  }

  #sendableStream(id: number, what: string): H2Stream {
    const s = this.#streams.get(id);
    if (s?.endQueued) misuse('ERR_STREAM_WRITE_AFTER_END', `stream ${id} already ended`);
    if (!s || !(s.state === 'open' || s.state === 'half-closed-remote')) misuse('ERR_HTTP2_INVALID_STREAM', `cannot send ${what} on stream ${id} (${this.streamState(id)})`);
    if (!s.localFinal) misuse('ERR_HTTP2_HEADERS_NOT_SENT', `send the final headers of stream ${id} first`);
    return s;
  }

  /**
   * Queues body bytes; `takeOutput()` writes them as the flow-control windows allow.
   *
   * @example
   * server.sendData(streamId, Buffer.from('hello'), { endStream: true });
   */
  sendData(id: number, data: Uint8Array | string, options: { endStream?: boolean } = {}): void {
    this.#assertAlive();
    const s = this.#sendableStream(id, 'DATA');
    const buf = typeof data === 'string' ? Buffer.from(data) : Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    if (buf.length > 0) {
      s.chunks.push(buf);
      s.queued += buf.length;
    }
    if (options.endStream) s.endQueued = true;
    this.#afterQueue(s);
  }

  /**
   * Ends the stream with trailers, after any queued DATA (RFC 9113 §8.1).
   *
   * @example
   * server.sendTrailers(streamId, [['grpc-status', '0']]);
   */
  sendTrailers(id: number, trailers: ReadonlyArray<readonly [string, string]>, options: { sensitive?: ReadonlySet<string> } = {}): void {
    this.#assertAlive();
    const s = this.#sendableStream(id, 'trailers');
    const fields: H2Headers = trailers.map(([n, v]) => [n, v]);
    checkLocalFields(fields, this.#isClient ? 'trailers' : 'response-trailers', false);
    this.#checkPeerListSize(fields, 'trailers');
    s.trailers = fields;
    s.trailerSensitive = options.sensitive;
    s.endQueued = true;
    this.#afterQueue(s);
  }

  /**
   * Ends the stream (an empty DATA frame with END_STREAM once queued DATA is written).
   *
   * @example
   * client.endStream(id);
   */
  endStream(id: number): void {
    this.sendData(id, EMPTY, { endStream: true });
  }

  #afterQueue(s: H2Stream): void {
    if (s.queued === 0 && s.endQueued) this.#finishers.add(s.id);
    this.#refreshReady(s);
  }

  /**
   * Resets a stream (RST_STREAM). Queued DATA is dropped. Resetting a closed stream does nothing.
   *
   * @example
   * client.resetStream(promisedId, ErrorCode.CANCEL); // refuse a push
   */
  resetStream(id: number, code: number = ErrorCode.CANCEL): void {
    this.#assertAlive();
    const s = this.#streams.get(id);
    if (!s) {
      if (this.#isIdle(id)) misuse('ERR_HTTP2_INVALID_STREAM', `stream ${id} is idle`);
      return;
    }
    this.#out.push(encodeFrame({ type: 'RST_STREAM', streamId: id, errorCode: code }));
    this.#close(s, 'sent-reset');
  }

  /**
   * Server push: promises `requestHeaders` on the client's stream `parentId` and returns the
   * promised stream id; send its response with `sendHeaders(promisedId, …)` and `sendData`.
   * The PUSH_PROMISE goes out ahead of any DATA still queued on the parent (RFC 9113 §8.4).
   *
   * @example
   * const pushed = server.pushPromise(1, [[':method', 'GET'], [':scheme', 'https'], [':authority', 'a.test'], [':path', '/style.css']]);
   * server.sendHeaders(pushed, [[':status', '200']]);
   * server.sendData(pushed, css, { endStream: true });
   */
  pushPromise(parentId: number, requestHeaders: ReadonlyArray<readonly [string, string]>, options: { sensitive?: ReadonlySet<string> } = {}): number {
    this.#assertAlive();
    if (this.#isClient) misuse('ERR_HTTP2_PUSH_DISABLED', 'a client cannot push');
    // RFC 9113 §8.4: honour the client's SETTINGS_ENABLE_PUSH = 0.
    if (!this.#peer.enablePush) misuse('ERR_HTTP2_PUSH_DISABLED', 'HTTP/2 server push is disabled by the client');
    if (this.#goawayReceivedId >= 0) misuse('ERR_HTTP2_GOAWAY_SESSION', 'no push after receiving a GOAWAY');
    const parent = this.#streams.get(parentId);
    // RFC 9113 §6.6: only on a peer-initiated stream that is open or half-closed (remote).
    if (!parent || parent.local || !(parent.state === 'open' || parent.state === 'half-closed-remote')) {
      misuse('ERR_HTTP2_INVALID_STREAM', `cannot push on stream ${parentId}`);
    }
    const fields: H2Headers = requestHeaders.map(([n, v]) => [n, v]);
    checkLocalFields(fields, 'push-request', false);
    this.#checkPeerListSize(fields, 'promised request headers');
    const id = this.#nextLocalId;
    if (id > MAX_STREAM_ID) misuse('ERR_HTTP2_OUT_OF_STREAMS', 'stream ids are exhausted');
    this.#nextLocalId += 2;
    const s = this.#newStream(id, true);
    s.requestMethod = fields.find(([n]) => n === ':method')![1];
    s.announced = true;
    this.#streams.set(id, s);
    this.#move(s, 'send-push-promise');
    this.#scheduler.open(id, { dependsOn: parentId });
    this.#writeFieldBlock(parentId, id, this.#encoder.encode(fields, options.sensitive), false, undefined);
    return id;
  }

  /**
   * Signals a new priority for a stream: a client sends PRIORITY (RFC 7540 fields) and/or
   * PRIORITY_UPDATE (RFC 9218 fields); either role reorders its own scheduler.
   *
   * @example
   * client.prioritize(id, { urgency: 0 });
   */
  prioritize(id: number, spec: PrioritySpec): void {
    this.#assertAlive();
    if (spec.dependsOn === id) misuse('ERR_HTTP2_INVALID_ARG_VALUE', 'a stream cannot depend on itself');
    if (this.#isClient) {
      if ((spec.dependsOn !== undefined || spec.weight !== undefined || spec.exclusive !== undefined) && !this.#peer.noRfc7540Priorities) {
        this.#out.push(encodeFrame({ type: 'PRIORITY', streamId: id, priority: { dependsOn: spec.dependsOn ?? 0, weight: spec.weight ?? 16, exclusive: spec.exclusive ?? false } }));
      }
      if (spec.urgency !== undefined || spec.incremental !== undefined) {
        const value = serializePriorityField({ urgency: spec.urgency ?? 3, incremental: spec.incremental ?? false });
        this.#out.push(encodeFrame({ type: 'PRIORITY_UPDATE', prioritizedId: id, value }));
      }
    }
    this.#reprioritize(id, spec);
  }

  /**
   * Sends a PING; the answer arrives as 'ping-acked' with the same 8 bytes (returned).
   *
   * @example
   * const token = conn.ping();
   */
  ping(data?: Uint8Array): Buffer {
    this.#assertAlive();
    const opaque = data ? Buffer.from(data) : Buffer.alloc(8);
    if (!data) opaque.writeDoubleBE(this.#now() + Math.random());
    if (opaque.length !== 8) throw nodeError(RangeError, 'ERR_HTTP2_PING_LENGTH', 'HTTP2 ping payload must be 8 bytes');
    this.#pings.add(opaque.toString('hex'));
    this.#out.push(encodeFrame({ type: 'PING', ack: false, opaque }));
    return opaque;
  }

  /**
   * Sends GOAWAY with the last peer stream we processed. With NO_ERROR, open streams finish and
   * new peer streams are ignored; with an error code the connection is over at once.
   *
   * @example
   * conn.goaway(ErrorCode.NO_ERROR);
   */
  goaway(code: number = ErrorCode.NO_ERROR, debug: string = ''): void {
    this.#assertAlive();
    const last = this.#goawayLastId();
    this.#out.push(encodeFrame({ type: 'GOAWAY', lastStreamId: last, errorCode: code, debug: Buffer.from(debug, 'utf8') }, MAX_MAX_FRAME_SIZE));
    this.#goawaySentId = last;
    this.#gracefulPing = null;
    if (code !== ErrorCode.NO_ERROR) this.#terminate();
  }

  /**
   * Graceful two-step shutdown (RFC 9113 §6.8): a GOAWAY with last-stream-id 2^31-1 and a PING;
   * when the PING is acknowledged, every stream the peer started before reading the first GOAWAY
   * has arrived, and a second GOAWAY names the real last stream.
   *
   * @example
   * server.startGracefulShutdown(); socket.write(server.takeOutput());
   */
  startGracefulShutdown(): void {
    this.#assertAlive();
    this.#out.push(encodeFrame({ type: 'GOAWAY', lastStreamId: MAX_STREAM_ID, errorCode: ErrorCode.NO_ERROR, debug: EMPTY }));
    this.#goawaySentId = MAX_STREAM_ID;
    this.#gracefulPing = this.ping().toString('hex');
  }

  /**
   * The bytes to write to the transport: control frames in the order they were queued, then DATA
   * in the scheduler's order within the flow-control windows.
   *
   * @example
   * socket.write(conn.takeOutput());
   */
  takeOutput(): Buffer {
    const out = this.takeOutputChunks();
    if (out.length === 0) return EMPTY;
    return out.length === 1 ? out[0]! : Buffer.concat(out);
  }

  /**
   * `takeOutput()` without the final copy: frame headers and DATA payloads as separate buffers
   * (payloads are views of what the application queued), for a driver that writes them with
   * `socket.cork()` / `writev`.
   *
   * @example
   * socket.cork(); for (const b of conn.takeOutputChunks()) socket.write(b); socket.uncork();
   */
  takeOutputChunks(): Buffer[] {
    if (!this.#dead) this.#flushData();
    this.#outAcks = 0;
    const out = this.#out;
    this.#out = [];
    return out;
  }

  #finish(s: H2Stream): void {
    // The last DATA has gone: END_STREAM rides on trailers or on an empty DATA frame.
    this.#finishers.delete(s.id);
    if (s.trailers) {
      this.#writeFieldBlock(s.id, 0, this.#encoder.encode(s.trailers, s.trailerSensitive), true, undefined);
      s.trailers = null;
    } else {
      this.#out.push(encodeFrame({ type: 'DATA', streamId: s.id, data: EMPTY, endStream: true }));
    }
    this.#move(s, 'send-end-stream');
  }

  #flushData(): void {
    for (const id of [...this.#finishers]) {
      const s = this.#streams.get(id);
      if (s) this.#finish(s);
      else this.#finishers.delete(id);
    }
    const maxFrame = this.#peer.maxFrameSize;
    // Each turn writes a frame or marks a stream not ready: bounded by streams + frames.
    for (let guard = 0; guard < 1_000_000 && this.#connSendWindow > 0; guard++) {
      const id = this.#scheduler.pop();
      if (id === 0) break;
      const s = this.#streams.get(id);
      if (!s || s.queued === 0 || s.sendWindow <= 0) {
        this.#scheduler.setReady(id, false);
        continue;
      }
      const n = Math.min(s.queued, s.sendWindow, this.#connSendWindow, maxFrame);
      const payload = this.#dequeue(s, n);
      s.sendWindow -= n;
      this.#connSendWindow -= n;
      const last = s.queued === 0 && s.endQueued && s.trailers === null;
      const header = Buffer.allocUnsafe(9);
      writeFrameHeader(header, 0, n, FrameType.DATA, last ? 0x1 : 0, id);
      this.#out.push(header, payload);
      this.#scheduler.charge(id, n);
      if (s.queued === 0) {
        this.#scheduler.setReady(id, false);
        if (last) this.#move(s, 'send-end-stream');
        else if (s.endQueued) this.#finish(s);
      } else if (s.sendWindow <= 0) {
        this.#scheduler.setReady(id, false);
      }
    }
  }

  #dequeue(s: H2Stream, n: number): Buffer {
    s.queued -= n;
    const first = s.chunks[0]!;
    const avail = first.length - s.chunkOff;
    if (avail >= n) {
      const out = first.subarray(s.chunkOff, s.chunkOff + n);
      s.chunkOff += n;
      if (s.chunkOff === first.length) {
        s.chunks.shift();
        s.chunkOff = 0;
      }
      return out;
    }
    const out = Buffer.allocUnsafe(n);
    let at = 0;
    while (at < n) {
      const c = s.chunks[0]!;
      const take = Math.min(c.length - s.chunkOff, n - at);
      c.copy(out, at, s.chunkOff, s.chunkOff + take);
      at += take;
      s.chunkOff += take;
      if (s.chunkOff === c.length) {
        s.chunks.shift();
        s.chunkOff = 0;
      }
    }
    return out;
  }
}

function checkSettingLocal(id: number, v: number): string | null {
  if (!Number.isInteger(v) || v < 0 || v > 0xffff_ffff) return `invalid value ${v} for setting 0x${id.toString(16)}`;
  if (id === SettingId.INITIAL_WINDOW_SIZE && v > MAX_WINDOW_SIZE) return 'initialWindowSize must be <= 2^31-1';
  if (id === SettingId.MAX_FRAME_SIZE && (v < MIN_MAX_FRAME_SIZE || v > MAX_MAX_FRAME_SIZE)) return 'maxFrameSize must be 16384..16777215';
  return null;
}

