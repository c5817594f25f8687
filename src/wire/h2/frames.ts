/**
 * HTTP/2 frame codec (RFC 9113 §4, §6; RFC 9218 §7.1): frames are plain typed values;
 * `decodeFrame` checks each frame's own layout rules and returns either a frame or a scoped fault,
 * `encodeFrame` writes one frame, and `FrameReader` cuts frames out of partial input.
 *
 * Design notes:
 * - Payload fields (`data`, `block`, `debug`, `opaque`) are `Buffer` views into the input, never
 *   copies: the reader owns the chunks it was handed, so callers must not reuse those buffers.
 * - A frame longer than our SETTINGS_MAX_FRAME_SIZE is refused from its 9-byte header, before any
 *   of its payload is buffered (RFC 9113 §4.2), so a peer cannot make us hold more than one
 *   frame's worth of bytes.
 * - Layout faults that RFC 9113 scopes to a stream come back with `scope: 'stream'`; everything
 *   else is a connection fault. The connection turns faults into frames in one place.
 * - Unknown frame types decode to `{ type: 'UNKNOWN' }` so the connection can ignore them
 *   (RFC 9113 §4.1) while still checking CONTINUATION sequencing (§6.10).
 */
import {
  ErrorCode,
  Flag,
  FrameType,
  FRAME_HEADER_LENGTH,
  MAX_MAX_FRAME_SIZE,
  MIN_MAX_FRAME_SIZE,
  MAX_WINDOW_SIZE,
  SettingId,
} from './constants.js';

/** The payload of an empty frame (SETTINGS ACK, an empty DATA…): one shared zero-length view. */
const EMPTY_PAYLOAD = Buffer.alloc(0);

/** RFC 7540 §6.3 priority fields (deprecated by RFC 9113 but still parsed: §5.3.2). */
export interface PriorityFields {
  dependsOn: number;
  /** 1..256 (the wire carries weight-1). */
  weight: number;
  exclusive: boolean;
}

export interface DataFrame { type: 'DATA'; streamId: number; data: Buffer; endStream: boolean; padLength?: number | undefined; }
export interface HeadersFrame {
  type: 'HEADERS'; streamId: number; block: Buffer; endStream: boolean; endHeaders: boolean;
  priority?: PriorityFields | undefined; padLength?: number | undefined;
}
export interface PriorityFrame { type: 'PRIORITY'; streamId: number; priority: PriorityFields; }
export interface RstStreamFrame { type: 'RST_STREAM'; streamId: number; errorCode: number; }
export interface SettingsFrame { type: 'SETTINGS'; streamId?: 0; ack: boolean; settings: Array<[number, number]>; }
export interface PushPromiseFrame {
  type: 'PUSH_PROMISE'; streamId: number; promisedId: number; block: Buffer; endHeaders: boolean; padLength?: number | undefined;
}
export interface PingFrame { type: 'PING'; streamId?: 0; ack: boolean; opaque: Buffer; }
export interface GoawayFrame { type: 'GOAWAY'; streamId?: 0; lastStreamId: number; errorCode: number; debug: Buffer; }
/** `increment` is 1..2^31-1, or 0 on a stream (a fault or not depending on its state, RFC 9113 §6.9). */
export interface WindowUpdateFrame { type: 'WINDOW_UPDATE'; streamId: number; increment: number; }
export interface ContinuationFrame { type: 'CONTINUATION'; streamId: number; block: Buffer; endHeaders: boolean; }
export interface PriorityUpdateFrame { type: 'PRIORITY_UPDATE'; streamId?: 0; prioritizedId: number; value: string; }
export interface UnknownFrame { type: 'UNKNOWN'; frameType: number; flags: number; streamId: number; payload: Buffer; }

/** Every frame the codec knows, as a discriminated union on `type`. */
export type Frame =
  | DataFrame | HeadersFrame | PriorityFrame | RstStreamFrame | SettingsFrame | PushPromiseFrame
  | PingFrame | GoawayFrame | WindowUpdateFrame | ContinuationFrame | PriorityUpdateFrame | UnknownFrame;

