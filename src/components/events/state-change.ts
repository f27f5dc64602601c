import type { LoginState } from '../../client/state.js';

/** Every state change of the login, for hosts that render their own around it. Never holds a password or code. */
export class EtaxStateChangeEvent extends Event {
  static readonly eventName = 'etax-state-change';
  constructor(readonly detail: { state: LoginState; previous: LoginState }) {
    super('etax-state-change', { bubbles: true, composed: true });
  }
}
