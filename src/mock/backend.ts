/**
 * The mock backend's state and rules, with no msw in sight: flows, accounts,
 * lockouts, SMS codes, the request log. `handlers.ts` puts it on the wire and
 * `controls.ts` lets a test or a phone simulator drive it.
 */
import {
  PROTOCOL,
  PROTOCOL_VERSION,
  type Capabilities,
  type FaceMethod,
  type FlowCreated,
  type FlowState,
  type Identity,
  type SmsSent,
  type StepUpMethod,
} from '../client/protocol.js';
import { ApiError } from './errors.js';
import { Faults } from './faults.js';
import { ROLE_LABELS, maskPhone, withinSpec, type MockAccount, type MockEnterprise } from './fixtures.js';
import {
  STEP_UP_OPEN,
  isLive,
  showsQr,
  viewOf,
  type FlowKind,
  type FlowRecord,
  type Phase,
  type QrRecord,
  type Status,
} from './flow.js';
import { settingsOf, type MockBackendOptions, type Settings } from './options.js';

/** What changed, for `control.subscribe()`. */
export type BackendChange =
  { type: 'flow'; flowId: string } | { type: 'sms'; flowId: string } | { type: 'request' } | { type: 'reset' };

/** A text message the simulated phone received. */
export interface SmsMessage {
  flowId: string;
  maskedPhone: string;
  code: string;
  /** The SMS as the phone shows it. */
  text: string;
  sentAt: number;
  expiresAt: number;
}

/** One request as the log keeps it: secrets (password, SMS code, tokens) are redacted. */
export interface RequestLogEntry {
  at: number;
  method: string;
  /** Below the base URL, with the query; a `token` parameter is redacted. */
  path: string;
  flowId?: string;
  body?: unknown;
  /** HTTP status of the answer; for a WebSocket, 101 once authenticated or the code the mock closed it with. */
  status?: number;
  transport: 'http' | 'sse' | 'websocket';
}

/** An open SSE or WebSocket connection. */
export interface StreamConnection {
  flowId: string;
  transport: 'sse' | 'websocket';
  close(): void;
}

const random = (n: number) => crypto.getRandomValues(new Uint8Array(n));
const hex = (n: number) => Array.from(random(n), (b) => b.toString(16).padStart(2, '0')).join('');
const digits = (n: number) => Array.from(crypto.getRandomValues(new Uint32Array(n)), (v) => String(v % 10)).join('');
const SECRET_KEYS = ['password', 'code', 'token', 'flowToken'];
/** Lines the request log keeps (a demo page may poll for hours). */
const LOG_LIMIT = 2000;

/** A copy of a body with every secret value replaced. */
export const redact = (v: unknown): unknown => {
  if (Array.isArray(v)) return v.map(redact);
  if (typeof v !== 'object' || v === null) return v;
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, SECRET_KEYS.includes(k) ? '[redacted]' : redact(x)]));
};

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const TAXPAYER_ID = /^(?:[0-9A-Z]{15}|[0-9A-Z]{17,18}|[0-9A-Z]{20})$/;

export class Backend {
  readonly settings: Settings;
  latency: number;
  heartbeats = true;
  /** Refuse new SSE/WebSocket connections of every flow. */
  refuseStreams = false;
  readonly flows = new Map<string, FlowRecord>();
  readonly outbox: SmsMessage[] = [];
  readonly log: RequestLogEntry[] = [];
  readonly streams = new Set<StreamConnection>();
  readonly faults = new Faults();
  private readonly counters = new Map<string, { failures: number; lockedUntil?: number }>();
  private readonly listeners = new Set<(change: BackendChange) => void>();

  constructor(options?: MockBackendOptions) {
    this.settings = settingsOf(options);
    this.latency = this.settings.latency;
    this.lockFixture();
  }

  now(): number {
    return this.settings.now();
  }

  /* ------------------------------------------------------------- plumbing */

