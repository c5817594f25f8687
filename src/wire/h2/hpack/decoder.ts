/**
 * HPACK decoder (RFC 7541 §3, §6): one per connection, for the header blocks the peer sends.
 *
 * Decisions:
 * - Strings are octet strings returned as latin1 JS strings (one char per octet, lossless), as
 *   node:http2 hands header values to JS.
 * - Dynamic table size updates (RFC 7541 §4.2, §6.3) are accepted only before the first field of
 *   a block, each ≤ `maxTableSize`. When `maxTableSize` is lowered below the table's current
 *   maximum, the next block MUST start with an update at or below the new value (possibly
 *   followed by a larger one: the smallest-then-final pair of §4.2); otherwise the block is a
 *   COMPRESSION_ERROR. Raising `maxTableSize` only permits a later update; the table keeps its
 *   size until the encoder signals one.
 * - Header list size (RFC 9113 §6.5.2: name + value + 32 per field) is counted as fields are
 *   decoded. Once it passes `maxHeaderListSize` the list is dropped and decoding continues
 *   without collecting, so the dynamic table stays in sync, and the block ends with
 *   HEADER_LIST_TOO_LARGE. An HPACK bomb (a tiny block naming a large table entry thousands of
 *   times) therefore costs O(block length) time and no memory beyond the limit.
 * - Integers above 2^32 - 1 or longer than 5 continuation octets, strings longer than
 *   `maxStringLength`, index 0 or past the tables, bad Huffman, truncated input: COMPRESSION_ERROR,
 *   after which the decoder refuses every block (its table can no longer match the peer's).
 */
import { nodeError } from '../../shared/errors.js';
import { DynamicTable, ENTRY_OVERHEAD } from './dynamic-table.js';
import { HpackError } from './errors.js';
import { huffmanDecode } from './huffman.js';
import { checkSizeArgument, decodeInteger, type IntegerCursor } from './integer.js';
import { STATIC_TABLE, STATIC_TABLE_LENGTH } from './static-table.js';

/** RFC 9113 §6.5.2: SETTINGS_HEADER_TABLE_SIZE starts at 4096 on both sides. */
export const DEFAULT_HEADER_TABLE_SIZE = 4096;
/** Default cap on a decoded header list (RFC 9113 §6.5.2 counting); node:http2's default maxHeaderListSize is also 64 KiB. */
export const DEFAULT_MAX_HEADER_LIST_SIZE = 65536;
/** Default cap on one string literal, encoded or decoded: 16× the default list size, it only bites when that is raised. */
export const DEFAULT_MAX_STRING_LENGTH = 1 << 20;

/** Options of {@link HpackDecoder}. */
export interface HpackDecoderOptions {
  /**
   * The table size in effect on both sides from the start, with no size update (default 4096,
   * HTTP/2's initial SETTINGS_HEADER_TABLE_SIZE). In HTTP/2 keep the default and assign
   * `decoder.maxTableSize` when the peer acknowledges our SETTINGS: lowering it then requires the
   * peer's next block to open with a size update (RFC 7541 §4.2). A value set here is the state
   * the RFC 7541 Appendix C examples assume (C.5: 256).
   */
  maxTableSize?: number;
  /** Largest header list accepted, RFC 9113 §6.5.2 counting (default 65536). */
  maxHeaderListSize?: number;
  /** Largest string literal accepted, in octets (default 1 MiB). */
  maxStringLength?: number;
}


function asBuffer(block: Uint8Array): Buffer {
  if (Buffer.isBuffer(block)) return block;
  if (!(block instanceof Uint8Array)) {
    throw nodeError(TypeError, 'ERR_INVALID_ARG_TYPE', 'The "block" argument must be an instance of Buffer or Uint8Array.');
  }
  return Buffer.from(block.buffer, block.byteOffset, block.byteLength);
}

/** Huffman output scratch, shared: decoding is synchronous. Grows to the largest string seen. */
let scratch = Buffer.allocUnsafe(4096);

/**
 * Decodes the header blocks of one direction of one connection.
 *
 * @example
 * import { HpackDecoder } from 'trama/hpack';
 * const decoder = new HpackDecoder({ maxHeaderListSize: 16384 });
 * decoder.decode(Buffer.from('828684410f7777772e6578616d706c652e636f6d', 'hex'));
 * // [[':method', 'GET'], [':scheme', 'http'], [':path', '/'], [':authority', 'www.example.com']]
 */
export class HpackDecoder {
  #maxHeaderListSize: number;
  #maxStringLength: number;
  readonly #table: DynamicTable;
  #limit: number;
  /** ≥ 0: the next block must open with a size update at or below this value. */
  #requiredUpdate = -1;
  #failed = false;
  readonly #cursor: IntegerCursor = { pos: 0 };

