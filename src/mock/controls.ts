/**
 * The scenario controls: what a test, or the demo's phone simulator, does to
 * the mock backend. Flow controls act on the most recent live flow unless a
 * flow id is given, either as a string or as `{ flowId }`. What the phone and
 * the operator do goes through the engine, as it would through the app API,
 * so each action settles once the engine has written it: await it.
 */
import type { EntryId, FlowState, FlowStatus, Identity, QrApp, StepUpMethod } from '../client/protocol.js';
import { STORE_KEYS, TransitionError, isLive, type FlowKind, type FlowRecord } from '../engine/index.js';
import type { Backend, BackendChange, RequestLogEntry, SmsMessage } from './backend.js';
import type { Malformation, RequestMatch } from './faults.js';
import { MockControlError } from './phone.js';

/** A flow id, or an options object that may carry one; the most recent live flow when absent. */
export type FlowTarget = string | { flowId?: string };

/** A flow as `control.flows` shows it (no tokens, no codes). */
export interface FlowInfo {
  id: string;
  kind: FlowKind;
  status: FlowStatus;
  seq: number;
  /** The state exactly as a status request would return it now. */
  state: FlowState;
  live: boolean;
  createdAt: number;
  expiresAt: number;
  /** Fixture id of the person (after a password, or once the phone scanned). */
  account?: string;
  entry?: EntryId;
  taxpayerId?: string;
  methods: StepUpMethod[];
  faceAttemptsLeft: number;
  /** A code was sent and is not used up. */
  smsPending: boolean;
  smsWrong: number;
  /** The identity the person acts as (chosen, or the only one). */
  identity?: Identity;
  /** Open SSE/WebSocket connections. */
  streams: number;
}

export interface MockControl {
  /* --------------------------------------------------------------- phone */

  /**
   * The phone scans the QR on show: the login QR (`qr_waiting` → `qr_scanned`,
   * signed in as `account`, default the `qrAccount` option) or a face QR
   * (`face_waiting` → `face_scanned`; only the method's own app can read it).
   */
  scan(app?: QrApp, target?: FlowTarget & { account?: string }): Promise<FlowState>;
  /** The phone backs out of the confirmation screen: scanned falls back to waiting. */
  unscan(target?: FlowTarget): Promise<FlowState>;
  /**
   * 登录 on the phone: `authenticated`, or `identity_required` when the person
   * acts in several capacities. A `matchCode` other than the page's ends in `denied`.
   */
  confirm(target?: FlowTarget & { matchCode?: string }): Promise<FlowState>;
  /** The phone refuses (login confirmation or face check): `denied`. */
  deny(target?: FlowTarget): Promise<FlowState>;
  /** The phone (after a scan; default) or the server ends the flow: `cancelled`. */
  cancel(target?: FlowTarget & { by?: 'phone' | 'server' }): Promise<FlowState>;
  /** Liveness actions done, result pending: `face_scanned` → `face_verifying`. */
  faceVerify(target?: FlowTarget): Promise<FlowState>;
  /** Face recognition passes (via `face_verifying`): `identity_required` or `authenticated`. */
  facePass(target?: FlowTarget): Promise<FlowState>;
  /**
   * Face recognition fails (via `face_verifying`): `face_failed` with one attempt
   * fewer; with none left only SMS is offered, and with no SMS either the account is locked.
   */
  faceFail(target?: FlowTarget): Promise<FlowState>;

  /* ---------------------------------------------------------------- time */

  /** A new QR payload in the same flow and status (login or face QR). */
  rotateQr(target?: FlowTarget): Promise<FlowState>;
  /** The QR payload runs out now: rotated, or (with `qrRotates: false`) `expired` / back to `step_up_required`. */
  expireQr(target?: FlowTarget): Promise<FlowState>;
  /** The whole flow runs out now: `expired`. */
  expireFlow(target?: FlowTarget): Promise<FlowState>;

  /* ----------------------------------------------------------------- SMS */

