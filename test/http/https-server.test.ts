// trama/https and createSecureServer: node:https's API over TLS (a tls.Server underneath), every
// tls option passed through (SNICallback, requestCert/ca), 'secureConnection', 'tlsClientError' →
// 'clientError', ALPN choosing the driver, allowHTTP1. node:https is the client (and the oracle
// for the server-side shape). The certificate is generated with openssl at test time.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as nodeHttps from 'node:https';
import tls from 'node:tls';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import * as https from '../../src/https.js';
import { createSecureServer, SecureServer } from '../../src/index.js';
import type { IncomingMessage, ServerResponse } from '../../src/index.js';
import { selfSignedCert } from '../support/h2-net-driver.js';

const creds = selfSignedCert();
if (creds === null && process.env.TRAMA_REQUIRE_PEERS === '1') throw new Error('openssl is required (TRAMA_REQUIRE_PEERS=1) to generate a certificate');
const skip = creds === null ? 'openssl is not installed: cannot generate a test certificate' : false;

async function listen(server: tls.Server): Promise<number> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return (server.address() as AddressInfo).port;
}

async function close(server: tls.Server & { closeAllConnections(): void }): Promise<void> {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
}

function nodeGet(port: number, path: string, extra: nodeHttps.RequestOptions = {}): Promise<{ status: number; body: string; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = nodeHttps.get({ host: '127.0.0.1', port, path, ca: creds!.cert, servername: 'localhost', agent: false, ...extra }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode!, body, headers: res.headers }));
    });
    req.on('error', reject);
  });
}

const echo = (req: IncomingMessage, res: ServerResponse): void => {
  const s = req.socket as tls.TLSSocket;
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify({ v: req.httpVersion, url: req.url, alpn: s.alpnProtocol, encrypted: s.encrypted === true }));
};

test('trama/https exports node:https names; Server is a tls.Server, callable without new', { skip }, async () => {
  for (const name of ['createServer', 'Server', 'request', 'get', 'Agent', 'globalAgent']) {
    assert.ok(name in https, name);
  }
  const server = https.createServer({ key: creds!.key, cert: creds!.cert });
  assert.ok(server instanceof tls.Server);
  assert.ok(server instanceof https.Server);
  assert.equal(server.constructor.name, 'Server');
  const bare = (https.Server as unknown as (o: object) => tls.Server)({ key: creds!.key, cert: creds!.cert });
  assert.ok(bare instanceof tls.Server);
  assert.ok(createSecureServer({ key: creds!.key, cert: creds!.cert }) instanceof SecureServer);
  assert.equal(https.globalAgent.protocol, 'https:');
  assert.equal(new https.Agent().defaultPort, 443);
  // The HTTP server's options and defaults, as on node's https.Server.
  const ref = nodeHttps.createServer({ key: creds!.key, cert: creds!.cert });
  for (const k of ['timeout', 'keepAliveTimeout', 'headersTimeout', 'requestTimeout', 'maxHeadersCount', 'httpAllowHalfOpen'] as const) {
    assert.deepEqual((server as unknown as Record<string, unknown>)[k], (ref as unknown as Record<string, unknown>)[k], k);
  }
  for (const m of ['close', 'closeAllConnections', 'closeIdleConnections', 'setTimeout', 'addContext', 'setSecureContext']) {
    assert.equal(typeof (server as unknown as Record<string, unknown>)[m], 'function', m);
  }
});

test('HTTP/1.1 over TLS: node:https client, same handler; secureConnection fires first', { skip }, async () => {
  const server = https.createServer({ key: creds!.key, cert: creds!.cert }, echo);
  const order: string[] = [];
  server.on('secureConnection', (s: tls.TLSSocket) => order.push(`secure:${s.encrypted}`));
  server.on('request', () => order.push('request'));
  const port = await listen(server);
  try {
    const r = await nodeGet(port, '/a?b=1');
    assert.equal(r.status, 200);
    assert.deepEqual(JSON.parse(r.body), { v: '1.1', url: '/a?b=1', alpn: false, encrypted: true });
    assert.deepEqual(order, ['secure:true', 'request']);
    // Offering ALPN: http/1.1 is chosen when the client offers only it.
    const r2 = await nodeGet(port, '/alpn', { ALPNProtocols: ['http/1.1'] } as nodeHttps.RequestOptions);
    assert.equal(JSON.parse(r2.body).alpn, 'http/1.1');
  } finally {
    await close(server);
  }
});

