import { EtaxEvent } from './etax-event.js';

/** The flow ended without login: closed by the person, declined or cancelled on the phone, or timed out. */
export class EtaxCancelEvent extends EtaxEvent<{ reason: 'user' | 'denied' | 'cancelled' | 'expired' }> {
  static override readonly eventName = 'etax-cancel';
}
