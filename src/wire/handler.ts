/**
 * Protocol v1 on the wire, once, over the engine: a web-standard handler
 * (`Request` → `Response`) for every endpoint, with polling, long-polling and
 * SSE, and `openSocket()` for the WebSocket. Hosts mount it: the Node server
 * (`server/`) through `node:http` and `ws`, the in-page mock through msw. No
 * framework: the eleven endpoints need a `switch`, and the browser package
 * keeps its dependencies to those of the elements.
 */
import type { TransportName } from '../client/protocol.js';
import type { Engine } from '../engine/engine.js';
import { EngineError, errorResponse, languageOf } from '../engine/errors.js';
import { TERMINAL } from '../engine/records.js';
import { readAfter, readWait, resumeAfter } from '../engine/wire.js';

/** One server-sent event; absent members are not written. */
export interface SseEvent {
  event?: string;
  id?: string;
  data?: string;
  retry?: number;
}

/** An open SSE or WebSocket connection, as the host sees it. */
export interface StreamConnection {
  flowId: string;
  transport: 'sse' | 'websocket';
  /** Hangs up: SSE with a `retry:` hint first, WebSocket with 1013 (try again later). */
  close(): void;
}

export interface WireOptions {
  engine: Engine;
  /** Path of the API below the origin, e.g. `/api/etax-login` (no trailing slash). */
  basePath: string;
  /** Transports this host can serve; default the engine's. `poll` is always served. */
  transports?: TransportName[];
  /** Cross-origin pages allowed to call the API (§15.2); none by default (same origin only). */
  allowedOrigins?: string[];
  /** Send `Access-Control-Allow-Credentials: true` to allowed origins. */
  credentials?: boolean;
  /** Milliseconds an EventSource waits before reconnecting (`retry:`); default 1000. */
  sseRetry?: number;
  /** Unwraps a request body the client's `encrypt` hook wrapped (§15.6); returns the JSON text. */
  decryptBody?: (body: string, request: Request) => string | Promise<string>;
  /** Wraps a response body's JSON text, for clients with a `decrypt` hook. */
  encryptBody?: (json: string, request: Request) => string | Promise<string>;
  /** New SSE/WebSocket connections refused for the moment (`503` / close 1013), e.g. while shutting down. */
  refuseStreams?: (flowId: string) => boolean;
  /** Called when a stream of the flow opens or closes (for a host that shows them). */
  onStreams?: (flowId: string) => void;
  /** Whether heartbeats go out now (a test can silence them); default always. */
  heartbeats?: () => boolean;
  /** Every protocol error answered (for metrics by code). */
  onFailure?: (error: EngineError, request: Request) => void;
  /** An error that is not a protocol answer (a bug, a store down): for the host's log. */
  onError?: (error: unknown, request: Request) => void;
}

/** Close codes of the WebSocket (§13.4). */
export const WS_CLOSE = {
  done: 1000,
  notOffered: 1008,
  tryAgain: 1013,
  badMessage: 4400,
  unauthorized: 4401,
  notFound: 4404,
} as const;

/** How long a WebSocket may stay silent before its `auth` message, ms. */
const AUTH_TIMEOUT = 10_000;

type Route =
  | { name: 'capabilities' | 'qr' | 'password' }
  | { name: 'flow' | 'events' | 'ws' | 'step-up' | 'sms' | 'sms/verify' | 'identity'; flowId: string };

const FLOW_ACTIONS = new Set(['step-up', 'sms', 'sms/verify', 'identity']);

