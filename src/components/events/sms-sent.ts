import { EtaxEvent } from './etax-event.js';

/** An SMS code was sent. The code itself is never in an event. */
export class EtaxSmsSentEvent extends EtaxEvent<{ maskedPhone?: string; resendAfter: number }> {
  static override readonly eventName = 'etax-sms-sent';
}
