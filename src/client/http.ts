/**
 * One request to the auth backend: timeout, error bodies, Retry-After and the
 * optional body-encryption hook, all in one place so every call behaves alike.
 */
import { parseErrorBody, type Capabilities, type ErrorBody } from './protocol.js';
import type { LoginError } from './state.js';

/** What a body-encryption hook is told about the request it wraps. */
export interface BodyContext {
  method: string;
  /** Path below the base URL, e.g. `/v1/flows/password`. */
  path: string;
  /** The server's `encryption` capability, when it announced one. */
  encryption?: Capabilities['encryption'];
}

/**
 * Wraps request bodies before they are sent, for deployments that encrypt them
 * (the national portal's SM2-exchanged SM4 key). Receives the JSON text.
 */
export type BodyEncryptor = (
  json: string,
  context: BodyContext,
) => Promise<{ body: BodyInit; headers?: Record<string, string> }>;

/** Unwraps response bodies of deployments that encrypt them; returns JSON text. */
export type BodyDecryptor = (body: string, response: Response, context: BodyContext) => Promise<string>;

export interface HttpOptions {
  baseUrl: string;
  fetch?: typeof fetch;
  headers?: Record<string, string>;
  credentials?: RequestCredentials;
  /** Milliseconds before a request is given up as `timeout`; default 15 000. */
  requestTimeout?: number;
  encrypt?: BodyEncryptor;
  decrypt?: BodyDecryptor;
  /**
   * Sent as `Accept-Language`, so that a server answers an error's `message` in the page's
   * language where it can (`zh-CN`, `en`). A function is read at each request: the elements
   * pass their language, which may change.
   */
  acceptLanguage?: string | (() => string | undefined);
}

export interface RequestSpec {
  method: 'GET' | 'POST' | 'DELETE';
  path: string;
  body?: unknown;
  token?: string;
  signal?: AbortSignal;
  /** Extra milliseconds on top of the request timeout (long-poll holds). */
  hold?: number;
  encryption?: Capabilities['encryption'];
}

export const now = (): number => performance.now();

/**
 * When a server-given lifetime of `seconds` ends, as `performance.now()` ms:
 * measured from its arrival on the monotonic clock, never the device clock.
 */
export const at = <T extends number | undefined>(seconds: T): T =>
  (seconds === undefined ? seconds : now() + seconds * 1000) as T;

/** Builds a client error. */
export const loginError = (code: string, message = code, extra?: Partial<LoginError>): LoginError => ({
  code,
  message,
  ...extra,
});

/** Seconds from a Retry-After header: delta-seconds or an HTTP-date (a past one is 0). */
export function retryAfterSeconds(value: string | null): number | undefined {
  // NaN: no header (null passes neither test), or neither form.
  const seconds = /^\s*\d+\s*$/.test(value!) ? Number(value) : (Date.parse(value!) - Date.now()) / 1000;
  return seconds > 0 ? seconds : seconds <= 0 ? 0 : undefined;
}

/** Absolute URL of a path below the base URL. */
export const urlOf = (options: HttpOptions, path: string): string =>
  new URL(options.baseUrl, globalThis.location?.href).href.replace(/\/$/, '') + path;

/** A body-encryption hook failed: the request is not sent, or its answer cannot be read. */
const hookFailed = (e: unknown): never => {
  throw loginError('encryption_failed', String(e));
};

/**
 * Sends one request and resolves with the parsed JSON body (undefined for 204).
 * Rejects with a `LoginError`, or with the AbortError when `signal` aborted it.
 */
export async function request(
  options: HttpOptions,
  { method, path, body, token, signal, hold = 0, encryption }: RequestSpec,
): Promise<unknown> {
  const context: BodyContext = { method, path, encryption };
  // Aborted by the timeout with a timeout error, or by the caller's signal (its
  // flow ended, the client was destroyed) with its AbortError, leaving no timer.
  const ctrl = new AbortController();
  const timer = setTimeout(() => ctrl.abort(loginError('timeout')), (options.requestTimeout ?? 15000) + hold);
  const abort = () => {
    clearTimeout(timer);
    ctrl.abort(signal!.reason);
  };
  signal?.addEventListener('abort', abort);
  try {
    if (signal?.aborted) throw signal.reason;
    // `Etax-Request` is the forgery rule's header (§15.2), on every request.
    const headers: Record<string, string> = { Accept: 'application/json', 'Etax-Request': '1', ...options.headers };
    if (token) headers.Authorization = `Bearer ${token}`;
    const { acceptLanguage: lang } = options;
    const language = typeof lang === 'function' ? lang() : lang;
    if (language) headers['Accept-Language'] = language;
    let payload: BodyInit | undefined;
    if (body !== undefined) {
      payload = JSON.stringify(body);
      if (options.encrypt) {
        const wrapped = await options.encrypt(payload, context).catch(hookFailed);
        payload = wrapped.body;
        Object.assign(headers, wrapped.headers);
      } else if (encryption) {
        // The server announced body encryption and this page gave no hook: never send the plain body.
        throw loginError('encryption_failed', `no hook for "${encryption.scheme}"`);
      } else {
        headers['Content-Type'] = 'application/json';
      }
    }
    let res: Response;
    let text: string;
    try {
      res = await (options.fetch ?? fetch)(urlOf(options, path), {
        method,
        headers,
        body: payload,
        // Left out, fetch's default: same-origin.
        credentials: options.credentials,
        signal: ctrl.signal,
        cache: 'no-store',
      });
      text = await res.text();
    } catch (e) {
      throw ctrl.signal.aborted ? ctrl.signal.reason : loginError('network', String(e));
    }
    if (text && options.decrypt) text = await options.decrypt(text, res, context).catch(hookFailed);
    let data: unknown;
    try {
      data = text ? JSON.parse(text) : undefined;
    } catch {
      // An error status without a JSON body is told by its status below.
      if (res.ok) throw loginError('malformed_response', 'not JSON', { status: res.status });
    }
    if (res.ok) return data;
    const {
      code = res.status >= 500 ? 'unavailable' : 'malformed_response',
      message,
      retryAfter = retryAfterSeconds(res.headers.get('Retry-After')),
      ...more
    } = parseErrorBody(data) ?? ({} as ErrorBody['error']);
    throw loginError(code, message || code, { status: res.status, retryAt: at(retryAfter), ...more });
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener('abort', abort);
  }
}
