/**
 * Applying the server's flow states: each status of the protocol has one kind
 * of view state (the table below), and `apply` builds it from the status's
 * members and what the flow already knows.
 */
import { set, stageOf, unreachable, type Core, type Flow, type Mode } from './core.js';
import { asError } from './errors.js';
import { tellOtherTabs } from './cross-tab.js';
import { faceQrExpired, fail, finish, signIn, stepUpBase, watchQr } from './flow.js';
import { at, loginError, now } from './http.js';
import { parseFlowState, type FlowState, type FlowStatus, type QrCode } from './protocol.js';
import type { LoginStateKind, QrView } from './state.js';

/** The kind of view state each status of the protocol is shown as. */
export const KIND_OF = {
  qr_waiting: 'qr-waiting',
  qr_scanned: 'qr-scanned',
  step_up_required: 'step-up',
  face_waiting: 'face-waiting',
  face_scanned: 'face-scanned',
  face_verifying: 'face-verifying',
  face_failed: 'face-failed',
  identity_required: 'identity',
  authenticated: 'authenticated',
  // How a flow ended; a QR flow shows it in the QR panel (`qr-ended`, `qr-error`).
  denied: 'flow-ended',
  cancelled: 'flow-ended',
  expired: 'flow-ended',
  locked: 'flow-ended',
} as const satisfies { [S in FlowStatus]: LoginStateKind };

/** The one kind of flow a kind of state can come from: a QR login has no second factor, a password flow no login QR. */
const onlyIn = (kind: LoginStateKind): Mode | undefined =>
  stageOf(kind) === 'step-up' ? 'password' : stageOf(kind) === 'signed-out' ? 'qr' : undefined;

/** A state's own members, without `seq` and `status`. */
const membersOf = <S extends FlowState>({ seq: _seq, status: _status, ...members }: S) => members;

/**
 * Applies a raw state body from the stream; a body that fails its checks ends the flow as
 * `malformed_response`, a fault of the client while it applies one as `client_error`.
 */
export function deliver(core: Core, flow: Flow, raw: unknown): void {
  try {
    retrying(core, flow, 0); // any answer ends a wait the server asked for
    apply(core, flow, parseFlowState(raw));
  } catch (e) {
    fail(core, flow, asError(e));
  }
}

/** Shows the wait the server asked for before the stream asks again (none when `until` is past). */
export function retrying(core: Core, flow: Flow, until: number): void {
  const { state } = core;
  const retryAt = until > now() ? until : undefined;
  if (core.flow === flow && 'flowId' in state && state.retryAt !== retryAt) set(core, { ...state, retryAt });
}

/** Applies a validated server state to the view state; a stale one (by `seq`) is dropped. */
export function apply(core: Core, flow: Flow, s: FlowState): void {
  if (core.flow !== flow || s.seq <= flow.seq) return;
  flow.seq = s.seq;
  const only = onlyIn(KIND_OF[s.status]);
  if (only && only !== flow.mode)
    return fail(core, flow, loginError('malformed_response', `${s.status} in a ${flow.mode} flow`));
  const { state, password } = core;
  // What the flow keeps from a state: the methods on offer, the masked phone; a state without
  // a QR ends the watch of the one on screen.
  if ('methods' in s) flow.methods = s.methods;
  if ('maskedPhone' in s) flow.maskedPhone = s.maskedPhone ?? flow.maskedPhone;
  if (!('qr' in s)) clearTimeout(flow.qrTimer);
  const inFlow = { flowId: flow.id, expiresAt: flow.expiresAt };
  switch (s.status) {
    case 'authenticated':
      tellOtherTabs(core, s.redirectUrl);
      return signIn(core, flow.mode, membersOf(s));
    case 'locked': // by the account's lock, or by this flow's (too many wrong SMS codes)
      return finish(core, flow, {
        reason: 'locked',
        error: loginError(s.code ?? 'account_locked', s.status, { retryAt: at(s.retryAfter) }),
      });
    case 'denied': // with the app that denied, when the server says
      return finish(core, flow, { reason: 'denied', ...membersOf(s) });
    case 'cancelled':
      return finish(core, flow, { reason: 'cancelled', by: s.by });
    case 'expired':
      return finish(core, flow, { reason: 'expired' });
    case 'qr_waiting':
      return set(core, { kind: 'qr-waiting', ...inFlow, password, qr: qrView(core, flow, s.qr) });
    case 'qr_scanned':
      return set(core, { kind: 'qr-scanned', ...inFlow, password, ...membersOf(s), qr: qrView(core, flow, s.qr) });
    case 'step_up_required':
      // A server that does not rotate a face QR goes back to the choice of methods when it runs out.
      if (state.kind === 'face-waiting') return faceQrExpired(core, flow);
      // SMS is the client's own sub-flow: a status that only repeats "step-up" keeps it.
      return set(
        core,
        state.kind === 'sms' ? { ...state, ...stepUpBase(flow) } : { kind: 'step-up', ...stepUpBase(flow) },
      );
    case 'face_waiting':
      // The person chose SMS; a face QR the server still shows (or rotates) does not pull them back.
      if (state.kind === 'sms') return;
      return set(core, { kind: 'face-waiting', ...stepUpBase(flow), ...membersOf(s), qr: qrView(core, flow, s.qr) });
    case 'face_scanned':
      return set(core, { kind: 'face-scanned', ...stepUpBase(flow), ...membersOf(s), qr: qrView(core, flow, s.qr) });
    case 'face_verifying':
      return set(core, { kind: 'face-verifying', ...stepUpBase(flow), ...membersOf(s) });
    case 'face_failed':
      return set(core, { kind: 'face-failed', ...stepUpBase(flow), ...membersOf(s) });
    case 'identity_required':
      return set(core, { kind: 'identity', ...inFlow, ...membersOf(s) });
    default:
      return unreachable(s);
  }
}

/** The same payload keeps its view and its lifetime; a new one is watched from now. */
function qrView(core: Core, flow: Flow, qr: QrCode): QrView {
  const shown = 'qr' in core.state ? core.state.qr : undefined;
  if (shown?.payload === qr.payload) return shown;
  const view = { ...qr, expiresAt: at(qr.expiresIn) };
  watchQr(core, flow, view);
  return view;
}
