/**
 * The contract of the HTTP/1.1 wire engine (sans-I/O), shared by its implementation
 * (`parser.ts`, `serializer.ts`) and its users (`src/io/` drivers for server and client).
 *
 * One parser, two roles: `request` (a server reads requests) and `response` (a client reads
 * responses). The parser is push-based and allocation-light: `execute(chunk)` walks the bytes
 * and calls the handler; body bytes are handed out as `subarray`s of the chunk (no copy), so a
 * caller that keeps them must not reuse the chunk's memory (sockets never do).
 */

export type H1Role = 'request' | 'response';

export interface H1ParserOptions {
  role: H1Role;
  /** Max bytes of a head (start line + fields + CRLFs), and of a trailer section. Default 16384 (node's `maxHeaderSize`). Over → `HPE_HEADER_OVERFLOW`. */
  maxHeaderSize?: number;
  /** Max number of fields in a head. Default 2000 (node's `maxHeadersCount` default). Over → `HPE_HEADER_OVERFLOW`. */
  maxHeaderCount?: number;
  /** node's `insecureHTTPParser`: accept what llhttp's lenient flags accept. Default false (strict RFC 9112). */
  lenient?: boolean;
  /** Request role: an HTTP/1.1 request must carry exactly one valid Host (RFC 9112 §3.2). Default true. */
  requireHost?: boolean;
  /**
   * Request role, with `requireHost`: an HTTP/1.1 request without Host is accepted (node's
   * `requireHostHeader: false`); two Host fields or an invalid one are still refused. Default false.
   */
  allowMissingHost?: boolean;
}

/** A parsed message head. Request role fills method/url, response role fills statusCode/statusMessage. */
export interface H1Head {
  method: string; // '' in the response role
  url: string; // '' in the response role
  statusCode: number; // 0 in the request role
  statusMessage: string; // '' in the request role
  versionMajor: number;
  versionMinor: number;
  /** Fields as received, in order, flat: [name, value, name, value, …]; names keep their case, values are trimmed of OWS. */
  rawHeaders: string[];
  /** The Content-Length value, or -1 when there is none (or when the body is chunked). */
  contentLength: number;
  /** Transfer-Encoding ends in `chunked`. */
  chunked: boolean;
  /** The connection persists after this message (version default, then `Connection: close` / `keep-alive` tokens). */
  keepAlive: boolean;
  /**
   * Request role: a CONNECT request, or an `Upgrade` field with the `upgrade` connection token. After
   * such a message's head (CONNECT) or body (Upgrade), `execute` stops and the rest of the bytes
   * belong to the new protocol. Response role: a 101 response (a tunnel after CONNECT is the
   * caller's call, see `H1BodyDirective`).
   */
  upgrade: boolean;
}

/**
 * What the caller tells the parser after a head, in the response role (the parser can't know the
 * request method): `'skip-body'` for the answer to HEAD (or any response known to have no body),
 * `'tunnel'` for a 2xx answer to CONNECT (stop: the rest of the bytes are the tunnel's).
 * Return nothing for the default framing rules.
 */
export type H1BodyDirective = 'skip-body' | 'tunnel' | undefined | void;

export interface H1Handler {
  /** A head is complete (also called for each 1xx response in the response role; 1xx carries no body and is followed by the final head). */
  onHeadersComplete(head: H1Head): H1BodyDirective;
  /** A piece of body (de-chunked). A `subarray` of the chunk given to `execute`. */
  onBody(chunk: Buffer): void;
  /** The message is complete. `trailers`: raw trailer pairs (flat, like rawHeaders) for a chunked body that had some, else null. */
  onMessageComplete(trailers: string[] | null): void;
}

/** llhttp's error codes (names as in llhttp's `HPE_*` enum), used as `err.code` exactly like node's `clientError`. */
export type HpeCode =
  | 'HPE_INTERNAL'
  | 'HPE_STRICT'
  | 'HPE_CR_EXPECTED'
  | 'HPE_LF_EXPECTED'
  | 'HPE_UNEXPECTED_CONTENT_LENGTH'
  | 'HPE_UNEXPECTED_SPACE'
  | 'HPE_CLOSED_CONNECTION'
  | 'HPE_INVALID_METHOD'
  | 'HPE_INVALID_URL'
  | 'HPE_INVALID_CONSTANT'
  | 'HPE_INVALID_VERSION'
  | 'HPE_INVALID_HEADER_TOKEN'
  | 'HPE_INVALID_CONTENT_LENGTH'
  | 'HPE_INVALID_CHUNK_SIZE'
  | 'HPE_INVALID_STATUS'
  | 'HPE_INVALID_EOF_STATE'
  | 'HPE_INVALID_TRANSFER_ENCODING'
  | 'HPE_HEADER_OVERFLOW'
  | 'HPE_CHUNK_EXTENSIONS_OVERFLOW'
  | 'HPE_PAUSED'
  | 'HPE_PAUSED_UPGRADE'
  | 'HPE_PAUSED_H2_UPGRADE'
  | 'HPE_USER';

/**
 * `execute(chunk)` returns how many bytes of `chunk` it consumed. Fewer than `chunk.length` means
 * one of: `parser.error` is set (fatal: nothing more is parsed until `reset()`), `parser.upgraded`
 * is true (the bytes from the returned offset belong to the new protocol), or the handler called
 * `pause()` (call `resume()` then `execute` again with the rest).
 */
export interface H1ParserLike {
  execute(chunk: Buffer): number;
  /** End of input. Completes a read-until-close response body; an incomplete message → `HPE_INVALID_EOF_STATE` (returned, not thrown). */
  finish(): H1ParseErrorLike | null;
  pause(): void;
  resume(): void;
  /** Back to the start state, same options, to reuse the parser (setMaxIdleHTTPParsers pools them). */
  reset(): void;
  readonly error: H1ParseErrorLike | null;
  readonly upgraded: boolean;
}

export interface H1ParseErrorLike extends Error {
  code: HpeCode;
  /** llhttp's reason text (e.g. "Invalid header value char"). */
  reason: string;
  /** Absolute byte offset in the parser's input (since creation or the last reset) where the fault was detected. */
  offset: number;
}
