/**
 * HPACK (RFC 7541): header compression for HTTP/2, sans-I/O. Public as `trama/hpack`.
 */
export { HpackEncoder, isSensitiveField, shouldIndexField, SENSITIVE_COOKIE_LENGTH } from './encoder.js';
export type { HpackEncoderOptions, HuffmanMode } from './encoder.js';
export {
  HpackDecoder,
  DEFAULT_HEADER_TABLE_SIZE,
  DEFAULT_MAX_HEADER_LIST_SIZE,
  DEFAULT_MAX_STRING_LENGTH,
} from './decoder.js';
export type { HpackDecoderOptions } from './decoder.js';
export { HpackError } from './errors.js';
export type { HpackErrorCode } from './errors.js';
export { HPACK_MAX_INTEGER } from './integer.js';
