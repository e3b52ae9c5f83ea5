import { chromium, type Browser } from 'playwright-core';

/** The system's Chromium (Debian package `chromium`); scripts/test.sh installs it when missing. */
export const CHROMIUM = process.env['FLOWCAST_TEST_CHROMIUM'] ?? '/usr/bin/chromium';

/**
 * Headless Chromium driven by playwright-core. Playwright gives each launch a fresh temporary
 * profile (user data dir) and removes it at close. Without the background-networking flags
 * Chromium keeps calling home, which a closed network answers with floods of errors.
 */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    chromiumSandbox: false,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-dev-shm-usage',
    ],
  });
}
