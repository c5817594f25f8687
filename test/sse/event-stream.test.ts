// The server helper over real sockets, run over every available server (node:http, trama).
import { test, after, mock } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter, once } from 'node:events';
import { eventStream, EventStream } from '../../src/sse/event-stream.js';
import { ReplayBuffer, prepareEvent } from '../../src/sse/replay-buffer.js';
import { closeAllServers, listen, RawStream, SERVER_FLAVOURS } from './support.js';
import type { Handler } from './support.js';

// A hang (a missing 'drain', a lost event) fails one test quickly instead of stalling the suite.
const T = { timeout: 15_000 };
after(closeAllServers);

for (const flavour of SERVER_FLAVOURS) {
  const start = async (handler: Handler) => listen(flavour.createServer(handler));

  test(`[${flavour.name}] headers are set and flushed before any event`, T, async () => {
    let stream: EventStream | undefined;
    let connectionHeader: unknown = 'unset';
    const srv = await start((req, res) => {
      stream = eventStream(req, res, { keepAlive: 0 });
      connectionHeader = res.getHeader('connection');
    });
    const s = await RawStream.open(srv.url);
    assert.equal(s.res.statusCode, 200);
    assert.equal(s.res.headers['content-type'], 'text/event-stream; charset=utf-8');
    assert.equal(s.res.headers['cache-control'], 'no-store');
    assert.equal(s.res.headers['x-accel-buffering'], 'no');
    assert.equal(connectionHeader, undefined, 'no Connection header set by hand');
    assert.equal(s.events.length, 0);
    stream!.send({ data: 'first' });
    await s.until(() => s.events.length === 1);
    s.close();
    await srv.close();
  });

  test(`[${flavour.name}] many events in order, named, multi-line, JSON`, T, async () => {
    const srv = await start((req, res) => {
      const st = eventStream(req, res, { keepAlive: 0, retry: 1234 });
      for (let i = 0; i < 500; i++) st.send({ id: String(i), data: `n${i}` });
      st.send({ event: 'multi', data: 'a\nb\r\nc' });
      st.send({ event: 'json', data: { x: [1, 2] } });
      st.close();
    });
    const s = await RawStream.open(srv.url);
    await once(s.res, 'end');
    assert.equal(s.events.length, 502);
    assert.deepEqual(
      s.events.slice(0, 500).map((e) => e.data),
      Array.from({ length: 500 }, (_, i) => `n${i}`),
    );
    assert.equal(s.events[499]!.lastEventId, '499');
    assert.deepEqual(s.events[500], { type: 'multi', data: 'a\nb\nc', lastEventId: '499' });
    assert.deepEqual(s.events[501], { type: 'json', data: '{"x":[1,2]}', lastEventId: '499' });
    await srv.close();
  });

  test(`[${flavour.name}] lastEventId comes from the request, UTF-8 ids included`, T, async () => {
    const seen: string[] = [];
    const srv = await start((req, res) => {
      const st = eventStream(req, res, { keepAlive: 0 });
      seen.push(st.lastEventId);
      st.close();
    });
    for (const headers of [{} as Record<string, string>, { 'last-event-id': '42' }, { 'last-event-id': Buffer.from('ação-7').toString('latin1') }]) {
      const s = await RawStream.open(srv.url, headers);
      await once(s.res, 'end');
    }
    assert.deepEqual(seen, ['', '42', 'ação-7']);
    await srv.close();
  });

  test(`[${flavour.name}] replay buffer: a client with Last-Event-ID gets exactly what it missed`, T, async () => {
    const replay = new ReplayBuffer({ size: 5 });
    for (let i = 1; i <= 8; i++) replay.push({ data: `e${i}` }); // keeps ids 4..8
    const opened: EventStream[] = [];
    const srv = await start((req, res) => {
      opened.push(eventStream(req, res, { keepAlive: 0, replay }));
    });
    const a = await RawStream.open(srv.url, { 'last-event-id': '6' });
    await a.until(() => a.events.length === 2);
    assert.deepEqual(a.events.map((e) => [e.data, e.lastEventId]), [['e7', '7'], ['e8', '8']]);
    assert.equal(opened[0]!.replayed, 2);
    assert.equal(opened[0]!.replayGap, false);
    // Live events follow the replayed ones without duplication.
    opened[0]!.send(replay.push({ data: 'e9' }));
    await a.until(() => a.events.length === 3);
    assert.equal(a.events[2]!.lastEventId, '9');
    // An id evicted from the ring: nothing replayed, and the gap is reported.
    // (the response arrives after the handler ran: headers are flushed inside eventStream)
    const b = await RawStream.open(srv.url, { 'last-event-id': '2' });
    assert.equal(opened.length, 2);
    assert.equal(opened[1]!.replayed, 0);
    assert.equal(opened[1]!.replayGap, true);
    a.close();
    b.close();
    await srv.close();
  });

  test(`[${flavour.name}] keep-alive comments when idle`, T, async () => {
    const srv = await start((req, res) => {
      eventStream(req, res, { keepAlive: 10 });
    });
    const s = await RawStream.open(srv.url);
    await s.until(() => s.comments.length >= 2);
    assert.deepEqual(s.comments.slice(0, 2), ['', '']);
    assert.equal(s.events.length, 0);
    s.close();
    await srv.close();
  });

  test(`[${flavour.name}] streams sharing a keep-alive interval: each gets comments, one closing leaves the other's going`, T, async () => {
    const streams: EventStream[] = [];
    const srv = await start((req, res) => {
      streams.push(eventStream(req, res, { keepAlive: 10 }));
    });
    const a = await RawStream.open(srv.url);
    const b = await RawStream.open(srv.url);
    await a.until(() => a.comments.length >= 1);
    await b.until(() => b.comments.length >= 1);
    streams[0]!.close();
    const seen = b.comments.length;
    await b.until(() => b.comments.length >= seen + 2);
    assert.equal(streams[1]!.closed, false);
    a.close();
    b.close();
    await srv.close();
  });

  test(`[${flavour.name}] client goes away: 'close' once, later sends are no-ops returning false`, T, async () => {
    let st: EventStream | undefined;
    const srv = await start((req, res) => {
      st = eventStream(req, res, { keepAlive: 5 });
      st.send({ data: 'hello' });
    });
    const s = await RawStream.open(srv.url);
    await s.until(() => s.events.length === 1);
    let closes = 0;
    st!.on('close', () => closes++);
    s.close();
    await once(st!, 'close');
    assert.equal(st!.closed, true);
    assert.equal(st!.send({ data: 'late' }), false);
    assert.equal(st!.comment('late'), false);
    st!.close();
    assert.equal(closes, 1);
    await srv.close();
  });

  test(`[${flavour.name}] slow consumer: send returns false, then 'drain' follows`, T, async () => {
    let st: EventStream | undefined;
    const srv = await start((req, res) => {
      st = eventStream(req, res, { keepAlive: 0 });
    });
    const s = await RawStream.open(srv.url);
    s.res.pause(); // the consumer stops reading
    const big = prepareEvent({ data: 'x'.repeat(64 * 1024) });
    let sent = 0;
    while (st!.send(big)) {
      sent++;
      if (sent > 100_000) assert.fail('never saw backpressure');
    }
    const drained = once(st!, 'drain');
    s.res.resume();
    await drained;
    assert.equal(st!.send({ data: 'after' }), true);
    s.close();
    await srv.close();
  });

  test(`[${flavour.name}] CR/LF in event or id throws and writes nothing`, T, async () => {
    let errors: unknown[] = [];
    let st: EventStream | undefined;
    const srv = await start((req, res) => {
      st = eventStream(req, res, { keepAlive: 0 });
      for (const f of [{ event: 'a\nevent: evil', data: 'x' }, { id: '1\r\ndata: injected', data: 'x' }]) {
        try {
          st.send(f);
        } catch (e) {
          errors.push((e as { code?: string }).code);
        }
      }
      st.send({ data: 'clean' });
    });
    const s = await RawStream.open(srv.url);
    await s.until(() => s.events.length === 1);
    assert.deepEqual(errors, ['ERR_INVALID_CHAR', 'ERR_INVALID_CHAR']);
    assert.deepEqual(s.events, [{ type: 'message', data: 'clean', lastEventId: '' }]);
    errors = [];
    st!.close();
    s.close();
    await srv.close();
  });

  test(`[${flavour.name}] headers already sent is a local misuse error`, T, async () => {
    let err: unknown;
    const srv = await start((req, res) => {
      res.writeHead(200).flushHeaders();
      try {
        eventStream(req, res);
      } catch (e) {
        err = e;
      }
      res.end();
    });
    const s = await RawStream.open(srv.url);
    await once(s.res, 'end');
    assert.equal((err as { code?: string }).code, 'ERR_HTTP_HEADERS_SENT');
    await srv.close();
  });
}

