// What real programs rely on from node:http's connection handling (issue 11): a client's FIN is
// an abort (httpAllowHalfOpen), close() then listen() serves again, pipelined bytes are never
// lost, res.end(body) + res.destroy() sends the body, timeouts and error paths free the socket,
// and bytes a socket had before a handover are parsed. Each scenario runs on node:http and trama.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as net from 'node:net';
import type * as http from 'node:http';
import { Duplex } from 'node:stream';
import { listen, closeServer, rawExchange, once, both, TRAMA_HTTP, LIBS, statusCodes, type ServerLib } from '../support/node-vs-trama.js';

const H = 'Host: x\r\n';

/** node has the property (not in its typings). */
type HalfOpenServer = http.Server & { httpAllowHalfOpen: boolean };

function connect(port: number): Promise<net.Socket> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1', () => resolve(s));
  });
}

/** Record req/res events (with the state frameworks look at) into `log`. */
function watch(req: http.IncomingMessage, res: http.ServerResponse, log: string[]): void {
  for (const e of ['aborted', 'end', 'close', 'error']) {
    req.on(e, (err?: NodeJS.ErrnoException) => log.push(`req ${e}${err ? ` ${err.code}` : ''} complete=${req.complete} destroyed=${req.destroyed}`));
  }
  for (const e of ['finish', 'close']) {
    res.on(e, () => log.push(`res ${e} writableEnded=${res.writableEnded} destroyed=${res.destroyed}`));
  }
}

/**
 * A request whose client sends FIN (or RST) at a chosen point. `respond` runs once the 'close'
 * of both req and res were seen, or right away for a streamed response; resolves with the log
 * and what the client received.
 */
async function disconnect(
  lib: ServerLib,
  opts: { request: string; finWhen: 'request' | 'first-data'; rst?: boolean; stream?: boolean; halfOpen?: boolean },
): Promise<{ log: string[]; got: string; closedByServer: boolean }> {
  const log: string[] = [];
  let onReq!: () => void;
  const gotRequest = new Promise<void>((resolve) => (onReq = resolve));
  let bothClosed!: () => void;
  const closed = new Promise<void>((resolve) => (bothClosed = resolve));
  const server = lib.createServer((req, res) => {
    log.push('request');
    watch(req, res, log);
    let n = 0;
    const done = (): void => {
      if (++n === 2) bothClosed();
    };
    req.on('close', done);
    res.on('close', done);
    if (opts.stream) {
      res.writeHead(200, { 'Content-Type': 'text/event-stream' });
      res.write('data: 1\n\n');
      // Keep writing until the server learns the client left (an SSE heartbeat).
      const t = setInterval(() => {
        if (res.destroyed || res.writableEnded) return;
        res.write('data: x\n\n');
      }, 5);
      res.on('close', () => clearInterval(t));
      if (opts.halfOpen) {
        req.resume();
        req.on('end', () => {
          clearInterval(t);
          res.end('data: end\n\n');
        });
      }
    } else if (opts.halfOpen) {
      req.resume();
      req.on('end', () => setImmediate(() => res.end('late')));
    } else {
      // Answers only after the disconnect: a late answer is dropped, and nothing throws.
      closed.then(() => {
        res.end('late');
        log.push(`late end writableEnded=${res.writableEnded}`);
      });
    }
    onReq();
  });
  if (opts.halfOpen) (server as HalfOpenServer).httpAllowHalfOpen = true;
  const port = await listen(server);
  const sock = await connect(port);
  let got = '';
  let closedByServer = false;
  sock.on('data', (d) => {
    got += d.toString('latin1');
    if (opts.finWhen === 'first-data' && !(sock as { sentFin?: boolean }).sentFin) {
      (sock as { sentFin?: boolean }).sentFin = true;
      if (opts.rst) sock.resetAndDestroy();
      else sock.end();
    }
  });
  sock.on('end', () => (closedByServer = true));
  sock.on('error', () => {});
  const sockClosed = once(sock, 'close');
  sock.write(opts.request);
  await gotRequest;
  if (opts.finWhen === 'request') sock.end();
  if (opts.halfOpen) await sockClosed;
  else await Promise.all([closed, sockClosed]);
  // Let what was scheduled on 'close' (errors, the late end) run.
  await new Promise((resolve) => setImmediate(resolve));
  await closeServer(server);
  return { log, got: got.replace(/^date: .*\r\n/gim, ''), closedByServer };
}

