/**
 * The demo server's backend (`npm start`, development only): the Node host over
 * the protocol engine, on the in-memory store with the demo accounts, plus a
 * development route under `/dev/demo` that lets the demo page's phone
 * simulator and server panel act as the phone and the operator through the
 * engine's controls. The production command (`cli.ts`) never mounts it.
 *
 * - `GET /dev/demo/events`: an event stream; after every change, the flows (no
 *   tokens) and the phone's SMS inbox, as the phone and the operator see them.
 * - `POST /dev/demo/<control>`: a control of `MockControl` with its arguments
 *   as a JSON array; answers `{ result }`, or `409 { error }` when it does not fit.
 *
 * Only requests of the demo's own origin are taken.
 */
import { DEMO_BACKEND, DEV_PATH, type DemoSnapshot } from '../../demo/backend-options.js';
import { Backend } from '../../src/mock/backend.js';
import { createControl, type MockControl } from '../../src/mock/controls.js';
import { faulty } from '../../src/mock/handlers.js';
import { startHost, type RunningHost } from './host.js';

/** Controls the page may call: the phone's and the operator's. */
const ACTIONS = new Set<keyof MockControl>([
  'scan',
  'unscan',
  'confirm',
  'deny',
  'cancel',
  'faceVerify',
  'facePass',
  'faceFail',
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
  const backend = new Backend(DEMO_BACKEND);
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
    smsCodes: [...control.smsCodes],
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
    fallback: (request) => {
      const { pathname } = new URL(request.url);
      return pathname === DEV_PATH || pathname.startsWith(`${DEV_PATH}/`) ? dev(request) : options.pages(request);
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
