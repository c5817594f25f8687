// The demo-site browser tests (split over files so each stays far under the runner's 120 s per
// file on a loaded machine): Debian's Chromium, driven by playwright-core, launched per file.
import { after, before } from 'node:test';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { REPO_ROOT } from '../support/paths.js';
import { CHILD_HANG_GUARD_MS } from './support.js';

const CHROMIUM = '/usr/bin/chromium';
const missing = existsSync(CHROMIUM) ? undefined : `${CHROMIUM} is not installed (apt-get install chromium)`;
if (missing !== undefined && process.env.TRAMA_REQUIRE_PEERS === '1') throw new Error(`TRAMA_REQUIRE_PEERS=1 but ${missing}`);
/** The describe() skip option: a reason when Chromium is missing. */
export const chromiumSkip: string | false = missing === undefined ? false : `skipped: ${missing}`;

export const SITE = join(REPO_ROOT, 'examples', 'site');

/** Launch Chromium before the calling file's tests (inside its describe), close it after. */
export function useChromium(): () => Browser {
  let browser: Browser;
  before(async () => {
    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      timeout: CHILD_HANG_GUARD_MS, // playwright's 30 s: a start-up on a loaded machine is slower
      args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-gpu', '--no-first-run'],
    });
  });
  after(() => browser?.close());
  return () => browser;
}