test("FIN after the whole request, before the response: req 'aborted' and 'close', res 'close' without 'finish', the socket closes; a late end() sends nothing (as node)", async () => {
  const r = await both((lib) => disconnect(lib, { request: `POST / HTTP/1.1\r\n${H}Content-Length: 3\r\n\r\nabc`, finWhen: 'request' }));
  assert.deepEqual(r.trama, r.node);
  assert.ok(r.trama.log.includes('req aborted complete=true destroyed=true'));
  assert.ok(r.trama.log.includes('res close writableEnded=false destroyed=true'));
  assert.ok(!r.trama.log.some((l) => l.startsWith('res finish')));
  assert.equal(r.trama.got, '');
  assert.equal(r.trama.closedByServer, true);
});

test("FIN during a streamed response (SSE): the stream learns its client left — res 'close' with writableEnded false, req destroyed (as node)", async () => {
  const r = await both((lib) => disconnect(lib, { request: `GET /events HTTP/1.1\r\n${H}\r\n`, finWhen: 'first-data', stream: true }));
  assert.deepEqual(r.trama.log, r.node.log);
  assert.ok(r.trama.log.includes('res close writableEnded=false destroyed=true'));
  assert.ok(r.trama.log.includes('req close complete=true destroyed=true'));
});

test('RST during a streamed response: the same aborts (as node)', async () => {
  const r = await both((lib) => disconnect(lib, { request: `GET /events HTTP/1.1\r\n${H}\r\n`, finWhen: 'first-data', stream: true, rst: true }));
  assert.deepEqual(r.trama.log, r.node.log);
  assert.ok(r.trama.log.includes('res close writableEnded=false destroyed=true'));
});

