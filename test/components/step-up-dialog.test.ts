/**
 * `<step-up-dialog>` through what a person sees and does: it opens by itself
 * after the password, keeps focus inside, cancels on Esc or 关闭, switches
 * methods by keyboard and pointer, offers SMS after a face failure, lets the
 * person pick an identity, explains a finished flow, follows `lang`, and
 * leaves nothing running when removed. Journeys run against the MSW mock
 * backend; the removal test uses the scriptable fetch under fake timers.
 */
import { expect, fixture, html, waitUntil } from '@open-wc/testing';
import type { LitElement } from 'lit';
import { executeServerCommand, sendKeys, setViewport } from '@web/test-runner-commands';
import sinon from 'sinon';
import { createLoginClient, type LoginClient } from '../../src/client/index.js';
import type { FlowState } from '../../src/client/protocol.js';
import type { LoginStateKind } from '../../src/client/state.js';
import type { EtaxCancelEvent, EtaxMethodChosenEvent } from '../../src/components/events/index.js';
import '../../src/components/qr-login-panel/define.js';
import '../../src/components/step-up-dialog/define.js';
import type { StepUpDialog } from '../../src/components/step-up-dialog/step-up-dialog.js';
import { createMockBackend } from '../../src/mock/index.js';
import { capabilities, created, fakeFetch, json, reply } from '../client/fakes.js';
import { mockWorker } from '../mock-worker.js';
import { LOGINS } from '../logins.js';

const backend = createMockBackend();
/** A server whose face QR runs out rather than being replaced. */
const expiring = createMockBackend({ baseUrl: '/api/expiring', qrRotates: false });
mockWorker(...backend.handlers, ...expiring.handlers);
let client: LoginClient | undefined;

afterEach(() => {
  client?.destroy();
  client = undefined;
  backend.control.reset();
  expiring.control.reset();
});

/* ------------------------------------------------------------- helpers */

const parts = (el: StepUpDialog) => el.shadowRoot!;
const dialogOf = (el: StepUpDialog) => parts(el).querySelector('dialog')!;
const methods = (el: StepUpDialog) => [...parts(el).querySelectorAll<HTMLButtonElement>('[role="radio"]')];
const text = (node: Element | null | undefined) => node?.textContent?.replace(/\s+/g, ' ').trim() ?? '';
const title = (el: StepUpDialog) => text(parts(el).querySelector('[part="title"]'));
const status = (el: StepUpDialog) => text(parts(el).querySelector('[part="status"]'));
const nameOf = (b: Element) => b.getAttribute('aria-label') ?? text(b);
const button = (el: StepUpDialog, name: string) =>
  [...parts(el).querySelectorAll<HTMLButtonElement>('button')].find((b) => nameOf(b) === name);
const checkedMethod = (el: StepUpDialog) => methods(el).find((m) => m.getAttribute('aria-checked') === 'true');
/** The embedded face QR: what it says, and the steps it lists. */
const facePanel = (el: StepUpDialog) => parts(el).querySelector('[part="face"] qr-login-panel');
const faceStatus = (el: StepUpDialog) => text(facePanel(el)?.shadowRoot?.querySelector('[part="status"]'));
const faceSteps = (el: StepUpDialog) => text(facePanel(el)?.shadowRoot?.querySelector('[part="apps"]'));

/** The focused element, through shadow roots. */
function focused(): Element | null {
  let a = document.activeElement;
  while (a?.shadowRoot?.activeElement) a = a.shadowRoot.activeElement;
  return a;
}

/** Whether `node` sits inside the element's dialog (through nested shadow roots). */
function inDialog(el: StepUpDialog, node: Element | null): boolean {
  const dialog = dialogOf(el);
  for (let n: Node | null = node; n; n = n.parentNode ?? (n as ShadowRoot).host ?? null) if (n === dialog) return true;
  return false;
}

const stateIs = async (el: StepUpDialog, ...kinds: LoginStateKind[]) => {
  await waitUntil(
    () => client && kinds.includes(client.state.kind),
    `state ${kinds.join('|')}, was ${client?.state.kind}`,
    {
      timeout: 4000,
    },
  );
  await el.updateComplete;
  for (const child of parts(el).querySelectorAll('qr-login-panel, sms-verify'))
    await (child as LitElement).updateComplete;
};

/**
 * Fake timers, from now, for a test that makes its own client under them. The client of the
 * test before, destroyed, may still be settling its aborted requests, whose timers are the
 * browser's: clearing one of them goes to the browser.
 */
const fakeClock = () =>
  sinon.useFakeTimers({
    now: Date.now(),
    toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval'],
    shouldClearNativeTimers: true,
  });

const stepUpPosts = () =>
  backend.control.requests.filter((r) => r.method === 'POST' && /\/step-up$/.test(r.path)).map((r) => r.body);

interface Opened {
  el: StepUpDialog;
  login: HTMLButtonElement;
  cancels: EtaxCancelEvent[];
  chosen: EtaxMethodChosenEvent[];
}

/** A page with a 登录 button and the dialog; the person submits a password and step-up begins. */
async function openFor(account: keyof typeof LOGINS = 'wangxiuying', server = backend): Promise<Opened> {
  const c = (client = createLoginClient({ baseUrl: server.baseUrl, crossTab: false }));
  const page = await fixture<HTMLElement>(
    html`<div>
      <button id="login" type="button">登录</button>
      <step-up-dialog .client=${c}><a slot="help" href="/help/step-up">帮助</a></step-up-dialog>
    </div>`,
  );
  const el = page.querySelector('step-up-dialog')!;
  const login = page.querySelector<HTMLButtonElement>('#login')!;
  const cancels: EtaxCancelEvent[] = [];
  const chosen: EtaxMethodChosenEvent[] = [];
  page.addEventListener('etax-cancel', (e) => cancels.push(e));
  page.addEventListener('etax-method-chosen', (e) => chosen.push(e));
  login.focus();
  expect(el.open).to.equal(false);
  await c.submitPassword(LOGINS[account]);
  await stateIs(el, 'step-up');
  return { el, login, cancels, chosen };
}

