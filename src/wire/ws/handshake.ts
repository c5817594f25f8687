/**
 * The opening handshake (RFC 6455 §4): key and accept values, the server's checks of a client
 * request, the 101 response's fields, and the client's checks of that response.
 *
 * Header values are read in node's `IncomingMessage.headers` shape (lower-case names; repeated
 * fields joined with ", " — except that node drops repeats of some; a repeated
 * Sec-WebSocket-Key arrives joined and so fails the base64 check, as RFC 6455 §4.2.1 wants).
 */
import { createHash, randomBytes } from 'node:crypto';
import { WEBSOCKET_GUID } from './constants.js';
import { parseExtensions } from './extensions.js';
import type { ExtensionOffer } from './extensions.js';

/** RFC 6455 §4.1: the only version this engine speaks. */
export const WEBSOCKET_VERSION = '13';

/**
 * The Sec-WebSocket-Accept value for a key (RFC 6455 §4.2.2 step 5.4).
 *
 * @example
 * acceptKey('dGhlIHNhbXBsZSBub25jZQ=='); // 's3pPLMBiTxaQ9kYGzzhZRbK+xOo='
 */
export function acceptKey(key: string): string {
  return createHash('sha1').update(key + WEBSOCKET_GUID).digest('base64');
}

/**
 * A fresh Sec-WebSocket-Key: 16 random bytes, base64 (RFC 6455 §4.1).
 *
 * @example
 * generateKey().length; // 24
 */
export function generateKey(): string {
  return randomBytes(16).toString('base64');
}

type Headers = Record<string, string | string[] | undefined>;

function one(h: Headers, name: string): string | undefined {
  const v = h[name];
  return Array.isArray(v) ? v.join(', ') : v;
}

/** Does a comma-separated field contain `token` (case-insensitive)? */
export function hasToken(value: string | undefined, token: string): boolean {
  if (value === undefined) return false;
  for (const part of value.split(',')) if (part.trim().toLowerCase() === token) return true;
  return false;
}

const KEY_RE = /^[A-Za-z0-9+/]{22}==$/;
const TOKEN_RE = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** Split Sec-WebSocket-Protocol into its tokens; null when one is not a token or repeats. */
export function parseProtocols(value: string | undefined): string[] | null {
  if (value === undefined) return [];
  const out: string[] = [];
  for (const p of value.split(',')) {
    const t = p.trim();
    if (!TOKEN_RE.test(t) || out.includes(t)) return null;
    out.push(t);
  }
  return out;
}

/** What a valid upgrade request asked for. */
export interface ClientHandshake {
  key: string;
  protocols: string[];
  extensions: ExtensionOffer[];
  origin: string | undefined;
}

/** Why a request is not a valid upgrade: the status to answer and the extra fields. */
export interface HandshakeRefusal {
  status: number;
  message: string;
  headers?: Record<string, string>;
}

/**
 * Check an upgrade request (RFC 6455 §4.2.1). Over HTTP/1.1: GET, `Upgrade: websocket`,
 * `Connection: upgrade`. Over RFC 8441 extended CONNECT pass `{ connect: true }`: the method
 * and Upgrade/Connection are the h2 layer's business and there is no key.
 *
 * @example
 * validateClientHandshake('GET', { upgrade: 'websocket', connection: 'Upgrade', 'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==', 'sec-websocket-version': '13' });
 */
