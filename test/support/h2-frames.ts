// Frame builders that read like sentences, for tests that play the HTTP/2 peer by hand:
//   const peer = new FramePeer();
//   engine.receive(peer.bytes(peer.preface(), peer.settings(), peer.headers(1).get('/').endStream()));
//   assert.deepEqual(summarize(engine.takeOutput()), ['SETTINGS', 'SETTINGS(ACK)', ...]);
// Header blocks are encoded when the bytes are taken, so encoding order is wire order.
import { CLIENT_PREFACE, ErrorCode, SettingId, errorCodeName, type ErrorCodeName } from '../../src/wire/h2/constants.js';
import { encodeFrame, FrameReader, type Frame, type PriorityFields } from '../../src/wire/h2/frames.js';
import { HpackDecoder, HpackEncoder } from '../../src/wire/h2/hpack/index.js';

export type Fields = Array<[string, string]>;

export interface FrameSource {
  toBuffer(): Buffer;
}

abstract class CodeBuilder<T> implements FrameSource {
  protected errorCode: number = ErrorCode.NO_ERROR;
  code(name: ErrorCodeName | number): T {
    this.errorCode = typeof name === 'number' ? name : ErrorCode[name];
    return this as unknown as T;
  }
  noError(): T { return this.code('NO_ERROR'); }
  protocolError(): T { return this.code('PROTOCOL_ERROR'); }
  internalError(): T { return this.code('INTERNAL_ERROR'); }
  flowControlError(): T { return this.code('FLOW_CONTROL_ERROR'); }
  streamClosed(): T { return this.code('STREAM_CLOSED'); }
  refusedStream(): T { return this.code('REFUSED_STREAM'); }
  cancel(): T { return this.code('CANCEL'); }
  enhanceYourCalm(): T { return this.code('ENHANCE_YOUR_CALM'); }
  abstract toBuffer(): Buffer;
}

export class RstBuilder extends CodeBuilder<RstBuilder> {
  constructor(private readonly id: number) { super(); this.errorCode = ErrorCode.CANCEL; }
  toBuffer(): Buffer { return encodeFrame({ type: 'RST_STREAM', streamId: this.id, errorCode: this.errorCode }); }
}

