/**
 * What every check of the conformance kit uses: requests to the page API over
 * `fetch`, an SSE reader over a fetch stream, a WebSocket, the checks' own
 * failure and skip signals, and a watch over every state seen so that a `seq`
 * that goes back is caught whichever check saw it. Black-box: nothing here
 * knows how the server is built.
 */
import WebSocket from 'ws';
import type { Target } from './target.js';

/** One line of the report. */
export interface CheckResult {
  /** The section of docs/protocol.md the check reads, e.g. `§13.3 Server-Sent Events`. */
  section: string;
  name: string;
  ok: boolean;
  /** The check could not run here (a lifetime over the bound, no allowed origin given…); counted apart. */
  skipped?: boolean;
  detail: string;
  /** Milliseconds the check took. */
  ms: number;
}

/** A check failed: `detail` says what was expected and what came. */
export class Failure extends Error {
  override name = 'Failure';
}

/** The check cannot run against this server or with these options. */
export class Skip extends Error {
  override name = 'Skip';
}

export const fail = (detail: string): never => {
  throw new Failure(detail);
};

export function expect(condition: unknown, detail: string): asserts condition {
  if (!condition) throw new Failure(detail);
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export type Json = Record<string, unknown>;

/**
 * Text of an answer for a report: cut to `n` characters, with every secret a
 * body may hold (tokens, payloads, passwords, codes of the test outbox) masked.
 */
export function clip(text: string, n = 200): string {
  return text
    .replace(/"(flowToken|token|payload|password|code|secret)"\s*:\s*"[^"]*"/g, (m, k: string) =>
      k === 'code' && /"code"\s*:\s*"[a-z_]+"/.test(m) ? m : `"${k}":"…"`,
    )
    .slice(0, n);
}

export const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** An answer, its body read. */
export interface Answer {
  status: number;
  headers: Headers;
  text: string;
  /** The body as JSON, or undefined when it is not JSON. */
  json: unknown;
  /** Milliseconds from sending to the end of the body. */
  ms: number;
}

export interface RequestOptions {
  token?: string;
  /** A JSON body (sets `Content-Type`). */
  json?: unknown;
  /** A raw body, sent as is. */
  body?: string;
  headers?: Record<string, string>;
  /** Leave out `Etax-Request: 1` (the forgery checks). */
  noForgeryHeader?: boolean;
  /** Milliseconds before the request is given up; default the kit's. */
  timeout?: number;
  /** Answer a `429 rate_limited` as it comes, instead of waiting its `Retry-After` and asking again. */
  noRetry?: boolean;
}

export interface KitOptions {
  baseUrl: string;
  target?: Target;
  /** An origin the server allows (CORS), from the options or the target. */
  allowedOrigin?: string;
  /** Longest single wait a check may do, seconds; a check that would wait longer is skipped. */
  maxWait: number;
  /** Milliseconds before an ordinary request is given up. */
  timeout: number;
  /** QR creations the rate-limit probe sends at most before it gives up finding a `429`. */
  rateLimitProbe: number;
}

/** One state seen, and where. */
interface Seen {
  seq: number;
  via: string;
}

/**
 * The run's context: the base URL, requests, and the record of every state of
 * every flow seen so far (a `seq` lower than one seen earlier on an ordered
 * channel is a violation of §12).
 */
export class Kit {
  readonly base: string;
  readonly options: KitOptions;
  /** Violations of "a seq never goes back", found by any check. */
  readonly backwards: string[] = [];
  /** States that are not well-formed (§5.2), found by any check. */
  readonly malformed: string[] = [];
  private readonly last = new Map<string, Seen>();
  private capsCache?: Promise<Json>;

  constructor(options: KitOptions) {
    this.options = options;
    this.base = options.baseUrl.replace(/\/+$/, '');
  }

  url(path: string): string {
    return `${this.base}${path}`;
  }

  /** Seconds spent waiting out `429 rate_limited` answers, over the run. */
  rateLimitedWait = 0;

