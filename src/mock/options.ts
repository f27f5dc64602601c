/**
 * Options of the mock backend and their defaults. Durations are seconds unless
 * the name says otherwise.
 */
import type { Capabilities, EntrySpec, QrApp, StepUpMethod, TransportName } from '../client/protocol.js';
import type { AccountDirectory } from '../engine/accounts.js';
import { settingsOf as engineSettingsOf } from '../engine/settings.js';
import { DEFAULT_FIXTURE, ENTRIES, type MockFixture } from './fixtures.js';

export interface MockBackendOptions {
  /** Where the API lives, relative to the page or absolute; default `/api/etax-login`. */
  baseUrl?: string;
  /** Transports announced and served; default all four. `poll` is always served. */
  transports?: TransportName[];
  /** Seconds between polls the client is told to use; default 2. */
  pollInterval?: number;
  /** Longest hold of a long-poll request; default 25. */
  longPollWait?: number;
  /** Seconds between SSE/WebSocket heartbeats; default 15. */
  heartbeat?: number;
  /** Milliseconds an EventSource waits before reconnecting (SSE `retry:`); default 1000. */
  sseRetry?: number;
  /** Seconds a QR payload (login or face) stays valid; default 60. */
  qrLifetime?: number;
  /** When a QR payload expires, replace it in the same flow (true, default) or end it. */
  qrRotates?: boolean;
  /**
   * Characters in every QR payload (login and face), its random part made longer
   * to reach it, for trying how long payloads are drawn; default 70 (a face QR's
   * 69). At most `QR_PAYLOAD_MAX`: the mock never issues a longer payload, and
   * making a backend with a longer length throws a `RangeError`.
   */
  qrPayloadLength?: number;
  /** Apps that may scan the login QR; default both. */
  qrApps?: QrApp[];
  /**
   * Show a code on the login QR for the phone to compare: two digits (true, default),
   * none (false), or the code a function makes for each new QR.
   */
  matchCode?: boolean | (() => string);
  /** The entries (登录入口) and their fields announced and checked; default `ENTRIES`. */
  entries?: EntrySpec[];
  /** Seconds a flow lives; default 300. */
  flowLifetime?: number;
  /** Second factors offered after a password; default face_iit, face_etax, sms. */
  stepUpMethods?: StepUpMethod[];
  sms?: {
    /** Digits in a code; default 6. */
    codeLength?: number;
    /** Seconds before another code may be sent; default 60. */
    resendAfter?: number;
    /** Seconds a code stays valid; default 300. */
    codeLifetime?: number;
    /** Wrong codes allowed in one flow before it is locked; default 5. */
    maxWrong?: number;
    /** Codes one phone may receive in 24 hours; default no limit. */
    dailyLimit?: number;
  };
  /** Failed face recognitions allowed in one flow; default 3. */
  faceMaxAttempts?: number;
  /** Wrong passwords before the account is locked; default 5. */
  maxPasswordAttempts?: number;
  /** Seconds an account (or a flow after too many wrong codes) stays locked; default 1800. */
  lockSeconds?: number;
  /** People and enterprises; default `DEFAULT_FIXTURE`. */
  fixture?: MockFixture;
  /**
   * The account directory the engine checks passwords with; default a
   * `MemoryDirectory` of `fixture`. The demo server passes the fixture's people
   * from its accounts file, with scrypt hashes, as a deployment keeps them.
   */
  accounts?: AccountDirectory;
  /** Account the phone is signed in to when it scans a login QR; default `wangxiuying`. */
  qrAccount?: string;
  /**
   * Answer an unknown account with `not_registered` (as some portals do) rather
   * than with the same `invalid_credentials` as a wrong password; default false.
   */
  revealNotRegistered?: boolean;
  /** Milliseconds added before every HTTP response; default 0. */
  latency?: number;
  /** `redirectUrl` of the authenticated state; none by default. */
  redirectUrl?: string;
  /** Seconds the session token lives; `false` leaves the token out. Default 1800. */
  sessionLifetime?: number | false;
  /** `encryption` capability to announce, for clients that wrap request bodies. */
  encryption?: Capabilities['encryption'];
  /** Unwraps a request body the client's `encrypt` hook wrapped; returns the JSON text. */
  decryptBody?: (body: string, request: Request) => string | Promise<string>;
  /** Wraps a response body's JSON text, for clients with a `decrypt` hook. */
  encryptBody?: (json: string, request: Request) => string | Promise<string>;
  /** The clock, epoch milliseconds; default `Date.now()` (so fake timers move it). */
  now?: () => number;
}

export type Settings = Required<
  Omit<MockBackendOptions, 'sms' | 'redirectUrl' | 'encryption' | 'decryptBody' | 'encryptBody' | 'now' | 'accounts'>
> &
  Pick<MockBackendOptions, 'redirectUrl' | 'encryption' | 'decryptBody' | 'encryptBody'> & {
    sms: Required<NonNullable<MockBackendOptions['sms']>>;
    now: () => number;
  };

/** The engine's defaults for the protocol's rules, with the mock's accounts, no daily SMS cap, and what only the page's host has. */
export const settingsOf = (o: MockBackendOptions = {}): Settings => ({
  ...engineSettingsOf({ ...o, entries: o.entries ?? ENTRIES, sms: { dailyLimit: Infinity, ...o.sms } }),
  baseUrl: (o.baseUrl ?? '/api/etax-login').replace(/\/+$/, ''),
  sseRetry: o.sseRetry ?? 1000,
  fixture: o.fixture ?? DEFAULT_FIXTURE,
  qrAccount: o.qrAccount ?? 'wangxiuying',
  latency: o.latency ?? 0,
  redirectUrl: o.redirectUrl,
  sessionLifetime: o.sessionLifetime ?? 1800,
  encryption: o.encryption,
  decryptBody: o.decryptBody,
  encryptBody: o.encryptBody,
  now: o.now ?? (() => Date.now()),
});
