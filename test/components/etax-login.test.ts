/**
 * `<etax-login>` as a portal embeds it and a person uses it: both panels, the
 * entry tabs and their fields, inline checks, the password form's life with
 * password managers, the hand-over to the step-up dialog, success with its
 * redirect rules, language, removal, and two blocks on one page.
 */
import { expect, fixture, fixtureCleanup, html, waitUntil } from '@open-wc/testing';
import { sendKeys, setViewport } from '@web/test-runner-commands';
import { http, HttpResponse } from 'msw';
import sinon from 'sinon';
import '../../src/components/etax-login/define.js';
import type { EtaxLogin } from '../../src/components/etax-login/etax-login.js';
import { createMockBackend, type MockBackendOptions } from '../../src/mock/index.js';
import { capabilities, created, fakeFetch, json, qrWaiting, reply } from '../client/fakes.js';
import { mockWorker } from '../mock-worker.js';

const PASSWORD = 'Etax@2024';
let backend = createMockBackend({ baseUrl: '/api/etax-login-el', pollInterval: 0.05 });
const worker = mockWorker(...backend.handlers);

function serve(options: MockBackendOptions = {}) {
  backend = createMockBackend({
    baseUrl: `/api/el${Math.random().toString(36).slice(2)}`,
    pollInterval: 0.05,
    ...options,
  });
  worker.use(...backend.handlers);
  return backend.control;
}

const shadowText = (el: HTMLElement) => (el.shadowRoot!.textContent ?? '').replace(/\s+/g, ' ');
const form = (el: EtaxLogin) => el.querySelector<HTMLFormElement>('form.etax-form')!;
/** The input a label names, found the way assistive technology does: through <label for>. */
function field(el: EtaxLogin, label: string): HTMLInputElement {
  const l = [...el.querySelectorAll('label')].find((x) => x.textContent!.trim() === label);
  if (!l)
    throw new Error(
      `no field labelled ${label}; labels: ${[...el.querySelectorAll('label')].map((x) => x.textContent)}`,
    );
  return document.getElementById(l.htmlFor) as HTMLInputElement;
}
const tab = (el: EtaxLogin, name: string) =>
  [...el.querySelectorAll<HTMLButtonElement>('[role="tab"]')].find((t) => t.textContent!.trim() === name)!;
const submit = (el: EtaxLogin) => el.querySelector<HTMLButtonElement>('.etax-submit')!;
const describedText = (input: HTMLInputElement) =>
  (input.getAttribute('aria-describedby') ?? '')
    .split(' ')
    .filter(Boolean)
    .map((id) => document.getElementById(id)?.textContent?.replace(/\s+/g, ' ').trim())
    .join(' ');

async function type(input: HTMLInputElement, text: string) {
  input.focus();
  input.select();
  await sendKeys({ type: text });
}

/** Chooses 自然人业务 and types the account and the password, as a person does. */
async function fillIndividual(el: EtaxLogin, account = 'wangxiuying', password = PASSWORD) {
  tab(el, '自然人业务').click();
  await el.updateComplete;
  await type(field(el, '居民身份证号码/手机号码/用户名'), account);
  await type(field(el, '个人用户密码'), password);
}

async function mount(attrs = '', options: { lang?: string } = {}) {
  const el = await fixture<EtaxLogin>(
    html`<etax-login base-url=${backend.baseUrl} transport="poll" lang=${options.lang ?? ''}></etax-login>`,
  );
  for (const [k, v] of new URLSearchParams(attrs)) el.setAttribute(k, v);
  await el.updateComplete;
  return el;
}

/**
 * Fake time for every timer and clock of the page, from now: install it before the element
 * starts (and so before its client sets a timer), restore it after. The element
 * of the test before may still be settling its aborted requests, whose timers
 * are the browser's: clearing one of them goes to the browser.
 */
const fakeClock = () =>
  sinon.useFakeTimers({
    now: Date.now(),
    toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date', 'performance'],
    shouldClearNativeTimers: true,
  });