/** A protocol violation with its scope decided where it was found (RFC 9113 §5.4). */
export type H2Fault =
  | { scope: 'connection'; code: number; message: string }
  | { scope: 'stream'; streamId: number; code: number; message: string };

/**
 * A connection-scoped fault.
 *
 * @example
 * return connectionFault(ErrorCode.PROTOCOL_ERROR, 'PING on stream 3');
 */
export function connectionFault(code: number, message: string): H2Fault {
  return { scope: 'connection', code, message };
}

/**
 * A stream-scoped fault (answered with RST_STREAM).
 *
 * @example
 * return streamFault(3, ErrorCode.STREAM_CLOSED, 'DATA after END_STREAM');
 */
export function streamFault(streamId: number, code: number, message: string): H2Fault {
  return { scope: 'stream', streamId, code, message };
}

/**
 * True for a decode result that is a fault rather than a frame.
 *
 * @example
 * const r = decodeFrame(type, flags, id, payload);
 * if (isFault(r)) report(r.code); else handle(r);
 */
export function isFault(x: Frame | H2Fault): x is H2Fault {
  return (x as H2Fault).scope !== undefined;
}

// ---------------------------------------------------------------------------------------------
// Decoding

function readPriority(p: Buffer, at: number): PriorityFields {
  const word = p.readUInt32BE(at);
  return { exclusive: (word & 0x8000_0000) !== 0, dependsOn: word & 0x7fff_ffff, weight: p[at + 4]! + 1 };
}

/**
 * Strips padding (RFC 9113 §6.1, §6.2, §6.6). Returns [start, end] of the unpadded region after
 * `skip` leading bytes, or a fault when the pad length is not smaller than what remains.
 */
function unpad(flags: number, p: Buffer, skip: number): [number, number, number] | H2Fault {
  if ((flags & Flag.PADDED) === 0) {
    if (p.length < skip) return connectionFault(ErrorCode.FRAME_SIZE_ERROR, 'frame too short');
    return [skip, p.length, -1];
  }
  if (p.length < 1 + skip) return connectionFault(ErrorCode.FRAME_SIZE_ERROR, 'padded frame too short');
  const pad = p[0]!;
  // RFC 9113 §6.1: padding that is at least as long as the remaining payload is a PROTOCOL_ERROR.
  if (pad > p.length - 1 - skip) return connectionFault(ErrorCode.PROTOCOL_ERROR, 'pad length exceeds payload');
  return [1 + skip, p.length - pad, pad];
}

/**
 * Validates one SETTINGS value (RFC 9113 §6.5.2, RFC 8441 §3, RFC 9218 §2.1). Unknown ids pass:
 * they MUST be ignored.
 *
 * @example
 * checkSetting(SettingId.MAX_FRAME_SIZE, 100); // connection fault PROTOCOL_ERROR
 */
export function checkSetting(id: number, value: number): H2Fault | null {
  switch (id) {
    case SettingId.ENABLE_PUSH:
    case SettingId.ENABLE_CONNECT_PROTOCOL:
    case SettingId.NO_RFC7540_PRIORITIES:
      return value > 1 ? connectionFault(ErrorCode.PROTOCOL_ERROR, `setting 0x${id.toString(16)} must be 0 or 1`) : null;
    case SettingId.INITIAL_WINDOW_SIZE:
      // RFC 9113 §6.5.2: above 2^31-1 is a FLOW_CONTROL_ERROR.
      return value > MAX_WINDOW_SIZE ? connectionFault(ErrorCode.FLOW_CONTROL_ERROR, 'SETTINGS_INITIAL_WINDOW_SIZE too large') : null;
    case SettingId.MAX_FRAME_SIZE:
      return value < MIN_MAX_FRAME_SIZE || value > MAX_MAX_FRAME_SIZE
        ? connectionFault(ErrorCode.PROTOCOL_ERROR, 'SETTINGS_MAX_FRAME_SIZE out of range')
        : null;
    default:
      return null;
  }
}

/**
 * Decodes one frame from its header fields and payload. Never throws.
 *
 * @example
 * const f = decodeFrame(FrameType.PING, 0, 0, Buffer.alloc(8)); // { type: 'PING', ack: false, … }
 */
