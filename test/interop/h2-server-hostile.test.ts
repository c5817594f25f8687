// Hostile HTTP/2 clients over real sockets against trama.createServer (h2c) — and, for one case,
// createSecureServer — for every engine limit: rapid reset, CONTINUATION flood, HPACK bomb,
// SETTINGS flood, PING flood, a client that never reads, a preface that never completes. Each
// time the server answers with the protocol's code (RFC 9113 §5.4, §7; ENHANCE_YOUR_CALM for
// floods as nghttp2 does) and, while and after it does, serves a well-behaved client.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import net, { type AddressInfo } from 'node:net';
import * as http2 from 'node:http2';
import { createServer, createSecureServer } from '../../src/index.js';
import type { IncomingMessage, ServerResponse, ServerOptions } from '../../src/index.js';
import { ErrorCode, errorCodeName } from '../../src/wire/h2/constants.js';
import { DEFAULT_MAX_CONTINUATION_FRAMES, DEFAULT_RESET_BURST, DEFAULT_MAX_SETTINGS_ENTRIES } from '../../src/wire/h2/limits.js';
import { SocketPeer, type ReadFrame } from '../support/h2-socket-peer.js';
import type { FrameSource } from '../support/h2-frames.js';
import { selfSignedCert } from '../support/h2-net-driver.js';

const creds = selfSignedCert();
if (creds === null && process.env.TRAMA_REQUIRE_PEERS === '1') throw new Error('openssl is required (TRAMA_REQUIRE_PEERS=1)');

const BIG = 64 * 1024 * 1024;

function handler(req: IncomingMessage, res: ServerResponse): void {
  if (req.url === '/big') {
    // Writes until told to stop, resumes on 'drain': what a well-written handler does.
    const chunk = Buffer.alloc(64 * 1024, 0x62);
    let sent = 0;
    const pump = (): void => {
      while (sent < BIG) {
        sent += chunk.length;
        (res as ServerResponse & { sentBytes?: number }).sentBytes = sent;
        if (!res.write(chunk)) {
          res.once('drain', pump);
          return;
        }
      }
      res.end();
    };
    pump();
    return;
  }
  // Never answered: the stream stays open until the client resets it (what a rapid-reset
  // attacker relies on: the server's work is in flight when the reset comes).
  if (req.url?.startsWith('/hang')) return;
  req.resume();
  req.on('end', () => res.end(`ok ${req.url}`));
}

