/** The login QR expired; `autoRefresh` tells whether a new one is being fetched. */
export class EtaxQrExpiredEvent extends Event {
  static readonly eventName = 'etax-qr-expired';
  constructor(readonly detail: { autoRefresh: boolean }) {
    super('etax-qr-expired', { bubbles: true, composed: true });
  }
}
