/**
 * Protocol v1 on the wire, once, over the engine: a Hono app with a route for
 * every endpoint (polling, long-polling, SSE, the WebSocket upgrade), the
 * forgery rule and CORS. Hosts mount it: the Node server (`server/`) through
 * `@hono/node-server` and `ws`, the in-page mock through msw. Hono works on
 * web-standard `Request`s, so one set of routes serves both; it is an optional
 * peer of the browser package, needed only by the mock.
 */
import { Hono, type Context } from 'hono';
import { cors } from 'hono/cors';
import { routePath } from 'hono/route';
import type { MiddlewareHandler } from 'hono';
import type { WSContext, WSEvents } from 'hono/ws';
import type { TransportName } from '../client/protocol.js';
import type { Engine } from '../engine/engine.js';
import type { RateRule } from '../engine/settings.js';
import { EngineError, errorResponse, languageOf } from '../engine/errors.js';
import { TERMINAL, type FlowClient } from '../engine/records.js';
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
  /** The client's address as the limits count it (`addressOf`, grouped by `limits.group`), when known. */
  address?: string;
  /** Hangs up: SSE with a `retry:` hint first, WebSocket with 1013 (try again later). */
  close(): void;
}

/** One answered request, for a host's metrics: the route as declared (flow ids left out). */
export interface Answered {
  method: string;
  route: string;
  status: number;
  /** Seconds to answer (a long-poll counts its hold; a stream, its time to open). */
  seconds: number;
}

/**
 * Limits per client address (§15.3). Request counts are kept in the engine's
 * store, so that they hold across instances; open streams are this host's.
 */
export interface AddressLimits {
  /** Every request of the API. */
  requests?: RateRule;
  /** Flows created (`POST /v1/flows/qr` and `POST /v1/flows/password`), beside `requests`. */
  flows?: RateRule;
  /** SSE and WebSocket streams open at once on this host; over it: `429` / close 1013. */
  streams?: number;
  /**
   * What an address counts as (the Node host: an IPv6 address's /64, which one
   * subscriber usually holds whole); default the address itself.
   */
  group?: (address: string) => string;
}

/** A request refused by a limit per address, for the host's audit log. */
export interface Limited {
  rule: 'requests' | 'flows' | 'streams';
  /** The client's address (`addressOf`); for `streams`, as counted (`AddressLimits.group`). */
  address: string;
  method: string;
  /** The path below the base (`/v1/flows/password`). */
  path: string;
}

/** The request header every page-API request carries (§15.2): a cross-site form cannot send it. */
export const FORGERY_HEADER = 'Etax-Request';

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
  /** Every request answered, for metrics. */
  onAnswered?: (answered: Answered) => void;
  /** The client's address as the host sees it (the Node host: the socket, or a trusted proxy's header). */
  addressOf?: (c: Context) => string | undefined;
  /** Limits per client address (needs `addressOf`); none by default. */
  limits?: AddressLimits;
  /** A request refused by a limit per address. */
  onLimited?: (limited: Limited) => void;
  /**
   * Turns the WebSocket route's request into a socket (the Node host passes
   * `@hono/node-server`'s `upgradeWebSocket`). Without it the route answers
   * `426`; the in-page mock serves sockets through msw instead.
   */
  upgradeWebSocket?: (createEvents: (c: Context) => WSEvents) => MiddlewareHandler;
  /** Aborted when the host shuts down: long-polls answer at once. */
  shutdown?: AbortSignal;
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

/** Seconds a client over its open streams is told to wait (`retryAfter`). */
const STREAMS_RETRY = 10;

/** How long a WebSocket may stay silent before its `auth` message, ms. */
const AUTH_TIMEOUT = 10_000;

const NOT_OFFERED = '服务端未提供该推送方式';

/** The declared route below the base (`/v1/flows/:flowId`), or `other` when only middleware matched. */
const routeOf = (path: string, base: string) => (!path || path.endsWith('*') ? 'other' : path.slice(base.length));

const bearer = (c: Context) => /^Bearer\s+(\S+)$/i.exec(c.req.header('Authorization') ?? '')?.[1];

export class Wire {
  readonly engine: Engine;
  readonly basePath: string;
  /** Open SSE and WebSocket connections. */
  readonly streams = new Set<StreamConnection>();
  /** The routes of the API, below `basePath`. */
  readonly app: Hono;
  private readonly options: WireOptions;

