// WebSocket over HTTP/2 (RFC 8441) on trama's server, with node:http2's client as the peer: the
// server advertises SETTINGS_ENABLE_CONNECT_PROTOCOL when it has an 'upgrade' listener, an
// extended CONNECT (`:protocol websocket`) reaches the same 'upgrade' handler as over HTTP/1.1
// with a Duplex over the stream, WebSocketServer answers :status 200 with the negotiated fields,
// frames flow as DATA both ways (flow control included), END_STREAM / RST_STREAM map to end /
// destroy, many WebSockets share one connection, and a bad frame closes only its own stream.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import * as http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer } from '../../src/ws/index.js';
import { kAttach, kServerToken } from '../../src/ws/websocket.js';
import { createServer, type ServerOptions } from '../../src/http/server.js';
import { H2Tunnel } from '../../src/io/h2-tunnel.js';
import { PerMessageDeflate, parseExtensions, acceptDeflateResponse, Opcode } from '../../src/wire/ws/index.js';
import { clientFrame, AsyncFrameReader } from './support.js';

const cleanups: Array<() => Promise<void> | void> = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

type TramaServer = ReturnType<typeof createServer>;

async function listen(server: TramaServer): Promise<number> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  cleanups.push(() => new Promise<void>((r) => {
    server.closeAllConnections();
    server.close(() => r());
  }));
  return (server.address() as AddressInfo).port;
}

/** A trama server with an echoing WebSocketServer on it. */
async function echoServer(wssOpts: Partial<ConstructorParameters<typeof WebSocketServer>[0]> = {}, serverOpts: ServerOptions = {}) {
  const server = createServer(serverOpts, (_req, res) => res.end('plain'));
  const wss = new WebSocketServer({ server: server as never, ...wssOpts });
  wss.on('connection', (ws: WebSocket) => ws.on('message', (data: Buffer, isBinary: boolean) => ws.send(data, { binary: isBinary })));
  const port = await listen(server);
  return { server, wss, port };
}

async function session(port: number): Promise<http2.ClientHttp2Session> {
  const s = http2.connect(`http://127.0.0.1:${port}`);
  cleanups.push(() => {
    s.destroy();
  });
  await once(s, 'remoteSettings');
  return s;
}

/** An extended CONNECT for a WebSocket (RFC 8441 §4), and the response head. */
async function connectWs(s: http2.ClientHttp2Session, path = '/', extra: http2.OutgoingHttpHeaders = {}): Promise<{ stream: http2.ClientHttp2Stream; headers: http2.IncomingHttpHeaders & http2.IncomingHttpStatusHeader }> {
  const stream = s.request({ ':method': 'CONNECT', ':protocol': 'websocket', ':scheme': 'http', ':path': path, ':authority': 'localhost', 'sec-websocket-version': '13', ...extra });
  const [headers] = (await once(stream, 'response')) as [http2.IncomingHttpHeaders & http2.IncomingHttpStatusHeader];
  return { stream, headers };
}

/** A trama WebSocket (client role) over a node:http2 stream. */
function attachClient(stream: Duplex, extensions = '', deflate: PerMessageDeflate | null = null): WebSocket {
  // Built without a connector (the token), then run as a client (masking) over the stream.
  const ws = new WebSocket('', undefined, kServerToken);
  (ws as unknown as { [k: symbol]: (s: Duplex, h: Buffer, o: object) => void })[kAttach](stream, Buffer.alloc(0), { role: 'client', protocol: '', extensions, deflate });
  return ws;
}

function nextMessage(ws: WebSocket): Promise<[Buffer, boolean]> {
  return new Promise((resolve) => {
    const on = (data: Buffer, isBinary: boolean): void => {
      ws.off('message', on);
      resolve([data, isBinary]);
    };
    ws.on('message', on);
  });
}

function closedWith(ws: WebSocket): Promise<[number, string]> {
  return new Promise((resolve) => ws.on('close', (code: number, reason: Buffer) => resolve([code, reason.toString()])));
}