  /** The code of the last SMS sent, as the simulated phone shows it. */
  readonly lastCode: string | undefined;
  /** Every SMS sent since the last reset, oldest first. */
  readonly smsCodes: readonly SmsMessage[];
  /** The flow's SMS code runs out now (verifying it answers `sms_code_expired`). */
  expireSmsCode(target?: FlowTarget): Promise<void>;

  /* ------------------------------------------------------------- trouble */

  /**
   * Requests answer 429 (`sms_throttled` for `/sms`, else `rate_limited`) with
   * `Retry-After` for `seconds`, or until `count` requests were refused.
   */
  throttle(seconds: number, options?: { count?: number; match?: RequestMatch }): void;
  /** The next `count` requests answer `status` (default 500) with the matching error code. */
  failNext(count?: number, status?: number, match?: RequestMatch): void;
  /** The next `count` requests answer 200 with broken JSON (`json`, default) or a body of the wrong shape (`shape`), without acting. */
  malformNext(count?: number, kind?: Malformation, match?: RequestMatch): void;
  /** Milliseconds added before every HTTP response (0: none). */
  setLatency(ms: number): void;
  /** Locks a fixture account (its live flows become `locked`); default the `lockSeconds` option. */
  lockAccount(accountId: string, seconds?: number): Promise<void>;
  unlockAccount(accountId: string): Promise<void>;
  /**
   * Closes open SSE/WebSocket connections (of one flow, or all). Unless
   * `reconnect`, new connections are refused too (SSE 503, WebSocket close 1013)
   * until `acceptStreams()`, so the client falls back to polling.
   */
  dropStreams(options?: { flowId?: string; reconnect?: boolean }): number;
  /** Lets SSE/WebSocket connections in again after `dropStreams()`. */
  acceptStreams(): void;
  /** Stops sending heartbeats on open streams (a silently dead connection). */
  suspendHeartbeats(): void;
  resumeHeartbeats(): void;

  /* ------------------------------------------------------------- inspect */

  /** Every flow since the last reset, oldest first. */
  readonly flows: FlowInfo[];
  /** One flow, or the most recent live one. */
  flow(flowId?: string): FlowInfo | undefined;
  /** Every request since the last reset, secrets redacted. */
  readonly requests: readonly RequestLogEntry[];
  /** Called after every change of a flow, an SMS, a request or a reset; returns the unsubscribe. */
  subscribe(listener: (change: BackendChange) => void): () => void;
  /** Forgets every flow, code, lock, fault and log line; closes every stream and clears every timer. */
  reset(): void;
}

