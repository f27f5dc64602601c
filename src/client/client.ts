/**
 * The headless login client: one state machine over the protocol, no DOM
 * rendering, usable from any framework or plain JS.
 *
 * ```js
 * const client = createLoginClient({ baseUrl: '/api/etax-login' });
 * client.on('state', (state) => render(state));
 * await client.startQr();
 * ```
 */
import { createNanoEvents, type Unsubscribe } from 'nanoevents';
import { isAbort, loginError, now, request, type HttpOptions } from './http.js';
import {
  parseCapabilities,
  parseFlowCreated,
  parseFlowState,
  parseSmsSent,
  type Capabilities,
  type EntryId,
  type FaceMethod,
  type FlowCreated,
  type FlowState,
  type QrApp,
  type QrCode,
  type StepUpMethod,
  type TransportName,
} from './protocol.js';
import type { LoginError, LoginState, LoginStateKind, PasswordAttempt, QrView } from './state.js';
import { longPoll, poll, sse, type Stream, type StreamFactory } from './transports.js';

export interface LoginClientOptions extends HttpOptions {
  /** Preferred transport; `auto` (default) picks the best the server offers. */
  transport?: 'auto' | TransportName;
  /** The WebSocket transport, from `etax-login/client/websocket`, to allow `websocket`. */
  webSocket?: StreamFactory;
  /** EventSource constructor (defaults to the browser's). */
  EventSource?: typeof EventSource;
  /** Consecutive failed status requests before the flow ends with an error; default 6. */
  maxFailures?: number;
  /** End this flow when a login completes in another tab of the site; default true. */
  crossTab?: boolean;
  /** Milliseconds to wait for a new QR after one expires before showing it as expired; default 3000. */
  qrGrace?: number;
}

export interface LoginClientEvents {
  /** Every state change, with the state before it. */
  state: (state: LoginState, previous: LoginState) => void;
  /** Every error that lands in the state (for logging; the state carries it too). */
  error: (error: LoginError) => void;
  /** The server's capabilities, once loaded. */
  capabilities: (capabilities: Capabilities) => void;
  /** The transport carrying the current flow, including after a fallback. */
  transport: (name: TransportName) => void;
}

export interface PasswordInput {
  entry: EntryId;
  /** The entry's fields by name (`taxpayerId`, `account`, …). */
  fields: Record<string, string>;
  /** Sent once, never kept. */
  password: string;
}

export interface LoginClient {
  readonly state: LoginState;
  readonly capabilities: Capabilities | undefined;
  /** The transport carrying the current flow. */
  readonly transport: TransportName | undefined;
  on<E extends keyof LoginClientEvents>(event: E, callback: LoginClientEvents[E]): Unsubscribe;
  loadCapabilities(): Promise<Capabilities>;
  /** Starts (or restarts) a QR login. */
  startQr(): Promise<void>;
  /** Sends the password form; the QR flow goes on until the password is accepted. */
  submitPassword(input: PasswordInput): Promise<void>;
  /** Picks or switches the second factor. */
  chooseStepUp(method: StepUpMethod): Promise<void>;
  /** Asks for an SMS code (获取验证码). */
  sendSms(): Promise<void>;
  verifySms(code: string): Promise<void>;
  chooseIdentity(identityId: string): Promise<void>;
  /** Ends the current flow (and tells the server). */
  cancel(): Promise<void>;
  /** Ends everything: no request, timer or connection is left. */
  destroy(): void;
}

/** Thrown, synchronously, by an action called in a state where it has no meaning. */
export class IllegalActionError extends Error {
  override name = 'IllegalActionError';
}

interface Flow {
  id: string;
  token: string;
  mode: 'qr' | 'password';
  seq: number;
  expiresAt: number;
  ctrl: AbortController;
  stream?: Stream;
  timers: ReturnType<typeof setTimeout>[];
  qrTimer?: ReturnType<typeof setTimeout>;
  methods: StepUpMethod[];
  maskedPhone?: string;
  pollInterval: number;
}

