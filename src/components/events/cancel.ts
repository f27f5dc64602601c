/** The flow ended without login: closed by the person, declined or cancelled on the phone, or timed out. */
export class EtaxCancelEvent extends Event {
  static readonly eventName = 'etax-cancel';
  constructor(readonly detail: { reason: 'user' | 'denied' | 'cancelled' | 'expired' }) {
    super('etax-cancel', { bubbles: true, composed: true });
  }
}
