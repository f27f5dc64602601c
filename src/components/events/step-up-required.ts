import type { StepUpMethod } from '../../client/protocol.js';

/** The password was accepted; a second factor (再次认证) is required. */
export class EtaxStepUpRequiredEvent extends Event {
  static readonly eventName = 'etax-step-up-required';
  constructor(readonly detail: { methods: StepUpMethod[]; maskedPhone?: string }) {
    super('etax-step-up-required', { bubbles: true, composed: true });
  }
}
