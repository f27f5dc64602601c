/**
 * The drop-in as a portal loads it: `dist/etax-login.min.js`, minified and
 * bundled exactly as shipped (`npm test` builds it first), against the mock
 * backend. The element tests run the sources; minification can break what
 * they never see (renamed members, templates the minifier merges), so this
 * walks the journeys once more through the shipped file.
 */
import { expect, fixture, html, waitUntil } from '@open-wc/testing';
import { sendKeys } from '@web/test-runner-commands';
import { createMockBackend } from '../../src/mock/index.js';
import { mockWorker } from '../mock-worker.js';

const DROP_IN = '/dist/etax-login.min.js';
const PASSWORD = 'Etax@2024';
const worker = mockWorker();
let dropIn: Record<string, unknown>;

function serve() {
  const backend = createMockBackend({
    baseUrl: `/api/drop-in-${Math.random().toString(36).slice(2)}`,
    pollInterval: 0.05,
  });
  worker.use(...backend.handlers);
  return backend;
}

const shadow = (el: Element | null | undefined, selector: string) => el?.shadowRoot?.querySelector(selector) ?? null;
const text = (el: Element) => (el.shadowRoot!.textContent ?? '').replace(/\s+/g, ' ');
/** The element that has focus, through shadow roots. */
const deep = () => {
  let a: Element | null = document.activeElement;
  while (a?.shadowRoot?.activeElement) a = a.shadowRoot.activeElement;
  return a as HTMLElement | null;
};

describe('the drop-in etax-login.min.js', () => {
  before(async () => {
    const found = await fetch(DROP_IN, { method: 'HEAD' });
    if (!found.ok) throw new Error(`${DROP_IN} is missing: run \`npm run build:drop-in\` (npm test does) first`);
    dropIn = await import(DROP_IN);
  });

  it('registers the four elements and exports their classes and createLoginClient', () => {
    for (const tag of ['etax-login', 'qr-login-panel', 'step-up-dialog', 'sms-verify'])
      expect(customElements.get(tag), tag).to.be.a('function');
    expect(Object.keys(dropIn).sort()).to.deep.equal(
      ['EtaxLogin', 'QrLoginPanel', 'SmsVerify', 'StepUpDialog', 'createLoginClient'].sort(),
    );
    expect(dropIn.EtaxLogin).to.equal(customElements.get('etax-login'));
  });

  it('keeps its styles as written: large-text mode enlarges the text and the controls', async () => {
    const { baseUrl } = serve();
    const el = await fixture(html`<etax-login base-url=${baseUrl} transport="poll" large-text></etax-login>`);
    const submit = () => el.querySelector<HTMLButtonElement>('form button[type="submit"]');
    await waitUntil(submit, 'the password form');
    const panel = shadow(el, 'qr-login-panel')!;
    for (const [name, node] of [
      ['<etax-login>', el],
      ['<qr-login-panel>', panel],
      ['the submit button', submit()!],
    ] as const)
      expect(getComputedStyle(node).fontSize, name).to.equal('20px');
    expect(submit()!.getBoundingClientRect().height).to.be.at.least(52);
    await expect(el).to.be.accessible();
  });

  it('logs in by QR: the code on show, scanned, confirmed on the phone, success', async () => {
    const { baseUrl, control } = serve();
    const el = await fixture(html`<etax-login base-url=${baseUrl} transport="poll"></etax-login>`);
    const panel = () => shadow(el, 'qr-login-panel');
    await waitUntil(() => shadow(panel(), 'svg[part="qr-code"] path'), 'a login QR', { timeout: 4000 });
    await expect(el).to.be.accessible();
    const success = new Promise<CustomEvent>((resolve) =>
      el.addEventListener('etax-login-success', (e) => {
        e.preventDefault();
        resolve(e as CustomEvent);
      }),
    );
    await control.scan('etax');
    await waitUntil(() => text(panel()!).includes('扫描成功，请在手机上确认'), 'scanned', { timeout: 4000 });
    await control.confirm();
    expect((await success).detail.via).to.equal('qr');
    await waitUntil(() => text(el).includes('登录成功'), 'success shown', { timeout: 4000 });
  });

  it('logs in by password and SMS by keyboard, saying a wrong code each time it is refused', async () => {
    const { baseUrl, control } = serve();
    const el = await fixture(html`<etax-login base-url=${baseUrl} transport="poll"></etax-login>`);
    el.addEventListener('etax-login-success', (e) => e.preventDefault());
    const tab = [...el.querySelectorAll<HTMLElement>('[role="tab"]')].find(
      (t) => t.textContent!.trim() === '自然人业务',
    )!;
    tab.click();
    await waitUntil(() => tab.getAttribute('aria-selected') === 'true', 'the individual entry');
    el.querySelector<HTMLInputElement>('input[name="account"]')!.focus();
    await sendKeys({ type: 'wangxiuying' });
    await sendKeys({ press: 'Tab' });
    await sendKeys({ type: PASSWORD });
    await sendKeys({ press: 'Enter' });
    const dialog = () => shadow(el, 'step-up-dialog');
    await waitUntil(() => shadow(dialog(), 'dialog[open]') && deep()?.getAttribute('role') === 'radio', 'the dialog');
    await sendKeys({ press: 'End' });
    await sendKeys({ press: 'Enter' });
    const sms = () => shadow(dialog(), 'sms-verify');
    await waitUntil(() => shadow(sms(), '[part~="send"]'), 'the SMS step');
    (shadow(sms(), '[part~="send"]') as HTMLElement).focus();
    await sendKeys({ press: 'Enter' });
    await waitUntil(() => control.lastCode && deep()?.matches('input'), 'the code field focused', { timeout: 4000 });
    const wrong = control.lastCode === '000000' ? '111111' : '000000';
    const alert = () => shadow(sms(), '[role="alert"] span');
    const said: Element[] = [];
    for (let i = 0; i < 2; i++) {
      await sendKeys({ type: wrong });
      await sendKeys({ press: 'Enter' });
      await waitUntil(() => alert() && !said.includes(alert()!), `refusal ${i + 1} said`, { timeout: 4000 });
      said.push(alert()!);
      expect(alert()!.textContent).to.match(/验证码错误/);
    }
    // Each refusal is a new node in the alert region, so a screen reader says it again.
    expect(said[0]).to.not.equal(said[1]);
    await sendKeys({ type: control.lastCode! });
    await sendKeys({ press: 'Enter' });
    await waitUntil(() => text(el).includes('登录成功'), 'success', { timeout: 4000 });
    await expect(el).to.be.accessible();
  });
});
