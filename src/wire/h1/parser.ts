/**
 * The HTTP/1.1 message parser: incremental, sans-I/O, strict RFC 9112 by default.
 *
 * One engine, two roles (`request` for servers, `response` for clients). `execute(chunk)` walks
 * the bytes and calls the handler: `onHeadersComplete(head)`, `onBody(subarray)`,
 * `onMessageComplete(trailers)`. Peer bytes never throw: a fault sets `error` (an `H1ParseError`
 * with llhttp's `HPE_*` code, its reason text and the absolute byte offset) and nothing after it
 * is delivered.
 *
 * Design (why it is fast, why it is bounded):
 * - The head (start line, field lines) and the trailer section are parsed a LINE at a time,
 *   straight from the chunk, with 256-entry lookup tables (values four bytes per step, SWAR),
 *   no regular expressions, no per-byte allocation. Known methods are interned.
 * - While a head is parsed from one chunk, only span offsets are recorded; at its end ONE
 *   `latin1Slice` decodes the head and every name/value/url is a `substring` of it (a C++ call
 *   per span would cost more than the whole parse).
 * - Only a line cut by a chunk boundary is copied into a fixed accumulator (capacity
 *   `maxHeaderSize`); the next chunk contributes bytes up to its first LF (found with the native
 *   `indexOf`), so each byte is copied at most once and a byte-at-a-time trickle costs O(n).
 *   Partial lines are re-validated only while short (`PARTIAL_RECHECK_MAX`), so a bad request
 *   line is rejected before its CRLF arrives without making a trickle quadratic.
 * - Every line is bounded before any string is created: a line that cannot fit in what is left
 *   of `maxHeaderSize` is `HPE_HEADER_OVERFLOW` as soon as that is known.
 * - Bodies are never copied: `onBody` gets `subarray`s of the chunk. Chunk-size lines (with
 *   extensions) are a small byte-level state machine, bounded by `maxChunkExtensionsSize`.
 *
 * Strict choices (RFC 9112 / RFC 9110) and the leniencies behind `lenient` (node's
 * `insecureHTTPParser`, i.e. all of llhttp's lenient flags) are listed in docs/wire-h1.md.
 */
import { TramaError } from '../shared/errors.js';
import { TOKEN, FIELD_VALUE } from '../shared/fields.js';
import type {
  H1Handler,
  H1Head,
  H1ParseErrorLike,
  H1ParserLike,
  H1ParserOptions,
  H1Role,
  HpeCode,
} from './types.js';

/** node's default `maxHeaderSize`: 16 KiB for the head (and, separately, for a trailer section). */
export const DEFAULT_MAX_HEADER_SIZE = 16384;
/** node's default `maxHeadersCount`. */
export const DEFAULT_MAX_HEADER_COUNT = 2000;
/** node's limit on the chunk-extension bytes of one chunk header (CVE-2024-22019): over → HPE_CHUNK_EXTENSIONS_OVERFLOW. */
export const DEFAULT_MAX_CHUNK_EXTENSIONS_SIZE = 16384;
/** A partial line (no LF yet) is re-validated on each new chunk only while it is at most this long: early rejection without quadratic trickles. */
const PARTIAL_RECHECK_MAX = 256;
/** Largest Content-Length / chunk size we represent exactly (2^53 - 1). */
const MAX_LENGTH = Number.MAX_SAFE_INTEGER;

/** The error every peer-input fault becomes: `code` is llhttp's `HPE_*` name, `reason` its reason text. */
export class H1ParseError extends TramaError implements H1ParseErrorLike {
  declare readonly code: HpeCode;
  /** llhttp's reason text, e.g. "Invalid header value char". */
  readonly reason: string;
  /** Absolute byte offset (since creation or the last `reset()`) where the fault was detected. */
  readonly offset: number;
  /** node's name for the same number (`err.bytesParsed` in `clientError`). */
  get bytesParsed(): number {
    return this.offset;
  }
  constructor(code: HpeCode, reason: string, offset: number) {
    // node's message for parser errors: "Parse Error: <reason>".
    super(code, `Parse Error: ${reason}`);
    this.reason = reason;
    this.offset = offset;
  }
}

/** Extra options beyond the shared contract (all optional). */
export interface H1ParserExtraOptions extends H1ParserOptions {
  /** Max bytes of chunk extensions in one chunk header. Default 16384 (node). Over → HPE_CHUNK_EXTENSIONS_OVERFLOW. */
  maxChunkExtensionsSize?: number;
}

interface Latin1Sliceable {
  latin1Slice(start: number, end: number): string;
}

// ---------------------------------------------------------------------------------------------
// Character classes (one table load per byte).

const CR = 0x0d;
const LF = 0x0a;
const SP = 0x20;
const HTAB = 0x09;
const COLON = 0x3a;

/** Strict request-target bytes: VCHAR (0x21–0x7E). `?` and `#` are ordinary here (query, fragment). */
const TARGET_STRICT: Uint8Array = (() => {
  const t = new Uint8Array(256);
  for (let c = 0x21; c <= 0x7e; c++) t[c] = 1;
  return t;
})();
/** Lenient field-value bytes (llhttp's lenient headers): anything but CR and LF. */
const FIELD_VALUE_LENIENT: Uint8Array = (() => {
  const t = new Uint8Array(256).fill(1);
  t[CR] = 0;
  t[LF] = 0;
  return t;
})();
/** Bytes after which node's insecure parser reads no transfer coding or connection option in the line: CTLs but HTAB, and DEL. */
const CTL_ENDS_TOKENS: Uint8Array = (() => {
  const t = new Uint8Array(256);
  for (let c = 0; c < 0x20; c++) t[c] = 1;
  t[HTAB] = 0;
  t[0x7f] = 1;
  return t;
})();
/** Hex digit values + 1 (0 = not a hex digit). */
const HEX: Uint8Array = (() => {
  const t = new Uint8Array(256);
  for (let c = 0; c < 10; c++) t[0x30 + c] = c + 1;
  for (let c = 0; c < 6; c++) {
    t[0x41 + c] = 11 + c;
    t[0x61 + c] = 11 + c;
  }
  return t;
})();
/** qdtext (RFC 9110 §5.6.4): HTAB, SP, 0x21, 0x23–0x5B, 0x5D–0x7E, obs-text. */
const QDTEXT: Uint8Array = (() => {
  const t = new Uint8Array(256);
  t[HTAB] = 1;
  t[SP] = 1;
  t[0x21] = 1;
  for (let c = 0x23; c <= 0x5b; c++) t[c] = 1;
  for (let c = 0x5d; c <= 0x7e; c++) t[c] = 1;
  for (let c = 0x80; c <= 0xff; c++) t[c] = 1;
  return t;
})();
/** uri-host [":" port] bytes (RFC 3986 reg-name / IP-literal / port): unreserved, sub-delims, "%", ":", "[", "]". */
const HOST_CHAR: Uint8Array = (() => {
  const t = new Uint8Array(256);
  for (let c = 0x30; c <= 0x39; c++) t[c] = 1;
  for (let c = 0x41; c <= 0x5a; c++) t[c] = 1;
  for (let c = 0x61; c <= 0x7a; c++) t[c] = 1;
  for (const ch of "-._~!$&'()*+,;=%:[]") t[ch.charCodeAt(0)] = 1;
  return t;
})();

// ---------------------------------------------------------------------------------------------
// Methods: llhttp's sets, interned (a known method never allocates a string).

const PROTO_HTTP = 1;
const PROTO_RTSP = 2;
const PROTO_ICE = 4;

interface MethodEntry {
  readonly name: string;
  readonly bytes: Uint8Array;
  readonly protocols: number;
}

const HTTP_METHODS = [
  'DELETE', 'GET', 'HEAD', 'POST', 'PUT', 'CONNECT', 'OPTIONS', 'TRACE', 'COPY', 'LOCK', 'MKCOL',
  'MOVE', 'PROPFIND', 'PROPPATCH', 'SEARCH', 'UNLOCK', 'BIND', 'REBIND', 'UNBIND', 'ACL', 'REPORT',
  'MKACTIVITY', 'CHECKOUT', 'MERGE', 'M-SEARCH', 'NOTIFY', 'SUBSCRIBE', 'UNSUBSCRIBE', 'PATCH',
  'PURGE', 'MKCALENDAR', 'LINK', 'UNLINK', 'QUERY', 'SOURCE', 'PRI',
];
const RTSP_METHODS = [
  'OPTIONS', 'DESCRIBE', 'ANNOUNCE', 'SETUP', 'PLAY', 'PAUSE', 'TEARDOWN', 'GET_PARAMETER',
  'SET_PARAMETER', 'REDIRECT', 'RECORD', 'FLUSH', 'GET', 'POST',
];
const ICE_METHODS = ['SOURCE'];

/** Candidates by first byte. */
const METHOD_TABLE: MethodEntry[][] = (() => {
  const protos = new Map<string, number>();
  const add = (list: string[], bit: number) => {
    for (const m of list) protos.set(m, (protos.get(m) ?? 0) | bit);
  };
  add(HTTP_METHODS, PROTO_HTTP);
  add(RTSP_METHODS, PROTO_RTSP);
  add(ICE_METHODS, PROTO_ICE);
  const table: MethodEntry[][] = [];
  for (let i = 0; i < 256; i++) table.push([]);
  for (const [name, protocols] of protos) {
    table[name.charCodeAt(0)]!.push({ name, bytes: Buffer.from(name, 'latin1'), protocols });
  }
  return table;
})();

/** The longest method llhttp knows (`SET_PARAMETER`). */
const MAX_METHOD_LENGTH = Math.max(...METHOD_TABLE.flat().map((m) => m.name.length));

function lookupMethod(buf: Uint8Array, s: number, e: number): MethodEntry | undefined {
  const list = METHOD_TABLE[buf[s]!]!;
  const n = e - s;
  outer: for (let k = 0; k < list.length; k++) {
    const m = list[k]!;
    const b = m.bytes;
    if (b.length !== n) continue;
    for (let j = 1; j < n; j++) if (b[j] !== buf[s + j]) continue outer;
    return m;
  }
  return undefined;
}

