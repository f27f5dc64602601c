// `npm start` as a person uses it: the demo served by the reference server, its
// `<etax-login>` talking to the server's API over real sockets (no service
// worker in between), the phone simulator acting through the signed app API,
// by way of the demo server playing the tax apps' backend (the production
// command has no demo route: cli.test.ts). Every
// journey of the official instructions, in both languages: the person types into
// the portal's form and the step-up dialog, and plays the phone by its own
// buttons; the test checks what they see, in their language, and how the server's
// flow ended. One server, one browser and one page for the file: the page is opened
// once for each language, and before each journey the server panel's reset makes the
// server forget every flow, code and counter and the page start a new login.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, ElementHandle, Frame, HTTPResponse, Page } from 'puppeteer-core';
import { launchChromium } from './chromium.js';
// @ts-expect-error: a plain .mjs script of the repository, without types
import { startDemo } from '../../scripts/demo-server.mjs';
import { STRINGS, type DemoLang } from '../../demo/strings.js';
import { en } from '../../src/components/i18n/en.js';
import type { Translation } from '../../src/components/i18n/translation.js';
import { zhCN } from '../../src/components/i18n/zh-CN.js';
import { DEFAULT_PASSWORD, ROLE_LABELS } from '../../src/mock/fixtures.js';
import type { RunningDemoHost } from '../src/demo-host.js';

interface Demo {
  url: string;
  host: RunningDemoHost;
  stop(): Promise<void>;
}

let demo: Demo;
let browser: Browser;
let p: Page;
/** Uncaught errors of the page, and what it logged as errors, since the journey began. */
let errors: string[] = [];
/** The demo server's log: one line a request. */
const lines: Record<string, unknown>[] = [];
/** `METHOD path status` of the app API's requests the server answered. */
const appApi = () =>
  lines.filter((l) => String(l.path).startsWith('/app-api/')).map((l) => `${l.method} ${l.path} ${l.status}`);

before(async () => {
  demo = (await startDemo({ port: 0, quiet: true, log: (l: Record<string, unknown>) => lines.push(l) })) as Demo;
  browser = await launchChromium();
  p = await browser.newPage();
  await p.setViewport({ width: 1400, height: 1000 });
  p.on('pageerror', (e) => errors.push(String(e)));
  p.on('console', (m) => void (m.type() === 'error' && errors.push(m.text())));
});

after(async () => {
  await browser?.close();
  await demo?.stop();
});

const lastFlow = () => demo.host.control.flows.at(-1);

/** What the person sees: the phone simulator, its SMS banner, the QR panel, the step-up dialog, the notice above the portal. */
const look = () =>
  p.evaluate(() => {
    const deep = (node: Node | null | undefined): string => {
      if (!node) return '';
      if (node.nodeType === Node.TEXT_NODE) return node.textContent ?? '';
      if (node instanceof HTMLStyleElement) return '';
      const own = [...node.childNodes].map(deep).join(' ');
      const root = (node as Element).shadowRoot;
      return root ? `${deep(root)} ${own}` : own;
    };
    const text = (n: Node | null | undefined) => deep(n).replace(/\s+/g, ' ').trim();
    const login = document.querySelector<HTMLIFrameElement>('#portal')?.contentDocument?.querySelector('etax-login');
    const panel = login?.shadowRoot?.querySelector('qr-login-panel')?.shadowRoot;
    const dialog = login?.shadowRoot?.querySelector('step-up-dialog')?.shadowRoot?.querySelector('dialog[open]');
    return {
      phone: text(document.querySelector('demo-phone')?.shadowRoot),
      sms: text(document.querySelector('demo-phone')?.shadowRoot?.querySelector('.banner')),
      qr: text(panel?.querySelector('[part="status"]')),
      qrShown: !!panel?.querySelector('svg[part="qr-code"] path'),
      dialog: text(dialog),
      faceQr: !!dialog?.querySelector('qr-login-panel')?.shadowRoot?.querySelector('svg[part="qr-code"] path'),
      notice: text(document.querySelector('#notice')),
      panel: text(document.querySelector('demo-server')?.shadowRoot?.querySelector('p')),
      workers: !!navigator.serviceWorker?.controller,
    };
  });