export function decodeFrame(type: number, flags: number, streamId: number, p: Buffer): Frame | H2Fault {
  switch (type) {
    case FrameType.DATA: {
      // RFC 9113 §6.1: DATA on stream 0 is a PROTOCOL_ERROR.
      if (streamId === 0) return connectionFault(ErrorCode.PROTOCOL_ERROR, 'DATA on stream 0');
      const r = unpad(flags, p, 0);
      if (!Array.isArray(r)) return r;
      const f: DataFrame = { type: 'DATA', streamId, data: p.subarray(r[0], r[1]), endStream: (flags & Flag.END_STREAM) !== 0 };
      if (r[2] >= 0) f.padLength = r[2];
      return f;
    }
    case FrameType.HEADERS: {
      // RFC 9113 §6.2: HEADERS on stream 0 is a PROTOCOL_ERROR.
      if (streamId === 0) return connectionFault(ErrorCode.PROTOCOL_ERROR, 'HEADERS on stream 0');
      const hasPrio = (flags & Flag.PRIORITY) !== 0;
      const r = unpad(flags, p, hasPrio ? 5 : 0);
      if (!Array.isArray(r)) return r;
      const f: HeadersFrame = {
        type: 'HEADERS', streamId, block: p.subarray(r[0], r[1]),
        endStream: (flags & Flag.END_STREAM) !== 0, endHeaders: (flags & Flag.END_HEADERS) !== 0,
      };
      if (hasPrio) f.priority = readPriority(p, r[0] - 5);
      if (r[2] >= 0) f.padLength = r[2];
      return f;
    }
    case FrameType.PRIORITY: {
      if (streamId === 0) return connectionFault(ErrorCode.PROTOCOL_ERROR, 'PRIORITY on stream 0');
      // RFC 9113 §6.3: a PRIORITY frame of length other than 5 is a stream error FRAME_SIZE_ERROR.
      if (p.length !== 5) return streamFault(streamId, ErrorCode.FRAME_SIZE_ERROR, 'PRIORITY length must be 5');
      return { type: 'PRIORITY', streamId, priority: readPriority(p, 0) };
    }
    case FrameType.RST_STREAM: {
      if (streamId === 0) return connectionFault(ErrorCode.PROTOCOL_ERROR, 'RST_STREAM on stream 0');
      // RFC 9113 §6.4: length other than 4 is a connection error FRAME_SIZE_ERROR.
      if (p.length !== 4) return connectionFault(ErrorCode.FRAME_SIZE_ERROR, 'RST_STREAM length must be 4');
      return { type: 'RST_STREAM', streamId, errorCode: p.readUInt32BE(0) };
    }
    case FrameType.SETTINGS: {
      // RFC 9113 §6.5: stream 0 only; ACK carries nothing; the payload is 6-octet entries.
      if (streamId !== 0) return connectionFault(ErrorCode.PROTOCOL_ERROR, 'SETTINGS on a stream');
      const ack = (flags & Flag.ACK) !== 0;
      if (ack && p.length !== 0) return connectionFault(ErrorCode.FRAME_SIZE_ERROR, 'SETTINGS ACK with a payload');
      if (p.length % 6 !== 0) return connectionFault(ErrorCode.FRAME_SIZE_ERROR, 'SETTINGS length not a multiple of 6');
      const settings: Array<[number, number]> = [];
      for (let i = 0; i < p.length; i += 6) {
        const id = p.readUInt16BE(i);
        const value = p.readUInt32BE(i + 2);
        const bad = checkSetting(id, value);
        if (bad) return bad;
        settings.push([id, value]);
      }
      return { type: 'SETTINGS', ack, settings };
    }
    case FrameType.PUSH_PROMISE: {
      if (streamId === 0) return connectionFault(ErrorCode.PROTOCOL_ERROR, 'PUSH_PROMISE on stream 0');
      const r = unpad(flags, p, 4);
      if (!Array.isArray(r)) return r;
      const f: PushPromiseFrame = {
        type: 'PUSH_PROMISE', streamId, promisedId: p.readUInt32BE(r[0] - 4) & 0x7fff_ffff,
        block: p.subarray(r[0], r[1]), endHeaders: (flags & Flag.END_HEADERS) !== 0,
      };
      if (r[2] >= 0) f.padLength = r[2];
      return f;
    }
    case FrameType.PING: {
      // RFC 9113 §6.7: stream 0, exactly 8 octets.
      if (streamId !== 0) return connectionFault(ErrorCode.PROTOCOL_ERROR, 'PING on a stream');
      if (p.length !== 8) return connectionFault(ErrorCode.FRAME_SIZE_ERROR, 'PING length must be 8');
      return { type: 'PING', ack: (flags & Flag.ACK) !== 0, opaque: p };
    }
    case FrameType.GOAWAY: {
      // RFC 9113 §6.8: stream 0, at least 8 octets.
      if (streamId !== 0) return connectionFault(ErrorCode.PROTOCOL_ERROR, 'GOAWAY on a stream');
      if (p.length < 8) return connectionFault(ErrorCode.FRAME_SIZE_ERROR, 'GOAWAY too short');
      return { type: 'GOAWAY', lastStreamId: p.readUInt32BE(0) & 0x7fff_ffff, errorCode: p.readUInt32BE(4), debug: p.subarray(8) };
    }
    case FrameType.WINDOW_UPDATE: {
      // RFC 9113 §6.9: exactly 4 octets (connection error FRAME_SIZE_ERROR otherwise).
      if (p.length !== 4) return connectionFault(ErrorCode.FRAME_SIZE_ERROR, 'WINDOW_UPDATE length must be 4');
      const increment = p.readUInt32BE(0) & 0x7fff_ffff;
      // RFC 9113 §6.9: an increment of 0 on the connection is a connection error PROTOCOL_ERROR.
      // On a stream it is a stream error only where the frame counts at all, which depends on the
      // stream's state (on a closed stream it is ignored, §6.9 and §5.1): the connection decides.
      if (increment === 0 && streamId === 0) return connectionFault(ErrorCode.PROTOCOL_ERROR, 'WINDOW_UPDATE increment of 0');
      return { type: 'WINDOW_UPDATE', streamId, increment };
    }
    case FrameType.CONTINUATION: {
      if (streamId === 0) return connectionFault(ErrorCode.PROTOCOL_ERROR, 'CONTINUATION on stream 0');
      return { type: 'CONTINUATION', streamId, block: p, endHeaders: (flags & Flag.END_HEADERS) !== 0 };
    }
    case FrameType.PRIORITY_UPDATE: {
      // RFC 9218 §7.1: stream 0 only, at least the 4-octet prioritized stream id, which is not 0.
      if (streamId !== 0) return connectionFault(ErrorCode.PROTOCOL_ERROR, 'PRIORITY_UPDATE on a stream');
      if (p.length < 4) return connectionFault(ErrorCode.FRAME_SIZE_ERROR, 'PRIORITY_UPDATE too short');
      const prioritizedId = p.readUInt32BE(0) & 0x7fff_ffff;
      if (prioritizedId === 0) return connectionFault(ErrorCode.PROTOCOL_ERROR, 'PRIORITY_UPDATE for stream 0');
      return { type: 'PRIORITY_UPDATE', prioritizedId, value: p.toString('latin1', 4) };
    }
    default:
      return { type: 'UNKNOWN', frameType: type, flags, streamId, payload: p };
  }
}

