// trama/http2's client against node:http2's client, both driving the same node:http2 server (the
// oracle server): what the application sees — events, their order, headers, trailers, errors.
// Also: TLS (connect to https: with ALPN h2, createSecureServer with allowHTTP1), extended CONNECT
// (RFC 8441 `:protocol`, enableConnectProtocol), and performServerHandshake.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import nodeHttp2 from 'node:http2';
import https from 'node:https';
import net from 'node:net';
import { once } from 'node:events';
import * as tramaHttp2 from '../../src/http2.js';
import { spawn } from 'node:child_process';
import { peerAvailable, selfSignedCert } from '../support/h2-net-driver.js';
import { IMPLS, both, errText, listenPort as listen, logFirstPush, readBody } from '../support/http2-parity.js';

/** The oracle server: echo, trailers, 1xx, push, reset, errors. */
async function oracleServer(): Promise<{ server: nodeHttp2.Http2Server; url: string }> {
  const server = nodeHttp2.createServer();
  server.on('stream', (stream, headers) => {
    const path = headers[':path'];
    if (path === '/echo') {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        stream.additionalHeaders({ ':status': 103, link: '</x>' });
        stream.respond({ ':status': 200, 'x-got': String(Buffer.concat(chunks).length), 'set-cookie': ['a=1', 'b=2'] }, { waitForTrailers: true });
        stream.on('wantTrailers', () => stream.sendTrailers({ 'x-t': 'done' }));
        stream.end(Buffer.concat(chunks));
      });
    } else if (path === '/push') {
      stream.pushStream({ ':path': '/p.css' }, (err, push) => {
        if (err) {
          stream.respond({ ':status': 500 });
          stream.end();
          return;
        }
        push.respond({ ':status': 200 });
        push.end('pushed');
        stream.respond({ ':status': 200 });
        stream.end('parent');
      });
    } else if (path === '/reset') {
      stream.respond({ ':status': 200 });
      stream.write('x');
      stream.once('drain', () => {});
      // node reports its own close with INTERNAL_ERROR as an 'error' on the stream.
      stream.on('error', () => {});
      setImmediate(() => stream.close(nodeHttp2.constants.NGHTTP2_INTERNAL_ERROR));
    } else if (path === '/trailers-in') {
      stream.on('trailers', (t) => {
        stream.respond({ ':status': 200, 'x-saw': String(t['x-up']) });
        stream.end();
      });
      stream.resume();
    } else {
      stream.respond({ ':status': 404 });
      stream.end();
    }
  });
  const port = await listen(server);
  return { server, url: `http://127.0.0.1:${port}` };
}

test('client: request with a body, 103, response, set-cookie, body, trailers; event order and values match node', async () => {
  const { server, url } = await oracleServer();
  try {
    const logs = await both(async (http2, log) => {
      const session = http2.connect(url);
      // node hands a socket proxy as session.socket, trama the socket itself: not compared.
      session.on('connect', (s, socket) => log.push(`connect same=${s === session} socket=${socket !== undefined}`));
      session.on('remoteSettings', (s) => log.push(`remoteSettings maxConcurrentStreams=${s.maxConcurrentStreams}`));
      const req = session.request({ ':method': 'POST', ':path': '/echo' });
      log.push(`pending=${req.pending} sent=${req.sentHeaders[':method']} ${req.sentHeaders[':path']} ${req.sentHeaders[':scheme']} ${req.sentHeaders[':authority'] === new URL(url).host}`);
      req.on('ready', () => log.push(`ready id=${req.id}`));
      req.on('headers', (h) => log.push(`headers ${h[':status']} ${h.link}`));
      req.on('response', (h, flags) => log.push(`response ${h[':status']} ${typeof h[':status']} x-got=${h['x-got']} cookies=${JSON.stringify(h['set-cookie'])} flags=${flags}`));
      req.on('trailers', (t) => log.push(`trailers ${t['x-t']}`));
      req.on('end', () => log.push('end'));
      req.on('finish', () => log.push('finish'));
      req.write('hello ');
      req.end('world');
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (c: string) => (body += c));
      await new Promise((r) => req.on('close', r));
      log.push(`close body=${body} rst=${req.rstCode} closed=${req.closed} destroyed=${req.destroyed}`);
      await new Promise<void>((r) => session.close(() => r()));
      log.push(`session closed=${session.closed} destroyed=${session.destroyed}`);
    });
    assert.deepEqual(logs.trama, logs.node);
  } finally {
    server.close();
  }
});

