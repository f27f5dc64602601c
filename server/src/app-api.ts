/**
 * The app API (`docs/app-api.md`): what the tax apps, through their backend,
 * do to a login — scan a QR, confirm, refuse, cancel, go back, start face
 * verification and report its result — for the account the app is signed in
 * to, and what they are shown to decide safely (the match code, and the page's
 * origin, browser and coarse place, §15.5).
 *
 * Every request is signed by the app backend with a shared secret:
 * `Etax-App-Signature: v1=<hex HMAC-SHA256(secret, canonical)>` over the
 * method, the path with its query, `Etax-App-Timestamp` and the SHA-256 of the
 * body. Checked in constant time against each valid secret (two at once, so a
 * secret rotates without downtime), within a window of time, and once: a
 * signature seen is kept in the engine's store until it could no longer pass
 * the window, so a replay is refused on every instance.
 *
 * A Hono app over the engine's phone actions; the host mounts it at its own
 * base path, apart from the page's API, so that a proxy can keep it off the
 * internet.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { BlockList, isIP } from 'node:net';
import Bowser from 'bowser';
import { Hono, type Context } from 'hono';
import type { QrApp } from '../../src/client/protocol.js';
import {
  EngineError,
  MESSAGES,
  TransitionError,
  errorResponse,
  isLive,
  languageOf,
  type Engine,
  type FlowRecord,
  type Language,
} from '../../src/engine/index.js';
import { secondsLeft } from '../../src/engine/records.js';

export const APP_TIMESTAMP = 'Etax-App-Timestamp';
export const APP_SIGNATURE = 'Etax-App-Signature';
/** Seconds a timestamp may be off the server's clock, either way, by default. */
export const DEFAULT_WINDOW = 300;
/** Valid secrets at once: the current one and the one it replaces. */
export const MAX_SECRETS = 2;
/** The shortest secret taken, in characters. */
export const MIN_SECRET_LENGTH = 32;

/** A message sent to a test account's phone, as the test outbox answers it (times in epoch ms). */
export interface TestSms {
  flowId: string;
  code: string;
  text: string;
  sentAt: number;
  expiresAt: number;
}

/** Test deployments only: the SMS sent to test accounts, read through the app API. */
export interface TestOutbox {
  /** The messages sent to the account's phone, oldest first; undefined when it is not a test account. */
  messagesOf(accountId: string): Promise<TestSms[] | undefined> | TestSms[] | undefined;
}

export interface AppApiOptions {
  engine: Engine;
  /** Valid secrets: the current one first, then the previous one while it is rotated out (at most 2). */
  secrets: readonly string[];
  /** Where the API is mounted (its routes are under `<basePath>/v1/`); default `/app-api`. */
  basePath?: string;
  /** Seconds a request's timestamp may be off the server's clock; default 300. */
  window?: number;
  /** Serve `/v1/test/sms-outbox` (test deployments only); default: not served. */
  testOutbox?: TestOutbox;
  /**
   * A coarse place (city, province) for a public client address, e.g. from a
   * GeoIP database; default none. Never called for loopback or private addresses.
   */
  placeOf?: (address: string) => string | undefined | Promise<string | undefined>;
  /** Refused signatures and failures, one JSON line each; default none. */
  log?: (line: Record<string, unknown>) => void;
}

/** What the page that asked for the login was, as the phone shows it. */
export interface PageView {
  /** The page's origin, e.g. `https://etax.example.gov.cn`. */
  origin?: string;
  /** A coarse browser and system, e.g. `Chrome 131 · Windows`. */
  browser?: string;
  /** A coarse place, from the deployment's `placeOf`. */
  place?: string;
}

