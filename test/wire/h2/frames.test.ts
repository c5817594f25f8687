import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { decodeFrame, encodeFrame, FrameReader, isFault, type Frame } from '../../../src/wire/h2/frames.js';
import { ErrorCode, FrameType, errorCodeName, SettingId } from '../../../src/wire/h2/constants.js';

const SAMPLES: Frame[] = [
  { type: 'DATA', streamId: 1, data: Buffer.from('hello'), endStream: true },
  { type: 'DATA', streamId: 3, data: Buffer.from('padded'), endStream: false, padLength: 7 },
  { type: 'HEADERS', streamId: 5, block: Buffer.from([0x82, 0x86]), endStream: false, endHeaders: true },
  {
    type: 'HEADERS', streamId: 7, block: Buffer.from([0x82]), endStream: true, endHeaders: false,
    priority: { dependsOn: 5, weight: 256, exclusive: true }, padLength: 3,
  },
  { type: 'PRIORITY', streamId: 9, priority: { dependsOn: 0, weight: 1, exclusive: false } },
  { type: 'RST_STREAM', streamId: 1, errorCode: ErrorCode.CANCEL },
  { type: 'SETTINGS', ack: false, settings: [[SettingId.INITIAL_WINDOW_SIZE, 1000], [SettingId.ENABLE_PUSH, 0], [0x99, 7]] },
  { type: 'SETTINGS', ack: true, settings: [] },
  { type: 'PUSH_PROMISE', streamId: 1, promisedId: 2, block: Buffer.from([0x82]), endHeaders: true, padLength: 0 },
  { type: 'PING', ack: true, opaque: Buffer.from('12345678') },
  { type: 'GOAWAY', lastStreamId: 7, errorCode: ErrorCode.ENHANCE_YOUR_CALM, debug: Buffer.from('calm') },
  { type: 'WINDOW_UPDATE', streamId: 0, increment: 2 ** 31 - 1 },
  { type: 'CONTINUATION', streamId: 7, block: Buffer.from([0x84]), endHeaders: true },
  { type: 'PRIORITY_UPDATE', prioritizedId: 3, value: 'u=1, i' },
  { type: 'UNKNOWN', frameType: 0xfa, flags: 0xff, streamId: 3, payload: Buffer.from('x') },
];

function decodeBytes(b: Buffer): Frame {
  const r = decodeFrame(b[3]!, b[4]!, b.readUInt32BE(5) & 0x7fffffff, b.subarray(9));
  assert.ok(!isFault(r), JSON.stringify(r));
  return r;
}

function norm(f: Frame): unknown {
  return JSON.parse(JSON.stringify(f, (_k, v: unknown) => (v && typeof v === 'object' && (v as { type?: string }).type === 'Buffer' ? Buffer.from((v as { data: number[] }).data).toString('hex') : v)));
}

test('every frame type round-trips through encode and decode', () => {
  for (const f of SAMPLES) {
    const back = decodeBytes(encodeFrame(f));
    assert.deepEqual(norm({ streamId: 0, ...back }), norm({ streamId: 0, ...f }), f.type);
  }
});

test('padding is stripped and the pad length is reported', () => {
  const b = encodeFrame({ type: 'DATA', streamId: 1, data: Buffer.from('abc'), endStream: false, padLength: 10 });
  assert.equal(b.length, 9 + 1 + 3 + 10);
  const f = decodeBytes(b);
  assert.equal(f.type === 'DATA' && f.data.toString(), 'abc');
  assert.equal(f.type === 'DATA' && f.padLength, 10);
});

