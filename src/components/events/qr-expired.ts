import { EtaxEvent } from './etax-event.js';

/** The login QR expired; `autoRefresh` tells whether a new one is being fetched. */
export class EtaxQrExpiredEvent extends EtaxEvent<{ autoRefresh: boolean }> {
  static override readonly eventName = 'etax-qr-expired';
}
