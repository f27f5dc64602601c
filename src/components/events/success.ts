import type { SessionToken } from '../../client/protocol.js';
import { EtaxEvent } from './etax-event.js';

type Detail = { via: 'qr' | 'password' | 'other-tab'; redirectUrl?: string; session?: SessionToken };

/**
 * The login completed. Cancelable: `preventDefault()` keeps the page where it
 * is; otherwise the element goes to `redirectUrl` when it is same-origin or
 * on the `allowed-redirects` list.
 */
export class EtaxLoginSuccessEvent extends EtaxEvent<Detail> {
  static override readonly eventName = 'etax-login-success';
  constructor(detail: Detail) {
    super(detail, true);
  }
}
