/**
 * HTTP/2 field-section rules (RFC 9113 §8.2, §8.3, §8.4; RFC 8441 §4).
 *
 * `checkReceivedFields` judges a decoded header list from the peer: a list that breaks a rule is
 * "malformed" (RFC 9113 §8.1.1), which the connection answers with a stream error PROTOCOL_ERROR.
 * `checkLocalFields` judges what our application asks to send, and throws node-style errors for
 * misuse (a wire engine never sends a malformed message).
 */
import { CONNECTION_SPECIFIC_FIELDS, isToken, nodeError, validateHeaderValue } from '../shared/index.js';

/**
 * Which field section this is. `push-request` is the request carried by a PUSH_PROMISE;
 * `trailers` are a request's trailers, `response-trailers` a response's (where `te` is malformed).
 */
export type FieldSectionKind = 'request' | 'push-request' | 'response' | 'trailers' | 'response-trailers';

/** What the connection needs to know about a valid section. */
export interface FieldSectionInfo {
  /** Declared content-length, or -1 when absent. */
  contentLength: number;
  /** `:method` of a request. */
  method: string;
  /** `:status` of a response, 0 otherwise. */
  status: number;
  /** `:protocol` of an extended CONNECT (RFC 8441), '' otherwise. */
  protocol: string;
  /** The `priority` field (RFC 9218 §5), '' when absent. */
  priority: string;
}

/**
 * Whether `te` may appear in a section of this kind. RFC 9113 §8.2.2: "The only exception to this
 * is the TE header field, which MAY be present in an HTTP/2 request; when it is, it MUST NOT
 * contain any value other than "trailers"." So a response (or its trailers) with TE is malformed.
 */
function teAllowed(kind: FieldSectionKind, value: string): boolean {
  return kind !== 'response' && kind !== 'response-trailers' && value.toLowerCase() === 'trailers';
}

/** A malformed section: the reason (the code is always PROTOCOL_ERROR, RFC 9113 §8.1.1). */
export interface Malformed {
  malformed: string;
}

const REQUEST_PSEUDO = new Set([':method', ':scheme', ':authority', ':path', ':protocol']);
const RESPONSE_PSEUDO = new Set([':status']);

// RFC 9113 §8.2.1: a field name MUST NOT contain 0x00-0x20, 0x41-0x5a (uppercase) or 0x7f-0xff.
const BAD_NAME_CHAR: Uint8Array = (() => {
  const t = new Uint8Array(256);
  for (let c = 0; c <= 0x20; c++) t[c] = 1;
  for (let c = 0x41; c <= 0x5a; c++) t[c] = 1;
  for (let c = 0x7f; c <= 0xff; c++) t[c] = 1;
  t[0x3a] = 2; // ':' only as the first character of a pseudo-header
  return t;
})();

function badName(name: string, from: number): boolean {
  for (let i = from; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c > 0xff || BAD_NAME_CHAR[c] !== 0) return true;
  }
  return false;
}

// RFC 9113 §8.2.1: a value MUST NOT contain NUL, LF or CR, nor start or end with SP or HTAB.
function badValue(v: string): boolean {
  const n = v.length;
  if (n === 0) return false;
  const first = v.charCodeAt(0);
  const last = v.charCodeAt(n - 1);
  if (first === 0x20 || first === 0x09 || last === 0x20 || last === 0x09) return true;
  for (let i = 0; i < n; i++) {
    const c = v.charCodeAt(i);
    if (c === 0 || c === 0x0a || c === 0x0d) return true;
  }
  return false;
}

/** Default port of a scheme, as the suffix a normalised authority drops. */
function defaultPortSuffix(scheme: string): string {
  return scheme === 'https' ? ':443' : scheme === 'http' ? ':80' : '';
}

/**
 * Whether two authorities name the same target: ASCII case-insensitive, the scheme's default port
 * implied (RFC 9110 §4.2.3 normalisation, which RFC 9113 §8.3.1 asks for before comparing).
 */
function sameAuthority(a: string, b: string, scheme: string): boolean {
  let x = a.toLowerCase();
  let y = b.toLowerCase();
  if (x === y) return true;
  const suffix = defaultPortSuffix(scheme);
  if (suffix) {
    if (x.endsWith(suffix)) x = x.slice(0, -suffix.length);
    if (y.endsWith(suffix)) y = y.slice(0, -suffix.length);
  }
  return x === y;
}

