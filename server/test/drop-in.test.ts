// The shipped drop-in (dist/etax-login.min.js) in headless Chromium against
// the reference server, which also serves the page: a person's journeys cross
// a real network — the QR over SSE in Chinese, the password and SMS code in
// English. `npm test` builds the drop-in before this runs.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'puppeteer-core';
import { launchChromium } from './chromium.js';
import { Engine, MemoryDirectory, SmsOutbox } from '../../src/engine/index.js';
import { DEFAULT_FIXTURE, DEFAULT_PASSWORD } from '../../src/mock/fixtures.js';
import { startHost, type RunningHost } from '../src/host.js';

const DROP_IN = fileURLToPath(new URL('../../dist/etax-login.min.js', import.meta.url));
const BASE = '/api/etax-login';

const page = (lang: string, attributes = '') => `<!doctype html>
<html lang="${lang}"><head><meta charset="utf-8"><title>etax-login</title>
<script type="module" src="/etax-login.min.js"></script></head>
<body><etax-login base-url="${BASE}" ${attributes}></etax-login></body></html>`;

let host: RunningHost;
let engine: Engine;
let outbox: SmsOutbox;
let browser: Browser;
const requests: string[] = [];
/** QR flows created, oldest first. */
const qrFlows: string[] = [];

before(async () => {
  if (!existsSync(DROP_IN)) throw new Error('dist/etax-login.min.js is missing: run `npm run build:drop-in` first');
  const script = await readFile(DROP_IN);
  outbox = new SmsOutbox();
  engine = new Engine({ accounts: new MemoryDirectory(DEFAULT_FIXTURE), sms: outbox });
  engine.onChange((c) => c.type === 'flow' && !c.before && c.flow.kind === 'qr' && qrFlows.push(c.flow.id));
  host = await startHost({
    engine,
    basePath: BASE,
    log: (l) => l.path && requests.push(`${l.method} ${l.path} ${l.status}`),
    fallback: (request) => {
      const { pathname, searchParams } = new URL(request.url);
      if (pathname === '/etax-login.min.js') {
        return new Response(script, { headers: { 'Content-Type': 'text/javascript; charset=utf-8' } });
      }
      if (pathname === '/') {
        return new Response(page(searchParams.get('lang') ?? 'zh-CN', searchParams.get('attrs') ?? ''), {
          headers: { 'Content-Type': 'text/html; charset=utf-8' },
        });
      }
      return new Response('Not found', { status: 404 });
    },
  });
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await host?.close();
});

/** The text a person reads in the element, through its shadow roots. */
const textOf = (p: Page) =>
  p.evaluate(() => {
    const walk = (n: Node): string =>
      n instanceof Element && n.shadowRoot
        ? walk(n.shadowRoot) + [...n.childNodes].map(walk).join(' ')
        : n.nodeType === Node.TEXT_NODE
          ? (n.textContent ?? '')
          : [...n.childNodes].map(walk).join(' ');
    return walk(document.querySelector('etax-login')!).replace(/\s+/g, ' ');
  });

async function until(p: Page, words: string, ms = 8000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await textOf(p)).includes(words)) {
    if (Date.now() > end) throw new Error(`"${words}" never shown; the page says: ${await textOf(p)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Whether an element matches `selector`, looking through shadow roots. */
const has = (p: Page, selector: string) =>
  p.evaluate((sel) => {
    const find = (root: ParentNode): boolean =>
      !!root.querySelector(sel) || [...root.querySelectorAll('*')].some((el) => !!el.shadowRoot && find(el.shadowRoot));
    return find(document);
  }, selector);

/** Clicks the first element matching `selector`, looking through shadow roots. */
const click = (p: Page, selector: string) =>
  p.evaluate((sel) => {
    const find = (root: ParentNode): HTMLElement | null => {
      const hit = root.querySelector<HTMLElement>(sel);
      if (hit) return hit;
      for (const el of root.querySelectorAll('*')) {
        const inner = el.shadowRoot && find(el.shadowRoot);
        if (inner) return inner;
      }
      return null;
    };
    const el = find(document);
    if (!el) throw new Error(`nothing matches ${sel}`);
    el.click();
  }, selector);

describe('the drop-in against the reference server, in Chromium', () => {
  it('logs in by QR over SSE, in Chinese', async () => {
    const p = await browser.newPage();
    try {
      p.on('pageerror', (e) => assert.fail(String(e)));
      const seen = qrFlows.length;
      await p.goto(`${host.url}/?lang=zh-CN`);
      const end = Date.now() + 8000;
      while (!(await has(p, 'svg[part="qr-code"] path')) || qrFlows.length === seen) {
        if (Date.now() > end) throw new Error('no login QR on the page');
        await new Promise((r) => setTimeout(r, 50));
      }
      const flowId = qrFlows.at(-1)!;
      assert.equal((await engine.inspect(flowId))?.state.status, 'qr_waiting');
      await engine.scan(flowId, 'etax', 'wangxiuying');
      await until(p, '扫描成功，请在手机上确认');
      await engine.confirm(flowId);
      await until(p, '登录成功');
      // The page followed the flow over SSE, on the server's own stream.
      assert.ok(
        requests.some((r) => /^GET \/api\/etax-login\/v1\/flows\/\S+\/events 200$/.test(r)),
        requests.join('\n'),
      );
    } finally {
      await p.close();
    }
  });

  it('logs in by password and SMS code, in English', async () => {
    const p = await browser.newPage();
    try {
      p.on('pageerror', (e) => assert.fail(String(e)));
      await p.goto(`${host.url}/?lang=en`);
      await until(p, 'Individual');
      await p.evaluate(() => {
        const tab = [...document.querySelectorAll<HTMLElement>('etax-login [role="tab"]')].find(
          (t) => t.textContent!.trim() === 'Individual',
        );
        tab!.click();
      });
      await p.waitForSelector('etax-login input[name="account"]');
      await p.type('etax-login input[name="account"]', 'wangxiuying');
      await p.type('etax-login input[type="password"]', DEFAULT_PASSWORD);
      await p.keyboard.press('Enter');
      const end = Date.now() + 8000;
      while (!(await has(p, 'dialog[open] [data-method="sms"]'))) {
        if (Date.now() > end) throw new Error(`no step-up dialog; the page says: ${await textOf(p)}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      await click(p, '[data-method="sms"]');
      await until(p, 'Send code');
      await click(p, 'sms-verify [part~="send"], [part~="send"]');
      const sent = Date.now();
      while (!outbox.messages.length) {
        if (Date.now() - sent > 8000) throw new Error(`no code sent; the page says: ${await textOf(p)}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      // The code field, inside <sms-verify> inside the dialog.
      const input = await p.waitForSelector('pierce/input[autocomplete="one-time-code"]');
      await input!.type(outbox.messages.at(-1)!.code);
      await p.keyboard.press('Enter');
      await until(p, 'Logged in');
      const text = await textOf(p);
      assert.ok(!text.includes(DEFAULT_PASSWORD));
    } finally {
      await p.close();
    }
  });
});
