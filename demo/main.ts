/**
 * The demo page: the backend (the demo server's, or in the static build the
 * mock backend in this page, on msw), a provincial e-tax
 * portal's login page in a frame (portal.html, with `<etax-login>` as a
 * portal embeds it), and beside it the phone simulator, the mock server's
 * switches, the demo accounts and the event log.
 *
 * The portal is a page of its own because the step-up dialog is modal: it
 * makes everything else in its page inert, and the person must still be able
 * to use the phone while it is open. The frame's requests reach this page's
 * mock backend through msw's worker; the WebSocket transport is given as this
 * page's own (`clientOptions.webSocket`), whose sockets msw intercepts here.
 */
import type { LoginState } from '../src/client/state.js';
import { webSocket } from '../src/client/websocket.js';
import type { EtaxLogin } from '../src/components/etax-login/etax-login.js';
import type { EtaxStateChangeEvent } from '../src/components/events/state-change.js';
import { createMockBackend, DEFAULT_FIXTURE, DEFAULT_PASSWORD } from '../src/mock/index.js';
import './accounts-card.js';
import { DEMO_BACKEND, QR_ACCOUNT } from './backend-options.js';
import './event-log.js';
import { startMockWorker } from './mock-worker.js';
import { mockPhoneApps, TaxAppBackend, type PhoneApps, type ScreenQr } from './phone-apps.js';
import './phone-simulator.js';
import { RemoteControl, type DemoControl } from './remote-control.js';
import './server-panel.js';
import { applyPageSettings, bindControls, labelControls, readSettings, type Settings } from './settings.js';
import type { DemoStrings } from './strings.js';

/** Set by the demo server (`npm start`), which answers the API itself; absent in the static build. */
declare const ETAX_DEMO_SERVER: boolean | undefined;
const ON_SERVER = typeof ETAX_DEMO_SERVER === 'boolean' && ETAX_DEMO_SERVER;

function $<K extends keyof HTMLElementTagNameMap>(selector: K): HTMLElementTagNameMap[K];
function $<T extends Element = HTMLElement>(selector: string): T;
function $(selector: string) {
  return document.querySelector(selector)!;
}
const frame = $<HTMLIFrameElement>('#portal');
const notice = $('#notice');
const form = $<HTMLFormElement>('#settings');
const phone = $('demo-phone');
const server = $('demo-server');
const log = $('demo-event-log');
const accounts = $('demo-accounts');

const settings = readSettings();
let t: DemoStrings;
/** The portal's `<etax-login>`, once the portal page is there. */
let login: EtaxLogin | undefined;
let transport: Settings['transport'] | undefined;

/** Shows a message above the portal, with an optional button. */
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
  const slot = login?.parentElement;
  if (!login || !slot) return;
  login.remove();
  slot.prepend(login);
}

function apply(s: Settings) {
  t = applyPageSettings(s);
  labelControls(form, t);
  document.title = t.pageTitle;
  for (const el of [phone, server, log, accounts]) el.t = t;
  const portal = frame.contentDocument;
  if (!login || !portal) return;
  applyPageSettings(s, portal);
  portal.title = t.portalTitle;
  login.setAttribute('lang', s.lang);
  if (s.theme === 'system') login.removeAttribute('theme');
  else login.setAttribute('theme', s.theme === 'dark' ? 'dark' : 'light');
  login.toggleAttribute('large-text', s.large);
  if (s.transport !== transport) {
    transport = s.transport;
    // The element makes a new client of the chosen transport.
    login.clientOptions = s.transport === 'websocket' ? { webSocket } : undefined;
    login.setAttribute('transport', s.transport);
  }
}

/** The QR the page shows for the phone to scan, as its camera would read it off the screen. */
function screenOf(state: LoginState): ScreenQr | undefined {
  if (state.kind === 'qr-waiting')
    return { payload: state.qr.payload, ...(state.qr.apps ? { apps: state.qr.apps } : {}) };
  if (state.kind === 'face-waiting') return { payload: state.qr.payload, face: state.method };
  return undefined;
}

/** The portal page is there, its elements not yet registered: set its `<etax-login>` up, then let it start. */
function onPortalReady(event: MessageEvent<{ type?: string }>) {
  if (event.source !== frame.contentWindow || event.origin !== location.origin) return;
  if (event.data?.type !== 'etax-demo:portal-ready') return;
  const portal = frame.contentDocument!;
  login = portal.querySelector('etax-login')!;
  transport = undefined;
  apply(settings);
  // A portal goes to its home page here; the demo stays and says where it would go.
  login.navigate = (url) => say(t.redirected(new URL(url).pathname), { label: t.again, run: restart });
  // The elements' events bubble out of their shadow roots up to the portal's document.
  log.source = portal;
  // What the phone's camera sees: the QR on the portal's screen.
  portal.addEventListener('etax-state-change', (event) => {
    phone.screen = screenOf((event as EtaxStateChangeEvent).detail.state);
    // What the page just showed (a scan, an SMS sent) the phone asks its apps about at once.
    void phone.refresh();
  });
  // The frame is as tall as the portal page, up to the height of the screen (demo.css).
  new ResizeObserver(() => {
    frame.style.height = `${Math.ceil(portal.documentElement.getBoundingClientRect().height)}px`;
  }).observe(portal.documentElement);
  // The step-up dialog opens centred in the frame: bring the whole frame into view, wherever this page is scrolled.
  for (const type of ['etax-step-up-required', 'etax-identity-required'])
    portal.addEventListener(type, () => frame.scrollIntoView({ block: 'nearest' }));
  frame.contentWindow!.postMessage({ type: 'etax-demo:go' }, location.origin);
}

async function main() {
  apply(settings);
  bindControls(form, settings, apply);
  accounts.fixture = DEFAULT_FIXTURE;
  accounts.password = DEFAULT_PASSWORD;
  accounts.qrAccount = QR_ACCOUNT;
  phone.accounts = server.accounts = DEFAULT_FIXTURE.accounts;
  phone.account = QR_ACCOUNT;

  say(t.loading);
  let control: DemoControl;
  let apps: PhoneApps;
  if (ON_SERVER) {
    // The demo server answers the API. The phone acts through the signed app API, by way of the
    // demo server playing the apps' backend; the operator through its development route.
    const remote = new RemoteControl();
    await remote.ready;
    control = remote;
    apps = new TaxAppBackend();
  } else {
    // The static build: the mock backend runs in this page (msw's service worker).
    const backend = createMockBackend(DEMO_BACKEND);
    try {
      await startMockWorker(backend.handlers);
    } catch (e) {
      say(t.workerFailed((e as Error).message.split('\n')[0]));
      return;
    }
    control = backend.control;
    apps = mockPhoneApps(backend.control);
  }
  phone.apps = apps;
  server.control = control;
  server.onServer = ON_SERVER;
  server.addEventListener('demo-reset', () => {
    phone.reset();
    restart();
  });
  addEventListener('message', onPortalReady);
  frame.src = 'portal.html';
  say('');
}

void main();
