/**
 * The elements in a page under a strict Content-Security-Policy with Trusted
 * Types enforced (`require-trusted-types-for 'script'`, only Lit's `lit-html`
 * policy allowed): every state renders with no violation and no Trusted Types
 * error. The page is a frame of its own, because the test runner's own page
 * needs inline scripts.
 */
import { expect, waitUntil } from '@open-wc/testing';
import type { EtaxLogin } from '../../src/components/etax-login/etax-login.js';
import { capabilities, created, fakeFetch, json, qrWaiting, reply } from '../client/fakes.js';

type Framed = Window & typeof globalThis & { violations: string[] };

async function strictPage(): Promise<{ win: Framed; el: EtaxLogin }> {
  const frame = document.createElement('iframe');
  frame.src = new URL('./strict-page.html', import.meta.url).href;
  frame.style.width = '900px';
  frame.style.height = '700px';
  document.body.append(frame);
  await new Promise((r) => frame.addEventListener('load', r, { once: true }));
  const win = frame.contentWindow as Framed;
  // The frame loads every module of the elements: give it the time a busy machine takes.
  await waitUntil(() => win.customElements.get('etax-login'), 'the elements registered in the frame', {
    timeout: 10000,
  });
  return { win, el: win.document.querySelector('etax-login') as EtaxLogin };
}

describe('strict CSP with Trusted Types', () => {
  afterEach(() => document.querySelectorAll('iframe').forEach((f) => f.remove()));

  it('renders the QR, the form, the step-up dialog and the SMS step with no violation', async () => {
    const face = { seq: 2, status: 'face_waiting', method: 'face_iit', qr: { payload: 'face-qr', expiresIn: 60 } };
    const f = fakeFetch((c) => {
      if (c.path === '/v1/capabilities') return json(capabilities());
      if (c.path === '/v1/flows/qr') return json(created(qrWaiting(1), { flowId: 'qr1' }), 201);
      if (c.path === '/v1/flows/password')
        return json(
          created(
            {
              seq: 1,
              status: 'step_up_required',
              methods: ['face_iit', 'face_etax', 'sms'],
              maskedPhone: '176****2696',
            },
            { flowId: 'pw1' },
          ),
          201,
        );
      if (c.path === '/v1/flows/pw1/step-up') return json(face);
      if (c.path === '/v1/flows/pw1/sms')
        return json({ maskedPhone: '176****2696', codeLength: 6, resendAfter: 60, expiresIn: 300 });
      if (c.method === 'DELETE') return reply('', 204);
      if (c.method === 'GET') return json(c.path.startsWith('/v1/flows/pw1') ? face : qrWaiting(1));
      return undefined;
    });
    const { win, el } = await strictPage();
    el.clientOptions = { fetch: f.fetch, crossTab: false };
    el.baseUrl = `${location.origin}/api`;
    await waitUntil(
      () => el.shadowRoot?.querySelector('qr-login-panel')?.shadowRoot?.querySelector('svg path'),
      'the QR',
    );

    const set = (name: string, value: string) => {
      const input = el.querySelector<HTMLInputElement>(`input[name="${name}"]`)!;
      input.value = value;
      input.dispatchEvent(new win.Event('input', { bubbles: true }));
    };
    set('taxpayerId', '91310110666007217T');
    set('account', '11010519491231002X');
    set('password', 'Etax@2024');
    el.querySelector<HTMLButtonElement>('.etax-submit')!.click();
    const dialog = () => el.shadowRoot!.querySelector('step-up-dialog')!.shadowRoot!;
    await waitUntil(() => dialog().querySelector('dialog[open]'), 'the step-up dialog');
    dialog().querySelector<HTMLButtonElement>('[part~="method"]')!.click();
    await waitUntil(
      () => dialog().querySelector('qr-login-panel')?.shadowRoot?.querySelector('svg path'),
      'the face QR',
    );
    [...dialog().querySelectorAll<HTMLButtonElement>('[part~="method"]')].at(-1)!.click();
    await waitUntil(
      () => dialog().querySelector('sms-verify')?.shadowRoot?.querySelector('[part~="send"]'),
      'the SMS step',
    );
    dialog().querySelector('sms-verify')!.shadowRoot!.querySelector<HTMLButtonElement>('[part~="send"]')!.click();
    await waitUntil(
      () => /176\*\*\*\*2696/.test(dialog().querySelector('sms-verify')!.shadowRoot!.textContent!),
      'the code sent',
    );

    expect(win.violations).to.deep.equal([]);
    // The recorder does hear violations: an image from elsewhere is one.
    const img = win.document.createElement('img');
    img.src = 'https://elsewhere.example/pixel.png';
    win.document.body.append(img);
    await waitUntil(() => win.violations.length === 1, 'the violation recorded');
    expect(win.violations[0]).to.match(/^img-src/);
  });

  it('really enforces Trusted Types in that page', async () => {
    const { win } = await strictPage();
    const div = win.document.createElement('div');
    expect(() => {
      div.innerHTML = '<b>x</b>';
    }).to.throw();
  });
});