type Seen = Awaited<ReturnType<typeof look>>;

/** Whether a text the page shows has `words` in it (the spaces between elements aside). */
const shows = (text: string, words: string) => text.replace(/\s+/g, '').includes(words.replace(/\s+/g, ''));

/** Waits until the page shows what `test` looks for; else fails with what it shows. */
async function until(what: string, test: (seen: Seen) => unknown, ms = 10000): Promise<Seen> {
  const end = Date.now() + ms;
  for (;;) {
    const seen = await look();
    if (test(seen)) return seen;
    if (Date.now() > end) throw new Error(`${what}: never seen; the page shows ${JSON.stringify(seen)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The first element under `selector` (through shadow roots) whose text has `words`. */
async function byText(in_: Page | Frame, selector: string, words: string): Promise<ElementHandle> {
  for (const handle of await in_.$$(selector)) {
    if ((await handle.evaluate((el) => el.textContent ?? '')).replace(/\s+/g, ' ').includes(words)) return handle;
  }
  throw new Error(`no ${selector} that says ${words}`);
}

/** A journey in one language: the page open, and what the person does with it. */
function person(lang: DemoLang) {
  const t: Translation = lang === 'en' ? en : zhCN;
  const d = STRINGS[lang];
  let portal: Frame;
  const dialog = 'etax-login >>> step-up-dialog >>> ';
  const sms = `${dialog}sms-verify >>> `;
  /** What the QR panel says while it waits for a scan. */
  const waiting = t.qr.scanWith(`${t.apps.etax}${t.qr.appsJoin}${t.apps.iit}`);

  return {
    t,
    d,
    waiting,
    /**
     * The demo page in this language, with a new login on a server that has forgotten every
     * flow, code and counter: the page opened the first time, then the server panel's reset,
     * as a person starts again.
     */
    async open() {
      const url = `${demo.url}/?lang=${lang}`;
      if (p.url() !== url) {
        await p.goto('about:blank');
        demo.host.control.reset();
        errors = [];
        await p.goto(url);
      } else {
        errors = [];
        await (await byText(p, 'demo-server >>> button', d.server.reset)).click();
      }
      const seen = await until('a new login QR, the only flow on the server', (s) => {
        const flows = demo.host.control.flows;
        return s.qrShown && s.notice === '' && flows.length === 1 && flows[0].status === 'qr_waiting';
      });
      assert.ok(shows(seen.qr, waiting), seen.qr);
      portal = p.frames().find((f) => f.url().endsWith('/portal.html'))!;
    },
    /** Clicks the phone's button that reads `name`. */
    async press(name: string) {
      await (await byText(p, 'demo-phone >>> button', name)).click();
    },
    /** Picks the app on the phone (a radio named after it), and the account the app is signed in to. */
    async useApp(app: 'etax' | 'iit', account?: string) {
      await (await byText(p, 'demo-phone >>> fieldset label', d.phone.apps[app])).click();
      if (account) await p.select('demo-phone >>> select', account);
    },
    /** On the IIT app's face screen: ticks the agreement and drags the slider to its end. */
    async agreeAndSlide() {
      await (await byText(p, 'demo-phone >>> label', d.phone.agree)).click();
      const slider = (await p.$('demo-phone >>> input[type="range"]'))!;
      const box = (await slider.boundingBox())!;
      await p.mouse.move(box.x + 4, box.y + box.height / 2);
      await p.mouse.down();
      await p.mouse.move(box.x + box.width + 20, box.y + box.height / 2, { steps: 8 });
      await p.mouse.up();
    },
    /** Logs in with a password at `entry`; resolves once the step-up dialog shows its methods. */
    async password(
      entry: 'enterprise' | 'individual' | 'agent',
      fields: [keyof Translation['login']['fields'], string][],
    ) {
      await (await byText(portal, 'etax-login [role="tab"]', t.login.entries[entry])).click();
      for (const [key, value] of [...fields, ['password', DEFAULT_PASSWORD] as const]) {
        const label = t.login.fields[key];
        const id = await portal.evaluate((l) => {
          const found = [...document.querySelectorAll('etax-login label')].find((x) => x.textContent?.trim() === l);
          return (found as HTMLLabelElement | undefined)?.htmlFor;
        }, label);
        assert.ok(id, `a field labelled ${label}`);
        // What the field holds from the last login is selected and typed over.
        await portal.focus(`#${id}`);
        await p.keyboard.down('Control');
        await p.keyboard.press('KeyA');
        await p.keyboard.up('Control');
        await p.keyboard.type(value);
      }
      await (await byText(portal, 'etax-login button[type="submit"]', t.login.submit)).click();
      await until('the step-up dialog', (s) => shows(s.dialog, t.stepUp.title) && shows(s.dialog, t.stepUp.intro));
    },
    async chooseMethod(method: 'face_iit' | 'face_etax' | 'sms') {
      await (await byText(portal, `${dialog}[role="radio"]`, t.stepUp.methods[method])).click();
      if (method !== 'sms') await until('the face QR', (s) => s.faceQr);
    },
    /** Clicks the dialog's button that reads `name`. */
    async dialogButton(name: string) {
      await (await byText(portal, `${dialog}button`, name)).click();
    },
    /** Clicks the QR panel's button that reads `name`. */
    async qrButton(name: string) {
      await (await byText(portal, 'etax-login >>> qr-login-panel >>> button', name)).click();
    },
    /** Asks for the SMS code, reads it off the phone, types it and logs in. */
    async smsLogin(masked: string) {
      await until('the SMS form', (s) => shows(s.dialog, t.sms.send));
      await (await portal.$(`${sms}[part="send"]`))!.click();
      await until('the code sent', (s) => shows(s.dialog, t.sms.sent(masked)));
      const seen = await until('the SMS on the phone', (s) => /\d{6}/.test(s.sms));
      const code = /(\d{6})/.exec(seen.sms)![1];
      await portal.type(`${sms}[part="input"]`, code);
      await portal.click(`${sms}[part="submit"]`);
      return code;
    },
    /** In the identity choice: picks the choice that reads `words`, then goes on. */
    async chooseIdentity(words: string) {
      await (await byText(portal, `${dialog}label`, words)).click();
      await this.dialogButton(t.identity.confirm);
    },
    /** The portal would go home: the demo says so, in the page's language. */
    async home() {
      await until('the portal going home', (s) => shows(s.notice, d.redirected('/portal/home')));
      assert.equal(lastFlow()?.status, 'authenticated');
      assert.deepEqual(errors, []);
    },
  };
}

