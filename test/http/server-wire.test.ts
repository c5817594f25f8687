// The bytes a handler puts on the wire, node:http vs trama: the same scenario runs against both
// and the answers must be identical (Date values normalized).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type * as http from 'node:http';
import { both, serveRaw } from '../support/node-vs-trama.js';

const H = 'Host: x\r\n';
const CLOSE = `GET /close HTTP/1.1\r\n${H}Connection: close\r\n\r\n`;

interface Case {
  name: string;
  handler: http.RequestListener;
  send: string[];
  serverOptions?: http.ServerOptions;
}

const slowEnd = (res: http.ServerResponse, body: string, ms = 20): void => {
  setTimeout(() => res.end(body), ms);
};

const cases: Case[] = [
  { name: 'end(string) gets Content-Length', handler: (_q, r) => r.end('hello'), send: [`GET / HTTP/1.1\r\n${H}\r\n`, CLOSE] },
  {
    name: 'write + end: chunked',
    handler: (_q, r) => {
      r.setHeader('X-A', '1');
      r.write('ab');
      r.end('cd');
    },
    send: [`GET / HTTP/1.1\r\n${H}\r\n`, CLOSE],
  },
  { name: 'writeHead then end(): chunked empty body', handler: (_q, r) => { r.writeHead(201, { 'x-y': 'z' }); r.end(); }, send: [`GET / HTTP/1.1\r\n${H}\r\n`, CLOSE] },
  { name: 'writeHead with a flat array and a reason', handler: (_q, r) => { r.writeHead(299, 'Fine', ['A', '1', 'a', '2', 'Set-Cookie', 'x=1']); r.end('z'); }, send: [`GET / HTTP/1.1\r\n${H}\r\n`, CLOSE] },
  { name: 'writeHead with [[k, v]] pairs', handler: (_q, r) => { r.writeHead(200, [['A', '1'], ['B', '2']] as unknown as http.OutgoingHttpHeaders); r.end('z'); }, send: [`GET / HTTP/1.1\r\n${H}\r\n`, CLOSE] },
  { name: 'setHeader + writeHead object merge', handler: (_q, r) => { r.setHeader('A', '1'); r.setHeader('B', ['x', 'y']); r.writeHead(200, { A: '2', C: 3 }); r.end(); }, send: [`GET / HTTP/1.1\r\n${H}\r\n`, CLOSE] },
  { name: 'user Content-Length', handler: (_q, r) => { r.setHeader('content-length', 3); r.end('abc'); }, send: [`GET / HTTP/1.1\r\n${H}\r\n`, CLOSE] },
  { name: 'trailers', handler: (_q, r) => { r.setHeader('Trailer', 'x-t'); r.write('a'); r.addTrailers({ 'x-t': 'v' }); r.end(); }, send: [`GET / HTTP/1.1\r\n${H}\r\n`, CLOSE] },
  { name: 'HEAD has no body', handler: (_q, r) => r.end('hello'), send: [`HEAD / HTTP/1.1\r\n${H}\r\n`, CLOSE] },
  { name: '204 and 304 have no body', handler: (q, r) => { r.statusCode = q.url === '/a' ? 204 : 304; r.end(); }, send: [`GET /a HTTP/1.1\r\n${H}\r\n`, `GET /b HTTP/1.1\r\n${H}\r\n`, CLOSE] },
  { name: 'HTTP/1.0 keep-alive with Content-Length', handler: (_q, r) => { r.setHeader('content-length', 2); r.end('ok'); }, send: ['GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n', CLOSE] },
  { name: 'HTTP/1.0 end(string): close-delimited', handler: (_q, r) => r.end('hello'), send: ['GET / HTTP/1.0\r\n\r\n'] },
  { name: 'HTTP/1.0 with TE: chunked may get chunked', handler: (_q, r) => { r.write('a'); r.end('b'); }, send: ['GET / HTTP/1.0\r\nTE: chunked\r\n\r\n'] },
  { name: 'Connection: close from the client', handler: (_q, r) => r.end('x'), send: [`GET / HTTP/1.1\r\n${H}Connection: close\r\n\r\n`] },
  { name: 'handler sets Connection: close', handler: (_q, r) => { r.setHeader('Connection', 'close'); r.end('x'); }, send: [`GET / HTTP/1.1\r\n${H}\r\n`] },
  { name: 'removeHeader(date) and sendDate=false', handler: (q, r) => { if (q.url === '/a') r.removeHeader('Date'); else r.sendDate = false; r.end(); }, send: [`GET /a HTTP/1.1\r\n${H}\r\n`, `GET /b HTTP/1.1\r\n${H}\r\n`, CLOSE] },
  { name: 'removeHeader(transfer-encoding): close-delimited', handler: (_q, r) => { r.removeHeader('transfer-encoding'); r.write('a'); r.end('b'); }, send: [`GET / HTTP/1.1\r\n${H}\r\n`] },
  {
    name: 'pipelining: a slow first response keeps its place',
    handler: (q, r) => (q.url === '/slow' ? slowEnd(r, 'slow') : r.end(q.url)),
    send: [`GET /slow HTTP/1.1\r\n${H}\r\nGET /a HTTP/1.1\r\n${H}\r\nGET /b HTTP/1.1\r\n${H}\r\n` + CLOSE],
  },
  {
    name: 'pipelining: later responses streamed while the first is slow',
    handler: (q, r) => {
      if (q.url === '/slow') return slowEnd(r, 'slow', 30);
      r.write('part1-');
      setTimeout(() => r.end('part2'), 5);
    },
    send: [`GET /slow HTTP/1.1\r\n${H}\r\nGET /a HTTP/1.1\r\n${H}\r\n` + CLOSE],
  },
  { name: 'statusMessage set by the handler', handler: (_q, r) => { r.statusCode = 404; r.statusMessage = 'Nope'; r.end(); }, send: [`GET / HTTP/1.1\r\n${H}\r\n`, CLOSE] },
  { name: 'unknown status code gets "unknown"', handler: (_q, r) => { r.statusCode = 599; r.end(); }, send: [`GET / HTTP/1.1\r\n${H}\r\n`, CLOSE] },
  { name: 'keepAliveTimeout and maxRequestsPerSocket in Keep-Alive', handler: (_q, r) => r.end(), send: [`GET / HTTP/1.1\r\n${H}\r\n`, CLOSE], serverOptions: { keepAliveTimeout: 7000 } },
  { name: 'write(buffer) and latin1/hex/base64 encodings', handler: (_q, r) => { r.write(Buffer.from('buf')); r.write('ff00', 'hex'); r.write('aGk=', 'base64'); r.write('\u00e9', 'latin1'); r.end('\u00e9'); }, send: [`GET / HTTP/1.1\r\n${H}\r\n`, CLOSE] },
  { name: 'flushHeaders then end', handler: (_q, r) => { r.flushHeaders(); setTimeout(() => r.end('late'), 5); }, send: [`GET / HTTP/1.1\r\n${H}\r\n`, CLOSE] },
  { name: 'writeProcessing and writeEarlyHints', handler: (_q, r) => { r.writeProcessing(); r.writeEarlyHints({ link: ['</a.css>; rel=preload; as=style', '</b.js>; rel=preload; as=script'], 'x-h': '1' }); r.end('x'); }, send: [`GET / HTTP/1.1\r\n${H}\r\n`, CLOSE] },
  { name: 'Expect: 100-continue gets 100 then the answer', handler: (q, r) => { let n = 0; q.on('data', (d: Buffer) => (n += d.length)); q.on('end', () => r.end(String(n))); }, send: [`POST / HTTP/1.1\r\n${H}Expect: 100-continue\r\nContent-Length: 3\r\nConnection: close\r\n\r\nabc`] },
  { name: 'unknown Expect gets 417', handler: (_q, r) => r.end('no'), send: [`GET / HTTP/1.1\r\n${H}Expect: teapot\r\nConnection: close\r\n\r\n`] },
  { name: 'chunked request body with trailers', handler: (q, r) => { let b = ''; q.setEncoding('utf8'); q.on('data', (d: string) => (b += d)); q.on('end', () => r.end(`${b}|${JSON.stringify(q.trailers)}|${JSON.stringify(q.rawTrailers)}`)); }, send: [`POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\nX-T: 1\r\nx-t: 2\r\n\r\n`] },
  { name: 'request headers: node duplicate rules', handler: (q, r) => r.end(JSON.stringify([q.headers, q.headersDistinct, q.rawHeaders, q.httpVersion, q.method, q.url])), send: [`GET /p?q=1 HTTP/1.1\r\nHost: x\r\nSet-Cookie: a\r\nset-cookie: b\r\nCookie: c=1\r\ncookie: d=2\r\nX-L: 1\r\nx-l: 2\r\nContent-Type: a\r\ncontent-type: b\r\nUser-Agent: u1\r\nUser-Agent: u2\r\nConnection: close\r\n\r\n`] },
  { name: 'joinDuplicateHeaders', handler: (q, r) => r.end(JSON.stringify(q.headers)), send: [`GET / HTTP/1.1\r\nHost: x\r\nContent-Type: a\r\ncontent-type: b\r\nConnection: close\r\n\r\n`], serverOptions: { joinDuplicateHeaders: true } },
  { name: 'uniqueHeaders joins arrays with "; "', handler: (_q, r) => { r.setHeader('x-u', ['a', 'b']); r.setHeader('x-n', ['a', 'b']); r.end(); }, send: [`GET / HTTP/1.1\r\n${H}\r\n`, CLOSE], serverOptions: { uniqueHeaders: ['X-U'] } },
  { name: 'maxRequestsPerSocket: Connection: close on the last, 503 after', handler: (_q, r) => r.end('ok'), send: [`GET / HTTP/1.1\r\n${H}\r\nGET / HTTP/1.1\r\n${H}\r\nGET / HTTP/1.1\r\n${H}\r\n`], serverOptions: {} },
];

