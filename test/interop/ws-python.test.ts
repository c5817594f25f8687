// python3-websockets (Debian, run with /usr/bin/python3) against trama, both ways: an
// independent RFC 6455 / RFC 7692 implementation checking our frames, masks, compression,
// UTF-8 and closing handshake.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { WebSocket } from '../../src/ws/index.js';
import type { CloseEvent } from '../../src/ws/index.js';
import { startServer } from '../ws/support.js';

const PY = '/usr/bin/python3';
const HAVE = spawnSync(PY, ['-c', 'import websockets'], { stdio: 'ignore' }).status === 0;
const REQUIRE = process.env.TRAMA_REQUIRE_PEERS === '1';
if (!HAVE && REQUIRE) throw new Error('TRAMA_REQUIRE_PEERS=1 but python3-websockets is not installed (apt-get install python3-websockets)');
const skip = HAVE ? false : 'python3-websockets is not installed (apt-get install python3-websockets); set TRAMA_REQUIRE_PEERS=1 to fail instead';

const closers: Array<() => Promise<void>> = [];
after(async () => {
  for (const c of closers) await c();
});

const CLIENT = `
import asyncio, json, sys, websockets
async def main():
    out = []
    async with websockets.connect(sys.argv[1], subprotocols=['chat'], compression='deflate', max_size=None) as ws:
        out.append(['protocol', ws.subprotocol])
        for m in ['hello', b'\\x00\\x01\\xff', 'ação ✓ ' * 4000, 'ação ✓ ' * 4000 + '!', b'z' * 100000]:
            await ws.send(m)
            r = await ws.recv()
            out.append(['echo', type(r).__name__, r == m, len(r)])
        pong = await ws.ping(b'py')
        await pong
        out.append(['pong'])
        await ws.close(4000, 'python done')
        out.append(['closed', ws.close_code, ws.close_reason])
    print(json.dumps(out))
asyncio.run(main())
`;

const SERVER = `
import asyncio, sys, websockets
async def echo(ws, path=None):
    try:
        async for m in ws:
            if m == 'close please':
                await ws.close(4001, 'as asked')
                return
            await ws.send(m)
    except websockets.ConnectionClosed:
        pass
async def main():
    async with websockets.serve(echo, '127.0.0.1', 0, compression='deflate', subprotocols=['x', 'y'], max_size=None) as server:
        print(server.sockets[0].getsockname()[1], flush=True)
        await asyncio.Future()
asyncio.run(main())
`;

test('python3-websockets client → trama server: subprotocol, deflate echo, ping, close 4000', { skip }, async () => {
  const s = await startServer({ perMessageDeflate: true });
  closers.push(s.close);
  const serverClose = new Promise<[number, string]>((resolve) =>
    s.wss.on('connection', (ws: WebSocket) => {
      ws.on('message', (d: Buffer, bin: boolean) => ws.send(d, { binary: bin }));
      ws.on('close', (code: number, reason: Buffer) => resolve([code, reason.toString()]));
    }),
  );
  const py = spawn(PY, ['-c', CLIENT, s.url + '/'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  py.stdout.on('data', (d) => (out += d));
  py.stderr.on('data', (d) => (err += d));
  const [code] = await once(py, 'close');
  assert.equal(code, 0, err);
  assert.deepEqual(JSON.parse(out), [
    ['protocol', 'chat'],
    ['echo', 'str', true, 5],
    ['echo', 'bytes', true, 3],
    ['echo', 'str', true, 28000],
    ['echo', 'str', true, 28001],
    ['echo', 'bytes', true, 100000],
    ['pong'],
    ['closed', 4000, 'python done'],
  ]);
  assert.deepEqual(await serverClose, [4000, 'python done']);
});

test('trama client → python3-websockets server: subprotocol, deflate echo, the server closes with 4001', { skip }, async () => {
  const py = spawn(PY, ['-c', SERVER], { stdio: ['ignore', 'pipe', 'inherit'] });
  closers.push(async () => {
    py.kill();
  });
  const [line] = (await once(createInterface({ input: py.stdout }), 'line')) as [string];
  const ws = new WebSocket(`ws://127.0.0.1:${line.trim()}/`, ['y']);
  ws.binaryType = 'arraybuffer';
  await new Promise((r, j) => ((ws.onopen = r), (ws.onerror = j)));
  assert.equal(ws.protocol, 'y');
  assert.match(ws.extensions, /^permessage-deflate/);
  for (const m of ['hi', 'ação ✓ '.repeat(5000), new Uint8Array(70000).fill(7)]) {
    const got = new Promise<MessageEvent>((r) => (ws.onmessage = r));
    ws.send(m);
    const d = (await got).data;
    if (typeof m === 'string') assert.equal(d, m);
    else assert.ok(Buffer.from(d as ArrayBuffer).equals(m));
  }
  const closed = new Promise<CloseEvent>((r) => (ws.onclose = r as never));
  ws.send('close please');
  const ev = await closed;
  assert.deepEqual([ev.code, ev.reason, ev.wasClean], [4001, 'as asked', true]);
});
