import { test } from 'node:test';
import assert from 'node:assert/strict';
import { H2Connection } from '../../../src/wire/h2/connection.js';
import { FramePeer, summarize, type Fields } from '../../support/h2-frames.js';
import { get, ofType, wirePair } from '../../support/h2-pair.js';

const BASE: Fields = [[':method', 'GET'], [':scheme', 'https'], [':authority', 'a.test'], [':path', '/']];

function serverReceives(fields: Fields, opts: { endStream?: boolean; connect?: boolean } = {}): { out: string[]; events: string[] } {
  const server = new H2Connection({ role: 'server', settings: { enableConnectProtocol: opts.connect ?? false } });
  const peer = new FramePeer();
  server.receive(peer.bytes(peer.preface(), peer.settings()));
  server.takeOutput();
  const h = peer.headers(1).fields(fields);
  if (opts.endStream !== false) h.endStream();
  const events = server.receive(peer.bytes(h)).map((e) => e.type);
  return { out: summarize(peer, server.takeOutput()), events };
}

// RFC 9113 §8.1.1, §8.2, §8.3: each of these requests is malformed → stream error PROTOCOL_ERROR.
const MALFORMED_REQUESTS: Array<[string, Fields]> = [
  ['uppercase field name', [...BASE, ['X-Foo', '1']]],
  ['field name with a space', [...BASE, ['x foo', '1']]],
  ['empty field name', [...BASE, ['', '1']]],
  ['value with CR LF', [...BASE, ['x-foo', 'a\r\nb']]],
  ['value with NUL', [...BASE, ['x-foo', 'a\0b']]],
  ['value with leading space', [...BASE, ['x-foo', ' a']]],
  ['value with trailing tab', [...BASE, ['x-foo', 'a\t']]],
  ['connection header', [...BASE, ['connection', 'keep-alive']]],
  ['keep-alive header', [...BASE, ['keep-alive', 'timeout=5']]],
  ['proxy-connection header', [...BASE, ['proxy-connection', 'x']]],
  ['transfer-encoding header', [...BASE, ['transfer-encoding', 'chunked']]],
  ['upgrade header', [...BASE, ['upgrade', 'websocket']]],
  ['TE other than trailers', [...BASE, ['te', 'gzip']]],
  ['pseudo-header after a regular field', [[':method', 'GET'], [':scheme', 'https'], ['x', '1'], [':path', '/']]],
  ['unknown pseudo-header', [...BASE, [':foo', 'bar']]],
  ['response pseudo-header in a request', [...BASE, [':status', '200']]],
  ['duplicate :path', [...BASE, [':path', '/again']]],
  ['missing :method', BASE.filter(([n]) => n !== ':method')],
  ['missing :scheme', BASE.filter(([n]) => n !== ':scheme')],
  ['missing :path', BASE.filter(([n]) => n !== ':path')],
  ['empty :path', [[':method', 'GET'], [':scheme', 'https'], [':authority', 'a.test'], [':path', '']]],
  ['relative :path', [[':method', 'GET'], [':scheme', 'https'], [':authority', 'a.test'], [':path', 'index.html']]],
  ['* :path outside OPTIONS', [[':method', 'GET'], [':scheme', 'https'], [':authority', 'a.test'], [':path', '*']]],
  ['CONNECT with :path', [[':method', 'CONNECT'], [':authority', 'a:443'], [':path', '/']]],
  ['CONNECT without :authority', [[':method', 'CONNECT']]],
  [':protocol without SETTINGS_ENABLE_CONNECT_PROTOCOL', [[':method', 'CONNECT'], [':protocol', 'websocket'], [':scheme', 'https'], [':path', '/chat'], [':authority', 'a']]],
  ['invalid content-length', [...BASE, ['content-length', '12a']]],
  ['conflicting content-lengths', [...BASE, ['content-length', '1'], ['content-length', '2']]],
  // RFC 9113 §8.3.1: Host and :authority must name the same target; http(s) needs one of them.
  ['host other than :authority', [...BASE, ['host', 'evil.test']]],
  ['host with another port than :authority', [...BASE, ['host', 'a.test:8443']]],
  ['two different host fields', [[':method', 'GET'], [':scheme', 'https'], [':path', '/'], ['host', 'a.test'], ['host', 'b.test']]],
  ['https without :authority or host', [[':method', 'GET'], [':scheme', 'https'], [':path', '/']]],
  [':authority with userinfo', [[':method', 'GET'], [':scheme', 'https'], [':authority', 'user:pw@a.test'], [':path', '/']]],
];

