/**
 * `<sms-verify>`: every state as a person sees and hears it, keyboard and
 * pointer, paste, events, languages, countdowns, removal, and WebOTP with a
 * stubbed `navigator.credentials.get`.
 *
 * Journeys run against the MSW mock backend; timing cases (countdowns, code
 * lifetime, requests left hanging) use the scriptable fetch under fake timers.
 */
import { expect, fixture, html } from '@open-wc/testing';
import { sendKeys, sendMouse, resetMouse } from '@web/test-runner-commands';
import sinon from 'sinon';
import { createLoginClient, type LoginClient } from '../../src/client/index.js';
import type { FlowState } from '../../src/client/protocol.js';
import '../../src/components/sms-verify/define.js';
import type { SmsVerify } from '../../src/components/sms-verify/sms-verify.js';
import { createMockBackend, DEFAULT_PASSWORD } from '../../src/mock/index.js';
import { capabilities, created, errorReply, fakeFetch, json, reply, type Call, type Reply } from '../client/fakes.js';
import { mockWorker } from '../mock-worker.js';

const API = `${location.origin}/api`;
const CODE = '482913';
const stepUp: FlowState = {
  seq: 1,
  status: 'step_up_required',
  methods: ['face_iit', 'face_etax', 'sms'],
  maskedPhone: '176****2696',
};
const individual = { entry: 'individual', fields: { account: 'wangxiuying' }, password: DEFAULT_PASSWORD };
const EVENTS = [
  'etax-state-change',
  'etax-sms-sent',
  'etax-error',
  'etax-login-success',
  'etax-identity-required',
  'etax-step-up-required',
  'etax-cancel',
];

let client: LoginClient | undefined;

/* ------------------------------------------------------------------ helpers */

