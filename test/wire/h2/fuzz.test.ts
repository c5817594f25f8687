// Peer bytes never throw: random bytes, random frame sequences, and every split point of a real
// exchange give the same events.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { H2Connection } from '../../../src/wire/h2/connection.js';
import { encodeFrame, FrameReader, type Frame } from '../../../src/wire/h2/frames.js';
import { CLIENT_PREFACE } from '../../../src/wire/h2/constants.js';
import type { H2Event } from '../../../src/wire/h2/events.js';
import { FramePeer } from '../../support/h2-frames.js';

function outputParses(buf: Buffer): void {
  const r = new FrameReader(1 << 24);
  r.push(buf[0] === 0x50 ? buf.subarray(CLIENT_PREFACE.length) : buf);
  for (let x = r.next(); x; x = r.next()) {
    assert.equal(x.kind, 'frame', 'the engine writes only valid frames');
    // INTERNAL_ERROR is what the engine's safety net sends when one of its own checks threw.
    if (x.kind === 'frame' && x.frame.type === 'GOAWAY') assert.notEqual(x.frame.errorCode, 2, x.frame.debug.toString());
  }
  assert.equal(r.buffered, 0);
}

test('property: random bytes after the preface never throw, and output stays valid', () => {
  fc.assert(
    fc.property(fc.array(fc.uint8Array({ maxLength: 80 }), { maxLength: 10 }), fc.constantFrom<'client' | 'server'>('client', 'server'), (chunks, role) => {
      const conn = new H2Connection({ role });
      const peer = new FramePeer();
      conn.receive(role === 'server' ? peer.bytes(peer.preface(), peer.settings()) : peer.bytes(peer.settings()));
      for (const c of chunks) conn.receive(c);
      outputParses(conn.takeOutput());
    }),
    { numRuns: 1500 },
  );
});

const streamId = fc.constantFrom(0, 1, 2, 3, 5, 7, 2 ** 31 - 1);
const arbFrame: fc.Arbitrary<Frame> = fc.oneof(
  fc.record({ type: fc.constant('DATA' as const), streamId: streamId.filter((x) => x > 0), data: fc.uint8Array({ maxLength: 40 }).map((u) => Buffer.from(u)), endStream: fc.boolean() }),
  fc.record({ type: fc.constant('HEADERS' as const), streamId: streamId.filter((x) => x > 0), block: fc.constantFrom(Buffer.from('82868441', 'hex'), Buffer.from('8286', 'hex'), Buffer.from('88', 'hex'), Buffer.from([0x3f, 0xe1, 0x1f])), endStream: fc.boolean(), endHeaders: fc.boolean() }),
  fc.record({ type: fc.constant('PRIORITY' as const), streamId: streamId.filter((x) => x > 0), priority: fc.record({ dependsOn: streamId, weight: fc.integer({ min: 1, max: 256 }), exclusive: fc.boolean() }) }),
  fc.record({ type: fc.constant('RST_STREAM' as const), streamId: streamId.filter((x) => x > 0), errorCode: fc.integer({ min: 0, max: 20 }) }),
  fc.record({ type: fc.constant('SETTINGS' as const), ack: fc.boolean(), settings: fc.array(fc.tuple(fc.integer({ min: 1, max: 10 }), fc.integer({ min: 0, max: 2 ** 31 })), { maxLength: 4 }) }).map((f) => (f.ack ? { ...f, settings: [] } : f)),
  fc.record({ type: fc.constant('PUSH_PROMISE' as const), streamId: streamId.filter((x) => x > 0), promisedId: streamId, block: fc.constant(Buffer.from('82868441', 'hex')), endHeaders: fc.boolean() }),
  fc.record({ type: fc.constant('PING' as const), ack: fc.boolean(), opaque: fc.constant(Buffer.alloc(8)) }),
  fc.record({ type: fc.constant('GOAWAY' as const), lastStreamId: streamId, errorCode: fc.integer({ min: 0, max: 13 }), debug: fc.constant(Buffer.alloc(0)) }),
  fc.record({ type: fc.constant('WINDOW_UPDATE' as const), streamId, increment: fc.integer({ min: 1, max: 2 ** 31 - 1 }) }),
  fc.record({ type: fc.constant('CONTINUATION' as const), streamId: streamId.filter((x) => x > 0), block: fc.constant(Buffer.from('84', 'hex')), endHeaders: fc.boolean() }),
  fc.record({ type: fc.constant('PRIORITY_UPDATE' as const), prioritizedId: streamId.filter((x) => x > 0), value: fc.constantFrom('u=1', 'u=9, i', 'garbage;;') }),
);

test('property: random frame sequences never throw, in either role, and output stays valid', () => {
  fc.assert(
    fc.property(fc.array(arbFrame, { maxLength: 25 }), fc.constantFrom<'client' | 'server'>('client', 'server'), (frames, role) => {
      const conn = new H2Connection({ role });
      const peer = new FramePeer();
      if (role === 'client') conn.sendHeaders(1, [[':method', 'GET'], [':scheme', 'https'], [':authority', 'a'], [':path', '/']]);
      conn.receive(role === 'server' ? peer.bytes(peer.preface(), peer.settings()) : peer.bytes(peer.settings()));
      for (const f of frames) conn.receive(encodeFrame(f, 1 << 24));
      outputParses(conn.takeOutput());
    }),
    { numRuns: 3000 },
  );
});

test('a whole exchange gives the same events at every split point', () => {
  const peer = new FramePeer();
  const wire = peer.bytes(
    peer.preface(), peer.settings().initialWindowSize(1000), peer.settingsAck(),
    peer.headers(1).post('/up', [['content-length', '6']]).padded(3), peer.data(1, 'abc').padded(2), peer.data(1, 'def').endStream(),
    peer.headers(3).get('/x', [['x-long', 'y'.repeat(60)]]).inPiecesOf(9).endStream(),
    peer.priority(3).dependsOn(1).weight(99), peer.ping('pingpong'), peer.windowUpdate(0, 100), peer.rst(3).cancel(),
  );
  const run = (cuts: number[]): string => {
    const conn = new H2Connection({ role: 'server', now: () => 0 });
    const events: H2Event[] = [];
    let at = 0;
    for (const cut of [...cuts, wire.length]) {
      events.push(...conn.receive(wire.subarray(at, cut)));
      at = cut;
    }
    return JSON.stringify(events);
  };
  const whole = run([]);
  assert.match(whole, /"trailers-received"|"data-received"/);
  assert.doesNotMatch(whole, /stream-reset","streamId":1|connection-terminated/);
  for (let cut = 1; cut < wire.length; cut++) assert.equal(run([cut]), whole, `split at ${cut}`);
});
