/**
 * The server side of protocol v1, once: every rule of `docs/protocol.md` as
 * asynchronous methods over a store, with no HTTP inside. Hosts (the Node
 * server, the in-page mock) turn requests into these calls and errors into
 * responses (`errorResponse`); transports are built on `current()`, `state()`
 * (long-poll) and `follow()` (SSE, WebSocket).
 *
 * Every change of a flow is a compare-and-set on its `seq`: an action reads
 * the record, decides, and writes the next record only if no one wrote in
 * between; otherwise it reads again and decides anew. So two racing requests
 * give one result (one completion, one use of a code) on one instance or many.
 */
import {
  PROTOCOL,
  PROTOCOL_VERSION,
  type Capabilities,
  type FaceMethod,
  type FieldSpec,
  type FlowCreated,
  type FlowState,
  type QrApp,
  type SmsSent,
  type StepUpMethod,
} from '../client/protocol.js';
import { ROLE_LABELS, maskPhone, type AccountDirectory, type IdentityOffer } from './accounts.js';
import { systemClock, type Clock } from './clock.js';
import { SmsOutbox, TokenIssuer, type SessionIssuer, type SmsSender } from './delivery.js';
import { EngineError, TransitionError } from './errors.js';
import { MemoryStore } from './memory-store.js';
import {
  STEP_UP_OPEN,
  faceMethodOf,
  isLive,
  showsQr,
  viewOf,
  type FlowClient,
  type FlowKind,
  type FlowRecord,
  type Phase,
  type QrRecord,
  type Status,
} from './records.js';
import { digest, randomDigits, randomHex, sameText } from './secrets.js';
import { checkSettings, settingsOf, type EngineSettings, type EngineSettingsInput, type RateRule } from './settings.js';
import type { Store } from './store.js';

export interface EngineOptions {
  accounts: AccountDirectory;
  /** Default: a `MemoryStore` on the engine's clock. */
  store?: Store;
  /** Default: the system clock. */
  clock?: Clock;
  /** Default: an `SmsOutbox` (development only). */
  sms?: SmsSender;
  /** Default: a `TokenIssuer` (a random bearer token of 1800 s). */
  sessions?: SessionIssuer;
  settings?: EngineSettingsInput;
}

/** How a refused login attempt ended, for the audit log (a flow's own ends are its states). */
export type AttemptResult =
  'wrong_password' | 'unknown_account' | 'locked' | 'rate_limited' | 'sms_wrong' | 'sms_expired';

/** What changed, as this engine saw it: for a host's inspection (the mock's controls, metrics, the audit log). */
export type EngineChange =
  /** A flow was written by this engine: created (`before` absent) or changed. */
  | { type: 'flow'; flow: FlowRecord; before?: FlowRecord }
  | { type: 'sms'; flowId: string }
  /**
   * A login attempt refused without a flow changing: a password (no flow yet) or
   * an SMS code. `account` is the account's id when one was named, `typed` the
   * account name as typed when none has it; `locked` when this attempt set a
   * lock. Never the password or the code.
   */
  | {
      type: 'attempt';
      way: FlowKind;
      result: AttemptResult;
      entry?: string;
      account?: string;
      typed?: string;
      flowId?: string;
      method?: StepUpMethod;
      locked?: boolean;
      client?: FlowClient;
    };

/** How often a lost compare-and-set is tried again before the request gives up with `503`. */
const MAX_RACES = 25;
const TAXPAYER_ID = /^(?:[0-9A-Z]{15}|[0-9A-Z]{17,18}|[0-9A-Z]{20})$/;

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The page's description as the record keeps it: only the members given, the User-Agent cut short. */
const clientOf = (client: FlowClient | undefined): Pick<FlowRecord, 'client'> => {
  if (!client) return {};
  const kept: FlowClient = {};
  if (client.origin) kept.origin = client.origin.slice(0, 256);
  if (client.userAgent) kept.userAgent = client.userAgent.slice(0, 256);
  if (client.address) kept.address = client.address.slice(0, 64);
  return Object.keys(kept).length ? { client: kept } : {};
};
const isFace = (m: unknown): m is FaceMethod => m === 'face_iit' || m === 'face_etax';
const copy = (flow: FlowRecord): FlowRecord => JSON.parse(JSON.stringify(flow)) as FlowRecord;

/**
 * Whether a field's value keeps to the limits the capabilities announce: its
 * length in characters (code points) and its `pattern`, on the whole value (§4).
 * A pattern the server cannot compile is not checked.
 */
function accepts(f: FieldSpec, value: string): boolean {
  const n = [...value].length;
  if (f.maxLength !== undefined && n > f.maxLength) return false;
  if (f.minLength !== undefined && n < f.minLength) return false;
  if (f.pattern === undefined) return true;
  try {
    return new RegExp(`^(?:${f.pattern})$`, 'u').test(value);
  } catch {
    return true;
  }
}

/**
 * The store keys the engine uses beside the flow records (counters, locks,
 * codes): for inspection, and for stores that give them a prefix or a policy.
 */
export const STORE_KEYS = {
  /** Wrong passwords in a row for a subject (`account:<id>` or `typed:<name>`). */
  passwordFailures: (subject: string) => `pwfail:${subject}`,
  /** A lock on a subject; the value is its end (epoch ms). */
  lock: (subject: string) => `lock:${subject}`,
  /** SMS refused to an account after too many wrong codes; the value is its end. */
  smsLock: (accountId: string) => `smslock:${accountId}`,
  /** The flow's pending SMS code: its digest and end. */
  smsCode: (flowId: string) => `sms:${flowId}`,
  smsWrong: (flowId: string) => `smswrong:${flowId}`,
  smsCooldown: (flowId: string) => `smswait:${flowId}`,
  /** Codes sent to a phone (by digest) in the current 24-hour window. */
  smsDaily: (phoneDigest: string) => `smsday:${phoneDigest}`,
  /** The flow a QR payload (by digest) belongs to, for the app side. */
  qrPayload: (payloadDigest: string) => `qr:${payloadDigest}`,
  /** Requests counted by a rate limit (`rule`) for one client address or account, in the current window. */
  rate: (rule: string, who: string) => `rate:${rule}:${who}`,
};
const KEY = STORE_KEYS;