  /**
   * A request to the page API: `Accept: application/json`, `Etax-Request: 1`,
   * the token as a bearer. A `429 rate_limited` (the server's limits, met by
   * the kit's own pace) is waited out as a client would, up to three times and
   * 60 s each (a fixed window of a minute) within `maxWait`, unless `noRetry`.
   */
  async request(method: string, path: string, o: RequestOptions = {}): Promise<Answer> {
    for (let attempt = 0; ; attempt++) {
      const a = await this.send(method, path, o);
      const e = (a.json as { error?: { code?: unknown; retryAfter?: unknown } } | undefined)?.error;
      const wait = Number(e?.retryAfter ?? a.headers.get('Retry-After'));
      if (o.noRetry || a.status !== 429 || e?.code !== 'rate_limited' || attempt >= 3) return a;
      if (!(wait >= 0 && wait <= Math.min(60, this.options.maxWait))) return a;
      this.rateLimitedWait += wait;
      await sleep(wait * 1000 + 50);
    }
  }

  private async send(method: string, path: string, o: RequestOptions): Promise<Answer> {
    const headers = new Headers({ Accept: 'application/json' });
    if (!o.noForgeryHeader) headers.set('Etax-Request', '1');
    if (o.token) headers.set('Authorization', `Bearer ${o.token}`);
    let body: string | undefined = o.body;
    if (o.json !== undefined) {
      headers.set('Content-Type', 'application/json');
      body = JSON.stringify(o.json);
    }
    for (const [k, v] of Object.entries(o.headers ?? {})) headers.set(k, v);
    const started = performance.now();
    const timeout = o.timeout ?? this.options.timeout;
    let response: Response;
    try {
      response = await fetch(path.startsWith('http') ? path : this.url(path), {
        method,
        headers,
        body,
        signal: AbortSignal.timeout(timeout),
        redirect: 'manual',
      });
    } catch (e) {
      return fail(`${method} ${path}: no answer (${(e as Error).message})`);
    }
    const text = await response.text();
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    return { status: response.status, headers: response.headers, text, json, ms: performance.now() - started };
  }

  /** `GET /v1/capabilities`, once per run. */
  caps(): Promise<Json> {
    this.capsCache ??= this.request('GET', '/v1/capabilities').then((a) => {
      if (a.status !== 200 || !isObj(a.json)) {
        throw new Failure(`GET /v1/capabilities answered ${a.status}: ${clip(a.text, 200)}`);
      }
      return a.json;
    });
    return this.capsCache;
  }

  async offers(transport: string): Promise<boolean> {
    const caps = await this.caps();
    return transport === 'poll' || (Array.isArray(caps.transports) && caps.transports.includes(transport));
  }

  /** `POST /v1/flows/qr`, expecting `201`. */
  async createQr(): Promise<Created> {
    const a = await this.request('POST', '/v1/flows/qr', { json: {} });
    return this.created(a, 'POST /v1/flows/qr');
  }

  /** A `201 FlowCreated`, checked enough to go on, its first state recorded. */
  created(a: Answer, what: string): Created {
    expect(a.status === 201, `${what} answered ${a.status}, not 201: ${clip(a.text, 300)}`);
    const c = a.json;
    expect(isObj(c), `${what}: the body is not a JSON object`);
    expect(typeof c.flowId === 'string' && c.flowId, `${what}: no flowId`);
    expect(typeof c.flowToken === 'string' && c.flowToken, `${what}: no flowToken`);
    expect(typeof c.expiresIn === 'number' && c.expiresIn > 0, `${what}: expiresIn is not a positive number`);
    expect(isObj(c.state), `${what}: no state`);
    this.observe(c.flowId, c.state, what);
    return c as unknown as Created;
  }

