/**
 * The engine's store in Redis, shared by every instance of the server
 * (`--redis URL`), with ioredis:
 *
 * - a flow is a hash `<prefix>flow:<id>` (`seq`, `rec`: the record as JSON)
 *   with a PX expiry; creating it and replacing it on its `seq` are Lua
 *   scripts, so of racing instances exactly one wins, and the script publishes
 *   the new record on the flow's channel in the same step: subscribers on every
 *   instance hear the writes in the order they were made;
 * - counters and values are strings `<prefix>key:<name>`; a counter is created
 *   with its expiry in the same script that counts (a fixed window that cannot
 *   be left without an end), and every lifetime is Redis's own (PX, PTTL);
 * - waiters share one subscriber connection per instance, one channel per flow
 *   (`<prefix>flow:<id>`), subscribed while a local waiter listens. ioredis
 *   subscribes again after a reconnection; the store then reads each flow once
 *   more, so that a write made while the channel was down is not missed.
 *
 * While Redis cannot be reached every call fails at once with a
 * `StoreUnavailableError` (`503` with `Retry-After`) instead of waiting, and
 * `ready()` says false; ioredis keeps reconnecting.
 */
import { Redis, type RedisOptions } from 'ioredis';
import {
  StoreUnavailableError,
  timer,
  type Clock,
  type FlowRecord,
  type KeyEntry,
  type Store,
} from '../../src/engine/index.js';

export interface RedisStoreOptions {
  /** `redis://[user:password@]host:port[/db]`, or `rediss://…` for TLS. */
  url: string;
  /** Put before every key and channel, so that deployments can share a Redis; default `etax-login:`. */
  prefix?: string;
  /** The password, when it is not in the URL (from `ETAX_REDIS_PASSWORD`: never a flag). */
  password?: string;
  /** Where the store says that Redis went away or came back (one line each), e.g. the server's log. */
  log?: (line: Record<string, unknown>) => void;
  /** Milliseconds before a command that gets no answer fails; default 2000. */
  commandTimeout?: number;
  /** The clock of this machine, which the store's clock corrects; default `Date.now`. */
  localNow?: () => number;
  /** More ioredis options (TLS certificates, timeouts). */
  redis?: RedisOptions;
}

type Listener = (flow: FlowRecord) => void;

/** The scripts, each atomic in Redis. Lifetimes: ms, `0` for none. */
const SCRIPTS = {
  /** KEYS: flow. ARGV: seq, record, ttl, channel. 1 when created, 0 when the id is taken. */
  etaxCreateFlow: {
    numberOfKeys: 1,
    lua: `
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], 'seq', ARGV[1], 'rec', ARGV[2])
if ARGV[3] ~= '0' then redis.call('PEXPIRE', KEYS[1], ARGV[3]) end
redis.call('PUBLISH', ARGV[4], ARGV[2])
return 1`,
  },
  /** KEYS: flow. ARGV: expected seq, new seq, record, ttl, channel. 1 when replaced, else 0. */
  etaxReplaceFlow: {
    numberOfKeys: 1,
    lua: `
if redis.call('HGET', KEYS[1], 'seq') ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'seq', ARGV[2], 'rec', ARGV[3])
if ARGV[4] ~= '0' then redis.call('PEXPIRE', KEYS[1], ARGV[4]) else redis.call('PERSIST', KEYS[1]) end
redis.call('PUBLISH', ARGV[5], ARGV[3])
return 1`,
  },
  /** KEYS: counter. ARGV: by, ttl of a new counter. The new count; an existing counter keeps its expiry. */
  etaxIncrement: {
    numberOfKeys: 1,
    lua: `
if redis.call('EXISTS', KEYS[1]) == 1 then return redis.call('INCRBY', KEYS[1], ARGV[1]) end
if ARGV[2] == '0' then redis.call('SET', KEYS[1], ARGV[1]) else redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) end
return tonumber(ARGV[1])`,
  },
  /** KEYS: key. Its value and milliseconds left (-1: no expiry), or nil. */
  etaxRead: {
    numberOfKeys: 1,
    readOnly: true,
    lua: `
local v = redis.call('GET', KEYS[1])
if not v then return nil end
return {v, redis.call('PTTL', KEYS[1])}`,
  },
} as const;

interface Scripted {
  etaxCreateFlow(key: string, seq: string, record: string, ttl: string, channel: string): Promise<number>;
  etaxReplaceFlow(
    key: string,
    expected: string,
    seq: string,
    record: string,
    ttl: string,
    channel: string,
  ): Promise<number>;
  etaxIncrement(key: string, by: string, ttl: string): Promise<number>;
  etaxRead(key: string): Promise<[string, number] | null>;
}

/** A lifetime for Redis: whole milliseconds, at least 1; `'0'` for none (`Infinity`). */
const px = (ttl: number) => (ttl === Infinity ? '0' : String(Math.max(1, Math.ceil(ttl))));