export function createControl(b: Backend): MockControl {
  const e = b.engine;
  const idOf = (target?: FlowTarget) => (typeof target === 'string' ? target : target?.flowId);
  const opt = <T extends object>(target: FlowTarget | undefined): Partial<T> =>
    typeof target === 'object' ? (target as Partial<T>) : {};

  /** The flow a control acts on: the one named, or the most recent live one. */
  const pick = (target?: FlowTarget): string => {
    const id = idOf(target);
    if (id) {
      if (!b.store.peekFlow(id)) throw new MockControlError(`no flow "${id}"`);
      return id;
    }
    const live = b
      .flows()
      .reverse()
      .find((f) => isLive(f) && f.expiresAt > b.now());
    if (!live) throw new MockControlError('no live flow');
    return live.id;
  };

  /** Runs an engine action on the flow; a transition that does not fit is the caller's mistake. */
  const act = async <T>(target: FlowTarget | undefined, action: (flowId: string) => Promise<T>): Promise<T> => {
    const flowId = pick(target);
    try {
      return await action(flowId);
    } catch (error) {
      throw error instanceof TransitionError ? new MockControlError(error.message) : error;
    }
  };

  const info = (flow: FlowRecord): FlowInfo => {
    const state = b.view(flow);
    const wrong = b.store.peek(STORE_KEYS.smsWrong(flow.id));
    return {
      id: flow.id,
      kind: flow.kind,
      status: state.status,
      seq: flow.seq,
      state,
      live: isLive(flow),
      createdAt: flow.createdAt,
      expiresAt: flow.expiresAt,
      ...(flow.accountId ? { account: flow.accountId } : {}),
      ...(flow.entry ? { entry: flow.entry } : {}),
      ...(flow.taxpayerId ? { taxpayerId: flow.taxpayerId } : {}),
      methods: [...flow.methods],
      faceAttemptsLeft: flow.faceAttemptsLeft,
      smsPending: !!b.store.peek(STORE_KEYS.smsCode(flow.id)),
      smsWrong: Number(wrong?.value ?? 0),
      ...(flow.identity ? { identity: { ...flow.identity } } : {}),
      streams: [...b.wire.streams].filter((c) => c.flowId === flow.id).length,
    };
  };

  return {
    scan: (app = 'etax', target) =>
      act(target, (id) => {
        const flow = b.store.peekFlow(id)!;
        const face = flow.phase.status.startsWith('face_');
        const account = opt<{ account: string }>(target).account;
        if (face && account) throw new MockControlError('the face QR is scanned by the person who logged in');
        return e.scan(id, app, face ? undefined : (account ?? b.settings.qrAccount));
      }),
    unscan: (target) => act(target, (id) => e.unscan(id)),
    confirm: (target) => act(target, (id) => e.confirm(id, opt<{ matchCode: string }>(target).matchCode)),
    deny: (target) => act(target, (id) => e.deny(id)),
    cancel: (target) => act(target, (id) => e.end(id, opt<{ by: 'phone' | 'server' }>(target).by ?? 'phone')),
    faceVerify: (target) => act(target, (id) => e.faceVerify(id)),
    facePass: (target) => act(target, (id) => e.facePass(id)),
    faceFail: (target) => act(target, (id) => e.faceFail(id)),

    rotateQr: (target) => act(target, (id) => e.rotateQr(id)),
    expireQr: (target) => act(target, (id) => e.expireQr(id)),
    expireFlow: (target) => act(target, (id) => e.expireFlow(id)),

    get lastCode() {
      return b.outbox[b.outbox.length - 1]?.code;
    },
    get smsCodes() {
      return b.outbox.map((m) => ({ ...m }));
    },
    expireSmsCode: (target) =>
      act(target, async (id) => {
        await e.expireSmsCode(id);
        for (const m of b.outbox) if (m.flowId === id) m.expiresAt = Math.min(m.expiresAt, b.now());
      }),

    throttle: (seconds, options = {}) => b.faults.throttle(b.now(), seconds, options.count, options.match),
    failNext: (count = 1, status = 500, match) => b.faults.fail(count, status, match),
    malformNext: (count = 1, kind = 'json', match) => b.faults.malform(count, kind, match),
    setLatency(ms) {
      b.latency = Math.max(0, ms);
    },
    async lockAccount(accountId, seconds) {
      if (!b.settings.fixture.accounts.some((a) => a.id === accountId)) {
        throw new MockControlError(`no account "${accountId}" in the fixture`);
      }
      await e.lockAccount(accountId, seconds);
    },
    unlockAccount: (accountId) => e.unlockAccount(accountId),
    dropStreams({ flowId, reconnect = false } = {}) {
      const conns = [...b.wire.streams].filter((c) => !flowId || c.flowId === flowId);
      if (!reconnect) {
        if (flowId) b.refusedFlows.add(flowId);
        else b.refuseStreams = true;
      }
      conns.forEach((c) => c.close());
      return conns.length;
    },
    acceptStreams() {
      b.refuseStreams = false;
      b.refusedFlows.clear();
    },
    suspendHeartbeats() {
      b.heartbeats = false;
    },
    resumeHeartbeats() {
      b.heartbeats = true;
    },

    get flows() {
      return b.flows().map(info);
    },
    flow(flowId) {
      try {
        return info(b.store.peekFlow(pick(flowId))!);
      } catch {
        return undefined;
      }
    },
    get requests() {
      return b.log.map((x) => ({ ...x }));
    },
    subscribe: (listener) => b.onChange(listener),
    reset: () => b.reset(),
  };
}
