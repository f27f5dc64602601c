/**
 * The Node host: `node:http` and `ws` in front of the protocol's web-standard
 * handlers (`Wire`), plus what operating a server needs — health checks, one
 * JSON log line per request, graceful shutdown.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
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
  /** Answers a request outside the API (the demo's pages); default 404. */
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

const stdoutLog = (line: Record<string, unknown>) => process.stdout.write(`${JSON.stringify(line)}\n`);

export async function startHost(options: HostOptions): Promise<RunningHost> {
  const log = options.log ?? stdoutLog;
  const maxBody = options.maxBody ?? 64 * 1024;
  let draining = false;
  const shutdown = new AbortController();
  const inFlight = new Set<Promise<void>>();

  const wire = new Wire({
    ...options,
    refuseStreams: (flowId) => draining || !!options.refuseStreams?.(flowId),
    onFailure: (error, request) => {
      metrics?.errors.inc({ code: error.code });
      options.onFailure?.(error, request);
    },
    onError: (error, request) => {
      log({ time: new Date().toISOString(), level: 'error', msg: String(error), path: new URL(request.url).pathname });
      options.onError?.(error, request);
    },
  });

  const metrics = options.metrics === false ? undefined : new Metrics(options.engine, () => wire);

  const answer = async (request: Request): Promise<Response> => {
    const { pathname } = new URL(request.url);
    if (pathname === '/metrics' && metrics) {
      return new Response(await metrics.registry.metrics(), {
        headers: { 'Content-Type': metrics.registry.contentType, 'Cache-Control': 'no-store' },
      });
    }
    if (pathname === '/healthz') return Response.json({ status: 'ok' }, { headers: { 'Cache-Control': 'no-store' } });
    if (pathname === '/readyz') {
      const ready = !draining && (await (options.ready?.() ?? true));
      return Response.json({ ready }, { status: ready ? 200 : 503, headers: { 'Cache-Control': 'no-store' } });
    }
    const app = options.appApi;
    if (app && (pathname === app.basePath || pathname.startsWith(`${app.basePath}/`))) {
      return draining ? errorAnswer(new EngineError('unavailable', { retryAfter: 1 })) : app.fetch(request);
    }
    if (wire.pathOf(request.url) === undefined) {
      return options.fallback ? options.fallback(request) : new Response('Not found', { status: 404 });
    }
    if (draining) return errorAnswer(new EngineError('unavailable', { retryAfter: 1 }));
    return options.around ? options.around(request, (r) => wire.fetch(r)) : wire.fetch(request);
  };

  const listener = (req: IncomingMessage, res: ServerResponse) => {
    const done = serve(req, res).catch((e: unknown) => {
      log({ time: new Date().toISOString(), level: 'error', msg: String(e) });
      if (!res.headersSent) res.writeHead(500).end();
      else res.destroy();
    });
    inFlight.add(done);
    void done.finally(() => inFlight.delete(done));
  };

  const serve = async (req: IncomingMessage, res: ServerResponse) => {
    const started = performance.now();
    const request = await toRequest(req, res, maxBody, shutdown.signal);
    const response = request instanceof Response ? request : await answer(request);
    res.writeHead(response.status, headersOf(response));
    if (response.body) {
      res.flushHeaders();
      const reader = response.body.getReader();
      res.on('close', () => void reader.cancel().catch(() => undefined));
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        res.write(value);
      }
    }
    res.end();
    const path = (req.url ?? '/').split('?')[0];
    metrics?.requestDuration.observe(
      {
        method: req.method,
        route: ['/healthz', '/readyz', '/metrics'].includes(path)
          ? path
          : Metrics.routeOf(request instanceof Response ? undefined : wire.pathOf(request.url)),
        status: response.status,
      },
      (performance.now() - started) / 1000,
    );
    log({
      time: new Date().toISOString(),
      level: 'info',
      method: req.method,
      // The path only: the query of the SSE endpoint carries the flow token (§15.1).
      path,
      status: response.status,
      ms: Math.round(performance.now() - started),
    });
  };

  const server = createServer(listener);
  const sockets = new WebSocketServer({ noServer: true });
  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const path = wire.pathOf(url);
    const m = path ? /^\/v1\/flows\/([^/]+)\/ws$/.exec(path) : null;
    const refuse = (e: EngineError) => {
      const { status, headers, body } = errorResponse(e);
      const text = JSON.stringify(body);
      socket.end(
        `HTTP/1.1 ${status} ${status === 400 ? 'Bad Request' : 'Service Unavailable'}\r\n` +
          Object.entries({ ...headers, 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store' })
            .map(([k, v]) => `${k}: ${v}\r\n`)
            .join('') +
          `Content-Length: ${Buffer.byteLength(text)}\r\nConnection: close\r\n\r\n${text}`,
      );
    };
    if (!m) return refuse(new EngineError('invalid_request', { message: '未知的接口' }));
    // A server that does not offer WebSocket refuses the upgrade (§13.4).
    if (!wire.offers('websocket'))
      return refuse(new EngineError('invalid_request', { message: '服务端未提供该推送方式' }));
    if (draining) return refuse(new EngineError('unavailable', { retryAfter: 1 }));
    const origin = req.headers.origin;
    if (
      origin &&
      options.allowedOrigins &&
      !options.allowedOrigins.includes(origin) &&
      origin !== `http://${req.headers.host}`
    ) {
      return refuse(new EngineError('invalid_request', { message: '不允许的来源' }));
    }
    sockets.handleUpgrade(req, socket, head, (ws) => {
      const flowId = decodeURIComponent(m[1]);
      const session = wire.openSocket(flowId, { send: (text) => ws.send(text), close: (code) => ws.close(code) });
      ws.on('message', (data) => session.message(String(data)));
      ws.on('close', () => session.closed());
      log({ time: new Date().toISOString(), level: 'info', method: 'GET', path: url.pathname, status: 101 });
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
        await Promise.allSettled([...inFlight]);
        for (const ws of sockets.clients) ws.terminate();
        server.closeIdleConnections();
        await closed;
        wire.engine.close();
      })();
      return closing;
    },
  };
}

function errorAnswer(e: EngineError): Response {
  const { status, headers, body } = errorResponse(e);
  return Response.json(body, { status, headers: { ...headers, 'Cache-Control': 'no-store' } });
}

/** The web-standard request of a Node request, its body read (up to `maxBody`), aborted when the client goes. */
async function toRequest(
  req: IncomingMessage,
  res: ServerResponse,
  maxBody: number,
  shutdown: AbortSignal,
): Promise<Request | Response> {
  const controller = new AbortController();
  res.on('close', () => controller.abort());
  const signal = AbortSignal.any([controller.signal, shutdown]);
  const headers = new Headers();
  for (const [k, v] of Object.entries(req.headers)) {
    if (Array.isArray(v)) v.forEach((x) => headers.append(k, x));
    else if (v !== undefined) headers.set(k, v);
  }
  const url = `http://${req.headers.host ?? 'localhost'}${req.url ?? '/'}`;
  let body: Buffer | undefined;
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > maxBody) {
        return errorAnswer(new EngineError('invalid_request', { message: '请求内容过大' }));
      }
      chunks.push(chunk);
    }
    body = Buffer.concat(chunks);
  }
  return new Request(url, { method: req.method, headers, body: body as BodyInit | undefined, signal });
}

function headersOf(response: Response): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  response.headers.forEach((v, k) => {
    if (k !== 'set-cookie') out[k] = v;
  });
  const cookies = response.headers.getSetCookie();
  if (cookies.length) out['set-cookie'] = cookies;
  return out;
}
