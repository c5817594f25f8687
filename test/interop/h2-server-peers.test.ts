// trama.createServer / createSecureServer (the real facade, one handler) against real HTTP/2
// peers: curl (--http2-prior-knowledge, --http2 upgrade on http://, ALPN over TLS, HTTP/1.1 over
// TLS), nghttp -v (PUSH_PROMISE received, priorities sent), h2load (cleartext and TLS).
// Each peer's test skips with a clear reason when it is missing, unless TRAMA_REQUIRE_PEERS=1.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, createSecureServer } from '../../src/index.js';
import type { IncomingMessage, ServerResponse } from '../../src/index.js';
import { peerAvailable, selfSignedCert } from '../support/h2-net-driver.js';

const CURL = peerAvailable('curl');
const NGHTTP = peerAvailable('nghttp');
const H2LOAD = peerAvailable('h2load');
const creds = selfSignedCert();
if (creds === null && process.env.TRAMA_REQUIRE_PEERS === '1') throw new Error('openssl is required (TRAMA_REQUIRE_PEERS=1)');
const noCurl = CURL ? false : 'curl is not installed (apt-get install curl)';
const noNghttp = NGHTTP ? false : 'nghttp is not installed (apt-get install nghttp2-client)';
const noH2load = H2LOAD ? false : 'h2load is not installed (apt-get install nghttp2-client)';
const noTls = creds === null ? 'openssl is not installed: cannot generate a test certificate' : false;

const sha = (b: Buffer | string): string => createHash('sha256').update(b).digest('hex');

function run(bin: string, args: string[]): Promise<{ code: number; stdout: string; raw: Buffer; stderr: string }> {
  return new Promise((resolve) => {
    execFile(bin, args, { maxBuffer: 64 * 1024 * 1024, timeout: 60_000, encoding: 'buffer' }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout: stdout.toString('utf8'), raw: stdout, stderr: stderr.toString('utf8') });
    });
  });
}

/** The one handler every test serves: echo, push, info about the request. */
function handler(req: IncomingMessage, res: ServerResponse): void {
  if (req.url === '/push') {
    const r = res as ServerResponse & { createPushResponse(h: Record<string, string>, cb: (err: Error | null, pushed?: ServerResponse) => void): void };
    r.createPushResponse({ ':path': '/pushed.css' }, (err, pushed) => {
      if (err) throw err;
      pushed!.setHeader('content-type', 'text/css');
      pushed!.end('pushed-body');
      res.end('main');
    });
    return;
  }
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const body = Buffer.concat(chunks);
    if (req.url === '/echo') {
      res.setHeader('x-len', String(body.length));
      res.end(body);
      return;
    }
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ v: req.httpVersion, method: req.method, url: req.url, len: body.length, pri: req.headers.priority ?? null }));
  });
}

async function listening<T extends { listen(port: number, host: string): unknown; address(): unknown }>(server: T): Promise<{ server: T; port: number }> {
  server.listen(0, '127.0.0.1');
  await once(server as unknown as NodeJS.EventEmitter, 'listening');
  return { server, port: (server.address() as AddressInfo).port };
}

async function withServers(fn: (plain: number, secure: number) => Promise<void>): Promise<void> {
  const { server: plain, port } = await listening(createServer(handler));
  const secure = creds === null ? null : await listening(createSecureServer({ key: creds.key, cert: creds.cert }, handler));
  try {
    await fn(port, secure?.port ?? 0);
  } finally {
    for (const s of [plain, secure?.server]) {
      if (!s) continue;
      s.closeAllConnections();
      await new Promise((r) => s.close(r));
    }
  }
}

