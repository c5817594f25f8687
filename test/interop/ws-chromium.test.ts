// Chromium's own WebSocket (Debian's chromium driven by playwright-core) against trama's
// server: a page served by trama opens a WebSocket to the same origin, negotiates
// permessage-deflate, echoes text and binary (large, compressed, with context takeover),
// then the server closes with a code and reason the page sees.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { createServer } from '../../src/http/server.js';
import { WebSocketServer } from '../../src/ws/index.js';
import { CHROMIUM, echoUntilCloseMe, listenAndLaunch, echoPage, expectedLog } from './ws-chromium-support.js';
import type { WebSocket } from '../../src/ws/index.js';

const REQUIRE = process.env.TRAMA_REQUIRE_PEERS === '1';
const missing = existsSync(CHROMIUM) ? undefined : `${CHROMIUM} is not installed (apt-get install chromium)`;
if (missing !== undefined && REQUIRE) throw new Error(`TRAMA_REQUIRE_PEERS=1 but ${missing}`);

const PAGE = echoPage('ws', 1);

test("Chromium's WebSocket against trama's server: permessage-deflate echo, server close with code and reason", { skip: missing }, async () => {
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(PAGE);
  });
  const wss = new WebSocketServer({ server: server as never, path: '/echo', perMessageDeflate: true });
  const seen: string[] = [];
  wss.on('connection', (ws: WebSocket, req: { headers: Record<string, string | undefined> }) => {
    seen.push(req.headers['sec-websocket-extensions'] ?? '');
    echoUntilCloseMe(ws);
  });
  const { port, browser } = await listenAndLaunch(server as never);
  try {
    const page = await browser.newPage();
    await page.goto(`http://127.0.0.1:${port}/`);
    await page.waitForFunction(() => (globalThis as unknown as { log: string[][] }).log[0]!.some((l) => l.startsWith('close') || l === 'error'));
    const log = await page.evaluate(() => (globalThis as unknown as { log: string[][] }).log[0]!.slice());
    assert.deepEqual(log, expectedLog(0));
    assert.match(seen[0]!, /permessage-deflate/);
  } finally {
    await browser.close();
    await new Promise<void>((r) => wss.close(() => r()));
    server.close();
  }
});
