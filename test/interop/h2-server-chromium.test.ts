// A real browser against trama.createSecureServer (one handler, ALPN h2): Debian's Chromium
// driven by playwright-core. A page with 100 sub-resources all fetched over h2 on one connection;
// twenty EventSource streams open at once on one connection (HTTP/1.1 would stop at six per host),
// each closed by the server after its first event, reconnecting with Last-Event-ID, and resumed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { createSecureServer, eventStream } from '../../src/index.js';
import type { IncomingMessage, ServerResponse } from '../../src/index.js';
import { selfSignedCert } from '../support/h2-net-driver.js';

const CHROMIUM = '/usr/bin/chromium';
const chromiumMissing = existsSync(CHROMIUM) ? false : `${CHROMIUM} is not installed (apt-get install chromium)`;
if (chromiumMissing && process.env.TRAMA_REQUIRE_PEERS === '1') throw new Error(`TRAMA_REQUIRE_PEERS=1 but ${chromiumMissing}`);
const creds = selfSignedCert();
if (creds === null && process.env.TRAMA_REQUIRE_PEERS === '1') throw new Error('openssl is required (TRAMA_REQUIRE_PEERS=1)');
const skip = chromiumMissing || (creds === null ? 'openssl is not installed: cannot generate a test certificate' : false);

const SUBRESOURCES = 100;
const STREAMS = 20;

const RESOURCES_PAGE = `<!doctype html><meta charset="utf-8"><title>100</title>
${Array.from({ length: SUBRESOURCES }, (_, i) => `<img src="/img/${i}.svg" width="4" height="4">`).join('\n')}
<script>
window.addEventListener('load', () => {
  const nav = performance.getEntriesByType('navigation')[0];
  const res = performance.getEntriesByType('resource').filter((e) => e.name.includes('/img/'));
  const imgs = [...document.images].filter((i) => i.complete && i.naturalWidth === 4).length;
  window.result = { protocol: nav.nextHopProtocol, count: res.length, protocols: [...new Set(res.map((e) => e.nextHopProtocol))], imgs };
});
</script>`;

const SSE_PAGE = `<!doctype html><meta charset="utf-8"><title>sse</title><script>
const got = Array.from({ length: ${STREAMS} }, () => []);
const sources = [];
for (let i = 0; i < ${STREAMS}; i++) {
  const es = new EventSource('/events/' + i);
  es.onmessage = (e) => {
    got[i].push(e.lastEventId + ':' + e.data);
    if (got.every((g) => g.length >= 2)) {
      sources.forEach((s) => s.close());
      window.result = { got, protocols: [...new Set(performance.getEntriesByType('resource').map((e) => e.nextHopProtocol))] };
    }
  };
  sources.push(es);
}
</script>`;

const SVG = '<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"><rect width="4" height="4"/></svg>';

async function launch(): Promise<import('playwright-core').Browser> {
  const { chromium } = await import('playwright-core');
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

async function withServer(
  handler: (req: IncomingMessage, res: ServerResponse) => void,
  fn: (url: string, connections: () => number) => Promise<void>,
): Promise<void> {
  const server = createSecureServer({ key: creds!.key, cert: creds!.cert }, handler);
  let connections = 0;
  server.on('secureConnection', (s: TLSSocket) => {
    if (s.alpnProtocol === 'h2') connections++;
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  try {
    await fn(`https://127.0.0.1:${(server.address() as AddressInfo).port}`, () => connections);
  } finally {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  }
}

async function openPage(url: string): Promise<unknown> {
  const browser = await launch();
  try {
    const context = await browser.newContext({ ignoreHTTPSErrors: true });
    const page = await context.newPage();
    await page.goto(url);
    await page.waitForFunction('window.result !== undefined', undefined, { timeout: 30_000 });
    return await page.evaluate('window.result');
  } finally {
    await browser.close();
  }
}

test('Chromium: a page with 100 sub-resources, all over h2 (nextHopProtocol), one connection', { skip }, async () => {
  const served: string[] = [];
  await withServer(
    (req, res) => {
      served.push(String(req.httpVersion));
      if (req.url === '/') {
        res.setHeader('content-type', 'text/html; charset=utf-8');
        res.end(RESOURCES_PAGE);
      } else if (req.url?.startsWith('/img/')) {
        res.setHeader('content-type', 'image/svg+xml');
        res.setHeader('cache-control', 'no-store');
        res.end(SVG);
      } else res.writeHead(404).end();
    },
    async (url, connections) => {
      const result = (await openPage(`${url}/`)) as { protocol: string; count: number; protocols: string[]; imgs: number };
      assert.equal(result.protocol, 'h2');
      assert.equal(result.count, SUBRESOURCES);
      assert.deepEqual(result.protocols, ['h2']);
      assert.equal(result.imgs, SUBRESOURCES);
      assert.ok(served.length >= SUBRESOURCES + 1 && served.every((v) => v === '2.0'), `versions served: ${[...new Set(served)].join()}`);
      assert.equal(connections(), 1, 'one h2 connection carried the page and its 100 sub-resources');
    },
  );
});

test('Chromium: 20 EventSource streams at once on one h2 connection, reconnecting with Last-Event-ID', { skip }, async () => {
  // Phase 1: hold every first stream open until all twenty are in (six would be the HTTP/1.1
  // limit), then send one event on each and close it. Phase 2: each reconnects with its
  // Last-Event-ID and gets an event that says what it resumed from.
  const firsts = new Map<number, { send: () => void }>();
  let maxOpen = 0;
  let open = 0;
  const resumedFrom: string[] = [];
  await withServer(
    (req, res) => {
      if (req.url === '/') {
        res.setHeader('content-type', 'text/html; charset=utf-8');
        res.end(SSE_PAGE);
        return;
      }
      const m = /^\/events\/(\d+)$/.exec(req.url ?? '');
      if (!m) {
        res.writeHead(404).end();
        return;
      }
      const i = Number(m[1]);
      const stream = eventStream(req, res, { retry: 100, keepAlive: 0 });
      open++;
      maxOpen = Math.max(maxOpen, open);
      stream.on('close', () => open--);
      if (stream.lastEventId === '') {
        firsts.set(i, {
          send: () => {
            stream.send({ id: `${i}-1`, data: 'first' });
            stream.close();
          },
        });
        if (firsts.size === STREAMS) for (const f of firsts.values()) f.send();
      } else {
        resumedFrom.push(stream.lastEventId);
        stream.send({ id: `${i}-2`, data: `resumed after ${stream.lastEventId}` });
      }
    },
    async (url, connections) => {
      const result = (await openPage(`${url}/`)) as { got: string[][]; protocols: string[] };
      for (let i = 0; i < STREAMS; i++) {
        assert.deepEqual(result.got[i]!.slice(0, 2), [`${i}-1:first`, `${i}-2:resumed after ${i}-1`]);
      }
      assert.equal(maxOpen >= STREAMS, true, `streams open at once: ${maxOpen}`);
      assert.deepEqual(resumedFrom.sort(), Array.from({ length: STREAMS }, (_, i) => `${i}-1`).sort());
      assert.deepEqual(result.protocols, ['h2']);
      assert.equal(connections(), 1, 'one h2 connection carried the twenty streams');
    },
  );
});