/** The endpoint a method and a path below the base name, or undefined. */
function routeOf(method: string, path: string): Route | undefined {
  if (path === '/v1/capabilities') return method === 'GET' ? { name: 'capabilities' } : undefined;
  if (path === '/v1/flows/qr') return method === 'POST' ? { name: 'qr' } : undefined;
  if (path === '/v1/flows/password') return method === 'POST' ? { name: 'password' } : undefined;
  const m = /^\/v1\/flows\/([^/]+)(?:\/(events|ws|step-up|sms|sms\/verify|identity))?$/.exec(path);
  if (!m) return undefined;
  let flowId: string;
  try {
    flowId = decodeURIComponent(m[1]);
  } catch {
    return undefined;
  }
  const sub = m[2];
  if (!sub) return method === 'GET' || method === 'DELETE' ? { name: 'flow', flowId } : undefined;
  if (sub === 'events' || sub === 'ws') return method === 'GET' ? { name: sub, flowId } : undefined;
  return method === 'POST' && FLOW_ACTIONS.has(sub) ? { name: sub as 'sms', flowId } : undefined;
}

const bearer = (request: Request) => /^Bearer\s+(\S+)$/i.exec(request.headers.get('Authorization') ?? '')?.[1];

export class Wire {
  readonly engine: Engine;
  readonly basePath: string;
  /** Open SSE and WebSocket connections. */
  readonly streams = new Set<StreamConnection>();
  private readonly options: WireOptions;

  constructor(options: WireOptions) {
    this.options = options;
    this.engine = options.engine;
    this.basePath = options.basePath.replace(/\/+$/, '');
  }

  /** Whether this host serves a transport now. */
  offers(t: TransportName): boolean {
    return t === 'poll' || (this.options.transports ?? this.engine.settings.transports).includes(t);
  }

  /** The path below the base URL, or undefined when the request is not the API's. */
  pathOf(url: string | URL): string | undefined {
    const { pathname } = new URL(url);
    if (pathname !== this.basePath && !pathname.startsWith(`${this.basePath}/`)) return undefined;
    return pathname.slice(this.basePath.length) || '/';
  }

  /** Answers one request of the API (any path below the base URL). */
  fetch = async (request: Request): Promise<Response> => {
    const path = this.pathOf(request.url) ?? '/';
    const cors = this.corsHeaders(request);
    if (request.method === 'OPTIONS') return this.preflight(request, cors);
    let response: Response;
    try {
      response = await this.answer(request, path);
    } catch (e) {
      if (!(e instanceof EngineError)) this.options.onError?.(e, request);
      const failure = e instanceof EngineError ? e : new EngineError('internal_error');
      this.options.onFailure?.(failure, request);
      response = await this.failure(request, failure);
    }
    for (const [k, v] of Object.entries(cors)) response.headers.set(k, v);
    return response;
  };

