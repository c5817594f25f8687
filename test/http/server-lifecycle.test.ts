// Connection lifecycle: timeouts, graceful close, keep-alive, pipelining bounds, body
// backpressure, and clients that vanish mid-body or mid-response.
import { test, mock } from 'node:test';
import assert from 'node:assert/strict';
import * as net from 'node:net';
import type * as http from 'node:http';
import { listen, closeServer, rawExchange, once, both, TRAMA_HTTP, statusCodes, type ServerLib } from '../support/node-vs-trama.js';

const H = 'Host: x\r\n';

function connect(port: number): Promise<net.Socket> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1', () => resolve(s));
  });
}

test('headersTimeout: a head that never completes gets 408 and a close', async () => {
  const r = await both(async (lib) => {
    const server = lib.createServer({ headersTimeout: 100, requestTimeout: 200, connectionsCheckingInterval: 20 }, (_q, res) => res.end('ok'));
    const port = await listen(server);
    const ex = await rawExchange(port, [`GET / HTTP/1.1\r\n${H}X-Slow: `]);
    await closeServer(server);
    return ex;
  });
  assert.equal(r.node.text, 'HTTP/1.1 408 Request Timeout\r\nConnection: close\r\n\r\n');
  assert.deepEqual(r.trama, r.node);
});

test('requestTimeout: a body that never completes gets 408 (clientError sees ERR_HTTP_REQUEST_TIMEOUT)', async () => {
  const r = await both(async (lib) => {
    const server = lib.createServer({ headersTimeout: 100, requestTimeout: 150, connectionsCheckingInterval: 20 }, (req, res) => {
      req.resume();
      req.on('end', () => res.end('ok'));
    });
    const codes: string[] = [];
    server.on('clientError', (err: Error & { code: string }, socket: net.Socket) => {
      codes.push(`${err.code} ${err.message}`);
      socket.end('HTTP/1.1 408 Request Timeout\r\nConnection: close\r\n\r\n');
    });
    const port = await listen(server);
    const ex = await rawExchange(port, [`POST / HTTP/1.1\r\n${H}Content-Length: 10\r\n\r\nabc`]);
    await closeServer(server);
    return { ex, codes };
  });
  assert.deepEqual(r.trama, r.node);
  assert.deepEqual(r.trama.codes, ['ERR_HTTP_REQUEST_TIMEOUT Request timeout']);
});

test('keepAliveTimeout: an idle keep-alive connection is closed by the server', async () => {
  const server = TRAMA_HTTP.createServer({ keepAliveTimeout: 100 }, (_q, res) => res.end('ok'));
  const port = await listen(server);
  const t0 = Date.now();
  const ex = await rawExchange(port, [`GET / HTTP/1.1\r\n${H}\r\n`]);
  assert.match(ex.text, /Keep-Alive: timeout=0\r\n/);
  assert.equal(ex.closed, true);
  assert.ok(Date.now() - t0 >= 90, 'closed after the keep-alive timeout, not before');
  await closeServer(server);
});

/** Send one request on `sock` and wait for its (small) response. */
async function ask(sock: net.Socket, path = '/'): Promise<string> {
  const got = new Promise<Buffer>((resolve) => sock.once('data', resolve));
  sock.write(`GET ${path} HTTP/1.1\r\n${H}\r\n`);
  return String(await got);
}

test('a connection that never sends a request: closeIdleConnections closes it (node documents it as idle); left alone it gets 408 at headersTimeout as in node, even with keepAliveTimeout 0', async () => {
  const server = TRAMA_HTTP.createServer({ keepAliveTimeout: 5000, headersTimeout: 60000 }, (_q, res) => res.end('ok'));
  const port = await listen(server);
  const a = await connect(port);
  let text = '';
  a.on('data', (d) => (text += d));
  await new Promise((resolve) => setTimeout(resolve, 50));
  const closedA = once(a, 'close');
  server.closeIdleConnections();
  await closedA;
  assert.equal(text, '', 'closed without an answer');
  await closeServer(server);

  const r = await both(async (lib) => {
    const s = lib.createServer({ keepAliveTimeout: 0, headersTimeout: 150, requestTimeout: 300, connectionsCheckingInterval: 20 }, (_q, res) => res.end('ok'));
    const p = await listen(s);
    const t0 = Date.now();
    const ex = await rawExchange(p, []);
    const waited = Date.now() - t0 >= 140;
    await closeServer(s);
    return { ex, waited };
  });
  assert.equal(r.node.ex.text, 'HTTP/1.1 408 Request Timeout\r\nConnection: close\r\n\r\n');
  assert.deepEqual(r.trama, r.node);
  assert.equal(r.trama.waited, true, 'not before headersTimeout');
});