test("trama/https's request and get reach a TLS server (ca honoured, https: by default)", { skip }, async () => {
  const server = https.createServer({ key: creds!.key, cert: creds!.cert }, (req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (d: string) => (body += d));
    req.on('end', () => res.end(`${req.method} ${body}`));
  });
  const port = await listen(server);
  try {
    const viaGet = await new Promise<string>((resolve, reject) => {
      https.get(`https://localhost:${port}/`, { ca: creds!.cert, agent: false } as never, (res) => {
        let b = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (b += d));
        res.on('end', () => resolve(b));
      }).on('error', reject);
    });
    assert.equal(viaGet, 'GET ');
    const viaRequest = await new Promise<string>((resolve, reject) => {
      const req = https.request({ host: '127.0.0.1', servername: 'localhost', port, method: 'POST', ca: creds!.cert, agent: false } as never, (res) => {
        let b = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (b += d));
        res.on('end', () => resolve(b));
      });
      req.on('error', reject);
      req.end('payload');
    });
    assert.equal(viaRequest, 'POST payload');
    // An untrusted certificate is refused by default, as node:https.
    const err = await new Promise<Error>((resolve) => {
      https.get(`https://127.0.0.1:${port}/`, { agent: false } as never, () => resolve(new Error('unexpected response'))).on('error', resolve);
    });
    assert.match((err as NodeJS.ErrnoException).code ?? '', /SELF_SIGNED|UNABLE_TO_VERIFY|DEPTH_ZERO/);
  } finally {
    await close(server);
  }
});

test('tls options pass through: SNICallback picks the context, requestCert exposes the peer certificate', { skip }, async () => {
  const seen: string[] = [];
  const ctx = tls.createSecureContext({ key: creds!.key, cert: creds!.cert });
  const server = https.createServer(
    {
      SNICallback: (name, cb) => {
        seen.push(name);
        cb(null, ctx);
      },
      requestCert: true,
      rejectUnauthorized: false,
    },
    (req, res) => {
      const s = req.socket as tls.TLSSocket;
      res.end(JSON.stringify({ sni: (s as unknown as { servername: string }).servername, peer: s.getPeerCertificate().subject?.CN ?? null, authorized: s.authorized }));
    },
  );
  const port = await listen(server);
  try {
    const r = await nodeGet(port, '/', { servername: 'localhost', key: creds!.key, cert: creds!.cert });
    assert.deepEqual(JSON.parse(r.body), { sni: 'localhost', peer: 'localhost', authorized: false });
    assert.deepEqual(seen, ['localhost']);
  } finally {
    await close(server);
  }
});

