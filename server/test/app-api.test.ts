// The app API over real sockets: what the tax apps' backend does to a login a
// page started over HTTP, signed as docs/app-api.md says — each signing rule,
// the account checks, every endpoint, the page as the phone is shown it, and
// the test outbox (off by default, and only for test accounts).
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { FlowCreated, FlowState } from '../../src/client/protocol.js';
import { Engine, MemoryDirectory, MemoryStore } from '../../src/engine/index.js';
import { DEFAULT_FIXTURE, DEFAULT_PASSWORD } from '../../src/mock/fixtures.js';
import {
  APP_SIGNATURE,
  APP_TIMESTAMP,
  browserOf,
  canonicalRequest,
  createAppApi,
  signRequest,
  type AppApiOptions,
  type AppFlowView,
} from '../src/app-api.js';
import { startHost, type RunningHost } from '../src/host.js';
import { DevOutbox } from '../src/outbox.js';

const BASE = '/api/etax-login';
const APP = '/app-api';
const CURRENT = 'current-secret-0123456789abcdef-0123456789';
const PREVIOUS = 'previous-secret-0123456789abcdef-012345678';
const OTHER = 'another-secret-0123456789abcdef-0123456789';
const WANG = '91310110666007217T';
const CHROME =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';

const hosts: RunningHost[] = [];
after(() => Promise.all(hosts.map((h) => h.close())));

interface Start {
  secrets?: string[];
  store?: MemoryStore;
  testOutbox?: boolean;
  placeOf?: AppApiOptions['placeOf'];
}

/** A host with the app API (unless no secret), its engine on `store`, the demo accounts (all but 李强 test accounts). */
async function start({ secrets = [CURRENT, PREVIOUS], store = new MemoryStore(), testOutbox, placeOf }: Start = {}) {
  const lines: Record<string, unknown>[] = [];
  const log = (l: Record<string, unknown>) => lines.push(l);
  const directory = new MemoryDirectory({
    ...DEFAULT_FIXTURE,
    accounts: DEFAULT_FIXTURE.accounts.map((a) => ({ ...a, test: a.id !== 'liqiang' })),
  });
  const sms = new DevOutbox(log);
  const engine = new Engine({ accounts: directory, store, sms });
  const api = secrets.length
    ? createAppApi({
        engine,
        secrets,
        ...(testOutbox ? { testOutbox: sms.testOutbox(directory) } : {}),
        ...(placeOf ? { placeOf } : {}),
        log,
      })
    : undefined;
  const host = await startHost({
    engine,
    basePath: BASE,
    log,
    metrics: false,
    ...(api ? { appApi: { basePath: APP, fetch: (r: Request) => api.fetch(r) } } : {}),
  });
  hosts.push(host);

  /** A request of the page's API, as the element sends it. */
  const page = async <T>(
    path: string,
    {
      token,
      json,
      method,
      headers: more,
    }: { token?: string; json?: unknown; method?: string; headers?: Record<string, string> } = {},
  ) => {
    const headers: Record<string, string> = { 'Etax-Request': '1', ...more };
    if (token) headers.Authorization = `Bearer ${token}`;
    if (json !== undefined) headers['Content-Type'] = 'application/json';
    const r = await fetch(`${host.url}${BASE}${path}`, {
      method: method ?? (json === undefined ? 'GET' : 'POST'),
      headers,
      ...(json !== undefined ? { body: JSON.stringify(json) } : {}),
    });
    return { status: r.status, body: (await r.json()) as T };
  };
  const qr = async () => (await page<FlowCreated>('/v1/flows/qr', { json: {} })).body;
  const stateOf = async (f: FlowCreated) =>
    (await page<FlowState>(`/v1/flows/${f.flowId}`, { token: f.flowToken })).body;

  /**
   * A request of the app API, signed as the app backend signs it; `sign`
   * changes what is signed (to send something else than what was signed).
   */
  const app = async <T = AppFlowView>(
    path: string,
    body: unknown,
    {
      secret = CURRENT,
      timestamp = Math.floor(Date.now() / 1000),
      sign = {},
      headers = {},
    }: {
      secret?: string;
      timestamp?: number;
      sign?: { path?: string; body?: string };
      headers?: Record<string, string>;
    } = {},
  ) => {
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    const signature = signRequest(secret, {
      method: 'POST',
      path: sign.path ?? `${APP}${path}`,
      timestamp,
      body: sign.body ?? text,
    });
    const r = await fetch(`${host.url}${APP}${path}`, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        [APP_TIMESTAMP]: String(timestamp),
        [APP_SIGNATURE]: signature,
        ...headers,
      },
      body: text,
    });
    const answer = r.headers.get('Content-Type')?.includes('json') ? await r.json() : await r.text();
    return { status: r.status, body: answer as T, error: (answer as { error?: { code: string } }).error?.code };
  };

  /** A QR login on the page, scanned by the app signed in to `account`. */
  const scanned = async (account = 'wangxiuying', scanner: 'etax' | 'iit' = 'etax') => {
    const f = await qr();
    const payload = (f.state as { qr: { payload: string } }).qr.payload;
    const scan = await app('/v1/scan', { account, app: scanner, payload });
    assert.equal(scan.status, 200, JSON.stringify(scan.body));
    return { f, scan: scan.body, payload };
  };

  /** A password login of 王秀英 on the page, waiting at the face QR of `method`. */
  const faceWaiting = async (method: 'face_iit' | 'face_etax' = 'face_iit') => {
    const f = (
      await page<FlowCreated>('/v1/flows/password', {
        json: { entry: 'enterprise', fields: { taxpayerId: WANG, account: 'wangxiuying' }, password: DEFAULT_PASSWORD },
      })
    ).body;
    const waiting = await page<FlowState>(`/v1/flows/${f.flowId}/step-up`, { token: f.flowToken, json: { method } });
    assert.equal(waiting.body.status, 'face_waiting');
    return { f, payload: (waiting.body as { qr: { payload: string } }).qr.payload };
  };

  return { host, engine, store, lines, page, qr, stateOf, app, scanned, faceWaiting };
}