/** One bit per pseudo-header, to see duplicates without a Set. */
const PSEUDO_BIT: Readonly<Record<string, number>> = { ':method': 1, ':scheme': 2, ':path': 4, ':authority': 8, ':protocol': 16, ':status': 32 };

function parseContentLength(v: string): number {
  if (v.length === 0 || v.length > 15) return -1;
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return -1;
  }
  return Number(v);
}

/**
 * Checks a received field section. `connectProtocol` says whether WE sent
 * SETTINGS_ENABLE_CONNECT_PROTOCOL = 1 (RFC 8441 §3: only then may the peer use `:protocol`).
 *
 * @example
 * const r = checkReceivedFields([[':status', '200']], 'response', false);
 * if ('malformed' in r) resetStream(PROTOCOL_ERROR);
 */
export function checkReceivedFields(
  fields: ReadonlyArray<readonly [string, string]>,
  kind: FieldSectionKind,
  connectProtocol: boolean,
): FieldSectionInfo | Malformed {
  const allowed = kind === 'response' ? RESPONSE_PSEUDO : kind === 'trailers' || kind === 'response-trailers' ? null : REQUEST_PSEUDO;
  const info: FieldSectionInfo = { contentLength: -1, method: '', status: 0, protocol: '', priority: '' };
  let regularSeen = false;
  let scheme: string | undefined;
  let path: string | undefined;
  let authority: string | undefined;
  let host: string | undefined;
  let statusSeen = false;
  let seenPseudo = 0; // bits of PSEUDO_BIT (a Set per section was a visible share of a request's garbage)
  for (let i = 0; i < fields.length; i++) {
    const name = fields[i]![0];
    const value = fields[i]![1];
    if (name.length === 0) return { malformed: 'empty field name' };
    if (badValue(value)) return { malformed: `invalid value for ${name}` };
    if (name.charCodeAt(0) === 0x3a) {
      // RFC 9113 §8.3: pseudo-headers come first, only the defined ones, each at most once.
      if (regularSeen) return { malformed: `pseudo-header ${name} after a regular field` };
      if (!allowed || !allowed.has(name)) return { malformed: `pseudo-header ${name} not allowed in a ${kind}` };
      const bit = PSEUDO_BIT[name] ?? 0;
      if ((seenPseudo & bit) !== 0) return { malformed: `duplicate ${name}` };
      seenPseudo |= bit;
      switch (name) {
        case ':method': info.method = value; break;
        case ':scheme': scheme = value; break;
        case ':path': path = value; break;
        case ':authority': authority = value; break;
        case ':protocol': info.protocol = value; break;
        case ':status': info.status = /^[0-9]{3}$/.test(value) ? Number(value) : -1; statusSeen = true; break;
      }
      continue;
    }
    regularSeen = true;
    if (badName(name, 0)) return { malformed: `invalid field name ${JSON.stringify(name)}` };
    // RFC 9113 §8.2.2: connection-specific fields are malformed; TE may only say "trailers", in a request.
    if (CONNECTION_SPECIFIC_FIELDS.has(name)) return { malformed: `connection-specific field ${name}` };
    if (name === 'te' && !teAllowed(kind, value)) return { malformed: kind === 'response' || kind === 'response-trailers' ? 'TE in a response' : 'TE other than trailers' };
    if (name === 'content-length') {
      const n = parseContentLength(value);
      if (n < 0 || (info.contentLength >= 0 && n !== info.contentLength)) return { malformed: 'invalid content-length' };
      info.contentLength = n;
    } else if (name === 'priority') {
      info.priority = info.priority ? `${info.priority}, ${value}` : value;
    } else if (name === 'host') {
      // Two different Host values name two targets: as ambiguous as a mismatch with :authority.
      if (host !== undefined && !sameAuthority(host, value, '')) return { malformed: 'conflicting host fields' };
      host = value;
    }
  }
  if (kind === 'response') {
    // RFC 9113 §8.3.2: exactly one valid :status; 101 is not used in HTTP/2 (§8.6).
    if (!statusSeen || info.status < 100 || info.status === 101) return { malformed: 'missing or invalid :status' };
    return info;
  }
  if (kind === 'trailers' || kind === 'response-trailers') return info;
  // Requests (RFC 9113 §8.3.1, §8.5; RFC 8441 §4).
  if (!isToken(info.method)) {
    return { malformed: 'missing or invalid :method' };
  }
  if (info.method === 'CONNECT' && !info.protocol) {
    if (scheme !== undefined || path !== undefined || !authority) return { malformed: 'CONNECT needs :authority only' };
    return info;
  }
  if (info.protocol) {
    if (!connectProtocol) return { malformed: ':protocol without SETTINGS_ENABLE_CONNECT_PROTOCOL' };
    if (info.method !== 'CONNECT') return { malformed: ':protocol outside CONNECT' };
    if (!authority) return { malformed: 'extended CONNECT needs :authority' };
  }
  if (scheme === undefined || !scheme) return { malformed: 'missing :scheme' };
  // RFC 9113 §8.3.1: http and https requests carry :authority or Host, and a Host that names
  // another target than :authority makes the request malformed (a smuggling vector between
  // hops that route on one and check the other).
  if (authority !== undefined && host !== undefined && !sameAuthority(authority, host, scheme)) {
    return { malformed: ':authority and host differ' };
  }
  if ((scheme === 'http' || scheme === 'https') && !authority && !host) return { malformed: 'missing :authority and host' };
  // RFC 9113 §8.3.1: no deprecated userinfo ("user@") in the :authority of http(s) URIs.
  if ((scheme === 'http' || scheme === 'https') && authority !== undefined && authority.includes('@')) {
    return { malformed: ':authority with userinfo' };
  }
  if (path === undefined || path.length === 0) return { malformed: 'missing or empty :path' };
  if ((scheme === 'http' || scheme === 'https') && path.charCodeAt(0) !== 0x2f && !(path === '*' && info.method === 'OPTIONS')) {
    return { malformed: ':path must start with / or be * for OPTIONS' };
  }
  if (kind === 'push-request') {
    // RFC 9113 §8.4: promised requests are safe and cacheable, with an authority, and no body.
    if (info.method !== 'GET' && info.method !== 'HEAD') return { malformed: 'pushed request method must be GET or HEAD' };
    if (!authority) return { malformed: 'pushed request without :authority' };
    if (info.contentLength > 0) return { malformed: 'pushed request with a body' };
  }
  return info;
}