async function start(options: ServerOptions = {}, secure = false): Promise<{ server: ReturnType<typeof createServer>; port: number; close: () => Promise<void> }> {
  const server = secure ? createSecureServer({ key: creds!.key, cert: creds!.cert, ...options }, handler) : createServer(options, handler);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    server: server as ReturnType<typeof createServer>,
    port: (server.address() as AddressInfo).port,
    close: async () => {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}

/** A well-behaved client (node:http2) gets its answer. */
async function stillServes(port: number, secure = false): Promise<void> {
  const session = secure ? http2.connect(`https://127.0.0.1:${port}`, { ca: creds!.cert, servername: 'localhost' }) : http2.connect(`http://127.0.0.1:${port}`);
  session.on('error', () => {});
  try {
    const stream = session.request({ ':path': '/polite' });
    let body = '';
    stream.setEncoding('utf8');
    stream.on('data', (d: string) => (body += d));
    await once(stream, 'end');
    assert.equal(body, 'ok /polite');
  } finally {
    session.close();
  }
}

const goaway = (f: ReadFrame): f is ReadFrame & { type: 'GOAWAY'; errorCode: number } => f.type === 'GOAWAY';

async function expectGoaway(peer: SocketPeer, code: number): Promise<void> {
  const f = await peer.until(goaway);
  assert.equal(errorCodeName((f as { errorCode: number }).errorCode), errorCodeName(code), peer.summary().slice(-5).join(' '));
  await peer.untilClosed();
}

/** A server and one hand-played client past the SETTINGS exchange; both closed after `fn`. */
async function withPeer(fn: (peer: SocketPeer, port: number) => Promise<void>, secure = false): Promise<void> {
  const srv = await start({}, secure);
  const peer = await SocketPeer.connect(srv.port, secure ? { ca: creds!.cert } : undefined);
  try {
    await hello(peer);
    await fn(peer, srv.port);
    await stillServes(srv.port, secure);
  } finally {
    peer.close();
    await srv.close();
  }
}

/** Three times the reset burst of HEADERS + RST_STREAM pairs for streams left open. */
function resetFlood(peer: SocketPeer): void {
  const frames = [];
  for (let i = 0, id = 1; i < DEFAULT_RESET_BURST * 3; i++, id += 2) frames.push(peer.headers(id).get(`/hang/${i}`).endStream(), peer.rst(id).cancel());
  peer.send(...frames);
}

async function hello(peer: SocketPeer): Promise<void> {
  peer.send(peer.preface(), peer.settings());
  await peer.until((f) => f.type === 'SETTINGS' && !(f as { ack: boolean }).ack);
  peer.send(peer.settingsAck());
}

test('rapid reset (CVE-2023-44487): HEADERS + RST_STREAM pairs, three times the burst, → GOAWAY ENHANCE_YOUR_CALM', async () => {
  await withPeer(async (peer) => {
    resetFlood(peer);
    await expectGoaway(peer, ErrorCode.ENHANCE_YOUR_CALM);
  });
});

test('CONTINUATION flood (CVE-2024-27316 family): an endless field block → GOAWAY ENHANCE_YOUR_CALM', async () => {
  await withPeer(async (peer) => {
    const frames: FrameSource[] = [peer.headers(1).get('/c').withoutEndHeaders()];
    for (let i = 0; i < DEFAULT_MAX_CONTINUATION_FRAMES * 4; i++) frames.push(peer.continuation(1, Buffer.from([0x40, 0x01, 0x78, 0x01, 0x79]), false));
    peer.send(...frames);
    await expectGoaway(peer, ErrorCode.ENHANCE_YOUR_CALM);
  });
});

test('HPACK bomb: one 4 KiB table entry referenced a thousand times is refused, the connection lives', async () => {
  await withPeer(async (peer) => {
    // Literal with incremental indexing, new name "x" (RFC 7541 §6.2.1), a 4000-byte value: it
    // becomes dynamic index 62; then 1000 one-byte references to it (§6.1: 0x80 | 62).
    const value = Buffer.alloc(4000, 0x61);
    const lit = Buffer.concat([Buffer.from([0x40, 0x01, 0x78, 0x7f]), hpackIntTail(4000 - 127), value]);
    const pseudo = peer.encoder.encode([[':method', 'GET'], [':scheme', 'http'], [':authority', 'x'], [':path', '/bomb']]);
    const block = Buffer.concat([pseudo, lit, Buffer.alloc(1000, 0x80 | 62)]);
    peer.send(peer.raw(0x1, 0x4 | 0x1, 1, block));
    // The decoded list (~4 MB) is far above SETTINGS_MAX_HEADER_LIST_SIZE: the stream is refused
    // (RFC 9113 §10.5.1: 431, or RST_STREAM) without decoding it whole; the connection stays.
    const answer = await peer.until((f) => (f.type === 'HEADERS' || f.type === 'RST_STREAM' || f.type === 'GOAWAY') && (f.streamId === 1 || f.type === 'GOAWAY'));
    if (answer.type === 'HEADERS') assert.equal(answer.fields!.find(([n]) => n === ':status')?.[1], '431');
    else if (answer.type === 'GOAWAY') assert.equal(errorCodeName((answer as { errorCode: number }).errorCode), 'ENHANCE_YOUR_CALM');
    // The same connection still answers a normal request (the HPACK state is intact).
    if (answer.type !== 'GOAWAY') {
      peer.send(peer.headers(3).get('/after').endStream());
      const h = await peer.until((f) => f.type === 'HEADERS' && f.streamId === 3);
      assert.equal(h.fields!.find(([n]) => n === ':status')?.[1], '200');
    }
  });
});

function hpackIntTail(n: number): Buffer {
  // RFC 7541 §5.1: the continuation bytes of an integer past its prefix.
  const out: number[] = [];
  while (n >= 128) {
    out.push((n & 0x7f) | 0x80);
    n >>>= 7;
  }
  out.push(n);
  return Buffer.from(out);
}

test('SETTINGS flood: a SETTINGS frame with too many entries → GOAWAY ENHANCE_YOUR_CALM', async () => {
  await withPeer(async (peer) => {
    const settings = peer.settings();
    for (let i = 0; i <= DEFAULT_MAX_SETTINGS_ENTRIES; i++) settings.set(0x4, 65535);
    peer.send(settings);
    await expectGoaway(peer, ErrorCode.ENHANCE_YOUR_CALM);
  });
});

for (const kind of ['PING', 'SETTINGS'] as const) {
  test(`${kind} flood: more frames awaiting ACK in one read than the limit → GOAWAY ENHANCE_YOUR_CALM`, async () => {
    await withPeer(async (peer) => {
      // 4096 frames a write: each read the server makes holds far more than it will queue ACKs for.
      const batch = peer.bytes(...Array.from({ length: 4096 }, (_, i) => (kind === 'PING' ? peer.ping(Buffer.alloc(8, i & 0xff)) : peer.settings())));
      for (let i = 0; i < 256 && !peer.closed && !peer.frames.some(goaway); i++) {
        if (!peer.socket.write(batch)) await Promise.race([once(peer.socket, 'drain').catch(() => undefined), peer.closedPromise]);
      }
      await expectGoaway(peer, ErrorCode.ENHANCE_YOUR_CALM);
    });
  });
}

test('a client that never reads a 64 MiB response: the server buffers a bounded amount, serves others', async () => {
  const srv = await start();
  const peer = await SocketPeer.connect(srv.port);
  let res: (ServerResponse & { sentBytes?: number }) | undefined;
  srv.server.on('request', (_req: IncomingMessage, r: ServerResponse) => {
    if (_req.url === '/big') res = r;
  });
  try {
    // Huge stream and connection windows: only the socket stops the server.
    peer.send(peer.preface(), peer.settings().initialWindowSize(0x7fffffff), peer.windowUpdate(0, 0x7fffffff - 65535));
    peer.send(peer.headers(1).get('/big').endStream());
    await peer.until((f) => f.type === 'HEADERS' && f.streamId === 1);
    peer.socket.pause();
    // Once the socket backs up the handler waits for 'drain'; others are served meanwhile.
    await stillServes(srv.port);
    await stillServes(srv.port);
    const sent = res!.sentBytes!;
    assert.ok(sent < BIG, `the handler was held back (${sent} of ${BIG} bytes written)`);
    assert.ok(res!.writableNeedDrain, 'the response is waiting for drain');
  } finally {
    peer.close();
    await srv.close();
  }
});

test('a preface that never completes: closed at headersTimeout; and one that never sends SETTINGS: GOAWAY SETTINGS_TIMEOUT or close', async () => {
  const srv = await start({ headersTimeout: 300, requestTimeout: 1000 });
  try {
    const half = net.connect(srv.port, '127.0.0.1');
    await once(half, 'connect');
    half.write('PRI * HTTP/2.0\r\n\r\nSM');
    half.resume();
    half.on('error', () => {});
    const served = stillServes(srv.port);
    await once(half, 'close');
    await served;
    // Full preface, then silence: no SETTINGS (RFC 9113 §3.4: the preface's SETTINGS is a MUST).
    const peer = await SocketPeer.connect(srv.port);
    peer.send(peer.preface());
    await peer.untilClosed();
    const last = peer.frames.filter(goaway).pop();
    if (last !== undefined) assert.ok(['SETTINGS_TIMEOUT', 'PROTOCOL_ERROR'].includes(errorCodeName(last.errorCode)), errorCodeName(last.errorCode));
    await stillServes(srv.port);
  } finally {
    await srv.close();
  }
});

test('over TLS too: a reset flood on an ALPN h2 connection → GOAWAY ENHANCE_YOUR_CALM, the TLS server serves on', { skip: creds === null ? 'openssl is not installed' : false }, async () => {
  await withPeer(async (peer) => {
    resetFlood(peer);
    await expectGoaway(peer, ErrorCode.ENHANCE_YOUR_CALM);
  }, true);
});