/** The person picks a face method with the pointer and the phone shows the QR. */
async function faceQr(o: Opened, method: 'face_iit' | 'face_etax' = 'face_iit') {
  methods(o.el)
    .find((t) => t.dataset.method === method)!
    .click();
  await stateIs(o.el, 'face-waiting');
}

/** The person scans with the right app and fails the liveness check. */
async function failFace(o: Opened) {
  await backend.control.scan(
    client!.state.kind === 'face-waiting' && client!.state.method === 'face_etax' ? 'etax' : 'iit',
  );
  await stateIs(o.el, 'face-scanned');
  await backend.control.faceFail();
  await stateIs(o.el, 'face-failed', 'flow-ended');
}

/* --------------------------------------------------------------- tests */

describe('<step-up-dialog> opening and focus', () => {
  it('opens by itself as a modal when step-up begins, with focus on the first method', async () => {
    const { el } = await openFor();
    await expect(el).to.be.accessible();
    const dialog = dialogOf(el);
    expect(el.open).to.equal(true);
    expect(dialog.matches(':modal')).to.equal(true);
    expect(title(el)).to.equal('再次认证');
    expect(dialog.getAttribute('aria-labelledby')).to.equal('title');
    expect(text(parts(el).getElementById('intro'))).to.contain('请选择一种方式');
    expect(methods(el).map(text)).to.deep.equal(['个人所得税APP扫码人脸识别', '电子税务局APP扫码人脸识别', '短信验证']);
    // A choice of one, heard as one: a radio group of the methods, none chosen yet.
    expect(parts(el).querySelector('[role="radiogroup"]')!.getAttribute('aria-label')).to.equal('认证方式');
    expect(methods(el).map((m) => m.getAttribute('aria-checked'))).to.deep.equal(['false', 'false', 'false']);
    expect(parts(el).querySelector('[role="tab"], [role="tablist"], [role="tabpanel"]')).to.equal(null);
    expect(focused()).to.equal(methods(el)[0]);
    expect(text(parts(el).querySelector('.expiry'))).to.match(/^请在\d+分钟内完成认证$/);
    // The page behind is inert: it can be neither clicked nor focused.
    const login = document.querySelector<HTMLButtonElement>('#login')!;
    const at = login.getBoundingClientRect();
    expect(document.elementFromPoint(at.x + 2, at.y + 2)).to.not.equal(login);
    login.focus();
    expect(focused()).to.equal(methods(el)[0]);
  });

  it('adds no landmark to the portal’s page: its title bar is no second banner', async () => {
    const c = (client = createLoginClient({ baseUrl: backend.baseUrl, crossTab: false }));
    // A portal page with its own banner and main, the dialog placed after them as the seed's pages do.
    const page = await fixture<HTMLElement>(
      html`<div>
        <header><p>国家税务总局湖北省电子税务局</p></header>
        <main><h1>登录</h1></main>
        <step-up-dialog .client=${c}></step-up-dialog>
      </div>`,
    );
    const el = page.querySelector('step-up-dialog')!;
    await c.submitPassword(LOGINS.wangxiuying);
    await stateIs(el, 'step-up');
    await expect(page).to.be.accessible();
  });

  it('keeps Tab and Shift+Tab inside the dialog, wrapping at both ends', async () => {
    const { el, login } = await openFor();
    const close = button(el, '关闭')!;
    const help = el.querySelector('a[slot="help"]')!;
    const forward: Element[] = [];
    for (let i = 0; i < 4; i++) {
      await sendKeys({ press: 'Tab' });
      forward.push(focused()!);
    }
    // tab → help link → close → tab: the slotted help link is part of the cycle, the page is not.
    expect(forward).to.deep.equal([help, close, methods(el)[0], help]);
    const back: Element[] = [];
    for (let i = 0; i < 4; i++) {
      await sendKeys({ down: 'Shift' });
      await sendKeys({ press: 'Tab' });
      await sendKeys({ up: 'Shift' });
      back.push(focused()!);
    }
    expect(back).to.deep.equal([methods(el)[0], close, help, methods(el)[0]]);
    expect(forward.concat(back)).to.not.include(login);
  });

  it('keeps the embedded SMS form in the Tab cycle', async () => {
    const o = await openFor();
    methods(o.el)[2].click();
    await stateIs(o.el, 'sms');
    await expect(o.el).to.be.accessible();
    const sms = parts(o.el).querySelector('sms-verify')!.shadowRoot!;
    const input = sms.querySelector('input')!;
    const send = sms.querySelector('[part="send"]')!;
    const submit = sms.querySelector('[part="submit"]')!;
    methods(o.el)[2].focus();
    const seen: Element[] = [];
    for (let i = 0; i < 6; i++) {
      await sendKeys({ press: 'Tab' });
      seen.push(focused()!);
    }
    const help = o.el.querySelector('a[slot="help"]')!;
    expect(seen).to.deep.equal([input, send, submit, help, button(o.el, '关闭'), methods(o.el)[2]]);
  });

  it('completes step-up by SMS through the embedded form, then closes', async () => {
    const o = await openFor();
    methods(o.el)[2].click();
    await stateIs(o.el, 'sms');
    const sms = parts(o.el).querySelector('sms-verify')!;
    expect(text(sms.shadowRoot!.querySelector('[part="phone"]'))).to.equal('绑定手机号：176****2696');
    sms.shadowRoot!.querySelector<HTMLButtonElement>('[part="send"]')!.click();
    await waitUntil(() => client!.state.kind === 'sms' && client!.state.phase === 'sent', 'code sent');
    sms.shadowRoot!.querySelector('input')!.focus();
    await sendKeys({ type: backend.control.lastCode! });
    await sendKeys({ press: 'Enter' });
    await stateIs(o.el, 'authenticated');
    expect(o.el.open).to.equal(false);
    expect(focused()).to.equal(o.login);
  });

  it('cancels on Esc: the flow ends on the server, one etax-cancel, the dialog closes and focus returns', async () => {
    const { el, login, cancels } = await openFor();
    const flowId = backend.control.flow()!.id;
    await sendKeys({ press: 'Escape' });
    await el.updateComplete;
    expect(el.open).to.equal(false);
    expect(cancels.map((e) => e.detail)).to.deep.equal([{ reason: 'user' }]);
    expect(focused()).to.equal(login);
    await waitUntil(
      () => backend.control.flows.find((f) => f.id === flowId)?.status === 'cancelled',
      'flow cancelled on the server',
    );
    // Back on the login page: a new QR login, not a dialog. A second etax-cancel would come with
    // one of the state changes on the way there; the last of them is the new QR.
    expect(['qr-loading', 'qr-waiting']).to.include(client!.state.kind);
    await stateIs(el, 'qr-waiting');
    expect(cancels).to.have.length(1);
  });

  it('cancels with the close button, which has an accessible name', async () => {
    const { el, login, cancels } = await openFor();
    await faceQr({ el, login, cancels, chosen: [] });
    const close = button(el, '关闭')!;
    expect(close.getAttribute('aria-label')).to.equal('关闭');
    close.click();
    await el.updateComplete;
    expect(el.open).to.equal(false);
    expect(cancels.map((e) => e.detail)).to.deep.equal([{ reason: 'user' }]);
    expect(focused()).to.equal(login);
  });

  it('returns focus and leaves the dialog closed once the login succeeds', async () => {
    const o = await openFor();
    await faceQr(o);
    await backend.control.scan('iit');
    await backend.control.facePass();
    await stateIs(o.el, 'authenticated');
    expect(o.el.open).to.equal(false);
    expect(focused()).to.equal(o.login);
    expect(o.cancels).to.have.length(0);
  });
});

