// `npm start` as a person uses it: the demo served by the reference server, its
// `<etax-login>` talking to the server's API over real sockets (no service
// worker in between), the phone simulator acting through the signed app API,
// by way of the demo server playing the tax apps' backend (the production
// command has no demo route: cli.test.ts).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'puppeteer-core';
import { launchChromium } from './chromium.js';
// @ts-expect-error: a plain .mjs script of the repository, without types
import { startDemo } from '../../scripts/demo-server.mjs';
import { DEFAULT_PASSWORD } from '../../src/mock/fixtures.js';
import type { RunningDemoHost } from '../src/demo-host.js';

interface Demo {
  url: string;
  host: RunningDemoHost;
  stop(): Promise<void>;
}

let demo: Demo;
let browser: Browser;
/** The demo server's log: one line a request. */
const lines: Record<string, unknown>[] = [];
/** `METHOD path status` of the app API's requests the server answered. */
const appApi = () =>
  lines.filter((l) => String(l.path).startsWith('/app-api/')).map((l) => `${l.method} ${l.path} ${l.status}`);

before(async () => {
  demo = (await startDemo({ port: 0, quiet: true, log: (l: Record<string, unknown>) => lines.push(l) })) as Demo;
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await demo?.stop();
});

/** Text of the phone simulator, of the QR panel's status, of the notice above the portal. */
const look = (p: Page) =>
  p.evaluate(() => {
    const text = (n: Element | null | undefined) => (n?.textContent ?? '').replace(/\s+/g, ' ').trim();
    const login = document.querySelector<HTMLIFrameElement>('#portal')?.contentDocument?.querySelector('etax-login');
    const panel = login?.shadowRoot?.querySelector('qr-login-panel')?.shadowRoot;
    return {
      phone: [...(document.querySelector('demo-phone')?.shadowRoot?.children ?? [])]
        .filter((el) => el.localName !== 'style')
        .map(text)
        .join(' '),
      sms: text(document.querySelector('demo-phone')?.shadowRoot?.querySelector('.banner')),
      qr: text(panel?.querySelector('[part="status"]')),
      qrShown: !!panel?.querySelector('svg[part="qr-code"] path'),
      notice: text(document.querySelector('#notice')),
      panel: text(document.querySelector('demo-server')?.shadowRoot?.querySelector('p')),
      workers: !!navigator.serviceWorker?.controller,
    };
  });

