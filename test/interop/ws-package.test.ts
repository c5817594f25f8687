// The `ws` package (the WebSocket server and client most Node programs use) against trama, both
// ways, with permessage-deflate on: text, binary, large compressed messages with context
// takeover, pings, and the closing handshake with codes and reasons.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import WS, { WebSocketServer as WSServer } from 'ws';
import { WebSocket } from '../../src/ws/index.js';
import type { CloseEvent } from '../../src/ws/index.js';
import { startServer } from '../ws/support.js';

const closers: Array<() => Promise<void>> = [];
after(async () => {
  for (const c of closers) await c();
});

const MESSAGES: Array<[string | Buffer, boolean]> = [
  ['hello', false],
  [Buffer.from([0, 1, 2, 255]), true],
  ['ação ✓ '.repeat(3000), false],
  ['ação ✓ '.repeat(3000) + 'again', false],
  [Buffer.alloc(200_000, 0x61), true],
  ['', false],
];

test('ws client → trama server (permessage-deflate): echo, ping, close code and reason', async () => {
  const s = await startServer({ perMessageDeflate: true });
  closers.push(s.close);
  s.wss.on('connection', (ws: WebSocket) => ws.on('message', (d: Buffer, bin: boolean) => ws.send(d, { binary: bin })));
  const client = new WS(s.url, { perMessageDeflate: true });
  await once(client, 'open');
  assert.match(client.extensions, /permessage-deflate/);
  for (const [data, binary] of MESSAGES) {
    client.send(data, { binary });
    const [got, isBinary] = (await once(client, 'message')) as [Buffer, boolean];
    assert.equal(isBinary, binary);
    assert.ok(got.equals(Buffer.from(data)));
  }
  client.ping('are you there');
  const [pong] = (await once(client, 'pong')) as [Buffer];
  assert.equal(pong.toString(), 'are you there');
  client.close(4321, 'done here');
  const [code] = (await once(client, 'close')) as [number, Buffer];
  assert.equal(code, 4321);
});

test('trama client → ws server (permessage-deflate): echo, a server ping answered, the server closes with 1001', async () => {
  const wss = new WSServer({ port: 0, host: '127.0.0.1', perMessageDeflate: { threshold: 0 } });
  await once(wss, 'listening');
  closers.push(() => new Promise<void>((r) => wss.close(() => r())));
  const pongs: string[] = [];
  wss.on('connection', (ws) => {
    ws.on('message', (d, bin) => ws.send(d, { binary: bin }));
    ws.on('pong', (d) => pongs.push(d.toString()));
  });
  const ws = new WebSocket(`ws://127.0.0.1:${(wss.address() as AddressInfo).port}/`);
  ws.binaryType = 'arraybuffer';
  await new Promise((r) => (ws.onopen = r));
  assert.equal(ws.extensions, 'permessage-deflate');
  for (const [data] of MESSAGES) {
    const msg = new Promise<MessageEvent>((r) => (ws.onmessage = r));
    ws.send(data);
    const got = (await msg).data;
    if (typeof data === 'string') assert.equal(got, data);
    else assert.ok(Buffer.from(got as ArrayBuffer).equals(data));
  }
  const [server] = [...wss.clients];
  server!.ping('hb');
  await new Promise<void>((resolve) => server!.once('pong', () => resolve()));
  assert.deepEqual(pongs, ['hb']);
  const closed = new Promise<CloseEvent>((r) => (ws.onclose = r as never));
  server!.close(1001, 'bye');
  const ev = await closed;
  assert.deepEqual([ev.code, ev.reason, ev.wasClean], [1001, 'bye', true]);
});
