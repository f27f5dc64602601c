// A server that holds under attack, over real sockets: limits per client address
// and per account answered 429 with Retry-After, the client's address behind
// trusted proxies only, identical answers for unknown accounts and wrong
// passwords, slow clients cut off while streams live on, open streams per
// address, the body limit of the app API, and the audit log.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import WebSocket from 'ws';
import type { FlowCreated } from '../../src/client/protocol.js';
import { Engine, MemoryStore, SmsOutbox, type EngineSettingsInput } from '../../src/engine/index.js';
import { DEFAULT_PASSWORD } from '../../src/mock/fixtures.js';
import type { AddressLimits } from '../../src/wire/handler.js';
import { DEMO_ACCOUNTS_FILE, loadAccounts } from '../src/accounts.js';
import { createAppApi } from '../src/app-api.js';
import { JsonLinesAudit, type AuditRecord } from '../src/audit.js';
import { startHost, type HostOptions } from '../src/host.js';

const BASE = '/api/etax-login';
/** The demo accounts as the server reads them: scrypt hashes. */
const accounts = await loadAccounts(DEMO_ACCOUNTS_FILE);

async function start(settings: EngineSettingsInput = {}, options: Partial<HostOptions> = {}) {
  const outbox = new SmsOutbox();
  const engine = new Engine({
    accounts,
    store: new MemoryStore(),
    sms: outbox,
    settings: { heartbeat: 0.2, ...settings },
  });
  const host = await startHost({ engine, basePath: BASE, sseRetry: 50, log: () => {}, ...options });
  const api = (path: string, init: RequestInit & { token?: string; json?: unknown; from?: string } = {}) => {
    const headers = new Headers(init.headers);
    headers.set('Etax-Request', '1');
    if (init.from) headers.set('X-Forwarded-For', init.from);
    if (init.token) headers.set('Authorization', `Bearer ${init.token}`);
    if (init.json !== undefined) headers.set('Content-Type', 'application/json');
    return fetch(`${host.url}${BASE}${path}`, {
      ...init,
      headers,
      ...(init.json !== undefined ? { method: 'POST', body: JSON.stringify(init.json) } : {}),
    });
  };
  const password = (account: string, pw: string, from?: string) =>
    api('/v1/flows/password', {
      json: { entry: 'individual', fields: { account }, password: pw },
      ...(from ? { from } : {}),
    });
  const qr = (from?: string) => api('/v1/flows/qr', { json: {}, ...(from ? { from } : {}) });
  return { host, engine, outbox, api, password, qr };
}

type Started = Awaited<ReturnType<typeof start>>;

/** Asserts a `429 rate_limited` with `Retry-After` in 1…`window` and the same `retryAfter` in the body. */
async function assertLimited(response: Response, window: number) {
  assert.equal(response.status, 429);
  const retry = Number(response.headers.get('retry-after'));
  assert.ok(retry >= 1 && retry <= window, `Retry-After ${response.headers.get('retry-after')}`);
  const body = (await response.json()) as { error: { code: string; retryAfter: number } };
  assert.equal(body.error.code, 'rate_limited');
  assert.equal(body.error.retryAfter, retry);
}

const limited = (limits: AddressLimits, settings: EngineSettingsInput = {}, options: Partial<HostOptions> = {}) =>
  start(settings, { limits, ...options });

async function closing(starting: Promise<Started>, fn: (s: Started) => Promise<void>) {
  const s = await starting;
  try {
    await fn(s);
  } finally {
    await s.host.close();
  }
}

