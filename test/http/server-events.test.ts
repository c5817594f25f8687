// Server events, their order and arguments, node:http vs trama; client errors with node's
// default answers; upgrade/CONNECT hand-over.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as net from 'node:net';
import type * as http from 'node:http';
import { both, serveRaw, listen, closeServer, rawExchange, once, TRAMA_HTTP, NODE_HTTP, type ServerLib } from '../support/node-vs-trama.js';

const H = 'Host: x\r\n';

test('event order of one request/response pair matches node', async () => {
  const r = await both(async (lib) => {
    const log: string[] = [];
    let done!: () => void;
    const finished = new Promise<void>((resolve) => (done = resolve));
    const server = lib.createServer((req, res) => {
      log.push(`request ${req.method} ${req.url} complete=${req.complete}`);
      req.on('end', () => log.push('req end'));
      req.on('close', () => log.push(`req close complete=${req.complete} aborted=${req.aborted}`));
      res.on('prefinish', () => log.push('res prefinish'));
      res.on('finish', () => log.push(`res finish writableFinished=${res.writableFinished}`));
      res.on('close', () => {
        log.push(`res close destroyed=${res.destroyed}`);
        setImmediate(done);
      });
      res.end('ok', () => log.push('end callback'));
      log.push(`after end writableEnded=${res.writableEnded} headersSent=${res.headersSent}`);
    });
    server.on('connection', () => log.push('connection'));
    const port = await listen(server);
    await rawExchange(port, [`GET /x HTTP/1.1\r\n${H}\r\n`], { until: (t) => t.endsWith('ok') });
    await finished;
    await closeServer(server);
    return log;
  });
  assert.deepEqual(r.trama, r.node);
});

test('POST body events: data chunks, end, complete, then response', async () => {
  const r = await both(async (lib) => {
    const log: string[] = [];
    const res = await serveRaw(
      lib,
      (req, res) => {
        let body = '';
        req.setEncoding('utf8');
        req.on('data', (d: string) => (body += d));
        req.on('end', () => {
          log.push(`end complete=${req.complete} body=${body}`);
          res.end(body.toUpperCase());
        });
      },
      [`POST / HTTP/1.1\r\n${H}Content-Length: 5\r\nConnection: close\r\n\r\nhe`, 'llo'],
    );
    return { log, text: res.text };
  });
  assert.deepEqual(r.trama, r.node);
});

test('checkContinue and checkExpectation listeners take over', async () => {
  const r = await both(async (lib) => {
    const log: string[] = [];
    const server = lib.createServer((_req, res) => res.end('request'));
    server.on('checkContinue', (req, res) => {
      log.push(`checkContinue ${req.headers.expect}`);
      res.writeContinue();
      req.resume();
      req.on('end', () => res.end('continued'));
    });
    server.on('checkExpectation', (req, res) => {
      log.push(`checkExpectation ${req.headers.expect}`);
      res.writeHead(417).end('nope');
    });
    const port = await listen(server);
    const a = await rawExchange(port, [`POST / HTTP/1.1\r\n${H}Expect: 100-continue\r\nContent-Length: 2\r\nConnection: close\r\n\r\nhi`]);
    const b = await rawExchange(port, [`GET / HTTP/1.1\r\n${H}Expect: x-custom\r\nConnection: close\r\n\r\n`]);
    await closeServer(server);
    return { log, a: a.text, b: b.text };
  });
  assert.deepEqual(r.trama, r.node);
});

for (const method of ['upgrade', 'connect'] as const) {
  test(`${method}: the listener gets req, the socket and the bytes already read`, async () => {
    const r = await both(async (lib) => {
      const server = lib.createServer((_req, res) => res.end('plain'));
      server.on(method, (req: http.IncomingMessage, socket: net.Socket, head: Buffer) => {
        socket.write(`HTTP/1.1 ${method === 'upgrade' ? '101 Switching Protocols' : '200 Connection Established'}\r\n\r\n`);
        socket.write(`[${req.method} ${req.url} upgrade=${(req as unknown as { upgrade: boolean }).upgrade} head=${head.toString()}]`);
        socket.on('data', (d) => socket.end(`[echo ${d.toString()}]`));
      });
      const port = await listen(server);
      const start =
        method === 'upgrade'
          ? `GET /ws HTTP/1.1\r\n${H}Connection: Upgrade\r\nUpgrade: foo\r\n\r\nEARLY`
          : `CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\nEARLY`;
      const sock = net.connect(port, '127.0.0.1');
      let text = '';
      sock.on('data', (d) => {
        text += d.toString('latin1');
        if (text.includes('head=EARLY]') && !text.includes('[echo')) sock.write('LATER');
      });
      sock.write(start);
      await once(sock, 'close');
      await closeServer(server);
      return text;
    });
    assert.equal(r.trama, r.node);
    assert.match(r.trama, /\[echo LATER\]$/);
  });
}

