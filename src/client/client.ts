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
import { at, loginError, now, request, urlOf, type HttpOptions, type RequestSpec } from './http.js';
import {
  parseCapabilities,
  parseFlowCreated,
  parseFlowState,
  parseSmsSent,
  type Capabilities,
  type EntryId,
  type FlowCreated,
  type FlowState,
  type QrApp,
  type StepUpMethod,
  type TransportName,
} from './protocol.js';
import type { CancelledBy, LoginError, LoginState, LoginStateOf, PasswordAttempt, QrView } from './state.js';
import { longPoll, poll, type Stream, type StreamFactory } from './transports.js';

export interface LoginClientOptions extends HttpOptions {
  /** Preferred transport; `auto` (default) picks the best the server offers. */
  transport?: 'auto' | TransportName;
  /** The WebSocket transport, from `etax-login/client/websocket`, to allow `websocket`. */
  webSocket?: StreamFactory;
  /** The Server-Sent Events transport, from `etax-login/client/sse`, to allow `sse`. */
  sse?: StreamFactory;
  /** EventSource constructor for `sse` (defaults to the browser's). */
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
  declare name: 'IllegalActionError';
}
// On the prototype, not a field: the same `name` for less code.
IllegalActionError.prototype.name = 'IllegalActionError';

type Reason = LoginStateOf<'flow-ended'>['reason'];

/**
 * How a flow ends after an action's answer with this code; the others leave the flow going, the
 * error shown in its step (a malformed answer too: the person tries the step again). A stream
 * that fails ends the flow whatever the code (`error` when not listed).
 */
const FLOW_OVER: Record<string, Reason> = {
  flow_expired: 'expired',
  flow_not_found: 'expired',
  unauthorized: 'error',
  account_locked: 'locked',
  sms_locked: 'locked',
};

/**
 * A `LoginError` as it is; anything else is a body that failed its checks
 * (a `ProtocolError`): `malformed_response`, or `unsupported_protocol` when
 * what failed is the capabilities' `version`.
 */
const asError = (e: unknown): LoginError =>
  (e as LoginError).code
    ? (e as LoginError)
    : loginError(/version/.test(String(e)) ? 'unsupported_protocol' : 'malformed_response', String(e));

/** Tells this document's messages to other tabs from theirs. */
let documentId: number | undefined;