describe('rate limits', () => {
  it('limits the requests of one client address, 429 with Retry-After', () =>
    closing(limited({ requests: { limit: 4, window: 60 } }), async (s) => {
      for (let i = 0; i < 4; i++) assert.equal((await s.api('/v1/capabilities')).status, 200);
      await assertLimited(await s.api('/v1/capabilities'), 60);
      // Every request of the API counts, and is refused, a flow's creation too.
      await assertLimited(await s.qr(), 60);
    }));

  it('limits the logins one address starts, tighter than its requests, QR and password together', () =>
    closing(limited({ requests: { limit: 100, window: 60 }, flows: { limit: 2, window: 60 } }), async (s) => {
      assert.equal((await s.qr()).status, 201);
      assert.equal((await s.password('wangxiuying', DEFAULT_PASSWORD)).status, 201);
      await assertLimited(await s.qr(), 60);
      await assertLimited(await s.password('wangxiuying', DEFAULT_PASSWORD), 60);
      // Other requests still go through.
      assert.equal((await s.api('/v1/capabilities')).status, 200);
    }));

  it('limits password attempts on one account beside the lock, whoever sends them', () =>
    closing(
      limited(
        { requests: { limit: 100, window: 60 } },
        { accountRateLimit: { limit: 3, window: 60 }, maxPasswordAttempts: 100 },
        { trustProxy: ['127.0.0.1'] },
      ),
      async (s) => {
        // From three addresses: the count is the account's.
        for (const from of ['198.51.100.1', '198.51.100.2', '198.51.100.3']) {
          assert.equal((await s.password('liqiang', 'wrong', from)).status, 401);
        }
        await assertLimited(await s.password('liqiang', 'wrong', '198.51.100.4'), 60);
        // Even the right password waits for the window: the attempts were used up.
        await assertLimited(await s.password('liqiang', DEFAULT_PASSWORD, '198.51.100.5'), 60);
        // Another account is not held back.
        assert.equal((await s.password('wangxiuying', DEFAULT_PASSWORD, '198.51.100.5')).status, 201);
      },
    ));

  it('counts in the engine store, so that a second instance on the same store refuses too', async () => {
    const store = new MemoryStore();
    const limits = { requests: { limit: 2, window: 60 } };
    const one = await startHost({ engine: new Engine({ accounts, store }), basePath: BASE, log: () => {}, limits });
    const two = await startHost({ engine: new Engine({ accounts, store }), basePath: BASE, log: () => {}, limits });
    try {
      assert.equal((await fetch(`${one.url}${BASE}/v1/capabilities`)).status, 200);
      assert.equal((await fetch(`${two.url}${BASE}/v1/capabilities`)).status, 200);
      await assertLimited(await fetch(`${one.url}${BASE}/v1/capabilities`), 60);
      await assertLimited(await fetch(`${two.url}${BASE}/v1/capabilities`), 60);
    } finally {
      await Promise.all([one.close(), two.close()]);
    }
  });
});

describe('the client address behind proxies', () => {
  it('ignores X-Forwarded-For (and X-Real-IP, Forwarded) from a socket that is no trusted proxy', () =>
    closing(limited({ requests: { limit: 2, window: 60 } }, {}, { trustProxy: ['10.0.0.0/8'] }), async (s) => {
      const created = (await (await s.qr('203.0.113.7')).json()) as FlowCreated;
      assert.equal((await s.engine.store.getFlow(created.flowId))?.client?.address, '127.0.0.1');
      // A new address in every spoofed header: still one client, the socket's.
      assert.equal(
        (await s.api('/v1/capabilities', { from: '203.0.113.8', headers: { 'X-Real-IP': '203.0.113.9' } })).status,
        200,
      );
      await assertLimited(
        await s.api('/v1/capabilities', { from: '203.0.113.10', headers: { Forwarded: 'for=203.0.113.11' } }),
        60,
      );
    }));

  it('from a trusted proxy, limits each forwarded address: the right-most one not a trusted proxy', () =>
    closing(
      limited({ requests: { limit: 2, window: 60 } }, {}, { trustProxy: ['127.0.0.1', '10.0.0.0/8'] }),
      async (s) => {
        // The client put a lie first; the proxies (10.1.1.1 a trusted one) appended what they saw.
        const created = (await (await s.qr('1.2.3.4, 203.0.113.7, 10.1.1.1')).json()) as FlowCreated;
        assert.equal((await s.engine.store.getFlow(created.flowId))?.client?.address, '203.0.113.7');
        assert.equal((await s.api('/v1/capabilities', { from: '5.6.7.8, 203.0.113.7' })).status, 200);
        await assertLimited(await s.api('/v1/capabilities', { from: '203.0.113.7' }), 60);
        // Another client behind the same proxy has its own count.
        assert.equal((await s.api('/v1/capabilities', { from: '203.0.113.8' })).status, 200);
        // X-Real-IP is not believed even from the proxy: without X-Forwarded-For the client is the proxy.
        assert.equal((await s.api('/v1/capabilities', { headers: { 'X-Real-IP': '203.0.113.9' } })).status, 200);
        assert.equal((await s.api('/v1/capabilities', { headers: { 'X-Real-IP': '203.0.113.10' } })).status, 200);
        await assertLimited(await s.api('/v1/capabilities', { headers: { 'X-Real-IP': '203.0.113.11' } }), 60);
      },
    ));
});

