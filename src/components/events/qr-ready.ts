/** A login QR is on screen (also after each rotation or refresh). */
export class EtaxQrReadyEvent extends Event {
  static readonly eventName = 'etax-qr-ready';
  constructor(readonly detail: { flowId: string; matchCode?: string; expiresIn: number }) {
    super('etax-qr-ready', { bubbles: true, composed: true });
  }
}
