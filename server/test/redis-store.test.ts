// The Redis store against a real redis-server: the store contract (two
// instances = two stores with connections of their own), the key prefix, a
// store that fails fast while Redis is away, waiters that hear writes again
// once Redis is back, and lifetimes on Redis's clock.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { StoreUnavailableError, type FlowRecord } from '../../src/engine/index.js';
import { storeContract } from '../../test/engine/store-contract.js';
import { RedisStore, type RedisStoreOptions } from '../src/redis-store.js';
import { startRedis, type RunningRedis } from './redis.js';

let redis: RunningRedis;
before(async () => {
  redis = await startRedis();
});
after(() => redis.stop());

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
let prefixes = 0;

async function connected(options: Partial<RedisStoreOptions> = {}): Promise<RedisStore> {
  const store = new RedisStore({ url: redis.url, ...options });
  await store.connect();
  return store;
}

storeContract('RedisStore', async () => {
  // Each case in a namespace of its own, as two deployments sharing a Redis would be.
  const prefix = `contract${++prefixes}:`;
  const store = await connected({ prefix });
  const peer = await connected({ prefix });
  return {
    store,
    peer,
    pass: sleep,
    close: async () => {
      await Promise.all([store.close(), peer.close()]);
    },
  };
});

const flowOf = (id: string, seq = 1): FlowRecord => ({
  id,
  tokenHash: 'ab'.repeat(32),
  kind: 'qr',
  seq,
  phase: { status: 'qr_waiting' },
  createdAt: 0,
  expiresAt: 300_000,
  methods: [],
  identities: [],
  faceAttemptsLeft: 3,
});

/** Resolves once `done()` holds; fails after `ms`. */
async function until(done: () => boolean | Promise<boolean>, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await done())) {
    if (Date.now() > end) throw new Error('timed out');
    await sleep(10);
  }
}

describe('RedisStore in Redis', () => {
  it('keeps its keys under its prefix, apart from another deployment on the same Redis', async () => {
    const a = await connected({ prefix: 'portal-a:' });
    const b = await connected({ prefix: 'portal-b:' });
    const raw = new Redis(redis.url);
    try {
      await a.createFlow(flowOf('f1'), 60_000);
      await a.write('lock:account:1', '1', 60_000);
      assert.equal(await b.getFlow('f1'), undefined);
      assert.equal(await b.read('lock:account:1'), undefined);
      assert.deepEqual((await raw.keys('*')).filter((k) => k.startsWith('portal-')).sort(), [
        'portal-a:flow:f1',
        'portal-a:key:lock:account:1',
      ]);
      // Lifetimes are Redis's own.
      const ttl = await raw.pttl('portal-a:key:lock:account:1');
      assert.ok(ttl > 59_000 && ttl <= 60_000, `pttl ${ttl}`);
    } finally {
      raw.disconnect();
      await Promise.all([a.close(), b.close()]);
    }
  });

  it('stops listening to a flow in Redis when its last waiter on the instance leaves', async () => {
    const store = await connected({ prefix: 'numsub:' });
    const raw = new Redis(redis.url);
    const listeners = async () => Number(((await raw.pubsub('NUMSUB', 'numsub:flow:f1')) as [string, number])[1]);
    try {
      const off1 = await store.subscribe('f1', () => {});
      const off2 = await store.subscribe('f1', () => {});
      assert.equal(await listeners(), 1);
      off1();
      assert.equal(await listeners(), 1);
      off2();
      await until(async () => (await listeners()) === 0);
    } finally {
      raw.disconnect();
      await store.close();
    }
  });

  it('keeps a counter created with its window even when the count goes below zero, and a value without end', async () => {
    const store = await connected({ prefix: 'windows:' });
    try {
      assert.equal(await store.increment('daily', 60_000, -1), -1);
      assert.ok((await store.read('daily'))!.ttl <= 60_000);
      await store.write('forever', 'x', Infinity);
      assert.equal(await store.increment('forever-count', Infinity), 1);
      assert.equal((await store.read('forever-count'))!.ttl, Infinity);
    } finally {
      await store.close();
    }
  });

  it("times lifetimes on Redis's clock, not on an instance clock an hour fast", async () => {
    const store = await connected({ prefix: 'clock:', localNow: () => Date.now() + 3_600_000 });
    try {
      // Redis runs on this machine: its clock is the true one.
      assert.ok(Math.abs(store.clock.now() - Date.now()) < 200, `off by ${store.clock.now() - Date.now()} ms`);
    } finally {
      await store.close();
    }
  });
});

