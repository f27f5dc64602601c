/**
 * The state gallery (demo/gallery.html), opened as it is — its strict CSP,
 * Trusted Types, its mock backends in its own service worker, a frame per
 * step-up dialog — in a frame of the test page: each dialog's frame is as tall
 * as the dialog it shows, whatever the state, the text size, the language and
 * the width, and when the dialog changes.
 *
 * Run by demo.test.ts, in the same test page as the demo page: the two pages register
 * msw's worker at the same scope (/demo/), and open side by side in two test
 * pages the worker did not take the demo page's requests.
 */
import { expect, waitUntil } from '@open-wc/testing';
import { executeServerCommand, setViewport } from '@web/test-runner-commands';

/** Backdrop above and below a dialog in its frame (demo/gallery.ts), and what rounding may add. */
const INSET = 16;
const SLACK = 3;

let frame: HTMLIFrameElement | undefined;

const doc = () => frame!.contentDocument!;
const card = (id: string) => doc().querySelector<HTMLElement>(`figure[data-state="${id}"]`)!;

interface Fit {
  id: string;
  frame: number;
  dialog: number;
  top: number;
  bottom: number;
}

/** Every dialog card: how tall its frame is, how tall the dialog, and where the dialog sits in the frame. */
function fits(): Fit[] {
  return [...doc().querySelectorAll<HTMLElement>('figure.frame')].map((figure) => {
    const iframe = figure.querySelector('iframe')!;
    const dialog = iframe.contentDocument!.querySelector('step-up-dialog')!.shadowRoot!.querySelector('dialog')!;
    const box = dialog.getBoundingClientRect();
    return {
      id: figure.dataset.state!,
      frame: iframe.clientHeight,
      dialog: Math.round(box.height),
      top: Math.round(box.top),
      bottom: Math.round(iframe.clientHeight - box.bottom),
    };
  });
}

/** The cards whose frame is not the dialog and its backdrop: a dialog cut off, or empty space around it. */
const misfits = () =>
  fits().filter(
    (f) =>
      !f.dialog ||
      Math.abs(f.frame - (f.dialog + 2 * INSET)) > SLACK ||
      Math.abs(f.top - INSET) > SLACK ||
      Math.abs(f.bottom - INSET) > SLACK,
  );

/** Waits until every frame fits its dialog again. */
const fitted = (what: string) =>
  waitUntil(() => misfits().length === 0, `${what}: frames that do not fit, ${JSON.stringify(misfits())}`, {
    timeout: 5000,
  });

async function openGallery(query: string) {
  frame?.remove();
  frame = document.createElement('iframe');
  frame.title = 'gallery';
  frame.style.width = '1400px';
  frame.style.height = '1000px';
  frame.src = `/demo/gallery.html?${query}`;
  const loaded = new Promise((resolve) => frame!.addEventListener('load', resolve, { once: true }));
  document.body.append(frame);
  await loaded;
  await waitUntil(() => doc().documentElement.dataset.ready, 'the gallery ready', { timeout: 30000 });
  expect(doc().documentElement.dataset.ready, doc().getElementById('progress')!.textContent!).to.equal('true');
}

/** Changes one of the gallery's settings as a person does, through its form. */
function set(name: string, value: string | boolean) {
  const control = doc().querySelector<HTMLInputElement | HTMLSelectElement>(`#settings [name="${name}"]`)!;
  // (Of the gallery's window: `instanceof` this page's classes does not hold.)
  if (typeof value === 'boolean') (control as HTMLInputElement).checked = value;
  else control.value = value;
  control.dispatchEvent(new Event('change'));
}

const heights = () => Object.fromEntries(fits().map((f) => [f.id, f.frame]));

describe('state gallery', function () {
  this.timeout(60000);

  before(() => setViewport({ width: 1450, height: 1100 }));

  after(() => {
    frame?.remove();
    frame = undefined;
  });

  it('sizes each dialog’s frame to the dialog: every state, large text, English, a phone’s width', async () => {
    await openGallery('only=dialog&lang=zh-CN&theme=light');
    const shown = fits().map((f) => f.id);
    for (const id of ['dialog-methods', 'dialog-face-iit', 'dialog-sms-idle', 'dialog-identity-capacity'])
      expect(shown).to.include(id);
    await fitted('in Chinese');
    // The dialogs differ in height, and so do their frames: no frame of one height for all.
    const zh = heights();
    expect(zh['dialog-face-iit']).to.be.above(zh['dialog-methods'] + 150);

    set('large', true);
    await waitUntil(() => heights()['dialog-methods'] > zh['dialog-methods'], 'taller with large text', {
      timeout: 5000,
    });
    await fitted('with large text');

    set('lang', 'en');
    await waitUntil(() => text(card('dialog-methods')).includes('Verify it’s you'), 'in English', { timeout: 5000 });
    await fitted('in English with large text');

    set('width', 'phone');
    const wide = heights();
    await waitUntil(() => heights()['dialog-face-iit'] > wide['dialog-face-iit'], 'taller on a phone', {
      timeout: 5000,
    });
    await fitted('on a phone, in English with large text');
  });

  it('follows a dialog whose content changes: choosing the SMS method', async () => {
    await openGallery('only=dialog-methods&lang=zh-CN');
    await fitted('choosing a method');
    const before = heights()['dialog-methods'];
    const dialog = card('dialog-methods').querySelector('iframe')!.contentDocument!.querySelector('step-up-dialog')!;
    const sms = [...dialog.shadowRoot!.querySelectorAll<HTMLElement>('[role="radio"]')].find((r) =>
      text(r).includes('短信验证'),
    )!;
    sms.click();
    await waitUntil(() => heights()['dialog-methods'] > before + 100, 'the frame growing with the SMS form', {
      timeout: 5000,
    });
    await fitted('with the SMS form');
  });

  it('is accessible', async () => {
    await openGallery('only=dialog-identity&lang=zh-CN');
    // axe-core in the gallery's page and in its dialogs' frames (no test script may run under their CSP).
    const violations = await executeServerCommand('axe-page', { path: '/demo/gallery.html' });
    expect(violations).to.deep.equal([]);
  });
});

function text(node: Node): string {
  const own = [...node.childNodes].map((n) => (n.nodeType === Node.TEXT_NODE ? n.textContent : text(n))).join(' ');
  const el = node as Element;
  const inner =
    el.shadowRoot ?? (el.localName === 'iframe' ? (el as HTMLIFrameElement).contentDocument?.body : undefined);
  return inner ? `${text(inner)} ${own}` : own;
}
