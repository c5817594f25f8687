import { test } from 'node:test';
import assert from 'node:assert/strict';
import { H2Connection } from '../../../src/wire/h2/connection.js';
import { ErrorCode, SettingId } from '../../../src/wire/h2/constants.js';
import { FramePeer, summarize } from '../../support/h2-frames.js';
import { get, ofType, wirePair } from '../../support/h2-pair.js';

test('server push: PUSH_PROMISE goes out before the parent DATA, the pushed response follows', () => {
  const pair = wirePair({ autoAck: true });
  pair.client.sendHeaders(1, get('/index.html'), { endStream: true });
  pair.pump();
  pair.server.sendHeaders(1, [[':status', '200']]);
  pair.server.sendData(1, '<link rel=stylesheet href=/s.css>', { endStream: true });
  const pushed = pair.server.pushPromise(1, get('/s.css'));
  assert.equal(pushed, 2);
  assert.equal(pair.server.streamState(2), 'reserved-local');
  pair.server.sendHeaders(pushed, [[':status', '200'], ['content-type', 'text/css']]);
  assert.equal(pair.server.streamState(2), 'half-closed-remote');
  pair.server.sendData(pushed, 'body{}', { endStream: true });
  const order: string[] = [];
  pair.onClientEvent = (e) => order.push(`${e.type}:${'streamId' in e ? e.streamId : 'promisedId' in e ? e.promisedId : ''}`);
  pair.pump();
  assert.deepEqual(order, [
    'headers-received:1',
    'push-promise-received:2',
    'headers-received:2',
    'data-received:1',
    'stream-ended:1',
    'data-received:2',
    'stream-ended:2',
  ]);
  const [pp] = ofType(pair.clientEvents, 'push-promise-received');
  assert.deepEqual(pp!.headers, get('/s.css'));
  assert.equal(pp!.parentId, 1);
  assert.equal(pair.client.streamState(2), 'closed');
});

test('server push: the client refuses a push with RST_STREAM CANCEL', () => {
  const pair = wirePair({ autoAck: true });
  pair.client.sendHeaders(1, get('/'), { endStream: true });
  pair.pump();
  const pushed = pair.server.pushPromise(1, get('/unwanted.js'));
  pair.pump();
  assert.equal(pair.client.streamState(pushed), 'reserved-remote');
  pair.client.resetStream(pushed, ErrorCode.CANCEL);
  pair.pump();
  assert.deepEqual(ofType(pair.serverEvents, 'stream-reset'), [{ type: 'stream-reset', streamId: 2, errorCode: ErrorCode.CANCEL, remote: true }]);
  assert.equal(pair.server.streamState(pushed), 'closed');
  assert.throws(() => pair.server.sendData(pushed, 'x'), { code: 'ERR_HTTP2_INVALID_STREAM' });
});

test('server push: SETTINGS_ENABLE_PUSH = 0 is honoured', () => {
  const pair = wirePair({ client: { settings: { enablePush: false } } });
  pair.client.sendHeaders(1, get('/'), { endStream: true });
  pair.pump();
  assert.equal(pair.server.remoteSettings.enablePush, false);
  assert.throws(() => pair.server.pushPromise(1, get('/x')), { code: 'ERR_HTTP2_PUSH_DISABLED' });
});

test('server push: a PUSH_PROMISE after our ENABLE_PUSH = 0 was acknowledged is a connection PROTOCOL_ERROR', () => {
  const client = new H2Connection({ role: 'client', settings: { enablePush: false } });
  const peer = new FramePeer();
  client.sendHeaders(1, get('/'), { endStream: true });
  client.takeOutput();
  client.receive(peer.bytes(peer.settings(), peer.settingsAck()));
  client.takeOutput();
  client.receive(peer.bytes(peer.pushPromise(1, 2).get('/x')));
  assert.deepEqual(summarize(peer, client.takeOutput()), ['GOAWAY(0,PROTOCOL_ERROR)']);
});

