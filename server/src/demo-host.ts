/**
 * The demo server's backend (`npm start`, development only): the Node host over
 * the protocol engine, on the in-memory store with the demo accounts, with:
 *
 * - **the app API** (`app-api.ts`) at `/app-api`, signed with a secret made at
 *   start that never leaves this process, and its test outbox (every demo
 *   account is a test account);
 * - **the tax apps' backend** under `/demo/tax-app`, which the demo page's phone
 *   calls: it signs each request as an app backend does and sends it to the app
 *   API over HTTP, so that the phone acts exactly as the real apps do;
 *   `POST /demo/tax-app/<endpoint>` forwards to `/app-api/v1/<endpoint>`, and
 *   `POST /demo/tax-app/inbox` gathers the demo phone's SMS (the test outbox of
 *   every demo account: one phone plays them all);
 * - **the operator's controls** of the server panel under `/dev/demo`: faults,
 *   latency, expiry, locks, dropped streams, reset — what a tester does to a
 *   server, which no app API offers. `GET /dev/demo/events` streams the flows
 *   (no tokens) after every change; `POST /dev/demo/<control>` runs a control of
 *   `MockControl` with its arguments as a JSON array, answering `{ result }` or
 *   `409 { error }`. The phone has no route here.
 *
 * The production command (`cli.ts`) mounts neither demo route. Only requests of
 * the demo's own origin are taken on them.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { DEMO_BACKEND, DEV_PATH, TAX_APP_PATH, type DemoSnapshot } from '../../demo/backend-options.js';
import { Backend } from '../../src/mock/backend.js';
import { createControl, type MockControl } from '../../src/mock/controls.js';
import { faulty } from '../../src/mock/handlers.js';
import { APP_SIGNATURE, APP_TIMESTAMP, createAppApi, signRequest, type TestSms } from './app-api.js';
import { DEMO_ACCOUNTS_FILE, loadAccounts } from './accounts.js';
import { startHost, type RunningHost } from './host.js';

/** Where the demo server mounts the app API. */
export const DEMO_APP_API = '/app-api';

/** The app API's endpoints the demo phone uses, below `/v1/`. */
const APP_ENDPOINTS = /^(?:scan|test\/sms-outbox|flows\/[^/]+(?:\/(?:confirm|refuse|cancel|back|face|face\/result))?)$/;

/** Controls the server panel may call: the operator's. */
const ACTIONS = new Set<keyof MockControl>([
  'rotateQr',
  'expireQr',
  'expireFlow',
  'expireSmsCode',
  'throttle',
  'failNext',
  'malformNext',
  'setLatency',
  'lockAccount',
  'unlockAccount',
  'dropStreams',
  'acceptStreams',
  'reset',
]);

export interface DemoHostOptions {
  host?: string;
  port?: number;
  /** Answers every other request (the demo's pages). */
  pages: (request: Request) => Promise<Response> | Response;
  log?: (line: Record<string, unknown>) => void;
}

export interface RunningDemoHost extends RunningHost {
  readonly control: MockControl;
}

