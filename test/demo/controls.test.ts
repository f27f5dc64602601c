/**
 * The demo's own controls — the phone simulator, the mock server's switches,
 * the event log, the accounts — are real, labelled controls: each passes the
 * accessibility check, in English too, and the switches act on the backend.
 */
import { expect, fixture, html, waitUntil } from '@open-wc/testing';
import { createMockBackend, DEFAULT_FIXTURE, DEFAULT_PASSWORD } from '../../src/mock/index.js';
import '../../demo/accounts-card.js';
import type { DemoEventLog } from '../../demo/event-log.js';
import type { DemoPhone } from '../../demo/phone-simulator.js';
import type { DemoServer } from '../../demo/server-panel.js';
import '../../demo/event-log.js';
import { mockPhoneApps } from '../../demo/phone-apps.js';
import '../../demo/phone-simulator.js';
import '../../demo/server-panel.js';
import { STRINGS } from '../../demo/strings.js';
import { EtaxQrScannedEvent } from '../../src/components/events/index.js';

const backend = createMockBackend({ baseUrl: '/api/demo-controls' });
const accounts = DEFAULT_FIXTURE.accounts;

describe('demo controls', () => {
  afterEach(() => backend.control.reset());

  for (const lang of ['zh-CN', 'en'] as const) {
    const t = STRINGS[lang];

    it(`phone simulator, ${lang}: accessible, app and SMS views`, async () => {
      const el = await fixture<DemoPhone>(
        html`<demo-phone
          .apps=${mockPhoneApps(backend.control)}
          .accounts=${accounts}
          .t=${t}
          account="liqiang"
        ></demo-phone>`,
      );
      await expect(el).to.be.accessible();
      const buttons = [...el.shadowRoot!.querySelectorAll('button')];
      expect(buttons.every((b) => b.textContent!.trim())).to.equal(true);
      // Nothing on the page to scan yet.
      expect(buttons.find((b) => b.textContent!.trim() === t.phone.scan)!.disabled).to.equal(true);
      buttons.find((b) => b.textContent!.trim() === t.phone.smsCount(0))!.click();
      await el.updateComplete;
      expect(el.shadowRoot!.textContent).to.include(t.phone.noSms);
      await expect(el).to.be.accessible();
    });

    it(`mock server switches, ${lang}: accessible, and they act`, async () => {
      const el = await fixture<DemoServer>(
        html`<demo-server .control=${backend.control} .accounts=${accounts} .t=${t}></demo-server>`,
      );
      await expect(el).to.be.accessible();
      const button = (name: string) =>
        [...el.shadowRoot!.querySelectorAll('button')].find((b) => b.textContent!.trim() === name)!;
      // No flow yet: nothing to expire.
      expect(button(t.server.expireQr).disabled).to.equal(true);
      button(t.server.lockAccount).click();
      // The lock is the engine's to write: the panel says so once it is done.
      await waitUntil(
        () => el.shadowRoot!.querySelector('[role="status"]')!.textContent!.includes(t.server.lockAccount),
        'the lock reported',
      );
      button(t.server.dropStreams).click();
      await el.updateComplete;
      expect(button(t.server.acceptStreams).getAttribute('aria-pressed')).to.equal('true');
      await expect(el).to.be.accessible();
    });

    it(`event log and accounts, ${lang}: accessible; the log lists an event with its detail`, async () => {
      const source = document.createElement('div');
      const log = await fixture<DemoEventLog>(html`<demo-event-log .source=${source} .t=${t}></demo-event-log>`);
      source.dispatchEvent(new EtaxQrScannedEvent({ app: 'iit' }));
      await log.updateComplete;
      expect(log.shadowRoot!.querySelector('li[data-event="etax-qr-scanned"]')!.textContent).to.include(
        '{"app":"iit"}',
      );
      await expect(log).to.be.accessible();
      const cards = await fixture(
        html`<demo-accounts
          .fixture=${DEFAULT_FIXTURE}
          password=${DEFAULT_PASSWORD}
          qrAccount="wangxiuying"
          .t=${t}
        ></demo-accounts>`,
      );
      expect(cards.shadowRoot!.textContent).to.include(DEFAULT_PASSWORD).and.include('9144030071526726XG');
      await expect(cards).to.be.accessible();
    });
  }
});
