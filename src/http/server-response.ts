/**
 * `ServerResponse`: node:http's response object, an OutgoingMessage with a status line.
 *
 * Protocol-neutral like its base: it writes to the sink the server's driver attaches (the h1
 * driver's per-exchange sink keeps pipelined responses in order). Callable on an existing object
 * (`ServerResponse.call(this, req)`: light-my-request) and subclassable (`util.inherits`,
 * `class … extends`), see outgoing-message.ts for the construction pattern.
 */
import type { Socket } from 'node:net';
import { format } from 'node:util';
import { channel } from 'node:diagnostics_channel';
import { nodeError, STATUS_CODES, hasInvalidFieldValueChar, invalidArgValue } from '../wire/shared/index.js';
import {
  OutgoingMessage,
  OutgoingMessageBase,
  kOutHeaders,
  kSink,
  type OutgoingHeaders,
  type OutgoingMessageOptions,
} from './outgoing-message.js';
import type { IncomingMessage } from './incoming-message.js';
import { adoptState } from './adopt-state.js';
import { CRLF, fieldLine, statusLine } from '../wire/h1/serializer.js';
import { isStructuredSink } from '../io/exchange.js';
import { structuredFields } from './structured-head.js';

const RE_TE_CHUNKED = /(?:^|\W)chunked(?:$|\W)/i;

