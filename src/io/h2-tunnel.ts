/**
 * A Duplex over one HTTP/2 stream opened by an extended CONNECT (RFC 8441 §4): what a server's
 * `'upgrade'` listener gets as its `socket` when the request came over HTTP/2, so the handler
 * written for HTTP/1.1 (`server.on('upgrade', (req, socket, head) => …)`) serves both.
 *
 * Mapping (RFC 8441 §5):
 * - bytes written → DATA frames on the stream (the engine's flow control and priority apply; a
 *   write's callback fires once its bytes left for the socket, so the Duplex's own buffer is
 *   the backpressure the user sees);
 * - DATA received → pushed into the readable side; the window is credited back only as the
 *   reader consumes (the exchange's BodySource), so a paused reader holds at most a window;
 * - `end()` → END_STREAM (a half-close, the TCP FIN of the tunnel), the peer's END_STREAM →
 *   `'end'`; RST_STREAM either way ↔ `destroy()` (the reset "abnormal closure" of §5);
 * - the answer: {@link H2Tunnel.respond} sends the status and fields as a HEADERS frame (a 2xx
 *   accepts the tunnel; anything else refuses it, then `end(body)`). A first write without it
 *   answers `:status 200`: there is no HTTP/1.1 status line to write over HTTP/2.
 *
 * The session keeps the stream until both sides ended or it was reset (src/io/h2-server.ts).
 */
import { Duplex } from 'node:stream';
import type { Socket } from 'node:net';
import type { H2Exchange } from './h2-server.js';

type Callback = (err?: Error | null) => void;

/**
 * Fields HTTP/2 forbids (RFC 9113 §8.2.2) or that only describe the HTTP/1.1 upgrade
 * (RFC 8441 §5: no Sec-WebSocket-Accept, no Upgrade/Connection): dropped from an answer.
 */
const DROPPED_FIELDS = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'te', 'sec-websocket-accept']);

/** The Duplex a server's 'upgrade' listener gets for an HTTP/2 extended CONNECT. */
export class H2Tunnel extends Duplex {
  /** The `:protocol` the client asked for (`websocket`, …). */
  readonly protocol: string;
  #ex: H2Exchange;
  #answered = false;
  #finalCb: Callback | null = null;

  // What the session reads and writes on a request object (ExchangeRequest).
  complete = false;
  rawTrailers: string[] = [];
  _consuming = false;
  aborted = false;

  constructor(ex: H2Exchange, protocol: string) {
    // allowHalfOpen: each direction ends on its own END_STREAM (RFC 8441 §5), as a TCP socket's FIN.
    super({ allowHalfOpen: true });
    this.#ex = ex;
    this.protocol = protocol;
  }