describe('RedisStore when Redis goes away', () => {
  let own: RunningRedis;
  before(async () => {
    own = await startRedis();
  });
  after(() => own.stop());

  it('fails fast with StoreUnavailableError and readiness false, then works and hears writes again', async () => {
    const lines: Record<string, unknown>[] = [];
    const a = new RedisStore({ url: own.url, log: (l) => lines.push(l) });
    const b = new RedisStore({ url: own.url });
    await Promise.all([a.connect(), b.connect()]);
    try {
      const heard: number[] = [];
      await a.subscribe('f1', (f) => heard.push(f.seq));
      assert.equal(await a.ready(), true);

      await own.shutdown();
      await until(async () => !(await a.ready()));
      const started = Date.now();
      await assert.rejects(a.getFlow('f1'), StoreUnavailableError);
      await assert.rejects(a.increment('x', 1000), (e: unknown) => {
        assert.ok(e instanceof StoreUnavailableError);
        assert.deepEqual([e.code, e.status, e.extra.retryAfter], ['unavailable', 503, 1]);
        return true;
      });
      assert.ok(Date.now() - started < 500, 'answers at once, without waiting for Redis');

      await own.start();
      await until(() => a.ready());
      await b.connect();
      // The subscription of the waiter is back: it hears a write made by the other instance.
      await b.createFlow(flowOf('f1'), 60_000);
      await b.replaceFlow(flowOf('f1', 2), 1, 60_000);
      await until(() => heard.includes(2));
      assert.deepEqual(
        lines.map((l) => l.msg),
        ['redis connected', 'redis unavailable', 'redis available again'],
      );
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it('tells the waiters of a flow that Redis lost in a restart, and only them', async () => {
    const persisted = await startRedis({ persist: true });
    const store = new RedisStore({ url: persisted.url });
    await store.connect();
    try {
      const lost: string[] = [];
      await store.createFlow(flowOf('kept'), 60_000);
      // 'kept' is read again first; 'gone' (not in Redis after the restart) after it.
      await store.subscribe(
        'kept',
        () => {},
        () => lost.push('kept'),
      );
      await store.subscribe(
        'gone',
        () => {},
        () => lost.push('gone'),
      );
      await persisted.restart();
      await until(() => lost.includes('gone'));
      assert.deepEqual(lost, ['gone']);
    } finally {
      await store.close();
      await persisted.stop();
    }
  });

  it('gives a waiter the write it missed while its subscription was down', async () => {
    const a = new RedisStore({ url: own.url });
    const b = new RedisStore({ url: own.url });
    const raw = new Redis(own.url);
    await Promise.all([a.connect(), b.connect()]);
    try {
      await b.createFlow(flowOf('f2'), 60_000);
      const heard: number[] = [];
      await a.subscribe('f2', (f) => heard.push(f.seq));
      // A's subscriber connection drops (the only one listening to a channel); B writes before it is back.
      await raw.call('CLIENT', 'KILL', 'TYPE', 'pubsub');
      assert.equal(await b.replaceFlow(flowOf('f2', 2), 1, 60_000), true);
      await until(() => heard.includes(2));
      assert.deepEqual(heard, [2]);
    } finally {
      raw.disconnect();
      await Promise.all([a.close(), b.close()]);
    }
  });
});
