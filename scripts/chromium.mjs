/**
 * How lrukit launches Chromium (vitest's browser project and the browser example's e2e test):
 * Debian's /usr/bin/chromium, or CHROMIUM_PATH, headless, with the flags this closed network needs.
 */

/** The Chromium binary. */
export const chromiumPath = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

/** Launch flags: without the background-networking ones Chromium floods the closed network. */
export const chromiumArgs = [
  '--no-sandbox',
  '--headless',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];
