// trama.createServer against real HTTP/2 peers on one cleartext port: curl with prior knowledge
// and with `--http2` (Upgrade: h2c, a POST body read in full before the switch), nghttp (push
// received), h2load (many streams, many connections). Each skips when the peer is missing and
// fails under TRAMA_REQUIRE_PEERS=1 (peerAvailable).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import { createServer, type Server, type ServerResponse } from '../../src/index.js';
import { peerAvailable } from '../support/h2-net-driver.js';

function run(bin: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(bin, args, { timeout: 60_000, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

async function start(): Promise<{ server: Server; url: string; close: () => Promise<void> }> {
  const server = createServer((req, res) => {
    if (req.url === '/push') {
      const r = res as ServerResponse & { pushResponse(h: Record<string, string>): Promise<ServerResponse> };
      void r.pushResponse({ ':path': '/pushed.css' }).then((p) => {
        p.setHeader('content-type', 'text/css');
        p.end('body{}');
        res.end('<link rel=stylesheet href=/pushed.css>');
      }, () => res.end('no push'));
      return;
    }
    let n = 0;
    req.on('data', (c: Buffer) => { n += c.length; });
    req.on('end', () => {
      res.setHeader('content-type', 'text/plain');
      res.end(`${req.method} ${req.url} HTTP/${req.httpVersion} body=${n}\n`);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return { server, url: `http://127.0.0.1:${port}`, close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }) };
}

test('curl: HTTP/2 with prior knowledge, Upgrade: h2c with a body, and HTTP/1.1, on one port', async (t) => {
  if (!peerAvailable('curl')) return t.skip('curl is not installed');
  const srv = await start();
  try {
    const pk = await run('curl', ['-sS', '--http2-prior-knowledge', '-w', '%{http_version}', `${srv.url}/pk`]);
    assert.equal(pk.code, 0, pk.stderr);
    assert.equal(pk.stdout, 'GET /pk HTTP/2.0 body=0\n2');
    const up = await run('curl', ['-sS', '--http2', '-d', 'x'.repeat(5000), '-w', '%{http_version}', `${srv.url}/up`]);
    assert.equal(up.code, 0, up.stderr);
    assert.equal(up.stdout, 'POST /up HTTP/2.0 body=5000\n2');
    const h1 = await run('curl', ['-sS', '--http1.1', '-w', '%{http_version}', `${srv.url}/h1`]);
    assert.equal(h1.stdout, 'GET /h1 HTTP/1.1 body=0\n1.1');
  } finally {
    await srv.close();
  }
});

test('nghttp -v: the pushed stream arrives (PUSH_PROMISE before the parent DATA)', async (t) => {
  if (!peerAvailable('nghttp')) return t.skip('nghttp is not installed');
  const srv = await start();
  try {
    const r = await run('nghttp', ['-v', '-n', `${srv.url}/push`]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /recv PUSH_PROMISE frame/);
    assert.match(r.stdout, /:path: \/pushed\.css/);
    const promise = r.stdout.indexOf('recv PUSH_PROMISE');
    // nghttp opens its request on an odd id after its own PRIORITY placeholders: read it from the frame.
    const parent = /recv PUSH_PROMISE frame <[^>]*stream_id=(\d+)>/.exec(r.stdout)![1];
    const parentData = r.stdout.search(new RegExp(`recv DATA frame <length=\\d+, flags=0x01, stream_id=${parent}>`));
    assert.ok(promise >= 0 && parentData > promise, 'PUSH_PROMISE precedes the parent\'s last DATA');
  } finally {
    await srv.close();
  }
});

test('h2load: 2000 requests over 4 connections × 50 streams all succeed', async (t) => {
  if (!peerAvailable('h2load')) return t.skip('h2load is not installed');
  const srv = await start();
  try {
    const r = await run('h2load', ['-n', '2000', '-c', '4', '-m', '50', `${srv.url}/load`]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /requests: 2000 total, 2000 started, 2000 done, 2000 succeeded, 0 failed, 0 errored/);
  } finally {
    await srv.close();
  }
});
