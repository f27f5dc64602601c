/**
 * Every word the elements show. `zh-CN` is built in and the default, `en` is
 * shipped; a host overrides any part with a `PartialTranslation`, merged over
 * the language's own terms (never over blanks).
 *
 * Terms that carry a number or a name are functions, so each language can
 * place and inflect them.
 */
import type { FaceMethod, QrApp, StepUpMethod } from '../../client/protocol.js';

export interface Translation {
  /** BCP 47 tag of this translation. */
  lang: string;
  apps: Record<QrApp, string>;
  /** "5 minutes", "30 seconds": a wait given in seconds. */
  duration: (seconds: number) => string;
  /** The server is busy: the page asks again by itself after `time`. */
  busy: (time: string) => string;

  login: {
    /** Accessible name of the whole login block. */
    label: string;
    qrTitle: string;
    recommended: string;
    passwordTitle: string;
    /** Tab names of the built-in entries; other entries bring their own label. */
    entries: Record<'enterprise' | 'individual' | 'agent', string>;
    entryTabs: string;
    fields: {
      taxpayerId: string;
      agencyTaxpayerId: string;
      account: string;
      agentAccount: string;
      password: string;
    };
    showPassword: string;
    hidePassword: string;
    submit: string;
    submitting: string;
    forgotPassword: string;
    register: string;
    helpTitle: string;
    helpIntro: string;
    /** The path to turn on quick login in each app. */
    helpPaths: Record<QrApp, string>;
    success: string;
    successElsewhere: string;
    redirecting: string;
    /** A locked account, in place of the password form. */
    locked: {
      title: string;
      /** Back to the form, to log in with another account. */
      other: string;
    };
    /** Who logged in, on the success view. */
    who: { user: string; capacity: string; enterprise: string; client: string };
    /** A finished password flow: what happened, and what to do. */
    ended: Record<'expired' | 'cancelled' | 'denied' | 'locked' | 'error', string>;
    restart: string;
  };

  /** Field checks before anything is sent. */
  validation: {
    required: (field: string) => string;
    taxpayerId: string;
    /** A USCC whose check symbol does not match: a warning, not a refusal. */
    usccChecksum: string;
    idNumber: string;
    mobile: string;
    /** The value does not match the `pattern` the server announced for the field. */
    format: (field: string) => string;
    /** Shorter than the field's announced `minLength`. */
    tooShort: (field: string, min: number) => string;
    smsCode: (length: number) => string;
    /** Prefix announcing an error to screen readers ("错误："). */
    errorPrefix: string;
    warningPrefix: string;
  };

  qr: {
    label: string;
    scanWith: (apps: string) => string;
    appsJoin: string;
    loading: string;
    remaining: (time: string) => string;
    scanned: (app: string) => string;
    confirmed: string;
    denied: string;
    /** Cancelled on the phone. */
    cancelled: string;
    /** Cancelled on this page (the person closed the dialog). */
    cancelledHere: string;
    expired: string;
    refresh: string;
    retry: string;
    matchCode: (code: string) => string;
  };

  stepUp: {
    title: string;
    intro: string;
    close: string;
    methodsLabel: string;
    methods: Record<StepUpMethod, string>;
    /** What to do on the phone for each face method (from the official instructions). */
    faceSteps: Record<FaceMethod, string>;
    faceScanned: (app: string) => string;
    verifying: string;
    /** `sms`: a text message code is on offer too. */
    faceFailed: (attemptsLeft: number, sms: boolean) => string;
    faceFailedFinal: string;
    faceRetry: string;
    useSms: string;
    /** The face QR ran out; the action beside it is `qr.refresh`. */
    qrExpired: string;
    expiresIn: (time: string) => string;
  };

  sms: {
    label: string;
    phone: (masked: string) => string;
    send: string;
    sending: string;
    resendIn: (seconds: number) => string;
    sent: (masked: string) => string;
    code: string;
    codeHint: (length: number) => string;
    submit: string;
    verifying: string;
    wrongCode: (attemptsLeft: number) => string;
    /** A wrong code when the server did not say how many attempts are left. */
    invalidCode: string;
    codeExpired: string;
    throttled: (time: string) => string;
    notSent: string;
  };

  identity: {
    /** Title of the choice of capacity (身份类型选择). */
    title: string;
    /** Title of an agent's choice of the enterprise to act for (选择代理的企业). */
    clientTitle: string;
    capacity: string;
    client: string;
    confirm: string;
  };

  /** Messages for error codes, server's and client's; `other` for anything unknown. */
  errors: {
    /** `attemptsLeft`: wrong passwords left before the account is locked, when the server tells. */
    invalid_credentials: (attemptsLeft: number | undefined) => string;
    invalid_taxpayer_id: string;
    not_registered: string;
    account_locked: (time: string | undefined) => string;
    rate_limited: (time: string | undefined) => string;
    sms_locked: string;
    method_unavailable: string;
    identity_invalid: string;
    flow_expired: string;
    network: string;
    timeout: string;
    unavailable: string;
    malformed_response: string;
    unsupported_protocol: string;
    /** The page's body-encryption hook failed or is missing. */
    encryption_failed: string;
    /** The server asked for a wait longer than the login has left. */
    busy: string;
    /** A fault inside the login component itself. */
    client_error: string;
    /** Any other code this page knows; a code it does not know shows the server's own message. */
    other: string;
  };
}

type Deep<T> = {
  [K in keyof T]?: T[K] extends (...args: never[]) => unknown ? T[K] : T[K] extends object ? Deep<T[K]> : T[K];
};

/** Any part of a translation, to override the built-in words. */
export type PartialTranslation = Deep<Translation>;

/**
 * A wait in seconds as a count of its largest unit, rounded up: `[n, 0]`
 * hours from an hour, `[n, 1]` minutes from a minute, else `[n, 2]` seconds.
 * Each language words it (`duration`).
 */
export const inUnits = (s: number): [number, 0 | 1 | 2] =>
  s >= 3600 ? [Math.ceil(s / 3600), 0] : s >= 60 ? [Math.ceil(s / 60), 1] : [Math.max(0, Math.ceil(s)), 2];