describe('<step-up-dialog> alone', () => {
  it('given only a base URL, makes no client (it renders the one that ran the password): no request, no dialog', async () => {
    const clock = fakeClock();
    try {
      const f = fakeFetch(() => json(capabilities()));
      const el = await fixture<StepUpDialog>(
        html`<step-up-dialog base-url="/api/alone" .clientOptions=${{ fetch: f.fetch }}></step-up-dialog>`,
      );
      // A minute on the page's clock, every promise settled on the way.
      await clock.tickAsync(60_000);
      expect(f.calls).to.deep.equal([]);
      expect(clock.countTimers()).to.equal(0);
      expect(el.shadowRoot!.querySelector('dialog[open]')).to.equal(null);
    } finally {
      clock.restore();
    }
  });
});

describe('<step-up-dialog> methods', () => {
  it('chooses each method by keyboard: arrows move, Enter and Space choose', async () => {
    const o = await openFor();
    await expect(o.el).to.be.accessible();
    const [iit, etax, sms] = methods(o.el);
    expect(focused()).to.equal(iit);
    await sendKeys({ press: 'ArrowDown' });
    expect(focused()).to.equal(etax);
    expect(stepUpPosts()).to.deep.equal([]); // moving is not choosing
    await sendKeys({ press: 'Enter' });
    await stateIs(o.el, 'face-waiting');
    await expect(o.el).to.be.accessible();
    expect(o.chosen.map((e) => e.detail)).to.deep.equal([{ method: 'face_etax' }]);
    expect(stepUpPosts()).to.deep.equal([{ method: 'face_etax' }]);
    expect(checkedMethod(o.el)).to.equal(etax);
    expect(methods(o.el).map((m) => m.getAttribute('aria-checked'))).to.deep.equal(['false', 'true', 'false']);
    const face = parts(o.el).querySelector('[part="face"]')!;
    expect(face.getAttribute('role')).to.equal('group');
    expect(face.getAttribute('aria-labelledby')).to.equal(etax.id);
    expect(facePanel(o.el)?.getAttribute('mode')).to.equal('face');
    expect(faceSteps(o.el)).to.contain('打开手机“电子税务局APP”');
    expect(facePanel(o.el)?.shadowRoot?.querySelector('svg[role="img"]')?.getAttribute('aria-label')).to.equal(
      '电子税务局APP扫码人脸识别',
    );

    // Switching while the face QR is shown: End → SMS, Space chooses it.
    await sendKeys({ press: 'End' });
    expect(focused()).to.equal(sms);
    await sendKeys({ press: ' ' });
    await stateIs(o.el, 'sms');
    await expect(o.el).to.be.accessible();
    expect(o.chosen.map((e) => e.detail.method)).to.deep.equal(['face_etax', 'sms']);
    expect(checkedMethod(o.el)).to.equal(sms);
    expect(parts(o.el).querySelector('[part="sms"] sms-verify')).to.exist;
    expect(stepUpPosts()).to.have.length(1); // SMS needs no step-up request; 获取验证码 is the SMS form's

    // Home and wrap-around.
    await sendKeys({ press: 'Home' });
    expect(focused()).to.equal(iit);
    await sendKeys({ press: 'ArrowUp' });
    expect(focused()).to.equal(sms);
    await sendKeys({ press: 'ArrowDown' });
    expect(focused()).to.equal(iit);
    await sendKeys({ press: 'Enter' });
    await stateIs(o.el, 'face-waiting');
    expect(stepUpPosts()).to.deep.equal([{ method: 'face_etax' }, { method: 'face_iit' }]);
    // Only the chosen method takes Tab.
    expect(methods(o.el).map((t) => t.tabIndex)).to.deep.equal([0, -1, -1]);
  });

  it('chooses each method by pointer, with the event and the request', async () => {
    const o = await openFor();
    const [iit, etax, sms] = methods(o.el);
    iit.click();
    await stateIs(o.el, 'face-waiting');
    expect(faceSteps(o.el)).to.contain('勾选授权协议');
    etax.click();
    await waitUntil(
      () => client!.state.kind === 'face-waiting' && client!.state.method === 'face_etax',
      'the face_etax QR',
      { timeout: 4000 },
    );
    await o.el.updateComplete;
    sms.click();
    await stateIs(o.el, 'sms');
    expect(o.chosen.map((e) => e.detail.method)).to.deep.equal(['face_iit', 'face_etax', 'sms']);
    expect(stepUpPosts()).to.deep.equal([{ method: 'face_iit' }, { method: 'face_etax' }]);
    // Choosing the method already shown asks nothing again.
    const asked = backend.control.requests.length;
    sms.click();
    await o.el.updateComplete;
    expect(o.chosen).to.have.length(3);
    expect(backend.control.requests.length).to.equal(asked);
  });

  it('offers only the methods the server allows (no bound phone: no SMS)', async () => {
    const { el } = await openFor('sunyue');
    await expect(el).to.be.accessible();
    expect(methods(el).map(text)).to.deep.equal(['个人所得税APP扫码人脸识别', '电子税务局APP扫码人脸识别']);
  });

  it('shows loading while the face QR is asked for, and an error with 重试', async () => {
    const o = await openFor();
    backend.control.setLatency(300);
    methods(o.el)[0].click();
    await stateIs(o.el, 'step-up');
    await expect(o.el).to.be.accessible();
    expect(faceStatus(o.el)).to.equal('二维码加载中…');
    expect(parts(o.el).querySelector('[part="face"]')!.getAttribute('aria-busy')).to.equal('true');
    await stateIs(o.el, 'face-waiting');
    backend.control.setLatency(0);

    backend.control.failNext(1, 503, { method: 'POST', path: /\/step-up$/ });
    methods(o.el)[1].click();
    await waitUntil(() => client!.state.kind === 'step-up' && !!client!.state.error, 'error');
    await stateIs(o.el, 'step-up');
    await expect(o.el).to.be.accessible();
    // Said in the dialog's status line, with its action, not in an empty QR frame.
    expect(status(o.el)).to.equal('登录服务暂时不可用，请稍后重试。');
    expect(!facePanel(o.el), 'no QR frame').to.equal(true);
    const retry = button(o.el, '重试')!;
    expect(focused()).to.equal(retry);
    await sendKeys({ press: 'Enter' });
    await stateIs(o.el, 'face-waiting');
    expect(stepUpPosts().slice(-2)).to.deep.equal([{ method: 'face_etax' }, { method: 'face_etax' }]);
    expect(checkedMethod(o.el)?.dataset.method).to.equal('face_etax');
  });

  it('says an expired face QR outside an empty frame, and its action does what the words say', async () => {
    const o = await openFor('wangxiuying', expiring);
    await faceQr(o);
    await expiring.control.expireQr();
    await waitUntil(() => client!.state.kind === 'step-up' && !!client!.state.error, 'the face QR expired');
    await stateIs(o.el, 'step-up');
    await expect(o.el).to.be.accessible();
    expect(status(o.el)).to.equal('二维码已失效，请刷新二维码，或选择其他认证方式。');
    expect(parts(o.el).querySelector('[part="status"]')!.classList.contains('etax-error')).to.equal(true);
    expect(!facePanel(o.el), 'no QR frame').to.equal(true);
    const refresh = button(o.el, '刷新二维码');
    expect(!!refresh && focused() === refresh, 'focus on 刷新二维码').to.equal(true);
    expect(button(o.el, '重试')).to.equal(undefined);
    o.el.lang = 'en';
    await o.el.updateComplete;
    expect(status(o.el)).to.equal('The QR code has expired. Refresh it, or choose another method.');
    expect(!!button(o.el, 'Refresh QR code')).to.equal(true);
    button(o.el, 'Refresh QR code')!.click();
    await stateIs(o.el, 'face-waiting');
    expect(status(o.el)).to.equal('');
    expect(faceSteps(o.el)).to.contain('Individual Income Tax app');
  });

  it('after a face failure says so with the attempts left and offers SMS', async () => {
    const o = await openFor();
    await faceQr(o);
    await backend.control.scan('iit');
    await stateIs(o.el, 'face-scanned');
    expect(faceStatus(o.el)).to.equal('扫描成功，请在个人所得税APP上完成人脸识别');
    await backend.control.faceVerify();
    await stateIs(o.el, 'face-verifying');
    await expect(o.el).to.be.accessible();
    expect(faceStatus(o.el)).to.equal('正在验证人脸识别结果…');
    expect(methods(o.el).every((t) => t.getAttribute('aria-disabled') === 'true')).to.equal(true);
    await backend.control.faceFail();
    await stateIs(o.el, 'face-failed');
    await expect(o.el).to.be.accessible();
    expect(status(o.el)).to.equal('人脸识别未通过，还可尝试2次。您也可以使用短信验证。');
    expect(!facePanel(o.el), 'no QR frame').to.equal(true);
    const useSms = button(o.el, '改用短信验证')!;
    expect(focused()).to.equal(useSms);
    expect(button(o.el, '重新扫码')).to.exist;
    await sendKeys({ press: 'Enter' });
    await stateIs(o.el, 'sms');
    expect(o.chosen.map((e) => e.detail.method)).to.deep.equal(['face_iit', 'sms']);
    expect(checkedMethod(o.el)?.dataset.method).to.equal('sms');
    expect(inDialog(o.el, focused())).to.equal(true);
  });

  it('offers 重新扫码 while attempts are left, then only SMS: never a dead end', async () => {
    const o = await openFor();
    await faceQr(o);
    for (const left of [2, 1]) {
      await failFace(o);
      expect(status(o.el)).to.contain(`还可尝试${left}次`);
      button(o.el, '重新扫码')!.click();
      await stateIs(o.el, 'face-waiting');
    }
    await failFace(o);
    await expect(o.el).to.be.accessible();
    expect(status(o.el)).to.equal('人脸识别未通过，请使用短信验证。');
    expect(button(o.el, '重新扫码')).to.equal(undefined);
    expect(methods(o.el).map(text)).to.deep.equal(['短信验证']);
    expect(focused()).to.equal(button(o.el, '改用短信验证'));
    expect(stepUpPosts()).to.deep.equal([{ method: 'face_iit' }, { method: 'face_iit' }, { method: 'face_iit' }]);
  });

  it('shows a lockout when face recognition is used up and SMS is not offered', async () => {
    const o = await openFor('sunyue');
    await faceQr(o);
    for (const left of [2, 1]) {
      await failFace(o);
      // No phone is bound: SMS is neither offered nor suggested.
      expect(status(o.el)).to.equal(`人脸识别未通过，还可尝试${left}次。`);
      expect(button(o.el, '改用短信验证')).to.equal(undefined);
      button(o.el, '重新扫码')!.click();
      await stateIs(o.el, 'face-waiting');
    }
    await failFace(o);
    await stateIs(o.el, 'flow-ended');
    await expect(o.el).to.be.accessible();
    expect(status(o.el)).to.match(/账号已被锁定/);
    expect(focused()).to.equal(button(o.el, '重新登录'));
  });
});

