// EventSource against real servers on 127.0.0.1 (every server flavour × every client flavour),
// plus a deterministic backoff test on mocked timers with a scripted request function.
import { test, mock, after } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import * as http from 'node:http';
import { EventSource, EventSourceErrorEvent } from '../../src/sse/event-source.js';
import type { EventSourceRequestFunction, EventSourceInit } from '../../src/sse/event-source.js';
import { eventStream } from '../../src/sse/event-stream.js';
import type { EventStream } from '../../src/sse/event-stream.js';
import { ReplayBuffer } from '../../src/sse/replay-buffer.js';
import { CLIENT_FLAVOURS, closeAllServers, listen, nextEvent, SERVER_FLAVOURS } from './support.js';
import type { Handler } from './support.js';

// A hang (a missing 'drain', a lost event) fails one test quickly instead of stalling the suite.
const T = { timeout: 15_000 };
const sources = new Set<EventSource>();
after(async () => {
  for (const es of sources) es.close();
  await closeAllServers();
});

const FAST: EventSourceInit = { reconnectionTime: 5, jitter: 0, backoffFactor: 1 };

function collect(es: EventSource, types: string[] = ['message']): string[] {
  const log: string[] = [];
  for (const t of types) es.addEventListener(t, (e) => log.push(`${t}:${(e as MessageEvent).data}`));
  return log;
}

function waitFor(es: EventSource, predicate: () => boolean): Promise<void> {
  return new Promise((resolve) => {
    const check = (): void => {
      if (!predicate()) return;
      for (const t of ['message', 'open', 'error', 'tick', 'x']) es.removeEventListener(t, check);
      resolve();
    };
    for (const t of ['message', 'open', 'error', 'tick', 'x']) es.addEventListener(t, check);
    check();
  });
}

