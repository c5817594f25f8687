/**
 * HTTP/1.1 serialization: start lines, field lines, chunked framing, trailers.
 *
 * Two levels:
 * - Line primitives (`statusLine`, `requestLine`, `fieldLine`, `chunkHeader`, `lastChunk`) format
 *   what their caller has already validated. The node:http facade (src/http) uses them: it
 *   validates each header when it is set (setHeader, writeHead), with node's errors, and builds
 *   the head once, so it doesn't pay for validation twice.
 * - Head builders (`responseHeadString`, `requestHeadString`, `serializeResponseHead`, …) take
 *   untrusted pieces and validate every one before it touches the wire, with node:http's errors
 *   (`ERR_INVALID_HTTP_TOKEN`, `ERR_INVALID_CHAR`, `ERR_HTTP_INVALID_STATUS_CODE`,
 *   `ERR_UNESCAPED_CHARACTERS`): a field name is a token, a field value or reason phrase holds no
 *   CR, LF, NUL or other CTL, a method is a token, a request-target has no whitespace or CTL. So
 *   a CR/LF can never be smuggled into the head (response splitting / header injection, RFC 9112
 *   §11).
 */
import { nodeError } from '../shared/errors.js';
import { isToken, hasInvalidFieldValueChar, validateHeaderName, validateHeaderValue } from '../shared/fields.js';

export const CRLF = '\r\n';

/** The last chunk of a chunked body with no trailers (RFC 9112 §7.1). */
export const LAST_CHUNK = '0\r\n\r\n';

// ---------------------------------------------------------------------------------------------
// Line primitives: the caller has validated every piece.

// Status lines already built, by code, with the reason phrase and version each was built with.
const statusLines: ([string, number, string] | undefined)[] = [];

/**
 * `HTTP/1.<minor> <code> <reason>\r\n` (RFC 9112 §4), built once per code, reason and version.
 *
 * @example
 * statusLine(404, 'Not Found'); // 'HTTP/1.1 404 Not Found\r\n'
 */
export function statusLine(statusCode: number, reason: string, versionMinor = 1): string {
  const cached = statusLines[statusCode];
  if (cached !== undefined && cached[0] === reason && cached[1] === versionMinor) return cached[2];
  const line = `HTTP/1.${versionMinor} ${statusCode} ${reason}${CRLF}`;
  statusLines[statusCode] = [reason, versionMinor, line];
  return line;
}

/**
 * `<method> <target> HTTP/1.1\r\n` (RFC 9112 §3).
 *
 * @example
 * requestLine('GET', '/'); // 'GET / HTTP/1.1\r\n'
 */
export function requestLine(method: string, target: string): string {
  return method + ' ' + target + ' HTTP/1.1' + CRLF;
}

/**
 * `<name>: <value>\r\n` (RFC 9112 §5).
 *
 * @example
 * fieldLine('Content-Type', 'text/plain'); // 'Content-Type: text/plain\r\n'
 */
export function fieldLine(name: string, value: string | number): string {
  return name + ': ' + value + CRLF;
}

/**
 * The chunk-size line for a chunk of `size` bytes (hex + CRLF, RFC 9112 §7.1). The data and its
 * CRLF follow.
 *
 * @example
 * socket.write(chunkHeader(data.length)); socket.write(data); socket.write('\r\n');
 */
export function chunkHeader(size: number): string {
  // A zero size would end the body (last-chunk): callers skip empty writes and end with LAST_CHUNK.
  if (!Number.isSafeInteger(size) || size < 1) throw new RangeError(`chunk size must be a positive integer, got ${String(size)}`);
  return size.toString(16) + CRLF;
}

/**
 * The last chunk, with the trailer section's field lines (already formatted, may be empty), and
 * the empty line that ends the message (RFC 9112 §7.1.2).
 *
 * @example
 * lastChunk(fieldLine('Server-Timing', 'db;dur=53')); // '0\r\nServer-Timing: db;dur=53\r\n\r\n'
 */
export function lastChunk(trailerLines: string): string {
  return '0' + CRLF + trailerLines + CRLF;
}

// ---------------------------------------------------------------------------------------------
// Head builders: every piece validated.

