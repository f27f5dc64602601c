/**
 * One login flow as the mock backend keeps it, and how it reads on the wire.
 * Times are absolute (epoch ms) inside; the wire gets seconds left.
 */
import type {
  EntryId,
  FaceMethod,
  FlowState,
  Identity,
  QrApp,
  SessionToken,
  StepUpMethod,
} from '../client/protocol.js';
import { maskName, maskPhone, type MockAccount } from './fixtures.js';

export type FlowKind = 'qr' | 'password';

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
  | { status: 'locked'; until?: number; code: 'account_locked' | 'sms_locked' };

export type Status = Phase['status'];

export interface QrRecord {
  payload: string;
  expiresAt: number;
  matchCode?: string;
  apps: QrApp[];
}

export interface FlowRecord {
  readonly id: string;
  readonly token: string;
  readonly kind: FlowKind;
  seq: number;
  phase: Phase;
  readonly createdAt: number;
  expiresAt: number;
  qr?: QrRecord;
  /** The person: from the password, or the phone that scanned the login QR. */
  account?: MockAccount;
  entry?: EntryId;
  taxpayerId?: string;
  /** Second factors offered now. */
  methods: StepUpMethod[];
  /** Identities to choose from after authentication; empty when there is no choice. */
  identities: Identity[];
  reason?: 'capacity' | 'client';
  /** The identity chosen. */
  identity?: Identity;
  faceAttemptsLeft: number;
  sms: { code?: string; sentAt?: number; expiresAt?: number; wrong: number };
  session?: SessionToken;
  /** Refuse new SSE/WebSocket connections (after `dropStreams()`). */
  refuseStreams: boolean;
  timer?: ReturnType<typeof setTimeout>;
  /** Long-polls held until the next change. */
  readonly waiters: Set<() => void>;
  /** Open SSE/WebSocket subscribers. */
  readonly listeners: Set<(state: FlowState) => void>;
}

export const TERMINAL: readonly Status[] = ['authenticated', 'denied', 'cancelled', 'expired', 'locked'];
/** Statuses in which a second factor may be picked, switched or answered. */
export const STEP_UP_OPEN: readonly Status[] = ['step_up_required', 'face_waiting', 'face_scanned', 'face_failed'];
const SHOWS_QR: readonly Status[] = ['qr_waiting', 'qr_scanned', 'face_waiting', 'face_scanned'];

export const isLive = (flow: FlowRecord): boolean => !TERMINAL.includes(flow.phase.status);
export const showsQr = (flow: FlowRecord): boolean => !!flow.qr && SHOWS_QR.includes(flow.phase.status);

const secondsLeft = (at: number, now: number): number => Math.max(0, Math.ceil((at - now) / 1000));

/** The flow's state as the client receives it, with lifetimes counted from `now`. */
export function viewOf(flow: FlowRecord, now: number, redirectUrl?: string): FlowState {
  const seq = flow.seq;
  const p = flow.phase;
  const qr = () => {
    const q = flow.qr!;
    return {
      payload: q.payload,
      expiresIn: secondsLeft(q.expiresAt, now),
      apps: q.apps,
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
        ...(flow.account?.phone && flow.methods.includes('sms') ? { maskedPhone: maskedPhoneOf(flow) } : {}),
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
    case 'authenticated':
      return {
        seq,
        status: p.status,
        ...(redirectUrl ? { redirectUrl } : {}),
        ...(flow.session ? { session: { ...flow.session } } : {}),
        // Who logged in: the name masked, and the identity acted as.
        ...(flow.account ? { maskedName: maskName(flow.account.name) } : {}),
        ...(flow.identity ? { identity: structuredClone(flow.identity) } : {}),
      };
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

export const maskedPhoneOf = (flow: FlowRecord): string | undefined =>
  flow.account?.phone ? maskPhone(flow.account.phone) : undefined;
