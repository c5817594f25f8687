// Failover and reuse of the HTTP/2 client behind request(): GOAWAY mid-flight (streams above the
// last-stream-id go to a new session, any method), REFUSED_STREAM retried, a session that dies
// before answering (idempotent retried once, POST reported), a concurrency limit of 1, a server
// that never sends WINDOW_UPDATE (request bodies stall without growing memory), and RFC 9113
// §9.1.1 coalescing of two hostnames on one certificate (off by default).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as http2 from 'node:http2';
import * as net from 'node:net';
import { once } from 'node:events';
import { Agent, HttpsAgent } from '../../src/http/agent.js';
import { request, get } from '../../src/http/client-request.js';
import { h2SessionsOf, MAX_REFUSED_REPLAYS } from '../../src/http/client-h2.js';
import type { ClientRequest } from '../../src/http/client-request.js';
import { H2Connection } from '../../src/wire/h2/connection.js';
import { selfSignedCert } from '../support/h2-net-driver.js';
import { bodyText, listen, quiet } from '../support/h2-client.js';




function fetchText(options: Parameters<typeof request>[0], payload?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request(options, (res) => void bodyText(res).then(resolve, reject));
    req.on('error', reject);
    req.end(payload);
  });
}

test('GOAWAY mid-flight: streams above the last-stream-id are sent again on a new session, POST included', async () => {
  const server = http2.createServer();
  quiet(server);
  let sessions = 0;
  server.on('session', () => sessions++);
  server.on('stream', (stream, headers) => {
    const session = stream.session!;
    const n = ((session as unknown as { n?: number }).n = ((session as unknown as { n?: number }).n ?? 0) + 1);
    // The first session takes two streams, then says GOAWAY naming the second as the last.
    if (sessions === 1 && n === 2) session.goaway(0, stream.id!);
    const parts: Buffer[] = [];
    stream.on('data', (c: Buffer) => parts.push(c));
    stream.on('end', () => {
      stream.respond({ ':status': 200 });
      stream.end(`${headers[':method']} ${headers[':path']} ${Buffer.concat(parts).toString()} s${sessions}`);
    });
  });
  const port = await listen(server);
  const agent = new Agent({ http2PriorKnowledge: true });
  const texts = await Promise.all(Array.from({ length: 6 }, (_, i) => fetchText({ host: '127.0.0.1', port, path: `/${i}`, method: 'POST', agent }, `b${i}`)));
  texts.forEach((t, i) => assert.match(t, new RegExp(`^POST /${i} b${i} s[12]$`)));
  assert.equal(sessions, 2);
  assert.equal(texts.filter((t) => t.endsWith('s2')).length, 4, 'four streams moved to the new session');
  agent.destroy();
  server.close();
});

test('REFUSED_STREAM is retried; a session dying before the response retries GET once and reports POST', async () => {
  const server = http2.createServer();
  quiet(server);
  let refused = 0;
  let killed = 0;
  const sockets: net.Socket[] = [];
  server.on('connection', (socket: net.Socket) => sockets.push(socket));
  server.on('stream', (stream, headers) => {
    const path = String(headers[':path']);
    if (path === '/refuse' && refused++ === 0) {
      stream.close(http2.constants.NGHTTP2_REFUSED_STREAM);
      return;
    }
    if (path.startsWith('/kill') && killed++ === 0) {
      // The connection dies under the stream (the raw socket: node's session.socket is a proxy).
      for (const sock of sockets.splice(0)) sock.destroy();
      return;
    }
    stream.respond({ ':status': 200 });
    stream.end(`ok ${path}`);
  });
  const port = await listen(server);
  const agent = new Agent({ http2PriorKnowledge: true });
  assert.equal(await fetchText({ host: '127.0.0.1', port, path: '/refuse', method: 'POST', agent }, 'x'), 'ok /refuse');
  assert.equal(refused, 2);
  assert.equal(await fetchText({ host: '127.0.0.1', port, path: '/kill-get', agent }), 'ok /kill-get');
  assert.equal(killed, 2);
  killed = 0;
  const err = await fetchText({ host: '127.0.0.1', port, path: '/kill-post', method: 'POST', agent }, 'y').then(() => null, (e: Error) => e);
  assert.ok(err !== null, 'a POST the server may have seen is not replayed');
  assert.equal(killed, 1);
  agent.destroy();
  server.close();
});

test('concurrency limit of 1: every request completes, one stream at a time', async () => {
  const server = http2.createServer({ settings: { maxConcurrentStreams: 1 } });
  quiet(server);
  let inFlight = 0;
  let max = 0;
  server.on('stream', (stream, headers) => {
    inFlight++;
    max = Math.max(max, inFlight);
    stream.respond({ ':status': 200 });
    setImmediate(() => {
      inFlight--;
      stream.end(String(headers[':path']));
    });
  });
  const port = await listen(server);
  const agent = new Agent({ http2PriorKnowledge: true });
  // The session learns the limit from the server's SETTINGS with the first answer.
  assert.equal(await fetchText({ host: '127.0.0.1', port, path: '/first', agent }), '/first');
  const texts = await Promise.all(Array.from({ length: 10 }, (_, i) => fetchText({ host: '127.0.0.1', port, path: `/${i}`, agent })));
  assert.deepEqual(texts, Array.from({ length: 10 }, (_, i) => `/${i}`));
  assert.equal(max, 1);
  assert.equal(h2SessionsOf(agent).length, 1);
  agent.destroy();
  server.close();
});