for (const server of SERVER_FLAVOURS) {
  for (const client of CLIENT_FLAVOURS) {
    const tag = `[server ${server.name} · client ${client.name}]`;
    const start = (h: Handler, port?: number) => listen(server.createServer(h), port);
    const open = (url: string, init: EventSourceInit = {}) => {
      const es = new EventSource(url, client.request ? { ...init, request: client.request } : init);
      sources.add(es);
      return es;
    };

    test(`${tag} open, messages, named events, attributes, request headers`, T, async () => {
      const seen: http.IncomingHttpHeaders[] = [];
      const srv = await start((req, res) => {
        seen.push(req.headers);
        const st = eventStream(req, res, { keepAlive: 0 });
        st.send({ data: 'one', id: 'a1' });
        st.send({ event: 'tick', data: 'two\nlines' });
        st.send({ data: 'three' });
      });
      const es = open(srv.url, { headers: { Authorization: 'Bearer t', Accept: 'x/y', 'Last-Event-ID': 'forged' }, withCredentials: true });
      assert.equal(es.readyState, EventSource.CONNECTING);
      assert.equal(es.url, srv.url);
      assert.equal(es.withCredentials, true);
      assert.deepEqual([EventSource.CONNECTING, EventSource.OPEN, EventSource.CLOSED], [0, 1, 2]);
      assert.deepEqual([es.CONNECTING, es.OPEN, es.CLOSED], [0, 1, 2]);
      assert.equal(Object.hasOwn(es, 'OPEN'), false, 'constants live on the prototype');
      const events: MessageEvent[] = [];
      let opened = 0;
      es.onopen = () => opened++;
      es.onmessage = (e) => events.push(e as MessageEvent);
      es.addEventListener('tick', (e) => events.push(e as MessageEvent));
      await waitFor(es, () => events.length === 3);
      assert.equal(opened, 1);
      assert.equal(es.readyState, EventSource.OPEN);
      assert.deepEqual(
        events.map((e) => [e.type, e.data, e.lastEventId, e.origin]),
        [
          ['message', 'one', 'a1', srv.url.slice(0, -1)],
          ['tick', 'two\nlines', 'a1', srv.url.slice(0, -1)],
          ['message', 'three', 'a1', srv.url.slice(0, -1)],
        ],
      );
      assert.ok(events[0] instanceof MessageEvent);
      assert.equal(seen[0]!.accept, 'text/event-stream');
      // Fetch's "no-store" cache mode, as browsers send it.
      assert.equal(seen[0]!['cache-control'], 'no-cache');
      assert.equal(seen[0]!.pragma, 'no-cache');
      // A User-Agent, as browsers send (issue 17): trama/VERSION.
      assert.match(String(seen[0]!['user-agent']), /^trama\/\d+\.\d+\.\d+/);
      assert.equal(seen[0]!.authorization, 'Bearer t');
      assert.equal(seen[0]!['last-event-id'], undefined);
      es.close();
      assert.equal(es.readyState, EventSource.CLOSED);
      await srv.close();
    });

    test(`${tag} many events arrive in order`, T, async () => {
      const N = 5000;
      const srv = await start((req, res) => {
        const st = eventStream(req, res, { keepAlive: 0 });
        for (let i = 0; i < N; i++) st.send({ data: String(i) });
      });
      const es = open(srv.url);
      const got: string[] = [];
      es.onmessage = (e) => got.push((e as MessageEvent).data as string);
      await waitFor(es, () => got.length === N);
      assert.deepEqual(got, Array.from({ length: N }, (_, i) => String(i)));
      es.close();
      await srv.close();
    });

    test(`${tag} reconnect and resume from the replay buffer: no loss, no duplicate`, T, async () => {
      const replay = new ReplayBuffer({ size: 100 });
      const streams = new Set<EventStream>();
      const ids: string[] = [];
      let conns = 0;
      const srv = await start((req, res) => {
        conns++;
        ids.push(String(req.headers['last-event-id'] ?? ''));
        const st = eventStream(req, res, { keepAlive: 0, replay });
        streams.add(st);
        st.on('close', () => streams.delete(st));
      });
      const es = open(srv.url, FAST);
      const got = collect(es);
      const broadcast = (n: number) => {
        const ev = replay.push({ data: `e${n}` });
        for (const s of streams) s.send(ev);
      };
      await nextEvent(es, 'open');
      for (let i = 1; i <= 10; i++) broadcast(i);
      await waitFor(es, () => got.length === 10);
      // The server drops every connection, then keeps broadcasting while the client is away.
      for (const s of streams) s.close();
      const err = await nextEvent<EventSourceErrorEvent>(es, 'error');
      assert.equal(es.readyState, EventSource.CONNECTING);
      assert.equal(err.error.code, 'ERR_SSE_CONNECTION_LOST');
      for (let i = 11; i <= 15; i++) broadcast(i);
      await nextEvent(es, 'open');
      for (let i = 16; i <= 20; i++) broadcast(i);
      await waitFor(es, () => got.length >= 20);
      assert.deepEqual(got, Array.from({ length: 20 }, (_, i) => `message:e${i + 1}`));
      assert.deepEqual(ids, ['', '10']);
      assert.equal(conns, 2);
      assert.equal(es.lastEventId, '20');
      es.close();
      await srv.close();
    });

    test(`${tag} server restart on the same port: the client comes back and resumes`, T, async () => {
      const replay = new ReplayBuffer();
      const streams = new Set<EventStream>();
      const handler: Handler = (req, res) => {
        const st = eventStream(req, res, { keepAlive: 0, replay });
        streams.add(st);
        st.on('close', () => streams.delete(st));
      };
      let srv = await start(handler);
      const es = open(srv.url, { reconnectionTime: 5, jitter: 0, maxReconnectionTime: 40 });
      const got = collect(es);
      await nextEvent(es, 'open');
      for (const s of streams) s.send(replay.push({ data: 'before' }));
      await waitFor(es, () => got.length === 1);
      const errors: string[] = [];
      es.onerror = (e) => errors.push((e as EventSourceErrorEvent).error.code);
      await srv.close();
      replay.push({ data: 'while-down' });
      const port = srv.port;
      // Let the client fail at least once against the closed port before the restart.
      await waitFor(es, () => errors.includes('ERR_SSE_NETWORK'));
      srv = await start(handler, port);
      await waitFor(es, () => got.length === 2);
      assert.deepEqual(got, ['message:before', 'message:while-down']);
      assert.equal(errors[0], 'ERR_SSE_CONNECTION_LOST');
      es.close();
      await srv.close();
    });

    test(`${tag} 204, other statuses and other content types fail the connection`, T, async () => {
      const cases: [string, (res: http.ServerResponse) => void, string, number | undefined][] = [
        ['204', (res) => res.writeHead(204).end(), 'ERR_SSE_BAD_STATUS', 204],
        ['500', (res) => res.writeHead(500, { 'content-type': 'text/event-stream' }).end(), 'ERR_SSE_BAD_STATUS', 500],
        ['html', (res) => res.writeHead(200, { 'content-type': 'text/html' }).end('data: x\n\n'), 'ERR_SSE_BAD_CONTENT_TYPE', 200],
        ['no type', (res) => res.writeHead(200).end('data: x\n\n'), 'ERR_SSE_BAD_CONTENT_TYPE', 200],
      ];
      for (const [name, reply, code, status] of cases) {
        let requests = 0;
        const srv = await start((_req, res) => {
          requests++;
          reply(res);
        });
        const es = open(srv.url, FAST);
        let opened = false;
        es.onopen = () => (opened = true);
        es.onmessage = () => assert.fail('no message');
        const err = await nextEvent<EventSourceErrorEvent>(es, 'error');
        assert.equal(es.readyState, EventSource.CLOSED, name);
        assert.equal(err.error.code, code, name);
        assert.equal(err.status, status, name);
        assert.equal(opened, false);
        assert.equal(requests, 1);
        await srv.close();
      }
    });

    test(`${tag} content type match ignores case and parameters`, T, async () => {
      const srv = await start((_req, res) => res.writeHead(200, { 'content-type': 'Text/Event-Stream ; charset=UTF-8' }).end('data: ok\n\n'));
      const es = open(srv.url, FAST);
      const m = await nextEvent<MessageEvent>(es, 'message');
      assert.equal(m.data, 'ok');
      es.close();
      await srv.close();
    });

    test(`${tag} redirects: followed, origin updated, url kept, Authorization dropped across origins`, T, async () => {
      const seenAuth: (string | undefined)[] = [];
      const target = await start((req, res) => {
        seenAuth.push(req.headers.authorization);
        eventStream(req, res, { keepAlive: 0 }).send({ data: 'moved' });
      });
      const first = await start((req, res) => {
        if (req.url === '/') res.writeHead(307, { location: '/step' }).end();
        else if (req.url === '/step') {
          seenAuth.push(req.headers.authorization);
          res.writeHead(302, { location: target.url }).end();
        }
      });
      const es = open(first.url, { headers: { authorization: 'secret' } });
      const m = await nextEvent<MessageEvent>(es, 'message');
      assert.equal(m.data, 'moved');
      assert.equal(m.origin, target.url.slice(0, -1));
      assert.equal(es.url, first.url);
      assert.deepEqual(seenAuth, ['secret', undefined]);
      es.close();
      await first.close();
      await target.close();
    });

    test(`${tag} redirect loop: every redirect status is followed, then it fails after maxRedirects`, T, async () => {
      const statuses = [301, 302, 303, 307, 308];
      let hits = 0;
      const srv = await start((_req, res) => {
        res.writeHead(statuses[hits++ % statuses.length]!, { location: `/again${hits}` }).end();
      });
      const es = open(srv.url, { maxRedirects: statuses.length });
      const err = await nextEvent<EventSourceErrorEvent>(es, 'error');
      assert.equal(err.error.code, 'ERR_SSE_TOO_MANY_REDIRECTS');
      assert.equal(es.readyState, EventSource.CLOSED);
      assert.equal(hits, statuses.length + 1);
      await srv.close();
    });

    test(`${tag} heartbeat timeout reconnects a stalled stream`, T, async () => {
      let conns = 0;
      const srv = await start((req, res) => {
        conns++;
        const st = eventStream(req, res, { keepAlive: 0 });
        // First connection: headers, then silence. Second: an event.
        if (conns === 2) st.send({ data: 'alive' });
      });
      const es = open(srv.url, { ...FAST, heartbeatTimeout: 300 });
      const err = await nextEvent<EventSourceErrorEvent>(es, 'error');
      assert.equal(err.error.code, 'ERR_SSE_HEARTBEAT_TIMEOUT');
      const m = await nextEvent<MessageEvent>(es, 'message');
      assert.equal(m.data, 'alive');
      assert.equal(conns, 2);
      es.close();
      await srv.close();
    });

    test(`${tag} keep-alive comments hold off the heartbeat timeout`, T, async () => {
      let conns = 0;
      let st: EventStream | undefined;
      const srv = await start((req, res) => {
        conns++;
        st = eventStream(req, res, { keepAlive: 0 });
      });
      const es = open(srv.url, { ...FAST, heartbeatTimeout: 800 });
      await nextEvent(es, 'open');
      // (On a loaded machine the first response itself may take longer than the timeout; what is
      // tested starts once the stream is open.)
      const connsAtOpen = conns;
      let errors = 0;
      es.onerror = () => errors++;
      // Time must pass here (that is what is tested): 12 comments 100 ms apart, 1.2 s in all,
      // longer than the heartbeat timeout, on one connection; then one event. The timeout is
      // eight times the gap so that a loaded machine's stalls (seen: 200+ ms) do not cut it.
      for (let i = 0; i < 12; i++) {
        st!.comment('ping');
        await new Promise((r) => setTimeout(r, 100));
      }
      st!.send({ data: 'still here' });
      const m = await nextEvent<MessageEvent>(es, 'message');
      assert.equal(m.data, 'still here');
      assert.equal(errors, 0);
      assert.equal(conns, connsAtOpen);
      es.close();
      await srv.close();
    });

    test(`${tag} retry field sets the reconnection time`, T, async () => {
      let conns = 0;
      const srv = await start((req, res) => {
        conns++;
        const st = eventStream(req, res, { keepAlive: 0, retry: 1 });
        st.send({ data: `c${conns}` });
        if (conns === 1) st.close();
      });
      // Without the server's retry, the client would wait a minute.
      const es = open(srv.url, { reconnectionTime: 60_000, jitter: 0 });
      const got = collect(es);
      await waitFor(es, () => got.length === 2);
      assert.deepEqual(got, ['message:c1', 'message:c2']);
      es.close();
      await srv.close();
    });

    test(`${tag} initial lastEventId option, UTF-8 ids, NULL ids ignored`, T, async () => {
      const seen: string[] = [];
      let conns = 0;
      const srv = await start((req, res) => {
        conns++;
        const st = eventStream(req, res, { keepAlive: 0 });
        seen.push(st.lastEventId);
        if (conns === 1) {
          st.send({ id: 'ação-1', data: 'x' });
          res.write('id: bad\0id\ndata: y\n\n');
          st.close();
        }
      });
      const es = open(srv.url, { ...FAST, lastEventId: 'start-0' });
      const got: string[] = [];
      es.onmessage = (e) => got.push((e as MessageEvent).lastEventId);
      await waitFor(es, () => seen.length === 2);
      assert.deepEqual(got, ['ação-1', 'ação-1']);
      assert.deepEqual(seen, ['start-0', 'ação-1']);
      es.close();
      await srv.close();
      assert.throws(() => new EventSource(srv.url, { lastEventId: 'a\nb' }), { code: 'ERR_INVALID_CHAR' });
    });

    test(`${tag} garbage stream: no crash, no events, reconnects on EOF`, T, async () => {
      let conns = 0;
      const srv = await start((_req, res) => {
        conns++;
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.end(conns === 1 ? Buffer.from([0xff, 0xfe, 0, 1, 2, 0x0d, 0x3a, 0x0a, 0x80, 0x0a, 0x0a]) : 'data: fine\n\n');
      });
      const es = open(srv.url, FAST);
      const got = collect(es);
      await waitFor(es, () => got.length === 1);
      assert.deepEqual(got, ['message:fine']);
      es.close();
      await srv.close();
    });

    test(`${tag} endless line: fails with ERR_SSE_BUFFER_OVERFLOW, memory bounded`, T, async () => {
      const srv = await start((_req, res) => {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        // 1 MiB of one line in 16 KiB writes, never ended: the client must give up at 256 Ki.
        const chunk = 'z'.repeat(16 * 1024);
        res.write('data: ');
        for (let i = 0; i < 64; i++) res.write(chunk);
      });
      const es = open(srv.url, { ...FAST, maxBufferSize: 256 * 1024 });
      const err = await nextEvent<EventSourceErrorEvent>(es, 'error');
      assert.equal(err.error.code, 'ERR_SSE_BUFFER_OVERFLOW');
      assert.equal(es.readyState, EventSource.CLOSED);
      await srv.close();
    });

    test(`${tag} the agent option is the one connections go through`, T, async () => {
      const srv = await start((req, res) => eventStream(req, res, { keepAlive: 0 }).send({ data: 'via agent' }));
      const { Agent } = client.name.startsWith('default (trama)') ? await import('../../src/http/agent.js') : http;
      const agent = new Agent({ keepAlive: true });
      let created = 0;
      const original = agent.createConnection.bind(agent) as (...a: unknown[]) => unknown;
      (agent as { createConnection: unknown }).createConnection = (...a: unknown[]) => {
        created++;
        return original(...a);
      };
      const es = open(srv.url, { agent });
      const m = await nextEvent<MessageEvent>(es, 'message');
      assert.equal(m.data, 'via agent');
      assert.equal(created, 1);
      es.close();
      agent.destroy();
      await srv.close();
    });

    test(`${tag} close() in onerror stops reconnection; close() leaves no timer running`, T, async () => {
      let conns = 0;
      const srv = await start((req, res) => {
        conns++;
        eventStream(req, res, { keepAlive: 0 }).close();
      });
      const timersBefore = process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
      const es = open(srv.url, { ...FAST, heartbeatTimeout: 10_000 });
      es.onerror = () => es.close();
      await nextEvent(es, 'error');
      assert.equal(es.readyState, EventSource.CLOSED);
      assert.equal(process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length, timersBefore);
      assert.equal(conns, 1);
      // close() while waiting to reconnect clears the reconnection timer too.
      const es2 = open(srv.url, { reconnectionTime: 60_000 });
      await nextEvent(es2, 'error');
      assert.equal(es2.readyState, EventSource.CONNECTING);
      es2.close();
      assert.equal(process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length, timersBefore);
      await srv.close();
    });
  }
}