export class GoawayBuilder extends CodeBuilder<GoawayBuilder> {
  #debug = Buffer.alloc(0);
  constructor(private readonly lastStreamId: number) { super(); }
  debug(s: string): this { this.#debug = Buffer.from(s); return this; }
  toBuffer(): Buffer { return encodeFrame({ type: 'GOAWAY', lastStreamId: this.lastStreamId, errorCode: this.errorCode, debug: this.#debug }); }
}

export class SettingsBuilder implements FrameSource {
  #ack = false;
  #entries: Array<[number, number]> = [];
  ack(): this { this.#ack = true; return this; }
  set(id: number, value: number): this { this.#entries.push([id, value]); return this; }
  headerTableSize(n: number): this { return this.set(SettingId.HEADER_TABLE_SIZE, n); }
  enablePush(on: boolean): this { return this.set(SettingId.ENABLE_PUSH, on ? 1 : 0); }
  maxConcurrentStreams(n: number): this { return this.set(SettingId.MAX_CONCURRENT_STREAMS, n); }
  initialWindowSize(n: number): this { return this.set(SettingId.INITIAL_WINDOW_SIZE, n); }
  maxFrameSize(n: number): this { return this.set(SettingId.MAX_FRAME_SIZE, n); }
  maxHeaderListSize(n: number): this { return this.set(SettingId.MAX_HEADER_LIST_SIZE, n); }
  enableConnectProtocol(): this { return this.set(SettingId.ENABLE_CONNECT_PROTOCOL, 1); }
  toBuffer(): Buffer { return encodeFrame({ type: 'SETTINGS', ack: this.#ack, settings: this.#entries }, 1 << 24); }
}

export class HeadersBuilder implements FrameSource {
  #fields: Fields = [];
  #endStream = false;
  #priority: PriorityFields | undefined;
  #pad: number | undefined;
  #split = 0; // 0: one frame; n: CONTINUATIONs of n bytes
  #endHeaders = true;
  constructor(private readonly peer: FramePeer, private readonly id: number, private readonly promisedId: number | null = null) {}
  /** A request; extra fields follow the pseudo-headers. */
  request(method: string, path: string, extra: Fields = []): this {
    this.#fields = [[':method', method], [':scheme', 'https'], [':authority', 'example.test'], [':path', path], ...extra];
    return this;
  }
  get(path: string, extra: Fields = []): this { return this.request('GET', path, extra); }
  post(path: string, extra: Fields = []): this { return this.request('POST', path, extra); }
  response(status: number, extra: Fields = []): this { this.#fields = [[':status', String(status)], ...extra]; return this; }
  fields(f: Fields): this { this.#fields = f; return this; }
  endStream(): this { this.#endStream = true; return this; }
  priority(dependsOn: number, weight = 16, exclusive = false): this { this.#priority = { dependsOn, weight, exclusive }; return this; }
  padded(n: number): this { this.#pad = n; return this; }
  /** Spread the block over HEADERS + CONTINUATION frames of `n` bytes each. */
  inPiecesOf(n: number): this { this.#split = n; return this; }
  /** Leave END_HEADERS off the last frame (the block is left open). */
  withoutEndHeaders(): this { this.#endHeaders = false; return this; }
  toBuffer(): Buffer {
    const block = this.peer.encoder.encode(this.#fields);
    const pieces: Buffer[] = [];
    if (this.#split > 0) for (let i = 0; i < block.length || i === 0; i += this.#split) pieces.push(block.subarray(i, i + this.#split));
    else pieces.push(block);
    const out: Buffer[] = [];
    pieces.forEach((piece, i) => {
      const last = i === pieces.length - 1;
      const endHeaders = last && this.#endHeaders;
      if (i > 0) out.push(encodeFrame({ type: 'CONTINUATION', streamId: this.id, block: piece, endHeaders }, 1 << 24));
      else if (this.promisedId !== null) out.push(encodeFrame({ type: 'PUSH_PROMISE', streamId: this.id, promisedId: this.promisedId, block: piece, endHeaders, padLength: this.#pad }, 1 << 24));
      else out.push(encodeFrame({ type: 'HEADERS', streamId: this.id, block: piece, endStream: this.#endStream, endHeaders, priority: this.#priority, padLength: this.#pad }, 1 << 24));
    });
    return Buffer.concat(out);
  }
}

export class DataBuilder implements FrameSource {
  #endStream = false;
  #pad: number | undefined;
  constructor(private readonly id: number, private readonly body: Buffer) {}
  endStream(): this { this.#endStream = true; return this; }
  padded(n: number): this { this.#pad = n; return this; }
  toBuffer(): Buffer { return encodeFrame({ type: 'DATA', streamId: this.id, data: this.body, endStream: this.#endStream, padLength: this.#pad }, 1 << 24); }
}

export class PriorityBuilder implements FrameSource {
  #p: PriorityFields = { dependsOn: 0, weight: 16, exclusive: false };
  constructor(private readonly id: number) {}
  dependsOn(id: number): this { this.#p.dependsOn = id; return this; }
  weight(w: number): this { this.#p.weight = w; return this; }
  exclusive(): this { this.#p.exclusive = true; return this; }
  toBuffer(): Buffer { return encodeFrame({ type: 'PRIORITY', streamId: this.id, priority: this.#p }); }
}

export class PingBuilder implements FrameSource {
  #ack = false;
  constructor(private readonly opaque: Buffer) {}
  ack(): this { this.#ack = true; return this; }
  toBuffer(): Buffer { return encodeFrame({ type: 'PING', ack: this.#ack, opaque: this.opaque }); }
}

class RawBuilder implements FrameSource {
  constructor(private readonly f: Frame) {}
  toBuffer(): Buffer { return encodeFrame(this.f, 1 << 24); }
}

/**
 * A hand-played HTTP/2 peer: builds frames (with its own HPACK encoder) and reads the engine's
 * output (with its own decoder).
 */
export class FramePeer {
  readonly encoder = new HpackEncoder();
  readonly decoder = new HpackDecoder({ maxHeaderListSize: 1 << 24 });
  preface(): FrameSource { return { toBuffer: () => CLIENT_PREFACE }; }
  settings(): SettingsBuilder { return new SettingsBuilder(); }
  settingsAck(): SettingsBuilder { return new SettingsBuilder().ack(); }
  headers(id: number): HeadersBuilder { return new HeadersBuilder(this, id); }
  pushPromise(parentId: number, promisedId: number): HeadersBuilder { return new HeadersBuilder(this, parentId, promisedId); }
  continuation(id: number, block: Buffer | number[], endHeaders = true): FrameSource {
    return new RawBuilder({ type: 'CONTINUATION', streamId: id, block: Buffer.from(block), endHeaders });
  }
  data(id: number, body: string | Buffer = ''): DataBuilder { return new DataBuilder(id, typeof body === 'string' ? Buffer.from(body) : body); }
  priority(id: number): PriorityBuilder { return new PriorityBuilder(id); }
  rst(id: number): RstBuilder { return new RstBuilder(id); }
  ping(opaque: string | Buffer = '12345678'): PingBuilder { return new PingBuilder(typeof opaque === 'string' ? Buffer.from(opaque) : opaque); }
  goaway(lastStreamId: number): GoawayBuilder { return new GoawayBuilder(lastStreamId); }
  windowUpdate(id: number, increment: number): FrameSource { return new RawBuilder({ type: 'WINDOW_UPDATE', streamId: id, increment }); }
  priorityUpdate(prioritizedId: number, value: string): FrameSource { return new RawBuilder({ type: 'PRIORITY_UPDATE', prioritizedId, value }); }
  unknown(frameType: number, streamId: number, payload = Buffer.alloc(0)): FrameSource {
    return new RawBuilder({ type: 'UNKNOWN', frameType, flags: 0, streamId, payload });
  }
  /** Raw frame bytes (for layouts the builders refuse to make). */
  raw(type: number, flags: number, streamId: number, payload: Buffer | number[]): FrameSource {
    const p = Buffer.from(payload);
    const b = Buffer.alloc(9 + p.length);
    b.writeUIntBE(p.length, 0, 3);
    b[3] = type;
    b[4] = flags;
    b.writeUInt32BE(streamId, 5);
    p.copy(b, 9);
    return { toBuffer: () => b };
  }
  bytes(...frames: FrameSource[]): Buffer { return Buffer.concat(frames.map((f) => f.toBuffer())); }

  /** The engine's output as frames (field blocks decoded with this peer's decoder, CONTINUATIONs joined). */
  read(buf: Buffer, { skipPreface = false } = {}): Array<Frame & { fields?: Fields }> {
    const reader = new FrameReader(1 << 24);
    reader.push(skipPreface ? buf.subarray(CLIENT_PREFACE.length) : buf);
    const out: Array<Frame & { fields?: Fields }> = [];
    let pending: (Frame & { fields?: Fields; parts: Buffer[] }) | null = null;
    for (let r = reader.next(); r; r = reader.next()) {
      if (r.kind !== 'frame') throw new Error(`engine wrote a bad frame: ${r.fault.message}`);
      const f = r.frame;
      if (f.type === 'HEADERS' || f.type === 'PUSH_PROMISE') {
        if (f.endHeaders) out.push({ ...f, fields: this.decoder.decode(f.block) });
        else pending = { ...f, parts: [f.block] };
      } else if (f.type === 'CONTINUATION' && pending) {
        pending.parts.push(f.block);
        if (f.endHeaders) {
          const { parts, ...rest } = pending;
          out.push({ ...rest, fields: this.decoder.decode(Buffer.concat(parts)) } as Frame & { fields?: Fields });
          pending = null;
        }
      } else out.push(f);
    }
    return out;
  }
}

/**
 * One short line per frame, for transcripts: `HEADERS(1,ES)`, `DATA(3,5B)`, `RST_STREAM(1,CANCEL)`,
 * `GOAWAY(0,PROTOCOL_ERROR)`, `SETTINGS(ACK)`, `WINDOW_UPDATE(0,+32768)`.
 */
export function describe(f: Frame): string {
  switch (f.type) {
    case 'DATA': return `DATA(${f.streamId},${f.data.length}B${f.endStream ? ',ES' : ''})`;
    case 'HEADERS': return `HEADERS(${f.streamId}${f.endStream ? ',ES' : ''})`;
    case 'PUSH_PROMISE': return `PUSH_PROMISE(${f.streamId},${f.promisedId})`;
    case 'CONTINUATION': return `CONTINUATION(${f.streamId})`;
    case 'PRIORITY': return `PRIORITY(${f.streamId})`;
    case 'RST_STREAM': return `RST_STREAM(${f.streamId},${errorCodeName(f.errorCode)})`;
    case 'SETTINGS': return f.ack ? 'SETTINGS(ACK)' : 'SETTINGS';
    case 'PING': return f.ack ? 'PING(ACK)' : 'PING';
    case 'GOAWAY': return `GOAWAY(${f.lastStreamId},${errorCodeName(f.errorCode)})`;
    case 'WINDOW_UPDATE': return `WINDOW_UPDATE(${f.streamId},+${f.increment})`;
    case 'PRIORITY_UPDATE': return `PRIORITY_UPDATE(${f.prioritizedId},${f.value})`;
    case 'UNKNOWN': return `UNKNOWN(${f.frameType})`;
  }
}

/** `describe` for every frame in the engine's output. */
export function summarize(peer: FramePeer, buf: Buffer, opts: { skipPreface?: boolean } = {}): string[] {
  return peer.read(buf, opts).map(describe);
}