const SIGNED_OUT: LoginStateKind[] = ['idle', 'qr-loading', 'qr-waiting', 'qr-scanned', 'qr-ended', 'qr-error'];
const STEP_UP: LoginStateKind[] = ['step-up', 'face-waiting', 'face-scanned', 'face-verifying', 'face-failed', 'sms'];
/** Server codes after which the flow cannot go on. */
const FLOW_OVER: Record<string, 'expired' | 'locked' | 'error'> = {
  flow_expired: 'expired',
  flow_not_found: 'expired',
  unauthorized: 'error',
  account_locked: 'locked',
  sms_locked: 'locked',
  malformed_response: 'error',
  unsupported_protocol: 'error',
};

let documentId: string | undefined;

export function createLoginClient(options: LoginClientOptions): LoginClient {
  const events = createNanoEvents<LoginClientEvents>();
  const root = new AbortController();
  let state: LoginState = { kind: 'idle', password: { status: 'idle' } };
  let password: PasswordAttempt = { status: 'idle' };
  let passwordCtrl: AbortController | undefined;
  let capabilities: Capabilities | undefined;
  let capabilitiesLoad: Promise<Capabilities> | undefined;
  let transport: TransportName | undefined;
  let flow: Flow | undefined;
  let channel: BroadcastChannel | undefined;

  const is = (...kinds: LoginStateKind[]) => kinds.includes(state.kind);
  const guard = (ok: boolean, action: string) => {
    if (!ok) throw new IllegalActionError(`${action}() is not allowed in state "${state.kind}"`);
  };

  const set = (next: LoginState) => {
    const previous = state;
    state = next;
    events.emit('state', next, previous);
    const error = 'error' in next ? next.error : undefined;
    if (error && (!('error' in previous) || previous.error !== error)) events.emit('error', error);
  };

  /** Re-renders a signed-out state with the password form's new status. */
  const setPassword = (next: PasswordAttempt) => {
    password = next;
    if (SIGNED_OUT.includes(state.kind)) set({ ...(state as Extract<LoginState, { password: unknown }>), password });
    if (next.status === 'failed') events.emit('error', next.error);
  };

  const call = (spec: Parameters<typeof request>[1]) =>
    request(options, { encryption: capabilities?.encryption, ...spec });

  const loadCapabilities = (): Promise<Capabilities> =>
    (capabilitiesLoad ??= call({ method: 'GET', path: '/v1/capabilities', signal: root.signal })
      .then((body) => {
        try {
          capabilities = parseCapabilities(body);
        } catch (e) {
          const message = (e as Error).message;
          throw loginError(/version/.test(message) ? 'unsupported_protocol' : 'malformed_response', message);
        }
        events.emit('capabilities', capabilities);
        return capabilities;
      })
      .catch((e: unknown) => {
        capabilitiesLoad = undefined;
        throw e;
      }));

  /* ---------------------------------------------------------------- flows */

  const endFlow = () => {
    const f = flow;
    if (!f) return;
    flow = undefined;
    f.stream?.stop();
    f.ctrl.abort();
    f.timers.forEach(clearTimeout);
    clearTimeout(f.qrTimer);
  };

  /** Ends the flow and shows how it ended. */
  const finish = (
    f: Flow,
    reason: 'expired' | 'cancelled' | 'denied' | 'locked' | 'error',
    error?: LoginError,
    app?: QrApp,
  ) => {
    endFlow();
    if (f.mode === 'qr') {
      set(
        reason === 'locked' || reason === 'error'
          ? { kind: 'qr-error', error: error ?? loginError('account_locked'), password }
          : { kind: 'qr-ended', reason, app, password },
      );
    } else {
      set({ kind: 'flow-ended', reason, error });
    }
  };

  const fail = (f: Flow, error: LoginError) => {
    if (flow !== f) return;
    finish(f, FLOW_OVER[error.code] ?? 'error', error);
  };

  const qrView = (qr: QrCode): QrView => ({ ...qr, expiresAt: now() + qr.expiresIn * 1000 });

  /**
   * Watches a QR payload's lifetime: when it runs out, ask the server for a
   * rotated one; if none came within the grace, the QR is expired.
   */
  const watchQr = (f: Flow, qr: QrView) => {
    clearTimeout(f.qrTimer);
    f.qrTimer = setTimeout(
      () => {
        f.stream?.kick();
        f.qrTimer = setTimeout(() => {
          // Once scanned, the payload has done its work: the phone is confirming.
          if (flow !== f || (state.kind !== 'qr-waiting' && state.kind !== 'face-waiting')) return;
          if (state.qr.payload !== qr.payload) return;
          if (f.mode === 'qr') finish(f, 'expired');
          else set({ ...stepUpBase(f), kind: 'step-up', error: loginError('qr_expired') });
        }, options.qrGrace ?? 3000);
      },
      Math.max(0, qr.expiresAt - now()),
    );
  };

  const stepUpBase = (f: Flow) => ({
    flowId: f.id,
    expiresAt: f.expiresAt,
    methods: f.methods,
    maskedPhone: f.maskedPhone,
  });

  /** Applies a validated server state to the view state. */
  const apply = (f: Flow, s: FlowState) => {
    if (flow !== f || s.seq <= f.seq) return;
    f.seq = s.seq;
    const inFlow = { flowId: f.id, expiresAt: f.expiresAt };
    const keepQr = (qr: QrCode): QrView => ('qr' in state && state.qr.payload === qr.payload ? state.qr : qrView(qr));
    if (f.mode === 'qr' && /^(step_up|face|sms)/.test(s.status)) {
      return fail(f, loginError('malformed_response', `${s.status} in a QR flow`));
    }
    if (f.mode === 'password' && s.status.startsWith('qr_')) {
      return fail(f, loginError('malformed_response', `${s.status} in a password flow`));
    }
    switch (s.status) {
      case 'qr_waiting':
      case 'qr_scanned': {
        const qr = keepQr(s.qr);
        if (qr !== ('qr' in state && state.qr)) watchQr(f, qr);
        set(
          s.status === 'qr_waiting'
            ? { kind: 'qr-waiting', qr, ...inFlow, password }
            : { kind: 'qr-scanned', qr, app: s.app, ...inFlow, password },
        );
        return;
      }
      case 'step_up_required':
        f.methods = s.methods;
        f.maskedPhone = s.maskedPhone ?? f.maskedPhone;
        clearTimeout(f.qrTimer);
        // SMS is the client's own sub-flow: a status that only repeats "step-up" keeps it.
        set(state.kind === 'sms' ? { ...state, ...stepUpBase(f) } : { kind: 'step-up', ...stepUpBase(f) });
        return;
      case 'face_waiting':
      case 'face_scanned': {
        // The person chose SMS; a face QR the server still shows (or rotates) does not pull them back.
        if (s.status === 'face_waiting' && state.kind === 'sms') return;
        const qr = keepQr(s.qr);
        if (qr !== ('qr' in state && state.qr)) watchQr(f, qr);
        const base = { ...stepUpBase(f), method: s.method, qr };
        set(
          s.status === 'face_waiting'
            ? { kind: 'face-waiting', ...base }
            : { kind: 'face-scanned', ...base, app: s.app },
        );
        return;
      }
      case 'face_verifying':
        clearTimeout(f.qrTimer);
        set({ kind: 'face-verifying', ...stepUpBase(f), method: s.method });
        return;
      case 'face_failed':
        clearTimeout(f.qrTimer);
        f.methods = s.methods;
        set({ kind: 'face-failed', ...stepUpBase(f), method: s.method, attemptsLeft: s.attemptsLeft });
        return;
      case 'identity_required':
        clearTimeout(f.qrTimer);
        set({ kind: 'identity', ...inFlow, reason: s.reason, identities: s.identities });
        return;
      case 'authenticated':
        endFlow();
        passwordCtrl?.abort();
        channel?.postMessage({ type: 'authenticated', from: documentId, redirectUrl: s.redirectUrl });
        set({ kind: 'authenticated', via: f.mode, redirectUrl: s.redirectUrl, session: s.session });
        return;
      case 'denied':
        return finish(f, 'denied', undefined, s.app);
      case 'cancelled':
        return finish(f, 'cancelled');
      case 'expired':
        return finish(f, 'expired');
      case 'locked':
        return finish(
          f,
          'locked',
          loginError('account_locked', 'locked', {
            retryAt: s.retryAfter === undefined ? undefined : now() + s.retryAfter * 1000,
          }),
        );
    }
  };

  /** Validates a raw state body for the flow, or ends the flow as malformed. */
  const deliver = (f: Flow, raw: unknown) => {
    let s: FlowState;
    try {
      s = parseFlowState(raw);
    } catch (e) {
      return fail(f, loginError('malformed_response', (e as Error).message));
    }
    apply(f, s);
  };

  const pickTransport = (caps: Capabilities): [TransportName, StreamFactory] => {
    const wanted = options.transport ?? 'auto';
    const offered = (t: TransportName) => caps.transports.includes(t) && (wanted === 'auto' || wanted === t);
    if (offered('websocket') && options.webSocket) return ['websocket', options.webSocket];
    if (offered('sse') && (options.EventSource ?? globalThis.EventSource)) return ['sse', sse];
    if (offered('long-poll')) return ['long-poll', longPoll(caps.longPollWait ?? 25)];
    return ['poll', poll];
  };

  const openChannel = () => {
    if (channel || options.crossTab === false || typeof BroadcastChannel === 'undefined') return;
    documentId ??= Math.random().toString(36).slice(2);
    channel = new BroadcastChannel(`etax-login:${new URL(options.baseUrl, globalThis.location?.href).href}`);
    channel.onmessage = (event: MessageEvent<{ type?: string; from?: string; redirectUrl?: unknown }>) => {
      const m = event.data;
      if (m?.type !== 'authenticated' || m.from === documentId || is('authenticated', 'destroyed')) return;
      endFlow();
      passwordCtrl?.abort();
      set({
        kind: 'authenticated',
        via: 'other-tab',
        redirectUrl: typeof m.redirectUrl === 'string' ? m.redirectUrl : undefined,
      });
    };
  };

  /** Starts following a flow the server created. */
  const begin = (created: FlowCreated, mode: Flow['mode'], caps: Capabilities) => {
    endFlow();
    openChannel();
    const f: Flow = {
      id: created.flowId,
      token: created.flowToken,
      mode,
      seq: -1,
      expiresAt: now() + created.expiresIn * 1000,
      ctrl: new AbortController(),
      timers: [],
      methods: caps.stepUp.methods,
      pollInterval: (created.pollInterval ?? caps.pollInterval) * 1000,
    };
    flow = f;
    f.timers.push(setTimeout(() => flow === f && finish(f, 'expired'), created.expiresIn * 1000));
    apply(f, created.state);
    if (flow !== f) return; // already over (e.g. authenticated at once)
    const [name, factory] = pickTransport(caps);
    transport = name;
    events.emit('transport', name);
    f.stream = factory({
      http: options,
      flowId: f.id,
      token: f.token,
      signal: f.ctrl.signal,
      seq: () => f.seq,
      deliver: (raw) => deliver(f, raw),
      fail: (error) => fail(f, error),
      using: (t) => {
        transport = t;
        events.emit('transport', t);
      },
      pollInterval: f.pollInterval,
      heartbeat: (caps.heartbeat ?? 15) * 1000,
      maxFailures: options.maxFailures ?? 6,
      EventSource: options.EventSource,
    });
  };

  /** Runs an action request of the current flow; stale answers are dropped. */
  const act = async (
    f: Flow,
    spec: Omit<Parameters<typeof request>[1], 'token' | 'signal'>,
    onError: (error: LoginError) => void,
    onOk: (body: unknown) => void = (body) => deliver(f, body),
  ) => {
    try {
      const body = await call({ ...spec, token: f.token, signal: f.ctrl.signal });
      if (flow === f) onOk(body);
    } catch (e) {
      if (isAbort(e) || flow !== f) return;
      const error = e as LoginError;
      if (FLOW_OVER[error.code]) fail(f, error);
      else onError(error);
    }
  };

  const flowPath = (f: Flow, rest = '') => `/v1/flows/${encodeURIComponent(f.id)}${rest}`;

  /* -------------------------------------------------------------- actions */

  const startQr = async () => {
    endFlow();
    set({ kind: 'qr-loading', password });
    try {
      const caps = await loadCapabilities();
      const created = parseFlowCreated(
        await call({ method: 'POST', path: '/v1/flows/qr', body: {}, signal: root.signal }),
      );
      if (state.kind !== 'qr-loading') return; // superseded by another action
      begin(created, 'qr', caps);
    } catch (e) {
      if (isAbort(e) || state.kind !== 'qr-loading') return;
      const error = (e as LoginError).code ? (e as LoginError) : loginError('malformed_response', String(e));
      set({ kind: 'qr-error', error, password });
    }
  };

  const submitPassword = async ({ entry, fields, password: secret }: PasswordInput) => {
    passwordCtrl?.abort();
    const ctrl = (passwordCtrl = new AbortController());
    const signal = AbortSignal.any ? AbortSignal.any([root.signal, ctrl.signal]) : ctrl.signal;
    if (!SIGNED_OUT.includes(state.kind)) set({ kind: 'idle', password });
    setPassword({ status: 'submitting', entry });
    try {
      const caps = await loadCapabilities();
      const created = parseFlowCreated(
        await call({
          method: 'POST',
          path: '/v1/flows/password',
          body: { entry, fields, password: secret },
          signal,
        }),
      );
      if (ctrl.signal.aborted || !SIGNED_OUT.includes(state.kind)) return;
      const qr = flow;
      password = { status: 'idle' };
      begin(created, 'password', caps);
      // The QR flow is no longer needed: tell the server so the phone cannot use it.
      if (qr) void call({ method: 'DELETE', path: flowPath(qr), token: qr.token, signal: root.signal }).catch(() => {});
    } catch (e) {
      if (isAbort(e) || ctrl.signal.aborted) return;
      const error = (e as LoginError).code ? (e as LoginError) : loginError('malformed_response', String(e));
      setPassword({ status: 'failed', entry, error });
    } finally {
      if (passwordCtrl === ctrl) passwordCtrl = undefined;
    }
  };

  const stepUpFlow = (action: string, extra = true): Flow => {
    guard(STEP_UP.includes(state.kind) && !!flow && extra, action);
    return flow!;
  };

  const chooseStepUp = (method: StepUpMethod) => {
    const f = stepUpFlow('chooseStepUp', state.kind !== 'face-verifying');
    if (!f.methods.includes(method)) throw new IllegalActionError(`step-up method "${method}" is not offered`);
    const base = stepUpBase(f);
    if (method === 'sms') {
      const sms = state.kind === 'sms' ? state : undefined;
      set({
        kind: 'sms',
        ...base,
        phase: 'idle',
        codeLength: capabilities?.sms.codeLength ?? 6,
        ...sms,
        error: undefined,
      });
      return Promise.resolve();
    }
    set({ kind: 'step-up', ...base, pending: method as FaceMethod });
    return act(f, { method: 'POST', path: flowPath(f, '/step-up'), body: { method } }, (error) =>
      set({ kind: 'step-up', ...stepUpBase(f), error }),
    );
  };

  const sendSms = () => {
    const s = state;
    const f = stepUpFlow('sendSms', s.kind === 'sms' && (s.phase === 'idle' || s.phase === 'sent'));
    const sms = s as Extract<LoginState, { kind: 'sms' }>;
    if (sms.resendAt && sms.resendAt > now()) throw new IllegalActionError('sendSms() is not allowed before resendAt');
    set({ ...sms, phase: 'sending', error: undefined });
    return act(
      f,
      { method: 'POST', path: flowPath(f, '/sms'), body: {} },
      (error) => {
        if (state.kind !== 'sms') return;
        set({ ...state, phase: sms.phase, error, resendAt: error.retryAt ?? sms.resendAt });
      },
      (body) => {
        let sent;
        try {
          sent = parseSmsSent(body);
        } catch (e) {
          return fail(f, loginError('malformed_response', (e as Error).message));
        }
        f.maskedPhone = sent.maskedPhone;
        if (state.kind !== 'sms') return;
        set({
          ...state,
          maskedPhone: sent.maskedPhone,
          phase: 'sent',
          codeLength: sent.codeLength,
          resendAt: now() + sent.resendAfter * 1000,
          codeExpiresAt: now() + sent.expiresIn * 1000,
          error: undefined,
        });
      },
    );
  };

  const verifySms = (code: string) => {
    const s = state;
    const f = stepUpFlow('verifySms', s.kind === 'sms' && s.phase === 'sent');
    set({ ...(s as Extract<LoginState, { kind: 'sms' }>), phase: 'verifying', error: undefined });
    return act(
      f,
      { method: 'POST', path: flowPath(f, '/sms/verify'), body: { code: code.replace(/\s+/g, '') } },
      (error) => {
        if (state.kind !== 'sms') return;
        const noCode = error.code === 'sms_not_sent';
        set({
          ...state,
          phase: noCode ? 'idle' : 'sent',
          codeExpiresAt: noCode || error.code === 'sms_code_expired' ? undefined : state.codeExpiresAt,
          error,
        });
      },
    );
  };

  const chooseIdentity = (identityId: string) => {
    const s = state;
    guard(s.kind === 'identity' && !s.pending && !!flow, 'chooseIdentity');
    const id = s as Extract<LoginState, { kind: 'identity' }>;
    if (!id.identities.some((i) => i.id === identityId)) {
      throw new IllegalActionError(`identity "${identityId}" was not offered`);
    }
    const f = flow!;
    set({ ...id, pending: identityId, error: undefined });
    return act(f, { method: 'POST', path: flowPath(f, '/identity'), body: { identityId } }, (error) =>
      set({ ...id, pending: undefined, error }),
    );
  };

  const cancel = () => {
    guard(!is('authenticated', 'destroyed'), 'cancel');
    return cancelFlow();
  };
  const cancelFlow = async () => {
    passwordCtrl?.abort();
    const f = flow;
    if (password.status === 'submitting') password = { status: 'idle' };
    if (!f) {
      if (!SIGNED_OUT.includes(state.kind)) set({ kind: 'idle', password });
      else if (state.kind === 'qr-loading') set({ kind: 'qr-ended', reason: 'cancelled', password });
      else setPassword(password);
      return;
    }
    finish(f, 'cancelled');
    await call({ method: 'DELETE', path: flowPath(f), token: f.token, signal: root.signal }).catch(() => {});
  };

  const destroy = () => {
    if (state.kind === 'destroyed') return;
    endFlow();
    passwordCtrl?.abort();
    root.abort();
    channel?.close();
    channel = undefined;
    set({ kind: 'destroyed' });
    events.events = {};
  };

  const guarded =
    <A extends unknown[]>(name: string, kinds: LoginStateKind[], fn: (...args: A) => Promise<void>) =>
    (...args: A) => {
      guard(kinds.includes(state.kind), name);
      return fn(...args);
    };

  return {
    get state() {
      return state;
    },
    get capabilities() {
      return capabilities;
    },
    get transport() {
      return transport;
    },
    on: (event, callback) => events.on(event, callback),
    loadCapabilities,
    startQr: guarded('startQr', [...SIGNED_OUT, 'flow-ended'], startQr),
    submitPassword: (input: PasswordInput) => {
      guard([...SIGNED_OUT, 'flow-ended'].includes(state.kind) && password.status !== 'submitting', 'submitPassword');
      return submitPassword(input);
    },
    chooseStepUp,
    sendSms,
    verifySms,
    chooseIdentity,
    cancel,
    destroy,
  };
}
