/**
 * WebSocket constants (RFC 6455): opcodes, close codes and their rules, and the engine's limits.
 */

/** RFC 6455 §5.2 / §11.8: frame opcodes. */
export const Opcode = {
  CONTINUATION: 0x0,
  TEXT: 0x1,
  BINARY: 0x2,
  CLOSE: 0x8,
  PING: 0x9,
  PONG: 0xa,
} as const;
export type Opcode = (typeof Opcode)[keyof typeof Opcode];

/** RFC 6455 §7.4.1 and the IANA registry (§11.7): the close codes trama names. */
export const CloseCode = {
  NORMAL: 1000,
  GOING_AWAY: 1001,
  PROTOCOL_ERROR: 1002,
  UNSUPPORTED_DATA: 1003,
  /** Never sent: the close frame had no status code (§7.1.5). */
  NO_STATUS: 1005,
  /** Never sent: the connection closed without a close frame (§7.1.5). */
  ABNORMAL: 1006,
  INVALID_PAYLOAD: 1007,
  POLICY_VIOLATION: 1008,
  MESSAGE_TOO_BIG: 1009,
  MANDATORY_EXTENSION: 1010,
  INTERNAL_ERROR: 1011,
  SERVICE_RESTART: 1012,
  TRY_AGAIN_LATER: 1013,
  BAD_GATEWAY: 1014,
  /** Never sent: the TLS handshake failed (§7.4.1). */
  TLS_HANDSHAKE: 1015,
} as const;

/**
 * May this code appear in a close frame on the wire? RFC 6455 §7.4.1/§7.4.2: 1005, 1006 and 1015
 * are never sent; 0–999 and unassigned codes below 3000 are invalid; 3000–4999 are for libraries
 * and applications. 1012–1014 are registered with IANA (§11.7) and browsers send them.
 */
export function isValidWireCloseCode(code: number): boolean {
  if (code >= 3000 && code <= 4999) return true;
  return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014);
}

/**
 * Default largest message (and frame) payload accepted, after permessage-deflate: 64 MiB. Large
 * enough for any real application message, small enough that one peer cannot make a server hold
 * gigabytes (a 64-bit length field can announce 2^63 bytes).
 */
export const DEFAULT_MAX_MESSAGE_BYTES = 64 * 1024 * 1024;
/** Default largest single frame payload: the message limit (a frame is never bigger than its message). */
export const DEFAULT_MAX_FRAME_BYTES = DEFAULT_MAX_MESSAGE_BYTES;
/**
 * Default most frames per message: 16384. A message of empty continuation frames costs CPU and
 * events without ever reaching the byte limit; real senders fragment at 4–64 KiB, so this still
 * lets a 64 MiB message through in 4 KiB pieces.
 */
export const DEFAULT_MAX_FRAGMENTS = 16384;
/** RFC 6455 §5.5: a control frame's payload is at most 125 bytes. */
export const MAX_CONTROL_PAYLOAD = 125;
/** RFC 6455 §5.5.1: a close reason fits in a control frame after its 2-byte code. */
export const MAX_CLOSE_REASON_BYTES = MAX_CONTROL_PAYLOAD - 2;
/** RFC 6455 §1.3: the GUID appended to Sec-WebSocket-Key before hashing. */
export const WEBSOCKET_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