test("a failed handshake is 'tlsClientError' and 'clientError', and the server keeps serving", { skip }, async () => {
  const server = https.createServer({ key: creds!.key, cert: creds!.cert }, echo);
  const port = await listen(server);
  try {
    const tlsErr = once(server, 'tlsClientError');
    const clientErr = once(server, 'clientError');
    // Not TLS at all: a plain-text HTTP request on the TLS port.
    const net = await import('node:net');
    const raw = net.connect(port, '127.0.0.1', () => raw.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n'));
    raw.on('error', () => {});
    const [e1] = await tlsErr;
    const [e2, sock] = await clientErr;
    assert.equal(e1, e2);
    assert.ok(sock instanceof tls.TLSSocket);
    raw.destroy();
    const r = await nodeGet(port, '/after');
    assert.equal(JSON.parse(r.body).url, '/after');
  } finally {
    await close(server);
  }
});

test("allowHTTP1: false refuses a client without ALPN h2: 'unknownProtocol' gets the socket", { skip }, async () => {
  const server = createSecureServer({ key: creds!.key, cert: creds!.cert, allowHTTP1: false, ALPNProtocols: ['h2', 'http/1.1'] }, echo);
  const port = await listen(server);
  try {
    const unknown = once(server, 'unknownProtocol');
    const sock = tls.connect({ port, host: '127.0.0.1', ca: creds!.cert, servername: 'localhost' });
    sock.on('error', () => {});
    const [s] = await unknown;
    assert.ok(s instanceof tls.TLSSocket);
    (s as tls.TLSSocket).end('refused by the application\n');
    let got = '';
    sock.setEncoding('utf8');
    sock.on('data', (d: string) => (got += d));
    await once(sock, 'end');
    assert.equal(got, 'refused by the application\n');
  } finally {
    await close(server);
  }
});

test('ALPN h2: node:http2 reaches the same handler over HTTP/2; a client offering only http/1.1 gets HTTP/1.1', { skip }, async () => {
  const http2 = await import('node:http2');
  const server = createSecureServer({ key: creds!.key, cert: creds!.cert }, echo);
  const port = await listen(server);
  try {
    const client = http2.connect(`https://localhost:${port}`, { ca: creds!.cert });
    const stream = client.request({ ':path': '/h2?x=1' });
    let body = '';
    stream.setEncoding('utf8');
    stream.on('data', (d: string) => (body += d));
    const [headers] = (await once(stream, 'response')) as [Record<string, unknown>];
    await once(stream, 'end');
    assert.equal(headers[':status'], 200);
    assert.deepEqual(JSON.parse(body), { v: '2.0', url: '/h2?x=1', alpn: 'h2', encrypted: true });
    assert.equal(client.alpnProtocol, 'h2');
    client.close();
    const r = await nodeGet(port, '/one', { ALPNProtocols: ['http/1.1'] } as nodeHttps.RequestOptions);
    assert.deepEqual(JSON.parse(r.body), { v: '1.1', url: '/one', alpn: 'http/1.1', encrypted: true });
  } finally {
    await close(server);
  }
});

test('allowHTTP2: false offers only http/1.1; an explicit ALPNProtocols list wins', { skip }, async () => {
  for (const [opts, want] of [
    [{ allowHTTP2: false }, 'http/1.1'],
    [{ ALPNProtocols: ['http/1.1'] }, 'http/1.1'],
    [{}, 'h2'],
  ] as const) {
    const server = createSecureServer({ key: creds!.key, cert: creds!.cert, ...opts }, echo);
    const port = await listen(server);
    try {
      const sock = tls.connect({ port, host: '127.0.0.1', ca: creds!.cert, servername: 'localhost', ALPNProtocols: ['h2', 'http/1.1'] });
      await once(sock, 'secureConnect');
      assert.equal(sock.alpnProtocol, want, JSON.stringify(opts));
      sock.destroy();
    } finally {
      await close(server);
    }
  }
});

test('close() stops the server and closes idle keep-alive TLS connections (borrowed from the HTTP Server)', { skip }, async () => {
  const server = https.createServer({ key: creds!.key, cert: creds!.cert }, echo);
  const port = await listen(server);
  const agent = new nodeHttps.Agent({ keepAlive: true, ca: creds!.cert });
  const r = await nodeGet(port, '/', { agent, servername: 'localhost' } as nodeHttps.RequestOptions);
  assert.equal(r.status, 200);
  const closed = new Promise((res) => server.close(res));
  await closed;
  agent.destroy();
  assert.equal(server.listening, false);
});

test("the 'trama/https' entry loads as ESM and as CommonJS with the same names", async () => {
  const { createRequire } = await import('node:module');
  const { join } = await import('node:path');
  const { REPO_ROOT } = await import('../support/paths.js');
  const require = createRequire(join(REPO_ROOT, 'package.json'));
  const name = 'trama/https'; // through a variable: resolved at run time, from the built package
  const cjs = require(name) as Record<string, unknown>;
  const esm = (await import(name)) as Record<string, unknown>;
  const names = (o: Record<string, unknown>): string[] => Object.keys(o).filter((k) => k !== 'default' && k !== 'module.exports').sort();
  assert.deepEqual(names(cjs), names(esm));
  assert.deepEqual(names(esm), ['Agent', 'Server', 'createServer', 'get', 'globalAgent', 'request']);
});
