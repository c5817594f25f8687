// trama's HTTP/2 client against real servers: nghttpd (h2c prior knowledge, push, many streams,
// a 3 MiB file) through request() and through `trama get --http2-prior-knowledge -v` (frames as
// nghttp -v prints them), and nginx's own HTTP/2 over TLS (ALPN h2) through request() and
// `trama get --http2`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, HttpsAgent } from '../../src/http/agent.js';
import { get } from '../../src/http/client-request.js';
import { h2SessionsOf } from '../../src/http/client-h2.js';
import type { IncomingMessageBase } from '../../src/http/incoming-message.js';
import { peerAvailable, selfSignedCert } from '../support/h2-net-driver.js';
import { freePort, nginxDir, startNginx } from '../support/nginx.js';
import { runTrama } from '../cli/support.js';

const NGHTTPD = peerAvailable('nghttpd');
const NGINX = peerAvailable('nginx');
const creds = selfSignedCert();
const sha = (b: Buffer | string): string => createHash('sha256').update(b).digest('hex');

function fetch(options: Parameters<typeof get>[0], onPush?: (path: string, body: Promise<Buffer>) => void): Promise<{ status: number; version: string; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = get(options, (res) => {
      void bodyOf(res).then((body) => resolve({ status: res.statusCode!, version: String(res.httpVersion), body }), reject);
    });
    if (onPush) req.on('push', (preq: { path: string }, pres: IncomingMessageBase) => onPush(preq.path, bodyOf(pres)));
    req.on('error', reject);
  });
}

function bodyOf(res: IncomingMessageBase): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    res.on('data', (c: Buffer) => parts.push(c));
    res.on('end', () => resolve(Buffer.concat(parts)));
    res.on('error', reject);
  });
}

async function waitListening(port: number): Promise<void> {
  for (let i = 0; i < 600; i++) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1');
      s.on('connect', () => (s.destroy(), resolve(true)));
      s.on('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`nothing listening on ${port}`);
}

async function withNghttpd(fn: (port: number, large: Buffer) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'trama-h2c-'));
  writeFileSync(join(dir, 'index.html'), '<html>index</html>');
  writeFileSync(join(dir, 'style.css'), 'body { margin: 0 }');
  const large = Buffer.alloc(3 * 1024 * 1024 + 5, 'x');
  writeFileSync(join(dir, 'large.bin'), large);
  const port = await freePort();
  const child: ChildProcess = spawn('nghttpd', ['--no-tls', '-d', dir, '-p', '/index.html=/style.css', String(port)], { stdio: 'ignore' });
  try {
    await waitListening(port);
    await fn(port, large);
  } finally {
    child.kill();
    rmSync(dir, { recursive: true, force: true });
  }
}

test('request() → nghttpd (h2c): a push heard on the request, a 3 MiB file, 40 streams on one session', { skip: NGHTTPD ? false : 'nghttpd (nghttp2-server) is not installed' }, async () => {
  await withNghttpd(async (port, large) => {
    const agent = new Agent({ http2PriorKnowledge: true });
    const pushes: Array<Promise<[string, string]>> = [];
    const index = await fetch({ host: '127.0.0.1', port, path: '/index.html', agent }, (path, body) => pushes.push(body.then((b) => [path, b.toString()])));
    assert.equal(index.version, '2.0');
    assert.equal(index.body.toString(), '<html>index</html>');
    assert.deepEqual(await Promise.all(pushes), [['/style.css', 'body { margin: 0 }']]);
    const [big, missing, ...many] = await Promise.all([
      fetch({ host: '127.0.0.1', port, path: '/large.bin', agent }),
      fetch({ host: '127.0.0.1', port, path: '/missing', agent }),
      ...Array.from({ length: 40 }, () => fetch({ host: '127.0.0.1', port, path: '/style.css', agent })),
    ]);
    assert.equal(sha(big!.body), sha(large));
    assert.equal(missing!.status, 404);
    for (const r of many) assert.equal(r.body.toString(), 'body { margin: 0 }');
    assert.equal(h2SessionsOf(agent).length, 1);
    agent.destroy();
  });
});

