/**
 * What a person sees on the demo's phone and server panel, whatever backend
 * drives them: a fake one here, holding the flows the test gives.
 */
import { expect, fixture, html, waitUntil } from '@open-wc/testing';
import type { AppFlow, PhoneApps } from '../../demo/phone-apps.js';
import type { DemoPhone } from '../../demo/phone-simulator.js';
import type { DemoControl } from '../../demo/remote-control.js';
import type { DemoServer } from '../../demo/server-panel.js';
import '../../demo/phone-simulator.js';
import '../../demo/server-panel.js';
import { STRINGS } from '../../demo/strings.js';
import { zhCN } from '../../src/components/i18n/zh-CN.js';
import { DEFAULT_FIXTURE, type BackendChange, type FlowInfo } from '../../src/mock/index.js';

const accounts = DEFAULT_FIXTURE.accounts;

/** A backend that holds `flows` and tells its listeners when the test changes them. */
function fakeControl(flows: FlowInfo[]) {
  const listeners = new Set<(c: BackendChange) => void>();
  const control = {
    flows,
    smsCodes: [],
    flow: (id?: string) => flows.find((f) => f.id === id) ?? [...flows].reverse().find((f) => f.live),
    subscribe(l: (c: BackendChange) => void) {
      listeners.add(l);
      return () => listeners.delete(l);
    },
  } as unknown as DemoControl;
  const change = (flowId: string) => listeners.forEach((l) => l({ type: 'flow', flowId }));
  return { control, change };
}

/** Apps that answer every scan with `scanned` and see no other change. */
function fakeApps(scanned?: AppFlow): PhoneApps {
  const answer = async () => {
    if (!scanned) throw new Error('no flow');
    return scanned;
  };
  return {
    scan: answer,
    flow: answer,
    confirm: answer,
    refuse: answer,
    cancel: answer,
    back: answer,
    faceStart: answer,
    faceResult: answer,
    inbox: async () => [],
    subscribe: () => () => undefined,
  };
}

const flow = (over: Partial<FlowInfo>): FlowInfo => ({
  id: 'f1',
  kind: 'qr',
  status: 'qr_waiting',
  seq: 1,
  state: { seq: 1, status: 'qr_waiting', qr: { payload: 'x', expiresIn: 60, apps: ['iit'] } },
  live: true,
  createdAt: Date.now(),
  expiresAt: Date.now() + 60000,
  methods: [],
  faceAttemptsLeft: 3,
  smsPending: false,
  smsWrong: 0,
  streams: 1,
  ...over,
});