/**
 * Checks a field section our application wants to send, throwing node-style errors (the codes
 * node:http2 uses) for what would make it malformed. Returns the section's facts.
 *
 * @example
 * checkLocalFields([[':status', '200'], ['content-type', 'text/plain']], 'response', false);
 */
export function checkLocalFields(
  fields: ReadonlyArray<readonly [string, string]>,
  kind: FieldSectionKind,
  connectProtocol: boolean,
): FieldSectionInfo {
  for (let i = 0; i < fields.length; i++) {
    const name = fields[i]![0];
    const value = fields[i]![1];
    if (typeof name !== 'string' || name.length === 0 || badName(name, name.charCodeAt(0) === 0x3a ? 1 : 0)) {
      throw nodeError(TypeError, 'ERR_INVALID_HTTP_TOKEN', `Header name must be a valid HTTP token ["${String(name)}"]`);
    }
    if (typeof value !== 'string') {
      throw nodeError(TypeError, 'ERR_HTTP2_INVALID_HEADER_VALUE', `Invalid value "${String(value)}" for header "${name}"`);
    }
    validateHeaderValue(name, value);
    if (CONNECTION_SPECIFIC_FIELDS.has(name) || (name === 'te' && !teAllowed(kind, value))) {
      throw nodeError(TypeError, 'ERR_HTTP2_INVALID_CONNECTION_HEADERS', `HTTP/1 Connection specific headers are forbidden: "${name}"`);
    }
  }
  const r = checkReceivedFields(fields, kind, connectProtocol);
  if ('malformed' in r) {
    if (/pseudo-header/.test(r.malformed)) {
      throw nodeError(TypeError, 'ERR_HTTP2_INVALID_PSEUDOHEADER', `"${r.malformed}" is an invalid pseudoheader or is used incorrectly`);
    }
    throw nodeError(TypeError, 'ERR_HTTP2_INVALID_HEADERS', `Invalid ${kind} headers: ${r.malformed}`);
  }
  return r;
}
