/**
 * The demo page: a provincial e-tax portal's login page with `<etax-login>`
 * as a portal embeds it, the mock backend in the page (msw), and beside it the
 * phone simulator, the mock server's switches, the demo accounts and the
 * event log.
 */
import { webSocket } from '../src/client/websocket.js';
import type { EtaxLogin } from '../src/components/etax-login/etax-login.js';
import { createMockBackend, DEFAULT_FIXTURE, DEFAULT_PASSWORD } from '../src/mock/index.js';
import './accounts-card.js';
import './event-log.js';
import { startMockWorker } from './mock-worker.js';
import './phone-simulator.js';
import './server-panel.js';
import { applyPageSettings, bindControls, labelControls, readSettings, type Settings } from './settings.js';
import type { DemoStrings } from './strings.js';

/** The account the simulated phone's apps are signed in to at first. */
const QR_ACCOUNT = 'wangxiuying';

function $<K extends keyof HTMLElementTagNameMap>(selector: K): HTMLElementTagNameMap[K];
function $<T extends Element = HTMLElement>(selector: string): T;
function $(selector: string) {
  return document.querySelector(selector)!;
}
const slot = $<HTMLElement>('#login');
const login = $<EtaxLogin>('etax-login');
const notice = $<HTMLElement>('#notice');
const form = $<HTMLFormElement>('#settings');
const phone = $('demo-phone');
const server = $('demo-server');
const log = $('demo-event-log');
const accounts = $('demo-accounts');

const backend = createMockBackend({
  baseUrl: login.getAttribute('base-url') ?? '/api/etax-login',
  // A QR that runs out ends its flow, as on the real portals (the element then fetches a new one).
  qrRotates: false,
  qrAccount: QR_ACCOUNT,
  redirectUrl: '/portal/home',
});

let t: DemoStrings;
let transport: Settings['transport'] | undefined;

/** Shows a message above the login block, with an optional button. */
function say(text: string, action?: { label: string; run: () => void }) {
  const p = document.createElement('p');
  p.textContent = text;
  if (action) {
    const button = document.createElement('button');
    button.type = 'button';
    button.textContent = action.label;
    button.addEventListener('click', action.run);
    p.append(' ', button);
  }
  notice.replaceChildren(...(text ? [p] : []));
}

/** A new login from the start: the element makes a new client when it is put back. */
function restart() {
  say('');
  login.remove();
  slot.prepend(login);
}

function apply(s: Settings) {
  t = applyPageSettings(s);
  labelControls(form, t);
  document.title = t.pageTitle;
  $('#portal-nav')
    .querySelectorAll('li')
    .forEach((li, i) => (li.textContent = t.nav[i]));

  login.setAttribute('lang', s.lang);
  if (s.theme === 'system') login.removeAttribute('theme');
  else login.setAttribute('theme', s.theme === 'dark' ? 'dark' : 'light');
  login.toggleAttribute('large-text', s.large);
  if (s.transport !== transport) {
    transport = s.transport;
    // The element makes a new client of the chosen transport (the WebSocket one comes as an option).
    login.clientOptions = s.transport === 'websocket' ? { webSocket } : undefined;
    login.setAttribute('transport', s.transport);
  }
  for (const el of [phone, server, log, accounts]) el.t = t;
}

async function main() {
  const settings = readSettings();
  apply(settings);
  bindControls(form, settings, apply);

  accounts.fixture = DEFAULT_FIXTURE;
  accounts.password = DEFAULT_PASSWORD;
  accounts.qrAccount = QR_ACCOUNT;
  phone.accounts = server.accounts = DEFAULT_FIXTURE.accounts;
  phone.account = QR_ACCOUNT;
  log.source = slot;

  say(t.loading);
  try {
    await startMockWorker(backend.handlers);
  } catch (e) {
    say(t.workerFailed((e as Error).message.split('\n')[0]));
    return;
  }
  await import('./elements.js');
  // A portal goes to its home page here; the demo stays and says where it would go.
  login.navigate = (url) => say(t.redirected(new URL(url).pathname), { label: t.again, run: restart });
  phone.control = server.control = backend.control;
  server.addEventListener('demo-reset', restart);
  say('');
}

void main();