test('a request arriving in a later read while the previous response is still open is parsed and answered after it, in order (as node)', async () => {
  const r = await both(async (lib) => {
    let finishFirst!: () => void;
    const server = lib.createServer((req, res) => {
      if (req.url === '/stream') {
        res.writeHead(200, { 'Content-Type': 'text/event-stream' });
        res.write('data: 1\n\n');
        finishFirst = () => res.end('data: 2\n\n');
      } else {
        res.end(`second ${req.headers['x-n']}`);
      }
    });
    const port = await listen(server);
    const sock = await connect(port);
    let text = '';
    sock.on('data', (d) => (text += d));
    sock.write(`GET /stream HTTP/1.1\r\n${H}\r\n`);
    await new Promise((resolve) => setTimeout(resolve, 50));
    sock.write(`GET /next HTTP/1.1\r\n${H}X-N: 7\r\n\r\n`);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const beforeEnd = text.includes('second');
    const secondIn = new Promise<void>((resolve) => {
      const check = (): void => {
        if (text.includes('second 7')) resolve();
        else sock.once('data', check);
      };
      sock.once('data', check);
    });
    finishFirst();
    await secondIn; // (a fixed 100 ms lost it on a loaded machine)
    sock.destroy();
    await closeServer(server);
    const bodies = text.replace(/\r\nDate: [^\r]*/g, '').split('HTTP/1.1 ').length - 1;
    return { beforeEnd, bodies, ordered: text.indexOf('data: 2') < text.indexOf('second 7') };
  });
  assert.deepEqual(r.trama, r.node);
  assert.deepEqual(r.trama, { beforeEnd: false, bodies: 2, ordered: true });
});

test("the server's timers are node's own: a fake global clock (node:test mock.timers) stops neither the keep-alive timeout nor the Date field", async () => {
  const server = TRAMA_HTTP.createServer({ keepAliveTimeout: 100 }, (_q, res) => res.end('ok'));
  const port = await listen(server);
  const sock = await connect(port);
  mock.timers.enable({ apis: ['setTimeout', 'setInterval'] });
  try {
    const first = await ask(sock);
    const closed = once(sock, 'close');
    await closed; // never advanced: only real timers can close it
    assert.match(first, /\r\nDate: \w{3}, \d{2} \w{3} \d{4} \d{2}:\d{2}:\d{2} GMT\r\n/);
  } finally {
    mock.timers.reset();
  }
  await closeServer(server);
});

test('timeouts are measured on a monotonic clock: a wall-clock jump of an hour times out no request in flight', async () => {
  // Timeouts far above the test's pauses, which a loaded machine stretches: only the jump could expire them.
  const server = TRAMA_HTTP.createServer({ headersTimeout: 10_000, requestTimeout: 20_000, connectionsCheckingInterval: 20 }, (_q, res) => res.end('ok'));
  const port = await listen(server);
  const sock = await connect(port);
  let text = '';
  sock.on('data', (d) => (text += d));
  sock.write(`GET / HTTP/1.1\r\n${H}`);
  await new Promise((resolve) => setTimeout(resolve, 50));
  const realNow = Date.now();
  const clock = mock.method(Date, 'now', () => realNow + 3_600_000);
  try {
    await new Promise((resolve) => setTimeout(resolve, 150));
    assert.equal(text, '', 'no 408 after the jump');
    assert.equal(sock.destroyed, false);
  } finally {
    clock.mock.restore();
  }
  const answered = new Promise<void>((resolve) => sock.on('data', () => text.includes('ok') && resolve()));
  sock.write('\r\n');
  await answered;
  assert.match(text, /^HTTP\/1\.1 200 OK\r\n/);
  sock.destroy();
  await closeServer(server);
});

