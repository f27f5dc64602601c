/** Chromium for the server tests that open a page: the machine's Chrome or Chromium, with the test runner's flags. */
import puppeteer, { type Browser } from 'puppeteer-core';
// @ts-expect-error: a plain .mjs script of the repository, without types
import { CHROME_ARGS, findChrome } from '../../scripts/chrome-path.mjs';

export function launchChromium(): Promise<Browser> {
  const executablePath = findChrome();
  if (!executablePath) throw new Error('no Chrome/Chromium found (CHROME_PATH, or apt-get install chromium)');
  return puppeteer.launch({ executablePath, args: CHROME_ARGS });
}
