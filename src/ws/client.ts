/**
 * The client's opening handshake (RFC 6455 §4.1) over trama's own HTTP/1.1 client: a GET with
 * `Upgrade: websocket` through `request()` (so agents, TLS options, DNS and proxies-by-agent work
 * as for any request), then the 101 is checked and the upgraded socket handed to the WebSocket.
 *
 * Over HTTP/2 (RFC 8441): given an HTTP/2 session to the origin (`session`, trama's
 * `H2ClientSession`, or the one trama's `agent` holds for the origin when it was made with
 * `allowHTTP2` / `http2PriorKnowledge`) whose server advertised SETTINGS_ENABLE_CONNECT_PROTOCOL, the handshake is an
 * extended CONNECT stream on it (`:protocol websocket`, no key; §4–5) and the WebSocket runs over
 * that stream (src/ws/h2-stream.ts). A session whose server did not advertise it is not used:
 * the WebSocket upgrades over HTTP/1.1 as browsers do.
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
import { H2ClientSession } from '../io/h2-client.js';
import { h2SessionFor } from '../http/client-h2.js';
import type { H2ClientStream } from '../io/h2-client.js';
import type { ServerHandshake } from '../wire/ws/index.js';
import { H2StreamDuplex } from './h2-stream.js';

const EMPTY = Buffer.alloc(0);

/**
 * Request fields that describe an HTTP/1.1 connection or its upgrade: never sent on an HTTP/2
 * stream (RFC 9113 §8.2.2; RFC 8441 §5 replaces Upgrade/Connection/Sec-WebSocket-Key).
 */
const H2_DROPPED = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'te', 'host', 'sec-websocket-key']);

/**
 * The server's extensions against what we offered (RFC 6455 §9.1: only offered ones): the
 * permessage-deflate state and the agreed `extensions` string, or why the handshake fails.
 */
function agreeExtensions(agreed: ServerHandshake, deflateOpts: PerMessageDeflateOptions | null): { deflate: PerMessageDeflate | null; extensions: string } | string {
  let deflate: PerMessageDeflate | null = null;
  let extensions = '';
  for (const ext of agreed.extensions) {
    if (ext.name !== PERMESSAGE_DEFLATE || deflateOpts === null || deflate !== null) return `Server indicated an extension that was not requested: ${ext.name}`;
    const params = acceptDeflateResponse(ext, deflateOpts);
    if (typeof params === 'string') return `Invalid permessage-deflate response: ${params}`;
    deflate = new PerMessageDeflate(params, 'client', deflateOpts);
    extensions = formatExtensions([ext]);
  }
  return { deflate, extensions };
}

function connect(ws: WebSocket, url: URL, protocols: string[], init: WebSocketInit): { abort(): void } {
  let session = init.session;
  if ((session === undefined || session === null) && init.agent !== null && typeof init.agent === 'object') {
    // The session trama's Agent holds for this origin, if it has one (allowHTTP2 / http2PriorKnowledge).
    const { protocols: _p, headers: _h, agent: _a, perMessageDeflate: _d, maxPayload: _m, session: _s, ...tls } = init;
    const port = url.port === '' ? (url.protocol === 'wss:' ? 443 : 80) : Number(url.port);
    session = h2SessionFor(init.agent, { ...tls, host: url.hostname.replace(/^\[|\]$/g, ''), port });
  }
  if (session === undefined || session === null) return connectH1(ws, url, protocols, init);
  if (!(session instanceof H2ClientSession)) throw new TypeError('The "session" option must be an HTTP/2 client session (H2ClientSession)');
  // RFC 8441 §3: only once the server said SETTINGS_ENABLE_CONNECT_PROTOCOL = 1.
  const usable = (): boolean => !session.destroyed && !session.closing && !session.goawayReceived && session.remoteSettings.enableConnectProtocol;
  if (session.remoteSettingsReceived || session.destroyed) return usable() ? connectH2(ws, session, url, protocols, init) : connectH1(ws, url, protocols, init);
  // The server's SETTINGS are not in yet: decide when they are (or when the session dies).
  let inner: { abort(): void } | null = null;
  let aborted = false;
  const decide = (): void => {
    session.off('remoteSettings', decide);
    session.off('close', decide);
    if (!aborted) inner = usable() ? connectH2(ws, session, url, protocols, init) : connectH1(ws, url, protocols, init);
  };
  session.on('remoteSettings', decide);
  session.on('close', decide);
  return {
    abort() {
      aborted = true;
      inner?.abort();
    },
  };
}

