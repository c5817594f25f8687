// The HTTP/2 client driver (src/io/h2-client.ts) against node:http2 servers over real sockets:
// requests, bodies with backpressure, credit on consume, trailers both ways, 1xx, push (taken and
// refused), MAX_CONCURRENT_STREAMS queueing, GOAWAY refusing streams, resets, ping, settings,
// graceful close and idle close.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as http2 from 'node:http2';
import * as net from 'node:net';
import { once } from 'node:events';
import { H2ClientSession, type H2ClientStream } from '../../src/io/h2-client.js';
import { ErrorCode } from '../../src/wire/h2/constants.js';
import { listen, quiet } from '../support/h2-client.js';

type Fields = Array<[string, string]>;


async function connect(port: number, options: ConstructorParameters<typeof H2ClientSession>[1] = {}): Promise<H2ClientSession> {
  const socket = net.connect(port, '127.0.0.1');
  await once(socket, 'connect');
  return new H2ClientSession(socket, options);
}

function get(path: string, port: number, method = 'GET'): Fields {
  return [[':method', method], [':scheme', 'http'], [':authority', `127.0.0.1:${port}`], [':path', path]];
}

interface Collected { status: number; headers: Fields; body: Buffer; trailers: Fields | null; code: number; infos: Fields[] }

function collect(s: H2ClientStream): Promise<Collected> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let headers: Fields = [];
    let trailers: Fields | null = null;
    const infos: Fields[] = [];
    s.on('information', (h: Fields) => infos.push(h));
    s.on('response', (h: Fields) => (headers = h));
    s.on('data', (c: Buffer) => {
      chunks.push(c);
      s.consumed(c.length);
    });
    s.on('trailers', (t: Fields) => (trailers = t));
    s.on('close', (code: number) => {
      const status = Number(headers.find(([n]) => n === ':status')?.[1] ?? 0);
      resolve({ status, headers, body: Buffer.concat(chunks), trailers, code, infos });
    });
  });
}

test('GET and POST echo with trailers both ways, 1xx as information', async () => {
  const server = http2.createServer();
  server.on('stream', (stream, headers) => {
    if (headers[':path'] === '/info') {
      stream.additionalHeaders({ ':status': 103, link: '</a.css>; rel=preload' });
      stream.respond({ ':status': 200 });
      stream.end('after info');
      return;
    }
    const parts: Buffer[] = [];
    stream.on('data', (c: Buffer) => parts.push(c));
    stream.on('end', () => {
      stream.respond({ ':status': 200, 'x-method': String(headers[':method']) }, { waitForTrailers: true });
      stream.on('wantTrailers', () => stream.sendTrailers({ 'x-got-trailer': String(stream.sentTrailers ?? '') + 'yes' }));
      stream.end(Buffer.concat(parts));
    });
  });
  quiet(server);
  const port = await listen(server);
  const session = await connect(port);
  const a = collect(session.request(get('/info', port), { endStream: true }));
  const post = session.request(get('/echo', port, 'POST'), { waitForTrailers: true });
  const b = collect(post);
  post.on('wantTrailers', () => post.sendTrailers([['x-client', 'done']]));
  post.write('hello ');
  post.end('world');
  const [ra, rb] = await Promise.all([a, b]);
  assert.equal(ra.status, 200);
  assert.equal(ra.body.toString(), 'after info');
  assert.equal(ra.infos.length, 1);
  assert.deepEqual(ra.infos[0]!.find(([n]) => n === 'link'), ['link', '</a.css>; rel=preload']);
  assert.equal(rb.status, 200);
  assert.equal(rb.body.toString(), 'hello world');
  assert.deepEqual(rb.headers.find(([n]) => n === 'x-method'), ['x-method', 'POST']);
  assert.deepEqual(rb.trailers, [['x-got-trailer', 'yes']]);
  assert.equal(rb.code, 0);
  session.close();
  await once(session, 'close');
  server.close();
});

test('MAX_CONCURRENT_STREAMS of 1: the other requests queue and all complete in order', async () => {
  const server = http2.createServer({ settings: { maxConcurrentStreams: 1 } });
  let inFlight = 0;
  let maxInFlight = 0;
  server.on('stream', (stream, headers) => {
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    stream.respond({ ':status': 200 });
    setImmediate(() => {
      inFlight--;
      stream.end(String(headers[':path']));
    });
  });
  quiet(server);
  const port = await listen(server);
  const session = await connect(port);
  await once(session, 'remoteSettings');
  const streams = Array.from({ length: 6 }, (_, i) => session.request(get(`/${i}`, port), { endStream: true }));
  assert.equal(streams[0]!.id, 1);
  assert.equal(streams[1]!.id, 0, 'queued behind the limit');
  assert.equal(session.state.queuedStreams, 5);
  const results = await Promise.all(streams.map(collect));
  assert.deepEqual(results.map((r) => r.body.toString()), ['/0', '/1', '/2', '/3', '/4', '/5']);
  assert.equal(maxInFlight, 1);
  session.close();
  await once(session, 'close');
  server.close();
});