/**
 * The URL with the password put in when it has none (ioredis takes a URL's
 * user and empty password over a `password` option).
 */
function withPassword(url: string, password: string | undefined): string {
  if (!password) return url;
  const u = new URL(url);
  if (u.password) return url;
  u.password = encodeURIComponent(password);
  return u.href;
}

/** How often the clock is checked against Redis's, ms. */
const CLOCK_CHECK = 60_000;

export class RedisStore implements Store {
  /** Commands. */
  readonly redis: Redis;
  /** The subscriber connection, kept apart from the commands: it listens to the channels of flows waited on here. */
  readonly subscriber: Redis;
  readonly prefix: string;
  /**
   * Time as Redis tells it: this machine's clock corrected by the offset to
   * Redis's `TIME`, checked at each connection and every minute. Engines of
   * every instance take it (`new Engine({ clock: store.clock })`), so that
   * they agree on when a flow, a QR or a code ends.
   */
  readonly clock: Clock;
  private offset = 0;
  private readonly commands: Redis & Scripted;
  /** Each channel listened to: its listeners (with what to call if the flow is lost), and its SUBSCRIBE. */
  private readonly channels = new Map<
    string,
    { listeners: Map<Listener, (() => void) | undefined>; subscribed: Promise<unknown> }
  >();
  private readonly log: (line: Record<string, unknown>) => void;
  private readonly localNow: () => number;
  private down = false;
  private everReady = false;
  private closed = false;
  private readonly clockTimer: ReturnType<typeof setInterval>;

  constructor(options: RedisStoreOptions) {
    this.prefix = options.prefix ?? 'etax-login:';
    this.log = options.log ?? (() => {});
    this.localNow = options.localNow ?? Date.now;
    const redisOptions: RedisOptions = {
      // Fail at once while Redis is away (the request answers 503), rather than queue.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      commandTimeout: options.commandTimeout ?? 2000,
      connectTimeout: 5000,
      // Reconnect soon, then every 2 s at most.
      retryStrategy: (times) => Math.min(100 * times, 2000),
      scripts: SCRIPTS as unknown as RedisOptions['scripts'],
      ...options.redis,
    };
    const url = withPassword(options.url, options.password);
    this.redis = new Redis(url, { ...redisOptions, connectionName: 'etax-login' });
    this.subscriber = new Redis(url, { ...redisOptions, connectionName: 'etax-login:subscriber' });
    this.commands = this.redis as Redis & Scripted;
    this.clock = {
      now: () => this.localNow() + this.offset,
      after: (ms, fn) => timer(ms, fn),
    };

    for (const connection of [this.redis, this.subscriber]) {
      // Errors of the connection itself (refused, reset) are the outage said once below, not thrown.
      connection.on('error', (e: Error) => this.wentDown(e));
      connection.on('close', () => this.wentDown());
      connection.on('ready', () => this.cameBack());
    }
    this.redis.on('ready', () => void this.checkClock());
    this.subscriber.on('message', (channel: string, text: string) => this.deliver(channel, text));
    this.clockTimer = setInterval(() => void this.checkClock(), CLOCK_CHECK);
    this.clockTimer.unref();
  }

  /** Resolves once both connections are up (a test, or a host that waits for Redis at start). */
  async connect(timeout = 10_000): Promise<void> {
    const end = Date.now() + timeout;
    while (this.redis.status !== 'ready' || this.subscriber.status !== 'ready') {
      if (Date.now() > end) throw new StoreUnavailableError(new Error(`Redis not ready after ${timeout} ms`));
      await new Promise((r) => setTimeout(r, 10));
    }
    await this.checkClock();
  }

  /** Whether Redis answers now (for `/readyz`). */
  async ready(): Promise<boolean> {
    if (this.subscriber.status !== 'ready') return false;
    try {
      return (await this.redis.ping()) === 'PONG';
    } catch {
      return false;
    }
  }