describe('IPv6 clients', () => {
  it('count by their /64, which one subscriber holds whole', () =>
    closing(limited({ requests: { limit: 2, window: 60 } }, {}, { trustProxy: ['127.0.0.1'] }), async (s) => {
      const created = (await (await s.qr('2001:db8:1:2::5')).json()) as FlowCreated;
      // The flow keeps the whole address; the limit counts the network.
      assert.equal((await s.engine.store.getFlow(created.flowId))?.client?.address, '2001:db8:1:2::5');
      assert.equal((await s.api('/v1/capabilities', { from: '2001:db8:1:2:ffff:1:2:3' })).status, 200);
      await assertLimited(await s.api('/v1/capabilities', { from: '2001:db8:1:2::abcd' }), 60);
      assert.equal((await s.api('/v1/capabilities', { from: '2001:db8:1:3::5' })).status, 200);
      // An IPv4 address written as IPv6 is that IPv4 address.
      assert.equal((await s.api('/v1/capabilities', { from: '::ffff:198.51.100.20' })).status, 200);
      assert.equal((await s.api('/v1/capabilities', { from: '198.51.100.20' })).status, 200);
      await assertLimited(await s.api('/v1/capabilities', { from: '::ffff:198.51.100.20' }), 60);
    }));
});

describe('unknown accounts and wrong passwords', () => {
  it('answer alike: status, body and headers', () =>
    closing(start(), async (s) => {
      const answer = async (account: string) => {
        const r = await s.password(account, 'not-the-password');
        const headers = [...r.headers].filter(([name]) => name !== 'date');
        return { status: r.status, headers, body: await r.text() };
      };
      const unknown = await answer('nosuchperson');
      const wrong = await answer('liqiang');
      assert.equal(wrong.status, 401);
      assert.deepEqual(unknown, wrong);
    }));
});