export function validateClientHandshake(method: string, headers: Headers, opts?: { connect?: boolean }): ClientHandshake | HandshakeRefusal {
  const connect = opts?.connect === true;
  if (!connect) {
    if (method !== 'GET') return { status: 405, message: 'the method must be GET', headers: { Allow: 'GET' } };
    if (!hasToken(one(headers, 'upgrade'), 'websocket')) return { status: 400, message: 'missing or invalid Upgrade header' };
    if (!hasToken(one(headers, 'connection'), 'upgrade')) return { status: 400, message: 'missing or invalid Connection header' };
  }
  const version = one(headers, 'sec-websocket-version');
  // RFC 6455 §4.4: an unsupported version gets 426 with the versions we speak.
  if (version !== WEBSOCKET_VERSION) return { status: version === undefined ? 400 : 426, message: 'missing or unsupported Sec-WebSocket-Version', headers: { 'Sec-WebSocket-Version': WEBSOCKET_VERSION } };
  const key = one(headers, 'sec-websocket-key')?.trim() ?? '';
  if (!connect && !KEY_RE.test(key)) return { status: 400, message: 'missing or invalid Sec-WebSocket-Key' };
  const protocols = parseProtocols(one(headers, 'sec-websocket-protocol'));
  if (protocols === null) return { status: 400, message: 'invalid Sec-WebSocket-Protocol' };
  const extValue = one(headers, 'sec-websocket-extensions');
  const extensions = extValue === undefined ? [] : parseExtensions(extValue);
  if (extensions === null) return { status: 400, message: 'invalid Sec-WebSocket-Extensions' };
  return { key, protocols, extensions, origin: one(headers, 'origin') };
}

/** Is this a refusal rather than an accepted handshake? */
export function isRefusal(h: ClientHandshake | HandshakeRefusal): h is HandshakeRefusal {
  return 'status' in h;
}

/**
 * The head of the 101 answer (RFC 6455 §4.2.2), CRLF-terminated, ready to write.
 *
 * @example
 * serverResponseHead('dGhlIHNhbXBsZSBub25jZQ==', 'chat', null);
 */
export function serverResponseHead(key: string, protocol: string | null, extensions: string | null, extra?: readonly string[]): string {
  let head = `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${acceptKey(key)}\r\n`;
  if (protocol !== null) head += `Sec-WebSocket-Protocol: ${protocol}\r\n`;
  if (extensions !== null) head += `Sec-WebSocket-Extensions: ${extensions}\r\n`;
  if (extra !== undefined) for (const line of extra) head += `${line}\r\n`;
  return head + '\r\n';
}

/**
 * The answer to a refused upgrade, as an HTTP/1.1 head and body (the connection closes after).
 */
export function refusalResponse(r: HandshakeRefusal, reasonPhrase: string): string {
  let head = `HTTP/1.1 ${r.status} ${reasonPhrase}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(r.message)}\r\n`;
  for (const [k, v] of Object.entries(r.headers ?? {})) head += `${k}: ${v}\r\n`;
  return `${head}\r\n${r.message}`;
}

/** What a valid 101 answer agreed to. */
export interface ServerHandshake {
  protocol: string;
  extensions: ExtensionOffer[];
}

/**
 * The client's checks of the server's 101 (RFC 6455 §4.1, steps after "the client MUST
 * validate"). Returns the agreed protocol and extensions, or why the connection fails.
 */
export function validateServerResponse(
  statusCode: number,
  headers: Headers,
  key: string | null,
  offeredProtocols: readonly string[],
): ServerHandshake | string {
  if (key !== null) {
    if (statusCode !== 101) return `Unexpected server response: ${statusCode}`;
    if (!hasToken(one(headers, 'upgrade'), 'websocket')) return 'Invalid Upgrade header';
    if (!hasToken(one(headers, 'connection'), 'upgrade')) return 'Invalid Connection header';
    if (one(headers, 'sec-websocket-accept') !== acceptKey(key)) return 'Invalid Sec-WebSocket-Accept header';
  } else if (statusCode < 200 || statusCode > 299) {
    // RFC 8441 §5: over extended CONNECT success is any 2xx.
    return `Unexpected server response: ${statusCode}`;
  }
  const protocol = one(headers, 'sec-websocket-protocol');
  if (protocol !== undefined && !offeredProtocols.includes(protocol)) return 'Server sent an invalid subprotocol';
  if (protocol === undefined && offeredProtocols.length > 0) {
    // RFC 6455 §4.1 allows the server to pick none; the WHATWG spec then reports protocol ''.
  }
  const extValue = one(headers, 'sec-websocket-extensions');
  const extensions = extValue === undefined ? [] : parseExtensions(extValue);
  if (extensions === null) return 'Invalid Sec-WebSocket-Extensions header';
  return { protocol: protocol ?? '', extensions };
}
