/**
 * What a person can do. Each action checks, synchronously, that the state
 * allows it (else it throws an `IllegalActionError`), shows at once that it is
 * under way, and returns a promise that settles once its answer is shown.
 */
import type { PasswordInput } from './api.js';
import { call, set, setPassword, stageOf, type Core, type Flow } from './core.js';
import { asError, FLOW_OVER, illegal } from './errors.js';
import { close, fail, finish, flowPath, outlasts, retire, stepUpBase } from './flow.js';
import { follow, loadCapabilities, settingsOf, startStream } from './follow.js';
import { at, now } from './http.js';
import { parseFlowCreated, parseFlowState, parseSmsSent, type FlowCreated, type StepUpMethod } from './protocol.js';
import { apply } from './server-states.js';
import type { LoginError, LoginStateOf } from './state.js';

/** A new login may start from a signed-out state or after a password flow ended. */
const canStart = (core: Core): boolean => {
  const stage = stageOf(core.state.kind);
  return stage === 'signed-out' || stage === 'ended';
};

const createFlow = async (
  core: Core,
  mode: 'qr' | 'password',
  body: object,
  signal: AbortSignal,
): Promise<FlowCreated> =>
  parseFlowCreated(await call(core, { method: 'POST', path: `/v1/flows/${mode}`, body, signal }));

/**
 * Posts an action of a flow and shows its answer; answers that come after the flow ended are
 * dropped. An error that ends the flow ends it (also a wait the server asks for that reaches
 * past its end); any other is shown in the step by `onError`.
 */
async function act(
  core: Core,
  flow: Flow,
  path: string,
  body: object,
  onError: (error: LoginError) => void,
  // A state that fails its checks throws here, and is told like a failed request (below).
  onOk: (answer: unknown) => void = (answer) => apply(core, flow, parseFlowState(answer)),
): Promise<void> {
  try {
    const answer = await call(core, {
      method: 'POST',
      path: flowPath(flow, path),
      body,
      token: flow.token,
      signal: flow.abort.signal,
    });
    if (core.flow === flow) onOk(answer);
  } catch (e) {
    // Also when the flow ended and aborted the request.
    if (core.flow !== flow) return;
    const error = asError(e);
    if (FLOW_OVER[error.code] || outlasts(flow, error)) fail(core, flow, error);
    else onError(error);
  }
}

/** Starts (or restarts) a QR login. */
export function startQr(core: Core): Promise<void> {
  if (!canStart(core)) throw illegal(core, 'startQr');
  close(core);
  set(core, { kind: 'qr-loading', password: core.password });
  return openQrFlow(core);
}

/**
 * The capabilities load beside the QR flow, whose answer says what the flow needs: the first QR
 * comes after one round trip. A page's encryption hook may need the capabilities' `encryption`,
 * so with a hook the flow waits for them; so does the stream of a flow whose answer does not say.
 */
async function openQrFlow(core: Core): Promise<void> {
  const caps = loadCapabilities(core);
  caps.catch(() => {}); // told below
  let flow: Flow | undefined;
  try {
    if (core.options.encrypt) await caps;
    const created = await createFlow(core, 'qr', {}, core.root.signal);
    // Another action (or destroy) that left qr-loading supersedes this one.
    if (core.state.kind !== 'qr-loading') return;
    const saysEnough = !!created.transports && created.pollInterval !== undefined;
    flow = follow(core, created, 'qr', saysEnough ? settingsOf(created, core.capabilities) : undefined);
    try {
      const loaded = await caps;
      if (!saysEnough && flow && core.flow === flow) startStream(core, flow, settingsOf(created, loaded));
    } catch (e) {
      // A server of another protocol version is refused, even when its QR came first.
      if (!saysEnough || asError(e).code === 'unsupported_protocol') throw e;
    }
  } catch (e) {
    const error = asError(e);
    if (core.state.kind === 'qr-loading') set(core, { kind: 'qr-error', error, password: core.password });
    else if (flow && core.flow === flow) {
      fail(core, flow, error);
      await retire(core, flow);
    }
  }
}

/** Sends the password form, once the capabilities are known; the QR flow goes on until the password is accepted. */
export function submitPassword(core: Core, { entry, fields, password: secret }: PasswordInput): Promise<void> {
  if (!canStart(core) || core.password.status === 'submitting') throw illegal(core, 'submitPassword');
  const ctrl = (core.passwordCtrl = new AbortController());
  if (stageOf(core.state.kind) !== 'signed-out') set(core, { kind: 'idle', password: core.password });
  setPassword(core, { status: 'submitting', entry });
  return loadCapabilities(core)
    .then(() => createFlow(core, 'password', { entry, fields, password: secret }, ctrl.signal))
    .then(
      (created) => {
        if (ctrl.signal.aborted || stageOf(core.state.kind) !== 'signed-out') return;
        // The QR flow is no longer needed: tell the server so the phone cannot use it.
        if (core.flow) void retire(core, core.flow);
        core.password = { status: 'idle' };
        follow(core, created, 'password', settingsOf(created, core.capabilities));
      },
      (e: unknown) => {
        if (!ctrl.signal.aborted) setPassword(core, { status: 'failed', entry, error: asError(e) });
      },
    );
}