test('server push: a push that crosses our ENABLE_PUSH = 0 (not yet acknowledged) is refused with CANCEL', () => {
  const client = new H2Connection({ role: 'client', settings: { enablePush: false } });
  const peer = new FramePeer();
  client.sendHeaders(1, get('/'), { endStream: true });
  client.takeOutput();
  const events = client.receive(peer.bytes(peer.settings(), peer.pushPromise(1, 2).get('/x')));
  assert.deepEqual(ofType(events, 'push-promise-received'), []);
  assert.deepEqual(summarize(peer, client.takeOutput()), ['SETTINGS(ACK)', 'RST_STREAM(2,CANCEL)']);
});

test('server push: promised ids must be even and increasing; a server never receives PUSH_PROMISE', () => {
  for (const promised of [3, 0]) {
    const client = new H2Connection({ role: 'client' });
    const peer = new FramePeer();
    client.sendHeaders(1, get('/'));
    client.takeOutput();
    client.receive(peer.bytes(peer.settings(), peer.pushPromise(1, promised).get('/x')));
    assert.deepEqual(summarize(peer, client.takeOutput()).at(-1), 'GOAWAY(0,PROTOCOL_ERROR)', `promised ${promised}`);
  }
  {
    const client = new H2Connection({ role: 'client' });
    const peer = new FramePeer();
    client.sendHeaders(1, get('/'));
    client.takeOutput();
    client.receive(peer.bytes(peer.settings(), peer.pushPromise(1, 4).get('/a'), peer.pushPromise(1, 2).get('/b')));
    assert.deepEqual(summarize(peer, client.takeOutput()).at(-1), 'GOAWAY(4,PROTOCOL_ERROR)');
  }
  const server = new H2Connection({ role: 'server' });
  const peer = new FramePeer();
  server.receive(peer.bytes(peer.preface(), peer.settings(), peer.headers(1).get('/'), peer.pushPromise(1, 2).get('/x')));
  assert.equal(summarize(peer, server.takeOutput()).at(-1), 'GOAWAY(1,PROTOCOL_ERROR)');
});

test('server push: a PUSH_PROMISE on a pushed (server-initiated) stream is a connection PROTOCOL_ERROR', () => {
  const client = new H2Connection({ role: 'client' });
  const peer = new FramePeer();
  client.sendHeaders(1, get('/'), { endStream: true });
  client.takeOutput();
  client.receive(peer.bytes(peer.settings(), peer.pushPromise(1, 2).get('/a'), peer.headers(2).response(200)));
  assert.equal(client.streamState(2), 'half-closed-local', 'the pushed stream is receiving');
  client.takeOutput();
  // RFC 9113 §6.6: promised only on a client-initiated stream, even though stream 2 is half-closed (local).
  client.receive(peer.bytes(peer.pushPromise(2, 4).get('/b')));
  assert.deepEqual(summarize(peer, client.takeOutput()), ['GOAWAY(2,PROTOCOL_ERROR)']);
});

test('server push: a push promised after the client\'s GOAWAY is refused (RFC 9113 §6.8)', () => {
  const client = new H2Connection({ role: 'client' });
  const peer = new FramePeer();
  client.sendHeaders(1, get('/'));
  client.receive(peer.bytes(peer.settings(), peer.pushPromise(1, 2).get('/a')));
  client.goaway();
  client.takeOutput();
  const events = client.receive(peer.bytes(peer.pushPromise(1, 4).get('/b')));
  assert.deepEqual(events, [], 'the application never hears of it');
  assert.deepEqual(summarize(peer, client.takeOutput()), ['RST_STREAM(4,REFUSED_STREAM)']);
  assert.equal(client.streamState(2), 'reserved-remote', 'the push promised before the GOAWAY stands');
});

