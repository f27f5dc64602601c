import { EtaxEvent } from './etax-event.js';

/** An error the person sees: a refused password, a wrong code, a lost connection. `message` is the shown text. */
export class EtaxErrorEvent extends EtaxEvent<{
  code: string;
  message: string;
  attemptsLeft?: number;
  retryAfter?: number;
  field?: string;
}> {
  static override readonly eventName = 'etax-error';
}
