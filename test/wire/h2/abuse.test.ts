// Every abuse limit crossed: the engine answers with ENHANCE_YOUR_CALM (or the RFC's code) and
// stays within bounded memory. Time is a test clock: no sleeps.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { H2Connection, type H2ConnectionOptions } from '../../../src/wire/h2/connection.js';
import {
  DEFAULT_GLITCH_BURST, DEFAULT_MAX_CONTINUATION_FRAMES, DEFAULT_MAX_HEADER_BLOCK_SIZE, DEFAULT_MAX_OUTSTANDING_ACKS,
  DEFAULT_MAX_SETTINGS_ENTRIES, DEFAULT_RESET_BURST, DEFAULT_RESET_RATE,
} from '../../../src/wire/h2/limits.js';
import { FramePeer, summarize } from '../../support/h2-frames.js';
import { ofType } from '../../support/h2-pair.js';

function server(options: Omit<H2ConnectionOptions, 'role'> = {}) {
  let now = 1_000_000;
  const conn = new H2Connection({ role: 'server', now: () => now, ...options });
  const peer = new FramePeer();
  conn.receive(peer.bytes(peer.preface(), peer.settings(), peer.settingsAck()));
  conn.takeOutput();
  return { conn, peer, advance: (ms: number) => { now += ms; } };
}

const calm = (out: string[]) => out.filter((f) => f.startsWith('GOAWAY') && f.endsWith('ENHANCE_YOUR_CALM)'));

test(`rapid reset (CVE-2023-44487): the ${DEFAULT_RESET_BURST + 1}th quick reset ends the connection`, () => {
  const { conn, peer } = server();
  let out: string[] = [];
  let id = 1;
  for (; id < 2 * (DEFAULT_RESET_BURST + 5); id += 2) {
    conn.receive(peer.bytes(peer.headers(id).get('/'), peer.rst(id).cancel()));
    out = summarize(peer, conn.takeOutput());
    if (out.length) break;
  }
  assert.equal((id + 1) / 2, DEFAULT_RESET_BURST + 1, 'exactly at the burst');
  assert.equal(calm(out).length, 1);
  assert.equal(conn.isTerminated, true);
});

test('rapid reset: the bucket refills at the configured rate', () => {
  const { conn, peer, advance } = server({ resetBurst: 5, resetRate: DEFAULT_RESET_RATE });
  let id = 1;
  const resetOnce = () => { conn.receive(peer.bytes(peer.headers(id).get('/'), peer.rst(id).cancel())); id += 2; return summarize(peer, conn.takeOutput()); };
  for (let i = 0; i < 5; i++) assert.deepEqual(resetOnce(), []);
  advance(1000); // 33 tokens back, capped at the burst of 5
  for (let i = 0; i < 5; i++) assert.deepEqual(resetOnce(), [], `after refill ${i}`);
  assert.equal(calm(resetOnce()).length, 1);
});

test('"made you reset" (CVE-2025-8671): stream errors the peer provokes draw from the same bucket', () => {
  const { conn, peer } = server({ resetBurst: 10 });
  let out: string[] = [];
  for (let id = 1; id <= 41; id += 2) {
    conn.receive(peer.bytes(peer.headers(id).get('/').endStream(), peer.raw(8, 0, id, [0, 0, 0, 0]))); // WINDOW_UPDATE of 0
    out = out.concat(summarize(peer, conn.takeOutput()));
  }
  assert.equal(out.filter((f) => f.endsWith('PROTOCOL_ERROR)') && f.startsWith('RST_STREAM')).length, 10);
  assert.equal(calm(out).length, 1);
});

test(`CONTINUATION flood: more than ${DEFAULT_MAX_CONTINUATION_FRAMES} CONTINUATION frames in one block`, () => {
  const { conn, peer } = server();
  conn.receive(peer.bytes(peer.raw(1, 0, 1, [0x82])));
  for (let i = 0; i < DEFAULT_MAX_CONTINUATION_FRAMES; i++) conn.receive(peer.bytes(peer.continuation(1, [], false)));
  assert.deepEqual(summarize(peer, conn.takeOutput()), []);
  conn.receive(peer.bytes(peer.continuation(1, [], false)));
  assert.deepEqual(summarize(peer, conn.takeOutput()), ['GOAWAY(0,ENHANCE_YOUR_CALM)']);
});

test('CONTINUATION flood: a field block larger than maxHeaderBlockSize', () => {
  const { conn, peer } = server({ maxHeaderBlockSize: 1000, maxContinuationFrames: 1000 });
  conn.receive(peer.bytes(peer.raw(1, 0, 1, Buffer.alloc(600, 0x82))));
  conn.receive(peer.bytes(peer.continuation(1, Buffer.alloc(401, 0x82), false)));
  assert.deepEqual(summarize(peer, conn.takeOutput()), ['GOAWAY(0,ENHANCE_YOUR_CALM)']);
  assert.equal(DEFAULT_MAX_HEADER_BLOCK_SIZE, 128 * 1024);
});