describe('app API: signing', () => {
  it('takes a request signed with the current secret, and with the previous one while it rotates', async () => {
    const { app, scanned } = await start();
    const { f } = await scanned();
    const seen = await app(`/v1/flows/${f.flowId}`, { account: 'wangxiuying' }, { secret: PREVIOUS });
    assert.equal(seen.status, 200);
    assert.equal(seen.body.status, 'qr_scanned');
  });

  it('refuses a third secret, a changed signature, and a request without one (401)', async () => {
    const { host, app, scanned, stateOf, lines } = await start();
    const { f } = await scanned();
    const path = `/v1/flows/${f.flowId}/confirm`;
    const other = await app(path, { account: 'wangxiuying' }, { secret: OTHER });
    assert.deepEqual([other.status, other.error], [401, 'unauthorized']);
    const flipped = signRequest(CURRENT, {
      method: 'POST',
      path: `${APP}${path}`,
      timestamp: Math.floor(Date.now() / 1000),
      body: JSON.stringify({ account: 'wangxiuying' }),
    }).replace(/.$/, (c) => (c === '0' ? '1' : '0'));
    const changed = await app(path, { account: 'wangxiuying' }, { headers: { [APP_SIGNATURE]: flipped } });
    assert.equal(changed.status, 401);
    const bare = await fetch(`${host.url}${APP}${path}`, {
      method: 'POST',
      body: JSON.stringify({ account: 'wangxiuying' }),
    });
    assert.equal(bare.status, 401);
    const upper = await app(path, { account: 'wangxiuying' }, { headers: { [APP_SIGNATURE]: flipped.toUpperCase() } });
    assert.equal(upper.status, 401);
    // None of them confirmed.
    assert.equal((await stateOf(f)).status, 'qr_scanned');
    assert.ok(lines.some((l) => l.msg === 'app API request refused' && l.reason === 'signature'));
  });

  it('refuses a timestamp more than 300 s old or ahead, and takes one within', async () => {
    const { app, scanned } = await start();
    const { f } = await scanned();
    const now = Math.floor(Date.now() / 1000);
    const view = (timestamp: number) => app(`/v1/flows/${f.flowId}`, { account: 'wangxiuying' }, { timestamp });
    assert.equal((await view(now - 301)).status, 401);
    assert.equal((await view(now + 301)).status, 401);
    assert.equal((await view(now - 299)).status, 200);
    assert.equal((await view(now + 299)).status, 200);
  });

  it('refuses a replay, on this instance and on another over the same store', async () => {
    const store = new MemoryStore();
    const one = await start({ store });
    const two = await start({ store });
    const { f } = await one.scanned();
    const timestamp = Math.floor(Date.now() / 1000);
    const path = `/v1/flows/${f.flowId}`;
    assert.equal((await one.app(path, { account: 'wangxiuying' }, { timestamp })).status, 200);
    const again = await one.app(path, { account: 'wangxiuying' }, { timestamp });
    assert.deepEqual([again.status, again.error], [401, 'unauthorized']);
    assert.equal((await two.app(path, { account: 'wangxiuying' }, { timestamp })).status, 401);
    // The same request with a nonce of its own is another request.
    assert.equal((await two.app(path, { account: 'wangxiuying', nonce: 'n2' }, { timestamp })).status, 200);
  });

  it('refuses a body or a path other than the one signed', async () => {
    const { app, scanned, stateOf } = await start();
    const { f } = await scanned();
    const confirm = `/v1/flows/${f.flowId}/confirm`;
    const body = await app(
      confirm,
      { account: 'wangxiuying', matchCode: '00' },
      { sign: { body: JSON.stringify({ account: 'wangxiuying' }) } },
    );
    assert.equal(body.status, 401);
    const path = await app(
      confirm,
      { account: 'wangxiuying' },
      { sign: { path: `${APP}/v1/flows/${f.flowId}/refuse` } },
    );
    assert.equal(path.status, 401);
    const query = await app(`${confirm}?x=1`, { account: 'wangxiuying' }, { sign: { path: `${APP}${confirm}` } });
    assert.equal(query.status, 401);
    assert.equal((await stateOf(f)).status, 'qr_scanned');
    // Signed as sent, with its query, it passes.
    assert.equal((await app(`${confirm}?x=1`, { account: 'wangxiuying' })).body.status, 'authenticated');
  });

  it('is not there at all without a secret, and takes at most two secrets of 32 characters', async () => {
    const { host, app, qr, stateOf } = await start({ secrets: [] });
    const f = await qr();
    const payload = (f.state as { qr: { payload: string } }).qr.payload;
    const scan = await app('/v1/scan', { account: 'wangxiuying', app: 'etax', payload });
    assert.equal(scan.status, 404);
    assert.equal((await fetch(`${host.url}${APP}/v1/scan`, { method: 'POST' })).status, 404);
    assert.equal((await stateOf(f)).status, 'qr_waiting');
    const engine = new Engine({ accounts: new MemoryDirectory(DEFAULT_FIXTURE) });
    assert.throws(() => createAppApi({ engine, secrets: [CURRENT, PREVIOUS, OTHER] }), RangeError);
    assert.throws(() => createAppApi({ engine, secrets: ['short'] }), RangeError);
  });

  it('computes the worked example of docs/app-api.md', async () => {
    const doc = await readFile(fileURLToPath(new URL('../../docs/app-api.md', import.meta.url)), 'utf8');
    const example = /```text\n# worked example\n([\s\S]*?)```/.exec(doc)?.[1];
    assert.ok(example, 'the worked example block');
    const field = (name: string) => new RegExp(`^${name}: (.*)$`, 'm').exec(example)![1];
    const body = field('body');
    const canonical = canonicalRequest(field('method'), field('path'), field('timestamp'), body);
    assert.equal(field('body SHA-256'), canonical.split('\n')[3]);
    assert.equal(field('canonical').replaceAll('\\n', '\n'), canonical);
    assert.equal(
      signRequest(field('secret'), {
        method: field('method'),
        path: field('path'),
        timestamp: field('timestamp'),
        body,
      }),
      field('signature'),
    );
  });
});