  /**
   * A WebSocket of `flowId` has opened: the host passes every text message to
   * `message` and tells `closed` when the socket is gone.
   */
  openSocket(
    flowId: string,
    socket: { send(text: string): void; close(code: number): void },
  ): { message(text: string): void; closed(): void } {
    const clock = this.engine.clock;
    let state: 'waiting' | 'authorizing' | 'open' | 'closed' = 'waiting';
    let stop: (() => void) | undefined;
    let cancelBeat = () => {};
    const shut = (code: number) => {
      if (state === 'closed') return;
      state = 'closed';
      end();
      socket.close(code);
    };
    const cancelAuth = clock.after(AUTH_TIMEOUT, () => state === 'waiting' && shut(WS_CLOSE.unauthorized));
    const conn: StreamConnection = { flowId, transport: 'websocket', close: () => shut(WS_CLOSE.tryAgain) };
    const end = () => {
      cancelAuth();
      cancelBeat();
      stop?.();
      if (this.streams.delete(conn)) this.options.onStreams?.(flowId);
    };
    if (!this.offers('websocket')) {
      clock.after(0, () => shut(WS_CLOSE.notOffered));
      return { message: () => {}, closed: () => end() };
    }
    const beat = () => {
      cancelBeat = clock.after(this.engine.settings.heartbeat * 1000, () => {
        if (state !== 'open') return;
        if (this.options.heartbeats?.() ?? true) socket.send(JSON.stringify({ type: 'heartbeat' }));
        beat();
      });
    };
    const authorize = async (token: string, after: number) => {
      if (this.options.refuseStreams?.(flowId)) return shut(WS_CLOSE.tryAgain);
      try {
        const off = await this.engine.follow(flowId, token, after, (s) => {
          if (state === 'closed') return;
          socket.send(JSON.stringify({ type: 'state', state: s }));
          // After the last state has gone out: nothing can follow (§13.4).
          if (TERMINAL.includes(s.status)) clock.after(0, () => shut(WS_CLOSE.done));
        });
        if (state === 'closed') return off();
        stop = off;
        state = 'open';
        cancelAuth();
        this.streams.add(conn);
        this.options.onStreams?.(flowId);
        beat();
      } catch (e) {
        const code = e instanceof EngineError ? e.code : 'internal_error';
        if (!(e instanceof EngineError)) this.options.onError?.(e, new Request('http://socket.invalid/'));
        shut(
          code === 'flow_not_found'
            ? WS_CLOSE.notFound
            : code === 'unauthorized'
              ? WS_CLOSE.unauthorized
              : WS_CLOSE.tryAgain,
        );
      }
    };
    return {
      message: (text) => {
        // After `auth` the client has nothing to say.
        if (state !== 'waiting') return;
        let m: { type?: unknown; token?: unknown; after?: unknown } | undefined;
        try {
          m = JSON.parse(text) as typeof m;
        } catch {
          m = undefined;
        }
        if (m?.type !== 'auth' || typeof m.token !== 'string') return shut(WS_CLOSE.badMessage);
        state = 'authorizing';
        const after = typeof m.after === 'number' && Number.isInteger(m.after) && m.after >= -1 ? m.after : -1;
        void authorize(m.token, after);
      },
      closed: () => {
        state = 'closed';
        end();
      },
    };
  }

  /* ------------------------------------------------------------- inside */

  private async answer(request: Request, path: string): Promise<Response> {
    const route = routeOf(request.method, path);
    if (!route) {
      const version = /^\/v(\d+)(?:\/|$)/.exec(path)?.[1];
      if (version && version !== '1') throw new EngineError('unsupported_version');
      throw new EngineError('invalid_request', { message: '未知的接口' });
    }
    const e = this.engine;
    switch (route.name) {
      case 'capabilities': {
        const caps = e.capabilities();
        return this.json(request, 200, { ...caps, transports: caps.transports.filter((t) => this.offers(t)) });
      }
      case 'qr': {
        const created = await e.createQr(await this.body(request));
        return this.json(request, 201, { ...created, transports: created.transports?.filter((t) => this.offers(t)) });
      }
      case 'password': {
        const created = await e.createPassword(await this.body(request));
        return this.json(request, 201, { ...created, transports: created.transports?.filter((t) => this.offers(t)) });
      }
      case 'flow': {
        const token = bearer(request);
        if (request.method === 'DELETE') {
          await e.cancel(route.flowId, token);
          return new Response(null, { status: 204, headers: { 'Cache-Control': 'no-store' } });
        }
        // The flow and its token first (§14.4), then the query.
        await e.current(route.flowId, token);
        const q = new URL(request.url).searchParams;
        const after = readAfter(q.get('after'));
        const wait = readWait(q.get('wait'));
        return this.json(request, 200, await e.state(route.flowId, token, { after, wait, signal: request.signal }));
      }
      case 'events':
        return this.events(request, route.flowId);
      case 'ws':
        if (!this.offers('websocket')) throw new EngineError('invalid_request', { message: '服务端未提供该推送方式' });
        return new Response(null, { status: 426, headers: { Upgrade: 'websocket', 'Cache-Control': 'no-store' } });
      case 'step-up':
      case 'sms':
      case 'sms/verify':
      case 'identity': {
        const token = bearer(request);
        const body = await this.body(request, () => e.current(route.flowId, token));
        switch (route.name) {
          case 'step-up':
            return this.json(request, 200, await e.stepUp(route.flowId, token, body));
          case 'sms':
            return this.json(request, 200, await e.sendSms(route.flowId, token, body));
          case 'sms/verify':
            return this.json(request, 200, await e.verifySms(route.flowId, token, body));
          default:
            return this.json(request, 200, await e.chooseIdentity(route.flowId, token, body));
        }
      }
    }
  }

