/**
 * How `<etax-login>` and its `<qr-login-panel>` hold their shape: server text of any
 * length, the password field's width, the English QR panel, forced colours, large text,
 * and the light-DOM form's own stylesheet.
 */
import { expect, fixture, fixtureCleanup, html, waitUntil } from '@open-wc/testing';
import { executeServerCommand, setViewport } from '@web/test-runner-commands';
import { DEFAULT_ENTRIES } from '../../src/client/entries.js';
import type { EntrySpec } from '../../src/client/protocol.js';
import '../../src/components/etax-login/define.js';
import type { EtaxLogin } from '../../src/components/etax-login/etax-login.js';
import { formStyles } from '../../src/components/etax-login/etax-login.styles.js';
import '../../src/components/qr-login-panel/define.js';
import type { QrLoginPanel } from '../../src/components/qr-login-panel/qr-login-panel.js';
import { createMockBackend, type MockBackendOptions, type MockControl } from '../../src/mock/index.js';
import { mockWorker } from '../mock-worker.js';

let backend = createMockBackend({ baseUrl: '/api/layout', pollInterval: 0.05 });
const worker = mockWorker(...backend.handlers);

function serve(options: MockBackendOptions = {}): MockControl {
  backend = createMockBackend({
    baseUrl: `/api/layout${Math.random().toString(36).slice(2)}`,
    pollInterval: 0.05,
    ...options,
  });
  worker.use(...backend.handlers);
  return backend.control;
}

async function mount(attrs: { lang?: string; large?: boolean } = {}) {
  const el = await fixture<EtaxLogin>(
    html`<etax-login
      base-url=${backend.baseUrl}
      transport="poll"
      lang=${attrs.lang ?? 'zh-CN'}
      ?large-text=${attrs.large}
    ></etax-login>`,
  );
  await el.updateComplete;
  return el;
}

const qrPanel = (el: EtaxLogin) => el.shadowRoot!.querySelector<QrLoginPanel>('qr-login-panel')!;
const inPanel = (el: EtaxLogin, selector: string) => qrPanel(el).shadowRoot!.querySelector<HTMLElement>(selector);
const qrShown = (el: EtaxLogin) => waitUntil(() => inPanel(el, 'svg[part="qr-code"]'), 'a login QR', { timeout: 4000 });
const submit = (el: EtaxLogin) => el.querySelector<HTMLButtonElement>('.etax-submit')!;

/** `n` characters of mixed scripts (right-to-left among them), no spaces: text a server may send. */
const long = (n = 10_000) => 'Aש中1'.repeat(n / 4);

/** Text nodes under a node, through open shadow roots, that a person can see. */
function visibleTexts(root: Node): Text[] {
  const out: Text[] = [];
  const walk = (node: Node) => {
    if (node instanceof Text) {
      const parent = node.parentElement!;
      if (node.data.trim() && parent.getClientRects().length && getComputedStyle(parent).visibility !== 'hidden')
        out.push(node);
      return;
    }
    if (node instanceof HTMLElement && node.shadowRoot) walk(node.shadowRoot);
    node.childNodes.forEach(walk);
  };
  walk(root);
  return out;
}

/** Elements under a node, through open shadow roots (slotted light DOM included once, where it lives). */
function allElements(root: Node): HTMLElement[] {
  const out: HTMLElement[] = [];
  const walk = (node: Node) => {
    if (node instanceof HTMLElement) {
      out.push(node);
      if (node.shadowRoot) walk(node.shadowRoot);
    }
    node.childNodes.forEach(walk);
  };
  walk(root);
  return out;
}

/** Whether a control can be clicked where it is drawn: the topmost element at its centre is it (or inside it). */
function clickable(control: HTMLElement): boolean {
  control.scrollIntoView({ block: 'center', inline: 'center' });
  const r = control.getBoundingClientRect();
  if (r.left < 0 || r.right > innerWidth || r.width < 1) return false;
  let hit: Element | null = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
  while (hit?.shadowRoot) {
    const inner = hit.shadowRoot.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
    if (!inner || inner === hit) break;
    hit = inner;
  }
  return !!hit && (hit === control || control.contains(hit));
}

/** The lines a piece of text is laid out on (rounded tops of its boxes). */
function lines(node: Node): number {
  const range = document.createRange();
  range.selectNodeContents(node);
  return new Set([...range.getClientRects()].map((r) => Math.round(r.top))).size;
}

