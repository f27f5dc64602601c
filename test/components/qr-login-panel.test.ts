/**
 * `<qr-login-panel>` as a person sees and uses it: every state against the
 * mock backend (real requests through msw), by keyboard and by pointer, with
 * its events; the countdown and removal under fake timers with a scripted
 * fetch.
 */
import { expect, fixture, html, waitUntil } from '@open-wc/testing';
import { resetMouse, sendKeys, sendMouse } from '@web/test-runner-commands';
import { http } from 'msw';
import { create } from 'qrcode/lib/core/qrcode.js';
import sinon from 'sinon';
import { createLoginClient, type LoginClient } from '../../src/client/client.js';
import type { QrCode } from '../../src/client/protocol.js';
import '../../src/components/qr-login-panel/define.js';
import type { QrLoginPanel } from '../../src/components/qr-login-panel/qr-login-panel.js';
import { createMockBackend, type MockBackendOptions, type MockControl } from '../../src/mock/index.js';
import { capabilities, created, errorReply, fakeFetch, json, qrWaiting, reply, type Call } from '../client/fakes.js';
import { mockWorker } from '../mock-worker.js';
import { LOGINS } from '../logins.js';

const BASE = '/api/qr-panel';
const backend = createMockBackend({ baseUrl: BASE, pollInterval: 0.05 });
const control = backend.control;
const worker = mockWorker(...backend.handlers);

const part = (el: HTMLElement, name: string) => el.shadowRoot!.querySelector<HTMLElement>(`[part~="${name}"]`);
const text = (el: HTMLElement) => (el.shadowRoot!.textContent ?? '').replace(/\s+/g, ' ').trim();
const statusOf = (el: HTMLElement) => part(el, 'status')!.textContent!.trim();
const svgOf = (el: HTMLElement) => el.shadowRoot!.querySelector<SVGSVGElement>('svg[part="qr-code"]');
const shows = (el: HTMLElement, words: string) =>
  waitUntil(() => text(el).includes(words), `shows "${words}" (shows "${text(el)}")`, { timeout: 4000 });
/** A backend of the test's own, with other options, at the same base URL; reset after the test. */
let own: MockControl | undefined;
function serveOwn(options: MockBackendOptions): MockControl {
  const b = createMockBackend({ baseUrl: BASE, pollInterval: 0.05, ...options });
  worker.use(...b.handlers);
  return (own = b.control);
}

/**
 * Fake time for every timer and clock of the page, from now; install it before the element
 * (or the client) that the test watches sets a timer. The client of the test before, destroyed,
 * may still be settling its aborted requests, whose timers are the browser's: clearing one of
 * them goes to the browser.
 */
const fakeClock = () =>
  sinon.useFakeTimers({
    now: Date.now(),
    toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date', 'performance'],
    shouldClearNativeTimers: true,
  });

const liveQr = (): QrCode => (control.flow()!.state as { qr: QrCode }).qr;

/** The `etax-*` events an element dispatches, in order. */
function record(el: HTMLElement) {
  const seen: { type: string; detail: Record<string, unknown> }[] = [];
  for (const type of [
    'etax-qr-ready',
    'etax-qr-scanned',
    'etax-qr-expired',
    'etax-cancel',
    'etax-login-success',
    'etax-error',
  ]) {
    el.addEventListener(type, (e) =>
      seen.push({ type, detail: (e as Event & { detail: Record<string, unknown> }).detail }),
    );
  }
  return {
    seen,
    of: (type: string) => seen.filter((e) => e.type === type).map((e) => e.detail),
  };
}

async function panel(attrs: { lang?: string } = {}) {
  const el = await fixture<QrLoginPanel>(
    html`<qr-login-panel base-url=${BASE} transport="poll" lang=${attrs.lang ?? ''}></qr-login-panel>`,
  );
  const events = record(el);
  return { el, events };
}

const waiting = async (el: QrLoginPanel) => {
  await waitUntil(() => svgOf(el) && !part(el, 'overlay'), 'a QR on show', { timeout: 4000 });
  await el.updateComplete;
};

