/**
 * What a deployment sets: lifetimes, limits, what is offered. Durations are
 * seconds unless the name says otherwise. `settingsOf()` fills in the defaults
 * (those of the reference deployment and the demo).
 */
import { DEFAULT_ENTRIES } from '../client/entries.js';
import {
  QR_PAYLOAD_MAX,
  type Capabilities,
  type EntrySpec,
  type QrApp,
  type StepUpMethod,
  type TransportName,
} from '../client/protocol.js';

export interface EngineSettings {
  /** Transports announced; `poll` is always served. Default all four. */
  transports: TransportName[];
  /** Seconds between polls the page is told to use; default 2. */
  pollInterval: number;
  /** Longest hold of a long-poll request; default 25. */
  longPollWait: number;
  /** Seconds between SSE/WebSocket heartbeats; default 15. */
  heartbeat: number;
  /** Seconds a QR payload (login or face) stays valid; default 60. */
  qrLifetime: number;
  /** When a QR payload expires, replace it in the same flow (default) or end it. */
  qrRotates: boolean;
  /** Apps that may scan the login QR; default both. */
  qrApps: QrApp[];
  /**
   * Show a code with the login QR for the phone to compare: two random digits (true,
   * default), none (false), or the code a function makes for each new QR.
   */
  matchCode: boolean | (() => string);
  /** Where QR payloads point (a page on the portal telling a camera app to use the tax apps). */
  qrPayloadBase: string;
  /**
   * Characters in every payload, its random part made longer to reach it (to try how
   * long payloads are drawn); 0 (default): as long as the base and 128 random bits make it.
   */
  qrPayloadLength: number;
  /** Seconds a flow lives; default 300. */
  flowLifetime: number;
  /** Seconds an ended flow still answers with its last state (§5.3); default 300. */
  keepEnded: number;
  /** Second factors offered after a password; default face_iit, face_etax, sms. */
  stepUpMethods: StepUpMethod[];
  sms: {
    /** Digits in a code; default 6. */
    codeLength: number;
    /** Seconds before another code may be sent in the same flow; default 60. */
    resendAfter: number;
    /** Seconds a code stays valid; default 300. */
    codeLifetime: number;
    /** Wrong codes allowed in one flow before it is locked; default 5. */
    maxWrong: number;
    /** Codes one phone number may receive in 24 hours; default 10. */
    dailyLimit: number;
  };
  /** Failed face recognitions allowed in one flow; default 3. */
  faceMaxAttempts: number;
  /** Wrong passwords in a row before the account (or typed name) is locked; default 5. */
  maxPasswordAttempts: number;
  /** Seconds a lock lasts (account, or SMS after too many wrong codes); default 1800. */
  lockSeconds: number;
  /**
   * Password attempts on one account (or typed account name) in a fixed window,
   * beside the lock: past `limit` in `window` seconds the answer is `429 rate_limited`
   * (§7.1, §15.3). Default none (`limit` 0), as the in-page mock runs; the
   * reference server sets 10 in 900 s (`--account-rate-limit`).
   */
  accountRateLimit: RateRule;
  /** Answer an unknown account `not_registered` instead of `invalid_credentials`; default false. */
  revealNotRegistered: boolean;
  /** The entries and their fields; default the national login's three. */
  entries: EntrySpec[];
  /** `encryption` capability to announce, for deployments that wrap request bodies. */
  encryption?: Capabilities['encryption'];
}

/** At most `limit` requests in a fixed window of `window` seconds; `limit` 0: no limit. */
export interface RateRule {
  limit: number;
  window: number;
}

export type EngineSettingsInput = Partial<Omit<EngineSettings, 'sms' | 'accountRateLimit'>> & {
  sms?: Partial<EngineSettings['sms']>;
  accountRateLimit?: Partial<RateRule>;
};

/** The longest QR payload, in characters of printable ASCII (§6.2), as the client reads it. */
export { QR_PAYLOAD_MAX };

/** Throws a `RangeError` for settings that would break the protocol (a QR payload too long to read). */
export function checkSettings(s: EngineSettings): EngineSettings {
  // A payload is a URL of printable ASCII, at most QR_PAYLOAD_MAX characters (§6.2).
  if (!/^[\x21-\x7e]+$/.test(s.qrPayloadBase)) {
    throw new RangeError(`qrPayloadBase: printable ASCII only (a URL), not "${s.qrPayloadBase}"`);
  }
  const longest = Math.max(s.qrPayloadLength, `${s.qrPayloadBase}login/`.length + 32);
  if (longest > QR_PAYLOAD_MAX) {
    throw new RangeError(`QR payloads of ${longest} characters: at most ${QR_PAYLOAD_MAX}, the protocol's longest`);
  }
  return s;
}

export const settingsOf = (o: EngineSettingsInput = {}): EngineSettings => ({
  transports: o.transports ?? ['poll', 'long-poll', 'sse', 'websocket'],
  pollInterval: o.pollInterval ?? 2,
  longPollWait: o.longPollWait ?? 25,
  heartbeat: o.heartbeat ?? 15,
  qrLifetime: o.qrLifetime ?? 60,
  qrRotates: o.qrRotates ?? true,
  qrApps: o.qrApps ?? ['etax', 'iit'],
  matchCode: o.matchCode ?? true,
  qrPayloadBase: (o.qrPayloadBase ?? 'https://etax.example.invalid/qr/').replace(/\/?$/, '/'),
  qrPayloadLength: o.qrPayloadLength ?? 0,
  flowLifetime: o.flowLifetime ?? 300,
  keepEnded: o.keepEnded ?? 300,
  stepUpMethods: o.stepUpMethods ?? ['face_iit', 'face_etax', 'sms'],
  sms: {
    codeLength: o.sms?.codeLength ?? 6,
    resendAfter: o.sms?.resendAfter ?? 60,
    codeLifetime: o.sms?.codeLifetime ?? 300,
    maxWrong: o.sms?.maxWrong ?? 5,
    dailyLimit: o.sms?.dailyLimit ?? 10,
  },
  faceMaxAttempts: o.faceMaxAttempts ?? 3,
  maxPasswordAttempts: o.maxPasswordAttempts ?? 5,
  lockSeconds: o.lockSeconds ?? 1800,
  accountRateLimit: { limit: o.accountRateLimit?.limit ?? 0, window: o.accountRateLimit?.window ?? 900 },
  revealNotRegistered: o.revealNotRegistered ?? false,
  entries: o.entries ?? DEFAULT_ENTRIES,
  ...(o.encryption ? { encryption: o.encryption } : {}),
});