describe('<etax-login> layout', () => {
  // Each test's backend has a base URL of its own: its handlers stay until the file ends, so a
  // request still on its way when a test ends is answered, not a 404.
  afterEach(async () => {
    fixtureCleanup();
    await executeServerCommand('emulate-media-features', { features: [] });
    await setViewport({ width: 800, height: 600 });
  });

  it('keeps server text of 10,000 characters inside the block, isolated, with 登录 and 刷新二维码 in reach at every width', async () => {
    const label = long();
    const entries: EntrySpec[] = DEFAULT_ENTRIES.map((e) => ({
      ...e,
      label: { 'zh-CN': label, en: label },
      fields: e.fields.map((f) => ({ ...f, label: { 'zh-CN': label, en: label } })),
    }));
    const control = serve({ entries, matchCode: () => long(), qrRotates: false });
    for (const [width, large] of [
      [320, true],
      [390, false],
      [1280, false],
    ] as const) {
      await setViewport({ width, height: 800 });
      const el = await mount({ large });
      el.autoRefresh = 0;
      await qrShown(el);
      await waitUntil(() => el.querySelector('[role="tab"] bdi')?.textContent === label, 'the server’s labels');
      await waitUntil(() => inPanel(el, '[part="match-code"]'), 'the match code');
      const where = `${width} px${large ? ', large text' : ''}`;
      expect(document.documentElement.scrollWidth, `page width at ${where}`).to.be.at.most(innerWidth);
      const box = el.getBoundingClientRect();
      for (const node of allElements(el)) {
        const r = node.getBoundingClientRect();
        if (!r.width || getComputedStyle(node).position === 'absolute') continue;
        expect(r.right, `${node.localName}.${node.className} at ${where}`).to.be.at.most(box.right + 1);
        expect(r.left, `${node.localName}.${node.className} at ${where}`).to.be.at.least(box.left - 1);
      }
      // Every long text is bidi-isolated from what surrounds it.
      const isolated = visibleTexts(el).filter((t) => t.data.includes('Aש中1Aש中1'));
      expect(isolated.length, where).to.be.at.least(entries[0].fields.length + 2);
      for (const t of isolated) expect(getComputedStyle(t.parentElement!).unicodeBidi, where).to.equal('isolate');
      expect(clickable(submit(el)), `登录 at ${where}`).to.equal(true);
      // The QR runs out: 刷新二维码 is in reach too.
      await control.expireQr();
      await waitUntil(() => inPanel(el, '[part="refresh"]'), 'the refresh button', { timeout: 4000 });
      expect(clickable(inPanel(el, '[part="refresh"]')!), `刷新二维码 at ${where}`).to.equal(true);
      expect(document.documentElement.scrollWidth, `page width at ${where}`).to.be.at.most(innerWidth);
      fixtureCleanup();
    }
  });

  it('says who logged in with names of any length, isolated, inside the block', async () => {
    const name = long();
    const control = serve({
      qrAccount: 'long',
      fixture: {
        enterprises: [{ taxpayerId: '91310110666007217T', name }],
        accounts: [
          {
            id: 'long',
            name,
            idNumber: '11010519491231002X',
            password: 'Etax@2024',
            links: [{ taxpayerId: '91310110666007217T', roles: ['tax_officer'] }],
          },
        ],
      },
    });
    await setViewport({ width: 320, height: 800 });
    const el = await mount({ large: true });
    await qrShown(el);
    await control.scan('etax');
    await control.confirm();
    await waitUntil(() => el.shadowRoot!.querySelector('.who'), 'who logged in');
    expect(document.documentElement.scrollWidth).to.be.at.most(innerWidth);
    const names = el.shadowRoot!.querySelectorAll('.who dd');
    expect(names).to.have.length(3);
    for (const dd of names) {
      expect(dd.getBoundingClientRect().right).to.be.at.most(el.getBoundingClientRect().right + 1);
      expect(getComputedStyle(dd.firstElementChild!).unicodeBidi).to.equal('isolate');
    }
  });

  for (const [lang, width, large] of [
    ['en', 390, true],
    ['zh-CN', 1280, false],
    ['en', 320, false],
  ] as const) {
    it(`makes the password input as wide as the other inputs (${lang}, ${width} px${large ? ', large text' : ''})`, async () => {
      serve();
      await setViewport({ width, height: 800 });
      const el = await mount({ lang, large });
      const password = el.querySelector<HTMLInputElement>('input[name="password"]')!;
      const others = [...el.querySelectorAll<HTMLInputElement>('.etax-form input:not([name="password"])')];
      expect(others.length).to.be.at.least(1);
      for (const input of others)
        expect(password.getBoundingClientRect().width).to.be.closeTo(input.getBoundingClientRect().width, 1);
      // The show-password button is inside the field, named, and says whether it is pressed.
      const toggle = el.querySelector<HTMLButtonElement>('.etax-reveal')!;
      const field = password.getBoundingClientRect();
      const button = toggle.getBoundingClientRect();
      expect(button.left).to.be.at.least(field.left);
      expect(button.right).to.be.at.most(field.right + 0.5);
      expect(toggle.textContent!.trim()).to.equal(lang === 'en' ? 'Show password' : '显示密码');
      expect(toggle.getAttribute('aria-pressed')).to.equal('false');
      expect(clickable(toggle)).to.equal(true);
      await expect(el).to.be.accessible();
    });
  }

  it('keeps the selected entry tab and the pressed show-password button unmistakable in forced colours', async () => {
    serve();
    await executeServerCommand('emulate-media-features', { features: [{ name: 'forced-colors', value: 'active' }] });
    expect(matchMedia('(forced-colors: active)').matches).to.equal(true);
    const el = await mount();
    const tabs = [...el.querySelectorAll<HTMLElement>('[role="tab"]')];
    const selected = tabs.find((t) => t.getAttribute('aria-selected') === 'true')!;
    const bar = (t: HTMLElement) => {
      const s = getComputedStyle(t);
      return s.borderBottomStyle === 'none' ? 0 : parseFloat(s.borderBottomWidth);
    };
    expect(bar(selected)).to.be.at.least(4);
    for (const t of tabs.filter((x) => x !== selected)) {
      // Forced colours paint every border in the text colour: an unselected tab has none to paint.
      expect(bar(t), t.textContent!).to.equal(0);
      expect(getComputedStyle(t).color).not.to.equal(getComputedStyle(selected).color);
    }
    // Pressed or not, the toggle's icon has another shape (not only another colour).
    const toggle = el.querySelector<HTMLButtonElement>('.etax-reveal')!;
    const shape = () => toggle.querySelector('svg')?.innerHTML.replace(/<!--[^>]*-->/g, '');
    const before = shape();
    toggle.click();
    await el.updateComplete;
    expect(toggle.getAttribute('aria-pressed')).to.equal('true');
    expect(shape()).to.be.a('string').and.not.equal(before);
  });

  it('has every control at least 44 × 44 px and every text at least 18 px in large-text mode', async () => {
    serve();
    for (const lang of ['zh-CN', 'en']) {
      const el = await fixture<EtaxLogin>(
        html`<etax-login
          base-url=${backend.baseUrl}
          transport="poll"
          lang=${lang}
          large-text
          forgot-password-url="/forgot"
          register-url="/register"
        ></etax-login>`,
      );
      await qrShown(el);
      el.shadowRoot!.querySelector('details')!.open = true;
      await el.updateComplete;
      const scope = [el, qrPanel(el)];
      const controls = scope
        .flatMap((root) => allElements(root.shadowRoot!).concat(allElements(root)))
        .filter((e) => e.matches('button, a[href], input, summary, select, textarea, [tabindex="0"]'))
        .filter((e) => e.getClientRects().length);
      expect(controls.length).to.be.at.least(9);
      for (const c of new Set(controls)) {
        const r = c.getBoundingClientRect();
        const name = `${lang} ${c.localName} “${c.textContent!.trim().slice(0, 20)}”`;
        expect(r.width, name).to.be.at.least(44);
        expect(r.height, name).to.be.at.least(44);
      }
      const texts = visibleTexts(el);
      expect(texts.length).to.be.at.least(15);
      for (const t of texts) {
        const size = parseFloat(getComputedStyle(t.parentElement!).fontSize);
        expect(size, `${lang} “${t.data.trim().slice(0, 20)}”`).to.be.at.least(18);
      }
      fixtureCleanup();
    }
  });

  it('styles the light-DOM form with a stylesheet written for it, not rewritten at run time', async () => {
    serve();
    const el = await mount();
    const sheet = formStyles.styleSheet!;
    // The element adds the stylesheet as written to the document the form lives in.
    expect(document.adoptedStyleSheets.includes(sheet), 'the sheet as written is adopted').to.equal(true);
    // Every rule is nested under the element's own form host: the page's forms are untouched.
    const top = [...sheet.cssRules];
    expect(top.map((r) => (r as CSSStyleRule).selectorText)).to.deep.equal(['etax-login > .etax-form-host']);
    const nested = (rules: CSSRuleList): CSSRule[] =>
      [...rules].flatMap((r) => [r, ...('cssRules' in r ? nested((r as CSSGroupingRule).cssRules) : [])]);
    expect(nested((top[0] as unknown as CSSGroupingRule).cssRules).length).to.be.at.least(20);
    const button = submit(el);
    expect(getComputedStyle(button).minHeight).to.equal('44px');
    // A page's own form rules do not reach into the login form.
    const pageForm = document.createElement('form');
    pageForm.innerHTML = '<input name="q" />';
    document.body.append(pageForm);
    try {
      expect(getComputedStyle(pageForm.querySelector('input')!).minHeight).not.to.equal('44px');
    } finally {
      pageForm.remove();
    }
  });
});