  /** `GET …/events`: the SSE stream, or the error (JSON) that keeps it from opening (§13.3). */
  private async events(request: Request, flowId: string): Promise<Response> {
    const opening = await this.checkEvents(request, flowId);
    if (opening instanceof Response) return opening;
    const encoder = new TextEncoder();
    let session: { close(): void } | undefined;
    const body = new ReadableStream<Uint8Array>({
      start: (controller) => {
        let open = true;
        session = this.openEvents(flowId, opening.token, opening.after, {
          send: (e) => {
            if (!open) return;
            const lines = [
              e.retry === undefined ? '' : `retry: ${e.retry}\n`,
              e.event === undefined ? '' : `event: ${e.event}\n`,
              e.id === undefined ? '' : `id: ${e.id}\n`,
              e.data === undefined ? '' : `data: ${e.data}\n`,
            ];
            controller.enqueue(encoder.encode(`${lines.join('')}\n`));
          },
          close: () => {
            if (!open) return;
            open = false;
            controller.close();
          },
        });
        request.signal.addEventListener('abort', () => session?.close());
      },
      cancel: () => session?.close(),
    });
    return new Response(body, {
      status: 200,
      headers: {
        'Content-Type': 'text/event-stream; charset=utf-8',
        'Cache-Control': 'no-store',
        'X-Accel-Buffering': 'no',
        'Referrer-Policy': 'no-referrer',
      },
    });
  }

  /**
   * What keeps an SSE request from opening a stream: the answer to send (an
   * error, or `204` for a flow over and seen), else the token and where the
   * stream starts. A host whose streams are not `Response` bodies (msw's
   * `sse()`) calls this, then `openEvents()`.
   */
  async checkEvents(request: Request, flowId: string): Promise<Response | { token: string; after: number }> {
    try {
      if (!this.offers('sse')) throw new EngineError('invalid_request', { message: '服务端未提供该推送方式' });
      const q = new URL(request.url).searchParams;
      const token = q.get('token') ?? undefined;
      const current = await this.engine.current(flowId, token);
      const after = resumeAfter(request.headers.get('Last-Event-ID'), q.get('after'));
      // Over, and its last state already seen: 204 tells the EventSource to stop reconnecting.
      if (TERMINAL.includes(current.status) && after >= current.seq) {
        return new Response(null, { status: 204, headers: { 'Cache-Control': 'no-store' } });
      }
      if (this.options.refuseStreams?.(flowId)) throw new EngineError('unavailable', { retryAfter: 1 });
      if (!(request.headers.get('Accept') ?? '').includes('text/event-stream')) {
        throw new EngineError('invalid_request', { message: '请以 text/event-stream 方式请求' });
      }
      return { token: token!, after };
    } catch (e) {
      if (!(e instanceof EngineError)) throw e;
      this.options.onFailure?.(e, request);
      return this.failure(request, e);
    }
  }

