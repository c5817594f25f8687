// trama's WebSocket client over HTTP/2 (RFC 8441): given an H2ClientSession whose server advertised
// SETTINGS_ENABLE_CONNECT_PROTOCOL, `new WebSocket(url, { session })` is an extended CONNECT
// stream on that session — against trama's server (which sees CONNECT + :protocol on an h2
// stream) and against node:http2's server with `enableConnectProtocol`. Several WebSockets share
// the session; a session whose server did not advertise the setting is not used (HTTP/1.1
// upgrade instead, as browsers do); refusals and resets close the WebSocket with 1006.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import * as net from 'node:net';
import * as http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer } from '../../src/ws/index.js';
import { kAttach, kServerToken } from '../../src/ws/websocket.js';
import { createServer, type ServerOptions } from '../../src/http/server.js';
import { H2Tunnel } from '../../src/io/h2-tunnel.js';
import { H2ClientSession } from '../../src/io/h2-client.js';

const cleanups: Array<() => Promise<void> | void> = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

async function tramaServer(opts: ServerOptions = {}, wssOpts: Record<string, unknown> = {}) {
  const server = createServer(opts, (_req, res) => res.end('plain'));
  const upgrades: string[] = [];
  server.on('upgrade', (req: { method: string; httpVersion: string }, socket: Duplex) => upgrades.push(`${req.method} ${req.httpVersion} ${socket instanceof H2Tunnel ? 'h2-stream' : 'socket'}`));
  const wss = new WebSocketServer({ server: server as never, perMessageDeflate: true, ...wssOpts });
  wss.on('connection', (ws: WebSocket) => ws.on('message', (d: Buffer, bin: boolean) => ws.send(d, { binary: bin })));
  let sockets = 0;
  server.on('connection', () => sockets++);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  cleanups.push(() => new Promise<void>((r) => {
    server.closeAllConnections();
    server.close(() => r());
  }));
  return { server, wss, upgrades, port: (server.address() as AddressInfo).port, sockets: () => sockets };
}

function h2Session(port: number): H2ClientSession {
  const session = new H2ClientSession(net.connect(port, '127.0.0.1'));
  cleanups.push(() => session.destroy());
  return session;
}

function opened(ws: WebSocket): Promise<void> {
  return new Promise((resolve, reject) => {
    ws.addEventListener('open', () => resolve(), { once: true });
    ws.addEventListener('error', (e) => reject((e as unknown as { error?: Error }).error ?? new Error('error event')), { once: true });
  });
}
function nextText(ws: WebSocket): Promise<string> {
  return new Promise((resolve) => ws.addEventListener('message', (e) => resolve(String((e as MessageEvent).data)), { once: true }));
}
function closed(ws: WebSocket): Promise<{ code: number; reason: string; wasClean: boolean }> {
  return new Promise((resolve) => ws.addEventListener('close', (e) => resolve(e as unknown as { code: number; reason: string; wasClean: boolean }), { once: true }));
}

test("over trama's server: extended CONNECT on the given session, permessage-deflate, two WebSockets on one connection", async () => {
  const { upgrades, port, sockets } = await tramaServer();
  const session = h2Session(port);
  const a = new WebSocket(`ws://127.0.0.1:${port}/a`, { protocols: ['chat'], session });
  const b = new WebSocket(`ws://127.0.0.1:${port}/b`, { session });
  await Promise.all([opened(a), opened(b)]);
  assert.deepEqual(upgrades, ['CONNECT 2.0 h2-stream', 'CONNECT 2.0 h2-stream']);
  assert.equal(sockets(), 1, 'one TCP connection for both');
  assert.equal(a.protocol, 'chat');
  assert.match(a.extensions, /^permessage-deflate/);
  const big = 'ação ✓ '.repeat(20_000);
  const [ma, mb] = [nextText(a), nextText(b)];
  a.send(big);
  b.send('to b');
  assert.equal(await ma, big);
  assert.equal(await mb, 'to b');
  const [ca, cb] = [closed(a), closed(b)];
  a.close(1000, 'done');
  b.close(4000);
  const ea = await ca;
  assert.deepEqual([ea.code, ea.reason, ea.wasClean], [1000, 'done', true]);
  assert.equal((await cb).code, 4000);
  assert.equal((await cb).wasClean, true);
  assert.equal(session.destroyed, false, 'the session outlives its WebSockets');
});