test('a server that never sends WINDOW_UPDATE: the request body stalls, memory stays bounded', async () => {
  // The trama engine as a server that reads DATA but never acknowledges it (no WINDOW_UPDATE).
  let received = 0;
  const server = net.createServer((socket) => {
    const conn = new H2Connection({ role: 'server' });
    socket.on('data', (chunk: Buffer) => {
      for (const e of conn.receive(chunk)) if (e.type === 'data-received') received += e.data.length;
      socket.write(conn.takeOutput());
    });
    socket.on('error', () => {});
    socket.write(conn.takeOutput());
  });
  const port = await listen(server);
  const agent = new Agent({ http2PriorKnowledge: true });
  const req: ClientRequest = request({ host: '127.0.0.1', port, path: '/upload', method: 'POST', agent });
  req.on('error', () => {});
  const chunk = Buffer.alloc(16 * 1024, 1);
  let accepted = 0;
  // Write as a well-behaved producer: on 'drain' only.
  const writeMore = (): void => {
    while (accepted < 8 * 1024 * 1024) {
      accepted += chunk.length;
      if (!req.write(chunk)) return;
    }
  };
  req.on('drain', writeMore);
  writeMore();
  await once(req, 'socket');
  const session = h2SessionsOf(agent)[0]!;
  // PING round trips until one passes with nothing more received by the server: stalled.
  for (let last = -1; last !== received;) {
    last = received;
    await new Promise<void>((resolve) => session.ping(() => resolve()));
  }
  assert.equal(received, 65_535, 'the server got exactly one stream window');
  assert.ok(accepted < 65_535 + 4 * chunk.length, `writes accepted ${accepted} bytes, far below 8 MiB`);
  req.destroy();
  agent.destroy();
  server.close();
});

// One certificate for a.test, b.test and localhost (openssl), or null without openssl.
const cert = selfSignedCert(['DNS:a.test', 'DNS:b.test', 'DNS:localhost']);

// a.test, b.test and c.test all resolve to 127.0.0.1 (c.test is not on the certificate).
function lookup(host: string, opts: unknown, cb: (err: Error | null, address: string | Array<{ address: string; family: number }>, family?: number) => void): void {
  const all = typeof opts === 'object' && opts !== null && (opts as { all?: boolean }).all === true;
  if (all) cb(null, [{ address: '127.0.0.1', family: 4 }]);
  else cb(null, '127.0.0.1', 4);
}

test('coalescing (RFC 9113 §9.1.1): two names on one certificate and address share a session; off by default', { skip: cert === null ? 'openssl not found' : false }, async () => {
  const server = http2.createSecureServer({ key: cert!.key, cert: cert!.cert });
  quiet(server);
  let sessions = 0;
  server.on('session', () => sessions++);
  server.on('stream', (stream, headers) => {
    stream.respond({ ':status': 200 });
    stream.end(String(headers[':authority']));
  });
  const port = await listen(server);
  const run = async (coalescing: boolean): Promise<string[]> => {
    sessions = 0;
    const agent = new HttpsAgent({ allowHTTP2: true, http2Coalescing: coalescing, ca: cert!.cert, lookup });
    const out: string[] = [];
    for (const host of ['a.test', 'b.test']) {
      out.push(await new Promise<string>((resolve, reject) => {
        get({ protocol: 'https:', host, port, path: '/', agent }, (res) => void bodyText(res).then(resolve, reject)).on('error', reject);
      }));
    }
    out.push(`sessions ${sessions}`);
    agent.destroy();
    return out;
  };
  assert.deepEqual(await run(true), [`a.test:${port}`, `b.test:${port}`, 'sessions 1']);
  assert.deepEqual(await run(false), [`a.test:${port}`, `b.test:${port}`, 'sessions 2']);
  server.close();
});

test('a server that refuses every stream: MAX_REFUSED_REPLAYS replays, then the error', async () => {
  const server = http2.createServer();
  quiet(server);
  let attempts = 0;
  server.on('stream', (stream) => {
    attempts++;
    stream.close(http2.constants.NGHTTP2_REFUSED_STREAM);
  });
  const port = await listen(server);
  const agent = new Agent({ http2PriorKnowledge: true });
  const err = await fetchText({ host: '127.0.0.1', port, path: '/', method: 'POST', agent }, 'x').then(() => null, (e: Error & { code?: string }) => e);
  assert.equal(err?.code, 'ERR_HTTP2_STREAM_ERROR');
  assert.match(err!.message, /REFUSED_STREAM/);
  assert.equal(attempts, MAX_REFUSED_REPLAYS + 1);
  agent.destroy();
  server.close();
});