describe('<step-up-dialog> identity choice', () => {
  /** liqiang, who holds three capacities, passes face recognition and is asked for one. */
  async function atIdentity() {
    const o = await openFor('liqiang');
    await faceQr(o);
    await backend.control.scan('iit');
    await backend.control.facePass();
    await stateIs(o.el, 'identity');
    return o;
  }

  it('lets the person pick a capacity by keyboard and confirm it', async () => {
    const o = await atIdentity();
    await expect(o.el).to.be.accessible();
    expect(o.el.open).to.equal(true);
    expect(title(o.el)).to.equal('身份类型选择');
    expect(text(parts(o.el).querySelector('legend'))).to.equal('您在该企业有多个身份，请选择本次登录的身份。');
    const radios = [...parts(o.el).querySelectorAll<HTMLInputElement>('[part="identity"] input[type="radio"]')];
    const labels = radios.map((r) => text(r.closest('label')));
    expect(labels).to.have.length(3);
    expect(labels.join('|'))
      .to.contain('法定代表人')
      .and.contain('财务负责人')
      .and.contain('办税员')
      .and.contain('91310115591693856A');
    expect(focused()).to.equal(radios[0]);
    expect(radios[0].checked).to.equal(true);

    backend.control.setLatency(300);
    await sendKeys({ press: 'ArrowDown' });
    expect(radios[1].checked).to.equal(true);
    const wanted = client!.state.kind === 'identity' ? client!.state.identities[1].id : '';
    await sendKeys({ press: 'Enter' });
    await o.el.updateComplete;
    expect(status(o.el)).to.equal('正在登录…');
    expect(button(o.el, '正在登录…')?.getAttribute('aria-disabled')).to.equal('true');
    await expect(o.el).to.be.accessible();
    await stateIs(o.el, 'authenticated');
    const posted = backend.control.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/identity'));
    expect(posted.map((r) => r.body)).to.deep.equal([{ identityId: wanted }]);
    expect(o.el.open).to.equal(false);
    expect(focused()).to.equal(o.login);
  });

  it('titles an agent’s choice of client 选择代理的企业, in both languages', async () => {
    const o = await openFor('zhaolei');
    await client!.chooseStepUp('sms');
    await client!.sendSms();
    await client!.verifySms(backend.control.lastCode!);
    await stateIs(o.el, 'identity');
    await expect(o.el).to.be.accessible();
    expect(title(o.el)).to.equal('选择代理的企业');
    expect(text(parts(o.el).querySelector('legend'))).to.equal('请选择本次代理办理业务的企业。');
    o.el.lang = 'en';
    await o.el.updateComplete;
    expect(title(o.el)).to.equal('Choose the enterprise to act for');
  });

  it('closing it after a QR login says the login was cancelled on this page, not on the phone', async () => {
    const c = (client = createLoginClient({ baseUrl: backend.baseUrl, crossTab: false }));
    const page = await fixture<HTMLElement>(
      html`<div>
        <qr-login-panel embedded .client=${c}></qr-login-panel><step-up-dialog .client=${c}></step-up-dialog>
      </div>`,
    );
    const el = page.querySelector('step-up-dialog')!;
    const panel = page.querySelector('qr-login-panel')!;
    await c.startQr();
    await stateIs(el, 'qr-waiting');
    await backend.control.scan('iit', { account: 'liqiang' });
    await backend.control.confirm();
    await stateIs(el, 'identity');
    await sendKeys({ press: 'Escape' });
    await stateIs(el, 'qr-ended');
    await panel.updateComplete;
    const said = () => text(panel.shadowRoot!.querySelector('[part="status"]'));
    expect(said()).to.equal('您已在本页取消登录');
    panel.lang = 'en';
    await panel.updateComplete;
    expect(said()).to.equal('You cancelled the login on this page');
  });

  it('names the role in the current language', async () => {
    const o = await atIdentity();
    o.el.lang = 'en';
    await o.el.updateComplete;
    await expect(o.el).to.be.accessible();
    expect(title(o.el)).to.equal('Choose your role');
    expect(text(parts(o.el).querySelector('[part="identity"]')))
      .to.contain('Legal representative')
      .and.contain('Continue');
  });
});