/** Rasterises the rendered QR at the size it is shown and reads back each module from the pixels. */
async function modulesFromPixels(svg: SVGSVGElement): Promise<boolean[][]> {
  const px = Math.round(svg.getBoundingClientRect().width);
  const img = new Image();
  img.src = URL.createObjectURL(new Blob([new XMLSerializer().serializeToString(svg)], { type: 'image/svg+xml' }));
  await img.decode();
  const canvas = document.createElement('canvas');
  canvas.width = canvas.height = px;
  const ctx = canvas.getContext('2d')!;
  ctx.drawImage(img, 0, 0, px, px);
  const n = svg.viewBox.baseVal.width;
  const data = ctx.getImageData(0, 0, px, px).data;
  return Array.from({ length: n }, (_, y) =>
    Array.from({ length: n }, (_, x) => {
      const i = (Math.floor(((y + 0.5) * px) / n) * px + Math.floor(((x + 0.5) * px) / n)) * 4;
      return data[i] + data[i + 1] + data[i + 2] < 384;
    }),
  );
}

/** Reads the modules back from the path's run-length rectangles (`M x y h run v1 h-run z`). */
function modulesFromPath(svg: SVGSVGElement): boolean[][] {
  const n = svg.viewBox.baseVal.width;
  const m = Array.from({ length: n }, () => Array<boolean>(n).fill(false));
  for (const [, x, y, run] of svg
    .querySelector('path')!
    .getAttribute('d')!
    .matchAll(/M(\d+) (\d+)h(\d+)v1h-\3z/g)) {
    for (let i = 0; i < +run; i++) m[+y][+x + i] = true;
  }
  return m;
}

/** What the QR must look like: `qrcode`'s own encoding of the payload (level M, one byte segment) inside a 4-module white quiet zone. */
function expected(payload: string): boolean[][] {
  const { modules } = create([{ data: new TextEncoder().encode(payload), mode: 'byte' }], {
    errorCorrectionLevel: 'M',
  });
  const n = modules.size + 8;
  return Array.from({ length: n }, (_, y) =>
    Array.from({ length: n }, (_, x) => x >= 4 && y >= 4 && x < n - 4 && y < n - 4 && !!modules.get(y - 4, x - 4)),
  );
}

