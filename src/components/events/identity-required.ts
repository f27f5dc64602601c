import type { Identity } from '../../client/protocol.js';
import { EtaxEvent } from './etax-event.js';

/** The person must choose a capacity or a client enterprise before login completes. */
export class EtaxIdentityRequiredEvent extends EtaxEvent<{ reason: 'capacity' | 'client'; identities: Identity[] }> {
  static override readonly eventName = 'etax-identity-required';
}
