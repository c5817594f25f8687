/**
 * HPACK encoder (RFC 7541 §6): one per connection, for the header blocks we send.
 *
 * Representation of each field, in order of preference:
 * 1. never-indexed literal (RFC 7541 §6.2.3, §7.1.3) if the field is sensitive: the caller's
 *    `sensitive` names, the `neverIndex` option, or the defaults of {@link isSensitiveField}
 *    (`authorization`, `proxy-authorization`, and `cookie` values under 20 octets, which are
 *    short enough to guess one by one). Its name may still come from a table.
 * 2. indexed field (§6.1) on an exact name+value match: static table first, then the dynamic
 *    table through a Map name → value → absolute insertion number (O(1), no string keys built).
 * 3. literal with incremental indexing (§6.2.1), name from the static table or else the newest
 *    dynamic entry with that name — unless {@link shouldIndexField} says the field is not worth a
 *    table slot, then literal without indexing (§6.2.2).
 *
 * Strings: `huffman: 'auto'` (default) uses the Huffman code only when it is strictly shorter,
 * `'always'`/`'never'` force it. Strings are octet strings given as latin1 JS strings; a char
 * above U+00FF is written as its low byte (Buffer's latin1 rule): the caller validates values.
 *
 * Table size (RFC 7541 §4.2, §6.3): the table's maximum is min(peer's SETTINGS_HEADER_TABLE_SIZE,
 * our `maxTableSize` cap). A change is signalled at the start of the next block; if the size went
 * down and back up in between, the smallest value is signalled first and then the final one.
 */
import { nodeError } from '../../shared/errors.js';
import { DynamicTable, ENTRY_OVERHEAD } from './dynamic-table.js';
import { DEFAULT_HEADER_TABLE_SIZE } from './decoder.js';
import { huffmanEncode, huffmanEncodedLength } from './huffman.js';
import { checkSizeArgument, encodeInteger } from './integer.js';
import { STATIC_BY_NAME, STATIC_TABLE_LENGTH } from './static-table.js';

/** When to Huffman-code string literals. */
export type HuffmanMode = 'auto' | 'always' | 'never';

/** Options of {@link HpackEncoder}. */
export interface HpackEncoderOptions {
  /** Our cap on the dynamic table, whatever the peer allows (default 4096). */
  maxTableSize?: number;
  /** Huffman-code strings: 'auto' (when shorter, default), 'always' or 'never'. */
  huffman?: HuffmanMode;
  /** Extra never-indexed rule, on top of the defaults and the per-call `sensitive` set. */
  neverIndex?: (name: string, value: string) => boolean;
}

/** RFC 7541 §7.1.3: cookie values shorter than this are sent never-indexed (few enough guesses to brute-force). */
export const SENSITIVE_COOKIE_LENGTH = 20;

/**
 * Fields whose values are unique per message or nearly so: indexing them only pushes reusable
 * entries out of the table. Measured on the http2jp raw-data stories: leaving out `:path`,
 * `content-length` and `age` makes the output smaller than indexing everything; leaving out
 * `etag`, `location`, `last-modified`, `date` or `expires` makes it larger, so those are indexed.
 * `set-cookie` is left out although indexing it would save 0.4% there: session secrets then never
 * sit in the response compression context, where reflected headers could probe them (CRIME).
 */
const NOT_INDEXED: ReadonlySet<string> = new Set([':path', 'age', 'content-length', 'set-cookie']);

/**
 * The default never-indexed rule (RFC 7541 §7.1.3): credentials, and cookies short enough to guess.
 *
 * @example
 * isSensitiveField('authorization', 'Basic Zm9vOmJhcg=='); // true
 * isSensitiveField('cookie', 'id=1'); // true (under 20 octets)
 */
export function isSensitiveField(name: string, value: string): boolean {
  return (
    name === 'authorization' ||
    name === 'proxy-authorization' ||
    (name === 'cookie' && value.length < SENSITIVE_COOKIE_LENGTH)
  );
}

/**
 * The default indexing rule: a field goes into the dynamic table unless its name is one of the
 * high-cardinality fields above, or the entry would take more than 3/4 of the table (inserting it
 * would evict nearly everything for a value that rarely repeats).
 *
 * @example
 * shouldIndexField('user-agent', 'curl/8.0', 4096); // true
 * shouldIndexField(':path', '/a?b=1', 4096); // false
 */
export function shouldIndexField(name: string, value: string, tableMaxSize: number): boolean {
  return !NOT_INDEXED.has(name) && (ENTRY_OVERHEAD + name.length + value.length) * 4 <= tableMaxSize * 3;
}

