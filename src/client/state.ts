/**
 * The one state union of the headless client. A view renders `client.state`
 * by its `kind`, nothing else; every kind lists exactly what that view needs.
 *
 * Times (`expiresAt`, `resendAt`, `retryAt`) are milliseconds on the
 * `performance.now()` clock, derived from the server's lifetimes when they
 * arrived, so a wrong or changed device clock cannot shorten or stretch them.
 */
import type { EntryId, FaceMethod, Identity, QrApp, QrCode, SessionToken, StepUpMethod } from './protocol.js';

/** Codes the client itself produces, besides the server's `ServerErrorCode`s. */
export type ClientErrorCode =
  | 'network'
  | 'timeout'
  | 'malformed_response'
  | 'unsupported_protocol'
  | 'qr_expired'
  | 'encryption_failed'
  | 'busy'
  | 'client_error';

export interface LoginError {
  /** A server error code (`invalid_credentials`, …) or a client one (`network`, …). */
  code: string;
  /**
   * The server's message (in the language the client asked for with `Accept-Language`, where the
   * server can), else the code or the client's own description. UIs show their own wording for the
   * codes they know, and this text for a code they do not know.
   */
  message: string;
  /** HTTP status, when the error came from a response. */
  status?: number;
  /** When the action may be tried again, `performance.now()` ms. */
  retryAt?: number;
  attemptsLeft?: number;
  /** Request field at fault (`taxpayerId`, `account`, …). */
  field?: string;
}

export interface QrView extends QrCode {
  /** When this payload stops being valid, `performance.now()` ms. */
  expiresAt: number;
}

/** Outcome of the last `submitPassword()`, shown by the password form. */
export type PasswordAttempt =
  | { status: 'idle' }
  | { status: 'submitting'; entry: EntryId }
  | { status: 'failed'; entry: EntryId; error: LoginError };

interface SignedOut {
  /** The password form's status; the QR flow goes on beside it. */
  password: PasswordAttempt;
}

interface InFlow {
  flowId: string;
  /** When the whole flow ends, `performance.now()` ms. */
  expiresAt: number;
  /**
   * While the server is busy (it answered a status request with `Retry-After`): when the client
   * asks again, `performance.now()` ms. Never after `expiresAt`: a longer wait ends the flow as `busy`.
   */
  retryAt?: number;
}

interface InStepUp extends InFlow {
  /** Methods the person may switch to at any time. */
  methods: StepUpMethod[];
  maskedPhone?: string;
}

/** Who ended a flow by cancelling it: the person on this page (`cancel()`), the phone, or the server. */
export type CancelledBy = 'client' | 'phone' | 'server';

export type SmsPhase = 'idle' | 'sending' | 'sent' | 'verifying';

export type LoginState =
  // Before authentication: the QR panel's states, with the password form beside them.
  | ({ kind: 'idle' } & SignedOut)
  | ({ kind: 'qr-loading' } & SignedOut)
  | ({ kind: 'qr-waiting'; qr: QrView } & InFlow & SignedOut)
  | ({ kind: 'qr-scanned'; qr: QrView; app: QrApp } & InFlow & SignedOut)
  /** The QR flow ended without login; `startQr()` begins a new one. */
  | ({ kind: 'qr-ended'; reason: 'denied' | 'cancelled' | 'expired'; app?: QrApp; by?: CancelledBy } & SignedOut)
  | ({ kind: 'qr-error'; error: LoginError } & SignedOut)
  // After the password: the mandatory second factor (再次认证).
  | ({ kind: 'step-up'; pending?: FaceMethod; error?: LoginError } & InStepUp)
  | ({ kind: 'face-waiting'; method: FaceMethod; qr: QrView } & InStepUp)
  | ({ kind: 'face-scanned'; method: FaceMethod; qr: QrView; app: QrApp } & InStepUp)
  | ({ kind: 'face-verifying'; method: FaceMethod } & InStepUp)
  | ({ kind: 'face-failed'; method: FaceMethod; attemptsLeft: number } & InStepUp)
  | ({
      kind: 'sms';
      phase: SmsPhase;
      codeLength: number;
      /** When 获取验证码 may be pressed again. */
      resendAt?: number;
      /** When the sent code stops being valid. */
      codeExpiresAt?: number;
      error?: LoginError;
    } & InStepUp)
  // Both journeys.
  | ({
      kind: 'identity';
      reason: 'capacity' | 'client';
      identities: Identity[];
      pending?: string;
      error?: LoginError;
    } & InFlow)
  | {
      kind: 'authenticated';
      via: 'qr' | 'password' | 'other-tab';
      redirectUrl?: string;
      session?: SessionToken;
      /** Who logged in, when the server says: the name as it may be shown (masked), and the identity acted as. */
      maskedName?: string;
      identity?: Identity;
    }
  /** A password flow that ended without login; the person starts again. */
  | {
      kind: 'flow-ended';
      reason: 'expired' | 'cancelled' | 'denied' | 'locked' | 'error';
      /** Who cancelled, when `reason` is `cancelled`. */
      by?: CancelledBy;
      /** The app that denied, when `reason` is `denied`. */
      app?: QrApp;
      error?: LoginError;
    }
  | { kind: 'destroyed' };

export type LoginStateKind = LoginState['kind'];
export type LoginStateOf<K extends LoginStateKind> = Extract<LoginState, { kind: K }>;
