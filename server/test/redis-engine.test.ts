// The engine on Redis as many instances run it: two engines, each with a store
// of its own connections, over one redis-server. Racing requests split
// between the instances give one result; a waiter on one hears the other; and
// with the append-only file that docs/deploy.md asks for, locks and daily SMS
// caps outlive a restart of Redis.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FlowState } from '../../src/client/protocol.js';
import { Engine, EngineError, MemoryDirectory, SmsOutbox, type EngineSettingsInput } from '../../src/engine/index.js';
import { DEFAULT_FIXTURE, DEFAULT_PASSWORD } from '../../src/mock/fixtures.js';
import { RedisStore } from '../src/redis-store.js';
import { startRedis, type RunningRedis } from './redis.js';

let prefixes = 0;

/** Two instances over one Redis, each its own engine, store and SMS sender; a namespace of their own. */
async function instances(redis: RunningRedis, settings: EngineSettingsInput = {}) {
  const prefix = `engine${++prefixes}:`;
  const outbox = new SmsOutbox();
  const accounts = new MemoryDirectory(DEFAULT_FIXTURE);
  const make = async () => {
    const store = new RedisStore({ url: redis.url, prefix });
    await store.connect();
    return { store, engine: new Engine({ accounts, store, clock: store.clock, sms: outbox, settings }) };
  };
  const [a, b] = await Promise.all([make(), make()]);
  return {
    a: a.engine,
    b: b.engine,
    outbox,
    /** Resolves once both instances' Redis answers again. */
    async ready() {
      await until(async () => (await a.store.ready()) && (await b.store.ready()));
    },
    /** How many instances listen to the flow in Redis. */
    async listening(flowId: string) {
      const [, count] = (await a.store.redis.pubsub('NUMSUB', `${prefix}flow:${flowId}`)) as [string, number];
      return Number(count);
    },
    async close() {
      a.engine.close();
      b.engine.close();
      await Promise.all([a.store.close(), b.store.close()]);
    },
  };
}

async function until(done: () => boolean | Promise<boolean>, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await done())) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    if (e instanceof EngineError) return e.code;
    throw e;
  }
  return 'ok';
}

const login = (engine: Engine, account: string, password = DEFAULT_PASSWORD) =>
  engine.createPassword({ entry: 'individual', fields: { account }, password });

describe('engine on Redis: two instances', () => {
  let redis: RunningRedis;
  before(async () => {
    redis = await startRedis();
  });
  after(() => redis.stop());

  it('completes a flow once when the right code reaches both instances at once', async () => {
    const { a, b, outbox, close } = await instances(redis);
    try {
      const f = await login(a, 'wangxiuying');
      await b.sendSms(f.flowId, f.flowToken, {});
      const code = outbox.messages.at(-1)!.code;
      const results = await Promise.all(
        Array.from({ length: 8 }, (_, i) => codeOf((i % 2 ? b : a).verifySms(f.flowId, f.flowToken, { code }))),
      );
      assert.equal(results.filter((r) => r === 'ok').length, 1);
      for (const r of results) assert.match(r, /^(ok|invalid_state|sms_not_sent)$/);
      assert.equal((await a.current(f.flowId, f.flowToken)).status, 'authenticated');
    } finally {
      await close();
    }
  });

  it('sends one code when 获取验证码 reaches both instances at once', async () => {
    const { a, b, outbox, close } = await instances(redis);
    try {
      const f = await login(a, 'wangxiuying');
      const results = await Promise.all(
        Array.from({ length: 6 }, (_, i) => codeOf((i % 2 ? b : a).sendSms(f.flowId, f.flowToken, {}))),
      );
      assert.deepEqual(results.filter((r) => r === 'ok').length, 1);
      assert.equal(outbox.messages.length, 1);
    } finally {
      await close();
    }
  });

  it('locks an account at exactly the limit of wrong passwords split between instances', async () => {
    const { a, b, close } = await instances(redis);
    try {
      const codes = await Promise.all(
        Array.from({ length: 12 }, (_, i) => codeOf(login(i % 2 ? b : a, 'liqiang', 'bad'))),
      );
      assert.equal(codes.filter((c) => c === 'invalid_credentials').length, 4);
      assert.equal(codes.filter((c) => c === 'account_locked').length, 8);
      assert.equal(await codeOf(login(a, 'liqiang')), 'account_locked');
    } finally {
      await close();
    }
  });

  it('gives one result when the phone confirms on one instance while the page cancels on the other', async () => {
    const { a, b, close } = await instances(redis);
    try {
      for (let i = 0; i < 5; i++) {
        const f = await a.createQr();
        await b.scan(f.flowId, 'etax', 'wangxiuying');
        const [confirmed] = await Promise.allSettled([b.confirm(f.flowId), a.cancel(f.flowId, f.flowToken)]);
        const final = await a.current(f.flowId, f.flowToken);
        assert.equal(final.seq, 3);
        if (confirmed.status === 'fulfilled') assert.deepEqual(confirmed.value, final);
        else assert.deepEqual(final, { seq: 3, status: 'cancelled', by: 'client' });
      }
    } finally {
      await close();
    }
  });

  it('lets a stream on one instance hear at once what the phone did on the other', async () => {
    const { a, b, listening, close } = await instances(redis);
    try {
      const f = await a.createQr();
      const seen: FlowState[] = [];
      const stop = await a.follow(f.flowId, f.flowToken, 1, (s) => seen.push(s));
      await b.scan(f.flowId, 'iit', 'wangxiuying');
      await b.confirm(f.flowId);
      await until(() => seen.length === 2, 2000);
      stop();
      assert.deepEqual(
        seen.map((s) => [s.seq, s.status]),
        [
          [2, 'qr_scanned'],
          [3, 'authenticated'],
        ],
      );
      // A long-poll on one instance answers when the other changes the flow.
      const g = await b.createQr();
      const held = a.state(g.flowId, g.flowToken, { after: 1, wait: 10 });
      await until(async () => (await listening(g.flowId)) === 1);
      await b.scan(g.flowId, 'etax', 'wangxiuying');
      assert.equal((await held).status, 'qr_scanned');
    } finally {
      await close();
    }
  });
});

