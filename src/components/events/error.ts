/** An error the person sees: a refused password, a wrong code, a lost connection. `message` is the shown text. */
export class EtaxErrorEvent extends Event {
  static readonly eventName = 'etax-error';
  constructor(
    readonly detail: { code: string; message: string; attemptsLeft?: number; retryAfter?: number; field?: string },
  ) {
    super('etax-error', { bubbles: true, composed: true });
  }
}