  /** `GET /v1/flows/{id}` (poll, or long-poll with `wait`), its state recorded. */
  async poll(flow: Created, query = '', o: RequestOptions = {}): Promise<Answer> {
    const a = await this.request('GET', `/v1/flows/${encodeURIComponent(flow.flowId)}${query}`, {
      token: flow.flowToken,
      ...o,
    });
    if (a.status === 200 && isObj(a.json)) this.observe(flow.flowId, a.json, `GET …${query}`);
    return a;
  }

  /** The state of a flow now (a plain poll), expecting `200`. */
  async state(flow: Created): Promise<Json> {
    const a = await this.poll(flow);
    expect(a.status === 200 && isObj(a.json), `GET /v1/flows/{id} answered ${a.status}: ${clip(a.text, 200)}`);
    return a.json;
  }

  /** `DELETE /v1/flows/{id}`. */
  cancel(flow: Created, o: RequestOptions = {}): Promise<Answer> {
    return this.request('DELETE', `/v1/flows/${encodeURIComponent(flow.flowId)}`, { token: flow.flowToken, ...o });
  }

  /** A POST about a flow (`step-up`, `sms`, `sms/verify`, `identity`), its state recorded when it answers one. */
  async act(flow: Created, action: string, json: unknown, o: RequestOptions = {}): Promise<Answer> {
    const a = await this.request('POST', `/v1/flows/${encodeURIComponent(flow.flowId)}/${action}`, {
      token: flow.flowToken,
      json,
      ...o,
    });
    if (a.status === 200 && isObj(a.json) && typeof a.json.status === 'string') {
      this.observe(flow.flowId, a.json, `POST …/${action}`);
    }
    return a;
  }

  /**
   * Records a state seen on an ordered channel (one answer after another). A
   * `seq` below the highest seen for the flow breaks §12; a state that is not
   * well-formed breaks §5.2.
   */
  observe(flowId: string, state: unknown, via: string): void {
    const problem = stateProblem(state);
    if (problem) {
      this.malformed.push(`${via}: ${problem}`);
      return;
    }
    const seq = (state as { seq: number }).seq;
    const before = this.last.get(flowId);
    if (before && seq < before.seq) {
      this.backwards.push(`flow ${flowId}: seq ${seq} from ${via} after seq ${before.seq} from ${before.via}`);
    }
    if (!before || seq >= before.seq) this.last.set(flowId, { seq, via });
  }

  /** Polls (plain) until `done` accepts a state or `ms` pass; returns the last state. */
  async until(flow: Created, done: (s: Json) => boolean, ms: number, what: string): Promise<Json> {
    const end = Date.now() + ms;
    let s: Json | undefined;
    for (;;) {
      s = await this.state(flow);
      if (done(s)) return s;
      if (Date.now() > end) return fail(`${what}: still ${JSON.stringify(summary(s))} after ${ms} ms`);
      await sleep(100);
    }
  }

  /** An SSE stream of the flow: `GET …/events?token=…`, read event by event. */
  async events(flow: Created, query = '', headers: Record<string, string> = {}): Promise<SseStream> {
    const controller = new AbortController();
    const url = this.url(
      `/v1/flows/${encodeURIComponent(flow.flowId)}/events?token=${encodeURIComponent(flow.flowToken)}${query}`,
    );
    let response: Response;
    try {
      response = await fetch(url, {
        // As an EventSource sends it: no header of the page's own (no Etax-Request, no Authorization).
        headers: { Accept: 'text/event-stream', ...headers },
        signal: AbortSignal.any([controller.signal, AbortSignal.timeout(this.options.timeout)]),
      });
    } catch (e) {
      return fail(`GET …/events: no answer (${(e as Error).message})`);
    }
    return new SseStream(response, controller, (s) => this.observe(flow.flowId, s, 'SSE'));
  }

  /** A WebSocket of the flow, opened (or refused), its messages collected. */
  socket(flow: Created, headers: Record<string, string> = {}): Socket {
    const url = `${this.base.replace(/^http/, 'ws')}/v1/flows/${encodeURIComponent(flow.flowId)}/ws`;
    return new Socket(url, headers, (s) => this.observe(flow.flowId, s, 'WebSocket'));
  }
}

