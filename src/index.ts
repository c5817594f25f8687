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
// WebSocket (issue 15): the WHATWG client, the server (`ws`'s shape), the sans-I/O engine.
export { WebSocket, WebSocketServer, CloseEvent, ErrorEvent, CLOSE_TIMEOUT_MS } from './ws/index.js';
export type { WebSocketInit, BinaryType, WebSocketServerOptions } from './ws/index.js';
export { WsEngine, CloseCode, Opcode, PerMessageDeflate, DEFAULT_MAX_MESSAGE_BYTES, DEFAULT_MAX_FRAME_BYTES, DEFAULT_MAX_FRAGMENTS } from './wire/ws/index.js';
export type { WsEvent, WsEngineOptions, PerMessageDeflateOptions } from './wire/ws/index.js';
// TLS server (issue 12): HTTP/1.1 and HTTP/2 by ALPN through the same handler; node's https API is trama/https.
export { createSecureServer, SecureServer } from './http/https-server.js';
export type { SecureServerOptions } from './http/https-server.js';

// CommonJS build: `require('trama')` gets plain writable data properties, as a module written by
// hand (and node:http's) has, instead of the compiler's getter-only re-exports — so a program or
// an interceptor can assign `trama.request = …`. `globalAgent` stays an accessor, as node's:
// assigning it changes the pool `request()` uses. (The ES module build's names are bindings,
// read-only as every ES module's; `globalAgent` there is live.)
import * as agents from './http/agent.js';
if (typeof module === 'object' && module !== null && module.exports === exports) {
  const cjs = module.exports as Record<string, unknown>;
  for (const name of Object.keys(cjs)) {
    if (name === 'globalAgent' || name === 'globalHttpsAgent') continue;
    Object.defineProperty(cjs, name, { value: cjs[name], writable: true, enumerable: true, configurable: true });
  }
  Object.defineProperty(cjs, 'globalAgent', { get: () => agents.globalAgent, set: (a: agents.Agent) => agents.setGlobalAgent(a), enumerable: true, configurable: true });
  Object.defineProperty(cjs, 'globalHttpsAgent', { get: () => agents.globalHttpsAgent, set: (a: agents.HttpsAgent) => agents.setGlobalHttpsAgent(a), enumerable: true, configurable: true });
}
