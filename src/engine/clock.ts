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

/**
 * `setTimeout` for the engine's timers (flow expiry, heartbeats, long-poll
 * holds). In Node they never keep a process alive: while the server runs its
 * sockets do, and once it has stopped, a flow's expiry must not hold the
 * process until the flow would have ended.
 */
export const timer = (ms: number, fn: () => void): (() => void) => {
  const handle: unknown = globalThis.setTimeout(fn, ms);
  (handle as { unref?: () => void }).unref?.();
  return () => globalThis.clearTimeout(handle as number);
};

/** `Date.now()` and `setTimeout`, looked up at each call so that fake timers in tests move them. */
export const systemClock: Clock = {
  now: () => Date.now(),
  after: (ms, fn) => timer(ms, fn),
};
