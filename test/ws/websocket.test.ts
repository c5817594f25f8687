// The WHATWG WebSocket client and the server side over real sockets on 127.0.0.1: messages of
// every type, binaryType, Blob order, close handshakes and codes, the handshake's failure modes,
// subprotocols, the origin hook, bad input from a raw peer (closed with its RFC code while the
// server keeps serving everyone else), heartbeat, backpressure, broadcast, the server modes.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocket, WebSocketServer, CloseEvent } from '../../src/ws/index.js';
import { createServer } from '../../src/http/server.js';
import { Opcode } from '../../src/wire/ws/index.js';
import { startServer, rawClient, clientFrame } from './support.js';

const open: Array<{ close(): Promise<void> }> = [];
after(async () => {
  await Promise.all(open.map((s) => s.close()));
});

async function echoServer(opts: Parameters<typeof startServer>[0] = {}) {
  const s = await startServer(opts);
  s.wss.on('connection', (ws: WebSocket) => ws.on('message', (data: Buffer, isBinary: boolean) => ws.send(data, { binary: isBinary })));
  open.push(s);
  return s;
}

function opened(ws: WebSocket): Promise<void> {
  return new Promise((resolve, reject) => {
    ws.addEventListener('open', () => resolve(), { once: true });
    ws.addEventListener('error', (e) => reject((e as unknown as { error: Error }).error ?? new Error('error event')), { once: true });
  });
}
function nextMessage(ws: WebSocket): Promise<MessageEvent> {
  return new Promise((resolve) => ws.addEventListener('message', (e) => resolve(e as MessageEvent), { once: true }));
}
function closed(ws: WebSocket): Promise<CloseEvent> {
  return new Promise((resolve) => ws.addEventListener('close', (e) => resolve(e as CloseEvent), { once: true }));
}

test('echo: text as string, binary as Blob (default), ArrayBuffer, views; readyState and on* handlers', async () => {
  const { url } = await echoServer();
  const ws = new WebSocket(url + '/path?q=1');
  assert.equal(ws.readyState, WebSocket.CONNECTING);
  assert.equal(ws.url, url + '/path?q=1');
  assert.throws(() => ws.send('too early'), { name: 'InvalidStateError' });
  const log: string[] = [];
  ws.onopen = () => log.push('open');
  await opened(ws);
  assert.equal(ws.readyState, WebSocket.OPEN);
  assert.ok(ws instanceof EventTarget);
  const seen = new Promise<[unknown, unknown, boolean]>((resolve) =>
    ws.addEventListener('message', function (this: unknown, e: Event) {
      resolve([this, e.target, e instanceof MessageEvent]);
    }, { once: true }),
  );
  ws.send('héllo');
  assert.equal((await nextMessage(ws)).data, 'héllo');
  assert.deepEqual(await seen, [ws, ws, true], 'listeners see the WebSocket as this and target; the event is a MessageEvent');
  ws.send(new Uint8Array([1, 2, 3]));
  const blob = (await nextMessage(ws)).data as Blob;
  assert.ok(blob instanceof Blob);
  assert.deepEqual([...new Uint8Array(await blob.arrayBuffer())], [1, 2, 3]);
  ws.binaryType = 'arraybuffer';
  ws.send(new Uint16Array([0x0102]).buffer);
  const ab = (await nextMessage(ws)).data as ArrayBuffer;
  assert.ok(ab instanceof ArrayBuffer);
  assert.equal(ab.byteLength, 2);
  ws.send(new DataView(new Uint8Array([9, 8, 7]).buffer, 1, 2));
  assert.deepEqual([...new Uint8Array((await nextMessage(ws)).data as ArrayBuffer)], [8, 7]);
  const done = closed(ws);
  ws.close();
  assert.equal(ws.readyState, WebSocket.CLOSING);
  const ev = await done;
  assert.equal(ev.wasClean, true);
  assert.equal(ev.code, 1005);
  assert.equal(ws.readyState, WebSocket.CLOSED);
  assert.deepEqual(log, ['open']);
});

test('a Blob and the sends after it go out in call order', async () => {
  const { url } = await echoServer();
  const ws = new WebSocket(url);
  ws.binaryType = 'arraybuffer';
  await opened(ws);
  const got: string[] = [];
  const all = new Promise<void>((resolve) => {
    ws.onmessage = (e) => {
      got.push(typeof e.data === 'string' ? e.data : Buffer.from(e.data as ArrayBuffer).toString());
      if (got.length === 3) resolve();
    };
  });
  ws.send('one');
  ws.send(new Blob(['two']));
  ws.send('three');
  assert.ok(ws.bufferedAmount >= 3, 'the Blob and what follows it count in bufferedAmount while waiting');
  await all;
  assert.deepEqual(got, ['one', 'two', 'three']);
  ws.close();
  await closed(ws);
});

