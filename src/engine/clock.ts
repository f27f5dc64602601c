/**
 * Time as the engine reads it. Lifetimes are absolute epoch milliseconds in the
 * records and seconds left on the wire. A fake clock makes lifetimes testable;
 * a shared store may give a clock of its own (one time for many instances).
 */
export interface Clock {
  /** Epoch milliseconds. */
  now(): number;
  /** Calls `fn` once after `ms` milliseconds; returns what cancels it. */
  after(ms: number, fn: () => void): () => void;
}

/** `Date.now()` and `setTimeout`, looked up at each call so that fake timers in tests move them. */
export const systemClock: Clock = {
  now: () => Date.now(),
  after(ms, fn) {
    const timer = globalThis.setTimeout(fn, ms);
    return () => globalThis.clearTimeout(timer);
  },
};
