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
import { sendKeys, setViewport } from '@web/test-runner-commands';
import sinon from 'sinon';
import { createLoginClient, type LoginClient } from '../../src/client/index.js';
import type { FlowState } from '../../src/client/protocol.js';
import type { LoginStateKind } from '../../src/client/state.js';
import type { EtaxCancelEvent, EtaxMethodChosenEvent } from '../../src/components/events/index.js';
import '../../src/components/step-up-dialog/define.js';
import type { StepUpDialog } from '../../src/components/step-up-dialog/step-up-dialog.js';
import { createMockBackend } from '../../src/mock/index.js';
import { capabilities, created, fakeFetch, json, reply } from '../client/fakes.js';
import { mockWorker } from '../mock-worker.js';
import { LOGINS } from '../logins.js';

const backend = createMockBackend();
mockWorker(...backend.handlers);
let client: LoginClient | undefined;

afterEach(() => {
  client?.destroy();
  client = undefined;
  backend.control.reset();
});

/* ------------------------------------------------------------- helpers */

const parts = (el: StepUpDialog) => el.shadowRoot!;
const dialogOf = (el: StepUpDialog) => parts(el).querySelector('dialog')!;
const tabs = (el: StepUpDialog) => [...parts(el).querySelectorAll<HTMLButtonElement>('[role="tab"]')];
const text = (node: Element | null | undefined) => node?.textContent?.replace(/\s+/g, ' ').trim() ?? '';
const title = (el: StepUpDialog) => text(parts(el).querySelector('[part="title"]'));
const status = (el: StepUpDialog) => text(parts(el).querySelector('[part="status"]'));
const nameOf = (b: Element) => b.getAttribute('aria-label') ?? text(b);
const button = (el: StepUpDialog, name: string) =>
  [...parts(el).querySelectorAll<HTMLButtonElement>('button')].find((b) => nameOf(b) === name);
const selectedTab = (el: StepUpDialog) => tabs(el).find((t) => t.getAttribute('aria-selected') === 'true');
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
async function openFor(account: keyof typeof LOGINS = 'wangxiuying'): Promise<Opened> {
  const c = (client = createLoginClient({ baseUrl: backend.baseUrl, crossTab: false }));
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
  tabs(o.el)
    .find((t) => t.dataset.method === method)!
    .click();
  await stateIs(o.el, 'face-waiting');
}

