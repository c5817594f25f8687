// trama/http2's surface that needs no I/O, compared with node:http2 (the oracle) key by key and
// byte by byte: constants, default/packed/unpacked settings, sensitiveHeaders, the ERR_HTTP2_* errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import nodeHttp2 from 'node:http2';
import * as http2 from '../../src/http2.js';

/** What calling `f` gives: its value, or the error's class, code and message. */
function outcome(f: () => unknown): unknown {
  try {
    const v = f();
    return { ok: Buffer.isBuffer(v) ? v.toString('hex') : v };
  } catch (e) {
    const err = e as Error & { code?: string };
    return { name: err.name, code: err.code, message: err.message, ctor: err.constructor.name };
  }
}

test('constants: every key of node:http2.constants with node\'s value, in node\'s order', () => {
  assert.deepEqual(Object.keys(http2.constants), Object.keys(nodeHttp2.constants));
  for (const [k, v] of Object.entries(nodeHttp2.constants)) assert.equal((http2.constants as Record<string, unknown>)[k], v, k);
  assert.ok(Object.keys(http2.constants).length > 200);
});

test('getDefaultSettings: node\'s values, key order and null prototype; a fresh object each call', () => {
  const ours = http2.getDefaultSettings();
  const theirs = nodeHttp2.getDefaultSettings();
  assert.deepEqual(Object.keys(ours), Object.keys(theirs));
  assert.deepEqual({ ...ours }, { ...theirs });
  assert.equal(Object.getPrototypeOf(ours), Object.getPrototypeOf(theirs));
  assert.notEqual(http2.getDefaultSettings(), ours);
});

const PACK_CASES: unknown[] = [
  undefined,
  {},
  { enablePush: false },
  { headerTableSize: 1, enablePush: true, initialWindowSize: 2, maxFrameSize: 16384, maxConcurrentStreams: 3, maxHeaderListSize: 4, enableConnectProtocol: false },
  { enableConnectProtocol: true, maxFrameSize: 2 ** 24 - 1, initialWindowSize: 2 ** 31 - 1, headerTableSize: 2 ** 32 - 1 },
  { maxHeaderSize: 5 },
  { headerTableSize: 1.5 },
  { customSettings: { 9: 1, 20: 2 } },
  { enablePush: undefined, maxConcurrentStreams: 0 },
  // node's errors
  null,
  1,
  { headerTableSize: -1 },
  { headerTableSize: '1' },
  { headerTableSize: null },
  { headerTableSize: 2 ** 32 },
  { initialWindowSize: 2 ** 31 },
  { maxFrameSize: 100 },
  { maxFrameSize: 2 ** 24 },
  { maxConcurrentStreams: 2 ** 32 },
  { maxHeaderListSize: 2 ** 32 },
  { maxHeaderSize: 2 ** 32 },
  { enablePush: 1 },
  { enableConnectProtocol: 'yes' },
  { customSettings: 5 },
  { customSettings: { 70000: 1 } },
  { customSettings: { 10: 2 ** 32 } },
];

test('getPackedSettings: byte-exact with node, node\'s error class/code/message on bad input', () => {
  for (const c of PACK_CASES) {
    const ours = outcome(() => http2.getPackedSettings(c as http2.Settings));
    const theirs = outcome(() => nodeHttp2.getPackedSettings(c as nodeHttp2.Settings));
    assert.deepEqual(ours, theirs, JSON.stringify(c));
  }
});

test('getUnpackedSettings: node\'s object (key order, maxHeaderSize, customSettings), node\'s errors, validate', () => {
  const cases: Array<[unknown, unknown?]> = [
    [Buffer.alloc(0)],
    [new Uint8Array([0, 2, 0, 0, 0, 1, 0, 8, 0, 0, 0, 1, 0, 9, 0, 0, 0, 5, 0, 6, 0, 0, 0, 7])],
    [http2.getPackedSettings({ headerTableSize: 100, maxConcurrentStreams: 7, initialWindowSize: 9, maxFrameSize: 20000 })],
    [Buffer.from([0, 4, 0x80, 0, 0, 0])],
    [Buffer.from([0, 4, 0x80, 0, 0, 0]), { validate: true }],
    [Buffer.from([0, 5, 0, 0, 0, 1]), { validate: true }],
    [Buffer.from([0, 1, 0xff, 0xff, 0xff, 0xff]), { validate: true }],
    [Buffer.alloc(5)],
    ['x'],
    [new DataView(new ArrayBuffer(6))],
  ];
  for (const [buf, opts] of cases) {
    const ours = outcome(() => http2.getUnpackedSettings(buf as Buffer, opts as { validate?: boolean }));
    const theirs = outcome(() => (nodeHttp2.getUnpackedSettings as (b: unknown, o?: unknown) => unknown)(buf, opts));
    assert.deepEqual(ours, theirs, String(buf));
    if ((ours as { ok?: object }).ok) assert.deepEqual(Object.keys((ours as { ok: object }).ok), Object.keys((theirs as { ok: object }).ok));
  }
});

test('pack → unpack round trip agrees with node for random settings', () => {
  let seed = 7;
  const rnd = (n: number): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) % n);
  for (let i = 0; i < 200; i++) {
    const s: Record<string, unknown> = {};
    if (rnd(2)) s.headerTableSize = rnd(2 ** 31);
    if (rnd(2)) s.enablePush = rnd(2) === 1;
    if (rnd(2)) s.initialWindowSize = rnd(2 ** 31);
    if (rnd(2)) s.maxFrameSize = 16384 + rnd(2 ** 24 - 16384);
    if (rnd(2)) s.maxConcurrentStreams = rnd(2 ** 31);
    if (rnd(2)) s.maxHeaderListSize = rnd(2 ** 31);
    const packed = http2.getPackedSettings(s);
    assert.equal(packed.toString('hex'), nodeHttp2.getPackedSettings(s).toString('hex'));
    assert.deepEqual(http2.getUnpackedSettings(packed), nodeHttp2.getUnpackedSettings(packed));
  }
});

test('sensitiveHeaders is node\'s own symbol (a program may mix both modules\' header objects)', () => {
  assert.equal(typeof http2.sensitiveHeaders, 'symbol');
  assert.equal(http2.sensitiveHeaders, nodeHttp2.sensitiveHeaders);
});

test('the ERR_HTTP2_* errors node throws: class, code and message as node builds them', () => {
  // node's own: a ping payload of the wrong size, through a real session.
  const err = http2.http2Error('ERR_HTTP2_PING_LENGTH');
  assert.ok(err instanceof RangeError);
  assert.equal(err.code, 'ERR_HTTP2_PING_LENGTH');
  assert.equal(err.message, 'HTTP2 ping payload must be 8 bytes');
  assert.equal(String(err), 'RangeError [ERR_HTTP2_PING_LENGTH]: HTTP2 ping payload must be 8 bytes');
  assert.equal(http2.http2Error('ERR_HTTP2_INVALID_CONNECTION_HEADERS', 'connection').message, 'HTTP/1 Connection specific headers are forbidden: "connection"');
  assert.equal(http2.http2Error('ERR_HTTP2_STREAM_ERROR', 'NGHTTP2_CANCEL').message, 'Stream closed with error code NGHTTP2_CANCEL');
});

test('node:http2\'s export names are all there', () => {
  for (const k of Object.keys(nodeHttp2)) assert.ok(k in http2, k);
});
