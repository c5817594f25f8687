// trama.createServer over HTTP/2 (src/io/h2-server.ts): the handler written for node:http, its
// req/res the same classes, driven by node:http2's client (the oracle client) over real sockets.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { createServer, type IncomingMessage, type ServerResponse } from '../../src/index.js';
import { startServer as start, connectH2 } from '../support/h2-server.js';
import { serveH2 } from '../../src/http/server.js';


interface Answer {
  headers: http2.IncomingHttpHeaders;
  body: Buffer;
  trailers: http2.IncomingHttpHeaders | null;
  informational: http2.IncomingHttpHeaders[];
}

function request(client: http2.ClientHttp2Session, headers: http2.OutgoingHttpHeaders, body?: string | Buffer, options: http2.ClientSessionRequestOptions = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = client.request(headers, options);
    const out: Answer = { headers: {}, body: Buffer.alloc(0), trailers: null, informational: [] };
    const chunks: Buffer[] = [];
    req.on('headers', (h) => out.informational.push(h));
    req.on('response', (h) => { out.headers = h; });
    req.on('trailers', (t) => { out.trailers = t; });
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => { out.body = Buffer.concat(chunks); resolve(out); });
    req.on('error', reject);
    if (options.waitForTrailers) {
      req.on('wantTrailers', () => req.sendTrailers({ 'x-upload-trailer': 'done' }));
    }
    if (body !== undefined) req.end(body);
    else if (!options.endStream) req.end();
  });
}


test('GET and POST over h2 prior knowledge: same classes, httpVersion 2.0, headers without pseudo-headers, :authority as host', async () => {
  const seen: Array<Record<string, unknown>> = [];
  const srv = await start((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => { body += c; });
    req.on('end', () => {
      const r = req as IncomingMessage & { authority?: string; scheme?: string; streamId?: number };
      seen.push({
        version: req.httpVersion, major: req.httpVersionMajor, minor: req.httpVersionMinor, method: req.method, url: req.url,
        host: req.headers.host, pseudo: Object.keys(req.headers).filter((k) => k.startsWith(':')), custom: req.headers['x-custom'],
        authority: r.authority, scheme: r.scheme, odd: (r.streamId ?? 0) % 2 === 1, body, complete: req.complete,
      });
      res.setHeader('Content-Type', 'text/plain');
      res.setHeader('X-Answer', ['a', 'b']);
      res.end(`got ${body.length}`);
    });
  });
  const client = await connectH2(srv.url);
  try {
    const a = await request(client, { ':path': '/get?x=1', 'x-custom': 'yes' });
    assert.equal(a.headers[':status'], 200);
    assert.equal(a.headers['content-type'], 'text/plain');
    assert.equal(a.headers['x-answer'], 'a, b');
    assert.equal(a.headers['content-length'], '5');
    assert.ok(typeof a.headers.date === 'string');
    assert.equal(a.body.toString(), 'got 0');
    const b = await request(client, { ':path': '/post', ':method': 'POST' }, 'hello world');
    assert.equal(b.body.toString(), 'got 11');
    assert.deepEqual(seen[0], {
      version: '2.0', major: 2, minor: 0, method: 'GET', url: '/get?x=1', host: `127.0.0.1:${srv.port}`, pseudo: [], custom: 'yes',
      authority: `127.0.0.1:${srv.port}`, scheme: 'http', odd: true, body: '', complete: true,
    });
    assert.equal(seen[1]!.method, 'POST');
    assert.equal(seen[1]!.body, 'hello world');
  } finally {
    client.close();
    await srv.close();
  }
});

