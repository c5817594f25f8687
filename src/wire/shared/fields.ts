/**
 * Field-name and field-value rules shared by every protocol engine (RFC 9110 §5.1, §5.5).
 *
 * Lookup tables, not regular expressions, on the hot path: one array index per byte.
 */
import { nodeError } from './errors.js';

/** tchar = "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-" / "." / "^" / "_" / "`" / "|" / "~" / DIGIT / ALPHA (RFC 9110 §5.6.2) */
export const TOKEN: Uint8Array = (() => {
  const t = new Uint8Array(256);
  for (let c = 0x30; c <= 0x39; c++) t[c] = 1;
  for (let c = 0x41; c <= 0x5a; c++) t[c] = 1;
  for (let c = 0x61; c <= 0x7a; c++) t[c] = 1;
  for (const ch of "!#$%&'*+-.^_`|~") t[ch.charCodeAt(0)] = 1;
  return t;
})();

/** field-vchar / SP / HTAB, and obs-text (0x80–0xFF) as node allows: everything but CTLs (other than HTAB) and DEL. */
export const FIELD_VALUE: Uint8Array = (() => {
  const t = new Uint8Array(256);
  t[0x09] = 1;
  for (let c = 0x20; c <= 0x7e; c++) t[c] = 1;
  for (let c = 0x80; c <= 0xff; c++) t[c] = 1;
  return t;
})();

/**
 * True when `s` is a non-empty RFC 9110 token (method, field name).
 *
 * @example
 * isToken('x-trace-id'); // true
 * isToken('bad name'); // false (SP is not a tchar)
 */
export function isToken(s: string): boolean {
  const n = s.length;
  if (n === 0) return false;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c > 0xff || TOKEN[c] !== 1) return false;
  }
  return true;
}

/**
 * True when `s` holds a character that may not appear in a field value (CR, LF, NUL, other CTLs, > 0xFF).
 *
 * @example
 * hasInvalidFieldValueChar('text/html; charset=utf-8'); // false
 * hasInvalidFieldValueChar('a\r\nSet-Cookie: x'); // true
 */
export function hasInvalidFieldValueChar(s: string): boolean {
  const n = s.length;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c > 0xff || FIELD_VALUE[c] !== 1) return true;
  }
  return false;
}

/**
 * node:http's `validateHeaderName`: throws `ERR_INVALID_HTTP_TOKEN` (TypeError) for a name that
 * is not a token.
 *
 * @example
 * validateHeaderName('x-trace'); // ok
 * validateHeaderName('bad name'); // throws TypeError [ERR_INVALID_HTTP_TOKEN]
 */
export function validateHeaderName(name: string, label = 'Header name'): void {
  if (typeof name !== 'string' || !isToken(name)) {
    throw nodeError(TypeError, 'ERR_INVALID_HTTP_TOKEN', `${label} must be a valid HTTP token ["${name}"]`);
  }
}

/**
 * node:http's `validateHeaderValue`: `undefined` → `ERR_HTTP_INVALID_HEADER_VALUE`; a CR, LF or
 * other forbidden character → `ERR_INVALID_CHAR`. Header injection is impossible past this check.
 *
 * @example
 * validateHeaderValue('x-trace', 'abc'); // ok
 * validateHeaderValue('x-trace', 'a\r\nSet-Cookie: x'); // throws TypeError [ERR_INVALID_CHAR]
 */
export function validateHeaderValue(name: string, value: unknown): void {
  if (value === undefined) {
    throw nodeError(TypeError, 'ERR_HTTP_INVALID_HEADER_VALUE', `Invalid value "${String(value)}" for header "${name}"`);
  }
  if (Array.isArray(value)) {
    for (const v of value) checkValueChars(name, String(v));
    return;
  }
  checkValueChars(name, String(value));
}

function checkValueChars(name: string, s: string): void {
  if (hasInvalidFieldValueChar(s)) {
    throw nodeError(TypeError, 'ERR_INVALID_CHAR', `Invalid character in header content ["${name}"]`);
  }
}

/** Hop-by-hop / connection-specific fields (RFC 9110 §7.6.1, RFC 9113 §8.2.2): never forwarded across protocols. */
export const CONNECTION_SPECIFIC_FIELDS: ReadonlySet<string> = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'upgrade',
]);