// ---------------------------------------------------------------------------------------------
// Encoding

/**
 * Writes the 9-octet frame header into `out` at `at` (for callers that write the payload
 * themselves, e.g. DATA sent as a header plus a view of the body).
 *
 * @example
 * const head = Buffer.allocUnsafe(9);
 * writeFrameHeader(head, 0, body.length, FrameType.DATA, Flag.END_STREAM, 1);
 */
export function writeFrameHeader(out: Buffer, at: number, length: number, type: number, flags: number, streamId: number): void {
  out[at] = (length >>> 16) & 0xff;
  out[at + 1] = (length >>> 8) & 0xff;
  out[at + 2] = length & 0xff;
  out[at + 3] = type;
  out[at + 4] = flags;
  out.writeUInt32BE(streamId & 0x7fff_ffff, at + 5);
}

function frameWith(type: number, flags: number, streamId: number, payloadLength: number): Buffer {
  const b = Buffer.allocUnsafe(FRAME_HEADER_LENGTH + payloadLength);
  writeFrameHeader(b, 0, payloadLength, type, flags, streamId);
  return b;
}

function writePriority(b: Buffer, at: number, p: PriorityFields): void {
  b.writeUInt32BE(((p.exclusive ? 0x8000_0000 : 0) | (p.dependsOn & 0x7fff_ffff)) >>> 0, at);
  b[at + 4] = Math.min(256, Math.max(1, p.weight)) - 1;
}

