/**
 * HTTP/2 protocol constants: frame types, flags, error codes and setting identifiers, spelled as
 * in RFC 9113 §6, §7 and §11, RFC 9218 §7.1 (PRIORITY_UPDATE), RFC 8441 §3 (extended CONNECT).
 */

/** Frame type codes (RFC 9113 §6, RFC 9218 §7.1). */
export const FrameType = {
  DATA: 0x0,
  HEADERS: 0x1,
  PRIORITY: 0x2,
  RST_STREAM: 0x3,
  SETTINGS: 0x4,
  PUSH_PROMISE: 0x5,
  PING: 0x6,
  GOAWAY: 0x7,
  WINDOW_UPDATE: 0x8,
  CONTINUATION: 0x9,
  PRIORITY_UPDATE: 0x10,
} as const;
export type FrameTypeName = keyof typeof FrameType;

/** Frame flags (RFC 9113 §6). END_STREAM and ACK share bit 0x1 on different frame types. */
export const Flag = {
  END_STREAM: 0x1,
  ACK: 0x1,
  END_HEADERS: 0x4,
  PADDED: 0x8,
  PRIORITY: 0x20,
} as const;

/** Error codes (RFC 9113 §7). */
export const ErrorCode = {
  NO_ERROR: 0x0,
  PROTOCOL_ERROR: 0x1,
  INTERNAL_ERROR: 0x2,
  FLOW_CONTROL_ERROR: 0x3,
  SETTINGS_TIMEOUT: 0x4,
  STREAM_CLOSED: 0x5,
  FRAME_SIZE_ERROR: 0x6,
  REFUSED_STREAM: 0x7,
  CANCEL: 0x8,
  COMPRESSION_ERROR: 0x9,
  CONNECT_ERROR: 0xa,
  ENHANCE_YOUR_CALM: 0xb,
  INADEQUATE_SECURITY: 0xc,
  HTTP_1_1_REQUIRED: 0xd,
} as const;
export type ErrorCodeName = keyof typeof ErrorCode;

const ERROR_NAMES: readonly string[] = Object.keys(ErrorCode);

/**
 * The RFC name of an error code; unknown codes (RFC 9113 §7: they MUST NOT trigger special
 * behaviour) print as `UNKNOWN_0x…`.
 *
 * @example
 * errorCodeName(0xb); // 'ENHANCE_YOUR_CALM'
 */
export function errorCodeName(code: number): string {
  return ERROR_NAMES[code] ?? `UNKNOWN_0x${code.toString(16)}`;
}

/** SETTINGS parameter identifiers (RFC 9113 §6.5.2, RFC 8441 §3, RFC 9218 §2.1). */
export const SettingId = {
  HEADER_TABLE_SIZE: 0x1,
  ENABLE_PUSH: 0x2,
  MAX_CONCURRENT_STREAMS: 0x3,
  INITIAL_WINDOW_SIZE: 0x4,
  MAX_FRAME_SIZE: 0x5,
  MAX_HEADER_LIST_SIZE: 0x6,
  ENABLE_CONNECT_PROTOCOL: 0x8,
  NO_RFC7540_PRIORITIES: 0x9,
} as const;

/** The client connection preface (RFC 9113 §3.4). */
export const CLIENT_PREFACE: Buffer = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');

/** Every frame starts with a 9-octet header (RFC 9113 §4.1). */
export const FRAME_HEADER_LENGTH = 9;
/** RFC 9113 §4.2: the smallest SETTINGS_MAX_FRAME_SIZE, and the initial value. */
export const MIN_MAX_FRAME_SIZE = 16_384;
/** RFC 9113 §4.2: the largest SETTINGS_MAX_FRAME_SIZE (2^24-1). */
export const MAX_MAX_FRAME_SIZE = 16_777_215;
/** RFC 9113 §6.9.1: a flow-control window never exceeds 2^31-1. */
export const MAX_WINDOW_SIZE = 2_147_483_647;
/** RFC 9113 §6.9.2: the initial window of every stream and of the connection. */
export const DEFAULT_INITIAL_WINDOW_SIZE = 65_535;
/** RFC 9113 §5.1.1: stream identifiers are 31-bit. */
export const MAX_STREAM_ID = 2_147_483_647;
/** RFC 7541 §6.5.2 / RFC 9113 §6.5.2: initial HPACK table size (one constant, the HPACK module's). */
export { DEFAULT_HEADER_TABLE_SIZE } from './hpack/decoder.js';
