/**
 * The Exchange: one request/response pair, protocol-neutral (DESIGN.md, layer 2).
 *
 * A driver (the HTTP/1.1 server driver today, an HTTP/2 stream later) produces Exchanges; the
 * http/ facade wraps each in an `IncomingMessage` (fed through {@link ExchangeRequest}) and a
 * `ServerResponse` (writing through the Exchange, which is its {@link OutgoingSink}). Everything
 * above this file is written once for every protocol:
 *
 * - request side: the head ({@link RequestHead}), body chunks pushed into the request object, a
 *   `resumeBody()` hook for backpressure, `abortBody()` when the reader gives up;
 * - response side: an OutgoingSink — `write(bytes)`, `finishMessage(res)` — behind which the
 *   driver frames, orders (h1 pipelining) or multiplexes (h2) as its protocol requires.
 *
 * The seam for HTTP/2: an h2 Exchange (src/io/h2-server.ts) implements the same sink and is a
 * {@link StructuredSink}: its `structured` flag makes OutgoingMessage hand it the status and the
 * fields (`storeHead`) instead of an HTTP/1.1 head string, 1xx answers as fields
 * (`sendInformational`), and per-stream timeouts and resets instead of socket ones.
 */
import type { Socket } from 'node:net';

/** A request head as every protocol can describe it. */
export interface RequestHead {
  method: string;
  url: string;
  versionMajor: number;
  versionMinor: number;
  /** Fields in order, flat: [name, value, …], names as received. */
  rawHeaders: string[];
  /** The connection may carry another request after this one. */
  keepAlive: boolean;
  /** CONNECT, or an Upgrade request (h1). */
  upgrade: boolean;
}

/** Where an OutgoingMessage's framed bytes go. A `net.Socket` satisfies it. */
export interface OutgoingSink {
  write(data: string | Uint8Array, encoding?: BufferEncoding | null, cb?: (err?: Error | null) => void): boolean;
  cork(): void;
  uncork(): void;
  readonly writableLength: number;
  readonly writableHighWaterMark: number;
  readonly writableCorked: number;
  readonly destroyed: boolean;
  /**
   * Optional: call `msg._onSinkFinished()` once everything written so far has been flushed to the
   * transport. Sinks without it get a write callback instead.
   */
  finishMessage?(msg: FinishableMessage): void;
}

/**
 * A sink that takes a response head as fields, not as HTTP/1.1 text (an HTTP/2 stream). The
 * message still keeps `_header` (a readable rendering) so `headersSent` and frameworks that test
 * `res._header` behave as over HTTP/1.1.
 */
export interface StructuredSink extends OutgoingSink {
  readonly structured: true;
  /** The final head, decided (writeHead / implicit head), `:status` first: sent with the first body bytes or the end. */
  storeHead(statusCode: number, fields: Array<[string, string]>): void;
  /** The head may go now (first `_send`, `flushHeaders`). */
  headDue(): void;
  /** A 1xx answer (100, 102, 103) as fields. */
  sendInformational(statusCode: number, fields: Array<[string, string]>, cb?: (err?: Error | null) => void): void;
  /** `res.setTimeout` / `req.setTimeout`: a timeout for this stream, not the shared connection. */
  setStreamTimeout(msecs: number): void;
  /** `res.destroy()`: reset this stream only. */
  destroyStream(err?: Error | null): void;
}

/** Whether a sink takes heads as fields (see {@link StructuredSink}). */
export function isStructuredSink(sink: OutgoingSink | null | undefined): sink is StructuredSink {
  return sink != null && (sink as { structured?: unknown }).structured === true;
}

/** The part of an outgoing message a sink calls back. */
export interface FinishableMessage {
  _onSinkFinished(): void;
}

/** What feeds a request body: told when the consumer wants more, or gave up. */
export interface BodySource {
  resumeBody(msg: unknown): void;
  abortBody?(msg: unknown, err: Error | null): void;
}

/** The request object as a driver sees it (IncomingMessage satisfies it). */
export interface ExchangeRequest {
  push(chunk: Buffer | null): boolean;
  complete: boolean;
  rawTrailers: string[];
  readonly readableEnded: boolean;
  readonly destroyed: boolean;
  _consuming: boolean;
  _dump(): void;
  destroy(err?: Error): unknown;
  emit(event: string, ...args: unknown[]): boolean;
}

/** The response object as a driver sees it (ServerResponse satisfies it). */
export interface ExchangeResponse extends FinishableMessage {
  _last: boolean;
  finished: boolean;
  destroyed: boolean;
  _closed: boolean;
  shouldKeepAlive: boolean;
  /** The socket drained: emit 'drain' if a write returned false. */
  _onSinkDrain?(): void;
  emit(event: string, ...args: unknown[]): boolean;
}

/** The protocol-neutral view the http/ facade works with. */
export interface Exchange extends OutgoingSink, BodySource {
  readonly protocol: 'http/1.1' | 'h2';
  readonly head: RequestHead;
  /** The transport socket (for `req.socket` / `res.socket`). */
  readonly socket: Socket;
  req: ExchangeRequest | null;
  res: ExchangeResponse | null;
}

/** node's `connResetException('aborted')`: what a request gets when its transport goes away. */
export function connReset(): Error {
  const err = new Error('aborted') as Error & { code: string };
  err.code = 'ECONNRESET';
  return err;
}

/** The transport is gone before the response finished: 'close' without 'finish' (node's onServerResponseClose). */
export function closeResponse(res: ExchangeResponse | null): void {
  if (res && !res._closed) {
    res.destroyed = true;
    res._closed = true;
    res.emit('close');
  }
}