export interface Created {
  flowId: string;
  flowToken: string;
  expiresIn: number;
  pollInterval?: number;
  transports?: string[];
  longPollWait?: number;
  heartbeat?: number;
  state: Json & { seq: number; status: string };
}

/** The statuses of §5.2 and the members each must carry. */
const STATUS_MEMBERS: Record<string, string[]> = {
  qr_waiting: ['qr'],
  qr_scanned: ['qr', 'app'],
  step_up_required: ['methods'],
  face_waiting: ['method', 'qr'],
  face_scanned: ['method', 'qr', 'app'],
  face_verifying: ['method'],
  face_failed: ['method', 'attemptsLeft', 'methods'],
  identity_required: ['reason', 'identities'],
  authenticated: [],
  denied: [],
  cancelled: ['by'],
  expired: [],
  locked: [],
};

export const TERMINAL = ['authenticated', 'denied', 'cancelled', 'expired', 'locked'];

/** What is wrong with a flow state (§5.2), or undefined. */
export function stateProblem(s: unknown): string | undefined {
  if (!isObj(s)) return 'a state that is not a JSON object';
  if (!Number.isInteger(s.seq) || (s.seq as number) < 0) return `seq ${JSON.stringify(s.seq)} is not an integer ≥ 0`;
  if (typeof s.status !== 'string' || !(s.status in STATUS_MEMBERS)) {
    return `status ${JSON.stringify(s.status)} is not one of §5.2`;
  }
  for (const m of STATUS_MEMBERS[s.status]) if (s[m] === undefined) return `${s.status} without ${m}`;
  if (s.qr !== undefined) {
    const qr = s.qr;
    if (!isObj(qr) || typeof qr.payload !== 'string' || !qr.payload) return `${s.status}: qr without a payload`;
    if (typeof qr.expiresIn !== 'number' || qr.expiresIn < 0) return `${s.status}: qr.expiresIn is not seconds ≥ 0`;
  }
  if (s.app !== undefined && s.app !== 'etax' && s.app !== 'iit') return `app ${JSON.stringify(s.app)}`;
  if (s.method !== undefined && s.method !== 'face_iit' && s.method !== 'face_etax') {
    return `method ${JSON.stringify(s.method)}`;
  }
  if (s.by !== undefined && !['phone', 'client', 'server'].includes(s.by as string))
    return `by ${JSON.stringify(s.by)}`;
  for (const [k, v] of Object.entries(s)) if (v === '') return `${k} is an empty string (§3: omitted, never "")`;
  return undefined;
}

/** A state for a failure message: its status and seq, without payloads or tokens. */
export function summary(s: unknown): unknown {
  if (!isObj(s)) return s;
  return { seq: s.seq, status: s.status, ...(s.app ? { app: s.app } : {}), ...(s.code ? { code: s.code } : {}) };
}

/** The error object of §14.1, or a failure saying what is wrong with it. */
export function errorOf(a: Answer, what: string): Json & { code: string; message: string } {
  const body = a.json;
  expect(isObj(body) && isObj(body.error), `${what}: ${a.status} without the error object: ${clip(a.text, 200)}`);
  const e = body.error;
  expect(typeof e.code === 'string' && e.code, `${what}: error.code is not a non-empty string`);
  expect(typeof e.message === 'string' && e.message, `${what}: error.message is not a non-empty string`);
  return e as Json & { code: string; message: string };
}

/**
 * Expects an error answer: the status, the code, the error object of §14.1,
 * and for 423/429/503 `retryAfter` equal to the `Retry-After` header.
 */
export function expectError(a: Answer, status: number, code: string, what: string): Json & { code: string } {
  const e = a.json && isObj(a.json) && isObj(a.json.error) ? (a.json.error as Json) : undefined;
  expect(
    a.status === status && e?.code === code,
    `${what}: expected ${status} ${code}, got ${a.status} ${e ? String(e.code) : clip(a.text, 160)}`,
  );
  const error = errorOf(a, what);
  if ([423, 429, 503].includes(status)) retryAfterOf(a, what);
  return error;
}