/** The person scans with the right app and fails the liveness check. */
async function failFace(o: Opened) {
  backend.control.scan(client!.state.kind === 'face-waiting' && client!.state.method === 'face_etax' ? 'etax' : 'iit');
  await stateIs(o.el, 'face-scanned');
  backend.control.faceFail();
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
    expect(tabs(el).map(text)).to.deep.equal(['个人所得税APP扫码人脸识别', '电子税务局APP扫码人脸识别', '短信验证']);
    expect(parts(el).querySelector('[role="tablist"]')!.getAttribute('aria-label')).to.equal('认证方式');
    expect(focused()).to.equal(tabs(el)[0]);
    expect(text(parts(el).querySelector('.expiry'))).to.match(/^请在\d+分钟内完成认证$/);
    // The page behind is inert: it can be neither clicked nor focused.
    const login = document.querySelector<HTMLButtonElement>('#login')!;
    const at = login.getBoundingClientRect();
    expect(document.elementFromPoint(at.x + 2, at.y + 2)).to.not.equal(login);
    login.focus();
    expect(focused()).to.equal(tabs(el)[0]);
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
    expect(forward).to.deep.equal([help, close, tabs(el)[0], help]);
    const back: Element[] = [];
    for (let i = 0; i < 4; i++) {
      await sendKeys({ down: 'Shift' });
      await sendKeys({ press: 'Tab' });
      await sendKeys({ up: 'Shift' });
      back.push(focused()!);
    }
    expect(back).to.deep.equal([tabs(el)[0], close, help, tabs(el)[0]]);
    expect(forward.concat(back)).to.not.include(login);
  });

  it('keeps the embedded SMS form in the Tab cycle', async () => {
    const o = await openFor();
    tabs(o.el)[2].click();
    await stateIs(o.el, 'sms');
    await expect(o.el).to.be.accessible();
    const sms = parts(o.el).querySelector('sms-verify')!.shadowRoot!;
    const input = sms.querySelector('input')!;
    const send = sms.querySelector('[part="send"]')!;
    const submit = sms.querySelector('[part="submit"]')!;
    tabs(o.el)[2].focus();
    const seen: Element[] = [];
    for (let i = 0; i < 6; i++) {
      await sendKeys({ press: 'Tab' });
      seen.push(focused()!);
    }
    const help = o.el.querySelector('a[slot="help"]')!;
    expect(seen).to.deep.equal([input, send, submit, help, button(o.el, '关闭'), tabs(o.el)[2]]);
  });

  it('completes step-up by SMS through the embedded form, then closes', async () => {
    const o = await openFor();
    tabs(o.el)[2].click();
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
    backend.control.scan('iit');
    backend.control.facePass();
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
    const [iit, etax, sms] = tabs(o.el);
    expect(focused()).to.equal(iit);
    await sendKeys({ press: 'ArrowDown' });
    expect(focused()).to.equal(etax);
    expect(stepUpPosts()).to.deep.equal([]); // moving is not choosing
    await sendKeys({ press: 'Enter' });
    await stateIs(o.el, 'face-waiting');
    await expect(o.el).to.be.accessible();
    expect(o.chosen.map((e) => e.detail)).to.deep.equal([{ method: 'face_etax' }]);
    expect(stepUpPosts()).to.deep.equal([{ method: 'face_etax' }]);
    expect(selectedTab(o.el)).to.equal(etax);
    expect(etax.getAttribute('aria-controls')).to.equal('panel');
    const face = parts(o.el).querySelector('[part="face"]')!;
    expect(face.getAttribute('role')).to.equal('tabpanel');
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
    expect(selectedTab(o.el)).to.equal(sms);
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
    // Only the selected tab takes Tab.
    expect(tabs(o.el).map((t) => t.tabIndex)).to.deep.equal([0, -1, -1]);
  });

  it('chooses each method by pointer, with the event and the request', async () => {
    const o = await openFor();
    const [iit, etax, sms] = tabs(o.el);
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
    expect(tabs(el).map(text)).to.deep.equal(['个人所得税APP扫码人脸识别', '电子税务局APP扫码人脸识别']);
  });

  it('shows loading while the face QR is asked for, and an error with 重试', async () => {
    const o = await openFor();
    backend.control.setLatency(300);
    tabs(o.el)[0].click();
    await stateIs(o.el, 'step-up');
    await expect(o.el).to.be.accessible();
    expect(faceStatus(o.el)).to.equal('二维码加载中…');
    expect(parts(o.el).querySelector('[part="face"]')!.getAttribute('aria-busy')).to.equal('true');
    await stateIs(o.el, 'face-waiting');
    backend.control.setLatency(0);

    backend.control.failNext(1, 503, { method: 'POST', path: /\/step-up$/ });
    tabs(o.el)[1].click();
    await waitUntil(() => client!.state.kind === 'step-up' && !!client!.state.error, 'error');
    await stateIs(o.el, 'step-up');
    await expect(o.el).to.be.accessible();
    expect(faceStatus(o.el)).to.equal('登录服务暂时不可用，请稍后重试。');
    const retry = button(o.el, '重试')!;
    expect(focused()).to.equal(retry);
    await sendKeys({ press: 'Enter' });
    await stateIs(o.el, 'face-waiting');
    expect(stepUpPosts().slice(-2)).to.deep.equal([{ method: 'face_etax' }, { method: 'face_etax' }]);
    expect(selectedTab(o.el)?.dataset.method).to.equal('face_etax');
  });

  it('after a face failure says so with the attempts left and offers SMS', async () => {
    const o = await openFor();
    await faceQr(o);
    backend.control.scan('iit');
    await stateIs(o.el, 'face-scanned');
    expect(faceStatus(o.el)).to.equal('扫描成功，请在个人所得税APP上完成人脸识别');
    backend.control.faceVerify();
    await stateIs(o.el, 'face-verifying');
    await expect(o.el).to.be.accessible();
    expect(faceStatus(o.el)).to.equal('正在验证人脸识别结果…');
    expect(tabs(o.el).every((t) => t.getAttribute('aria-disabled') === 'true')).to.equal(true);
    backend.control.faceFail();
    await stateIs(o.el, 'face-failed');
    await expect(o.el).to.be.accessible();
    expect(faceStatus(o.el)).to.equal('人脸识别未通过，还可尝试2次。您也可以使用短信验证。');
    const useSms = button(o.el, '改用短信验证')!;
    expect(focused()).to.equal(useSms);
    expect(button(o.el, '重新扫码')).to.exist;
    await sendKeys({ press: 'Enter' });
    await stateIs(o.el, 'sms');
    expect(o.chosen.map((e) => e.detail.method)).to.deep.equal(['face_iit', 'sms']);
    expect(selectedTab(o.el)?.dataset.method).to.equal('sms');
    expect(inDialog(o.el, focused())).to.equal(true);
  });

  it('offers 重新扫码 while attempts are left, then only SMS: never a dead end', async () => {
    const o = await openFor();
    await faceQr(o);
    for (const left of [2, 1]) {
      await failFace(o);
      expect(faceStatus(o.el)).to.contain(`还可尝试${left}次`);
      button(o.el, '重新扫码')!.click();
      await stateIs(o.el, 'face-waiting');
    }
    await failFace(o);
    await expect(o.el).to.be.accessible();
    expect(faceStatus(o.el)).to.equal('人脸识别未通过，请使用短信验证。');
    expect(button(o.el, '重新扫码')).to.equal(undefined);
    expect(tabs(o.el).map(text)).to.deep.equal(['短信验证']);
    expect(focused()).to.equal(button(o.el, '改用短信验证'));
    expect(stepUpPosts()).to.deep.equal([{ method: 'face_iit' }, { method: 'face_iit' }, { method: 'face_iit' }]);
  });

  it('shows a lockout when face recognition is used up and SMS is not offered', async () => {
    const o = await openFor('sunyue');
    await faceQr(o);
    for (const left of [2, 1]) {
      await failFace(o);
      // No phone is bound: SMS is neither offered nor suggested.
      expect(faceStatus(o.el)).to.equal(`人脸识别未通过，还可尝试${left}次。`);
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
    backend.control.scan('iit');
    backend.control.facePass();
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
    backend.control.expireFlow();
    await stateIs(o.el, 'flow-ended');
    await expect(o.el).to.be.accessible();
    expect(o.el.open).to.equal(true);
    expect(status(o.el)).to.equal('登录已超时，请重新登录。');
    const restart = button(o.el, '重新登录')!;
    expect(focused()).to.equal(restart);
    expect(parts(o.el).querySelector('[role="tablist"]')).to.equal(null);
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
    backend.control.lockAccount('wangxiuying', 1800);
    await stateIs(o.el, 'flow-ended');
    await expect(o.el).to.be.accessible();
    expect(status(o.el)).to.match(/^连续认证错误次数过多，您的账号已被锁定/);
    expect(button(o.el, '重新登录')).to.exist;
  });

  it('closing a finished flow reports no cancel', async () => {
    const o = await openFor();
    backend.control.expireFlow();
    await stateIs(o.el, 'flow-ended');
    const before = o.cancels.length;
    await sendKeys({ press: 'Escape' });
    await o.el.updateComplete;
    expect(o.el.open).to.equal(false);
    expect(o.cancels).to.have.length(before);
    expect(focused()).to.equal(o.login);
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
    tabs(el)[0].click();
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
    expect(tabs(o.el).map(text)).to.deep.equal([
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
    expect(tabs(o.el).map(text)[2]).to.equal('短信验证');
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
