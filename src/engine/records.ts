/**
 * A login flow as the store keeps it, and how it reads on the wire. A record
 * is plain JSON (no timers, no functions), so any store can hold it; times are
 * absolute epoch milliseconds inside and seconds left on the wire. The record
 * changes only together with its state, and every change raises `seq` by one:
 * the store's compare-and-set on `seq` is what makes racing requests give one
 * result. Counters (wrong codes, cooldowns) live apart, as store counters.
 */
import { maskName } from './accounts.js';
import type {
  EntryId,
  FaceMethod,
  FlowState,
  Identity,
  QrApp,
  SessionToken,
  StepUpMethod,
} from '../client/protocol.js';

export type FlowKind = 'qr' | 'password';
export type LockCode = 'account_locked' | 'sms_locked';

/** The flow's status and what it alone needs; lists, QR and times live on the flow. */
export type Phase =
  | { status: 'qr_waiting' }
  | { status: 'qr_scanned'; app: QrApp }
  | { status: 'step_up_required' }
  | { status: 'face_waiting'; method: FaceMethod }
  | { status: 'face_scanned'; method: FaceMethod; app: QrApp }
  | { status: 'face_verifying'; method: FaceMethod }
  | { status: 'face_failed'; method: FaceMethod }
  | { status: 'identity_required'; reason: 'capacity' | 'client' }
  | { status: 'authenticated' }
  | { status: 'denied'; app?: QrApp }
  | { status: 'cancelled'; by: 'phone' | 'client' | 'server' }
  | { status: 'expired' }
  | { status: 'locked'; until?: number; code: LockCode };

export type Status = Phase['status'];

export interface QrRecord {
  payload: string;
  expiresAt: number;
  matchCode?: string;
  apps: QrApp[];
}

export interface FlowRecord {
  id: string;
  /** SHA-256 of the flow token: the token itself is never stored. */
  tokenHash: string;
  kind: FlowKind;
  seq: number;
  phase: Phase;
  createdAt: number;
  expiresAt: number;
  qr?: QrRecord;
  /** The person: from the password, or the app that scanned the login QR. */
  accountId?: string;
  /** The person's name, for the session issuer. */
  personName?: string;
  /** What locks and attempt counters of this login are counted on (`account:<id>`). */
  subject?: string;
  entry?: EntryId;
  taxpayerId?: string;
  /** The bound phone, masked; the full number stays in the account directory. */
  maskedPhone?: string;
  /** Second factors offered now. */
  methods: StepUpMethod[];
  /** Identities to choose from after authentication; empty when there is no choice. */
  identities: Identity[];
  reason?: 'capacity' | 'client';
  /** The identity chosen, or the only one. */
  identity?: Identity;
  faceAttemptsLeft: number;
  /** The second factor that succeeded. */
  secondFactor?: StepUpMethod;
  /** How the flow was completed, from the session issuer. */
  completion?: { redirectUrl?: string; session?: SessionToken };
  /** The page that started the flow, as its request showed it (for the app's confirmation screen, §15.5). */
  client?: FlowClient;
}

/** What the request that created a flow said of the page: never used to decide, only shown and logged. */
export interface FlowClient {
  /** The page's origin (`Origin` header). */
  origin?: string;
  /** The browser's `User-Agent`, cut to 256 characters. */
  userAgent?: string;
  /** The client's address, as the host determined it (behind trusted proxies, the forwarded one). */
  address?: string;
}

export const TERMINAL: readonly Status[] = ['authenticated', 'denied', 'cancelled', 'expired', 'locked'];
/** Statuses in which a second factor may be picked, switched or answered. */
export const STEP_UP_OPEN: readonly Status[] = ['step_up_required', 'face_waiting', 'face_scanned', 'face_failed'];
const SHOWS_QR: readonly Status[] = ['qr_waiting', 'qr_scanned', 'face_waiting', 'face_scanned'];

export const isLive = (flow: FlowRecord): boolean => !TERMINAL.includes(flow.phase.status);
export const showsQr = (flow: FlowRecord): boolean => !!flow.qr && SHOWS_QR.includes(flow.phase.status);
export const faceMethodOf = (flow: FlowRecord): FaceMethod | undefined =>
  'method' in flow.phase ? flow.phase.method : undefined;

/** Whole seconds from `now` until `at`, never negative: the time a lifetime has left. */
export const secondsLeft = (at: number, now: number): number => Math.max(0, Math.ceil((at - now) / 1000));

/** The flow's state as the page receives it, with every lifetime counted from `now`. */
export function viewOf(flow: FlowRecord, now: number): FlowState {
  const seq = flow.seq;
  const p = flow.phase;
  const qr = () => {
    const q = flow.qr!;
    return {
      payload: q.payload,
      expiresIn: secondsLeft(q.expiresAt, now),
      apps: [...q.apps],
      ...(q.matchCode ? { matchCode: q.matchCode } : {}),
    };
  };
  switch (p.status) {
    case 'qr_waiting':
      return { seq, status: p.status, qr: qr() };
    case 'qr_scanned':
      return { seq, status: p.status, qr: qr(), app: p.app };
    case 'step_up_required':
      return {
        seq,
        status: p.status,
        methods: [...flow.methods],
        ...(flow.maskedPhone && flow.methods.includes('sms') ? { maskedPhone: flow.maskedPhone } : {}),
      };
    case 'face_waiting':
      return { seq, status: p.status, method: p.method, qr: qr() };
    case 'face_scanned':
      return { seq, status: p.status, method: p.method, qr: qr(), app: p.app };
    case 'face_verifying':
      return { seq, status: p.status, method: p.method };
    case 'face_failed':
      return {
        seq,
        status: p.status,
        method: p.method,
        attemptsLeft: flow.faceAttemptsLeft,
        methods: [...flow.methods],
      };
    case 'identity_required':
      return { seq, status: p.status, reason: p.reason, identities: flow.identities.map((i) => ({ ...i })) };
    case 'authenticated': {
      const c = flow.completion;
      return {
        seq,
        status: p.status,
        ...(c?.redirectUrl ? { redirectUrl: c.redirectUrl } : {}),
        ...(c?.session ? { session: { ...c.session } } : {}),
        // Who logged in, for the page to say so: the name masked, the identity acted as (§10).
        ...(flow.personName ? { maskedName: maskName(flow.personName) } : {}),
        ...(flow.identity ? { identity: structuredClone(flow.identity) } : {}),
      };
    }
    case 'denied':
      return { seq, status: p.status, ...(p.app ? { app: p.app } : {}) };
    case 'cancelled':
      return { seq, status: p.status, by: p.by };
    case 'expired':
      return { seq, status: p.status };
    case 'locked':
      return { seq, status: p.status, code: p.code, ...(p.until ? { retryAfter: secondsLeft(p.until, now) } : {}) };
  }
}
