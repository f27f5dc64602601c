/** An SMS code was sent. The code itself is never in an event. */
export class EtaxSmsSentEvent extends Event {
  static readonly eventName = 'etax-sms-sent';
  constructor(readonly detail: { maskedPhone?: string; resendAfter: number }) {
    super('etax-sms-sent', { bubbles: true, composed: true });
  }
}
