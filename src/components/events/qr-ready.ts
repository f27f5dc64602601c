import { EtaxEvent } from './etax-event.js';

/** A login QR is on screen (also after each rotation or refresh). */
export class EtaxQrReadyEvent extends EtaxEvent<{ flowId: string; matchCode?: string; expiresIn: number }> {
  static override readonly eventName = 'etax-qr-ready';
}