  constructor(options: HpackDecoderOptions = {}) {
    this.#maxHeaderListSize = checkSizeArgument('maxHeaderListSize', options.maxHeaderListSize ?? DEFAULT_MAX_HEADER_LIST_SIZE);
    this.#maxStringLength = checkSizeArgument('maxStringLength', options.maxStringLength ?? DEFAULT_MAX_STRING_LENGTH);
    // The constructor's size is in effect on both sides from the start, with no size update.
    this.#limit = checkSizeArgument('maxTableSize', options.maxTableSize ?? DEFAULT_HEADER_TABLE_SIZE);
    this.#table = new DynamicTable(this.#limit);
  }

  /** Largest header list accepted (RFC 9113 §6.5.2 counting); beyond it a block ends in HEADER_LIST_TOO_LARGE. */
  get maxHeaderListSize(): number {
    return this.#maxHeaderListSize;
  }
  set maxHeaderListSize(n: number) {
    this.#maxHeaderListSize = checkSizeArgument('maxHeaderListSize', n);
  }

  /** Largest string literal accepted, in octets, before and after Huffman decoding; beyond it: COMPRESSION_ERROR. */
  get maxStringLength(): number {
    return this.#maxStringLength;
  }
  set maxStringLength(n: number) {
    this.#maxStringLength = checkSizeArgument('maxStringLength', n);
  }