  /** The HTTP/2 stream id. */
  get streamId(): number {
    return this.#ex.streamId;
  }
  /** The connection's socket (shared by every stream of the session). */
  get socket(): Socket {
    return this.#ex.socket;
  }
  get remoteAddress(): string | undefined {
    return this.#ex.socket.remoteAddress;
  }
  get remotePort(): number | undefined {
    return this.#ex.socket.remotePort;
  }
  get localAddress(): string | undefined {
    return this.#ex.socket.localAddress;
  }
  get localPort(): number | undefined {
    return this.#ex.socket.localPort;
  }
  /** The connection's address (`net.Socket#address()`). */
  address(): ReturnType<Socket['address']> {
    return this.#ex.socket.address();
  }
  /**
   * A timeout for this stream (as `socket.setTimeout` over HTTP/1.1): `'timeout'` is emitted when
   * nothing was received for `msecs`; with no listener the stream is reset.
   */
  setTimeout(msecs: number, cb?: () => void): this {
    if (cb !== undefined) this.once('timeout', cb);
    this.#ex.setStreamTimeout(msecs);
    return this;
  }
  /** Upgrade handlers written for TCP call these: the session's socket already has no delay, and keep-alive is the connection's. */
  setNoDelay(_noDelay?: boolean): this {
    return this;
  }
  setKeepAlive(_enable?: boolean, _initialDelay?: number): this {
    return this;
  }
  /** True over TLS, as `tls.TLSSocket#encrypted` (`ws`'s verifyClient reads it). */
  get encrypted(): boolean {
    return (this.#ex.socket as { encrypted?: boolean }).encrypted === true;
  }
  /** The answer went out (or is queued). */
  get headersSent(): boolean {
    return this.#answered;
  }

  /**
   * Answer the extended CONNECT: `status` (2xx opens the tunnel) and fields. Names are
   * lower-cased; connection-specific fields and Sec-WebSocket-Accept are dropped (RFC 8441 §5).
   *
   * @example
   * socket.respond(200, { 'sec-websocket-protocol': 'chat' });
   */
  respond(status: number, headers?: Record<string, string | number | readonly string[]>): void {
    if (this.#answered) throw Object.assign(new Error('Cannot write headers after they are sent to the client'), { code: 'ERR_HTTP_HEADERS_SENT' });
    this.#answered = true;
    // A refusal is an ordinary response: once it ended, the stream is done (the rest of what the
    // client sends is stopped with RST_STREAM NO_ERROR, RFC 9113 §8.1), not a half-open tunnel.
    if (status < 200 || status > 299) this.#ex.tunnel = false;
    const fields: Array<[string, string]> = [[':status', String(status)]];
    if (headers !== undefined) {
      for (const name of Object.keys(headers)) {
        const key = name.toLowerCase();
        if (DROPPED_FIELDS.has(key)) continue;
        const v = headers[name]!;
        if (Array.isArray(v)) for (const one of v) fields.push([key, String(one)]);
        else fields.push([key, String(v)]);
      }
    }
    this.#ex.storeHead(status, fields);
    this.#ex.headDue();
  }

  override _read(): void {
    this.#ex.resumeBody(this);
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: Callback): void {
    this.#answered = true;
    this.#ex.write(chunk, null, cb);
  }

  override _writev(chunks: Array<{ chunk: Buffer }>, cb: Callback): void {
    this.#answered = true;
    const n = chunks.length;
    for (let i = 0; i < n - 1; i++) this.#ex.write(chunks[i]!.chunk, null);
    this.#ex.write(chunks[n - 1]!.chunk, null, cb);
  }

  override _final(cb: Callback): void {
    this.#answered = true;
    if (this.#ex.closed) {
      cb();
      return;
    }
    this.#finalCb = cb;
    this.#ex.finishMessage(this);
  }

  /** Our END_STREAM left for the socket (called by the server host). */
  _onSinkFinished(): void {
    const cb = this.#finalCb;
    this.#finalCb = null;
    if (cb !== null) cb();
  }

  override _destroy(err: Error | null, cb: Callback): void {
    // A reset from our side: CANCEL, or INTERNAL_ERROR when destroyed with an error (RFC 8441 §5).
    if (!this.#ex.closed) this.#ex.destroyStream(err);
    const fin = this.#finalCb;
    this.#finalCb = null;
    if (fin !== null) fin(err);
    cb(err);
  }

  /** Nobody reads: let the bytes go (node's req._dump()). */
  _dump(): void {
    this.resume();
  }
}

/**
 * The `:protocol` of an extended CONNECT (RFC 8441 §4), or undefined.
 *
 * @example
 * connectProtocolOf([[':method', 'CONNECT'], [':protocol', 'websocket']]); // 'websocket'
 */
export function connectProtocolOf(fields: ReadonlyArray<readonly [string, string]>): string | undefined {
  for (let i = 0; i < fields.length; i++) {
    const f = fields[i]!;
    if (f[0] === ':protocol') return f[1];
    // Pseudo-headers come first (RFC 9113 §8.3): the first regular field ends the search.
    if (f[0].charCodeAt(0) !== 58 /* : */) return undefined;
  }
  return undefined;
}