test('constructor: bad URLs throw SyntaxError DOMException', () => {
  for (const bad of ['not a url', '/relative', 'ftp://x/']) {
    assert.throws(() => new EventSource(bad), (e: unknown) => e instanceof DOMException && e.name === 'SyntaxError');
  }
  assert.throws(() => new EventSource('http://x/', { jitter: 2 }), { code: 'ERR_OUT_OF_RANGE' });
  assert.throws(() => new EventSource('http://x/', { reconnectionTime: -1 }), { code: 'ERR_OUT_OF_RANGE' });
});

test('event handler attributes keep their place when replaced and go away on null', async () => {
  const srv = await listen(http.createServer((req, res) => eventStream(req, res, { keepAlive: 0 }).send({ data: 'x' })));
  const es = new EventSource(srv.url);
  const order: string[] = [];
  es.onmessage = () => order.push('first handler');
  es.addEventListener('message', () => order.push('listener'));
  es.onmessage = function (this: EventSource) {
    assert.equal(this, es);
    order.push('replaced handler');
  };
  assert.equal(typeof es.onmessage, 'function');
  es.onopen = () => order.push('open');
  es.onopen = null;
  assert.equal(es.onopen, null);
  await nextEvent(es, 'message');
  assert.deepEqual(order, ['replaced handler', 'listener']);
  es.close();
  await srv.close();
});

