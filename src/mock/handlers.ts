/**
 * The mock backend on the wire: msw handlers that hand every request of the
 * API to the engine's wire handlers (`src/wire`), the same the Node server
 * mounts. Around them, only what a test orders: the request log, latency and
 * faults. SSE goes through msw's `sse()` and WebSocket through `ws.link()`,
 * both driven by the wire's stream sessions.
 */
import { delay, http, HttpResponse, sse, ws, type AnyHandler } from 'msw';
import { EngineError, resumeAfter } from '../engine/index.js';
import { WS_CLOSE } from '../wire/index.js';
import { redact, type Backend, type RequestLogEntry } from './backend.js';
import { codeForStatus, type Fault } from './faults.js';

export { WS_CLOSE };

/** An error response as a code of the protocol would give it, with another status when a fault asks. */
const errorAnswer = (e: EngineError, status = e.status) => {
  const retry = e.extra.retryAfter;
  return HttpResponse.json(e.body(), {
    status,
    headers: { 'Cache-Control': 'no-store', ...(retry === undefined ? {} : { 'Retry-After': String(retry) }) },
  });
};

/** The answer an ordered fault gives a request of `path` (below the base URL). */
export const faulty = (fault: Fault, path: string): Response => {
  switch (fault.type) {
    case 'throttle':
      return errorAnswer(
        new EngineError(/\/sms$/.test(path.split('?')[0]) ? 'sms_throttled' : 'rate_limited', {
          retryAfter: fault.retryAfter,
        }),
      );
    case 'fail': {
      const retry = fault.status === 429 || fault.status === 503 ? { retryAfter: 1 } : {};
      return errorAnswer(new EngineError(codeForStatus(fault.status), retry), fault.status);
    }
    case 'malform':
      return fault.kind === 'json'
        ? new HttpResponse('{"seq": 1, "status": ', { status: 200, headers: { 'Content-Type': 'application/json' } })
        : HttpResponse.json({ unexpected: true }, { status: 200 });
  }
};

export function createHandlers(b: Backend): AnyHandler[] {
  const url = (path: string) => b.settings.baseUrl + path;
  const flowIdOf = (rel: string) => /^\/v1\/flows\/(?!qr(?:$|\?)|password(?:$|\?))([^/?]+)/.exec(rel)?.[1];

  const done = (entry: RequestLogEntry, response: Response) => {
    entry.status = response.status;
    b.emit({ type: 'request' });
    return response;
  };

  /** The request's body for the log, unwrapped and with its secrets redacted (undefined when unreadable). */
  const loggedBody = async (request: Request): Promise<unknown> => {
    let text = await request.clone().text();
    if (!text) return undefined;
    try {
      if (b.settings.decryptBody) text = await b.settings.decryptBody(text, request.clone());
      return redact(JSON.parse(text));
    } catch {
      return undefined;
    }
  };

  /**
   * Logs the request, adds the latency, applies an ordered fault; else `next`
   * answers it. `next` returning undefined passes the request on (to msw's SSE stream).
   */
  const around = async (
    request: Request,
    transport: RequestLogEntry['transport'],
    next: () => Promise<Response | undefined>,
  ): Promise<Response | undefined> => {
    const rel = b.relative(request.url);
    const flowId = flowIdOf(rel);
    const entry = b.record({ method: request.method, path: rel, ...(flowId ? { flowId } : {}), transport });
    if (request.method === 'POST') {
      const body = await loggedBody(request);
      if (body !== undefined) entry.body = body;
    }
    if (b.latency > 0) await delay(b.latency);
    const fault = b.faults.take(b.now(), request.method, rel);
    if (fault) return done(entry, faulty(fault, rel));
    const response = await next();
    if (!response) {
      entry.status = 200;
      return undefined;
    }
    return done(entry, response);
  };

  const events = url('/v1/flows/:flowId/events');
  // msw's `sse()` needs EventSource, which Node 20 lacks: there SSE is simply not offered.
  const stream =
    typeof EventSource !== 'undefined'
      ? [
          sse<{ state: string; heartbeat: string }>(events, ({ client, request, params }) => {
            const q = new URL(request.url).searchParams;
            const after = resumeAfter(request.headers.get('Last-Event-ID'), q.get('after'));
            const close = client.close.bind(client);
            const session = b.wire.openEvents(String(params.flowId), q.get('token') ?? '', after, {
              send: (e) => {
                // A `retry:` line alone, or a named event with its id and data.
                if (e.event === undefined) client.send({ retry: e.retry } as Parameters<typeof client.send>[0]);
                else client.send({ id: e.id, event: e.event as 'state', data: e.data! });
              },
              close,
            });
            // The page closing the EventSource cancels the stream, which closes the client.
            client.close = () => {
              session.close();
              close();
            };
          }),
        ]
      : [];

  const link = ws.link(url('/v1/flows/:flowId/ws'));
  const socket = link.addEventListener('connection', ({ client, params }) => {
    const flowId = String(params.flowId);
    const entry = b.record({ method: 'GET', path: b.relative(client.url), flowId, transport: 'websocket' });
    const session = b.wire.openSocket(flowId, {
      send: (text) => {
        if (entry.status === undefined) {
          entry.status = 101;
          b.emit({ type: 'request' });
        }
        client.send(text);
      },
      close: (code) => {
        entry.status = code;
        b.emit({ type: 'request' });
        client.close(code);
      },
    });
    client.addEventListener('message', (event) => {
      if (entry.body === undefined) {
        try {
          entry.body = redact(JSON.parse(String(event.data)));
        } catch {
          entry.body = undefined;
        }
      }
      session.message(String(event.data));
    });
    client.addEventListener('close', () => session.closed());
  });

  return [
    // SSE: the wire checks the request and answers errors as JSON; a good request passes on to the stream.
    http.get(events, ({ request, params }) =>
      around(request, 'sse', async () => {
        const opening = await b.wire.checkEvents(request, String(params.flowId));
        return opening instanceof Response ? opening : undefined;
      }),
    ),
    ...stream,
    socket,
    // Everything else below the base URL, unknown paths included.
    http.all(url('/*'), ({ request }) => around(request, 'http', () => b.wire.fetch(request))),
  ];
}
