// Chromium's own WebSocket (Debian's chromium driven by playwright-core) against trama's
// server: a page served by trama opens a WebSocket to the same origin, negotiates
// permessage-deflate, echoes text and binary (large, compressed, with context takeover),
// then the server closes with a code and reason the page sees.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { createServer } from '../../src/http/server.js';
import { WebSocketServer } from '../../src/ws/index.js';
import type { WebSocket } from '../../src/ws/index.js';

const CHROMIUM = '/usr/bin/chromium';
const REQUIRE = process.env.TRAMA_REQUIRE_PEERS === '1';
const missing = existsSync(CHROMIUM) ? undefined : `${CHROMIUM} is not installed (apt-get install chromium)`;
if (missing !== undefined && REQUIRE) throw new Error(`TRAMA_REQUIRE_PEERS=1 but ${missing}`);

const PAGE = `<!doctype html><meta charset="utf-8"><title>ws</title><script>
window.log = [];
const ws = new WebSocket('ws://' + location.host + '/echo', ['chat']);
ws.binaryType = 'arraybuffer';
const big = 'ação ✓ '.repeat(5000);
const steps = ['hello', big, big + '!', new Uint8Array([1, 2, 3, 250])];
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
</script>`;

test("Chromium's WebSocket against trama's server: permessage-deflate echo, server close with code and reason", { skip: missing }, async () => {
  const { chromium } = await import('playwright-core');
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(PAGE);
  });
  const wss = new WebSocketServer({ server: server as never, path: '/echo', perMessageDeflate: true });
  const seen: string[] = [];
  wss.on('connection', (ws: WebSocket, req: { headers: Record<string, string | undefined> }) => {
    seen.push(req.headers['sec-websocket-extensions'] ?? '');
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
    const page = await browser.newPage();
    await page.goto(`http://127.0.0.1:${port}/`);
    await page.waitForFunction(() => (globalThis as unknown as { log: string[] }).log.some((l) => l.startsWith('close') || l === 'error'));
    const log = await page.evaluate(() => (globalThis as unknown as { log: string[] }).log.slice());
    assert.deepEqual(log, ['open chat permessage-deflate', 'text 5 true', 'text 35000 true', 'text 35001 true', 'binary 1,2,3,250', 'close 4002 bye browser true']);
    assert.match(seen[0]!, /permessage-deflate/);
  } finally {
    await browser.close();
    await new Promise<void>((r) => wss.close(() => r()));
    server.close();
  }
});
