export { eventStream, EventStream, DEFAULT_KEEP_ALIVE_INTERVAL } from './event-stream.js';
export type { EventStreamOptions, EventStreamRequest, EventStreamResponse } from './event-stream.js';
export { ReplayBuffer, PreparedEvent, prepareEvent, DEFAULT_REPLAY_SIZE } from './replay-buffer.js';
export type { EventInit, ReplayBufferOptions } from './replay-buffer.js';
