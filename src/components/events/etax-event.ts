/**
 * What every `etax-*` event shares: it bubbles, crosses shadow roots
 * (`composed`), and carries a typed `detail`. Each named event is a subclass
 * whose static `eventName` is its type.
 */
export abstract class EtaxEvent<T> extends Event {
  static readonly eventName: string;

  constructor(
    readonly detail: T,
    cancelable?: boolean,
  ) {
    super((new.target as typeof EtaxEvent).eventName, { bubbles: true, composed: true, cancelable });
  }
}