test('Upgrade with no upgrade listener is served as a plain request, then the connection closes', async () => {
  const r = await both((lib) =>
    serveRaw(lib, (req, res) => res.end(`plain upgrade=${(req as unknown as { upgrade: boolean }).upgrade}`), [`GET / HTTP/1.1\r\n${H}Connection: Upgrade\r\nUpgrade: foo\r\n\r\nGET /2 HTTP/1.1\r\n${H}Connection: close\r\n\r\n`]),
  );
  assert.equal(r.trama.text, r.node.text);
});

test('CONNECT with no connect listener: the socket is destroyed', async () => {
  const r = await both((lib) => serveRaw(lib, (_q, res) => res.end('x'), ['CONNECT a:1 HTTP/1.1\r\nHost: a:1\r\n\r\n']));
  assert.deepEqual(r.trama, r.node);
  assert.equal(r.trama.text, '');
});

// Client errors: node's default answers, and the clientError arguments.
const badInputs: [string, string, number][] = [
  ['garbage request line', 'HELLO\r\n\r\n', 400],
  ['bad header name', `GET / HTTP/1.1\r\n${H}Bad Name: x\r\n\r\n`, 400],
  ['bad chunk size', `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\nzz\r\n`, 400],
  ['header overflow', `GET / HTTP/1.1\r\n${H}X-Big: ${'a'.repeat(20000)}\r\n\r\n`, 431],
  ['CL + TE', `POST / HTTP/1.1\r\n${H}Content-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`, 400],
];
for (const [name, raw, status] of badInputs) {
  test(`clientError default answer: ${name} → ${status} and close`, async () => {
    const handler: http.RequestListener = (q, res) => {
      q.resume();
      q.on('end', () => res.end('ok'));
    };
    const r = await both((lib) => serveRaw(lib, handler, [raw]));
    assert.equal(r.node.text, `HTTP/1.1 ${status} ${status === 400 ? 'Bad Request' : 'Request Header Fields Too Large'}\r\nConnection: close\r\n\r\n`);
    assert.equal(r.trama.text, r.node.text);
    assert.equal(r.trama.closed, true);
  });
}

test('clientError listener gets err.code, reason, rawPacket, bytesParsed and the socket', async () => {
  const r = await both(async (lib) => {
    const server = lib.createServer((_q, res) => res.end('ok'));
    const got = new Promise<Record<string, unknown>>((resolve) => {
      server.on('clientError', (err: Error & { code: string; reason: string; rawPacket: Buffer; bytesParsed: number }, socket: net.Socket) => {
        socket.end('HTTP/1.1 400 Custom\r\n\r\n');
        resolve({ code: err.code, message: err.message.startsWith('Parse Error: '), isBuffer: Buffer.isBuffer(err.rawPacket), raw: err.rawPacket?.toString(), bytesParsed: err.bytesParsed, isSocket: socket instanceof net.Socket });
      });
    });
    const port = await listen(server);
    const ex = await rawExchange(port, [`GET / HTTP/1.1\r\n${H}Bad Name: x\r\n\r\n`]);
    const info = await got;
    await closeServer(server);
    return { info, text: ex.text };
  });
  assert.deepEqual(r.trama, r.node);
});