describe('slow clients and open streams', () => {
  it('cuts off a client that never finishes its headers, while an SSE stream lives past the bound', () =>
    closing(start({}, { timeouts: { headers: 1, request: 1, keepAlive: 1 } }), async (s) => {
      const created = (await (await s.qr()).json()) as FlowCreated;
      const stream = await fetch(`${s.host.url}${BASE}/v1/flows/${created.flowId}/events?token=${created.flowToken}`, {
        headers: { Accept: 'text/event-stream' },
      });
      assert.equal(stream.status, 200);
      const opened = performance.now();

      const started = performance.now();
      const slow = connect(Number(new URL(s.host.url).port), '127.0.0.1');
      slow.on('error', () => {});
      slow.write(`GET ${BASE}/v1/capabilities HTTP/1.1\r\nHost: 127.0.0.1\r\n`);
      // One more header line now and then, never the blank line that ends them.
      const drip = setInterval(() => slow.write('X-Slow: 1\r\n'), 100);
      const cut = await Promise.race([
        new Promise<number>((resolve) => slow.on('close', () => resolve(performance.now() - started))),
        new Promise<number>((resolve) => setTimeout(() => resolve(Infinity), 5000)),
      ]);
      clearInterval(drip);
      slow.destroy();
      // The bound: the headers timeout, plus Node's check of it (every half of it here).
      assert.ok(cut <= 2500, `a slow client was cut off after ${Math.round(cut)} ms`);

      // The stream goes on past twice the request timeout: heartbeats keep coming.
      const reader = stream.body!.pipeThrough(new TextDecoderStream()).getReader();
      let text = '';
      while (performance.now() - opened < 2500) {
        const { done, value } = await reader.read();
        assert.ok(!done, 'the stream ended');
        text += value;
      }
      assert.ok(text.includes('event: heartbeat'));
      await reader.cancel();
    }));

  it('holds to the open streams per address: SSE answered 429, WebSocket closed 1013', () =>
    closing(limited({ streams: 2 }), async (s) => {
      const created = (await (await s.qr()).json()) as FlowCreated;
      const sse = () =>
        fetch(`${s.host.url}${BASE}/v1/flows/${created.flowId}/events?token=${created.flowToken}`, {
          headers: { Accept: 'text/event-stream' },
        });
      const first = await sse();
      const second = await sse();
      assert.deepEqual([first.status, second.status], [200, 200]);
      await assertLimited(await sse(), 10);

      const ws = new WebSocket(`${s.host.url.replace('http', 'ws')}${BASE}/v1/flows/${created.flowId}/ws`);
      ws.on('open', () => ws.send(JSON.stringify({ type: 'auth', token: created.flowToken })));
      assert.equal(await new Promise<number>((resolve) => ws.on('close', (code) => resolve(code))), 1013);

      // A stream closed makes room for another.
      await first.body!.cancel();
      while (s.host.wire.streams.size > 1) await new Promise((r) => setImmediate(r));
      const third = await sse();
      assert.equal(third.status, 200);
      await Promise.all([second.body!.cancel(), third.body!.cancel()]);
    }));

  it('refuses a body over the limit on the app API too', async () => {
    const engine = new Engine({ accounts, store: new MemoryStore() });
    const appApi = createAppApi({
      engine,
      secrets: ['current-secret-0123456789abcdef-0123456789'],
      basePath: '/app-api',
      window: 300,
      log: () => {},
    });
    const host = await startHost({
      engine,
      basePath: BASE,
      log: () => {},
      maxBody: 1024,
      appApi: { basePath: '/app-api', fetch: (r) => appApi.fetch(r) },
    });
    try {
      const big = await fetch(`${host.url}/app-api/v1/scan`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ payload: 'x'.repeat(4096) }),
      });
      assert.equal(big.status, 400);
      assert.match(((await big.json()) as { error: { message: string } }).error.message, /过大/);
    } finally {
      await host.close();
    }
  });
});

