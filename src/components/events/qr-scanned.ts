import type { QrApp } from '../../client/protocol.js';
import { EtaxEvent } from './etax-event.js';

/** The login QR was scanned; the person confirms on the phone. */
export class EtaxQrScannedEvent extends EtaxEvent<{ app: QrApp }> {
  static override readonly eventName = 'etax-qr-scanned';
}
