import type { StepUpMethod } from '../../client/protocol.js';

/** The person chose a second-factor method. */
export class EtaxMethodChosenEvent extends Event {
  static readonly eventName = 'etax-method-chosen';
  constructor(readonly detail: { method: StepUpMethod }) {
    super('etax-method-chosen', { bubbles: true, composed: true });
  }
}