  constructor(options: WireOptions) {
    this.options = options;
    this.engine = options.engine;
    this.basePath = options.basePath.replace(/\/+$/, '');
    this.app = this.routes();
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

  /** Answers one request of the API (any path below the base URL); `env` is the host's (Hono bindings). */
  fetch = async (request: Request, env?: unknown): Promise<Response> => this.app.fetch(request, env);

  /**
   * A WebSocket of `flowId` has opened: the host passes every text message to
   * `message` and tells `closed` when the socket is gone.
   */
  openSocket(
    flowId: string,
    socket: { send(text: string): void; close(code: number): void },
    address?: string,
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
    const conn: StreamConnection = {
      flowId,
      transport: 'websocket',
      ...(address ? { address } : {}),
      close: () => shut(WS_CLOSE.tryAgain),
    };
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
        // Counted once authorized, at once before it joins the open streams: no race between two.
        if (this.streamsFull(address)) {
          off();
          this.limited('streams', address!, 'GET', `/v1/flows/${flowId}/ws`);
          return shut(WS_CLOSE.tryAgain);
        }
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

  private routes(): Hono {
    const app = new Hono().basePath(this.basePath || '/');
    const e = this.engine;
    const allowed = this.options.allowedOrigins ?? [];

    app.use(async (c, next) => {
      const started = performance.now();
      await next();
      this.options.onAnswered?.({
        method: c.req.method,
        route: routeOf(routePath(c, -1), this.basePath),
        status: c.res.status,
        seconds: (performance.now() - started) / 1000,
      });
    });
    app.use(
      cors({
        origin: (origin) => (allowed.includes(origin) ? origin : null),
        allowMethods: ['GET', 'POST', 'DELETE'],
        exposeHeaders: ['Retry-After'],
        maxAge: 600,
        credentials: this.options.credentials,
      }),
    );
    // The forgery rule (§15.2): a state-changing request carries the protocol's
    // header, which a cross-site form cannot send, and comes from this origin or an allowed one.
    app.use(async (c, next) => {
      const changes = c.req.method === 'POST' || c.req.method === 'DELETE';
      if (changes && (c.req.header(FORGERY_HEADER) !== '1' || this.foreign(c))) {
        throw new EngineError('forbidden');
      }
      await next();
    });
    // Rate limits per client address (§14.4 step 2, §15.3), counted in the store.
    app.use(async (c, next) => {
      const limits = this.options.limits;
      const address = this.limitedAs(c);
      if (limits && address) {
        const path = this.pathOf(c.req.url) ?? '/';
        const creates = c.req.method === 'POST' && (path === '/v1/flows/qr' || path === '/v1/flows/password');
        for (const rule of ['requests', 'flows'] as const) {
          const limit = limits[rule];
          if (!limit || (rule === 'flows' && !creates)) continue;
          try {
            await e.limit(rule, address, limit);
          } catch (error) {
            if (error instanceof EngineError) {
              this.limited(rule, this.options.addressOf?.(c) ?? address, c.req.method, path);
            }
            throw error;
          }
        }
      }
      await next();
    });

    app.get('/v1/capabilities', (c) => {
      const caps = e.capabilities();
      return this.json(c.req.raw, 200, { ...caps, transports: caps.transports.filter((t) => this.offers(t)) });
    });
    app.post('/v1/flows/qr', async (c) => {
      const created = await e.createQr(await this.body(c.req.raw), this.clientOf(c));
      return this.json(c.req.raw, 201, { ...created, transports: created.transports?.filter((t) => this.offers(t)) });
    });
    app.post('/v1/flows/password', async (c) => {
      const created = await e.createPassword(await this.body(c.req.raw), this.clientOf(c));
      return this.json(c.req.raw, 201, { ...created, transports: created.transports?.filter((t) => this.offers(t)) });
    });
    app.get('/v1/flows/:flowId', async (c) => {
      const flowId = c.req.param('flowId');
      const token = bearer(c);
      // The flow and its token first (§14.4), then the query.
      await e.current(flowId, token);
      const after = readAfter(c.req.query('after') ?? null);
      const wait = readWait(c.req.query('wait') ?? null);
      const signal = this.options.shutdown
        ? AbortSignal.any([c.req.raw.signal, this.options.shutdown])
        : c.req.raw.signal;
      return this.json(c.req.raw, 200, await e.state(flowId, token, { after, wait, signal }));
    });
    app.delete('/v1/flows/:flowId', async (c) => {
      await e.cancel(c.req.param('flowId'), bearer(c));
      return new Response(null, { status: 204, headers: { 'Cache-Control': 'no-store' } });
    });
    app.get('/v1/flows/:flowId/events', (c) => this.events(c.req.raw, c.req.param('flowId'), this.limitedAs(c)));
    app.get('/v1/flows/:flowId/ws', (c, next) => this.socketRoute(c, next));

    const action = (
      path: string,
      act: (flowId: string, token: string | undefined, body: unknown) => Promise<unknown>,
    ) =>
      app.post(`/v1/flows/:flowId/${path}`, async (c) => {
        const flowId = c.req.param('flowId');
        const token = bearer(c);
        const body = await this.body(c.req.raw, () => e.current(flowId, token));
        return this.json(c.req.raw, 200, await act(flowId, token, body));
      });
    action('step-up', (id, token, body) => e.stepUp(id, token, body));
    action('sms', (id, token, body) => e.sendSms(id, token, body));
    action('sms/verify', (id, token, body) => e.verifySms(id, token, body));
    action('identity', (id, token, body) => e.chooseIdentity(id, token, body));

    app.notFound((c) => {
      const version = /^\/v(\d+)(?:\/|$)/.exec(this.pathOf(c.req.url) ?? '')?.[1];
      throw new EngineError(version && version !== '1' ? 'unsupported_version' : 'invalid_request', {
        ...(version && version !== '1' ? {} : { message: '未知的接口' }),
      });
    });
    app.onError((error, c) => {
      if (!(error instanceof EngineError)) this.options.onError?.(error, c.req.raw);
      const failure = error instanceof EngineError ? error : new EngineError('internal_error');
      this.options.onFailure?.(failure, c.req.raw);
      return this.failure(c.req.raw, failure);
    });
    return app;
  }

  /** The client's address as the limits count it. */
  private limitedAs(c: Context): string | undefined {
    const address = this.options.addressOf?.(c);
    const group = this.options.limits?.group;
    return address && group ? group(address) : address;
  }

  /** Whether `address` has as many streams open on this host as it may. */
  private streamsFull(address: string | undefined): boolean {
    const max = this.options.limits?.streams;
    if (!max || !address) return false;
    let open = 0;
    for (const s of this.streams) if (s.address === address) open++;
    return open >= max;
  }

  private limited(rule: Limited['rule'], address: string, method: string, path: string): void {
    this.options.onLimited?.({ rule, address, method, path });
  }

  /** Whether the request's `Origin` is neither this server's nor an allowed one. */
  private foreign(c: Context): boolean {
    const origin = c.req.header('Origin');
    if (!origin || this.options.allowedOrigins?.includes(origin)) return false;
    try {
      // The host only: behind a TLS-terminating proxy the scheme the server sees differs.
      return new URL(origin).host !== new URL(c.req.url).host;
    } catch {
      return true;
    }
  }

  /** What the creating request says of the page (§15.5). */
  private clientOf(c: Context): FlowClient {
    return {
      origin: c.req.header('Origin'),
      userAgent: c.req.header('User-Agent'),
      address: this.options.addressOf?.(c),
    };
  }

  /** `GET …/ws`: the upgrade when the host can make one, else `426` (or `400` when WebSocket is not offered, §13.4). */
  private async socketRoute(c: Context, next: () => Promise<void>): Promise<Response> {
    if (!this.offers('websocket')) throw new EngineError('invalid_request', { message: NOT_OFFERED });
    const upgrade = this.options.upgradeWebSocket;
    if (!upgrade || c.req.header('Upgrade')?.toLowerCase() !== 'websocket') {
      return new Response(null, { status: 426, headers: { Upgrade: 'websocket', 'Cache-Control': 'no-store' } });
    }
    if (this.foreign(c)) throw new EngineError('forbidden');
    const flowId = c.req.param('flowId')!;
    if (this.options.refuseStreams?.(flowId)) throw new EngineError('unavailable', { retryAfter: 1 });
    const address = this.limitedAs(c);
    let session: ReturnType<Wire['openSocket']> | undefined;
    const answer = await upgrade(() => ({
      onOpen: (_event: Event, ws: WSContext<unknown>) => {
        session = this.openSocket(flowId, { send: (text) => ws.send(text), close: (code) => ws.close(code) }, address);
      },
      onMessage: (event: MessageEvent) => session?.message(String(event.data)),
      onClose: () => session?.closed(),
    }))(c, next);
    return answer ?? new Response(null, { status: 426, headers: { Upgrade: 'websocket' } });
  }

  /** `GET …/events`: the SSE stream, or the error (JSON) that keeps it from opening (§13.3). */
  private async events(request: Request, flowId: string, address?: string): Promise<Response> {
    const opening = await this.checkEvents(request, flowId);
    if (opening instanceof Response) return opening;
    // Checked here, with nothing awaited before the stream joins the open ones (its `start` runs at once).
    if (this.streamsFull(address)) {
      this.limited('streams', address!, 'GET', `/v1/flows/${flowId}/events`);
      const refused = new EngineError('rate_limited', { retryAfter: STREAMS_RETRY });
      this.options.onFailure?.(refused, request);
      return this.failure(request, refused);
    }
    const encoder = new TextEncoder();
    let session: { close(): void } | undefined;
    const body = new ReadableStream<Uint8Array>({
      start: (controller) => {
        let open = true;
        session = this.openEvents(
          flowId,
          opening.token,
          opening.after,
          {
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
          },
          address,
        );
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
    address?: string,
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
    const conn: StreamConnection = {
      flowId,
      transport: 'sse',
      ...(address ? { address } : {}),
      close: () => finish(true),
    };
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
}
