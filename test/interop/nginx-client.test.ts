// Interop: trama's client against nginx, a real non-Node HTTP/1.1 server (and reverse proxy).
// nginx runs in the foreground from a generated config in a temp dir, on 127.0.0.1 and a free
// port. Skips when the binary is missing, unless TRAMA_REQUIRE_PEERS=1.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { get, request } from '../../src/http/client-request.js';
import { Agent } from '../../src/http/agent.js';
import { nginxDir, startNginx, type NginxInstance } from '../support/nginx.js';

const missing = spawnSync('nginx', ['-v']).error ? 'nginx is not installed (apt-get install nginx-light)' : '';
if (missing && process.env.TRAMA_REQUIRE_PEERS === '1') throw new Error(missing);

let dir = '';
let nginx: NginxInstance | undefined;
let port = 0;
let upstream: http.Server;
const BIG = 'x'.repeat(100_000);

before(async () => {
  if (missing) return;
  upstream = http.createServer((req, res) => {
    res.setHeader('Content-Type', 'text/plain');
    res.write('streamed ');
    setImmediate(() => res.end(`by node ${req.method} ${req.url}`));
  });
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
  const up = (upstream.address() as AddressInfo).port;
  dir = nginxDir();
  mkdirSync(join(dir, 'www'));
  writeFileSync(join(dir, 'www', 'small.txt'), 'small file\n');
  writeFileSync(join(dir, 'www', 'big.txt'), BIG);
  nginx = await startNginx(
    (_port, d) => ({
      http: `  keepalive_timeout 30s;
  default_type text/plain;`,
      server: `    root ${d}/www;
    location = /hello { return 200 "hello from nginx\\n"; }
    location = /method { return 200 "$request_method $content_length $http_transfer_encoding"; }
    location /gz/ { alias ${d}/www/; gzip on; gzip_min_length 1; gzip_types text/plain; }
    location /proxy/ { proxy_pass http://127.0.0.1:${up}/; proxy_http_version 1.1; proxy_buffering off; }`,
    }),
    dir,
  );
  port = nginx.port;
});

after(async () => {
  if (nginx) await nginx.stop();
  if (upstream) await new Promise((r) => upstream.close(r));
});

type Got = { status: number; headers: http.IncomingHttpHeaders; body: Buffer; req: http.ClientRequest };

function fetch(path: string, opts: Record<string, unknown> = {}, body?: string | string[]): Promise<Got> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, ...opts } as never, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (d: Buffer) => chunks.push(d));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers as http.IncomingHttpHeaders, body: Buffer.concat(chunks), req: req as never }));
    });
    req.on('error', reject);
    if (Array.isArray(body)) {
      for (const b of body) req.write(b);
      req.end();
    } else req.end(body);
  });
}

test('nginx: GET, keep-alive reuse honouring its Keep-Alive hint', async (t) => {
  if (missing) return t.skip(missing);
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const a = await fetch('/hello', { agent });
  assert.equal(a.status, 200);
  assert.equal(a.body.toString(), 'hello from nginx\n');
  assert.match(String(a.headers.server), /^nginx/);
  const b = await fetch('/hello', { agent });
  assert.equal(b.req.reusedSocket, true);
  agent.destroy();
});

test('nginx: static files (Content-Length), HEAD, 404, conditional 304', async (t) => {
  if (missing) return t.skip(missing);
  const agent = new Agent({ keepAlive: true });
  const big = await fetch('/big.txt', { agent });
  assert.equal(big.body.length, BIG.length);
  assert.equal(big.headers['content-length'], String(BIG.length));
  const head = await fetch('/big.txt', { agent, method: 'HEAD' });
  assert.equal(head.body.length, 0);
  assert.equal(head.headers['content-length'], String(BIG.length));
  const missingFile = await fetch('/nope', { agent });
  assert.equal(missingFile.status, 404);
  const small = await fetch('/small.txt', { agent });
  const nm = await fetch('/small.txt', { agent, headers: { 'If-Modified-Since': small.headers['last-modified'] } });
  assert.equal(nm.status, 304);
  assert.equal(nm.body.length, 0);
  // The connection survived all of that.
  const again = await fetch('/hello', { agent });
  assert.equal(again.req.reusedSocket, true);
  agent.destroy();
});

test('nginx: gzip makes a chunked response; body decodes', async (t) => {
  if (missing) return t.skip(missing);
  const r = await fetch('/gz/big.txt', { agent: false, headers: { 'Accept-Encoding': 'gzip' } });
  assert.equal(r.headers['content-encoding'], 'gzip');
  assert.equal(r.headers['transfer-encoding'], 'chunked');
  const { gunzipSync } = await import('node:zlib');
  assert.equal(gunzipSync(r.body).toString(), BIG);
});

test('nginx: request bodies, Content-Length and chunked', async (t) => {
  if (missing) return t.skip(missing);
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const cl = await fetch('/method', { agent, method: 'POST', headers: { 'Content-Length': 5 } }, 'hello');
  assert.equal(cl.body.toString(), 'POST 5 ');
  const chunked = await fetch('/method', { agent, method: 'PUT' }, ['a', 'b', 'c']);
  assert.match(chunked.body.toString(), /^PUT \d* ?chunked$/);
  agent.destroy();
});

test('nginx as a reverse proxy: streamed upstream response, many requests in parallel', async (t) => {
  if (missing) return t.skip(missing);
  const agent = new Agent({ keepAlive: true, maxSockets: 4 });
  const all = await Promise.all(Array.from({ length: 20 }, (_, i) => fetch(`/proxy/p${i}`, { agent })));
  all.forEach((r, i) => assert.equal(r.body.toString(), `streamed by node GET /p${i}`));
  assert.ok(agent.totalSocketCount <= 4);
  agent.destroy();
});

test('nginx: get() with a URL string', async (t) => {
  if (missing) return t.skip(missing);
  const body = await new Promise<string>((resolve, reject) => {
    get(`http://127.0.0.1:${port}/small.txt`, { agent: false }, (res) => {
      let s = '';
      res.on('data', (d: Buffer) => (s += d.toString()));
      res.on('end', () => resolve(s));
    }).on('error', reject);
  });
  assert.equal(body, 'small file\n');
});