test('a bad request on one connection does not disturb another', async () => {
  const server = TRAMA_HTTP.createServer((req, res) => res.end(`ok ${req.url}`));
  const port = await listen(server);
  const good = net.connect(port, '127.0.0.1');
  await once(good, 'connect');
  good.write(`GET /1 HTTP/1.1\r\n${H}\r\n`);
  await once(good, 'data');
  const bad = await rawExchange(port, ['\x00\x01garbage\r\n\r\n']);
  assert.match(bad.text, /^HTTP\/1\.1 400 Bad Request/);
  good.write(`GET /2 HTTP/1.1\r\n${H}\r\n`);
  const d = (await once<Buffer>(good, 'data')).toString();
  assert.match(d, /ok \/2$/);
  good.destroy();
  await closeServer(server);
});

test('maxRequestsPerSocket: dropRequest event and 503', async () => {
  const r = await both(async (lib) => {
    const log: string[] = [];
    const res = await serveRaw(lib, (_q, res) => res.end('ok'), [`GET /1 HTTP/1.1\r\n${H}\r\nGET /2 HTTP/1.1\r\n${H}\r\n`], {
      setup: (s) => {
        s.maxRequestsPerSocket = 1;
        s.on('dropRequest', (req: http.IncomingMessage, socket: net.Socket) => log.push(`dropRequest ${req.url} ${socket instanceof net.Socket}`));
      },
      until: (t) => t.includes('503'),
    });
    return { log, text: res.text };
  });
  assert.deepEqual(r.trama, r.node);
});

test('server.listening, listen({port, host}) and a unix socket path', async () => {
  const server = TRAMA_HTTP.createServer((_q, res) => res.end('unix'));
  assert.equal(server.listening, false);
  const path = `/tmp/trama-test-${process.pid}-${Date.now()}.sock`;
  await new Promise<void>((resolve) => server.listen(path, resolve));
  assert.equal(server.listening, true);
  const text = await new Promise<string>((resolve) => {
    const s = net.connect(path);
    let t = '';
    s.on('data', (d) => (t += d));
    s.on('end', () => resolve(t));
    s.write(`GET / HTTP/1.1\r\n${H}Connection: close\r\n\r\n`);
  });
  assert.match(text, /unix$/);
  await closeServer(server);
  assert.equal(server.listening, false);
  const s2 = TRAMA_HTTP.createServer();
  await new Promise<void>((resolve) => s2.listen({ port: 0, host: '127.0.0.1' }, resolve));
  assert.equal(typeof (s2.address() as net.AddressInfo).port, 'number');
  await closeServer(s2);
});

test('createServer options: node defaults', () => {
  const check = (lib: ServerLib): unknown[] => {
    const s = lib.createServer();
    return [s.timeout, s.keepAliveTimeout, s.requestTimeout, s.headersTimeout, s.maxHeadersCount, s.maxRequestsPerSocket, s.listening];
  };
  const [n, t] = [check(NODE_HTTP), check(TRAMA_HTTP)];
  assert.deepEqual(t, n);
});

test('Symbol.asyncDispose closes the server', async () => {
  const server = TRAMA_HTTP.createServer();
  await listen(server);
  await (server as unknown as { [Symbol.asyncDispose](): Promise<void> })[Symbol.asyncDispose]();
  assert.equal(server.listening, false);
});

test('maxHeaderSize option: crossing it gets 431 (maxHeadersCount only limits what is exposed: node-parity.test.ts)', async () => {
  const small = await serveRaw(TRAMA_HTTP, (_q, res) => res.end('ok'), [`GET / HTTP/1.1\r\n${H}X-A: ${'a'.repeat(200)}\r\n\r\n`], {
    serverOptions: { maxHeaderSize: 128 },
  });
  assert.match(small.text, /^HTTP\/1\.1 431 /);
  const fits = await serveRaw(TRAMA_HTTP, (_q, res) => res.end('ok'), [`GET / HTTP/1.1\r\n${H}X-A: a\r\nConnection: close\r\n\r\n`], {
    serverOptions: { maxHeaderSize: 128 },
  });
  assert.match(fits.text, /^HTTP\/1\.1 200 /);
});

