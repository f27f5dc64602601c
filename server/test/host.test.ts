// The Node host over real sockets on a free loopback port: every transport,
// the error object on the wire, CORS, health, logs without secrets, and a
// graceful shutdown.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import WebSocket from 'ws';
import type { FlowCreated, FlowState } from '../../src/client/protocol.js';
import { Engine, MemoryDirectory, MemoryStore, SmsOutbox, type EngineSettingsInput } from '../../src/engine/index.js';
import { DEFAULT_FIXTURE, DEFAULT_PASSWORD } from '../../src/mock/fixtures.js';
import { startHost, type HostOptions, type RunningHost } from '../src/host.js';

const BASE = '/api/etax-login';

async function start(settings: EngineSettingsInput = {}, options: Partial<HostOptions> = {}) {
  const outbox = new SmsOutbox();
  const store = new MemoryStore();
  const engine = new Engine({
    accounts: new MemoryDirectory(DEFAULT_FIXTURE),
    store,
    sms: outbox,
    settings: { heartbeat: 0.2, ...settings },
  });
  const lines: Record<string, unknown>[] = [];
  const host = await startHost({ engine, basePath: BASE, sseRetry: 50, log: (l) => lines.push(l), ...options });
  /** A request as the page's client makes it: with the forgery rule's header unless `forged`. */
  const api = (path: string, init: RequestInit & { token?: string; json?: unknown; forged?: boolean } = {}) => {
    const headers = new Headers(init.headers);
    if (!init.forged) headers.set('Etax-Request', '1');
    if (init.token) headers.set('Authorization', `Bearer ${init.token}`);
    if (init.json !== undefined) headers.set('Content-Type', 'application/json');
    return fetch(`${host.url}${BASE}${path}`, {
      ...init,
      headers,
      ...(init.json !== undefined ? { method: init.method ?? 'POST', body: JSON.stringify(init.json) } : {}),
    });
  };
  const qr = async () => (await (await api('/v1/flows/qr', { json: {} })).json()) as FlowCreated;
  /** Resolves once `count` waiters (long-polls, streams) listen to the flow: their requests have arrived. */
  const waiting = async (flowId: string, count = 1) => {
    while (store.subscribers(flowId) < count) await new Promise((r) => setImmediate(r));
  };
  return { host, engine, outbox, lines, api, qr, waiting };
}

/** Reads an SSE response event by event. */
function events(response: Response) {
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  return {
    async next(): Promise<{ event?: string; id?: string; data?: string; retry?: string } | undefined> {
      for (;;) {
        const end = buffer.indexOf('\n\n');
        if (end >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const fields: Record<string, string> = {};
          for (const line of block.split('\n')) {
            const i = line.indexOf(': ');
            fields[line.slice(0, i)] = line.slice(i + 2);
          }
          return fields;
        }
        const { done, value } = await reader.read();
        if (done) return undefined;
        buffer += value;
      }
    },
    cancel: () => reader.cancel(),
  };
}

function socket(host: RunningHost, flowId: string) {
  const ws = new WebSocket(`${host.url.replace('http', 'ws')}${BASE}/v1/flows/${flowId}/ws`);
  const messages: { type: string; state?: FlowState }[] = [];
  const waiters: (() => void)[] = [];
  ws.on('message', (data) => {
    messages.push(JSON.parse(String(data)));
    waiters.splice(0).forEach((w) => w());
  });
  const closed = new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)));
  const opened = new Promise<void>((resolve, reject) => {
    ws.on('open', () => resolve());
    ws.on('error', reject);
  });
  return {
    ws,
    messages,
    closed,
    opened,
    async message(n: number) {
      while (messages.length < n) await new Promise<void>((r) => waiters.push(r));
      return messages[n - 1];
    },
  };
}

