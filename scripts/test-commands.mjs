// Server commands for the browser tests, beside those of @web/test-runner-commands.
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { readQr } from './qr-reader.mjs';

/**
 * `emulate-media-features` `{ features }`: DevTools' media emulation, for the features
 * `emulateMedia()` cannot set under puppeteer (`forced-colors: active`, the contrast
 * themes of Windows), e.g. `[{ name: 'forced-colors', value: 'active' }]`; `[]` ends it.
 * The DevTools session stays open with the page: emulation ends with its session.
 */
export function mediaFeaturesCommand() {
  const sessions = new WeakMap();
  return {
    name: 'emulate-media-features',
    async executeCommand({ command, payload, session }) {
      if (command !== 'emulate-media-features') return undefined;
      const page = session.browser.getPage(session.id);
      if (!sessions.has(page)) sessions.set(page, await page.createCDPSession());
      await sessions.get(page).send('Emulation.setEmulatedMedia', { features: payload.features });
      return true;
    },
  };
}

/**
 * Reading a QR off the screen as a phone would (test/components/qr-decode.test.ts),
 * with ZXing in Node (scripts/qr-reader.mjs):
 * - `read-qr` `{ clip }`: a screenshot of that part of the page (CSS pixels of the
 *   viewport), read; answers `{ codes, png }`: each code's text, its symbol's box in
 *   the screenshot and its modules per side, and the screenshot as base64;
 * - `decode-qr` `{ png }`: reads a base64 PNG; answers the codes.
 */
export function qrReaderCommands() {
  return {
    name: 'qr-reader',
    async executeCommand({ command, payload, session }) {
      const page = () => session.browser.getPage(session.id);
      if (command === 'read-qr') {
        // A page not in front gets a new frame only after seconds while another test file runs beside it.
        await page().bringToFront();
        const png = await page().screenshot({ clip: payload.clip, captureBeyondViewport: false });
        return { codes: await readQr(png), png: Buffer.from(png).toString('base64') };
      }
      if (command === 'decode-qr') return readQr(Buffer.from(payload.png, 'base64'));
      return undefined;
    },
  };
}

/**
 * `axe-page` `{ path }`: axe-core's accessibility check of a page the test opened in a frame
 * (the demo's pages, under their strict CSP and Trusted Types, where no test script may run),
 * and of the frames inside it: axe goes into each through DevTools. Answers the violations,
 * each `{ id, impact, help, targets }`.
 */
export function axeCommand() {
  const require = createRequire(import.meta.url);
  let source;
  return {
    name: 'axe-page',
    async executeCommand({ command, payload, session }) {
      if (command !== 'axe-page') return undefined;
      source ??= await readFile(require.resolve('axe-core/axe.min.js'), 'utf8');
      const page = session.browser.getPage(session.id);
      const top = page.frames().find((f) => new URL(f.url()).pathname === payload.path);
      if (!top) throw new Error(`no frame of ${payload.path}`);
      const within = (f) => f === top || (f.parentFrame() && within(f.parentFrame()));
      for (const f of page.frames().filter(within)) await f.evaluate(source);
      return top.evaluate(async () => {
        /* global axe, document -- in the page: axe put there just above */
        const { violations } = await axe.run(document, { resultTypes: ['violations'] });
        return violations.map((v) => ({
          id: v.id,
          impact: v.impact,
          help: v.help,
          targets: v.nodes.map((n) => n.target.join(' ')),
        }));
      });
    },
  };
}
