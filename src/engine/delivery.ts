/**
 * What leaves the engine for the outside world: SMS codes to a phone, and the
 * portal session at completion. Each is a small interface with a working
 * default for development and tests.
 */
import type { EntryId, FaceMethod, Identity, SessionToken } from '../client/protocol.js';
import type { Person } from './accounts.js';
import { randomHex } from './secrets.js';

/* --------------------------------------------------------------------- SMS */

export interface SmsMessage {
  /** The bound number, as the directory holds it. */
  phone: string;
  code: string;
  /** Seconds the code stays valid. */
  expiresIn: number;
  /** The flow it was sent for (for an outbox to show; a gateway needs it not). */
  flowId: string;
}

/**
 * Sends a code to a phone: a gateway's API for a real deployment. A rejection
 * is answered `503 unavailable` and the code is not counted as sent.
 */
export interface SmsSender {
  send(message: SmsMessage): Promise<void>;
}

/** The SMS as the national portal words it. */
export const smsText = (code: string, expiresIn: number): string =>
  `【电子税务局】您的验证码为${code}，${Math.round(expiresIn / 60)}分钟内有效，请勿泄露给他人。`;

/** A development outbox: messages are kept, newest last, for a simulated phone or a test to read. */
export class SmsOutbox implements SmsSender {
  readonly messages: (SmsMessage & { text: string; sentAt: number })[] = [];
  constructor(private readonly now: () => number = () => Date.now()) {}
  async send(message: SmsMessage): Promise<void> {
    this.messages.push({ ...message, text: smsText(message.code, message.expiresIn), sentAt: this.now() });
  }
}

/* ---------------------------------------------------------------- sessions */

/** A login that has just succeeded, as the session issuer is told of it. */
export interface Completion {
  flowId: string;
  person: Pick<Person, 'id' | 'name'>;
  /** How the person logged in. */
  way: 'qr' | 'password';
  entry?: EntryId;
  /** The second factor of a password login. */
  method?: FaceMethod | 'sms';
  /** The identity chosen, or the only one. */
  identity?: Identity;
}

/** What the page receives in the `authenticated` state (§10). */
export interface IssuedSession {
  redirectUrl?: string;
  session?: SessionToken;
}

/**
 * Mints the portal session at completion: a token, or a completion URL whose
 * one-time code sets a cookie. It is called once per completed flow; when two
 * requests race to complete a flow, the loser's session is never delivered.
 */
export interface SessionIssuer {
  issue(completion: Completion): Promise<IssuedSession>;
}

/** A random bearer token (`lifetime` seconds; `false`: no token), and a fixed `redirectUrl` if given. */
export class TokenIssuer implements SessionIssuer {
  constructor(private readonly options: { lifetime?: number | false; redirectUrl?: string } = {}) {}
  async issue(): Promise<IssuedSession> {
    const life = this.options.lifetime ?? 1800;
    return {
      ...(this.options.redirectUrl ? { redirectUrl: this.options.redirectUrl } : {}),
      ...(life === false ? {} : { session: { token: randomHex(24), tokenType: 'Bearer', expiresIn: life } }),
    };
  }
}
