// What a newcomer sees after `npm start`: Debian's Chromium (playwright-core) opens the demo
// site served by `trama serve examples/site` (a spawned process): the stylesheet and the logo
// load, and the live panel shows the server's clock and counter from /__trama/events.
// With --no-live: demo-browser-no-live.test.ts.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { CHILD_HANG_GUARD_MS, startServeProcess } from './support.js';
import { chromiumSkip, SITE, useChromium } from './demo-browser-support.js';

describe('the demo site in a real browser', { skip: chromiumSkip }, () => {
  const browser = useChromium();

  test('static assets load and the live panel ticks', async () => {
    const s = await startServeProcess([SITE, '--port', '0']);
    try {
      const page = await browser().newPage();
      page.setDefaultTimeout(CHILD_HANG_GUARD_MS); // playwright's 30 s: a hang guard too
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
      await s.exitWithin(CHILD_HANG_GUARD_MS);
    }
  });
});
