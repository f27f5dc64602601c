/** Small helpers for driving the mock backend over real fetch, EventSource and WebSocket. */
import type { FlowCreated } from '../../src/client/protocol.js';

/** A response body as tests read it: its shape is what the assertions check. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Loose = any;

export interface Answer<T = Loose> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

export interface CallInit {
  method?: string;
  body?: unknown;
  /** Raw body text, sent as is. */
  raw?: string;
  token?: string;
  headers?: Record<string, string>;
  /** Leave out the forgery rule's header (§15.2), as a cross-site form would. */
  forged?: boolean;
}

/** One request below `base`; the JSON body is parsed when there is one. */
export async function call<T = Loose>(base: string, path: string, init: CallInit = {}): Promise<Answer<T>> {
  const headers: Record<string, string> = {
    Accept: 'application/json',
    ...(init.forged ? {} : { 'Etax-Request': '1' }),
    ...init.headers,
  };
  if (init.token) headers.Authorization = `Bearer ${init.token}`;
  let body: string | undefined = init.raw;
  if (init.body !== undefined) {
    body = JSON.stringify(init.body);
    headers['Content-Type'] = 'application/json';
  }
  const res = await fetch(base + path, { method: init.method ?? (body === undefined ? 'GET' : 'POST'), headers, body });
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  return { status: res.status, headers: res.headers, body: parsed as T, text };
}

export const qrFlow = async (base: string): Promise<FlowCreated> =>
  (await call<FlowCreated>(base, '/v1/flows/qr', { body: {} })).body;

export const passwordFlow = async (
  base: string,
  entry: string,
  fields: Record<string, string>,
  password = 'Etax@2024',
): Promise<Answer> => call(base, '/v1/flows/password', { body: { entry, fields, password } });

/** Waits until `check` holds, polling every 20 ms. */
export async function until(check: () => boolean, ms = 3000, what = 'condition'): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Items pushed by callbacks, taken one at a time. */
export class Queue<T> {
  private items: T[] = [];
  private takers: ((v: T) => void)[] = [];
  push = (v: T) => {
    const t = this.takers.shift();
    if (t) t(v);
    else this.items.push(v);
  };
  get size(): number {
    return this.items.length;
  }
  next(ms = 4000): Promise<T> {
    const v = this.items.shift();
    if (v !== undefined) return Promise.resolve(v);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.takers = this.takers.filter((t) => t !== take);
        reject(new Error('timed out waiting for a message'));
      }, ms);
      const take = (x: T) => {
        clearTimeout(timer);
        resolve(x);
      };
      this.takers.push(take);
    });
  }
}

export const wsUrl = (base: string, path: string) => `${location.origin.replace(/^http/, 'ws')}${base}${path}`;