test('trama get --http2-prior-knowledge -v → nghttpd: the body, and frames as nghttp -v prints them', { skip: NGHTTPD ? false : 'nghttpd (nghttp2-server) is not installed' }, async () => {
  await withNghttpd(async (port) => {
    const r = await runTrama(['get', '-v', '--http2-prior-knowledge', `http://127.0.0.1:${port}/style.css`]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.toString(), 'body { margin: 0 }');
    const err = r.stderr.toString();
    assert.match(err, /\] send SETTINGS frame <length=\d+, flags=0x00, stream_id=0>/);
    assert.match(err, /\] recv SETTINGS frame <length=\d+, flags=0x01, stream_id=0>\n {10}; ACK/);
    assert.match(err, /\] send HEADERS frame <length=\d+, flags=0x05, stream_id=1>\n {10}; END_STREAM \| END_HEADERS\n {10}:method: GET\n {10}:scheme: http\n/);
    assert.match(err, /\] recv HEADERS frame <length=\d+, flags=0x04, stream_id=1>\n {10}; END_HEADERS\n {10}:status: 200\n/);
    assert.match(err, /\] recv DATA frame <length=18, flags=0x01, stream_id=1>\n {10}; END_STREAM/);
    assert.match(err, /\] send WINDOW_UPDATE frame <length=4, flags=0x00, stream_id=0>\n {10}\(window_size_increment=\d+\)/);
    assert.match(err, /\] send GOAWAY frame <length=8, flags=0x00, stream_id=0>\n {10}\(last_stream_id=0, error_code=NO_ERROR\(0x00\)/);
    assert.match(err, /< HTTP\/2 200/);
    assert.match(err, /> GET \/style.css HTTP\/2/);
  });
});

async function withNginx(fn: (port: number) => Promise<void>): Promise<void> {
  const dir = nginxDir('trama-h2c-nginx-');
  writeFileSync(join(dir, 'cert.pem'), creds!.cert);
  writeFileSync(join(dir, 'key.pem'), creds!.key);
  writeFileSync(join(dir, 'hello.txt'), 'hello from nginx\n');
  writeFileSync(join(dir, 'big.bin'), Buffer.alloc(1024 * 1024, 'n'));
  const nginx = await startNginx((_port, d) => ({
    listen: 'ssl http2',
    server: `    ssl_certificate ${d}/cert.pem;
    ssl_certificate_key ${d}/key.pem;
    root ${d};`,
  }), dir);
  try {
    await fn(nginx.port);
  } finally {
    await nginx.stop();
  }
}

test('request() → nginx over TLS (ALPN h2): files, HEAD, 404, 30 streams on one session', { skip: !NGINX ? 'nginx is not installed' : creds === null ? 'openssl is not installed' : false }, async () => {
  await withNginx(async (port) => {
    const agent = new HttpsAgent({ allowHTTP2: true, ca: creds!.cert });
    const base = { protocol: 'https:', host: 'localhost', port, agent };
    const hello = await fetch({ ...base, path: '/hello.txt' });
    assert.equal(hello.version, '2.0');
    assert.equal(hello.body.toString(), 'hello from nginx\n');
    const head = await fetch({ ...base, path: '/big.bin', method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal(head.body.length, 0);
    const results = await Promise.all([fetch({ ...base, path: '/nope' }), ...Array.from({ length: 30 }, () => fetch({ ...base, path: '/big.bin' }))]);
    assert.equal(results[0]!.status, 404);
    for (const r of results.slice(1)) assert.equal(r.body.length, 1024 * 1024);
    assert.equal(h2SessionsOf(agent).length, 1);
    agent.destroy();
  });
});

test('trama get --http2 → nginx over TLS: ALPN h2, HTTP/2 in the verbose head', { skip: !NGINX ? 'nginx is not installed' : creds === null ? 'openssl is not installed' : false }, async () => {
  await withNginx(async (port) => {
    const dir = mkdtempSync(join(tmpdir(), 'trama-ca-'));
    try {
      writeFileSync(join(dir, 'ca.pem'), creds!.cert);
      const r = await runTrama(['get', '-v', '--http2', '--cacert', join(dir, 'ca.pem'), `https://localhost:${port}/hello.txt`]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout.toString(), 'hello from nginx\n');
      const err = r.stderr.toString();
      assert.match(err, /ALPN: server accepted h2/);
      assert.match(err, /< HTTP\/2 200/);
      assert.match(err, /\] recv HEADERS frame/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

test('trama get --http2 → an HTTP/1.1-only TLS server: ALPN falls back, the body arrives', { skip: creds === null ? 'openssl is not installed' : false }, async () => {
  const https = await import('node:https');
  const server = https.createServer({ key: creds!.key, cert: creds!.cert }, (req, res) => res.end(`v${req.httpVersion}\n`));
  server.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  const port = (server.address() as net.AddressInfo).port;
  const dir = mkdtempSync(join(tmpdir(), 'trama-ca-'));
  try {
    writeFileSync(join(dir, 'ca.pem'), creds!.cert);
    const r = await runTrama(['get', '-v', '--http2', '--cacert', join(dir, 'ca.pem'), `https://localhost:${port}/`]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.toString(), 'v1.1\n');
    assert.match(r.stderr.toString(), /< HTTP\/1\.1 200 OK/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
    server.close();
  }
});
