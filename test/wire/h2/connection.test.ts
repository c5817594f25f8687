import { test } from 'node:test';
import assert from 'node:assert/strict';
import { H2Connection, decodeHttp2Settings, encodeHttp2Settings } from '../../../src/wire/h2/connection.js';
import { ErrorCode, SettingId } from '../../../src/wire/h2/constants.js';
import { FrameReader } from '../../../src/wire/h2/frames.js';
import { FramePeer, summarize } from '../../support/h2-frames.js';
import { get, ofType, post, wirePair } from '../../support/h2-pair.js';

/** A server engine that has exchanged the preface with a hand-played client. */
function serverWithPeer(options: ConstructorParameters<typeof H2Connection>[0] extends infer O ? Omit<O & object, 'role'> : never = {}) {
  const server = new H2Connection({ role: 'server', ...options });
  const peer = new FramePeer();
  const events = server.receive(peer.bytes(peer.preface(), peer.settings()));
  assert.deepEqual(events.map((e) => e.type), ['settings-received']);
  const out = summarize(peer, server.takeOutput()).filter((f) => !f.startsWith('WINDOW_UPDATE(0,'));
  assert.deepEqual(out, ['SETTINGS', 'SETTINGS(ACK)']);
  return { server, peer };
}

test('preface: the client sends the magic, SETTINGS and a connection WINDOW_UPDATE', () => {
  const client = new H2Connection({ role: 'client' });
  const peer = new FramePeer();
  const out = client.takeOutput();
  assert.equal(out.subarray(0, 24).toString('latin1'), 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n');
  const frames = peer.read(out, { skipPreface: true });
  assert.equal(frames[0]!.type, 'SETTINGS');
  assert.deepEqual(frames[0]!.type === 'SETTINGS' && frames[0]!.settings, [[3, 100], [6, 65536]]);
  assert.equal(frames[1]!.type === 'WINDOW_UPDATE' && frames[1]!.increment, (1 << 20) - 65535);
});

test('preface: a server refuses bytes that are not the client magic', () => {
  const server = new H2Connection({ role: 'server' });
  const peer = new FramePeer();
  server.takeOutput();
  const events = server.receive(Buffer.from('GET / HTTP/1.1\r\n\r\n'));
  assert.deepEqual(events.map((e) => e.type), ['connection-terminated']);
  assert.deepEqual(summarize(peer, server.takeOutput()), ['GOAWAY(0,PROTOCOL_ERROR)']);
  assert.deepEqual(server.receive(peer.bytes(peer.preface())), [], 'nothing is processed after GOAWAY');
});

test('preface: the first frame must be SETTINGS', () => {
  const server = new H2Connection({ role: 'server' });
  const peer = new FramePeer();
  server.takeOutput();
  server.receive(peer.bytes(peer.preface(), peer.ping()));
  assert.deepEqual(summarize(peer, server.takeOutput()), ['GOAWAY(0,PROTOCOL_ERROR)']);
});

test('settings: ours take effect on ACK; the peer\'s are acknowledged', () => {
  const { server, peer } = serverWithPeer({ settings: { maxConcurrentStreams: 7 } });
  assert.equal(server.localSettings.maxConcurrentStreams, Infinity, 'not yet acknowledged');
  assert.equal(server.settingsAwaitingAck, 1);
  const events = server.receive(peer.bytes(peer.settingsAck()));
  assert.equal(server.settingsAwaitingAck, 0);
  assert.deepEqual(events.map((e) => e.type), ['settings-acked']);
  assert.equal(server.localSettings.maxConcurrentStreams, 7);
  server.receive(peer.bytes(peer.settings().initialWindowSize(10).maxFrameSize(20000)));
  assert.equal(server.remoteSettings.initialWindowSize, 10);
  assert.equal(server.remoteSettings.maxFrameSize, 20000);
  assert.deepEqual(summarize(peer, server.takeOutput()), ['SETTINGS(ACK)']);
});

test('a request and a response with a body and trailers, in memory', () => {
  const pair = wirePair({ autoAck: true });
  const id = pair.client.nextStreamId();
  assert.equal(id, 1);
  pair.client.sendHeaders(id, post('/echo', [['content-length', '5'], ['te', 'trailers']]));
  pair.client.sendData(id, 'hello', { endStream: true });
  pair.onServerEvent = (e, p) => {
    if (e.type === 'stream-ended') {
      p.server.sendHeaders(e.streamId, [[':status', '200'], ['content-type', 'text/plain']]);
      p.server.sendData(e.streamId, 'HELLO');
      p.server.sendTrailers(e.streamId, [['x-checksum', 'abc']]);
    }
  };
  pair.pump();
  assert.deepEqual(pair.serverEvents.map((e) => e.type), ['settings-received', 'window-updated', 'headers-received', 'data-received', 'stream-ended', 'settings-acked']);
  assert.deepEqual(pair.clientEvents.map((e) => e.type), ['settings-received', 'window-updated', 'settings-acked', 'headers-received', 'data-received', 'trailers-received', 'stream-ended']);
  const [h] = ofType(pair.clientEvents, 'headers-received');
  assert.deepEqual(h!.headers, [[':status', '200'], ['content-type', 'text/plain']]);
  assert.equal(ofType(pair.clientEvents, 'data-received')[0]!.data.toString(), 'HELLO');
  assert.deepEqual(ofType(pair.clientEvents, 'trailers-received')[0]!.headers, [['x-checksum', 'abc']]);
  assert.equal(pair.client.streamState(1), 'closed');
  assert.equal(pair.server.streamState(1), 'closed');
  assert.equal(pair.client.activeStreams + pair.server.activeStreams, 0);
});

test('informational responses precede the final one', () => {
  const pair = wirePair({ autoAck: true });
  pair.client.sendHeaders(1, get('/', [['expect', '100-continue']]));
  pair.pump();
  pair.server.sendHeaders(1, [[':status', '103'], ['link', '</s.css>; rel=preload']]);
  pair.server.sendHeaders(1, [[':status', '204']], { endStream: true });
  pair.pump();
  assert.deepEqual(pair.clientEvents.filter((e) => e.type.includes('received') && !e.type.startsWith('settings')).map((e) => e.type), ['informational-received', 'headers-received']);
});

test('many concurrent streams within SETTINGS_MAX_CONCURRENT_STREAMS', () => {
  const pair = wirePair({ autoAck: true, server: { settings: { maxConcurrentStreams: 50 } } });
  pair.pump();
  let opened = 0;
  const done = new Set<number>();
  const openMore = () => {
    while (opened < 300 && pair.client.canOpenStream) {
      const id = pair.client.nextStreamId();
      pair.client.sendHeaders(id, get(`/${id}`), { endStream: true });
      opened++;
    }
  };
  pair.onServerEvent = (e, p) => {
    if (e.type === 'headers-received') {
      p.server.sendHeaders(e.streamId, [[':status', '200']]);
      p.server.sendData(e.streamId, Buffer.alloc(1000, e.streamId % 256), { endStream: true });
    }
  };
  pair.onClientEvent = (e) => {
    if (e.type === 'stream-ended') {
      done.add(e.streamId);
      openMore();
    }
  };
  openMore();
  assert.equal(opened, 50, 'the client stops at the server limit');
  pair.pump();
  assert.equal(done.size, 300);
  const bodies = ofType(pair.clientEvents, 'data-received');
  assert.equal(bodies.reduce((n, e) => n + e.data.length, 0), 300 * 1000);
  assert.equal(ofType(pair.serverEvents, 'stream-reset').length, 0);
});

test('a large body through small windows arrives whole, in order', () => {
  const body = Buffer.alloc(1 << 20);
  for (let i = 0; i < body.length; i++) body[i] = (i * 7) & 0xff;
  const pair = wirePair({ autoAck: true, client: { settings: { initialWindowSize: 1000 }, connectionWindowSize: 65535 }, chunkSize: 777 });
  pair.client.sendHeaders(1, get('/big'), { endStream: true });
  pair.onServerEvent = (e, p) => {
    if (e.type === 'headers-received') {
      p.server.sendHeaders(1, [[':status', '200'], ['content-length', String(body.length)]]);
      p.server.sendData(1, body, { endStream: true });
    }
  };
  pair.pump();
  const got = Buffer.concat(ofType(pair.clientEvents, 'data-received').map((e) => e.data));
  assert.equal(got.length, body.length);
  assert.ok(got.equals(body));
  assert.ok(ofType(pair.clientEvents, 'data-received').every((e) => e.data.length <= 1000), 'no frame beyond the stream window');
  assert.equal(ofType(pair.clientEvents, 'stream-ended').length, 1);
});

test('without acknowledgement the sender stops at the window; acknowledging resumes it', () => {
  const pair = wirePair({ client: { connectionWindowSize: 65535 } });
  pair.client.sendHeaders(1, get('/'), { endStream: true });
  pair.onServerEvent = (e, p) => {
    if (e.type === 'headers-received') {
      p.server.sendHeaders(1, [[':status', '200']]);
      p.server.sendData(1, Buffer.alloc(200_000), { endStream: true });
    }
  };
  pair.pump();
  const received = () => ofType(pair.clientEvents, 'data-received').reduce((n, e) => n + e.data.length, 0);
  assert.equal(received(), 65535, 'exactly one window');
  assert.equal(pair.server.streamQueuedBytes(1), 200_000 - 65535);
  pair.client.acknowledgeReceivedData(1, 65535);
  pair.pump();
  assert.ok(received() > 65535);
  while (pair.server.streamQueuedBytes(1) > 0 || ofType(pair.clientEvents, 'stream-ended').length === 0) {
    const before = received();
    pair.client.acknowledgeReceivedData(1, 1 << 20);
    pair.pump();
    assert.ok(received() > before || ofType(pair.clientEvents, 'stream-ended').length === 1, 'progress');
  }
  assert.equal(received(), 200_000);
});

test('WINDOW_UPDATE policy: one update per half window consumed', () => {
  const { server, peer } = serverWithPeer();
  server.receive(peer.bytes(peer.settingsAck(), peer.headers(1).post('/')));
  server.takeOutput();
  server.receive(peer.bytes(peer.data(1, Buffer.alloc(16384)), peer.data(1, Buffer.alloc(16384))));
  server.acknowledgeReceivedData(1, 16384);
  assert.deepEqual(summarize(peer, server.takeOutput()), [], 'a quarter of the window: no update yet');
  server.acknowledgeReceivedData(1, 16384);
  assert.deepEqual(summarize(peer, server.takeOutput()), ['WINDOW_UPDATE(1,+32768)']);
});

test('padding is charged to flow control and credited back by the engine', () => {
  const { server, peer } = serverWithPeer();
  server.receive(peer.bytes(peer.headers(1).post('/')));
  const [e] = server.receive(peer.bytes(peer.data(1, 'abc').padded(200)));
  assert.equal(e?.type === 'data-received' && e.flowControlledLength, 204);
  assert.equal(server.streamReceiveWindow(1), 65535 - 204);
});

test('a stream window can go negative when the peer lowers INITIAL_WINDOW_SIZE', () => {
  const pair = wirePair();
  pair.client.sendHeaders(1, get('/'), { endStream: true });
  pair.pump();
  pair.server.sendHeaders(1, [[':status', '200']]);
  pair.server.sendData(1, Buffer.alloc(60_000));
  pair.pump();
  assert.equal(pair.server.streamSendWindow(1), 65535 - 60_000);
  pair.client.updateSettings({ initialWindowSize: 1000 });
  pair.pump();
  assert.equal(pair.server.streamSendWindow(1), 1000 - 60_000);
  pair.server.sendData(1, 'more', { endStream: true });
  pair.pump();
  assert.equal(pair.server.streamQueuedBytes(1), 4, 'nothing sent while the window is negative');
  pair.client.acknowledgeReceivedData(1, 60_000);
  pair.pump();
  assert.equal(pair.server.streamQueuedBytes(1), 0);
  assert.equal(ofType(pair.clientEvents, 'stream-ended').length, 1);
});

test('flow-control overflow is a FLOW_CONTROL_ERROR: stream-level then connection-level', () => {
  const { server, peer } = serverWithPeer();
  server.receive(peer.bytes(peer.headers(1).get('/').endStream()));
  server.sendHeaders(1, [[':status', '200']]);
  server.takeOutput();
  server.receive(peer.bytes(peer.windowUpdate(1, 2 ** 31 - 1)));
  assert.deepEqual(summarize(peer, server.takeOutput()), ['RST_STREAM(1,FLOW_CONTROL_ERROR)']);
  server.receive(peer.bytes(peer.windowUpdate(0, 2 ** 31 - 1)));
  assert.deepEqual(summarize(peer, server.takeOutput()), ['GOAWAY(1,FLOW_CONTROL_ERROR)']);
});

test('DATA beyond the receive window is a FLOW_CONTROL_ERROR', () => {
  const { server, peer } = serverWithPeer({ settings: { initialWindowSize: 100 }, connectionWindowSize: 65535 });
  server.receive(peer.bytes(peer.settingsAck(), peer.headers(1).post('/')));
  server.receive(peer.bytes(peer.data(1, Buffer.alloc(101))));
  assert.deepEqual(summarize(peer, server.takeOutput()), ['RST_STREAM(1,FLOW_CONTROL_ERROR)']);
  // Connection level: two streams, each within its own window, together beyond the connection's.
  const second = serverWithPeer({ connectionWindowSize: 65535 });
  second.server.receive(second.peer.bytes(second.peer.headers(1).post('/'), second.peer.headers(3).post('/')));
  second.server.receive(second.peer.bytes(second.peer.data(1, Buffer.alloc(16_000)), second.peer.data(1, Buffer.alloc(16_000)), second.peer.data(1, Buffer.alloc(8_000))));
  second.server.receive(second.peer.bytes(second.peer.data(3, Buffer.alloc(16_000)), second.peer.data(3, Buffer.alloc(10_000))));
  assert.deepEqual(summarize(second.peer, second.server.takeOutput()), ['GOAWAY(3,FLOW_CONTROL_ERROR)']);
});

test('RST_STREAM: a received reset is reported and never echoed; queued DATA is dropped', () => {
  const { server, peer } = serverWithPeer();
  server.receive(peer.bytes(peer.headers(1).get('/').endStream()));
  server.sendHeaders(1, [[':status', '200']]);
  server.sendData(1, Buffer.alloc(100_000));
  server.takeOutput();
  const events = server.receive(peer.bytes(peer.rst(1).cancel()));
  assert.deepEqual(events, [{ type: 'stream-reset', streamId: 1, errorCode: ErrorCode.CANCEL, remote: true }]);
  assert.deepEqual(summarize(peer, server.takeOutput()), []);
  server.receive(peer.bytes(peer.rst(1).cancel()));
  assert.deepEqual(summarize(peer, server.takeOutput()), [], 'a late reset on a reset stream is ignored');
  assert.throws(() => server.sendData(1, 'x'), { code: 'ERR_HTTP2_INVALID_STREAM' });
});

test('resetStream sends RST_STREAM and late DATA from the peer is ignored', () => {
  const pair = wirePair({ autoAck: true });
  pair.client.sendHeaders(1, post('/upload'));
  pair.client.sendData(1, Buffer.alloc(10));
  pair.pump();
  pair.server.resetStream(1, ErrorCode.REFUSED_STREAM);
  pair.client.sendData(1, Buffer.alloc(10), { endStream: true }); // crosses the reset in flight
  pair.pump();
  assert.deepEqual(ofType(pair.clientEvents, 'stream-reset'), [{ type: 'stream-reset', streamId: 1, errorCode: ErrorCode.REFUSED_STREAM, remote: true }]);
  assert.equal(ofType(pair.serverEvents, 'stream-reset').length, 0);
  assert.equal(pair.server.isTerminated, false);
});

test('MAX_CONCURRENT_STREAMS: a stream beyond our limit is refused with REFUSED_STREAM', () => {
  const { server, peer } = serverWithPeer({ settings: { maxConcurrentStreams: 2 } });
  server.receive(peer.bytes(peer.headers(1).get('/'), peer.headers(3).get('/')));
  const events = server.receive(peer.bytes(peer.headers(5).get('/')));
  assert.deepEqual(events, [], 'the application never hears of a refused stream');
  assert.deepEqual(summarize(peer, server.takeOutput()), ['RST_STREAM(5,REFUSED_STREAM)']);
  server.receive(peer.bytes(peer.rst(1).cancel(), peer.headers(7).get('/')));
  assert.deepEqual(summarize(peer, server.takeOutput()), []);
  assert.equal(server.streamState(7), 'open');
});

test('stream ids: a client stream id that goes backwards, or an even one, is a PROTOCOL_ERROR', () => {
  {
    const { server, peer } = serverWithPeer();
    server.receive(peer.bytes(peer.headers(5).get('/').endStream(), peer.headers(3).get('/')));
    assert.deepEqual(summarize(peer, server.takeOutput()), ['GOAWAY(5,PROTOCOL_ERROR)']);
  }
  {
    const { server, peer } = serverWithPeer();
    server.receive(peer.bytes(peer.headers(2).get('/')));
    assert.deepEqual(summarize(peer, server.takeOutput()), ['GOAWAY(0,PROTOCOL_ERROR)']);
  }
  const client = new H2Connection({ role: 'client' });
  assert.throws(() => client.sendHeaders(3, get('/')), { code: 'ERR_HTTP2_INVALID_STREAM' });
});

test('PING is answered with the same payload; our PING ACK is reported', () => {
  const pair = wirePair();
  const token = pair.client.ping(Buffer.from('abcdefgh'));
  pair.pump();
  assert.deepEqual(ofType(pair.serverEvents, 'ping-received').map((e) => e.data.toString()), ['abcdefgh']);
  assert.deepEqual(ofType(pair.clientEvents, 'ping-acked').map((e) => e.data), [token]);
});

test('GOAWAY: graceful two-step shutdown lets in-flight streams finish', () => {
  const pair = wirePair({ autoAck: true });
  pair.client.sendHeaders(1, get('/a'), { endStream: true });
  pair.pump();
  pair.server.startGracefulShutdown();
  // The client opens stream 3 before it reads the first GOAWAY.
  pair.client.sendHeaders(3, get('/b'), { endStream: true });
  pair.pump();
  const goaways = ofType(pair.clientEvents, 'goaway-received');
  assert.deepEqual(goaways.map((g) => g.lastStreamId), [2 ** 31 - 1, 3]);
  assert.equal(pair.server.streamState(3), 'half-closed-remote', 'stream 3 was accepted');
  assert.equal(pair.server.wantsClose, false);
  for (const id of [1, 3]) {
    pair.server.sendHeaders(id, [[':status', '200']], { endStream: true });
  }
  pair.pump();
  assert.equal(ofType(pair.clientEvents, 'stream-ended').length, 2);
  assert.equal(pair.server.wantsClose, true);
  assert.equal(pair.client.wantsClose, true);
  assert.throws(() => pair.client.sendHeaders(5, get('/c')), { code: 'ERR_HTTP2_GOAWAY_SESSION' });
});

test('GOAWAY received: our streams above last-stream-id are reported refused; new ones beyond ours are ignored', () => {
  const pair = wirePair();
  pair.client.sendHeaders(1, get('/a'), { endStream: true });
  pair.client.sendHeaders(3, get('/b'), { endStream: true });
  pair.client.takeOutput();
  const peer = new FramePeer();
  const events = pair.client.receive(peer.bytes(peer.settings(), peer.goaway(1).noError()));
  assert.deepEqual(ofType(events, 'stream-reset'), [{ type: 'stream-reset', streamId: 3, errorCode: ErrorCode.REFUSED_STREAM, remote: true, message: 'not processed (GOAWAY)' }]);
  assert.equal(pair.client.streamState(1), 'half-closed-local');
  const e2 = pair.client.receive(peer.bytes(peer.goaway(3).noError()));
  assert.equal(e2.at(-1)?.type, 'connection-terminated', 'last-stream-id may not increase');
});

test('GOAWAY with an error code terminates the connection', () => {
  const pair = wirePair();
  pair.pump();
  const peer = new FramePeer();
  const events = pair.client.receive(peer.bytes(peer.goaway(0).enhanceYourCalm().debug('calm down')));
  assert.deepEqual(events.map((e) => e.type), ['goaway-received', 'connection-terminated']);
  assert.equal(pair.client.isTerminated, true);
});

test('CONTINUATION: a field block spread over frames is assembled; interleaving is a PROTOCOL_ERROR', () => {
  const { server, peer } = serverWithPeer();
  const events = server.receive(peer.bytes(peer.headers(1).get('/', [['x-long', 'y'.repeat(100)]]).inPiecesOf(7).endStream()));
  assert.equal(ofType(events, 'headers-received')[0]!.headers[4]![1], 'y'.repeat(100));
  server.receive(peer.bytes(peer.headers(3).get('/').withoutEndHeaders(), peer.ping()));
  assert.deepEqual(summarize(peer, server.takeOutput()), ['GOAWAY(1,PROTOCOL_ERROR)'], 'stream 3 was never processed');
});

test('CONTINUATION on another stream, or with no field block open, is a PROTOCOL_ERROR', () => {
  {
    const { server, peer } = serverWithPeer();
    server.receive(peer.bytes(peer.headers(1).get('/').withoutEndHeaders(), peer.continuation(3, [0x82])));
    assert.deepEqual(summarize(peer, server.takeOutput()), ['GOAWAY(0,PROTOCOL_ERROR)']);
  }
  {
    const { server, peer } = serverWithPeer();
    server.receive(peer.bytes(peer.continuation(1, [0x82])));
    assert.deepEqual(summarize(peer, server.takeOutput()), ['GOAWAY(0,PROTOCOL_ERROR)']);
  }
});

test('a corrupt HPACK block is a COMPRESSION_ERROR', () => {
  const { server, peer } = serverWithPeer();
  server.receive(peer.bytes(peer.raw(1, 0x5, 1, [0xff, 0xff, 0xff, 0xff, 0xff, 0xff])));
  assert.deepEqual(summarize(peer, server.takeOutput()), ['GOAWAY(0,COMPRESSION_ERROR)']);
});

test('unknown frame types and unknown settings are ignored', () => {
  const { server, peer } = serverWithPeer();
  const events = server.receive(peer.bytes(peer.unknown(0xbb, 0, Buffer.from('hi')), peer.unknown(0xcc, 99), peer.settings().set(0x42, 7)));
  assert.deepEqual(events.map((e) => e.type), ['settings-received']);
  assert.deepEqual(summarize(peer, server.takeOutput()), ['SETTINGS(ACK)']);
});

test('SETTINGS_MAX_FRAME_SIZE: we split DATA and field blocks at the peer limit, and refuse larger frames', () => {
  const { server, peer } = serverWithPeer();
  server.receive(peer.bytes(peer.headers(1).get('/').endStream()));
  server.sendHeaders(1, [[':status', '200'], ['x-big', 'z'.repeat(40_000)]], { sensitive: new Set(['x-big']) });
  server.sendData(1, Buffer.alloc(40_000), { endStream: true });
  const out = server.takeOutput();
  const raw = new FrameReader(1 << 24);
  raw.push(out);
  const types: string[] = [];
  for (let r = raw.next(); r; r = raw.next()) if (r.kind === 'frame') types.push(`${r.frame.type}:${r.length}`);
  assert.deepEqual(types.slice(0, 3).map((t) => t.split(':')[0]), ['HEADERS', 'CONTINUATION', 'CONTINUATION'], 'a 40 kB block spans frames');
  assert.ok(types.every((t) => Number(t.split(':')[1]) <= 16_384), types.join(' '));
  assert.deepEqual(summarize(peer, out), ['HEADERS(1)', 'DATA(1,16384B)', 'DATA(1,16384B)', 'DATA(1,7232B,ES)']);
  server.receive(peer.bytes(peer.data(1, Buffer.alloc(16_385))));
  assert.deepEqual(summarize(peer, server.takeOutput()), ['GOAWAY(1,FRAME_SIZE_ERROR)']);
});

test('our raised SETTINGS_MAX_FRAME_SIZE accepts larger frames', () => {
  const { server, peer } = serverWithPeer({ settings: { maxFrameSize: 100_000 } });
  server.receive(peer.bytes(peer.settingsAck(), peer.headers(1).post('/')));
  const events = server.receive(peer.bytes(peer.data(1, Buffer.alloc(50_000))));
  assert.equal(ofType(events, 'data-received')[0]!.data.length, 50_000);
});

test('trailers must end the stream', () => {
  const { server, peer } = serverWithPeer();
  server.receive(peer.bytes(peer.headers(1).post('/'), peer.data(1, 'x'), peer.headers(1).fields([['x-t', '1']])));
  assert.deepEqual(summarize(peer, server.takeOutput()), ['RST_STREAM(1,PROTOCOL_ERROR)']);
});

test('local misuse throws node-style errors and sends nothing', () => {
  const client = new H2Connection({ role: 'client' });
  client.takeOutput();
  assert.throws(() => client.sendHeaders(1, [[':method', 'GET'], [':path', '/']]), { code: 'ERR_HTTP2_INVALID_HEADERS' });
  assert.throws(() => client.sendHeaders(1, get('/', [['connection', 'close']])), { code: 'ERR_HTTP2_INVALID_CONNECTION_HEADERS' });
  assert.throws(() => client.sendHeaders(1, get('/', [['X-Upper', '1']])), { code: 'ERR_INVALID_HTTP_TOKEN' });
  assert.throws(() => client.sendHeaders(1, get('/', [['x', 'a\r\nb']])), { code: 'ERR_INVALID_CHAR' });
  assert.throws(() => client.pushPromise(1, get('/')), { code: 'ERR_HTTP2_PUSH_DISABLED' });
  assert.equal(client.takeOutput().length, 0);
  client.sendHeaders(1, get('/'), { endStream: true });
  assert.throws(() => client.sendData(1, 'x'), { code: 'ERR_STREAM_WRITE_AFTER_END' });
});

test('connection-terminated: after a connection error nothing more is processed or sent', () => {
  const { server, peer } = serverWithPeer();
  server.receive(peer.bytes(peer.headers(1).get('/').endStream()));
  server.receive(peer.bytes(peer.raw(6, 0, 0, [1, 2, 3])));
  assert.deepEqual(summarize(peer, server.takeOutput()), ['GOAWAY(1,FRAME_SIZE_ERROR)']);
  assert.deepEqual(server.receive(peer.bytes(peer.ping())), []);
  assert.equal(server.takeOutput().length, 0);
  assert.throws(() => server.sendHeaders(1, [[':status', '200']]), { code: 'ERR_HTTP2_INVALID_SESSION' });
});

test('openWindow: a receiver with INITIAL_WINDOW_SIZE 0 opens windows by hand', () => {
  const pair = wirePair({ server: { settings: { initialWindowSize: 0 } } });
  pair.pump();
  pair.client.sendHeaders(1, post('/'));
  pair.client.sendData(1, Buffer.alloc(5000), { endStream: true });
  pair.pump();
  assert.equal(ofType(pair.serverEvents, 'data-received').length, 0, 'a zero window lets nothing through');
  pair.server.openWindow(1, 3000);
  pair.pump();
  assert.equal(ofType(pair.serverEvents, 'data-received').reduce((n, e) => n + e.data.length, 0), 3000);
  pair.server.openWindow(1, 2000);
  pair.pump();
  assert.equal(ofType(pair.serverEvents, 'stream-ended').length, 1);
  assert.throws(() => pair.server.openWindow(0, 2 ** 31), { code: 'ERR_HTTP2_INVALID_WINDOW' });
});

test('takeOutputChunks hands frame headers and DATA views without a final copy', () => {
  const pair = wirePair({ autoAck: true });
  pair.pump();
  const body = Buffer.alloc(40_000, 7);
  pair.client.sendHeaders(1, post('/'));
  pair.client.sendData(1, body, { endStream: true });
  const chunks = pair.client.takeOutputChunks();
  assert.ok(chunks.some((c) => c.buffer === body.buffer), 'a DATA payload is a view of the queued body');
  const events = chunks.flatMap((c) => pair.server.receive(c));
  const got = Buffer.concat(ofType(events, 'data-received').map((e) => e.data));
  assert.ok(got.equals(body));
  assert.deepEqual(pair.client.takeOutputChunks(), []);
});

test('h2c upgrade (RFC 7540 §3.2): stream 1 carries the upgraded request; HTTP2-Settings applies at once', () => {
  const http2Settings = encodeHttp2Settings({ initialWindowSize: 1000, maxFrameSize: 20_000 });
  assert.deepEqual(decodeHttp2Settings(http2Settings), [[4, 1000], [5, 20_000]]);
  for (const bad of ['AAQAAAP', 'AAQAA!!!', 'AAIAAAAC' /* ENABLE_PUSH = 2 */]) {
    if (decodeHttp2Settings(bad) === null) continue;
    assert.throws(() => new H2Connection({ role: 'server', upgrade: { http2Settings: bad } }), { code: 'ERR_HTTP2_INVALID_SETTING_VALUE' });
  }
  assert.equal(decodeHttp2Settings('AAQAA!!!'), null);
  assert.equal(decodeHttp2Settings('AAQAAAP'), null, 'not a whole number of entries');
  const server = new H2Connection({ role: 'server', upgrade: { http2Settings } });
  const client = new H2Connection({ role: 'client', upgrade: { method: 'GET', http2Settings }, settings: { initialWindowSize: 1000, maxFrameSize: 20_000 } });
  assert.equal(server.streamState(1), 'half-closed-remote');
  assert.equal(client.streamState(1), 'half-closed-local');
  assert.equal(client.nextStreamId(), 3);
  assert.equal(server.remoteSettings.initialWindowSize, 1000, 'no ACK needed: the 101 was it');
  assert.equal(client.localSettings.initialWindowSize, 1000, 'and the client knows it');
  server.sendHeaders(1, [[':status', '200']]);
  server.sendData(1, Buffer.alloc(3000, 1), { endStream: true });
  const pair = { c2s: client.takeOutput(), s2c: server.takeOutput() };
  assert.equal(pair.c2s.subarray(0, 24).toString('latin1'), 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'the client still sends the preface');
  server.receive(pair.c2s);
  const events = client.receive(pair.s2c);
  assert.equal(ofType(events, 'data-received').reduce((n, e) => n + e.data.length, 0), 1000, 'the stream window from HTTP2-Settings was honoured');
  client.acknowledgeReceivedData(1, 1000);
  server.receive(client.takeOutput());
  const more = client.receive(server.takeOutput());
  assert.equal(ofType(more, 'data-received').reduce((n, e) => n + e.data.length, 0), 1000);
});

test('sending: field sections above the peer\'s SETTINGS_MAX_HEADER_LIST_SIZE are refused before any change', () => {
  const server = new H2Connection({ role: 'server' });
  const peer = new FramePeer();
  // 200 octets: a :status (7 + 3 + 32) plus a 100-octet field (5 + 100 + 32) is 179; 80 more is too much.
  server.receive(peer.bytes(peer.preface(), peer.settings().maxHeaderListSize(200), peer.headers(1).get('/')));
  server.takeOutput();
  const big: Array<[string, string]> = [[':status', '200'], ['x-big', 'a'.repeat(180)]];
  assert.throws(() => server.sendHeaders(1, big), { code: 'ERR_HTTP2_HEADER_LIST_TOO_LARGE' });
  assert.throws(() => server.pushPromise(1, [...get('/p'), ['x-big', 'a'.repeat(200)]]), { code: 'ERR_HTTP2_HEADER_LIST_TOO_LARGE' });
  assert.equal(server.nextStreamId(), 2, 'no promised id spent');
  assert.deepEqual(summarize(peer, server.takeOutput()), [], 'nothing was written');
  server.sendHeaders(1, [[':status', '200'], ['x-big', 'a'.repeat(100)]]);
  assert.throws(() => server.sendTrailers(1, [['x-trailer', 'b'.repeat(200)]]), { code: 'ERR_HTTP2_HEADER_LIST_TOO_LARGE' });
  server.sendTrailers(1, [['x-trailer', 'ok']]);
  assert.deepEqual(summarize(peer, server.takeOutput()), ['HEADERS(1)', 'HEADERS(1,ES)']);

  const client = new H2Connection({ role: 'client' });
  client.receive(peer.bytes(peer.settings().maxHeaderListSize(300)));
  assert.throws(() => client.sendHeaders(1, get('/', [['cookie', 'c'.repeat(200)]]), { endStream: true }), { code: 'ERR_HTTP2_HEADER_LIST_TOO_LARGE' });
  assert.equal(client.nextStreamId(), 1, 'the refused request used no stream id');
  client.sendHeaders(1, get('/'), { endStream: true });
  assert.equal(client.streamState(1), 'half-closed-local');
});

test('goaway: a later GOAWAY never raises the last-stream-id over streams ignored after the first (RFC 9113 §6.8)', () => {
  const { server, peer } = serverWithPeer();
  server.receive(peer.bytes(peer.headers(1).get('/')));
  server.goaway();
  assert.deepEqual(summarize(peer, server.takeOutput()), ['GOAWAY(1,NO_ERROR)']);
  const events = server.receive(peer.bytes(peer.headers(3).get('/').endStream(), peer.headers(5).get('/').endStream()));
  assert.deepEqual(events, [], 'streams above the GOAWAY are ignored');
  server.goaway();
  assert.deepEqual(summarize(peer, server.takeOutput()), ['GOAWAY(1,NO_ERROR)']);
  server.receive(peer.bytes(peer.raw(0x6, 0, 1, []))); // a PING on a stream: connection error
  assert.deepEqual(summarize(peer, server.takeOutput()), ['GOAWAY(1,PROTOCOL_ERROR)']);
});

// RFC 9218 §2.1: "Senders MUST NOT change the SETTINGS_NO_RFC7540_PRIORITIES value after the first
// SETTINGS frame. Receivers that detect a change MAY treat it as a connection error of type
// PROTOCOL_ERROR" — which we do; a value other than 0 or 1 MUST be one.
const NO_RFC7540 = SettingId.NO_RFC7540_PRIORITIES;

/** An engine of `role` that has read the peer's first SETTINGS `first` (entries), then `later`. */
function peerSettingsSequence(role: 'client' | 'server', first: Array<[number, number]>, later: Array<[number, number]>): { out: string[]; conn: H2Connection } {
  const conn = new H2Connection({ role });
  const peer = new FramePeer();
  conn.takeOutput();
  const f = peer.settings();
  for (const [id, v] of first) f.set(id, v);
  const l = peer.settings();
  for (const [id, v] of later) l.set(id, v);
  conn.receive(peer.bytes(...(role === 'server' ? [peer.preface()] : []), f, l));
  return { out: summarize(peer, conn.takeOutput()), conn };
}

for (const role of ['client', 'server'] as const) {
  test(`SETTINGS_NO_RFC7540_PRIORITIES (${role}): 1 then 0 is a PROTOCOL_ERROR`, () => {
    const { out, conn } = peerSettingsSequence(role, [[NO_RFC7540, 1]], [[NO_RFC7540, 0]]);
    assert.deepEqual(out, ['SETTINGS(ACK)', 'GOAWAY(0,PROTOCOL_ERROR)']);
    assert.equal(conn.isTerminated, true);
  });

  test(`SETTINGS_NO_RFC7540_PRIORITIES (${role}): absent from the first SETTINGS means 0 for good; 1 later is a PROTOCOL_ERROR`, () => {
    const { out } = peerSettingsSequence(role, [], [[NO_RFC7540, 1]]);
    assert.deepEqual(out, ['SETTINGS(ACK)', 'GOAWAY(0,PROTOCOL_ERROR)']);
  });

  test(`SETTINGS_NO_RFC7540_PRIORITIES (${role}): repeating the same value later is no change`, () => {
    for (const v of [0, 1]) {
      const { out, conn } = peerSettingsSequence(role, [[NO_RFC7540, v]], [[NO_RFC7540, v]]);
      assert.deepEqual(out, ['SETTINGS(ACK)', 'SETTINGS(ACK)'], `value ${v}`);
      assert.equal(conn.remoteSettings.noRfc7540Priorities, v === 1);
    }
    const { out } = peerSettingsSequence(role, [], [[NO_RFC7540, 0]]);
    assert.deepEqual(out, ['SETTINGS(ACK)', 'SETTINGS(ACK)']);
  });

  test(`SETTINGS_NO_RFC7540_PRIORITIES (${role}): a value other than 0 or 1 is a PROTOCOL_ERROR, first or later`, () => {
    assert.deepEqual(peerSettingsSequence(role, [[NO_RFC7540, 2]], []).out, ['GOAWAY(0,PROTOCOL_ERROR)']);
    assert.deepEqual(peerSettingsSequence(role, [[NO_RFC7540, 1]], [[NO_RFC7540, 0xffff_ffff]]).out, ['SETTINGS(ACK)', 'GOAWAY(0,PROTOCOL_ERROR)']);
  });

  test(`SETTINGS_NO_RFC7540_PRIORITIES (${role}): we never change ours after the first SETTINGS`, () => {
    const conn = new H2Connection({ role, priority: 'rfc9218' });
    assert.throws(() => conn.updateSettings({ noRfc7540Priorities: false }), { code: 'ERR_HTTP2_INVALID_SETTING_VALUE' });
    conn.updateSettings({ noRfc7540Priorities: true, maxConcurrentStreams: 10 }); // the same value: allowed
    const plain = new H2Connection({ role });
    assert.throws(() => plain.updateSettings({ noRfc7540Priorities: true }), { code: 'ERR_HTTP2_INVALID_SETTING_VALUE' });
  });
}

test('SETTINGS_NO_RFC7540_PRIORITIES between two engines: fixed by the first SETTINGS, the connection lives', () => {
  const pair = wirePair({ autoAck: true, client: { priority: 'rfc9218' }, server: { priority: 'rfc9218' } });
  pair.pump();
  assert.equal(pair.client.remoteSettings.noRfc7540Priorities, true);
  assert.equal(pair.server.remoteSettings.noRfc7540Priorities, true);
  pair.client.updateSettings({ maxConcurrentStreams: 50 });
  pair.server.updateSettings({ initialWindowSize: 1 << 17 });
  pair.pump();
  assert.ok(!pair.client.isTerminated && !pair.server.isTerminated);
  assert.equal(pair.server.remoteSettings.noRfc7540Priorities, true);
});