test('curl: --http2-prior-knowledge, --http2 (Upgrade: h2c), HTTP/1.1 — one handler, one port', { skip: noCurl }, async () => {
  await withServers(async (port) => {
    const prior = await run('curl', ['-sS', '--http2-prior-knowledge', `http://127.0.0.1:${port}/a?b=1`]);
    assert.equal(prior.code, 0, prior.stderr);
    assert.deepEqual(JSON.parse(prior.stdout), { v: '2.0', method: 'GET', url: '/a?b=1', len: 0, pri: null });
    // curl's --http2 on http:// asks for Upgrade: h2c; -w shows which protocol answered.
    const up = await run('curl', ['-sS', '--http2', '-w', '\n%{http_version}', `http://127.0.0.1:${port}/up`]);
    assert.equal(up.code, 0, up.stderr);
    const [body, proto] = up.stdout.split('\n');
    assert.deepEqual(JSON.parse(body!), { v: '2.0', method: 'GET', url: '/up', len: 0, pri: null });
    assert.equal(proto, '2');
    const h1 = await run('curl', ['-sS', '--http1.1', `http://127.0.0.1:${port}/h1`]);
    assert.equal(JSON.parse(h1.stdout).v, '1.1');
    // A 1 MiB upload over prior knowledge comes back whole.
    const dir = mkdtempSync(join(tmpdir(), 'trama-curl-h2-'));
    try {
      const data = Buffer.alloc(1 << 20);
      for (let i = 0; i < data.length; i++) data[i] = (i * 31) & 0xff;
      writeFileSync(join(dir, 'body'), data);
      const post = await run('curl', ['-sS', '--http2-prior-knowledge', '--data-binary', `@${join(dir, 'body')}`, `http://127.0.0.1:${port}/echo`]);
      assert.equal(post.code, 0, post.stderr);
      assert.equal(sha(post.raw), sha(data));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

test('curl over TLS: ALPN h2 by default, http/1.1 with --http1.1; same handler', { skip: noCurl || noTls }, async () => {
  await withServers(async (_plain, port) => {
    const h2 = await run('curl', ['-sS', '-k', '--http2', '-w', '\n%{http_version}', `https://127.0.0.1:${port}/tls`]);
    assert.equal(h2.code, 0, h2.stderr);
    const [body, proto] = h2.stdout.split('\n');
    assert.equal(JSON.parse(body!).v, '2.0');
    assert.equal(proto, '2');
    const h1 = await run('curl', ['-sS', '-k', '--http1.1', '-w', '\n%{http_version}', `https://127.0.0.1:${port}/tls1`]);
    const [body1, proto1] = h1.stdout.split('\n');
    assert.equal(JSON.parse(body1!).v, '1.1');
    assert.equal(proto1, '1.1');
  });
});

test('nghttp -v: push received (PUSH_PROMISE before the parent DATA), priorities sent and served', { skip: noNghttp }, async () => {
  await withServers(async (port) => {
    const r = await run('nghttp', ['-v', `http://127.0.0.1:${port}/push`]);
    assert.equal(r.code, 0, r.stderr);
    const pp = /recv PUSH_PROMISE frame <length=\d+, flags=0x04, stream_id=(\d+)>/.exec(r.stdout);
    assert.ok(pp, r.stdout);
    const promised = /promised_stream_id=(\d+)\)/.exec(r.stdout)![1]!;
    assert.match(r.stdout, new RegExp(`recv DATA frame <length=11, flags=0x01, stream_id=${promised}>`));
    const parentData = r.stdout.indexOf(`recv DATA frame <length=4, flags=0x01, stream_id=${pp[1]}>`);
    assert.ok(parentData > 0 && pp.index < parentData, 'PUSH_PROMISE before the parent DATA');
    assert.doesNotMatch(r.stdout, /GOAWAY.*error_code=(?!NO_ERROR)/);
    // nghttp sends RFC 7540 PRIORITY frames (its dependency tree) and a weight per request (-p):
    // the server accepts them and answers every stream.
    const pri = await run('nghttp', ['-v', '-n', '-a', '-p', '32', `http://127.0.0.1:${port}/one`, `http://127.0.0.1:${port}/two`]);
    assert.equal(pri.code, 0, pri.stderr);
    assert.match(pri.stdout, /send PRIORITY frame/);
    assert.equal((pri.stdout.match(/recv \(stream_id=\d+\) :status: 200/g) ?? []).length, 2, pri.stdout);
  });
});

test('h2load: 4000 requests cleartext and over TLS, 4 connections × 100 streams, all succeed', { skip: noH2load }, async () => {
  await withServers(async (plain, secure) => {
    const c = await run('h2load', ['-n', '4000', '-c', '4', '-m', '100', `http://127.0.0.1:${plain}/load`]);
    assert.equal(c.code, 0, c.stderr);
    assert.match(c.stdout, /requests: 4000 total, 4000 started, 4000 done, 4000 succeeded, 0 failed, 0 errored/);
    if (secure !== 0) {
      const t = await run('h2load', ['-n', '4000', '-c', '4', '-m', '100', `https://127.0.0.1:${secure}/load`]);
      assert.equal(t.code, 0, t.stderr);
      assert.match(t.stdout, /Application protocol: h2/);
      assert.match(t.stdout, /requests: 4000 total, 4000 started, 4000 done, 4000 succeeded, 0 failed, 0 errored/);
    }
    const h1 = await run('h2load', ['--h1', '-n', '1000', '-c', '4', `http://127.0.0.1:${plain}/load`]);
    assert.match(h1.stdout, /1000 succeeded/);
  });
});
