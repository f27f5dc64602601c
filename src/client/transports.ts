/**
 * How a flow's state changes reach the client. Every transport is a
 * `StreamFactory`: started once per flow, it hands raw state bodies to
 * `deliver`, says which transport carries the flow through `using`, and calls
 * `fail` once when it gives up. `stop()` leaves no timer, request or
 * connection behind.
 */
import type { LoginClientOptions } from './client.js';
import { now, request } from './http.js';
import type { TransportName } from './protocol.js';
import type { LoginError } from './state.js';

export interface StreamContext {
  /** The client's options: base URL, `fetch`, headers, credentials, `EventSource`, … */
  options: LoginClientOptions;
  /** The flow's path below the base URL, `/v1/flows/{flowId}`. */
  path: string;
  /** The flow's secret (not the QR payload). */
  token: string;
  /** Aborted when the flow ends; every request of the stream uses it. */
  signal: AbortSignal;
  /** Sequence number of the last state the client applied. */
  seq(): number;
  /** A raw state body; the client validates it and drops stale ones. */
  deliver(raw: unknown): void;
  /** The stream gave up; the flow ends with this error. Called at most once. */
  fail(error: LoginError): void;
  /** The transport now carrying the flow (after a fallback). */
  using(name: TransportName): void;
  /** When the flow ends, `performance.now()` ms: no wait may reach beyond it. */
  expiresAt: number;
  /** Before each retry: the server asked the stream to wait until `at` (`performance.now()` ms), or not (0). */
  retrying(at: number): void;
  /** Milliseconds between polls. */
  pollInterval: number;
  /** Milliseconds between the server's heartbeats on SSE/WebSocket. */
  heartbeat: number;
  /** Consecutive failed requests before polling gives up. */
  maxFailures: number;
}

export interface Stream {
  stop(): void;
  /** Asks for the current state now (after the page became visible, or a QR expired). */
  kick(): void;
}

export type StreamFactory = (context: StreamContext) => Stream;

/** Longest wait between two attempts after failures, ms. */
export const MAX_BACKOFF = 30000;

/** Exponential backoff with "equal jitter": half fixed, half random. */
export const backoff = (failures: number, base: number): number => {
  const ceiling = Math.min(MAX_BACKOFF, Math.max(1000, base) * 2 ** (failures - 1));
  return ceiling / 2 + (Math.random() * ceiling) / 2;
};

/** Errors worth another attempt: the network, the server's load, timeouts. */
export const retryable = (e: LoginError): boolean =>
  e.code === 'network' || e.code === 'timeout' || e.status === 408 || e.status === 429 || e.status! >= 500;

/**
 * Polling, or long-polling when `wait` (seconds) is given: `GET /v1/flows/{id}?after=N`.
 * Pauses while the page is hidden and asks at once when it is visible again;
 * after failures, asks at once when the network comes back (`online`), unless
 * the server asked for a longer wait. A wait the server asks for that reaches
 * beyond the flow's end ends the stream at once.
 * The first request goes after one interval (the flow was just created), or
 * at once for a long-poll or after a fallback (`soon`).
 */
export const poll = (ctx: StreamContext, wait = 0, soon = wait > 0): Stream => {
  // Read when polling starts, not at import: the module must load where there is no document.
  const doc = globalThis.document;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let failures = 0;
  /** The server's `Retry-After`, as `performance.now()` ms: the network coming back does not cut it short. */
  let notBefore = 0;
  let busy = false;
  let stopped = false;

  const schedule = (ms: number) => {
    clearTimeout(timer);
    if (!stopped && !doc?.hidden) timer = setTimeout(tick, ms);
  };

  /** One request; a kick while it runs (or while stopped or hidden) does nothing. */
  const tick = async () => {
    if (stopped || busy || doc?.hidden) return;
    busy = true;
    const started = now();
    const after = ctx.seq();
    try {
      const body = await request(ctx.options, {
        method: 'GET',
        path: `${ctx.path}?after=${after}${wait ? `&wait=${wait}` : ''}`,
        token: ctx.token,
        signal: ctx.signal,
        hold: wait * 1000,
      });
      busy = false;
      failures = notBefore = 0;
      if (stopped) return;
      ctx.deliver(body);
      // A long-poll asks again at once when the state moved on since it asked (by
      // this answer, or by an action's answer that made the server answer at once),
      // or after a hold (a delay below zero runs at once); but when the server
      // answers without holding and without news, never faster than the poll interval.
      schedule(wait && ctx.seq() > after ? 0 : ctx.pollInterval - (wait && now() - started));
    } catch (e) {
      busy = false;
      // Stopped, or the flow ended and aborted the request.
      if (stopped || ctx.signal.aborted) return;
      const error = e as LoginError;
      notBefore = error.retryAt ?? 0;
      if (!retryable(error) || ++failures >= ctx.maxFailures || notBefore > ctx.expiresAt) {
        stop();
        ctx.fail(error);
      } else {
        ctx.retrying(notBefore);
        schedule(Math.max(backoff(failures, ctx.pollInterval), notBefore - now()));
      }
    }
  };

  const kick = () => {
    clearTimeout(timer);
    void tick();
  };
  const onVisibility = () => (doc.hidden ? clearTimeout(timer) : kick());
  const onOnline = () => {
    if (failures && now() >= notBefore) kick();
  };
  const stop = () => {
    stopped = true;
    clearTimeout(timer);
    doc?.removeEventListener('visibilitychange', onVisibility);
    globalThis.removeEventListener?.('online', onOnline);
  };

  doc?.addEventListener('visibilitychange', onVisibility);
  globalThis.addEventListener?.('online', onOnline);
  if (soon) kick();
  else schedule(ctx.pollInterval);
  return { stop, kick };
};

/** Long-polling: the server holds each request up to `wait` seconds. */
export const longPoll =
  (wait: number): StreamFactory =>
  (ctx) =>
    poll(ctx, wait);

/** Polling that asks at once: the fallback of the streaming transports, which may have missed a change. */
export const pollNow: StreamFactory = (ctx) => poll(ctx, 0, true);
