/**
 * The `etax-*` DOM events. Each is a class (`bubbles` and `composed`), typed in
 * `HTMLElementEventMap`, dispatched on the element the host placed. None ever
 * carries a password or an SMS code.
 */
import type { LoginError, LoginState } from '../../client/state.js';
import { EtaxCancelEvent } from './cancel.js';
import { EtaxErrorEvent } from './error.js';
import { EtaxIdentityRequiredEvent } from './identity-required.js';
import { EtaxQrExpiredEvent } from './qr-expired.js';
import { EtaxQrReadyEvent } from './qr-ready.js';
import { EtaxQrScannedEvent } from './qr-scanned.js';
import { EtaxSmsSentEvent } from './sms-sent.js';
import { EtaxStateChangeEvent } from './state-change.js';
import { EtaxStepUpRequiredEvent } from './step-up-required.js';
import { EtaxLoginSuccessEvent } from './success.js';
import type { EtaxMethodChosenEvent } from './method-chosen.js';

export { EtaxCancelEvent } from './cancel.js';
export { EtaxErrorEvent } from './error.js';
export { EtaxIdentityRequiredEvent } from './identity-required.js';
export { EtaxMethodChosenEvent } from './method-chosen.js';
export { EtaxQrExpiredEvent } from './qr-expired.js';
export { EtaxQrReadyEvent } from './qr-ready.js';
export { EtaxQrScannedEvent } from './qr-scanned.js';
export { EtaxSmsSentEvent } from './sms-sent.js';
export { EtaxStateChangeEvent } from './state-change.js';
export { EtaxStepUpRequiredEvent } from './step-up-required.js';
export { EtaxLoginSuccessEvent } from './success.js';

declare global {
  interface HTMLElementEventMap {
    'etax-qr-ready': EtaxQrReadyEvent;
    'etax-qr-scanned': EtaxQrScannedEvent;
    'etax-qr-expired': EtaxQrExpiredEvent;
    'etax-step-up-required': EtaxStepUpRequiredEvent;
    'etax-method-chosen': EtaxMethodChosenEvent;
    'etax-sms-sent': EtaxSmsSentEvent;
    'etax-identity-required': EtaxIdentityRequiredEvent;
    'etax-login-success': EtaxLoginSuccessEvent;
    'etax-error': EtaxErrorEvent;
    'etax-cancel': EtaxCancelEvent;
    'etax-state-change': EtaxStateChangeEvent;
  }
}

const errorOf = (s: LoginState): LoginError | undefined =>
  'error' in s ? s.error : 'password' in s && s.password.status === 'failed' ? s.password.error : undefined;

/** The cancel event of a flow that ended: `user` when the person cancelled here, else what ended it. */
const cancelOf = (state: { reason: string; by?: string }): EtaxCancelEvent =>
  new EtaxCancelEvent({
    reason:
      state.reason === 'cancelled'
        ? state.by === 'client'
          ? 'user'
          : 'cancelled'
        : (state.reason as 'denied' | 'expired'),
  });

/**
 * The events a state change means. `message` turns an error into the text
 * the person sees; `autoRefresh` tells whether an expired QR is being
 * replaced by itself. `etax-method-chosen` is dispatched where the person
 * chooses.
 */
export function eventsFor(
  state: LoginState,
  previous: LoginState,
  message: (error: LoginError) => string,
  autoRefresh = false,
): Event[] {
  const out: Event[] = [new EtaxStateChangeEvent({ state, previous })];
  const again = previous.kind === state.kind;
  const error = errorOf(state);
  if (error && error !== errorOf(previous)) {
    out.push(
      new EtaxErrorEvent({
        code: error.code,
        message: message(error),
        attemptsLeft: error.attemptsLeft,
        retryAfter:
          error.retryAt === undefined ? undefined : Math.max(0, Math.ceil((error.retryAt - performance.now()) / 1000)),
        field: error.field,
      }),
    );
  }
  switch (state.kind) {
    case 'qr-waiting':
      if (!('qr' in previous) || previous.qr.payload !== state.qr.payload) {
        out.push(
          new EtaxQrReadyEvent({ flowId: state.flowId, matchCode: state.qr.matchCode, expiresIn: state.qr.expiresIn }),
        );
      }
      break;
    case 'qr-scanned':
      if (!again) out.push(new EtaxQrScannedEvent({ app: state.app }));
      break;
    case 'qr-ended':
      out.push(state.reason === 'expired' ? new EtaxQrExpiredEvent({ autoRefresh }) : cancelOf(state));
      break;
    case 'step-up':
      // Not when coming back from a method (its states all carry the methods).
      if (!('methods' in previous))
        out.push(new EtaxStepUpRequiredEvent({ methods: state.methods, maskedPhone: state.maskedPhone }));
      break;
    case 'sms':
      if (state.phase === 'sent' && previous.kind === 'sms' && previous.phase === 'sending') {
        out.push(
          new EtaxSmsSentEvent({
            maskedPhone: state.maskedPhone,
            resendAfter: Math.round(((state.resendAt ?? 0) - performance.now()) / 1000),
          }),
        );
      }
      break;
    case 'identity':
      if (!again) out.push(new EtaxIdentityRequiredEvent({ reason: state.reason, identities: state.identities }));
      break;
    case 'authenticated':
      out.push(new EtaxLoginSuccessEvent({ via: state.via, redirectUrl: state.redirectUrl, session: state.session }));
      break;
    case 'flow-ended':
      if (state.reason !== 'locked' && state.reason !== 'error') out.push(cancelOf(state));
      break;
  }
  return out;
}
