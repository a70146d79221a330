/**
 * Headless Chromium for the page tests: Debian's chromium driven by playwright-core (which
 * downloads no browser of its own). The flags keep it off the network (this machine has none)
 * and out of the sandbox (the tests run as root); Playwright gives it a fresh temporary profile.
 */
import { existsSync } from 'node:fs';
import type { TestContext } from 'node:test';
import { type Browser, chromium } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';

/** False (the test skipped) when chromium is missing; under CI, where .ci/run installs it, that fails. */
export function chromiumAvailable(t: TestContext): boolean {
  if (existsSync(CHROMIUM)) return true;
  if (process.env.CI) throw new Error(`${CHROMIUM} is missing: .ci/run installs Debian's chromium`);
  t.skip(`${CHROMIUM} is not installed (apt-get install chromium)`);
  return false;
}

/** Launches headless Chromium; it is closed when the test ends. */
export async function launchChromium(t: TestContext): Promise<Browser> {
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  t.after(() => browser.close());
  return browser;
}
