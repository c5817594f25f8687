/**
 * The "structured head": what `OutgoingMessage._storeHeader` does when its sink is an HTTP/2
 * stream (a {@link StructuredSink}): the status and the fields go to the sink as a list, never
 * as HTTP/1.1 text.
 *
 * Decisions (docs/h2-server.md):
 * - Names are lower-cased (RFC 9113 §8.2.1: uppercase names are malformed in HTTP/2).
 * - Connection-specific fields a handler sets (Connection, Keep-Alive, Proxy-Connection,
 *   Transfer-Encoding, Upgrade) and TE are dropped, not thrown on (node:http2's compat API throws
 *   ERR_HTTP2_INVALID_CONNECTION_HEADERS, nodejs/node#23748): a handler written for HTTP/1.1 works
 *   unchanged. RFC 9113 §8.2.2 forbids them on the wire, so nothing else is possible.
 * - Date is added as over HTTP/1.1 (RFC 9110 §6.6.1), and content-length when the body is known
 *   at head time (`res.end(body)`): clients size their buffers from it. No framing field beyond
 *   that: HTTP/2 frames the body itself.
 * - `res._header` becomes the status line (`HTTP/2 200\r\n\r\n`), so `headersSent`, and
 *   frameworks that test `res._header`, behave as over HTTP/1.1; the fields are what
 *   `res.getHeaders()` says (formatting them again per response cost ~7% of a request's garbage).
 */
import { validateHeaderName, validateHeaderValue, nodeError } from '../wire/shared/index.js';
import type { StructuredSink } from '../io/exchange.js';
import type { OutgoingHeaderValue } from './outgoing-message.js';

/** `_header` over HTTP/2: the status line only (formatting every field cost ~7% of a request's garbage). */
const STATUS_TEXT = new Map<number, string>();
function statusText(status: number): string {
  let t = STATUS_TEXT.get(status);
  if (t === undefined) {
    t = `HTTP/2 ${status}\r\n\r\n`;
    if (STATUS_TEXT.size < 1000) STATUS_TEXT.set(status, t);
  }
  return t;
}

/** RFC 9113 §8.2.2: never sent over HTTP/2 (TE only as `te: trailers` in requests). */
const DROPPED = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'te']);

/** The message state the structured head reads and sets (OutgoingMessage's own fields). */
interface HeadOwner {
  sendDate: boolean;
  _hasBody: boolean;
  _contentLength: number | null;
  _removedContLen: boolean;
  chunkedEncoding: boolean;
  _header: string | null;
  _headerSent: boolean;
  _kUniqueHeaders: Set<string> | null;
}

function push(out: Array<[string, string]>, state: { contLen: boolean; date: boolean }, name: string, value: OutgoingHeaderValue, validate: boolean, unique: Set<string> | null): void {
  if (validate) validateHeaderName(name);
  const lower = name.toLowerCase();
  if (Array.isArray(value)) {
    if (unique !== null && unique.has(lower)) value = value.join('; ');
    else {
      for (const v of value as readonly string[]) push(out, state, name, v, validate, null);
      return;
    }
  }
  if (validate) validateHeaderValue(name, value);
  if (DROPPED.has(lower)) return;
  if (lower === 'content-length') state.contLen = true;
  else if (lower === 'date') state.date = true;
  let text = String(value);
  // RFC 9113 §8.2.1: no leading or trailing whitespace in an h2 field value (RFC 9110 §5.5: it
  // is not part of the value anyway); HTTP/1.1 handlers may set some.
  const last = text.length - 1;
  if (last >= 0 && (text.charCodeAt(0) <= 0x20 || text.charCodeAt(last) <= 0x20)) text = text.trim();
  out.push([lower, text]);
}

/**
 * Build the response fields from the header store or writeHead's argument, store them on the
 * sink, and set `_header`.
 *
 * @example
 * // inside OutgoingMessage._storeHeader, when isStructuredSink(sink):
 * storeStructuredHead(this, sink, this.statusCode, headers, this._kOutHeaders);
 */
export function storeStructuredHead(
  msg: HeadOwner,
  sink: StructuredSink,
  statusCode: number,
  headers: unknown,
  store: Map<string, [string, OutgoingHeaderValue]> | null,
  utcDate: () => string,
): void {
  // The status first: the list is the HEADERS section as the engine takes it.
  const fields: Array<[string, string]> = [[':status', String(statusCode)]];
  const state = { contLen: false, date: false };
  const unique = msg._kUniqueHeaders;
  if (headers) {
    if (headers === store) {
      for (const entry of store.values()) push(fields, state, entry[0], entry[1], false, unique);
    } else if (Array.isArray(headers)) {
      if (headers.length > 0 && Array.isArray(headers[0])) {
        for (const pair of headers as Array<[string, OutgoingHeaderValue]>) push(fields, state, pair[0], pair[1], true, unique);
      } else {
        if (headers.length % 2 !== 0) throw nodeError(TypeError, 'ERR_INVALID_ARG_VALUE', `The argument 'headers' is invalid. Received ${String(headers)}`);
        for (let n = 0; n < headers.length; n += 2) push(fields, state, headers[n] as string, headers[n + 1] as OutgoingHeaderValue, true, unique);
      }
    } else {
      const obj = headers as Record<string, OutgoingHeaderValue | undefined>;
      for (const key in obj) {
        if (Object.prototype.hasOwnProperty.call(obj, key)) push(fields, state, key, obj[key] as OutgoingHeaderValue, true, unique);
      }
    }
  }
  if (msg.sendDate && !state.date) fields.push(['date', utcDate()]);
  if (!state.contLen && msg._hasBody && !msg._removedContLen && typeof msg._contentLength === 'number') {
    fields.push(['content-length', String(msg._contentLength)]);
  }
  msg.chunkedEncoding = false;
  msg._header = statusText(statusCode);
  msg._headerSent = false;
  sink.storeHead(statusCode, fields);
}

/**
 * Fields of a 1xx answer or of trailers from node's argument shapes (object or `[[k, v], …]`),
 * validated, lower-cased, connection-specific ones dropped.
 *
 * @example
 * structuredFields({ link: '</a.css>; rel=preload' }); // [['link', '</a.css>; rel=preload']]
 */
export function structuredFields(headers: Record<string, OutgoingHeaderValue> | readonly (readonly [string, OutgoingHeaderValue])[]): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  const state = { contLen: false, date: false };
  if (Array.isArray(headers)) for (const [k, v] of headers as Array<[string, OutgoingHeaderValue]>) push(out, state, k, v, true, null);
  else for (const k of Object.keys(headers)) push(out, state, k, (headers as Record<string, OutgoingHeaderValue>)[k]!, true, null);
  return out;
}