  /**
   * An SSE stream of the flow, written to `sink` event by event: `retry:`, the
   * current state if newer than `after`, every change, heartbeats; closed after
   * a terminal state, or by `close()` (the client went away). The host's own
   * hang-up (`StreamConnection.close`) sends a `retry:` hint first.
   */
  openEvents(
    flowId: string,
    token: string,
    after: number,
    sink: { send(event: SseEvent): void; close(): void },
  ): { close(): void } {
    const clock = this.engine.clock;
    const retry = this.options.sseRetry ?? 1000;
    let closed = false;
    let stop: (() => void) | undefined;
    let cancelBeat = () => {};
    const finish = (hint?: boolean) => {
      if (closed) return;
      // A hang-up by the server (shutting down) says when to come back.
      if (hint) sink.send({ retry });
      closed = true;
      cancelBeat();
      stop?.();
      if (this.streams.delete(conn)) this.options.onStreams?.(flowId);
      sink.close();
    };
    const conn: StreamConnection = { flowId, transport: 'sse', close: () => finish(true) };
    const beat = () => {
      cancelBeat = clock.after(this.engine.settings.heartbeat * 1000, () => {
        if (closed) return;
        if (this.options.heartbeats?.() ?? true) sink.send({ event: 'heartbeat', data: '{}' });
        beat();
      });
    };
    sink.send({ retry });
    this.streams.add(conn);
    this.options.onStreams?.(flowId);
    this.engine
      .follow(flowId, token, after, (s) => {
        if (closed) return;
        sink.send({ event: 'state', id: String(s.seq), data: JSON.stringify(s) });
        // Terminal: nothing can follow; the response ends (§13.3).
        if (TERMINAL.includes(s.status)) clock.after(0, () => finish());
      })
      .then(
        (off) => {
          if (closed) return off();
          stop = off;
          beat();
        },
        (e: unknown) => {
          if (!(e instanceof EngineError)) this.options.onError?.(e, new Request('http://stream.invalid/'));
          finish();
        },
      );
    return { close: () => finish() };
  }

  /**
   * The request's JSON body (undefined when empty). A body that cannot be read
   * is `400`, after `first` (the flow and its token, §14.4) has had its say.
   */
  private async body(request: Request, first?: () => Promise<unknown>): Promise<unknown> {
    let text = await request.text();
    let bad: EngineError | undefined;
    if (this.options.decryptBody && text) {
      try {
        text = await this.options.decryptBody(text, request);
      } catch {
        bad = new EngineError('invalid_request', { message: '请求内容无法解密' });
      }
    }
    let body: unknown;
    if (!bad && text) {
      try {
        body = JSON.parse(text) as unknown;
      } catch {
        bad = new EngineError('invalid_request', { message: '请求内容不是有效的 JSON' });
      }
    }
    if (bad) {
      await first?.();
      throw bad;
    }
    return body;
  }

  private async json(request: Request, status: number, body: unknown, headers: Record<string, string> = {}) {
    let text = JSON.stringify(body);
    const h = new Headers(headers);
    h.set('Cache-Control', 'no-store');
    if (this.options.encryptBody) {
      text = await this.options.encryptBody(text, request);
      h.set('Content-Type', 'text/plain; charset=utf-8');
    } else {
      h.set('Content-Type', 'application/json; charset=utf-8');
    }
    return new Response(text, { status, headers: h });
  }

  private failure(request: Request, e: EngineError): Promise<Response> {
    const { status, headers, body } = errorResponse(e, languageOf(request.headers.get('Accept-Language')));
    return this.json(request, status, body, headers);
  }

  private corsHeaders(request: Request): Record<string, string> {
    const origin = request.headers.get('Origin');
    if (!origin || !this.options.allowedOrigins?.includes(origin)) return {};
    return {
      'Access-Control-Allow-Origin': origin,
      Vary: 'Origin',
      'Access-Control-Expose-Headers': 'Retry-After',
      ...(this.options.credentials ? { 'Access-Control-Allow-Credentials': 'true' } : {}),
    };
  }

  private preflight(request: Request, cors: Record<string, string>): Response {
    const headers = new Headers({ ...cors, 'Cache-Control': 'no-store' });
    if (cors['Access-Control-Allow-Origin']) {
      headers.set('Access-Control-Allow-Methods', 'GET, POST, DELETE');
      headers.set(
        'Access-Control-Allow-Headers',
        request.headers.get('Access-Control-Request-Headers') ?? 'Authorization, Content-Type',
      );
      headers.set('Access-Control-Max-Age', '600');
    }
    return new Response(null, { status: 204, headers });
  }
}
