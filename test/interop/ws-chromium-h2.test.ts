// Chromium's WebSocket over HTTP/2 (RFC 8441) against trama.createSecureServer: the page is
// loaded over h2 (ALPN), the server advertises SETTINGS_ENABLE_CONNECT_PROTOCOL because a
// WebSocketServer listens for 'upgrade', and Chromium opens its WebSockets as extended CONNECT
// streams on that same connection — proved on the server side: each upgrade request arrives as
// `CONNECT` over HTTP/2 with `:protocol websocket` on a stream (H2Tunnel), and only one TLS
// connection is ever made. permessage-deflate is negotiated and used; three WebSockets share the
// connection; the server closes one with a code and reason the page sees.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { Duplex } from 'node:stream';
import { createSecureServer } from '../../src/index.js';
import { WebSocketServer } from '../../src/ws/index.js';
import type { WebSocket } from '../../src/ws/index.js';
import { H2Tunnel } from '../../src/io/h2-tunnel.js';
import { selfSignedCert } from '../support/h2-net-driver.js';

const CHROMIUM = '/usr/bin/chromium';
const REQUIRE = process.env.TRAMA_REQUIRE_PEERS === '1';
const chromiumMissing = existsSync(CHROMIUM) ? false : `${CHROMIUM} is not installed (apt-get install chromium)`;
if (chromiumMissing && REQUIRE) throw new Error(`TRAMA_REQUIRE_PEERS=1 but ${chromiumMissing}`);
const creds = selfSignedCert();
if (creds === null && REQUIRE) throw new Error('openssl is required (TRAMA_REQUIRE_PEERS=1)');
const skip = chromiumMissing || (creds === null ? 'openssl is not installed: cannot generate a test certificate' : false);

const SOCKETS = 3;

const PAGE = `<!doctype html><meta charset="utf-8"><title>ws over h2</title><script>
window.log = Array.from({ length: ${SOCKETS} }, () => []);
const big = 'ação ✓ '.repeat(5000);
for (let n = 0; n < ${SOCKETS}; n++) {
  const log = window.log[n];
  const ws = new WebSocket('wss://' + location.host + '/echo?n=' + n, ['chat']);
  ws.binaryType = 'arraybuffer';
  const steps = ['hello ' + n, big, big + n, new Uint8Array([1, 2, 3, 250, n])];
  let i = 0;
  ws.onopen = () => { log.push('open ' + ws.protocol + ' ' + ws.extensions); ws.send(steps[0]); };
  ws.onmessage = (e) => {
    const d = e.data;
    log.push(typeof d === 'string' ? 'text ' + d.length + ' ' + (d === steps[i]) : 'binary ' + Array.from(new Uint8Array(d)).join(','));
    i++;
    if (i < steps.length) ws.send(steps[i]); else ws.send('close me');
  };
  ws.onclose = (e) => log.push('close ' + e.code + ' ' + e.reason + ' ' + e.wasClean);
  ws.onerror = () => log.push('error');
}
</script>`;

test("Chromium's WebSocket over HTTP/2 (RFC 8441) against trama's TLS server: permessage-deflate, three sockets on one connection", { skip }, async () => {
  const { chromium } = await import('playwright-core');
  const server = createSecureServer({ key: creds!.key, cert: creds!.cert }, (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(PAGE);
  });
  let tlsConnections = 0;
  const alpn: string[] = [];
  server.on('secureConnection', (s: TLSSocket) => {
    tlsConnections++;
    alpn.push(String(s.alpnProtocol));
  });
  const upgrades: string[] = [];
  server.on('upgrade', (req: { method: string; httpVersion: string; headers: Record<string, string | undefined> }, socket: Duplex) => {
    upgrades.push(`${req.method} HTTP/${req.httpVersion} ${socket instanceof H2Tunnel ? `:protocol ${socket.protocol} stream ${socket.streamId}` : 'socket'} ${req.headers['sec-websocket-extensions'] ?? ''}`);
  });
  const wss = new WebSocketServer({ server: server as never, path: '/echo', perMessageDeflate: true });
  wss.on('connection', (ws: WebSocket) => {
    ws.on('message', (d: Buffer, bin: boolean) => {
      if (!bin && d.toString() === 'close me') ws.close(4002, 'bye browser');
      else ws.send(d, { binary: bin });
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-gpu', '--no-first-run'],
  });
  try {
    const context = await browser.newContext({ ignoreHTTPSErrors: true });
    const page = await context.newPage();
    await page.goto(`https://127.0.0.1:${port}/`);
    await page.waitForFunction(() => (globalThis as unknown as { log: string[][] }).log.every((l) => l.some((e) => e.startsWith('close') || e === 'error')));
    const logs = await page.evaluate(() => (globalThis as unknown as { log: string[][] }).log.map((l) => l.slice()));
    logs.forEach((log, n) => {
      assert.deepEqual(log, ['open chat permessage-deflate', 'text 7 true', 'text 35000 true', 'text 35001 true', `binary 1,2,3,250,${n}`, 'close 4002 bye browser true']);
    });
    assert.equal(upgrades.length, SOCKETS);
    for (const u of upgrades) assert.match(u, /^CONNECT HTTP\/2\.0 :protocol websocket stream \d+ permessage-deflate/);
    assert.deepEqual(alpn, ['h2'], 'the page and every WebSocket on one h2 connection');
    assert.equal(tlsConnections, 1);
  } finally {
    await browser.close();
    await new Promise<void>((r) => wss.close(() => r()));
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  }
});
