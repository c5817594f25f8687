/**
 * Sec-WebSocket-Extensions (RFC 6455 §9.1) and permessage-deflate (RFC 7692): header parsing,
 * negotiation for both roles, and the per-message codec on node:zlib.
 *
 * The codec is synchronous so the engine stays `receive(bytes) → events`: each message is
 * (de)compressed by one zlib call. Context takeover (RFC 7692 §7.2.3.3) is kept by presetting the
 * LZ77 window as a dictionary: the last 2^windowBits bytes of the previous messages. A raw
 * deflate stream may refer back that far and no further, so the result is the same as one
 * long-lived zlib stream (checked against `ws`, python3-websockets and Chromium in the tests).
 * Decompression runs with `maxOutputLength`, so a zip bomb stops at the message limit (1009)
 * without ever holding more.
 */
import * as zlib from 'node:zlib';

/** One offered or accepted extension: its name and parameters (a bare parameter is `true`). */
export interface ExtensionOffer {
  name: string;
  params: Map<string, string | true>;
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/**
 * Parse a Sec-WebSocket-Extensions value (RFC 6455 §9.1 grammar: comma-separated extensions,
 * `;`-separated parameters, values as token or quoted-string). Returns null when malformed.
 *
 * @example
 * parseExtensions('permessage-deflate; client_max_window_bits'); // [{ name: 'permessage-deflate', params: Map { 'client_max_window_bits' => true } }]
 */
export function parseExtensions(value: string): ExtensionOffer[] | null {
  const out: ExtensionOffer[] = [];
  let i = 0;
  const n = value.length;
  const ws = (): void => {
    while (i < n && (value[i] === ' ' || value[i] === '\t')) i++;
  };
  const token = (): string | null => {
    const s = i;
    while (i < n && !' \t,;="'.includes(value[i]!)) i++;
    const t = value.slice(s, i);
    return TOKEN.test(t) ? t : null;
  };
  for (;;) {
    ws();
    const name = token();
    if (name === null) return null;
    const ext: ExtensionOffer = { name: name.toLowerCase(), params: new Map() };
    ws();
    while (value[i] === ';') {
      i++;
      ws();
      const p = token();
      if (p === null) return null;
      ws();
      let v: string | true = true;
      if (value[i] === '=') {
        i++;
        ws();
        if (value[i] === '"') {
          // RFC 6455 §9.1: a quoted value must still be a token once unquoted.
          const end = value.indexOf('"', i + 1);
          if (end === -1) return null;
          v = value.slice(i + 1, end);
          i = end + 1;
          if (!TOKEN.test(v)) return null;
        } else {
          const t = token();
          if (t === null) return null;
          v = t;
        }
        ws();
      }
      if (ext.params.has(p.toLowerCase())) return null;
      ext.params.set(p.toLowerCase(), v);
    }
    out.push(ext);
    if (i >= n) return out;
    if (value[i] !== ',') return null;
    i++;
  }
}

/** Serialize extensions back to a header value. */
export function formatExtensions(exts: readonly ExtensionOffer[]): string {
  return exts
    .map((e) => [e.name, ...[...e.params].map(([k, v]) => (v === true ? k : `${k}=${v}`))].join('; '))
    .join(', ');
}

export const PERMESSAGE_DEFLATE = 'permessage-deflate';

/**
 * Messages smaller than this go out uncompressed (RSV1 clear): deflating a few dozen bytes
 * costs more CPU than the bytes it saves, and RFC 7692 §6 lets each message choose.
 */
export const DEFLATE_THRESHOLD_BYTES = 1024;

/** What the local side wants from permessage-deflate (the options of `ws` users know). */
export interface PerMessageDeflateOptions {
  /** Ask for / grant no context takeover for what the server sends. */
  serverNoContextTakeover?: boolean;
  /** Ask for / grant no context takeover for what the client sends. */
  clientNoContextTakeover?: boolean;
  /** Window bits for what the server compresses (9–15); the server's ceiling or the client's request. */
  serverMaxWindowBits?: number;
  /** Window bits for what the client compresses (9–15). */
  clientMaxWindowBits?: number;
  /** Messages below this size are sent uncompressed. Default DEFLATE_THRESHOLD_BYTES. */
  threshold?: number;
  /** zlib compression level (0–9). Default 1: cheap, most of the gain on text. */
  level?: number;
}

/** The parameters both sides agreed on (RFC 7692 §7.1). */
export interface DeflateParams {
  serverNoContextTakeover: boolean;
  clientNoContextTakeover: boolean;
  serverMaxWindowBits: number;
  clientMaxWindowBits: number;
}

function windowBits(v: string | true | undefined, allowBare: boolean): number | null | undefined {
  if (v === undefined) return undefined;
  if (v === true) return allowBare ? 15 : null;
  // RFC 7692 §7.1.2: a decimal integer 8..15 without leading zeros.
  if (!/^(8|9|1[0-5])$/.test(v)) return null;
  return Number(v);
}

/**
 * Server side (RFC 7692 §7.1): pick the first acceptable permessage-deflate offer and say what
 * to answer. An offer we cannot honour is declined (the next is tried), never failed.
 *
 * We never compress with an 8-bit window: zlib raises a raw deflate window of 8 to 9, which a
 * peer that asked for 8 may not accept (RFC 7692 §7.1.2.1), so an offer requiring
 * server_max_window_bits=8 is declined.
 *
 * @example
 * negotiateDeflateServer(parseExtensions('permessage-deflate; client_max_window_bits')!, {});
 */
export function negotiateDeflateServer(
  offers: readonly ExtensionOffer[],
  opts: PerMessageDeflateOptions,
): { params: DeflateParams; response: string } | null {
  for (const offer of offers) {
    if (offer.name !== PERMESSAGE_DEFLATE) continue;
    const p = offer.params;
    let ok = true;
    for (const k of p.keys()) {
      if (!['server_no_context_takeover', 'client_no_context_takeover', 'server_max_window_bits', 'client_max_window_bits'].includes(k)) ok = false;
    }
    if (!ok) continue;
    if ((p.has('server_no_context_takeover') && p.get('server_no_context_takeover') !== true) || (p.has('client_no_context_takeover') && p.get('client_no_context_takeover') !== true)) continue;
    const smwb = windowBits(p.get('server_max_window_bits'), false);
    const cmwb = windowBits(p.get('client_max_window_bits'), true);
    if (smwb === null || cmwb === null) continue;
    let serverBits = opts.serverMaxWindowBits ?? 15;
    if (smwb !== undefined) serverBits = Math.min(serverBits, smwb);
    if (serverBits < 9) continue;
    const response: string[] = [PERMESSAGE_DEFLATE];
    const serverNoCT = p.has('server_no_context_takeover') || opts.serverNoContextTakeover === true;
    const clientNoCT = p.has('client_no_context_takeover') || opts.clientNoContextTakeover === true;
    if (serverNoCT) response.push('server_no_context_takeover');
    if (clientNoCT) response.push('client_no_context_takeover');
    if (smwb !== undefined || serverBits < 15) response.push(`server_max_window_bits=${serverBits}`);
    let clientBits = 15;
    // RFC 7692 §7.1.2.2: we may limit the client's window only if it said it can be limited.
    if (cmwb !== undefined) {
      clientBits = Math.min(cmwb, opts.clientMaxWindowBits ?? 15);
      if (clientBits < 15 || opts.clientMaxWindowBits !== undefined) response.push(`client_max_window_bits=${clientBits}`);
    } else if (opts.clientMaxWindowBits !== undefined && opts.clientMaxWindowBits < 15) {
      continue;
    }
    return {
      params: { serverNoContextTakeover: serverNoCT, clientNoContextTakeover: clientNoCT, serverMaxWindowBits: serverBits, clientMaxWindowBits: clientBits },
      response: response.join('; '),
    };
  }
  return null;
}

/**
 * Client side: the offer to send.
 *
 * @example
 * deflateOffer({}); // 'permessage-deflate; client_max_window_bits'
 */
export function deflateOffer(opts: PerMessageDeflateOptions): string {
  const parts = [PERMESSAGE_DEFLATE];
  if (opts.serverNoContextTakeover) parts.push('server_no_context_takeover');
  if (opts.clientNoContextTakeover) parts.push('client_no_context_takeover');
  if (opts.serverMaxWindowBits !== undefined) parts.push(`server_max_window_bits=${opts.serverMaxWindowBits}`);
  parts.push(opts.clientMaxWindowBits !== undefined ? `client_max_window_bits=${opts.clientMaxWindowBits}` : 'client_max_window_bits');
  return parts.join('; ');
}

/**
 * Client side: check the server's answer against our offer (RFC 7692 §7.1). Returns the agreed
 * parameters, or a string saying why the connection must fail.
 */
export function acceptDeflateResponse(ext: ExtensionOffer, opts: PerMessageDeflateOptions): DeflateParams | string {
  const p = ext.params;
  const params: DeflateParams = { serverNoContextTakeover: false, clientNoContextTakeover: false, serverMaxWindowBits: 15, clientMaxWindowBits: 15 };
  for (const [k, v] of p) {
    if (k === 'server_no_context_takeover' || k === 'client_no_context_takeover') {
      if (v !== true) return `invalid ${k} value`;
      if (k === 'server_no_context_takeover') params.serverNoContextTakeover = true;
      else params.clientNoContextTakeover = true;
    } else if (k === 'server_max_window_bits' || k === 'client_max_window_bits') {
      const b = windowBits(v, false);
      if (b === null || b === undefined) return `invalid ${k} value`;
      if (k === 'server_max_window_bits') {
        if (opts.serverMaxWindowBits !== undefined && b > opts.serverMaxWindowBits) return 'server_max_window_bits above the offer';
        params.serverMaxWindowBits = b;
      } else {
        if (opts.clientMaxWindowBits !== undefined && b > opts.clientMaxWindowBits) return 'client_max_window_bits above the offer';
        // zlib cannot compress with an 8-bit raw window (see negotiateDeflateServer).
        if (b < 9) return 'client_max_window_bits=8 is not supported';
        params.clientMaxWindowBits = b;
      }
    } else {
      return `unknown permessage-deflate parameter ${k}`;
    }
  }
  if (opts.serverNoContextTakeover && !params.serverNoContextTakeover) return 'server_no_context_takeover was required';
  if (opts.serverMaxWindowBits !== undefined && !p.has('server_max_window_bits')) return 'server_max_window_bits was required';
  return params;
}

/** RFC 7692 §7.2.2: the 4 octets a sender strips and a receiver appends. */
const TAIL = Buffer.from([0x00, 0x00, 0xff, 0xff]);

/** Thrown by `decompress` past the limit: the engine answers 1009. */
export class DeflateLimitError extends Error {}

/**
 * One endpoint's permessage-deflate state: a compressor for what it sends and a decompressor
 * for what it receives, each with its own window when context takeover is on.
 *
 * @example
 * const d = new PerMessageDeflate({ serverNoContextTakeover: false, clientNoContextTakeover: false, serverMaxWindowBits: 15, clientMaxWindowBits: 15 }, 'server');
 * const wire = d.compress(Buffer.from('hello'));
 */
export class PerMessageDeflate {
  readonly params: DeflateParams;
  readonly threshold: number;
  readonly #level: number;
  readonly #sendBits: number;
  readonly #sendTakeover: boolean;
  readonly #recvTakeover: boolean;
  /** The last 2^bits bytes sent / received, when context takeover is on. */
  #sendWindow: Buffer | null = null;
  #recvWindow: Buffer | null = null;

