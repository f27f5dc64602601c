/**
 * What `<etax-login>` does with what the server announces and answers: the limits of
 * each field checked before sending, the password kept after a fault and cleared once
 * judged, a locked account (password and QR), and who logged in.
 */
import { expect, fixture, fixtureCleanup, html, waitUntil } from '@open-wc/testing';
import { sendKeys } from '@web/test-runner-commands';
import { createLoginClient, type LoginClient } from '../../src/client/client.js';
import { DEFAULT_ENTRIES } from '../../src/client/entries.js';
import '../../src/components/etax-login/define.js';
import type { EtaxLogin } from '../../src/components/etax-login/etax-login.js';
import type { QrLoginPanel } from '../../src/components/qr-login-panel/qr-login-panel.js';
import { createMockBackend, type MockBackendOptions, type MockControl } from '../../src/mock/index.js';
import { mockWorker } from '../mock-worker.js';

const PASSWORD = 'Etax@2024';
let backend = createMockBackend({ baseUrl: '/api/answers', pollInterval: 0.05 });
const worker = mockWorker(...backend.handlers);

/** A backend with a base URL of its own; its handlers stay until the file ends (no 404 for a late request). */
function serve(options: MockBackendOptions = {}): MockControl {
  backend = createMockBackend({
    baseUrl: `/api/answers${Math.random().toString(36).slice(2)}`,
    pollInterval: 0.05,
    ...options,
  });
  worker.use(...backend.handlers);
  return backend.control;
}

let client: LoginClient | undefined;

/** The block on the 自然人业务 entry, with a client that has read the server's capabilities (its entries). */
async function mount(attrs: { forgot?: string; requestTimeout?: number } = {}) {
  client = createLoginClient({ baseUrl: backend.baseUrl, transport: 'poll', requestTimeout: attrs.requestTimeout });
  await client.loadCapabilities();
  const el = await fixture<EtaxLogin>(
    html`<etax-login entry="individual" forgot-password-url=${attrs.forgot ?? ''} .client=${client}></etax-login>`,
  );
  await el.updateComplete;
  return el;
}

function field(el: EtaxLogin, name: string): HTMLInputElement {
  return el.querySelector<HTMLInputElement>(`.etax-form input[name="${name}"]`)!;
}
const noteOf = (input: HTMLInputElement) =>
  document
    .getElementById(input.getAttribute('aria-describedby') ?? '')
    ?.textContent?.replace(/\s+/g, ' ')
    .trim();
const passwordRequests = () => backend.control.requests.filter((r) => r.path === '/v1/flows/password');
/** The fields of the password requests the server received, once the first has arrived whole. */
async function sentFields(): Promise<object[]> {
  await waitUntil(() => passwordRequests()[0]?.status, 'the password request', { timeout: 4000 });
  return passwordRequests().map((r) => (r.body as { fields: object }).fields);
}
const shadowText = (el: HTMLElement) => (el.shadowRoot!.textContent ?? '').replace(/\s+/g, ' ');

async function type(input: HTMLInputElement, text: string) {
  input.focus();
  input.select();
  await sendKeys({ type: text });
}

async function logIn(el: EtaxLogin, account: string, password = PASSWORD) {
  await type(field(el, 'account'), account);
  await type(field(el, 'password'), password);
  el.querySelector<HTMLButtonElement>('.etax-submit')!.click();
  await el.updateComplete;
}

/** Sends the form and waits for the server's answer to be shown (the form free again). */
async function answered(el: EtaxLogin, send: () => unknown) {
  const before = passwordRequests().length;
  await send();
  await waitUntil(() => passwordRequests()[before]?.status, 'the password request', { timeout: 4000 });
  await waitUntil(() => !el.querySelector('.etax-submit[aria-disabled="true"]'), 'the answer', { timeout: 4000 });
}

