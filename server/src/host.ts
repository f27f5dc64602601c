/**
 * The Node host: the protocol's routes (`Wire`, a Hono app) served by
 * `@hono/node-server` with `ws` for the WebSocket, plus what operating a
 * server needs — health checks, metrics, one JSON log line per request, a
 * body limit, timeouts for slow clients, limits per client address (the
 * address behind trusted proxies), the audit log, graceful shutdown.
 */
import { createAdaptorServer, upgradeWebSocket } from '@hono/node-server';
import { getConnInfo } from '@hono/node-server/conninfo';
import { Hono, type Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { STATUS_CODES, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import ipaddr from 'ipaddr.js';
import proxyAddr from 'proxy-addr';
import { WebSocketServer } from 'ws';
import { EngineError, errorResponse } from '../../src/engine/index.js';
import { Wire, type WireOptions } from '../../src/wire/index.js';
import { auditEngine, auditLimited, type AuditLog } from './audit.js';
import { Metrics } from './metrics.js';

/** Seconds the server gives a slow client (Node's `headersTimeout`, `requestTimeout`, `keepAliveTimeout`). */
export interface Timeouts {
  /** To send the request's headers; a client that never finishes them is cut off. */
  headers: number;
  /** To send the whole request, headers and body (streams and long-polls answer after it: unaffected). */
  request: number;
  /** A kept-alive connection with no request. */
  keepAlive: number;
}

export const DEFAULT_TIMEOUTS: Timeouts = { headers: 10, request: 30, keepAlive: 5 };

/**
 * What a client address counts as for the limits: an IPv4 address itself (an
 * IPv4-mapped IPv6 one as IPv4), an IPv6 address its /64 — a subscriber is
 * usually given a whole /64, and could otherwise take a new address per request.
 */
export function addressGroup(address: string): string {
  if (!ipaddr.isValid(address)) return address;
  const ip = ipaddr.process(address);
  if (ip.kind() === 'ipv4') return ip.toString();
  return `${(ip as ipaddr.IPv6).parts
    .slice(0, 4)
    .map((p) => p.toString(16))
    .join(':')}::/64`;
}

export interface HostOptions extends WireOptions {
  host?: string;
  port?: number;
  /** One JSON line per request and per event; default: stdout. */
  log?: (line: Record<string, unknown>) => void;
  /** Longest request body read, bytes (the page API and the app API); default 64 KiB. */
  maxBody?: number;
  /** Timeouts for slow clients; default `DEFAULT_TIMEOUTS`. */
  timeouts?: Partial<Timeouts>;
  /**
   * Proxies whose `X-Forwarded-For` is believed: addresses and CIDR ranges
   * (`127.0.0.1`, `10.0.0.0/8`). The client's address is the socket's unless
   * the socket is a trusted proxy; then the right-most address of
   * `X-Forwarded-For` that is not a trusted proxy. No other header is believed.
   */
  trustProxy?: string[];
  /** Every login attempt and outcome, and refusals by a limit per address; default none. */
  audit?: AuditLog;
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

/**
 * A refused WebSocket upgrade goes out whole, its error object included (§13.4):
 * @hono/node-server would send the status and headers of the refusal alone.
 */
async function refusing(c: Context, response: Response): Promise<Response> {
  const socket = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming?.socket;
  if (!c.req.header('Upgrade') || response.status < 400 || !socket) return response;
  const body = Buffer.from(await response.arrayBuffer());
  const head = [`HTTP/1.1 ${response.status} ${STATUS_CODES[response.status] ?? ''}`, 'Connection: close'];
  response.headers.forEach((v, k) => head.push(`${k}: ${v}`));
  head.push(`Content-Length: ${body.length}`);
  socket.end(Buffer.concat([Buffer.from(`${head.join('\r\n')}\r\n\r\n`), body]));
  return response;
}

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
  const trusted = options.trustProxy?.length ? proxyAddr.compile(options.trustProxy) : undefined;
  const timeouts = { ...DEFAULT_TIMEOUTS, ...options.timeouts };
  const audit = options.audit;
  const wire = new Wire({
    ...options,
    ...(options.limits ? { limits: { group: addressGroup, ...options.limits } } : {}),
    shutdown: shutdown.signal,
    addressOf:
      options.addressOf ??
      (trusted
        ? (c) => proxyAddr((c.env as { incoming: IncomingMessage }).incoming, trusted)
        : (c) => getConnInfo(c).remote.address),
    onLimited: (limited) => {
      const event = audit && auditLimited(limited);
      if (event) audit.record(event);
      options.onLimited?.(limited);
    },
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
  const unaudit = audit ? auditEngine(options.engine, audit) : () => {};

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
      app.all(path, async (c) =>
        refusing(c, draining ? errorAnswer(new EngineError('unavailable', { retryAfter: 1 })) : await handler(c)),
      );
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

  const server = createAdaptorServer({
    fetch: app.fetch,
    websocket: { server: sockets },
    serverOptions: {
      headersTimeout: timeouts.headers * 1000,
      requestTimeout: timeouts.request * 1000,
      keepAliveTimeout: timeouts.keepAlive * 1000,
      // How often Node looks for requests past their time: often enough to keep to short timeouts.
      connectionsCheckingInterval: Math.max(100, Math.min(1000, timeouts.headers * 500)),
    },
  }) as Server;
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
        unaudit();
        wire.engine.close();
      })();
      return closing;
    },
  };
}