function checkStatus(statusCode: number): void {
  // RFC 9110 §15: a three-digit integer; node accepts 100–999.
  if (!Number.isInteger(statusCode) || statusCode < 100 || statusCode > 999) {
    throw nodeError(RangeError, 'ERR_HTTP_INVALID_STATUS_CODE', `Invalid status code: ${String(statusCode)}`);
  }
}

function fieldLines(fields: readonly string[]): string {
  const n = fields.length;
  if (n % 2 !== 0) throw new TypeError('fields must be a flat [name, value, ...] list of even length');
  let out = '';
  for (let i = 0; i < n; i += 2) {
    const name = fields[i]!;
    const value = fields[i + 1]!;
    validateHeaderName(name);
    validateHeaderValue(name, value);
    out += fieldLine(name, value);
  }
  return out;
}

/**
 * The status line and fields of a response, as a latin1 string ending with the empty line.
 *
 * @example
 * responseHeadString(200, 'OK', ['Content-Length', '2']); // 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n'
 */
export function responseHeadString(
  statusCode: number,
  statusMessage: string,
  fields: readonly string[],
  versionMinor = 1,
): string {
  checkStatus(statusCode);
  if (typeof statusMessage !== 'string' || hasInvalidFieldValueChar(statusMessage)) {
    throw nodeError(TypeError, 'ERR_INVALID_CHAR', 'Invalid character in statusMessage');
  }
  if (versionMinor !== 0 && versionMinor !== 1) throw new RangeError(`versionMinor must be 0 or 1, got ${String(versionMinor)}`);
  return statusLine(statusCode, statusMessage, versionMinor) + fieldLines(fields) + CRLF;
}

/**
 * The request line and fields of a request, as a latin1 string ending with the empty line.
 *
 * @example
 * requestHeadString('GET', '/', ['Host', 'example.com']); // 'GET / HTTP/1.1\r\nHost: example.com\r\n\r\n'
 */
export function requestHeadString(method: string, target: string, fields: readonly string[]): string {
  if (typeof method !== 'string' || !isToken(method)) {
    throw nodeError(TypeError, 'ERR_INVALID_HTTP_TOKEN', `Method must be a valid HTTP token ["${String(method)}"]`);
  }
  checkTarget(target);
  return requestLine(method, target) + fieldLines(fields) + CRLF;
}

function checkTarget(target: string): void {
  // node's rule (INVALID_PATH_REGEX): only 0x21–0xFF; no SP, no CTL, nothing above latin1.
  if (typeof target !== 'string' || target.length === 0) {
    throw nodeError(TypeError, 'ERR_UNESCAPED_CHARACTERS', 'Request path contains unescaped characters');
  }
  for (let i = 0; i < target.length; i++) {
    const c = target.charCodeAt(i);
    if (c < 0x21 || c > 0xff || c === 0x7f) {
      throw nodeError(TypeError, 'ERR_UNESCAPED_CHARACTERS', 'Request path contains unescaped characters');
    }
  }
}

/**
 * The head of a response in one buffer.
 *
 * @example
 * socket.write(serializeResponseHead(404, 'Not Found', ['Content-Length', '0']));
 */
export function serializeResponseHead(
  statusCode: number,
  statusMessage: string,
  fields: readonly string[],
  versionMinor = 1,
): Buffer {
  return Buffer.from(responseHeadString(statusCode, statusMessage, fields, versionMinor), 'latin1');
}

/**
 * The head of a request in one buffer.
 *
 * @example
 * socket.write(serializeRequestHead('POST', '/upload', ['Host', 'a', 'Transfer-Encoding', 'chunked']));
 */
export function serializeRequestHead(method: string, target: string, fields: readonly string[]): Buffer {
  return Buffer.from(requestHeadString(method, target, fields), 'latin1');
}

/**
 * The last chunk with a trailer section: '0\r\n' + field lines + '\r\n'.
 *
 * @example
 * socket.write(serializeTrailers(['Server-Timing', 'db;dur=53']));
 */
export function serializeTrailers(fields: readonly string[]): string {
  return lastChunk(fieldLines(fields));
}