/** RFC 8441: the handshake as an extended CONNECT on `session`, the WebSocket over that stream. */
function connectH2(ws: WebSocket, session: H2ClientSession, url: URL, protocols: string[], init: WebSocketInit): { abort(): void } {
  const { headers: extraHeaders, perMessageDeflate, maxPayload } = init;
  const deflateOpts: PerMessageDeflateOptions | null = perMessageDeflate === false ? null : typeof perMessageDeflate === 'object' ? perMessageDeflate : {};
  const fields: Array<[string, string]> = [
    [':method', 'CONNECT'],
    [':protocol', 'websocket'],
    [':scheme', url.protocol === 'wss:' ? 'https' : 'http'],
    [':path', (url.pathname || '/') + url.search],
    [':authority', url.host],
  ];
  for (const [name, value] of Object.entries(extraHeaders ?? {})) {
    const n = name.toLowerCase();
    if (H2_DROPPED.has(n)) continue;
    if (Array.isArray(value)) for (const v of value) fields.push([n, v]);
    else fields.push([n, value]);
  }
  fields.push(['sec-websocket-version', '13']);
  if (protocols.length > 0) fields.push(['sec-websocket-protocol', protocols.join(', ')]);
  if (deflateOpts !== null) fields.push(['sec-websocket-extensions', deflateOffer(deflateOpts)]);
  let done = false;
  const fail = (err: Error): void => {
    if (done) return;
    done = true;
    ws[kFail](err);
  };
  let stream: H2ClientStream;
  try {
    stream = session.request(fields);
  } catch (err) {
    process.nextTick(fail, err as Error);
    return { abort() {} };
  }
  stream.once('response', (list: Array<[string, string]>) => {
    if (done) {
      stream.close();
      return;
    }
    let status = 0;
    const headers: Record<string, string> = {};
    for (const [n, v] of list) {
      if (n === ':status') status = Number(v);
      else if (n.charCodeAt(0) !== 58 /* : */) headers[n] = headers[n] === undefined ? v : `${headers[n]}, ${v}`;
    }
    const agreed = validateServerResponse(status, headers, null, protocols);
    const ext = typeof agreed === 'string' ? agreed : agreeExtensions(agreed, deflateOpts);
    if (typeof ext === 'string') {
      stream.close();
      fail(new TramaError('ERR_WS_HANDSHAKE', ext));
      return;
    }
    done = true;
    // Synchronously, inside the 'response' event: DATA of the same read reaches the Duplex.
    ws[kAttach](new H2StreamDuplex(stream), EMPTY, {
      role: 'client',
      protocol: (agreed as ServerHandshake).protocol,
      extensions: ext.extensions,
      deflate: ext.deflate,
      maxPayload: maxPayload as number | undefined,
    });
  });
  stream.once('close', (code: number) => {
    fail(stream.error ?? new TramaError('ERR_WS_HANDSHAKE', `The HTTP/2 stream closed before the response (code ${code})`));
  });
  return {
    abort() {
      done = true;
      stream.close();
    },
  };
}

/** RFC 6455 §4.1: a GET with Upgrade through trama's HTTP/1.1 client. */
function connectH1(ws: WebSocket, url: URL, protocols: string[], init: WebSocketInit): { abort(): void } {
  const key = generateKey();
  const { protocols: _p, headers: extraHeaders, agent, perMessageDeflate, maxPayload, session: _s, ...tls } = init;
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
    const ext = typeof agreed === 'string' ? agreed : agreeExtensions(agreed, deflateOpts);
    if (typeof ext === 'string') {
      socket.destroy();
      fail(new TramaError('ERR_WS_HANDSHAKE', ext));
      return;
    }
    const { deflate, extensions } = ext;
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