/** Local misuse of the encoder (a frame that cannot be written as asked). */
function misuse(message: string): never {
  throw new RangeError(message);
}

/**
 * Encodes one frame. The payload may not exceed `maxFrameSize` (the peer's
 * SETTINGS_MAX_FRAME_SIZE; RFC 9113 §4.2): the connection splits DATA and field blocks before
 * calling this, so an oversized frame here is a programming error and throws a RangeError.
 *
 * @example
 * socket.write(encodeFrame({ type: 'PING', ack: false, opaque: Buffer.alloc(8) }));
 */
export function encodeFrame(f: Frame, maxFrameSize: number = MIN_MAX_FRAME_SIZE): Buffer {
  let b: Buffer;
  switch (f.type) {
    case 'DATA':
    case 'HEADERS':
    case 'PUSH_PROMISE': {
      const body = f.type === 'DATA' ? f.data : f.block;
      const pad = f.padLength;
      const padded = pad !== undefined;
      if (padded && (pad < 0 || pad > 255)) misuse('padLength must be 0..255');
      const prefix = (padded ? 1 : 0) + (f.type === 'HEADERS' && f.priority ? 5 : 0) + (f.type === 'PUSH_PROMISE' ? 4 : 0);
      const len = prefix + body.length + (padded ? pad : 0);
      if (len > maxFrameSize) misuse(`frame payload ${len} exceeds max frame size ${maxFrameSize}`);
      let flags = padded ? Flag.PADDED : 0;
      let type: number;
      if (f.type === 'DATA') {
        type = FrameType.DATA;
        if (f.endStream) flags |= Flag.END_STREAM;
      } else if (f.type === 'HEADERS') {
        type = FrameType.HEADERS;
        if (f.endStream) flags |= Flag.END_STREAM;
        if (f.endHeaders) flags |= Flag.END_HEADERS;
        if (f.priority) flags |= Flag.PRIORITY;
      } else {
        type = FrameType.PUSH_PROMISE;
        if (f.endHeaders) flags |= Flag.END_HEADERS;
      }
      b = frameWith(type, flags, f.streamId, len);
      let at = FRAME_HEADER_LENGTH;
      if (padded) b[at++] = pad;
      if (f.type === 'HEADERS' && f.priority) {
        writePriority(b, at, f.priority);
        at += 5;
      }
      if (f.type === 'PUSH_PROMISE') {
        b.writeUInt32BE(f.promisedId & 0x7fff_ffff, at);
        at += 4;
      }
      body.copy(b, at);
      at += body.length;
      if (padded) b.fill(0, at, at + pad);
      return b;
    }
    case 'PRIORITY':
      b = frameWith(FrameType.PRIORITY, 0, f.streamId, 5);
      writePriority(b, FRAME_HEADER_LENGTH, f.priority);
      return b;
    case 'RST_STREAM':
      b = frameWith(FrameType.RST_STREAM, 0, f.streamId, 4);
      b.writeUInt32BE(f.errorCode >>> 0, FRAME_HEADER_LENGTH);
      return b;
    case 'SETTINGS': {
      const n = f.settings.length * 6;
      if (n > maxFrameSize) misuse('too many settings for one frame');
      b = frameWith(FrameType.SETTINGS, f.ack ? Flag.ACK : 0, 0, n);
      let at = FRAME_HEADER_LENGTH;
      for (const [id, value] of f.settings) {
        b.writeUInt16BE(id, at);
        b.writeUInt32BE(value >>> 0, at + 2);
        at += 6;
      }
      return b;
    }
    case 'PING':
      if (f.opaque.length !== 8) misuse('PING opaque data must be 8 bytes');
      b = frameWith(FrameType.PING, f.ack ? Flag.ACK : 0, 0, 8);
      f.opaque.copy(b, FRAME_HEADER_LENGTH);
      return b;
    case 'GOAWAY': {
      const len = 8 + f.debug.length;
      if (len > maxFrameSize) misuse('GOAWAY debug data too long');
      b = frameWith(FrameType.GOAWAY, 0, 0, len);
      b.writeUInt32BE(f.lastStreamId & 0x7fff_ffff, FRAME_HEADER_LENGTH);
      b.writeUInt32BE(f.errorCode >>> 0, FRAME_HEADER_LENGTH + 4);
      f.debug.copy(b, FRAME_HEADER_LENGTH + 8);
      return b;
    }
    case 'WINDOW_UPDATE':
      b = frameWith(FrameType.WINDOW_UPDATE, 0, f.streamId, 4);
      b.writeUInt32BE(f.increment & 0x7fff_ffff, FRAME_HEADER_LENGTH);
      return b;
    case 'CONTINUATION':
      if (f.block.length > maxFrameSize) misuse('CONTINUATION exceeds max frame size');
      b = frameWith(FrameType.CONTINUATION, f.endHeaders ? Flag.END_HEADERS : 0, f.streamId, f.block.length);
      f.block.copy(b, FRAME_HEADER_LENGTH);
      return b;
    case 'PRIORITY_UPDATE': {
      const value = Buffer.from(f.value, 'latin1');
      if (4 + value.length > maxFrameSize) misuse('PRIORITY_UPDATE too long');
      b = frameWith(FrameType.PRIORITY_UPDATE, 0, 0, 4 + value.length);
      b.writeUInt32BE(f.prioritizedId & 0x7fff_ffff, FRAME_HEADER_LENGTH);
      value.copy(b, FRAME_HEADER_LENGTH + 4);
      return b;
    }
    case 'UNKNOWN':
      if (f.payload.length > maxFrameSize) misuse('frame exceeds max frame size');
      b = frameWith(f.frameType, f.flags, f.streamId, f.payload.length);
      f.payload.copy(b, FRAME_HEADER_LENGTH);
      return b;
  }
}