export class Engine {
  readonly settings: EngineSettings;
  readonly store: Store;
  readonly clock: Clock;
  readonly accounts: AccountDirectory;
  readonly sms: SmsSender;
  readonly sessions: SessionIssuer;
  /** Live flows this engine keeps a timer for (expiry, QR rotation), by id. */
  private readonly timers = new Map<string, { at: number; accountId?: string; cancel: () => void }>();
  private readonly listeners = new Set<(change: EngineChange) => void>();

  constructor(options: EngineOptions) {
    this.settings = checkSettings(settingsOf(options.settings));
    this.clock = options.clock ?? systemClock;
    this.store = options.store ?? new MemoryStore(this.clock);
    this.accounts = options.accounts;
    this.sms = options.sms ?? new SmsOutbox(() => this.clock.now());
    this.sessions = options.sessions ?? new TokenIssuer();
  }

  now(): number {
    return this.clock.now();
  }

  /** Listens to changes this engine makes; returns the unsubscribe. */
  onChange(listener: (change: EngineChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Counts a request against a rate limit in the store (so that it holds across
   * instances): past `rule.limit` in the current fixed window of `rule.window`
   * seconds, a `429 rate_limited` with the seconds left of the window. `rule`
   * names the limit, `who` what it counts (an address, an account).
   */
  async limit(name: string, who: string, rule: RateRule): Promise<void> {
    if (!rule.limit) return;
    const key = KEY.rate(name, who);
    if ((await this.store.increment(key, rule.window * 1000)) > rule.limit) {
      throw new EngineError('rate_limited', { retryAfter: await this.secondsLeftOf(key) });
    }
  }

  /** Stops every timer (a host shutting down, or a test ending). */
  close(): void {
    for (const t of this.timers.values()) t.cancel();
    this.timers.clear();
  }

  /* ========================================================= the page side */

  capabilities(): Capabilities {
    const s = this.settings;
    return {
      protocol: PROTOCOL,
      version: PROTOCOL_VERSION,
      transports: [...s.transports],
      pollInterval: s.pollInterval,
      longPollWait: s.longPollWait,
      heartbeat: s.heartbeat,
      entries: structuredClone(s.entries),
      stepUp: { methods: [...s.stepUpMethods] },
      sms: { codeLength: s.sms.codeLength },
      qr: { apps: [...s.qrApps] },
      ...(s.encryption ? { encryption: structuredClone(s.encryption) } : {}),
    };
  }

  /**
   * `POST /v1/flows/qr`. `client` is the page that asks, as the host saw the
   * request: the phone is shown it before the person confirms (§15.5).
   */
  async createQr(body?: unknown, client?: FlowClient): Promise<FlowCreated> {
    if (body !== undefined && !isObj(body)) throw new EngineError('invalid_request');
    return this.create('qr', { status: 'qr_waiting' }, { qr: this.newQr(), ...clientOf(client) });
  }

  /** `POST /v1/flows/password`, with the checks in the order of §7.1; `client` as for `createQr`. */
  async createPassword(body: unknown, client?: FlowClient): Promise<FlowCreated> {
    const s = this.settings;
    if (!isObj(body)) throw new EngineError('invalid_request');
    const entry = s.entries.find((e) => e.id === body.entry);
    if (!entry) throw new EngineError('invalid_request', { field: 'entry' });
    if (!isObj(body.fields)) throw new EngineError('invalid_request', { field: 'fields' });
    const fields: Record<string, string> = {};
    for (const f of entry.fields) {
      const v = body.fields[f.name];
      if (v === undefined && !f.required) continue;
      if (typeof v !== 'string' || !v.trim() || !accepts(f, v.trim())) {
        throw new EngineError('invalid_request', { field: f.name });
      }
      fields[f.name] = v.trim();
    }
    if (typeof body.password !== 'string' || !body.password)
      throw new EngineError('invalid_request', { field: 'password' });
    for (const f of entry.fields) {
      if (f.kind !== 'taxpayer-id' || fields[f.name] === undefined) continue;
      fields[f.name] = fields[f.name].toUpperCase();
      if (!TAXPAYER_ID.test(fields[f.name])) throw new EngineError('invalid_taxpayer_id', { field: f.name });
    }

    const verdict = await this.accounts.verify({ entry, fields, password: body.password });
    if (verdict.result === 'invalid_taxpayer_id')
      throw new EngineError('invalid_taxpayer_id', { field: verdict.field });
    const [side, ...rest] = verdict.subject.split(':');
    const name = rest.join(':');
    const attempt = (result: AttemptResult, locked?: boolean) =>
      this.emit({
        type: 'attempt',
        way: 'password',
        result,
        entry: entry.id,
        ...(side === 'account' ? { account: name } : { typed: name }),
        ...(locked ? { locked } : {}),
        ...clientOf(client),
      });
    const locked = await this.lockedUntil(KEY.lock(verdict.subject));
    if (locked) {
      attempt('locked');
      throw new EngineError('account_locked', { retryAfter: this.secondsTo(locked) });
    }
    try {
      await this.limit('account', verdict.subject, s.accountRateLimit);
    } catch (e) {
      attempt('rate_limited');
      throw e;
    }
    if (verdict.result === 'rejected') {
      const result = verdict.registered ? 'wrong_password' : 'unknown_account';
      if (!verdict.registered && s.revealNotRegistered) {
        attempt(result);
        throw new EngineError('not_registered', { field: 'account' });
      }
      try {
        return await this.wrongPassword(verdict.subject);
      } catch (e) {
        attempt(result, e instanceof EngineError && e.code === 'account_locked');
        throw e;
      }
    }
    await this.store.remove(KEY.passwordFailures(verdict.subject));

    const { person } = verdict;
    const smsOk = !!person.phone && !(await this.lockedUntil(KEY.smsLock(person.id)));
    const methods = s.stepUpMethods.filter((m) => m !== 'sms' || smsOk);
    // The second factor is mandatory: with none usable, the password alone never logs in.
    if (!methods.length) throw new EngineError('method_unavailable');
    return this.create(
      'password',
      { status: 'step_up_required' },
      {
        accountId: person.id,
        personName: person.name,
        subject: verdict.subject,
        entry: entry.id,
        ...(verdict.taxpayerId ? { taxpayerId: verdict.taxpayerId } : {}),
        ...(person.phone ? { maskedPhone: maskPhone(person.phone) } : {}),
        methods,
        ...this.offer(verdict.offer),
        ...clientOf(client),
      },
    );
  }

  /** The current state, for a page holding the flow's token (and for a stream about to open). */
  async current(flowId: string, token: string | undefined): Promise<FlowState> {
    return this.view(await this.authorized(flowId, token));
  }

  /**
   * `GET /v1/flows/{id}?after=N&wait=S`: the current state, held (long-poll)
   * until it is newer than `after`, `wait` seconds (at most `longPollWait`)
   * pass, or `signal` aborts (the client went away).
   */
  async state(
    flowId: string,
    token: string | undefined,
    { after = -1, wait = 0, signal }: { after?: number; wait?: number; signal?: AbortSignal } = {},
  ): Promise<FlowState> {
    const flow = await this.authorized(flowId, token);
    const hold = this.settings.transports.includes('long-poll') ? Math.min(wait, this.settings.longPollWait) : 0;
    if (flow.seq > after || hold <= 0 || signal?.aborted) return this.view(flow);
    await new Promise<void>((resolve) => {
      let done = false;
      let off: (() => void) | undefined;
      const finish = () => {
        if (done) return;
        done = true;
        cancelTimer();
        off?.();
        signal?.removeEventListener('abort', finish);
        resolve();
      };
      const cancelTimer = this.clock.after(hold * 1000, finish);
      signal?.addEventListener('abort', finish);
      void this.store
        // A flow the store lost answers at once: the request finds it gone (`flow_not_found`).
        .subscribe(flowId, (f) => f.seq > after && finish(), finish)
        .then(async (unsubscribe) => {
          off = unsubscribe;
          if (done) return unsubscribe();
          // A change between the first read and the subscription is not missed.
          const now = await this.store.getFlow(flowId);
          if (!now || now.seq > after) finish();
        })
        .catch(finish);
    });
    return this.view(await this.refresh(await this.load(flowId)));
  }

  /**
   * Streams (SSE, WebSocket): `send` gets the current state at once if it is
   * newer than `after`, then every newer state, from any instance, each once
   * and in order. Resolves to the unsubscribe; the host hangs up after a
   * terminal state.
   */
  async follow(
    flowId: string,
    token: string | undefined,
    after: number,
    send: (state: FlowState) => void,
  ): Promise<() => void> {
    await this.authorized(flowId, token);
    let last = after;
    const deliver = (f: FlowRecord) => {
      if (f.seq <= last) return;
      last = f.seq;
      this.track(f);
      send(this.view(f));
    };
    // A flow the store lost (Redis restarted without its data) ends for the page as
    // expired, the state after which it offers to start again; nothing can follow.
    const lost = () => {
      if (last === Infinity) return;
      const state: FlowState = { seq: last + 1, status: 'expired' };
      last = Infinity;
      send(state);
    };
    const off = await this.store.subscribe(flowId, deliver, lost);
    try {
      deliver(await this.refresh(await this.load(flowId)));
    } catch (e) {
      off();
      throw e;
    }
    return off;
  }

  /** `POST …/step-up`: a face QR for the method's app. */
  async stepUp(flowId: string, token: string | undefined, body: unknown): Promise<FlowState> {
    const flow = await this.authorized(flowId, token);
    const method = isObj(body) ? body.method : undefined;
    if (!isFace(method)) throw new EngineError('invalid_request', { field: 'method' });
    const next = await this.apply(flow, (f) => {
      this.expect(f, STEP_UP_OPEN, 'password');
      if (!f.methods.includes(method)) throw new EngineError('method_unavailable', { field: 'method' });
      return { ...this.moved(f, { status: 'face_waiting', method }), qr: this.newQr(method) };
    });
    return this.view(next);
  }

  /** `POST …/sms`: a code to the bound phone; switching to SMS withdraws a face QR. */
  async sendSms(flowId: string, token: string | undefined, body: unknown): Promise<SmsSent> {
    const s = this.settings.sms;
    const flow = await this.authorized(flowId, token);
    if (body !== undefined && !isObj(body)) throw new EngineError('invalid_request');
    this.expect(flow, STEP_UP_OPEN, 'password');
    const found = flow.methods.includes('sms') && flow.accountId ? await this.accounts.find(flow.accountId) : undefined;
    const phone = found?.person.phone;
    if (!phone) throw new EngineError('method_unavailable');
    await this.refuseLockedSms(flow);

    const cooldown = KEY.smsCooldown(flow.id);
    if ((await this.store.increment(cooldown, s.resendAfter * 1000)) > 1) {
      throw new EngineError('sms_throttled', { retryAfter: await this.secondsLeftOf(cooldown) });
    }
    const daily = KEY.smsDaily(await digest(phone));
    if ((await this.store.increment(daily, 86_400_000)) > s.dailyLimit) {
      throw new EngineError('sms_throttled', { retryAfter: await this.secondsLeftOf(daily) });
    }
    const code = randomDigits(s.codeLength);
    const codeKey = KEY.smsCode(flow.id);
    const record = { digest: await digest(`${flow.id}:${code}`), expiresAt: this.now() + s.codeLifetime * 1000 };
    await this.store.write(codeKey, JSON.stringify(record), this.keepFor(flow));
    try {
      await this.sms.send({ phone, code, expiresIn: s.codeLifetime, flowId: flow.id });
    } catch {
      await this.store.remove(codeKey, cooldown);
      await this.store.increment(daily, 86_400_000, -1);
      throw new EngineError('unavailable', { retryAfter: 1 });
    }
    this.emit({ type: 'sms', flowId: flow.id });
    await this.apply(flow, (f) =>
      STEP_UP_OPEN.includes(f.phase.status) && f.phase.status !== 'step_up_required'
        ? { ...this.moved(f, { status: 'step_up_required' }), qr: undefined }
        : undefined,
    );
    return {
      maskedPhone: maskPhone(phone),
      codeLength: s.codeLength,
      resendAfter: s.resendAfter,
      expiresIn: s.codeLifetime,
    };
  }

  /** `POST …/sms/verify`: the right code completes the second factor, once. */
  async verifySms(flowId: string, token: string | undefined, body: unknown): Promise<FlowState> {
    const s = this.settings;
    const flow = await this.authorized(flowId, token);
    const raw = isObj(body) ? body.code : undefined;
    if (typeof raw !== 'string' || !raw.trim()) throw new EngineError('invalid_request', { field: 'code' });
    this.expect(flow, STEP_UP_OPEN, 'password');
    await this.refuseLockedSms(flow);
    const codeKey = KEY.smsCode(flow.id);
    const held = await this.store.read(codeKey);
    if (!held) throw new EngineError('sms_not_sent');
    const attempt = (result: AttemptResult, locked?: boolean) =>
      this.emit({
        type: 'attempt',
        way: flow.kind,
        result,
        flowId: flow.id,
        method: 'sms',
        ...(flow.entry ? { entry: flow.entry } : {}),
        ...(flow.accountId ? { account: flow.accountId } : {}),
        ...(locked ? { locked } : {}),
        ...clientOf(flow.client),
      });
    const pending = JSON.parse(held.value) as { digest: string; expiresAt: number };
    if (this.now() >= pending.expiresAt) {
      attempt('sms_expired');
      throw new EngineError('sms_code_expired', { field: 'code' });
    }
    if (!sameText(await digest(`${flow.id}:${raw.replace(/\s+/g, '')}`), pending.digest)) {
      const wrong = await this.store.increment(KEY.smsWrong(flow.id), this.keepFor(flow));
      const left = s.sms.maxWrong - wrong;
      attempt('sms_wrong', left <= 0);
      if (left > 0) throw new EngineError('sms_code_invalid', { attemptsLeft: left, field: 'code' });
      await this.store.remove(codeKey);
      const until = this.now() + s.lockSeconds * 1000;
      if (flow.accountId) await this.store.write(KEY.smsLock(flow.accountId), String(until), s.lockSeconds * 1000);
      await this.lockFlow(flow, until, 'sms_locked');
      throw new EngineError('sms_locked', { retryAfter: s.lockSeconds });
    }
    const next = await this.apply(flow, (f) => {
      this.expect(f, STEP_UP_OPEN, 'password');
      return this.complete(f, 'sms');
    });
    await this.store.remove(codeKey);
    return this.view(next);
  }

  /** `POST …/identity`. */
  async chooseIdentity(flowId: string, token: string | undefined, body: unknown): Promise<FlowState> {
    const flow = await this.authorized(flowId, token);
    const id = isObj(body) ? body.identityId : undefined;
    if (typeof id !== 'string' || !id) throw new EngineError('invalid_request', { field: 'identityId' });
    const next = await this.apply(flow, (f) => {
      this.expect(f, ['identity_required']);
      const chosen = f.identities.find((i) => i.id === id);
      if (!chosen) throw new EngineError('identity_invalid', { field: 'identityId' });
      // An agent acts for the client chosen, in the agent's own capacity (§10).
      const identity =
        f.reason === 'client' ? { ...chosen, role: 'agent', roleLabel: { ...ROLE_LABELS.agent } } : chosen;
      return this.authenticate({ ...f, identity });
    });
    return this.view(next);
  }

  /** `DELETE /v1/flows/{id}`: ends a live flow (`cancelled`, by the client); an ended flow stays as it is. */
  async cancel(flowId: string, token: string | undefined): Promise<void> {
    const flow = await this.authorized(flowId, token);
    await this.apply(flow, (f) => (isLive(f) ? this.moved(f, { status: 'cancelled', by: 'client' }) : undefined));
  }

  /* ============================================ the phone and the operator */
  // What the apps (through their backend) and an operator do to a flow. A
  // request that does not fit the flow throws a `TransitionError`.

  /**
   * The flow a QR payload belongs to while the flow shows that payload, or
   * undefined: unknown, run out, or replaced by a newer payload of its flow.
   */
  async flowOfPayload(payload: string): Promise<string | undefined> {
    const flowId = (await this.store.read(KEY.qrPayload(await digest(payload))))?.value;
    const stored = flowId ? await this.store.getFlow(flowId) : undefined;
    if (!stored) return undefined;
    const flow = await this.refresh(stored);
    return showsQr(flow) && sameText(flow.qr!.payload, payload) ? flow.id : undefined;
  }

  /**
   * An app scans the QR on show: the login QR (signed in as `accountId`) or a
   * face QR (only the method's own app can read it, and, when `accountId` is
   * given, only signed in to the account that logged in).
   */
  async scan(flowId: string, app: QrApp, accountId?: string): Promise<FlowState> {
    return this.phone(flowId, 'scan', ['qr_waiting', 'face_waiting'], undefined, async (f) => {
      if (!f.qr!.apps.includes(app)) {
        throw new TransitionError(`the ${app} app cannot scan this QR (it is for ${f.qr!.apps.join(', ')})`);
      }
      const method = faceMethodOf(f);
      if (method) {
        if (accountId !== undefined && accountId !== f.accountId) {
          throw new TransitionError('the face QR is scanned by the person who logged in', 'forbidden');
        }
        return this.moved(f, { status: 'face_scanned', method, app });
      }
      if (!accountId) throw new TransitionError('a login QR is scanned by an app signed in to an account');
      const found = await this.accounts.find(accountId);
      if (!found) throw new TransitionError(`no account "${accountId}"`);
      return {
        ...this.moved(f, { status: 'qr_scanned', app }),
        accountId,
        personName: found.person.name,
        subject: `account:${accountId}`,
      };
    });
  }

  /*
   * The actions below take the account the app is signed in to, when the
   * request comes from an app (the app API): the flow must be that account's —
   * the account that scanned the login QR, or that logged in by password —
   * else a `TransitionError` with reason `forbidden`. Without it (the
   * operator, the mock's controls) any flow is acted on.
   */

  /**
   * The flow's record with what time has made due applied, for the phone side
   * (the app API's view of a flow); `account` as for the actions below.
   */
  async record(flowId: string, account?: string): Promise<FlowRecord> {
    const stored = await this.store.getFlow(flowId);
    if (!stored) throw new TransitionError(`no flow "${flowId}"`, 'not_found');
    const flow = await this.refresh(stored);
    this.checkAccount(flow, account);
    return flow;
  }

  /** The app went back without answering: the page shows the QR again. */
  async unscan(flowId: string, account?: string): Promise<FlowState> {
    return this.phone(flowId, 'unscan', ['qr_scanned', 'face_scanned'], account, (f) => {
      const method = faceMethodOf(f);
      if (method) return this.moved(f, { status: 'face_waiting', method });
      return {
        ...this.moved(f, { status: 'qr_waiting' }),
        accountId: undefined,
        personName: undefined,
        subject: undefined,
      };
    });
  }

  /** 登录 on the app: a `matchCode` other than the page's is refused (`denied`). */
  async confirm(flowId: string, matchCode?: string, account?: string): Promise<FlowState> {
    return this.phone(flowId, 'confirm', ['qr_scanned'], account, async (f) => {
      const app = (f.phase as { app: QrApp }).app;
      if (matchCode !== undefined && f.qr?.matchCode && !sameText(matchCode, f.qr.matchCode)) {
        return this.moved(f, { status: 'denied', app });
      }
      const locked = await this.lockedUntil(KEY.lock(`account:${f.accountId}`));
      if (locked) return this.moved(f, { status: 'locked', until: locked, code: 'account_locked' });
      const found = await this.accounts.find(f.accountId!);
      return this.complete({ ...f, ...this.offer(found?.offer) });
    });
  }

  /** 取消登录 on the confirmation screen, or refusing a face check. */
  async deny(flowId: string, account?: string): Promise<FlowState> {
    return this.phone(flowId, 'deny', ['qr_scanned', 'face_scanned'], account, (f) =>
      this.moved(f, { status: 'denied', app: (f.phase as { app: QrApp }).app }),
    );
  }

  /** The app abandons the flow after a scan (`by: 'phone'`), or the server ends a live flow. */
  async end(flowId: string, by: 'phone' | 'server', account?: string): Promise<FlowState> {
    const statuses: Status[] =
      by === 'phone'
        ? ['qr_scanned', 'face_scanned', 'face_verifying']
        : [
            'qr_waiting',
            'qr_scanned',
            'step_up_required',
            'face_waiting',
            'face_scanned',
            'face_verifying',
            'face_failed',
            'identity_required',
          ];
    return this.phone(flowId, 'cancel', statuses, account, (f) => this.moved(f, { status: 'cancelled', by }));
  }

  /** The liveness capture was sent; the result is pending. */
  async faceVerify(flowId: string, account?: string): Promise<FlowState> {
    return this.phone(flowId, 'faceVerify', ['face_scanned'], account, (f) => ({
      ...this.moved(f, { status: 'face_verifying', method: faceMethodOf(f)! }),
      qr: undefined,
    }));
  }

  /** Face recognition passed (through `face_verifying` when not there yet). */
  async facePass(flowId: string, account?: string): Promise<FlowState> {
    await this.throughVerifying(flowId, 'facePass', account);
    return this.phone(flowId, 'facePass', ['face_verifying'], account, (f) => this.complete(f, faceMethodOf(f)));
  }

  /**
   * Face recognition failed (through `face_verifying`): one attempt fewer; with
   * none left only SMS is offered, and with no method left the account is
   * locked as after too many wrong passwords (§8.1).
   */
  async faceFail(flowId: string, account?: string): Promise<FlowState> {
    await this.throughVerifying(flowId, 'faceFail', account);
    let exhausted: FlowRecord | undefined;
    const state = await this.phone(flowId, 'faceFail', ['face_verifying'], account, (f) => {
      const left = Math.max(0, f.faceAttemptsLeft - 1);
      const methods = left ? f.methods : f.methods.filter((m) => m === 'sms');
      if (!methods.length) {
        exhausted = f;
        return undefined;
      }
      return { ...this.moved(f, { status: 'face_failed', method: faceMethodOf(f)! }), faceAttemptsLeft: left, methods };
    });
    if (!exhausted) return state;
    await this.lockAccount(exhausted.accountId!);
    return this.view(await this.refresh(await this.load(flowId)));
  }

  /** A new QR payload in the same flow and status. */
  async rotateQr(flowId: string): Promise<FlowState> {
    return this.phone(flowId, 'rotateQr', null, undefined, (f) => ({
      ...this.moved(f, f.phase),
      qr: this.newQr(faceMethodOf(f)),
    }));
  }

  /** The QR payload runs out now: rotated, or (not rotating) `expired` / back to `step_up_required`. */
  async expireQr(flowId: string): Promise<FlowState> {
    return this.phone(flowId, 'expireQr', null, undefined, (f) => this.qrRanOut(f));
  }

  /** The whole flow runs out now. */
  async expireFlow(flowId: string): Promise<FlowState> {
    const flow = await this.refresh(await this.load(flowId));
    return this.view(await this.apply(flow, (f) => (isLive(f) ? this.moved(f, { status: 'expired' }) : undefined)));
  }

  /** Locks an account for `seconds` (default `lockSeconds`): its live flows end `locked`. */
  async lockAccount(accountId: string, seconds = this.settings.lockSeconds): Promise<void> {
    const subject = `account:${accountId}`;
    await this.store.write(KEY.lock(subject), String(this.now() + seconds * 1000), seconds * 1000);
    await this.store.remove(KEY.passwordFailures(subject));
    // Flows this instance times are told now; every other flow of the account learns it when next read.
    const mine = [...this.timers].filter(([, t]) => t.accountId === accountId).map(([id]) => id);
    await Promise.all(mine.map((id) => this.refreshById(id)));
  }

  async unlockAccount(accountId: string): Promise<void> {
    const subject = `account:${accountId}`;
    await this.store.remove(KEY.lock(subject), KEY.passwordFailures(subject), KEY.smsLock(accountId));
  }

  /** A flow's record and counters, for inspection (no secret in it: the token and code are digests). */
  async inspect(
    flowId: string,
  ): Promise<{ flow: FlowRecord; state: FlowState; smsPending: boolean; smsWrong: number } | undefined> {
    const stored = await this.store.getFlow(flowId);
    if (!stored) return undefined;
    const flow = await this.refresh(stored);
    const [code, wrong] = await Promise.all([
      this.store.read(KEY.smsCode(flowId)),
      this.store.read(KEY.smsWrong(flowId)),
    ]);
    return { flow, state: this.view(flow), smsPending: !!code, smsWrong: Number(wrong?.value ?? 0) };
  }

  /** Ends the flow's pending SMS code now (the next verify answers `sms_code_expired`). */
  async expireSmsCode(flowId: string): Promise<void> {
    const key = KEY.smsCode(flowId);
    const held = await this.store.read(key);
    if (!held) throw new TransitionError(`flow ${flowId} has no SMS code to expire`);
    const pending = JSON.parse(held.value) as { digest: string; expiresAt: number };
    await this.store.write(key, JSON.stringify({ ...pending, expiresAt: this.now() }), held.ttl);
    this.emit({ type: 'sms', flowId });
  }

  /* ================================================================ inside */

  private view(flow: FlowRecord): FlowState {
    return viewOf(flow, this.now());
  }

  private async create(kind: FlowKind, phase: Phase, rest: Partial<FlowRecord>): Promise<FlowCreated> {
    const token = randomHex(24);
    const at = this.now();
    const flow: FlowRecord = {
      id: `f${randomHex(12)}`,
      tokenHash: await digest(token),
      kind,
      seq: 1,
      phase,
      createdAt: at,
      expiresAt: at + this.settings.flowLifetime * 1000,
      methods: [],
      identities: [],
      faceAttemptsLeft: this.settings.faceMaxAttempts,
      ...rest,
    };
    if (!(await this.store.createFlow(flow, this.keepFor(flow)))) throw new EngineError('internal_error');
    await this.written(undefined, flow);
    return {
      flowId: flow.id,
      flowToken: token,
      expiresIn: this.settings.flowLifetime,
      // What the page needs to follow the flow, so that it need not wait for the capabilities (§5.1).
      pollInterval: this.settings.pollInterval,
      transports: [...this.settings.transports],
      longPollWait: this.settings.longPollWait,
      heartbeat: this.settings.heartbeat,
      state: this.view(flow),
    };
  }

  private async load(flowId: string): Promise<FlowRecord> {
    const flow = await this.store.getFlow(flowId);
    if (!flow) throw new EngineError('flow_not_found');
    return flow;
  }

  /** The flow, when the token is its own, with what time has made due applied. */
  private async authorized(flowId: string, token: string | undefined): Promise<FlowRecord> {
    const flow = await this.load(flowId);
    if (!token || !sameText(await digest(token), flow.tokenHash)) throw new EngineError('unauthorized');
    return this.refresh(flow);
  }

  /** Throws unless the flow is live, of `kind`, and in one of `statuses` (§14.4: the order of checks). */
  private expect(flow: FlowRecord, statuses: readonly Status[], kind?: FlowKind): void {
    const p = flow.phase;
    if (p.status === 'expired') throw new EngineError('flow_expired');
    if (p.status === 'locked') {
      throw new EngineError(p.code, p.until ? { retryAfter: this.secondsTo(p.until) } : {});
    }
    if (!statuses.includes(p.status) || (kind && flow.kind !== kind)) throw new EngineError('invalid_state');
  }

  /** A copy of the flow in a new phase (the seq is raised when it is written); an ended flow shows no QR. */
  private moved(flow: FlowRecord, phase: Phase): FlowRecord {
    const next = { ...copy(flow), phase };
    if (!isLive(next)) next.qr = undefined;
    return next;
  }

  /**
   * Decides on the flow and writes the result: `decide` returns the next record,
   * or undefined for no change, or throws. A lost compare-and-set reads the
   * flow again (time applied) and decides anew.
   */
  private async apply(
    flow: FlowRecord,
    decide: (flow: FlowRecord) => FlowRecord | undefined | Promise<FlowRecord | undefined>,
  ): Promise<FlowRecord> {
    let current = flow;
    for (let i = 0; i < MAX_RACES; i++) {
      const next = await decide(copy(current));
      if (!next) return current;
      const written = await this.commit(current, next);
      if (written) return written;
      current = await this.refresh(await this.load(flow.id));
    }
    throw new EngineError('unavailable', { retryAfter: 1 });
  }

  /** Writes `next` over `flow` with the next seq; the written record, or undefined when another write came first. */
  private async commit(flow: FlowRecord, next: FlowRecord): Promise<FlowRecord | undefined> {
    const record = { ...next, seq: flow.seq + 1 };
    for (const k of Object.keys(record) as (keyof FlowRecord)[]) if (record[k] === undefined) delete record[k];
    if (!(await this.store.replaceFlow(record, flow.seq, this.keepFor(record)))) return undefined;
    await this.written(flow, record);
    return record;
  }

  /** After a write: time the flow, index a new QR payload, tell listeners. */
  private async written(before: FlowRecord | undefined, flow: FlowRecord): Promise<void> {
    this.track(flow);
    if (flow.qr && flow.qr.payload !== before?.qr?.payload) {
      const ttl = Math.max(1, flow.qr.expiresAt - this.now());
      await this.store.write(KEY.qrPayload(await digest(flow.qr.payload)), flow.id, ttl);
    }
    this.emit({ type: 'flow', flow, ...(before ? { before } : {}) });
  }

  /** How long the store keeps a flow: its lifetime, then `keepEnded`; an ended flow `keepEnded` from now. */
  private keepFor(flow: FlowRecord): number {
    const keep = this.settings.keepEnded * 1000;
    return isLive(flow) ? Math.max(0, flow.expiresAt - this.now()) + keep : keep;
  }

  /** Applies what time and locks have made due, and keeps the flow timed. */
  private async refresh(flow: FlowRecord): Promise<FlowRecord> {
    let current = flow;
    for (let i = 0; i < MAX_RACES; i++) {
      const next = await this.due(current);
      if (!next) {
        this.track(current);
        return current;
      }
      const written = await this.commit(current, next);
      if (written) return written;
      current = await this.load(flow.id);
    }
    throw new EngineError('unavailable', { retryAfter: 1 });
  }

  private async refreshById(flowId: string): Promise<void> {
    try {
      const flow = await this.store.getFlow(flowId);
      if (flow) await this.refresh(flow);
    } catch {
      // The store is out of reach (a timer fired while Redis restarts): the flow is
      // brought up to date when it is next read, by a request or by its waiters catching up.
    }
  }

  /** The next record when time or a lock has changed the flow, else undefined. */
  private async due(flow: FlowRecord): Promise<FlowRecord | undefined> {
    if (!isLive(flow)) return undefined;
    const t = this.now();
    if (t >= flow.expiresAt) return this.moved(flow, { status: 'expired' });
    if (flow.accountId) {
      // A lock set meanwhile (wrong passwords elsewhere, face attempts used up, an
      // operator) ends every live flow of the account (§15.4), a scanned QR login too.
      const locked = await this.lockedUntil(KEY.lock(`account:${flow.accountId}`));
      if (locked) return this.moved(flow, { status: 'locked', until: locked, code: 'account_locked' });
    }
    if (showsQr(flow) && t >= flow.qr!.expiresAt) return this.qrRanOut(flow);
    return undefined;
  }

  private qrRanOut(flow: FlowRecord): FlowRecord {
    const face = faceMethodOf(flow);
    if (this.settings.qrRotates) return { ...this.moved(flow, flow.phase), qr: this.newQr(face) };
    if (face) return { ...this.moved(flow, { status: 'step_up_required' }), qr: undefined };
    return this.moved(flow, { status: 'expired' });
  }

  /** Keeps one timer per live flow at its next due time (expiry or QR end), so waiters hear of it. */
  private track(flow: FlowRecord): void {
    const held = this.timers.get(flow.id);
    if (!isLive(flow)) {
      held?.cancel();
      this.timers.delete(flow.id);
      return;
    }
    const at = Math.min(flow.expiresAt, showsQr(flow) ? flow.qr!.expiresAt : Infinity);
    if (held?.at === at) {
      held.accountId = flow.accountId;
      return;
    }
    held?.cancel();
    const cancel = this.clock.after(Math.max(0, at - this.now()), () => {
      if (this.timers.get(flow.id)?.cancel === cancel) this.timers.delete(flow.id);
      void this.refreshById(flow.id);
    });
    this.timers.set(flow.id, { at, accountId: flow.accountId, cancel });
  }

  private newQr(face?: FaceMethod): QrRecord {
    const s = this.settings;
    const url = `${s.qrPayloadBase}${face ? 'face' : 'login'}/${randomHex(16)}`;
    const more = s.qrPayloadLength - url.length;
    return {
      payload: more > 0 ? url + randomHex(Math.ceil(more / 2)).slice(0, more) : url,
      expiresAt: this.now() + s.qrLifetime * 1000,
      apps: face ? [face === 'face_iit' ? 'iit' : 'etax'] : [...s.qrApps],
      ...(!face && s.matchCode ? { matchCode: s.matchCode === true ? randomDigits(2) : s.matchCode() } : {}),
    };
  }

  /** The identity choice that follows authentication: none when there is nothing to choose (§9). */
  private offer(offer: IdentityOffer | undefined): Pick<FlowRecord, 'identities' | 'reason' | 'identity'> {
    const identities = offer?.identities ?? [];
    const choice = offer?.reason === 'client' ? identities.length > 0 : identities.length > 1;
    return {
      identities: choice ? identities : [],
      reason: choice ? offer!.reason : undefined,
      identity: !choice && identities.length === 1 ? identities[0] : undefined,
    };
  }

  /** Every factor succeeded: choose an identity, or log in. */
  private complete(flow: FlowRecord, method?: StepUpMethod): Promise<FlowRecord> | FlowRecord {
    if (method) flow = { ...flow, secondFactor: method };
    if (flow.identities.length && flow.reason) {
      return { ...this.moved(flow, { status: 'identity_required', reason: flow.reason }), qr: undefined };
    }
    return this.authenticate(flow);
  }

  private async authenticate(flow: FlowRecord): Promise<FlowRecord> {
    const issued = await this.sessions.issue({
      flowId: flow.id,
      person: { id: flow.accountId ?? '', name: flow.personName ?? '' },
      way: flow.kind,
      ...(flow.entry ? { entry: flow.entry } : {}),
      ...(flow.secondFactor ? { method: flow.secondFactor } : {}),
      ...(flow.identity ? { identity: flow.identity } : {}),
    });
    return { ...this.moved(flow, { status: 'authenticated' }), completion: issued };
  }

  /**
   * A phone or operator action: the flow (live, in `statuses` when given, the
   * account's when `account` is given) decides, or a `TransitionError`.
   */
  private async phone(
    flowId: string,
    action: string,
    statuses: Status[] | null,
    account: string | undefined,
    decide: (flow: FlowRecord) => FlowRecord | undefined | Promise<FlowRecord | undefined>,
  ): Promise<FlowState> {
    const stored = await this.store.getFlow(flowId);
    if (!stored) throw new TransitionError(`no flow "${flowId}"`, 'not_found');
    const flow = await this.refresh(stored);
    const next = await this.apply(flow, (f) => {
      this.checkAccount(f, account);
      const fits = statuses ? statuses.includes(f.phase.status) : showsQr(f);
      if (!fits) {
        const wanted = statuses ? statuses.join(' or ') : 'a status showing a QR';
        throw new TransitionError(`${action}() needs a flow in ${wanted}; flow ${f.id} is ${f.phase.status}`);
      }
      return decide(f);
    });
    return this.view(next);
  }

  /**
   * Whether an app signed in to `account` may act on the flow: the flow is the
   * account's (it scanned the login QR, or logged in by password). An account
   * is told no more about another's flow than that.
   */
  private checkAccount(flow: FlowRecord, account: string | undefined): void {
    if (account !== undefined && flow.accountId !== account) {
      throw new TransitionError(`flow ${flow.id} is not the account's`, 'forbidden');
    }
  }

  /** facePass/faceFail from `face_scanned` go through `face_verifying` first, as the apps do. */
  private async throughVerifying(flowId: string, action: string, account?: string): Promise<void> {
    const stored = await this.store.getFlow(flowId);
    if (stored) this.checkAccount(stored, account);
    if (stored?.phase.status === 'face_scanned') await this.faceVerify(flowId, account);
    else if (stored && stored.phase.status !== 'face_verifying') {
      throw new TransitionError(
        `${action}() needs a flow in face_scanned or face_verifying; flow ${flowId} is ${stored.phase.status}`,
      );
    }
  }

  private async wrongPassword(subject: string): Promise<never> {
    const s = this.settings;
    const failures = await this.store.increment(KEY.passwordFailures(subject), s.lockSeconds * 1000);
    if (failures >= s.maxPasswordAttempts) {
      await this.store.write(KEY.lock(subject), String(this.now() + s.lockSeconds * 1000), s.lockSeconds * 1000);
      await this.store.remove(KEY.passwordFailures(subject));
      throw new EngineError('account_locked', { retryAfter: s.lockSeconds });
    }
    throw new EngineError('invalid_credentials', { attemptsLeft: s.maxPasswordAttempts - failures });
  }

  /** While the account's SMS is locked (§8.3), a flow that tries SMS ends `locked` with `sms_locked`. */
  private async refuseLockedSms(flow: FlowRecord): Promise<void> {
    const until = flow.accountId ? await this.lockedUntil(KEY.smsLock(flow.accountId)) : undefined;
    if (!until) return;
    await this.lockFlow(flow, until, 'sms_locked');
    throw new EngineError('sms_locked', { retryAfter: this.secondsTo(until) });
  }

  private async lockFlow(flow: FlowRecord, until: number, code: 'account_locked' | 'sms_locked'): Promise<void> {
    await this.apply(flow, (f) => (isLive(f) ? this.moved(f, { status: 'locked', until, code }) : undefined));
  }

  /** The end of a lock (epoch ms), or undefined when there is none. */
  private async lockedUntil(key: string): Promise<number | undefined> {
    const held = await this.store.read(key);
    return held ? Number(held.value) : undefined;
  }

  private async secondsLeftOf(key: string): Promise<number> {
    const held = await this.store.read(key);
    return Math.max(1, Math.ceil((held?.ttl ?? 1000) / 1000));
  }

  /** Seconds until `at`, at least 1: a `retryAfter`. */
  private secondsTo(at: number): number {
    return Math.max(1, Math.ceil((at - this.now()) / 1000));
  }

  private emit(change: EngineChange): void {
    for (const l of [...this.listeners]) l(change);
  }
}