test('response credit is given back only as the caller consumes', async () => {
  const big = Buffer.alloc(1024 * 1024, 7);
  const server = http2.createServer();
  server.on('stream', (stream) => {
    stream.respond({ ':status': 200 });
    stream.end(big);
  });
  quiet(server);
  const port = await listen(server);
  const session = await connect(port);
  const s = session.request(get('/big', port), { endStream: true });
  const held: Buffer[] = [];
  let got = 0;
  s.on('data', (c: Buffer) => {
    held.push(c);
    got += c.length;
  });
  // Without consumed(), the server can send one stream window (65,535 bytes by default) and stalls.
  await new Promise<void>((resolve) => {
    const check = (): void => {
      if (got >= 65_535) resolve();
      else s.once('data', check);
    };
    check();
  });
  // A PING round trip: anything the server could still send has arrived by now.
  await new Promise<void>((resolve) => session.ping(() => resolve()));
  assert.equal(got, 65_535);
  const done = collect(s);
  for (const c of held) s.consumed(c.length);
  const r = await done;
  assert.equal(65_535 + r.body.length, big.length);
  session.close();
  server.close();
});

test('request body backpressure: write() false while the server reads nothing, then drains', async () => {
  const server = http2.createServer();
  let serverStream: http2.ServerHttp2Stream | null = null;
  server.on('stream', (stream) => {
    serverStream = stream;
    stream.pause();
  });
  quiet(server);
  const port = await listen(server);
  const session = await connect(port);
  const s = session.request(get('/up', port, 'POST'));
  const chunk = Buffer.alloc(16 * 1024, 1);
  let written = 0;
  while (s.write(chunk)) written += chunk.length;
  written += chunk.length;
  // Keep writing only on 'drain' until a PING round trip passes with no drain: the windows are
  // exhausted and the rest of the body waits in our queue.
  const stalledAt = await new Promise<number>((resolve) => {
    let drains = 0;
    const probe = (): void => {
      const before = drains;
      session.ping(() => (drains === before && s.bufferedAmount > 0 ? resolve(written) : probe()));
    };
    s.on('drain', () => {
      drains++;
      while (s.write(chunk)) written += chunk.length;
      written += chunk.length;
    });
    probe();
  });
  // Memory stays bounded: what was written is at most the windows (stream 64 KiB, plus node's
  // buffering) and one high-water mark beyond.
  assert.ok(stalledAt < 512 * 1024, `stalled after ${stalledAt} bytes`);
  s.removeAllListeners('drain');
  serverStream!.resume();
  s.end();
  assert.ok(s.bufferedAmount <= 64 * 1024 + 16 * 1024 * 2, `buffered ${s.bufferedAmount}`);
  const total = await new Promise<number>((resolve) => {
    let n = 0;
    serverStream!.on('data', (c: Buffer) => (n += c.length));
    serverStream!.on('end', () => {
      serverStream!.respond({ ':status': 204 });
      serverStream!.end();
      resolve(n);
    });
  });
  assert.equal(total, written);
  session.close();
  await once(session, 'close');
  server.close();
});

test('push: taken when someone listens, refused with CANCEL when nobody does', async () => {
  const server = http2.createServer();
  const pushResults: Array<Promise<string>> = [];
  server.on('stream', (stream) => {
    pushResults.push(new Promise((resolve) => {
      stream.pushStream({ ':path': '/style.css' }, (err, push) => {
        if (err) return resolve(`err ${err.message}`);
        push.on('close', () => resolve(`closed ${push.rstCode}`));
        push.respond({ ':status': 200 });
        // The second push never ends: only the client's RST_STREAM closes it.
        if (pushResults.length === 1) push.end('body{}');
      });
    }));
    stream.respond({ ':status': 200 });
    setImmediate(() => stream.end('page'));
  });
  quiet(server);
  const port = await listen(server);
  const session = await connect(port);
  const parent = session.request(get('/', port), { endStream: true });
  const pushed = new Promise<{ path: string | undefined; body: string }>((resolve) => {
    parent.on('push', (p: H2ClientStream, reqHeaders: Fields) => {
      void collect(p).then((r) => resolve({ path: reqHeaders.find(([n]) => n === ':path')?.[1], body: r.body.toString() }));
    });
  });
  const page = await collect(parent);
  assert.equal(page.body.toString(), 'page');
  assert.deepEqual(await pushed, { path: '/style.css', body: 'body{}' });
  // Now nobody listens: the push is refused.
  const r2 = await collect(session.request(get('/again', port), { endStream: true }));
  assert.equal(r2.body.toString(), 'page');
  assert.equal(await pushResults[1], `closed ${ErrorCode.CANCEL}`);
  session.close();
  server.close();
});

