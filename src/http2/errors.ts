/**
 * node:http2's `ERR_HTTP2_*` errors that the API throws or reports: node's class, code and
 * message (programs and gRPC compare codes; tests compare messages). One table, one builder.
 */
import { nodeError, type NodeStyleError } from '../wire/shared/index.js';

type Base = ErrorConstructor | TypeErrorConstructor | RangeErrorConstructor;
type Message = string | ((...args: unknown[]) => string);

const MESSAGES: Record<string, [Base, Message]> = {
  ERR_HTTP2_ALTSVC_INVALID_ORIGIN: [TypeError, 'HTTP/2 ALTSVC frames require a valid origin'],
  ERR_HTTP2_ALTSVC_LENGTH: [TypeError, 'HTTP/2 ALTSVC frames are limited to 16382 bytes'],
  ERR_HTTP2_CONNECT_AUTHORITY: [Error, ':authority header is required for CONNECT requests'],
  ERR_HTTP2_CONNECT_PATH: [Error, 'The :path header is forbidden for CONNECT requests'],
  ERR_HTTP2_CONNECT_SCHEME: [Error, 'The :scheme header is forbidden for CONNECT requests'],
  ERR_HTTP2_GOAWAY_SESSION: [Error, 'New streams cannot be created after receiving a GOAWAY'],
  ERR_HTTP2_HEADERS_AFTER_RESPOND: [Error, 'Cannot specify additional headers after response initiated'],
  ERR_HTTP2_HEADERS_SENT: [Error, 'Response has already been initiated.'],
  ERR_HTTP2_HEADER_SINGLE_VALUE: [TypeError, (n) => `Header field "${String(n)}" must only have a single value`],
  ERR_HTTP2_INFO_STATUS_NOT_ALLOWED: [RangeError, 'Informational status codes cannot be used'],
  ERR_HTTP2_INVALID_CONNECTION_HEADERS: [TypeError, (n) => `HTTP/1 Connection specific headers are forbidden: "${String(n)}"`],
  ERR_HTTP2_INVALID_HEADER_VALUE: [TypeError, (v, n) => `Invalid value "${String(v)}" for header "${String(n)}"`],
  ERR_HTTP2_INVALID_INFO_STATUS: [RangeError, (s) => `Invalid informational status code: ${String(s)}`],
  ERR_HTTP2_INVALID_ORIGIN: [TypeError, 'HTTP/2 ORIGIN frames require a valid origin'],
  ERR_HTTP2_INVALID_PACKED_SETTINGS_LENGTH: [RangeError, 'Packed settings length must be a multiple of six'],
  ERR_HTTP2_INVALID_PSEUDOHEADER: [TypeError, (n) => `"${String(n)}" is an invalid pseudoheader or is used incorrectly`],
  ERR_HTTP2_INVALID_SESSION: [Error, 'The session has been destroyed'],
  ERR_HTTP2_INVALID_SETTING_VALUE: [RangeError, (n, v) => `Invalid value for setting "${String(n)}": ${String(v)}`],
  ERR_HTTP2_INVALID_STREAM: [Error, 'The stream has been destroyed'],
  ERR_HTTP2_MAX_PENDING_SETTINGS_ACK: [Error, 'Maximum number of pending settings acknowledgements'],
  ERR_HTTP2_NESTED_PUSH: [Error, 'A push stream cannot initiate another push stream.'],
  ERR_HTTP2_NO_SOCKET_MANIPULATION: [Error, 'HTTP/2 sockets should not be directly manipulated (e.g. read and written)'],
  ERR_HTTP2_ORIGIN_LENGTH: [TypeError, 'HTTP/2 ORIGIN frames are limited to 16382 bytes'],
  ERR_HTTP2_OUT_OF_STREAMS: [Error, 'No stream ID is available because maximum stream ID has been reached'],
  ERR_HTTP2_PAYLOAD_FORBIDDEN: [Error, (s) => `Responses with ${String(s)} status must not have a payload`],
  ERR_HTTP2_PING_CANCEL: [Error, 'HTTP2 ping cancelled'],
  ERR_HTTP2_PING_LENGTH: [RangeError, 'HTTP2 ping payload must be 8 bytes'],
  ERR_HTTP2_PSEUDOHEADER_NOT_ALLOWED: [TypeError, 'Cannot set HTTP/2 pseudo-headers'],
  ERR_HTTP2_PUSH_DISABLED: [Error, 'HTTP/2 client has disabled push streams'],
  ERR_HTTP2_SEND_FILE: [Error, 'Directories cannot be sent'],
  ERR_HTTP2_SEND_FILE_NOSEEK: [Error, 'Offset or length can only be specified for regular files'],
  ERR_HTTP2_SESSION_ERROR: [Error, (c) => `Session closed with error code ${String(c)}`],
  ERR_HTTP2_SETTINGS_CANCEL: [Error, 'HTTP2 session settings canceled'],
  ERR_HTTP2_SOCKET_BOUND: [Error, 'The socket is already bound to an Http2Session'],
  ERR_HTTP2_SOCKET_UNBOUND: [Error, 'The socket has been disconnected from the Http2Session'],
  ERR_HTTP2_STATUS_101: [Error, 'HTTP status code 101 (Switching Protocols) is forbidden in HTTP/2'],
  ERR_HTTP2_STATUS_INVALID: [RangeError, (s) => `Invalid status code: ${String(s)}`],
  ERR_HTTP2_STREAM_CANCEL: [Error, 'The pending stream has been canceled'],
  ERR_HTTP2_STREAM_ERROR: [Error, (c) => `Stream closed with error code ${String(c)}`],
  ERR_HTTP2_STREAM_SELF_DEPENDENCY: [Error, 'A stream cannot depend on itself'],
  ERR_HTTP2_TRAILERS_ALREADY_SENT: [Error, 'Trailing headers have already been sent'],
  ERR_HTTP2_TRAILERS_NOT_READY: [Error, 'Trailing headers cannot be sent until after the wantTrailers event is emitted'],
  ERR_HTTP2_UNSUPPORTED_PROTOCOL: [Error, (p) => `protocol "${String(p)}" is unsupported.`],
};