test('layout violations become faults with the RFC code and scope', () => {
  const cases: Array<[number, number, number, Buffer, 'connection' | 'stream', keyof typeof ErrorCode]> = [
    [FrameType.DATA, 0, 0, Buffer.alloc(1), 'connection', 'PROTOCOL_ERROR'],
    [FrameType.DATA, 0x8, 1, Buffer.from([5, 1, 2]), 'connection', 'PROTOCOL_ERROR'],
    [FrameType.DATA, 0x8, 1, Buffer.from([3, 1, 2]), 'connection', 'PROTOCOL_ERROR'], // pad == payload length
    [FrameType.HEADERS, 0, 0, Buffer.alloc(1), 'connection', 'PROTOCOL_ERROR'],
    [FrameType.HEADERS, 0x20, 1, Buffer.alloc(3), 'connection', 'FRAME_SIZE_ERROR'],
    [FrameType.PRIORITY, 0, 1, Buffer.alloc(4), 'stream', 'FRAME_SIZE_ERROR'],
    [FrameType.PRIORITY, 0, 0, Buffer.alloc(5), 'connection', 'PROTOCOL_ERROR'],
    [FrameType.RST_STREAM, 0, 1, Buffer.alloc(3), 'connection', 'FRAME_SIZE_ERROR'],
    [FrameType.RST_STREAM, 0, 0, Buffer.alloc(4), 'connection', 'PROTOCOL_ERROR'],
    [FrameType.SETTINGS, 0, 1, Buffer.alloc(0), 'connection', 'PROTOCOL_ERROR'],
    [FrameType.SETTINGS, 1, 0, Buffer.alloc(6), 'connection', 'FRAME_SIZE_ERROR'],
    [FrameType.SETTINGS, 0, 0, Buffer.alloc(5), 'connection', 'FRAME_SIZE_ERROR'],
    [FrameType.SETTINGS, 0, 0, Buffer.from([0, 2, 0, 0, 0, 2]), 'connection', 'PROTOCOL_ERROR'],
    [FrameType.SETTINGS, 0, 0, Buffer.from([0, 4, 0x80, 0, 0, 0]), 'connection', 'FLOW_CONTROL_ERROR'],
    [FrameType.SETTINGS, 0, 0, Buffer.from([0, 5, 0, 0, 0x3f, 0xff]), 'connection', 'PROTOCOL_ERROR'],
    [FrameType.SETTINGS, 0, 0, Buffer.from([0, 5, 1, 0, 0, 0]), 'connection', 'PROTOCOL_ERROR'],
    [FrameType.SETTINGS, 0, 0, Buffer.from([0, 8, 0, 0, 0, 2]), 'connection', 'PROTOCOL_ERROR'],
    [FrameType.PUSH_PROMISE, 0, 0, Buffer.alloc(4), 'connection', 'PROTOCOL_ERROR'],
    [FrameType.PUSH_PROMISE, 0, 1, Buffer.alloc(3), 'connection', 'FRAME_SIZE_ERROR'],
    [FrameType.PING, 0, 0, Buffer.alloc(7), 'connection', 'FRAME_SIZE_ERROR'],
    [FrameType.PING, 0, 1, Buffer.alloc(8), 'connection', 'PROTOCOL_ERROR'],
    [FrameType.GOAWAY, 0, 0, Buffer.alloc(7), 'connection', 'FRAME_SIZE_ERROR'],
    [FrameType.GOAWAY, 0, 3, Buffer.alloc(8), 'connection', 'PROTOCOL_ERROR'],
    [FrameType.WINDOW_UPDATE, 0, 1, Buffer.alloc(3), 'connection', 'FRAME_SIZE_ERROR'],
    [FrameType.WINDOW_UPDATE, 0, 0, Buffer.alloc(4), 'connection', 'PROTOCOL_ERROR'],
    [FrameType.CONTINUATION, 0, 0, Buffer.alloc(1), 'connection', 'PROTOCOL_ERROR'],
    [FrameType.PRIORITY_UPDATE, 0, 1, Buffer.alloc(4), 'connection', 'PROTOCOL_ERROR'],
    [FrameType.PRIORITY_UPDATE, 0, 0, Buffer.alloc(3), 'connection', 'FRAME_SIZE_ERROR'],
    [FrameType.PRIORITY_UPDATE, 0, 0, Buffer.alloc(4), 'connection', 'PROTOCOL_ERROR'],
  ];
  for (const [type, flags, id, payload, scope, code] of cases) {
    const r = decodeFrame(type, flags, id, payload);
    assert.ok(isFault(r), `type ${type} flags ${flags} id ${id} should fault`);
    assert.equal(r.scope, scope, r.message);
    assert.equal(errorCodeName(r.code), code, r.message);
  }
});