describe('qr-login-panel', () => {
  afterEach(async () => {
    await resetMouse();
    worker.resetHandlers();
    control.reset();
    own?.reset();
    own = undefined;
  });

  describe('login QR', () => {
    it('shows a placeholder of the QR’s size while loading, then the QR with its match code, apps and lifetime', async () => {
      // The QR is held back until the loading state has been looked at.
      let release!: () => void;
      const held = new Promise<void>((r) => (release = r));
      worker.use(http.post(`${BASE}/v1/flows/qr`, () => held));
      const { el, events } = await panel();
      await expect(el).to.be.accessible();
      expect(statusOf(el)).to.equal('二维码加载中…');
      expect(part(el, 'status')!.getAttribute('role')).to.equal('status');
      expect(svgOf(el)).to.equal(null);
      const box = part(el, 'qr')!.getBoundingClientRect();
      expect([box.width, box.height]).to.deep.equal([200, 200]);
      expect(text(el)).to.include('请使用电子税务局APP或个人所得税APP扫描二维码登录');

      release();
      await waiting(el);
      await expect(el).to.be.accessible();
      const after = part(el, 'qr')!.getBoundingClientRect();
      expect([after.width, after.height, after.top]).to.deep.equal([200, 200, box.top]);
      const svg = svgOf(el)!;
      expect(svg.getAttribute('role')).to.equal('img');
      expect(svg.getAttribute('aria-label')).to.equal('登录二维码');
      const qr = liveQr();
      expect(qr.matchCode).to.match(/^\d\d$/);
      expect(part(el, 'match-code')!.textContent!.replace(/\s+/g, '')).to.equal(
        `请确认手机上显示的校验码为${qr.matchCode}`,
      );
      expect(part(el, 'match-code')!.querySelector('strong')!.textContent).to.equal(qr.matchCode);
      expect(part(el, 'apps')!.textContent).to.equal('请使用电子税务局APP或个人所得税APP扫描二维码登录');
      expect(part(el, 'countdown')!.textContent).to.equal('二维码1分钟后失效');
      // The countdown is not in the live region; the QR's arrival is.
      expect(part(el, 'status')!.contains(part(el, 'countdown'))).to.equal(false);
      expect(statusOf(el)).to.include('请使用电子税务局APP或个人所得税APP扫描二维码登录');
      expect(statusOf(el)).to.include(qr.matchCode!);
      expect(events.of('etax-qr-ready')).to.deep.equal([
        { flowId: control.flow()!.id, matchCode: qr.matchCode, expiresIn: 60 },
      ]);
    });

    it('shows the QR after one round trip: it does not wait for the capabilities', async () => {
      let release!: () => void;
      const held = new Promise<void>((r) => (release = r));
      let capsAnswered = false;
      worker.use(
        http.get(`${BASE}/v1/capabilities`, async () => {
          await held;
          capsAnswered = true;
          return undefined; // on to the mock backend's answer
        }),
      );
      const { el } = await panel();
      await waiting(el);
      expect(capsAnswered).to.equal(false);
      expect(control.requests.filter((r) => r.path === '/v1/flows/qr')).to.have.length(1);
      release();
      await waitUntil(() => capsAnswered, 'the capabilities');
    });

    it('draws a QR that reads back, module for module, as the payload’s code', async () => {
      const { el } = await panel();
      await waiting(el);
      const svg = svgOf(el)!;
      const want = expected(liveQr().payload);
      expect(svg.viewBox.baseVal.width).to.equal(want.length);
      expect(modulesFromPath(svg)).to.deep.equal(want);
      // As pixels at the default size: every module's centre has the right colour, quiet zone white.
      expect(svg.getBoundingClientRect().width / want.length).to.be.at.least(3);
      expect(await modulesFromPixels(svg)).to.deep.equal(want);
    });

    it('shows the QR without a match code when the server gives none, and only the apps it names', async () => {
      serveOwn({ matchCode: false, qrApps: ['iit'] });
      const { el } = await panel();
      await waiting(el);
      await expect(el).to.be.accessible();
      expect(part(el, 'match-code')).to.equal(null);
      expect(part(el, 'apps')!.textContent).to.equal('请使用个人所得税APP扫描二维码登录');
      expect(statusOf(el)).to.equal('请使用个人所得税APP扫描二维码登录');
    });

    for (const [app, name] of [
      ['etax', '电子税务局APP'],
      ['iit', '个人所得税APP'],
    ] as const) {
      it(`dims the QR once scanned with the ${app} app and asks to confirm on the phone`, async () => {
        const { el, events } = await panel();
        await waiting(el);
        await control.scan(app);
        await shows(el, `扫描成功，请在手机上确认（${name}）`);
        await expect(el).to.be.accessible();
        expect(statusOf(el)).to.equal(`扫描成功，请在手机上确认（${name}）`);
        expect(part(el, 'status')!.closest('[part~="overlay"]')).to.equal(part(el, 'overlay'));
        expect(part(el, 'status')!.classList.contains('etax-visually-hidden')).to.equal(false);
        expect(svgOf(el)).not.to.equal(null);
        expect(part(el, 'match-code')).not.to.equal(null);
        expect(part(el, 'countdown')).to.equal(null);
        expect(events.of('etax-qr-scanned')).to.deep.equal([{ app }]);
      });
    }

    it('says it is logging in once confirmed on the phone', async () => {
      const plain = serveOwn({ redirectUrl: '/portal' });
      const { el, events } = await panel();
      await waiting(el);
      plain.scan('etax');
      await shows(el, '扫描成功');
      plain.confirm();
      await shows(el, '已确认，正在登录…');
      await expect(el).to.be.accessible();
      expect(part(el, 'refresh')).to.equal(null);
      const success = events.of('etax-login-success');
      expect(success).to.have.length(1);
      expect(success[0]).to.include({ via: 'qr', redirectUrl: '/portal' });
    });

    for (const [how, words, reason] of [
      ['denied on the phone', '您已在手机上拒绝登录', 'denied'],
      ['cancelled on the phone', '您已在手机上取消登录', 'cancelled'],
      // Not by the person, on neither side: no word of a phone.
      ['cancelled by the service', '已取消登录。', 'cancelled'],
    ] as const) {
      it(`covers the QR with the message and a refresh button when ${how}`, async () => {
        const { el, events } = await panel();
        await waiting(el);
        await control.scan('iit');
        await shows(el, '扫描成功');
        if (how.startsWith('denied')) await control.deny();
        else await control.cancel({ by: how.endsWith('service') ? 'server' : 'phone' });
        await shows(el, words);
        await expect(el).to.be.accessible();
        expect(statusOf(el)).to.equal(words);
        expect(part(el, 'overlay')!.contains(part(el, 'refresh'))).to.equal(true);
        expect(part(el, 'refresh')!.tagName).to.equal('BUTTON');
        expect(part(el, 'refresh')!.textContent!.trim()).to.equal('刷新二维码');
        expect(events.of('etax-cancel')).to.deep.equal([{ reason }]);
      });
    }

    it('fetches a new QR by itself when one expires, the set number of times in a row, then shows the expired overlay', async () => {
      const once = serveOwn({ qrRotates: false });
      const { el, events } = await panel();
      const flows = () => once.flows.length;
      const nextQr = async (n: number) => {
        await waitUntil(() => flows() === n && once.flow()?.status === 'qr_waiting', `flow ${n}`, {
          timeout: 4000,
        });
        await waiting(el);
      };
      await nextQr(1);
      once.expireQr();
      await nextQr(2);
      // A scan counts again from zero.
      once.scan('iit');
      await shows(el, '扫描成功');
      once.unscan();
      await waiting(el);
      once.expireQr();
      await nextQr(3);
      once.expireQr();
      await nextQr(4);
      once.expireQr();
      await shows(el, '二维码已失效');
      await expect(el).to.be.accessible();
      expect(statusOf(el)).to.equal('二维码已失效');
      expect(part(el, 'refresh')!.textContent!.trim()).to.equal('刷新二维码');
      expect(flows()).to.equal(4);
      expect(events.of('etax-qr-expired')).to.deep.equal([
        { autoRefresh: true },
        { autoRefresh: true },
        { autoRefresh: true },
        { autoRefresh: false },
      ]);
      expect(events.of('etax-qr-ready')).to.have.length(4);
      expect(el.willAutoRefresh).to.equal(false);

      // The person refreshes: a new flow, and the count starts again.
      part(el, 'refresh')!.click();
      await nextQr(5);
      expect(el.willAutoRefresh).to.equal(true);
    });

    it('does not replace a scanned QR by itself when its flow times out: the person is told', async () => {
      const once = serveOwn({});
      const { el, events } = await panel();
      await waiting(el);
      once.scan('etax');
      await shows(el, '扫描成功');
      once.expireFlow();
      await shows(el, '二维码已失效');
      await expect(el).to.be.accessible();
      expect(part(el, 'refresh')!.textContent!.trim()).to.equal('刷新二维码');
      expect(once.flows).to.have.length(1);
      expect(events.of('etax-qr-expired')).to.deep.equal([{ autoRefresh: false }]);
    });

    it('uses the clientOptions a page set before the element was defined', async () => {
      const el = document.createElement('qr-login-panel-late') as QrLoginPanel;
      el.setAttribute('base-url', BASE);
      el.setAttribute('transport', 'poll');
      const asked: string[] = [];
      el.clientOptions = {
        fetch: (input, init) => {
          asked.push(String(input));
          return fetch(input, init);
        },
      };
      document.body.append(el);
      customElements.define(
        'qr-login-panel-late',
        class extends (customElements.get('qr-login-panel') as typeof QrLoginPanel) {},
      );
      await waiting(el);
      expect(asked.map((url) => new URL(url).pathname)).to.include.members([
        `${BASE}/v1/capabilities`,
        `${BASE}/v1/flows/qr`,
      ]);
      el.remove();
    });

    it('follows the auto-refresh attribute (0: the overlay at once)', async () => {
      const once = serveOwn({ qrRotates: false });
      const el = await fixture<QrLoginPanel>(
        html`<qr-login-panel base-url=${BASE} transport="poll" auto-refresh="0"></qr-login-panel>`,
      );
      const events = record(el);
      await waiting(el);
      once.expireQr();
      await shows(el, '二维码已失效');
      expect(once.flows).to.have.length(1);
      expect(events.of('etax-qr-expired')).to.deep.equal([{ autoRefresh: false }]);
    });

    it('starts a new flow from the refresh button by keyboard (Enter, then Space), keeping the focus in the panel', async () => {
      const { el } = await panel();
      await expect(el).to.be.accessible();
      for (const [n, key] of [
        [2, 'Enter'],
        [3, 'Space'],
      ] as const) {
        await waiting(el);
        await control.scan('etax');
        await shows(el, '扫描成功');
        await control.deny();
        await shows(el, '您已在手机上拒绝登录');
        (document.activeElement as HTMLElement | null)?.blur();
        await sendKeys({ press: 'Tab' });
        expect(el.shadowRoot!.activeElement).to.equal(part(el, 'refresh'));
        expect(getComputedStyle(part(el, 'refresh')!).outlineStyle).to.equal('solid');
        await sendKeys({ press: key });
        await waitUntil(() => control.flows.length === n, `flow ${n}`);
        await waiting(el);
        expect(el.shadowRoot!.activeElement).to.equal(part(el, 'qr'));
        expect(statusOf(el)).to.include('请使用电子税务局APP或个人所得税APP扫描二维码登录');
      }
    });

    it('starts a new flow from the refresh button by pointer', async () => {
      const { el, events } = await panel();
      await expect(el).to.be.accessible();
      await waiting(el);
      await control.scan('iit');
      await shows(el, '扫描成功');
      await control.cancel();
      await shows(el, '您已在手机上取消登录');
      // The overlay does not hold the focus: Tab reaches its button, and then leaves the panel.
      (document.activeElement as HTMLElement | null)?.blur();
      await sendKeys({ press: 'Tab' });
      expect(el.shadowRoot!.activeElement).to.equal(part(el, 'refresh'));
      await sendKeys({ press: 'Tab' });
      expect(el.shadowRoot!.activeElement).to.equal(null);
      const r = part(el, 'refresh')!.getBoundingClientRect();
      await sendMouse({ type: 'click', position: [Math.round(r.x + r.width / 2), Math.round(r.y + r.height / 2)] });
      await waitUntil(() => control.flows.length === 2, 'a second flow');
      await waiting(el);
      expect(events.of('etax-qr-ready')).to.have.length(2);
    });

    it('shows an error with a retry button, and retrying loads a QR', async () => {
      control.failNext(1, 503, { method: 'POST', path: '/v1/flows/qr' });
      const { el, events } = await panel();
      await shows(el, '登录服务暂时不可用，请稍后重试。');
      await expect(el).to.be.accessible();
      expect(statusOf(el)).to.equal('登录服务暂时不可用，请稍后重试。');
      expect(part(el, 'refresh')!.textContent!.trim()).to.equal('重试');
      const errors = events.of('etax-error');
      expect(errors).to.have.length(1);
      expect(errors[0]).to.include({ code: 'unavailable', message: '登录服务暂时不可用，请稍后重试。' });
      part(el, 'refresh')!.click();
      await waiting(el);
      expect(control.flows).to.have.length(1);
    });

    it('says the service is busy, with a retry button, when the server asks to wait past the QR flow’s end', async () => {
      const { el, events } = await panel();
      await waiting(el);
      control.throttle(86400, { match: { method: 'GET', path: /^\/v1\/flows\/[^/]+\?after=/ } });
      await shows(el, '登录服务繁忙，请稍后重试。');
      expect(part(el, 'refresh')!.textContent!.trim()).to.equal('重试');
      expect(events.of('etax-error')).to.deep.include({
        code: 'busy',
        message: '登录服务繁忙，请稍后重试。',
        attemptsLeft: undefined,
        retryAfter: 86400,
        field: undefined,
      });
      await expect(el).to.be.accessible();
    });

    it('switches language at runtime and takes overridden words', async () => {
      const { el } = await panel();
      await waiting(el);
      await expect(el).to.be.accessible();
      el.lang = 'en';
      await el.updateComplete;
      expect(svgOf(el)!.getAttribute('aria-label')).to.equal('Login QR code');
      expect(part(el, 'apps')!.textContent).to.equal(
        'Scan the QR code with the e-Tax app or the Individual Income Tax app to log in.',
      );
      expect(part(el, 'countdown')!.textContent).to.equal('The QR code expires in 1 minute');
      expect(part(el, 'match-code')!.textContent).to.include('Check that your phone shows the code');
      el.lang = 'zh-CN';
      await el.updateComplete;
      expect(part(el, 'apps')!.textContent).to.equal('请使用电子税务局APP或个人所得税APP扫描二维码登录');

      el.strings = { qr: { label: '扫码登录', refresh: '换一张' } };
      await el.updateComplete;
      expect(svgOf(el)!.getAttribute('aria-label')).to.equal('扫码登录');
      await control.scan('etax');
      await shows(el, '扫描成功');
      await control.deny();
      await shows(el, '换一张');
      // Words not overridden stay the language's own.
      expect(statusOf(el)).to.equal('您已在手机上拒绝登录');
    });

    it('passes the accessibility check in dark and large-text modes, with a larger QR', async () => {
      const el = await fixture<QrLoginPanel>(
        html`<qr-login-panel base-url=${BASE} transport="poll" theme="dark" large-text></qr-login-panel>`,
      );
      await expect(el).to.be.accessible();
      await waiting(el);
      await expect(el).to.be.accessible();
      expect(part(el, 'qr')!.getBoundingClientRect().width).to.equal(240);
      await control.scan('etax');
      await control.deny();
      await shows(el, '刷新二维码');
      await expect(el).to.be.accessible();
    });

    it('starts nothing when embedded: the container starts and shares the client', async () => {
      const sent: string[] = [];
      const fetch: typeof window.fetch = (input, init) => {
        sent.push(String(input));
        return window.fetch(input, init);
      };
      const client = createLoginClient({ baseUrl: BASE, transport: 'poll', crossTab: false, fetch });
      try {
        const clock = fakeClock();
        let el: QrLoginPanel;
        try {
          el = await fixture<QrLoginPanel>(html`<qr-login-panel embedded .client=${client}></qr-login-panel>`);
          // A minute on the page's clock, every promise settled on the way: the client was left alone.
          await clock.tickAsync(60_000);
          expect(client.state.kind).to.equal('idle');
          expect(sent).to.deep.equal([]);
        } finally {
          clock.restore();
        }
        const events = record(el);
        await expect(el).to.be.accessible();
        expect(statusOf(el)).to.equal('二维码加载中…');
        await client.startQr();
        await waiting(el);
        // The container dispatches the events of an embedded panel.
        expect(events.seen).to.deep.equal([]);
      } finally {
        client.destroy();
      }
    });
  });

  describe('face mode', () => {
    let client: LoginClient;
    beforeEach(async () => {
      client = createLoginClient({ baseUrl: BASE, transport: 'poll', crossTab: false });
      await client.submitPassword(LOGINS.liqiang);
    });
    afterEach(() => client.destroy());

    it('shows the face-recognition QR of the step-up and each of its states, starting nothing', async () => {
      const el = await fixture<QrLoginPanel>(
        html`<qr-login-panel mode="face" embedded .client=${client}></qr-login-panel>`,
      );
      await expect(el).to.be.accessible();
      expect(svgOf(el)).to.equal(null);
      expect(statusOf(el)).to.equal('');

      await client.chooseStepUp('face_iit');
      await waiting(el);
      await expect(el).to.be.accessible();
      expect(svgOf(el)!.getAttribute('aria-label')).to.equal('个人所得税APP扫码人脸识别');
      expect(part(el, 'apps')!.textContent).to.include('勾选授权协议，拖动验证滑块后开始人脸识别');
      expect(part(el, 'countdown')!.textContent).to.equal('二维码1分钟后失效');
      expect(part(el, 'match-code')).to.equal(null);
      expect(modulesFromPath(svgOf(el)!)).to.deep.equal(expected(liveQr().payload));

      await control.scan('iit');
      await shows(el, '扫描成功，请在个人所得税APP上完成人脸识别');
      await expect(el).to.be.accessible();
      await control.faceVerify();
      await shows(el, '正在验证人脸识别结果…');
      await expect(el).to.be.accessible();
      await control.faceFail();
      await shows(el, '人脸识别未通过，还可尝试2次。您也可以使用短信验证。');
      await expect(el).to.be.accessible();
      // The step-up dialog offers the next step; the panel has no button of its own here.
      expect(part(el, 'refresh')).to.equal(null);
      expect(control.flows.filter((f) => f.kind === 'qr')).to.have.length(0);
    });

    it('never starts a login QR, even alone with a base URL', async () => {
      // A server that would answer one at once.
      const f = fakeFetch((call) => {
        if (call.path === '/v1/capabilities') return json(capabilities());
        if (call.method === 'POST' && call.path === '/v1/flows/qr') return json(created(qrWaiting(1)), 201);
        return undefined;
      });
      const clock = fakeClock();
      let el: QrLoginPanel;
      try {
        el = await fixture<QrLoginPanel>(
          html`<qr-login-panel
            mode="face"
            base-url="/api"
            transport="poll"
            .clientOptions=${{ fetch: f.fetch, crossTab: false }}
          ></qr-login-panel>`,
        );
        // A minute on the page's clock, every promise settled on the way.
        await clock.tickAsync(60_000);
        await el.updateComplete;
        expect(f.to('POST', '/v1/flows/qr')).to.have.length(0);
        expect(svgOf(el)).to.equal(null);
      } finally {
        clock.restore();
      }
      await expect(el).to.be.accessible();
    });
  });

  describe('countdown and removal (fake timers)', () => {
    let clock: sinon.SinonFakeTimers;
    afterEach(() => clock?.restore());

    const route = (call: Call) => {
      if (call.path === '/v1/capabilities') return json(capabilities());
      if (call.method === 'POST' && call.path === '/v1/flows/qr')
        return json(created(qrWaiting(1, 'https://etax.example.invalid/qr/1', 59)), 201);
      if (call.method === 'GET' && call.path.startsWith('/v1/flows/f1?'))
        return json(qrWaiting(1, 'https://etax.example.invalid/qr/1', 59));
      if (call.method === 'DELETE') return reply('', 204);
      return undefined;
    };
    const scripted = () => fakeFetch(route);

    /** A panel with its own client over the scripted backend, on fake timers, once its QR is shown. */
    async function mountOnFakeClock() {
      clock = fakeClock();
      const f = scripted();
      const el = await fixture<QrLoginPanel>(
        html`<qr-login-panel base-url="/api" .clientOptions=${{ fetch: f.fetch, crossTab: false }}></qr-login-panel>`,
      );
      await clock.tickAsync(10);
      await el.updateComplete;
      return { f, el };
    }

    it('is accessible while counting down (real timers: the checker itself waits on them)', async () => {
      const f = scripted();
      const el = await fixture<QrLoginPanel>(
        html`<qr-login-panel base-url="/api" .clientOptions=${{ fetch: f.fetch, crossTab: false }}></qr-login-panel>`,
      );
      await waiting(el);
      await expect(el).to.be.accessible();
      expect(part(el, 'countdown')!.textContent).to.match(/^二维码5\d秒后失效$/);
    });

    it('counts the QR’s lifetime down each second without announcing it', async () => {
      const { el } = await mountOnFakeClock();
      const live = statusOf(el);
      expect(part(el, 'countdown')!.textContent).to.equal('二维码59秒后失效');
      await clock.tickAsync(1000);
      await el.updateComplete;
      expect(part(el, 'countdown')!.textContent).to.equal('二维码58秒后失效');
      await clock.tickAsync(30000);
      await el.updateComplete;
      expect(part(el, 'countdown')!.textContent).to.equal('二维码28秒后失效');
      expect(statusOf(el)).to.equal(live);
      expect(part(el, 'status')!.contains(part(el, 'countdown'))).to.equal(false);
    });

    it('shows when it asks again while the server is busy, and the QR stays', async () => {
      clock = sinon.useFakeTimers({
        toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date', 'performance'],
        shouldClearNativeTimers: true,
      });
      let busy = true;
      const f = fakeFetch((call) => {
        if (call.method === 'GET' && call.path.startsWith('/v1/flows/f1?') && busy)
          return errorReply(503, 'unavailable', {}, { 'Retry-After': '20' });
        return route(call);
      });
      const el = await fixture<QrLoginPanel>(
        html`<qr-login-panel base-url="/api" .clientOptions=${{ fetch: f.fetch, crossTab: false }}></qr-login-panel>`,
      );
      await clock.tickAsync(2010);
      await el.updateComplete;
      expect(part(el, 'busy')!.textContent).to.equal('服务繁忙，20秒后自动重试');
      expect(svgOf(el)).to.exist;
      await clock.tickAsync(1000);
      await el.updateComplete;
      expect(part(el, 'busy')!.textContent).to.equal('服务繁忙，19秒后自动重试');
      busy = false;
      await clock.tickAsync(19000);
      await el.updateComplete;
      expect(part(el, 'busy')).to.equal(null);
    });

    it('leaves no timer and no request behind when removed mid-flow', async () => {
      const { f, el } = await mountOnFakeClock();
      await expect(part(el, 'countdown')).to.exist;
      await clock.tickAsync(4000);
      const polls = f.to('GET', '/v1/flows/f1?').length;
      expect(polls).to.be.at.least(1);
      expect(clock.countTimers()).to.be.greaterThan(0);
      el.remove();
      expect(clock.countTimers()).to.equal(0);
      expect(f.pending).to.equal(0);
      const calls = f.calls.length;
      await clock.tickAsync(120000);
      expect(f.calls.length).to.equal(calls);
    });
  });
});