/** Every `ERR_HTTP2_*` code this module can build. */
export const HTTP2_ERROR_CODES: readonly string[] = Object.keys(MESSAGES);

/**
 * node's `ERR_HTTP2_*` error of that code, message filled with `args` as node fills it.
 *
 * @example
 * throw http2Error('ERR_HTTP2_HEADERS_SENT'); // Error [ERR_HTTP2_HEADERS_SENT]: Response has already been initiated.
 */
export function http2Error(code: string, ...args: unknown[]): NodeStyleError {
  const entry = MESSAGES[code];
  if (entry === undefined) throw new Error(`unknown HTTP/2 error code ${code}`);
  const [Base, msg] = entry;
  return nodeError(Base, code, typeof msg === 'string' ? msg : msg(...args));
}

/** node's `ERR_HTTP2_INVALID_SETTING_VALUE`, with `actual` as node sets it; TypeError for booleans. */
export function invalidSettingValue(name: string, value: unknown, type = false): NodeStyleError {
  const err = nodeError(type ? TypeError : RangeError, 'ERR_HTTP2_INVALID_SETTING_VALUE', `Invalid value for setting "${name}": ${String(value)}`);
  (err as NodeStyleError & { actual: unknown }).actual = value;
  return err;
}

/** The RFC 9113 §7 error code names node uses in 'Stream closed with error code NGHTTP2_…'. */
const CODE_NAMES = [
  'NGHTTP2_NO_ERROR', 'NGHTTP2_PROTOCOL_ERROR', 'NGHTTP2_INTERNAL_ERROR', 'NGHTTP2_FLOW_CONTROL_ERROR',
  'NGHTTP2_SETTINGS_TIMEOUT', 'NGHTTP2_STREAM_CLOSED', 'NGHTTP2_FRAME_SIZE_ERROR', 'NGHTTP2_REFUSED_STREAM',
  'NGHTTP2_CANCEL', 'NGHTTP2_COMPRESSION_ERROR', 'NGHTTP2_CONNECT_ERROR', 'NGHTTP2_ENHANCE_YOUR_CALM',
  'NGHTTP2_INADEQUATE_SECURITY', 'NGHTTP2_HTTP_1_1_REQUIRED',
];

/** `NGHTTP2_CANCEL` for 8; node's name of an RFC 9113 error code (unknown codes: the number). */
export function nghttp2CodeName(code: number): string {
  return CODE_NAMES[code] ?? String(code);
}
