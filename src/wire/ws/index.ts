/**
 * The WebSocket engines (RFC 6455, RFC 7692), sans-I/O: frames, close codes, UTF-8, limits,
 * the opening handshake and permessage-deflate. See docs/websocket.md.
 */
export * from './constants.js';
export { Utf8Validator, isValidUtf8 } from './utf8.js';
export { WsEngine, encodeFrame, applyMask } from './connection.js';
export type { WsEvent, WsEngineOptions, WsRole } from './connection.js';
export {
  parseExtensions,
  formatExtensions,
  negotiateDeflateServer,
  deflateOffer,
  acceptDeflateResponse,
  PerMessageDeflate,
  DeflateLimitError,
  PERMESSAGE_DEFLATE,
  DEFLATE_THRESHOLD_BYTES,
} from './extensions.js';
export type { ExtensionOffer, PerMessageDeflateOptions, DeflateParams } from './extensions.js';
export {
  acceptKey,
  generateKey,
  hasToken,
  parseProtocols,
  validateClientHandshake,
  isRefusal,
  serverResponseHead,
  refusalResponse,
  validateServerResponse,
  WEBSOCKET_VERSION,
} from './handshake.js';
export type { ClientHandshake, HandshakeRefusal, ServerHandshake } from './handshake.js';
