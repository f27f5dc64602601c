/**
 * A flow's lifetime: how it begins, how each of its ends is shown, and the
 * timers that watch it and the QR on screen.
 */
import { call, set, type Core, type Flow, type Mode } from './core.js';
import { busy, FLOW_OVER } from './errors.js';
import { at, loginError, now } from './http.js';
import type { FlowCreated, QrApp } from './protocol.js';
import type { CancelledBy, LoginError, QrView } from './state.js';

/** How a flow ended without login. */
export type Ending =
  | { reason: 'expired'; error?: LoginError }
  | { reason: 'denied'; app?: QrApp }
  | { reason: 'cancelled'; by: CancelledBy }
  | { reason: 'locked' | 'error'; error: LoginError };

/** Makes a new flow the current one; it ends by itself at its lifetime. */
export function open(core: Core, created: FlowCreated, mode: Mode): Flow {
  close(core);
  const flow: Flow = {
    id: created.flowId,
    token: created.flowToken,
    mode,
    seq: -1,
    expiresAt: at(created.expiresIn),
    methods: core.capabilities?.stepUp.methods ?? [],
    abort: new AbortController(),
  };
  flow.lifetime = setTimeout(() => finish(core, flow, { reason: 'expired' }), created.expiresIn * 1000);
  return (core.flow = flow);
}

/** Stops the current flow's stream, requests and timers. */
export function close(core: Core): void {
  const { flow } = core;
  if (!flow) return;
  core.flow = undefined;
  flow.stream?.stop();
  flow.abort.abort();
  clearTimeout(flow.lifetime);
  clearTimeout(flow.qrTimer);
}

/** Ends the flow and shows how it ended: in the QR panel for a QR flow, else as `flow-ended`. */
export function finish(core: Core, flow: Flow, ending: Ending): void {
  close(core);
  const { password } = core;
  if (flow.mode === 'password') return set(core, { kind: 'flow-ended', ...ending });
  switch (ending.reason) {
    case 'locked':
    case 'error':
      return set(core, { kind: 'qr-error', error: ending.error, password });
    case 'expired':
      return set(core, { kind: 'qr-ended', reason: 'expired', password });
    default:
      return set(core, { kind: 'qr-ended', ...ending, password });
  }
}

/** Ends the flow, if it is still the current one, with an error (`expired` or `locked` for some codes). */
export function fail(core: Core, flow: Flow, error: LoginError): void {
  if (core.flow !== flow) return;
  const over = FLOW_OVER[error.code];
  // A lock's `retryAfter` says when it lifts; any other wait past the flow's end means the service is busy.
  finish(
    core,
    flow,
    over ? { reason: over, error } : { reason: 'error', error: outlasts(flow, error) ? busy(error) : error },
  );
}

/** Whether the server asks for a wait (`Retry-After`) that reaches past the end of the flow. */
export const outlasts = (flow: Flow, error: LoginError): boolean => (error.retryAt ?? 0) > flow.expiresAt;

/** The person is logged in: nothing of the flow or the password form goes on. */
export function signIn(core: Core, via: 'qr' | 'password' | 'other-tab', result: object): void {
  close(core);
  core.passwordCtrl?.abort();
  set(core, { kind: 'authenticated', via, ...result });
}

/** What every state of the second factor shows. */
export const stepUpBase = (flow: Flow) => ({
  flowId: flow.id,
  expiresAt: flow.expiresAt,
  methods: flow.methods,
  maskedPhone: flow.maskedPhone,
});

/** Back to the choice of methods, saying why: the face QR ran out. */
export const faceQrExpired = (core: Core, flow: Flow): void =>
  set(core, { kind: 'step-up', ...stepUpBase(flow), error: loginError('qr_expired') });

/**
 * Watches the lifetime of the QR payload on screen: when it runs out, ask the server for a
 * rotated one; if none came within the grace, the QR is expired. A new payload, a state
 * without a QR and the end of the flow clear the timer, so it only ever concerns the payload
 * on screen.
 */
export function watchQr(core: Core, flow: Flow, qr: QrView): void {
  const grace = core.options.qrGrace ?? 3000;
  const check = () => {
    const { kind } = core.state;
    // Once scanned, the payload has done its work (the phone is confirming); or the person chose SMS.
    if (kind !== 'qr-waiting' && kind !== 'face-waiting') return;
    // A hidden page does not poll, so it cannot have heard of a new QR yet: look again once it is seen.
    if (globalThis.document?.hidden) flow.qrTimer = setTimeout(check, grace);
    else if (flow.mode === 'qr') finish(core, flow, { reason: 'expired' });
    else faceQrExpired(core, flow);
  };
  clearTimeout(flow.qrTimer);
  flow.qrTimer = setTimeout(() => {
    flow.stream?.kick();
    flow.qrTimer = setTimeout(check, grace);
  }, qr.expiresAt - now());
}

export const flowPath = (flow: Flow, rest = ''): string => `/v1/flows/${encodeURIComponent(flow.id)}${rest}`;

/** Tells the server a flow is over, so its QR or token cannot be used any more. */
export const retire = async (core: Core, flow: Flow): Promise<void> => {
  await call(core, { method: 'DELETE', path: flowPath(flow), token: flow.token, signal: core.root.signal }).catch(
    () => {},
  );
};