for (const lang of ['zh-CN', 'en'] as const) {
  describe(`the demo on the reference server (npm start), ${lang}`, () => {
    const you = person(lang);
    const { t, d, waiting } = you;

    it('QR login with the e-tax app: the phone scans and confirms through the server', async () => {
      /** API answers the page received, and whether a service worker gave them. */
      const api: { path: string; status: number; worker: boolean }[] = [];
      /** What the page asked of the demo server besides its API and its files. */
      const asked: string[] = [];
      const onResponse = (r: HTTPResponse) => {
        const { pathname } = new URL(r.url());
        if (pathname.startsWith('/api/etax-login/'))
          api.push({ path: pathname, status: r.status(), worker: r.fromServiceWorker() });
        if (/^\/(?:dev|demo|app-api)\//.test(pathname)) asked.push(`${r.request().method()} ${pathname}`);
      };
      p.on('response', onResponse);
      try {
        const before = lines.length;
        await you.open();
        await you.useApp('etax', 'wangxiuying');
        await you.press(d.phone.scan);
        await until('scanned on the page', (s) => shows(s.qr, t.qr.scanned(t.apps.etax)));
        await until('the confirmation on the phone', (s) => shows(s.phone, d.phone.confirmTitle));
        await you.press(d.phone.confirm);
        await until('confirmed on the phone', (s) => shows(s.phone, d.phone.results.confirmed));
        await you.home();
        // The server, not the page, ran the flow: it ended there, authenticated.
        const flow = lastFlow()!;
        assert.equal(flow.kind, 'qr');
        assert.equal(flow.account, 'wangxiuying');
        // Every answer came over the network, none from msw's service worker.
        assert.ok(
          api.some((a) => a.path === '/api/etax-login/v1/flows/qr' && a.status === 201),
          JSON.stringify(api),
        );
        assert.deepEqual(
          api.filter((a) => a.worker),
          [],
        );
        const seen = await look();
        assert.equal(seen.workers, false);
        assert.equal(seen.panel, d.server.introOnServer);
        // The phone scanned and confirmed through the app API, signed by the demo server as the apps'
        // backend: the page itself never called the app API, nor a development route of the phone.
        const served = appApi();
        assert.ok(served.includes('POST /app-api/v1/scan 200'), JSON.stringify(served));
        assert.ok(served.includes(`POST /app-api/v1/flows/${flow.id}/confirm 200`), JSON.stringify(served));
        assert.ok(lines.slice(before).some((l) => l.path === '/demo/tax-app/scan' && l.status === 200));
        assert.ok(asked.includes('POST /demo/tax-app/scan'), JSON.stringify(asked));
        assert.deepEqual(
          asked.filter((a) => a.includes('/app-api/') || /\/dev\/demo\/(?:scan|confirm)/.test(a)),
          [],
        );
      } finally {
        p.off('response', onResponse);
      }
    });

    it('QR login with the IIT app, as a person with three capacities, then the choice of capacity', async () => {
      await you.open();
      await you.useApp('iit', 'liqiang');
      await you.press(d.phone.scan);
      await until('scanned with the IIT app', (s) => shows(s.qr, t.qr.scanned(t.apps.iit)));
      await until('the confirmation on the phone', (s) => shows(s.phone, d.phone.confirmText('李强')));
      await you.press(d.phone.confirm);
      await until('the capacities', (s) => shows(s.dialog, t.identity.title) && shows(s.dialog, t.identity.capacity));
      await you.chooseIdentity(ROLE_LABELS.finance_manager[lang]!);
      await you.home();
      assert.equal(lastFlow()?.account, 'liqiang');
      assert.equal(lastFlow()?.identity?.role, 'finance_manager');
    });

    it('QR refused on the phone: the page says so and offers a new QR', async () => {
      await you.open();
      await you.useApp('etax', 'wangxiuying');
      await you.press(d.phone.scan);
      await until('the confirmation on the phone', (s) => shows(s.phone, d.phone.confirmTitle));
      await you.press(d.phone.deny);
      await until(
        'the refusal on the page and on the phone',
        (s) => shows(s.qr, t.qr.denied) && shows(s.phone, d.phone.results.denied),
      );
      assert.equal(lastFlow()?.status, 'denied');
      const refused = lastFlow()?.id;
      await you.qrButton(t.qr.refresh);
      const again = await until('a new QR', (s) => s.qrShown && shows(s.qr, waiting));
      assert.notEqual(lastFlow()?.id, refused);
      assert.equal(lastFlow()?.status, 'qr_waiting');
      assert.equal(again.notice, '');
      assert.deepEqual(errors, []);
    });

    it('enterprise password, then face recognition with the IIT app', async () => {
      await you.open();
      await you.password('enterprise', [
        ['taxpayerId', '91310110666007217T'],
        ['account', '17612342696'],
      ]);
      await you.chooseMethod('face_iit');
      await until('the IIT app’s steps', (s) => shows(s.dialog, t.stepUp.faceSteps.face_iit));
      await until('the face QR on the phone', (s) => shows(s.phone, d.phone.faceQr(d.phone.apps.iit)));
      await you.useApp('iit', 'wangxiuying');
      await you.press(d.phone.scan);
      await until('scanned on the page', (s) => shows(s.dialog, t.stepUp.faceScanned(t.apps.iit)));
      await until(
        'the face screen on the phone',
        (s) => shows(s.phone, d.phone.faceTitle) && shows(s.phone, d.phone.agree),
      );
      await you.agreeAndSlide();
      await you.press(d.phone.startFace);
      await until('checking on the page', (s) => shows(s.dialog, t.stepUp.verifying));
      await you.press(d.phone.pass);
      await until('passed on the phone', (s) => shows(s.phone, d.phone.results.passed));
      await you.home();
      assert.equal(lastFlow()?.kind, 'password');
      assert.equal(lastFlow()?.account, 'wangxiuying');
    });

    it('individual password, then face recognition with the e-tax app', async () => {
      await you.open();
      await you.password('individual', [['account', '11010519491231002X']]);
      await you.chooseMethod('face_etax');
      await until('the e-tax app’s steps', (s) => shows(s.dialog, t.stepUp.faceSteps.face_etax));
      await you.useApp('etax', 'wangxiuying');
      await you.press(d.phone.scan);
      await until('scanned on the page', (s) => shows(s.dialog, t.stepUp.faceScanned(t.apps.etax)));
      await you.press(d.phone.startFace);
      await until('checking on the page', (s) => shows(s.dialog, t.stepUp.verifying));
      await you.press(d.phone.pass);
      await you.home();
      assert.equal(lastFlow()?.entry, 'individual');
    });

    it('face recognition fails, then the SMS code', async () => {
      await you.open();
      await you.password('individual', [['account', 'wangxiuying']]);
      await you.chooseMethod('face_etax');
      await you.useApp('etax', 'wangxiuying');
      await you.press(d.phone.scan);
      await until('the face screen on the phone', (s) => shows(s.phone, d.phone.startFace));
      await you.press(d.phone.startFace);
      await until('checking', (s) => shows(s.phone, d.phone.fail));
      await you.press(d.phone.fail);
      await until('the failure on the phone', (s) =>
        shows(s.phone, d.phone.results.failed(lastFlow()!.faceAttemptsLeft)),
      );
      const left = lastFlow()!.faceAttemptsLeft;
      assert.equal(lastFlow()?.status, 'face_failed');
      const seen = await until('the failure on the page', (s) => shows(s.dialog, t.stepUp.faceFailed(left, true)));
      assert.ok(shows(seen.phone, d.phone.results.failed(left)), seen.phone);
      await you.dialogButton(t.stepUp.useSms);
      await until('the bound phone, masked', (s) => shows(s.dialog, t.sms.phone('176****2696')));
      const code = await you.smsLogin('176****2696');
      await you.home();
      assert.equal(demo.host.control.lastCode, code);
    });

    it('enterprise password and the SMS code the phone received from the server', async () => {
      await you.open();
      await you.password('enterprise', [
        ['taxpayerId', '91310110666007217T'],
        ['account', '17612342696'],
      ]);
      await you.chooseMethod('sms');
      await until('the bound phone, masked', (s) => shows(s.dialog, t.sms.phone('176****2696')));
      const code = await you.smsLogin('176****2696');
      await you.home();
      assert.equal(demo.host.control.lastCode, code);
      // The phone's inbox is the test outbox of the app API, read by the demo server as the apps' backend.
      assert.ok(appApi().includes('POST /app-api/v1/test/sms-outbox 200'));
    });

    it('agent password, face recognition, then the choice of the client enterprise', async () => {
      await you.open();
      await you.password('agent', [
        ['agencyTaxpayerId', '9144030071526726XG'],
        ['agentAccount', 'zhaolei'],
      ]);
      await you.chooseMethod('face_etax');
      // The app signed in to another person cannot answer for the agent: it says so, in its words.
      await you.useApp('etax', 'wangxiuying');
      await you.press(d.phone.scan);
      await until('the refusal on the phone', (s) => shows(s.phone, d.phone.refusals.forbidden));
      // (The browser logs the app API's refusal, 403, as any failed request.)
      assert.deepEqual(
        errors.splice(0).map((e) => e.includes('403')),
        [true],
      );
      await you.useApp('etax', 'zhaolei');
      await you.press(d.phone.scan);
      await until('the face screen on the phone', (s) => shows(s.phone, d.phone.startFace));
      await you.press(d.phone.startFace);
      await until('checking', (s) => shows(s.phone, d.phone.pass));
      await you.press(d.phone.pass);
      await until('the clients', (s) => shows(s.dialog, t.identity.clientTitle) && shows(s.dialog, t.identity.client));
      await you.chooseIdentity('武汉江城示例餐饮有限公司');
      await you.home();
      assert.equal(lastFlow()?.account, 'zhaolei');
      assert.equal(lastFlow()?.identity?.taxpayerId, '91420100MA4K2L7Q1C');
    });
  });
}

describe('the demo server (npm start) and the phone', () => {
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
});
