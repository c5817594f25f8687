/**
 * WebSocket (issue 15): the WHATWG client, the server side, in `ws`'s shape too.
 */
export { WebSocket, CLOSE_TIMEOUT_MS } from './client.js';
export type { WebSocketInit, BinaryType } from './websocket.js';
export { WebSocketServer } from './server.js';
export type { WebSocketServerOptions } from './server.js';
export { CloseEvent, ErrorEvent } from './events.js';