/**
 * A scripted request function for the mocked-timer tests: each request, when ended, either
 * fails with a network error (`body` null) or is answered 200 text/event-stream with `body`,
 * then the end of the stream.
 */
function scriptedRequest(onRequest: () => string | null): EventSourceRequestFunction {
  return (_url, _opts, cb) => {
    const req = new EventEmitter() as EventEmitter & { end(): void; destroy(): void };
    req.end = () => {
      const body = onRequest();
      if (body === null) {
        req.emit('error', new Error('ECONNREFUSED'));
        return;
      }
      const res = Object.assign(new EventEmitter(), {
        statusCode: 200,
        headers: { 'content-type': 'text/event-stream' },
        resume() {},
        destroy() {},
      });
      cb(res);
      if (body !== '') res.emit('data', Buffer.from(body));
      res.emit('end');
    };
    req.destroy = () => {};
    return req;
  };
}

test('backoff: waits grow by the factor up to the cap, reset after a successful open (mocked timers)', () => {
  mock.timers.enable({ apis: ['setTimeout'] });
  try {
    const calls: number[] = [];
    let now = 0;
    let succeed = false;
    const fake = scriptedRequest(() => {
      calls.push(now);
      return succeed ? '' : null;
    });
    const es = new EventSource('http://127.0.0.1:1/', { request: fake, reconnectionTime: 100, backoffFactor: 2, maxReconnectionTime: 500, jitter: 0 });
    const errors: string[] = [];
    es.onerror = (e) => errors.push((e as EventSourceErrorEvent).error.code);
    const advance = (ms: number) => {
      for (let i = 0; i < ms; i++) {
        now++;
        mock.timers.tick(1);
      }
    };
    return new Promise<void>((resolve) => {
      process.nextTick(() => {
        assert.deepEqual(calls, [0]);
        advance(100 + 200 + 400 + 500 + 500);
        assert.deepEqual(calls, [0, 100, 300, 700, 1200, 1700]);
        // A successful open resets the backoff: the next wait is the base again.
        succeed = true;
        advance(500);
        assert.equal(calls.length, 7); // opened, then EOF → reestablish
        succeed = false;
        advance(100);
        assert.equal(calls.at(-1), 2300);
        assert.ok(errors.every((c) => c === 'ERR_SSE_NETWORK' || c === 'ERR_SSE_CONNECTION_LOST'));
        es.close();
        resolve();
      });
    }).finally(() => mock.timers.reset());
  } catch (e) {
    mock.timers.reset();
    throw e;
  }
});

