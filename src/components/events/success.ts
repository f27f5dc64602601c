import type { SessionToken } from '../../client/protocol.js';

/**
 * The login completed. Cancelable: `preventDefault()` keeps the page where it
 * is; otherwise the element goes to `redirectUrl` when it is same-origin or
 * on the `allowed-redirects` list.
 */
export class EtaxLoginSuccessEvent extends Event {
  static readonly eventName = 'etax-login-success';
  constructor(readonly detail: { via: 'qr' | 'password' | 'other-tab'; redirectUrl?: string; session?: SessionToken }) {
    super('etax-login-success', { bubbles: true, composed: true, cancelable: true });
  }
}
