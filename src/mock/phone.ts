/**
 * What the person does on the phone (电子税务局APP / 个人所得税APP): scan the
 * login QR and confirm or refuse, or scan a face-recognition QR and pass or
 * fail the liveness check. Each action is one or more state changes of a flow.
 */
import type { FlowState, QrApp } from '../client/protocol.js';
import type { Backend } from './backend.js';
import type { FlowRecord, Status } from './flow.js';

/** A control used where it has no meaning: a mistake in the test or the simulator. */
export class MockControlError extends Error {
  override name = 'MockControlError';
}

const need = (flow: FlowRecord, action: string, statuses: Status[]): void => {
  if (!statuses.includes(flow.phase.status)) {
    throw new MockControlError(
      `${action}() needs a flow in ${statuses.join(' or ')}; flow ${flow.id} is ${flow.phase.status}`,
    );
  }
};

export function scan(b: Backend, flow: FlowRecord, app: QrApp, accountId?: string): FlowState {
  need(flow, 'scan', ['qr_waiting', 'face_waiting']);
  if (!flow.qr!.apps.includes(app)) {
    throw new MockControlError(`the ${app} app cannot scan this QR (it is for ${flow.qr!.apps.join(', ')})`);
  }
  const p = flow.phase;
  if (p.status === 'face_waiting') {
    if (accountId) throw new MockControlError('the face QR is scanned by the person who logged in');
    return b.move(flow, { status: 'face_scanned', method: p.method, app });
  }
  flow.account = b.account(accountId ?? b.settings.qrAccount);
  return b.move(flow, { status: 'qr_scanned', app });
}

/** The phone went back without answering: the page shows the QR again. */
export function unscan(b: Backend, flow: FlowRecord): FlowState {
  need(flow, 'unscan', ['qr_scanned', 'face_scanned']);
  const p = flow.phase;
  if (p.status === 'face_scanned') return b.move(flow, { status: 'face_waiting', method: p.method });
  flow.account = undefined;
  return b.move(flow, { status: 'qr_waiting' });
}

/**
 * 登录 on the phone's confirmation screen. A `matchCode` that differs from the
 * page's is refused, as the apps refuse it.
 */
export function confirm(b: Backend, flow: FlowRecord, matchCode?: string): FlowState {
  need(flow, 'confirm', ['qr_scanned']);
  const app = (flow.phase as { app: QrApp }).app;
  if (matchCode !== undefined && flow.qr?.matchCode && matchCode !== flow.qr.matchCode) {
    return b.move(flow, { status: 'denied', app });
  }
  const account = flow.account!;
  const locked = b.lockedFor(account.id);
  if (locked) return b.move(flow, { status: 'locked', until: b.now() + locked * 1000, code: 'account_locked' });
  b.offerIdentities(flow, b.capacities(account), 'capacity');
  return b.complete(flow);
}

/** 取消登录 on the confirmation screen, or refusing a face check. */
export function deny(b: Backend, flow: FlowRecord): FlowState {
  need(flow, 'deny', ['qr_scanned', 'face_scanned']);
  return b.move(flow, { status: 'denied', app: (flow.phase as { app: QrApp }).app });
}

/** The phone (after a scan) or the server ends the flow. */
export function cancel(b: Backend, flow: FlowRecord, by: 'phone' | 'server'): FlowState {
  if (by === 'phone') need(flow, 'cancel', ['qr_scanned', 'face_scanned', 'face_verifying']);
  else
    need(flow, 'cancel', [
      'qr_waiting',
      'qr_scanned',
      'step_up_required',
      'face_waiting',
      'face_scanned',
      'face_verifying',
      'face_failed',
      'identity_required',
    ]);
  return b.move(flow, { status: 'cancelled', by });
}

/** The person did the liveness actions; the result is being checked. */
export function faceVerify(b: Backend, flow: FlowRecord): FlowState {
  need(flow, 'faceVerify', ['face_scanned']);
  const method = (flow.phase as { method: 'face_iit' | 'face_etax' }).method;
  flow.qr = undefined;
  return b.move(flow, { status: 'face_verifying', method });
}

/** Face recognition passed (through face_verifying when not there yet). */
export function facePass(b: Backend, flow: FlowRecord): FlowState {
  need(flow, 'facePass', ['face_scanned', 'face_verifying']);
  if (flow.phase.status === 'face_scanned') faceVerify(b, flow);
  return b.complete(flow);
}

/** Face recognition failed (through face_verifying when not there yet). */
export function faceFail(b: Backend, flow: FlowRecord): FlowState {
  need(flow, 'faceFail', ['face_scanned', 'face_verifying']);
  if (flow.phase.status === 'face_scanned') faceVerify(b, flow);
  return b.faceFailed(flow, (flow.phase as { method: 'face_iit' | 'face_etax' }).method);
}
