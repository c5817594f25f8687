/**
 * `trama/http2`: node:http2's API over trama's HTTP/2 drivers, so programs written for
 * node:http2 (gRPC, Fastify `http2: true`, proxies) run unchanged. docs/http2.md says what
 * differs from node:http2 and why.
 *
 * @example
 * import http2 from 'trama/http2';
 * const server = http2.createServer();
 * server.on('stream', (stream, headers) => {
 *   stream.respond({ ':status': 200, 'content-type': 'text/plain' });
 *   stream.end('hello');
 * });
 * server.listen(8080);
 */
import { sensitiveHeaders as nodeSensitiveHeaders } from 'node:http2';
export { constants } from './http2/constants.js';
export { getDefaultSettings, getPackedSettings, getUnpackedSettings, type Settings } from './http2/settings.js';
export { http2Error } from './http2/errors.js';

/**
 * The symbol that marks header names as sensitive (never indexed by HPACK, RFC 7541 §7.1.3):
 * node's own symbol, so a headers object built for node:http2 means the same here.
 */
export const sensitiveHeaders: typeof nodeSensitiveHeaders = nodeSensitiveHeaders;
export { Http2Server, Http2SecureServer, ServerHttp2Session, createServer, createSecureServer, performServerHandshake, type Http2ServerOptions, type Http2SecureServerOptions } from './http2/server.js';
export { ServerHttp2Stream } from './http2/server-stream.js';
export { Http2SessionBase as Http2Session } from './http2/session.js';
export { connect, ClientHttp2Session, ClientHttp2Stream, type ClientSessionOptions, type ClientRequestOptions } from './http2/client.js';
export { CompatHttp2Stream, Http2ServerRequest, Http2ServerResponse } from './http2/compat.js';

import { installCompatMembers } from './http2/compat.js';
installCompatMembers();