const part = <T extends Element = HTMLElement>(el: SmsVerify, name: string): T => {
  const found = el.shadowRoot!.querySelector<T>(`[part~='${name}']`);
  if (!found) throw new Error(`no part "${name}"`);
  return found;
};
const maybe = (el: SmsVerify, selector: string) => el.shadowRoot!.querySelector<HTMLElement>(selector);
const input = (el: SmsVerify) => part<HTMLInputElement>(el, 'input');
const send = (el: SmsVerify) => part<HTMLButtonElement>(el, 'send');
const submit = (el: SmsVerify) => part<HTMLButtonElement>(el, 'submit');
const text = (node: Node | null | undefined) => (node?.textContent ?? '').replace(/\s+/g, ' ').trim();
/** The error a person sees under the field (the screen-reader prefix aside). */
const shownError = (el: SmsVerify) => {
  const p = part(el, 'error');
  return p.hidden ? '' : text(p).replace(/^错误：|^Error: /, '');
};
const alerted = (el: SmsVerify) => text(maybe(el, '[role=alert]'));
const announced = (el: SmsVerify) => text(maybe(el, '[role=status]'));
/** The element the keyboard is on, through shadow roots. */
const focused = (): Element | null => {
  let a = document.activeElement;
  while (a?.shadowRoot?.activeElement) a = a.shadowRoot.activeElement;
  return a;
};
const settle = async (el: SmsVerify, turns = 5) => {
  for (let i = 0; i < turns; i++) {
    await Promise.resolve();
    await el.updateComplete;
  }
};
/** Waits until `check` holds, polling every 20 ms. */
async function until(check: () => boolean, what: string, ms = 4000) {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Every `etax-*` event the element dispatches, with its detail. */
function record(el: HTMLElement) {
  const seen: { type: string; detail: unknown }[] = [];
  for (const type of EVENTS)
    el.addEventListener(type, (e) => seen.push({ type, detail: (e as Event & { detail?: unknown }).detail }));
  return seen;
}

const mount = (c: LoginClient, extra: { lang?: string; embedded?: boolean } = {}) =>
  fixture<SmsVerify>(
    html`<sms-verify .client=${c} lang=${extra.lang ?? 'zh-CN'} ?embedded=${!!extra.embedded}></sms-verify>`,
  );

/** Clicks the middle of an element with the real mouse. */
async function click(node: HTMLElement) {
  const r = node.getBoundingClientRect();
  await sendMouse({ type: 'click', position: [Math.round(r.x + r.width / 2), Math.round(r.y + r.height / 2)] });
}

/**
 * Fake time for the countdowns: `performance.now()`, `Date` and intervals. The
 * client's timeouts stay real (nothing here waits for them), so that axe,
 * which schedules its own work with `setTimeout`, can still run.
 */
const fakeClock = () => sinon.useFakeTimers({ toFake: ['setInterval', 'clearInterval', 'Date', 'performance'] });

/* ------------------------------------------------------- the scriptable server */

/** A password flow `pw1` in step-up; `over` answers first. Verify accepts CODE. */
function server(over: (call: Call) => Reply | undefined = () => undefined) {
  return fakeFetch((call) => {
    const r = over(call);
    if (r) return r;
    if (call.path === '/v1/capabilities') return json(capabilities());
    if (call.path === '/v1/flows/password') return json(created(stepUp, { flowId: 'pw1', flowToken: 'pw-token' }), 201);
    if (call.method === 'GET' && call.path.startsWith('/v1/flows/pw1')) return json(stepUp);
    if (call.path === '/v1/flows/pw1/sms')
      return json({ maskedPhone: '176****2696', codeLength: 6, resendAfter: 60, expiresIn: 300 });
    if (call.path === '/v1/flows/pw1/sms/verify') {
      return JSON.parse(call.body!).code === CODE
        ? json({ seq: 2, status: 'authenticated', redirectUrl: '/home' })
        : errorReply(400, 'sms_code_invalid', { attemptsLeft: 4, field: 'code' });
    }
    if (call.method === 'DELETE') return reply('', 204);
    return undefined;
  });
}

/** A client of the scriptable server, in the `sms` state. */
async function smsClient(f: ReturnType<typeof fakeFetch>): Promise<LoginClient> {
  client = createLoginClient({ baseUrl: API, fetch: f.fetch, crossTab: false });
  await client.submitPassword(individual);
  await client.chooseStepUp('sms');
  return client;
}

/* ------------------------------------------------------------------ WebOTP stub */

interface OtpCall {
  options: CredentialRequestOptions & { otp?: { transport: string[] } };
  resolve: (credential: unknown) => void;
}
let otpCalls: OtpCall[] = [];
let otpStub: sinon.SinonStub | undefined;

beforeEach(() => {
  otpCalls = [];
  // Headless Chromium has WebOTP but its request never resolves: every suite gets a controllable one.
  otpStub = sinon.stub(navigator.credentials, 'get').callsFake(
    (options?: CredentialRequestOptions) =>
      new Promise<Credential | null>((resolve, reject) => {
        otpCalls.push({ options: options!, resolve: resolve as (c: unknown) => void });
        options?.signal?.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError')));
      }),
  );
});

afterEach(() => {
  otpStub?.restore();
  client?.destroy();
  client = undefined;
});

/* ======================================================================== */

describe('<sms-verify>', () => {
  describe('states', () => {
    it('is accessible before a code is asked for, and shows the bound phone, the field and the buttons', async () => {
      const el = await mount(await smsClient(server()));
      await expect(el).to.be.accessible();
      expect(text(part(el, 'phone'))).to.equal('绑定手机号：176****2696');
      const field = input(el);
      expect(field.getAttribute('inputmode')).to.equal('numeric');
      expect(field.getAttribute('autocomplete')).to.equal('one-time-code');
      expect(field.maxLength).to.equal(6);
      expect(field.pattern).to.equal('[0-9]{6}');
      expect(field.labels?.[0]?.textContent?.trim()).to.equal('短信验证码');
      expect(field.getAttribute('aria-invalid')).to.equal('false');
      expect(text(maybe(el, `#${field.getAttribute('aria-describedby')}`))).to.equal('6位数字');
      expect(text(send(el))).to.equal('获取验证码');
      expect(send(el).disabled).to.equal(false);
      expect(submit(el).type).to.equal('submit');
      expect(text(submit(el))).to.equal('登录');
      expect(submit(el).form).to.be.instanceOf(HTMLFormElement);
      expect(shownError(el)).to.equal('');
    });

    it('is accessible while sending, with 获取验证码 disabled', async () => {
      const f = server((c) => (c.path === '/v1/flows/pw1/sms' ? 'hang' : undefined));
      const el = await mount(await smsClient(f));
      send(el).click();
      await settle(el);
      expect(text(send(el))).to.equal('正在发送…');
      expect(send(el).disabled).to.equal(true);
      await expect(el).to.be.accessible();
    });

    it('is accessible once sent: the phone it went to, the resend countdown, the announcement, focus in the field', async () => {
      const el = await mount(await smsClient(server()));
      send(el).focus();
      send(el).click();
      await until(() => client!.state.kind === 'sms' && client!.state.phase === 'sent', 'sent');
      await settle(el);
      expect(text(part(el, 'phone'))).to.equal('验证码已发送到手机号：176****2696');
      expect(send(el).disabled).to.equal(true);
      expect(text(part(el, 'countdown'))).to.match(/^(60|59)秒后重新获取$/);
      expect(announced(el)).to.equal('验证码已发送到手机号：176****2696');
      expect(focused()).to.equal(input(el));
      await expect(el).to.be.accessible();
    });

    it('is accessible while verifying: 登录 disabled, the field read-only', async () => {
      const f = server((c) => (c.path === '/v1/flows/pw1/sms/verify' ? 'hang' : undefined));
      const c = await smsClient(f);
      await c.sendSms();
      const el = await mount(c);
      input(el).value = CODE;
      submit(el).click();
      await settle(el);
      expect(text(submit(el))).to.equal('正在验证…');
      expect(submit(el).disabled).to.equal(true);
      expect(input(el).readOnly).to.equal(true);
      expect(send(el).disabled).to.equal(true);
      await expect(el).to.be.accessible();
    });

    it('is accessible after a wrong code: attempts left, tied to the field, announced, the code selected', async () => {
      const c = await smsClient(server());
      await c.sendSms();
      const el = await mount(c);
      const seen = record(el);
      input(el).focus();
      await sendKeys({ type: '111111' });
      await sendKeys({ press: 'Enter' });
      await until(() => shownError(el) !== '', 'the error');
      await settle(el);
      const field = input(el);
      expect(shownError(el)).to.equal('验证码错误，还可尝试4次');
      expect(field.getAttribute('aria-invalid')).to.equal('true');
      expect(field.getAttribute('aria-describedby')!.split(' ')).to.include(part(el, 'error').id);
      expect(alerted(el)).to.equal('错误：验证码错误，还可尝试4次');
      expect(focused()).to.equal(field);
      expect([field.selectionStart, field.selectionEnd]).to.deep.equal([0, 6]);
      const error = seen.find((e) => e.type === 'etax-error');
      expect(error?.detail).to.deep.include({
        code: 'sms_code_invalid',
        message: '验证码错误，还可尝试4次',
        attemptsLeft: 4,
      });
      await expect(el).to.be.accessible();
    });

    it('is accessible when the server has no code: 请先获取验证码, and 获取验证码 again', async () => {
      const f = server((c) => (c.path === '/v1/flows/pw1/sms/verify' ? errorReply(409, 'sms_not_sent') : undefined));
      const c = await smsClient(f);
      await c.sendSms();
      const el = await mount(c);
      input(el).value = CODE;
      submit(el).click();
      await until(() => shownError(el) !== '', 'the error');
      expect(shownError(el)).to.equal('请先获取验证码');
      expect(text(part(el, 'phone'))).to.equal('绑定手机号：176****2696');
      expect(input(el).getAttribute('aria-invalid')).to.equal('true');
      await expect(el).to.be.accessible();
    });

    it('says 请先获取验证码 by itself when 登录 comes before any code, and sends nothing', async () => {
      const f = server();
      const el = await mount(await smsClient(f));
      input(el).focus();
      await sendKeys({ type: CODE });
      await sendKeys({ press: 'Enter' });
      await settle(el);
      expect(shownError(el)).to.equal('请先获取验证码');
      expect(alerted(el)).to.equal('错误：请先获取验证码');
      expect(focused()).to.equal(send(el));
      expect(f.to('POST', '/v1/flows/pw1/sms/verify')).to.have.length(0);
      await expect(el).to.be.accessible();
    });

    it('checks the code before sending it: the rule tied to the field, cleared by typing', async () => {
      const f = server();
      const c = await smsClient(f);
      await c.sendSms();
      const el = await mount(c);
      input(el).focus();
      await sendKeys({ type: '12a4' });
      await sendKeys({ press: 'Enter' });
      await settle(el);
      expect(shownError(el)).to.equal('请输入6位数字验证码');
      expect(input(el).getAttribute('aria-invalid')).to.equal('true');
      expect(input(el).getAttribute('aria-describedby')).to.contain('error');
      expect(alerted(el)).to.equal('错误：请输入6位数字验证码');
      expect(f.to('POST', '/v1/flows/pw1/sms/verify')).to.have.length(0);
      await expect(el).to.be.accessible();
      // Submitting the same mistake again announces it again.
      const before = maybe(el, '[role=alert] span');
      submit(el).click();
      await settle(el);
      expect(maybe(el, '[role=alert] span')).not.to.equal(before);
      await sendKeys({ press: 'Backspace' });
      await settle(el);
      expect(shownError(el)).to.equal('');
      expect(input(el).getAttribute('aria-invalid')).to.equal('false');
    });

    it('renders nothing outside the sms state; the host chooses SMS on the client', async () => {
      client = createLoginClient({ baseUrl: API, fetch: server().fetch, crossTab: false });
      await client.submitPassword(individual);
      expect(client.state.kind).to.equal('step-up');
      const el = await mount(client);
      await expect(el).to.be.accessible();
      expect(text(el.shadowRoot!)).to.equal('');
      expect(maybe(el, 'input, button')).to.equal(null);
      await client.chooseStepUp('sms');
      await settle(el);
      expect(text(part(el, 'phone'))).to.equal('绑定手机号：176****2696');
    });
  });

  describe('countdowns and removal (fake timers)', () => {
    let clock: sinon.SinonFakeTimers;
    beforeEach(() => {
      clock = fakeClock();
    });
    afterEach(() => clock.restore());

    it('counts the resend wait down each second, then offers 获取验证码 again', async () => {
      const c = await smsClient(server());
      const el = await mount(c);
      await expect(el).to.be.accessible();
      send(el).click();
      await settle(el);
      expect(text(part(el, 'countdown'))).to.equal('60秒后重新获取');
      await clock.tickAsync(1000);
      await settle(el);
      expect(text(part(el, 'countdown'))).to.equal('59秒后重新获取');
      await clock.tickAsync(30_000);
      await settle(el);
      expect(text(part(el, 'countdown'))).to.equal('29秒后重新获取');
      await clock.tickAsync(29_000);
      await settle(el);
      expect(send(el).disabled).to.equal(false);
      expect(text(send(el))).to.equal('获取验证码');
      expect(maybe(el, '[part=countdown]')).to.equal(null);
    });

    it('when sending is throttled, says when to ask again, announced once, with no countdown as if a code had gone out', async () => {
      const f = server((c) =>
        c.path === '/v1/flows/pw1/sms'
          ? errorReply(429, 'sms_throttled', { retryAfter: 30 }, { 'Retry-After': '30' })
          : undefined,
      );
      const el = await mount(await smsClient(f));
      const seen = record(el);
      send(el).focus();
      send(el).click();
      await settle(el);
      expect(shownError(el)).to.equal('获取验证码过于频繁，请30秒后再试');
      // No code was sent: the button does not count down a resend, and the phone line does not say "sent".
      expect(text(maybe(el, '[part=countdown]'))).to.equal('');
      expect(text(send(el))).to.equal('获取验证码');
      expect(text(part(el, 'phone'))).to.equal('绑定手机号：176****2696');
      // It cannot be pressed until then, and keeps the focus (nothing to type in the code box yet).
      expect(send(el).getAttribute('aria-disabled')).to.equal('true');
      expect(focused() === send(el), 'focus on 获取验证码').to.equal(true);
      expect(send(el).getAttribute('aria-describedby')).to.equal(part(el, 'error').id);
      const asked = f.to('POST', '/v1/flows/pw1/sms').length;
      send(el).click();
      await settle(el);
      expect(f.to('POST', '/v1/flows/pw1/sms')).to.have.length(asked);
      expect(alerted(el)).to.equal('错误：获取验证码过于频繁，请30秒后再试');
      expect(seen.find((e) => e.type === 'etax-error')?.detail).to.deep.include({
        code: 'sms_throttled',
        retryAfter: 30,
      });
      await expect(el).to.be.accessible();
      await clock.tickAsync(10_000);
      await settle(el);
      expect(shownError(el)).to.equal('获取验证码过于频繁，请20秒后再试');
      expect(text(maybe(el, '[part=countdown]'))).to.equal('');
      // The live region is not re-read every second.
      expect(alerted(el)).to.equal('错误：获取验证码过于频繁，请30秒后再试');
      await clock.tickAsync(20_000);
      await settle(el);
      expect(send(el).disabled).to.equal(false);
      expect(send(el).hasAttribute('aria-disabled')).to.equal(false);
    });

    it('says an expired code has run out and hands 获取验证码 back, with focus on it', async () => {
      const f = server((c) =>
        c.path === '/v1/flows/pw1/sms/verify' ? errorReply(410, 'sms_code_expired', { field: 'code' }) : undefined,
      );
      const c = await smsClient(f);
      const el = await mount(c);
      send(el).click();
      await settle(el);
      await clock.tickAsync(301_000);
      await settle(el);
      input(el).value = CODE;
      submit(el).focus();
      submit(el).click();
      await settle(el);
      await clock.tickAsync(0);
      await settle(el);
      expect(shownError(el)).to.equal('验证码已失效，请重新获取');
      expect(input(el).getAttribute('aria-invalid')).to.equal('true');
      expect(send(el).disabled).to.equal(false);
      expect(focused()).to.equal(send(el));
      await expect(el).to.be.accessible();
    });

    it('sends one request for a double click and for Enter pressed while verifying', async () => {
      const f = server((c) => (c.path === '/v1/flows/pw1/sms/verify' ? 'hang' : undefined));
      const c = await smsClient(f);
      await c.sendSms();
      const el = await mount(c);
      input(el).value = CODE;
      submit(el).click();
      submit(el).click();
      await settle(el);
      submit(el).form!.requestSubmit();
      submit(el).click();
      await settle(el);
      expect(f.to('POST', '/v1/flows/pw1/sms/verify')).to.have.length(1);
    });

    it('leaves no timer, request or listener behind when removed mid-request', async () => {
      let answer!: (r: Response) => void;
      const late = new Promise<Response>((resolve) => (answer = resolve));
      const f = server((c) => (c.path === '/v1/flows/pw1/sms/verify' ? late : undefined));
      const c = await smsClient(f);
      const el = await mount(c);
      await expect(el).to.be.accessible();
      send(el).click();
      await settle(el);
      expect(otpCalls).to.have.length(1);
      expect(clock.countTimers(), 'the countdown').to.equal(1);
      input(el).value = '111111';
      submit(el).click();
      await settle(el);
      expect(f.pending).to.equal(1);
      const seen = record(el);
      el.remove();
      // The countdown stopped and the WebOTP request was cancelled.
      expect(clock.countTimers()).to.equal(0);
      expect(otpCalls[0].options.signal!.aborted).to.equal(true);
      // The shared client's request is the host's: its answer no longer reaches the element.
      answer(errorReply(400, 'sms_code_invalid', { attemptsLeft: 4, field: 'code' }));
      await settle(el);
      await clock.tickAsync(5000);
      expect(c.state).to.deep.include({ kind: 'sms', phase: 'sent' });
      expect(seen).to.deep.equal([]);
      expect(clock.countTimers()).to.equal(0);
      expect(text(el.shadowRoot!.querySelector('[part=error]'))).to.equal('');
      c.destroy();
      expect(f.pending).to.equal(0);
    });

    it('given only a base URL, makes no client (it renders the one that ran the password), asks nothing and leaves nothing', async () => {
      const f = server();
      const el = await fixture<SmsVerify>(
        html`<sms-verify base-url=${API} .clientOptions=${{ fetch: f.fetch }}></sms-verify>`,
      );
      await expect(el).to.be.accessible();
      await clock.tickAsync(5000);
      expect(f.calls).to.deep.equal([]);
      expect(text(el.shadowRoot!)).to.equal('');
      el.remove();
      expect(clock.countTimers()).to.equal(0);
      expect(f.pending).to.equal(0);
    });
  });

  describe('journeys (mock backend)', () => {
    const backend = createMockBackend({ baseUrl: '/api/etax-login', transports: ['poll'] });
    const control = backend.control;
    mockWorker(...backend.handlers);

    afterEach(async () => {
      await resetMouse();
      control.reset();
    });

    async function atSms(): Promise<LoginClient> {
      client = createLoginClient({ baseUrl: '/api/etax-login', crossTab: false, transport: 'poll' });
      await client.submitPassword(individual);
      await client.chooseStepUp('sms');
      return client;
    }
    const verifies = () => control.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/sms/verify'));

    it('logs in by keyboard alone: Tab to 获取验证码, type the code, Enter', async () => {
      const el = await mount(await atSms());
      await expect(el).to.be.accessible();
      const seen = record(el);
      input(el).focus();
      await sendKeys({ press: 'Tab' });
      expect(focused()).to.equal(send(el));
      await sendKeys({ press: 'Enter' });
      await until(() => !!control.lastCode && focused() === input(el), 'the code, and focus back in the field');
      const code = control.lastCode!;
      await sendKeys({ type: code });
      await sendKeys({ press: 'Enter' });
      await until(() => client!.state.kind === 'authenticated', 'login');
      const sent = seen.find((e) => e.type === 'etax-sms-sent');
      expect(sent?.detail).to.deep.equal({ maskedPhone: '176****2696', resendAfter: 60 });
      expect(seen.some((e) => e.type === 'etax-login-success')).to.equal(true);
      expect(JSON.stringify(seen)).not.to.contain(code);
      expect(text(el.shadowRoot!)).to.equal('');
    });

    it('alone, says when it asks again while the server makes it wait; embedded, leaves that to the dialog', async () => {
      const el = await mount(await atSms());
      const polls = { method: 'GET', path: /^\/v1\/flows\/[^/]+\?after=/ };
      backend.control.throttle(30, { match: polls });
      await until(() => !!maybe(el, '[part="busy"]'), 'the wait', 8000);
      expect(text(maybe(el, '[part="busy"]'))).to.match(/^服务繁忙，(30|29|28)秒后自动重试$/);
      await expect(el).to.be.accessible();
      el.embedded = true;
      await el.updateComplete;
      expect(maybe(el, '[part="busy"]')).to.equal(null);
    });

    it('logs in by pointer: click 获取验证码, the field, 登录', async () => {
      const el = await mount(await atSms());
      await click(send(el));
      await until(
        () => !!control.lastCode && client?.state.kind === 'sms' && client.state.phase === 'sent',
        'the code',
      );
      await click(input(el));
      await sendKeys({ type: control.lastCode! });
      await click(submit(el));
      await until(() => client!.state.kind === 'authenticated', 'login');
      expect(verifies()).to.have.length(1);
    });

    it('takes a typed code with spaces, which maxlength does not cut', async () => {
      const el = await mount(await atSms());
      send(el).click();
      await until(
        () => !!control.lastCode && client?.state.kind === 'sms' && client.state.phase === 'sent',
        'the code',
      );
      const code = control.lastCode!;
      input(el).focus();
      await sendKeys({ type: `${code.slice(0, 3)} ${code.slice(3)}` });
      expect(input(el).value).to.equal(code);
      await sendKeys({ press: 'Enter' });
      await until(() => client!.state.kind === 'authenticated', 'login');
    });

    it('takes a pasted code with spaces (or a whole message), which maxlength does not cut', async () => {
      const el = await mount(await atSms());
      send(el).click();
      await until(
        () => !!control.lastCode && client?.state.kind === 'sms' && client.state.phase === 'sent',
        'the code',
      );
      const code = control.lastCode!;
      const paste = (value: string) => {
        const data = new DataTransfer();
        data.setData('text/plain', value);
        input(el).dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }));
      };
      input(el).focus();
      paste(`${code.slice(0, 3)} ${code.slice(3)}`);
      expect(input(el).value).to.equal(code);
      input(el).value = '';
      paste(`【电子税务局】您的验证码为${code}，5分钟内有效`);
      expect(input(el).value).to.equal(code);
      // Full-width digits from a Chinese keyboard.
      input(el).value = '';
      paste(code.replace(/\d/g, (d) => String.fromCharCode(d.charCodeAt(0) + 0xfee0)));
      expect(input(el).value).to.equal(code);
      await sendKeys({ press: 'Enter' });
      await until(() => client!.state.kind === 'authenticated', 'login');
    });

    it('sends one request for a double click', async () => {
      const el = await mount(await atSms());
      send(el).click();
      await until(
        () => !!control.lastCode && client?.state.kind === 'sms' && client.state.phase === 'sent',
        'the code',
      );
      await el.updateComplete;
      input(el).value = control.lastCode!;
      await sendMouse({ type: 'move', position: [0, 0] });
      const r = submit(el).getBoundingClientRect();
      const at: [number, number] = [Math.round(r.x + r.width / 2), Math.round(r.y + r.height / 2)];
      await sendMouse({ type: 'click', position: at });
      await sendMouse({ type: 'click', position: at });
      await until(() => client!.state.kind === 'authenticated', 'login');
      expect(verifies()).to.have.length(1);
    });

    it('shows attempts left after wrong codes, and why the flow ended after too many', async () => {
      const el = await mount(await atSms());
      const seen = record(el);
      send(el).click();
      await until(
        () => !!control.lastCode && client?.state.kind === 'sms' && client.state.phase === 'sent',
        'the code',
      );
      const wrong = control.lastCode === '000000' ? '111111' : '000000';
      for (const left of [4, 3, 2, 1]) {
        input(el).value = wrong;
        submit(el).click();
        await until(() => shownError(el) === `验证码错误，还可尝试${left}次`, `${left} attempts left`);
      }
      expect(
        seen.filter((e) => e.type === 'etax-error').map((e) => (e.detail as { attemptsLeft?: number }).attemptsLeft),
      ).to.deep.equal([4, 3, 2, 1]);
      input(el).value = wrong;
      submit(el).click();
      await until(() => client!.state.kind === 'flow-ended', 'the lock');
      await settle(el);
      expect(text(part(el, 'error'))).to.equal('验证码错误次数过多，请重新登录。');
      expect(part(el, 'error').getAttribute('role')).to.equal('alert');
      await expect(el).to.be.accessible();
    });

    it('shows the server’s Retry-After when it throttles 获取验证码', async () => {
      const el = await mount(await atSms());
      control.throttle(45);
      send(el).focus();
      send(el).click();
      await until(() => shownError(el) !== '', 'the error');
      expect(shownError(el)).to.match(/^获取验证码过于频繁，请4[45]秒后再试$/);
      expect(text(maybe(el, '[part=countdown]'))).to.equal('');
      expect(send(el).getAttribute('aria-disabled')).to.equal('true');
      expect(focused() === send(el), 'focus on 获取验证码').to.equal(true);
      await expect(el).to.be.accessible();
    });

    it('never puts the code in an event detail', async () => {
      const el = await mount(await atSms());
      const seen = record(el);
      send(el).click();
      await until(
        () => !!control.lastCode && client?.state.kind === 'sms' && client.state.phase === 'sent',
        'the code',
      );
      const code = control.lastCode!;
      input(el).value = code.split('').reverse().join('') === code ? '000000' : code.split('').reverse().join('');
      submit(el).click();
      await until(() => seen.some((e) => e.type === 'etax-error'), 'the error');
      input(el).value = code;
      submit(el).click();
      await until(() => client!.state.kind === 'authenticated', 'login');
      expect(seen.map((e) => e.type)).to.include.members(['etax-sms-sent', 'etax-error', 'etax-login-success']);
      expect(JSON.stringify(seen)).not.to.contain(code);
    });

    it('dispatches no events when embedded (its container does)', async () => {
      const el = await mount(await atSms(), { embedded: true });
      const seen = record(el);
      send(el).click();
      await until(
        () => !!control.lastCode && client?.state.kind === 'sms' && client.state.phase === 'sent',
        'the code',
      );
      await settle(el);
      expect(text(part(el, 'phone'))).to.equal('验证码已发送到手机号：176****2696');
      expect(seen).to.deep.equal([]);
    });

    it('switches language at runtime', async () => {
      const el = await mount(await atSms());
      send(el).click();
      await until(
        () => !!control.lastCode && client?.state.kind === 'sms' && client.state.phase === 'sent',
        'the code',
      );
      await settle(el);
      el.lang = 'en';
      await el.updateComplete;
      expect(text(part(el, 'phone'))).to.equal('A code was sent to 176****2696');
      expect(text(part(el, 'countdown'))).to.match(/^Resend in (60|59) s$/);
      expect(input(el).labels?.[0]?.textContent?.trim()).to.equal('Verification code');
      expect(text(submit(el))).to.equal('Log in');
      input(el).value = '12';
      submit(el).click();
      await settle(el);
      expect(shownError(el)).to.equal('Enter the 6-digit code');
      await expect(el).to.be.accessible();
      el.lang = 'zh-CN';
      await el.updateComplete;
      expect(shownError(el)).to.equal('请输入6位数字验证码');
      expect(text(submit(el))).to.equal('登录');
    });

    it('takes words from a strings override, the rest from the language', async () => {
      const c = await atSms();
      const el = await fixture<SmsVerify>(
        html`<sms-verify
          .client=${c}
          .strings=${{ sms: { send: '发送验证码', phone: (m: string) => `手机：${m}` } }}
        ></sms-verify>`,
      );
      expect(text(send(el))).to.equal('发送验证码');
      expect(text(part(el, 'phone'))).to.equal('手机：176****2696');
      expect(text(submit(el))).to.equal('登录');
    });
  });

  describe('WebOTP', () => {
    it('asks for the SMS once a code is sent, fills it in and logs in', async () => {
      const f = server();
      const el = await mount(await smsClient(f));
      await expect(el).to.be.accessible();
      expect(otpCalls).to.have.length(0);
      send(el).click();
      await until(() => otpCalls.length === 1, 'the WebOTP request');
      const { options, resolve } = otpCalls[0];
      expect(options.otp).to.deep.equal({ transport: ['sms'] });
      expect(options.signal).to.be.instanceOf(AbortSignal);
      expect(options.signal!.aborted).to.equal(false);
      resolve({ type: 'otp', id: '', code: CODE });
      await until(() => client!.state.kind === 'authenticated', 'login');
      const verify = f.to('POST', '/v1/flows/pw1/sms/verify');
      expect(verify).to.have.length(1);
      expect(JSON.parse(verify[0].body!)).to.deep.equal({ code: CODE });
    });

    it('is cancelled when the person types', async () => {
      const el = await mount(await smsClient(server()));
      send(el).click();
      await until(() => otpCalls.length === 1, 'the WebOTP request');
      input(el).focus();
      await sendKeys({ type: '4' });
      expect(otpCalls[0].options.signal!.aborted).to.equal(true);
    });

    it('is cancelled when the person submits', async () => {
      const f = server((c) => (c.path === '/v1/flows/pw1/sms/verify' ? 'hang' : undefined));
      const el = await mount(await smsClient(f));
      send(el).click();
      await until(() => otpCalls.length === 1, 'the WebOTP request');
      input(el).value = CODE;
      submit(el).click();
      expect(otpCalls[0].options.signal!.aborted).to.equal(true);
      // A late answer changes nothing.
      otpCalls[0].resolve({ type: 'otp', code: '999999' });
      await settle(el);
      expect(input(el).value).to.equal(CODE);
      expect(f.to('POST', '/v1/flows/pw1/sms/verify')).to.have.length(1);
    });

    it('is cancelled when the element is removed', async () => {
      // Every timer fake, from before the client is made. The client of the test before, destroyed,
      // may still be settling its aborted requests, whose timers are the browser's.
      const clock = sinon.useFakeTimers({
        now: Date.now(),
        toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date', 'performance'],
        shouldClearNativeTimers: true,
      });
      try {
        const f = server();
        const el = await mount(await smsClient(f));
        send(el).click();
        await clock.tickAsync(0);
        expect(otpCalls).to.have.length(1);
        el.remove();
        expect(otpCalls[0].options.signal!.aborted).to.equal(true);
        // The SMS arrives anyway; a minute on the page's clock, every promise settled on the way.
        otpCalls[0].resolve({ type: 'otp', code: CODE });
        await clock.tickAsync(60_000);
        expect(f.to('POST', '/v1/flows/pw1/sms/verify')).to.have.length(0);
      } finally {
        clock.restore();
      }
    });

    it('is cancelled when the person leaves the SMS step', async () => {
      const f = server((c) => (c.path === '/v1/flows/pw1/step-up' ? 'hang' : undefined));
      const c = await smsClient(f);
      const el = await mount(c);
      send(el).click();
      await until(() => otpCalls.length === 1, 'the WebOTP request');
      void c.chooseStepUp('face_iit');
      expect(otpCalls[0].options.signal!.aborted).to.equal(true);
      await settle(el);
      expect(maybe(el, 'form')).to.equal(null);
    });

    it('is asked again for a new code, the old request cancelled', async () => {
      const clock = fakeClock();
      try {
        const el = await mount(await smsClient(server()));
        send(el).click();
        await settle(el);
        expect(otpCalls).to.have.length(1);
        await clock.tickAsync(60_000);
        await settle(el);
        send(el).click();
        await settle(el);
        expect(otpCalls).to.have.length(2);
        expect(otpCalls[0].options.signal!.aborted).to.equal(true);
        expect(otpCalls[1].options.signal!.aborted).to.equal(false);
      } finally {
        clock.restore();
      }
    });

    it('is not used where the browser has no WebOTP', async () => {
      const w = window as unknown as Record<string, unknown>;
      const original = w.OTPCredential;
      delete w.OTPCredential;
      try {
        expect('OTPCredential' in window).to.equal(false);
        const el = await mount(await smsClient(server()));
        send(el).click();
        await until(() => client!.state.kind === 'sms' && client!.state.phase === 'sent', 'sent');
        await settle(el);
        expect(otpCalls).to.have.length(0);
      } finally {
        w.OTPCredential = original;
      }
    });
  });
});