/** Starting size of the output scratch; a block beyond SCRATCH_KEEP is not kept for the next call. */
const SCRATCH_INITIAL = 4096;
const SCRATCH_KEEP = 65536;
/**
 * The output scratch, shared by every encoder: a block is built in it and copied out before
 * `encode` returns, so an idle connection holds none (it was 4 KiB of each idle HTTP/2 session).
 * A `neverIndex` callback that encodes on another encoder meanwhile gets a scratch of its own.
 */
let sharedScratch: Buffer = Buffer.allocUnsafe(SCRATCH_INITIAL);
let scratchBusy = false;
const NO_SCRATCH: Buffer = Buffer.alloc(0);


/**
 * Encodes the header blocks of one direction of one connection.
 *
 * @example
 * import { HpackEncoder, HpackDecoder } from 'trama/hpack';
 * const encoder = new HpackEncoder();
 * const block = encoder.encode([[':method', 'GET'], [':path', '/'], ['authorization', 'secret']]);
 * new HpackDecoder().decode(block); // the same three fields; authorization was never indexed
 */
export class HpackEncoder {
  readonly #cap: number;
  readonly #huffman: HuffmanMode;
  readonly #neverIndex: ((name: string, value: string) => boolean) | undefined;
  readonly #table: DynamicTable;
  /** name → value → absolute insertion number of the newest entry with that name and value. */
  readonly #exact = new Map<string, Map<string, number>>();
  /** name → absolute insertion number of the newest entry with that name. */
  readonly #byName = new Map<string, number>();
  #pending = false;
  #pendingMin = 0;
  #pendingFinal = 0;
  /** The scratch during `encode` (see sharedScratch). */
  #out: Buffer = NO_SCRATCH;