test('ReplayBuffer: bounded ring, O(1) lookup, auto ids, explicit ids kept', () => {
  const r = new ReplayBuffer({ size: 3 });
  assert.equal(r.lastId, undefined);
  r.push({ data: 'a' });
  r.push({ id: 'x', data: 'b' });
  r.push({ data: 'c' });
  assert.deepEqual(r.since('1')!.map((e) => e.data), ['b', 'c']);
  assert.deepEqual(r.since('x')!.map((e) => e.id), ['2']);
  r.push({ data: 'd' });
  assert.equal(r.length, 3);
  assert.equal(r.since('1'), undefined, 'evicted');
  assert.deepEqual(r.since('x')!.map((e) => e.data), ['c', 'd']);
  assert.equal(r.lastId, '3');
  assert.deepEqual(r.since('3'), []);
  assert.throws(() => new ReplayBuffer({ size: 0 }), { code: 'ERR_OUT_OF_RANGE' });
  assert.throws(() => r.push({ event: 'a\nb', data: 'x' }), { code: 'ERR_INVALID_CHAR' });
});

test('keep-alive comments: only after a whole idle interval; none after close (mocked timers)', () => {
  mock.timers.enable({ apis: ['setInterval'] });
  try {
    const writes: string[] = [];
    const headers: Record<string, string> = {};
    const res = Object.assign(new EventEmitter(), {
      statusCode: 0,
      headersSent: false,
      setHeader(name: string, value: string) {
        headers[name.toLowerCase()] = value;
      },
      flushHeaders() {
        writes.push('<head>');
      },
      write(chunk: string) {
        writes.push(chunk);
        return true;
      },
      end() {
        writes.push('<end>');
      },
    });
    const st = eventStream({ headers: {} }, res, { keepAlive: 100 });
    assert.equal(headers['content-type'], 'text/event-stream; charset=utf-8');
    mock.timers.tick(99);
    assert.deepEqual(writes, ['<head>']);
    mock.timers.tick(1);
    assert.deepEqual(writes, ['<head>', ':\n']);
    st.send({ data: 'a' });
    mock.timers.tick(100); // an event went out during this interval: no comment
    assert.deepEqual(writes, ['<head>', ':\n', 'data: a\n\n']);
    mock.timers.tick(100);
    assert.deepEqual(writes.slice(3), [':\n']);
    st.close();
    mock.timers.tick(1000);
    assert.deepEqual(writes.slice(3), [':\n', '<end>']);
  } finally {
    mock.timers.reset();
  }
});