describe('engine on Redis: what survives a restart of Redis', () => {
  it('ends the streams of flows lost with a Redis that keeps no file as expired, and their long-polls as not found', async () => {
    const redis = await startRedis();
    try {
      const { a, b, ready, listening, close } = await instances(redis);
      try {
        const f = await a.createQr();
        const seen: FlowState[] = [];
        const stop = await a.follow(f.flowId, f.flowToken, 0, (s) => seen.push(s));
        let held: string | undefined;
        void codeOf(b.state(f.flowId, f.flowToken, { after: 1, wait: 20 })).then((code) => (held = code));
        await until(async () => (await listening(f.flowId)) === 2);
        await redis.restart();
        await ready();
        // The page is told its login ended, and offers to start again; nothing follows.
        await until(() => seen.length === 2);
        assert.deepEqual(seen[1], { seq: 2, status: 'expired' });
        // At once, not after the 20 s the long-poll asked to wait.
        await until(() => held !== undefined, 5000);
        assert.equal(held, 'flow_not_found');
        stop();
        const g = await b.createQr();
        assert.equal((await a.current(g.flowId, g.flowToken)).status, 'qr_waiting');
      } finally {
        await close();
      }
    } finally {
      await redis.stop();
    }
  });

  it('keeps locks and daily SMS caps with the append-only file of docs/deploy.md', async () => {
    const redis = await startRedis({ persist: true });
    try {
      const { a, b, outbox, ready, close } = await instances(redis, { sms: { dailyLimit: 1 } });
      try {
        // liqiang locks himself out; 王秀英's phone gets its one code of the day.
        for (let i = 0; i < 5; i++) await codeOf(login(a, 'liqiang', 'bad'));
        assert.equal(await codeOf(login(b, 'liqiang')), 'account_locked');
        const f = await login(a, 'wangxiuying');
        await b.sendSms(f.flowId, f.flowToken, {});
        assert.equal(outbox.messages.length, 1);

        await redis.restart();
        await ready();

        assert.equal(await codeOf(login(b, 'liqiang')), 'account_locked');
        const g = await login(b, 'wangxiuying');
        assert.equal(await codeOf(a.sendSms(g.flowId, g.flowToken, {})), 'sms_throttled');
        assert.equal(outbox.messages.length, 1);
      } finally {
        await close();
      }
    } finally {
      await redis.stop();
    }
  });
});