// ---------------------------------------------------------------------------------------------
// Incremental reader

/** What `FrameReader.next()` yields: a frame, a fault (the reader is then dead), or nothing yet. */
export type ReadResult =
  | { kind: 'frame'; frame: Frame; length: number }
  | { kind: 'fault'; fault: H2Fault; streamId: number; frameType: number }
  | null;

/**
 * Cuts frames out of a byte stream delivered in arbitrary pieces. Holds at most one partial frame
 * (bounded by `maxFrameSize`, RFC 9113 §4.2). After a connection fault it yields nothing more.
 *
 * Input chunks are queued, not concatenated: a frame inside one chunk is a zero-copy view, and
 * only a frame that straddles chunks is copied (once, into a buffer of its own size), so the cost
 * is linear whatever the chunk sizes.
 *
 * @example
 * const r = new FrameReader();
 * r.push(chunk);
 * for (let x = r.next(); x; x = r.next()) handle(x);
 */
export class FrameReader {
  /** Our SETTINGS_MAX_FRAME_SIZE: longer frames are refused from their header. */
  maxFrameSize: number;
  #chunks: Buffer[] = [];
  #off = 0; // read offset into #chunks[0]
  #avail = 0;
  #dead = false;
  #head: Buffer = Buffer.alloc(FRAME_HEADER_LENGTH);

  constructor(maxFrameSize: number = MIN_MAX_FRAME_SIZE) {
    this.maxFrameSize = maxFrameSize;
  }