test('keepAliveTimeout counts from the last response: a connection used again stays open, then closes that long after', async () => {
  // The reuse comes KA/3 after the first response: a loaded machine would have to stall the loop
  // for 2/3 of KA to lose the race (a 300 ms timeout with a 200 ms pause did lose it).
  const KA = 1200;
  const answeredAt: number[] = [];
  // A reference timer armed with the second answer: the expiry must come before its 2 × KA
  // (an upper bound that a stalled loop delays as much as the server's timer).
  let referenceFired = false;
  const server = TRAMA_HTTP.createServer({ keepAliveTimeout: KA }, (_q, res) => {
    answeredAt.push(performance.now()); // no later than the moment the connection goes idle
    if (answeredAt.length === 2) setTimeout(() => (referenceFired = true), 2 * KA).unref();
    res.end('ok');
  });
  let expiredAt = 0;
  let expiredFirst = false;
  server.on('connection', (s: net.Socket) =>
    s.on('timeout', () => {
      expiredAt = performance.now();
      expiredFirst = !referenceFired;
    }),
  );
  const port = await listen(server);
  const sock = await connect(port);
  await ask(sock);
  await new Promise((r) => setTimeout(r, KA / 3));
  assert.match(await ask(sock), /ok$/, 'still open KA/3 after the first response');
  await once(sock, 'close');
  const idle = expiredAt - answeredAt[1]!;
  assert.ok(expiredAt > 0 && idle >= KA, `expired ${idle} ms after the second response`);
  assert.ok(expiredFirst, 'expired before a 2 × KA timer armed with the second response');
  await closeServer(server);
});

test('keepAliveTimeout: a response slower than the timeout is not cut; the idle time starts after it', async () => {
  let answeredAt = 0;
  const server = TRAMA_HTTP.createServer({ keepAliveTimeout: 100 }, (_q, res) => {
    setTimeout(() => {
      answeredAt = performance.now(); // no later than the moment the connection goes idle
      res.end('slow');
    }, 300);
  });
  // Read on the server's side (the client may see the answer and the close in one late read).
  let expiredAt = 0;
  server.on('connection', (s: net.Socket) => s.on('timeout', () => (expiredAt = performance.now())));
  const port = await listen(server);
  const sock = await connect(port);
  const text = await ask(sock);
  assert.match(text, /slow$/);
  await once(sock, 'close');
  assert.ok(expiredAt - answeredAt >= 100, `expired ${expiredAt - answeredAt} ms after the response`);
  await closeServer(server);
});

test("keepAliveTimeout expiry is the socket's 'timeout' (its listeners see it) and the server's; a server 'timeout' listener keeps the socket", async () => {
  const r = await both(async (lib) => {
    const log: string[] = [];
    const server = lib.createServer({ keepAliveTimeout: 100 }, (_q, res) => res.end('ok'));
    server.on('connection', (s: net.Socket) => s.on('timeout', () => log.push('socket timeout')));
    server.on('timeout', (s: net.Socket) => {
      log.push(`server timeout ${s instanceof net.Socket}`);
      setTimeout(() => {
        // Whether the server closed it meanwhile (not a wall-clock reading: the machine may be loaded).
        log.push(`still open when the listener's timer fires: ${!s.destroyed}`);
        s.destroy();
      }, 50);
    });
    const port = await listen(server);
    const sock = await connect(port);
    await ask(sock);
    await once(sock, 'close');
    await closeServer(server);
    return log;
  });
  assert.deepEqual(r.trama, r.node);
  // The server's own socket listener comes first (it is added before the 'connection' event).
  assert.deepEqual(r.trama, ['server timeout true', 'socket timeout', "still open when the listener's timer fires: true"]);
});

test('keepAliveTimeout read live: lowered, it applies to connections that go idle afterwards; 0 turns it off', async () => {
  const server = TRAMA_HTTP.createServer({ keepAliveTimeout: 5000 }, (_q, res) => res.end('ok'));
  const port = await listen(server);
  const a = await connect(port);
  await ask(a);
  server.keepAliveTimeout = 100;
  const t0 = Date.now();
  await ask(a);
  await once(a, 'close');
  // The old 5000 ms would close it no sooner than t0 + 5000: a bound below that, loose for a loaded machine.
  assert.ok(Date.now() - t0 < 4000, 'closed on the lowered timeout');
  server.keepAliveTimeout = 0;
  const b = await connect(port);
  await ask(b);
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(b.destroyed, false, 'no keep-alive timeout when it is 0');
  b.destroy();
  await closeServer(server);
});

