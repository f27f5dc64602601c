/**
 * The mock backend on the wire: msw `http`, `sse` and `ws` handlers for every
 * endpoint of protocol v1, over the rules in `backend.ts`.
 */
import { delay, http, HttpResponse, sse, ws, type AnyHandler } from 'msw';
import type { FlowState, TransportName } from '../client/protocol.js';
import { redact, type Backend, type RequestLogEntry, type StreamConnection } from './backend.js';
import { ApiError, codeForStatus } from './errors.js';
import type { Fault } from './faults.js';
import { isLive, TERMINAL, type FlowRecord } from './flow.js';

interface Route {
  request: Request;
  flowId: string;
  body: unknown;
  path: string;
}

/** Close codes of the WebSocket (the protocol gives the socket no error message). */
export const WS_CLOSE = {
  badMessage: 4400,
  unauthorized: 4401,
  notFound: 4404,
  notOffered: 1008,
  tryAgain: 1013,
} as const;

/** How long a WebSocket may stay silent before its `auth` message, ms. */
const AUTH_TIMEOUT = 10000;

export function createHandlers(b: Backend): AnyHandler[] {
  const s = b.settings;
  const url = (path: string) => s.baseUrl + path;
  const basePath = () =>
    new URL(s.baseUrl, globalThis.location?.href ?? 'http://localhost').pathname.replace(/\/$/, '');
  const relative = (href: string | URL) => {
    const u = new URL(href);
    const p = u.pathname.startsWith(basePath()) ? u.pathname.slice(basePath().length) : u.pathname;
    return (p + u.search).replace(/([?&]token=)[^&]*/, '$1[redacted]');
  };
  // msw's `sse()` needs EventSource, which Node 20 lacks: there SSE is simply not offered.
  const canSse = typeof EventSource !== 'undefined';
  const offered = (t: TransportName) => t === 'poll' || (s.transports.includes(t) && (t !== 'sse' || canSse));
  const bearer = (request: Request) => /^Bearer\s+(\S+)$/i.exec(request.headers.get('Authorization') ?? '')?.[1];

  const json = async (request: Request, status: number, body: unknown, headers: Record<string, string> = {}) => {
    let text = JSON.stringify(body);
    const h = new Headers(headers);
    if (s.encryptBody) {
      text = await s.encryptBody(text, request);
      h.set('Content-Type', 'text/plain');
    } else {
      h.set('Content-Type', 'application/json');
    }
    return new HttpResponse(text, { status, headers: h });
  };

  const failure = (request: Request, e: ApiError) =>
    json(
      request,
      e.status,
      e.body,
      e.extra.retryAfter === undefined ? {} : { 'Retry-After': String(e.extra.retryAfter) },
    );

  const faulty = (request: Request, fault: Fault, path: string): Promise<Response> | Response => {
    switch (fault.type) {
      case 'throttle':
        return failure(
          request,
          new ApiError(/\/sms$/.test(path.split('?')[0]) ? 'sms_throttled' : 'rate_limited', {
            retryAfter: fault.retryAfter,
          }),
        );
      case 'fail': {
        const code = codeForStatus(fault.status);
        const retry = fault.status === 429 || fault.status === 503 ? { retryAfter: 1 } : {};
        return failure(request, new ApiError(code, { status: fault.status, ...retry }));
      }
      case 'malform':
        return fault.kind === 'json'
          ? new HttpResponse('{"seq": 1, "status": ', { status: 200, headers: { 'Content-Type': 'application/json' } })
          : HttpResponse.json({ unexpected: true }, { status: 200 });
    }
  };

  const readBody = async (request: Request): Promise<unknown> => {
    let text = await request.text();
    if (s.decryptBody && text) {
      try {
        text = await s.decryptBody(text, request);
      } catch {
        throw new ApiError('invalid_request', { message: '请求内容无法解密' });
      }
    }
    if (!text) return undefined;
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw new ApiError('invalid_request', { message: '请求内容不是有效的 JSON' });
    }
  };

  const done = (entry: RequestLogEntry, response: Response) => {
    entry.status = response.status;
    b.emit({ type: 'request' });
    return response;
  };

  /**
   * One endpoint: logs the request (secrets redacted), reads the body, adds the
   * latency, applies an ordered fault, then runs the rule. A rule returning
   * undefined passes the request on to the next handler (the SSE stream).
   */
  const route = (
    method: 'get' | 'post' | 'delete',
    path: string,
    rule: (r: Route) => Promise<Response | undefined> | Response | undefined,
    transport: RequestLogEntry['transport'] = 'http',
  ) =>
    http[method](url(path), async ({ request, params }) => {
      const rel = relative(request.url);
      const flowId = typeof params.flowId === 'string' ? params.flowId : '';
      const entry = b.record({ method: request.method, path: rel, ...(flowId ? { flowId } : {}), transport });
      let body: unknown;
      let bad: ApiError | undefined;
      if (method === 'post') {
        try {
          body = await readBody(request);
          if (body !== undefined) entry.body = redact(body);
        } catch (e) {
          bad = e as ApiError;
        }
      }
      if (b.latency > 0) await delay(b.latency);
      const fault = b.faults.take(b.now(), request.method, rel);
      if (fault) return done(entry, await faulty(request, fault, rel));
      try {
        if (bad) throw bad;
        const response = await rule({ request, flowId, body, path: rel });
        if (!response) {
          entry.status = 200;
          return undefined;
        }
        return done(entry, response);
      } catch (e) {
        if (!(e instanceof ApiError)) console.error(e);
        return done(entry, await failure(request, e instanceof ApiError ? e : new ApiError('internal_error')));
      }
    });

  const flowOf = (r: Route) => b.flowFor(r.flowId, bearer(r.request));
  const ok = (r: Route, body: unknown, status = 200) => json(r.request, status, body);

  /**
   * Sends states and heartbeats to one open stream; `close` is how
   * `dropStreams()` hangs up. Returns what to call once the stream is closed.
   */
  const follow = (
    flow: FlowRecord,
    after: number,
    transport: StreamConnection['transport'],
    send: (state: FlowState) => void,
    beat: () => void,
    close: () => void,
    /** Hangs up once a terminal state was sent: nothing more can follow. */
    done: () => void,
  ): (() => void) => {
    const timer = setInterval(() => b.heartbeats && beat(), s.heartbeat * 1000);
    const end = () => {
      clearInterval(timer);
      flow.listeners.delete(deliver);
      if (b.streams.delete(conn)) b.emit({ type: 'flow', flowId: flow.id });
    };
    const conn: StreamConnection = {
      flowId: flow.id,
      transport,
      close: () => {
        end();
        close();
      },
    };
    const deliver = (state: FlowState) => {
      send(state);
      if (TERMINAL.includes(state.status)) {
        end();
        done();
      }
    };
    b.streams.add(conn);
    flow.listeners.add(deliver);
    if (flow.seq > after) deliver(b.view(flow));
    b.emit({ type: 'flow', flowId: flow.id });
    return end;
  };

  const seqParam = (value: string | null, field: string): number => {
    if (value === null || value === '') return -1;
    const n = Number(value);
    if (!Number.isInteger(n) || n < -1) throw new ApiError('invalid_request', { field });
    return n;
  };

  const events = url('/v1/flows/:flowId/events');

  const link = ws.link(url('/v1/flows/:flowId/ws'));
  const socket = link.addEventListener('connection', ({ client, params }) => {
    const flowId = String(params.flowId);
    const entry = b.record({ method: 'GET', path: relative(client.url), flowId, transport: 'websocket' });
    let end: (() => void) | undefined;
    const shut = (code: number) => {
      clearTimeout(authTimer);
      entry.status = code;
      b.emit({ type: 'request' });
      client.close(code);
    };
    const authTimer = setTimeout(() => shut(WS_CLOSE.unauthorized), AUTH_TIMEOUT);
    if (!offered('websocket')) return shut(WS_CLOSE.notOffered);
    client.addEventListener('close', () => {
      clearTimeout(authTimer);
      end?.();
    });
    client.addEventListener('message', (event) => {
      if (end) return; // after `auth` the client has nothing to say
      let m: { type?: unknown; token?: unknown; after?: unknown } | undefined;
      try {
        m = JSON.parse(String(event.data)) as typeof m;
      } catch {
        m = undefined;
      }
      if (m?.type !== 'auth' || typeof m.token !== 'string') return shut(WS_CLOSE.badMessage);
      entry.body = redact(m);
      const flow = b.flows.get(flowId);
      if (!flow) return shut(WS_CLOSE.notFound);
      if (m.token !== flow.token) return shut(WS_CLOSE.unauthorized);
      if (b.refuseStreams || flow.refuseStreams) return shut(WS_CLOSE.tryAgain);
      clearTimeout(authTimer);
      entry.status = 101;
      b.refresh(flow);
      const after = typeof m.after === 'number' && Number.isInteger(m.after) ? m.after : -1;
      end = follow(
        flow,
        after,
        'websocket',
        (state) => client.send(JSON.stringify({ type: 'state', state })),
        () => client.send(JSON.stringify({ type: 'heartbeat' })),
        () => shut(WS_CLOSE.tryAgain),
        // After the last state has gone out: closing in the same task would lose it.
        () => setTimeout(() => shut(1000)),
      );
    });
  });

  const stream = canSse
    ? [
        sse<{ state: string; heartbeat: string }>(events, ({ client, request, params }) => {
          const flow = b.flows.get(String(params.flowId));
          if (!flow) return client.close();
          const last = request.headers.get('Last-Event-ID');
          const query = new URL(request.url).searchParams.get('after');
          const after = Number.parseInt(last || query || '-1', 10);
          client.send({ retry: s.sseRetry });
          const close = client.close.bind(client);
          const end = follow(
            flow,
            Number.isNaN(after) ? -1 : after,
            'sse',
            (state) => client.send({ id: String(state.seq), event: 'state', data: JSON.stringify(state) }),
            () => client.send({ event: 'heartbeat', data: '{}' }),
            close,
            close,
          );
          // The page closing the EventSource cancels the stream, which closes the client.
          client.close = () => {
            end();
            close();
          };
        }),
      ]
    : [];

  /** Capabilities and created flows name only the transports this host can serve. */
  const servable = <T extends { transports?: TransportName[] }>(body: T): T => ({
    ...body,
    transports: body.transports?.filter(offered),
  });

  return [
    route('get', '/v1/capabilities', (r) => ok(r, servable(b.capabilities()))),
    route('post', '/v1/flows/qr', (r) => {
      if (r.body !== undefined && (typeof r.body !== 'object' || r.body === null))
        throw new ApiError('invalid_request');
      return ok(r, servable(b.createQr()), 201);
    }),
    route('post', '/v1/flows/password', (r) => ok(r, servable(b.createPassword(r.body)), 201)),

    // SSE: this checks the request and answers errors as JSON; a good request
    // passes on to the stream below.
    route(
      'get',
      '/v1/flows/:flowId/events',
      (r) => {
        const q = new URL(r.request.url).searchParams;
        if (!offered('sse')) throw new ApiError('invalid_request', { message: '服务端未提供该推送方式' });
        const flow = b.flowFor(r.flowId, q.get('token') ?? undefined);
        const after = Number(r.request.headers.get('Last-Event-ID') || seqParam(q.get('after'), 'after'));
        // Over, and its last state already seen: 204 tells the EventSource to stop reconnecting.
        if (!isLive(flow) && after >= flow.seq) return new HttpResponse(null, { status: 204 });
        if (b.refuseStreams || flow.refuseStreams) throw new ApiError('unavailable', { retryAfter: 1 });
        if (r.request.headers.get('accept') !== 'text/event-stream') {
          throw new ApiError('invalid_request', { message: '请以 text/event-stream 方式请求' });
        }
        return undefined;
      },
      'sse',
    ),
    ...stream,

    route('get', '/v1/flows/:flowId', async (r) => {
      const flow = flowOf(r);
      const q = new URL(r.request.url).searchParams;
      const after = seqParam(q.get('after'), 'after');
      const waitRaw = q.get('wait');
      let wait = 0;
      if (waitRaw !== null) {
        wait = Number(waitRaw);
        if (!Number.isFinite(wait) || wait < 0) throw new ApiError('invalid_request', { field: 'wait' });
      }
      if (offered('long-poll')) await b.wait(flow, after, Math.min(wait, s.longPollWait));
      b.refresh(flow);
      return ok(r, b.view(flow));
    }),
    route('delete', '/v1/flows/:flowId', (r) => {
      b.remove(flowOf(r));
      return new HttpResponse(null, { status: 204 });
    }),
    route('post', '/v1/flows/:flowId/step-up', (r) => ok(r, b.stepUp(flowOf(r), r.body))),
    route('post', '/v1/flows/:flowId/sms', (r) => ok(r, b.sendSms(flowOf(r), r.body))),
    route('post', '/v1/flows/:flowId/sms/verify', (r) => ok(r, b.verifySms(flowOf(r), r.body))),
    route('post', '/v1/flows/:flowId/identity', (r) => ok(r, b.chooseIdentity(flowOf(r), r.body))),
    socket,

    // Anything else below the base URL.
    http.all(url('/*'), async ({ request }) => {
      const rel = relative(request.url);
      const entry = b.record({ method: request.method, path: rel, transport: 'http' });
      const version = /^\/v(\d+)\//.exec(rel)?.[1];
      const e = new ApiError(version && version !== '1' ? 'unsupported_version' : 'invalid_request', {
        message: version && version !== '1' ? undefined : '未知的接口',
      });
      return done(entry, await failure(request, e));
    }),
  ];
}