test('URL and argument rules (WHATWG): http(s) map to ws(s); fragments, bad schemes and duplicate protocols throw', () => {
  assert.throws(() => new WebSocket('ftp://x/'), { name: 'SyntaxError' });
  assert.throws(() => new WebSocket('ws://x/#frag'), { name: 'SyntaxError' });
  assert.throws(() => new WebSocket('not a url'), { name: 'SyntaxError' });
  assert.throws(() => new WebSocket('ws://127.0.0.1:1/', ['a', 'a']), { name: 'SyntaxError' });
  assert.throws(() => new WebSocket('ws://127.0.0.1:1/', ['a b']), { name: 'SyntaxError' });
});

test('http: URL, subprotocol chosen by handleProtocols, permessage-deflate negotiated and used both ways', async () => {
  const { port } = await echoServer({ perMessageDeflate: true, handleProtocols: (set) => (set.has('v2') ? 'v2' : false) });
  const ws = new WebSocket(`http://127.0.0.1:${port}/`, ['v1', 'v2']);
  await opened(ws);
  assert.equal(ws.url, `ws://127.0.0.1:${port}/`);
  assert.equal(ws.protocol, 'v2');
  assert.equal(ws.extensions, 'permessage-deflate');
  const big = 'compress me '.repeat(2000);
  for (let i = 0; i < 3; i++) {
    ws.send(big + i);
    assert.equal((await nextMessage(ws)).data, big + i);
  }
  ws.close(4001, 'done');
  const ev = await closed(ws);
  assert.deepEqual([ev.code, ev.wasClean], [4001, true]);
});

test('close(code, reason): validated (WHATWG), delivered to the server as code and reason', async () => {
  const { wss, url } = await echoServer();
  const serverClose = new Promise<[number, string]>((resolve) => wss.once('connection', (s: WebSocket) => s.on('close', (code: number, reason: Buffer) => resolve([code, reason.toString()]))));
  const ws = new WebSocket(url);
  await opened(ws);
  assert.throws(() => ws.close(1001), { name: 'InvalidAccessError' });
  assert.throws(() => ws.close(1000, 'x'.repeat(124)), { name: 'SyntaxError' });
  const clientClosed = closed(ws);
  ws.close(4000, 'bye now');
  assert.deepEqual(await serverClose, [4000, 'bye now']);
  const ev = await clientClosed;
  assert.equal(ev.code, 4000);
  ws.send('after close');
  assert.ok(ws.bufferedAmount >= 11, 'sends after close only grow bufferedAmount');
});

test('the server closes with 1001; the client sees it as a clean close', async () => {
  const { wss, url } = await echoServer();
  const ws = new WebSocket(url);
  const [server] = (await Promise.all([once(wss, 'connection'), opened(ws)]))[0] as [WebSocket];
  server.close(1001, 'going');
  const ev = await closed(ws);
  assert.deepEqual([ev.code, ev.reason, ev.wasClean], [1001, 'going', true]);
});

test('a refused handshake (404, 403 by the origin hook, a non-WebSocket server): error, then close 1006', async () => {
  const { url } = await echoServer({ path: '/only', checkOrigin: (origin) => origin === 'http://good' });
  for (const [target, headers] of [
    [url + '/elsewhere', {}],
    [url + '/only', { Origin: 'http://evil' }],
  ] as const) {
    const ws = new WebSocket(target, { headers });
    const events: string[] = [];
    ws.onerror = () => events.push('error');
    const ev = await closed(ws);
    events.push(`close ${ev.code} ${ev.wasClean}`);
    assert.deepEqual(events, ['error', 'close 1006 false'], target);
  }
  const ok = new WebSocket(url + '/only', { headers: { Origin: 'http://good' } });
  await opened(ok);
  ok.close();
  await closed(ok);
  const plain = http.createServer((_req, res) => res.end('plain'));
  plain.listen(0, '127.0.0.1');
  await once(plain, 'listening');
  const ws = new WebSocket(`ws://127.0.0.1:${(plain.address() as AddressInfo).port}/`);
  const err = new Promise<Error>((resolve) => (ws.onerror = (e) => resolve((e as unknown as { error: Error }).error)));
  const wsClosed = closed(ws);
  assert.match((await err).message, /Unexpected server response: 200/);
  await wsClosed;
  plain.close();
});

test('closing while CONNECTING fails the connection: error, close 1006', async () => {
  const { url } = await echoServer();
  const ws = new WebSocket(url);
  const order: string[] = [];
  ws.onerror = () => order.push('error');
  ws.onclose = (e) => order.push(`close ${e.code}`);
  ws.close();
  assert.equal(ws.readyState, WebSocket.CLOSED);
  assert.deepEqual(order, ['error', 'close 1006']);
});