for (const [what, fields] of MALFORMED_REQUESTS) {
  test(`malformed request (${what}) → RST_STREAM PROTOCOL_ERROR, connection lives`, () => {
    const { out, events } = serverReceives(fields);
    assert.deepEqual(out, ['RST_STREAM(1,PROTOCOL_ERROR)']);
    assert.deepEqual(events, [], 'the application never sees a malformed request');
  });
}

const VALID_REQUESTS: Array<[string, Fields]> = [
  ['plain GET', BASE],
  ['OPTIONS *', [[':method', 'OPTIONS'], [':scheme', 'https'], [':authority', 'a.test'], [':path', '*']]],
  ['CONNECT', [[':method', 'CONNECT'], [':authority', 'a.test:443']]],
  ['TE: trailers', [...BASE, ['te', 'trailers']]],
  ['repeated equal content-length', [...BASE, ['content-length', '0'], ['content-length', '0']]],
  ['non-http scheme with opaque path', [[':method', 'GET'], [':scheme', 'foo'], [':path', 'bar']]],
  ['host equal to :authority up to case and default port', [...BASE, ['host', 'A.Test:443']]],
  ['host without :authority', [[':method', 'GET'], [':scheme', 'http'], [':path', '/'], ['host', 'a.test']]],
];

for (const [what, fields] of VALID_REQUESTS) {
  test(`valid request (${what}) is delivered`, () => {
    const { out, events } = serverReceives(fields);
    assert.deepEqual(out, []);
    assert.deepEqual(events, ['headers-received', 'stream-ended']);
  });
}

test('extended CONNECT (RFC 8441): :protocol is accepted once we enabled it, and data flows both ways', () => {
  const pair = wirePair({ autoAck: true, server: { settings: { enableConnectProtocol: true } } });
  const ws: Fields = [[':method', 'CONNECT'], [':protocol', 'websocket'], [':scheme', 'https'], [':path', '/chat'], [':authority', 'a.test'], ['sec-websocket-version', '13']];
  assert.throws(() => pair.client.sendHeaders(1, ws), { code: 'ERR_HTTP2_INVALID_HEADERS' }, 'not before the server setting arrives');
  pair.pump();
  assert.equal(pair.client.remoteSettings.enableConnectProtocol, true);
  pair.client.sendHeaders(1, ws);
  pair.pump();
  assert.deepEqual(ofType(pair.serverEvents, 'headers-received')[0]!.headers, ws);
  pair.server.sendHeaders(1, [[':status', '200']]);
  pair.server.sendData(1, 'frame-from-server');
  pair.client.sendData(1, 'frame-from-client');
  pair.pump();
  assert.deepEqual(ofType(pair.clientEvents, 'data-received').map((e) => e.data.toString()), ['frame-from-server']);
  assert.deepEqual(ofType(pair.serverEvents, 'data-received').map((e) => e.data.toString()), ['frame-from-client']);
  assert.throws(() => pair.server.updateSettings({ enableConnectProtocol: false }), { code: 'ERR_HTTP2_INVALID_SETTING_VALUE' });
});

test('extended CONNECT: withdrawing SETTINGS_ENABLE_CONNECT_PROTOCOL is a PROTOCOL_ERROR', () => {
  const client = new H2Connection({ role: 'client' });
  const peer = new FramePeer();
  client.takeOutput();
  client.receive(peer.bytes(peer.settings().enableConnectProtocol(), peer.settings().set(8, 0)));
  assert.deepEqual(summarize(peer, client.takeOutput()), ['SETTINGS(ACK)', 'GOAWAY(0,PROTOCOL_ERROR)']);
});