  /** Closes both connections; subscriptions end. */
  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.clockTimer);
    this.channels.clear();
    await Promise.all([this.redis, this.subscriber].map((c) => c.quit().catch(() => c.disconnect())));
  }

  /* ------------------------------------------------------------ the Store */

  async getFlow(id: string): Promise<FlowRecord | undefined> {
    const text = await this.run(this.redis.hget(this.flowKey(id), 'rec'));
    return text === null ? undefined : (JSON.parse(text) as FlowRecord);
  }

  async createFlow(flow: FlowRecord, ttl: number): Promise<boolean> {
    const created = await this.run(
      this.commands.etaxCreateFlow(
        this.flowKey(flow.id),
        String(flow.seq),
        JSON.stringify(flow),
        px(ttl),
        this.flowKey(flow.id),
      ),
    );
    return created === 1;
  }

  async replaceFlow(flow: FlowRecord, expectedSeq: number, ttl: number): Promise<boolean> {
    const replaced = await this.run(
      this.commands.etaxReplaceFlow(
        this.flowKey(flow.id),
        String(expectedSeq),
        String(flow.seq),
        JSON.stringify(flow),
        px(ttl),
        this.flowKey(flow.id),
      ),
    );
    return replaced === 1;
  }

  async subscribe(flowId: string, listener: Listener, lost?: () => void): Promise<() => void> {
    const channel = this.flowKey(flowId);
    let entry = this.channels.get(channel);
    if (!entry) {
      entry = { listeners: new Map(), subscribed: this.subscriber.subscribe(channel) };
      this.channels.set(channel, entry);
    }
    const held = entry;
    held.listeners.set(listener, lost);
    const leave = () => {
      if (!held.listeners.delete(listener) || held.listeners.size) return;
      // The last local waiter has gone: the instance stops hearing the flow.
      if (this.channels.get(channel) === held) this.channels.delete(channel);
      if (!this.closed) this.subscriber.unsubscribe(channel).catch(() => undefined);
    };
    try {
      await this.run(held.subscribed);
    } catch (e) {
      leave();
      throw e;
    }
    return leave;
  }

  async increment(key: string, ttl: number, by = 1): Promise<number> {
    return Number(await this.run(this.commands.etaxIncrement(this.valueKey(key), String(by), px(ttl))));
  }

  async read(key: string): Promise<KeyEntry | undefined> {
    const held = await this.run(this.commands.etaxRead(this.valueKey(key)));
    if (!held) return undefined;
    const [value, ttl] = held;
    return { value, ttl: Number(ttl) < 0 ? Infinity : Number(ttl) };
  }

  async write(key: string, value: string, ttl: number): Promise<void> {
    const k = this.valueKey(key);
    await this.run(ttl === Infinity ? this.redis.set(k, value) : this.redis.set(k, value, 'PX', px(ttl)));
  }

  async remove(...keys: string[]): Promise<void> {
    if (keys.length) await this.run(this.redis.del(...keys.map((k) => this.valueKey(k))));
  }

  /* --------------------------------------------------------------- inside */

  private flowKey(id: string): string {
    return `${this.prefix}flow:${id}`;
  }

  private valueKey(key: string): string {
    return `${this.prefix}key:${key}`;
  }

  /** A command's answer; any failure of Redis is a `StoreUnavailableError`. */
  private async run<T>(command: Promise<T>): Promise<T> {
    try {
      return await command;
    } catch (e) {
      throw new StoreUnavailableError(e);
    }
  }

  private deliver(channel: string, text: string): void {
    const entry = this.channels.get(channel);
    if (!entry) return;
    for (const listener of [...entry.listeners.keys()]) this.call(() => listener(JSON.parse(text) as FlowRecord));
  }

  /** Calls a waiter: one that throws must not silence the others (as in the memory store). */
  private call(fn: () => void): void {
    try {
      fn();
    } catch (e) {
      queueMicrotask(() => {
        throw e;
      });
    }
  }

  /**
   * After the subscriber reconnected (ioredis subscribed again): each flow
   * listened to is read once and given to its listeners, who drop a record
   * they have seen, so that a write made while the channel was down is not
   * missed; the listeners of a flow Redis no longer has (restarted without
   * its data) are told it is lost.
   */
  private async catchUp(): Promise<void> {
    if (!this.channels.size) return;
    try {
      // Answered after the subscriptions ioredis sent on reconnecting.
      await this.subscriber.ping();
      for (const [channel, entry] of this.channels) {
        const flow = await this.getFlow(channel.slice(`${this.prefix}flow:`.length));
        if (this.channels.get(channel) !== entry) continue;
        if (flow) this.deliver(channel, JSON.stringify(flow));
        else for (const lost of [...entry.listeners.values()]) if (lost) this.call(lost);
      }
    } catch {
      // Down again: the next reconnection catches up.
    }
  }

  private wentDown(error?: Error): void {
    if (this.closed || this.down) return;
    this.down = true;
    this.log({ level: 'warn', msg: 'redis unavailable', ...(error ? { error: error.message } : {}) });
  }

  private cameBack(): void {
    if (this.redis.status !== 'ready' || this.subscriber.status !== 'ready') return;
    const again = this.everReady;
    this.down = false;
    this.everReady = true;
    this.log({ level: 'info', msg: again ? 'redis available again' : 'redis connected' });
    if (again) void this.catchUp();
  }

  /** Measures the offset of Redis's clock (`TIME`) to this machine's, halfway through the round trip. */
  private async checkClock(): Promise<void> {
    try {
      const sent = this.localNow();
      const [seconds, micros] = await this.redis.time();
      const received = this.localNow();
      this.offset = Number(seconds) * 1000 + Math.floor(Number(micros) / 1000) - Math.round((sent + received) / 2);
    } catch {
      // Kept from the last check; measured again at the next connection.
    }
  }
}