test('WINDOW_UPDATE with increment 0: a connection fault on stream 0, a frame on a stream (its state decides)', () => {
  const onConnection = decodeFrame(FrameType.WINDOW_UPDATE, 0, 0, Buffer.alloc(4));
  assert.ok(isFault(onConnection) && onConnection.scope === 'connection' && errorCodeName(onConnection.code) === 'PROTOCOL_ERROR');
  // RFC 9113 §6.9: ignored on a closed stream, a stream error on an open one: the connection judges.
  assert.deepEqual(decodeFrame(FrameType.WINDOW_UPDATE, 0, 1, Buffer.alloc(4)), { type: 'WINDOW_UPDATE', streamId: 1, increment: 0 });
});

test('the reader yields the same frames at every split point of its input', () => {
  const wire = Buffer.concat(SAMPLES.map((f) => encodeFrame(f)));
  const whole = new FrameReader();
  whole.push(wire);
  const expected: unknown[] = [];
  for (let r = whole.next(); r; r = whole.next()) expected.push(r.kind === 'frame' ? norm(r.frame) : r);
  assert.equal(expected.length, SAMPLES.length);
  for (let cut = 1; cut < wire.length; cut++) {
    const reader = new FrameReader();
    const got: unknown[] = [];
    for (const part of [wire.subarray(0, cut), wire.subarray(cut)]) {
      reader.push(part);
      for (let r = reader.next(); r; r = reader.next()) got.push(r.kind === 'frame' ? norm(r.frame) : r);
    }
    assert.deepEqual(got, expected, `split at ${cut}`);
  }
});

test('a frame above our SETTINGS_MAX_FRAME_SIZE is refused from its header alone', () => {
  const reader = new FrameReader(16_384);
  const header = Buffer.from([0x00, 0x40, 0x01, 0x00, 0x00, 0, 0, 0, 1]); // 16385-byte DATA
  reader.push(header);
  const r = reader.next();
  assert.equal(r?.kind, 'fault');
  assert.equal(r?.kind === 'fault' && r.fault.code, ErrorCode.FRAME_SIZE_ERROR);
  assert.equal(reader.next(), null, 'nothing after a connection fault');
  reader.maxFrameSize = 16_385;
  const ok = new FrameReader(16_385);
  ok.push(Buffer.concat([header, Buffer.alloc(16_385)]));
  assert.equal(ok.next()?.kind, 'frame');
});

test('the encoder refuses a payload above the peer SETTINGS_MAX_FRAME_SIZE', () => {
  assert.throws(() => encodeFrame({ type: 'DATA', streamId: 1, data: Buffer.alloc(16_385), endStream: false }), RangeError);
  assert.equal(encodeFrame({ type: 'DATA', streamId: 1, data: Buffer.alloc(16_385), endStream: false }, 20_000).length, 9 + 16_385);
});

test('property: random bytes never make the reader throw', () => {
  fc.assert(
    fc.property(fc.array(fc.uint8Array({ maxLength: 64 }), { maxLength: 8 }), (chunks) => {
      const reader = new FrameReader();
      for (const c of chunks) {
        reader.push(c);
        for (let r = reader.next(); r; r = reader.next()) void r;
      }
    }),
    { numRuns: 2000 },
  );
});

test('property: a generated frame round-trips', () => {
  const arbFrame: fc.Arbitrary<Frame> = fc.oneof(
    fc.record({ type: fc.constant('DATA' as const), streamId: fc.integer({ min: 1, max: 2 ** 31 - 1 }), data: fc.uint8Array({ maxLength: 100 }).map((u) => Buffer.from(u)), endStream: fc.boolean() }),
    fc.record({ type: fc.constant('WINDOW_UPDATE' as const), streamId: fc.integer({ min: 0, max: 2 ** 31 - 1 }), increment: fc.integer({ min: 1, max: 2 ** 31 - 1 }) }),
    fc.record({ type: fc.constant('RST_STREAM' as const), streamId: fc.integer({ min: 1, max: 2 ** 31 - 1 }), errorCode: fc.integer({ min: 0, max: 2 ** 32 - 1 }) }),
  );
  fc.assert(
    fc.property(arbFrame, (f) => {
      assert.deepEqual(norm(decodeBytes(encodeFrame(f))), norm(f));
    }),
  );
});

test('padding may fill the whole payload after the pad-length octet (empty DATA)', () => {
  const r = decodeFrame(FrameType.DATA, 0x8, 1, Buffer.from([2, 0, 0]));
  assert.ok(!isFault(r));
  assert.equal(r.type === 'DATA' && r.data.length, 0);
});