test(`SETTINGS flood: more than ${DEFAULT_MAX_OUTSTANDING_ACKS} ACKs owed and not yet written`, () => {
  const { conn, peer } = server();
  const one = peer.settings().toBuffer();
  const events = conn.receive(Buffer.concat(Array.from({ length: DEFAULT_MAX_OUTSTANDING_ACKS + 1 }, () => one)));
  assert.equal(events.at(-1)?.type, 'connection-terminated');
  const out = summarize(peer, conn.takeOutput());
  assert.equal(out.filter((f) => f === 'SETTINGS(ACK)').length, DEFAULT_MAX_OUTSTANDING_ACKS);
  assert.deepEqual(calm(out).length, 1);
});

test('PING flood: ACKs owed are bounded; a reader that keeps up is never cut off', () => {
  {
    const { conn, peer } = server({ maxOutstandingAcks: 50 });
    const one = peer.ping().toBuffer();
    conn.receive(Buffer.concat(Array.from({ length: 51 }, () => one)));
    assert.equal(calm(summarize(peer, conn.takeOutput())).length, 1);
  }
  {
    const { conn, peer } = server({ maxOutstandingAcks: 50 });
    for (let i = 0; i < 500; i++) {
      conn.receive(peer.bytes(peer.ping()));
      assert.deepEqual(summarize(peer, conn.takeOutput()), ['PING(ACK)']);
    }
  }
});

test(`SETTINGS with more than ${DEFAULT_MAX_SETTINGS_ENTRIES} entries`, () => {
  const { conn, peer } = server();
  const s = peer.settings();
  for (let i = 0; i <= DEFAULT_MAX_SETTINGS_ENTRIES; i++) s.set(0x100 + i, 1);
  conn.receive(peer.bytes(s));
  assert.deepEqual(summarize(peer, conn.takeOutput()), ['GOAWAY(0,ENHANCE_YOUR_CALM)']);
});

test(`ACK floods: unsolicited PING and SETTINGS ACKs are glitches (burst ${DEFAULT_GLITCH_BURST})`, () => {
  for (const ack of ['ping', 'settings'] as const) {
    const { conn, peer } = server({ glitchBurst: 20 });
    const frame = ack === 'ping' ? peer.ping('unasked!').ack() : peer.settingsAck();
    for (let i = 0; i < 20; i++) conn.receive(peer.bytes(frame));
    assert.deepEqual(summarize(peer, conn.takeOutput()), [], ack);
    conn.receive(peer.bytes(frame));
    assert.deepEqual(summarize(peer, conn.takeOutput()), ['GOAWAY(0,ENHANCE_YOUR_CALM)'], ack);
  }
});

test('empty DATA flood: zero-length DATA without END_STREAM is a glitch', () => {
  const { conn, peer } = server({ glitchBurst: 100 });
  conn.receive(peer.bytes(peer.headers(1).post('/')));
  const empty = peer.data(1).toBuffer();
  conn.receive(Buffer.concat(Array.from({ length: 100 }, () => empty)));
  assert.deepEqual(summarize(peer, conn.takeOutput()), []);
  conn.receive(empty);
  assert.deepEqual(summarize(peer, conn.takeOutput()), ['GOAWAY(1,ENHANCE_YOUR_CALM)']);
});

test('PRIORITY churn on streams that are not open is a glitch', () => {
  const { conn, peer } = server({ glitchBurst: 30 });
  for (let i = 0; i < 30; i++) conn.receive(peer.bytes(peer.priority(1001 + 2 * i).dependsOn(0)));
  assert.deepEqual(summarize(peer, conn.takeOutput()), []);
  conn.receive(peer.bytes(peer.priority(999).dependsOn(0)));
  assert.deepEqual(summarize(peer, conn.takeOutput()), ['GOAWAY(0,ENHANCE_YOUR_CALM)']);
});

test('HPACK bomb: a small block that decodes beyond SETTINGS_MAX_HEADER_LIST_SIZE gets a 431, the connection lives', () => {
  const { conn, peer } = server({ settings: { maxHeaderListSize: 16_384 } });
  const bomb: Array<[string, string]> = Array.from({ length: 40 }, () => ['x-bomb', 'b'.repeat(1000)]);
  const wire = peer.bytes(peer.headers(1).get('/', bomb).endStream());
  assert.ok(wire.length < 2000, `the block is small (${wire.length} bytes)`);
  const events = conn.receive(wire);
  assert.deepEqual(events, [], 'the application never sees it');
  const frames = peer.read(conn.takeOutput());
  assert.deepEqual(frames.map((f) => f.type), ['HEADERS', 'RST_STREAM']);
  assert.deepEqual(frames[0]!.fields, [[':status', '431']]);
  assert.equal(frames[1]!.type === 'RST_STREAM' && frames[1]!.errorCode, 0);
  const ok = conn.receive(peer.bytes(peer.headers(3).get('/', [['x-bomb', 'b'.repeat(1000)]]).endStream()));
  assert.equal(ofType(ok, 'headers-received').length, 1, 'HPACK context is still in sync');
});