test('client: push via session \'stream\' and the pushed stream\'s \'push\'; a server reset → ERR_HTTP2_STREAM_ERROR; request trailers', async () => {
  const { server, url } = await oracleServer();
  try {
    const logs = await both(async (http2, log) => {
      const session = http2.connect(url);
      const pushed = logFirstPush(session, log, 'stream');
      const req = session.request({ ':path': '/push' });
      req.end();
      const body = await readBody(req);
      await pushed;
      log.push(`parent ${body}`);

      const r2 = session.request({ ':path': '/reset' });
      r2.end();
      r2.resume();
      r2.on('aborted', () => log.push('aborted'));
      r2.on('error', (e: Error & { code?: string }) => log.push(`error ${e.code} ${e.message}`));
      await new Promise((r) => r2.on('close', r));
      log.push(`reset rst=${r2.rstCode}`);

      const r3 = session.request({ ':method': 'POST', ':path': '/trailers-in' }, { waitForTrailers: true });
      r3.on('wantTrailers', () => {
        log.push('wantTrailers');
        r3.sendTrailers({ 'x-up': 'u1' });
      });
      r3.end('body');
      const [h] = (await once(r3, 'response')) as [nodeHttp2.IncomingHttpHeaders];
      log.push(`server saw trailer ${h['x-saw']} sentTrailers=${JSON.stringify(r3.sentTrailers)}`);
      r3.resume();
      await new Promise((r) => r3.on('close', r));
      session.close();
    });
    assert.deepEqual(logs.trama, logs.node);
  } finally {
    server.close();
  }
});

test('client: node\'s errors — bad headers, CONNECT rules, a closed session, ping length, unsupported protocol', async () => {
  const { server, url } = await oracleServer();
  try {
    const logs = await both(async (http2, log) => {
      log.push(errText(() => http2.connect('ftp://127.0.0.1:1')));
      const session = http2.connect(url);
      await once(session, 'remoteSettings');
      log.push(errText(() => session.request({ connection: 'close' })));
      log.push(errText(() => session.request({ ':method': 'CONNECT', ':path': '/' })));
      log.push(errText(() => session.request({ ':method': 'CONNECT', ':scheme': 'http' })));
      log.push(errText(() => session.request({ ':method': 'CONNECT', ':authority': 'a:1', ':path': '/' })));
      log.push(errText(() => session.ping(Buffer.alloc(3), () => {})));
      const ok = await new Promise<string>((r) => session.ping(Buffer.from('abcdefgh'), (err, _ms, p) => r(`${err} ${p.toString()}`)));
      log.push(`ping ${ok}`);
      session.close();
      log.push(errText(() => session.request({ ':path': '/' })));
      await once(session, 'close');
      log.push(errText(() => session.request({ ':path': '/' })));
    });
    assert.deepEqual(logs.trama, logs.node);
  } finally {
    server.close();
  }
});

test('client: a response pseudo-header in a request throws at once (RFC 9113 §8.3; node sends it and the server resets the stream)', () => {
  const session = tramaHttp2.connect('http://127.0.0.1:1');
  session.on('error', () => {});
  assert.throws(() => session.request({ ':status': 200 }), { code: 'ERR_HTTP2_INVALID_PSEUDOHEADER', message: '":status" is an invalid pseudoheader or is used incorrectly' });
  session.destroy();
});

test('TLS: trama connect() to a node:http2 secure server (ALPN h2), trama createSecureServer to node\'s client; allowHTTP1 serves https', async (t) => {
  const tls = selfSignedCert();
  if (tls === null) return t.skip('openssl is not installed: no certificate for the TLS test');
  const { key, cert } = tls;
  // trama client → node server
  const nodeServer = nodeHttp2.createSecureServer({ key, cert }, (req, res) => res.end(`node over ${req.httpVersion}`));
  const nodePort = await listen(nodeServer);
  const session = tramaHttp2.connect(`https://localhost:${nodePort}`, { ca: cert });
  const [, socket] = (await once(session, 'connect')) as [unknown, { alpnProtocol: string }];
  assert.equal(socket.alpnProtocol, 'h2');
  assert.equal(session.encrypted, true);
  assert.equal(session.alpnProtocol, 'h2');
  const req = session.request({ ':path': '/' });
  req.end();
  let body = '';
  req.on('data', (c) => (body += c));
  await once(req, 'end');
  assert.equal(body, 'node over 2.0');
  session.close();
  nodeServer.close();

  // node client → trama server, and HTTP/1.1 to the same port with allowHTTP1
  // instanceof Http2ServerRequest/Response tells the protocols apart, as with node (@hono/node-server relies on it).
  const server = tramaHttp2.createSecureServer({ key, cert, allowHTTP1: true }, (req2, res) => {
    res.end(`trama over ${req2.httpVersion} ${req2 instanceof tramaHttp2.Http2ServerRequest} ${res instanceof tramaHttp2.Http2ServerResponse}`);
  });
  const port = await listen(server as unknown as net.Server);
  const client = nodeHttp2.connect(`https://localhost:${port}`, { ca: cert });
  const r = client.request({ ':path': '/' });
  r.end();
  let b2 = '';
  r.on('data', (c) => (b2 += c));
  await once(r, 'end');
  assert.equal(b2, 'trama over 2.0 true true');
  client.close();
  const h1 = await new Promise<string>((resolve, reject) => {
    https.get({ host: '127.0.0.1', port, servername: 'localhost', ca: cert, path: '/' }, (res) => {
      let d = '';
      res.on('data', (c) => (d += c));
      res.on('end', () => resolve(d));
    }).on('error', reject);
  });
  assert.equal(h1, 'trama over 1.1 false false');
  await new Promise<void>((resolve) => (server as unknown as net.Server).close(() => resolve()));
});