/** Picks or switches the second factor. */
export function chooseStepUp(core: Core, method: StepUpMethod): Promise<void> {
  const { state, flow } = core;
  if (stageOf(state.kind) !== 'step-up' || !flow || state.kind === 'face-verifying')
    throw illegal(core, 'chooseStepUp');
  if (!flow.methods.includes(method)) throw illegal(core, 'chooseStepUp', `for "${method}", which is not offered`);
  if (method === 'sms') {
    set(core, {
      kind: 'sms',
      ...stepUpBase(flow),
      phase: 'idle',
      codeLength: core.capabilities?.sms.codeLength ?? 6,
      // Back to the SMS view from a face QR: the code sent before is still good.
      ...(state.kind === 'sms' && state),
      error: undefined,
    });
    return Promise.resolve();
  }
  set(core, { kind: 'step-up', ...stepUpBase(flow), pending: method });
  return act(core, flow, '/step-up', { method }, (error) => set(core, { kind: 'step-up', ...stepUpBase(flow), error }));
}

/** Updates the SMS view, unless the person has left it meanwhile; a new step clears the last error. */
const setSms = (core: Core, patch: Partial<LoginStateOf<'sms'>>) => {
  if (core.state.kind === 'sms') set(core, { ...core.state, error: undefined, ...patch });
};

/** Asks for an SMS code (获取验证码). */
export function sendSms(core: Core): Promise<void> {
  const { state, flow } = core;
  if (state.kind !== 'sms' || !flow || (state.phase !== 'idle' && state.phase !== 'sent'))
    throw illegal(core, 'sendSms');
  const { phase, resendAt } = state;
  if ((resendAt ?? 0) > now()) throw illegal(core, 'sendSms', 'before resendAt');
  setSms(core, { phase: 'sending' });
  return act(
    core,
    flow,
    '/sms',
    {},
    (error) => setSms(core, { phase, error, resendAt: error.retryAt ?? resendAt }),
    (answer) => {
      const sent = parseSmsSent(answer);
      flow.maskedPhone = sent.maskedPhone;
      setSms(core, {
        maskedPhone: sent.maskedPhone,
        phase: 'sent',
        codeLength: sent.codeLength,
        resendAt: at(sent.resendAfter),
        codeExpiresAt: at(sent.expiresIn),
      });
    },
  );
}

export function verifySms(core: Core, code: string): Promise<void> {
  const { state, flow } = core;
  if (state.kind !== 'sms' || !flow || state.phase !== 'sent') throw illegal(core, 'verifySms');
  setSms(core, { phase: 'verifying' });
  return act(core, flow, '/sms/verify', { code: code.replace(/\s+/g, '') }, (error) => {
    const noCode = error.code === 'sms_not_sent';
    setSms(core, {
      phase: noCode ? 'idle' : 'sent',
      // A code that is gone is no longer counted down.
      ...((noCode || error.code === 'sms_code_expired') && { codeExpiresAt: undefined }),
      error,
    });
  });
}

export function chooseIdentity(core: Core, identityId: string): Promise<void> {
  const { state, flow } = core;
  if (state.kind !== 'identity' || state.pending || !flow) throw illegal(core, 'chooseIdentity');
  if (!state.identities.some((i) => i.id === identityId))
    throw illegal(core, 'chooseIdentity', `for "${identityId}", which is not offered`);
  set(core, { ...state, pending: identityId, error: undefined });
  return act(core, flow, '/identity', { identityId }, (error) => set(core, { ...state, pending: undefined, error }));
}

/** Ends the current flow (and tells the server), or the password on its way. */
export function cancel(core: Core): Promise<void> {
  const { state, flow } = core;
  if (stageOf(state.kind) === 'over') throw illegal(core, 'cancel');
  core.passwordCtrl?.abort();
  if (core.password.status === 'submitting') core.password = { status: 'idle' };
  if (flow) {
    finish(core, flow, { reason: 'cancelled', by: 'client' });
    return retire(core, flow);
  }
  if (stageOf(state.kind) !== 'signed-out') set(core, { kind: 'idle', password: core.password });
  else if (state.kind === 'qr-loading')
    set(core, { kind: 'qr-ended', reason: 'cancelled', by: 'client', password: core.password });
  else setPassword(core, core.password);
  return Promise.resolve();
}

/** Ends everything: no request, timer or connection is left. */
export function destroy(core: Core): void {
  if (core.state.kind === 'destroyed') return;
  close(core);
  core.passwordCtrl?.abort();
  core.root.abort();
  core.channel?.close();
  set(core, { kind: 'destroyed' });
  core.events.events = {};
}
