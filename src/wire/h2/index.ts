/**
 * The HTTP/2 engine, sans-I/O: frame codec, connection state machine, events and limits.
 * HPACK lives in `./hpack/`, the priority schedulers in `./priority/`.
 */
export { H2Connection, decodeHttp2Settings, encodeHttp2Settings } from './connection.js';
export type { H2ConnectionOptions, H2Settings, SendHeadersOptions } from './connection.js';
export type {
  H2Event, H2Headers, SettingsReceived, SettingsAcked, HeadersReceived, InformationalReceived, TrailersReceived,
  DataReceived, StreamEnded, StreamReset, PushPromiseReceived, PingReceived, PingAcked, GoawayReceived,
  WindowUpdated, PriorityUpdated, ConnectionTerminated,
} from './events.js';
export {
  CLIENT_PREFACE, ErrorCode, Flag, FrameType, SettingId, errorCodeName,
  FRAME_HEADER_LENGTH, MIN_MAX_FRAME_SIZE, MAX_MAX_FRAME_SIZE, MAX_WINDOW_SIZE, DEFAULT_INITIAL_WINDOW_SIZE, MAX_STREAM_ID,
} from './constants.js';
export type { ErrorCodeName, FrameTypeName } from './constants.js';
export { FrameReader, decodeFrame, encodeFrame, connectionFault, streamFault, isFault } from './frames.js';
export type {
  Frame, H2Fault, ReadResult, PriorityFields, DataFrame, HeadersFrame, PriorityFrame, RstStreamFrame, SettingsFrame,
  PushPromiseFrame, PingFrame, GoawayFrame, WindowUpdateFrame, ContinuationFrame, PriorityUpdateFrame, UnknownFrame,
} from './frames.js';
export { TRANSITIONS, RECEIVE_VERDICTS, transition, receiveVerdict } from './stream-state.js';
export type { StreamState, StreamInput, ClosedBy, Verdict } from './stream-state.js';
export { checkReceivedFields, checkLocalFields } from './headers.js';
export * from './limits.js';
