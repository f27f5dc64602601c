/**
 * The demo page (demo/index.html), opened as it is — its own strict CSP,
 * Trusted Types, its mock backend in its own service worker, the portal page
 * in its frame — in a frame of the test page, and walked by hand: the person
 * types into the portal's login form, and plays the phone and the server
 * through the phone simulator's and the mock server's own buttons, while the
 * step-up dialog is open too. Every journey of the official instructions.
 */
import { expect, waitUntil } from '@open-wc/testing';
import { sendKeys, sendMouse, setViewport } from '@web/test-runner-commands';
import './gallery-cases.js';

const PASSWORD = 'Etax@2024';
const WAIT = { timeout: 6000 };

let frame: HTMLIFrameElement | undefined;

/* ------------------------------------------------------------- helpers */

const text = (node: Node | null | undefined) => node?.textContent?.replace(/\s+/g, ' ').trim() ?? '';
/** The demo page. */
const doc = () => frame!.contentDocument!;
/** The portal page, in its frame of the demo page. */
const portal = () => doc().querySelector<HTMLIFrameElement>('#portal')!.contentDocument!;
const login = () => portal().querySelector('etax-login')!;
const shadow = (el: Element | null | undefined) => el?.shadowRoot ?? undefined;

const qrPanel = () => shadow(shadow(login())?.querySelector('qr-login-panel'));
const qrStatus = () => text(qrPanel()?.querySelector('[part="status"]'));
const matchCode = () => text(qrPanel()?.querySelector('[part="match-code"] strong'));

/** What a node shows, through the shadow roots of the elements in it. */
function deepText(node: Node | undefined): string {
  if (!node) return '';
  if (node.nodeType === Node.TEXT_NODE) return node.textContent ?? '';
  const el = node as Element;
  const own = [...node.childNodes].map(deepText).join(' ');
  return el.shadowRoot ? `${deepText(el.shadowRoot)} ${own}` : own;
}

const dialog = () => shadow(shadow(login())?.querySelector('step-up-dialog'));
const dialogText = () => deepText(dialog()).replace(/\s+/g, ' ');
const dialogOpen = () => !!dialog()?.querySelector('dialog[open]');
const faceStatus = () => text(shadow(dialog()?.querySelector('qr-login-panel'))?.querySelector('[part="status"]'));
const sms = () => shadow(dialog()?.querySelector('sms-verify'));

const phone = () => shadow(doc().querySelector('demo-phone'))!;
const server = () => shadow(doc().querySelector('demo-server'))!;
const events = () =>
  [...(shadow(doc().querySelector('demo-event-log'))?.querySelectorAll('li[data-event]') ?? [])].map((li) => ({
    name: li.getAttribute('data-event')!,
    detail: text(li.querySelector('.detail')),
  }));
const fired = (name: string) => events().filter((e) => e.name === name);
const notice = () => text(doc().getElementById('notice'));

function buttonIn(root: ParentNode | undefined, name: string): HTMLButtonElement {
  const found = [...(root?.querySelectorAll<HTMLButtonElement>('button') ?? [])].find(
    (b) => (b.getAttribute('aria-label') ?? text(b)) === name,
  );
  if (!found) throw new Error(`no button "${name}"`);
  return found;
}
const click = (root: ParentNode | undefined, name: string) => buttonIn(root, name).click();
const has = (root: ParentNode | undefined, name: string) => {
  try {
    return !buttonIn(root, name).disabled;
  } catch {
    return false;
  }
};

/** A click with the pointer, where a person clicks: it does not reach anything the modal dialog made inert. */
async function pointerClick(el: Element) {
  const outer = frame!.getBoundingClientRect();
  const r = el.getBoundingClientRect();
  await sendMouse({
    type: 'click',
    position: [Math.round(outer.x + r.x + r.width / 2), Math.round(outer.y + r.y + r.height / 2)],
  });
}

/** The login form's field a label names (the form is in the element's light DOM, for password managers). */
function field(label: string): HTMLInputElement {
  const l = [...login().querySelectorAll('label')].find((x) => text(x) === label);
  if (!l) throw new Error(`no field labelled ${label}`);
  return portal().getElementById(l.htmlFor) as HTMLInputElement;
}

