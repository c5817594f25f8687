/**
 * The client's opening handshake (RFC 6455 §4.1) over trama's own HTTP/1.1 client: a GET with
 * `Upgrade: websocket` through `request()` (so agents, TLS options, DNS and proxies-by-agent work
 * as for any request), then the 101 is checked and the upgraded socket handed to the WebSocket.
 *
 * RFC 8441 (over an HTTP/2 session) is not here yet: it needs trama's h2 client; the WebSocket
 * itself already runs over any Duplex, so it will be a second connector (see docs/websocket.md).
 */
import type { Duplex } from 'node:stream';
import type { IncomingMessage } from 'node:http';
import { request } from '../http/client-request.js';
import type { RequestOptions } from '../http/client-request.js';
import {
  generateKey,
  validateServerResponse,
  deflateOffer,
  acceptDeflateResponse,
  PerMessageDeflate,
  PERMESSAGE_DEFLATE,
  formatExtensions,
} from '../wire/ws/index.js';
import type { PerMessageDeflateOptions } from '../wire/ws/index.js';
import { setConnector, kAttach, kFail, WebSocket } from './websocket.js';
import type { WebSocketInit } from './websocket.js';
import { TramaError } from '../wire/shared/errors.js';

function connect(ws: WebSocket, url: URL, protocols: string[], init: WebSocketInit): { abort(): void } {
  const key = generateKey();
  const { protocols: _p, headers: extraHeaders, agent, perMessageDeflate, maxPayload, ...tls } = init;
  const deflateOpts: PerMessageDeflateOptions | null = perMessageDeflate === false ? null : typeof perMessageDeflate === 'object' ? perMessageDeflate : {};
  const headers: Record<string, string | string[]> = { ...(extraHeaders ?? {}) };
  headers['Connection'] = 'Upgrade';
  headers['Upgrade'] = 'websocket';
  headers['Sec-WebSocket-Key'] = key;
  headers['Sec-WebSocket-Version'] = '13';
  if (protocols.length > 0) headers['Sec-WebSocket-Protocol'] = protocols.join(', ');
  if (deflateOpts !== null) headers['Sec-WebSocket-Extensions'] = deflateOffer(deflateOpts);
  const httpUrl = new URL(url.href);
  httpUrl.protocol = url.protocol === 'wss:' ? 'https:' : 'http:';
  const opts: RequestOptions = { ...(tls as RequestOptions), method: 'GET', headers };
  if (agent !== undefined) (opts as { agent?: unknown }).agent = agent;
  let done = false;
  const fail = (err: Error): void => {
    if (done) return;
    done = true;
    ws[kFail](err);
  };
  const req = request(httpUrl, opts);
  req.on('upgrade', (res: IncomingMessage, socket: Duplex, head: Buffer) => {
    if (done) {
      socket.destroy();
      return;
    }
    const agreed = validateServerResponse(res.statusCode ?? 0, res.headers, key, protocols);
    let problem = typeof agreed === 'string' ? agreed : null;
    let deflate: PerMessageDeflate | null = null;
    let extensions = '';
    if (typeof agreed !== 'string') {
      // RFC 6455 §9.1: the server may only answer with extensions we offered.
      for (const ext of agreed.extensions) {
        if (ext.name !== PERMESSAGE_DEFLATE || deflateOpts === null || deflate !== null) {
          problem = `Server indicated an extension that was not requested: ${ext.name}`;
          break;
        }
        const params = acceptDeflateResponse(ext, deflateOpts);
        if (typeof params === 'string') {
          problem = `Invalid permessage-deflate response: ${params}`;
          break;
        }
        deflate = new PerMessageDeflate(params, 'client', deflateOpts);
        extensions = formatExtensions([ext]);
      }
    }
    if (problem !== null) {
      socket.destroy();
      fail(new TramaError('ERR_WS_HANDSHAKE', problem));
      return;
    }
    done = true;
    ws[kAttach](socket, head, {
      role: 'client',
      protocol: (agreed as { protocol: string }).protocol,
      extensions,
      deflate,
      maxPayload: maxPayload as number | undefined,
    });
  });
  req.on('response', (res: IncomingMessage) => {
    res.resume();
    fail(new TramaError('ERR_WS_HANDSHAKE', `Unexpected server response: ${res.statusCode}`));
  });
  req.on('error', (err: Error) => fail(err));
  req.end();
  return {
    abort() {
      done = true;
      req.destroy();
    },
  };
}

setConnector(connect);

export { WebSocket };
export { CLOSE_TIMEOUT_MS } from "./websocket.js";