describe('app API: for the account the app is signed in to', () => {
  it('lets only the account that scanned confirm, refuse, cancel, go back or see the flow (403)', async () => {
    const { app, scanned, stateOf } = await start();
    const { f } = await scanned('wangxiuying');
    for (const action of ['', '/confirm', '/refuse', '/cancel', '/back']) {
      const other = await app(`/v1/flows/${f.flowId}${action}`, { account: 'liqiang' });
      assert.deepEqual([other.status, other.error], [403, 'forbidden'], action);
      assert.ok(!JSON.stringify(other.body).includes('qr_scanned'));
    }
    assert.equal((await stateOf(f)).status, 'qr_scanned');
    // A second phone cannot scan the QR while the first is on its confirmation screen (§6.4).
    const f2 = await scanned('wangxiuying');
    const again = await app('/v1/scan', {
      account: 'liqiang',
      app: 'iit',
      payload: (f2.f.state as { qr: { payload: string } }).qr.payload,
    });
    assert.deepEqual([again.status, again.error], [409, 'invalid_state']);
  });

  it('accepts a face QR only from the account that logged in, with the method’s own app', async () => {
    const { app, faceWaiting, stateOf } = await start();
    const { f, payload } = await faceWaiting('face_iit');
    const other = await app('/v1/scan', { account: 'liqiang', app: 'iit', payload });
    assert.deepEqual([other.status, other.error], [403, 'forbidden']);
    const wrongApp = await app('/v1/scan', { account: 'wangxiuying', app: 'etax', payload });
    assert.deepEqual([wrongApp.status, wrongApp.error], [409, 'invalid_state']);
    assert.equal((await stateOf(f)).status, 'face_waiting');
    const mine = await app('/v1/scan', { account: 'wangxiuying', app: 'iit', payload });
    assert.equal(mine.status, 200);
    assert.deepEqual(mine.body, {
      flowId: f.flowId,
      kind: 'face',
      status: 'face_scanned',
      app: 'iit',
      method: 'face_iit',
      expiresIn: mine.body.expiresIn,
      page: {},
    });
    for (const action of ['/face', '/face/result']) {
      const refused = await app(`/v1/flows/${f.flowId}${action}`, { account: 'liqiang', passed: true });
      assert.deepEqual([refused.status, refused.error], [403, 'forbidden'], action);
    }
    assert.equal((await stateOf(f)).status, 'face_scanned');
  });

  it('refuses an account the directory does not know, and a body without an account', async () => {
    const { app, qr } = await start();
    const f = await qr();
    const payload = (f.state as { qr: { payload: string } }).qr.payload;
    assert.deepEqual((await app('/v1/scan', { account: 'nobody', app: 'etax', payload })).status, 403);
    const none = await app<{ error: { field: string } }>('/v1/scan', { app: 'etax', payload });
    assert.deepEqual([none.status, none.error, none.body.error.field], [400, 'invalid_request', 'account']);
    assert.equal((await app('/v1/scan', 'not json')).status, 400);
    const nonce = await app<{ error: { field: string } }>('/v1/scan', { account: 'wangxiuying', nonce: 7 });
    assert.deepEqual([nonce.status, nonce.body.error.field], [400, 'nonce']);
    assert.equal((await app('/v1/scan', { account: 'wangxiuying', app: 'wechat', payload })).status, 400);
  });
});

