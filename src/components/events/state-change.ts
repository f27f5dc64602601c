import type { LoginState } from '../../client/state.js';
import { EtaxEvent } from './etax-event.js';

/** Every state change of the login, for hosts that render their own around it. Never holds a password or code. */
export class EtaxStateChangeEvent extends EtaxEvent<{ state: LoginState; previous: LoginState }> {
  static override readonly eventName = 'etax-state-change';
}
