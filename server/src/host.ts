/**
 * The Node host: the protocol's routes (`Wire`, a Hono app) served by
 * `@hono/node-server` with `ws` for the WebSocket, plus what operating a
 * server needs — health checks, metrics, one JSON log line per request, a
 * body limit, graceful shutdown.
 */
import { createAdaptorServer, upgradeWebSocket } from '@hono/node-server';
import { getConnInfo } from '@hono/node-server/conninfo';
import { Hono, type Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import { EngineError, errorResponse } from '../../src/engine/index.js';
import { Wire, type WireOptions } from '../../src/wire/index.js';
import { Metrics } from './metrics.js';

export interface HostOptions extends WireOptions {
  host?: string;
  port?: number;
  /** One JSON line per request and per event; default: stdout. */
  log?: (line: Record<string, unknown>) => void;
  /** Longest request body read, bytes; default 64 KiB. */
  maxBody?: number;
  /** Whether the server can take requests (the store answers); default always. */
  ready?: () => Promise<boolean>;
  /** Serve Prometheus metrics at `/metrics`; default true. */
  metrics?: boolean;
  /**
   * Wraps every request of the API (not its WebSocket upgrades): the demo server
   * adds the latency and faults its server panel orders. Default: none.
   */
  around?: (request: Request, next: (request: Request) => Promise<Response>) => Promise<Response>;
  /** The app API (`app-api.ts`), answered under its own base path, outside `around`; default none. */
  appApi?: { basePath: string; fetch: (request: Request) => Response | Promise<Response> };
  /** More routes on the same server (the app API, the demo's pages), tried after the API's. */
  routes?: (app: Hono) => void;
  /**
   * This instance's name, sent in the `Etax-Instance` header of every answer (streams and
   * WebSocket upgrades included), so that whoever runs several instances sees which one
   * answered. Default: none.
   */
  instance?: string;
  /** Answers a request no route took; default 404. */
  fallback?: (request: Request) => Promise<Response> | Response;
}

export interface RunningHost {
  readonly server: Server;
  readonly wire: Wire;
  /** `http://host:port`, with the port the system gave. */
  readonly url: string;
  /**
   * Graceful shutdown: new requests are refused (`503`), streams are closed with
   * a hint to come back, long-polls answer at once, in-flight requests finish.
   */
  close(): Promise<void>;
}

/** The header that names the instance that answered. */
export const INSTANCE_HEADER = 'Etax-Instance';

const stdoutLog = (line: Record<string, unknown>) => process.stdout.write(`${JSON.stringify(line)}\n`);

const errorAnswer = (e: EngineError): Response => {
  const { status, headers, body } = errorResponse(e);
  return Response.json(body, { status, headers: { ...headers, 'Cache-Control': 'no-store' } });
};

export async function startHost(options: HostOptions): Promise<RunningHost> {
  const log = options.log ?? stdoutLog;
  const maxBody = options.maxBody ?? 64 * 1024;
  let draining = false;
  const shutdown = new AbortController();
  const inFlight = new Set<ServerResponse>();
  let drained: (() => void) | undefined;

  const sockets = new WebSocketServer({ noServer: true });
  const instance = options.instance;
  if (instance) sockets.on('headers', (headers) => headers.push(`${INSTANCE_HEADER}: ${instance}`));
  const wire = new Wire({
    ...options,
    shutdown: shutdown.signal,
    addressOf: options.addressOf ?? ((c) => getConnInfo(c).remote.address),
    upgradeWebSocket: (create) =>
      upgradeWebSocket((c) => {
        const events = create(c);
        return {
          ...events,
          onOpen: (event, ws) => {
            log({
              time: new Date().toISOString(),
              level: 'info',
              method: 'GET',
              path: new URL(c.req.url).pathname,
              status: 101,
            });
            events.onOpen?.(event, ws);
          },
        };
      }),
    refuseStreams: (flowId) => draining || !!options.refuseStreams?.(flowId),
    onFailure: (error, request) => {
      metrics?.errors.inc({ code: error.code });
      options.onFailure?.(error, request);
    },
    onError: (error, request) => {
      log({ time: new Date().toISOString(), level: 'error', msg: String(error), path: new URL(request.url).pathname });
      options.onError?.(error, request);
    },
    onAnswered: (answered) => {
      metrics?.requestDuration.observe(
        { method: answered.method, route: answered.route, status: answered.status },
        answered.seconds,
      );
      options.onAnswered?.(answered);
    },
  });
  const metrics = options.metrics === false ? undefined : new Metrics(options.engine, () => wire);

  const app = new Hono();
  app.get('/healthz', () => Response.json({ status: 'ok' }, { headers: { 'Cache-Control': 'no-store' } }));
  app.get('/readyz', async () => {
    const ready = !draining && (await (options.ready?.() ?? true));
    return Response.json({ ready }, { status: ready ? 200 : 503, headers: { 'Cache-Control': 'no-store' } });
  });
  if (metrics) {
    app.get(
      '/metrics',
      async () =>
        new Response(await metrics.registry.metrics(), {
          headers: { 'Content-Type': metrics.registry.contentType, 'Cache-Control': 'no-store' },
        }),
    );
  }
  /** Routes below `base` answered by `handler`, with the body limit, refused while shutting down. */
  const mount = (base: string, handler: (c: Context) => Response | Promise<Response>) => {
    for (const path of [base || '/', `${base}/*`]) {
      app.use(
        path,
        bodyLimit({
          maxSize: maxBody,
          onError: () => errorAnswer(new EngineError('invalid_request', { message: '请求内容过大' })),
        }),
      );
      app.all(path, (c) => (draining ? errorAnswer(new EngineError('unavailable', { retryAfter: 1 })) : handler(c)));
    }
  };
  mount(wire.basePath, (c) => {
    const next = (request: Request) => wire.fetch(request, c.env);
    return options.around && !c.req.header('Upgrade') ? options.around(c.req.raw, next) : next(c.req.raw);
  });
  const appApi = options.appApi;
  if (appApi) mount(appApi.basePath, (c) => appApi.fetch(c.req.raw));
  options.routes?.(app);
  app.notFound((c) => (options.fallback ? options.fallback(c.req.raw) : c.text('Not found', 404)));
  app.onError((error) => {
    log({ time: new Date().toISOString(), level: 'error', msg: String(error) });
    return errorAnswer(new EngineError('internal_error'));
  });

  const server = createAdaptorServer({ fetch: app.fetch, websocket: { server: sockets } }) as Server;
  // One log line per request once its answer is sent (a stream's, when it ends).
  server.prependListener('request', (req: IncomingMessage, res: ServerResponse) => {
    const started = performance.now();
    if (instance) res.setHeader(INSTANCE_HEADER, instance);
    inFlight.add(res);
    res.on('close', () => {
      inFlight.delete(res);
      if (draining && !inFlight.size) drained?.();
      log({
        time: new Date().toISOString(),
        level: 'info',
        method: req.method,
        // The path only: the query of the SSE endpoint carries the flow token (§15.1).
        path: (req.url ?? '/').split('?')[0],
        status: res.statusCode,
        ms: Math.round(performance.now() - started),
      });
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const address = server.address() as AddressInfo;
  const url = `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`;

  let closing: Promise<void> | undefined;
  return {
    server,
    wire,
    url,
    close() {
      closing ??= (async () => {
        draining = true;
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        for (const s of [...wire.streams]) s.close();
        shutdown.abort();
        if (inFlight.size) await new Promise<void>((resolve) => (drained = resolve));
        for (const ws of sockets.clients) ws.terminate();
        server.closeIdleConnections();
        await closed;
        wire.engine.close();
      })();
      return closing;
    },
  };
}