test('server push: an unsafe or malformed promised request is a stream error on the promised stream', () => {
  const client = new H2Connection({ role: 'client' });
  const peer = new FramePeer();
  client.sendHeaders(1, get('/'));
  client.takeOutput();
  const events = client.receive(peer.bytes(peer.settings(), peer.pushPromise(1, 2).request('POST', '/x')));
  assert.deepEqual(ofType(events, 'push-promise-received'), []);
  assert.deepEqual(summarize(peer, client.takeOutput()), ['SETTINGS(ACK)', 'RST_STREAM(2,PROTOCOL_ERROR)']);
  assert.equal(client.isTerminated, false);
});

test('server push: reserved (remote) accepts HEADERS, RST_STREAM, PRIORITY only', () => {
  const client = new H2Connection({ role: 'client' });
  const peer = new FramePeer();
  client.sendHeaders(1, get('/'));
  client.takeOutput();
  client.receive(peer.bytes(peer.settings(), peer.pushPromise(1, 2).get('/x')));
  client.takeOutput();
  client.receive(peer.bytes(peer.data(2, 'early')));
  assert.deepEqual(summarize(peer, client.takeOutput()), ['GOAWAY(2,PROTOCOL_ERROR)']);
});

test('server push: the client limits reserved pushes (REFUSED_STREAM beyond the limit)', () => {
  const client = new H2Connection({ role: 'client', maxReservedPushes: 2 });
  const peer = new FramePeer();
  client.sendHeaders(1, get('/'));
  client.takeOutput();
  const events = client.receive(peer.bytes(peer.settings(), peer.pushPromise(1, 2).get('/a'), peer.pushPromise(1, 4).get('/b'), peer.pushPromise(1, 6).get('/c')));
  assert.equal(ofType(events, 'push-promise-received').length, 2);
  assert.deepEqual(summarize(peer, client.takeOutput()), ['SETTINGS(ACK)', 'RST_STREAM(6,REFUSED_STREAM)']);
});

test('server push: the server may only push on an open client stream, and within the peer stream limit', () => {
  const pair = wirePair({ autoAck: true, client: { settings: { maxConcurrentStreams: 1 } } });
  pair.client.sendHeaders(1, get('/'), { endStream: true });
  pair.pump();
  const a = pair.server.pushPromise(1, get('/a'));
  const b = pair.server.pushPromise(1, get('/b'));
  pair.server.sendHeaders(a, [[':status', '200']]);
  assert.throws(() => pair.server.sendHeaders(b, [[':status', '200']]), { code: 'ERR_HTTP2_OUT_OF_STREAMS' });
  pair.server.sendHeaders(1, [[':status', '200']], { endStream: true });
  assert.throws(() => pair.server.pushPromise(1, get('/c')), { code: 'ERR_HTTP2_INVALID_STREAM' });
  pair.client.sendHeaders(3, get('/again'), { endStream: true });
  pair.pump();
  assert.throws(() => pair.server.pushPromise(3, [[':method', 'POST'], [':scheme', 'https'], [':authority', 'a'], [':path', '/']]), { code: 'ERR_HTTP2_INVALID_HEADERS' });
});

test('PRIORITY frames: for open, idle and closed streams; self-dependency is an error', () => {
  const server = new H2Connection({ role: 'server' });
  const peer = new FramePeer();
  server.receive(peer.bytes(peer.preface(), peer.settings()));
  server.takeOutput();
  const events = server.receive(peer.bytes(
    peer.priority(9).dependsOn(0).weight(200),       // idle: kept as a placeholder
    peer.headers(1).get('/').priority(9, 32, true),    // depends on the idle stream
    peer.priority(1).dependsOn(0).weight(1),           // open
  ));
  assert.deepEqual(events.map((e) => e.type), ['priority-updated', 'headers-received', 'priority-updated', 'priority-updated']);
  assert.deepEqual(ofType(events, 'priority-updated')[1]!.priority, { dependsOn: 9, weight: 32, exclusive: true });
  server.receive(peer.bytes(peer.priority(1).dependsOn(1)));
  assert.deepEqual(summarize(peer, server.takeOutput()), ['RST_STREAM(1,PROTOCOL_ERROR)']);
  server.receive(peer.bytes(peer.priority(1).dependsOn(0)));
  assert.deepEqual(summarize(peer, server.takeOutput()), [], 'PRIORITY on a closed stream is fine');
  server.receive(peer.bytes(peer.priority(11).dependsOn(11)));
  assert.deepEqual(summarize(peer, server.takeOutput()), ['GOAWAY(1,PROTOCOL_ERROR)']);
});