test('keepAliveTimeout: idle connections close in the order they went idle, each on its own deadline', async () => {
  const KA = 200;
  // Stamped (monotonic, as the server's clock) in the handler just before res.end(): no later than
  // the moment the connection goes idle, so expiry - stamp >= KA holds however late the loop runs.
  const idleBy = new Map<string, number>();
  const server = TRAMA_HTTP.createServer({ keepAliveTimeout: KA }, (req, res) => {
    idleBy.set(req.headers['x-n'] as string, performance.now());
    res.end('ok');
  });
  // Observed on the server side: its sockets' 'timeout' events come in expiry order, whereas the
  // client may read several FINs in one poll (a stalled loop) and report them in any order.
  const order: string[] = [];
  const expiredAt = new Map<string, number>();
  server.on('request', (req: http.IncomingMessage) => {
    const n = req.headers['x-n'] as string;
    req.socket.once('timeout', () => {
      order.push(n);
      expiredAt.set(n, performance.now());
    });
  });
  const port = await listen(server);
  const socks = await Promise.all([connect(port), connect(port), connect(port)]);
  const closed = socks.map((s) => once(s, 'close'));
  for (const i of [2, 0, 1]) {
    const got = new Promise<Buffer>((resolve) => socks[i]!.once('data', resolve));
    socks[i]!.write(`GET / HTTP/1.1\r\n${H}X-N: ${i}\r\n\r\n`);
    assert.match(String(await got), /ok$/);
    // Spacing between the idle times (a lower bound only: a late wake-up spreads them further).
    await new Promise((r) => setTimeout(r, 60));
  }
  await Promise.all(closed);
  assert.deepEqual(order, ['2', '0', '1']);
  for (const i of ['0', '1', '2']) {
    const idle = expiredAt.get(i)! - idleBy.get(i)!;
    assert.ok(idle >= KA, `connection ${i} expired ${idle} ms after going idle`);
  }
  await closeServer(server);
});

/** Long enough that a stalled loop still reads the request before it expires; short for the suite. */
const BUSY_TIMEOUT = 600;

test('server.setTimeout: a busy connection times out with timeout events on server and res', async () => {
  const r = await both(async (lib) => {
    const log: string[] = [];
    const server = lib.createServer((_req, res) => {
      res.on('timeout', () => log.push('res timeout'));
    });
    // The socket's timer starts at accept: a loop stalled past it before the request is read
    // would time out a connection with no response yet (no 'res timeout' on that side).
    server.setTimeout(BUSY_TIMEOUT, (socket: net.Socket) => {
      log.push(`server timeout ${socket instanceof net.Socket}`);
      socket.destroy();
    });
    const port = await listen(server);
    await rawExchange(port, [`GET / HTTP/1.1\r\n${H}\r\n`]);
    await closeServer(server);
    return log;
  });
  assert.deepEqual(r.trama, r.node);
});

/** A server with one idle keep-alive connection and one waiting for its response (`release()` answers it). */
async function idleAndBusy(): Promise<{ server: http.Server; idle: net.Socket; busy: net.Socket; release: () => void }> {
  let release!: () => void;
  const server = TRAMA_HTTP.createServer((req, res) => {
    if (req.url === '/busy') release = () => res.end('busy done');
    else res.end('quick');
  });
  const port = await listen(server);
  const idle = await connect(port);
  idle.write(`GET / HTTP/1.1\r\n${H}\r\n`);
  await once(idle, 'data');
  const busy = await connect(port);
  const gotRequest = new Promise<void>((resolve) => server.once('request', () => setImmediate(resolve)));
  busy.write(`GET /busy HTTP/1.1\r\n${H}\r\n`);
  await gotRequest;
  return { server, idle, busy, release: () => release() };
}

test('closeIdleConnections closes idle keep-alive sockets only; closeAllConnections closes the rest', async () => {
  const { server, idle, busy, release } = await idleAndBusy();
  const idleClosed = once(idle, 'close');
  server.closeIdleConnections();
  await idleClosed;
  assert.equal(busy.destroyed, false);
  let busyText = '';
  busy.on('data', (d) => (busyText += d));
  release();
  await new Promise<void>((resolve) => busy.once('data', () => resolve()));
  assert.match(busyText, /busy done$/);
  const busyClosed = once(busy, 'close');
  server.closeAllConnections();
  await busyClosed;
  await closeServer(server);
});

test('close(): in-flight responses finish with Connection: close, idle sockets close, callback fires', async () => {
  const { server, idle, busy, release } = await idleAndBusy();
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  await once(idle, 'close');
  let text = '';
  busy.on('data', (d) => (text += d));
  const busyEnd = once(busy, 'end');
  release();
  await busyEnd;
  assert.match(text, /busy done$/);
  await closed;
});

