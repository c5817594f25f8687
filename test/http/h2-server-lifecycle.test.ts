// The HTTP/2 driver's lifecycle and hostile clients over real sockets: server API meanings for h2
// (close, closeIdleConnections, maxRequestsPerSocket, maxHeaderSize, headersTimeout as the
// SETTINGS timeout), 'session' / 'sessionError', a reset flood, a handler that never reads, a
// client that never reads, a preface that never completes. Each time another session keeps serving.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import net from 'node:net';
import type { IncomingMessage, ServerResponse, ServerOptions } from '../../src/index.js';
import { startServer as start } from '../support/h2-server.js';
import { H2Connection } from '../../src/wire/h2/connection.js';
import { ErrorCode } from '../../src/wire/h2/constants.js';
import type { H2Event } from '../../src/wire/h2/events.js';


function get(client: http2.ClientHttp2Session, path: string): Promise<{ status: unknown; body: string }> {
  return new Promise((resolve, reject) => {
    const req = client.request({ ':path': path });
    let status: unknown;
    let body = '';
    req.setEncoding('utf8');
    req.on('response', (h) => { status = h[':status']; });
    req.on('data', (c: string) => { body += c; });
    req.on('end', () => resolve({ status, body }));
    req.on('error', reject);
    req.end();
  });
}

/** A still-healthy server answers a fresh node:http2 client. */
async function servesOthers(url: string): Promise<void> {
  const client = http2.connect(url);
  try {
    assert.equal((await get(client, '/other')).body, 'other');
  } finally {
    client.close();
  }
}

/** A raw client engine over a socket: collects events; resolves `until` when the predicate holds. */
async function rawClient(port: number, options: ConstructorParameters<typeof H2Connection>[0] = { role: 'client' }) {
  const socket = net.connect(port, '127.0.0.1');
  await new Promise((r) => socket.once('connect', r));
  const conn = new H2Connection(options);
  const events: H2Event[] = [];
  const waiters: Array<{ pred: () => boolean; resolve: () => void }> = [];
  const check = () => {
    for (let i = waiters.length - 1; i >= 0; i--) if (waiters[i]!.pred()) waiters.splice(i, 1)[0]!.resolve();
  };
  let closed = false;
  socket.on('data', (chunk: Buffer) => {
    events.push(...conn.receive(chunk));
    const out = conn.takeOutput();
    if (out.length && !socket.destroyed) socket.write(out);
    check();
  });
  socket.on('error', () => {});
  socket.on('close', () => { closed = true; check(); });
  // The client speaks first: a cleartext server decides on HTTP/2 when it sees the preface.
  socket.write(conn.takeOutput());
  return {
    socket, conn, events,
    get closed() { return closed; },
    flush: () => { const out = conn.takeOutput(); if (out.length) socket.write(out); },
    until: (pred: () => boolean) => new Promise<void>((resolve) => { waiters.push({ pred, resolve }); check(); }),
  };
}

const GET = (path: string, port: number): Array<[string, string]> => [[':method', 'GET'], [':scheme', 'http'], [':authority', `127.0.0.1:${port}`], [':path', path]];

test("'session' per connection; close() sends GOAWAY, the stream in flight finishes, then the server closes", async () => {
  let release!: () => void;
  const gate = new Promise<void>((r) => { release = r; });
  let started!: () => void;
  const inFlight = new Promise<void>((r) => { started = r; });
  const srv = await start((req, res) => {
    if (req.url === '/slow') {
      started();
      void gate.then(() => res.end('finished after close'));
    } else res.end('other');
  });
  let sessions = 0;
  srv.server.on('session', () => { sessions++; });
  const client = http2.connect(srv.url);
  const goaway = new Promise<number>((r) => client.once('goaway', (code: number) => r(code)));
  try {
    const slow = get(client, '/slow');
    await inFlight;
    assert.equal(sessions, 1);
    const serverClosed = new Promise<void>((r) => srv.server.close(() => r()));
    assert.equal(await goaway, http2.constants.NGHTTP2_NO_ERROR);
    release();
    assert.equal((await slow).body, 'finished after close');
    await serverClosed;
  } finally {
    client.destroy();
  }
});

test('closeIdleConnections closes an idle h2 session, not a busy one; closeAllConnections closes it', async () => {
  let started!: () => void;
  const inFlight = new Promise<void>((r) => { started = r; });
  const srv = await start((req, res) => {
    if (req.url === '/hold') started();
    else res.end('other');
  });
  const idle = http2.connect(srv.url);
  const busy = http2.connect(srv.url);
  try {
    await get(idle, '/x');
    const held = busy.request({ ':path': '/hold' });
    held.on('error', () => {});
    held.end();
    await inFlight;
    const idleClosed = new Promise<void>((r) => idle.once('close', r));
    srv.server.closeIdleConnections();
    await idleClosed;
    assert.equal(busy.closed, false);
    const busyClosed = new Promise<void>((r) => busy.once('close', r));
    srv.server.closeAllConnections();
    await busyClosed;
  } finally {
    idle.destroy();
    busy.destroy();
    await srv.close();
  }
});