describe('Node host: the protocol over real sockets', () => {
  let s: Awaited<ReturnType<typeof start>>;
  before(async () => {
    s = await start();
  });
  after(() => s.host.close());

  it('answers capabilities, health and readiness', async () => {
    const caps = await s.api('/v1/capabilities');
    assert.equal(caps.status, 200);
    assert.equal(caps.headers.get('cache-control'), 'no-store');
    assert.deepEqual((await caps.json()).transports, ['poll', 'long-poll', 'sse', 'websocket']);
    assert.deepEqual(await (await fetch(`${s.host.url}/healthz`)).json(), { status: 'ok' });
    assert.deepEqual(await (await fetch(`${s.host.url}/readyz`)).json(), { ready: true });
    assert.equal((await fetch(`${s.host.url}/elsewhere`)).status, 404);
    const v2 = await s.api('/v2/capabilities');
    assert.deepEqual([v2.status, (await v2.json()).error.code], [400, 'unsupported_version']);
  });

  it('holds a long-poll until the phone scans, then answers the new state', async () => {
    const f = await s.qr();
    let answered = false;
    const held = s.api(`/v1/flows/${f.flowId}?after=1&wait=10`, { token: f.flowToken });
    void held.then(() => (answered = true));
    await s.waiting(f.flowId);
    assert.equal(answered, false);
    await s.engine.scan(f.flowId, 'etax', 'wangxiuying');
    const r = await held;
    assert.equal(r.status, 200);
    assert.deepEqual([(await r.json()).seq, (await s.engine.current(f.flowId, f.flowToken)).status], [2, 'qr_scanned']);
  });

  it('streams SSE: retry, the current state, heartbeats, changes, and the end after a terminal state', async () => {
    const f = await s.qr();
    const r = await fetch(`${s.host.url}${BASE}/v1/flows/${f.flowId}/events?token=${f.flowToken}&after=0`, {
      headers: { Accept: 'text/event-stream' },
    });
    assert.equal(r.status, 200);
    assert.match(r.headers.get('content-type')!, /^text\/event-stream/);
    assert.equal(r.headers.get('x-accel-buffering'), 'no');
    const stream = events(r);
    assert.deepEqual(await stream.next(), { retry: '50' });
    const first = await stream.next();
    assert.deepEqual([first?.event, first?.id], ['state', '1']);
    assert.deepEqual(await stream.next(), { event: 'heartbeat', data: '{}' });
    await s.engine.scan(f.flowId, 'iit', 'wangxiuying');
    let e = await stream.next();
    while (e?.event === 'heartbeat') e = await stream.next();
    assert.deepEqual([e?.id, JSON.parse(e!.data!).status], ['2', 'qr_scanned']);
    await s.engine.confirm(f.flowId);
    e = await stream.next();
    while (e?.event === 'heartbeat') e = await stream.next();
    assert.equal(JSON.parse(e!.data!).status, 'authenticated');
    assert.equal(await stream.next(), undefined);
    // Reconnecting after the terminal state it saw: 204, and the EventSource stops.
    const again = await fetch(`${s.host.url}${BASE}/v1/flows/${f.flowId}/events?token=${f.flowToken}`, {
      headers: { Accept: 'text/event-stream', 'Last-Event-ID': '3' },
    });
    assert.equal(again.status, 204);
  });

  it('resumes SSE after Last-Event-ID, and ignores a malformed one', async () => {
    const f = await s.qr();
    await s.engine.scan(f.flowId, 'iit', 'wangxiuying');
    const open = (lastEventId: string) =>
      fetch(`${s.host.url}${BASE}/v1/flows/${f.flowId}/events?token=${f.flowToken}&after=0`, {
        headers: { Accept: 'text/event-stream', 'Last-Event-ID': lastEventId },
      });
    const resumed = events(await open('2'));
    await resumed.next(); // retry
    assert.equal((await resumed.next())?.event, 'heartbeat');
    await resumed.cancel();
    const garbled = events(await open('two'));
    await garbled.next();
    const state = await garbled.next();
    assert.deepEqual([state?.event, state?.id], ['state', '2']);
    await garbled.cancel();
    const noAccept = await s.api(`/v1/flows/${f.flowId}/events?token=${f.flowToken}`);
    assert.equal(noAccept.status, 400);
    const noToken = await s.api(`/v1/flows/${f.flowId}/events`, { headers: { Accept: 'text/event-stream' } });
    assert.equal(noToken.status, 401);
  });

  it('serves a WebSocket: auth, the current state, heartbeats, changes, and 1000 after a terminal state', async () => {
    const f = await s.qr();
    const c = socket(s.host, f.flowId);
    await c.opened;
    c.ws.send(JSON.stringify({ type: 'auth', token: f.flowToken, after: 0 }));
    assert.equal((await c.message(1)).state?.seq, 1);
    assert.deepEqual(await c.message(2), { type: 'heartbeat' });
    await s.engine.scan(f.flowId, 'etax', 'wangxiuying');
    await s.engine.deny(f.flowId);
    assert.equal(await c.closed, 1000);
    assert.deepEqual(
      c.messages.filter((m) => m.type === 'state').map((m) => m.state!.status),
      ['qr_waiting', 'qr_scanned', 'denied'],
    );
  });

  it('closes a WebSocket with the code that says what is wrong', async () => {
    const f = await s.qr();
    const cases: [string, unknown, number][] = [
      [f.flowId, 'not json', 4400],
      [f.flowId, { type: 'auth', token: 'wrong' }, 4401],
      ['f000', { type: 'auth', token: f.flowToken }, 4404],
    ];
    for (const [flowId, auth, code] of cases) {
      const c = socket(s.host, flowId);
      await c.opened;
      c.ws.send(typeof auth === 'string' ? auth : JSON.stringify(auth));
      assert.equal(await c.closed, code);
    }
  });

  it('answers a password login, SMS and its errors with the error object and Retry-After', async () => {
    const bad = await s.api('/v1/flows/password', {
      json: { entry: 'individual', fields: { account: 'liqiang' }, password: 'nope' },
      headers: { 'Accept-Language': 'en' },
    });
    assert.equal(bad.status, 401);
    assert.deepEqual(await bad.json(), {
      error: {
        code: 'invalid_credentials',
        message: 'The account or password is wrong; enter them again',
        attemptsLeft: 4,
      },
    });
    const created = await s.api('/v1/flows/password', {
      json: { entry: 'individual', fields: { account: 'wangxiuying' }, password: DEFAULT_PASSWORD },
    });
    assert.equal(created.status, 201);
    const f = (await created.json()) as FlowCreated;
    assert.equal((await s.api(`/v1/flows/${f.flowId}/sms`, { token: f.flowToken, json: {} })).status, 200);
    const again = await s.api(`/v1/flows/${f.flowId}/sms`, { token: f.flowToken, json: {} });
    assert.equal(again.status, 429);
    const body = await again.json();
    assert.equal(body.error.code, 'sms_throttled');
    assert.equal(again.headers.get('retry-after'), String(body.error.retryAfter));
    const code = s.outbox.messages.at(-1)!.code;
    const ok = await s.api(`/v1/flows/${f.flowId}/sms/verify`, { token: f.flowToken, json: { code } });
    assert.equal((await ok.json()).status, 'authenticated');
  });

  it('checks the flow and its token before it reads the body', async () => {
    const f = await s.qr();
    const broken = { method: 'POST', body: '{"method":', headers: { 'Content-Type': 'application/json' } };
    assert.equal((await s.api('/v1/flows/f000/step-up', { ...broken, token: f.flowToken })).status, 404);
    assert.equal((await s.api(`/v1/flows/${f.flowId}/step-up`, { ...broken, token: 'x' })).status, 401);
    const bad = await s.api(`/v1/flows/${f.flowId}/step-up`, { ...broken, token: f.flowToken });
    assert.deepEqual([bad.status, (await bad.json()).error.code], [400, 'invalid_request']);
    const query = await s.api(`/v1/flows/${f.flowId}?after=x`, { token: f.flowToken });
    assert.deepEqual((await query.json()).error.field, 'after');
    const del = await s.api(`/v1/flows/${f.flowId}`, { method: 'DELETE', token: f.flowToken });
    assert.equal(del.status, 204);
  });

  it('logs one line per request, with no token, password or code in it', () => {
    const text = JSON.stringify(s.lines);
    assert.ok(s.lines.length > 10);
    assert.ok(!text.includes('token='));
    assert.ok(!text.includes(DEFAULT_PASSWORD));
    for (const m of s.outbox.messages) assert.ok(!text.includes(m.code));
    assert.ok(s.lines.every((l) => l.level !== 'error'));
  });
});