test('advertised only when someone answers: an upgrade listener, or the option', async () => {
  const plain = createServer((_req, res) => res.end('x'));
  const p1 = await listen(plain);
  const s1 = await session(p1);
  assert.equal(s1.remoteSettings.enableConnectProtocol, false, 'no upgrade listener: not advertised');

  const { port } = await echoServer();
  const s2 = await session(port);
  assert.equal(s2.remoteSettings.enableConnectProtocol, true, 'WebSocketServer({ server }) listens for upgrade: advertised');

  const forced = createServer({ enableConnectProtocol: false }, (_req, res) => res.end('x'));
  forced.on('upgrade', () => {});
  const s3 = await session(await listen(forced));
  assert.equal(s3.remoteSettings.enableConnectProtocol, false, 'the option wins over the listener');
  assert.throws(() => createServer({ enableConnectProtocol: 'yes' as never }), { code: 'ERR_INVALID_ARG_TYPE' });
});

test('extended CONNECT reaches the same upgrade path: 200, subprotocol, echo both ways, clean close', async () => {
  const { server, wss, port } = await echoServer({ handleProtocols: (set) => (set.has('chat') ? 'chat' : false) });
  const sessions: Array<{ streams: Map<number, unknown> }> = [];
  server.on('session', (sess: { streams: Map<number, unknown> }) => sessions.push(sess));
  const seen = once(server, 'upgrade') as Promise<[{ method: string; url: string; httpVersion: string; headers: Record<string, string> }, Duplex, Buffer]>;
  const conn = once(wss, 'connection') as Promise<[WebSocket, unknown]>;
  const s = await session(port);
  const { stream, headers } = await connectWs(s, '/chat?room=1', { 'sec-websocket-protocol': 'superchat, chat', origin: 'http://example' });
  const [req, socket, head] = await seen;
  assert.equal(req.method, 'CONNECT');
  assert.equal(req.url, '/chat?room=1');
  assert.equal(req.httpVersion, '2.0');
  assert.equal(req.headers.origin, 'http://example');
  assert.ok(socket instanceof H2Tunnel);
  assert.equal((socket as H2Tunnel).protocol, 'websocket');
  assert.equal(head.length, 0);
  assert.equal(headers[':status'], 200);
  assert.equal(headers['sec-websocket-protocol'], 'chat');
  assert.equal(headers['sec-websocket-accept'], undefined, 'RFC 8441 §5: no accept key over h2');
  const [serverWs] = await conn;
  assert.equal(serverWs.protocol, 'chat');

  const ws = attachClient(stream);
  ws.send('héllo');
  assert.deepEqual(await nextMessage(ws), [Buffer.from('héllo'), false]);
  ws.send(Buffer.from([1, 2, 3]));
  assert.deepEqual(await nextMessage(ws), [Buffer.from([1, 2, 3]), true]);

  const serverClosed = closedWith(serverWs);
  const clientClosed = closedWith(ws);
  const streamClosed = once(stream, 'close');
  ws.close(1000, 'bye');
  assert.deepEqual(await clientClosed, [1000, 'bye']);
  assert.deepEqual(await serverClosed, [1000, 'bye']);
  await streamClosed;
  assert.equal(stream.rstCode, http2.constants.NGHTTP2_NO_ERROR, 'closed by END_STREAM both ways, no reset');
  assert.equal(sessions[0]!.streams.size, 0, 'the server forgot the stream once both sides ended');
  // The session goes on: a plain request on the same connection.
  const r = s.request({ ':path': '/' });
  r.setEncoding('utf8');
  let body = '';
  r.on('data', (d: string) => (body += d));
  await once(r, 'end');
  assert.equal(body, 'plain');
});