test('maxRequestsPerSocket: GOAWAY after N streams; the Nth is answered', async () => {
  const srv = await start((req, res) => res.end(`r ${req.url}`), { maxRequestsPerSocket: 2 } as ServerOptions);
  srv.server.maxRequestsPerSocket = 2;
  const client = http2.connect(srv.url);
  const goaway = new Promise<number>((r) => client.once('goaway', (code: number) => r(code)));
  try {
    assert.equal((await get(client, '/1')).body, 'r /1');
    assert.equal((await get(client, '/2')).body, 'r /2');
    assert.equal(await goaway, http2.constants.NGHTTP2_NO_ERROR);
  } finally {
    client.destroy();
    await srv.close();
  }
});

test('maxHeaderSize is advertised as SETTINGS_MAX_HEADER_LIST_SIZE; a larger request gets 431 and the session goes on', async () => {
  const srv = await start((_req, res) => res.end('other'), { maxHeaderSize: 2000 });
  const client = http2.connect(srv.url);
  try {
    await new Promise<void>((r) => client.once('remoteSettings', () => r()));
    assert.equal(client.remoteSettings.maxHeaderListSize, 2000);
    // node's client refuses to send beyond the advertised size; a raw engine sends it anyway.
    const raw = await rawClient(srv.port);
    raw.conn.sendHeaders(1, [...GET('/big', srv.port), ['x-big', 'a'.repeat(3000)]], { endStream: true });
    raw.flush();
    await raw.until(() => raw.events.some((e) => e.type === 'headers-received' && e.streamId === 1));
    const h = raw.events.find((e) => e.type === 'headers-received') as { headers: Array<[string, string]> };
    assert.deepEqual(h.headers[0], [':status', '431']);
    raw.socket.destroy();
    assert.equal((await get(client, '/ok')).body, 'other');
  } finally {
    client.close();
    await srv.close();
  }
});

test("reset flood (CVE-2023-44487): GOAWAY ENHANCE_YOUR_CALM, 'sessionError', other sessions keep serving", async () => {
  const srv = await start((_req, res) => res.end('other'));
  const errors: unknown[] = [];
  srv.server.on('sessionError', (err: Error & { errorCode?: number }) => errors.push(err.errorCode));
  const raw = await rawClient(srv.port);
  try {
    await raw.until(() => raw.events.some((e) => e.type === 'settings-received'));
    let id = 1;
    for (let i = 0; i < 1200 && !raw.closed; i++) {
      raw.conn.sendHeaders(id, GET('/r', srv.port));
      raw.conn.resetStream(id, ErrorCode.CANCEL);
      id += 2;
      if (i % 100 === 99) raw.flush();
    }
    raw.flush();
    await raw.until(() => raw.events.some((e) => e.type === 'connection-terminated' || e.type === 'goaway-received') || raw.closed);
    const g = raw.events.find((e) => e.type === 'goaway-received') as { errorCode: number } | undefined;
    assert.equal(g?.errorCode, ErrorCode.ENHANCE_YOUR_CALM);
    await raw.until(() => raw.closed);
    await servesOthers(srv.url);
    assert.deepEqual(errors, [ErrorCode.ENHANCE_YOUR_CALM]);
  } finally {
    raw.socket.destroy();
    await srv.close();
  }
});

test('a handler that never reads holds at most the stream window; reading credits it back', async () => {
  let request!: (req: IncomingMessage) => void;
  const got = new Promise<IncomingMessage>((r) => { request = r; });
  const srv = await start((req, res) => {
    if (req.url === '/upload') request(req);
    else res.end('other');
  });
  const raw = await rawClient(srv.port);
  try {
    await raw.until(() => raw.events.some((e) => e.type === 'settings-received'));
    raw.conn.sendHeaders(1, [...GET('/upload', srv.port).map(([n, v]): [string, string] => (n === ':method' ? [n, 'POST'] : [n, v]))]);
    raw.conn.sendData(1, Buffer.alloc(1 << 20, 0x61));
    raw.flush();
    const req = await got;
    // 'readable' reads nothing: the bytes stay in the request's buffer.
    req.on('readable', () => {});
    const initial = 65_535;
    await new Promise<void>((resolve) => {
      const poll = () => (req.readableLength >= initial ? resolve() : setImmediate(poll));
      poll();
    });
    assert.equal(req.readableLength, initial);
    assert.equal(raw.conn.streamSendWindow(1), 0);
    assert.ok(raw.conn.streamQueuedBytes(1) >= (1 << 20) - initial);
    assert.ok(!raw.events.some((e) => e.type === 'window-updated' && e.streamId === 1), 'no credit before the handler reads');
    // Reading gives the window back.
    while (req.read() !== null);
    await raw.until(() => raw.events.some((e) => e.type === 'window-updated' && e.streamId === 1));
    await servesOthers(srv.url);
  } finally {
    raw.socket.destroy();
    await srv.close();
  }
});

