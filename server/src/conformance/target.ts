/**
 * The target file: what a deployment gives the conformance kit besides its
 * base URL — test accounts, and optionally the app API's address and secret.
 * The kit locks, throttles and sends codes only to the accounts named here.
 * The format is documented in docs/conformance.md and by `--help`.
 */

export type FaceMethod = 'face_iit' | 'face_etax';

export interface TargetAccount {
  /** A name for the report (default: the entry and the account id). */
  label?: string;
  /** The entry id of the password login (`enterprise`, `individual`, `agent`, …). */
  entry: string;
  /** The entry's fields by name, as a person types them. */
  fields: Record<string, string>;
  password: string;
  /** The account id the app API knows the person by (`account` of every app request). */
  appAccount?: string;
  /** The face methods the person can use (default none). */
  face?: FaceMethod[];
  /** A bound phone whose codes the app API's test outbox shows. */
  sms?: boolean;
  /** What follows the second factor: nothing, a capacity choice, or the client choice of an agent. */
  identity?: 'none' | 'capacity' | 'client';
  /** What follows a QR login by this account (default: as `identity`). */
  qrIdentity?: 'none' | 'capacity' | 'client';
  /**
   * The kit may lock this account (wrong passwords until `account_locked`, wrong
   * codes until `sms_locked`). Give a server short locks (`--lock-seconds`) or
   * expect the next run to find it still locked.
   */
  lockable?: boolean;
}

export interface Target {
  /** An origin the server allows (CORS), to check the allowed side of §15.2. */
  allowedOrigin?: string;
  accounts?: TargetAccount[];
  appApi?: {
    /**
     * The app API's base URL, e.g. `http://127.0.0.1:8080/app-api`, or a path
     * (`/app-api`) on the origin of the page API's base URL.
     */
    baseUrl: string;
    /** The shared secret, or (better) `secretEnv`: the environment variable that holds it. */
    secret?: string;
    secretEnv?: string;
  };
}

/** The target file's text, checked; throws an `Error` saying what is wrong. */
export function parseTarget(text: string, env: Record<string, string | undefined> = {}): Target {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new Error(`not JSON: ${(e as Error).message}`, { cause: e });
  }
  const obj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  if (!obj(raw)) throw new Error('the target is a JSON object');
  const known = new Set(['allowedOrigin', 'accounts', 'appApi', '$comment']);
  for (const k of Object.keys(raw)) if (!known.has(k)) throw new Error(`unknown member "${k}"`);
  const target: Target = {};
  if (raw.allowedOrigin !== undefined) {
    if (typeof raw.allowedOrigin !== 'string' || !URL.canParse(raw.allowedOrigin)) {
      throw new Error('allowedOrigin is an origin, e.g. "https://portal.example.gov.cn"');
    }
    target.allowedOrigin = new URL(raw.allowedOrigin).origin;
  }
  if (raw.accounts !== undefined) {
    if (!Array.isArray(raw.accounts)) throw new Error('accounts is a list');
    target.accounts = raw.accounts.map((a: unknown, i: number) => {
      const at = `accounts[${i}]`;
      if (!obj(a)) throw new Error(`${at} is an object`);
      if (typeof a.entry !== 'string' || !a.entry) throw new Error(`${at}.entry is an entry id`);
      if (!obj(a.fields) || Object.values(a.fields).some((v) => typeof v !== 'string')) {
        throw new Error(`${at}.fields is an object of strings`);
      }
      if (typeof a.password !== 'string' || !a.password) throw new Error(`${at}.password is a string`);
      if (a.appAccount !== undefined && typeof a.appAccount !== 'string') {
        throw new Error(`${at}.appAccount is a string`);
      }
      if (
        a.face !== undefined &&
        (!Array.isArray(a.face) || a.face.some((m: unknown) => m !== 'face_iit' && m !== 'face_etax'))
      ) {
        throw new Error(`${at}.face is a list of face_iit, face_etax`);
      }
      for (const k of ['sms', 'lockable'] as const) {
        if (a[k] !== undefined && typeof a[k] !== 'boolean') throw new Error(`${at}.${k} is true or false`);
      }
      for (const k of ['identity', 'qrIdentity'] as const) {
        if (a[k] !== undefined && !['none', 'capacity', 'client'].includes(a[k] as string)) {
          throw new Error(`${at}.${k} is none, capacity or client`);
        }
      }
      return a as unknown as TargetAccount;
    });
  }
  if (raw.appApi !== undefined) {
    const app = raw.appApi;
    if (!obj(app) || typeof app.baseUrl !== 'string' || !(URL.canParse(app.baseUrl) || /^\/[^/]/.test(app.baseUrl))) {
      throw new Error('appApi.baseUrl is the app API\'s URL ("http://127.0.0.1:8080/app-api") or path ("/app-api")');
    }
    let secret = typeof app.secret === 'string' ? app.secret : undefined;
    if (typeof app.secretEnv === 'string') secret = env[app.secretEnv];
    if (!secret) {
      throw new Error(
        typeof app.secretEnv === 'string'
          ? `appApi.secretEnv names ${app.secretEnv}, which is not set`
          : 'appApi needs secret or secretEnv',
      );
    }
    target.appApi = { baseUrl: app.baseUrl.replace(/\/+$/, ''), secret };
  }
  return target;
}

/** A name for an account in the report; never its password. */
export const labelOf = (a: TargetAccount): string =>
  a.label ?? `${a.entry} ${a.appAccount ?? Object.values(a.fields).at(-1) ?? ''}`.trim();