  onChange(listener: (change: BackendChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(change: BackendChange): void {
    for (const l of [...this.listeners]) l(change);
  }

  record(entry: Omit<RequestLogEntry, 'at'>): RequestLogEntry {
    const e = { at: this.now(), ...entry };
    this.log.push(e);
    if (this.log.length > LOG_LIMIT) this.log.splice(0, this.log.length - LOG_LIMIT);
    this.emit({ type: 'request' });
    return e;
  }

  view(flow: FlowRecord): FlowState {
    return viewOf(flow, this.now(), this.settings.redirectUrl);
  }

  /** Every state change goes through here: new seq, timers, subscribers, long-polls. */
  move(flow: FlowRecord, phase: Phase): FlowState {
    flow.seq += 1;
    flow.phase = phase;
    if (!isLive(flow)) flow.qr = undefined;
    this.schedule(flow);
    const state = this.view(flow);
    for (const l of [...flow.listeners]) l(state);
    for (const w of [...flow.waiters]) w();
    this.emit({ type: 'flow', flowId: flow.id });
    return state;
  }

  /** Applies what time has made due: the flow's end, a QR payload's end. */
  refresh(flow: FlowRecord): void {
    // A flow that reset() forgot (a long-poll released by it may still hold one) starts no timer.
    if (!isLive(flow) || this.flows.get(flow.id) !== flow) return;
    const t = this.now();
    if (t >= flow.expiresAt) this.move(flow, { status: 'expired' });
    else if (showsQr(flow) && t >= flow.qr!.expiresAt) this.qrRanOut(flow);
    else this.schedule(flow);
  }

  private qrRanOut(flow: FlowRecord): void {
    const face = flow.phase.status.startsWith('face_') ? (flow.phase as { method: FaceMethod }).method : undefined;
    if (this.settings.qrRotates) {
      flow.qr = this.newQr(face);
      this.move(flow, flow.phase);
    } else if (face) {
      flow.qr = undefined;
      this.move(flow, { status: 'step_up_required' });
    } else {
      this.move(flow, { status: 'expired' });
    }
  }

  private schedule(flow: FlowRecord): void {
    clearTimeout(flow.timer);
    flow.timer = undefined;
    if (!isLive(flow)) return;
    const due = Math.min(flow.expiresAt, showsQr(flow) ? flow.qr!.expiresAt : Infinity);
    flow.timer = setTimeout(() => this.refresh(flow), Math.max(0, due - this.now()));
  }

  newQr(face?: FaceMethod): QrRecord {
    const s = this.settings;
    return {
      payload: `https://etax.example.invalid/qr/${face ? 'face' : 'login'}/${hex(16)}`,
      expiresAt: this.now() + s.qrLifetime * 1000,
      apps: face ? [face === 'face_iit' ? 'iit' : 'etax'] : [...s.qrApps],
      ...(!face && s.matchCode ? { matchCode: s.matchCode === true ? digits(2) : s.matchCode() } : {}),
    };
  }

  /** Holds until the flow's seq passes `after`, at most `seconds`. */
  wait(flow: FlowRecord, after: number, seconds: number): Promise<void> {
    if (flow.seq > after || seconds <= 0) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        flow.waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, seconds * 1000);
      flow.waiters.add(done);
    });
  }

  /** Forgets every flow, code, lock and log line; closes every stream. */
  reset(): void {
    for (const flow of this.flows.values()) {
      clearTimeout(flow.timer);
      flow.listeners.clear();
      for (const w of [...flow.waiters]) w();
    }
    for (const s of [...this.streams]) s.close();
    this.flows.clear();
    this.streams.clear();
    this.outbox.length = 0;
    this.log.length = 0;
    this.counters.clear();
    this.faults.clear();
    this.latency = this.settings.latency;
    this.heartbeats = true;
    this.refuseStreams = false;
    this.lockFixture();
    this.emit({ type: 'reset' });
  }

  /* ------------------------------------------------------------- accounts */

  private lockFixture(): void {
    for (const a of this.settings.fixture.accounts) {
      if (!a.locked) continue;
      const seconds = a.locked === true ? this.settings.lockSeconds : a.locked;
      this.counters.set(`account:${a.id}`, { failures: 0, lockedUntil: this.now() + seconds * 1000 });
    }
  }

  account(id: string): MockAccount {
    const a = this.settings.fixture.accounts.find((x) => x.id === id);
    if (!a) throw new Error(`no account "${id}" in the fixture`);
    return a;
  }

  enterprise(taxpayerId: string): MockEnterprise | undefined {
    return this.settings.fixture.enterprises.find((e) => e.taxpayerId === taxpayerId);
  }

  /** The account an ID number, mobile number or user name names. */
  private findAccount(value: string): MockAccount | undefined {
    const v = value.trim();
    const phone = v.replace(/[\s-]/g, '').replace(/^\+?86/, '');
    return this.settings.fixture.accounts.find(
      (a) =>
        a.idNumber === v.toUpperCase() ||
        (!!a.phone && a.phone === phone) ||
        (!!a.username && a.username.toLowerCase() === v.toLowerCase()),
    );
  }

  /** Seconds the account stays locked, or undefined. */
  lockedFor(accountId: string): number | undefined {
    const until = this.counters.get(`account:${accountId}`)?.lockedUntil;
    const left = until === undefined ? 0 : Math.ceil((until - this.now()) / 1000);
    return left > 0 ? left : undefined;
  }

  lockAccount(accountId: string, seconds = this.settings.lockSeconds): void {
    const account = this.account(accountId);
    const until = this.now() + seconds * 1000;
    this.counters.set(`account:${account.id}`, { failures: 0, lockedUntil: until });
    for (const flow of this.flows.values()) {
      if (flow.account === account && isLive(flow))
        this.move(flow, { status: 'locked', until, code: 'account_locked' });
    }
  }

  unlockAccount(accountId: string): void {
    this.counters.delete(`account:${this.account(accountId).id}`);
  }

  /** Counts a wrong password (for an unknown account too, so both answer alike). */
  private wrongPassword(key: string): never {
    const s = this.settings;
    const c = this.counters.get(key) ?? { failures: 0 };
    c.failures += 1;
    if (c.failures >= s.maxPasswordAttempts) {
      this.counters.set(key, { failures: 0, lockedUntil: this.now() + s.lockSeconds * 1000 });
      throw new ApiError('account_locked', { retryAfter: s.lockSeconds });
    }
    this.counters.set(key, c);
    throw new ApiError('invalid_credentials', { attemptsLeft: s.maxPasswordAttempts - c.failures });
  }

  /** Capacities in which a person acts for enterprises (all of them, or one). */
  capacities(account: MockAccount, taxpayerId?: string): Identity[] {
    return account.links
      .filter((l) => !taxpayerId || l.taxpayerId === taxpayerId)
      .flatMap((l) =>
        l.roles
          .filter((r) => r !== 'agent')
          .map((role) => ({
            id: `${l.taxpayerId}:${role}`,
            name: this.enterprise(l.taxpayerId)?.name ?? l.taxpayerId,
            role,
            ...(ROLE_LABELS[role] ? { roleLabel: { ...ROLE_LABELS[role] } } : {}),
            taxpayerId: l.taxpayerId,
          })),
      );
  }

  private clients(agency: MockEnterprise): Identity[] {
    return (agency.clients ?? []).map((t) => ({
      id: `client:${t}`,
      name: this.enterprise(t)?.name ?? t,
      taxpayerId: t,
    }));
  }

  /** Sets the identity choice that follows authentication: none when there is nothing to choose. */
  offerIdentities(flow: FlowRecord, identities: Identity[], reason: 'capacity' | 'client'): void {
    const choice = reason === 'client' ? identities.length > 0 : identities.length > 1;
    flow.identities = choice ? identities : [];
    flow.reason = choice ? reason : undefined;
    if (!choice && identities.length === 1) flow.identity = identities[0];
  }

  /** Authentication is complete: choose an identity, or log in. */
  complete(flow: FlowRecord): FlowState {
    if (flow.identities.length && flow.reason) {
      flow.qr = undefined;
      return this.move(flow, { status: 'identity_required', reason: flow.reason });
    }
    return this.authenticate(flow);
  }

  private authenticate(flow: FlowRecord): FlowState {
    const life = this.settings.sessionLifetime;
    flow.session = life === false ? undefined : { token: hex(24), tokenType: 'Bearer', expiresIn: life };
    return this.move(flow, { status: 'authenticated' });
  }

  /* ---------------------------------------------------------------- flows */

  private newFlow(kind: FlowKind, phase: Phase): FlowRecord {
    const at = this.now();
    const flow: FlowRecord = {
      id: `f${hex(12)}`,
      token: hex(24),
      kind,
      seq: 1,
      phase,
      createdAt: at,
      expiresAt: at + this.settings.flowLifetime * 1000,
      methods: [],
      identities: [],
      faceAttemptsLeft: this.settings.faceMaxAttempts,
      sms: { wrong: 0 },
      refuseStreams: false,
      waiters: new Set(),
      listeners: new Set(),
    };
    this.flows.set(flow.id, flow);
    return flow;
  }

  private created(flow: FlowRecord): FlowCreated {
    this.schedule(flow);
    this.emit({ type: 'flow', flowId: flow.id });
    return {
      flowId: flow.id,
      flowToken: flow.token,
      expiresIn: this.settings.flowLifetime,
      // What the client needs to follow the flow, so that it need not wait for the capabilities.
      pollInterval: this.settings.pollInterval,
      transports: [...this.settings.transports],
      longPollWait: this.settings.longPollWait,
      heartbeat: this.settings.heartbeat,
      state: this.view(flow),
    };
  }

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

  createQr(): FlowCreated {
    const flow = this.newFlow('qr', { status: 'qr_waiting' });
    flow.qr = this.newQr();
    return this.created(flow);
  }

  createPassword(body: unknown): FlowCreated {
    if (!isObj(body)) throw new ApiError('invalid_request');
    const entry = this.settings.entries.find((e) => e.id === body.entry);
    if (!entry) throw new ApiError('invalid_request', { field: 'entry' });
    if (!isObj(body.fields)) throw new ApiError('invalid_request', { field: 'fields' });
    const fields = body.fields;
    for (const f of entry.fields) {
      const v = fields[f.name];
      if (typeof v !== 'string' || !v.trim() || !withinSpec(f, v)) {
        throw new ApiError('invalid_request', { field: f.name });
      }
    }
    if (typeof body.password !== 'string' || !body.password)
      throw new ApiError('invalid_request', { field: 'password' });

    let enterprise: MockEnterprise | undefined;
    if (entry.id !== 'individual') {
      const taxpayerId = (fields.taxpayerId as string).trim().toUpperCase();
      enterprise = TAXPAYER_ID.test(taxpayerId) ? this.enterprise(taxpayerId) : undefined;
      if (!enterprise || !!enterprise.agency !== (entry.id === 'agent')) {
        throw new ApiError('invalid_taxpayer_id', { field: 'taxpayerId' });
      }
    }

    const typed = (fields.account as string).trim();
    const account = this.findAccount(typed);
    const key = account ? `account:${account.id}` : `typed:${typed.toLowerCase()}`;
    const counter = this.counters.get(key);
    const locked = counter?.lockedUntil === undefined ? 0 : Math.ceil((counter.lockedUntil - this.now()) / 1000);
    if (locked > 0) throw new ApiError('account_locked', { retryAfter: locked });
    if (!account && this.settings.revealNotRegistered) throw new ApiError('not_registered', { field: 'account' });
    const linked =
      !enterprise ||
      !!account?.links.some(
        (l) => l.taxpayerId === enterprise.taxpayerId && l.roles.some((r) => (r === 'agent') === !!enterprise.agency),
      );
    if (!account || account.password !== body.password || !linked) this.wrongPassword(key);
    this.counters.delete(key);

    const methods = this.methodsFor(account);
    // The second factor is mandatory: with none usable, the password alone never logs in.
    if (!methods.length) throw new ApiError('method_unavailable');
    const flow = this.newFlow('password', { status: 'step_up_required' });
    flow.account = account;
    flow.entry = entry.id;
    flow.taxpayerId = enterprise?.taxpayerId;
    flow.methods = methods;
    if (enterprise?.agency) this.offerIdentities(flow, this.clients(enterprise), 'client');
    else if (enterprise) this.offerIdentities(flow, this.capacities(account, enterprise.taxpayerId), 'capacity');
    return this.created(flow);
  }

  /** The flow a request names, when its bearer token matches. */
  flowFor(flowId: string, token: string | undefined): FlowRecord {
    const flow = this.flows.get(flowId);
    if (!flow) throw new ApiError('flow_not_found');
    if (!token || token !== flow.token) throw new ApiError('unauthorized');
    this.refresh(flow);
    return flow;
  }

  /** Throws unless the flow is live and in one of `statuses`. */
  private expect(flow: FlowRecord, statuses: readonly Status[], kind?: FlowKind): void {
    const p = flow.phase;
    if (p.status === 'expired') throw new ApiError('flow_expired');
    if (p.status === 'locked') {
      throw new ApiError(p.code, p.until ? { retryAfter: Math.max(1, Math.ceil((p.until - this.now()) / 1000)) } : {});
    }
    if (!statuses.includes(p.status) || (kind && flow.kind !== kind)) throw new ApiError('invalid_state');
  }

  stepUp(flow: FlowRecord, body: unknown): FlowState {
    this.expect(flow, STEP_UP_OPEN, 'password');
    const method = isObj(body) ? body.method : undefined;
    if (method !== 'face_iit' && method !== 'face_etax') throw new ApiError('invalid_request', { field: 'method' });
    if (!flow.methods.includes(method)) throw new ApiError('method_unavailable', { field: 'method' });
    flow.qr = this.newQr(method);
    return this.move(flow, { status: 'face_waiting', method });
  }

  sendSms(flow: FlowRecord, body: unknown): SmsSent {
    this.expect(flow, STEP_UP_OPEN, 'password');
    if (body !== undefined && !isObj(body)) throw new ApiError('invalid_request');
    const phone = flow.account?.phone;
    if (!phone || !flow.methods.includes('sms')) throw new ApiError('method_unavailable');
    const s = this.settings.sms;
    const t = this.now();
    const resendAt = (flow.sms.sentAt ?? -Infinity) + s.resendAfter * 1000;
    if (resendAt > t) throw new ApiError('sms_throttled', { retryAfter: Math.ceil((resendAt - t) / 1000) });
    const code = digits(s.codeLength);
    flow.sms = { code, sentAt: t, expiresAt: t + s.codeLifetime * 1000, wrong: flow.sms.wrong };
    const maskedPhone = maskPhone(phone);
    this.outbox.push({
      flowId: flow.id,
      maskedPhone,
      code,
      text: `【电子税务局】您的验证码为${code}，${Math.round(s.codeLifetime / 60)}分钟内有效，请勿泄露给他人。`,
      sentAt: t,
      expiresAt: flow.sms.expiresAt!,
    });
    this.emit({ type: 'sms', flowId: flow.id });
    // Switching to SMS withdraws a face QR still on show.
    if (flow.phase.status !== 'step_up_required') {
      flow.qr = undefined;
      this.move(flow, { status: 'step_up_required' });
    }
    return { maskedPhone, codeLength: s.codeLength, resendAfter: s.resendAfter, expiresIn: s.codeLifetime };
  }

  verifySms(flow: FlowRecord, body: unknown): FlowState {
    this.expect(flow, STEP_UP_OPEN, 'password');
    const raw = isObj(body) ? body.code : undefined;
    if (typeof raw !== 'string' || !raw.trim()) throw new ApiError('invalid_request', { field: 'code' });
    const sms = flow.sms;
    if (!sms.code) throw new ApiError('sms_not_sent');
    if (this.now() >= sms.expiresAt!) throw new ApiError('sms_code_expired', { field: 'code' });
    if (raw.replace(/\s+/g, '') !== sms.code) {
      sms.wrong += 1;
      const left = this.settings.sms.maxWrong - sms.wrong;
      if (left <= 0) {
        const until = this.now() + this.settings.lockSeconds * 1000;
        sms.code = undefined;
        this.move(flow, { status: 'locked', until, code: 'sms_locked' });
        throw new ApiError('sms_locked', { retryAfter: this.settings.lockSeconds });
      }
      throw new ApiError('sms_code_invalid', { attemptsLeft: left, field: 'code' });
    }
    sms.code = undefined;
    return this.complete(flow);
  }

  chooseIdentity(flow: FlowRecord, body: unknown): FlowState {
    this.expect(flow, ['identity_required']);
    const id = isObj(body) ? body.identityId : undefined;
    if (typeof id !== 'string' || !id) throw new ApiError('invalid_request', { field: 'identityId' });
    const identity = flow.identities.find((i) => i.id === id);
    if (!identity) throw new ApiError('identity_invalid', { field: 'identityId' });
    // An agent acts for the client chosen, in the agent's own capacity.
    flow.identity =
      flow.reason === 'client' ? { ...identity, role: 'agent', roleLabel: { ...ROLE_LABELS.agent } } : identity;
    return this.authenticate(flow);
  }

  /** `DELETE`: the page ends the flow; ending an ended flow is harmless. */
  remove(flow: FlowRecord): void {
    if (isLive(flow)) this.move(flow, { status: 'cancelled', by: 'client' });
  }

  /** Face recognition failed once more: fewer attempts, and none left takes face off the list. */
  faceFailed(flow: FlowRecord, method: FaceMethod): FlowState {
    flow.faceAttemptsLeft = Math.max(0, flow.faceAttemptsLeft - 1);
    if (!flow.faceAttemptsLeft) flow.methods = flow.methods.filter((m) => m === 'sms');
    // No method left: the account is locked (every live flow of it ends `locked`), as after
    // too many wrong passwords.
    if (!flow.methods.length) {
      this.lockAccount(flow.account!.id);
      return this.view(flow);
    }
    return this.move(flow, { status: 'face_failed', method });
  }

  /** Methods a password flow starts with. */
  methodsFor(account: MockAccount): StepUpMethod[] {
    return this.settings.stepUpMethods.filter((m) => m !== 'sms' || !!account.phone);
  }
}