for (const c of cases) {
  test(`wire parity: ${c.name}`, async () => {
    const r = await both((lib) =>
      serveRaw(lib, c.handler, c.send, {
        serverOptions: c.serverOptions,
        setup: c.name.startsWith('maxRequestsPerSocket') ? (s) => (s.maxRequestsPerSocket = 2) : undefined,
      }),
    );
    assert.equal(r.trama.text, r.node.text);
    assert.equal(r.trama.closed, r.node.closed);
    assert.ok(r.node.text.length > 0);
  });
}

// Node 20 keeps only the last value here (setHeader per pair); Node 22+ (and the Node 23 docs the
// API follows: "the same format as rawHeaders") keep explicit duplicates. trama does the latter.
test('setHeader + writeHead flat array keeps explicit duplicates (Node 22+ behaviour)', async () => {
  const { TRAMA_HTTP } = await import('../support/node-vs-trama.js');
  const r = await serveRaw(TRAMA_HTTP, (_q, res) => {
    res.setHeader('A', '1');
    res.writeHead(200, ['A', '2', 'A', '3']);
    res.end();
  }, [`GET / HTTP/1.1\r\n${H}Connection: close\r\n\r\n`]);
  assert.match(r.text, /^HTTP\/1\.1 200 OK\r\nA: 2\r\nA: 3\r\nDate: <date>\r\nConnection: close\r\n/);
});