export async function startDemoHost(options: DemoHostOptions): Promise<RunningDemoHost> {
  // The demo's people as a deployment keeps them: the accounts file, scrypt hashes.
  const backend = new Backend({ ...DEMO_BACKEND, accounts: await loadAccounts(DEMO_ACCOUNTS_FILE) });
  const control = createControl(backend);
  const streams = new Set<ReadableStreamDefaultController<Uint8Array>>();
  const encoder = new TextEncoder();
  const snapshot = (type: DemoSnapshot['change']['type']): DemoSnapshot => ({
    change: { type },
    // Open streams are the host's (the backend's own wire carries none here).
    flows: control.flows.map((f) => ({
      ...f,
      streams: host ? [...host.wire.streams].filter((c) => c.flowId === f.id).length : 0,
    })),
  });
  const frame = (s: DemoSnapshot) => encoder.encode(`data: ${JSON.stringify(s)}\n\n`);
  backend.onChange((change) => {
    if (change.type === 'request') return;
    const bytes = frame(snapshot(change.type));
    for (const c of streams) c.enqueue(bytes);
  });

  const sameOrigin = (request: Request) => {
    const origin = request.headers.get('Origin');
    return !origin || origin === new URL(request.url).origin;
  };

  const dev = async (request: Request): Promise<Response> => {
    const path = new URL(request.url).pathname.slice(DEV_PATH.length);
    if (!sameOrigin(request)) return Response.json({ error: 'origin' }, { status: 403 });
    if (request.method === 'GET' && path === '/events') {
      let mine: ReadableStreamDefaultController<Uint8Array>;
      const body = new ReadableStream<Uint8Array>({
        start(c) {
          mine = c;
          streams.add(c);
          c.enqueue(frame(snapshot('hello')));
        },
        cancel() {
          streams.delete(mine);
        },
      });
      return new Response(body, {
        headers: { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-store', 'X-Accel-Buffering': 'no' },
      });
    }
    const action = path.slice(1) as keyof MockControl;
    if (request.method !== 'POST' || !ACTIONS.has(action)) return new Response('Not found', { status: 404 });
    const args: unknown = await request.json().catch(() => undefined);
    if (!Array.isArray(args)) return Response.json({ error: 'arguments: a JSON array' }, { status: 400 });
    try {
      // The host's streams are the ones open: close those (the backend's own wire carries none here).
      const run = (action === 'dropStreams' ? dropStreams : control[action]) as (...a: unknown[]) => unknown;
      const result = await run(...args.map((a: unknown) => (a === null ? undefined : a)));
      return Response.json({ result: result ?? null }, { headers: { 'Cache-Control': 'no-store' } });
    } catch (e) {
      return Response.json({ error: (e as Error).message }, { status: 409 });
    }
  };

  const dropStreams = (options: Parameters<MockControl['dropStreams']>[0] = {}) => {
    control.dropStreams(options);
    const open = [...host!.wire.streams].filter((c) => !options.flowId || c.flowId === options.flowId);
    open.forEach((c) => c.close());
    return open.length;
  };

  // The app API, as a tax bureau's server offers it; its secret stays in this process.
  const secret = randomBytes(32).toString('hex');
  const accounts = backend.settings.fixture.accounts;
  const appApi = createAppApi({
    engine: backend.engine,
    secrets: [secret],
    basePath: DEMO_APP_API,
    // Every demo account is a test account: the demo phone reads their SMS.
    testOutbox: {
      messagesOf: (accountId): TestSms[] | undefined =>
        accounts.some((a) => a.id === accountId)
          ? backend.outbox
              .filter((m) => backend.store.peekFlow(m.flowId)?.accountId === accountId)
              .map(({ flowId, code, text, sentAt, expiresAt }) => ({ flowId, code, text, sentAt, expiresAt }))
          : undefined,
    },
  });

  /** A request of the tax apps' backend to the app API, signed, over HTTP. */
  const callAppApi = (endpoint: string, body: Record<string, unknown>) => {
    const path = `${DEMO_APP_API}/v1/${endpoint}`;
    // A nonce: the phone may ask the same twice in a second, which is two requests.
    const text = JSON.stringify({ ...body, nonce: randomUUID() });
    const timestamp = Math.floor(backend.now() / 1000);
    return fetch(`${host!.url}${path}`, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        [APP_TIMESTAMP]: String(timestamp),
        [APP_SIGNATURE]: signRequest(secret, { method: 'POST', path, timestamp, body: text }),
      },
      body: text,
    });
  };

  /** The tax apps' backend, for the demo page's phone. */
  const taxApp = async (request: Request): Promise<Response> => {
    if (!sameOrigin(request)) return Response.json({ error: { message: 'origin' } }, { status: 403 });
    const endpoint = new URL(request.url).pathname.slice(TAX_APP_PATH.length + 1);
    const body: unknown = await request.json().catch(() => undefined);
    if (request.method !== 'POST' || typeof body !== 'object' || body === null || Array.isArray(body)) {
      return new Response('Not found', { status: 404 });
    }
    const headers = { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store' };
    if (endpoint === 'inbox') {
      const answers = await Promise.all(
        accounts.filter((a) => a.phone).map((a) => callAppApi('test/sms-outbox', { account: a.id })),
      );
      const messages: TestSms[] = [];
      for (const answer of answers) {
        if (answer.ok) messages.push(...((await answer.json()) as { messages: TestSms[] }).messages);
        else await answer.body?.cancel();
      }
      messages.sort((a, b) => a.sentAt - b.sentAt);
      return new Response(JSON.stringify({ messages: messages.map(({ code: _, ...m }) => m) }), { headers });
    }
    if (!APP_ENDPOINTS.test(endpoint)) return new Response('Not found', { status: 404 });
    const answer = await callAppApi(endpoint, body as Record<string, unknown>);
    return new Response(answer.body, { status: answer.status, headers });
  };

  let host: RunningHost | undefined = undefined;
  host = await startHost({
    engine: backend.engine,
    basePath: new URL(DEMO_BACKEND.baseUrl!, 'http://localhost').pathname,
    host: options.host,
    port: options.port,
    log: options.log ?? (() => undefined),
    metrics: false,
    // The server panel's latency and faults, as the in-page mock applies them.
    around: async (request, next) => {
      if (backend.latency > 0) await new Promise((resolve) => setTimeout(resolve, backend.latency));
      const path = backend.relative(request.url);
      const fault = backend.faults.take(backend.now(), request.method, path);
      return fault ? faulty(fault, path) : next(request);
    },
    refuseStreams: (flowId) => backend.refuseStreams || backend.refusedFlows.has(flowId),
    heartbeats: () => backend.heartbeats,
    onStreams: (flowId) => backend.emit({ type: 'flow', flowId }),
    appApi: { basePath: DEMO_APP_API, fetch: (request) => appApi.fetch(request) },
    fallback: (request) => {
      const { pathname } = new URL(request.url);
      const under = (base: string) => pathname === base || pathname.startsWith(`${base}/`);
      if (under(DEV_PATH)) return dev(request);
      if (under(TAX_APP_PATH)) return taxApp(request);
      return options.pages(request);
    },
  });
  return {
    ...host,
    control,
    close: async () => {
      for (const c of streams) c.close();
      streams.clear();
      await host.close();
    },
  };
}