describe('Node host: what a deployment sets', () => {
  it('answers CORS for allowed origins only, exposing Retry-After', async () => {
    const s = await start({}, { allowedOrigins: ['https://etax.example.gov.cn'], credentials: true });
    try {
      const pre = await s.api('/v1/flows/qr', {
        method: 'OPTIONS',
        headers: {
          Origin: 'https://etax.example.gov.cn',
          'Access-Control-Request-Method': 'POST',
          'Access-Control-Request-Headers': 'content-type',
        },
      });
      assert.equal(pre.status, 204);
      assert.equal(pre.headers.get('access-control-allow-origin'), 'https://etax.example.gov.cn');
      assert.equal(pre.headers.get('access-control-allow-credentials'), 'true');
      assert.match(pre.headers.get('access-control-allow-methods')!, /POST/);
      const r = await s.api('/v1/capabilities', { headers: { Origin: 'https://etax.example.gov.cn' } });
      assert.equal(r.headers.get('access-control-expose-headers'), 'Retry-After');
      const other = await s.api('/v1/capabilities', { headers: { Origin: 'https://evil.example' } });
      assert.equal(other.headers.get('access-control-allow-origin'), null);
    } finally {
      await s.host.close();
    }
  });

  it('holds state-changing requests to the forgery rule: the protocol header, and no foreign origin', async () => {
    const s = await start({}, { allowedOrigins: ['https://etax.example.gov.cn'] });
    try {
      const code = async (r: Response) => [r.status, ((await r.json()) as { error: { code: string } }).error.code];
      // A cross-site form: no header.
      assert.deepEqual(await code(await s.api('/v1/flows/qr', { json: {}, forged: true })), [403, 'forbidden']);
      // A foreign page's script that somehow sends the header.
      const foreign = await s.api('/v1/flows/qr', { json: {}, headers: { Origin: 'https://evil.example' } });
      assert.deepEqual(await code(foreign), [403, 'forbidden']);
      const f = await s.qr();
      const del = await s.api(`/v1/flows/${f.flowId}`, { method: 'DELETE', token: f.flowToken, forged: true });
      assert.deepEqual(await code(del), [403, 'forbidden']);
      // Same origin (by host, whatever the scheme a proxy ended), an allowed origin, and reads without the header.
      const own = new URL(s.host.url).host;
      for (const origin of [`http://${own}`, `https://${own}`, 'https://etax.example.gov.cn']) {
        assert.equal((await s.api('/v1/flows/qr', { json: {}, headers: { Origin: origin } })).status, 201, origin);
      }
      assert.equal((await s.api(`/v1/flows/${f.flowId}`, { token: f.flowToken, forged: true })).status, 200);
      // The WebSocket upgrade from a foreign page is refused.
      const status = await new Promise<number>((resolve) => {
        const ws = new WebSocket(`${s.host.url.replace('http', 'ws')}${BASE}/v1/flows/${f.flowId}/ws`, {
          origin: 'https://evil.example',
        });
        ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
        ws.on('open', () => resolve(101));
      });
      assert.equal(status, 403);
    } finally {
      await s.host.close();
    }
  });

  it('records what the creating request said of the page, and refuses a body over the limit', async () => {
    const s = await start({}, { maxBody: 1024 });
    try {
      const created = await s.api('/v1/flows/qr', {
        json: {},
        headers: { 'User-Agent': 'Mozilla/5.0 (Windows NT 10.0) Chrome/131.0 Safari/537.36' },
      });
      const { flowId } = (await created.json()) as FlowCreated;
      const record = await s.engine.store.getFlow(flowId);
      assert.deepEqual(record?.client, {
        userAgent: 'Mozilla/5.0 (Windows NT 10.0) Chrome/131.0 Safari/537.36',
        address: '127.0.0.1',
      });
      const big = await s.api('/v1/flows/password', {
        json: { entry: 'individual', fields: { account: 'x'.repeat(2000) }, password: 'p' },
      });
      assert.equal(big.status, 400);
      assert.equal(((await big.json()) as { error: { code: string } }).error.code, 'invalid_request');
    } finally {
      await s.host.close();
    }
  });

  it('refuses the WebSocket upgrade with 400 when WebSocket is not offered', async () => {
    const s = await start({ transports: ['poll', 'long-poll', 'sse'] });
    try {
      const f = await s.qr();
      assert.deepEqual(f.transports, ['poll', 'long-poll', 'sse']);
      const status = await new Promise<number>((resolve) => {
        const ws = new WebSocket(`${s.host.url.replace('http', 'ws')}${BASE}/v1/flows/${f.flowId}/ws`);
        ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
        ws.on('open', () => resolve(101));
      });
      assert.equal(status, 400);
    } finally {
      await s.host.close();
    }
  });

  it('shuts down gracefully: long-polls answer, streams close with a hint, new requests are refused', async () => {
    const s = await start();
    const f = await s.qr();
    const held = s.api(`/v1/flows/${f.flowId}?after=1&wait=20`, { token: f.flowToken });
    const sse = events(
      await fetch(`${s.host.url}${BASE}/v1/flows/${f.flowId}/events?token=${f.flowToken}&after=1`, {
        headers: { Accept: 'text/event-stream' },
      }),
    );
    assert.deepEqual(await sse.next(), { retry: '50' });
    await s.waiting(f.flowId, 2);
    const closed = s.host.close();
    const answer = await held;
    assert.deepEqual([answer.status, (await answer.json()).seq], [200, 1]);
    let e = await sse.next();
    while (e?.event === 'heartbeat') e = await sse.next();
    assert.deepEqual(e, { retry: '50' });
    assert.equal(await sse.next(), undefined);
    await closed;
    await assert.rejects(fetch(`${s.host.url}/healthz`));
  });
});

