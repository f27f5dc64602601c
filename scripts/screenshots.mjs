// `npm run screenshots`: pictures of the demo for the README, in both languages,
// taken in headless Chromium against the demo server:
//
//   docs/screenshots/demo-<lang>.png      the demo page: the portal's login, the phone simulator, the switches
//   docs/screenshots/step-up-<lang>.png   the step-up dialog open in the portal, the phone on its face screen
//   docs/screenshots/gallery-<lang>.png   the state gallery, whole
//
// Chinese text needs a CJK font on the machine (Debian: apt-get install fonts-wqy-microhei
// or fonts-noto-cjk); without one the pictures show boxes, so the script says so first.
// Not part of `npm test`. SCREENSHOT_PORT picks the server's port (default 8790).
/* global document -- the functions handed to page.evaluate / waitForFunction run in the page */
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import puppeteer from 'puppeteer-core';
import { CHROME_ARGS, findChrome } from './chrome-path.mjs';
import { startDemoServer } from './demo-server.mjs';

const port = Number(process.env.SCREENSHOT_PORT) || 8790;
const base = `http://localhost:${port}/`;
const outDir = new URL('../docs/screenshots/', import.meta.url);
const WIDTH = 1440;
const HEIGHT = 900;

function warnWithoutCjkFont() {
  let families;
  try {
    families = execFileSync('fc-list', [':lang=zh', 'family'], { encoding: 'utf8' });
  } catch {
    return; // no fontconfig to ask (macOS, Windows): their system fonts cover Chinese
  }
  if (!families.trim()) {
    console.warn(
      'No Chinese font found: the zh-CN pictures will show boxes. Install one, e.g. apt-get install fonts-wqy-microhei.',
    );
  }
}

/** Waits until `test` holds in the page (or one of its frames). */
const until = (target, test, arg) => target.waitForFunction(test, { timeout: 30000, polling: 100 }, arg);

/** The portal page, in its frame of the demo page. */
const portalFrame = (page) => page.frames().find((f) => f.url().endsWith('/portal.html'));

/** Grows the viewport to the whole page, then takes the picture (the portal frame keeps its layout). */
async function wholePage(page, file) {
  const height = await page.evaluate(() => Math.ceil(document.documentElement.getBoundingClientRect().height));
  await page.setViewport({ width: WIDTH, height });
  await new Promise((r) => setTimeout(r, 300));
  await page.screenshot({ path: new URL(file, outDir).pathname });
  await page.setViewport({ width: WIDTH, height: HEIGHT });
}

async function demoPage(browser, lang) {
  const page = await browser.newPage();
  await page.setViewport({ width: WIDTH, height: HEIGHT });
  await page.emulateMediaFeatures([{ name: 'prefers-color-scheme', value: 'light' }]);
  await page.goto(`${base}?lang=${lang}`);
  await until(page, () => !!document.querySelector('#portal')?.contentDocument?.querySelector('etax-login'));
  const portal = portalFrame(page);
  await until(portal, () =>
    document
      .querySelector('etax-login')
      ?.shadowRoot?.querySelector('qr-login-panel')
      ?.shadowRoot?.querySelector('svg[part="qr-code"]'),
  );
  await wholePage(page, `demo-${lang}.png`);

  // The password, the step-up dialog, and the phone scanning the face QR with the IIT app.
  await portal.type('etax-login input[name="taxpayerId"]', '91310110666007217T');
  await portal.type('etax-login input[name="account"]', 'wangxiuying');
  await portal.type('etax-login input[name="password"]', 'Etax@2024');
  await portal.click('etax-login button[type="submit"]');
  const tab = await portal.waitForSelector('etax-login >>> step-up-dialog >>> [data-method="face_iit"]');
  await tab.click();
  await until(portal, () =>
    document
      .querySelector('etax-login')
      ?.shadowRoot?.querySelector('step-up-dialog')
      ?.shadowRoot?.querySelector('qr-login-panel')
      ?.shadowRoot?.querySelector('svg[part="qr-code"]'),
  );
  await (await page.waitForSelector('demo-phone >>> input[value="iit"]')).click();
  await (await page.waitForSelector('demo-phone >>> button.scan')).click();
  await until(page, () => !!document.querySelector('demo-phone')?.shadowRoot?.querySelector('input[type="range"]'));
  await (await page.waitForSelector('demo-phone >>> input[type="checkbox"]')).click();
  await new Promise((r) => setTimeout(r, 400));
  await page.screenshot({ path: new URL(`step-up-${lang}.png`, outDir).pathname });
  await page.close();
}

async function gallery(browser, lang) {
  const page = await browser.newPage();
  await page.setViewport({ width: WIDTH, height: HEIGHT });
  await page.emulateMediaFeatures([{ name: 'prefers-color-scheme', value: 'light' }]);
  await page.goto(`${base}gallery.html?lang=${lang}`);
  await until(page, () => document.documentElement.dataset.ready !== undefined);
  const ready = await page.evaluate(() => document.documentElement.dataset.ready);
  if (ready !== 'true') console.warn(`gallery (${lang}): some cards did not reach their state`);
  await wholePage(page, `gallery-${lang}.png`);
  await page.close();
}

warnWithoutCjkFont();
mkdirSync(outDir, { recursive: true });
const executablePath = findChrome();
if (!executablePath) {
  console.error('No Chrome or Chromium found: install one or set CHROME_PATH.');
  process.exit(1);
}
const server = await startDemoServer({ port, quiet: true });
const browser = await puppeteer.launch({ executablePath, headless: true, args: CHROME_ARGS });
try {
  for (const lang of ['zh-CN', 'en']) {
    await demoPage(browser, lang);
    await gallery(browser, lang);
    console.log(`docs/screenshots/{demo,step-up,gallery}-${lang}.png`);
  }
} finally {
  await browser.close();
  await server.stop();
}
