/**
 * The state gallery: every state of every element side by side, each card
 * with its own mock backend (its own base URL) and a real client driven to
 * the state shown (see gallery-states.ts). The step-up dialog is modal, so
 * each dialog card is a frame of its own; the element there renders the
 * client made here.
 */
import { getResponse, http, HttpResponse, RequestHandler, type AnyHandler } from 'msw';
import { createLoginClient, type LoginClient } from '../src/client/client.js';
import type { LoginState } from '../src/client/state.js';
import { webSocket } from '../src/client/websocket.js';
import { createMockBackend, type MockBackend } from '../src/mock/index.js';
import { CARDS, type ElementName, type StateCard } from './gallery-states.js';
import { startMockWorker } from './mock-worker.js';
import { applyPageSettings, bindControls, labelControls, readSettings, type Settings } from './settings.js';
import type { DemoStrings } from './strings.js';

interface Placed {
  card: StateCard;
  el: HTMLElementTagNameMap[ElementName];
  title: HTMLElement;
  frame?: HTMLIFrameElement;
}

const SECTIONS: [ElementName, keyof DemoStrings['gallery']['sections']][] = [
  ['qr-login-panel', 'qr'],
  ['etax-login', 'login'],
  ['step-up-dialog', 'dialog'],
  ['sms-verify', 'sms'],
];
/** Longest a card may take to reach its state. */
const TIMEOUT = 15000;
/** Backdrop above and below a dialog in its frame, in px: enough to show that the dialog is modal. */
const FRAME_INSET = 16;
const BASE = '/api/gallery';

const gallery = document.getElementById('gallery')!;
const progress = document.getElementById('progress')!;
const form = document.getElementById('settings') as HTMLFormElement;
const placed: Placed[] = [];
const headings = new Map<string, HTMLElement>();
let t: DemoStrings;

function apply(s: Settings) {
  t = applyPageSettings(s);
  labelControls(form, t);
  document.title = t.galleryTitle;
  document.documentElement.dataset.width = s.width;
  for (const [name, key] of SECTIONS) {
    const h = headings.get(name);
    if (h) h.textContent = t.gallery.sections[key];
  }
  for (const p of placed) {
    p.title.textContent = p.card.title[s.lang];
    const el = p.el;
    el.setAttribute('lang', s.lang);
    if (s.theme === 'system') el.removeAttribute('theme');
    else el.setAttribute('theme', s.theme === 'dark' ? 'dark' : 'light');
    el.toggleAttribute('large-text', s.large);
    const root = p.frame?.contentDocument?.documentElement;
    if (p.frame && root) {
      root.lang = s.lang;
      root.dataset.theme = s.theme;
      root.toggleAttribute('data-large', s.large);
      // The frame and its page's main content are named after the card's state, in the page's language.
      p.frame.title = p.card.title[s.lang];
      root.querySelector('main')?.setAttribute('aria-label', p.card.title[s.lang]);
    }
  }
}

/** A frame of its own for a modal dialog; resolves once the elements are registered there. */
function frameFor(figure: HTMLElement): Promise<HTMLIFrameElement> {
  const frame = document.createElement('iframe');
  frame.src = 'gallery-frame.html';
  return new Promise((resolve) => {
    frame.addEventListener('load', () => resolve(frame), { once: true });
    figure.append(frame);
  });
}

/**
 * Keeps a dialog card's frame as tall as the dialog it shows, plus the backdrop
 * around it: in each state the client moves it through, at the chosen text
 * size, theme and language, and whenever its content changes. In the gallery's
 * frames the dialog grows with its content (demo.css lifts its limit to the
 * frame's height), so the dialog's own size is the height its frame needs.
 * The frames are of this origin: their elements are observed from here, as the
 * gallery already reaches into them to place the elements.
 */
async function fitFrame(frame: HTMLIFrameElement, el: HTMLElementTagNameMap['step-up-dialog']): Promise<void> {
  await el.updateComplete;
  const dialog = el.shadowRoot!.querySelector('dialog')!;
  const fit = () => {
    const height = dialog.open ? dialog.getBoundingClientRect().height : 0;
    if (height) frame.style.height = `${Math.ceil(height) + 2 * FRAME_INSET}px`;
    else frame.style.removeProperty('height');
  };
  // An observer of the frame's own window: it reports as the frame's page is laid out.
  new (frame.contentWindow as typeof window).ResizeObserver(fit).observe(dialog);
  fit();
}

const until =
  (client: LoginClient) =>
  (test: (s: LoginState) => boolean): Promise<void> =>
    new Promise((resolve) => {
      if (test(client.state)) return resolve();
      const off = client.on('state', (s) => {
        if (!test(s)) return;
        off();
        resolve();
      });
    });

const timeout = (ms: number) =>
  new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`not there after ${ms / 1000} s`)), ms));