/** `Retry-After` (seconds) and `error.retryAfter`, present and equal (§14.1). */
export function retryAfterOf(a: Answer, what: string): number {
  const header = a.headers.get('Retry-After');
  expect(header !== null, `${what}: ${a.status} without a Retry-After header`);
  const e = (a.json as { error?: Json } | undefined)?.error;
  const body = e?.retryAfter;
  expect(typeof body === 'number' && body >= 0, `${what}: ${a.status} without error.retryAfter`);
  expect(
    Number(header) === body || Math.ceil(body) === Number(header),
    `${what}: Retry-After ${header} is not error.retryAfter ${body}`,
  );
  return body;
}

/* ------------------------------------------------------------------- SSE */

export interface SseEvent {
  event?: string;
  id?: string;
  data?: string;
  retry?: string;
  /** Comment lines (`: …`) seen before this event. */
  comments: number;
  /** Milliseconds since the stream opened. */
  at: number;
}

/** An SSE response, parsed as the HTML standard says (lines, fields, blank line ends an event). */
export class SseStream {
  readonly status: number;
  readonly headers: Headers;
  private readonly reader?: ReadableStreamDefaultReader<string>;
  private buffer = '';
  private readonly opened = performance.now();
  private ended = false;
  /** Whether a `retry:` field came, even on a block with no data. */
  retry?: string;

  constructor(
    response: Response,
    private readonly controller: AbortController,
    private readonly seen: (state: unknown) => void,
  ) {
    this.status = response.status;
    this.headers = response.headers;
    if (response.body) this.reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  }

  /** The body of a non-stream answer (an error object). */
  async text(): Promise<string> {
    let out = this.buffer;
    if (this.reader) {
      for (;;) {
        const { done, value } = await this.reader.read();
        if (done) break;
        out += value;
      }
    }
    return out;
  }

  /**
   * The next event with data or a name (what reaches an EventSource listener),
   * or undefined when the stream ended; fails after `ms`.
   */
  async next(ms: number): Promise<SseEvent | undefined> {
    const deadline = performance.now() + ms;
    let comments = 0;
    let fields: Partial<SseEvent> = {};
    for (;;) {
      const nl = this.buffer.search(/\r\n|\r|\n/);
      if (nl >= 0) {
        const line = this.buffer.slice(0, nl);
        this.buffer = this.buffer.slice(nl + (this.buffer.startsWith('\r\n', nl) ? 2 : 1));
        if (line === '') {
          if (fields.data !== undefined || fields.event !== undefined || fields.id !== undefined) {
            const event: SseEvent = { ...fields, comments, at: performance.now() - this.opened };
            if (event.event === 'state' && event.data) {
              try {
                this.seen(JSON.parse(event.data));
              } catch {
                // the check that reads it says so
              }
            }
            return event;
          }
          fields = {};
          continue;
        }
        if (line.startsWith(':')) {
          comments++;
          continue;
        }
        const colon = line.indexOf(':');
        const name = colon < 0 ? line : line.slice(0, colon);
        let value = colon < 0 ? '' : line.slice(colon + 1);
        if (value.startsWith(' ')) value = value.slice(1);
        if (name === 'data') fields.data = fields.data === undefined ? value : `${fields.data}\n${value}`;
        else if (name === 'event' || name === 'id') fields[name] = value;
        else if (name === 'retry') this.retry = fields.retry = value;
        continue;
      }
      if (this.ended || !this.reader) return undefined;
      const left = deadline - performance.now();
      if (left <= 0) return fail(`SSE: nothing within ${Math.round(ms)} ms`);
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timeout = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), left)));
      const read = await Promise.race([this.reader.read(), timeout]).catch(() => ({ done: true, value: undefined }));
      clearTimeout(timer);
      if (read === 'timeout') return fail(`SSE: nothing within ${Math.round(ms)} ms`);
      if (read.done) this.ended = true;
      else this.buffer += read.value;
    }
  }

  /** Whether the server ends the response within `ms` (after what was read). */
  async endsWithin(ms: number): Promise<boolean> {
    const deadline = performance.now() + ms;
    for (;;) {
      try {
        const e = await this.next(Math.max(1, deadline - performance.now()));
        if (e === undefined) return true;
      } catch (e) {
        if (e instanceof Failure) return false;
        throw e;
      }
    }
  }

  close(): void {
    this.controller.abort();
    void this.reader?.cancel().catch(() => undefined);
  }
}

