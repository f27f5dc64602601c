import type { StepUpMethod } from '../../client/protocol.js';
import { EtaxEvent } from './etax-event.js';

/** The person chose a second-factor method. */
export class EtaxMethodChosenEvent extends EtaxEvent<{ method: StepUpMethod }> {
  static override readonly eventName = 'etax-method-chosen';
}