/**
 * The end of the run of bytes in `table` starting at i (at most `end`). Unrolled by four: one
 * bounds check and one branch per four bytes on the common path (values and names are runs).
 */
function scan(table: Uint8Array, buf: Buffer, i: number, end: number): number {
  while (i + 4 <= end && (table[buf[i]!]! & table[buf[i + 1]!]! & table[buf[i + 2]!]! & table[buf[i + 3]!]!) === 1) i += 4;
  while (i < end && table[buf[i]!] === 1) i++;
  return i;
}

/**
 * The end of a run of strict field-value bytes (FIELD_VALUE: no CTL but HTAB, no DEL) from i.
 * SWAR: four bytes per step through a DataView — "some byte < 0x20" is
 * `(w - 0x20202020) & ~w & 0x80808080` and "some byte == 0x7F" the same zero-byte test on
 * `w ^ 0x7F7F7F7F` (exact: no false negatives; a false positive only drops to the byte table).
 * About twice the speed of the table loop on header values.
 */
function scanValue(dv: DataView, buf: Buffer, i: number, end: number): number {
  for (;;) {
    while (i + 4 <= end) {
      const w = dv.getInt32(i, true);
      const x = w ^ 0x7f7f7f7f;
      if ((((w - 0x20202020) & ~w) | ((x - 0x01010101) & ~x)) & 0x80808080) break;
      i += 4;
    }
    // A word with a CTL/DEL candidate (often just HTAB), or the tail: byte by byte.
    const stop = i + 4 < end ? i + 4 : end;
    while (i < stop) {
      if (FIELD_VALUE[buf[i]!] !== 1) return i;
      i++;
    }
    if (i >= end) return i;
  }
}

/** Case-insensitive compare of buf[s, s+len) with a lowercase ASCII name (token bytes only). */
function eqLower(buf: Uint8Array, s: number, lower: Uint8Array): boolean {
  const n = lower.length;
  for (let j = 0; j < n; j++) if ((buf[s + j]! | 0x20) !== lower[j]) return false;
  return true;
}

const L_HOST = Buffer.from('host');
const L_UPGRADE = Buffer.from('upgrade');
const L_CONNECTION = Buffer.from('connection');
const L_CONTENT_LENGTH = Buffer.from('content-length');
const L_PROXY_CONNECTION = Buffer.from('proxy-connection');
const L_TRANSFER_ENCODING = Buffer.from('transfer-encoding');
const L_CHUNKED = Buffer.from('chunked');
const L_CLOSE = Buffer.from('close');
const L_KEEP_ALIVE = Buffer.from('keep-alive');

const H_GENERAL = 0;
const H_HOST = 1;
const H_UPGRADE = 2;
const H_CONNECTION = 3;
const H_CONTENT_LENGTH = 4;
const H_TRANSFER_ENCODING = 5;

function specialHeader(buf: Uint8Array, s: number, n: number): number {
  switch (n) {
    case 4:
      return eqLower(buf, s, L_HOST) ? H_HOST : H_GENERAL;
    case 7:
      return eqLower(buf, s, L_UPGRADE) ? H_UPGRADE : H_GENERAL;
    case 10:
      return eqLower(buf, s, L_CONNECTION) ? H_CONNECTION : H_GENERAL;
    case 14:
      return eqLower(buf, s, L_CONTENT_LENGTH) ? H_CONTENT_LENGTH : H_GENERAL;
    case 16:
      return eqLower(buf, s, L_PROXY_CONNECTION) ? H_CONNECTION : H_GENERAL;
    case 17:
      return eqLower(buf, s, L_TRANSFER_ENCODING) ? H_TRANSFER_ENCODING : H_GENERAL;
    default:
      return H_GENERAL;
  }
}

// ---------------------------------------------------------------------------------------------
// States.

const S_START = 0; // between messages: skip CR/LF, then a start line
const S_START_LINE = 1;
const S_FIELDS = 2; // head field lines
const S_BODY_LENGTH = 3;
const S_BODY_EOF = 4;
const S_CHUNK_SIZE = 5; // chunk-size line, byte-level (see #chunkState)
const S_CHUNK_DATA = 6;
const S_CHUNK_DATA_CR = 7;
const S_CHUNK_DATA_LF = 8;
const S_TRAILERS = 9; // trailer field lines
const S_CLOSED = 10; // after a message that closes the connection
const S_UPGRADED = 11; // the rest belongs to another protocol
const S_DEAD = 12; // a fatal error happened

// Chunk-size line sub-states.
const C_FIRST_DIGIT = 0;
const C_DIGITS = 1;
const C_BWS_BEFORE_SEMI = 2; // whitespace after the size: only ";" may follow (RFC 9112 §7.1.1 BWS)
const C_EXT_NAME_START = 3;
const C_EXT_NAME = 4;
const C_EXT_AFTER_NAME = 5;
const C_EXT_VALUE_START = 6;
const C_EXT_VALUE = 7;
const C_EXT_QUOTED = 8;
const C_EXT_QUOTED_PAIR = 9;
const C_EXT_AFTER_VALUE = 10;
const C_ALMOST_DONE = 11; // CR seen, LF expected
const C_LF_AFTER_SIZE = 12; // lenient: a bare LF ended a size without extensions; a second LF is part of the line end

/**
 * The chunk-extension states as a table (RFC 9112 §7.1.1):
 *   chunk-ext = *( BWS ";" BWS chunk-ext-name [ BWS "=" BWS chunk-ext-val ] )
 *   chunk-ext-val = token / quoted-string
 * Row (state − C_EXT_NAME_START) × 256 bytes → the next state; EXT_INVALID for a byte the
 * grammar does not allow there, EXT_END for CR/LF where an extension may end.
 */
const EXT_INVALID = 0;
const EXT_END = 255;
const CHUNK_EXT_NEXT: Uint8Array = (() => {
  const t = new Uint8Array((C_EXT_AFTER_VALUE - C_EXT_NAME_START + 1) * 256);
  const row = (st: number) => (st - C_EXT_NAME_START) << 8;
  const set = (st: number, next: number, bytes: Iterable<number>) => {
    for (const b of bytes) t[row(st) | b] = next;
  };
  const tokens: number[] = [];
  const qdtext: number[] = [];
  for (let c = 0; c < 256; c++) {
    if (TOKEN[c] === 1) tokens.push(c);
    if (QDTEXT[c] === 1) qdtext.push(c);
  }
  const ws = [SP, HTAB];
  const crlf = [CR, LF];
  set(C_EXT_NAME_START, C_EXT_NAME_START, ws);
  set(C_EXT_NAME_START, C_EXT_NAME, tokens);
  set(C_EXT_NAME, C_EXT_NAME, tokens);
  set(C_EXT_NAME, C_EXT_AFTER_NAME, ws);
  set(C_EXT_NAME, C_EXT_VALUE_START, [0x3d]);
  set(C_EXT_NAME, C_EXT_NAME_START, [0x3b]);
  set(C_EXT_NAME, EXT_END, crlf);
  set(C_EXT_AFTER_NAME, C_EXT_AFTER_NAME, ws);
  set(C_EXT_AFTER_NAME, C_EXT_VALUE_START, [0x3d]);
  set(C_EXT_AFTER_NAME, C_EXT_NAME_START, [0x3b]);
  set(C_EXT_AFTER_NAME, EXT_END, crlf);
  set(C_EXT_VALUE_START, C_EXT_VALUE_START, ws);
  set(C_EXT_VALUE_START, C_EXT_QUOTED, [0x22]);
  set(C_EXT_VALUE_START, C_EXT_VALUE, tokens);
  set(C_EXT_VALUE, C_EXT_VALUE, tokens);
  set(C_EXT_VALUE, C_EXT_AFTER_VALUE, ws);
  set(C_EXT_VALUE, C_EXT_NAME_START, [0x3b]);
  set(C_EXT_VALUE, EXT_END, crlf);
  set(C_EXT_QUOTED, C_EXT_QUOTED, qdtext);
  set(C_EXT_QUOTED, C_EXT_AFTER_VALUE, [0x22]);
  set(C_EXT_QUOTED, C_EXT_QUOTED_PAIR, [0x5c]);
  // quoted-pair = "\" ( HTAB / SP / VCHAR / obs-text )
  const pairable: number[] = [HTAB];
  for (let c = 0x20; c < 256; c++) if (c !== 0x7f) pairable.push(c);
  set(C_EXT_QUOTED_PAIR, C_EXT_QUOTED, pairable);
  set(C_EXT_AFTER_VALUE, C_EXT_AFTER_VALUE, ws);
  set(C_EXT_AFTER_VALUE, C_EXT_NAME_START, [0x3b]);
  set(C_EXT_AFTER_VALUE, EXT_END, crlf);
  return t;
})();
/** llhttp's reason text for an invalid byte, per extension state (same order as the states). */
const EXT_REASON: readonly string[] = [
  'Invalid character in chunk extensions',
  'Invalid character in chunk extensions name',
  'Invalid character in chunk extensions name',
  'Invalid character in chunk extensions value',
  'Invalid character in chunk extensions value',
  'Invalid character in chunk extensions quoted value',
  'Invalid quoted-pair in chunk extensions quoted value',
  'Invalid character in chunk extensions quote value',
];

// Line-parser results (a line parser returns the index after the line, or one of these).
const NEED_MORE = -1;
const FAILED = -2;

// Framing decided at the end of a head.
const BODY_NONE = 0;
const BODY_LENGTH = 1;
const BODY_CHUNKED = 2;
const BODY_EOF = 3;

/**
 * The HTTP/1.1 parser. See the module comment and `H1ParserLike` for the contract.
 *
 * @example
 * const parser = new H1Parser({ role: 'request' }, {
 *   onHeadersComplete(head) { console.log(head.method, head.url, head.rawHeaders); },
 *   onBody(chunk) { console.log('body', chunk.length); },
 *   onMessageComplete() { console.log('done'); },
 * });
 * const n = parser.execute(Buffer.from('GET / HTTP/1.1\r\nHost: a\r\n\r\n'));
 * if (parser.error) console.log(parser.error.code, parser.error.offset);
 */