describe('<step-up-dialog> a finished flow', () => {
  it('explains a timed-out flow and 重新登录 goes back to the login page', async () => {
    const o = await openFor();
    await faceQr(o);
    await backend.control.expireFlow();
    await stateIs(o.el, 'flow-ended');
    await expect(o.el).to.be.accessible();
    expect(o.el.open).to.equal(true);
    expect(status(o.el)).to.equal('登录已超时，请重新登录。');
    const restart = button(o.el, '重新登录')!;
    expect(focused()).to.equal(restart);
    expect(parts(o.el).querySelector('[role="radiogroup"]')).to.equal(null);
    const before = o.cancels.length;
    restart.click();
    await o.el.updateComplete;
    expect(o.el.open).to.equal(false);
    expect(['qr-loading', 'qr-waiting']).to.include(client!.state.kind);
    expect(o.cancels).to.have.length(before); // the flow had already ended: nothing new to report
    expect(focused()).to.equal(o.login);
  });

  it('shows a lockout with its wording', async () => {
    const o = await openFor();
    await backend.control.lockAccount('wangxiuying', 1800);
    await stateIs(o.el, 'flow-ended');
    await expect(o.el).to.be.accessible();
    expect(status(o.el)).to.match(/^连续认证错误次数过多，您的账号已被锁定/);
    expect(button(o.el, '重新登录')).to.exist;
  });

  it('closing a finished flow reports no cancel', async () => {
    const o = await openFor();
    await backend.control.expireFlow();
    await stateIs(o.el, 'flow-ended');
    const before = o.cancels.length;
    await sendKeys({ press: 'Escape' });
    await o.el.updateComplete;
    expect(o.el.open).to.equal(false);
    expect(o.cancels).to.have.length(before);
    expect(focused()).to.equal(o.login);
  });
});