  constructor(options: HpackEncoderOptions = {}) {
    this.#cap = checkSizeArgument('maxTableSize', options.maxTableSize ?? DEFAULT_HEADER_TABLE_SIZE);
    const huffman = options.huffman ?? 'auto';
    if (huffman !== 'auto' && huffman !== 'always' && huffman !== 'never') {
      throw nodeError(TypeError, 'ERR_INVALID_ARG_VALUE', `The property 'options.huffman' must be one of: 'auto', 'always', 'never'. Received ${String(huffman)}`);
    }
    this.#huffman = huffman;
    if (options.neverIndex !== undefined && typeof options.neverIndex !== 'function') {
      throw nodeError(TypeError, 'ERR_INVALID_ARG_TYPE', 'The "options.neverIndex" property must be of type function.');
    }
    this.#neverIndex = options.neverIndex;
    const initial = Math.min(this.#cap, DEFAULT_HEADER_TABLE_SIZE);
    this.#table = new DynamicTable(initial, (name, value, absolute) => this.#evicted(name, value, absolute));
    // The peer's decoder starts at 4096: tell it at once if our cap is lower.
    if (initial !== DEFAULT_HEADER_TABLE_SIZE) {
      this.#pending = true;
      this.#pendingMin = this.#pendingFinal = initial;
    }
  }

  /** The dynamic table's current size in RFC 7541 §4.1 octets. */
  get tableSize(): number {
    return this.#table.size;
  }

  /**
   * The peer's SETTINGS_HEADER_TABLE_SIZE, once we have acknowledged it. The table's maximum
   * becomes min(n, our cap), signalled at the start of the next block.
   *
   * @example
   * encoder.setMaxTableSize(0); // the next block opens with a size update to 0 and indexes nothing
   */
  setMaxTableSize(n: number): void {
    this.#queueUpdate(Math.min(checkSizeArgument('n', n), this.#cap));
  }

  #queueUpdate(size: number): void {
    if (!this.#pending) {
      if (size === this.#table.maxSize) return;
      this.#pending = true;
      this.#pendingMin = size;
    } else if (size < this.#pendingMin) {
      this.#pendingMin = size;
    }
    this.#pendingFinal = size;
  }

  /**
   * Encode one header block. Names must already be lowercase and valid (the caller validates);
   * fields whose name is in `sensitive` are sent as never-indexed literals.
   *
   * @example
   * const block = encoder.encode([[':status', '200'], ['set-cookie', 'sid=…']], new Set(['set-cookie']));
   */
  encode(headers: ReadonlyArray<readonly [string, string]>, sensitive?: ReadonlySet<string>): Buffer {
    const shared = !scratchBusy;
    this.#out = shared ? sharedScratch : Buffer.allocUnsafe(SCRATCH_INITIAL);
    if (shared) scratchBusy = true;
    try {
      return this.#encode(headers, sensitive);
    } finally {
      if (shared) {
        scratchBusy = false;
        if (this.#out.length <= SCRATCH_KEEP) sharedScratch = this.#out;
      }
      this.#out = NO_SCRATCH;
    }
  }

  #encode(headers: ReadonlyArray<readonly [string, string]>, sensitive: ReadonlySet<string> | undefined): Buffer {
    if (!Array.isArray(headers)) {
      throw nodeError(TypeError, 'ERR_INVALID_ARG_TYPE', 'The "headers" argument must be an array of [name, value] pairs.');
    }
    const table = this.#table;
    let pos = 0;
    if (this.#pending) {
      // RFC 7541 §4.2: signal the smallest size the table went through, then the final one.
      this.#pending = false;
      this.#reserve(pos, 12);
      if (this.#pendingMin < this.#pendingFinal) {
        pos = encodeInteger(this.#out, pos, this.#pendingMin, 5, 0x20);
        table.setMaxSize(this.#pendingMin);
      }
      pos = encodeInteger(this.#out, pos, this.#pendingFinal, 5, 0x20);
      table.setMaxSize(this.#pendingFinal);
    }
    for (let i = 0; i < headers.length; i++) {
      const field = headers[i]!;
      const name = field[0];
      const value = field[1];
      if (typeof name !== 'string' || typeof value !== 'string') {
        throw nodeError(TypeError, 'ERR_INVALID_ARG_TYPE', `Header field ${i} must be a [name, value] pair of strings.`);
      }
      // Worst case: two 6-octet integers and 'always' Huffman (30-bit codes: < 4 octets per char).
      pos = this.#reserve(pos, 12 + 4 * (name.length + value.length));
      const out = this.#out;
      const never =
        isSensitiveField(name, value) ||
        (sensitive !== undefined && sensitive.has(name)) ||
        (this.#neverIndex !== undefined && this.#neverIndex(name, value));
      const stat = STATIC_BY_NAME.get(name);
      if (!never) {
        const s = stat?.values.get(value);
        if (s !== undefined) {
          pos = encodeInteger(out, pos, s, 7, 0x80);
          continue;
        }
        const d = this.#exact.get(name)?.get(value);
        if (d !== undefined) {
          pos = encodeInteger(out, pos, STATIC_TABLE_LENGTH + table.inserted - d, 7, 0x80);
          continue;
        }
      }
      let nameIndex = 0;
      if (stat !== undefined) nameIndex = stat.index;
      else {
        const d = this.#byName.get(name);
        if (d !== undefined) nameIndex = STATIC_TABLE_LENGTH + table.inserted - d;
      }
      if (never) {
        pos = encodeInteger(out, pos, nameIndex, 4, 0x10);
      } else if (shouldIndexField(name, value, table.maxSize)) {
        pos = encodeInteger(out, pos, nameIndex, 6, 0x40);
        const absolute = table.inserted;
        if (table.add(name, value)) {
          let values = this.#exact.get(name);
          if (values === undefined) this.#exact.set(name, (values = new Map()));
          values.set(value, absolute);
          this.#byName.set(name, absolute);
        }
      } else {
        pos = encodeInteger(out, pos, nameIndex, 4, 0x00);
      }
      if (nameIndex === 0) pos = this.#writeString(pos, name);
      pos = this.#writeString(pos, value);
    }
    const block = Buffer.allocUnsafe(pos);
    this.#out.copy(block, 0, 0, pos);
    return block;
  }

  /** Make room for `n` more octets after `pos`; returns `pos`. */
  #reserve(pos: number, n: number): number {
    if (pos + n > this.#out.length) {
      const grown = Buffer.allocUnsafe(Math.max(pos + n, this.#out.length * 2));
      this.#out.copy(grown, 0, 0, pos);
      this.#out = grown;
    }
    return pos;
  }

  /** RFC 7541 §5.2: a string literal, Huffman-coded per the `huffman` option. */
  #writeString(pos: number, str: string): number {
    const out = this.#out;
    const mode = this.#huffman;
    if (mode !== 'never') {
      const hlen = huffmanEncodedLength(str);
      if (mode === 'always' || hlen < str.length) {
        pos = encodeInteger(out, pos, hlen, 7, 0x80);
        return huffmanEncode(str, out, pos);
      }
    }
    pos = encodeInteger(out, pos, str.length, 7, 0x00);
    return pos + out.write(str, pos, 'latin1');
  }

  #evicted(name: string, value: string, absolute: number): void {
    const values = this.#exact.get(name);
    if (values !== undefined && values.get(value) === absolute) {
      values.delete(value);
      if (values.size === 0) this.#exact.delete(name);
    }
    if (this.#byName.get(name) === absolute) this.#byName.delete(name);
  }
}