  /** Appends input (kept by reference: the caller must not reuse the buffer). */
  push(chunk: Uint8Array): void {
    if (this.#dead || chunk.length === 0) return;
    this.#chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length));
    this.#avail += chunk.length;
  }

  /** Bytes buffered and not yet returned as frames. */
  get buffered(): number {
    return this.#avail;
  }

  /** Copies the next `n` bytes (across chunks) into `out` without consuming them. */
  #peek(out: Buffer, n: number): void {
    let at = 0;
    let off = this.#off;
    for (let i = 0; at < n; i++) {
      const c = this.#chunks[i]!;
      const take = Math.min(c.length - off, n - at);
      c.copy(out, at, off, off + take);
      at += take;
      off = 0;
    }
  }

  /** Consumes `n` bytes; returns them as a view when they lie in one chunk, else as a copy. */
  #take(n: number): Buffer {
    this.#avail -= n;
    const first = this.#chunks[0]!;
    if (first.length - this.#off >= n) {
      const out = first.subarray(this.#off, this.#off + n);
      this.#off += n;
      if (this.#off === first.length) {
        this.#chunks.shift();
        this.#off = 0;
      }
      return out;
    }
    const out = Buffer.allocUnsafe(n);
    let at = 0;
    while (at < n) {
      const c = this.#chunks[0]!;
      const take = Math.min(c.length - this.#off, n - at);
      c.copy(out, at, this.#off, this.#off + take);
      at += take;
      this.#off += take;
      if (this.#off === c.length) {
        this.#chunks.shift();
        this.#off = 0;
      }
    }
    return out;
  }

  /**
   * The frame whose header was read: its header skipped, its payload returned — one view of the
   * input when the frame lies in one chunk (no view of the whole frame made only to cut it).
   */
  #takePayload(length: number): Buffer {
    const first = this.#chunks[0]!;
    if (first.length - this.#off >= FRAME_HEADER_LENGTH + length) {
      this.#avail -= FRAME_HEADER_LENGTH + length;
      const start = this.#off + FRAME_HEADER_LENGTH;
      const out = length === 0 ? EMPTY_PAYLOAD : first.subarray(start, start + length);
      this.#off = start + length;
      if (this.#off === first.length) {
        this.#chunks.shift();
        this.#off = 0;
      }
      return out;
    }
    return this.#take(FRAME_HEADER_LENGTH + length).subarray(FRAME_HEADER_LENGTH);
  }

  /** The next complete frame, a fault, or null when more input is needed. */
  next(): ReadResult {
    if (this.#dead || this.#avail < FRAME_HEADER_LENGTH) return null;
    let h: Buffer;
    let at: number;
    const first = this.#chunks[0]!;
    if (first.length - this.#off >= FRAME_HEADER_LENGTH) {
      h = first;
      at = this.#off;
    } else {
      this.#peek(this.#head, FRAME_HEADER_LENGTH);
      h = this.#head;
      at = 0;
    }
    const length = (h[at]! << 16) | (h[at + 1]! << 8) | h[at + 2]!;
    const type = h[at + 3]!;
    const flags = h[at + 4]!;
    const streamId = h.readUInt32BE(at + 5) & 0x7fff_ffff; // RFC 9113 §4.1: the R bit is ignored
    if (length > this.maxFrameSize) {
      // RFC 9113 §4.2: a frame larger than our SETTINGS_MAX_FRAME_SIZE is a FRAME_SIZE_ERROR;
      // treated as a connection error whatever the frame (always allowed).
      this.#dead = true;
      this.#chunks = [];
      return { kind: 'fault', fault: connectionFault(ErrorCode.FRAME_SIZE_ERROR, `frame of ${length} bytes exceeds ${this.maxFrameSize}`), streamId, frameType: type };
    }
    if (this.#avail < FRAME_HEADER_LENGTH + length) return null;
    const r = decodeFrame(type, flags, streamId, this.#takePayload(length));
    if (isFault(r)) {
      if (r.scope === 'connection') {
        this.#dead = true;
        this.#chunks = [];
      }
      return { kind: 'fault', fault: r, streamId, frameType: type };
    }
    return { kind: 'frame', frame: r, length };
  }
}