describe('<step-up-dialog> a busy server', () => {
  it('shows when it asks again while the server makes it wait', async () => {
    const o = await openFor();
    const polls = { method: 'GET', path: /^\/v1\/flows\/[^/]+\?after=/ };
    backend.control.throttle(30, { match: polls });
    await waitUntil(() => parts(o.el).querySelector('[part="busy"]'), 'the wait', { timeout: 4000 });
    expect(text(parts(o.el).querySelector('[part="busy"]'))).to.match(/^服务繁忙，(30|29)秒后自动重试$/);
    await expect(o.el).to.be.accessible();
  });
});

describe('<step-up-dialog> events', () => {
  const NAMES = [
    'etax-state-change',
    'etax-step-up-required',
    'etax-method-chosen',
    'etax-cancel',
    'etax-error',
    'etax-login-success',
  ];

  async function withEvents(embedded: boolean) {
    const c = (client = createLoginClient({ baseUrl: backend.baseUrl, crossTab: false }));
    const page = await fixture<HTMLElement>(
      html`<div><step-up-dialog .client=${c} ?embedded=${embedded}></step-up-dialog></div>`,
    );
    const el = page.querySelector('step-up-dialog')!;
    const seen: string[] = [];
    for (const name of NAMES) page.addEventListener(name, (e) => seen.push(e.type));
    await c.submitPassword(LOGINS.wangxiuying);
    await stateIs(el, 'step-up');
    await expect(el).to.be.accessible();
    methods(el)[0].click();
    await stateIs(el, 'face-waiting');
    await sendKeys({ press: 'Escape' });
    await el.updateComplete;
    return seen;
  }

  it('alone: the state events, the person’s choice and one cancel', async () => {
    const seen = await withEvents(false);
    expect(seen.filter((t) => t === 'etax-step-up-required')).to.have.length(1);
    expect(seen).to.include('etax-state-change');
    expect(seen.filter((t) => t === 'etax-method-chosen')).to.have.length(1);
    expect(seen.filter((t) => t === 'etax-cancel')).to.have.length(1);
  });

  it('embedded: only the method chosen; the container reports the states, the cancel among them', async () => {
    const seen = await withEvents(true);
    expect(seen).to.deep.equal(['etax-method-chosen']);
  });
});

describe('<step-up-dialog> language and theme', () => {
  it('switches language at runtime', async () => {
    const o = await openFor();
    await faceQr(o);
    o.el.lang = 'en';
    await o.el.updateComplete;
    await expect(o.el).to.be.accessible();
    expect(title(o.el)).to.equal('Verify it’s you');
    expect(button(o.el, 'Close')).to.exist;
    expect(methods(o.el).map(text)).to.deep.equal([
      'Face recognition (Individual Income Tax app)',
      'Face recognition (e-Tax app)',
      'Text message code',
    ]);
    expect(dialogOf(o.el).getAttribute('lang')).to.equal('en');
    expect(parts(o.el).querySelector('qr-login-panel')?.lang).to.equal('en');
    o.el.lang = 'zh-CN';
    await o.el.updateComplete;
    expect(title(o.el)).to.equal('再次认证');
  });

  it('takes word overrides, and stays accessible dark and in large text', async () => {
    const o = await openFor();
    o.el.strings = { stepUp: { title: '安全验证' } };
    o.el.theme = 'dark';
    o.el.largeText = true;
    await o.el.updateComplete;
    expect(title(o.el)).to.equal('安全验证');
    expect(methods(o.el).map(text)[2]).to.equal('短信验证');
    await expect(o.el).to.be.accessible();
  });

  it('fits a 360px-wide phone screen, also in large text', async () => {
    await setViewport({ width: 360, height: 640 });
    try {
      const o = await openFor();
      o.el.largeText = true;
      await faceQr(o);
      const dialog = dialogOf(o.el);
      const box = dialog.getBoundingClientRect();
      expect(box.left).to.be.at.least(0);
      expect(box.right).to.be.at.most(360);
      expect(dialog.scrollWidth).to.be.at.most(dialog.clientWidth);
      expect(box.height).to.be.at.most(640);
    } finally {
      await setViewport({ width: 800, height: 600 });
    }
  });
});