test('bad input from a raw client closes it with the RFC code; the server keeps serving the others', async () => {
  const { port, url } = await echoServer({ maxPayload: 1000 });
  const cases: Array<[string, Buffer, number]> = [
    ['unmasked frame', clientFrame(Opcode.TEXT, 'x', { masked: false }), 1002],
    ['reserved bit', Buffer.from([0xa1, 0x80, 0, 0, 0, 0]), 1002],
    ['unknown opcode', clientFrame(3, ''), 1002],
    ['fragmented ping', clientFrame(Opcode.PING, 'x', { fin: false }), 1002],
    ['invalid UTF-8', clientFrame(Opcode.TEXT, Buffer.from([0xff])), 1007],
    ['invalid close code', clientFrame(Opcode.CLOSE, Buffer.from([0x03, 0xed])), 1002],
    ['message over maxPayload', clientFrame(Opcode.BINARY, Buffer.alloc(1001)), 1009],
    ['RSV1 without deflate', clientFrame(Opcode.TEXT, 'x', { rsv1: true }), 1002],
  ];
  const bystander = new WebSocket(url);
  await opened(bystander);
  for (const [name, bytes, code] of cases) {
    const { socket, frames } = await rawClient(port);
    socket.write(bytes);
    assert.equal(await frames.closeCode(), code, name);
    assert.equal(await frames.frame(), null, `${name}: the server closes the TCP connection`);
    bystander.send(name);
    assert.equal((await nextMessage(bystander)).data, name);
  }
  bystander.close();
  await closed(bystander);
});

test('server side, node style: message (Buffer, isBinary), ping/pong, error with a code, close with the fault code', async () => {
  const { wss, port } = await startServer();
  open.push({ close: async () => {} });
  const log: string[] = [];
  const conn = once(wss, 'connection');
  const { socket, frames } = await rawClient(port);
  const [server] = (await conn) as [WebSocket];
  const closedP = new Promise<void>((resolve) => server.on('close', (code: number) => (log.push(`close ${code}`), resolve())));
  server.on('message', (d: Buffer, bin: boolean) => log.push(`message ${d.toString()} ${bin}`));
  server.on('ping', (d: Buffer) => log.push(`ping ${d.toString()}`));
  server.on('pong', (d: Buffer) => log.push(`pong ${d.toString()}`));
  server.on('error', (e: Error & { code: string }) => log.push(`error ${e.code}`));
  socket.write(clientFrame(Opcode.TEXT, 'a'));
  socket.write(clientFrame(Opcode.BINARY, 'b'));
  socket.write(clientFrame(Opcode.PING, 'c'));
  const pong = await frames.frame();
  assert.deepEqual([pong!.opcode, pong!.payload.toString()], [Opcode.PONG, 'c']);
  server.ping('d');
  const ping = await frames.frame();
  assert.deepEqual([ping!.opcode, ping!.payload.toString()], [Opcode.PING, 'd']);
  socket.write(clientFrame(Opcode.PONG, 'd'));
  socket.write(clientFrame(Opcode.TEXT, Buffer.from([0xc3])));
  assert.equal(await frames.closeCode(), 1007);
  await closedP;
  assert.deepEqual(log, ['message a false', 'message b true', 'ping c', 'pong d', 'error WS_ERR_INVALID_UTF8', 'close 1007']);
  await new Promise<void>((r) => wss.close(() => r()));
});

test('heartbeat: a client that stops answering pings is terminated; one that answers stays', async () => {
  const { wss, port, url } = await echoServer({ heartbeatInterval: 30 });
  const good = new WebSocket(url);
  await opened(good);
  const terminated = new Promise<number>((resolve) => wss.once('connection', (s: WebSocket) => s.on('close', resolve)));
  const { socket, frames } = await rawClient(port);
  // The raw client never answers: after one unanswered ping the server drops it.
  let pings = 0;
  for (;;) {
    const f = await frames.frame();
    if (f === null) break;
    if (f.opcode === Opcode.PING) pings++;
  }
  assert.ok(pings >= 1);
  assert.equal(await terminated, 1006);
  assert.ok(socket.destroyed || socket.readableEnded);
  assert.equal(good.readyState, WebSocket.OPEN);
  assert.equal(wss.clients.size, 1);
  good.close();
  await closed(good);
});

test('backpressure: a server socket over its high-water mark stops reading until the peer drains', async () => {
  const { wss, port } = await startServer();
  open.push({ close: async () => {} });
  const conn = once(wss, 'connection');
  const { socket, frames } = await rawClient(port);
  const [server] = (await conn) as [WebSocket];
  socket.pause();
  // Fill the kernel buffers and then the stream's own queue.
  const chunk = Buffer.alloc(256 * 1024);
  while (!server.stream!.isPaused()) {
    server.send(chunk);
    await new Promise((r) => setImmediate(r));
  }
  assert.ok(server.bufferedAmount > 0);
  const resumed = once(server.stream!, 'drain');
  socket.resume();
  void frames;
  await resumed;
  await new Promise((r) => setImmediate(r));
  assert.equal(server.stream!.isPaused(), false);
  socket.destroy();
  await new Promise<void>((r) => wss.close(() => r()));
});

