/**
 * Test doubles for timing tests: a scriptable `fetch` (passed through the
 * client's `fetch` option) and a fake `EventSource`. Journey tests use the
 * MSW mock backend instead; these exist because msw's `delay()` and the
 * browser's own EventSource reconnect cannot run under fake timers.
 */
import type { Capabilities, FlowCreated, FlowState } from '../../src/client/protocol.js';

export interface Call {
  method: string;
  path: string;
  url: URL;
  headers: Headers;
  body: string | undefined;
  signal: AbortSignal;
  /** performance.now() when the request was made. */
  at: number;
}

export type Reply = Response | Promise<Response> | 'hang';
export type Route = (call: Call) => Reply | undefined;

/**
 * A response whose body is ready at once. A real `Response` reads its body
 * through the browser's streams, which takes event-loop turns that fake
 * timers do not give; this keeps every answer within microtasks.
 */
export const reply = (text: string, status = 200, headers: Record<string, string> = {}): Response =>
  ({
    ok: status >= 200 && status < 300,
    status,
    statusText: String(status),
    headers: new Headers(headers),
    text: () => Promise.resolve(text),
  }) as Response;

export const json = (body: unknown, status = 200, headers: Record<string, string> = {}): Response =>
  reply(JSON.stringify(body), status, { 'Content-Type': 'application/json', ...headers });

export const errorReply = (
  status: number,
  code: string,
  extra: Record<string, unknown> = {},
  headers: Record<string, string> = {},
): Response => json({ error: { code, message: code, ...extra } }, status, headers);

export const capabilities = (over: Partial<Capabilities> = {}): Capabilities => ({
  protocol: 'etax-login',
  version: 1,
  transports: ['poll'],
  pollInterval: 2,
  heartbeat: 15,
  entries: [
    {
      id: 'enterprise',
      fields: [
        { name: 'taxpayerId', kind: 'taxpayer-id', required: true },
        { name: 'account', kind: 'account', required: true },
      ],
    },
    { id: 'individual', fields: [{ name: 'account', kind: 'account', required: true }] },
  ],
  stepUp: { methods: ['face_iit', 'face_etax', 'sms'] },
  sms: { codeLength: 6 },
  qr: { apps: ['etax', 'iit'] },
  ...over,
});

export const qrWaiting = (seq: number, payload = `qr-${seq}`, expiresIn = 600): FlowState => ({
  seq,
  status: 'qr_waiting',
  qr: { payload, expiresIn },
});

export const created = (state: FlowState, over: Partial<FlowCreated> = {}): FlowCreated => ({
  flowId: 'f1',
  flowToken: 'secret-token',
  expiresIn: 900,
  state,
  ...over,
});

/**
 * A fetch whose answers come from `route`; unanswered routes are 404.
 * 'hang' never answers until the request is aborted.
 */
export function fakeFetch(route: Route) {
  const calls: Call[] = [];
  let pending = 0;
  const fetch = (input: RequestInfo | URL, init: RequestInit = {}): Promise<Response> => {
    const url = new URL(String(input));
    const signal = init.signal ?? new AbortController().signal;
    const call: Call = {
      method: init.method ?? 'GET',
      path: url.pathname.replace(/^\/api/, '') + url.search,
      url,
      headers: new Headers(init.headers),
      body: typeof init.body === 'string' ? init.body : undefined,
      signal,
      at: performance.now(),
    };
    calls.push(call);
    pending++;
    return new Promise<Response>((resolve, reject) => {
      const done = () => pending--;
      const abort = () => {
        done();
        reject(signal.reason instanceof DOMException ? signal.reason : new DOMException('aborted', 'AbortError'));
      };
      if (signal.aborted) return abort();
      signal.addEventListener('abort', abort, { once: true });
      const reply = route(call) ?? errorReply(404, 'flow_not_found');
      if (reply === 'hang') return;
      Promise.resolve(reply).then(
        (r) => {
          if (signal.aborted) return;
          signal.removeEventListener('abort', abort);
          done();
          resolve(r);
        },
        (e) => {
          signal.removeEventListener('abort', abort);
          done();
          reject(e);
        },
      );
    });
  };
  return {
    fetch: fetch as typeof globalThis.fetch,
    calls,
    /** Requests made and not yet answered or aborted. */
    get pending() {
      return pending;
    },
    /** Calls whose path starts with the given one. */
    to: (method: string, path: string) => calls.filter((c) => c.method === method && c.path.startsWith(path)),
  };
}

/** A controllable EventSource: tests open it, push events, and fail it. */
export class FakeEventSource extends EventTarget {
  static instances: FakeEventSource[] = [];
  static reset() {
    FakeEventSource.instances = [];
  }
  static get last(): FakeEventSource {
    return FakeEventSource.instances[FakeEventSource.instances.length - 1];
  }
  readonly CONNECTING = 0;
  readonly OPEN = 1;
  readonly CLOSED = 2;
  readyState = 0;
  url: string;
  withCredentials: boolean;
  onerror: ((e: Event) => void) | null = null;
  onmessage: ((e: MessageEvent) => void) | null = null;
  onopen: ((e: Event) => void) | null = null;
  constructor(url: string | URL, init?: EventSourceInit) {
    super();
    this.url = String(url);
    this.withCredentials = !!init?.withCredentials;
    FakeEventSource.instances.push(this);
  }
  open() {
    this.readyState = 1;
    this.dispatchEvent(new Event('open'));
  }
  send(type: string, data: unknown, id?: string) {
    this.dispatchEvent(
      new MessageEvent(type, { data: typeof data === 'string' ? data : JSON.stringify(data), lastEventId: id }),
    );
  }
  /** A network error; `closed` when the browser gives up reconnecting. */
  fail(closed = false) {
    this.readyState = closed ? 2 : 0;
    this.dispatchEvent(new Event('error'));
  }
  close() {
    this.readyState = 2;
  }
}
