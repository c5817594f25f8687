// Priority visible on the wire (issue 12 item 5), read from the order of the DATA frames the real
// server (trama.createServer, h2c) writes on one connection. The client is played frame by frame
// (test/support/h2-socket-peer.ts) so it can hold the connection window shut while both
// responses queue, then open it and read who goes first.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { createServer } from '../../src/index.js';
import type { IncomingMessage, ServerResponse } from '../../src/index.js';
import { SettingId } from '../../src/wire/h2/constants.js';
import { SocketPeer, type ReadFrame } from '../support/h2-socket-peer.js';

const KiB = 1024;

/** Answers `/size/N` with N bytes, whole, in one `end()` (all of it queued for the scheduler). */
function sized(req: IncomingMessage, res: ServerResponse): void {
  const n = Number(/^\/size\/(\d+)/.exec(req.url ?? '')?.[1] ?? 0);
  res.setHeader('content-type', 'application/octet-stream');
  res.end(Buffer.alloc(n, 0x78));
}

async function start(): Promise<{ port: number; close: () => Promise<void> }> {
  const server = createServer(sized);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    port: (server.address() as AddressInfo).port,
    close: async () => {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}

const isData = (f: ReadFrame): f is ReadFrame & { type: 'DATA'; data: Buffer; endStream: boolean } => f.type === 'DATA';

test('RFC 9218: a u=0 response overtakes a large u=7 one already in flight on the same connection', async () => {
  const srv = await start();
  const peer = await SocketPeer.connect(srv.port);
  try {
    // Stream windows wide open (only the connection window gates), RFC 9218 signals announced.
    peer.send(peer.preface(), peer.settings().initialWindowSize(0x7fffffff).set(SettingId.NO_RFC7540_PRIORITIES, 1));
    peer.send(peer.headers(1).get('/size/1048576', [['priority', 'u=7']]).endStream());
    // The large response starts and stops at the connection's initial 65,535-byte window.
    await peer.until((f) => isData(f) && f.streamId === 1);
    peer.send(peer.headers(3).get('/size/262144', [['priority', 'u=0']]).endStream());
    // Stream 3's response is queued once its HEADERS are out (HEADERS are not flow-controlled).
    await peer.until((f) => f.type === 'HEADERS' && f.streamId === 3);
    const mark = peer.frames.length;
    const sentBefore = peer.frames.filter((f) => isData(f) && f.streamId === 1).reduce((n, f) => n + (f as { data: Buffer }).data.length, 0);
    assert.ok(sentBefore < 1048576, 'the large response was still in flight');
    peer.send(peer.windowUpdate(0, 2 * 1048576));
    await peer.until((f) => isData(f) && f.streamId === 1 && f.endStream, mark);
    const order = peer.frames.slice(mark).filter(isData).map((f) => f.streamId);
    const lastOf3 = order.lastIndexOf(3);
    const firstOf1 = order.indexOf(1);
    assert.ok(lastOf3 >= 0, 'stream 3 sent DATA');
    // Every DATA frame of the urgent response comes before any further DATA of the large one.
    assert.ok(firstOf1 > lastOf3, `DATA order after the window opened: ${order.join(',')}`);
  } finally {
    peer.close();
    await srv.close();
  }
});

test('RFC 7540 tree: siblings with weights 256 and 64 share the connection 4:1', async () => {
  const srv = await start();
  const peer = await SocketPeer.connect(srv.port);
  try {
    peer.send(peer.preface(), peer.settings().initialWindowSize(0x7fffffff));
    // Both requests in one write: both responses are queued before the first DATA goes out.
    peer.send(
      peer.headers(1).get('/size/2097152').priority(0, 256).endStream(),
      peer.headers(3).get('/size/2097152').priority(0, 64).endStream(),
    );
    await peer.until((f) => f.type === 'HEADERS' && f.streamId === 3);
    await peer.until((f) => f.type === 'HEADERS' && f.streamId === 1);
    const mark = peer.frames.length;
    // 1.5 MiB of connection window: neither stream can finish within it.
    peer.send(peer.windowUpdate(0, 1536 * KiB));
    const want = 65535 + 1536 * KiB;
    let got = 0;
    for (let i = 0; got < want; i++) {
      const f = await peer.until(() => true, i);
      if (isData(f)) got += f.data.length;
    }
    const bytes = { 1: 0, 3: 0 } as Record<number, number>;
    for (const f of peer.frames) if (isData(f)) bytes[f.streamId]! += f.data.length;
    const ratio = bytes[1]! / bytes[3]!;
    // Weighted fair queuing by frame: 4:1 up to a frame either way.
    assert.ok(ratio > 3.2 && ratio < 5, `bytes by stream ${JSON.stringify(bytes)} (ratio ${ratio.toFixed(2)}); frames ${peer.summary(mark).slice(0, 40).join(' ')}`);
  } finally {
    peer.close();
    await srv.close();
  }
});