test('cork/uncork, write callbacks, writableLength/Corked and finish order match node', async () => {
  const r = await both(async (lib) => {
    const log: string[] = [];
    const ex = await serveRaw(
      lib,
      (_q, res) => {
        res.cork();
        log.push(`corked=${res.writableCorked}`);
        res.write('a', () => log.push('cb a'));
        res.write('b', () => log.push('cb b'));
        res.uncork();
        log.push(`uncorked=${res.writableCorked}`);
        res.on('finish', () => log.push(`finish ${res.writableFinished}`));
        res.end('c', () => log.push('cb end'));
        log.push(`ended ${res.writableEnded} ${res.finished}`);
      },
      [`GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`],
    );
    await new Promise((resolve) => setImmediate(resolve));
    return { log, text: ex.text };
  });
  assert.deepEqual(r.trama, r.node);
});

test('a large streamed response with backpressure arrives whole (drain events)', async () => {
  const r = await both(async (lib) => {
    let drains = 0;
    const ex = await serveRaw(
      lib,
      (_q, res) => {
        const chunk = 'z'.repeat(64 * 1024);
        let left = 64;
        const pump = (): void => {
          while (left > 0) {
            left--;
            if (left === 0) return void res.end(chunk);
            if (!res.write(chunk)) return;
          }
        };
        res.on('drain', () => {
          drains++;
          pump();
        });
        pump();
      },
      [`GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`],
    );
    return { length: ex.text.length, drained: drains > 0 };
  });
  assert.deepEqual(r.trama, r.node);
});