describe('demo phone and server panel', () => {
  it('the phone’s warning goes once the QR it was about has gone from the page', async () => {
    const t = STRINGS['zh-CN'];
    const el = await fixture<DemoPhone>(
      html`<demo-phone
        .apps=${fakeApps()}
        .screen=${{ payload: 'x', apps: ['iit'] }}
        .accounts=${accounts}
        .t=${t}
        account="wangxiuying"
      ></demo-phone>`,
    );
    // The e-tax app in hand, a QR only the IIT app may scan: the phone warns.
    [...el.shadowRoot!.querySelectorAll('button')].find((b) => b.textContent!.trim() === t.phone.scan)!.click();
    await el.updateComplete;
    expect(el.shadowRoot!.querySelector('.note')?.textContent).to.include(t.phone.apps.iit);
    // The flow expired: the page shows no QR any more.
    el.screen = undefined;
    await el.updateComplete;
    expect(el.shadowRoot!.querySelector('.note')?.textContent ?? '').to.equal('');
    await expect(el).to.be.accessible();
  });

  it('the confirmation screen shows the match code and where the login comes from (§15.5)', async () => {
    const t = STRINGS['zh-CN'];
    const scanned: AppFlow = {
      flowId: 'f1',
      kind: 'login',
      status: 'qr_scanned',
      app: 'etax',
      matchCode: '47',
      page: { origin: 'https://etax.example.gov.cn', browser: 'Chrome 131 · Windows', place: '湖北省武汉市' },
    };
    const el = await fixture<DemoPhone>(
      html`<demo-phone
        .apps=${fakeApps(scanned)}
        .screen=${{ payload: 'x' }}
        .accounts=${accounts}
        .t=${t}
        account="wangxiuying"
      ></demo-phone>`,
    );
    [...el.shadowRoot!.querySelectorAll('button')].find((b) => b.textContent!.trim() === t.phone.scan)!.click();
    await waitUntil(() => el.shadowRoot!.querySelector('[data-match-code]'), 'the confirmation screen');
    expect(el.shadowRoot!.querySelector('[data-match-code]')!.textContent).to.equal('47');
    const page = el.shadowRoot!.querySelector('[data-page]')!.textContent!;
    expect(page)
      .to.include('https://etax.example.gov.cn')
      .and.include('Chrome 131 · Windows')
      .and.include('湖北省武汉市');
    expect(el.shadowRoot!.textContent).to.include(t.phone.page.warning);
    await expect(el).to.be.accessible();
  });

  it('the phone’s unselected radios look unselected in the dark theme', async () => {
    const wrapper = await fixture<HTMLDivElement>(
      html`<div style="color-scheme: dark">
        <demo-phone .apps=${fakeApps()} .accounts=${accounts} .t=${STRINGS['zh-CN']}></demo-phone>
      </div>`,
    );
    const phone = wrapper.querySelector<DemoPhone>('demo-phone')!;
    await phone.updateComplete;
    const radios = [...phone.shadowRoot!.querySelectorAll<HTMLInputElement>('input[type="radio"]')];
    expect(radios.some((r) => !r.checked)).to.equal(true);
    // The phone's screen is light: its controls are drawn light too, an empty circle on white.
    for (const r of radios) expect(getComputedStyle(r).colorScheme).to.equal('light');
  });

  it('the phone counts the face attempts left in the element’s words', () => {
    // The element's sentence, and the phone's, for two attempts left.
    const words = /还可尝试\s*2\s*次/.exec(zhCN.stepUp.faceFailed(2, false))![0];
    expect(STRINGS['zh-CN'].phone.results.failed(2)).to.include(words);
  });

  it('the flow table stays within the panel once a step_up_required row appears', async () => {
    const { control } = fakeControl([
      flow({}),
      flow({
        id: 'f2',
        kind: 'password',
        status: 'step_up_required',
        account: 'wangxiuying',
        state: { seq: 1, status: 'step_up_required', methods: ['sms'] } as FlowInfo['state'],
      }),
    ]);
    const wrapper = await fixture<HTMLDivElement>(
      html`<div style="width: 300px">
        <demo-server .control=${control} .accounts=${accounts} .t=${STRINGS['zh-CN']}></demo-server>
      </div>`,
    );
    const panel = wrapper.querySelector<DemoServer>('demo-server')!;
    await panel.updateComplete;
    const table = panel.shadowRoot!.querySelector('table')!;
    expect(table.textContent).to.include('step_up_required');
    expect(table.getBoundingClientRect().width).to.be.at.most(300);
    await expect(panel).to.be.accessible();
  });

  it('the panel’s reset starts a new login only once the backend has forgotten the old one', async () => {
    // On the demo server the reset is a request: the page's new login must not reach the
    // server before it, or the reset forgets the new login too.
    const { control } = fakeControl([flow({})]);
    let done!: () => void;
    Object.assign(control, { reset: () => new Promise<void>((resolve) => (done = resolve)) });
    const t = STRINGS['zh-CN'];
    const panel = await fixture<DemoServer>(
      html`<demo-server .control=${control} .accounts=${accounts} .t=${t}></demo-server>`,
    );
    const restarts: string[] = [];
    panel.addEventListener('demo-reset', () => restarts.push('restart'));
    [...panel.shadowRoot!.querySelectorAll('button')].find((b) => b.textContent!.trim() === t.server.reset)!.click();
    expect(restarts).to.deep.equal([]);
    done();
    await waitUntil(() => restarts.length === 1, 'the new login once the reset is done');
  });
});