async function place(card: StateCard, backend: MockBackend, list: HTMLElement, s: Settings): Promise<void> {
  const figure = document.createElement('figure');
  figure.className =
    card.element === 'etax-login' ? 'card wide' : card.element === 'step-up-dialog' ? 'card frame' : 'card';
  figure.dataset.state = card.id;
  const caption = document.createElement('figcaption');
  const title = document.createElement('span');
  title.textContent = card.title[s.lang];
  const code = document.createElement('code');
  code.textContent = card.state;
  caption.append(title, document.createElement('br'), code);
  figure.append(caption);
  list.append(figure);

  const frame = card.element === 'step-up-dialog' ? await frameFor(figure) : undefined;
  if (frame) await Promise.race([frame.contentWindow!.customElements.whenDefined(card.element), timeout(TIMEOUT)]);
  const doc = frame?.contentDocument ?? document;
  const el = doc.createElement(card.element);
  for (const [name, value] of Object.entries(card.attributes ?? {})) el.setAttribute(name, value);
  // A dialog's client lives in its frame, on the frame's clock (see gallery-frame.ts); the
  // WebSocket factory is this page's, whose sockets msw intercepts here.
  const create = frame?.contentWindow?.createGalleryClient ?? createLoginClient;
  const client = create({ baseUrl: backend.baseUrl, transport: 'websocket', webSocket, crossTab: false });
  card.prepare?.(backend.control);
  el.client = client;
  const p: Placed = { card, el, title, frame };
  placed.push(p);
  apply(s);
  (frame ? doc.querySelector('main')! : figure).append(el);
  if (frame) await fitFrame(frame, el as HTMLElementTagNameMap['step-up-dialog']);

  try {
    await Promise.race([
      card.drive?.({ client, control: backend.control, el, until: until(client) }),
      timeout(TIMEOUT),
    ]);
  } catch (e) {
    const problem = document.createElement('p');
    problem.className = 'problem';
    problem.textContent = t.gallery.failed(card.title[s.lang], (e as Error).message);
    figure.append(problem);
    throw e;
  }
}

/**
 * The handlers of every card's backend behind one route: msw tries each
 * handler in turn (copying the request for each), so one route that picks the
 * card's own handlers keeps every request as quick as with one backend.
 * WebSocket handlers are matched when a socket opens, and stay as they are.
 */
function routeByCard(backends: Map<string, MockBackend>): AnyHandler[] {
  const http_ = new Map(
    [...backends].map(([id, b]) => [id, b.handlers.filter((h): h is RequestHandler => h instanceof RequestHandler)]),
  );
  const sockets = [...backends.values()].flatMap((b) => b.handlers.filter((h) => !(h instanceof RequestHandler)));
  return [
    http.all(`${BASE}/:card/*`, async ({ request, params }) => {
      const answer = await getResponse(http_.get(String(params.card)) ?? [], request);
      return answer ?? HttpResponse.json({ error: { code: 'not_found', message: 'no such card' } }, { status: 404 });
    }),
    ...sockets,
  ];
}

async function main() {
  const settings = readSettings();
  apply(settings);
  bindControls(form, settings, apply);
  progress.textContent = t.gallery.preparing;

  // `?only=dialog-sms` shows the cards whose id starts so (a link to one state, or one group).
  const only = new URLSearchParams(location.search).get('only');
  const shown = CARDS.filter((card) => !only || card.id.startsWith(only));
  const backends = new Map(
    shown.map((card) => [card.id, createMockBackend({ baseUrl: `${BASE}/${card.id}`, ...card.options })]),
  );
  try {
    await startMockWorker(routeByCard(backends));
  } catch (e) {
    progress.textContent = t.workerFailed((e as Error).message.split('\n')[0]);
    return;
  }
  await import('./elements.js');

  const top = scrollY;
  const results = await Promise.allSettled(
    SECTIONS.map(async ([name, key]) => {
      const section = document.createElement('section');
      const h = document.createElement('h2');
      h.textContent = t.gallery.sections[key];
      headings.set(name, h);
      const list = document.createElement('div');
      list.className = 'cards';
      section.append(h, list);
      gallery.append(section);
      const cards = shown.filter((c) => c.element === name);
      return Promise.allSettled(cards.map((card) => place(card, backends.get(card.id)!, list, settings)));
    }),
  );
  const ready = results
    .flatMap((r) => (r.status === 'fulfilled' ? r.value : []))
    .filter((r) => r.status === 'fulfilled');
  progress.textContent = t.gallery.ready(ready.length);
  document.documentElement.dataset.ready = String(ready.length === shown.length);
  // The dialogs took focus in their frames as they opened; give the page back to the reader.
  if (document.activeElement instanceof HTMLIFrameElement) document.activeElement.blur();
  scrollTo({ top, behavior: 'instant' });
}

void main();