test("against node:http2's server with enableConnectProtocol: :protocol websocket arrives, frames both ways", async () => {
  const server = http2.createServer({ settings: { enableConnectProtocol: true } });
  const seen: Array<Record<string, unknown>> = [];
  server.on('stream', (stream, headers) => {
    seen.push({ method: headers[':method'], protocol: headers[':protocol'], path: headers[':path'], version: headers['sec-websocket-version'], key: headers['sec-websocket-key'] });
    stream.respond({ ':status': 200 });
    // trama's WebSocket (server role) over node's stream: an echo.
    const ws = new WebSocket('', undefined, kServerToken);
    (ws as unknown as { [k: symbol]: (s: Duplex, h: Buffer, o: object) => void })[kAttach](stream, Buffer.alloc(0), { role: 'server', protocol: '', extensions: '', deflate: null });
    ws.on('message', (d: Buffer, bin: boolean) => ws.send(d, { binary: bin }));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  cleanups.push(() => new Promise<void>((r) => server.close(() => r())));
  const session = h2Session((server.address() as AddressInfo).port);
  const ws = new WebSocket(`ws://127.0.0.1:${(server.address() as AddressInfo).port}/node?x=1`, { session, perMessageDeflate: false });
  await opened(ws);
  assert.deepEqual(seen, [{ method: 'CONNECT', protocol: 'websocket', path: '/node?x=1', version: '13', key: undefined }]);
  const m = nextText(ws);
  ws.send('hello node');
  assert.equal(await m, 'hello node');
  const c = closed(ws);
  ws.close();
  assert.equal((await c).wasClean, true);
});

test('a session whose server did not advertise the setting is not used: HTTP/1.1 upgrade instead', async () => {
  const { upgrades, port } = await tramaServer({ enableConnectProtocol: false });
  const session = h2Session(port);
  const ws = new WebSocket(`ws://127.0.0.1:${port}/`, { session });
  await opened(ws);
  assert.deepEqual(upgrades, ['GET 1.1 socket']);
  const c = closed(ws);
  ws.close();
  await c;
});

test('a refused extended CONNECT (400) and a server reset: error, then close 1006; the session goes on', async () => {
  const { port, wss } = await tramaServer({}, { path: '/only' });
  const session = h2Session(port);
  const refused = new WebSocket(`ws://127.0.0.1:${port}/elsewhere`, { session });
  const errors: string[] = [];
  refused.addEventListener('error', (e) => errors.push(String((e as unknown as { error?: Error }).error?.message)));
  const c1 = await closed(refused);
  assert.equal(c1.code, 1006);
  assert.equal(c1.wasClean, false);
  assert.deepEqual(errors, ['Unexpected server response: 400']);

  const conn = once(wss, 'connection') as Promise<[WebSocket]>;
  const ws = new WebSocket(`ws://127.0.0.1:${port}/only`, { session });
  await opened(ws);
  const [serverWs] = await conn;
  const c2 = closed(ws);
  serverWs.terminate();
  const e2 = await c2;
  assert.equal(e2.code, 1006);
  assert.equal(session.destroyed, false);
  assert.throws(() => new WebSocket(`ws://127.0.0.1:${port}/`, { session: {} }), TypeError);
});

test('a refused extended CONNECT is a finished response: the server stops the side the client left open (RST_STREAM NO_ERROR)', async () => {
  const { port } = await tramaServer({}, { path: '/only' });
  const session = h2Session(port);
  await once(session, 'remoteSettings');
  const stream = session.request([[':method', 'CONNECT'], [':protocol', 'websocket'], [':scheme', 'http'], [':path', '/elsewhere'], [':authority', `127.0.0.1:${port}`], ['sec-websocket-version', '13']]);
  // Listeners first: the answer, its body and END_STREAM may all come in one read.
  const response = once(stream, 'response') as Promise<[Array<[string, string]>]>;
  const ended = once(stream, 'end');
  const closedWith = once(stream, 'close') as Promise<[number]>;
  stream.on('data', (d: Buffer) => stream.consumed(d.length));
  const [head] = await response;
  assert.deepEqual(head.find(([n]) => n === ':status'), [':status', '400']);
  await ended;
  // A PING answered after the server's END_STREAM: whatever it sent with it has arrived too.
  await new Promise<void>((resolve, reject) => session.ping((err) => (err ? reject(err) : resolve())));
  assert.equal(stream.closed, true, 'the server did not leave the stream half-open');
  assert.deepEqual(await closedWith, [0]);
});

test("trama's Agent holding an HTTP/2 session to the origin: the WebSocket opens on it (no new connection)", async () => {
  const { Agent } = await import('../../src/http/agent.js');
  const { get } = await import('../../src/http/client-request.js');
  const { upgrades, port, sockets } = await tramaServer();
  const agent = new Agent({ http2PriorKnowledge: true });
  cleanups.push(() => agent.destroy());
  // A request first: the agent now holds a session to the origin.
  const body = await new Promise<string>((resolve, reject) => {
    get(`http://127.0.0.1:${port}/`, { agent }, (res) => {
      let b = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (b += d));
      res.on('end', () => resolve(b));
    }).on('error', reject);
  });
  assert.equal(body, 'plain');
  const ws = new WebSocket(`ws://127.0.0.1:${port}/`, { agent });
  await opened(ws);
  assert.deepEqual(upgrades, ['CONNECT 2.0 h2-stream']);
  assert.equal(sockets(), 1, 'the request and the WebSocket share one connection');
  const m = nextText(ws);
  ws.send('over the agent');
  assert.equal(await m, 'over the agent');
  const c = closed(ws);
  ws.close();
  assert.equal((await c).wasClean, true);
});