describe('<step-up-dialog> on a phone', () => {
  it('keeps the SMS step inside a 360px screen in large text', async () => {
    await setViewport({ width: 360, height: 640 });
    try {
      const o = await openFor();
      o.el.largeText = true;
      await client!.chooseStepUp('sms');
      const sms = () => parts(o.el).querySelector('sms-verify')!;
      await waitUntil(() => sms().shadowRoot?.querySelector('input'), 'the SMS step');
      await o.el.updateComplete;
      const inner = sms().getBoundingClientRect();
      for (const part of sms().shadowRoot!.querySelectorAll<HTMLElement>('input, button')) {
        expect(part.getBoundingClientRect().right, part.getAttribute('part') ?? part.tagName).to.be.at.most(
          inner.right,
        );
      }
      expect(dialogOf(o.el).scrollWidth).to.be.at.most(dialogOf(o.el).clientWidth);
    } finally {
      await setViewport({ width: 800, height: 600 });
    }
  });
});

describe('<step-up-dialog> removal', () => {
  it('leaves no timer and no request behind when removed mid-flow', async () => {
    const clock = fakeClock();
    try {
      const stepUp: FlowState = {
        seq: 1,
        status: 'step_up_required',
        methods: ['face_iit', 'face_etax', 'sms'],
        maskedPhone: '176****2696',
      };
      const face: FlowState = {
        seq: 2,
        status: 'face_waiting',
        method: 'face_iit',
        qr: { payload: 'face-qr-1', expiresIn: 120 },
      };
      const f = fakeFetch((call) => {
        if (call.path === '/v1/capabilities') return json(capabilities());
        if (call.path === '/v1/flows/password') return json(created(stepUp, { flowId: 'pw1' }), 201);
        if (call.path === '/v1/flows/pw1/step-up') return json(face);
        if (call.path.startsWith('/v1/flows/pw1?')) return 'hang';
        if (call.method === 'DELETE') return reply('', 204);
        return undefined;
      });
      const c = (client = createLoginClient({
        baseUrl: `${location.origin}/api`,
        fetch: f.fetch,
        crossTab: false,
        transport: 'poll',
      }));
      await c.submitPassword(LOGINS.wangxiuying);
      await c.chooseStepUp('face_iit');
      expect(c.state.kind).to.equal('face-waiting');
      const clientTimers = clock.countTimers();
      const clientCalls = f.calls.length;

      const page = await fixture<HTMLElement>(
        html`<div><button id="login">登录</button><step-up-dialog .client=${c}></step-up-dialog></div>`,
      );
      const el = page.querySelector('step-up-dialog')!;
      await el.updateComplete;
      expect(el.open).to.equal(true);
      const countdown = text(parts(el).querySelector('.expiry'));
      expect(countdown).to.equal('请在15分钟内完成认证');
      expect(clock.countTimers()).to.be.above(clientTimers); // the countdown ticks

      el.remove();
      expect(clock.countTimers()).to.equal(clientTimers);
      await clock.tickAsync(5000);
      // Only the client's own status requests went on; none came from the element.
      expect(f.calls.slice(clientCalls).every((call) => call.path.startsWith('/v1/flows/pw1?'))).to.equal(true);
      c.destroy();
      expect(clock.countTimers()).to.equal(0);
      expect(f.pending).to.equal(0);
    } finally {
      clock.restore();
    }
  });
});