test('GOAWAY: streams above the last-stream-id close refused; reset by the server reports its code', async () => {
  const server = http2.createServer();
  let count = 0;
  server.on('stream', (stream, headers) => {
    count++;
    if (headers[':path'] === '/reset') {
      stream.close(http2.constants.NGHTTP2_ENHANCE_YOUR_CALM);
      return;
    }
    if (count === 2) {
      // Only stream 3 (this one) is processed; a GOAWAY naming it refuses 5 and 7.
      stream.session!.goaway(0, stream.id!);
    }
    stream.respond({ ':status': 200 });
    setImmediate(() => stream.end('ok'));
  });
  quiet(server);
  const port = await listen(server);
  const session = await connect(port);
  const reset = await collect(session.request(get('/reset', port), { endStream: true }));
  assert.equal(reset.code, ErrorCode.ENHANCE_YOUR_CALM);
  const goaway = once(session, 'goaway');
  const streams = [session.request(get('/a', port), { endStream: true }), session.request(get('/b', port), { endStream: true }), session.request(get('/c', port), { endStream: true })];
  const results = await Promise.all(streams.map(collect));
  const [code, last] = await goaway;
  assert.equal(code, 0);
  assert.equal(last, 3);
  assert.equal(results[0]!.body.toString(), 'ok');
  assert.equal(streams[0]!.refused, false);
  assert.deepEqual(streams.slice(1).map((s) => s.refused), [true, true]);
  assert.throws(() => session.request(get('/late', port), { endStream: true }), { code: 'ERR_HTTP2_GOAWAY_SESSION' });
  await once(session, 'close');
  server.close();
});

test('ping rtt, settings acknowledged, idle timeout closes gracefully', async () => {
  const server = http2.createServer();
  server.on('stream', (stream) => {
    stream.respond({ ':status': 204 });
    stream.end();
  });
  quiet(server);
  const port = await listen(server);
  const session = await connect(port, { idleTimeout: 50 });
  const rtt = await new Promise<number>((resolve, reject) => session.ping(Buffer.from('abcdefgh'), (err, ms, payload) => (err ? reject(err) : (assert.equal(payload.toString(), 'abcdefgh'), resolve(ms)))));
  assert.ok(rtt >= 0);
  await new Promise<void>((resolve) => session.settings({ initialWindowSize: 1 << 20 }, resolve));
  assert.equal(session.localSettings.initialWindowSize, 1 << 20);
  const r = await collect(session.request(get('/', port), { endStream: true }));
  assert.equal(r.status, 204);
  await once(session, 'timeout');
  await once(session, 'close');
  assert.equal(session.destroyed, true);
  server.close();
});

test('destroy() closes every stream with the error; the socket is gone', async () => {
  const server = http2.createServer();
  server.on('stream', (stream) => stream.respond({ ':status': 200 }));
  quiet(server);
  const port = await listen(server);
  const session = await connect(port);
  const s = session.request(get('/hang', port), { endStream: true });
  await once(s, 'response');
  const closed = once(s, 'close');
  const errors: string[] = [];
  session.on('error', (e: Error) => errors.push(e.message));
  const sessionClosed = new Promise((resolve) => session.on('close', resolve));
  session.destroy(new Error('boom'));
  await closed;
  assert.equal(s.error?.message, 'boom');
  await sessionClosed;
  assert.deepEqual(errors, ['boom']);
  server.close();
});

test('keep-alive PING while a stream waits; a server that stops answering is dropped (ERR_HTTP2_PING_TIMEOUT)', async () => {
  // A server that answers only after it has seen two keep-alive PINGs: the session stays up.
  const server = http2.createServer();
  server.on('session', (session) => {
    let pings = 0;
    session.on('ping', () => {
      pings++;
      if (pings === 2) for (const s of waiting.splice(0)) (s.respond({ ':status': 200 }), s.end('late'));
    });
  });
  const waiting: http2.ServerHttp2Stream[] = [];
  server.on('stream', (stream) => waiting.push(stream));
  quiet(server);
  const port = await listen(server);
  const session = await connect(port, { pingInterval: 20, pingTimeout: 5000 });
  const r = await collect(session.request(get('/slow', port), { endStream: true }));
  assert.equal(r.body.toString(), 'late');
  session.close();
  server.close();

  // A peer that sends its SETTINGS, then reads and never writes again.
  const mute = net.createServer((socket) => {
    socket.write(Buffer.from('000000040000000000', 'hex')); // an empty SETTINGS frame
    socket.on('data', () => {});
    socket.on('error', () => {});
  });
  const mutePort = await listen(mute);
  const s2 = await connect(mutePort, { pingInterval: 20, pingTimeout: 40 });
  s2.on('error', () => {});
  const st = s2.request(get('/never', mutePort), { endStream: true });
  await once(st, 'close');
  assert.equal((st.error as { code?: string } | null)?.code, 'ERR_HTTP2_PING_TIMEOUT');
  mute.close();
});
