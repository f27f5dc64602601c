/* global window, document, requestAnimationFrame, MutationObserver, location, Image */
// The benchmark page's side: a mock backend in the page (msw's service worker),
// the production drop-in, and one function per measurement. bench/run.mjs opens
// this page in headless Chromium and calls `window.bench.*`; every time is taken
// here with performance.now(), so the DevTools protocol's own delays never count.
import { setupWorker } from 'msw/browser';
import { createMockBackend, DEFAULT_PASSWORD } from '../../dist/mock/index.js';

const DROP_IN = '../../dist/etax-login.min.js';
/** Lit and `qrcode` drawing the same QR, built like the drop-in (bench/page/floor.js). */
const FLOOR = '../build/floor.min.js';
const query = new URLSearchParams(location.search);
const scenario = query.get('scenario') ?? '';
/** Milliseconds the mock backend waits before each answer (a network's round trip). */
const latency = Number(query.get('latency') ?? 0);
/**
 * `?server=/api/etax-login`: the API is the reference server (`npm run server`), which
 * bench/run.mjs starts and the page's own origin passes requests to, over real sockets:
 * no msw in the page (first QR only).
 */
const server = query.get('server');
/** Requests the page made to the reference server until now, as `METHOD /path` below its base URL. */
const serverRequests = [];
if (server) {
  const native = window.fetch;
  window.fetch = (input, init) => {
    const url = new URL(input instanceof Request ? input.url : String(input), location.href);
    const method = init?.method ?? (input instanceof Request ? input.method : 'GET');
    if (url.pathname.startsWith(server)) serverRequests.push(`${method} ${url.pathname.slice(server.length)}`);
    return native(input, init);
  };
}

/* -------------------------------------------------------------- long tasks */

/** Every main-thread task over 50 ms since the page began. */
const longTasks = [];
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) longTasks.push({ start: e.startTime, duration: e.duration });
}).observe({ type: 'longtask', buffered: true });
const tasksBetween = (from, to) => longTasks.filter((t) => t.start >= from && t.start < to);

/* ------------------------------------------------- SSE messages (network) */

/** State and heartbeat messages received over EventSource, with their stream's URL. */
const streamMessages = [];
if (scenario === 'network') {
  const Native = window.EventSource;
  window.EventSource = class EventSource extends Native {
    constructor(url, init) {
      super(url, init);
      for (const type of ['state', 'heartbeat']) {
        this.addEventListener(type, () => streamMessages.push({ url: this.url, type, at: Date.now() }));
      }
    }
  };
}

/* ------------------------------------------------------------ mock backend */

const worker = server ? undefined : setupWorker();
await worker?.start({ quiet: true, onUnhandledRequest: 'bypass' });
// On a slow network, bench/run.mjs slows the network down now, before the clock starts.
if (query.has('slow')) await new Promise((resolve) => (window.benchGo = resolve));

let backends = 0;
/** A mock backend of its own (its own base URL, flows and request log), answering at once. */
function serve(options = {}) {
  const backend = createMockBackend({ baseUrl: `/api/bench-${++backends}`, ...options });
  worker.use(...backend.handlers);
  return backend;
}

/* ----------------------------------------------------------------- helpers */

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Resolves after the next frame has been produced (a task queued from requestAnimationFrame runs after paint). */
const painted = () =>
  new Promise((resolve) =>
    requestAnimationFrame(() => {
      const channel = new MessageChannel();
      channel.port1.onmessage = () => {
        channel.port1.close();
        resolve(performance.now());
      };
      channel.port2.postMessage(0);
    }),
  );