/** The waits between the first `attempts` reconnections of a source whose server is down (mocked timers). */
function reconnectionWaits(init: EventSourceInit, attempts: number): Promise<number[]> {
  mock.timers.enable({ apis: ['setTimeout'] });
  const waits: number[] = [];
  let calls = 0;
  const down = scriptedRequest(() => {
    calls++;
    return null;
  });
  return new Promise<number[]>((resolve) => {
    const es = new EventSource('http://127.0.0.1:1/', { ...init, request: down });
    process.nextTick(() => {
      for (let attempt = 0; attempt < attempts; attempt++) {
        const before = calls;
        let waited = 0;
        while (calls === before) {
          mock.timers.tick(1);
          waited++;
        }
        waits.push(waited);
      }
      es.close();
      resolve(waits);
    });
  }).finally(() => mock.timers.reset());
}

test('jitter lengthens every wait, the first one included, and never shortens the server\'s time', async (t) => {
  const backoff = { reconnectionTime: 100, backoffFactor: 2, maxReconnectionTime: 1000 };
  const random = t.mock.method(Math, 'random', () => 0.5);
  // Half of the jitter fraction added to each backed-off wait (cap 1000 before jitter).
  assert.deepEqual(await reconnectionWaits({ ...backoff, jitter: 1 }, 6), [150, 300, 600, 1200, 1500, 1500]);
  assert.deepEqual(await reconnectionWaits({ ...backoff, jitter: 0.2 }, 3), [110, 220, 440]);
  // Two clients dropped at the same instant draw different randoms: their first returns differ.
  random.mock.mockImplementation(() => 0);
  const [low] = await reconnectionWaits({ ...backoff, jitter: 0.5 }, 1);
  random.mock.mockImplementation(() => 0.999);
  const [high] = await reconnectionWaits({ ...backoff, jitter: 0.5 }, 1);
  assert.deepEqual([low, high], [100, 150]);
  // No jitter: exactly the backoff.
  assert.deepEqual(await reconnectionWaits({ ...backoff, jitter: 0 }, 5), [100, 200, 400, 800, 1000]);
  // A reconnection time above the cap is kept: the cap bounds the backoff only.
  assert.deepEqual(await reconnectionWaits({ ...backoff, reconnectionTime: 2000, jitter: 0 }, 2), [2000, 2000]);
});

test('a request function that throws fails the connection (ERR_SSE_REQUEST)', async () => {
  const es = new EventSource('http://127.0.0.1:1/', {
    request: () => {
      throw new TypeError('bad agent');
    },
  });
  const err = await nextEvent<EventSourceErrorEvent>(es, 'error');
  assert.equal(err.error.code, 'ERR_SSE_REQUEST');
  assert.equal(es.readyState, EventSource.CLOSED);
});

test('a huge retry value waits the longest timer delay, never "at once" (mocked timers)', () => {
  mock.timers.enable({ apis: ['setTimeout'] });
  let calls = 0;
  const fake = scriptedRequest(() => {
    calls++;
    return 'retry: 99999999999999\n\n';
  });
  return new Promise<void>((resolve) => {
    const es = new EventSource('http://127.0.0.1:1/', { request: fake, jitter: 0 });
    process.nextTick(() => {
      assert.equal(calls, 1);
      mock.timers.tick(1000);
      assert.equal(calls, 1, 'no reconnection after 1 s');
      mock.timers.tick(2 ** 31 - 1 - 1000);
      assert.equal(calls, 2);
      es.close();
      resolve();
    });
  }).finally(() => mock.timers.reset());
});