export class H1Parser implements H1ParserLike {
  readonly #handler: H1Handler;
  readonly #isRequest: boolean;
  readonly #lenient: boolean;
  readonly #requireHost: boolean;
  readonly #allowMissingHost: boolean;
  readonly #maxHeaderSize: number;
  readonly #maxHeaderCount: number;
  readonly #maxExtSize: number;
  readonly #valueTable: Uint8Array;

  #state = S_START;
  #error: H1ParseError | null = null;
  #upgraded = false;
  #paused = false;
  /** Absolute offset of the current chunk's first byte. */
  #chunkBase = 0;
  /** Absolute offset of byte 0 of the buffer the line parsers are reading (chunk or accumulator). */
  #base = 0;

  // Accumulator for a line cut by a chunk boundary.
  #acc: Buffer | null = null;
  #accLen = 0;

  // Per-message state.
  #method = '';
  #url = '';
  #versionMajor = 0;
  #versionMinor = 0;
  #statusCode = 0;
  #statusMessage = '';
  #raw: string[] = [];
  #trailers: string[] | null = null;
  #sectionBytes = 0;
  #fieldCount = 0;
  #lastSpecial = H_GENERAL; // kind of the last field line (for lenient obs-fold)
  #hasContentLength = false;
  #contentLength = 0;
  #hasTransferEncoding = false;
  #chunked = false;
  #connClose = false;
  #connKeepAlive = false;
  #connUpgrade = false;
  #hasUpgrade = false;
  #trailerUnchunked = false; // a response trailer Transfer-Encoding whose final coding is not chunked
  #hostCount = 0;
  #isConnect = false;
  #keepAlive = false;
  #upgradeAfter = false; // stop after this message
  #is1xx = false;
  #sectionEnded = false;

  // Body state.
  #remaining = 0;
  #chunkState = C_FIRST_DIGIT;
  #chunkSize = 0;
  #extBytes = 0;