/** node's (22.12+/23) channel for a new response, before anything is sent; published only when subscribed. */
export const onResponseCreatedChannel = channel('http.server.response.created');
// A Link value as node's writeEarlyHints accepts it: `<uri>` then `; param` pairs.
const LINK_VALUE = /^(?:<[^>]*>)(?:\s*;\s*[^;"\s]+(?:=(?:"[^"]*"|[^;"\s]*))?)*$/;

type WriteCallback = (err?: Error | null) => void;

export interface ServerResponseOptions extends OutgoingMessageOptions {}

/** Methods and state of ServerResponse (never constructed directly: use `ServerResponse`). */
export class ServerResponseBase extends OutgoingMessageBase {
  declare req: IncomingMessage;
  declare statusCode: number;
  declare statusMessage: string | undefined;
  declare _sent100: boolean;
  declare _expect_continue: boolean;

  /** node's constructor body; every field assigned here (see OutgoingMessageBase's constructor). */
  constructor(req: IncomingMessage, options?: ServerResponseOptions) {
    super(options);
    if (req.method === 'HEAD') this._hasBody = false;
    this.req = req;
    this.sendDate = true;
    this._sent100 = false;
    this._expect_continue = false;
    this.statusCode = 200;
    this.statusMessage = undefined;
    // node's test, null included: a request built by hand (nock's interceptors, `new
    // IncomingMessage(socket)`) has null versions and is answered as HTTP/1.0, without chunking.
    const major = req.httpVersionMajor as number | null;
    if ((major as number) < 1 || (major === 1 && req.httpVersionMinor === 0)) {
      // RFC 9112 §7: an HTTP/1.0 client does not understand chunked unless it said so in TE.
      const te = req.headers.te;
      this.useChunkedEncodingByDefault = typeof te === 'string' && RE_TE_CHUNKED.test(te);
      this.shouldKeepAlive = false;
    }
  }

  /** Writes `writeHead(this.statusCode)` when the body starts without an explicit head. */
  override _implicitHeader(): void {
    this.writeHead(this.statusCode);
  }

  /**
   * Send the status line and headers (object, flat `[k, v, …]` list or `[[k, v], …]`).
   *
   * @example
   * res.writeHead(200, 'OK', { 'Content-Type': 'text/plain' }).end('hi');
   */
  writeHead(statusCode: number, reason?: string | OutgoingHeaders, obj?: OutgoingHeaders): this {
    if (this._header) throw nodeError(Error, 'ERR_HTTP_HEADERS_SENT', 'Cannot write headers after they are sent to the client');
    const original = statusCode;
    statusCode |= 0;
    if (statusCode < 100 || statusCode > 999) {
      throw nodeError(RangeError, 'ERR_HTTP_INVALID_STATUS_CODE', `Invalid status code: ${format('%s', original)}`);
    }
    if (typeof reason === 'string') {
      this.statusMessage = reason;
    } else {
      this.statusMessage ||= STATUS_CODES[statusCode] || 'unknown';
      obj ??= reason;
    }
    this.statusCode = statusCode;

    let headers: OutgoingHeaders | null | undefined;
    if (this[kOutHeaders] !== null) {
      // Both APIs used: what writeHead gets overrides the progressive headers, explicit duplicates allowed.
      if (Array.isArray(obj)) {
        if (obj.length % 2 !== 0) throw invalidArgValue('headers', obj);
        for (let n = 0; n < obj.length; n += 2) this.removeHeader(obj[n] as string);
        for (let n = 0; n < obj.length; n += 2) {
          const k = obj[n] as string;
          if (k) this.appendHeader(k, obj[n + 1] as string);
        }
      } else if (obj) {
        const o = obj as Record<string, string | number | string[]>;
        const keys = Object.keys(o);
        for (let i = 0; i < keys.length; i++) {
          const k = keys[i]!;
          if (k) this.setHeader(k, o[k]!);
        }
      }
      headers = this[kOutHeaders] as unknown as OutgoingHeaders;
    } else {
      headers = obj;
    }
    if (hasInvalidFieldValueChar(this.statusMessage)) {
      throw nodeError(TypeError, 'ERR_INVALID_CHAR', 'Invalid character in statusMessage');
    }
    // RFC 9110 §15.3.5, §15.4.5, §15.2: 204, 304 and 1xx carry no content.
    if (statusCode === 204 || statusCode === 304 || (statusCode >= 100 && statusCode <= 199)) this._hasBody = false;
    // A client that expected 100 Continue but got a final status may still send its body: close after.
    if (this._expect_continue && !this._sent100) this.shouldKeepAlive = false;
    this._storeHeader(statusLine(statusCode, this.statusMessage), headers);
    return this;
  }

  /** node's alias. */
  writeHeader(statusCode: number, reason?: string | OutgoingHeaders, obj?: OutgoingHeaders): this {
    return this.writeHead(statusCode, reason, obj);
  }

  /** Send `100 Continue` (RFC 9110 §15.2.1): the client may now send the body it held back. */
  writeContinue(cb?: WriteCallback): void {
    const sink = this[kSink];
    if (isStructuredSink(sink)) sink.sendInformational(100, [], cb);
    else this._writeRaw(statusLine(100, 'Continue') + CRLF, 'latin1', cb);
    this._sent100 = true;
  }

  /** Send `102 Processing` (RFC 2518). */
  writeProcessing(cb?: WriteCallback): void {
    const sink = this[kSink];
    if (isStructuredSink(sink)) sink.sendInformational(102, [], cb);
    else this._writeRaw(statusLine(102, 'Processing') + CRLF, 'latin1', cb);
  }

  /**
   * Send `103 Early Hints` (RFC 8297) with a Link field (string or list) and other fields.
   *
   * @example
   * res.writeEarlyHints({ link: ['</style.css>; rel=preload; as=style'] });
   */
  writeEarlyHints(hints: Record<string, string | string[]>, cb?: WriteCallback): void {
    if (hints === null || typeof hints !== 'object' || Array.isArray(hints)) {
      throw nodeError(TypeError, 'ERR_INVALID_ARG_TYPE', `The "hints" argument must be of type object.${describe(hints)}`);
    }
    if (hints.link === null || hints.link === undefined) return;
    const link = linkValue(hints.link, hints);
    if (link.length === 0) return;
    const sink = this[kSink];
    if (isStructuredSink(sink)) {
      // HTTP/2: a 103 HEADERS frame (RFC 8297 §2), the same fields.
      const { link: _link, ...rest } = hints;
      sink.sendInformational(103, [['link', link], ...structuredFields(rest)], cb);
      return;
    }
    let head = statusLine(103, 'Early Hints') + fieldLine('Link', link);
    for (const key of Object.keys(hints)) {
      if (key === 'link') continue;
      const value = hints[key]!;
      // Stricter than node (which concatenates as is): the other hints are validated fields.
      if (!isFieldName(key) || hasInvalidFieldValueChar(String(value))) {
        throw nodeError(TypeError, 'ERR_INVALID_CHAR', `Invalid character in header content ["${key}"]`);
      }
      head += fieldLine(key, String(value));
    }
    this._writeRaw(head + CRLF, 'latin1', cb);
  }

  /** node API: attach a socket (the server driver normally does this). */
  assignSocket(socket: Socket): void {
    const s = socket as Socket & { _httpMessage?: unknown };
    if (s._httpMessage) throw nodeError(Error, 'ERR_HTTP_SOCKET_ASSIGNED', 'ServerResponse has an already assigned socket');
    s._httpMessage = this;
    this.socket = socket;
    this._attachSink(socket);
    this.emit('socket', socket);
  }

  /** node API: forget the socket. */
  detachSocket(socket: Socket): void {
    const s = socket as Socket & { _httpMessage?: unknown };
    if (s._httpMessage === this) s._httpMessage = null;
    this.socket = null;
  }

  override _finish(): void {
    super._finish();
  }
}

function describe(v: unknown): string {
  if (v === null) return ' Received null';
  if (Array.isArray(v)) return ' Received an instance of Array';
  return ` Received type ${typeof v} (${String(v)})`;
}

function isFieldName(s: string): boolean {
  return /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(s);
}

function linkValue(link: string | string[], hints: unknown): string {
  const bad = (): Error =>
    invalidArgValue('hints', link, 'must be an array or string of format "</styles.css>; rel=preload; as=style"');
  if (typeof link === 'string') {
    if (!LINK_VALUE.test(link.trim()) || hasInvalidFieldValueChar(link)) throw bad();
    return link;
  }
  if (Array.isArray(link)) {
    for (const l of link) if (typeof l !== 'string' || !LINK_VALUE.test(l.trim()) || hasInvalidFieldValueChar(l)) throw bad();
    return link.join(', ');
  }
  throw bad();
}

/** Give `self` a fresh ServerResponse's state (the constructor as a plain function, see adopt-state.ts). */
export function initServerResponse(self: ServerResponseBase, req: IncomingMessage, options?: ServerResponseOptions): void {
  adoptState(self, new ServerResponseBase(req, options));
}

export interface ServerResponseConstructor {
  new (req: IncomingMessage, options?: ServerResponseOptions): ServerResponse;
  (this: object, req: IncomingMessage, options?: ServerResponseOptions): void;
  readonly prototype: ServerResponse;
}

/** The node:http ServerResponse. */
export type ServerResponse = ServerResponseBase;

function ServerResponseFn(this: ServerResponseBase, req: IncomingMessage, options?: ServerResponseOptions): ServerResponseBase | void {
  // Called without `new` and without a receiver: construct (node's constructors tolerate it).
  // `new ServerResponse(req)`, or a call without a receiver: the class builds it.
  if (new.target === ServerResponseFn || this === undefined || this === null || (this as unknown) === globalThis) {
    const res = new ServerResponseBase(req, options);
    if (onResponseCreatedChannel.hasSubscribers) onResponseCreatedChannel.publish({ request: req, response: res });
    return res;
  }
  initServerResponse(this, req, options);
  if (onResponseCreatedChannel.hasSubscribers) onResponseCreatedChannel.publish({ request: req, response: this });
}
// node's name: `.name`, `constructor.name` and util.inspect show 'ServerResponse'.
Object.defineProperty(ServerResponseFn, 'name', { value: 'ServerResponse' });
ServerResponseFn.prototype = ServerResponseBase.prototype;
Object.defineProperty(ServerResponseBase.prototype, 'constructor', {
  value: ServerResponseFn,
  writable: true,
  configurable: true,
  enumerable: false,
});
Object.setPrototypeOf(ServerResponseFn, OutgoingMessage);

export const ServerResponse = ServerResponseFn as unknown as ServerResponseConstructor;
