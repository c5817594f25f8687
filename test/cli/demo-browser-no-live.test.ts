// The demo site with `trama serve --no-live` in Debian's Chromium: the page says the live
// stream is not available.
import { describe, test } from 'node:test';
import { CHILD_HANG_GUARD_MS, startServeProcess } from './support.js';
import { chromiumSkip, SITE, useChromium } from './demo-browser-support.js';

describe('the demo site in a real browser, without the live stream', { skip: chromiumSkip }, () => {
  const browser = useChromium();

  test('--no-live: the page says the live stream is not available', async () => {
    const s = await startServeProcess([SITE, '--port', '0', '--no-live', '--quiet']);
    try {
      const page = await browser().newPage();
      page.setDefaultTimeout(CHILD_HANG_GUARD_MS); // playwright's 30 s: a hang guard too
      await page.goto(s.url);
      await page.waitForFunction(`/not available/.test(document.getElementById('live-status').textContent)`);
      await page.close();
    } finally {
      s.signal('SIGTERM');
      await s.exitWithin(CHILD_HANG_GUARD_MS);
    }
  });
});
