/**
 * Where the engine keeps its state: an asynchronous interface, so that one
 * process's memory and a store shared by many instances (Redis) look alike.
 * `test/engine/store-contract.ts` is the suite every implementation passes.
 *
 * Two kinds of data:
 * - **flow records**, replaced only by compare-and-set on their `seq`: of two
 *   requests that read the same record, one write wins and the other sees the
 *   record changed, reads it again and decides anew;
 * - **keys**: counters and values with an expiry (attempts, locks, cooldowns,
 *   daily caps, SMS codes), each change atomic on its own.
 *
 * And change notification: whoever waits on a flow (long-poll, SSE, WebSocket)
 * subscribes to it and hears every record written, from any instance.
 */
import type { FlowRecord } from './records.js';

export interface KeyEntry {
  value: string;
  /** Milliseconds left before the key is gone (`Infinity`: it does not expire). */
  ttl: number;
}

export interface Store {
  /** The flow's record, or undefined when there is none (never was, or forgotten). */
  getFlow(id: string): Promise<FlowRecord | undefined>;
  /**
   * Adds a new flow that the store forgets `ttl` ms from now; false (and
   * nothing written) when a flow of that id exists.
   */
  createFlow(flow: FlowRecord, ttl: number): Promise<boolean>;
  /**
   * Replaces the flow if its stored `seq` is still `expectedSeq`, and resets
   * its expiry to `ttl` ms from now; false (and nothing written) otherwise, or
   * when the flow is gone. Subscribers hear the new record.
   */
  replaceFlow(flow: FlowRecord, expectedSeq: number, ttl: number): Promise<boolean>;
  /**
   * Calls `listener` with every record of the flow written after the returned
   * promise resolves, on this instance or another; resolves to the unsubscribe.
   * `lost` is called if the store finds that it has lost the flow while it was
   * listened to (Redis restarted without its data), so that waiters are not
   * left waiting for a flow that no longer exists; a store that never loses
   * data (the memory store) never calls it.
   */
  subscribe(flowId: string, listener: (flow: FlowRecord) => void, lost?: () => void): Promise<() => void>;

  /**
   * Adds `by` (default 1) to a counter and returns the new count. A counter
   * that did not exist starts at 0 and expires `ttl` ms from now; adding to an
   * existing counter keeps its expiry (a fixed window).
   */
  increment(key: string, ttl: number, by?: number): Promise<number>;
  /** A key's value and time left, or undefined once it expired or was removed. */
  read(key: string): Promise<KeyEntry | undefined>;
  /** Sets a key, replacing any value and expiry (`ttl` ms; `Infinity`: none). */
  write(key: string, value: string, ttl: number): Promise<void>;
  /** Removes keys; removing a missing key is harmless. */
  remove(...keys: string[]): Promise<void>;
}
