import type { Identity } from '../../client/protocol.js';

/** The person must choose a capacity or a client enterprise before login completes. */
export class EtaxIdentityRequiredEvent extends Event {
  static readonly eventName = 'etax-identity-required';
  constructor(readonly detail: { reason: 'capacity' | 'client'; identities: Identity[] }) {
    super('etax-identity-required', { bubbles: true, composed: true });
  }
}