describe('<etax-login> and what the server announces and answers', () => {
  afterEach(() => {
    fixtureCleanup();
    client?.destroy();
  });

  it('checks the limits the server announced before sending: none of these reach it', async () => {
    serve();
    const el = await mount();
    for (const account of ['li.qiang', 'li.qiang@example.com', '李强', 'abcdefghijklmnopqrstuvwxyz']) {
      await logIn(el, account);
      const input = field(el, 'account');
      expect(input.getAttribute('aria-invalid'), account).to.equal('true');
      expect(noteOf(input), account).to.include('居民身份证号码/手机号码/用户名');
      expect(document.activeElement).to.equal(input);
    }
    await expect(el).to.be.accessible();
    // A good account goes: when its request arrives, it is the only one that ever did.
    await logIn(el, 'wangxiuying');
    expect(await sentFields()).to.deep.equal([{ account: 'wangxiuying' }]);
  });

  it('checks only what the server announced: a user name it did not limit is sent', async () => {
    // A backend that announces the national login's fields with no pattern (maxLength 32 only).
    serve({ entries: DEFAULT_ENTRIES });
    const el = await mount();
    await logIn(el, 'li.qiang');
    expect(await sentFields()).to.deep.equal([{ account: 'li.qiang' }]);
    // The server's own answer is shown: a wrong account or password.
    await waitUntil(() => el.querySelector('[role="alert"] .etax-error'), 'the refusal');
  });

  it('says in the person’s words what an announced minLength or pattern refuses, and takes no more than maxLength', async () => {
    serve({
      entries: [
        {
          id: 'individual',
          fields: [{ name: 'account', kind: 'text', required: true, minLength: 6, maxLength: 8, pattern: '[a-z]+' }],
        },
      ],
    });
    const el = await mount();
    const cases: [string, string][] = [
      ['abc', '至少为6位'],
      ['abc123', '格式有误'],
    ];
    for (const [value, words] of cases) {
      await logIn(el, value);
      expect(noteOf(field(el, 'account')), value).to.include(words);
    }
    await logIn(el, 'abcdefghij');
    expect(await sentFields()).to.deep.equal([{ account: 'abcdefgh' }]);
  });

  it('keeps the password after a server fault, clears it once the server refused it', async () => {
    const control = serve();
    const el = await mount({ requestTimeout: 1000 });
    const password = () => field(el, 'password');
    const faults: [string, () => void][] = [
      ['500', () => control.failNext(1, 500, { path: '/v1/flows/password' })],
      ['malformed', () => control.malformNext(1, 'json', { path: '/v1/flows/password' })],
      ['timeout', () => control.setLatency(1500)],
    ];
    const words = ['登录服务暂时不可用', '无法识别的数据', '服务器响应超时'];
    for (const [i, [name, fault]] of faults.entries()) {
      fault();
      await answered(el, () => logIn(el, 'wangxiuying', 'wrong-password'));
      control.setLatency(0);
      expect(el.querySelector('[role="alert"]')!.textContent, name).to.include(words[i]);
      expect(password().value, name).to.equal('wrong-password');
    }
    // Nothing of it is kept anywhere else.
    expect(JSON.stringify({ ...localStorage, ...sessionStorage })).not.to.include('wrong-password');
    // Sent again and refused: now it is cleared, to be typed again.
    await answered(el, () => el.querySelector<HTMLButtonElement>('.etax-submit')!.click());
    expect(el.querySelector('[role="alert"]')!.textContent).to.include('输入的个人账号或密码错误');
    expect(password().value).to.equal('');
  });

  it('clears a typed password when the block is taken off the page', async () => {
    serve();
    const el = await mount();
    await type(field(el, 'password'), 'secret-typed');
    const input = field(el, 'password');
    el.remove();
    expect(input.value).to.equal('');
  });

  it('shows a locked account as a locked view: when it unlocks, 忘记密码, and no 登录 to press', async () => {
    serve();
    const el = await mount({ forgot: '/forgot-password' });
    await logIn(el, 'liufang');
    await waitUntil(() => el.querySelector('.etax-locked'), 'the locked view', { timeout: 4000 });
    const view = el.querySelector<HTMLElement>('.etax-locked')!;
    const text = view.textContent!.replace(/\s+/g, '');
    expect(text).to.include('账号已锁定');
    // It says when the lock lifts: the fixture's lock lasts 30 minutes.
    expect(text).to.include('请30分钟后再试');
    expect(view.querySelector('a')!.getAttribute('href')).to.equal('/forgot-password');
    expect(view.querySelector('a')!.textContent!.trim()).to.equal('忘记密码');
    expect(el.querySelector('.etax-submit')).to.equal(null);
    expect(field(el, 'password')).to.equal(null);
    expect(document.activeElement).to.equal(view);
    await expect(el).to.be.accessible();
    // Another account: back to the form.
    view.querySelector('button')!.click();
    await el.updateComplete;
    expect(el.querySelector('.etax-submit')).to.exist;
    expect(document.activeElement).to.equal(field(el, 'account'));
  });

  it('offers no 重试 for a QR login of a locked account, says when it unlocks, and offers it once it has', async () => {
    const control = serve();
    const el = await mount();
    const panel = el.shadowRoot!.querySelector<QrLoginPanel>('qr-login-panel')!;
    const part = (name: string) => panel.shadowRoot!.querySelector<HTMLElement>(`[part~="${name}"]`);
    await waitUntil(() => part('qr-code'), 'a QR', { timeout: 4000 });
    await control.scan('etax');
    await control.lockAccount('wangxiuying', 2);
    await waitUntil(() => part('status')?.textContent?.includes('锁定'), 'the lock', { timeout: 4000 });
    expect(part('status')!.textContent).to.match(/请\d秒后再试/);
    expect(part('refresh')).to.equal(null);
    await expect(el).to.be.accessible();
    await waitUntil(() => part('refresh'), '重试 once the lock lifted', { timeout: 5000 });
    expect(part('refresh')!.textContent!.trim()).to.equal('重试');
  });

  it('says who logged in: the masked name, the capacity and the enterprise', async () => {
    const control = serve();
    const el = await mount();
    el.addEventListener('etax-login-success', (e) => e.preventDefault());
    await waitUntil(() => el.shadowRoot!.querySelector('qr-login-panel')!.shadowRoot!.querySelector('svg'), 'a QR', {
      timeout: 4000,
    });
    await control.scan('etax');
    await control.confirm();
    await waitUntil(() => el.shadowRoot!.querySelector('.who'), 'who logged in', { timeout: 4000 });
    const text = shadowText(el);
    expect(text)
      .to.include('登录成功')
      .and.include('**英')
      .and.include('办税员')
      .and.include('上海云杉示例科技有限公司');
    expect(text).not.to.include('王秀英');
    await expect(el).to.be.accessible();
  });

  it('says for an agent which client enterprise they act for', async () => {
    const control = serve();
    const el = await mount();
    el.lang = 'en';
    el.addEventListener('etax-login-success', (e) => e.preventDefault());
    const c = client!;
    await c.submitPassword({
      entry: 'agent',
      fields: { taxpayerId: '9144030071526726XG', account: 'zhaolei' },
      password: PASSWORD,
    });
    await c.chooseStepUp('sms');
    await c.sendSms();
    await c.verifySms(control.lastCode!);
    await waitUntil(() => c.state.kind === 'identity', 'the client choice', { timeout: 4000 });
    await c.chooseIdentity('client:91310115591693856A');
    await waitUntil(() => el.shadowRoot!.querySelector('.who'), 'who logged in', { timeout: 4000 });
    const rows = [...el.shadowRoot!.querySelectorAll('.who div')].map((d) =>
      d.textContent!.replace(/\s+/g, ' ').trim(),
    );
    expect(rows).to.deep.equal(['User *磊', 'Capacity Tax agent', 'Client enterprise 上海浦江示例贸易有限公司']);
    await expect(el).to.be.accessible();
  });
});