describe('the audit log', () => {
  it('records every login attempt and outcome as JSON lines, with no password, code, token or QR payload', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'etax-audit-'));
    const file = join(dir, 'audit.jsonl');
    const audit = new JsonLinesAudit(file, 'test-instance');
    const s = await start(
      { maxPasswordAttempts: 2 },
      { audit, limits: { requests: { limit: 100, window: 60 }, flows: { limit: 9, window: 60 } } },
    );
    const secrets: string[] = [];
    try {
      assert.equal((await s.password('nosuchperson', 'secret-pw-1')).status, 401);
      assert.equal((await s.password('liqiang', 'secret-pw-2')).status, 401);
      assert.equal((await s.password('liqiang', 'secret-pw-3')).status, 423);
      assert.equal((await s.password('liqiang', DEFAULT_PASSWORD)).status, 423);
      secrets.push('secret-pw-1', 'secret-pw-2', 'secret-pw-3', DEFAULT_PASSWORD);

      // A password login with a wrong SMS code, then the right one.
      const flow = (await (await s.password('wangxiuying', DEFAULT_PASSWORD)).json()) as FlowCreated;
      secrets.push(flow.flowToken);
      assert.equal((await s.api(`/v1/flows/${flow.flowId}/sms`, { json: {}, token: flow.flowToken })).status, 200);
      const code = s.outbox.messages.at(-1)!.code;
      secrets.push(code);
      const wrongCode = code === '000000' ? '111111' : '000000';
      const bad = await s.api(`/v1/flows/${flow.flowId}/sms/verify`, {
        json: { code: wrongCode },
        token: flow.flowToken,
      });
      assert.equal(bad.status, 400);
      const good = await s.api(`/v1/flows/${flow.flowId}/sms/verify`, { json: { code }, token: flow.flowToken });
      assert.equal(good.status, 200);

      // A QR login refused on the phone.
      const q = (await (await s.qr()).json()) as FlowCreated;
      secrets.push(q.flowToken, (q.state as { qr: { payload: string } }).qr.payload);
      await s.engine.scan(q.flowId, 'etax', 'wangxiuying');
      await s.engine.deny(q.flowId);
      // A face check that fails, then a login that runs out of time after the password.
      const face = (await (await s.password('wangxiuying', DEFAULT_PASSWORD)).json()) as FlowCreated;
      secrets.push(face.flowToken);
      const shown = await s.api(`/v1/flows/${face.flowId}/step-up`, {
        json: { method: 'face_iit' },
        token: face.flowToken,
      });
      secrets.push(((await shown.json()) as { qr: { payload: string } }).qr.payload);
      await s.engine.scan(face.flowId, 'iit', 'wangxiuying');
      await s.engine.faceFail(face.flowId);
      await s.engine.expireFlow(face.flowId);

      // A QR the page gives up before anyone scans it is no attempt; one scanned is.
      for (const scanned of [false, true]) {
        const c = (await (await s.qr()).json()) as FlowCreated;
        secrets.push(c.flowToken);
        if (scanned) await s.engine.scan(c.flowId, 'iit', 'wangxiuying');
        assert.equal((await s.api(`/v1/flows/${c.flowId}`, { method: 'DELETE', token: c.flowToken })).status, 204);
      }
      // Over the limit of logins started per address: nine so far, password attempts included.
      assert.equal((await s.qr()).status, 429);
    } finally {
      await s.host.close();
      await audit.close();
    }
    const text = await readFile(file, 'utf8');
    await rm(dir, { recursive: true });
    for (const secret of secrets) assert.ok(!text.includes(secret), 'a secret is in the audit log');
    const records = text
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as AuditRecord);
    for (const r of records) {
      assert.equal(r.instance, 'test-instance');
      assert.ok(!Number.isNaN(Date.parse(r.time)));
    }
    const seen = records.map(({ result, way, account, typed, entry, method, address, locked }) => ({
      result,
      way,
      ...(account ? { account } : {}),
      ...(typed ? { typed } : {}),
      ...(entry ? { entry } : {}),
      ...(method ? { method } : {}),
      ...(locked ? { locked } : {}),
      address,
    }));
    const at = { address: '127.0.0.1' };
    assert.deepEqual(seen, [
      { result: 'unknown_account', way: 'password', typed: 'nosuchperson', entry: 'individual', ...at },
      { result: 'wrong_password', way: 'password', account: 'liqiang', entry: 'individual', ...at },
      { result: 'wrong_password', way: 'password', account: 'liqiang', entry: 'individual', locked: true, ...at },
      { result: 'locked', way: 'password', account: 'liqiang', entry: 'individual', ...at },
      { result: 'password_ok', way: 'password', account: 'wangxiuying', entry: 'individual', ...at },
      { result: 'sms_wrong', way: 'password', account: 'wangxiuying', entry: 'individual', method: 'sms', ...at },
      { result: 'success', way: 'password', account: 'wangxiuying', entry: 'individual', method: 'sms', ...at },
      { result: 'denied', way: 'qr', account: 'wangxiuying', ...at },
      { result: 'password_ok', way: 'password', account: 'wangxiuying', entry: 'individual', ...at },
      {
        result: 'face_failed',
        way: 'password',
        account: 'wangxiuying',
        entry: 'individual',
        method: 'face_iit',
        ...at,
      },
      { result: 'expired', way: 'password', account: 'wangxiuying', entry: 'individual', ...at },
      { result: 'cancelled', way: 'qr', account: 'wangxiuying', ...at },
      { result: 'rate_limited', way: 'qr', ...at },
    ]);
  });
});
