/**
 * Session delivery by cookie (§10, "a completion redirect"): completion hands
 * the page a `redirectUrl` to `/session/complete` with a one-time code valid
 * for 60 s; following it sets a signed `__Host-etax_session` cookie (`HttpOnly;
 * Secure; SameSite=Lax; Path=/`, no `Domain`: only this host can set or read
 * it) and sends the person on to the portal's home. The code is kept by its
 * digest only. The cookie is bound to the account, how it logged in (way,
 * second factor), the identity chosen and an end time, under an HMAC. The key
 * signing it is a secret: it comes from the environment or a file, never from
 * a flag.
 *
 * A portal that mints its own session implements `SessionIssuer` instead (the
 * engine calls it once per completed flow).
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Completion, IssuedSession, SessionIssuer, Store } from '../../src/engine/index.js';

const CODE_LIFETIME = 60_000;
/** Where a code is kept: by its digest, so that the store never holds a code that works. */
const codeKey = (code: string) => `session-code:${createHash('sha256').update(code).digest('hex')}`;

export interface CookieSessionOptions {
  /** Where the one-time codes are kept: the engine's store, so that any instance can redeem them. */
  store: Store;
  /** HMAC-SHA256 key of the cookie; at least 32 bytes. */
  key: Buffer;
  /** Path of the completion endpoint on this server; default `/session/complete`. */
  completePath?: string;
  /** Where the person goes once the cookie is set; default `/`. */
  home?: string;
  /**
   * Name of the cookie; default `__Host-etax_session` (the prefix makes the
   * browser refuse it unless `Secure`, `Path=/` and without `Domain`).
   */
  cookieName?: string;
  /** Seconds the session lives; default 1800. */
  lifetime?: number;
  now?: () => number;
}

export class CookieSessions implements SessionIssuer {
  readonly completePath: string;
  private readonly o: Required<Omit<CookieSessionOptions, 'completePath'>>;

  constructor(options: CookieSessionOptions) {
    if (options.key.length < 32) throw new Error('the session key needs at least 32 bytes');
    this.completePath = options.completePath ?? '/session/complete';
    this.o = {
      store: options.store,
      key: options.key,
      home: options.home ?? '/',
      cookieName: options.cookieName ?? '__Host-etax_session',
      lifetime: options.lifetime ?? 1800,
      now: options.now ?? (() => Date.now()),
    };
  }

  async issue(completion: Completion): Promise<IssuedSession> {
    const code = randomBytes(24).toString('base64url');
    const claims = {
      sub: completion.person.id,
      way: completion.way,
      ...(completion.method ? { amr: completion.method } : {}),
      ...(completion.identity ? { act: completion.identity.id } : {}),
    };
    await this.o.store.write(codeKey(code), JSON.stringify(claims), CODE_LIFETIME);
    return { redirectUrl: `${this.completePath}?code=${code}` };
  }

  /** `GET /session/complete?code=…`: redeems the code once; sets the cookie and redirects home. */
  async complete(request: Request): Promise<Response> {
    const code = new URL(request.url).searchParams.get('code') ?? '';
    const held = /^[\w-]{32}$/.test(code) ? await this.o.store.read(codeKey(code)) : undefined;
    // One use: the first request takes the code.
    if (!held || (await this.o.store.increment(`${codeKey(code)}:used`, CODE_LIFETIME)) > 1) {
      return new Response('This login link has been used or has expired. Log in again.', {
        status: 410,
        headers: { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' },
      });
    }
    await this.o.store.remove(codeKey(code));
    const exp = Math.floor(this.o.now() / 1000) + this.o.lifetime;
    const value = this.sign({ ...(JSON.parse(held.value) as object), exp });
    return new Response(null, {
      status: 303,
      headers: {
        Location: this.o.home,
        'Cache-Control': 'no-store',
        'Set-Cookie': `${this.o.cookieName}=${value}; Path=/; Max-Age=${this.o.lifetime}; HttpOnly; Secure; SameSite=Lax`,
      },
    });
  }

  /** The claims of a cookie value this server signed and that has not expired, else undefined. */
  verify(value: string): Record<string, unknown> | undefined {
    const [body, mac] = value.split('.');
    if (!body || !mac) return undefined;
    const expected = createHmac('sha256', this.o.key).update(body).digest();
    const given = Buffer.from(mac, 'base64url');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
    const claims = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as Record<string, unknown>;
    return typeof claims.exp === 'number' && claims.exp * 1000 > this.o.now() ? claims : undefined;
  }

  private sign(claims: object): string {
    const body = Buffer.from(JSON.stringify(claims)).toString('base64url');
    return `${body}.${createHmac('sha256', this.o.key).update(body).digest('base64url')}`;
  }
}

/** The session key from `ETAX_SESSION_KEY` (base64) or the file `ETAX_SESSION_KEY_FILE` names. */
export async function sessionKeyFrom(env: Record<string, string | undefined>): Promise<Buffer | undefined> {
  if (env.ETAX_SESSION_KEY) return Buffer.from(env.ETAX_SESSION_KEY, 'base64');
  if (env.ETAX_SESSION_KEY_FILE) {
    const { readFile } = await import('node:fs/promises');
    return Buffer.from((await readFile(env.ETAX_SESSION_KEY_FILE, 'utf8')).trim(), 'base64');
  }
  return undefined;
}