describe('app API: every endpoint, with a page driving its flow over HTTP', () => {
  it('scan shows the match code and the page, never the token or payload; confirm logs the page in', async () => {
    const places: string[] = [];
    const { app, engine, page } = await start({ placeOf: (a) => (places.push(a), '湖北省武汉市') });
    // The page's description, as the wire records it at creation.
    const f = await engine.createQr(
      {},
      { origin: 'https://etax.example.gov.cn', userAgent: CHROME, address: '203.0.113.7' },
    );
    const qr = (f.state as { qr: { payload: string; matchCode: string } }).qr;
    const scan = await app('/v1/scan', { account: 'wangxiuying', app: 'etax', payload: qr.payload });
    assert.deepEqual(scan.body, {
      flowId: f.flowId,
      kind: 'login',
      status: 'qr_scanned',
      app: 'etax',
      matchCode: qr.matchCode,
      expiresIn: scan.body.expiresIn,
      page: { origin: 'https://etax.example.gov.cn', browser: 'Chrome 131 · Windows', place: '湖北省武汉市' },
    });
    assert.ok(scan.body.expiresIn! > 290 && scan.body.expiresIn! <= 300);
    const text = JSON.stringify(scan.body);
    assert.ok(!text.includes(qr.payload) && !text.includes(f.flowToken));
    assert.deepEqual(places, ['203.0.113.7']);

    const seen = await page<FlowState>(`/v1/flows/${f.flowId}`, { token: f.flowToken });
    assert.deepEqual([seen.body.status, (seen.body as { app: string }).app], ['qr_scanned', 'etax']);
    const confirmed = await app(`/v1/flows/${f.flowId}/confirm`, { account: 'wangxiuying', matchCode: qr.matchCode });
    assert.equal(confirmed.body.status, 'authenticated');
    assert.equal(confirmed.body.matchCode, undefined);
    assert.equal((await page<FlowState>(`/v1/flows/${f.flowId}`, { token: f.flowToken })).body.status, 'authenticated');
    // Once ended, no action fits it.
    const late = await app(`/v1/flows/${f.flowId}/refuse`, { account: 'wangxiuying' });
    assert.deepEqual([late.status, late.error], [409, 'invalid_state']);
  });

  it('shows the page as its own request to the page API described it: origin and browser', async () => {
    const { app, page, host } = await start();
    const origin = new URL(host.url).origin;
    const f = (await page<FlowCreated>('/v1/flows/qr', { json: {}, headers: { Origin: origin, 'User-Agent': CHROME } }))
      .body;
    const payload = (f.state as { qr: { payload: string } }).qr.payload;
    const scan = await app('/v1/scan', { account: 'wangxiuying', app: 'iit', payload });
    // A loopback address names no place.
    assert.deepEqual(scan.body.page, { origin, browser: 'Chrome 131 · Windows' });
  });

  it('names no place for a private address, and only the browser for a page without origin', async () => {
    const places: string[] = [];
    const { app, engine } = await start({ placeOf: (a) => (places.push(a), '北京市') });
    for (const address of ['127.0.0.1', '10.1.2.3', '192.168.1.9', '::1', '::ffff:172.16.0.1']) {
      const f = await engine.createQr({}, { userAgent: CHROME, address });
      const payload = (f.state as { qr: { payload: string } }).qr.payload;
      const scan = await app('/v1/scan', { account: 'wangxiuying', app: 'iit', payload });
      assert.deepEqual(scan.body.page, { browser: 'Chrome 131 · Windows' }, address);
    }
    assert.deepEqual(places, []);
    assert.equal(browserOf(undefined), undefined);
    assert.equal(browserOf('curl/8.0'), undefined);
  });

  it('a wrong match code ends the login denied', async () => {
    const { app, scanned, stateOf } = await start();
    const { f, scan } = await scanned();
    const wrong = scan.matchCode === '00' ? '11' : '00';
    const answer = await app(`/v1/flows/${f.flowId}/confirm`, { account: 'wangxiuying', matchCode: wrong });
    assert.deepEqual([answer.body.status, answer.body.app], ['denied', 'etax']);
    assert.equal((await stateOf(f)).status, 'denied');
  });

  it('refuse, cancel and back, as the page sees them', async () => {
    const { app, scanned, stateOf } = await start();
    const refused = await scanned('liqiang', 'iit');
    assert.equal((await app(`/v1/flows/${refused.f.flowId}/refuse`, { account: 'liqiang' })).body.status, 'denied');
    assert.deepEqual(await stateOf(refused.f), { seq: 3, status: 'denied', app: 'iit' });

    const cancelled = await scanned();
    const answer = await app(`/v1/flows/${cancelled.f.flowId}/cancel`, { account: 'wangxiuying' });
    assert.deepEqual([answer.body.status, answer.body.by], ['cancelled', 'phone']);
    assert.deepEqual(await stateOf(cancelled.f), { seq: 3, status: 'cancelled', by: 'phone' });

    const back = await scanned();
    assert.equal((await app(`/v1/flows/${back.f.flowId}/back`, { account: 'wangxiuying' })).body.status, 'qr_waiting');
    assert.equal((await stateOf(back.f)).status, 'qr_waiting');
    // Back on the QR, the flow is nobody's again: another account may scan it.
    assert.equal((await app('/v1/scan', { account: 'liqiang', app: 'iit', payload: back.payload })).status, 200);
  });

  it('face: start, pass; start, fail with the attempts left; the view to refresh the screen', async () => {
    const { app, faceWaiting, stateOf } = await start();
    const passing = await faceWaiting('face_etax');
    await app('/v1/scan', { account: 'wangxiuying', app: 'etax', payload: passing.payload });
    const started = await app(`/v1/flows/${passing.f.flowId}/face`, { account: 'wangxiuying' });
    assert.deepEqual([started.body.status, started.body.method], ['face_verifying', 'face_etax']);
    assert.equal((await stateOf(passing.f)).status, 'face_verifying');
    const passed = await app(`/v1/flows/${passing.f.flowId}/face/result`, { account: 'wangxiuying', passed: true });
    assert.equal(passed.body.status, 'authenticated');
    assert.equal((await stateOf(passing.f)).status, 'authenticated');

    const failing = await faceWaiting('face_iit');
    await app('/v1/scan', { account: 'wangxiuying', app: 'iit', payload: failing.payload });
    await app(`/v1/flows/${failing.f.flowId}/face`, { account: 'wangxiuying' });
    const bad = await app(`/v1/flows/${failing.f.flowId}/face/result`, { account: 'wangxiuying', passed: 'no' });
    assert.deepEqual([bad.status, bad.error], [400, 'invalid_request']);
    const failed = await app(`/v1/flows/${failing.f.flowId}/face/result`, { account: 'wangxiuying', passed: false });
    assert.deepEqual([failed.body.status, failed.body.attemptsLeft], ['face_failed', 2]);
    const view = await app(`/v1/flows/${failing.f.flowId}`, { account: 'wangxiuying' });
    assert.deepEqual(view.body, { ...failed.body, expiresIn: view.body.expiresIn });
    assert.equal((await stateOf(failing.f)).status, 'face_failed');
  });

  it('answers 404 for a payload that is not on show, and for a flow that does not exist', async () => {
    const { app, scanned } = await start();
    const unknown = await app('/v1/scan', { account: 'wangxiuying', app: 'etax', payload: 'https://example/login/0' });
    assert.deepEqual([unknown.status, unknown.error], [404, 'flow_not_found']);
    const { f, payload } = await scanned();
    await app(`/v1/flows/${f.flowId}/refuse`, { account: 'wangxiuying' });
    // (A nonce: the same body in the same second would be the same request, refused as a replay.)
    const ended = await app('/v1/scan', { account: 'wangxiuying', app: 'etax', payload, nonce: '2' });
    assert.deepEqual([ended.status, ended.error], [404, 'flow_not_found']);
    assert.equal((await app('/v1/flows/f000000/confirm', { account: 'wangxiuying' })).status, 404);
  });
});