async function type(input: HTMLInputElement, value: string) {
  input.focus();
  input.select();
  await sendKeys({ type: value });
}

const tab = (name: string) =>
  [...login().querySelectorAll<HTMLButtonElement>('[role="tab"]')].find((t) => text(t) === name)!;

/** The phone's app, and (for the login QR) the account the app is signed in to. */
function useApp(app: 'etax' | 'iit', account?: string) {
  const radio = phone().querySelector<HTMLInputElement>(`input[name="app"][value="${app}"]`)!;
  radio.click();
  if (account) {
    const select = phone().querySelector<HTMLSelectElement>('select')!;
    select.value = account;
    select.dispatchEvent(new Event('change'));
  }
}

/** The code of the latest SMS, read off the phone's inbox. */
async function smsCode(): Promise<string> {
  click(phone(), text(phone().querySelectorAll('.switch button')[1]));
  await waitUntil(() => phone().querySelector('[data-sms]'), 'an SMS on the phone', WAIT);
  const code = /\d{6}/.exec(text(phone().querySelector('[data-sms]')))?.[0];
  click(phone(), text(phone().querySelectorAll('.switch button')[0]));
  return code!;
}

async function openDemo(query = '', size = { width: 1400, height: 1100 }) {
  frame?.remove();
  frame = document.createElement('iframe');
  frame.title = 'demo';
  frame.style.width = `${size.width}px`;
  frame.style.height = `${size.height}px`;
  frame.src = `/demo/index.html${query}`;
  const loaded = new Promise((resolve) => frame!.addEventListener('load', resolve, { once: true }));
  document.body.append(frame);
  await loaded;
  await waitUntil(
    () => doc()?.querySelector<HTMLIFrameElement>('#portal')?.contentDocument?.querySelector('etax-login'),
    'the portal page',
    {
      timeout: 10000,
    },
  );
  await waitUntil(() => qrPanel()?.querySelector('svg[part="qr-code"]'), 'the login QR', { timeout: 10000 });
}

async function password(entry: string, fields: [string, string][]) {
  tab(entry).click();
  await waitUntil(() => tab(entry).getAttribute('aria-selected') === 'true', `the ${entry} tab`, WAIT);
  for (const [label, value] of fields) await type(field(label), value);
  await type(field('个人用户密码'), PASSWORD);
  login().querySelector<HTMLButtonElement>('button[type="submit"]')!.click();
  await waitUntil(dialogOpen, 'the step-up dialog', WAIT);
}

const chooseMethod = (name: string) =>
  [...(dialog()?.querySelectorAll<HTMLButtonElement>('[role="radio"]') ?? [])].find((t) => text(t) === name)!.click();