test('pipelining: 200 requests with maxPipelineDepth 4 and async handlers are answered in order', async () => {
  const server = TRAMA_HTTP.createServer({ maxPipelineDepth: 4 } as http.ServerOptions, (req, res) => {
    setTimeout(() => res.end(req.url), Number(req.url!.slice(1)) % 3);
  });
  const port = await listen(server);
  let reqs = '';
  for (let i = 0; i < 200; i++) reqs += `GET /${i} HTTP/1.1\r\n${H}\r\n`;
  reqs += `GET /200 HTTP/1.1\r\n${H}Connection: close\r\n\r\n`;
  const ex = await rawExchange(port, [reqs]);
  const bodies = [...ex.text.matchAll(/\r\n\r\n\/(\d+)/g)].map((m) => Number(m[1]));
  assert.deepEqual(bodies, Array.from({ length: 201 }, (_, i) => i));
  await closeServer(server);
});

test('a client that sends without reading stops being read (bounded memory), then gets every answer', async () => {
  let handled = 0;
  const big = 'x'.repeat(64 * 1024);
  const server = TRAMA_HTTP.createServer((_req, res) => {
    handled++;
    res.end(big);
  });
  const port = await listen(server);
  const sock = await connect(port);
  const N = 2000;
  let reqs = '';
  for (let i = 0; i < N; i++) reqs += `GET /${i} HTTP/1.1\r\n${H}\r\n`;
  sock.pause();
  sock.write(reqs);
  // Give the server time to do all it can without us reading.
  await new Promise((resolve) => setTimeout(resolve, 300));
  const whilePaused = handled;
  assert.ok(whilePaused < N / 4, `handled ${whilePaused} of ${N} while the client was not reading`);
  let received = 0;
  let tail = '';
  const all = new Promise<void>((resolve) => {
    sock.on('data', (d: Buffer) => {
      const t = tail + d.toString('latin1');
      received += (t.match(/HTTP\/1\.1 200 OK/g) ?? []).length;
      tail = t.slice(-20);
      if (received >= N) resolve();
    });
  });
  sock.resume();
  await all;
  assert.equal(handled, N);
  sock.destroy();
  await closeServer(server);
});

test('request body backpressure: a slow consumer gets every byte of a large upload', async () => {
  const server = TRAMA_HTTP.createServer(async (req, res) => {
    let n = 0;
    for await (const chunk of req) {
      n += (chunk as Buffer).length;
      if (n % (256 * 1024) < 65536) await new Promise((r) => setImmediate(r));
    }
    res.end(String(n));
  });
  const port = await listen(server);
  const size = 8 * 1024 * 1024;
  const sock = await connect(port);
  let text = '';
  sock.on('data', (d) => (text += d));
  sock.write(`POST / HTTP/1.1\r\n${H}Content-Length: ${size}\r\nConnection: close\r\n\r\n`);
  const chunk = Buffer.alloc(64 * 1024, 97);
  for (let sent = 0; sent < size; sent += chunk.length) {
    if (!sock.write(chunk)) await once(sock, 'drain');
  }
  await once(sock, 'end');
  assert.match(text, new RegExp(`\r\n\r\n${size}$`));
  await closeServer(server);
});

test('a client vanishing mid-body: req aborted + close, res close, server keeps serving', async () => {
  const r = await both(async (lib: ServerLib) => {
    const log: string[] = [];
    let followUp: Promise<void> = Promise.resolve();
    const done = new Promise<void>((resolve) => {
      const server = lib.createServer((req, res) => {
        if (req.url !== '/upload') return res.end('still here');
        req.on('aborted', () => log.push('req aborted'));
        req.on('error', (e: Error & { code?: string }) => log.push(`req error ${e.code}`));
        req.on('close', () => log.push(`req close aborted=${req.aborted} complete=${req.complete}`));
        res.on('close', () => {
          log.push(`res close finished=${res.writableFinished}`);
          setImmediate(resolve);
        });
        req.on('data', () => {
          if (!log.includes('data')) {
            log.push('data');
            sock.destroy();
          }
        });
      });
      let sock: net.Socket;
      followUp = listen(server).then(async (port) => {
        sock = await connect(port);
        sock.write(`POST /upload HTTP/1.1\r\n${H}Content-Length: 100000\r\n\r\n${'a'.repeat(1000)}`);
        await done;
        const after = await rawExchange(port, [`GET / HTTP/1.1\r\n${H}Connection: close\r\n\r\n`]);
        log.push(after.text.endsWith('still here') ? 'served after' : 'NOT served');
        await closeServer(server);
      });
    });
    // The whole scenario, follow-up request included (a fixed delay lost it on a loaded machine).
    await done;
    await followUp;
    return log;
  });
  assert.deepEqual(r.trama, r.node);
});

