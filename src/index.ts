/**
 * trama — a complete HTTP stack for Node.js. The public entry: the node:http API and more.
 */
export { METHODS, STATUS_CODES, validateHeaderName, validateHeaderValue } from './wire/shared/index.js';
// Server-Sent Events: wire format, server helper (issue 6).
export { createEventStreamParser, serializeEvent, serializeComment, EventStreamError } from './wire/sse/index.js';
export type { EventStreamParser, EventStreamParserOptions, ServerSentEvent, EventFields } from './wire/sse/index.js';
export { eventStream, EventStream, ReplayBuffer, PreparedEvent, prepareEvent } from './sse/index.js';
export type { EventStreamOptions, EventInit, ReplayBufferOptions } from './sse/index.js';
export { EventSource, EventSourceErrorEvent } from './sse/event-source.js';
export type { EventSourceInit, EventSourceRequestFunction } from './sse/event-source.js';
