// A real browser's EventSource (Debian's Chromium driven by playwright-core) against
// `eventStream` on a real server: unnamed and named events, then a dropped connection, the
// browser's own reconnection with Last-Event-ID, and the server resuming from its replay buffer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import type * as http from 'node:http';
import { eventStream } from '../../src/sse/event-stream.js';
import type { EventStream } from '../../src/sse/event-stream.js';
import { ReplayBuffer } from '../../src/sse/replay-buffer.js';
import { listen, SERVER_FLAVOURS } from '../sse/support.js';

const CHROMIUM = '/usr/bin/chromium';
const REQUIRE = process.env.TRAMA_REQUIRE_PEERS === '1';
const missing = existsSync(CHROMIUM) ? undefined : `${CHROMIUM} is not installed (apt-get install chromium)`;
if (missing !== undefined && REQUIRE) throw new Error(`TRAMA_REQUIRE_PEERS=1 but ${missing}`);

const PAGE = `<!doctype html><meta charset="utf-8"><title>sse</title><script>
window.log = [];
const es = new EventSource('/events');
es.onopen = () => log.push('open');
es.onmessage = (e) => log.push('message:' + e.data + '#' + e.lastEventId);
es.addEventListener('tick', (e) => log.push('tick:' + e.data + '#' + e.lastEventId));
es.onerror = () => log.push('error:' + es.readyState);
</script>`;

for (const flavour of SERVER_FLAVOURS) {
  test(`[${flavour.name}] Chromium's EventSource: named and unnamed events, reconnect with Last-Event-ID`, { skip: missing }, async () => {
    const { chromium } = await import('playwright-core');
    const replay = new ReplayBuffer();
    const seenIds: string[] = [];
    const streams = new Set<EventStream>();
    const handler = (req: http.IncomingMessage, res: http.ServerResponse): void => {
      if (req.url === '/') {
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(PAGE);
        return;
      }
      if (req.url !== '/events') {
        res.writeHead(404).end();
        return;
      }
      // retry: 50 ms so the browser comes back quickly after the drop.
      const st = eventStream(req, res, { keepAlive: 0, replay, retry: 50 });
      seenIds.push(st.lastEventId);
      streams.add(st);
      st.on('close', () => streams.delete(st));
      if (seenIds.length === 1) {
        for (const ev of [{ data: 'hello' }, { event: 'tick', data: 'named' }, { data: 'ação ✓\nline 2' }]) st.send(replay.push(ev));
      }
    };
    const srv = await listen(flavour.createServer(handler));
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-gpu', '--disable-quic', '--no-first-run'],
    });
    try {
      const page = await browser.newPage();
      await page.goto(srv.url);
      await page.waitForFunction(() => (globalThis as unknown as { log: string[] }).log.length >= 4);
      const read = () => page.evaluate(() => (globalThis as unknown as { log: string[] }).log.slice());
      assert.deepEqual(await read(), ['open', 'message:hello#1', 'tick:named#2', 'message:ação ✓\nline 2#3']);

      // Events the browser will miss, then the server drops the connection.
      replay.push({ data: 'missed-4' });
      replay.push({ event: 'tick', data: 'missed-5' });
      for (const s of streams) s.close();
      await page.waitForFunction(() => (globalThis as unknown as { log: string[] }).log.length >= 8);
      assert.deepEqual((await read()).slice(4), ['error:0', 'open', 'message:missed-4#4', 'tick:missed-5#5']);
      assert.deepEqual(seenIds, ['', '3']);

      // Live again on the resumed stream.
      for (const s of streams) s.send(replay.push({ data: 'live-6' }));
      await page.waitForFunction(() => (globalThis as unknown as { log: string[] }).log.length >= 9);
      assert.equal((await read())[8], 'message:live-6#6');
    } finally {
      await browser.close();
      await srv.close();
    }
  });
}