async function until<T>(p: Page, what: string, test: (seen: Awaited<ReturnType<typeof look>>) => T, ms = 10000) {
  const end = Date.now() + ms;
  for (;;) {
    const seen = await look(p);
    if (test(seen)) return seen;
    if (Date.now() > end) throw new Error(`${what}: never seen; the page shows ${JSON.stringify(seen)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Clicks the phone simulator's button that reads `name`. */
const press = (p: Page, name: string) =>
  p.evaluate((n) => {
    const root = document.querySelector('demo-phone')!.shadowRoot!;
    const button = [...root.querySelectorAll('button')].find((b) => (b.textContent ?? '').trim() === n);
    if (!button) throw new Error(`no button ${n} on the phone`);
    button.click();
  }, name);

describe('the demo on the reference server (npm start)', () => {
  it('logs in by QR, the phone scanning and confirming through the server', async () => {
    const p = await browser.newPage();
    try {
      const errors: string[] = [];
      p.on('pageerror', (e) => errors.push(String(e)));
      /** API answers the page received, and whether a service worker gave them. */
      const api: { path: string; status: number; worker: boolean }[] = [];
      /** What the page asked of the demo server besides its API and its files. */
      const asked: string[] = [];
      p.on('response', (r) => {
        const { pathname } = new URL(r.url());
        if (pathname.startsWith('/api/etax-login/'))
          api.push({ path: pathname, status: r.status(), worker: r.fromServiceWorker() });
        if (/^\/(?:dev|demo|app-api)\//.test(pathname)) asked.push(`${r.request().method()} ${pathname}`);
      });
      const before = lines.length;
      await p.goto(`${demo.url}/?lang=zh-CN`);
      await until(p, 'the login QR', (s) => s.qrShown);
      await press(p, '扫一扫');
      await until(p, 'scanned on the page', (s) => s.qr.includes('扫描成功'));
      await until(p, 'the confirmation on the phone', (s) => s.phone.includes('登录'));
      await press(p, '登录');
      await until(p, 'the portal going home', (s) => s.notice.includes('/portal/home'));

      // The server, not the page, ran the flow: it ended there, authenticated.
      const flows = demo.host.control.flows;
      assert.equal(flows.at(-1)?.status, 'authenticated');
      assert.equal(flows.at(-1)?.account, 'wangxiuying');
      // Every answer came over the network, none from msw's service worker.
      assert.ok(
        api.some((a) => a.path === '/api/etax-login/v1/flows/qr' && a.status === 201),
        JSON.stringify(api),
      );
      assert.deepEqual(
        api.filter((a) => a.worker),
        [],
      );
      assert.equal((await look(p)).workers, false);
      assert.ok((await look(p)).panel.includes('演示服务器'));
      // The phone scanned and confirmed through the app API, signed by the demo server as the apps'
      // backend: the page itself never called the app API, nor a development route of the phone.
      const flowId = flows.at(-1)!.id;
      const served = appApi();
      assert.ok(served.includes('POST /app-api/v1/scan 200'), JSON.stringify(served));
      assert.ok(served.includes(`POST /app-api/v1/flows/${flowId}/confirm 200`), JSON.stringify(served));
      assert.ok(lines.slice(before).some((l) => l.path === '/demo/tax-app/scan' && l.status === 200));
      assert.ok(asked.includes('POST /demo/tax-app/scan'), JSON.stringify(asked));
      assert.deepEqual(
        asked.filter((a) => a.includes('/app-api/') || /\/dev\/demo\/(?:scan|confirm)/.test(a)),
        [],
      );
      assert.deepEqual(errors, []);
    } finally {
      await p.close();
    }
  });

  it('has no development route of the phone: only the signed app API acts as the phone', async () => {
    for (const action of ['scan', 'confirm', 'deny', 'cancel', 'faceVerify', 'facePass', 'faceFail', 'unscan']) {
      const r = await fetch(`${demo.url}/dev/demo/${action}`, { method: 'POST', body: '[]' });
      assert.equal(r.status, 404, action);
      await r.body?.cancel();
    }
    // The app API takes no request the demo server did not sign.
    const unsigned = await fetch(`${demo.url}/app-api/v1/scan`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ account: 'wangxiuying', app: 'etax', payload: 'x' }),
    });
    assert.equal(unsigned.status, 401);
    await unsigned.body?.cancel();
  });

  it('logs in with an enterprise password and the SMS code the phone received from the server', async () => {
    const p = await browser.newPage();
    try {
      const errors: string[] = [];
      p.on('pageerror', (e) => errors.push(String(e)));
      await p.goto(`${demo.url}/?lang=zh-CN`);
      await until(p, 'the login QR', (s) => s.qrShown);
      const portal = p.frames().find((f) => f.url().endsWith('/portal.html'))!;
      const byText = async (selector: string, words: string) => {
        for (const handle of await portal.$$(selector)) {
          if ((await handle.evaluate((el) => el.textContent ?? '')).includes(words)) return handle;
        }
        throw new Error(`no ${selector} that says ${words}`);
      };
      /** The login form's field a label names (in the element's light DOM). */
      const field = (label: string) =>
        portal.evaluate((l) => {
          const found = [...document.querySelectorAll('etax-login label')].find((x) => x.textContent?.trim() === l);
          return `#${(found as HTMLLabelElement).htmlFor}`;
        }, label);
      await (await byText('etax-login [role="tab"]', '企业业务')).click();
      await portal.type(await field('统一社会信用代码/纳税人识别号'), '91310110666007217T');
      await portal.type(await field('居民身份证号码/手机号码/用户名'), '17612342696');
      await portal.type(await field('个人用户密码'), DEFAULT_PASSWORD);
      await portal.click('etax-login button[type="submit"]');
      await portal.waitForSelector('etax-login >>> step-up-dialog >>> dialog[open] [role="radio"]', { timeout: 10000 });
      await (await byText('etax-login >>> step-up-dialog >>> [role="radio"]', '短信验证')).click();
      const sms = 'etax-login >>> step-up-dialog >>> sms-verify >>> ';
      await (await portal.waitForSelector(`${sms}[part="send"]`, { timeout: 10000 }))!.click();
      // The phone's inbox, fed by the server's event stream.
      const seen = await until(p, 'the SMS on the phone', (s) => /\d{6}/.test(s.sms));
      const code = /(\d{6})/.exec(seen.sms)![1];
      await portal.type(`${sms}[part="input"]`, code);
      await portal.click(`${sms}[part="submit"]`);
      await until(p, 'the portal going home', (s) => s.notice.includes('/portal/home'));
      const flow = demo.host.control.flows.at(-1);
      assert.equal(flow?.kind, 'password');
      assert.equal(flow?.status, 'authenticated');
      assert.equal(demo.host.control.lastCode, code);
      // The phone's inbox is the test outbox of the app API, read by the demo server as the apps' backend.
      assert.ok(appApi().includes('POST /app-api/v1/test/sms-outbox 200'));
      assert.deepEqual(errors, []);
    } finally {
      await p.close();
    }
  });
});
