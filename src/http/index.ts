/**
 * The http facade: node:http's server-side API (and the shared message classes).
 */
export { createServer, Server, maxHeaderSize } from './server.js';
export type { ServerOptions, RequestListener } from './server.js';
export { IncomingMessage } from './incoming-message.js';
export type { IncomingHttpHeaders, IncomingMessageConstructor, BodySource } from './incoming-message.js';
export { OutgoingMessage } from './outgoing-message.js';
export type { OutgoingMessageConstructor, OutgoingHeaders, OutgoingHeaderValue, OutgoingSink } from './outgoing-message.js';
export { ServerResponse } from './server-response.js';
export type { ServerResponseConstructor, ServerResponseOptions } from './server-response.js';
export { setMaxIdleHTTPParsers } from '../io/h1-server.js';
