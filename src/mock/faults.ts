/**
 * Trouble a test can order: throttling, failing and malformed answers. Each
 * order matches requests by method and path (below the base URL) and is used
 * up request by request.
 */

import type { ServerErrorCode } from '../client/protocol.js';

/** Which requests a fault applies to; all when empty. */
export interface RequestMatch {
  method?: string;
  /** A path below the base URL: a prefix string, or a pattern tested against path and query. */
  path?: string | RegExp;
}

export type Malformation = 'json' | 'shape';

export type Fault =
  { type: 'throttle'; retryAfter: number } | { type: 'fail'; status: number } | { type: 'malform'; kind: Malformation };

interface Order {
  fault: Fault | ((now: number) => Fault);
  left: number;
  until?: number;
  match?: RequestMatch;
}

const matches = (m: RequestMatch | undefined, method: string, path: string): boolean =>
  !m ||
  ((!m.method || m.method.toUpperCase() === method) &&
    (!m.path || (typeof m.path === 'string' ? path.startsWith(m.path) : m.path.test(path))));

export class Faults {
  private orders: Order[] = [];

  /** Requests answer 429 until `seconds` have passed (or `count` requests were refused). */
  throttle(now: number, seconds: number, count = Infinity, match?: RequestMatch): void {
    const until = now + seconds * 1000;
    this.orders.push({
      fault: (t) => ({ type: 'throttle', retryAfter: Math.max(1, Math.ceil((until - t) / 1000)) }),
      left: count,
      until,
      match,
    });
  }

  fail(count: number, status: number, match?: RequestMatch): void {
    this.orders.push({ fault: { type: 'fail', status }, left: count, match });
  }

  malform(count: number, kind: Malformation, match?: RequestMatch): void {
    this.orders.push({ fault: { type: 'malform', kind }, left: count, match });
  }

  /** The fault for this request, if one is ordered; uses it up. */
  take(now: number, method: string, path: string): Fault | undefined {
    this.orders = this.orders.filter((o) => o.left > 0 && (o.until === undefined || o.until > now));
    const order = this.orders.find((o) => matches(o.match, method, path));
    if (!order) return undefined;
    order.left -= 1;
    return typeof order.fault === 'function' ? order.fault(now) : order.fault;
  }

  clear(): void {
    this.orders = [];
  }
}

/** The error code a bare HTTP status stands for, for injected failures. */
export const codeForStatus = (status: number): ServerErrorCode => {
  if (status === 429) return 'rate_limited';
  if (status === 503 || status === 502 || status === 504) return 'unavailable';
  if (status >= 500) return 'internal_error';
  return BY_STATUS[status] ?? 'invalid_request';
};

const BY_STATUS: Record<number, ServerErrorCode> = {
  401: 'unauthorized',
  404: 'flow_not_found',
  409: 'invalid_state',
  410: 'flow_expired',
  423: 'account_locked',
};