test('a client vanishing mid-response: res close without finish, no crash, no leak', async () => {
  const server = TRAMA_HTTP.createServer((_req, res) => {
    const chunk = Buffer.alloc(64 * 1024, 98);
    const pump = (): void => {
      while (res.write(chunk));
    };
    res.on('drain', pump);
    pump();
  });
  const closedRes = new Promise<string>((resolve) => {
    server.on('request', (_req, res: http.ServerResponse) => res.on('close', () => resolve(`close finished=${res.writableFinished}`)));
  });
  const port = await listen(server);
  const sock = await connect(port);
  sock.write(`GET / HTTP/1.1\r\n${H}\r\n`);
  await once(sock, 'data');
  sock.destroy();
  assert.equal(await closedRes, 'close finished=false');
  const count = await new Promise<number>((resolve) => server.getConnections((_e, n) => resolve(n)));
  assert.equal(count, 0);
  await closeServer(server);
});

test('HTTP/1.0 and Connection: close answers close the connection; keep-alive keeps it', async () => {
  const server = TRAMA_HTTP.createServer((_q, res) => res.end('ok'));
  const port = await listen(server);
  const a = await rawExchange(port, ['GET / HTTP/1.0\r\n\r\n']);
  assert.equal(a.closed, true);
  const b = await rawExchange(port, [`GET / HTTP/1.1\r\n${H}\r\nGET / HTTP/1.1\r\n${H}\r\n`], { until: (t) => statusCodes(t).length === 2 && t.endsWith('ok') });
  assert.deepEqual(statusCodes(b.text), [200, 200]);
  assert.equal(b.closed, false);
  await closeServer(server);
});

// node answers bytes that follow a `Connection: close` request with a 400 that can overtake the
// (slower) legitimate response; trama answers the request and discards what follows (RFC 9112 §9.6).
test('bytes after the last request of a connection are discarded, the request is answered', async () => {
  const server = TRAMA_HTTP.createServer((req, res) => setTimeout(() => res.end(`late ${req.url}`), 10));
  const port = await listen(server);
  for (const first of [`GET /1 HTTP/1.1\r\n${H}Connection: close\r\n\r\n`, 'GET /1 HTTP/1.0\r\n\r\n']) {
    const ex = await rawExchange(port, [`${first}GET /2 HTTP/1.1\r\n${H}\r\n`]);
    assert.deepEqual(statusCodes(ex.text), [200]);
    assert.match(ex.text, /Connection: close\r\n/);
    assert.match(ex.text, /late \/1$/);
    assert.equal(ex.closed, true);
  }
  await closeServer(server);
});

test("Connection: close: end() after 'drain' still emits 'finish' then 'close', as node", async () => {
  const MB = 1 << 20;
  const r = await both(async (lib) => {
    const log: string[] = [];
    let done!: () => void;
    const closed = new Promise<void>((resolve) => (done = resolve));
    const server = lib.createServer((_req, res) => {
      res.setHeader('Content-Length', 2 * MB);
      res.on('finish', () => log.push('finish'));
      res.on('close', () => {
        log.push('close');
        done();
      });
      res.write(Buffer.alloc(MB, 0x61));
      const more = res.write(Buffer.alloc(MB, 0x62));
      log.push(`second write ${String(more)}`);
      res.once('drain', () => {
        log.push('drain');
        res.end();
      });
    });
    const port = await listen(server);
    let received = 0;
    const sock = net.connect(port, '127.0.0.1', () => sock.write(`GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`));
    sock.on('data', (d: Buffer) => (received += d.length));
    await new Promise<void>((resolve) => sock.on('close', () => resolve()));
    await closed;
    await closeServer(server);
    return { log, gotBody: received > 2 * MB };
  });
  assert.deepEqual(r.node.log, ['second write false', 'drain', 'finish', 'close']);
  assert.deepEqual(r.trama, r.node);
});
