// request()/get() over HTTP/2 through an Agent with allowHTTP2 (TLS, ALPN) or http2PriorKnowledge
// (h2c), against node:http2 servers: one session per origin, httpVersion '2.0', bodies both ways,
// trailers both ways, 1xx as 'information', push as 'push' (refused when unheard), request
// destroy resetting one stream only, the default staying HTTP/1.1, and ALPN falling back.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as http2 from 'node:http2';
import * as https from 'node:https';
import { Agent, HttpsAgent } from '../../src/http/agent.js';
import { request, get } from '../../src/http/client-request.js';
import { h2SessionsOf } from '../../src/http/client-h2.js';
import type { IncomingMessageBase } from '../../src/http/incoming-message.js';
import { selfSignedCert } from '../support/h2-net-driver.js';
import { bodyText, listen, quiet } from '../support/h2-client.js';

const cert = selfSignedCert();




function echoServer(server: http2.Http2Server | http2.Http2SecureServer): void {
  quiet(server);
  server.on('stream', (stream, headers) => {
    const parts: Buffer[] = [];
    stream.on('data', (c: Buffer) => parts.push(c));
    stream.on('end', () => {
      const h: Record<string, string> = {};
      for (const [k, v] of Object.entries(headers)) if (typeof v === 'string') h[k] = v;
      stream.respond({ ':status': 200, 'content-type': 'application/json' }, { waitForTrailers: true });
      stream.on('wantTrailers', () => stream.sendTrailers({ 'x-trailer': 'tv', 'x-req-trailer': String((stream as unknown as { _trailers?: unknown })._trailers ?? '') }));
      stream.end(JSON.stringify({ headers: h, body: Buffer.concat(parts).toString(), trailers: null }));
    });
    stream.on('trailers', (t) => ((stream as unknown as { _trailers?: string })._trailers = String(t['x-sum'] ?? '')));
  });
}

test('h2c prior knowledge: one session for many requests, httpVersion 2.0, bodies, trailers both ways', async () => {
  const server = http2.createServer();
  echoServer(server);
  const port = await listen(server);
  const agent = new Agent({ http2PriorKnowledge: true });
  const results = await Promise.all(Array.from({ length: 20 }, (_, i) => new Promise<{ v: string; status: number; json: { headers: Record<string, string>; body: string }; trailers: Record<string, unknown> }>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: `/p/${i}`, method: 'POST', agent, headers: { 'x-i': String(i), connection: 'keep-alive' } }, (res) => {
      void bodyText(res).then((b) => resolve({ v: String(res.httpVersion), status: res.statusCode!, json: JSON.parse(b), trailers: res.trailers }), reject);
    });
    req.on('error', reject);
    req.setHeader('trailer', 'x-sum');
    req.write('hello ');
    req.addTrailers({ 'x-sum': `s${i}` });
    req.end(`world ${i}`);
  })));
  results.forEach((r, i) => {
    assert.equal(r.v, '2.0');
    assert.equal(r.status, 200);
    assert.equal(r.json.body, `hello world ${i}`);
    assert.equal(r.json.headers[':path'], `/p/${i}`);
    assert.equal(r.json.headers[':authority'], `127.0.0.1:${port}`);
    assert.equal(r.json.headers['x-i'], String(i));
    assert.equal(r.json.headers.connection, undefined, 'connection-specific fields dropped');
    assert.equal(r.json.headers.host, undefined, 'Host became :authority');
    assert.equal(r.trailers['x-trailer'], 'tv');
    assert.equal(r.trailers['x-req-trailer'], `s${i}`);
  });
  assert.equal(h2SessionsOf(agent).length, 1);
  agent.destroy();
  server.close();
});

test('TLS with ALPN h2: get() over one session, 1xx as information, the default agent stays HTTP/1.1', { skip: cert === null ? 'openssl not found' : false }, async () => {
  const server = http2.createSecureServer({ key: cert!.key, cert: cert!.cert, allowHTTP1: true });
  quiet(server);
  server.on('request', (req, res) => {
    if (req.url === '/early') res.writeEarlyHints({ link: '</a.css>; rel=preload' });
    res.end(`v${req.httpVersion} ${req.url}`);
  });
  const port = await listen(server);
  const agent = new HttpsAgent({ allowHTTP2: true, ca: cert!.cert });
  const infos: number[] = [];
  const texts = await Promise.all(['/a', '/b', '/early'].map((p) => new Promise<string>((resolve, reject) => {
    const req = get(`https://localhost:${port}${p}`, { agent }, (res) => void bodyText(res).then((b) => resolve(`${res.httpVersion} ${b}`), reject));
    req.on('information', (info: { statusCode: number }) => infos.push(info.statusCode));
    req.on('error', reject);
  })));
  assert.deepEqual(texts, ['2.0 v2.0 /a', '2.0 v2.0 /b', '2.0 v2.0 /early']);
  assert.deepEqual(infos, [103]);
  assert.equal(h2SessionsOf(agent).length, 1);
  // Without allowHTTP2 the same server is reached over HTTP/1.1.
  const plain = new HttpsAgent({ ca: cert!.cert });
  const text = await new Promise<string>((resolve, reject) => {
    get(`https://localhost:${port}/c`, { agent: plain }, (res) => void bodyText(res).then((b) => resolve(`${res.httpVersion} ${b}`), reject)).on('error', reject);
  });
  assert.equal(text, '1.1 v1.1 /c');
  agent.destroy();
  plain.destroy();
  server.close();
});

