// The sans-I/O HTTP/2 engine against node:http2, over real sockets, both directions.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import { createHash } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { header, startTramaH2Server, tramaH2Requests } from '../support/h2-net-driver.js';

const sha = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

function bigBody(n: number): Buffer {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = (i * 31 + 7) & 0xff;
  return b;
}

/** A GET through a node:http2 client session, body as text. */
function getText(client: http2.ClientHttp2Session, path: string): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    const req = client.request({ ':path': path });
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString()));
    req.on('error', reject);
    req.end();
  });
}

async function nodeServer(onStream: (stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders) => void) {
  const server = http2.createServer();
  server.on('stream', onStream);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, port: (server.address() as AddressInfo).port, close: () => new Promise<void>((r) => server.close(() => r())) };
}

test('our client → node:http2 server: GET, POST echo of 2 MiB, trailers, 60 concurrent streams', async () => {
  const big = bigBody(2 * 1024 * 1024);
  const { port, close } = await nodeServer((stream, headers) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => {
      const body = Buffer.concat(chunks);
      if (headers[':path'] === '/trailers') {
        stream.respond({ ':status': 200 }, { waitForTrailers: true });
        stream.on('wantTrailers', () => stream.sendTrailers({ 'x-sum': sha(body) }));
        stream.end('with trailers');
        return;
      }
      stream.respond({ ':status': 200, 'x-method': String(headers[':method']), 'x-len': String(body.length) });
      stream.end(headers[':method'] === 'POST' ? body : `hello ${headers[':path']}`);
    });
  });
  try {
    const requests = [
      { path: '/a' },
      { path: '/echo', body: big },
      { path: '/trailers', body: 'abc' },
      ...Array.from({ length: 60 }, (_, i) => ({ path: `/many/${i}` })),
    ];
    const { responses } = await tramaH2Requests(port, requests);
    assert.equal(responses[0]!.status, 200);
    assert.equal(responses[0]!.body.toString(), 'hello /a');
    assert.equal(header(responses[1]!.headers, 'x-len'), String(big.length));
    assert.equal(sha(responses[1]!.body), sha(big));
    assert.deepEqual(responses[2]!.trailers, [['x-sum', sha('abc')]]);
    for (let i = 0; i < 60; i++) assert.equal(responses[3 + i]!.body.toString(), `hello /many/${i}`);
  } finally {
    await close();
  }
});

test('our client ← node:http2 server push: PUSH_PROMISE then the pushed response', async () => {
  const { port, close } = await nodeServer((stream) => {
    stream.pushStream({ ':path': '/style.css' }, (err, push) => {
      assert.ifError(err);
      push.respond({ ':status': 200, 'content-type': 'text/css' });
      push.end('body { color: red }');
      stream.respond({ ':status': 200 });
      stream.end('<html>');
    });
  });
  try {
    const { responses, pushes } = await tramaH2Requests(port, [{ path: '/index.html' }]);
    assert.equal(responses[0]!.body.toString(), '<html>');
    assert.equal(pushes.length, 1);
    assert.equal(pushes[0]!.path, '/style.css');
    assert.equal(pushes[0]!.body.toString(), 'body { color: red }');
  } finally {
    await close();
  }
});

test('node:http2 client → our server: concurrent requests with bodies, trailers, a reset', async () => {
  const big = bigBody(3 * 1024 * 1024 + 17);
  const srv = await startTramaH2Server((req) => {
    const path = header(req.headers, ':path')!;
    if (path === '/echo') return { status: 200, headers: [['x-len', String(req.body.length)]], body: req.body };
    if (path === '/trailers') return { status: 200, body: 'ok', trailers: [['x-req-trailer', header(req.trailers ?? [], 'x-t') ?? 'none']] };
    return { status: 404, body: 'nope' };
  });
  const client = http2.connect(`http://127.0.0.1:${srv.port}`);
  try {
    const call = (path: string, body?: Buffer | string, trailers?: Record<string, string>) =>
      new Promise<{ status: number; headers: http2.IncomingHttpHeaders; body: Buffer; trailers: http2.IncomingHttpHeaders | null }>((resolve, reject) => {
        const req = client.request({ ':method': body === undefined ? 'GET' : 'POST', ':path': path }, { waitForTrailers: Boolean(trailers) });
        let headers: http2.IncomingHttpHeaders = {};
        let tr: http2.IncomingHttpHeaders | null = null;
        const chunks: Buffer[] = [];
        req.on('response', (h) => { headers = h; });
        req.on('trailers', (t) => { tr = t; });
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => resolve({ status: Number(headers[':status']), headers, body: Buffer.concat(chunks), trailers: tr }));
        req.on('error', reject);
        if (trailers) req.on('wantTrailers', () => req.sendTrailers(trailers));
        if (body === undefined) req.end();
        else req.end(body);
      });
    const [echo, trailers, missing, ...many] = await Promise.all([
      call('/echo', big),
      call('/trailers', 'x', { 'x-t': 'sent' }),
      call('/missing'),
      ...Array.from({ length: 50 }, (_, i) => call('/echo', `body ${i}`)),
    ]);
    assert.equal(echo!.status, 200);
    assert.equal(echo!.headers['x-len'], String(big.length));
    assert.equal(sha(echo!.body), sha(big));
    assert.equal(trailers!.body.toString(), 'ok');
    assert.equal(trailers!.trailers?.['x-req-trailer'], 'sent');
    assert.equal(missing!.status, 404);
    many.forEach((r, i) => assert.equal(r.body.toString(), `body ${i}`));

    // A request node resets mid-upload leaves the connection usable.
    const aborted = client.request({ ':method': 'POST', ':path': '/echo' });
    aborted.on('error', () => {});
    aborted.write(Buffer.alloc(1000));
    aborted.close(http2.constants.NGHTTP2_CANCEL);
    const after = await call('/echo', 'still alive');
    assert.equal(after.body.toString(), 'still alive');
  } finally {
    client.close();
    await srv.close();
  }
});

test('node:http2 client ← our server push', async () => {
  const srv = await startTramaH2Server(() => ({ status: 200, body: '<html>', push: [{ path: '/app.js', body: 'console.log(1)' }] }));
  const client = http2.connect(`http://127.0.0.1:${srv.port}`);
  try {
    const pushed = new Promise<{ path: string; body: string }>((resolve) => {
      client.on('stream', (stream, headers) => {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => resolve({ path: String(headers[':path']), body: Buffer.concat(chunks).toString() }));
      });
    });
    assert.equal(await getText(client, '/'), '<html>');
    assert.deepEqual(await pushed, { path: '/app.js', body: 'console.log(1)' });
  } finally {
    client.close();
    await srv.close();
  }
});

test('node:http2 client: graceful GOAWAY from our server after the exchange', async () => {
  const srv = await startTramaH2Server((req) => {
    req.conn.startGracefulShutdown();
    return { status: 200, body: 'bye' };
  });
  const client = http2.connect(`http://127.0.0.1:${srv.port}`);
  try {
    const goaway = new Promise<number>((resolve) => client.on('goaway', (code) => resolve(code)));
    assert.equal(await getText(client, '/'), 'bye');
    assert.equal(await goaway, 0);
  } finally {
    client.close();
    await srv.close();
  }
});