/* ------------------------------------------------------------- WebSocket */

export interface SocketMessage {
  text: string;
  json: unknown;
  at: number;
}

/** A WebSocket client that keeps every message and how the socket closed. */
export class Socket {
  readonly ws: WebSocket;
  readonly messages: SocketMessage[] = [];
  /** Resolves with the close code, or the HTTP status of a refused upgrade (as `http:400`). */
  readonly closed: Promise<number | string>;
  readonly opened: Promise<boolean>;
  /** The HTTP answer to a refused upgrade. */
  refusal?: { status: number; body: string };
  private readonly waiters: (() => void)[] = [];
  private readonly started = performance.now();

  constructor(url: string, headers: Record<string, string>, seen: (state: unknown) => void) {
    this.ws = new WebSocket(url, { headers });
    let settle: (v: number | string) => void = () => {};
    this.closed = new Promise((resolve) => (settle = resolve));
    this.opened = new Promise((resolve) => {
      // An upgrade that gets no answer at all counts as refused, after 5 s.
      const silent = setTimeout(() => {
        this.refusal = { status: 0, body: 'no answer to the upgrade within 5 s' };
        resolve(false);
        settle('no answer');
        this.ws.terminate();
      }, 5000);
      this.ws.on('upgrade', () => clearTimeout(silent));
      this.ws.on('close', () => clearTimeout(silent));
      this.ws.on('open', () => resolve(true));
      this.ws.on('unexpected-response', (_req, res) => {
        clearTimeout(silent);
        let body = '';
        res.on('data', (d: Buffer) => (body += String(d)));
        res.on('end', () => {
          this.refusal = { status: res.statusCode ?? 0, body };
          resolve(false);
          settle(`http:${res.statusCode}`);
        });
      });
      this.ws.on('error', () => {
        clearTimeout(silent);
        resolve(false);
        settle('error');
      });
    });
    this.ws.on('message', (data) => {
      const text = String(data);
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        json = undefined;
      }
      if (isObj(json) && json.type === 'state') seen(json.state);
      this.messages.push({ text, json, at: performance.now() - this.started });
      this.waiters.splice(0).forEach((w) => w());
    });
    this.ws.on('close', (code) => {
      settle(code);
      this.waiters.splice(0).forEach((w) => w());
    });
  }

  send(text: string): void {
    this.ws.send(text);
  }

  /** The n-th message (1-based), failing after `ms`. */
  async message(n: number, ms: number): Promise<SocketMessage> {
    const deadline = performance.now() + ms;
    while (this.messages.length < n) {
      if (this.ws.readyState === WebSocket.CLOSED) {
        return fail(`WebSocket closed after ${this.messages.length} message(s), waiting for message ${n}`);
      }
      const left = deadline - performance.now();
      if (left <= 0) return fail(`WebSocket: message ${n} did not come within ${Math.round(ms)} ms`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    return this.messages[n - 1];
  }

  /** The close code, failing after `ms`. */
  async closeCode(ms: number): Promise<number | string> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const r = await Promise.race([
      this.closed,
      new Promise<'open'>((resolve) => (timer = setTimeout(() => resolve('open'), ms))),
    ]);
    clearTimeout(timer);
    if (r === 'open') return fail(`WebSocket still open after ${ms} ms`);
    return r;
  }

  close(): void {
    this.ws.terminate();
  }
}
