/**
 * `trama get -v` over HTTP/2: every frame sent and received, in the layout `nghttp -v` uses
 * (`[  0.012] recv SETTINGS frame <length=18, flags=0x00, stream_id=0>` then indented details),
 * with header blocks decoded. The frames come from the session's `frameTap`
 * (src/io/h2-client.ts); the field blocks are decoded here by one HPACK decoder per direction,
 * fed every block in wire order, so its table mirrors the connection's.
 */
import type { Frame } from '../../wire/h2/frames.js';
import { errorCodeName } from '../../wire/h2/constants.js';
import { HpackDecoder } from '../../wire/h2/hpack/index.js';

const SETTING_NAMES: Record<number, string> = {
  0x1: 'SETTINGS_HEADER_TABLE_SIZE',
  0x2: 'SETTINGS_ENABLE_PUSH',
  0x3: 'SETTINGS_MAX_CONCURRENT_STREAMS',
  0x4: 'SETTINGS_INITIAL_WINDOW_SIZE',
  0x5: 'SETTINGS_MAX_FRAME_SIZE',
  0x6: 'SETTINGS_MAX_HEADER_LIST_SIZE',
  0x8: 'SETTINGS_ENABLE_CONNECT_PROTOCOL',
  0x9: 'SETTINGS_NO_RFC7540_PRIORITIES',
};

const INDENT = '          ';

function hex2(n: number): string {
  return `0x${n.toString(16).padStart(2, '0')}`;
}

/** Frame flags as on the wire (RFC 9113 §6), rebuilt from the decoded frame. */
function flagsOf(f: Frame): { bits: number; names: string[] } {
  const names: string[] = [];
  let bits = 0;
  const add = (on: boolean | undefined, bit: number, name: string): void => {
    if (on) {
      bits |= bit;
      names.push(name);
    }
  };
  switch (f.type) {
    case 'DATA':
      add(f.endStream, 0x1, 'END_STREAM');
      add(f.padLength !== undefined, 0x8, 'PADDED');
      break;
    case 'HEADERS':
      add(f.endStream, 0x1, 'END_STREAM');
      add(f.endHeaders, 0x4, 'END_HEADERS');
      add(f.padLength !== undefined, 0x8, 'PADDED');
      add(f.priority !== undefined, 0x20, 'PRIORITY');
      break;
    case 'SETTINGS':
    case 'PING':
      add(f.ack, 0x1, 'ACK');
      break;
    case 'PUSH_PROMISE':
    case 'CONTINUATION':
      add(f.endHeaders, 0x4, 'END_HEADERS');
      break;
    case 'UNKNOWN':
      bits = f.flags;
      break;
    default:
      break;
  }
  return { bits, names };
}

/**
 * Prints frames as `nghttp -v` does.
 *
 * @example
 * const printer = new FramePrinter((s) => process.stderr.write(s));
 * agentOptions.http2FrameTap = (dir, frame, length) => printer.frame(dir, frame, length);
 */
export class FramePrinter {
  readonly #write: (text: string) => void;
  readonly #t0: number;
  readonly #decoders = { send: new HpackDecoder(), recv: new HpackDecoder() };
  /** A field block waiting for its CONTINUATION frames, per direction. */
  readonly #pending: { send: Buffer[] | null; recv: Buffer[] | null } = { send: null, recv: null };

  /** Frames held back while a connection's phases are still to be printed (see `hold`). */
  #held: string[] | null = null;

  constructor(write: (text: string) => void, t0: number = performance.now()) {
    this.#write = write;
    this.#t0 = t0;
  }

  /**
   * Holds frames back until `release()`: an HTTP/2 session writes its preface as soon as the
   * socket connects, before the request hears of the socket and prints `Connected to …`.
   */
  hold(): void {
    this.#held ??= [];
  }

  /** Prints what was held, in order, and prints frames at once from now on. */
  release(): void {
    const held = this.#held;
    this.#held = null;
    if (held !== null && held.length > 0) this.#write(held.join(''));
  }

  frame(dir: 'send' | 'recv', f: Frame, length: number): void {
    const t = ((performance.now() - this.#t0) / 1000).toFixed(3).padStart(7);
    const type = f.type === 'UNKNOWN' ? `UNKNOWN(${hex2(f.frameType)})` : f.type;
    const { bits, names } = flagsOf(f);
    const lines = [`[${t}] ${dir} ${type} frame <length=${length}, flags=${hex2(bits)}, stream_id=${f.streamId ?? 0}>`];
    if (names.length > 0) lines.push(`${INDENT}; ${names.join(' | ')}`);
    switch (f.type) {
      case 'SETTINGS':
        lines.push(`${INDENT}(niv=${f.settings.length})`);
        for (const [id, value] of f.settings) lines.push(`${INDENT}[${SETTING_NAMES[id] ?? 'UNKNOWN'}(${hex2(id)}):${value}]`);
        break;
      case 'HEADERS':
        if (f.priority !== undefined) lines.push(`${INDENT}(padlen=${f.padLength ?? 0}, dep_stream_id=${f.priority.dependsOn}, weight=${f.priority.weight}, exclusive=${f.priority.exclusive ? 1 : 0})`);
        this.#block(dir, f.block, f.endHeaders, lines);
        break;
      case 'PUSH_PROMISE':
        lines.push(`${INDENT}(padlen=${f.padLength ?? 0}, promised_stream_id=${f.promisedId})`);
        this.#block(dir, f.block, f.endHeaders, lines);
        break;
      case 'CONTINUATION':
        this.#block(dir, f.block, f.endHeaders, lines, true);
        break;
      case 'WINDOW_UPDATE':
        lines.push(`${INDENT}(window_size_increment=${f.increment})`);
        break;
      case 'RST_STREAM':
        lines.push(`${INDENT}(error_code=${errorCodeName(f.errorCode)}(${hex2(f.errorCode)}))`);
        break;
      case 'GOAWAY':
        lines.push(`${INDENT}(last_stream_id=${f.lastStreamId}, error_code=${errorCodeName(f.errorCode)}(${hex2(f.errorCode)}), opaque_data(${f.debug.length})=[${f.debug.toString('latin1').replace(/[^\x20-\x7e]/g, '.')}])`);
        break;
      case 'PING':
        lines.push(`${INDENT}(opaque_data=${f.opaque.toString('hex')})`);
        break;
      case 'PRIORITY':
        lines.push(`${INDENT}(dep_stream_id=${f.priority.dependsOn}, weight=${f.priority.weight}, exclusive=${f.priority.exclusive ? 1 : 0})`);
        break;
      default:
        break;
    }
    const text = lines.join('\n') + '\n';
    if (this.#held !== null) this.#held.push(text);
    else this.#write(text);
  }

  #block(dir: 'send' | 'recv', block: Buffer, end: boolean, lines: string[], continuation = false): void {
    const parts = continuation ? this.#pending[dir] : [];
    if (parts === null) return;
    parts.push(block);
    if (!end) {
      this.#pending[dir] = parts;
      return;
    }
    this.#pending[dir] = null;
    try {
      for (const [name, value] of this.#decoders[dir].decode(Buffer.concat(parts))) lines.push(`${INDENT}${name}: ${value}`);
    } catch (err) {
      lines.push(`${INDENT}(field block not decodable: ${(err as Error).message})`);
    }
  }
}