test('broadcast: one frame to every open client, except the one named', async () => {
  const { wss, url } = await startServer();
  open.push({ close: async () => {} });
  const byName = new Map<string, WebSocket>();
  const allIn = new Promise<void>((resolve) =>
    wss.on('connection', (s: WebSocket) =>
      s.once('message', (d: Buffer) => {
        byName.set(d.toString(), s);
        if (byName.size === 3) resolve();
      }),
    ),
  );
  const clients = ['a', 'b', 'c'].map((name) => {
    const ws = new WebSocket(url);
    ws.onopen = () => ws.send(name);
    return ws;
  });
  await allIn;
  const firsts = clients.map(nextMessage);
  wss.broadcast('all', { except: byName.get('c') });
  wss.broadcast(Buffer.from('end'));
  const got = await Promise.all(firsts);
  assert.deepEqual(got.map((e) => (typeof e.data === 'string' ? e.data : 'blob')), ['all', 'all', 'blob']);
  for (const c of clients) c.close();
  await Promise.all(clients.map(closed));
  await new Promise<void>((r) => wss.close(() => r()));
});

test('server mode: attached to trama\'s and node\'s own servers; noServer with handleUpgrade', async () => {
  for (const make of [() => createServer() as unknown as http.Server, () => http.createServer()]) {
    const server = make();
    const wss = new WebSocketServer({ server });
    wss.on('connection', (s: WebSocket) => s.on('message', (d: Buffer) => s.send(d.toString().toUpperCase())));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const ws = new WebSocket(`ws://127.0.0.1:${(server.address() as AddressInfo).port}/`);
    await opened(ws);
    ws.send('abc');
    assert.equal((await nextMessage(ws)).data, 'ABC');
    ws.close();
    await closed(ws);
    await new Promise<void>((r) => wss.close(() => r()));
    server.close();
  }
  const server = http.createServer();
  const wss = new WebSocketServer({ noServer: true });
  server.on('upgrade', (req, socket, head) => wss.handleUpgrade(req, socket, head, (ws) => ws.send(`hello ${req.url}`)));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const ws = new WebSocket(`ws://127.0.0.1:${(server.address() as AddressInfo).port}/x`);
  assert.equal((await nextMessage(ws)).data, 'hello /x');
  ws.close();
  await closed(ws);
  server.close();
  assert.throws(() => new WebSocketServer({}), TypeError);
});

test('a plain HTTP request to a port-mode server gets 426', async () => {
  const { port } = await echoServer();
  const res = await new Promise<http.IncomingMessage>((resolve) => http.get(`http://127.0.0.1:${port}/`, resolve));
  assert.equal(res.statusCode, 426);
  res.resume();
});

test('verifyClient (sync and with a callback) refuses with its status; the headers event adds fields to the 101', async () => {
  const sync = await echoServer({ verifyClient: (info: { req: http.IncomingMessage }) => info.req.headers['x-token'] === 'ok' });
  const refused = new WebSocket(sync.url, { headers: { 'x-token': 'no' } });
  const err = new Promise<Error>((r) => (refused.onerror = (e) => r((e as unknown as { error: Error }).error)));
  assert.match((await err).message, /401/);
  const async = await echoServer({
    verifyClient: (info: { req: http.IncomingMessage }, cb: (ok: boolean, code?: number, message?: string) => void) => setImmediate(() => cb(info.req.url === '/in', 403, 'nope')),
  });
  async.wss.on('headers', (lines: string[]) => lines.push('X-Hello: there'));
  const no = new WebSocket(async.url + '/out');
  const noErr = new Promise<Error>((r) => (no.onerror = (e) => r((e as unknown as { error: Error }).error)));
  assert.match((await noErr).message, /403/);
  const heads = await new Promise<http.IncomingHttpHeaders>((resolve) => {
    const req = http.request(async.url.replace('ws:', 'http:') + '/in', { headers: { Connection: 'Upgrade', Upgrade: 'websocket', 'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==', 'Sec-WebSocket-Version': '13' } });
    req.on('upgrade', (res: http.IncomingMessage, socket) => {
      socket.destroy();
      resolve(res.headers);
    });
    req.end();
  });
  assert.equal(heads['x-hello'], 'there');
  assert.equal(heads['sec-websocket-accept'], 's3pPLMBiTxaQ9kYGzzhZRbK+xOo=');
});