async function loggedIn(via: 'qr' | 'password') {
  await waitUntil(() => /登录成功|Logged in/.test(notice()), 'the portal told of the login', WAIT);
  expect(fired('etax-login-success')[0].detail).to.include(`"via":"${via}"`);
  // The session token is the portal's; the demo's log does not print it.
  expect(fired('etax-login-success')[0].detail).to.not.match(/"token":"[0-9a-f]{8,}/);
}

/* --------------------------------------------------------------- tests */

describe('demo page', function () {
  this.timeout(30000);

  before(() => setViewport({ width: 1450, height: 1150 }));

  afterEach(() => {
    // The element leaves no request behind when removed; then the page goes.
    if (frame?.contentDocument)
      doc().querySelector<HTMLIFrameElement>('#portal')?.contentDocument?.querySelector('etax-login')?.remove();
    frame?.remove();
    frame = undefined;
  });

  it('runs under its strict CSP: the mock backend starts, the login QR shows, the accounts are listed', async () => {
    await openDemo();
    const csp = doc().querySelector('meta[http-equiv="Content-Security-Policy"]')!.getAttribute('content')!;
    expect(csp).to.include("script-src 'self'").and.include("require-trusted-types-for 'script'");
    expect(doc().querySelector('script:not([src])')).to.equal(null);
    expect(text(shadow(doc().querySelector('demo-accounts'))))
      .to.include('Etax@2024')
      .and.include('91310110666007217T');
    expect(fired('etax-qr-ready')).to.have.length(1);
    expect(text(portal().querySelector('.portal-name')))
      .to.include('××省电子税务局')
      .and.include('演示');
    const portalCsp = portal().querySelector('meta[http-equiv="Content-Security-Policy"]')!.getAttribute('content')!;
    expect(portalCsp).to.include("script-src 'self'").and.include("require-trusted-types-for 'script'");
    // The portal page holds no mock code: only its own script, which registers the elements.
    const scripts = [...portal().querySelectorAll('script')].map((s) => s.getAttribute('src'));
    // (The test server adds its own `/__web-dev-server__…` script to every page.)
    expect(scripts.filter((src) => !src?.startsWith('/__'))).to.deep.equal(['portal.ts']);
  });

  it('QR login with the e-tax app: scan, compare the check code, confirm on the phone', async () => {
    await openDemo();
    click(phone(), '扫一扫');
    await waitUntil(() => qrStatus().includes('扫描成功'), 'scanned on the page', WAIT);
    expect(qrStatus()).to.include('电子税务局APP');
    expect(text(phone().querySelector('[data-match-code]'))).to.equal(matchCode());
    await waitUntil(() => has(phone(), '登录'), 'the confirmation screen on the phone', WAIT);
    click(phone(), '登录');
    await loggedIn('qr');
    expect(fired('etax-qr-scanned')[0].detail).to.equal('{"app":"etax"}');
    expect(text(phone().querySelector('[data-result]'))).to.include('已确认登录');
  });

  it('QR login with the IIT app, as a person with three capacities, then the identity choice', async () => {
    await openDemo();
    useApp('iit', 'liqiang');
    click(phone(), '扫一扫');
    await waitUntil(() => qrStatus().includes('个人所得税APP'), 'scanned with the IIT app', WAIT);
    await waitUntil(() => has(phone(), '登录'), 'the confirmation screen on the phone', WAIT);
    click(phone(), '登录');
    await waitUntil(() => dialog()?.querySelectorAll('input[type="radio"]').length === 3, 'three capacities', WAIT);
    const finance = [...dialog()!.querySelectorAll('label')].find((l) => text(l).includes('财务负责人'))!;
    finance.querySelector('input')!.click();
    click(dialog(), '确定');
    await loggedIn('qr');
    expect(fired('etax-identity-required')[0].detail).to.include('"reason":"capacity"');
  });

  it('enterprise password, then face recognition with the IIT app that passes', async () => {
    await openDemo();
    await password('企业业务', [
      ['统一社会信用代码/纳税人识别号', '91310110666007217T'],
      ['居民身份证号码/手机号码/用户名', '17612342696'],
    ]);
    chooseMethod('个人所得税APP扫码人脸识别');
    await waitUntil(
      () => dialog()?.querySelector('qr-login-panel')?.shadowRoot?.querySelector('svg[part="qr-code"]'),
      'the face QR',
      WAIT,
    );
    // The e-tax app cannot read the IIT app's face QR: the phone says so.
    click(phone(), '扫一扫');
    await waitUntil(() => text(phone().querySelector('.note')).includes('个人所得税APP'), 'the phone refusing', WAIT);
    useApp('iit');
    // The dialog is modal in the portal's page; the phone beside it still takes a real click.
    await pointerClick(buttonIn(phone(), '扫一扫'));
    await waitUntil(() => faceStatus().includes('扫描成功'), 'scanned on the page', WAIT);
    await waitUntil(() => phone().querySelector('input[type="checkbox"]'), 'the face screen on the phone', WAIT);
    expect(has(phone(), '开始人脸识别')).to.equal(false);
    phone().querySelector<HTMLInputElement>('input[type="checkbox"]')!.click();
    const slider = phone().querySelector<HTMLInputElement>('input[type="range"]')!;
    slider.value = '100';
    slider.dispatchEvent(new Event('input'));
    await waitUntil(() => has(phone(), '开始人脸识别'), 'the agreement ticked and the slider dragged', WAIT);
    click(phone(), '开始人脸识别');
    await waitUntil(() => dialogText().includes('正在验证'), 'verifying on the page', WAIT);
    click(phone(), '识别通过');
    await loggedIn('password');
    expect(fired('etax-step-up-required')).to.have.length(1);
    expect(fired('etax-method-chosen')[0].detail).to.equal('{"method":"face_iit"}');
  });

  it('individual password, face recognition fails, then the SMS code', async () => {
    await openDemo();
    await password('自然人业务', [['居民身份证号码/手机号码/用户名', '11010519491231002X']]);
    chooseMethod('电子税务局APP扫码人脸识别');
    await waitUntil(
      () => dialog()?.querySelector('qr-login-panel')?.shadowRoot?.querySelector('svg[part="qr-code"]'),
      'the face QR',
      WAIT,
    );
    click(phone(), '扫一扫');
    await waitUntil(() => has(phone(), '开始人脸识别'), 'the face screen', WAIT);
    click(phone(), '开始人脸识别');
    await waitUntil(() => has(phone(), '识别失败'), 'verifying', WAIT);
    click(phone(), '识别失败');
    await waitUntil(() => dialogText().includes('人脸识别未通过'), 'the failure on the page', WAIT);
    click(dialog(), '改用短信验证');
    await waitUntil(() => sms()?.querySelector('[part="send"]'), 'the SMS form', WAIT);
    expect(text(sms()!.querySelector('[part="phone"]'))).to.include('176****2696');
    sms()!.querySelector<HTMLButtonElement>('[part="send"]')!.click();
    await waitUntil(() => text(sms()?.querySelector('[part="phone"]')).includes('已发送'), 'the code sent', WAIT);
    const code = await smsCode();
    await type(sms()!.querySelector<HTMLInputElement>('[part="input"]')!, code);
    sms()!.querySelector<HTMLButtonElement>('[part="submit"]')!.click();
    await loggedIn('password');
    expect(fired('etax-sms-sent')[0].detail).to.include('176****2696');
    expect(
      events()
        .map((e) => e.detail)
        .join(' '),
    ).to.not.include(code);
  });

  it('agent password, the SMS code, then the choice of the client enterprise', async () => {
    await openDemo();
    await password('代理业务', [
      ['代理机构统一社会信用代码/纳税人识别号', '9144030071526726XG'],
      ['代理人居民身份证号码/手机号码/用户名', 'zhaolei'],
    ]);
    chooseMethod('短信验证');
    await waitUntil(() => sms()?.querySelector('[part="send"]'), 'the SMS form', WAIT);
    sms()!.querySelector<HTMLButtonElement>('[part="send"]')!.click();
    await waitUntil(() => phone().querySelector('.banner'), 'the SMS arriving on the phone', WAIT);
    await type(sms()!.querySelector<HTMLInputElement>('[part="input"]')!, await smsCode());
    sms()!.querySelector<HTMLButtonElement>('[part="submit"]')!.click();
    await waitUntil(() => dialog()?.querySelectorAll('input[type="radio"]').length === 3, 'three clients', WAIT);
    expect(text(dialog()!.querySelector('legend'))).to.include('代理');
    const client = [...dialog()!.querySelectorAll('label')].find((l) => text(l).includes('武汉江城示例餐饮有限公司'))!;
    client.querySelector('input')!.click();
    click(dialog(), '确定');
    await loggedIn('password');
    expect(fired('etax-identity-required')[0].detail).to.include('"reason":"client"');
  });

  it('a throttled SMS shows the wait, through the mock server’s switch', async () => {
    await openDemo();
    await password('企业业务', [
      ['统一社会信用代码/纳税人识别号', '91310110666007217T'],
      ['居民身份证号码/手机号码/用户名', 'wangxiuying'],
    ]);
    chooseMethod('短信验证');
    await waitUntil(() => sms()?.querySelector('[part="send"]'), 'the SMS form', WAIT);
    click(server(), '短信限流 60 秒');
    sms()!.querySelector<HTMLButtonElement>('[part="send"]')!.click();
    await waitUntil(() => text(sms()?.querySelector('[part="error"]')).includes('过于频繁'), 'the throttling', WAIT);
    expect(fired('etax-error')[0].detail).to.include('"code":"sms_throttled"');
    expect(shadow(doc().querySelector('demo-phone'))!.querySelector('[data-sms]')).to.equal(null);
  });

  /** Where the open step-up dialog is on the demo page's screen, and how large that screen is. */
  function dialogOnScreen() {
    const portalFrame = doc().querySelector<HTMLIFrameElement>('#portal')!;
    const outer = portalFrame.getBoundingClientRect();
    const box = dialog()!.querySelector('dialog')!.getBoundingClientRect();
    const top = outer.top + portalFrame.clientTop + box.top;
    const left = outer.left + portalFrame.clientLeft + box.left;
    const view = doc().documentElement;
    return {
      top,
      left,
      bottom: top + box.height,
      right: left + box.width,
      width: view.clientWidth,
      height: view.clientHeight,
    };
  }

  it('opens the step-up dialog in view on a phone (390 px), in English with large text', async () => {
    await openDemo('?lang=en&large=1', { width: 390, height: 844 });
    tab('Enterprise').click();
    await waitUntil(() => tab('Enterprise').getAttribute('aria-selected') === 'true', 'the enterprise tab', WAIT);
    await type(field('Unified social credit code / taxpayer ID'), '91310110666007217T');
    await type(field('ID card number / mobile number / username'), 'wangxiuying');
    await type(field('Personal password'), PASSWORD);
    login().querySelector<HTMLButtonElement>('button[type="submit"]')!.click();
    await waitUntil(dialogOpen, 'the step-up dialog', WAIT);
    await waitUntil(
      () => {
        const at = dialogOnScreen();
        return at.top >= 0 && at.left >= 0 && at.bottom <= at.height && at.right <= at.width;
      },
      `the dialog in view, was ${JSON.stringify(dialogOnScreen())}`,
      WAIT,
    );
  });

  it('opens the step-up dialog in view on a desktop when the demo page is scrolled', async () => {
    await openDemo();
    for (const [label, value] of [
      ['统一社会信用代码/纳税人识别号', '91310110666007217T'],
      ['居民身份证号码/手机号码/用户名', 'wangxiuying'],
      ['个人用户密码', PASSWORD],
    ])
      await type(field(label), value);
    // The person scrolls down to the demo's accounts and log, then presses 登录 (as a keyboard would, no scrolling).
    doc().defaultView!.scrollTo(0, doc().documentElement.scrollHeight);
    expect(doc().defaultView!.scrollY).to.be.above(0);
    login().querySelector<HTMLButtonElement>('button[type="submit"]')!.click();
    await waitUntil(dialogOpen, 'the step-up dialog', WAIT);
    await waitUntil(
      () => {
        const at = dialogOnScreen();
        return at.top >= 0 && at.bottom <= at.height;
      },
      `the dialog in view, was ${JSON.stringify(dialogOnScreen())}`,
      WAIT,
    );
  });

  it('an expired QR is replaced by itself twice, then refreshed by the person', async () => {
    await openDemo();
    for (let i = 1; i <= 2; i++) {
      const before = fired('etax-qr-ready').length;
      click(server(), '让二维码过期');
      await waitUntil(() => fired('etax-qr-ready').length === before + 1, `auto refresh ${i}`, WAIT);
    }
    click(server(), '让二维码过期');
    await waitUntil(() => has(qrPanel(), '刷新二维码'), 'the refresh button', WAIT);
    expect(qrStatus()).to.equal('二维码已失效');
    expect(fired('etax-qr-expired').map((e) => e.detail)).to.deep.equal([
      '{"autoRefresh":false}',
      '{"autoRefresh":true}',
      '{"autoRefresh":true}',
    ]);
    click(qrPanel(), '刷新二维码');
    await waitUntil(() => fired('etax-qr-ready').length === 4, 'a new QR', WAIT);
    click(phone(), '扫一扫');
    await waitUntil(() => qrStatus().includes('扫描成功'), 'the new QR scanned', WAIT);
  });

  it('in English over WebSocket: the settings recreate the client and the login still works', async () => {
    await openDemo('?lang=en&transport=websocket');
    expect(doc().documentElement.lang).to.equal('en');
    expect(portal().documentElement.lang).to.equal('en');
    expect(text(shadow(login()))).to.include('Scan');
    expect(text(server().querySelector('table'))).to.not.equal('');
    click(phone(), 'Scan');
    await waitUntil(() => qrStatus() !== '' && !qrStatus().includes('Scan the QR'), 'scanned on the page', WAIT);
    await waitUntil(() => has(phone(), 'Log in'), 'the confirmation screen on the phone', WAIT);
    click(phone(), 'Log in');
    await loggedIn('qr');
  });
});