test('the server closes first: END_STREAM after its close frame, the client answers, wasClean', async () => {
  const { wss, port } = await echoServer();
  const conn = once(wss, 'connection') as Promise<[WebSocket]>;
  const s = await session(port);
  const { stream } = await connectWs(s);
  const ws = attachClient(stream);
  const [serverWs] = await conn;
  const clientClose = new Promise<{ code: number; wasClean: boolean }>((resolve) => ws.addEventListener('close', (e) => resolve(e as unknown as { code: number; wasClean: boolean }), { once: true }));
  const serverClosed = closedWith(serverWs);
  serverWs.close(4001, 'done');
  const e = await clientClose;
  assert.equal(e.code, 4001);
  assert.equal(e.wasClean, true);
  assert.deepEqual(await serverClosed, [4001, 'done']);
});

test('permessage-deflate and messages larger than the h2 windows (flow control both ways)', async () => {
  const { port } = await echoServer({ perMessageDeflate: true });
  const s = await session(port);
  const { stream, headers } = await connectWs(s, '/', { 'sec-websocket-extensions': 'permessage-deflate; client_max_window_bits' });
  const agreed = headers['sec-websocket-extensions'] as string;
  assert.match(agreed, /^permessage-deflate/);
  const params = acceptDeflateResponse(parseExtensions(agreed)![0]!, {});
  assert.ok(typeof params !== 'string');
  const ws = attachClient(stream, agreed, new PerMessageDeflate(params, 'client', {}));
  // 3 MiB of poorly compressible bytes: far beyond the 64 KiB stream window, both ways.
  const big = Buffer.alloc(3 * 1024 * 1024);
  for (let i = 0; i < big.length; i++) big[i] = (i * 2654435761) >>> 24;
  ws.send(big);
  const [echo, isBinary] = await nextMessage(ws);
  assert.ok(isBinary);
  assert.ok(echo.equals(big));
  ws.send('x'.repeat(100_000));
  assert.equal((await nextMessage(ws))[0].toString(), 'x'.repeat(100_000));
  ws.close();
  await closedWith(ws);
});

test('many WebSockets multiplexed on one connection, each its own conversation', async () => {
  const { port, server } = await echoServer();
  const s = await session(port);
  let sessions = 0;
  server.on('session', () => sessions++);
  const N = 40;
  const sockets = await Promise.all(Array.from({ length: N }, async () => attachClient((await connectWs(s)).stream)));
  const answers = await Promise.all(
    sockets.map(async (ws, i) => {
      const got: string[] = [];
      for (let k = 0; k < 5; k++) {
        const m = nextMessage(ws);
        ws.send(`ws${i}-msg${k}`);
        got.push((await m)[0].toString());
      }
      return got;
    }),
  );
  answers.forEach((got, i) => assert.deepEqual(got, [0, 1, 2, 3, 4].map((k) => `ws${i}-msg${k}`)));
  assert.equal(sessions, 0, 'no new connection was opened');
  await Promise.all(sockets.map((ws) => {
    const c = closedWith(ws);
    ws.close();
    return c;
  }));
});

test('a bad frame on one h2 WebSocket closes only that stream (1002), the others and the session go on', async () => {
  const { wss, port } = await echoServer();
  const errors: string[] = [];
  wss.on('connection', (ws: WebSocket) => ws.on('error', (e: Error & { code?: string }) => errors.push(e.code ?? '')));
  const s = await session(port);
  const good = attachClient((await connectWs(s)).stream);
  const { stream: bad } = await connectWs(s);
  const frames = new AsyncFrameReader(bad as never);
  // RFC 6455 §5.1: a client frame must be masked.
  bad.write(clientFrame(Opcode.TEXT, 'naked', { masked: false }));
  assert.equal(await frames.closeCode(), 1002);
  await once(bad, 'end');
  assert.deepEqual(errors, ['WS_ERR_EXPECTED_MASK']);
  good.send('still here');
  assert.equal((await nextMessage(good))[0].toString(), 'still here');
  assert.equal(s.destroyed, false);
  good.close();
  await closedWith(good);
});