/** A fetch that passes requests on and notes, at the moment each is sent, where it goes. */
function recordingFetch() {
  const sent: string[] = [];
  const fetch: typeof window.fetch = (input, init) => {
    sent.push(`${init?.method ?? 'GET'} ${new URL(String(input), location.href).pathname}`);
    return window.fetch(input, init);
  };
  return { fetch, sent };
}

const qrShown = (el: EtaxLogin) =>
  waitUntil(
    () => el.shadowRoot!.querySelector('qr-login-panel')?.shadowRoot?.querySelector('svg[part="qr-code"]'),
    'a login QR',
    {
      timeout: 4000,
    },
  );
const dialogOpen = (el: EtaxLogin) =>
  waitUntil(
    () => el.shadowRoot!.querySelector('step-up-dialog')?.shadowRoot?.querySelector('dialog[open]'),
    'the step-up dialog',
    {
      timeout: 4000,
    },
  );

describe('<etax-login>', () => {
  // Each test serves a backend of its own, at its own base URL. The backends stay: a request a
  // removed element had already sent is still answered by its own, not passed to the network.
  afterEach(() => fixtureCleanup());

  it('shows the QR login beside the password login, accessible', async () => {
    serve();
    const el = await mount();
    await qrShown(el);
    await expect(el).to.be.accessible();
    const text = shadowText(el);
    expect(text).to.include('扫码登录').and.include('推荐').and.include('用户名密码登录');
    expect(text.indexOf('扫码登录')).to.be.lessThan(text.indexOf('用户名密码登录'));
    expect([...el.querySelectorAll('[role="tab"]')].map((t) => t.textContent!.trim())).to.deep.equal([
      '企业业务',
      '自然人业务',
      '代理业务',
    ]);
  });

  it('starts once a base URL arrives after it was placed (frameworks set properties late)', async () => {
    serve();
    const { fetch, sent } = recordingFetch();
    const clock = fakeClock();
    let el: EtaxLogin;
    try {
      el = await fixture<EtaxLogin>(html`<etax-login transport="poll" .clientOptions=${{ fetch }}></etax-login>`);
      // A minute on the page's clock, every promise settled on the way: nothing was asked.
      await clock.tickAsync(60_000);
      expect(sent).to.deep.equal([]);
    } finally {
      clock.restore();
    }
    el.baseUrl = backend.baseUrl;
    await qrShown(el);
    expect(sent).to.include(`POST ${backend.baseUrl}/v1/flows/qr`);
  });

  it('puts a real form in the light DOM where password managers look, with username and current-password', async () => {
    serve();
    const el = await mount();
    const inputs = document.querySelectorAll<HTMLInputElement>('etax-login form input');
    expect(inputs.length).to.equal(3);
    const pw = document.querySelector<HTMLInputElement>('form input[autocomplete="current-password"]')!;
    expect(pw.type).to.equal('password');
    expect(pw.form).to.equal(form(el));
    const user = document.querySelector<HTMLInputElement>('form input[autocomplete="username"]')!;
    expect(user.form).to.equal(form(el));
    expect(user.name).to.equal('account');
    expect(form(el).querySelector('button[type="submit"]')).to.exist;
    // A framework that owns the element's children may remove the form: it comes back.
    form(el).parentElement!.remove();
    await waitUntil(() => el.querySelector('form.etax-form'), 'the form re-attached');
    expect(el.querySelector('form.etax-form')!.isConnected).to.equal(true);
  });

  it('keeps every entry tab whole and in sight on a 320 px screen with large text (reflow)', async () => {
    serve();
    await setViewport({ width: 320, height: 640 });
    try {
      for (const lang of ['zh-CN', 'en']) {
        const el = await fixture<EtaxLogin>(
          html`<etax-login base-url=${backend.baseUrl} lang=${lang} large-text></etax-login>`,
        );
        const list = el.querySelector('[role="tablist"]')!.getBoundingClientRect();
        const tabs = [...el.querySelectorAll<HTMLElement>('[role="tab"]')];
        expect(tabs).to.have.length(3);
        for (const t of tabs) {
          const box = t.getBoundingClientRect();
          expect(box.left, `${t.textContent} (${lang})`).to.be.at.least(list.left - 0.5);
          expect(box.right, `${t.textContent} (${lang})`).to.be.at.most(list.right + 0.5);
          // The label on one line: not broken inside a word.
          const label = document.createRange();
          label.selectNodeContents(t);
          expect(new Set([...label.getClientRects()].map((r) => Math.round(r.top))).size, `${t.textContent}`).to.equal(
            1,
          );
        }
        await expect(el).to.be.accessible();
        fixtureCleanup();
      }
    } finally {
      await setViewport({ width: 800, height: 600 });
    }
  });

  it('shows each entry’s own labelled fields and moves between tabs with arrow keys', async () => {
    serve();
    const el = await mount();
    expect(field(el, '统一社会信用代码/纳税人识别号')).to.exist;
    expect(field(el, '居民身份证号码/手机号码/用户名')).to.exist;
    expect(field(el, '个人用户密码')).to.exist;
    tab(el, '企业业务').focus();
    await sendKeys({ press: 'ArrowRight' });
    await el.updateComplete;
    expect(tab(el, '自然人业务').getAttribute('aria-selected')).to.equal('true');
    expect(document.activeElement).to.equal(tab(el, '自然人业务'));
    expect(el.querySelectorAll('.etax-field input')).to.have.length(2);
    await sendKeys({ press: 'ArrowRight' });
    await el.updateComplete;
    expect(field(el, '代理机构统一社会信用代码/纳税人识别号')).to.exist;
    expect(field(el, '代理人居民身份证号码/手机号码/用户名')).to.exist;
    await sendKeys({ press: 'Home' });
    await el.updateComplete;
    expect(tab(el, '企业业务').getAttribute('aria-selected')).to.equal('true');
    await expect(el).to.be.accessible();
  });

  it('checks fields inline: a wrong taxpayer ID blocks, a USCC checksum only warns', async () => {
    const control = serve();
    const el = await mount();
    const id = field(el, '统一社会信用代码/纳税人识别号');
    await type(id, '12345');
    await sendKeys({ press: 'Tab' });
    await el.updateComplete;
    expect(id.getAttribute('aria-invalid')).to.equal('true');
    expect(describedText(id)).to.include('纳税人识别号为15位、18位、20位');
    await expect(el).to.be.accessible();

    await type(id, '91310110666007217A'); // wrong check symbol
    await sendKeys({ press: 'Tab' });
    await el.updateComplete;
    expect(id.getAttribute('aria-invalid')).to.equal('false');
    expect(describedText(id)).to.include('校验位不符');

    submit(el).click();
    await el.updateComplete;
    const account = field(el, '居民身份证号码/手机号码/用户名');
    expect(account.getAttribute('aria-invalid')).to.equal('true');
    expect(describedText(account)).to.include('请输入居民身份证号码/手机号码/用户名');
    expect(document.activeElement).to.equal(account);
    expect(control.requests.filter((r) => r.path.startsWith('/v1/flows/password'))).to.have.length(0);
    await expect(el).to.be.accessible();
  });

  it('keeps what was typed after a refused password, except the password', async () => {
    const control = serve();
    const el = await mount();
    await fillIndividual(el, '11010519491231002X', 'wrong-password');
    await sendKeys({ press: 'Enter' });
    await waitUntil(() => el.querySelector('[role="alert"] .etax-error'), 'the refusal');
    // The server counts the wrong passwords left before the lock: the person is warned.
    expect(el.querySelector('[role="alert"]')!.textContent).to.include(
      '输入的个人账号或密码错误，请重新输入！还可尝试4次。',
    );
    expect(field(el, '居民身份证号码/手机号码/用户名').value).to.equal('11010519491231002X');
    expect(field(el, '个人用户密码').value).to.equal('');
    expect(document.activeElement).to.equal(field(el, '个人用户密码'));
    expect(control.requests.filter((r) => r.path === '/v1/flows/password')).to.have.length(1);
    await expect(el).to.be.accessible();
  });

  it('shows the server’s own message, as text, for an error code it does not know, and tells code and message', async () => {
    serve();
    const languages: (string | null)[] = [];
    worker.use(
      http.post(`${backend.baseUrl}/v1/flows/password`, ({ request }) => {
        languages.push(request.headers.get('Accept-Language'));
        return HttpResponse.json(
          { error: { code: 'captcha_required', message: '<b>请先完成滑块验证</b>' } },
          { status: 400 },
        );
      }),
    );
    const el = await mount();
    const errors: CustomEvent[] = [];
    el.addEventListener('etax-error', (e) => errors.push(e as CustomEvent));
    await fillIndividual(el);
    await sendKeys({ press: 'Enter' });
    await waitUntil(() => el.querySelector('[role="alert"] .etax-error'), 'the refusal');
    const alert = el.querySelector('[role="alert"]')!;
    expect(alert.textContent).to.include('<b>请先完成滑块验证</b>');
    expect(alert.querySelector('b')).to.equal(null);
    expect(alert.textContent).not.to.include('登录失败，请稍后重试');
    expect(errors.map((e) => e.detail)).to.deep.include({
      code: 'captcha_required',
      message: '<b>请先完成滑块验证</b>',
      attemptsLeft: undefined,
      retryAfter: undefined,
      field: undefined,
    });
    // The server was asked for its message in the element's language.
    expect(languages).to.deep.equal(['zh-CN']);
    await expect(el).to.be.accessible();
  });

  it('keeps its own words for a code it knows, whatever the server’s message says', async () => {
    serve();
    worker.use(
      http.post(`${backend.baseUrl}/v1/flows/password`, () =>
        HttpResponse.json({ error: { code: 'invalid_credentials', message: 'Bad password' } }, { status: 401 }),
      ),
    );
    const el = await mount();
    await fillIndividual(el);
    await sendKeys({ press: 'Enter' });
    await waitUntil(() => el.querySelector('[role="alert"] .etax-error'), 'the refusal');
    const text = el.querySelector('[role="alert"]')!.textContent!;
    expect(text).to.include('输入的个人账号或密码错误');
    expect(text).not.to.include('Bad password');
  });

  it('shows a refused taxpayer ID at its field', async () => {
    serve();
    const el = await mount();
    await type(field(el, '统一社会信用代码/纳税人识别号'), '91110000000000000X');
    await type(field(el, '居民身份证号码/手机号码/用户名'), 'wangxiuying');
    await type(field(el, '个人用户密码'), PASSWORD);
    submit(el).click();
    const id = field(el, '统一社会信用代码/纳税人识别号');
    await waitUntil(() => id.getAttribute('aria-invalid') === 'true', 'the field marked');
    expect(describedText(id)).to.include('输入的统一社会信用代码或纳税人识别号错误');
  });

  it('shows and hides the password with a toggle button', async () => {
    serve();
    const el = await mount();
    const pw = field(el, '个人用户密码');
    const toggle = el.querySelector<HTMLButtonElement>('.etax-reveal')!;
    expect(toggle.getAttribute('aria-pressed')).to.equal('false');
    toggle.click();
    await el.updateComplete;
    expect(pw.type).to.equal('text');
    expect(toggle.getAttribute('aria-pressed')).to.equal('true');
    expect(toggle.textContent!.trim()).to.equal('隐藏密码');
  });

  it('sends one request however often 登录 is pressed', async () => {
    const control = serve({ latency: 300 });
    const el = await mount();
    await fillIndividual(el);
    for (let i = 0; i < 4; i++) submit(el).click();
    await el.updateComplete;
    expect(submit(el).getAttribute('aria-disabled')).to.equal('true');
    expect(submit(el).textContent!.trim()).to.equal('正在登录…');
    await dialogOpen(el);
    expect(control.requests.filter((r) => r.path === '/v1/flows/password')).to.have.length(1);
  });

  it('opens the step-up dialog by itself after the password, with the step-up event', async () => {
    serve();
    const el = await mount();
    const seen: Event[] = [];
    el.addEventListener('etax-step-up-required', (e) => seen.push(e));
    await type(field(el, '统一社会信用代码/纳税人识别号'), '91310110666007217T');
    await type(field(el, '居民身份证号码/手机号码/用户名'), 'wangxiuying');
    await type(field(el, '个人用户密码'), PASSWORD);
    await sendKeys({ press: 'Enter' });
    await dialogOpen(el);
    expect(seen).to.have.length(1);
    expect((seen[0] as CustomEvent).detail).to.deep.equal({
      methods: ['face_iit', 'face_etax', 'sms'],
      maskedPhone: '176****2696',
    });
    expect(field(el, '个人用户密码').value).to.equal('');
  });

  it('walks an agent login by keyboard alone: password, SMS, client choice, success', async () => {
    const control = serve();
    const el = await mount();
    const events: string[] = [];
    for (const type of [
      'etax-step-up-required',
      'etax-method-chosen',
      'etax-sms-sent',
      'etax-identity-required',
      'etax-login-success',
    ]) {
      el.addEventListener(type, () => events.push(type));
    }
    el.addEventListener('etax-login-success', (e) => e.preventDefault());
    const deep = () => {
      let a: Element | null = document.activeElement;
      while (a?.shadowRoot?.activeElement) a = a.shadowRoot.activeElement;
      return a as HTMLElement | null;
    };
    // Entry tabs: from 企业业务, two arrows to 代理业务.
    tab(el, '企业业务').focus();
    await sendKeys({ press: 'ArrowRight' });
    await sendKeys({ press: 'ArrowRight' });
    await el.updateComplete;
    expect(tab(el, '代理业务').getAttribute('aria-selected')).to.equal('true');
    await sendKeys({ press: 'Tab' });
    await sendKeys({ type: '9144030071526726XG' });
    await sendKeys({ press: 'Tab' });
    await sendKeys({ type: '150102198807303035' });
    await sendKeys({ press: 'Tab' });
    await sendKeys({ type: PASSWORD });
    await sendKeys({ press: 'Enter' });
    await dialogOpen(el);
    // Focus is in the dialog, on the first method; 短信验证 is the third.
    await waitUntil(() => deep()?.getAttribute('role') === 'radio', 'focus on the methods');
    await sendKeys({ press: 'End' });
    await sendKeys({ press: 'Enter' });
    const dialog = el.shadowRoot!.querySelector('step-up-dialog')!;
    const sms = () => dialog.shadowRoot!.querySelector('sms-verify')!;
    await waitUntil(() => sms().shadowRoot?.querySelector('[part~="send"]'), 'the SMS step');
    // Tab forward until 获取验证码 has focus, then press it.
    for (let i = 0; i < 6 && !deep()?.matches('[part~="send"]'); i++) await sendKeys({ press: 'Tab' });
    expect(deep()?.matches('[part~="send"]')).to.equal(true);
    await sendKeys({ press: 'Enter' });
    await waitUntil(() => control.lastCode && deep()?.matches('input'), 'the code field focused');
    await sendKeys({ type: control.lastCode! });
    await sendKeys({ press: 'Enter' });
    // 身份类型选择: the agent's clients, first one focused; the second is chosen with an arrow.
    await waitUntil(() => deep()?.matches('input[type="radio"]'), 'the client choice');
    await sendKeys({ press: 'ArrowDown' });
    await sendKeys({ press: 'Enter' });
    await waitUntil(() => shadowText(el).includes('登录成功'), 'success');
    expect(events).to.deep.equal([
      'etax-step-up-required',
      'etax-method-chosen',
      'etax-sms-sent',
      'etax-identity-required',
      'etax-login-success',
    ]);
    const identity = control.requests.find((r) => r.path.endsWith('/identity'))!;
    expect(identity.status).to.equal(200);
    await expect(el).to.be.accessible();
  });

  /** Logs in with a password up to the open step-up dialog, recording the `etax-cancel` events. */
  async function atDialog() {
    const control = serve();
    const el = await mount();
    const cancels: unknown[] = [];
    el.addEventListener('etax-cancel', (e) => cancels.push((e as CustomEvent).detail));
    await fillIndividual(el);
    await sendKeys({ press: 'Enter' });
    await dialogOpen(el);
    return { control, el, cancels };
  }

  it('tells a cancel in the dialog once, and shows a live QR again', async () => {
    const { control, el, cancels } = await atDialog();
    await sendKeys({ press: 'Escape' });
    await waitUntil(
      () => !el.shadowRoot!.querySelector('step-up-dialog')!.shadowRoot!.querySelector('dialog[open]'),
      'closed',
    );
    await qrShown(el);
    expect(cancels).to.deep.equal([{ reason: 'user' }]);
    expect(control.requests.filter((r) => r.method === 'DELETE')).to.have.length.at.least(1);
  });

  it('tells a cancel by the server apart from the person’s own', async () => {
    const { control, cancels } = await atDialog();
    await control.cancel({ by: 'server' });
    await waitUntil(() => cancels.length, 'the cancel');
    expect(cancels).to.deep.equal([{ reason: 'cancelled' }]);
  });

  it('after the step-up, focus and the announcement land on the success message', async () => {
    const { control, el } = await atDialog();
    el.addEventListener('etax-login-success', (e) => e.preventDefault());
    const deep = () => {
      let a: Element | null = document.activeElement;
      while (a?.shadowRoot?.activeElement) a = a.shadowRoot.activeElement;
      return a;
    };
    // The live region is on the page, empty, before the login succeeds.
    const live = el.shadowRoot!.querySelector('section > [role="status"]')!;
    expect(live.textContent!.trim()).to.equal('');
    const dialog = el.shadowRoot!.querySelector('step-up-dialog')!.shadowRoot!;
    [...dialog.querySelectorAll<HTMLElement>('[role="radio"]')].find((m) => m.textContent!.includes('短信'))!.click();
    const sms = () => dialog.querySelector('sms-verify')?.shadowRoot;
    await waitUntil(() => sms()?.querySelector('[part~="send"]'), 'the SMS step');
    sms()!.querySelector<HTMLButtonElement>('[part~="send"]')!.focus();
    await sendKeys({ press: 'Enter' });
    await waitUntil(() => control.lastCode && sms()!.activeElement?.matches('input'), 'the code field');
    await sendKeys({ type: control.lastCode! });
    await sendKeys({ press: 'Enter' });
    await waitUntil(() => shadowText(el).includes('登录成功'), 'success');
    await el.updateComplete;
    // The same region now holds the words, and has the focus: the next Tab starts from here, not from the page's end.
    expect(el.shadowRoot!.querySelector('section > [role="status"]') === live, 'the same live region').to.equal(true);
    expect(live.textContent).to.include('登录成功');
    expect(deep() === live, 'focus on the success message').to.equal(true);
    expect(live.getAttribute('tabindex')).to.equal('-1');
    await expect(el).to.be.accessible();
  });

  describe('success and redirects', () => {
    async function loginByQr(redirectUrl: string | undefined, attrs = '') {
      const control = serve({ redirectUrl });
      const el = await mount(attrs);
      const went: string[] = [];
      el.navigate = (url) => went.push(url);
      await qrShown(el);
      await control.scan('etax');
      await control.confirm();
      return { el, went };
    }

    it('goes to a same-origin redirect after success', async () => {
      const { el, went } = await loginByQr('/portal/home');
      const success = await new Promise<CustomEvent>((r) =>
        el.addEventListener('etax-login-success', (e) => r(e as CustomEvent)),
      );
      expect(success.cancelable).to.equal(true);
      expect(success.detail).to.include({ via: 'qr', redirectUrl: '/portal/home' });
      await waitUntil(() => went.length, 'navigation');
      expect(went).to.deep.equal([`${location.origin}/portal/home`]);
      await el.updateComplete;
      expect(shadowText(el)).to.include('登录成功');
      await expect(el).to.be.accessible();
    });

    it('stays when the host prevents the success event', async () => {
      const { el, went } = await loginByQr('/portal/home');
      el.addEventListener('etax-login-success', (e) => e.preventDefault());
      await waitUntil(() => shadowText(el).includes('登录成功'), 'success');
      expect(went).to.deep.equal([]);
    });

    it('does not follow a redirect to another origin', async () => {
      const { el, went } = await loginByQr('https://evil.example/steal');
      await waitUntil(() => shadowText(el).includes('登录成功'), 'success');
      expect(went).to.deep.equal([]);
    });

    it('follows a redirect to an allow-listed origin and path', async () => {
      const { el, went } = await loginByQr(
        'https://portal.example.gov.cn/etax/home',
        'allowed-redirects=https://portal.example.gov.cn/etax/',
      );
      await waitUntil(() => went.length, 'navigation');
      expect(went).to.deep.equal(['https://portal.example.gov.cn/etax/home']);
      expect(el).to.exist;
    });

    for (const redirect of [
      'https://sso.example.gov.cn/application/steal',
      'https://sso.example.gov.cn/app%2f..%2fadmin',
    ])
      it(`stays on its success view when the redirect is outside the allow-list: ${redirect}`, async () => {
        const { el, went } = await loginByQr(redirect, 'allowed-redirects=https://sso.example.gov.cn/app');
        await waitUntil(() => shadowText(el).includes('登录成功'), 'success');
        // A followed redirect goes with the success event, before the success view is drawn.
        expect(went).to.deep.equal([]);
        // It does not say it is taking the person anywhere (it does say who logged in).
        expect(shadowText(el)).to.include('登录成功').and.not.include('正在跳转');
        expect(el.shadowRoot!.querySelector('[role="status"] p')).to.equal(null);
        await expect(el).to.be.accessible();
      });

    it('never follows a javascript: URL', async () => {
      const { el, went } = await loginByQr('javascript:alert(1)', 'allowed-redirects=javascript:');
      await waitUntil(() => shadowText(el).includes('登录成功'), 'success');
      expect(went).to.deep.equal([]);
    });
  });

  it('switches language at runtime', async () => {
    serve();
    const el = await mount();
    el.lang = 'en';
    await el.updateComplete;
    expect(shadowText(el)).to.include('Scan to log in');
    expect([...el.querySelectorAll('[role="tab"]')].map((t) => t.textContent!.trim())).to.deep.equal([
      'Enterprise',
      'Individual',
      'Agent',
    ]);
    expect(field(el, 'Personal password')).to.exist;
    el.lang = 'zh-CN';
    await el.updateComplete;
    expect(field(el, '个人用户密码')).to.exist;
  });

  it('hands the language it takes from the page on to the elements it embeds', async () => {
    serve();
    document.documentElement.lang = 'en';
    try {
      const el = await fixture<EtaxLogin>(html`<etax-login base-url=${backend.baseUrl} transport="poll"></etax-login>`);
      const panel = el.shadowRoot!.querySelector('qr-login-panel')!;
      await panel.updateComplete;
      expect(shadowText(el)).to.include('Scan to log in');
      expect(panel.lang).to.equal('en');
      expect(el.shadowRoot!.querySelector('step-up-dialog')!.lang).to.equal('en');
    } finally {
      document.documentElement.lang = '';
    }
  });

  it('runs a portal’s challenge before the password is sent', async () => {
    const control = serve();
    const { fetch, sent } = recordingFetch();
    const el = await fixture<EtaxLogin>(
      html`<etax-login base-url=${backend.baseUrl} transport="poll" .clientOptions=${{ fetch }}></etax-login>`,
    );
    const asked: unknown[] = [];
    let answer!: (to: false | Record<string, string>) => void;
    el.beforeSubmit = (input) => {
      asked.push(input);
      return new Promise((resolve) => (answer = resolve));
    };
    await fillIndividual(el);
    submit(el).click();
    await el.updateComplete;
    expect(asked).to.deep.equal([{ entry: 'individual', fields: { account: 'wangxiuying' } }]);
    expect(submit(el).getAttribute('aria-disabled')).to.equal('true');
    // The challenge says no. Had the password gone with its answer, the form would say 正在登录…
    // until the server's answer; it is ready again at once, and nothing was sent.
    answer(false);
    await waitUntil(() => submit(el).getAttribute('aria-disabled') === 'false', 'the form ready again');
    expect(submit(el).textContent!.trim()).to.equal('登录');
    expect(sent.filter((r) => r.endsWith('/v1/flows/password'))).to.deep.equal([]);

    el.beforeSubmit = () => ({ captchaTicket: 't-123' });
    submit(el).click();
    await dialogOpen(el);
    const password = control.requests.find((r) => r.path === '/v1/flows/password')!;
    expect(JSON.stringify(password.body)).to.include('t-123').and.not.include(PASSWORD);
  });

  it('leaves no request and no timer behind once removed mid-flow', async () => {
    const clock = fakeClock();
    try {
      const f = fakeFetch((call) => {
        if (call.path === '/v1/capabilities') return json(capabilities());
        if (call.method === 'POST' && call.path === '/v1/flows/qr') return json(created(qrWaiting(1)), 201);
        if (call.method === 'GET' && call.path.startsWith('/v1/flows/f1?')) return json(qrWaiting(1));
        if (call.method === 'DELETE') return reply('', 204);
        return undefined;
      });
      const el = await fixture<EtaxLogin>(
        html`<etax-login base-url="/api" transport="poll" .clientOptions=${{ fetch: f.fetch }}></etax-login>`,
      );
      // The QR is shown and its status polled every 2 s.
      await clock.tickAsync(5000);
      const panel = el.shadowRoot!.querySelector('qr-login-panel')!;
      expect(panel.shadowRoot!.querySelector('svg[part="qr-code"]')).to.exist;
      expect(f.to('GET', '/v1/flows/f1?').length).to.be.at.least(2);
      el.remove();
      const atRemoval = f.calls.length;
      expect(clock.countTimers()).to.equal(0);
      // Ten minutes later: at most the flow's end was told to the server, nothing else.
      await clock.tickAsync(10 * 60_000);
      expect(f.calls.slice(atRemoval).map((c) => c.method)).to.not.include('GET');
      expect(f.calls.slice(atRemoval).every((c) => c.method === 'DELETE')).to.equal(true);
      expect(clock.countTimers()).to.equal(0);
      expect(f.pending).to.equal(0);
    } finally {
      clock.restore();
    }
  });

  it('runs two blocks on one page without interfering', async () => {
    serve();
    const wrap = await fixture<HTMLDivElement>(
      html`<div>
        <etax-login base-url=${backend.baseUrl} transport="poll"></etax-login>
        <etax-login base-url=${backend.baseUrl} transport="poll" lang="en"></etax-login>
      </div>`,
    );
    const [a, b] = [...wrap.querySelectorAll<EtaxLogin>('etax-login')];
    await qrShown(a);
    await qrShown(b);
    const ids = [...wrap.querySelectorAll('[id]')].map((e) => e.id);
    expect(new Set(ids).size).to.equal(ids.length);
    await type(field(a, '统一社会信用代码/纳税人识别号'), 'bad');
    await sendKeys({ press: 'Tab' });
    await a.updateComplete;
    expect(field(a, '统一社会信用代码/纳税人识别号').getAttribute('aria-invalid')).to.equal('true');
    expect(field(b, 'Unified social credit code / taxpayer ID').getAttribute('aria-invalid')).to.equal('false');
    expect(backend.control.flows.filter((f) => f.kind === 'qr')).to.have.length(2);
  });
});
