// IncomingMessage on its own and as the server builds it: node's header rules, lazy headers,
// trailers, versions, and the socket/connection/setTimeout members.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type * as http from 'node:http';
import type { Socket } from 'node:net';
import { LIBS, TRAMA_HTTP, serveRaw, both } from '../support/node-vs-trama.js';

const RAW = [
  'Host', 'x', 'Set-Cookie', 'a=1', 'set-cookie', 'b=2', 'Cookie', 'c=1', 'COOKIE', 'd=2',
  'Accept', 'text/html', 'accept', 'text/plain', 'Content-Type', 'a/b', 'content-type', 'c/d',
  'Authorization', 'one', 'authorization', 'two', 'X-Custom', '1', 'x-custom', '2', 'Age', '1', 'age', '2',
  'Referer', 'r1', 'Referer', 'r2', 'Server', 's1', 'server', 's2', 'Etag', 'e1', 'ETag', 'e2',
];

for (const join of [false, true]) {
  test(`headers/headersDistinct/trailers match node's duplicate rules (joinDuplicateHeaders=${join})`, async () => {
    let head = 'POST / HTTP/1.1\r\n';
    for (let i = 0; i < RAW.length; i += 2) head += `${RAW[i]}: ${RAW[i + 1]}\r\n`;
    const body = 'Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n1\r\na\r\n0\r\nX-T: 1\r\nx-t: 2\r\nX-Other: z\r\n\r\n';
    const r = await both((lib) =>
      serveRaw(
        lib,
        (req, res) => {
          req.resume();
          req.on('end', () => res.end(JSON.stringify([req.headers, req.headersDistinct, req.trailers, req.trailersDistinct, Object.getPrototypeOf(req.headersDistinct) === null])));
        },
        [head + body],
        { serverOptions: { joinDuplicateHeaders: join } },
      ),
    );
    assert.equal(r.trama.text, r.node.text);
    assert.match(r.trama.text, /"set-cookie":\["a=1","b=2"\]/);
  });
}

test('a standalone IncomingMessage builds headers from rawHeaders on first read', () => {
  const m = new TRAMA_HTTP.IncomingMessage(null as unknown as Socket);
  m.rawHeaders = RAW.slice();
  assert.deepEqual(m.headers.cookie, 'c=1; d=2');
  assert.deepEqual(m.headers['set-cookie'], ['a=1', 'b=2']);
  assert.equal(m.headers['content-type'], 'a/b');
  assert.equal(m.headers.accept, 'text/html, text/plain');
  assert.deepEqual(m.headersDistinct.authorization, ['one', 'two']);
});

test('headers is a cached, assignable property (built lazily)', () => {
  const m = new TRAMA_HTTP.IncomingMessage(null as unknown as Socket);
  m.rawHeaders = ['A', '1'];
  const h = m.headers;
  assert.equal(m.headers, h, 'same object on every read');
  m.headers = { replaced: 'yes' };
  assert.deepEqual(m.headers, { replaced: 'yes' });
  m.trailers = { t: '1' };
  assert.deepEqual(m.trailers, { t: '1' });
});

test('fresh IncomingMessage fields match node', () => {
  const got = LIBS.map((lib) => {
    const m = new lib.IncomingMessage(null as unknown as Socket) as http.IncomingMessage & Record<string, unknown>;
    return [m.httpVersion, m.httpVersionMajor, m.complete, m.aborted, m.url, m.method, m.statusCode, m.statusMessage, m.rawHeaders, m.rawTrailers, m.upgrade, m.socket, m.connection, m._consuming, m._dumped];
  });
  assert.deepEqual(got[1], got[0]);
});

test('request fields as the server fills them match node', async () => {
  const r = await both((lib) =>
    serveRaw(
      lib,
      (req, res) => {
        const out = {
          v: [req.httpVersion, req.httpVersionMajor, req.httpVersionMinor],
          m: req.method,
          u: req.url,
          complete: req.complete,
          socketSame: req.socket === req.connection && req.socket === res.socket,
          remote: req.socket.remoteAddress,
          hasTimeout: typeof req.setTimeout,
        };
        req.resume();
        req.on('end', () => res.end(JSON.stringify({ ...out, completeAtEnd: req.complete })));
      },
      ['OPTIONS * HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'],
    ),
  );
  assert.equal(r.trama.text, r.node.text);
});

test('req.setTimeout: the request gets a timeout event while its body stalls', async () => {
  const r = await both((lib) =>
    serveRaw(
      lib,
      (req, res) => {
        req.setTimeout(50, () => res.end('req timed out'));
      },
      ['POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\nConnection: close\r\n\r\nabc'],
    ),
  );
  assert.equal(r.trama.text, r.node.text);
  assert.match(r.trama.text, /req timed out$/);
});

test('req.destroy() mid-body: aborted, close, and the connection closes', async () => {
  const r = await both(async (lib) => {
    const log: string[] = [];
    const ex = await serveRaw(
      lib,
      (req) => {
        req.on('aborted', () => log.push('aborted'));
        req.on('close', () => log.push(`close aborted=${req.aborted}`));
        req.once('data', () => req.destroy());
      },
      ['POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc'],
    );
    return { log, ex };
  });
  assert.deepEqual(r.trama, r.node);
});