test('a client that never reads: res.write() reports backpressure and the session stops taking output; others are served', async () => {
  let result!: (v: { written: number; buffered: number }) => void;
  const done = new Promise<{ written: number; buffered: number }>((r) => { result = r; });
  const chunk = Buffer.alloc(64 * 1024, 0x62);
  const srv = await start((req, res) => {
    if (req.url !== '/big') return void res.end('other');
    let written = 0;
    const pump = () => {
      for (;;) {
        written += chunk.length;
        if (!res.write(chunk)) {
          const sock = res.socket ?? req.socket;
          result({ written, buffered: (sock?.writableLength ?? 0) + res.writableLength });
          return;
        }
        if (written > 256 * 1024 * 1024) return result({ written, buffered: -1 });
      }
    };
    pump();
  });
  // The client opens every window wide, then never reads its socket.
  const raw = await rawClient(srv.port, { role: 'client', settings: { initialWindowSize: 0x7fffffff }, connectionWindowSize: 0x7fffffff });
  try {
    await raw.until(() => raw.events.some((e) => e.type === 'settings-received'));
    raw.conn.sendHeaders(1, GET('/big', srv.port), { endStream: true });
    raw.flush();
    raw.socket.pause();
    const r = await done;
    assert.ok(r.buffered >= 0, 'write() returned false before 256 MiB');
    // What the server holds for this stream: about a high-water mark in the stream plus what the
    // socket buffered in one flush (bounded by the windows the client opened, not the app's data).
    assert.ok(r.buffered < 4 * 1024 * 1024, `buffered ${r.buffered}`);
    await servesOthers(srv.url);
  } finally {
    raw.socket.destroy();
    await srv.close();
  }
});

test('a preface that never completes: GOAWAY SETTINGS_TIMEOUT at headersTimeout, and the server keeps serving', async () => {
  const srv = await start((_req, res) => res.end('other'), { headersTimeout: 200, requestTimeout: 0 });
  const errors: unknown[] = [];
  srv.server.on('sessionError', (err: Error & { errorCode?: number }) => errors.push(err.errorCode));
  const socket = net.connect(srv.port, '127.0.0.1');
  const received: Buffer[] = [];
  socket.on('data', (c: Buffer) => received.push(c));
  socket.on('error', () => {});
  const closed = new Promise<void>((r) => socket.once('close', () => r()));
  try {
    socket.write('PRI * HTTP/2.0\r\n'); // and nothing more
    await servesOthers(srv.url);
    await closed;
    const all = Buffer.concat(received);
    // Our SETTINGS, then GOAWAY (type 7) carrying SETTINGS_TIMEOUT.
    const peer = new H2Connection({ role: 'client' });
    const events = peer.receive(all);
    const g = events.find((e) => e.type === 'goaway-received') as { errorCode: number } | undefined;
    assert.equal(g?.errorCode, ErrorCode.SETTINGS_TIMEOUT);
    assert.deepEqual(errors, [ErrorCode.SETTINGS_TIMEOUT]);
  } finally {
    socket.destroy();
    await srv.close();
  }
});

test('a protocol error ends only its session: GOAWAY PROTOCOL_ERROR, sessionError, others served', async () => {
  const srv = await start((_req, res) => res.end('other'));
  const errors: unknown[] = [];
  srv.server.on('sessionError', (err: Error & { errorCode?: number }) => errors.push(err.errorCode));
  const raw = await rawClient(srv.port);
  try {
    await raw.until(() => raw.events.some((e) => e.type === 'settings-received'));
    // DATA on stream 0 is a connection error PROTOCOL_ERROR (RFC 9113 §6.1).
    raw.socket.write(Buffer.from([0, 0, 1, 0, 0, 0, 0, 0, 0, 0x61]));
    await raw.until(() => raw.closed);
    const g = raw.events.find((e) => e.type === 'goaway-received') as { errorCode: number } | undefined;
    assert.equal(g?.errorCode, ErrorCode.PROTOCOL_ERROR);
    await servesOthers(srv.url);
    assert.deepEqual(errors, [ErrorCode.PROTOCOL_ERROR]);
  } finally {
    raw.socket.destroy();
    await srv.close();
  }
});
