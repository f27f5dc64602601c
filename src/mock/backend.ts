/**
 * The mock backend: the protocol engine (`src/engine`) in the page, on an
 * in-memory store, with what tests and demos need around it — a request log,
 * ordered faults, latency, streams that can be dropped and refused, silent
 * heartbeats, and a simulated phone's SMS inbox. It has no rules of its own:
 * `handlers.ts` mounts the engine's wire handlers in msw, and `controls.ts`
 * acts as the phone and the operator through the engine.
 */
import type { FlowState } from '../client/protocol.js';
import {
  Engine,
  MemoryDirectory,
  MemoryStore,
  TokenIssuer,
  maskPhone,
  smsText,
  viewOf,
  type Clock,
  type FlowRecord,
} from '../engine/index.js';
import { Wire } from '../wire/index.js';
import { Faults } from './faults.js';
import { settingsOf, type MockBackendOptions, type Settings } from './options.js';

/** What changed, for `control.subscribe()`. */
export type BackendChange =
  { type: 'flow'; flowId: string } | { type: 'sms'; flowId: string } | { type: 'request' } | { type: 'reset' };

/** A text message the simulated phone received. */
export interface SmsMessage {
  flowId: string;
  maskedPhone: string;
  code: string;
  /** The SMS as the phone shows it. */
  text: string;
  sentAt: number;
  expiresAt: number;
}

/** One request as the log keeps it: secrets (password, SMS code, tokens) are redacted. */
export interface RequestLogEntry {
  at: number;
  method: string;
  /** Below the base URL, with the query; a `token` parameter is redacted. */
  path: string;
  flowId?: string;
  body?: unknown;
  /** HTTP status of the answer; for a WebSocket, 101 once authenticated or the code the mock closed it with. */
  status?: number;
  transport: 'http' | 'sse' | 'websocket';
}

const SECRET_KEYS = ['password', 'code', 'token', 'flowToken'];
/** Lines the request log keeps (a demo page may poll for hours). */
const LOG_LIMIT = 2000;

/** A copy of a body with every secret value replaced. */
export const redact = (v: unknown): unknown => {
  if (Array.isArray(v)) return v.map(redact);
  if (typeof v !== 'object' || v === null) return v;
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, SECRET_KEYS.includes(k) ? '[redacted]' : redact(x)]));
};

export class Backend {
  readonly settings: Settings;
  readonly engine: Engine;
  readonly store: MemoryStore;
  readonly wire: Wire;
  latency: number;
  heartbeats = true;
  /** Refuse new SSE/WebSocket connections of every flow. */
  refuseStreams = false;
  /** Flows whose new SSE/WebSocket connections are refused (after `dropStreams({ flowId })`). */
  readonly refusedFlows = new Set<string>();
  readonly outbox: SmsMessage[] = [];
  readonly log: RequestLogEntry[] = [];
  readonly faults = new Faults();
  private readonly listeners = new Set<(change: BackendChange) => void>();

