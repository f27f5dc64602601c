/**
 * One request to the auth backend: timeout, error bodies, Retry-After and the
 * optional body-encryption hook, all in one place so every call behaves alike.
 */
import { ProtocolError, parseErrorBody, type Capabilities } from './protocol.js';
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

/** Builds a client error. */
export const loginError = (code: string, message = code, extra?: Partial<LoginError>): LoginError => ({
  code,
  message,
  ...extra,
});

/** Seconds from a Retry-After header: delta-seconds or an HTTP-date. */
export function retryAfterSeconds(value: string | null): number | undefined {
  if (!value) return undefined;
  if (/^\s*\d+\s*$/.test(value)) return Number(value);
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, Math.ceil((at - Date.now()) / 1000));
}

export const isAbort = (e: unknown): boolean => (e as Error)?.name === 'AbortError';

/** Absolute URL of a path below the base URL. */
export const urlOf = (options: HttpOptions, path: string): string => {
  const base = new URL(options.baseUrl, globalThis.location?.href);
  return base.href.replace(/\/$/, '') + path;
};

/**
 * Sends one request and resolves with the parsed JSON body (undefined for 204).
 * Rejects with a `LoginError`, or with the AbortError when `signal` aborted it.
 */
export async function request(options: HttpOptions, spec: RequestSpec): Promise<unknown> {
  const { method, path, body, token, signal } = spec;
  const context: BodyContext = { method, path, encryption: spec.encryption };
  const ctrl = new AbortController();
  let timedOut = false;
  const timer = setTimeout(
    () => {
      timedOut = true;
      ctrl.abort();
    },
    (options.requestTimeout ?? 15000) + (spec.hold ?? 0),
  );
  const abort = () => {
    clearTimeout(timer);
    ctrl.abort(signal?.reason);
  };
  signal?.addEventListener('abort', abort);
  try {
    if (signal?.aborted) throw signal.reason ?? new DOMException('aborted', 'AbortError');
    const headers: Record<string, string> = { Accept: 'application/json', ...options.headers };
    if (token) headers.Authorization = `Bearer ${token}`;
    let payload: BodyInit | undefined;
    if (body !== undefined) {
      const json = JSON.stringify(body);
      if (options.encrypt) {
        const wrapped = await options.encrypt(json, context).catch((e: unknown) => {
          throw loginError('encryption_failed', String((e as Error)?.message ?? e));
        });
        payload = wrapped.body;
        Object.assign(headers, wrapped.headers);
      } else if (spec.encryption) {
        // The server announced body encryption and this page gave no hook: never send the plain body.
        throw loginError('encryption_failed', `the server requires "${spec.encryption.scheme}" body encryption`);
      } else {
        payload = json;
        headers['Content-Type'] = 'application/json';
      }
    }
    let res: Response;
    try {
      res = await (options.fetch ?? fetch)(urlOf(options, path), {
        method,
        headers,
        body: payload,
        credentials: options.credentials ?? 'same-origin',
        signal: ctrl.signal,
        cache: 'no-store',
      });
    } catch (e) {
      if (timedOut) throw loginError('timeout', `${method} ${path} timed out`);
      if (isAbort(e)) throw e;
      throw loginError('network', String((e as Error)?.message ?? e));
    }
    let text = await res.text().catch((e: unknown) => {
      if (timedOut) throw loginError('timeout', `${method} ${path} timed out`);
      if (isAbort(e)) throw e;
      throw loginError('network', 'response body lost');
    });
    if (text && options.decrypt) {
      text = await options.decrypt(text, res, context).catch((e: unknown) => {
        throw loginError('encryption_failed', String((e as Error)?.message ?? e));
      });
    }
    let data: unknown;
    try {
      data = text ? JSON.parse(text) : undefined;
    } catch {
      data = new ProtocolError('body is not JSON');
    }
    if (res.ok) {
      if (data instanceof ProtocolError) throw loginError('malformed_response', data.message, { status: res.status });
      return data;
    }
    const err = parseErrorBody(data);
    const retryAfter = err?.retryAfter ?? retryAfterSeconds(res.headers.get('Retry-After'));
    return Promise.reject(
      loginError(
        err?.code ?? (res.status >= 500 ? 'unavailable' : 'malformed_response'),
        err?.message || res.statusText,
        {
          status: res.status,
          retryAt: retryAfter === undefined ? undefined : now() + retryAfter * 1000,
          attemptsLeft: err?.attemptsLeft,
          field: err?.field,
        },
      ),
    );
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener('abort', abort);
  }
}