test('priority: the scheduler orders DATA by RFC 7540 weights', () => {
  const pair = wirePair({ autoAck: true });
  pair.client.sendHeaders(1, get('/heavy'), { endStream: true, priority: { weight: 256 } });
  pair.client.sendHeaders(3, get('/light'), { endStream: true, priority: { weight: 1 } });
  pair.pump();
  for (const id of [1, 3]) {
    pair.server.sendHeaders(id, [[':status', '200']]);
    pair.server.sendData(id, Buffer.alloc(64 * 1024), { endStream: true });
  }
  pair.pump();
  const order = ofType(pair.clientEvents, 'data-received').map((e) => e.streamId);
  // Stream 1 (weight 256) gets the first window's worth before stream 3 is served much.
  const firstFour = order.slice(0, 4);
  assert.deepEqual(firstFour, [1, 1, 1, 1], order.join(','));
});

test('priority: RFC 9218 urgency from the priority field orders DATA, PRIORITY_UPDATE changes it', () => {
  const pair = wirePair({ autoAck: true, server: { priority: 'rfc9218' } });
  pair.client.sendHeaders(1, get('/late'), { endStream: true, priority: { urgency: 7 } });
  pair.client.sendHeaders(3, get('/soon'), { endStream: true, priority: { urgency: 0 } });
  pair.client.sendHeaders(5, get('/mid'), { endStream: true });
  pair.pump();
  assert.deepEqual(ofType(pair.serverEvents, 'headers-received')[0]!.headers.at(-1), ['priority', 'u=7']);
  pair.client.prioritize(5, { urgency: 1 });
  pair.pump();
  assert.deepEqual(ofType(pair.serverEvents, 'priority-updated').at(-1)!.priority, { urgency: 1, incremental: false });
  for (const id of [1, 3, 5]) {
    pair.server.sendHeaders(id, [[':status', '200']]);
    pair.server.sendData(id, Buffer.alloc(20_000), { endStream: true });
  }
  pair.pump();
  const order = ofType(pair.clientEvents, 'data-received').map((e) => e.streamId);
  const firstOf = (id: number) => order.indexOf(id);
  const lastOf = (id: number) => order.lastIndexOf(id);
  assert.ok(lastOf(3) < firstOf(5) && lastOf(5) < firstOf(1), order.join(','));
});

test('a server whose client sent SETTINGS_NO_RFC7540_PRIORITIES = 1 ignores RFC 7540 priority signals (RFC 9218 §2.1)', () => {
  const server = new H2Connection({ role: 'server' });
  const peer = new FramePeer();
  server.receive(peer.bytes(peer.preface(), peer.settings().set(SettingId.NO_RFC7540_PRIORITIES, 1)));
  server.takeOutput();
  const events = server.receive(peer.bytes(
    peer.priority(9).dependsOn(0).weight(200),
    peer.headers(1).get('/').priority(9, 32, true),
    peer.headers(3).get('/', [['priority', 'u=1']]).priority(1, 256).endStream(),
    peer.priority(1).dependsOn(3).weight(1),
  ));
  assert.deepEqual(events.map((e) => e.type), ['headers-received', 'headers-received', 'priority-updated', 'stream-ended']);
  assert.deepEqual(ofType(events, 'priority-updated')[0]!.priority, { urgency: 1, incremental: false }, 'the priority field still counts');
  server.receive(peer.bytes(peer.priority(1).dependsOn(1)));
  assert.deepEqual(summarize(peer, server.takeOutput()), ['RST_STREAM(1,PROTOCOL_ERROR)'], 'a self-dependency is still an error');
  // Without the setting the same frames are priority signals.
  const plain = new H2Connection({ role: 'server' });
  plain.receive(peer.bytes(peer.preface(), peer.settings()));
  assert.equal(ofType(plain.receive(peer.bytes(peer.priority(9).dependsOn(0).weight(200))), 'priority-updated').length, 1);
});