test('maxHeaderSize export and setMaxIdleHTTPParsers validation match node', async () => {
  const nodeHttp = await import('node:http');
  const trama = await import('../../src/index.js');
  assert.equal(trama.maxHeaderSize, nodeHttp.maxHeaderSize);
  for (const bad of [0, -1, 'x']) {
    const n = (() => { try { nodeHttp.setMaxIdleHTTPParsers(bad as number); return 'ok'; } catch (e) { return `${(e as Error).name} ${(e as { code?: string }).code}`; } })();
    const t = (() => { try { trama.setMaxIdleHTTPParsers(bad as number); return 'ok'; } catch (e) { return `${(e as Error).name} ${(e as { code?: string }).code}`; } })();
    assert.equal(t, n, String(bad));
  }
  trama.setMaxIdleHTTPParsers(1000);
});

test('createServer options: requireHostHeader, insecureHTTPParser, rejectNonStandardBodyWrites, highWaterMark, noDelay', async () => {
  const r = await both(async (lib) => {
    const noHost = await serveRaw(lib, (_q, res) => res.end('ok'), ['GET / HTTP/1.1\r\nConnection: close\r\n\r\n'], {
      serverOptions: { requireHostHeader: false },
    });
    const lenient = await serveRaw(lib, (_q, res) => res.end('ok'), ['GET / HTTP/1.1\nHost: x\nConnection: close\n\n'], {
      serverOptions: { insecureHTTPParser: true },
    });
    const strict = await serveRaw(lib, (_q, res) => res.end('ok'), ['GET / HTTP/1.1\nHost: x\nConnection: close\n\n']);
    let thrown = '';
    const head = await serveRaw(
      lib,
      (_q, res) => {
        try {
          res.write('x');
        } catch (e) {
          thrown = (e as { code: string }).code;
        }
        res.end();
      },
      ['HEAD / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'],
      { serverOptions: { rejectNonStandardBodyWrites: true } as http.ServerOptions },
    );
    let hwm = 0;
    let noDelayOk = false;
    await serveRaw(
      lib,
      (req, res) => {
        hwm = res.writableHighWaterMark;
        noDelayOk = typeof req.socket.setNoDelay === 'function';
        res.end();
      },
      ['GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'],
      { serverOptions: { highWaterMark: 1024, noDelay: true } as http.ServerOptions },
    );
    return { noHost: noHost.text, lenient: lenient.text, strict: strict.text.slice(0, 24), thrown, head: head.text, hwm, noDelayOk };
  });
  assert.deepEqual(r.trama, r.node);
  assert.equal(r.trama.thrown, 'ERR_HTTP_BODY_NOT_ALLOWED');
  assert.equal(r.trama.hwm, 1024);
});

test("server.emit('connection', duplex): any Duplex can carry HTTP/1.1 (no native handle)", async () => {
  const { Duplex } = await import('node:stream');
  const r = await both(async (lib) => {
    const server = lib.createServer((req, res) => res.end(`duplex ${req.url}`));
    let out = '';
    const done = new Promise<void>((resolve) => {
      const duplex = new Duplex({
        read() {},
        write(chunk: Buffer, _enc, cb) {
          out += chunk.toString('latin1');
          if (out.includes('duplex /b')) resolve();
          cb();
        },
      });
      server.emit('connection', duplex);
      duplex.push(`GET /a HTTP/1.1\r\n${H}\r\n`);
      duplex.push(`GET /b HTTP/1.1\r\n${H}\r\n`);
    });
    await done;
    server.close();
    return out.replace(/Date: [^\r]*/g, 'Date: <date>');
  });
  assert.equal(r.trama, r.node);
});

test('Server is callable without new, as node: Server(listener) returns a working server', async () => {
  const r = await both(async (lib) => {
    const make = lib.Server as unknown as (l: http.RequestListener) => http.Server;
    const server = make((_req, res) => res.end('called'));
    class Sub extends lib.Server {}
    const sub = new Sub();
    const port = await listen(server);
    const ex = await rawExchange(port, [`GET / HTTP/1.1\r\n${H}Connection: close\r\n\r\n`]);
    await closeServer(server);
    return {
      instance: server instanceof lib.Server,
      name: lib.Server.name,
      sub: sub instanceof lib.Server && sub instanceof Sub,
      body: ex.text.endsWith('\r\n\r\ncalled'),
    };
  });
  assert.deepEqual(r.node, { instance: true, name: 'Server', sub: true, body: true });
  assert.deepEqual(r.trama, r.node);
});
