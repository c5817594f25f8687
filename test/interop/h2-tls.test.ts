// The sans-I/O HTTP/2 engine behind TLS with ALPN "h2": curl --http2, nghttp over TLS, and a real
// browser (Debian's Chromium, driven by playwright-core) loading a page that fetches in parallel.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { header, peerAvailable, selfSignedCert, startTramaH2Server, type ServerReply, type ServerRequest } from '../support/h2-net-driver.js';

function run(bin: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(bin, args, { maxBuffer: 16 * 1024 * 1024, timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

const OPENSSL = peerAvailable('openssl');
const cert = OPENSSL ? selfSignedCert() : null;
const CURL = peerAvailable('curl');
const NGHTTP = peerAvailable('nghttp');
const CHROMIUM = '/usr/bin/chromium';
const chromiumMissing = existsSync(CHROMIUM) ? undefined : `${CHROMIUM} is not installed (apt-get install chromium)`;
if (chromiumMissing && process.env.TRAMA_REQUIRE_PEERS === '1') throw new Error(`TRAMA_REQUIRE_PEERS=1 but ${chromiumMissing}`);
const noCert = cert ? undefined : 'openssl is not installed: no test certificate';

const PAGE = `<!doctype html><meta charset="utf-8"><title>h2</title><script>
(async () => {
  const urls = Array.from({ length: 24 }, (_, i) => '/item/' + i);
  const items = await Promise.all(urls.map((u) => fetch(u).then((r) => r.text())));
  const big = await fetch('/echo', { method: 'POST', body: 'x'.repeat(300000) }).then((r) => r.text());
  const nav = performance.getEntriesByType('navigation')[0];
  const res = performance.getEntriesByType('resource').map((e) => e.nextHopProtocol);
  window.result = { items, bigLength: big.length, protocol: nav.nextHopProtocol, resourceProtocols: [...new Set(res)] };
})().catch((e) => { window.result = { error: String(e) }; });
</script>`;

function handler(req: ServerRequest): ServerReply {
  const path = header(req.headers, ':path') ?? '/';
  if (path === '/') return { status: 200, headers: [['content-type', 'text/html; charset=utf-8']], body: PAGE };
  if (path === '/echo') return { status: 200, headers: [['content-type', 'text/plain']], body: req.body };
  if (path.startsWith('/item/')) return { status: 200, headers: [['content-type', 'text/plain']], body: `item ${path.slice(6)}` };
  return { status: 404, body: 'not found' };
}

test('curl --http2 over TLS negotiates h2 by ALPN with our server', { skip: noCert ?? (CURL ? false : 'curl is not installed') }, async () => {
  const srv = await startTramaH2Server(handler, {}, { tls: cert! });
  try {
    const r = await run('curl', ['-sS', '-k', '--http2', '-w', '\\n%{http_version}', `https://127.0.0.1:${srv.port}/item/7`]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'item 7\n2');
  } finally {
    await srv.close();
  }
});

test('nghttp over TLS: ALPN h2, and a 100 kB upload echoed', { skip: noCert ?? (NGHTTP ? false : 'nghttp is not installed') }, async () => {
  const srv = await startTramaH2Server(handler, {}, { tls: cert! });
  const dir = mkdtempSync(join(tmpdir(), 'trama-h2tls-'));
  try {
    const v = await run('nghttp', ['-v', `https://127.0.0.1:${srv.port}/item/1`]);
    assert.equal(v.code, 0, v.stderr);
    assert.match(v.stdout, /negotiated protocol: h2/i);
    const body = 'abcdefghij'.repeat(10_000);
    writeFileSync(join(dir, 'up.txt'), body);
    const r = await run('nghttp', ['-d', join(dir, 'up.txt'), `https://127.0.0.1:${srv.port}/echo`]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, body);
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await srv.close();
  }
});

test('Chromium loads a page over h2 from our server: 24 parallel fetches and a 300 kB POST', { skip: noCert ?? chromiumMissing }, async () => {
  const { chromium } = await import('playwright-core');
  const srv = await startTramaH2Server(handler, {}, { tls: cert! });
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  }).catch(async (err: unknown) => {
    await srv.close();
    throw err;
  });
  try {
    const context = await browser.newContext({ ignoreHTTPSErrors: true });
    const page = await context.newPage();
    await page.goto(`https://127.0.0.1:${srv.port}/`);
    await page.waitForFunction('window.result !== undefined', undefined, { timeout: 20_000 });
    const result = (await page.evaluate('window.result')) as { items: string[]; bigLength: number; protocol: string; resourceProtocols: string[]; error?: string };
    assert.equal(result.error, undefined);
    assert.equal(result.protocol, 'h2');
    assert.deepEqual(result.resourceProtocols, ['h2']);
    assert.deepEqual(result.items, Array.from({ length: 24 }, (_, i) => `item ${i}`));
    assert.equal(result.bigLength, 300_000);
    assert.equal(srv.connections.length, 1, 'one connection carried everything');
  } finally {
    await browser.close();
    await srv.close();
  }
});