  constructor(options: H1ParserOptions | H1ParserExtraOptions, handler: H1Handler) {
    const role: H1Role = options.role;
    if (role !== 'request' && role !== 'response') {
      throw new TypeError(`H1Parser: role must be 'request' or 'response', got ${String(role)}`);
    }
    this.#handler = handler;
    this.#isRequest = role === 'request';
    this.#lenient = options.lenient === true;
    this.#requireHost = options.requireHost !== false;
    this.#allowMissingHost = options.allowMissingHost === true;
    this.#maxHeaderSize = positiveInt(options.maxHeaderSize, DEFAULT_MAX_HEADER_SIZE, 'maxHeaderSize');
    this.#maxHeaderCount = positiveInt(options.maxHeaderCount, DEFAULT_MAX_HEADER_COUNT, 'maxHeaderCount');
    this.#maxExtSize = positiveInt(
      (options as H1ParserExtraOptions).maxChunkExtensionsSize,
      DEFAULT_MAX_CHUNK_EXTENSIONS_SIZE,
      'maxChunkExtensionsSize',
    );
    this.#valueTable = this.#lenient ? FIELD_VALUE_LENIENT : FIELD_VALUE;
  }

  get error(): H1ParseError | null {
    return this.#error;
  }

  get upgraded(): boolean {
    return this.#upgraded;
  }

  /** The upgrade was HTTP/2's connection preface (`PRI * HTTP/2.0`, RFC 9113 §3.4), not a request. */
  get h2Preface(): boolean {
    return this.#upgraded && this.#method === 'PRI';
  }

  /**
   * True between messages: no byte of a next message has been taken yet (CR/LF skipped before a
   * start line do not count). A driver that gives the parser back between requests asks this
   * after `execute`: a read can end with the start of the next pipelined request. After a
   * message that closes the connection no next message can start: between messages too.
   */
  get betweenMessages(): boolean {
    return (this.#state === S_START && this.#accLen === 0) || this.#state === S_CLOSED;
  }

  /** True while paused by `pause()` (execute consumes nothing until `resume()`). */
  get paused(): boolean {
    return this.#paused;
  }

  pause(): void {
    this.#paused = true;
  }

  resume(): void {
    this.#paused = false;
  }

  reset(): void {
    this.#state = S_START;
    this.#error = null;
    this.#upgraded = false;
    this.#paused = false;
    this.#chunkBase = 0;
    this.#base = 0;
    this.#accLen = 0;
    this.#deferBuf = null;
    this.#spanCount = 0;
    this.#beginMessage();
  }

  /**
   * Parse `chunk`. Returns the number of bytes consumed; fewer than `chunk.length` when an error
   * occurred (`error`), the connection was upgraded (`upgraded`: the rest is the new protocol's),
   * or a callback paused the parser.
   */
  execute(chunk: Buffer): number {
    if (this.#state === S_DEAD || this.#state === S_UPGRADED || this.#paused) return 0;
    const end = chunk.length;
    let p = 0;
    if (this.#accLen > 0) {
      p = this.#feedAccumulator(chunk);
    }
    while (p < end && !this.#paused) {
      const state = this.#state;
      if (state === S_START_LINE || state === S_FIELDS || state === S_TRAILERS) {
        this.#base = this.#chunkBase;
        if (state === S_START_LINE && !this.#lenient) {
          this.#deferBuf = chunk;
          this.#deferStart = p;
          this.#deferEnd = p;
          this.#spanCount = 0;
          this.#urlStart = this.#urlEnd = 0;
        }
        const q = this.#parseLines(chunk, p, end);
        if (q === FAILED) {
          p = this.#error!.offset - this.#chunkBase;
          break;
        }
        if (this.#sectionEnded) {
          p = q;
          this.#afterSection(p);
          continue;
        }
        if (this.#state === S_UPGRADED) {
          p = q;
          break;
        }
        // A line is cut by the end of the chunk: keep it (bounded) for the next chunk.
        const pending = end - q;
        if (pending === 0) {
          p = end;
          break;
        }
        if (this.#sectionBytes + pending >= this.#maxHeaderSize) {
          this.#fail('HPE_HEADER_OVERFLOW', 'Header overflow', this.#chunkBase + end);
          p = end;
          break;
        }
        this.#stash(chunk, q, end);
        p = end;
        break;
      }
      switch (state) {
        case S_START: {
          const c = chunk[p]!;
          if (c === CR || c === LF) {
            p++;
            continue;
          }
          this.#beginMessage();
          this.#state = S_START_LINE;
          continue;
        }
        case S_BODY_LENGTH: {
          const avail = end - p;
          const rem = this.#remaining;
          if (avail < rem) {
            this.#remaining = rem - avail;
            this.#handler.onBody(chunk.subarray(p, end));
            p = end;
            continue;
          }
          this.#remaining = 0;
          this.#handler.onBody(chunk.subarray(p, p + rem));
          p += rem;
          this.#messageDone(null);
          continue;
        }
        case S_BODY_EOF:
          this.#handler.onBody(chunk.subarray(p, end));
          p = end;
          continue;
        case S_CHUNK_SIZE:
          p = this.#chunkSizeLine(chunk, p, end);
          continue;
        case S_CHUNK_DATA: {
          const avail = end - p;
          const rem = this.#remaining;
          if (avail <= rem) {
            this.#remaining = rem - avail;
            if (this.#remaining === 0) this.#state = S_CHUNK_DATA_CR;
            this.#handler.onBody(chunk.subarray(p, end));
            p = end;
            continue;
          }
          this.#remaining = 0;
          this.#state = S_CHUNK_DATA_CR;
          this.#handler.onBody(chunk.subarray(p, p + rem));
          p += rem;
          continue;
        }
        case S_CHUNK_DATA_CR: {
          const c = chunk[p]!;
          if (c === CR) {
            this.#state = S_CHUNK_DATA_LF;
            p++;
          } else if (this.#lenient) {
            // optional CR before LF / optional CRLF after chunk data
            if (c === LF) p++;
            this.#toChunkSize();
          } else {
            this.#fail(c === LF ? 'HPE_CR_EXPECTED' : 'HPE_STRICT', c === LF ? 'Missing expected CR after chunk data' : 'Expected LF after chunk data', this.#chunkBase + p);
          }
          continue;
        }
        case S_CHUNK_DATA_LF: {
          if (chunk[p] === LF) {
            p++;
          } else if (!this.#lenient) {
            this.#fail('HPE_STRICT', 'Expected LF after chunk data', this.#chunkBase + p);
            continue;
          }
          this.#toChunkSize();
          continue;
        }
        case S_CLOSED: {
          const c = chunk[p]!;
          if (c === CR || c === LF) {
            p++;
            continue;
          }
          if (this.#lenient) {
            // llhttp's lenient data-after-close: discard.
            p = end;
            continue;
          }
          this.#fail('HPE_CLOSED_CONNECTION', 'Data after `Connection: close`', this.#chunkBase + p);
          continue;
        }
        default:
          // S_DEAD, S_UPGRADED
          break;
      }
      break;
    }
    this.#chunkBase += p;
    if (this.#dvBuf !== this.#acc) {
      // Do not keep the caller's chunk alive (nor trust its identity next time).
      this.#dvBuf = null;
      this.#dv = null;
    }
    if (this.#deferBuf !== null) {
      // The head continues in the next chunk (or failed): strings now, while the bytes are ours.
      if (this.#state === S_DEAD || this.#deferEnd === this.#deferStart) this.#deferBuf = null;
      else this.#materialize();
    }
    return p;
  }

  finish(): H1ParseError | null {
    if (this.#error) return this.#error;
    switch (this.#state) {
      case S_START:
      case S_CLOSED:
      case S_UPGRADED:
        return null;
      case S_BODY_EOF:
        this.#messageDone(null);
        this.#state = S_CLOSED;
        return null;
      default:
        this.#fail('HPE_INVALID_EOF_STATE', 'Invalid EOF state', this.#chunkBase);
        return this.#error;
    }
  }

  // -------------------------------------------------------------------------------------------
  // Accumulator (a line cut by a chunk boundary).

  #stash(chunk: Buffer, from: number, to: number): void {
    const n = to - from;
    if (this.#acc === null) this.#acc = Buffer.allocUnsafe(this.#maxHeaderSize + 2);
    chunk.copy(this.#acc, 0, from, to);
    this.#accLen = n;
  }

  /**
   * Continue a cut line with the new chunk: append bytes up to the first LF (bounded), parse
   * from the accumulator, and return the chunk offset to continue at (or -1: all consumed into
   * the accumulator / stopped).
   */
  #feedAccumulator(chunk: Buffer): number {
    const end = chunk.length;
    let pos = 0;
    for (;;) {
      const acc = this.#acc!;
      // The cut line (with its terminator) must fit in what is left of the size budget.
      const room = this.#maxHeaderSize - this.#sectionBytes - this.#accLen;
      const window = end - pos < room ? end - pos : room;
      let lf = window > 0 ? chunk.indexOf(LF, pos) : -1;
      if (lf >= pos + window) lf = -1;
      let take: number;
      if (lf >= 0) {
        take = lf + 1 - pos;
      } else if (end - pos >= room) {
        this.#fail('HPE_HEADER_OVERFLOW', 'Header overflow', this.#chunkBase + pos + (room > 0 ? room : 0));
        return pos + (room > 0 ? room : 0);
      } else {
        take = end - pos;
      }
      const accStart = this.#chunkBase + pos - this.#accLen; // absolute offset of acc[0]
      chunk.copy(acc, this.#accLen, pos, pos + take);
      this.#accLen += take;
      pos += take;
      // No line end yet and the line is long: wait for its LF (the budget keeps this finite).
      if (lf < 0 && this.#accLen > PARTIAL_RECHECK_MAX) return pos;
      this.#base = accStart;
      const q = this.#parseLines(acc, 0, this.#accLen);
      if (q === FAILED) {
        const at = this.#error!.offset - this.#chunkBase;
        return at < 0 ? 0 : at > end ? end : at;
      }
      if (this.#sectionEnded || !this.#inLines()) {
        // The section ended inside the accumulator: what is left of it is the start of this
        // chunk's remaining bytes (always within what was just appended).
        const left = this.#accLen - q;
        this.#accLen = 0;
        const at = pos - left;
        if (this.#sectionEnded) this.#afterSection(at);
        return at;
      }
      if (q > 0) {
        acc.copy(acc, 0, q, this.#accLen);
        this.#accLen -= q;
      }
      if (this.#accLen === 0 || pos >= end) return pos;
      // A line is still pending (e.g. the HTTP/2 preface spans lines): append the next one.
    }
  }

  #inLines(): boolean {
    const s = this.#state;
    return s === S_START_LINE || s === S_FIELDS || s === S_TRAILERS;
  }

  // -------------------------------------------------------------------------------------------
  // Strings. Making a string from bytes is a call into C++ (~100–200 ns); a head has ~30 spans.
  // So while a head is parsed straight from one chunk, the line parsers only record span
  // offsets; at the end of the head ONE latin1Slice decodes it and every span becomes a
  // `substring` (no C++ call). If the head turns out to be cut by the chunk's end, the recorded
  // spans are turned into strings before the chunk is let go (#materialize).

  /** A DataView over the buffer the line parsers read (for scanValue). */
  #dv: DataView | null = null;
  #dvBuf: Buffer | null = null;

  /** The chunk whose spans are being recorded (null: make strings at once). */
  #deferBuf: Buffer | null = null;
  #deferStart = 0; // index of the head's first byte in #deferBuf
  #deferEnd = 0; // index after the last recorded line
  #spans = new Int32Array(64 * 4); // [nameStart, nameEnd, valueStart, valueEnd] per field
  #spanCount = 0;
  #urlStart = 0;
  #urlEnd = 0;

  #materialize(): void {
    const buf = this.#deferBuf!;
    this.#deferBuf = null;
    const base = this.#deferStart;
    const str = (buf as unknown as Latin1Sliceable).latin1Slice(base, this.#deferEnd);
    if (this.#urlEnd > this.#urlStart) {
      const sub = str.substring(this.#urlStart - base, this.#urlEnd - base);
      if (this.#isRequest) this.#url = sub;
      else this.#statusMessage = sub;
    }
    const spans = this.#spans;
    const n = this.#spanCount * 4;
    // No field was pushed yet (deferred mode starts with the head): size the array once.
    const raw: string[] = new Array<string>(n >> 1);
    for (let k = 0, j = 0; k < n; k += 4, j += 2) {
      const vs = spans[k + 2]!;
      const ve = spans[k + 3]!;
      raw[j] = str.substring(spans[k]! - base, spans[k + 1]! - base);
      raw[j + 1] = ve > vs ? str.substring(vs - base, ve - base) : '';
    }
    this.#raw = raw;
    this.#spanCount = 0;
  }

  // -------------------------------------------------------------------------------------------
  // Lines.

  /**
   * Parse whole lines of the head or trailer section from buf[p, end). Returns the index after
   * the last whole line parsed (a cut line is left for the caller), or FAILED. Stops after the
   * empty line that ends the section (`#sectionEnded`).
   */
  #parseLines(buf: Buffer, p: number, end: number): number {
    this.#sectionEnded = false;
    if (this.#dvBuf !== buf) {
      this.#dvBuf = buf;
      this.#dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    }
    for (;;) {
      if (p >= end) return p;
      // A line may not run past what is left of the size budget (plus its CRLF).
      const budget = this.#maxHeaderSize - this.#sectionBytes;
      if (budget <= 0) {
        this.#fail('HPE_HEADER_OVERFLOW', 'Header overflow', this.#base + p);
        return FAILED;
      }
      const limit = end - p > budget ? p + budget : end;
      const state = this.#state;
      const r = state === S_START_LINE ? this.#startLine(buf, p, limit) : this.#fieldLine(buf, p, limit);
      if (r === FAILED) return FAILED;
      if (r === NEED_MORE) {
        if (limit < end) {
          this.#fail('HPE_HEADER_OVERFLOW', 'Header overflow', this.#base + limit);
          return FAILED;
        }
        return p;
      }
      if (this.#sectionEnded || this.#state === S_UPGRADED) return r;
      p = r;
    }
  }

  /** Consume a line terminator at buf[i] (CR LF, or bare CR / LF when lenient). Returns the index after it, NEED_MORE, or -3 when there is none. */
  #eol(buf: Buffer, i: number, end: number): number {
    if (i >= end) return NEED_MORE;
    const c = buf[i];
    if (c === CR) {
      if (i + 1 >= end) return NEED_MORE;
      if (buf[i + 1] === LF) return i + 2;
      return this.#lenient ? i + 1 : -3;
    }
    if (c === LF) return this.#lenient ? i + 1 : -4;
    return -5;
  }

  #startLine(buf: Buffer, s: number, end: number): number {
    return this.#isRequest ? this.#requestLine(buf, s, end) : this.#statusLine(buf, s, end);
  }

  #requestLine(buf: Buffer, s: number, end: number): number {
    // method = token
    let i = s;
    while (i < end && TOKEN[buf[i]!] === 1) i++;
    if (i === end) {
      // A token longer than every known method can only be an invalid one: say so now, not
      // after up to maxHeaderSize bytes of it.
      return i - s > MAX_METHOD_LENGTH ? this.#failAt('HPE_INVALID_METHOD', 'Invalid method encountered', s) : NEED_MORE;
    }
    if (i === s) return this.#failAt('HPE_INVALID_METHOD', 'Invalid method encountered', i);
    const m = lookupMethod(buf, s, i);
    if (m === undefined) return this.#failAt('HPE_INVALID_METHOD', 'Invalid method encountered', s);
    if (buf[i] !== SP) return this.#failAt('HPE_INVALID_METHOD', 'Expected space after method', i);
    i++;
    if (this.#lenient) while (i < end && buf[i] === SP) i++;
    // request-target
    const ts = i;
    // (lenient mode too: node's insecure parser takes no obs-text, HTAB or FF in a target)
    i = scan(TARGET_STRICT, buf, i, end);
    if (i === end) return NEED_MORE;
    if (i === ts) return this.#failAt('HPE_INVALID_URL', 'Unexpected start char in url', i);
    const te = i;
    let c = buf[i]!;
    let major = 0;
    let minor = 9;
    let next: number;
    let protocol = PROTO_HTTP;
    if (c === SP) {
      i++;
      if (this.#lenient) while (i < end && buf[i] === SP) i++;
      // HTTP-version = "HTTP/" DIGIT "." DIGIT (llhttp also knows RTSP/ and ICE/)
      const r = this.#protocol(buf, i, end);
      if (r < 0) return r;
      protocol = this.#protoFound;
      i = r;
      if ((m.protocols & protocol) === 0) {
        const reason =
          protocol === PROTO_HTTP
            ? 'Invalid method for HTTP/x.x request'
            : protocol === PROTO_RTSP
              ? 'Invalid method for RTSP/x.x request'
              : 'Expected SOURCE method for ICE/x.x request';
        return this.#failAt('HPE_INVALID_CONSTANT', reason, i - 1);
      }
      const v = this.#version(buf, i, end);
      if (v < 0) return v;
      major = this.#vMajor;
      minor = this.#vMinor;
      i = v;
      if (m.name === 'PRI') return this.#priPreface(buf, s, i, end, ts, te);
      if (!this.#versionOk(major, minor)) return this.#failAt('HPE_INVALID_VERSION', 'Invalid HTTP version', i - 1);
      next = this.#eol(buf, i, end);
      if (next === NEED_MORE) return NEED_MORE;
      if (next < 0) {
        return this.#failAt(buf[i] === CR ? 'HPE_STRICT' : 'HPE_INVALID_VERSION', 'Expected CRLF after version', buf[i] === CR ? i + 1 : i);
      }
      // Lenient: node's insecure parser ends a request line at LF LF as at CR LF (the fields
      // follow): the same here, not an empty line ending the head (framing must agree).
      if (next === i + 1 && buf[i] === LF) {
        if (next === end) return NEED_MORE;
        if (buf[next] === LF) next++;
      }
    } else if (c === CR || c === LF) {
      // No version: llhttp (and node) take this as HTTP/0.9 and still read fields.
      next = this.#eol(buf, i, end);
      if (next === NEED_MORE) return NEED_MORE;
      // (a bare CR is refused here even in lenient mode, as node's insecure parser refuses it)
      if (next < 0 || (c === CR && next === i + 1)) {
        return c === CR
          ? this.#failAt('HPE_INVALID_URL', 'Expected CRLF', i)
          : this.#failAt('HPE_CR_EXPECTED', 'Missing expected CR after request line', i);
      }
    } else {
      return this.#failAt('HPE_INVALID_URL', 'Invalid characters in url', i);
    }
    // The target's form must fit the method (RFC 9112 §3.2).
    this.#targetErrAt = -1;
    const formError = this.#checkTarget(buf, ts, te, m.name);
    if (formError !== null) return this.#failAt('HPE_INVALID_URL', formError, this.#targetErrAt >= 0 ? this.#targetErrAt : ts);
    if (this.#sectionBytes + (next - s) > this.#maxHeaderSize) {
      return this.#failAt('HPE_HEADER_OVERFLOW', 'Header overflow', s + this.#maxHeaderSize - this.#sectionBytes);
    }
    this.#sectionBytes += next - s;
    this.#method = m.name;
    this.#isConnect = m.name === 'CONNECT';
    if (buf === this.#deferBuf) {
      this.#urlStart = ts;
      this.#urlEnd = te;
      this.#deferEnd = next;
    } else {
      this.#url = (buf as unknown as Latin1Sliceable).latin1Slice(ts, te);
    }
    this.#versionMajor = major;
    this.#versionMinor = minor;
    this.#state = S_FIELDS;
    return next;
  }

  #protoFound = PROTO_HTTP;
  #vMajor = 0;
  #vMinor = 0;

  /** "HTTP/" | "RTSP/" | "ICE/" at buf[i]: returns the index after "/", NEED_MORE or FAILED. */
  #protocol(buf: Buffer, i: number, end: number): number {
    const c = buf[i];
    const word = c === 0x48 ? PROTO_HTTP_BYTES : c === 0x52 ? PROTO_RTSP_BYTES : c === 0x49 ? PROTO_ICE_BYTES : null;
    if (word === null) {
      if (i >= end) return NEED_MORE;
      return this.#failAt('HPE_INVALID_CONSTANT', 'Expected HTTP/, RTSP/ or ICE/', i);
    }
    for (let j = 0; j < word.length; j++) {
      if (i + j >= end) return NEED_MORE;
      if (buf[i + j] !== word[j]) return this.#failAt('HPE_INVALID_CONSTANT', 'Expected HTTP/, RTSP/ or ICE/', i + j);
    }
    this.#protoFound = c === 0x48 ? PROTO_HTTP : c === 0x52 ? PROTO_RTSP : PROTO_ICE;
    return i + word.length;
  }

  /** DIGIT "." DIGIT at buf[i] → #vMajor/#vMinor; returns the index after it, NEED_MORE or FAILED. */
  #version(buf: Buffer, i: number, end: number): number {
    if (i >= end) return NEED_MORE;
    const a = buf[i]! - 0x30;
    if (a < 0 || a > 9) return this.#failAt('HPE_INVALID_VERSION', 'Invalid major version', i);
    if (i + 1 >= end) return NEED_MORE;
    if (buf[i + 1] !== 0x2e) return this.#failAt('HPE_INVALID_VERSION', 'Expected dot', i + 1);
    if (i + 2 >= end) return NEED_MORE;
    const b = buf[i + 2]! - 0x30;
    if (b < 0 || b > 9) return this.#failAt('HPE_INVALID_VERSION', 'Invalid minor version', i + 2);
    this.#vMajor = a;
    this.#vMinor = b;
    return i + 3;
  }

  /**
   * RFC 9112 §2.3: a 1.x recipient processes a higher 1.x minor as 1.1; 0.9 is what llhttp
   * accepts from old peers; 2.0 and above are not HTTP/1 (a 505 is the server's answer).
   */
  #versionOk(major: number, minor: number): boolean {
    if (this.#lenient) return true;
    return major === 1 || (major === 0 && minor === 9);
  }

  /** RFC 9113 §3.4: "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" — hand the connection to HTTP/2 (prior knowledge). */
  #priPreface(buf: Buffer, s: number, i: number, end: number, ts: number, te: number): number {
    const rest = PRI_REST;
    for (let j = 0; j < rest.length; j++) {
      if (i + j >= end) return NEED_MORE;
      if (buf[i + j] !== rest[j]) return this.#failAt('HPE_INVALID_VERSION', 'Expected HTTP/2 Connection Preface', i + j);
    }
    this.#method = 'PRI';
    this.#url = (buf as unknown as Latin1Sliceable).latin1Slice(ts, te);
    this.#versionMajor = this.#vMajor;
    this.#versionMinor = this.#vMinor;
    this.#sectionBytes += i + rest.length - s;
    this.#state = S_UPGRADED;
    this.#upgraded = true;
    return i + rest.length;
  }

  /** The request-target's form for the method (RFC 9112 §3.2.1–§3.2.4), or null when fine. */
  #checkTarget(buf: Buffer, s: number, e: number, method: string): string | null {
    const c = buf[s]!;
    if (method === 'CONNECT') {
      // authority-form = uri-host ":" port
      let colon = -1;
      for (let i = s; i < e; i++) {
        const b = buf[i]!;
        if (HOST_CHAR[b] !== 1 && b !== 0x40) return 'Invalid characters in CONNECT authority';
        if (b === COLON) colon = i;
      }
      if (colon <= s || colon === e - 1) return 'CONNECT target must be host:port';
      return null;
    }
    if (c === 0x2f) return null; // origin-form
    if (c === 0x2a) {
      // asterisk-form: OPTIONS only (and the SSDP/HTTP2 methods llhttp accepts it for)
      if (e - s !== 1) return 'Invalid char in url path';
      return method === 'OPTIONS' || method === 'M-SEARCH' || method === 'PRI' ? null : 'Asterisk-form is only for OPTIONS';
    }
    // absolute-form: scheme "://" authority [path-abempty] ["?" query]. llhttp (node) takes
    // ALPHA only in the scheme (RFC 3986 also allows DIGIT "+" "-" "."; no HTTP scheme has them).
    if ((c | 0x20) < 0x61 || (c | 0x20) > 0x7a) return 'Unexpected start char in url';
    let i = s + 1;
    while (i < e && (buf[i]! | 0x20) >= 0x61 && (buf[i]! | 0x20) <= 0x7a) i++;
    if (e - i < 3 || buf[i] !== COLON || buf[i + 1] !== 0x2f || buf[i + 2] !== 0x2f) {
      this.#targetErrAt = i;
      return 'Unexpected char in url schema';
    }
    // authority = [ userinfo "@" ] host [ ":" port ] (RFC 3986 §3.2), up to "/" or "?" (a "#"
    // right after it is refused, as node does). Checked byte by byte as node checks it: a "\",
    // "{", "|", "^", "`", "<", ">" or '"' here is where URL parsers disagree on the host (WHATWG
    // URL reads "\" as "/": `http://a\b/` would name host "a" to one and "a\b" to another).
    for (i += 3; i < e; i++) {
      const b = buf[i]!;
      if (b === 0x2f || b === 0x3f) break;
      if (HOST_CHAR[b] !== 1 && b !== 0x40) {
        this.#targetErrAt = i;
        return 'Unexpected char in url server';
      }
      // (node takes `a@b@c` but not two "@" in a row; buf[i - 1] is at worst the "/" of "://")
      if (b === 0x40 && buf[i - 1] === 0x40) {
        this.#targetErrAt = i;
        return 'Double @ in url';
      }
    }
    return null;
  }

  /** Offset of the byte a `#checkTarget` failure is about (the target's start when unset). */
  #targetErrAt = -1;

  #statusLine(buf: Buffer, s: number, end: number): number {
    let i = this.#protocol(buf, s, end);
    if (i < 0) return i;
    const v = this.#version(buf, i, end);
    if (v < 0) return v;
    i = v;
    const major = this.#vMajor;
    const minor = this.#vMinor;
    if (!this.#versionOk(major, minor)) return this.#failAt('HPE_INVALID_VERSION', 'Invalid HTTP version', i - 1);
    if (i >= end) return NEED_MORE;
    if (buf[i] !== SP) return this.#failAt('HPE_INVALID_VERSION', 'Expected space after version', i);
    i++;
    // status-code = 3DIGIT
    let status = 0;
    for (let k = 0; k < 3; k++, i++) {
      if (i >= end) return NEED_MORE;
      const d = buf[i]! - 0x30;
      if (d < 0 || d > 9) return this.#failAt('HPE_INVALID_STATUS', 'Invalid status code', i);
      status = status * 10 + d;
    }
    if (status < 100) return this.#failAt('HPE_INVALID_STATUS', 'Invalid status code', i - 1);
    if (i >= end) return NEED_MORE;
    let c = buf[i]!;
    let rs = i;
    let re = i;
    if (c === SP) {
      i++;
      rs = i;
      // reason-phrase = *( HTAB / SP / VCHAR / obs-text )
      const table = this.#valueTable;
      while (i < end && table[buf[i]!] === 1) i++;
      if (i === end) return NEED_MORE;
      re = i;
      c = buf[i]!;
    }
    if (c !== CR && c !== LF) return this.#failAt('HPE_INVALID_STATUS', 'Invalid response status', i);
    let next = this.#eol(buf, i, end);
    // Lenient: node's insecure parser takes CR CR as the end of a status line (the second CR in
    // place of the LF): the same here, not a bare CR line ending the head (fields must agree).
    if (next === i + 1 && c === CR && buf[next] === CR) next++;
    if (next === NEED_MORE) return NEED_MORE;
    if (next < 0) {
      return c === CR
        ? this.#failAt('HPE_STRICT', 'Expected LF after CR', i + 1)
        : this.#failAt('HPE_CR_EXPECTED', 'Missing expected CR after response line', i);
    }
    if (this.#sectionBytes + (next - s) > this.#maxHeaderSize) {
      return this.#failAt('HPE_HEADER_OVERFLOW', 'Header overflow', s + this.#maxHeaderSize - this.#sectionBytes);
    }
    this.#sectionBytes += next - s;
    this.#versionMajor = major;
    this.#versionMinor = minor;
    this.#statusCode = status;
    if (buf === this.#deferBuf) {
      this.#urlStart = rs;
      this.#urlEnd = re;
      this.#deferEnd = next;
    } else {
      this.#statusMessage = re > rs ? (buf as unknown as Latin1Sliceable).latin1Slice(rs, re) : '';
    }
    this.#state = S_FIELDS;
    return next;
  }

  /** One field line of the head or trailer section, or the empty line that ends it. */
  #fieldLine(buf: Buffer, s: number, end: number): number {
    let c = buf[s]!;
    const trailers = this.#state === S_TRAILERS;
    if (c === CR || c === LF) {
      const next = this.#eol(buf, s, end);
      if (next === NEED_MORE) return NEED_MORE;
      if (next < 0) {
        return c === CR
          ? this.#failAt('HPE_STRICT', 'Expected LF after headers', s + 1)
          : this.#failAt('HPE_INVALID_HEADER_TOKEN', 'Invalid header field char', s);
      }
      this.#sectionBytes += next - s;
      this.#sectionEnded = true;
      return next;
    }
    let i = s;
    if (c === SP || c === HTAB) {
      if (this.#fieldCount === 0) {
        // RFC 9112 §2.2: whitespace between the start line and the first field MUST be rejected
        // (or the line ignored); llhttp's lenient mode skips the whitespace.
        // (node's insecure parser takes none before the first trailer either)
        if (!this.#lenient || trailers) {
          return trailers
            ? this.#failAt('HPE_INVALID_HEADER_TOKEN', 'Invalid header token', s)
            : this.#failAt('HPE_UNEXPECTED_SPACE', 'Unexpected space after start line', s);
        }
        // One SP only: node's insecure parser refuses an HTAB or a second SP there, and
        // `\tContent-Length: 1` or `  Content-Length: 1` must not frame a body node refuses to
        // parse (smuggling).
        if (buf[i] === SP) i++;
        if (i === end) return NEED_MORE;
        c = buf[i]!;
        // Only SP before the line end: node's insecure parser takes the line as the empty one that
        // ends the head (its line end read as that of an empty line: CR LF, LF or a bare CR).
        if (!trailers && (c === CR || c === LF)) {
          const next = this.#eol(buf, i, end);
          if (next === NEED_MORE) return NEED_MORE;
          this.#sectionBytes += next - s;
          this.#sectionEnded = true;
          return next;
        }
      } else {
        // RFC 9112 §5.2: obs-fold is rejected (a server MAY, a proxy/UA MUST replace it; we reject).
        if (!this.#lenient) return this.#failAt('HPE_INVALID_HEADER_TOKEN', 'Unexpected whitespace after header value', s);
        return this.#foldLine(buf, s, end);
      }
    }
    // field-name = token
    const ns = i;
    i = scan(TOKEN, buf, i, end);
    if (i === end) return NEED_MORE;
    const ne = i;
    if (ne === ns) return this.#failAt('HPE_INVALID_HEADER_TOKEN', 'Invalid header token', i);
    let nameEnd = ne; // end of the raw name (lenient: SPs before the colon stay in it, as in node)
    if (buf[i] !== COLON) {
      // RFC 9112 §5.1: no whitespace between name and colon (a server MUST reject it). node's
      // insecure parser takes SP there only after the names it matches as framing or connection
      // fields (Content-Length, Transfer-Encoding, Connection, Proxy-Connection, Upgrade) and
      // never HTAB: lenient mode takes exactly that, so that no field node refuses (e.g.
      // `Transfer-Encoding\t: chunked`) frames a body here (a request-smuggling shape).
      const k = buf[i] === SP ? specialHeader(buf, ns, ne - ns) : H_GENERAL;
      const spOk = k !== H_GENERAL && k !== H_HOST;
      if (!spOk || !this.#lenient) {
        return this.#failAt('HPE_INVALID_HEADER_TOKEN', spOk ? 'Invalid header field char' : 'Invalid header token', i);
      }
      while (i < end && buf[i] === SP) i++;
      if (i === end) return NEED_MORE;
      if (buf[i] !== COLON) return this.#failAt('HPE_INVALID_HEADER_TOKEN', 'Invalid header token', i);
      nameEnd = i;
    }
    i++;
    while (i < end && (buf[i] === SP || buf[i] === HTAB)) i++;
    const vs = i;
    i = this.#lenient ? scan(FIELD_VALUE_LENIENT, buf, i, end) : scanValue(this.#dv!, buf, i, end);
    if (i === end) return NEED_MORE;
    c = buf[i]!;
    let next: number;
    if (c === CR) {
      if (i + 1 >= end) return NEED_MORE;
      if (buf[i + 1] === LF) next = i + 2;
      // Lenient: a bare CR ends an EMPTY value only; after value bytes node's insecure parser
      // refuses it (`X: a\rContent-Length: 1` would hide a framing field from it).
      else if (this.#lenient && vs === i) next = i + 1;
      else {
        return vs === i
          ? this.#failAt('HPE_STRICT', 'Expected LF after CR', i + 1)
          : this.#failAt('HPE_LF_EXPECTED', 'Missing expected LF after header value', i + 1);
      }
    } else if (c === LF) {
      if (this.#lenient) next = i + 1;
      else {
        return vs === i
          ? this.#failAt('HPE_INVALID_HEADER_TOKEN', 'Invalid header value char', i)
          : this.#failAt('HPE_CR_EXPECTED', 'Missing expected CR after header value', i);
      }
    } else {
      return this.#failAt('HPE_INVALID_HEADER_TOKEN', 'Invalid header value char', i);
    }
    let ve = i;
    while (ve > vs && (buf[ve - 1] === SP || buf[ve - 1] === HTAB)) ve--;
    this.#sectionBytes += next - s;
    if (++this.#fieldCount > this.#maxHeaderCount) {
      return this.#failAt('HPE_HEADER_OVERFLOW', 'Header overflow', s);
    }
    if (trailers) {
      // RFC 9110 §6.5.1: framing fields cannot be trailers; llhttp rejects these two (as node does).
      const t = specialHeader(buf, ns, ne - ns);
      if (t === H_CONTENT_LENGTH) {
        if (!this.#lenient) return this.#failAt('HPE_INVALID_CONTENT_LENGTH', "Content-Length can't be present with Transfer-Encoding", ns);
        // Lenient: node's insecure parser takes it as a trailer but still checks it as it checks
        // one in the head (empty, not digits, overflowing, or a second one: refused). Same here.
        if (!this.#special(H_CONTENT_LENGTH, buf, vs, ve, ns, i)) return FAILED;
      } else if (this.#lenient) {
        // (insecure node neither refuses nor applies Transfer-Encoding / Connection trailers)
      } else if (t === H_TRANSFER_ENCODING && this.#isRequest) {
        return this.#failAt('HPE_INVALID_TRANSFER_ENCODING', 'Invalid `Transfer-Encoding` header value', ns);
      }
      // llhttp (node) lets Connection options in trailers decide keep-alive: do the same, so the
      // two never disagree on whether more messages follow.
      if (t === H_CONNECTION) this.#connectionTokens(buf, vs, ve);
      // Likewise a response's Transfer-Encoding trailer: llhttp re-reads it as framing, and when
      // its final coding is not chunked the message "needs EOF", so node closes the connection
      // after it. Do the same (the last such trailer decides; an empty one changes nothing).
      else if (t === H_TRANSFER_ENCODING && ve > vs) this.#trailerUnchunked = this.#codings(buf, vs, i, false) !== 1;
    }
    const kind = trailers ? H_GENERAL : specialHeader(buf, ns, ne - ns);
    if (kind !== H_GENERAL && !this.#special(kind, buf, vs, ve, ns, i)) return FAILED;
    this.#lastSpecial = kind;
    if (buf === this.#deferBuf) {
      // Fast path: remember the spans; the strings are made at the end of the head.
      let spans = this.#spans;
      const k = this.#spanCount * 4;
      if (k + 4 > spans.length) {
        const grown = new Int32Array(spans.length * 2);
        grown.set(spans);
        spans = this.#spans = grown;
      }
      spans[k] = ns;
      spans[k + 1] = nameEnd;
      spans[k + 2] = vs;
      spans[k + 3] = ve;
      this.#spanCount++;
      this.#deferEnd = next;
      return next;
    }
    const b = buf as unknown as Latin1Sliceable;
    const name = b.latin1Slice(ns, nameEnd);
    const value = ve > vs ? b.latin1Slice(vs, ve) : '';
    if (trailers) {
      const t = this.#trailers ?? (this.#trailers = []);
      t.push(name, value);
    } else {
      this.#raw.push(name, value);
    }
    return next;
  }

  /** Lenient obs-fold: the continuation joins the previous value with one SP (RFC 9112 §5.2). */
  #foldLine(buf: Buffer, s: number, end: number): number {
    let i = s;
    while (i < end && (buf[i] === SP || buf[i] === HTAB)) i++;
    const vs = i;
    const table = this.#valueTable;
    while (i < end && table[buf[i]!] === 1) i++;
    if (i === end) return NEED_MORE;
    const next = this.#eol(buf, i, end);
    if (next === NEED_MORE) return NEED_MORE;
    if (next < 0) return this.#failAt('HPE_INVALID_HEADER_TOKEN', 'Invalid header value char', i);
    const list = this.#state === S_TRAILERS ? this.#trailers! : this.#raw;
    const last = list.length - 1;
    const prev = list[last]!;
    // As in a field line (L2): a bare CR once the value has bytes is refused, as node's insecure
    // parser refuses it (`X: a` CRLF ` b` CR `Content-Length: 1` would frame a body node never sees).
    if (next === i + 1 && buf[i] === CR && (i > vs || prev !== '')) return this.#failAt('HPE_LF_EXPECTED', 'Missing expected LF after header value', i + 1);
    let ve = i;
    while (ve > vs && (buf[ve - 1] === SP || buf[ve - 1] === HTAB)) ve--;
    this.#sectionBytes += next - s;
    // Node's insecure parser stops reading a Transfer-Encoding as codings once a line of it with
    // content is folded, even by an empty continuation ("chunked" SP CRLF SP is not chunked):
    // the same here, so that the two never disagree on framing (a smuggling shape).
    if (this.#state === S_FIELDS && this.#lastSpecial === H_TRANSFER_ENCODING && prev !== '') this.#chunked = false;
    // A folded Content-Length is refused, even onto an empty line, with node's code (it reads the
    // continuation as a second Content-Length).
    if (this.#state === S_FIELDS && this.#lastSpecial === H_CONTENT_LENGTH) return this.#failAt('HPE_UNEXPECTED_CONTENT_LENGTH', 'Duplicate Content-Length', vs);
    if (ve === vs) return next;
    const part = (buf as unknown as Latin1Sliceable).latin1Slice(vs, ve);
    list[last] = prev === '' ? part : `${prev} ${part}`;
    if (this.#state === S_FIELDS) {
      const kind = this.#lastSpecial;
      // A folded Connection continues the list; a Transfer-Encoding only after an empty first
      // line (above); a folded Content-Length was refused above.
      if (kind === H_CONNECTION) this.#connectionTokens(buf, vs, ve);
      else if (kind === H_TRANSFER_ENCODING) {
        // (the raw end, as for a field line: "chunked" HTAB is not chunked)
        if (prev === '' && !this.#transferEncoding(buf, vs, i, vs)) return FAILED;
      } else if (kind === H_HOST) {
        return this.#failAt('HPE_INVALID_HEADER_TOKEN', 'Invalid Host header', vs);
      }
    }
    return next;
  }

  /** Semantics of the fields that frame the message (value = buf[vs, ve), trimmed). Returns false after a failure. */
  #special(kind: number, buf: Buffer, vs: number, ve: number, at: number, rawEnd: number): boolean {
    switch (kind) {
      case H_CONTENT_LENGTH: {
        // RFC 9112 §6.3: a repeated Content-Length (even identical) or a list is a framing
        // fault; with Transfer-Encoding it is a smuggling vector (§6.1): reject both.
        if (this.#hasContentLength) {
          this.#failAt('HPE_UNEXPECTED_CONTENT_LENGTH', 'Duplicate Content-Length', at);
          return false;
        }
        if (this.#hasTransferEncoding && !this.#lenient) {
          this.#failAt('HPE_INVALID_CONTENT_LENGTH', "Content-Length can't be present with Transfer-Encoding", at);
          return false;
        }
        if (ve === vs) {
          this.#failAt('HPE_INVALID_CONTENT_LENGTH', 'Empty Content-Length', vs);
          return false;
        }
        let v = 0;
        for (let j = vs; j < ve; j++) {
          const d = buf[j]! - 0x30;
          if (d < 0 || d > 9) {
            this.#failAt('HPE_INVALID_CONTENT_LENGTH', 'Invalid character in Content-Length', j);
            return false;
          }
          v = v * 10 + d;
          if (v > MAX_LENGTH) {
            this.#failAt('HPE_INVALID_CONTENT_LENGTH', 'Content-Length overflow', j);
            return false;
          }
        }
        this.#hasContentLength = true;
        this.#contentLength = v;
        return true;
      }
      case H_TRANSFER_ENCODING:
        if (this.#hasContentLength && !this.#lenient) {
          this.#failAt('HPE_INVALID_TRANSFER_ENCODING', "Transfer-Encoding can't be present with Content-Length", at);
          return false;
        }
        if (ve === vs) {
          if (this.#lenient) return true;
          this.#failAt('HPE_INVALID_TRANSFER_ENCODING', 'Empty Transfer-Encoding', vs);
          return false;
        }
        return this.#transferEncoding(buf, vs, rawEnd, at);
      case H_CONNECTION:
        this.#connectionTokens(buf, vs, ve);
        return true;
      case H_UPGRADE:
        // An empty Upgrade names no protocol (llhttp ignores it too).
        if (ve > vs) this.#hasUpgrade = true;
        return true;
      case H_HOST:
        if (!this.#isRequest || !this.#requireHost) return true;
        // RFC 9112 §3.2: more than one Host, or an invalid one, MUST get 400.
        if (++this.#hostCount > 1) {
          this.#failAt('HPE_STRICT', 'Duplicate Host header', at);
          return false;
        }
        for (let j = vs; j < ve; j++) {
          if (HOST_CHAR[buf[j]!] !== 1) {
            this.#failAt('HPE_INVALID_HEADER_TOKEN', 'Invalid Host header', j);
            return false;
          }
        }
        return true;
      default:
        return true;
    }
  }

  /**
   * transfer-coding list in buf[vs, ve) (ve: the raw end, before OWS trimming): chunked must be
   * the final coding (RFC 9112 §6.1, §7). Read exactly as llhttp (node) reads it, so the two can
   * never disagree on framing: an empty element counts as a coding ("chunked," is not chunked),
   * and only SP may follow the final "chunked" ("chunked<HTAB>" is not chunked).
   */
  #transferEncoding(buf: Buffer, vs: number, ve: number, at: number): boolean {
    // RFC 9112 §6.1: in a request, chunked once applied must be last: another coding after it is 400.
    if (this.#chunked && this.#isRequest && !this.#lenient) {
      this.#failAt('HPE_INVALID_TRANSFER_ENCODING', 'Invalid `Transfer-Encoding` header value', at);
      return false;
    }
    this.#hasTransferEncoding = true;
    const r = this.#codings(buf, vs, ve, this.#isRequest && !this.#lenient);
    if (r === FAILED) return false;
    this.#chunked = r === 1;
    return true;
  }

  /**
   * Walk the transfer-coding list in buf[vs, ve) (see `#transferEncoding` for the reading).
   * Returns 1 when chunked is the final coding, 0 when not, or FAILED (after failing) when
   * `chunkedMustBeLast` and another coding follows chunked.
   */
  #codings(buf: Buffer, vs: number, ve: number, chunkedMustBeLast: boolean): number {
    // Lenient values may hold control bytes: node's insecure parser reads no coding from the first
    // CTL (other than HTAB) or DEL to the end of the line, so chunked cannot be final after one
    // ("\v,chunked" is not chunked there): the same here (framing must agree).
    if (this.#lenient) for (let j = vs; j < ve; j++) if (CTL_ENDS_TOKENS[buf[j]!] === 1) return 0;
    let a = vs;
    let chunkedLast = false;
    let first = true;
    while (a <= ve) {
      let b = a;
      while (b < ve && buf[b] !== 0x2c) b++;
      let x = a;
      let y = b;
      while (x < y && (buf[x] === SP || buf[x] === HTAB)) x++;
      while (y > x && buf[y - 1] === SP) y--;
      if (y > x || !first) {
        if (chunkedLast && chunkedMustBeLast) return this.#failAt('HPE_INVALID_TRANSFER_ENCODING', 'Invalid `Transfer-Encoding` header value', x);
        chunkedLast = y - x === 7 && eqLower(buf, x, L_CHUNKED);
      }
      first = false;
      a = b + 1;
    }
    return chunkedLast ? 1 : 0;
  }

  /** Connection options in buf[vs, ve) (RFC 9110 §7.6.1): close, keep-alive, upgrade. */
  #connectionTokens(buf: Buffer, vs: number, ve: number): void {
    if (this.#lenient) {
      // As for codings: node's insecure parser reads no option from a CTL (but HTAB) or DEL to
      // the end of the line; only the options a comma ended before it count.
      for (let j = vs; j < ve; j++) {
        if (CTL_ENDS_TOKENS[buf[j]!] === 1) {
          while (j > vs && buf[j - 1] !== 0x2c) j--;
          if (j === vs) return;
          ve = j - 1;
          break;
        }
      }
    }
    let a = vs;
    while (a <= ve) {
      let b = a;
      while (b < ve && buf[b] !== 0x2c) b++;
      let x = a;
      let y = b;
      while (x < y && (buf[x] === SP || buf[x] === HTAB)) x++;
      while (y > x && (buf[y - 1] === SP || buf[y - 1] === HTAB)) y--;
      const len = y - x;
      if (len === 5 && eqLower(buf, x, L_CLOSE)) this.#connClose = true;
      else if (len === 10 && eqLower(buf, x, L_KEEP_ALIVE)) this.#connKeepAlive = true;
      else if (len === 7 && eqLower(buf, x, L_UPGRADE)) this.#connUpgrade = true;
      a = b + 1;
    }
  }

  // -------------------------------------------------------------------------------------------
  // End of a head or trailer section.

  #afterSection(p: number): void {
    this.#sectionEnded = false;
    if (this.#state === S_TRAILERS) {
      this.#messageDone(this.#trailers);
      return;
    }
    this.#headEnd(p);
  }

  #headEnd(p: number): void {
    const isRequest = this.#isRequest;
    const major = this.#versionMajor;
    const minor = this.#versionMinor;
    const v11 = major === 1 && minor >= 1;
    if (isRequest && this.#requireHost && v11 && this.#hostCount === 0 && !this.#allowMissingHost) {
      // RFC 9112 §3.2: an HTTP/1.1 request without Host MUST get 400.
      this.#fail('HPE_STRICT', 'Missing Host header', this.#chunkBase + p - 1);
      return;
    }
    let keepAlive = v11 ? !this.#connClose : major === 1 && this.#connKeepAlive;
    // RFC 9112 §6.1: Transfer-Encoding in an HTTP/1.0 message: faulty framing, close after it.
    if (this.#hasTransferEncoding && !v11) keepAlive = false;
    const status = this.#statusCode;
    let framing: number;
    let upgrade: boolean;
    if (isRequest) {
      upgrade = this.#isConnect || (this.#hasUpgrade && this.#connUpgrade);
      if (this.#isConnect) framing = BODY_NONE;
      else if (this.#chunked) framing = BODY_CHUNKED;
      else if (this.#hasTransferEncoding) {
        // RFC 9112 §6.3: a request whose final coding is not chunked cannot be framed: 400.
        if (!this.#lenient) {
          this.#fail('HPE_INVALID_TRANSFER_ENCODING', 'Request has invalid `Transfer-Encoding`', this.#chunkBase + p - 1);
          return;
        }
        // Lenient (node's insecure parser): read to the end of the connection, unless the request
        // upgrades without a non-zero Content-Length: then the bytes after the head are the new
        // protocol's, as there.
        framing = upgrade && !(this.#hasContentLength && this.#contentLength > 0) ? BODY_NONE : BODY_EOF;
      } else if (this.#hasContentLength && this.#contentLength > 0) framing = BODY_LENGTH;
      else framing = BODY_NONE;
    } else {
      upgrade = status === 101;
      if (status < 200 || status === 204 || status === 304) framing = BODY_NONE;
      else if (this.#chunked) framing = BODY_CHUNKED;
      else if (this.#hasTransferEncoding) framing = BODY_EOF; // RFC 9112 §6.3 item 4
      else if (this.#hasContentLength) framing = this.#contentLength > 0 ? BODY_LENGTH : BODY_NONE;
      else framing = BODY_EOF;
    }
    const keepAliveIfFramed = keepAlive;
    if (framing === BODY_EOF) keepAlive = false;
    this.#is1xx = !isRequest && status < 200 && status !== 101;
    if (this.#deferBuf !== null) this.#materialize();
    const head: H1Head = {
      method: this.#method,
      url: this.#url,
      statusCode: status,
      statusMessage: this.#statusMessage,
      versionMajor: major,
      versionMinor: minor,
      rawHeaders: this.#raw,
      contentLength: this.#hasContentLength && !this.#chunked ? this.#contentLength : -1,
      chunked: this.#chunked,
      keepAlive,
      upgrade,
    };
    this.#keepAlive = keepAlive;
    const directive = this.#handler.onHeadersComplete(head);
    if (this.#state === S_DEAD) return;
    if (directive === 'tunnel') {
      this.#upgradeAfter = true;
      framing = BODY_NONE;
    } else if (directive === 'skip-body') {
      // A body-less answer (HEAD) does not need the close to end it: keep-alive as negotiated.
      if (framing === BODY_EOF) this.#keepAlive = head.keepAlive = keepAliveIfFramed;
      framing = BODY_NONE;
    }
    if (upgrade) {
      // CONNECT and 101: the new protocol starts right after the head (llhttp skips the body of
      // a 101 too). An Upgrade request with a body: the new protocol starts after the body.
      this.#upgradeAfter = true;
      if (this.#isConnect || !isRequest) framing = BODY_NONE;
    }
    switch (framing) {
      case BODY_NONE:
        // No body: the message is complete now (a pause() in onHeadersComplete takes effect
        // after onMessageComplete, at the message boundary).
        this.#messageDone(null);
        return;
      case BODY_LENGTH:
        this.#state = S_BODY_LENGTH;
        this.#remaining = this.#contentLength;
        return;
      case BODY_CHUNKED:
        this.#toChunkSize();
        return;
      default:
        this.#state = S_BODY_EOF;
        return;
    }
  }

  #messageDone(trailers: string[] | null): void {
    if (trailers !== null && !this.#lenient) {
      const v11 = this.#versionMajor === 1 && this.#versionMinor >= 1;
      this.#keepAlive = (v11 ? !this.#connClose : this.#connKeepAlive) && !(this.#hasTransferEncoding && !v11) && !this.#trailerUnchunked;
    }
    const upgradeAfter = this.#upgradeAfter;
    const keepAlive = this.#keepAlive || this.#is1xx;
    // Decide the next state before the callback, so that a pause() in it stops at the boundary.
    if (upgradeAfter) {
      this.#state = S_UPGRADED;
      this.#upgraded = true;
    } else if (keepAlive || this.#lenient) {
      this.#state = S_START;
    } else {
      this.#state = S_CLOSED;
    }
    this.#handler.onMessageComplete(trailers);
  }

  // -------------------------------------------------------------------------------------------
  // Chunked body.

  #toChunkSize(): void {
    this.#state = S_CHUNK_SIZE;
    this.#chunkState = C_FIRST_DIGIT;
    this.#chunkSize = 0;
    this.#extBytes = 0;
  }

  /** The chunk-size line (RFC 9112 §7.1): byte-level, so it needs no accumulator. */
  #chunkSizeLine(buf: Buffer, p: number, end: number): number {
    let st = this.#chunkState;
    let size = this.#chunkSize;
    const lenient = this.#lenient;
    const base = this.#chunkBase;
    while (p < end) {
      const c = buf[p]!;
      switch (st) {
        case C_FIRST_DIGIT: {
          const h = HEX[c]!;
          if (h === 0) {
            this.#fail('HPE_INVALID_CHUNK_SIZE', 'Invalid character in chunk size', base + p);
            return p;
          }
          size = h - 1;
          st = C_DIGITS;
          p++;
          continue;
        }
        case C_DIGITS: {
          const h = HEX[c]!;
          if (h !== 0) {
            if (size > (MAX_LENGTH - 15) / 16) {
              this.#fail('HPE_INVALID_CHUNK_SIZE', 'Chunk size overflow', base + p);
              return p;
            }
            size = size * 16 + (h - 1);
            p++;
            continue;
          }
          if (c === SP || c === HTAB) {
            st = C_BWS_BEFORE_SEMI;
            p++;
            continue;
          }
          break; // shared handling below
        }
        case C_BWS_BEFORE_SEMI:
          if (c === SP || c === HTAB) {
            p++;
            continue;
          }
          if (c === 0x3b) {
            st = C_EXT_NAME_START;
            if (!this.#extByte(base + p)) return p;
            p++;
            continue;
          }
          if (lenient && (c === CR || c === LF)) break;
          this.#fail('HPE_INVALID_CHUNK_SIZE', 'Invalid character in chunk size', base + p);
          return p;
        case C_ALMOST_DONE:
          if (c === LF) {
            p++;
          } else if (!lenient) {
            this.#fail('HPE_STRICT', 'Expected LF after chunk size', base + p);
            return p;
          }
          this.#chunkSize = size;
          return this.#chunkHeaderDone(p);
        case C_LF_AFTER_SIZE:
          if (c === LF) p++;
          this.#chunkSize = size;
          return this.#chunkHeaderDone(p);
        default: {
          // Inside the extensions: one table load gives the next state (see CHUNK_EXT_NEXT).
          const next = CHUNK_EXT_NEXT[((st - C_EXT_NAME_START) << 8) | c]!;
          if (next === EXT_END) break; // CR or LF after a complete extension: shared handling below
          if (next === EXT_INVALID) {
            this.#fail('HPE_STRICT', EXT_REASON[st - C_EXT_NAME_START]!, base + p);
            return p;
          }
          if (!this.#extByte(base + p)) return p;
          st = next;
          p++;
          continue;
        }
      }
      // Here: the end of the size (and extensions) — CR, LF, ";" or something invalid.
      if (c === CR) {
        st = C_ALMOST_DONE;
        p++;
        continue;
      }
      if (c === LF) {
        if (!lenient) {
          this.#fail('HPE_CR_EXPECTED', 'Missing expected CR after chunk size', base + p);
          return p;
        }
        p++;
        // Node's insecure parser ends a size line without extensions at LF LF as at CR LF ("3\n\nabc"
        // is the chunk "abc" there): the same here, or the two would cut the body differently.
        if (st === C_DIGITS || st === C_BWS_BEFORE_SEMI) {
          st = C_LF_AFTER_SIZE;
          continue;
        }
        this.#chunkSize = size;
        return this.#chunkHeaderDone(p);
      }
      if (c === 0x3b && st === C_DIGITS) {
        st = C_EXT_NAME_START;
        if (!this.#extByte(base + p)) return p;
        p++;
        continue;
      }
      this.#fail('HPE_INVALID_CHUNK_SIZE', 'Invalid character in chunk size', base + p);
      return p;
    }
    this.#chunkState = st;
    this.#chunkSize = size;
    return p;
  }

  #extByte(at: number): boolean {
    if (++this.#extBytes > this.#maxExtSize) {
      this.#fail('HPE_CHUNK_EXTENSIONS_OVERFLOW', 'Chunk extensions overflow', at);
      return false;
    }
    return true;
  }

  #chunkHeaderDone(p: number): number {
    const size = this.#chunkSize;
    if (size === 0) {
      // last-chunk: the trailer section follows (RFC 9112 §7.1.2).
      this.#state = S_TRAILERS;
      this.#sectionBytes = 0;
      this.#fieldCount = 0;
      return p;
    }
    this.#remaining = size;
    this.#state = S_CHUNK_DATA;
    return p;
  }

  // -------------------------------------------------------------------------------------------

  #beginMessage(): void {
    this.#method = '';
    this.#url = '';
    this.#versionMajor = 0;
    this.#versionMinor = 0;
    this.#statusCode = 0;
    this.#statusMessage = '';
    this.#raw = [];
    this.#trailers = null;
    this.#sectionBytes = 0;
    this.#fieldCount = 0;
    this.#lastSpecial = H_GENERAL;
    this.#hasContentLength = false;
    this.#contentLength = 0;
    this.#hasTransferEncoding = false;
    this.#chunked = false;
    this.#connClose = false;
    this.#connKeepAlive = false;
    this.#connUpgrade = false;
    this.#hasUpgrade = false;
    this.#trailerUnchunked = false;
    this.#hostCount = 0;
    this.#isConnect = false;
    this.#keepAlive = false;
    this.#upgradeAfter = false;
    this.#is1xx = false;
    this.#sectionEnded = false;
    this.#remaining = 0;
  }

  #fail(code: HpeCode, reason: string, offset: number): void {
    if (this.#error === null) this.#error = new H1ParseError(code, reason, offset);
    this.#state = S_DEAD;
    this.#accLen = 0;
  }

  #failAt(code: HpeCode, reason: string, index: number): number {
    this.#fail(code, reason, this.#base + index);
    return FAILED;
  }
}

const PROTO_HTTP_BYTES = Buffer.from('HTTP/');
const PROTO_RTSP_BYTES = Buffer.from('RTSP/');
const PROTO_ICE_BYTES = Buffer.from('ICE/');
/** What follows "PRI * HTTP/2.0" in the HTTP/2 connection preface. */
const PRI_REST = Buffer.from('\r\n\r\nSM\r\n\r\n', 'latin1');

function positiveInt(v: number | undefined, dflt: number, name: string): number {
  if (v === undefined) return dflt;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) {
    throw new RangeError(`H1Parser: ${name} must be a positive integer, got ${String(v)}`);
  }
  return v;
}
