/**
 * The portal's page in headless Chromium, through nginx: what the person reads,
 * what they click, and what the network shows — the flows the page created and
 * which instance answered each of its requests and streams (`Etax-Instance`).
 */
import assert from 'node:assert/strict';
import { after, before } from 'node:test';
import type { Browser, Page } from 'puppeteer-core';
import type { FlowCreated } from '../../../src/client/protocol.js';
import type { AppFlowView } from '../../src/app-api.js';
import { launchChromium } from '../chromium.js';
import { startCluster, type Cluster, type ClusterOptions } from '../cluster.js';

export interface Exchange {
  /** `sse`, `long-poll`, `poll`, `ws`, `create` or `other`. */
  kind: string;
  url: string;
  status: number;
  instance: string | undefined;
  /** Request headers the browser sent (`last-event-id`, …). */
  requestHeaders: Record<string, string>;
  /** When the request was sent and when its answer's headers came (`Date.now()`). */
  sentAt: number;
  answeredAt: number;
}

export interface PortalPage {
  readonly page: Page;
  /** Every answer the page got from the API, in order. */
  readonly exchanges: Exchange[];
  /** The flows the page created, in order. */
  readonly flows: FlowCreated[];
  /** Errors the page threw. */
  readonly errors: string[];
  /** The text a person reads in the element, through its shadow roots. */
  text(): Promise<string>;
  /** Resolves once the element shows `words`; fails with what it shows after `ms`. */
  shows(words: string, ms?: number): Promise<void>;
  /** Whether an element matches `selector`, looking through shadow roots. */
  has(selector: string): Promise<boolean>;
  /** Clicks the button whose text is `label`, looking through shadow roots. */
  clickButton(label: string): Promise<void>;
  /** Resolves with the QR flow the page shows, once it has one (the newest). */
  qrFlow(ms?: number): Promise<FlowCreated>;
  close(): Promise<void>;
}

const kindOf = (url: string, method: string): string => {
  const { pathname, searchParams } = new URL(url);
  if (pathname.endsWith('/events')) return 'sse';
  if (pathname.endsWith('/ws')) return 'ws';
  if (method === 'POST' && pathname.endsWith('/v1/flows/qr')) return 'create';
  if (method === 'GET' && /\/v1\/flows\/[^/]+$/.test(pathname)) return searchParams.has('wait') ? 'long-poll' : 'poll';
  return 'other';
};

export async function openPortal(browser: Browser, url: string): Promise<PortalPage> {
  const page = await browser.newPage();
  const exchanges: Exchange[] = [];
  const flows: FlowCreated[] = [];
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  const sent = new WeakMap<object, number>();
  page.on('request', (r) => sent.set(r, Date.now()));
  page.on('response', (r) => {
    if (!r.url().includes('/api/etax-login/')) return;
    const kind = kindOf(r.url(), r.request().method());
    exchanges.push({
      kind,
      url: r.url(),
      status: r.status(),
      instance: r.headers()['etax-instance'],
      requestHeaders: r.request().headers(),
      sentAt: sent.get(r.request()) ?? 0,
      answeredAt: Date.now(),
    });
    if (kind === 'create' && r.status() === 201) {
      void r.json().then(
        (f: FlowCreated) => flows.push(f),
        () => {},
      );
    }
  });
  // WebSocket upgrades are not responses to puppeteer: read them from the DevTools protocol.
  const cdp = await page.createCDPSession();
  await cdp.send('Network.enable');
  const sockets = new Map<string, { url: string; at: number }>();
  cdp.on('Network.webSocketCreated', (e) => sockets.set(e.requestId, { url: e.url, at: Date.now() }));
  cdp.on('Network.webSocketHandshakeResponseReceived', (e) => {
    const headers = Object.fromEntries(Object.entries(e.response.headers).map(([k, v]) => [k.toLowerCase(), v]));
    exchanges.push({
      kind: 'ws',
      url: sockets.get(e.requestId)?.url ?? '',
      status: e.response.status,
      instance: headers['etax-instance'],
      requestHeaders: {},
      sentAt: sockets.get(e.requestId)?.at ?? 0,
      answeredAt: Date.now(),
    });
  });

  const text = () =>
    page.evaluate(() => {
      const walk = (n: Node): string =>
        n instanceof Element && n.shadowRoot
          ? walk(n.shadowRoot) + [...n.childNodes].map(walk).join(' ')
          : n.nodeType === Node.TEXT_NODE
            ? (n.textContent ?? '')
            : [...n.childNodes].map(walk).join(' ');
      const login = document.querySelector('etax-login');
      return login ? walk(login).replace(/\s+/g, ' ') : '';
    });
  const has = (selector: string) =>
    page.evaluate((sel) => {
      const find = (root: ParentNode): boolean =>
        !!root.querySelector(sel) ||
        [...root.querySelectorAll('*')].some((el) => !!el.shadowRoot && find(el.shadowRoot));
      return find(document);
    }, selector);

  await page.goto(url);
  return {
    page,
    exchanges,
    flows,
    errors,
    text,
    has,
    async shows(words, ms = 10_000) {
      const end = Date.now() + ms;
      while (!(await text()).includes(words)) {
        if (Date.now() > end) throw new Error(`"${words}" never shown; the page says: ${await text()}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async clickButton(label) {
      await page.evaluate((wanted) => {
        const all = (root: ParentNode): HTMLElement[] => [
          ...root.querySelectorAll<HTMLElement>('button'),
          ...[...root.querySelectorAll('*')].flatMap((el) => (el.shadowRoot ? all(el.shadowRoot) : [])),
        ];
        const button = all(document).find((b) => b.textContent!.trim() === wanted);
        if (!button) throw new Error(`no button "${wanted}"`);
        button.click();
      }, label);
    },
    async qrFlow(ms = 10_000) {
      const end = Date.now() + ms;
      while (!flows.length || !(await has('svg[part="qr-code"] path'))) {
        if (Date.now() > end) throw new Error(`no login QR on the page; it says: ${await text()}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      return flows.at(-1)!;
    },
    close: () => page.close(),
  };
}

/**
 * A cluster and a headless Chromium for the tests of one file: started before
 * them, stopped after them, read through the returned object once started.
 */
export function clusterWithChromium(options: ClusterOptions = { instances: 2 }): {
  readonly cluster: Cluster;
  readonly browser: Browser;
} {
  const held = {} as { cluster: Cluster; browser: Browser };
  before(
    async () => {
      held.cluster = await startCluster(options);
      held.browser = await launchChromium();
    },
    { timeout: 60_000 },
  );
  after(
    async () => {
      await held.browser?.close();
      await held.cluster?.stop();
    },
    { timeout: 30_000 },
  );
  return held;
}

/** The page's QR, scanned by 王秀英's 电子税务局 app through the app API: the flow and its match code. */
export async function scanQr(cluster: Cluster, p: PortalPage) {
  const flow = await p.qrFlow();
  const payload = (flow.state as { qr: { payload: string } }).qr.payload;
  const scanned = await cluster.app<AppFlowView>('/v1/scan', { account: 'wangxiuying', app: 'etax', payload });
  assert.equal(scanned.status, 200, JSON.stringify(scanned.body));
  await p.shows('扫描成功');
  return { flow, matchCode: scanned.body.matchCode };
}