test('ALPN falls back to HTTP/1.1 when the server offers only http/1.1', { skip: cert === null ? 'openssl not found' : false }, async () => {
  const server = https.createServer({ key: cert!.key, cert: cert!.cert }, (req, res) => res.end(`v${req.httpVersion}`));
  const port = await listen(server);
  const agent = new HttpsAgent({ allowHTTP2: true, ca: cert!.cert, keepAlive: true });
  for (let i = 0; i < 2; i++) {
    const text = await new Promise<string>((resolve, reject) => {
      get(`https://localhost:${port}/`, { agent }, (res) => void bodyText(res).then((b) => resolve(`${res.httpVersion} ${b}`), reject)).on('error', reject);
    });
    assert.equal(text, '1.1 v1.1');
  }
  assert.equal(h2SessionsOf(agent).length, 0);
  agent.destroy();
  server.close();
});

test('push: the request hears it with the pushed request and response; unheard pushes are cancelled', async () => {
  const server = http2.createServer();
  quiet(server);
  const pushClosed: Array<Promise<number>> = [];
  server.on('stream', (stream, headers) => {
    const path = String(headers[':path']);
    stream.pushStream({ ':path': `${path}.css` }, (err, push) => {
      if (err) return;
      pushClosed.push(new Promise((resolve) => push.on('close', () => resolve(push.rstCode))));
      push.respond({ ':status': 200, 'content-type': 'text/css' });
      if (path === '/with') push.end('body{}');
    });
    stream.respond({ ':status': 200 });
    setImmediate(() => stream.end('page'));
  });
  const port = await listen(server);
  const agent = new Agent({ http2PriorKnowledge: true });
  const pushed = new Promise<{ path: string; status: number; body: string }>((resolve, reject) => {
    const req = get({ host: '127.0.0.1', port, path: '/with', agent }, (res) => res.resume());
    req.on('push', (preq: { path: string }, pres: IncomingMessageBase) => void bodyText(pres).then((b) => resolve({ path: preq.path, status: pres.statusCode!, body: b }), reject));
  });
  assert.deepEqual(await pushed, { path: '/with.css', status: 200, body: 'body{}' });
  await new Promise<void>((resolve, reject) => get({ host: '127.0.0.1', port, path: '/without', agent }, (res) => void bodyText(res).then(() => resolve(), reject)));
  assert.equal(await pushClosed[1], http2.constants.NGHTTP2_CANCEL);
  agent.destroy();
  server.close();
});

test('req.destroy() resets its stream only; the session carries on', async () => {
  const server = http2.createServer();
  quiet(server);
  const resets: number[] = [];
  server.on('stream', (stream, headers) => {
    stream.on('close', () => resets.push(stream.rstCode));
    stream.respond({ ':status': 200 });
    if (headers[':path'] === '/slow') stream.write('partial');
    else stream.end('fast');
  });
  const port = await listen(server);
  const agent = new Agent({ http2PriorKnowledge: true });
  const aborted = await new Promise<string[]>((resolve) => {
    const events: string[] = [];
    const req = get({ host: '127.0.0.1', port, path: '/slow', agent }, (res) => {
      res.once('data', () => req.destroy());
      res.on('aborted', () => events.push('res aborted'));
      res.on('error', (e: Error) => events.push(`res error ${e.message}`));
      res.on('close', () => events.push('res close'));
    });
    req.on('error', (e) => events.push(`req error ${e.message}`));
    req.on('close', () => {
      events.push('req close');
      setImmediate(() => resolve(events));
    });
  });
  assert.ok(aborted.includes('res aborted'), aborted.join());
  assert.ok(aborted.includes('req close'), aborted.join());
  const text = await new Promise<string>((resolve, reject) => get({ host: '127.0.0.1', port, path: '/fast', agent }, (res) => void bodyText(res).then(resolve, reject)));
  assert.equal(text, 'fast');
  assert.equal(h2SessionsOf(agent).length, 1);
  assert.ok(resets.includes(http2.constants.NGHTTP2_CANCEL));
  agent.destroy();
  server.close();
});

test('the same events in the same order over HTTP/1.1 and HTTP/2 (trama server, both ways)', async () => {
  const { createServer } = await import('../../src/http/index.js');
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.setHeader('content-type', 'text/plain');
      res.end(`${req.method} ${req.url}`);
    });
  });
  const port = await listen(server);
  const run = (agent: InstanceType<typeof Agent>, method: string): Promise<string[]> =>
    new Promise((resolve) => {
      const log: string[] = [];
      const req = request({ host: '127.0.0.1', port, path: '/x', method, agent }, (res) => {
        log.push(`response ${res.statusCode}`);
        res.on('data', (c: Buffer) => log.push(`data ${c.toString()}`));
        res.on('end', () => log.push('res end'));
        res.on('close', () => log.push('res close'));
      });
      req.on('socket', () => log.push('socket'));
      req.on('finish', () => log.push('finish'));
      req.on('error', (e) => log.push(`error ${e.message}`));
      req.on('close', () => {
        log.push('req close');
        setImmediate(() => resolve(log));
      });
      req.end(method === 'POST' ? 'body' : undefined);
    });
  const h1 = new Agent({ keepAlive: true });
  const h2 = new Agent({ http2PriorKnowledge: true });
  for (const method of ['GET', 'POST']) {
    const a = await run(h1, method);
    const b = await run(h2, method);
    assert.deepEqual(b, a, method);
  }
  h1.destroy();
  h2.destroy();
  server.close();
  (server as unknown as { closeAllConnections(): void }).closeAllConnections();
});