  /**
   * The table size we allow the peer: our SETTINGS_HEADER_TABLE_SIZE once the peer has
   * acknowledged it. A size update above it is a COMPRESSION_ERROR.
   */
  get maxTableSize(): number {
    return this.#limit;
  }
  set maxTableSize(n: number) {
    checkSizeArgument('maxTableSize', n);
    // RFC 7541 §4.2, RFC 9113 §4.3.1: when the limit falls below the table's maximum, the peer's
    // next field block MUST start with a size update at or below it, else COMPRESSION_ERROR;
    // remember the smallest limit it must honour.
    if (n < this.#table.maxSize) this.#requiredUpdate = this.#requiredUpdate < 0 ? n : Math.min(this.#requiredUpdate, n);
    this.#limit = n;
  }

  /** The dynamic table's current size in RFC 7541 §4.1 octets. */
  get tableSize(): number {
    return this.#table.size;
  }

  /**
   * Decode one complete header block (the HEADERS/PUSH_PROMISE fragment plus its CONTINUATIONs).
   * Returns the fields in order. If `neverIndexed` is given, the names of fields sent as
   * never-indexed literals (RFC 7541 §6.2.3) are added to it, so an intermediary can re-encode
   * them the same way (`encoder.encode(fields, neverIndexed)`).
   *
   * @throws {HpackError} `COMPRESSION_ERROR` (the decoder is now unusable) or `HEADER_LIST_TOO_LARGE`.
   * @example
   * const fields = decoder.decode(block);
   * for (const [name, value] of fields) console.log(name, value);
   */
  decode(block: Uint8Array, neverIndexed?: Set<string>): Array<[string, string]> {
    if (this.#failed) throw new HpackError('COMPRESSION_ERROR', 'decoder unusable after an earlier compression error', 0);
    const buf = asBuffer(block);
    const end = buf.length;
    const table = this.#table;
    const cursor = this.#cursor;
    const maxList = this.#maxHeaderListSize;
    let fields: Array<[string, string]> = [];
    let listSize = 0;
    let tooLarge = false;
    let pos = 0;
    let atStart = true;
    let smallestUpdate = Infinity;

    while (pos < end) {
      const b = buf[pos]!;
      let name: string;
      let value: string;
      if ((b & 0xe0) === 0x20) {
        // RFC 7541 §6.3: Dynamic Table Size Update.
        // RFC 7541 §4.2: it "MUST occur at the beginning of the first header block following the change".
        if (!atStart) throw this.#fail('dynamic table size update after a header field', pos);
        cursor.pos = pos;
        const size = decodeInteger(buf, cursor, 5);
        if (size < 0) throw this.#badInteger(size, pos);
        // RFC 7541 §6.3: "The new maximum size MUST be lower than or equal to the limit".
        if (size > this.#limit) throw this.#fail(`dynamic table size update to ${size} above the limit ${this.#limit}`, pos);
        table.setMaxSize(size);
        if (size < smallestUpdate) smallestUpdate = size;
        pos = cursor.pos;
        continue;
      }
      if (atStart) {
        atStart = false;
        if (this.#requiredUpdate >= 0) this.#checkRequiredUpdate(smallestUpdate, pos);
      }
      cursor.pos = pos;
      if ((b & 0x80) !== 0) {
        // RFC 7541 §6.1: Indexed Header Field.
        const index = decodeInteger(buf, cursor, 7);
        if (index < 0) throw this.#badInteger(index, pos);
        if (index <= STATIC_TABLE_LENGTH) {
          // RFC 7541 §6.1: "The index value of 0 is not used. It MUST be treated as a decoding error".
          if (index === 0) throw this.#fail('indexed header field with index 0', pos);
          const entry = STATIC_TABLE[index - 1]!;
          name = entry[0];
          value = entry[1];
        } else {
          const i = index - STATIC_TABLE_LENGTH - 1;
          // RFC 7541 §2.3.3: "Indices strictly greater than the sum of the lengths of both tables MUST be treated as a decoding error".
          if (i >= table.length) throw this.#fail(`index ${index} past the end of the tables`, pos);
          name = table.name(i);
          value = table.value(i);
        }
        pos = cursor.pos;
      } else {
        // RFC 7541 §6.2: literals. 01xxxxxx = with incremental indexing (6-bit prefix),
        // 0000xxxx = without indexing, 0001xxxx = never indexed (4-bit prefixes).
        const indexing = (b & 0x40) !== 0;
        const index = decodeInteger(buf, cursor, indexing ? 6 : 4);
        if (index < 0) throw this.#badInteger(index, pos);
        if (index === 0) {
          name = this.#readString(buf, cursor);
        } else if (index <= STATIC_TABLE_LENGTH) {
          name = STATIC_TABLE[index - 1]![0];
        } else {
          const i = index - STATIC_TABLE_LENGTH - 1;
          if (i >= table.length) throw this.#fail(`name index ${index} past the end of the tables`, pos);
          name = table.name(i);
        }
        value = this.#readString(buf, cursor);
        pos = cursor.pos;
        if (indexing) table.add(name, value);
        else if ((b & 0x10) !== 0 && neverIndexed !== undefined) neverIndexed.add(name);
      }
      // RFC 9113 §6.5.2: the size of a header list counts name + value + 32 per field.
      listSize += name.length + value.length + ENTRY_OVERHEAD;
      if (tooLarge) continue;
      if (listSize > maxList) {
        tooLarge = true;
        fields = [];
        continue;
      }
      fields.push([name, value]);
    }
    // A block of only size updates (or an empty one) still has to honour a required update.
    if (atStart && this.#requiredUpdate >= 0) this.#checkRequiredUpdate(smallestUpdate, pos);
    if (tooLarge) {
      throw new HpackError('HEADER_LIST_TOO_LARGE', `header list of ${listSize} octets exceeds maxHeaderListSize ${maxList}`, end);
    }
    return fields;
  }

  #checkRequiredUpdate(smallestUpdate: number, pos: number): void {
    if (smallestUpdate > this.#requiredUpdate) {
      throw this.#fail(`block does not open with a dynamic table size update to at most ${this.#requiredUpdate}`, pos);
    }
    this.#requiredUpdate = -1;
  }

  /** RFC 7541 §5.2: a string literal at cursor.pos; advances the cursor. */
  #readString(buf: Buffer, cursor: IntegerCursor): string {
    const start = cursor.pos;
    if (start >= buf.length) throw this.#fail('block ends before a string literal', start);
    const huffman = (buf[start]! & 0x80) !== 0;
    const len = decodeInteger(buf, cursor, 7);
    if (len < 0) throw this.#badInteger(len, start);
    const from = cursor.pos;
    const to = from + len;
    if (to > buf.length) throw this.#fail(`string literal of ${len} octets runs past the block`, start);
    if (len > this.#maxStringLength) throw this.#fail(`string literal of ${len} octets exceeds maxStringLength`, start);
    cursor.pos = to;
    if (!huffman) return buf.toString('latin1', from, to);
    // The shortest code is 5 bits, so len octets decode to at most len * 8 / 5 octets.
    const room = Math.ceil((len * 8) / 5);
    if (scratch.length < room) scratch = Buffer.allocUnsafe(Math.max(room, scratch.length * 2));
    const n = huffmanDecode(buf, from, to, scratch);
    // RFC 7541 §5.2: EOS in a string, or padding that is over 7 bits or not EOS's prefix, "MUST be treated as a decoding error".
    if (n < 0) throw this.#fail('invalid Huffman code (EOS, or bad padding)', start);
    if (n > this.#maxStringLength) throw this.#fail(`decoded string of ${n} octets exceeds maxStringLength`, start);
    return scratch.toString('latin1', 0, n);
  }

  #badInteger(result: number, pos: number): HpackError {
    return this.#fail(result === -1 ? 'block ends inside an integer' : 'integer exceeds 2^32 - 1 or 5 continuation octets', pos);
  }

  #fail(message: string, pos: number): HpackError {
    this.#failed = true;
    return new HpackError('COMPRESSION_ERROR', message, pos);
  }
}
