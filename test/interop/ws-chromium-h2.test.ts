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
import type { TLSSocket } from 'node:tls';
import type { Duplex } from 'node:stream';
import { createSecureServer } from '../../src/index.js';
import { WebSocketServer } from '../../src/ws/index.js';
import { CHROMIUM, echoUntilCloseMe, listenAndLaunch, echoPage, expectedLog } from './ws-chromium-support.js';
import type { WebSocket } from '../../src/ws/index.js';
import { H2Tunnel } from '../../src/io/h2-tunnel.js';
import { selfSignedCert } from '../support/h2-net-driver.js';

const REQUIRE = process.env.TRAMA_REQUIRE_PEERS === '1';
const chromiumMissing = existsSync(CHROMIUM) ? false : `${CHROMIUM} is not installed (apt-get install chromium)`;
if (chromiumMissing && REQUIRE) throw new Error(`TRAMA_REQUIRE_PEERS=1 but ${chromiumMissing}`);
const creds = selfSignedCert();
if (creds === null && REQUIRE) throw new Error('openssl is required (TRAMA_REQUIRE_PEERS=1)');
const skip = chromiumMissing || (creds === null ? 'openssl is not installed: cannot generate a test certificate' : false);

const SOCKETS = 3;

const PAGE = echoPage('wss', SOCKETS);

test("Chromium's WebSocket over HTTP/2 (RFC 8441) against trama's TLS server: permessage-deflate, three sockets on one connection", { skip }, async () => {
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
  wss.on('connection', (ws: WebSocket) => echoUntilCloseMe(ws));
  const { port, browser } = await listenAndLaunch(server as never);
  try {
    const context = await browser.newContext({ ignoreHTTPSErrors: true });
    const page = await context.newPage();
    await page.goto(`https://127.0.0.1:${port}/`);
    await page.waitForFunction(() => (globalThis as unknown as { log: string[][] }).log.every((l) => l.some((e) => e.startsWith('close') || e === 'error')));
    const logs = await page.evaluate(() => (globalThis as unknown as { log: string[][] }).log.map((l) => l.slice()));
    logs.forEach((log, n) => {
      assert.deepEqual(log, expectedLog(n));
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
