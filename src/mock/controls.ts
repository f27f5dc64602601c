/**
 * The scenario controls: what a test, or the demo's phone simulator, does to
 * the mock backend. Flow controls act on the most recent live flow unless a
 * flow id is given, either as a string or as `{ flowId }`.
 */
import type { EntryId, FlowState, FlowStatus, Identity, QrApp, StepUpMethod } from '../client/protocol.js';
import type { Backend, BackendChange, RequestLogEntry, SmsMessage } from './backend.js';
import type { Malformation, RequestMatch } from './faults.js';
import { isLive, showsQr, type FlowKind, type FlowRecord } from './flow.js';
import * as phone from './phone.js';
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
  scan(app?: QrApp, target?: FlowTarget & { account?: string }): FlowState;
  /** The phone backs out of the confirmation screen: scanned falls back to waiting. */
  unscan(target?: FlowTarget): FlowState;
  /**
   * 登录 on the phone: `authenticated`, or `identity_required` when the person
   * acts in several capacities. A `matchCode` other than the page's ends in `denied`.
   */
  confirm(target?: FlowTarget & { matchCode?: string }): FlowState;
  /** The phone refuses (login confirmation or face check): `denied`. */
  deny(target?: FlowTarget): FlowState;
  /** The phone (after a scan; default) or the server ends the flow: `cancelled`. */
  cancel(target?: FlowTarget & { by?: 'phone' | 'server' }): FlowState;
  /** Liveness actions done, result pending: `face_scanned` → `face_verifying`. */
  faceVerify(target?: FlowTarget): FlowState;
  /** Face recognition passes (via `face_verifying`): `identity_required` or `authenticated`. */
  facePass(target?: FlowTarget): FlowState;
  /**
   * Face recognition fails (via `face_verifying`): `face_failed` with one attempt
   * fewer; with none left only SMS is offered, and with no SMS either the flow is `locked`.
   */
  faceFail(target?: FlowTarget): FlowState;

  /* ---------------------------------------------------------------- time */

  /** A new QR payload in the same flow and status (login or face QR). */
  rotateQr(target?: FlowTarget): FlowState;
  /** The QR payload runs out now: rotated, or (with `qrRotates: false`) `expired` / back to `step_up_required`. */
  expireQr(target?: FlowTarget): FlowState;
  /** The whole flow runs out now: `expired`. */
  expireFlow(target?: FlowTarget): FlowState;

  /* ----------------------------------------------------------------- SMS */

  /** The code of the last SMS sent, as the simulated phone shows it. */
  readonly lastCode: string | undefined;
  /** Every SMS sent since the last reset, oldest first. */
  readonly smsCodes: readonly SmsMessage[];
  /** The flow's SMS code runs out now (verifying it answers `sms_code_expired`). */
  expireSmsCode(target?: FlowTarget): void;

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
  lockAccount(accountId: string, seconds?: number): void;
  unlockAccount(accountId: string): void;
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
  const idOf = (target?: FlowTarget) => (typeof target === 'string' ? target : target?.flowId);

  const pick = (target?: FlowTarget): FlowRecord => {
    const id = idOf(target);
    if (id) {
      const flow = b.flows.get(id);
      if (!flow) throw new MockControlError(`no flow "${id}"`);
      b.refresh(flow);
      return flow;
    }
    const flows = [...b.flows.values()].reverse();
    for (const flow of flows) {
      b.refresh(flow);
      if (isLive(flow)) return flow;
    }
    throw new MockControlError('no live flow');
  };
  const opt = <T extends object>(target: FlowTarget | undefined): Partial<T> =>
    typeof target === 'object' ? (target as Partial<T>) : {};

  const info = (flow: FlowRecord): FlowInfo => {
    const state = b.view(flow);
    return {
      id: flow.id,
      kind: flow.kind,
      status: state.status,
      seq: flow.seq,
      state,
      live: isLive(flow),
      createdAt: flow.createdAt,
      expiresAt: flow.expiresAt,
      ...(flow.account ? { account: flow.account.id } : {}),
      ...(flow.entry ? { entry: flow.entry } : {}),
      ...(flow.taxpayerId ? { taxpayerId: flow.taxpayerId } : {}),
      methods: [...flow.methods],
      faceAttemptsLeft: flow.faceAttemptsLeft,
      smsPending: !!flow.sms.code,
      smsWrong: flow.sms.wrong,
      ...(flow.identity ? { identity: { ...flow.identity } } : {}),
      streams: [...b.streams].filter((c) => c.flowId === flow.id).length,
    };
  };

  return {
    scan: (app = 'etax', target) => phone.scan(b, pick(target), app, opt<{ account: string }>(target).account),
    unscan: (target) => phone.unscan(b, pick(target)),
    confirm: (target) => phone.confirm(b, pick(target), opt<{ matchCode: string }>(target).matchCode),
    deny: (target) => phone.deny(b, pick(target)),
    cancel: (target) => phone.cancel(b, pick(target), opt<{ by: 'phone' | 'server' }>(target).by ?? 'phone'),
    faceVerify: (target) => phone.faceVerify(b, pick(target)),
    facePass: (target) => phone.facePass(b, pick(target)),
    faceFail: (target) => phone.faceFail(b, pick(target)),

    rotateQr(target) {
      const flow = pick(target);
      if (!showsQr(flow))
        throw new MockControlError(`rotateQr() needs a flow showing a QR; flow ${flow.id} is ${flow.phase.status}`);
      const p = flow.phase;
      flow.qr = b.newQr('method' in p ? p.method : undefined);
      return b.move(flow, p);
    },
    expireQr(target) {
      const flow = pick(target);
      if (!showsQr(flow))
        throw new MockControlError(`expireQr() needs a flow showing a QR; flow ${flow.id} is ${flow.phase.status}`);
      flow.qr!.expiresAt = b.now();
      b.refresh(flow);
      return b.view(flow);
    },
    expireFlow(target) {
      const flow = pick(target);
      flow.expiresAt = b.now();
      b.refresh(flow);
      return b.view(flow);
    },

    get lastCode() {
      return b.outbox[b.outbox.length - 1]?.code;
    },
    get smsCodes() {
      return b.outbox.map((m) => ({ ...m }));
    },
    expireSmsCode(target) {
      const flow = pick(target);
      if (!flow.sms.code) throw new MockControlError(`flow ${flow.id} has no SMS code to expire`);
      flow.sms.expiresAt = b.now();
      b.emit({ type: 'sms', flowId: flow.id });
    },

    throttle: (seconds, options = {}) => b.faults.throttle(b.now(), seconds, options.count, options.match),
    failNext: (count = 1, status = 500, match) => b.faults.fail(count, status, match),
    malformNext: (count = 1, kind = 'json', match) => b.faults.malform(count, kind, match),
    setLatency(ms) {
      b.latency = Math.max(0, ms);
    },
    lockAccount: (accountId, seconds) => b.lockAccount(accountId, seconds),
    unlockAccount: (accountId) => b.unlockAccount(accountId),
    dropStreams({ flowId, reconnect = false } = {}) {
      const conns = [...b.streams].filter((c) => !flowId || c.flowId === flowId);
      if (!reconnect) {
        if (flowId) {
          const flow = b.flows.get(flowId);
          if (flow) flow.refuseStreams = true;
        } else {
          b.refuseStreams = true;
        }
      }
      conns.forEach((c) => c.close());
      return conns.length;
    },
    acceptStreams() {
      b.refuseStreams = false;
      for (const flow of b.flows.values()) flow.refuseStreams = false;
    },
    suspendHeartbeats() {
      b.heartbeats = false;
    },
    resumeHeartbeats() {
      b.heartbeats = true;
    },

    get flows() {
      return [...b.flows.values()].map((f) => (b.refresh(f), info(f)));
    },
    flow(flowId) {
      try {
        return info(pick(flowId));
      } catch {
        return undefined;
      }
    },
    get requests() {
      return b.log.map((e) => ({ ...e }));
    },
    subscribe: (listener) => b.onChange(listener),
    reset: () => b.reset(),
  };
}
