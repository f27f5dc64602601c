/**
 * The default store: one process's memory. Records are kept as JSON text, so
 * that nothing a caller holds can change what is stored (as with a store over
 * the network), and expired entries are swept as time passes.
 */
import { systemClock, type Clock } from './clock.js';
import type { FlowRecord } from './records.js';
import type { KeyEntry, Store } from './store.js';

interface Held {
  text: string;
  expiresAt: number;
}

/** How often expired entries are swept, ms. */
const SWEEP_EVERY = 60_000;

export class MemoryStore implements Store {
  private readonly flowTexts = new Map<string, Held>();
  private readonly keys = new Map<string, Held>();
  private readonly listeners = new Map<string, Set<(flow: FlowRecord) => void>>();
  private sweptAt: number;

  constructor(private readonly clock: Clock = systemClock) {
    this.sweptAt = clock.now();
  }

  async getFlow(id: string): Promise<FlowRecord | undefined> {
    const held = this.live(this.flowTexts, id);
    return held && (JSON.parse(held.text) as FlowRecord);
  }

  async createFlow(flow: FlowRecord, ttl: number): Promise<boolean> {
    if (this.live(this.flowTexts, flow.id)) return false;
    this.put(flow, ttl);
    return true;
  }

  async replaceFlow(flow: FlowRecord, expectedSeq: number, ttl: number): Promise<boolean> {
    const held = this.live(this.flowTexts, flow.id);
    if (!held || (JSON.parse(held.text) as FlowRecord).seq !== expectedSeq) return false;
    this.put(flow, ttl);
    return true;
  }

  async subscribe(flowId: string, listener: (flow: FlowRecord) => void): Promise<() => void> {
    let set = this.listeners.get(flowId);
    if (!set) this.listeners.set(flowId, (set = new Set()));
    set.add(listener);
    return () => {
      set.delete(listener);
      if (!set.size && this.listeners.get(flowId) === set) this.listeners.delete(flowId);
    };
  }

  async increment(key: string, ttl: number, by = 1): Promise<number> {
    const held = this.live(this.keys, key);
    const count = (held ? Number(held.text) || 0 : 0) + by;
    this.keys.set(key, { text: String(count), expiresAt: held ? held.expiresAt : this.clock.now() + ttl });
    return count;
  }

  async read(key: string): Promise<KeyEntry | undefined> {
    const held = this.live(this.keys, key);
    return held && { value: held.text, ttl: held.expiresAt - this.clock.now() };
  }

  async write(key: string, value: string, ttl: number): Promise<void> {
    this.sweep();
    this.keys.set(key, { text: value, expiresAt: this.clock.now() + ttl });
  }

  async remove(...keys: string[]): Promise<void> {
    for (const k of keys) this.keys.delete(k);
  }

  /* --------------------------------------------- for the in-page host only */

  /** Every flow still held, oldest first. */
  allFlows(): FlowRecord[] {
    const now = this.clock.now();
    return [...this.flowTexts.values()].filter((h) => h.expiresAt > now).map((h) => JSON.parse(h.text) as FlowRecord);
  }

  /** A flow's record now, without waiting (the in-page host's inspection). */
  peekFlow(id: string): FlowRecord | undefined {
    const held = this.live(this.flowTexts, id);
    return held && (JSON.parse(held.text) as FlowRecord);
  }

  /** A key now, without waiting. */
  peek(key: string): KeyEntry | undefined {
    const held = this.live(this.keys, key);
    return held && { value: held.text, ttl: held.expiresAt - this.clock.now() };
  }

  /** How many waiters (long-polls, streams) listen to a flow now. */
  subscribers(flowId: string): number {
    return this.listeners.get(flowId)?.size ?? 0;
  }

  /** Forgets everything (listeners stay subscribed). */
  clear(): void {
    this.flowTexts.clear();
    this.keys.clear();
  }

  /* --------------------------------------------------------------- inside */

  private put(flow: FlowRecord, ttl: number): void {
    this.sweep();
    const text = JSON.stringify(flow);
    // A replaced flow keeps its place: the map stays in the order of creation.
    this.flowTexts.set(flow.id, { text, expiresAt: this.clock.now() + ttl });
    for (const l of [...(this.listeners.get(flow.id) ?? [])]) {
      try {
        l(JSON.parse(text) as FlowRecord);
      } catch (e) {
        // One broken waiter must not fail the write nor silence the others.
        queueMicrotask(() => {
          throw e;
        });
      }
    }
  }

  private live(map: Map<string, Held>, key: string): Held | undefined {
    const held = map.get(key);
    if (held && held.expiresAt <= this.clock.now()) {
      map.delete(key);
      return undefined;
    }
    return held;
  }

  private sweep(): void {
    const now = this.clock.now();
    if (now - this.sweptAt < SWEEP_EVERY) return;
    this.sweptAt = now;
    for (const map of [this.flowTexts, this.keys]) {
      for (const [k, h] of map) if (h.expiresAt <= now) map.delete(k);
    }
  }
}