describe('<qr-login-panel> in English', () => {
  afterEach(() => fixtureCleanup());

  async function panel(options: { large?: boolean; width?: number } = {}) {
    const el = await fixture<QrLoginPanel>(
      html`<qr-login-panel
        base-url=${backend.baseUrl}
        transport="poll"
        lang="en"
        auto-refresh="0"
        ?large-text=${options.large}
        style="width: ${options.width ?? 320}px"
      ></qr-login-panel>`,
    );
    await waitUntil(() => el.shadowRoot!.querySelector('svg[part="qr-code"]'), 'a QR', { timeout: 4000 });
    return el;
  }
  const part = (el: QrLoginPanel, name: string) => el.shadowRoot!.querySelector<HTMLElement>(`[part~="${name}"]`);

  it('lets the QR show around the “Scanned” message, default and large text', async () => {
    const control = serve();
    for (const large of [false, true]) {
      const el = await panel({ large });
      await control.scan('etax');
      await waitUntil(() => part(el, 'overlay'), 'the scanned message', { timeout: 4000 });
      const frame = part(el, 'qr')!.getBoundingClientRect();
      const over = part(el, 'overlay')!.getBoundingClientRect();
      expect(part(el, 'status')!.textContent).to.include('Scanned');
      // Not a sheet over the whole code: the code's corners (its finder patterns) stay in sight.
      expect(over.top, large ? 'large' : 'default').to.be.greaterThan(frame.top + frame.height * 0.1);
      expect(over.left).to.be.greaterThan(frame.left + 4);
      expect(over.height).to.be.lessThan(frame.height * 0.8);
      await expect(el).to.be.accessible();
      fixtureCleanup();
    }
  });

  it('keeps “Refresh QR code” on one line inside its button and the frame', async () => {
    const control = serve({ qrRotates: false });
    for (const large of [false, true]) {
      const el = await panel({ large });
      await control.expireQr();
      await waitUntil(() => part(el, 'refresh'), 'the refresh button', { timeout: 4000 });
      const button = part(el, 'refresh')!;
      expect(button.textContent!.trim()).to.equal('Refresh QR code');
      expect(lines(button), large ? 'large' : 'default').to.equal(1);
      const frame = part(el, 'qr')!.getBoundingClientRect();
      const r = button.getBoundingClientRect();
      expect(r.left).to.be.at.least(frame.left);
      expect(r.right).to.be.at.most(frame.right);
      expect(button.scrollWidth).to.be.at.most(button.clientWidth);
      fixtureCleanup();
    }
  });

  it('never breaks the check-code sentence before the code, at any width', async () => {
    serve();
    for (const large of [false, true]) {
      const el = await panel({ large });
      const line = part(el, 'match-code')!;
      const code = line.querySelector('strong')!;
      for (let width = 160; width <= 480; width += 4) {
        el.style.width = `${width}px`;
        // The word just before the code (its label) and the code share a line.
        const label = document.createRange();
        const before = code.previousSibling as Text;
        const end = before.data.trimEnd().length;
        label.setStart(before, end - 1);
        label.setEnd(before, end);
        const word = label.getBoundingClientRect();
        const box = code.getBoundingClientRect();
        expect(box.top, `${width} px${large ? ', large text' : ''}`).to.be.lessThan(word.bottom);
        expect(box.bottom).to.be.greaterThan(word.top);
      }
      fixtureCleanup();
    }
  });
});