/** A flow as the app sees it: never the page's token, the QR payload, a code or the session. */
export interface AppFlowView {
  flowId: string;
  /** `login`: a QR login; `face`: the face check of a password login. */
  kind: 'login' | 'face';
  status: FlowRecord['phase']['status'];
  /** The app that scanned (`qr_scanned`, `face_scanned`, `denied`). */
  app?: QrApp;
  /** The face method (`face_*` statuses). */
  method?: 'face_iit' | 'face_etax';
  /** The code the page shows beside the QR, while `qr_scanned` (§6.4). */
  matchCode?: string;
  /** `face_failed`: face attempts the person has left (0: face is no longer offered). */
  attemptsLeft?: number;
  /** `cancelled`: who ended the flow. */
  by?: 'phone' | 'client' | 'server';
  /** Seconds the flow has left, while it is live. */
  expiresIn?: number;
  page: PageView;
}

/** `METHOD\nPATH?QUERY\nTIMESTAMP\nhex(SHA-256(body))`: what the signature covers. */
export function canonicalRequest(method: string, path: string, timestamp: string, body: Uint8Array | string): string {
  const digest = createHash('sha256').update(body).digest('hex');
  return `${method.toUpperCase()}\n${path}\n${timestamp}\n${digest}`;
}

/** The `Etax-App-Signature` value of a request, as the app backend computes it. */
export function signRequest(
  secret: string,
  request: { method: string; path: string; timestamp: number | string; body: Uint8Array | string },
): string {
  const canonical = canonicalRequest(request.method, request.path, String(request.timestamp), request.body);
  return `v1=${createHmac('sha256', secret).update(canonical).digest('hex')}`;
}

/** The store key that marks a signature as used (a digest of it). */
const usedKey = (signature: Buffer) => `appsig:${createHash('sha256').update(signature).digest('hex')}`;

/** Addresses that name no place: loopback, private, link-local, shared. */
const LOCAL = new BlockList();
for (const [net, bits] of [
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.168.0.0', 16],
] as const)
  LOCAL.addSubnet(net, bits, 'ipv4');
for (const [net, bits] of [
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
] as const)
  LOCAL.addSubnet(net, bits, 'ipv6');

const isLocal = (address: string) => {
  const v4mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
  const a = v4mapped ?? address;
  const family = isIP(a);
  return family === 0 || LOCAL.check(a, family === 4 ? 'ipv4' : 'ipv6');
};

/** `Chrome 131 · Windows`: a browser's name and major version and its system, from a User-Agent. */
export function browserOf(userAgent: string | undefined): string | undefined {
  if (!userAgent) return undefined;
  const { browser, os } = Bowser.parse(userAgent);
  if (!browser.name) return undefined;
  const major = browser.version?.split('.')[0];
  return [major ? `${browser.name} ${major}` : browser.name, os.name].filter(Boolean).join(' · ');
}

type AppErrorCode = 'unauthorized' | 'invalid_request' | 'flow_not_found' | 'invalid_state' | 'forbidden';

const STATUS: Record<AppErrorCode, 400 | 401 | 403 | 404 | 409> = {
  invalid_request: 400,
  unauthorized: 401,
  forbidden: 403,
  flow_not_found: 404,
  invalid_state: 409,
};

/** The app API's own wording where the page's does not fit. */
const WORDS: Record<Language, Partial<Record<AppErrorCode, string>>> = {
  'zh-CN': {
    unauthorized: '请求签名无效',
    forbidden: '该登录不属于当前登录的账号',
  },
  en: {
    unauthorized: 'The request is not signed as the app API requires',
    forbidden: 'This login is not the signed-in account’s',
  },
};

type Obj = Record<string, unknown>;
type Env = { Variables: { body: Obj; account: string } };

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const text = (v: unknown, max: number): v is string => typeof v === 'string' && v.length > 0 && v.length <= max;

