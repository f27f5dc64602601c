/**
 * A client of the app API (docs/app-api.md) as a tax app's backend is: every
 * request a signed `POST` with a JSON body naming the account the app is
 * signed in to (and a random `nonce`, so that no two requests are alike).
 * Signature `v1=` hex HMAC-SHA256(secret, METHOD \n PATH \n TIMESTAMP \n hex
 * SHA-256(body)).
 */
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { clip, fail, isObj, type Answer } from './kit.js';

export interface SignOptions {
  /** Unix seconds to sign with (default now). */
  timestamp?: number;
  /** Sign with this secret instead. */
  secret?: string;
  /** Send this signature header instead of the right one. */
  signature?: string;
  /**
   * The body's `nonce` (docs/app-api.md §1), which makes two otherwise identical
   * requests in one second two requests; default a new random one each time.
   */
  nonce?: string;
}

export class AppApi {
  constructor(
    readonly baseUrl: string,
    private readonly secret: string,
    private readonly timeout: number,
  ) {}

  /** The headers that sign `body` for `path` (below the base URL). */
  sign(path: string, body: string, o: SignOptions = {}): Record<string, string> {
    const url = new URL(`${this.baseUrl}${path}`);
    const digest = createHash('sha256').update(body).digest('hex');
    const timestamp = String(o.timestamp ?? Math.floor(Date.now() / 1000));
    const canonical = ['POST', `${url.pathname}${url.search}`, timestamp, digest].join('\n');
    const mac = createHmac('sha256', o.secret ?? this.secret)
      .update(canonical)
      .digest('hex');
    return { 'Etax-App-Timestamp': timestamp, 'Etax-App-Signature': o.signature ?? `v1=${mac}` };
  }

  /** A signed request; `raw` replaces the JSON text (a body other than the one signed, or not JSON). */
  async post(path: string, json: unknown, o: SignOptions & { raw?: string; headers?: Record<string, string> } = {}) {
    const body = JSON.stringify({ ...(json as object), nonce: o.nonce ?? randomBytes(12).toString('hex') });
    const headers = { 'Content-Type': 'application/json', Accept: 'application/json', ...this.sign(path, body, o) };
    const started = performance.now();
    let response: Response;
    try {
      response = await fetch(`${this.baseUrl}${path}`, {
        method: 'POST',
        headers: { ...headers, ...o.headers },
        body: o.raw ?? body,
        signal: AbortSignal.timeout(this.timeout),
      });
    } catch (e) {
      return fail(`app API POST ${path}: no answer (${(e as Error).message})`);
    }
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    return {
      status: response.status,
      headers: response.headers,
      text,
      json: parsed,
      ms: performance.now() - started,
    } satisfies Answer;
  }

  /** A request expected to succeed (`200`); fails with what came otherwise. */
  async ok(path: string, json: unknown, what: string): Promise<Record<string, unknown>> {
    const a = await this.post(path, json);
    if (a.status !== 200 || !isObj(a.json)) {
      return fail(`${what}: app API ${path} answered ${a.status}: ${clip(a.text, 200)}`);
    }
    return a.json;
  }

  scan(account: string, app: 'etax' | 'iit', payload: string) {
    return this.post('/v1/scan', { account, app, payload });
  }

  flow(flowId: string, action: string, json: Record<string, unknown>) {
    return this.post(`/v1/flows/${encodeURIComponent(flowId)}${action ? `/${action}` : ''}`, json);
  }

  /** The test outbox of an account: the codes sent to its phone. */
  async outbox(account: string): Promise<{ flowId: string; code: string }[]> {
    const a = await this.post('/v1/test/sms-outbox', { account });
    if (a.status !== 200 || !isObj(a.json) || !Array.isArray(a.json.messages)) {
      return fail(
        `app API /v1/test/sms-outbox answered ${a.status} (${clip(a.text, 160)}): the server needs its test outbox on for the SMS checks`,
      );
    }
    return a.json.messages as { flowId: string; code: string }[];
  }

  /** The newest code sent for a flow. */
  async codeOf(account: string, flowId: string): Promise<string> {
    const mine = (await this.outbox(account)).filter((m) => m.flowId === flowId);
    if (!mine.length) return fail(`no SMS code for the flow in the test outbox of ${account}`);
    return mine.at(-1)!.code;
  }
}
