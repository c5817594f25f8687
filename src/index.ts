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
// HTTP/1.1 client (issue 4): node:http's request/get/ClientRequest/Agent; `https:` URLs go to globalHttpsAgent.
export { request, get, ClientRequest, urlToHttpOptions } from './http/client-request.js';
export type { RequestOptions, InformationEvent } from './http/client-request.js';
export { Agent, globalAgent, HttpsAgent, globalHttpsAgent, KEEP_ALIVE_HINT_MARGIN_MS } from './http/agent.js';
export { MAX_REPLAY_BYTES } from './io/h1-client.js';
export type { AgentOptions } from './http/agent.js';
export { DnsCache } from './io/dns-cache.js';
export type { DnsCacheOptions } from './io/dns-cache.js';
// HTTP/1.1 server (issue 3): node:http's createServer/Server and the message classes.
export { createServer, Server, IncomingMessage, OutgoingMessage, ServerResponse, maxHeaderSize, setMaxIdleHTTPParsers } from './http/index.js';
export type { ServerOptions, RequestListener, IncomingHttpHeaders, OutgoingHeaders, OutgoingHeaderValue } from './http/index.js';
// TLS server (issue 12): HTTP/1.1 and HTTP/2 by ALPN through the same handler; node's https API is trama/https.
export { createSecureServer, SecureServer } from './http/https-server.js';
export type { SecureServerOptions } from './http/https-server.js';