describe('app API: the test outbox', () => {
  /** An enterprise password login of `account` at the SMS step, a code sent. */
  async function smsSent(s: Awaited<ReturnType<typeof start>>, taxpayerId: string, account: string) {
    const f = (
      await s.page<FlowCreated>('/v1/flows/password', {
        json: { entry: 'enterprise', fields: { taxpayerId, account }, password: DEFAULT_PASSWORD },
      })
    ).body;
    assert.equal((await s.page(`/v1/flows/${f.flowId}/sms`, { token: f.flowToken, json: {} })).status, 200);
    return f;
  }

  it('is off by default', async () => {
    const s = await start();
    await smsSent(s, WANG, 'wangxiuying');
    const read = await s.app('/v1/test/sms-outbox', { account: 'wangxiuying' });
    assert.equal(read.status, 404);
  });

  it('on a test deployment, gives a test account its codes, which log the page in; other accounts get 403', async () => {
    const s = await start({ testOutbox: true });
    const f = await smsSent(s, WANG, 'wangxiuying');
    const read = await s.app<{
      messages: { flowId: string; code: string; text: string; sentAt: number; expiresAt: number }[];
    }>('/v1/test/sms-outbox', { account: 'wangxiuying' });
    assert.equal(read.status, 200);
    const [message] = read.body.messages;
    assert.equal(read.body.messages.length, 1);
    assert.equal(message.flowId, f.flowId);
    assert.match(message.code, /^\d{6}$/);
    assert.ok(message.text.includes(message.code));
    assert.equal(message.expiresAt - message.sentAt, 300_000);
    const done = await s.page<FlowState>(`/v1/flows/${f.flowId}/sms/verify`, {
      token: f.flowToken,
      json: { code: message.code },
    });
    assert.equal(done.body.status, 'authenticated');

    // 李强 is no test account: his codes stay on his phone.
    await smsSent(s, '91310115591693856A', 'liqiang');
    const refused = await s.app('/v1/test/sms-outbox', { account: 'liqiang' });
    assert.deepEqual([refused.status, refused.error], [403, 'forbidden']);
    // Another test account sees none of 王秀英's.
    assert.deepEqual((await s.app('/v1/test/sms-outbox', { account: 'zhaolei' })).body, { messages: [] });
  });
});
