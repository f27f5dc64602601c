import type { StepUpMethod } from '../../client/protocol.js';
import { EtaxEvent } from './etax-event.js';

/** The password was accepted; a second factor (再次认证) is required. */
export class EtaxStepUpRequiredEvent extends EtaxEvent<{ methods: StepUpMethod[]; maskedPhone?: string }> {
  static override readonly eventName = 'etax-step-up-required';
}