describe('<step-up-dialog> with server text of any length', () => {
  const phone = `176${'*'.repeat(10_000)}2696`;
  const name = '示例'.repeat(5_000);
  const identity = (id: string) => ({
    id,
    name: `${name}${id}`,
    role: 'tax_officer',
    roleLabel: { 'zh-CN': 'שלום'.repeat(2_500), en: 'R'.repeat(10_000) },
    taxpayerId: '9'.repeat(10_000),
  });

  /** A server whose masked phone and identities are 10,000 characters long, with no place to break. */
  async function openWith(first: FlowState) {
    const f = fakeFetch((call) => {
      if (call.path === '/v1/capabilities') return json(capabilities());
      if (call.path === '/v1/flows/password') return json(created(first, { flowId: 'pw1' }), 201);
      if (call.path.startsWith('/v1/flows/pw1?')) return 'hang';
      if (call.path === '/v1/flows/pw1/sms')
        return json({ maskedPhone: phone, codeLength: 6, resendAfter: 60, expiresIn: 300 });
      if (call.method === 'DELETE') return reply('', 204);
      return undefined;
    });
    const c = (client = createLoginClient({ baseUrl: `${location.origin}/api`, fetch: f.fetch, crossTab: false }));
    const el = await fixture<StepUpDialog>(html`<step-up-dialog large-text .client=${c}></step-up-dialog>`);
    await c.submitPassword(LOGINS.wangxiuying);
    await el.updateComplete;
    return el;
  }

  /** Every control named is inside the dialog and on the screen, side to side; the dialog does not scroll sideways. */
  function inReach(el: StepUpDialog, controls: HTMLElement[], width: number) {
    const dialog = dialogOf(el);
    const box = dialog.getBoundingClientRect();
    expect(dialog.scrollWidth, 'the dialog scrolls sideways').to.be.at.most(dialog.clientWidth);
    expect(box.right).to.be.at.most(width);
    for (const c of controls) {
      const r = c.getBoundingClientRect();
      const what = c.getAttribute('aria-label') ?? c.textContent!.trim();
      expect(r.width, what).to.be.above(0);
      expect(r.left, what).to.be.at.least(Math.max(0, box.left));
      expect(r.right, what).to.be.at.most(Math.min(width, box.right));
    }
  }

  for (const width of [320, 800]) {
    it(`keeps ✕, 获取验证码 and 登录 in reach beside a 10,000-character phone at ${width} px, the phone isolated`, async () => {
      await setViewport({ width, height: 700 });
      try {
        const el = await openWith({ seq: 1, status: 'step_up_required', methods: ['sms'], maskedPhone: phone });
        await client!.chooseStepUp('sms');
        await client!.sendSms();
        await stateIs(el, 'sms');
        const sms = parts(el).querySelector('sms-verify')!.shadowRoot!;
        expect(sms.querySelector('[part="phone"] bdi')?.textContent).to.equal(phone);
        inReach(el, [button(el, '关闭')!, ...sms.querySelectorAll<HTMLElement>('input, button')], width);
        await expect(el).to.be.accessible();
      } finally {
        await setViewport({ width: 800, height: 600 });
      }
    });

    it(`keeps ✕ and 确定 in reach beside 10,000-character identities at ${width} px, each isolated`, async () => {
      await setViewport({ width, height: 700 });
      try {
        const el = await openWith({
          seq: 1,
          status: 'identity_required',
          reason: 'capacity',
          identities: [identity('a'), identity('b')],
        });
        await stateIs(el, 'identity');
        const bdis = [...parts(el).querySelectorAll('[part="identity"] label bdi')].map((b) => b.textContent);
        expect(bdis.slice(0, 3)).to.deep.equal([`${name}a`, 'שלום'.repeat(2_500), '9'.repeat(10_000)]);
        inReach(el, [button(el, '关闭')!, button(el, '确定')!], width);
        await expect(el).to.be.accessible();
      } finally {
        await setViewport({ width: 800, height: 600 });
      }
    });
  }
});

describe('<step-up-dialog> in large-text mode', () => {
  /** The elements a person sees in the dialog, through the shadow roots of the elements inside it. */
  function shown(root: ParentNode, out: Element[] = []): Element[] {
    for (const child of root.children) {
      const box = child.getBoundingClientRect();
      if (box.width > 1 && box.height > 1) out.push(child);
      if (child.shadowRoot) shown(child.shadowRoot, out);
      shown(child, out);
    }
    return out;
  }

  /** Controls at least 44 × 44 px, text at least 18 px. */
  function large(el: StepUpDialog, step: string) {
    const seen = shown(dialogOf(el)).filter((e) => !e.closest('[slot]'));
    for (const c of seen.filter((e) => e.matches('button, input, a[href], [role="radio"]'))) {
      const r = c.getBoundingClientRect();
      const what = `${step}: ${c.getAttribute('aria-label') ?? (c.textContent!.trim() || c.outerHTML.slice(0, 60))}`;
      expect(Math.min(r.width, r.height), what).to.be.at.least(44);
    }
    for (const e of seen) {
      const own = [...e.childNodes].some((n) => n.nodeType === Node.TEXT_NODE && n.textContent!.trim());
      if (own) expect(parseFloat(getComputedStyle(e).fontSize), `${step}: ${e.textContent!.trim()}`).to.be.at.least(18);
    }
  }

  it('makes every control at least 44 × 44 px and every text at least 18 px, at each step', async () => {
    const o = await openFor('liqiang');
    o.el.largeText = true;
    await o.el.updateComplete;
    large(o.el, 'methods');
    await faceQr(o);
    large(o.el, 'face QR');
    methods(o.el)[2].click();
    await stateIs(o.el, 'sms');
    large(o.el, 'SMS');
    await client!.chooseStepUp('face_iit');
    await stateIs(o.el, 'face-waiting');
    await backend.control.scan('iit');
    await backend.control.facePass();
    await stateIs(o.el, 'identity');
    large(o.el, 'identity');
  });
});

describe('<step-up-dialog> in forced colours (Windows contrast themes)', () => {
  before(() =>
    executeServerCommand('emulate-media-features', { features: [{ name: 'forced-colors', value: 'active' }] }),
  );
  after(() => executeServerCommand('emulate-media-features', { features: [] }));

  /** What tells a choice apart where the theme sets every colour: its ring (filled or empty) and its border. */
  const look = (choice: Element) => {
    const ring = getComputedStyle(choice, '::before');
    const own = getComputedStyle(choice);
    return { ring: ring.backgroundColor, ringEdge: ring.borderTopColor, border: own.borderTopColor };
  };

  /** The chosen one looks unlike every other: filled ring, its own border. */
  function unmistakable(chosen: Element, others: Element[]) {
    expect(matchMedia('(forced-colors: active)').matches).to.equal(true);
    const mine = look(chosen);
    for (const other of others) {
      const theirs = look(other);
      expect(mine.ring, 'the ring is filled').to.not.equal(theirs.ring);
      expect(mine.border, 'the border').to.not.equal(theirs.border);
    }
    // Filled in the colour of its own edge, unlike the page behind.
    expect(mine.ring).to.equal(mine.ringEdge);
  }

  it('shows the chosen method and the chosen identity unmistakably', async () => {
    const o = await openFor('liqiang');
    await faceQr(o);
    const [iit, ...rest] = methods(o.el);
    unmistakable(iit, rest);
    await expect(o.el).to.be.accessible();
    await backend.control.scan('iit');
    await backend.control.facePass();
    await stateIs(o.el, 'identity');
    const [first, ...others] = [...parts(o.el).querySelectorAll('.choice')];
    unmistakable(first, others);
    await expect(o.el).to.be.accessible();
  });
});