export function createLoginClient(options: LoginClientOptions): LoginClient {
  const events = createNanoEvents<LoginClientEvents>();
  const root = new AbortController();
  let password: PasswordAttempt = { status: 'idle' };
  let state: LoginState = { kind: 'idle', password };
  /** Aborted by cancel(), destroy() or a login completed while the password is on its way. */
  let passwordCtrl: AbortController | undefined;
  let capabilities: Capabilities | undefined;
  let capabilitiesLoad: Promise<Capabilities> | undefined;
  let transport: TransportName | undefined;
  let channel: BroadcastChannel | undefined;

  /*
   * The current flow; there is one at a time. `flow` is its controller: it is
   * aborted when the flow ends, every request of the flow uses its signal, and
   * whatever a flow left running (a timer, an answer) checks `flow === f`
   * before it touches the fields below, which belong to the current flow.
   */
  let flow: AbortController | undefined;
  let flowId: string;
  /** The flow's secret for its requests (not the QR payload). */
  let token: string;
  let mode: 'qr' | 'password';
  /** Sequence number of the last applied state. */
  let seq: number;
  let expiresAt: number;
  let methods: StepUpMethod[];
  let maskedPhone: string | undefined;
  let stream: Stream | undefined;
  /** Ends the flow at its lifetime. */
  let timer: ReturnType<typeof setTimeout> | undefined;
  /** Watches the lifetime of the QR on screen. */
  let qrTimer: ReturnType<typeof setTimeout> | undefined;

  /** Signed-out states carry the password form's status (and step-up states the methods). */
  const signedOut = () => 'password' in state;
  /** Logged in or destroyed: nothing more to do. */
  const over = () => /authenticated|destroyed/.test(state.kind);
  /** A new login may start from a signed-out state or after a password flow ended. */
  const canStart = () => signedOut() || state.kind === 'flow-ended';
  const guard = (ok: unknown, action: string, why = `in state "${state.kind}"`) => {
    if (!ok) throw new IllegalActionError(`${action}() is not allowed ${why}`);
  };
  /** Throws unless the state is a step-up one of a live flow in which `action` is legal. */
  const inStepUp = (action: string, ok: unknown = 1) => guard('methods' in state && flow && ok, action);

  const set = (next: LoginState) => {
    const previous = state;
    state = next;
    events.emit('state', next, previous);
    const error = (next as { error?: LoginError }).error;
    if (error && error !== (previous as { error?: LoginError }).error) events.emit('error', error);
  };

  /** Re-renders a signed-out state with the password form's new status. */
  const setPassword = (next: PasswordAttempt) => {
    password = next;
    if (signedOut()) set({ ...(state as LoginStateOf<'idle'>), password });
    if (next.status === 'failed') events.emit('error', next.error);
  };

  /** Updates the SMS view, unless the person has left it meanwhile; a new step clears the last error. */
  const setSms = (patch: Partial<LoginStateOf<'sms'>>) => {
    if (state.kind === 'sms') set({ ...state, error: undefined, ...patch });
  };

  const call = (spec: RequestSpec) => request(options, { encryption: capabilities?.encryption, ...spec });

  const loadCapabilities = (): Promise<Capabilities> =>
    (capabilitiesLoad ??= call({ method: 'GET', path: '/v1/capabilities', signal: root.signal }).then((body) => {
      events.emit('capabilities', (capabilities = parseCapabilities(body)));
      return capabilities;
    })).catch((e: unknown) => {
      capabilitiesLoad = undefined;
      throw asError(e);
    });

  /* ---------------------------------------------------------------- flows */

  const endFlow = () => {
    stream?.stop();
    flow?.abort();
    clearTimeout(timer);
    clearTimeout(qrTimer);
    flow = stream = undefined;
  };

  /** The person is logged in: nothing of the flow or the password form goes on. */
  const signIn = (via: 'qr' | 'password' | 'other-tab', result: object) => {
    endFlow();
    passwordCtrl?.abort();
    set({ kind: 'authenticated', via, ...result });
  };

  /** Ends the current flow and shows how it ended. */
  /** `who`: the app that denied, or who cancelled (the person here, the phone or the server). */
  const finish = (reason: Reason, error?: LoginError, who?: { app?: QrApp; by?: CancelledBy }) => {
    endFlow();
    set(
      mode === 'password'
        ? { kind: 'flow-ended', reason, error, ...who }
        : reason === 'locked' || reason === 'error'
          ? { kind: 'qr-error', error: error!, password }
          : { kind: 'qr-ended', reason, ...who, password },
    );
  };

  const fail = (f: AbortController, error: LoginError) => flow === f && finish(FLOW_OVER[error.code] ?? 'error', error);

  const stepUpBase = () => ({ flowId, expiresAt, methods, maskedPhone });
  /** Back to the choice of methods, saying why: the face QR ran out. */
  const faceQrExpired = () => set({ kind: 'step-up', ...stepUpBase(), error: loginError('qr_expired') });

  /**
   * Watches the lifetime of the QR payload on screen: when it runs out, ask the
   * server for a rotated one; if none came within the grace, the QR is expired.
   * A new payload, a state without a QR and the end of the flow clear `qrTimer`,
   * so the timer only ever concerns the payload on screen.
   */
  const watchQr = (qr: QrView) => {
    const grace = options.qrGrace ?? 3000;
    const check = () => {
      // Once scanned, the payload has done its work (the phone is confirming); or the person chose SMS.
      if (!/waiting/.test(state.kind)) return;
      // A hidden page does not poll, so it cannot have heard of a new QR yet: look again once it is seen.
      if (globalThis.document?.hidden) qrTimer = setTimeout(check, grace);
      else if (mode === 'qr') finish('expired');
      else faceQrExpired();
    };
    qrTimer = setTimeout(() => {
      stream?.kick();
      qrTimer = setTimeout(check, grace);
    }, qr.expiresAt - now());
  };

  /** Applies a validated server state to the view state. */
  const apply = (f: AbortController, s: FlowState) => {
    const { seq: next, status, ...fields } = s;
    if (flow !== f || next <= seq) return;
    seq = next;
    // A QR login needs no second factor, and a password flow shows no login QR.
    if (mode === 'qr' ? /^(step|face)/.test(status) : /^qr/.test(status)) {
      return fail(f, loginError('malformed_response', `${status} in a ${mode} flow`));
    }
    switch (s.status) {
      case 'authenticated':
        channel?.postMessage({ type: status, from: documentId, redirectUrl: s.redirectUrl });
        return signIn(mode, fields);
      case 'locked': // by the account's lock, or by this flow's (too many wrong SMS codes)
        return finish(s.status, loginError(s.code ?? 'account_locked', status, { retryAt: at(s.retryAfter) }));
      case 'denied': // with the app that denied
      case 'cancelled': // with who cancelled
      case 'expired':
        return finish(s.status, undefined, fields as { app?: QrApp; by?: CancelledBy });
      case 'face_waiting':
        // The person chose SMS; a face QR the server still shows (or rotates) does not pull them back.
        if (state.kind === 'sms') return;
    }
    // `step_up_required` and `face_failed` bring the methods on offer, and the first may bring the
    // masked phone; every other state keeps both as they were.
    ({ methods = methods, maskedPhone = maskedPhone } = fields as { methods?: StepUpMethod[]; maskedPhone?: string });
    let qr = (state as { qr?: QrView }).qr;
    if ('qr' in s) {
      // The same payload keeps its view and its lifetime; a new one is watched from now.
      if (qr?.payload !== s.qr.payload) {
        clearTimeout(qrTimer);
        watchQr((qr = { ...s.qr, expiresAt: at(s.qr.expiresIn) }));
      }
      (fields as { qr: QrView }).qr = qr!;
    } else clearTimeout(qrTimer);
    // A server that does not rotate a face QR goes back to the choice of methods when it runs out.
    if (status === 'step_up_required' && state.kind === 'face-waiting') return faceQrExpired();
    // Each status names its view: qr_waiting → qr-waiting, step_up_required → step-up, identity_required → identity.
    const kind = status.replace(/_required$/, '').replace('_', '-');
    set(
      // SMS is the client's own sub-flow: a status that only repeats "step-up" keeps it.
      kind === 'step-up' && state.kind === 'sms'
        ? { ...state, ...stepUpBase() }
        : ({
            kind,
            ...(kind === 'identity'
              ? { flowId, expiresAt }
              : mode === 'qr'
                ? { flowId, expiresAt, password }
                : stepUpBase()),
            ...fields,
          } as LoginState),
    );
  };

  /** Applies a raw state body from the stream, or ends the flow as malformed when it fails its checks. */
  const deliver = (f: AbortController, raw: unknown) => {
    try {
      apply(f, parseFlowState(raw));
    } catch (e) {
      fail(f, asError(e));
    }
  };

  const using = (name: TransportName) => events.emit('transport', (transport = name));

  /** Starts following a flow the server created. */
  const begin = (created: FlowCreated, flowMode: typeof mode) => {
    const caps = capabilities!;
    endFlow();
    if (!channel && options.crossTab !== false && globalThis.BroadcastChannel) {
      // Listens for a login completed in another tab of the site.
      documentId ??= Math.random();
      channel = new BroadcastChannel(`etax-login:${urlOf(options, '')}`);
      channel.onmessage = ({ data: m }: MessageEvent<{ type?: string; from?: unknown; redirectUrl?: unknown }>) => {
        if (m?.type !== 'authenticated' || m.from === documentId || over()) return;
        signIn('other-tab', { redirectUrl: typeof m.redirectUrl === 'string' ? m.redirectUrl : undefined });
      };
    }
    const f = (flow = new AbortController());
    ({ flowId, flowToken: token } = created);
    mode = flowMode;
    seq = -1;
    expiresAt = at(created.expiresIn);
    methods = caps.stepUp.methods;
    maskedPhone = undefined;
    timer = setTimeout(() => finish('expired'), created.expiresIn * 1000);
    apply(f, created.state);
    if (flow !== f) return; // already over (e.g. authenticated at once)
    // The transport asked for when the server offers it and the page allows it, else the best that
    // are (`poll` always is).
    const offered = (
      Object.entries({
        websocket: options.webSocket,
        sse: (options.EventSource ?? globalThis.EventSource) && options.sse,
        'long-poll': longPoll(caps.longPollWait ?? 25),
        poll,
      }) as [TransportName, StreamFactory | undefined][]
    ).filter(([t, factory]) => factory && caps.transports.includes(t));
    const [name, factory] = offered.find(([t]) => t === options.transport) ?? offered[0]!;
    using(name);
    stream = factory!({
      options,
      path: flowPath(),
      token,
      signal: f.signal,
      seq: () => seq,
      deliver: (raw) => deliver(f, raw),
      fail: (error) => fail(f, error),
      using,
      pollInterval: (created.pollInterval ?? caps.pollInterval) * 1000,
      heartbeat: (caps.heartbeat ?? 15) * 1000,
      maxFailures: options.maxFailures ?? 6,
    });
  };

  const flowPath = (rest = '') => `/v1/flows/${encodeURIComponent(flowId)}${rest}`;
  /** Tells the server the current flow is over, so its QR or token cannot be used any more. */
  const retire = async () => {
    await call({ method: 'DELETE', path: flowPath(), token, signal: root.signal }).catch(() => {});
  };

  /** Posts an action of the current flow; answers that come after the flow ended are dropped. */
  const act = async (
    path: string,
    body: object,
    onError: (error: LoginError) => void,
    // A state that fails its checks throws here, and is told like a failed request (below).
    onOk: (body: unknown) => void = (body) => apply(flow!, parseFlowState(body)),
  ) => {
    const f = flow!;
    try {
      const answer = await call({ method: 'POST', path: flowPath(path), body, token, signal: f.signal });
      if (flow === f) onOk(answer);
    } catch (e) {
      // Also when the flow ended and aborted the request.
      if (flow !== f) return;
      const error = asError(e);
      if (FLOW_OVER[error.code]) fail(f, error);
      else onError(error);
    }
  };

  /** Creates a flow once the capabilities are known. */
  const create = async (kind: 'qr' | 'password', body: object, signal: AbortSignal) => {
    await loadCapabilities();
    return parseFlowCreated(await call({ method: 'POST', path: `/v1/flows/${kind}`, body, signal }));
  };

  /* -------------------------------------------------------------- actions */

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

    startQr() {
      guard(canStart(), 'startQr');
      endFlow();
      set({ kind: 'qr-loading', password });
      // Another action (or destroy) that left qr-loading supersedes this one.
      return create('qr', {}, root.signal).then(
        (created) => {
          if (state.kind === 'qr-loading') begin(created, 'qr');
        },
        (e) => {
          if (state.kind === 'qr-loading') set({ kind: 'qr-error', error: asError(e), password });
        },
      );
    },

    submitPassword({ entry, fields, password: secret }) {
      guard(canStart() && password.status !== 'submitting', 'submitPassword');
      const ctrl = (passwordCtrl = new AbortController());
      if (!signedOut()) set({ kind: 'idle', password });
      setPassword({ status: 'submitting', entry });
      return create('password', { entry, fields, password: secret }, ctrl.signal).then(
        (created) => {
          if (ctrl.signal.aborted || !signedOut()) return;
          // The QR flow is no longer needed: tell the server so the phone cannot use it.
          if (flow) void retire();
          password = { status: 'idle' };
          begin(created, 'password');
        },
        (e) => {
          if (!ctrl.signal.aborted) setPassword({ status: 'failed', entry, error: asError(e) });
        },
      );
    },

    chooseStepUp(method) {
      inStepUp('chooseStepUp', state.kind !== 'face-verifying');
      guard(methods.includes(method), 'chooseStepUp', `for "${method}", which is not offered`);
      if (method === 'sms') {
        set({
          kind: 'sms',
          ...stepUpBase(),
          phase: 'idle',
          codeLength: capabilities!.sms.codeLength,
          // Back to the SMS view from a face QR: the code sent before is still good.
          ...(state.kind === 'sms' && state),
          error: undefined,
        });
        return Promise.resolve();
      }
      set({ kind: 'step-up', ...stepUpBase(), pending: method });
      return act('/step-up', { method }, (error) => set({ kind: 'step-up', ...stepUpBase(), error }));
    },

    sendSms() {
      const { phase, resendAt } = state as LoginStateOf<'sms'>;
      inStepUp('sendSms', phase === 'idle' || phase === 'sent');
      guard(!(resendAt! > now()), 'sendSms', 'before resendAt');
      setSms({ phase: 'sending' });
      return act(
        '/sms',
        {},
        (error) => setSms({ phase, error, resendAt: error.retryAt ?? resendAt }),
        (body) => {
          const sent = parseSmsSent(body);
          maskedPhone = sent.maskedPhone;
          setSms({
            maskedPhone,
            phase: 'sent',
            codeLength: sent.codeLength,
            resendAt: at(sent.resendAfter),
            codeExpiresAt: at(sent.expiresIn),
          });
        },
      );
    },

    verifySms(code) {
      inStepUp('verifySms', (state as LoginStateOf<'sms'>).phase === 'sent');
      setSms({ phase: 'verifying' });
      return act('/sms/verify', { code: code.replace(/\s+/g, '') }, (error) => {
        const noCode = error.code === 'sms_not_sent';
        setSms({
          phase: noCode ? 'idle' : 'sent',
          // A code that is gone is no longer counted down.
          ...((noCode || error.code === 'sms_code_expired') && { codeExpiresAt: undefined }),
          error,
        });
      });
    },

    chooseIdentity(identityId) {
      const id = state as LoginStateOf<'identity'>;
      guard(id.kind === 'identity' && !id.pending && flow, 'chooseIdentity');
      guard(
        id.identities.some((i) => i.id === identityId),
        'chooseIdentity',
        `for "${identityId}", which is not offered`,
      );
      set({ ...id, pending: identityId, error: undefined });
      return act('/identity', { identityId }, (error) => set({ ...id, pending: undefined, error }));
    },

    cancel() {
      guard(!over(), 'cancel');
      passwordCtrl?.abort();
      if (password.status === 'submitting') password = { status: 'idle' };
      if (flow) {
        finish('cancelled', undefined, { by: 'client' });
        return retire();
      }
      if (!signedOut()) set({ kind: 'idle', password });
      else if (state.kind === 'qr-loading') set({ kind: 'qr-ended', reason: 'cancelled', by: 'client', password });
      else setPassword(password);
      return Promise.resolve();
    },

    destroy() {
      if (state.kind === 'destroyed') return;
      endFlow();
      passwordCtrl?.abort();
      root.abort();
      channel?.close();
      set({ kind: 'destroyed' });
      events.events = {};
    },
  };
}