async function until(test, what, timeout = 15000) {
  const end = performance.now() + timeout;
  for (;;) {
    const value = test();
    if (value) return value;
    if (performance.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(4);
  }
}

/** Resolves with performance.now() at the first DOM change of `root` after which `test()` holds. */
function whenDom(root, test) {
  return new Promise((resolve) => {
    const observer = new MutationObserver(() => {
      if (!test()) return;
      observer.disconnect();
      resolve(performance.now());
    });
    observer.observe(root, { subtree: true, childList: true, attributes: true, characterData: true });
  });
}

const panelOf = (el) => el.shadowRoot?.querySelector('qr-login-panel');
const qrOf = (el) => panelOf(el)?.shadowRoot?.querySelector('svg[part~="qr-code"]');
/** Elements that told `etax-qr-scanned` (told at the state change, before their next render). */
const scanned = new WeakSet();
/** The QR panel shows "scanned, confirm on your phone": its overlay, after the scan was told. */
const scannedOf = (el) => scanned.has(el) && panelOf(el)?.shadowRoot?.querySelector('[part~="overlay"]');
const dialogOf = (el) => el.shadowRoot?.querySelector('step-up-dialog');
const dialogOpen = (el) => dialogOf(el)?.shadowRoot?.querySelector('dialog[open]');
const smsOf = (el) => dialogOf(el)?.shadowRoot?.querySelector('sms-verify');
const faceQrOf = (el) =>
  dialogOf(el)?.shadowRoot?.querySelector('qr-login-panel')?.shadowRoot?.querySelector('svg[part~="qr-code"]');
const successOf = (el) => el.shadowRoot?.querySelector('[part~="success"]');

/** Every `<etax-login>` mounted, held weakly: one still alive after removal and GC is retained by something. */
const mounted = [];

/** `<etax-login>` as a portal places it; success never leaves the page. */
function mount(backend, attrs = {}) {
  const el = document.createElement('etax-login');
  mounted.push(new WeakRef(el));
  el.setAttribute('base-url', backend.baseUrl);
  for (const [name, value] of Object.entries(attrs)) el.setAttribute(name, value);
  el.navigate = () => {};
  el.addEventListener('etax-qr-scanned', () => scanned.add(el));
  document.body.append(el);
  return el;
}

/** The held long-poll request of the flow on show, if one is on its way. */
const heldLongPoll = (backend) => {
  const flow = backend.control.flow();
  return (
    flow &&
    backend.control.requests.some(
      (r) => r.method === 'GET' && r.path.startsWith(`/v1/flows/${flow.id}?`) && r.path.includes('wait=') && !r.status,
    )
  );
};

/** Waits until the flow's state changes can reach the page by `transport` without a poll's delay. */
async function streamReady(backend, transport) {
  if (transport === 'sse') await until(() => backend.control.flow()?.streams, 'the SSE stream');
  if (transport === 'long-poll') await until(() => heldLongPoll(backend), 'a held long-poll');
}

/** The password form: the individual entry (自然人业务), a fixture account, and 登录. */
async function submitPassword(el, account = 'wangxiuying') {
  const tab = await until(() => el.querySelector('[role="tab"][id$="-tab-individual"]'), 'the entry tabs');
  tab.click();
  await el.updateComplete;
  const input = el.querySelector('input[name="account"]');
  input.value = account;
  input.dispatchEvent(new Event('input', { bubbles: true }));
  el.querySelector('input[name="password"]').value = DEFAULT_PASSWORD;
  el.querySelector('form button[type="submit"]').click();
}

const method = (el, name) =>
  until(() => dialogOf(el)?.shadowRoot?.querySelector(`[part~="method"][data-method="${name}"]`), `method ${name}`);

/** Step-up by SMS, from the open dialog to the code sent (the resend countdown running). */
async function sendSms(el, backend) {
  (await method(el, 'sms')).click();
  const send = await until(() => smsOf(el)?.shadowRoot?.querySelector('[part~="send"]'), 'the SMS step');
  const sent = backend.control.smsCodes.length;
  send.click();
  await until(() => backend.control.smsCodes.length > sent, 'the SMS');
  await until(() => smsOf(el)?.shadowRoot?.querySelector('[part~="countdown"]'), 'the resend countdown');
  return backend.control.lastCode;
}

/** Types the code and presses 验证. */
async function verifySms(el, code) {
  const root = smsOf(el).shadowRoot;
  const input = root.querySelector('input[part~="input"]');
  input.value = code;
  input.dispatchEvent(new Event('input', { bubbles: true, composed: true }));
  root.querySelector('[part~="submit"]').click();
}

/** A 120-character QR payload, different for every `i` (the element keeps the last few drawings). */
const payload120 = (i) => {
  const head = 'https://etax.example.invalid/qr/login/';
  let hex = '';
  let x = (i + 1) * 0x9e3779b1;
  while (head.length + hex.length < 120) {
    // xorshift32: random-looking hex, as a real token is (runs of digits would be encoded more compactly).
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    hex += ((x >>> 0) % 16).toString(16);
  }
  return head + hex;
};

/** The least a `<qr-login-panel>` needs of a headless client, with `emit(state)` to drive it. */
function fakeClient() {
  const listeners = new Set();
  let state = { kind: 'qr-loading', password: { status: 'idle' } };
  const never = () => new Promise(() => {});
  return {
    get state() {
      return state;
    },
    capabilities: undefined,
    transport: undefined,
    on(event, callback) {
      if (event !== 'state') return () => {};
      listeners.add(callback);
      return () => listeners.delete(callback);
    },
    loadCapabilities: never,
    startQr: never,
    submitPassword: never,
    chooseStepUp: never,
    sendSms: never,
    verifySms: never,
    chooseIdentity: never,
    cancel: never,
    destroy() {},
    emit(next) {
      const previous = state;
      state = next;
      for (const l of [...listeners]) l(next, previous);
    },
  };
}

/** Makes the page report itself hidden (or visible again), as a background tab does. */
function setHidden(hidden) {
  Object.defineProperty(document, 'hidden', { configurable: true, get: () => hidden });
  Object.defineProperty(document, 'visibilityState', {
    configurable: true,
    get: () => (hidden ? 'hidden' : 'visible'),
  });
  document.dispatchEvent(new Event('visibilitychange'));
}

/* ------------------------------------------------------------ measurements */

/**
 * Module start → first QR on screen, of `<etax-login>` (`what` = 'element') or
 * of a floor: `<qr-floor>` drawing a constant payload at once ('floor') or after
 * the requests the element needs ('floor-requests'). The element is in the page
 * before its module (as in a portal's markup); the clock starts when the module
 * is asked for, so msw's own start-up is not counted. With `?server=`, the
 * requests go to the reference server instead of a mock backend.
 */
async function firstQr(what) {
  const backend = server ? { baseUrl: server } : serve({ latency });
  let el, ready;
  if (what === 'element') {
    el = mount(backend);
    ready = new Promise((resolve) =>
      el.addEventListener('etax-qr-ready', () => resolve(performance.now()), { once: true }),
    );
  } else {
    el = document.createElement('qr-floor');
    if (what === 'floor-requests') el.setAttribute('base-url', backend.baseUrl);
    document.body.append(el);
  }
  const t0 = performance.now();
  await import(what === 'element' ? DROP_IN : FLOOR);
  const loaded = performance.now();
  let qrReady, inDom;
  if (what === 'element') {
    qrReady = await ready;
    await panelOf(el).updateComplete;
    if (!qrOf(el)) await until(() => qrOf(el), 'the first QR');
    inDom = performance.now();
  } else {
    const floorQr = () => el.shadowRoot.querySelector('svg');
    inDom = floorQr() ? performance.now() : await whenDom(el.shadowRoot, floorQr);
    qrReady = inDom;
  }
  const onScreen = await painted();
  return {
    moduleLoaded: loaded - t0,
    qrReady: qrReady - t0,
    qrInDom: inDom - t0,
    qrPainted: onScreen - t0,
    requests: server
      ? [...serverRequests]
      : backend.control.requests.map((r) => `${r.method} ${r.path.replace(/\?.*/, '')}`),
    // Each long task's start and end, from module start.
    longTasks: tasksBetween(t0, onScreen).map((t) => ({ start: t.start - t0, end: t.start + t.duration - t0 })),
  };
}

/** The drawing alone: `qrPath()` (encode at level M with `qrcode`'s `create()`, then one run-length SVG path) of 120 characters. */
async function qrPathTimes(runs) {
  const { qrPath } = await import('../../dist/components/shared/qr-svg.js');
  const times = [];
  let size = 0;
  for (let i = 0; i < runs + 5; i++) {
    const text = payload120(1000 + i);
    const t0 = performance.now();
    size = qrPath(text).size;
    const t = performance.now() - t0;
    if (i >= 5) times.push(t);
    await sleep(0);
  }
  return { times, modules: size - 8 };
}

/** A `<qr-login-panel>` given a new 120-character payload: state change → its `<svg>` in the DOM. */
async function qrRenderTimes(runs) {
  const client = fakeClient();
  const panel = document.createElement('qr-login-panel');
  panel.embedded = true;
  panel.client = client;
  document.body.append(panel);
  await panel.updateComplete;
  const times = [];
  for (let i = 0; i < runs + 3; i++) {
    const payload = payload120(i);
    await painted();
    const t0 = performance.now();
    client.emit({
      kind: 'qr-waiting',
      flowId: 'f1',
      expiresAt: t0 + 300000,
      password: { status: 'idle' },
      qr: { payload, expiresAt: t0 + 60000, apps: ['etax', 'iit'], matchCode: '42' },
    });
    await panel.updateComplete;
    const t = performance.now() - t0;
    const d = panel.shadowRoot.querySelector('svg[part~="qr-code"] path')?.getAttribute('d');
    if (!d) throw new Error('no QR drawn');
    if (i >= 3) times.push(t);
  }
  panel.remove();
  return { times };
}

let reading;
/**
 * A `<qr-login-panel>` at its default size, `offset` CSS pixels further right
 * (fractions too), showing `payload`: answers the QR frame's box in the viewport,
 * and the drawn `<svg>`'s width and modules per side (quiet zone included).
 */
async function showQr(payload, offset) {
  if (!reading) {
    reading = { client: fakeClient(), panel: document.createElement('qr-login-panel') };
    reading.panel.embedded = true;
    reading.panel.client = reading.client;
    document.body.append(reading.panel);
  }
  const { client, panel } = reading;
  panel.style.marginLeft = `${offset}px`;
  const now = performance.now();
  client.emit({
    kind: 'qr-waiting',
    flowId: 'f1',
    expiresAt: now + 300000,
    password: { status: 'idle' },
    qr: { payload, expiresAt: now + 60000, apps: ['etax', 'iit'] },
  });
  await panel.updateComplete;
  await painted();
  const frame = panel.shadowRoot.querySelector('[part~="qr"]').getBoundingClientRect();
  const svg = panel.shadowRoot.querySelector('svg[part~="qr-code"]');
  return {
    left: frame.left,
    top: frame.top,
    right: frame.right,
    bottom: frame.bottom,
    svgWidth: svg.getBoundingClientRect().width,
    modules: svg.viewBox.baseVal.width,
  };
}

/** A PNG (base64) scaled by `scale` and blurred by `blur` px, as a camera's lower resolution sees it. */
async function cameraView(png, scale, blur) {
  const img = new Image();
  img.src = `data:image/png;base64,${png}`;
  await img.decode();
  const canvas = document.createElement('canvas');
  canvas.width = Math.round(img.width * scale);
  canvas.height = Math.round(img.height * scale);
  const ctx = canvas.getContext('2d');
  ctx.filter = `blur(${blur}px)`;
  ctx.drawImage(img, 0, 0, canvas.width, canvas.height);
  return canvas.toDataURL('image/png').split(',')[1];
}

/**
 * Server event → DOM updated: the phone scans (`control.scan()`, in this page)
 * and the clock stops at the DOM change that shows the scanned overlay. For
 * polling the scans come at points spread evenly over the poll interval.
 */
async function stateLatency(transport, runs, pollInterval) {
  const backend = serve(pollInterval ? { pollInterval } : {});
  const interval = (pollInterval ?? 2) * 1000;
  const times = [];
  for (let i = 0; i < runs; i++) {
    const el = mount(backend, { transport });
    await until(() => qrOf(el), 'the QR');
    await streamReady(backend, transport);
    // Polling: the scans spread evenly over the interval (from just after a poll to just before the next).
    await sleep(transport === 'poll' ? ((i + 0.5) / runs) * interval : 20 + Math.random() * 30);
    const root = panelOf(el).shadowRoot;
    const shown = whenDom(root, () => scannedOf(el));
    const t0 = performance.now();
    backend.control.scan('etax');
    times.push((await shown) - t0);
    el.remove();
    backend.control.reset();
  }
  return { times };
}

/**
 * Requests each waiting `<etax-login>` makes, per transport, over a window of
 * `seconds` that starts `warmup` seconds after every QR is on screen; each
 * element has a backend (and request log) of its own.
 */
async function network({ hidden, seconds, warmup, perTransport }) {
  const items = [];
  for (const transport of ['sse', 'long-poll', 'poll']) {
    for (let i = 0; i < perTransport; i++) {
      const backend = serve();
      items.push({ transport, backend, el: mount(backend, { transport }) });
    }
  }
  await until(() => items.every((it) => qrOf(it.el)), 'every QR');
  if (hidden) setHidden(true);
  const start = Date.now() + warmup * 1000;
  const end = start + seconds * 1000;
  await sleep(end - Date.now() + 250);
  const result = items.map(({ transport, backend, el }) => {
    const inWindow = (at) => at >= start && at < end;
    const requests = backend.control.requests.filter((r) => inWindow(r.at));
    const messages = streamMessages.filter((m) => m.url.includes(`${backend.baseUrl}/`) && inWindow(m.at));
    const flows = backend.control.flows;
    return {
      transport,
      requests: requests.length,
      paths: requests.map((r) => `${r.method} ${r.path.replace(/\?.*/, '').replace(/\/f[0-9a-f]+/, '/{id}')}`),
      streamMessages: messages.length,
      openStreams: flows.reduce((n, f) => n + f.streams, 0),
      flows: flows.length,
      shows: qrOf(el) ? 'qr' : (panelOf(el)?.shadowRoot?.querySelector('[part~="status"]')?.textContent ?? '').trim(),
    };
  });
  for (const it of items) it.el.remove();
  if (hidden) setHidden(false);
  return { result, window: { seconds, warmup } };
}

/* ------------------------------------------------- mount/unmount mid-flow */

let cycleBackend;
/** Where each cycle removes the element: every stage of a journey that keeps something open. */
const STAGES = {
  /** Capabilities and the QR flow on their way (the backend answers after 300 ms). */
  async loading(b) {
    b.control.setLatency(300);
    const el = mount(b);
    await sleep(30);
    el.remove();
    // The client asks for the QR flow beside the capabilities: the mock creates that flow when it
    // answers, after the element has gone. Let it, so the next stage's flow is the newest one.
    const starting = (r) => r.path === '/v1/capabilities' || r.path === '/v1/flows/qr';
    await until(() => b.control.requests.filter(starting).every((r) => r.status), 'the answers of the removed element');
    b.control.setLatency(0);
  },
  /** QR on show, SSE stream open, QR and flow timers and the countdown running. */
  async sse(b) {
    const el = mount(b, { transport: 'sse' });
    await until(() => qrOf(el), 'the QR');
    await streamReady(b, 'sse');
    el.remove();
  },
  /** QR on show, a long-poll held by the server. */
  async longPoll(b) {
    const el = mount(b, { transport: 'long-poll' });
    await until(() => qrOf(el), 'the QR');
    await streamReady(b, 'long-poll');
    el.remove();
  },
  /** QR on show, the next poll scheduled. */
  async poll(b) {
    const el = mount(b, { transport: 'poll' });
    await until(() => qrOf(el), 'the QR');
    el.remove();
  },
  /** Scanned, waiting for the phone's confirmation. */
  async scanned(b) {
    const el = mount(b);
    await until(() => qrOf(el), 'the QR');
    await streamReady(b, 'sse');
    b.control.scan('etax');
    await until(() => scannedOf(el), 'the scanned overlay');
    el.remove();
  },
  /** Password accepted, the step-up dialog open (QR flow retired, password flow streaming). */
  async stepUp(b) {
    const el = mount(b);
    await until(() => qrOf(el), 'the QR');
    await submitPassword(el);
    await until(() => dialogOpen(el), 'the step-up dialog');
    el.remove();
  },
  /** SMS sent: resend countdown and WebOTP request running. */
  async sms(b) {
    const el = mount(b);
    await until(() => qrOf(el), 'the QR');
    await submitPassword(el);
    await until(() => dialogOpen(el), 'the step-up dialog');
    await sendSms(el, b);
    el.remove();
  },
  /** Face QR of the step-up on show. */
  async face(b) {
    const el = mount(b);
    await until(() => qrOf(el), 'the QR');
    await submitPassword(el);
    await until(() => dialogOpen(el), 'the step-up dialog');
    (await method(el, 'face_iit')).click();
    await until(() => faceQrOf(el), 'the face QR');
    el.remove();
  },
};

/** `n` cycles of mount → a stage mid-flow → removal, the stages (all, or those named) in turn. */
async function cycles(n, offset = 0, names = Object.keys(STAGES)) {
  cycleBackend ??= serve();
  const done = {};
  for (let i = 0; i < n; i++) {
    const name = names[(offset + i) % names.length];
    await STAGES[name](cycleBackend);
    done[name] = (done[name] ?? 0) + 1;
  }
  return { done, flows: cycleBackend.control.flows.length, elements: document.querySelectorAll('etax-login').length };
}

/** Forgets the mock's flows, streams and timers (so only the elements' memory is compared). */
function resetMock() {
  cycleBackend?.control.reset();
}

let probeElement;
/**
 * Mounts one `<etax-login>` at the SMS step (or removes it again): while it is
 * mounted the counters must see its own timers, EventSource, channel and WebOTP
 * request, which shows they would see them left behind.
 */
async function probe(on) {
  if (!on) {
    probeElement?.remove();
    probeElement = undefined;
    return;
  }
  cycleBackend ??= serve();
  const el = (probeElement = mount(cycleBackend));
  await until(() => qrOf(el), 'the QR');
  await submitPassword(el);
  await until(() => dialogOpen(el), 'the step-up dialog');
  await sendSms(el, cycleBackend);
}

/** Removed `<etax-login>` elements still in memory (call after a garbage collection). */
function retained() {
  return { mounted: mounted.length, retained: mounted.filter((r) => r.deref() && !r.deref().isConnected).length };
}

/* ------------------------------------------------------------------ journey */

/**
 * A person's two journeys, with the long tasks of each part: the page loads
 * the drop-in and shows the QR; QR login (scan, confirm on the phone, success);
 * then a new block, password (自然人业务) → step-up by SMS → success.
 */
async function journey() {
  const backend = serve();
  const marks = {};
  const el = mount(backend);
  marks.start = performance.now();
  await import(DROP_IN);
  await until(() => qrOf(el), 'the QR');
  marks.qrShown = await painted();
  await streamReady(backend, 'sse');
  marks.qrStart = performance.now();
  backend.control.scan('etax');
  await until(() => scannedOf(el), 'the scanned overlay');
  backend.control.confirm();
  await until(() => successOf(el), 'QR login success');
  marks.qrDone = await painted();
  el.remove();

  const el2 = mount(backend);
  marks.passwordStart = performance.now();
  await until(() => qrOf(el2), 'the QR');
  await submitPassword(el2);
  await until(() => dialogOpen(el2), 'the step-up dialog');
  const code = await sendSms(el2, backend);
  await verifySms(el2, code);
  await until(() => successOf(el2), 'password login success');
  marks.passwordDone = await painted();
  el2.remove();
  await sleep(200); // long-task entries arrive after their task
  const part = (from, to) => ({ ms: marks[to] - marks[from], longTasks: tasksBetween(marks[from], marks[to]) });
  return {
    load: part('start', 'qrShown'),
    qrLogin: part('qrStart', 'qrDone'),
    passwordSms: part('passwordStart', 'passwordDone'),
  };
}

/* -------------------------------------------------------------------- start */

if (['first-qr', 'floor', 'floor-requests'].includes(scenario)) {
  const what = scenario === 'first-qr' ? 'element' : scenario;
  window.benchResult = await firstQr(what).catch((e) => ({ error: String(e?.stack ?? e) }));
} else if (scenario === 'journey') {
  window.benchResult = await journey().catch((e) => ({ error: String(e?.stack ?? e) }));
} else {
  await import(DROP_IN);
  window.bench = {
    qrPathTimes,
    qrRenderTimes,
    showQr,
    cameraView,
    stateLatency,
    network,
    cycles,
    resetMock,
    retained,
    probe,
  };
}