test('connection-specific fields a handler sets are dropped for h2, not thrown on; writeHead forms, flushHeaders, headersSent, _header', async () => {
  const states: unknown[] = [];
  const srv = await start((req, res) => {
    if (req.url === '/flush') {
      res.setHeader('x-early', '1');
      res.flushHeaders();
      states.push(res.headersSent, typeof (res as unknown as { _header: unknown })._header);
      setImmediate(() => res.end('later'));
      return;
    }
    res.setHeader('Connection', 'keep-alive');
    res.setHeader('Keep-Alive', 'timeout=5');
    res.setHeader('Transfer-Encoding', 'chunked');
    res.setHeader('Upgrade', 'websocket');
    res.setHeader('Proxy-Connection', 'close');
    res.writeHead(201, 'Created', { 'X-Mixed-Case': 'v', Connection: 'close' });
    states.push(res.headersSent);
    res.write('a');
    res.end('b');
  });
  const client = await connectH2(srv.url);
  try {
    const a = await request(client, { ':path': '/drop' });
    assert.equal(a.headers[':status'], 201);
    assert.equal(a.headers['x-mixed-case'], 'v');
    for (const n of ['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'proxy-connection']) assert.equal(a.headers[n], undefined, n);
    assert.equal(a.body.toString(), 'ab');
    const f = await request(client, { ':path': '/flush' });
    assert.equal(f.headers['x-early'], '1');
    assert.equal(f.body.toString(), 'later');
    assert.deepEqual(states, [true, true, 'string']);
  } finally {
    client.close();
    await srv.close();
  }
});

test('trailers both ways: req.trailers after end, res.addTrailers as a trailing HEADERS frame', async () => {
  let reqTrailers: unknown;
  const srv = await start((req, res) => {
    req.resume();
    req.on('end', () => {
      reqTrailers = req.trailers;
      res.setHeader('Trailer', 'x-checksum');
      res.write('body');
      res.addTrailers({ 'X-Checksum': 'abc123' });
      res.end();
    });
  });
  const client = await connectH2(srv.url);
  try {
    const a = await request(client, { ':path': '/t', ':method': 'POST' }, undefined, { waitForTrailers: true, endStream: false });
    assert.equal(a.body.toString(), 'body');
    assert.equal(a.trailers?.['x-checksum'], 'abc123');
    assert.deepEqual(reqTrailers, { 'x-upload-trailer': 'done' });
  } finally {
    client.close();
    await srv.close();
  }
});

test('1xx: Expect 100-continue gets 100 before the body, writeEarlyHints sends 103 with the link', async () => {
  const srv = await start((req, res) => {
    if (req.url === '/hints') {
      res.writeEarlyHints({ link: '</style.css>; rel=preload; as=style', 'x-hint': 'h' });
      res.end('hinted');
      return;
    }
    let body = '';
    req.on('data', (c: Buffer) => { body += c; });
    req.on('end', () => res.end(`continued ${body}`));
  });
  const client = await connectH2(srv.url);
  try {
    const h = await request(client, { ':path': '/hints' });
    assert.equal(h.informational.length, 1);
    assert.equal(h.informational[0]![':status'], 103);
    assert.equal(h.informational[0]!.link, '</style.css>; rel=preload; as=style');
    assert.equal(h.informational[0]!['x-hint'], 'h');
    assert.equal(h.body.toString(), 'hinted');
    const answer = await new Promise<Answer>((resolve, reject) => {
      const req = client.request({ ':path': '/continue', ':method': 'POST', expect: '100-continue' });
      const out: Answer = { headers: {}, body: Buffer.alloc(0), trailers: null, informational: [] };
      req.on('continue', () => req.end('payload'));
      req.on('response', (hd) => { out.headers = hd; });
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => { out.body = Buffer.concat(chunks); resolve(out); });
      req.on('error', reject);
    });
    assert.equal(answer.body.toString(), 'continued payload');
  } finally {
    client.close();
    await srv.close();
  }
});

test('RST_STREAM from the client: req "aborted" and "close", res "close" without "finish"; the session keeps serving', async () => {
  const events: string[] = [];
  let gotRequest!: () => void;
  const arrived = new Promise<void>((r) => { gotRequest = r; });
  let closed!: () => void;
  const allClosed = new Promise<void>((r) => { closed = r; });
  const srv = await start((req, res) => {
    if (req.url === '/ok') {
      res.end('still serving');
      return;
    }
    req.on('aborted', () => events.push('req aborted'));
    req.on('close', () => events.push('req close'));
    res.on('finish', () => events.push('res finish'));
    res.on('close', () => { events.push('res close'); closed(); });
    res.write('partial');
    gotRequest();
  });
  const client = await connectH2(srv.url);
  try {
    const stream = client.request({ ':path': '/slow' });
    stream.on('error', () => {});
    await arrived;
    stream.close(http2.constants.NGHTTP2_CANCEL);
    await allClosed;
    assert.ok(events.includes('req aborted'), events.join());
    assert.ok(events.includes('res close'));
    assert.ok(!events.includes('res finish'));
    const ok = await request(client, { ':path': '/ok' });
    assert.equal(ok.body.toString(), 'still serving');
  } finally {
    client.close();
    await srv.close();
  }
});

test('res.setTimeout is per stream: "timeout" fires on the slow response, the other stream is served', async () => {
  let timedOut!: () => void;
  const fired = new Promise<void>((r) => { timedOut = r; });
  const srv = await start((req, res) => {
    if (req.url === '/fast') return void res.end('fast');
    res.setTimeout(50, () => {
      timedOut();
      res.end('timed out');
    });
  });
  const client = await connectH2(srv.url);
  try {
    const slow = request(client, { ':path': '/slow' });
    const fast = await request(client, { ':path': '/fast' });
    assert.equal(fast.body.toString(), 'fast');
    await fired;
    assert.equal((await slow).body.toString(), 'timed out');
  } finally {
    client.close();
    await srv.close();
  }
});

test('server push: createPushResponse (node compat) and pushResponse (promise) reach the client before the parent ends', async () => {
  const srv = await start((req, res) => {
    const r = res as ServerResponse & {
      createPushResponse(h: Record<string, string>, cb: (err: Error | null, p?: ServerResponse) => void): void;
      pushResponse(h: Record<string, string>): Promise<ServerResponse>;
    };
    r.createPushResponse({ ':path': '/a.css' }, (err, pushed) => {
      assert.ifError(err);
      pushed!.setHeader('content-type', 'text/css');
      pushed!.end('a{}');
      r.pushResponse({ ':path': '/b.js' }).then((p) => {
        p.end('b()');
        res.end('<html>');
      }, (e: Error) => res.end(String(e)));
    });
  });
  const client = await connectH2(srv.url);
  const pushes: Array<Promise<string>> = [];
  client.on('stream', (stream, headers) => {
    pushes.push(new Promise((resolve) => {
      let body = '';
      stream.setEncoding('utf8');
      stream.on('data', (c: string) => { body += c; });
      stream.on('end', () => resolve(`${headers[':path']}=${body}`));
    }));
  });
  try {
    const a = await request(client, { ':path': '/' });
    assert.equal(a.body.toString(), '<html>');
    assert.deepEqual((await Promise.all(pushes)).sort(), ['/a.css=a{}', '/b.js=b()']);
  } finally {
    client.close();
    await srv.close();
  }
});

test('priority: req.priority shows the RFC 9218 priority field; res.setPriority accepts a new urgency', async () => {
  let prio: unknown;
  const srv = await start((req, res) => {
    prio = (req as IncomingMessage & { priority?: unknown }).priority;
    (res as ServerResponse & { setPriority(p: object): unknown }).setPriority({ urgency: 0 });
    res.end('p');
  });
  const client = await connectH2(srv.url);
  try {
    await request(client, { ':path': '/', priority: 'u=1, i' });
    assert.deepEqual(prio, { urgency: 1, incremental: true });
  } finally {
    client.close();
    await srv.close();
  }
});

test('HTTP/1.1 still works on the same port, and the h2c options turn each way off', async () => {
  const srv = await start((req, res) => res.end(`v${req.httpVersion}`), { allowHTTP2: false });
  try {
    const text = await new Promise<string>((resolve) => {
      const s = net.connect(srv.port, '127.0.0.1');
      let t = '';
      s.on('data', (c) => { t += c; });
      s.on('close', () => resolve(t));
      s.write('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n');
    });
    // Without prior knowledge the preface is not answered as HTTP/2 (no SETTINGS frame comes back:
    // its 9-byte header would start with two zero bytes of length); HTTP/1.1 still answers.
    assert.ok(!text.startsWith('\0'), JSON.stringify(text));
    const h1 = await new Promise<string>((resolve) => {
      const s = net.connect(srv.port, '127.0.0.1');
      let t = '';
      s.on('data', (c) => { t += c; });
      s.on('close', () => resolve(t));
      s.end('GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    });
    assert.match(h1, /^HTTP\/1\.1 200 OK[\s\S]*v1\.1$/);
  } finally {
    await srv.close();
  }
  const only2 = await start((req, res) => res.end(`v${req.httpVersion}`), { allowHTTP1: false });
  const client = await connectH2(only2.url);
  try {
    assert.equal((await request(client, { ':path': '/' })).body.toString(), 'v2.0');
  } finally {
    client.close();
    await only2.close();
  }
});

test('a preface split across reads, and a socket handed in with server.emit("connection")', async () => {
  const srv = await start((req, res) => res.end(`v${req.httpVersion} ${req.url}`));
  const front = net.createServer((socket) => srv.server.emit('connection', socket));
  await new Promise<void>((r) => front.listen(0, '127.0.0.1', r));
  const frontPort = (front.address() as AddressInfo).port;
  try {
    // The client writes the preface a byte at a time through a proxy socket.
    const relay = net.createServer((inbound) => {
      const out = net.connect(frontPort, '127.0.0.1');
      let first = true;
      inbound.on('data', (chunk: Buffer) => {
        if (first) {
          first = false;
          for (let i = 0; i < chunk.length; i++) out.write(chunk.subarray(i, i + 1));
        } else out.write(chunk);
      });
      out.pipe(inbound);
      inbound.on('close', () => out.destroy());
      out.on('close', () => inbound.destroy());
      out.setNoDelay(true);
      // Either side may go first when the test ends: a late write to the other is not a failure.
      out.on('error', () => {});
      inbound.on('error', () => {});
    });
    await new Promise<void>((r) => relay.listen(0, '127.0.0.1', r));
    const client = await connectH2(`http://127.0.0.1:${(relay.address() as AddressInfo).port}`);
    try {
      assert.equal((await request(client, { ':path': '/split' })).body.toString(), 'v2.0 /split');
    } finally {
      client.close();
      relay.close();
    }
  } finally {
    front.close();
    await srv.close();
  }
});

test('serveH2(server, socket, firstBytes) serves a socket whose first bytes were already read', async () => {
  const server = createServer((req, res) => res.end(`entry ${req.httpVersion}`));
  const front = net.createServer((socket) => {
    socket.once('data', (first: Buffer) => {
      socket.pause();
      serveH2(server, socket, first);
    });
  });
  await new Promise<void>((r) => front.listen(0, '127.0.0.1', r));
  const client = await connectH2(`http://127.0.0.1:${(front.address() as AddressInfo).port}`);
  try {
    assert.equal((await request(client, { ':path': '/' })).body.toString(), 'entry 2.0');
  } finally {
    client.close();
    server.closeAllConnections();
    front.close();
  }
});

test('a large streamed response with backpressure arrives whole; write callbacks run before "finish"', async () => {
  const order: string[] = [];
  let finished!: () => void;
  const finishSeen = new Promise<void>((r) => { finished = r; });
  const chunk = Buffer.alloc(16 * 1024, 0x63);
  const total = 4 * 1024 * 1024;
  const srv = await start((_req, res) => {
    let sent = 0;
    let callbacks = 0;
    res.on('finish', () => { order.push(`finish after ${callbacks} callbacks`); finished(); });
    const pump = () => {
      while (sent < total) {
        sent += chunk.length;
        const last = sent >= total;
        const ok = res.write(chunk, () => { callbacks++; });
        if (last) return void res.end();
        if (!ok) return void res.once('drain', pump);
      }
    };
    pump();
  });
  const client = await connectH2(srv.url);
  try {
    const a = await request(client, { ':path': '/big' });
    assert.equal(a.body.length, total);
    await finishSeen;
    assert.deepEqual(order, [`finish after ${total / chunk.length} callbacks`]);
  } finally {
    client.close();
    await srv.close();
  }
});

test('values with surrounding whitespace are trimmed; a head beyond the client\'s header list limit resets only that stream', async () => {
  const srv = await start((req, res) => {
    if (req.url === '/big') {
      res.setHeader('x-big', 'b'.repeat(4000));
      res.on('close', () => {});
      res.end('never');
      return;
    }
    res.setHeader('x-padded', '  v  ');
    res.end('ok');
  });
  const client = http2.connect(srv.url, { settings: { maxHeaderListSize: 1000 } });
  try {
    const a = await request(client, { ':path': '/pad' });
    assert.equal(a.headers['x-padded'], 'v');
    const refused = await new Promise<number>((resolve) => {
      const r = client.request({ ':path': '/big' });
      r.on('close', () => resolve(r.rstCode));
      r.on('error', () => {});
      r.resume();
      r.end();
    });
    assert.equal(refused, http2.constants.NGHTTP2_INTERNAL_ERROR);
    assert.equal((await request(client, { ':path': '/after' })).body.toString(), 'ok');
  } finally {
    client.close();
    await srv.close();
  }
});
