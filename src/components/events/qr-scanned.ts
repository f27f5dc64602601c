import type { QrApp } from '../../client/protocol.js';

/** The login QR was scanned; the person confirms on the phone. */
export class EtaxQrScannedEvent extends Event {
  static readonly eventName = 'etax-qr-scanned';
  constructor(readonly detail: { app: QrApp }) {
    super('etax-qr-scanned', { bubbles: true, composed: true });
  }
}