test('window-update overflow is a FLOW_CONTROL_ERROR (RFC 9113 §6.9.1)', () => {
  const { conn, peer } = server();
  conn.receive(peer.bytes(peer.windowUpdate(0, 2 ** 31 - 65535), peer.windowUpdate(0, 1)));
  assert.deepEqual(summarize(peer, conn.takeOutput()), ['GOAWAY(0,FLOW_CONTROL_ERROR)']);
});

test('SETTINGS_INITIAL_WINDOW_SIZE that overflows a stream window is a FLOW_CONTROL_ERROR', () => {
  const { conn, peer } = server();
  conn.receive(peer.bytes(peer.headers(1).get('/').endStream(), peer.windowUpdate(1, 2 ** 31 - 1 - 65535)));
  conn.receive(peer.bytes(peer.settings().initialWindowSize(65536)));
  assert.deepEqual(summarize(peer, conn.takeOutput()), ['GOAWAY(1,FLOW_CONTROL_ERROR)']);
});

test('maxClosedStreams bounds the memory of closed streams (the oldest are forgotten)', () => {
  const { conn, peer } = server({ maxClosedStreams: 2 });
  for (const id of [1, 3, 5]) {
    conn.receive(peer.bytes(peer.headers(id).post('/')));
    conn.resetStream(id);
  }
  conn.takeOutput();
  conn.receive(peer.bytes(peer.data(5, 'late')));
  assert.deepEqual(summarize(peer, conn.takeOutput()), [], 'remembered: reset by us, ignored');
  conn.receive(peer.bytes(peer.data(1, 'late')));
  assert.deepEqual(summarize(peer, conn.takeOutput()), ['RST_STREAM(1,STREAM_CLOSED)'], 'forgotten: RFC 9113 §6.1');
});

test('late trailers on a forgotten stream are a stream error, a skipped stream id stays a connection error', () => {
  const { conn, peer } = server({ maxClosedStreams: 2 });
  for (const id of [1, 3, 5]) {
    conn.receive(peer.bytes(peer.headers(id).post('/')));
    conn.resetStream(id);
  }
  conn.receive(peer.bytes(peer.headers(9).get('/').endStream())); // 7 is skipped
  conn.takeOutput();
  // Stream 1 was reset by us and then forgotten: its trailers were in flight (RFC 9113 §5.1).
  const events = conn.receive(peer.bytes(peer.headers(1).fields([['grpc-status', '0']]).endStream()));
  assert.deepEqual(events, []);
  assert.deepEqual(summarize(peer, conn.takeOutput()), ['RST_STREAM(1,STREAM_CLOSED)']);
  assert.equal(conn.isTerminated, false);
  // The HPACK context stayed in sync: the next request decodes.
  assert.deepEqual(conn.receive(peer.bytes(peer.headers(11).get('/again').endStream())).map((e) => e.type), ['headers-received', 'stream-ended']);
  // Stream 7 was skipped, above every forgotten id: opening it now breaks RFC 9113 §5.1.1.
  conn.receive(peer.bytes(peer.headers(7).get('/').endStream()));
  assert.deepEqual(summarize(peer, conn.takeOutput()), ['GOAWAY(11,PROTOCOL_ERROR)']);
});

test('priorityLimits.maxNodes bounds PRIORITY placeholders for idle streams (the oldest placement is dropped)', () => {
  // Stream 3 is placed under stream 1 by a PRIORITY frame while idle; its DATA then waits for 1's.
  const order = (options: Omit<H2ConnectionOptions, 'role'>) => {
    const { conn, peer } = server(options);
    conn.receive(peer.bytes(peer.headers(1).get('/a').endStream(), peer.priority(3).dependsOn(1).exclusive(), peer.headers(3).get('/b').endStream()));
    conn.takeOutput();
    for (const id of [1, 3]) {
      conn.sendHeaders(id, [[':status', '200']]);
      conn.sendData(id, Buffer.alloc(20_000), { endStream: true });
    }
    return summarize(peer, conn.takeOutput()).filter((f) => f.startsWith('DATA')).map((f) => f.slice(5, 6)).join(',');
  };
  assert.equal(order({}), '1,1,3,3', 'the placeholder is kept by default');
  assert.equal(order({ priorityLimits: { maxNodes: 0 } }), '1,3,1,3', 'no placeholder kept: stream 3 opens as a sibling');
});
