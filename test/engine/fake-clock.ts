/**
 * A clock that moves only when a test says so. `advance()` fires the timers
 * that come due, in order, letting the engine's asynchronous work settle after
 * each one.
 */
import type { Clock } from '../../src/engine/index.js';

/** Lets pending promise chains (store calls, Web Crypto digests) run to their end. */
export async function settle(rounds = 10): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise((r) => setImmediate(r));
}

export class FakeClock implements Clock {
  private t = Date.UTC(2026, 11, 6, 9, 0, 0);
  private timers: { at: number; fn: () => void }[] = [];
  private armedWaiters: { left: number; resolve: () => void }[] = [];

  now(): number {
    return this.t;
  }

  after(ms: number, fn: () => void): () => void {
    const timer = { at: this.t + Math.max(0, ms), fn };
    this.timers.push(timer);
    for (const w of this.armedWaiters) if (--w.left === 0) w.resolve();
    this.armedWaiters = this.armedWaiters.filter((w) => w.left > 0);
    return () => {
      this.timers = this.timers.filter((x) => x !== timer);
    };
  }

  /**
   * Resolves once `count` more timers were set: a test starts a long-poll,
   * then waits for its hold to be timed before it moves the clock.
   */
  armed(count = 1): Promise<void> {
    return new Promise((resolve) => this.armedWaiters.push({ left: count, resolve }));
  }

  /** Timers waiting to fire. */
  get pending(): number {
    return this.timers.length;
  }

  async advance(ms: number): Promise<void> {
    const end = this.t + ms;
    await settle();
    for (;;) {
      const next = this.timers.filter((x) => x.at <= end).sort((a, b) => a.at - b.at)[0];
      if (!next) break;
      this.timers = this.timers.filter((x) => x !== next);
      this.t = Math.max(this.t, next.at);
      next.fn();
      await settle();
    }
    this.t = end;
    await settle();
  }
}