test('content-length: DATA beyond it, or short of it at END_STREAM, is malformed', () => {
  for (const [bodies, ok] of [[['abc', 'de'], true], [['abc', 'def'], false], [['ab'], false]] as const) {
    const server = new H2Connection({ role: 'server' });
    const peer = new FramePeer();
    server.receive(peer.bytes(peer.preface(), peer.settings(), peer.headers(1).post('/', [['content-length', '5']])));
    server.takeOutput();
    const frames = bodies.map((b, i) => { const d = peer.data(1, b); return i === bodies.length - 1 ? d.endStream() : d; });
    server.receive(peer.bytes(...frames));
    assert.deepEqual(summarize(peer, server.takeOutput()), ok ? [] : ['RST_STREAM(1,PROTOCOL_ERROR)'], bodies.join('+'));
  }
});

test('content-length on a response to HEAD or a 304 does not describe DATA', () => {
  const pair = wirePair({ autoAck: true });
  pair.client.sendHeaders(1, [[':method', 'HEAD'], [':scheme', 'https'], [':authority', 'a'], [':path', '/']], { endStream: true });
  pair.client.sendHeaders(3, get('/cached'), { endStream: true });
  pair.pump();
  pair.server.sendHeaders(1, [[':status', '200'], ['content-length', '1000']], { endStream: true });
  pair.server.sendHeaders(3, [[':status', '304'], ['content-length', '1000']], { endStream: true });
  pair.pump();
  assert.equal(ofType(pair.clientEvents, 'stream-ended').length, 2);
  assert.equal(ofType(pair.clientEvents, 'stream-reset').length, 0);
});

test('responses: missing or invalid :status, 101, request pseudo-headers are malformed', () => {
  for (const fields of [[['x', '1']], [[':status', '20']], [[':status', '101']], [[':status', '200'], [':path', '/']]] as Fields[]) {
    const client = new H2Connection({ role: 'client' });
    const peer = new FramePeer();
    client.sendHeaders(1, get('/'), { endStream: true });
    client.takeOutput();
    const events = client.receive(peer.bytes(peer.settings(), peer.headers(1).fields(fields)));
    assert.deepEqual(summarize(peer, client.takeOutput()), ['SETTINGS(ACK)', 'RST_STREAM(1,PROTOCOL_ERROR)'], JSON.stringify(fields));
    assert.equal(ofType(events, 'stream-reset')[0]?.remote, false);
  }
});

test('trailers may not carry pseudo-headers', () => {
  const server = new H2Connection({ role: 'server' });
  const peer = new FramePeer();
  server.receive(peer.bytes(peer.preface(), peer.settings(), peer.headers(1).post('/'), peer.headers(1).fields([[':path', '/x']]).endStream()));
  assert.deepEqual(summarize(peer, server.takeOutput()).at(-1), 'RST_STREAM(1,PROTOCOL_ERROR)');
});

test('a client never sends a Host that differs from :authority (RFC 9113 §8.3.1)', () => {
  const pair = wirePair();
  assert.throws(() => pair.client.sendHeaders(1, [...BASE, ['host', 'other.test']], { endStream: true }), { code: 'ERR_HTTP2_INVALID_HEADERS' });
  assert.equal(pair.client.nextStreamId(), 1, 'the refused request used no stream id');
  pair.client.sendHeaders(1, [...BASE, ['host', 'a.test']], { endStream: true });
  pair.pump();
  assert.equal(pair.server.streamState(1), 'half-closed-remote');
});