  constructor(options?: MockBackendOptions) {
    const s = (this.settings = settingsOf(options));
    this.latency = s.latency;
    // The page's clock and timers, looked up at each call so that fake timers move them.
    const clock: Clock = {
      now: s.now,
      after(ms, fn) {
        const timer = globalThis.setTimeout(fn, ms);
        return () => globalThis.clearTimeout(timer);
      },
    };
    this.store = new MemoryStore(clock);
    this.engine = new Engine({
      accounts: options?.accounts ?? new MemoryDirectory(s.fixture),
      store: this.store,
      clock,
      sms: {
        send: async ({ phone, code, expiresIn, flowId }) => {
          const at = this.now();
          this.outbox.push({
            flowId,
            maskedPhone: maskPhone(phone),
            code,
            text: smsText(code, expiresIn),
            sentAt: at,
            expiresAt: at + expiresIn * 1000,
          });
        },
      },
      sessions: new TokenIssuer({
        lifetime: s.sessionLifetime,
        ...(s.redirectUrl ? { redirectUrl: s.redirectUrl } : {}),
      }),
      settings: {
        transports: s.transports,
        pollInterval: s.pollInterval,
        longPollWait: s.longPollWait,
        heartbeat: s.heartbeat,
        qrLifetime: s.qrLifetime,
        qrRotates: s.qrRotates,
        qrApps: s.qrApps,
        matchCode: s.matchCode,
        qrPayloadLength: s.qrPayloadLength,
        flowLifetime: s.flowLifetime,
        // `control.flows` lists every flow since the last reset.
        keepEnded: Infinity,
        stepUpMethods: s.stepUpMethods,
        // No daily cap on the simulated phone unless a test asks for one.
        sms: { ...s.sms, dailyLimit: s.sms.dailyLimit },
        faceMaxAttempts: s.faceMaxAttempts,
        maxPasswordAttempts: s.maxPasswordAttempts,
        lockSeconds: s.lockSeconds,
        revealNotRegistered: s.revealNotRegistered,
        entries: s.entries,
        ...(s.encryption ? { encryption: s.encryption } : {}),
      },
    });
    this.engine.onChange((c) => {
      if (c.type === 'flow') this.emit({ type: 'flow', flowId: c.flow.id });
      else if (c.type === 'sms') this.emit(c);
    });
    // msw's `sse()` needs EventSource, which Node 20 lacks: there SSE is simply not offered.
    const canSse = typeof EventSource !== 'undefined';
    this.wire = new Wire({
      engine: this.engine,
      basePath: new URL(s.baseUrl, globalThis.location?.href ?? 'http://localhost').pathname,
      transports: s.transports.filter((t) => t !== 'sse' || canSse),
      sseRetry: s.sseRetry,
      ...(s.decryptBody ? { decryptBody: s.decryptBody } : {}),
      ...(s.encryptBody ? { encryptBody: s.encryptBody } : {}),
      refuseStreams: (flowId) => this.refuseStreams || this.refusedFlows.has(flowId),
      heartbeats: () => this.heartbeats,
      onStreams: (flowId) => this.emit({ type: 'flow', flowId }),
      onError: (e) => console.error(e),
    });
    this.lockFixture();
  }

  now(): number {
    return this.settings.now();
  }

  onChange(listener: (change: BackendChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(change: BackendChange): void {
    for (const l of [...this.listeners]) l(change);
  }

  record(entry: Omit<RequestLogEntry, 'at'>): RequestLogEntry {
    const e = { at: this.now(), ...entry };
    this.log.push(e);
    if (this.log.length > LOG_LIMIT) this.log.splice(0, this.log.length - LOG_LIMIT);
    this.emit({ type: 'request' });
    return e;
  }

  /** The path of a URL below the base URL, with the query; a `token` parameter redacted. */
  relative(href: string | URL): string {
    const u = new URL(href);
    const p = this.wire.pathOf(u) ?? u.pathname;
    return (p + u.search).replace(/([?&]token=)[^&]*/, '$1[redacted]');
  }

  /** Every flow since the last reset, oldest first. */
  flows(): FlowRecord[] {
    return this.store.allFlows();
  }

  view(flow: FlowRecord): FlowState {
    return viewOf(flow, this.now());
  }

  /** Forgets every flow, code, lock and log line; closes every stream and stops every timer. */
  reset(): void {
    for (const s of [...this.wire.streams]) s.close();
    this.engine.close();
    this.store.clear();
    this.outbox.length = 0;
    this.log.length = 0;
    this.faults.clear();
    this.latency = this.settings.latency;
    this.heartbeats = true;
    this.refuseStreams = false;
    this.refusedFlows.clear();
    this.lockFixture();
    this.emit({ type: 'reset' });
  }

  /** Accounts the fixture ships locked. */
  private lockFixture(): void {
    for (const a of this.settings.fixture.accounts) {
      if (!a.locked) continue;
      // The store takes the lock at once: the memory store writes before its promise settles.
      void this.engine.lockAccount(a.id, a.locked === true ? this.settings.lockSeconds : a.locked);
    }
  }
}