test('PRIORITY_UPDATE: only clients send it', () => {
  const client = new H2Connection({ role: 'client' });
  const peer = new FramePeer();
  client.takeOutput();
  client.receive(peer.bytes(peer.settings(), peer.priorityUpdate(1, 'u=0')));
  assert.deepEqual(summarize(peer, client.takeOutput()), ['SETTINGS(ACK)', 'GOAWAY(0,PROTOCOL_ERROR)']);
});

test('PRIORITY_UPDATE: for a push stream still idle is a connection PROTOCOL_ERROR (RFC 9218 §7.1)', () => {
  const server = new H2Connection({ role: 'server' });
  const peer = new FramePeer();
  server.receive(peer.bytes(peer.preface(), peer.settings(), peer.headers(1).get('/'), peer.priorityUpdate(3, 'u=1')));
  assert.equal(server.isTerminated, false, 'an idle request stream may be prioritised ahead of its HEADERS');
  server.receive(peer.bytes(peer.priorityUpdate(2, 'u=1')));
  assert.equal(summarize(peer, server.takeOutput()).at(-1), 'GOAWAY(1,PROTOCOL_ERROR)');
});

test('a refused sendHeaders leaves the stream as it was', () => {
  const pair = wirePair({ autoAck: true });
  pair.client.sendHeaders(1, get('/'), { endStream: true });
  pair.pump();
  const pushed = pair.server.pushPromise(1, get('/p'));
  assert.throws(() => pair.server.sendHeaders(pushed, [[':status', '103']]), { code: 'ERR_HTTP2_STATUS_INFO' });
  assert.equal(pair.server.streamState(pushed), 'reserved-local');
  assert.throws(() => pair.server.sendHeaders(1, [[':status', '100']], { endStream: true }), { code: 'ERR_HTTP2_STATUS_INFO' });
  pair.server.sendHeaders(pushed, [[':status', '200']], { endStream: true });
  pair.server.sendHeaders(1, [[':status', '200']], { endStream: true });
  pair.pump();
  assert.equal(ofType(pair.clientEvents, 'stream-ended').length, 2);
});

test('priority: DATA service order for weights 12:4 is "A,A,A,B" (RFC 7540 tree, end to end)', () => {
  const pair = wirePair({ autoAck: true, client: { settings: { initialWindowSize: 1 << 22 }, connectionWindowSize: 1 << 24 } });
  pair.pump();
  pair.client.sendHeaders(1, get('/a'), { endStream: true, priority: { weight: 12 } });
  pair.client.sendHeaders(3, get('/b'), { endStream: true, priority: { weight: 4 } });
  pair.pump();
  for (const id of [1, 3]) {
    pair.server.sendHeaders(id, [[':status', '200']]);
    pair.server.sendData(id, Buffer.alloc(16384 * 16), { endStream: true });
  }
  pair.pump();
  const order = ofType(pair.clientEvents, 'data-received').map((e) => (e.streamId === 1 ? 'A' : 'B')).join(',');
  assert.equal(order.slice(0, 'A,A,A,B,'.length * 4 - 1), 'A,A,A,B,A,A,A,B,A,A,A,B,A,A,A,B');
});