test("FIN in the middle of a request body: 400, req 'aborted' and 'close', res 'close' (as node)", async () => {
  const r = await both(async (lib) => {
    const log: string[] = [];
    let closed!: () => void;
    const allClosed = new Promise<void>((resolve) => (closed = resolve));
    const server = lib.createServer((req, res) => {
      watch(req, res, log);
      req.on('data', () => {});
      res.on('close', () => closed());
    });
    const port = await listen(server);
    const ex = await rawExchange(port, [`POST / HTTP/1.1\r\n${H}Content-Length: 10\r\n\r\nabc`], { endAfterWrite: true });
    await allClosed;
    await new Promise((resolve) => setImmediate(resolve));
    await closeServer(server);
    return { ex, log: log.filter((l) => l.startsWith('req aborted') || l.startsWith('res')) };
  });
  assert.deepEqual(r.trama, r.node);
  assert.equal(r.trama.ex.text, 'HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
});

test('httpAllowHalfOpen true (the property, as node): after the FIN the response still goes out, then the server closes', async () => {
  const r = await both((lib) => disconnect(lib, { request: `POST / HTTP/1.1\r\n${H}Content-Length: 3\r\n\r\nabc`, finWhen: 'request', halfOpen: true }));
  assert.deepEqual(r.trama, r.node);
  assert.match(r.trama.got, /\r\n\r\nlate$/);
  assert.ok(r.trama.log.includes('res finish writableEnded=true destroyed=false'));
  assert.equal(r.trama.closedByServer, true);
});

test('httpAllowHalfOpen as a server option sets the property; a streamed response goes on after the FIN', async () => {
  const server = TRAMA_HTTP.createServer({ httpAllowHalfOpen: true } as http.ServerOptions, () => {});
  assert.equal((server as HalfOpenServer).httpAllowHalfOpen, true);
  assert.equal((TRAMA_HTTP.createServer(() => {}) as HalfOpenServer).httpAllowHalfOpen, false);
  assert.throws(() => TRAMA_HTTP.createServer({ httpAllowHalfOpen: 'yes' } as unknown as http.ServerOptions), { code: 'ERR_INVALID_ARG_TYPE' });
  const r = await disconnect(TRAMA_HTTP, { request: `GET /events HTTP/1.1\r\n${H}\r\n`, finWhen: 'first-data', stream: true, halfOpen: true });
  assert.match(r.got, /data: end\n\n\r\n0\r\n\r\n$/);
  assert.ok(!r.log.some((l) => l.startsWith('req aborted')));
});

test('close() then listen() serves again (supertest re-listens per request), and closes again', async () => {
  for (const lib of LIBS) {
    const server = lib.createServer((_q, res) => res.end('ok'));
    for (let round = 0; round < 3; round++) {
      const port = await listen(server);
      const ex = await rawExchange(port, [`GET / HTTP/1.1\r\n${H}Connection: close\r\n\r\n`]);
      assert.deepEqual(statusCodes(ex.text), [200], `${lib.name} round ${round}`);
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  }
});

// ---- pipelining ----

/** Wrap the socket's `push` (after the server's own) to see each read the server gets. */
function onReads(server: http.Server, cb: (bytes: number) => void): void {
  server.on('connection', (socket: net.Socket) => {
    const s = socket as net.Socket & { push(chunk: unknown, enc?: BufferEncoding): boolean };
    const push = s.push;
    s.push = function (chunk: unknown, enc?: BufferEncoding): boolean {
      const r = push.call(this, chunk, enc);
      if (Buffer.isBuffer(chunk)) cb(chunk.length);
      return r;
    };
  });
}

test('pipelining keeps every byte: the requests split at every point into two reads are all answered, in order', async () => {
  const reqs = [
    `GET /a HTTP/1.1\r\n${H}\r\n`,
    `POST /b HTTP/1.1\r\n${H}Content-Length: 5\r\n\r\nhello`,
    `POST /c HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n`,
    `GET /d HTTP/1.1\r\n${H}\r\n`,
  ];
  const all = Buffer.from(reqs.join(''), 'latin1');
  const server = TRAMA_HTTP.createServer((req, res) => {
    let body = '';
    req.setEncoding('latin1');
    req.on('data', (d: string) => (body += d));
    req.on('end', () => res.end(`${req.url}:${body};`));
  });
  let received = 0;
  let waiter: (() => void) | null = null;
  let want = 0;
  onReads(server, (n) => {
    received += n;
    if (waiter !== null && received >= want) {
      const w = waiter;
      waiter = null;
      w();
    }
  });
  const port = await listen(server);
  const expected = '/a:;/b:hello;/c:abc;/d:;';
  for (let split = 1; split < all.length; split++) {
    received = 0;
    const sock = await connect(port);
    let text = '';
    sock.on('data', (d) => (text += d.toString('latin1')));
    const done = new Promise<void>((resolve) => sock.on('data', () => {
      if (text.endsWith('/d:;')) resolve();
    }));
    // The first part is a read of its own (the server saw it) before the second is sent.
    want = split;
    const firstRead = new Promise<void>((resolve) => (waiter = resolve));
    sock.write(all.subarray(0, split));
    await firstRead;
    sock.write(all.subarray(split));
    await done;
    const bodies = text.split(/HTTP\/1\.1 200 OK\r\n(?:[^\r\n]+\r\n)*\r\n/).join('');
    assert.equal(bodies, expected, `split at ${split}`);
    sock.destroy();
  }
  await closeServer(server);
});

test('valid requests in the same read as garbage are answered, in order, before the 400', async () => {
  const ex = await (async () => {
    const server = TRAMA_HTTP.createServer((req, res) => res.end(String(req.url)));
    const port = await listen(server);
    const r = await rawExchange(port, [`GET /1 HTTP/1.1\r\n${H}\r\nGET /2 HTTP/1.1\r\n${H}\r\nBAD\r\n\r\n`]);
    await closeServer(server);
    return r;
  })();
  assert.deepEqual(statusCodes(ex.text), [200, 200, 400]);
  assert.match(ex.text, /\/1HTTP\/1\.1 200 OK[\s\S]*\/2HTTP\/1\.1 400 Bad Request/);
  assert.equal(ex.closed, true);
});

test('close() during 10 pipelined requests: all 10 are answered (as node), the last says Connection: close, then the connection closes', async () => {
  const requests = Array.from({ length: 10 }, (_, i) => `GET /${i} HTTP/1.1\r\n${H}\r\n`).join('');
  for (const mode of ['sync', 'async'] as const) {
    const r = await both(async (lib) => {
      let n = 0;
      let closeCalled!: () => void;
      const closing = new Promise<void>((resolve) => (closeCalled = resolve));
      const server = lib.createServer((req, res) => {
        if (n++ === 0) {
          server.close();
          closeCalled();
        }
        if (mode === 'sync') res.end(String(req.url));
        else setImmediate(() => res.end(String(req.url)));
      });
      const port = await listen(server);
      const ex = await rawExchange(port, [requests], { until: (t) => t.endsWith('/9') });
      await closing;
      server.closeAllConnections();
      return statusCodes(ex.text).length;
    });
    assert.equal(r.node, 10, mode);
    assert.equal(r.trama, 10, mode);
  }
  // trama closes once they are answered; the async answer of the last one tells the client.
  const server = TRAMA_HTTP.createServer((req, res) => {
    if (req.url === '/0') server.close();
    setImmediate(() => res.end(String(req.url)));
  });
  const port = await listen(server);
  const ex = await rawExchange(port, [requests]);
  assert.equal(ex.closed, true);
  assert.deepEqual(statusCodes(ex.text), Array(10).fill(200));
  assert.equal((ex.text.match(/Connection: close/g) ?? []).length, 1);
  assert.match(ex.text, /Connection: close\r\n[^]*\/9$/);
  assert.doesNotMatch(ex.text.slice(0, ex.text.lastIndexOf('HTTP/1.1')), /Connection: close/);
});

test("res.end(body) then res.destroy() in the same tick sends the response first (Hono's error path, as node)", async () => {
  const r = await both((lib) =>
    (async () => {
      const server = lib.createServer((_q, res) => {
        res.end('body');
        res.destroy();
      });
      const port = await listen(server);
      const ex = await rawExchange(port, [`GET / HTTP/1.1\r\n${H}\r\n`]);
      await closeServer(server);
      return ex;
    })(),
  );
  assert.deepEqual(r.trama, r.node);
  assert.match(r.trama.text, /\r\n\r\nbody$/);
});

// ---- error paths ----

test("a 'clientError' listener that leaves the socket alone: the peer's FIN still closes it (as node, no descriptor leak)", async () => {
  const r = await both(async (lib) => {
    const server = lib.createServer((req, res) => res.end(String(req.url)));
    const codes: string[] = [];
    let serverSide!: net.Socket;
    server.on('connection', (s: net.Socket) => (serverSide = s));
    server.on('clientError', (err: NodeJS.ErrnoException) => codes.push(String(err.code)));
    const port = await listen(server);
    const sock = await connect(port);
    sock.on('error', () => {});
    let text = '';
    sock.on('data', (d) => (text += d));
    sock.write(`GET /a HTTP/1.1\r\n${H}\r\nGARBAGE\r\n\r\n`);
    await new Promise<void>((resolve) => sock.on('data', () => text.endsWith('/a') && resolve()));
    const serverClosed = once(serverSide, 'close');
    sock.end();
    await serverClosed;
    await once(sock, 'close');
    await closeServer(server);
    return { codes, statuses: statusCodes(text) };
  });
  assert.deepEqual(r.trama, r.node);
  assert.deepEqual(r.trama.codes, ['HPE_INVALID_METHOD']);
});

/** A protocol sniffer in front of `server`: peek at the first bytes, put them back, hand the socket over. */
function sniffer(server: http.Server, pause: boolean): net.Server {
  return net.createServer((socket) => {
    socket.once('data', (first) => {
      if (pause) socket.pause();
      socket.unshift(first);
      server.emit('connection', socket);
    });
  });
}

test("bytes already read from a socket handed over with server.emit('connection') (sniff, unshift, emit) are parsed (as node)", async () => {
  const r = await both(async (lib) => {
    const server = lib.createServer((req, res) => res.end(`got ${req.method} ${req.url}`));
    const front = sniffer(server, false);
    const port = await listen(front);
    const ex = await rawExchange(port, [`GET /sniffed HTTP/1.1\r\n${H}Connection: close\r\n\r\n`]);
    await closeServer(front);
    await closeServer(server);
    return ex;
  });
  assert.deepEqual(r.trama, r.node);
  assert.match(r.trama.text, /got GET \/sniffed$/);
});

test('a sniffed socket handed over paused is read too (node 20 never answers it)', async () => {
  const server = TRAMA_HTTP.createServer((req, res) => res.end(`got ${req.url}`));
  const front = sniffer(server, true);
  const port = await listen(front);
  const ex = await rawExchange(port, [`GET /paused HTTP/1.1\r\n${H}\r\n`], { until: (t) => t.endsWith('got /paused') });
  assert.match(ex.text, /^HTTP\/1\.1 200 OK\r\n[^]*got \/paused$/);
  await closeServer(front);
  await closeServer(server);
});

test("a Duplex handed over paused, with bytes buffered, is read too (the 'data' path)", async () => {
  const server = TRAMA_HTTP.createServer((req, res) => res.end(`got ${req.url}`));
  let out = '';
  const duplex = new Duplex({
    read() {},
    write(chunk: Buffer, _enc, cb) {
      out += chunk.toString('latin1');
      cb();
    },
  });
  duplex.pause();
  duplex.push(Buffer.from(`GET /duplex HTTP/1.1\r\n${H}\r\n`, 'latin1'));
  const answered = new Promise<void>((resolve) => {
    const orig = duplex.write.bind(duplex);
    duplex.write = ((...args: Parameters<typeof duplex.write>) => {
      const ret = orig(...args);
      if (out.includes('got /duplex')) resolve();
      return ret;
    }) as typeof duplex.write;
  });
  server.emit('connection', duplex);
  await answered;
  assert.match(out, /^HTTP\/1\.1 200 OK\r\n[^]*got \/duplex$/);
  duplex.destroy();
});