describe('Node host: metrics', () => {
  it('counts flows by way and outcome, errors by code, open streams and request durations', async () => {
    const s = await start();
    try {
      const f = await s.qr();
      await s.engine.scan(f.flowId, 'etax', 'wangxiuying');
      await s.engine.confirm(f.flowId);
      const g = await s.qr();
      await s.api(`/v1/flows/${g.flowId}`, { method: 'DELETE', token: g.flowToken });
      await s.api(`/v1/flows/${g.flowId}/sms`, { json: {}, token: 'wrong' });
      await s.api('/v1/flows/password', {
        json: { entry: 'individual', fields: { account: 'liqiang' }, password: 'x' },
      });
      const h = await s.qr();
      const stream = events(
        await fetch(`${s.host.url}${BASE}/v1/flows/${h.flowId}/events?token=${h.flowToken}`, {
          headers: { Accept: 'text/event-stream' },
        }),
      );
      await stream.next();
      const text = await (await fetch(`${s.host.url}/metrics`)).text();
      const value = (line: string) =>
        Number(
          text
            .split('\n')
            .find((l) => l.startsWith(`${line} `))
            ?.split(' ')[1],
        );
      assert.equal(value('etax_login_flows_started_total{way="qr"}'), 3);
      assert.equal(value('etax_login_flows_ended_total{way="qr",outcome="authenticated"}'), 1);
      assert.equal(value('etax_login_flows_ended_total{way="qr",outcome="cancelled"}'), 1);
      assert.equal(value('etax_login_errors_total{code="unauthorized"}'), 1);
      assert.equal(value('etax_login_errors_total{code="invalid_credentials"}'), 1);
      assert.equal(value('etax_login_open_streams{transport="sse"}'), 1);
      assert.ok(
        value('etax_login_http_request_duration_seconds_count{method="POST",route="/v1/flows/qr",status="201"}') >= 3,
      );
      // No flow id in a label: the values stay few.
      assert.ok(!text.includes(f.flowId));
      await stream.cancel();
    } finally {
      await s.host.close();
    }
  });
});