/** The app API as a Hono app with its routes under `basePath`. */
export function createAppApi(options: AppApiOptions): Hono<Env> {
  const { engine } = options;
  const secrets = options.secrets.map((s) => Buffer.from(s, 'utf8'));
  if (!secrets.length || secrets.length > MAX_SECRETS) {
    throw new RangeError(`the app API takes 1 or ${MAX_SECRETS} secrets, not ${secrets.length}`);
  }
  if (options.secrets.some((s) => s.length < MIN_SECRET_LENGTH)) {
    throw new RangeError(`an app API secret has at least ${MIN_SECRET_LENGTH} characters`);
  }
  const window = options.window ?? DEFAULT_WINDOW;
  const log = options.log ?? (() => undefined);
  const app = new Hono<Env>().basePath(options.basePath ?? '/app-api');

  const fail = (c: Context, code: AppErrorCode, field?: string) => {
    const lang = languageOf(c.req.header('Accept-Language'));
    const message = WORDS[lang][code] ?? MESSAGES[lang][code as Exclude<AppErrorCode, 'forbidden'>];
    return c.json({ error: { code, message, ...(field ? { field } : {}) } }, STATUS[code], {
      'Cache-Control': 'no-store',
    });
  };

  /** Why a request's signature is refused, or undefined when it passes (and is now used). */
  const refusal = async (c: Context, body: Uint8Array): Promise<string | undefined> => {
    const stamp = c.req.header(APP_TIMESTAMP) ?? '';
    const given = /^v1=([0-9a-f]{64})$/.exec(c.req.header(APP_SIGNATURE) ?? '')?.[1];
    if (!/^\d{1,12}$/.test(stamp) || !given) return 'missing or malformed';
    const skew = Math.abs(engine.now() / 1000 - Number(stamp));
    if (skew > window) return 'timestamp outside the window';
    const url = new URL(c.req.url);
    const canonical = canonicalRequest(c.req.method, url.pathname + url.search, stamp, body);
    const signature = Buffer.from(given, 'hex');
    let match = false;
    // Every secret is tried, so the time taken does not tell which one matched.
    for (const secret of secrets) {
      const expected = createHmac('sha256', secret).update(canonical).digest();
      if (timingSafeEqual(expected, signature)) match = true;
    }
    if (!match) return 'signature';
    // Kept until the timestamp has left the window: after that the window refuses it anyway.
    const keep = (Number(stamp) + window) * 1000 - engine.now() + 1000;
    if ((await engine.store.increment(usedKey(signature), Math.max(1000, keep))) > 1) return 'replay';
    return undefined;
  };

  app.use('/v1/*', async (c, next) => {
    const raw = new Uint8Array(await c.req.arrayBuffer());
    const why = await refusal(c, raw);
    if (why) {
      log({ level: 'warn', msg: 'app API request refused', reason: why, path: new URL(c.req.url).pathname });
      return fail(c, 'unauthorized');
    }
    let body: unknown;
    try {
      body = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(raw));
    } catch {
      return fail(c, 'invalid_request');
    }
    if (!isObj(body)) return fail(c, 'invalid_request');
    if (!text(body.account, 128)) return fail(c, 'invalid_request', 'account');
    if (body.nonce !== undefined && !text(body.nonce, 128)) return fail(c, 'invalid_request', 'nonce');
    c.set('body', body);
    c.set('account', body.account);
    await next();
  });

  /** The app's view of a flow, with the page as the phone shows it. */
  const viewOf = async (flow: FlowRecord): Promise<AppFlowView> => {
    const p = flow.phase;
    const client = flow.client ?? {};
    let place: string | undefined;
    if (client.address && options.placeOf && !isLocal(client.address)) {
      place = await Promise.resolve(options.placeOf(client.address)).catch(() => undefined);
    }
    const browser = browserOf(client.userAgent);
    const method = 'method' in p ? p.method : undefined;
    return {
      flowId: flow.id,
      kind: flow.kind === 'qr' ? 'login' : 'face',
      status: p.status,
      ...('app' in p && p.app ? { app: p.app } : {}),
      ...(method ? { method } : {}),
      ...(p.status === 'qr_scanned' && flow.qr?.matchCode ? { matchCode: flow.qr.matchCode } : {}),
      ...(p.status === 'face_failed'
        ? { attemptsLeft: flow.methods.includes(p.method) ? flow.faceAttemptsLeft : 0 }
        : {}),
      ...(p.status === 'cancelled' ? { by: p.by } : {}),
      ...(isLive(flow) ? { expiresIn: secondsLeft(flow.expiresAt, engine.now()) } : {}),
      page: {
        ...(client.origin ? { origin: client.origin } : {}),
        ...(browser ? { browser } : {}),
        ...(place ? { place } : {}),
      },
    };
  };

  /** Runs a phone action for the signed-in account and answers the flow as the app sees it then. */
  const act = async (c: Context<Env>, run: (flowId: string, account: string) => Promise<unknown>) => {
    const flowId = c.req.param('flowId') ?? '';
    const account = c.get('account');
    try {
      await run(flowId, account);
      // The action checked the account; after `back` the flow is nobody's, and still shown to the app that went back.
      return c.json(await viewOf(await engine.record(flowId)), 200, { 'Cache-Control': 'no-store' });
    } catch (e) {
      return failure(c, e);
    }
  };

  const failure = (c: Context, e: unknown) => {
    if (e instanceof TransitionError) {
      return fail(
        c,
        e.reason === 'not_found' ? 'flow_not_found' : e.reason === 'forbidden' ? 'forbidden' : 'invalid_state',
      );
    }
    if (e instanceof EngineError) {
      const { status, headers, body } = errorResponse(e, languageOf(c.req.header('Accept-Language')));
      return c.json(body, status as 503, { ...headers, 'Cache-Control': 'no-store' });
    }
    log({ level: 'error', msg: 'app API failure', error: String(e), path: new URL(c.req.url).pathname });
    return fail500(c);
  };

  const fail500 = (c: Context) =>
    c.json(new EngineError('internal_error').body(languageOf(c.req.header('Accept-Language'))), 500, {
      'Cache-Control': 'no-store',
    });

  app.post('/v1/scan', async (c) => {
    const { app: scanner, payload } = c.get('body');
    const account = c.get('account');
    if (scanner !== 'etax' && scanner !== 'iit') return fail(c, 'invalid_request', 'app');
    if (!text(payload, 2048)) return fail(c, 'invalid_request', 'payload');
    try {
      if (!(await engine.accounts.find(account))) return fail(c, 'forbidden');
      const flowId = await engine.flowOfPayload(payload);
      if (!flowId) return fail(c, 'flow_not_found');
      await engine.scan(flowId, scanner, account);
      return c.json(await viewOf(await engine.record(flowId, account)), 200, { 'Cache-Control': 'no-store' });
    } catch (e) {
      return failure(c, e);
    }
  });

  app.post('/v1/flows/:flowId', (c) => act(c, (id, account) => engine.record(id, account)));
  app.post('/v1/flows/:flowId/confirm', (c) => {
    const { matchCode } = c.get('body');
    if (matchCode !== undefined && !text(matchCode, 16)) return fail(c, 'invalid_request', 'matchCode');
    return act(c, (id, account) => engine.confirm(id, matchCode, account));
  });
  app.post('/v1/flows/:flowId/refuse', (c) => act(c, (id, account) => engine.deny(id, account)));
  app.post('/v1/flows/:flowId/cancel', (c) => act(c, (id, account) => engine.end(id, 'phone', account)));
  app.post('/v1/flows/:flowId/back', (c) => act(c, (id, account) => engine.unscan(id, account)));
  app.post('/v1/flows/:flowId/face', (c) => act(c, (id, account) => engine.faceVerify(id, account)));
  app.post('/v1/flows/:flowId/face/result', (c) => {
    const { passed } = c.get('body');
    if (typeof passed !== 'boolean') return fail(c, 'invalid_request', 'passed');
    return act(c, (id, account) => (passed ? engine.facePass(id, account) : engine.faceFail(id, account)));
  });

  const outbox = options.testOutbox;
  if (outbox) {
    app.post('/v1/test/sms-outbox', async (c) => {
      try {
        const messages = await outbox.messagesOf(c.get('account'));
        if (!messages) return fail(c, 'forbidden');
        return c.json({ messages }, 200, { 'Cache-Control': 'no-store' });
      } catch (e) {
        return failure(c, e);
      }
    });
  }

  app.notFound((c) =>
    c.json({ error: { code: 'invalid_request', message: 'No such endpoint of the app API' } }, 404, {
      'Cache-Control': 'no-store',
    }),
  );
  app.onError((e, c) => failure(c, e));
  return app;
}