test('TLS without allowHTTP1: an HTTP/1.1 client is \'unknownProtocol\' (node\'s rule)', async (t) => {
  const tls = selfSignedCert();
  if (tls === null) return t.skip('openssl is not installed: no certificate for the TLS test');
  const server = tramaHttp2.createSecureServer({ key: tls.key, cert: tls.cert });
  const unknown = once(server as unknown as net.Server, 'unknownProtocol');
  const port = await listen(server as unknown as net.Server);
  const req = https.get({ host: '127.0.0.1', port, servername: 'localhost', ca: tls.cert, path: '/' });
  req.on('error', () => {});
  const [sock] = (await unknown) as [{ destroy(): void }];
  sock.destroy();
  await new Promise<void>((resolve) => (server as unknown as net.Server).close(() => resolve()));
});

test('extended CONNECT (RFC 8441): enableConnectProtocol on trama\'s server, `:protocol` from node\'s client and from trama\'s', async () => {
  const server = tramaHttp2.createServer({ settings: { enableConnectProtocol: true } });
  server.on('stream', (stream, headers) => {
    stream.respond({ ':status': 200, 'x-protocol': String(headers[':protocol']), 'x-path': String(headers[':path']) });
    stream.on('data', (c: Buffer) => stream.write(c));
    stream.on('end', () => stream.end());
  });
  const port = await listen(server as unknown as net.Server);
  for (const [, mod] of IMPLS) {
    const session = mod.connect(`http://127.0.0.1:${port}`);
    const [settings] = (await once(session, 'remoteSettings')) as [nodeHttp2.Settings];
    assert.equal(settings.enableConnectProtocol, true);
    const req = session.request({ ':method': 'CONNECT', ':protocol': 'websocket', ':path': '/chat', ':scheme': 'http' });
    const [h] = (await once(req, 'response')) as [nodeHttp2.IncomingHttpHeaders];
    assert.equal(h[':status'], 200);
    assert.equal(h['x-protocol'], 'websocket');
    assert.equal(h['x-path'], '/chat');
    req.end('ping');
    let echo = '';
    req.on('data', (c) => (echo += c));
    await once(req, 'end');
    assert.equal(echo, 'ping');
    session.close();
  }
  await new Promise<void>((resolve) => (server as unknown as net.Server).close(() => resolve()));
});

test('performServerHandshake: a socket from any net.Server becomes a ServerHttp2Session', async () => {
  const plain = net.createServer((socket) => {
    const session = tramaHttp2.performServerHandshake(socket);
    session.on('stream', (stream, headers) => {
      stream.respond({ ':status': 200 });
      stream.end(`handshake ${headers[':path']}`);
    });
  });
  const port = await listen(plain);
  const client = nodeHttp2.connect(`http://127.0.0.1:${port}`);
  const req = client.request({ ':path': '/hs' });
  req.end();
  let body = '';
  req.on('data', (c) => (body += c));
  await once(req, 'end');
  assert.equal(body, 'handshake /hs');
  client.close();
  await once(client, 'close');
  plain.close();
});

test('h2c Upgrade (trama option allowH2CUpgrade): curl --http2 is answered on stream 1 by the stream API, its body read first', async (t) => {
  if (!peerAvailable('curl')) return t.skip('curl is not installed');
  const server = tramaHttp2.createServer({ allowH2CUpgrade: true });
  server.on('stream', (stream, headers) => {
    let body = '';
    stream.setEncoding('utf8');
    stream.on('data', (c: string) => (body += c));
    stream.on('end', () => {
      stream.respond({ ':status': 200 });
      stream.end(`stream ${stream.id} ${headers[':method']} ${headers[':path']} ${body}`);
    });
  });
  const port = await listen(server as unknown as net.Server);
  const out = await new Promise<string>((resolve, reject) => {
    const child = spawn('curl', ['-s', '--http2', '--data', 'up', `http://127.0.0.1:${port}/u`]);
    let s = '';
    child.stdout.on('data', (d) => (s += d));
    child.on('error', reject);
    child.on('close', () => resolve(s));
  });
  assert.equal(out, 'stream 1 POST /u up');
  await new Promise<void>((resolve) => (server as unknown as net.Server).close(() => resolve()));
});