test('a client RST_STREAM is the abnormal closure: the server side closes with 1006', async () => {
  const { wss, port } = await echoServer();
  const conn = once(wss, 'connection') as Promise<[WebSocket]>;
  const s = await session(port);
  const { stream } = await connectWs(s);
  const [serverWs] = await conn;
  const closed = closedWith(serverWs);
  stream.close(http2.constants.NGHTTP2_CANCEL);
  assert.equal((await closed)[0], 1006);
  assert.equal(wss.clients.size, 0);
});

test('refused handshakes answer on the stream: 426 with the version, 400 for another :protocol or path', async () => {
  const { port, server } = await echoServer({ path: '/ws' });
  const sessions: Array<{ streams: Map<number, unknown> }> = [];
  server.on('session', (sess: { streams: Map<number, unknown> }) => sessions.push(sess));
  const s = await session(port);
  const r1 = await connectWs(s, '/ws', { 'sec-websocket-version': '8' });
  assert.equal(r1.headers[':status'], 426);
  assert.equal(r1.headers['sec-websocket-version'], '13');
  r1.stream.resume();
  await once(r1.stream, 'end');
  const r2 = await connectWs(s, '/elsewhere');
  assert.equal(r2.headers[':status'], 400);
  r2.stream.resume();
  await once(r2.stream, 'end');
  const r3 = s.request({ ':method': 'CONNECT', ':protocol': 'webtransport', ':scheme': 'http', ':path': '/ws', ':authority': 'localhost' });
  const [h3] = (await once(r3, 'response')) as [http2.IncomingHttpHeaders];
  assert.equal(h3[':status'], 400);
  r3.resume();
  await once(r3, 'close');
  // Refusals are finished responses: the server holds none of the three streams afterwards.
  assert.equal(r3.rstCode, http2.constants.NGHTTP2_NO_ERROR);
  assert.equal(sessions[0]!.streams.size, 0);
});

test('a hand-written upgrade handler gets a Duplex: respond(), pipe, end ↔ END_STREAM', async () => {
  const server = createServer((_req, res) => res.end('plain'));
  server.on('upgrade', (req: { headers: Record<string, string> }, socket: H2Tunnel) => {
    socket.respond(200, { 'x-proto': socket.protocol, upgrade: 'dropped', connection: 'dropped' });
    socket.pipe(socket);
  });
  const port = await listen(server);
  const s = await session(port);
  const stream = s.request({ ':method': 'CONNECT', ':protocol': 'echo', ':scheme': 'http', ':path': '/', ':authority': 'localhost' });
  const [h] = (await once(stream, 'response')) as [http2.IncomingHttpHeaders];
  assert.equal(h[':status'], 200);
  assert.equal(h['x-proto'], 'echo');
  assert.equal(h.upgrade, undefined);
  stream.end('ping and bye');
  let got = '';
  stream.setEncoding('utf8');
  stream.on('data', (d: string) => (got += d));
  await once(stream, 'end');
  assert.equal(got, 'ping and bye');
});

test("the tunnel answers a TCP-minded handler: setNoDelay/setKeepAlive, setTimeout resets an idle stream, addresses", async () => {
  const server = createServer((_req, res) => res.end('plain'));
  const seen: Array<string | number | undefined> = [];
  server.on('upgrade', (_req: unknown, socket: H2Tunnel) => {
    socket.setNoDelay(true).setKeepAlive(true);
    seen.push(socket.remoteAddress, socket.localPort === (server.address() as AddressInfo).port ? 'port ok' : 'port?', socket.encrypted ? 'tls' : 'clear');
    socket.respond(200);
    // Nothing arrives: 'timeout', and the handler gives up on the stream.
    socket.setTimeout(20, () => socket.destroy());
  });
  const port = await listen(server);
  const s = await session(port);
  const stream = s.request({ ':method': 'CONNECT', ':protocol': 'idle', ':scheme': 'http', ':path': '/', ':authority': 'localhost' });
  await once(stream, 'response');
  await once(stream, 'close');
  assert.equal(stream.rstCode, http2.constants.NGHTTP2_CANCEL);
  assert.deepEqual(seen, ['127.0.0.1', 'port ok', 'clear']);
  assert.equal(s.destroyed, false);
});