  constructor(params: DeflateParams, role: 'server' | 'client', opts: PerMessageDeflateOptions = {}) {
    this.params = params;
    this.threshold = opts.threshold ?? DEFLATE_THRESHOLD_BYTES;
    this.#level = opts.level ?? 1;
    const server = role === 'server';
    this.#sendBits = server ? params.serverMaxWindowBits : params.clientMaxWindowBits;
    this.#sendTakeover = !(server ? params.serverNoContextTakeover : params.clientNoContextTakeover);
    this.#recvTakeover = !(server ? params.clientNoContextTakeover : params.serverNoContextTakeover);
  }

  /** Compress one whole message; the result has the 4-octet tail removed (RFC 7692 §7.2.1). */
  compress(data: Buffer): Buffer {
    const opts: zlib.ZlibOptions = { level: this.#level, windowBits: this.#sendBits, finishFlush: zlib.constants.Z_SYNC_FLUSH };
    if (this.#sendWindow !== null) opts.dictionary = this.#sendWindow;
    const out = zlib.deflateRawSync(data, opts);
    if (this.#sendTakeover) this.#sendWindow = slide(this.#sendWindow, data, 1 << this.#sendBits);
    return out.length >= 4 && out.subarray(out.length - 4).equals(TAIL) ? out.subarray(0, out.length - 4) : out;
  }

  /**
   * Decompress one whole message (its frames' payloads, joined). Throws DeflateLimitError past
   * `limit` bytes, or zlib's error for bad data (the engine answers 1007).
   */
  decompress(data: Buffer, limit: number): Buffer {
    const opts: zlib.ZlibOptions = { windowBits: 15, finishFlush: zlib.constants.Z_SYNC_FLUSH, maxOutputLength: Math.max(1, limit) };
    if (this.#recvWindow !== null) opts.dictionary = this.#recvWindow;
    let out: Buffer;
    try {
      out = zlib.inflateRawSync(data.length === 0 ? TAIL : Buffer.concat([data, TAIL]), opts);
    } catch (err) {
      if ((err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') throw new DeflateLimitError('decompressed message over the limit');
      throw err;
    }
    if (out.length > limit) throw new DeflateLimitError('decompressed message over the limit');
    if (this.#recvTakeover) this.#recvWindow = slide(this.#recvWindow, out, 1 << 15);
    return out;
  }
}

/** The last `size` bytes of `prev` followed by `next`, in a buffer of its own. */
function slide(prev: Buffer | null, next: Buffer, size: number): Buffer | null {
  if (next.length >= size) return Buffer.from(next.subarray(next.length - size));
  if (prev === null) return next.length === 0 ? null : Buffer.from(next);
  const keep = Math.min(prev.length, size - next.length);
  return Buffer.concat([prev.subarray(prev.length - keep), next]);
}