// RFC 9113 §8.2.2: TE "MAY be present in an HTTP/2 request; when it is, it MUST NOT contain any
// value other than "trailers"" — so a response, or its trailers, carrying TE is malformed.
test('a client resets a response whose header section carries TE, even "trailers"', () => {
  for (const te of ['trailers', 'gzip']) {
    const client = new H2Connection({ role: 'client' });
    const peer = new FramePeer();
    client.sendHeaders(1, get('/'), { endStream: true });
    client.takeOutput();
    const events = client.receive(peer.bytes(peer.settings(), peer.headers(1).response(200, [['te', te]]).endStream()));
    assert.deepEqual(summarize(peer, client.takeOutput()), ['SETTINGS(ACK)', 'RST_STREAM(1,PROTOCOL_ERROR)'], te);
    assert.deepEqual(events.map((e) => e.type), ['settings-received', 'stream-reset'], 'the application never sees it');
  }
});

test('a client resets a response whose trailers carry TE', () => {
  const client = new H2Connection({ role: 'client' });
  const peer = new FramePeer();
  client.sendHeaders(1, get('/'), { endStream: true });
  client.takeOutput();
  const events = client.receive(peer.bytes(
    peer.settings(), peer.headers(1).response(200), peer.data(1, 'body'), peer.headers(1).fields([['te', 'trailers']]).endStream(),
  ));
  assert.deepEqual(summarize(peer, client.takeOutput()).at(-1), 'RST_STREAM(1,PROTOCOL_ERROR)');
  assert.deepEqual(ofType(events, 'trailers-received'), []);
  assert.equal(ofType(events, 'stream-reset')[0]?.remote, false);
});

test('a pushed response carrying TE is reset like any other', () => {
  const client = new H2Connection({ role: 'client' });
  const peer = new FramePeer();
  client.sendHeaders(1, get('/'), { endStream: true });
  client.takeOutput();
  client.receive(peer.bytes(peer.settings(), peer.pushPromise(1, 2).get('/pushed'), peer.headers(2).response(200, [['te', 'trailers']]).endStream()));
  assert.deepEqual(summarize(peer, client.takeOutput()).at(-1), 'RST_STREAM(2,PROTOCOL_ERROR)');
});

test('a server receives TE: trailers in request trailers too, and refuses any other TE there', () => {
  for (const [te, ok] of [['trailers', true], ['gzip', false]] as const) {
    const server = new H2Connection({ role: 'server' });
    const peer = new FramePeer();
    const events = server.receive(peer.bytes(peer.preface(), peer.settings(), peer.headers(1).post('/'), peer.headers(1).fields([['te', te]]).endStream()));
    const out = summarize(peer, server.takeOutput()).filter((f) => f.startsWith('RST_STREAM'));
    assert.deepEqual(out, ok ? [] : ['RST_STREAM(1,PROTOCOL_ERROR)'], te);
    assert.equal(ofType(events, 'trailers-received').length, ok ? 1 : 0, te);
  }
});

test('a server never sends TE in a response or its trailers; a client may send TE: trailers', () => {
  const pair = wirePair({ autoAck: true });
  pair.client.sendHeaders(1, [...BASE, ['te', 'trailers']]);
  assert.throws(() => pair.client.sendHeaders(3, [...BASE, ['te', 'gzip']]), { code: 'ERR_HTTP2_INVALID_CONNECTION_HEADERS' });
  pair.client.sendTrailers(1, [['te', 'trailers']]);
  pair.pump();
  assert.deepEqual(ofType(pair.serverEvents, 'headers-received')[0]!.headers.at(-1), ['te', 'trailers']);
  assert.deepEqual(ofType(pair.serverEvents, 'trailers-received')[0]!.headers, [['te', 'trailers']]);
  assert.throws(() => pair.server.sendHeaders(1, [[':status', '200'], ['te', 'trailers']]), { code: 'ERR_HTTP2_INVALID_CONNECTION_HEADERS' });
  pair.server.sendHeaders(1, [[':status', '200']]);
  assert.throws(() => pair.server.sendTrailers(1, [['te', 'trailers']]), { code: 'ERR_HTTP2_INVALID_CONNECTION_HEADERS' });
  pair.server.sendTrailers(1, [['x-done', '1']]);
  pair.pump();
  assert.deepEqual(ofType(pair.clientEvents, 'trailers-received')[0]!.headers, [['x-done', '1']]);
  assert.equal(ofType(pair.clientEvents, 'stream-reset').length, 0);
});
