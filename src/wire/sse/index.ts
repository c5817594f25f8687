export { createEventStreamParser, EventStreamError, DEFAULT_MAX_BUFFER_SIZE } from './parser.js';
export type { EventStreamParser, EventStreamParserOptions, ServerSentEvent } from './parser.js';
export { serializeEvent, serializeComment } from './serializer.js';
export type { EventFields } from './serializer.js';
