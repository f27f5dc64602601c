// Stops `npm test` at once, with one line, when no browser can be found.
import { findChrome } from './chrome-path.mjs';

if (!findChrome()) {
  const where = process.env.CHROME_PATH ? `CHROME_PATH=${process.env.CHROME_PATH} does not exist. ` : '';
  console.error(
    `${where}No Chrome or Chromium found: install one (Debian/Ubuntu: sudo apt-get install chromium) or set CHROME_PATH to its executable.`,
  );
  process.exit(1);
}
