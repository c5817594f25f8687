// What a newcomer sees after `npm start`: Debian's Chromium (playwright-core) opens the demo
// site served by `trama serve examples/site` (a spawned process): the stylesheet and the logo
// load, the live panel shows the server's clock and counter from /__trama/events, and with
// --no-live the page says the stream is not available.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { REPO_ROOT } from '../support/paths.js';
import { startServeProcess } from './support.js';

const CHROMIUM = '/usr/bin/chromium';
const missing = existsSync(CHROMIUM) ? undefined : `${CHROMIUM} is not installed (apt-get install chromium)`;
if (missing !== undefined && process.env.TRAMA_REQUIRE_PEERS === '1') throw new Error(`TRAMA_REQUIRE_PEERS=1 but ${missing}`);
const skip = missing === undefined ? false : `skipped: ${missing}`;

const SITE = join(REPO_ROOT, 'examples', 'site');

describe('the demo site in a real browser', { skip }, () => {
  let browser: Browser;
  before(async () => {
    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-gpu', '--no-first-run'],
    });
  });
  after(() => browser?.close());

  test('static assets load and the live panel ticks', async () => {
    const s = await startServeProcess([SITE, '--port', '0']);
    try {
      const page = await browser.newPage();
      const statuses = new Map<string, number>();
      page.on('response', (r) => statuses.set(new URL(r.url()).pathname, r.status()));
      await page.goto(s.url);
      // The logo decoded as an image, the stylesheet applied.
      // Page-side code as strings: the test build has no DOM types.
      assert.equal(await page.evaluate(`document.querySelector('header img').naturalWidth > 0`), true);
      assert.equal(await page.evaluate(`getComputedStyle(document.querySelector('.card')).borderRadius`), '12px');
      for (const p of ['/', '/style.css', '/logo.svg', '/app.js']) assert.equal(statuses.get(p), 200, p);
      // Two different counter values: the stream is live, not a one-off.
      await page.waitForFunction(`/^\\d+$/.test(document.getElementById('counter').textContent)`);
      const first = await page.textContent('#counter');
      await page.waitForFunction(`document.getElementById('counter').textContent !== ${JSON.stringify(first)}`);
      assert.match((await page.textContent('#live-status')) ?? '', /^Live: connected/);
      assert.notEqual(await page.textContent('#clock'), '—');
      // The sub-resource table lists what the page loaded.
      await page.waitForFunction(`document.querySelectorAll('#resources tbody tr').length >= 4`);
      const rows = (await page.evaluate(`[...document.querySelectorAll('#resources tbody tr td:first-child')].map((td) => td.textContent)`)) as string[];
      for (const p of ['/style.css', '/logo.svg', '/app.js']) assert.ok(rows.includes(p), p);
      // A reload revalidates: the stylesheet comes back 304.
      statuses.clear();
      await page.reload();
      await page.waitForLoadState('load');
      assert.equal(statuses.get('/style.css'), 304);
      await page.close();
    } finally {
      s.signal('SIGTERM');
      await s.exitWithin(30_000);
    }
  });

  test('the terminal commands fit their box on a phone-sized screen, with the page\'s own origin', async () => {
    const s = await startServeProcess([SITE, '--port', '0', '--quiet']);
    try {
      const page = await browser.newPage({ viewport: { width: 360, height: 740 } });
      await page.goto(s.url);
      await page.waitForFunction(`document.querySelector('pre.commands .origin').textContent === location.origin`);
      // Nothing scrolls sideways and no command's box runs past the box around them.
      const fit = (await page.evaluate(`(() => {
        const pre = document.querySelector('pre.commands');
        const edge = pre.getBoundingClientRect().right;
        return { scrolls: pre.scrollWidth > pre.clientWidth, past: [...pre.querySelectorAll('code')].filter((c) => c.getBoundingClientRect().right > edge + 0.5).map((c) => c.textContent), pageScrolls: document.documentElement.scrollWidth > innerWidth };
      })()`)) as { scrolls: boolean; past: string[]; pageScrolls: boolean };
      assert.deepEqual(fit, { scrolls: false, past: [], pageScrolls: false });
      const first = (await page.textContent('pre.commands code')) ?? '';
      assert.equal(first, `npx trama get -v ${s.url}`);
      await page.close();
    } finally {
      s.signal('SIGTERM');
      await s.exitWithin(30_000);
    }
  });

  test('--no-live: the page says the live stream is not available', async () => {
    const s = await startServeProcess([SITE, '--port', '0', '--no-live', '--quiet']);
    try {
      const page = await browser.newPage();
      await page.goto(s.url);
      await page.waitForFunction(`/not available/.test(document.getElementById('live-status').textContent)`);
      await page.close();
    } finally {
      s.signal('SIGTERM');
      await s.exitWithin(30_000);
    }
  });
});
