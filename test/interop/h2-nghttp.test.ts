// The sans-I/O HTTP/2 engine against nghttp2's tools (Debian nghttp2-client / nghttp2-server):
// nghttp and h2load as clients of our server, nghttpd as a pushing server for our client.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { header, peerAvailable, startTramaH2Server, tramaH2Requests } from '../support/h2-net-driver.js';

const sha = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

function run(bin: string, args: string[]): Promise<{ code: number; stdout: string; raw: Buffer; stderr: string }> {
  return new Promise((resolve) => {
    execFile(bin, args, { maxBuffer: 64 * 1024 * 1024, timeout: 60_000, encoding: 'buffer' }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout: stdout.toString('utf8'), raw: stdout, stderr: stderr.toString('utf8') });
    });
  });
}

const NGHTTP = peerAvailable('nghttp');
const H2LOAD = peerAvailable('h2load');
const NGHTTPD = peerAvailable('nghttpd');

function echoServer() {
  return startTramaH2Server((req) => {
    const path = header(req.headers, ':path') ?? '/';
    if (path === '/echo') return { status: 200, headers: [['x-len', String(req.body.length)]], body: req.body };
    if (path === '/push') return { status: 200, body: 'main', push: [{ path: '/pushed.css', body: 'pushed-body' }] };
    return { status: 200, headers: [['content-type', 'text/plain']], body: `hello ${path}` };
  });
}

test('nghttp → our server: GET and a 1 MiB POST echoed back', { skip: NGHTTP ? false : 'nghttp (nghttp2-client) is not installed' }, async () => {
  const srv = await echoServer();
  const dir = mkdtempSync(join(tmpdir(), 'trama-h2-'));
  try {
    const get = await run('nghttp', [`http://127.0.0.1:${srv.port}/hi`]);
    assert.equal(get.code, 0, get.stderr);
    assert.equal(get.stdout, 'hello /hi');
    const body = Buffer.alloc(1024 * 1024);
    for (let i = 0; i < body.length; i++) body[i] = (i * 13) & 0xff;
    const file = join(dir, 'body.bin');
    writeFileSync(file, body);
    const post = await run('nghttp', ['-d', file, `http://127.0.0.1:${srv.port}/echo`]);
    assert.equal(post.code, 0, post.stderr);
    assert.equal(sha(post.raw), sha(body));
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await srv.close();
  }
});

test('nghttp → our server: push is received (PUSH_PROMISE, then the pushed DATA)', { skip: NGHTTP ? false : 'nghttp (nghttp2-client) is not installed' }, async () => {
  const srv = await echoServer();
  try {
    const r = await run('nghttp', ['-v', `http://127.0.0.1:${srv.port}/push`]);
    assert.equal(r.code, 0, r.stderr);
    const pp = /recv PUSH_PROMISE frame <length=\d+, flags=0x04, stream_id=(\d+)>/.exec(r.stdout);
    assert.ok(pp, r.stdout);
    const parent = pp[1]!;
    assert.match(r.stdout, /promised_stream_id=2\)/);
    assert.match(r.stdout, /recv DATA frame <length=11, flags=0x01, stream_id=2>/);
    const parentData = r.stdout.indexOf(`recv DATA frame <length=4, flags=0x01, stream_id=${parent}>`);
    assert.ok(parentData > 0 && pp.index < parentData, 'PUSH_PROMISE before the parent DATA');
    assert.doesNotMatch(r.stdout, /GOAWAY.*error_code=(?!NO_ERROR)/);
  } finally {
    await srv.close();
  }
});

test('h2load → our server: 2000 requests, 4 connections × 50 concurrent streams, all succeed', { skip: H2LOAD ? false : 'h2load (nghttp2-client) is not installed' }, async () => {
  const srv = await echoServer();
  try {
    const r = await run('h2load', ['-n', '2000', '-c', '4', '-m', '50', `http://127.0.0.1:${srv.port}/load`]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /requests: 2000 total, 2000 started, 2000 done, 2000 succeeded, 0 failed, 0 errored/);
    assert.match(r.stdout, /status codes: 2000 2xx/);
  } finally {
    await srv.close();
  }
});

async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

async function waitListening(port: number): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const ok = await new Promise<boolean>((resolve) => {
      const c = net.connect(port, '127.0.0.1');
      c.once('connect', () => { c.destroy(); resolve(true); });
      c.once('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setImmediate(r));
  }
  throw new Error(`nothing listening on ${port}`);
}

test('our client → nghttpd: files, a pushed stylesheet, many streams', { skip: NGHTTPD ? false : 'nghttpd (nghttp2-server) is not installed' }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'trama-h2d-'));
  writeFileSync(join(dir, 'index.html'), '<html>index</html>');
  writeFileSync(join(dir, 'style.css'), 'body { margin: 0 }');
  const large = Buffer.alloc(3 * 1024 * 1024 + 5, 'x');
  writeFileSync(join(dir, 'large.bin'), large);
  const port = await freePort();
  const child = spawn('nghttpd', ['--no-tls', '-d', dir, '-p', '/index.html=/style.css', String(port)], { stdio: 'ignore' });
  try {
    await waitListening(port);
    const { responses, pushes } = await tramaH2Requests(port, [
      { path: '/index.html' },
      { path: '/large.bin' },
      { path: '/missing' },
      ...Array.from({ length: 40 }, () => ({ path: '/style.css' })),
    ]);
    assert.equal(responses[0]!.status, 200);
    assert.equal(responses[0]!.body.toString(), '<html>index</html>');
    assert.equal(sha(responses[1]!.body), sha(large));
    assert.equal(responses[2]!.status, 404);
    for (const r of responses.slice(3)) assert.equal(r.body.toString(), 'body { margin: 0 }');
    assert.equal(pushes.length, 1);
    assert.equal(pushes[0]!.path, '/style.css');
    assert.equal(pushes[0]!.body.toString(), 'body { margin: 0 }');
  } finally {
    child.kill();
    rmSync(dir, { recursive: true, force: true });
  }
});
