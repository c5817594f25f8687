/**
 * node:http2's header objects ⇄ the engine's field lists: `{ ':status': 200, 'x-a': ['1', '2'] }`
 * becomes `[[':status', '200'], ['x-a', '1'], ['x-a', '2']]` with node's checks and errors, and
 * received fields become node's incoming headers object (null prototype, pseudo-headers kept,
 * duplicates joined as node joins them, `headers[sensitiveHeaders]`).
 */
import { sensitiveHeaders } from 'node:http2';
import { invalidArgType, nodeError } from '../wire/shared/index.js';
import { http2Error } from './errors.js';

/** What an application may pass as headers. */
export type OutgoingHeaders = Record<string | symbol, unknown>;
/** node's incoming headers object. */
export type IncomingHeaders = Record<string, string | string[] | undefined> & { [sensitiveHeaders]?: string[] };

/** RFC 9113 §8.2.2: fields that describe the HTTP/1.1 connection are malformed in HTTP/2. */
const CONNECTION_SPECIFIC = new Set(['connection', 'upgrade', 'http2-settings', 'keep-alive', 'proxy-connection', 'transfer-encoding']);

/** Fields node:http2 refuses to send more than once (its kSingleValueHeaders). */
const SINGLE_VALUE = new Set([
  ':status', ':method', ':authority', ':scheme', ':path', ':protocol',
  'access-control-allow-credentials', 'access-control-max-age', 'access-control-request-method', 'age',
  'authorization', 'content-encoding', 'content-language', 'content-length', 'content-location',
  'content-md5', 'content-range', 'content-type', 'date', 'dnt', 'etag', 'expires', 'from', 'host',
  'if-match', 'if-modified-since', 'if-none-match', 'if-range', 'if-unmodified-since', 'last-modified',
  'location', 'max-forwards', 'proxy-authorization', 'range', 'referer', 'retry-after', 'tk',
  'upgrade-insecure-requests', 'user-agent', 'x-content-type-options',
]);

/** Pseudo-headers by where they may appear (RFC 9113 §8.3, RFC 8441 §4). */
const REQUEST_PSEUDO = new Set([':method', ':scheme', ':authority', ':path', ':protocol']);
const RESPONSE_PSEUDO = new Set([':status']);

/** Received: joined with '; ' (RFC 9113 §8.2.3), kept as an array (set-cookie), or first wins. */
const JOIN_SEMI = 'cookie';
const AS_ARRAY = 'set-cookie';

/** A field list and the names marked sensitive (never indexed, RFC 7541 §7.1.3). */
export interface FieldList {
  fields: Array<[string, string]>;
  sensitive: Set<string> | undefined;
}

/**
 * node's checks on an outgoing headers object (`kind` says which pseudo-headers belong) and the
 * field list it becomes, pseudo-headers first (RFC 9113 §8.3).
 */
export function toFields(headers: unknown, kind: 'request' | 'response' | 'trailers'): FieldList {
  if (headers === null || typeof headers !== 'object' || Array.isArray(headers)) throw invalidArgType('headers', ['object'], headers);
  const h = headers as OutgoingHeaders;
  const pseudo: Array<[string, string]> = [];
  const fields: Array<[string, string]> = [];
  const allowed = kind === 'request' ? REQUEST_PSEUDO : kind === 'response' ? RESPONSE_PSEUDO : null;
  for (const key of Object.keys(h)) {
    const value = h[key];
    if (value === undefined) continue;
    const name = key.toLowerCase();
    const isPseudo = name.charCodeAt(0) === 58; /* : */
    if (isPseudo && (allowed === null || !allowed.has(name))) throw http2Error('ERR_HTTP2_INVALID_PSEUDOHEADER', name);
    if (CONNECTION_SPECIFIC.has(name) || (name === 'te' && String(value).toLowerCase() !== 'trailers')) {
      throw http2Error('ERR_HTTP2_INVALID_CONNECTION_HEADERS', name);
    }
    const list = isPseudo ? pseudo : fields;
    if (Array.isArray(value)) {
      if (value.length > 1 && SINGLE_VALUE.has(name)) throw http2Error('ERR_HTTP2_HEADER_SINGLE_VALUE', name);
      for (const v of value) list.push([name, checkValue(name, v)]);
    } else list.push([name, checkValue(name, value)]);
  }
  let sensitive: Set<string> | undefined;
  const marked = h[sensitiveHeaders];
  if (Array.isArray(marked) && marked.length > 0) sensitive = new Set(marked.map((n) => String(n).toLowerCase()));
  return { fields: pseudo.length > 0 ? [...pseudo, ...fields] : fields, sensitive };
}

function checkValue(name: string, value: unknown): string {
  const s = String(value);
  // RFC 9113 §8.2.1: CR, LF and NUL are never valid in a field value (header injection).
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0 || c === 10 || c === 13) throw nodeError(TypeError, 'ERR_INVALID_CHAR', `Invalid character in header content ["${name}"]`);
  }
  return s;
}

/**
 * node's incoming headers object for a received field list: null prototype, pseudo-headers
 * included, `cookie` joined with '; ', `set-cookie` an array, other repeats joined with ', '.
 */
export function toHeaderObject(fields: ReadonlyArray<readonly [string, string]>): IncomingHeaders {
  const out = Object.create(null) as IncomingHeaders;
  for (let i = 0; i < fields.length; i++) {
    const [name, value] = fields[i]!;
    const prev = out[name];
    if (prev === undefined) out[name] = name === AS_ARRAY ? [value] : value;
    else if (name === AS_ARRAY) (prev as string[]).push(value);
    else if (name === JOIN_SEMI) out[name] = `${prev as string}; ${value}`;
    else if (!SINGLE_VALUE.has(name)) out[name] = `${prev as string}, ${value}`;
  }
  out[sensitiveHeaders] = [];
  return out;
}

/** The flat `[name, value, …]` list node gives as `rawHeaders`. */
export function toRawHeaders(fields: ReadonlyArray<readonly [string, string]>): string[] {
  const raw: string[] = new Array(fields.length * 2);
  for (let i = 0; i < fields.length; i++) {
    raw[2 * i] = fields[i]![0];
    raw[2 * i + 1] = fields[i]![1];
  }
  return raw;
}
