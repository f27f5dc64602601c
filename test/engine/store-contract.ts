/**
 * What every store of the engine must do, as a suite any implementation runs:
 *
 * ```ts
 * storeContract('RedisStore', async () => ({ store: new RedisStore({ url }), peer: …, pass: (ms) => sleep(ms) }));
 * ```
 *
 * `pass(ms)` lets `ms` milliseconds go by on the store's clock (a fake clock
 * for the memory store; real time for a store with a clock of its own, so the
 * lifetimes here are short). `peer` is the same data as another instance of
 * the server sees it (for Redis: a store of its own connections): what one
 * instance writes, counts or publishes, the other reads, counts on and hears.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { FlowRecord, Store } from '../../src/engine/index.js';

export interface StoreUnderTest {
  store: Store;
  /** The same data through another instance's store (the memory store: itself, one process being one instance). */
  peer: Store;
  pass(ms: number): Promise<void>;
  close?(): Promise<void>;
}

let counter = 0;
const flowOf = (seq = 1, extra: Partial<FlowRecord> = {}): FlowRecord => ({
  id: `contract-${Date.now().toString(36)}-${++counter}`,
  tokenHash: 'ab'.repeat(32),
  kind: 'qr',
  seq,
  phase: { status: 'qr_waiting' },
  createdAt: 0,
  expiresAt: 300_000,
  qr: {
    payload: 'https://etax.example.invalid/qr/login/00',
    expiresAt: 60_000,
    apps: ['etax', 'iit'],
    matchCode: '07',
  },
  methods: [],
  identities: [],
  faceAttemptsLeft: 3,
  ...extra,
});
const key = (name: string) => `contract:${Date.now().toString(36)}:${++counter}:${name}`;
const HOUR = 3_600_000;

export function storeContract(name: string, make: () => Promise<StoreUnderTest> | StoreUnderTest): void {
  const withStore = (fn: (s: StoreUnderTest) => Promise<void>) => async () => {
    const s = await make();
    try {
      await fn(s);
    } finally {
      await s.close?.();
    }
  };

  describe(`store contract: ${name}`, () => {
    describe('flow records', () => {
      it(
        'gives back what was created, as a copy that the caller cannot change',
        withStore(async ({ store }) => {
          const flow = flowOf();
          assert.equal(await store.createFlow(flow, HOUR), true);
          flow.seq = 99;
          const read = await store.getFlow(flow.id);
          assert.equal(read?.seq, 1);
          assert.deepEqual(read, { ...flow, seq: 1 });
          read!.seq = 42;
          assert.equal((await store.getFlow(flow.id))?.seq, 1);
          assert.equal(await store.getFlow('no-such-flow'), undefined);
        }),
      );

      it(
        'refuses to create a flow whose id is taken',
        withStore(async ({ store }) => {
          const flow = flowOf();
          assert.equal(await store.createFlow(flow, HOUR), true);
          assert.equal(await store.createFlow({ ...flow, seq: 7 }, HOUR), false);
          assert.equal((await store.getFlow(flow.id))?.seq, 1);
        }),
      );

      it(
        'replaces a flow only on the seq it was read at',
        withStore(async ({ store }) => {
          const flow = flowOf();
          await store.createFlow(flow, HOUR);
          assert.equal(await store.replaceFlow({ ...flow, seq: 2 }, 1, HOUR), true);
          assert.equal(await store.replaceFlow({ ...flow, seq: 3, phase: { status: 'expired' } }, 1, HOUR), false);
          assert.deepEqual((await store.getFlow(flow.id))?.phase, { status: 'qr_waiting' });
          assert.equal((await store.getFlow(flow.id))?.seq, 2);
          assert.equal(await store.replaceFlow({ ...flowOf(), id: 'never-created' }, 1, HOUR), false);
          assert.equal(await store.getFlow('never-created'), undefined);
        }),
      );

      it(
        'lets exactly one of many racing writers win',
        withStore(async ({ store }) => {
          const flow = flowOf();
          await store.createFlow(flow, HOUR);
          const results = await Promise.all(
            Array.from({ length: 20 }, (_, i) =>
              store.replaceFlow(
                { ...flow, seq: 2, phase: { status: 'cancelled', by: i % 2 ? 'client' : 'server' } },
                1,
                HOUR,
              ),
            ),
          );
          assert.equal(results.filter(Boolean).length, 1);
          assert.equal((await store.getFlow(flow.id))?.seq, 2);
        }),
      );

      it(
        'forgets a flow when its time is up, and a replacement sets a new time',
        withStore(async ({ store, pass }) => {
          const flow = flowOf();
          await store.createFlow(flow, 200);
          assert.equal(await store.replaceFlow({ ...flow, seq: 2 }, 1, 600), true);
          await pass(300);
          assert.equal((await store.getFlow(flow.id))?.seq, 2);
          await pass(400);
          assert.equal(await store.getFlow(flow.id), undefined);
          assert.equal(await store.replaceFlow({ ...flow, seq: 3 }, 2, HOUR), false);
          assert.equal(await store.createFlow(flow, HOUR), true);
        }),
      );

      it(
        'keeps a record of any JSON shape intact (nested objects, lists, absent members)',
        withStore(async ({ store }) => {
          const flow = flowOf(5, {
            kind: 'password',
            phase: { status: 'identity_required', reason: 'client' },
            identities: [
              { id: 'client:1', name: '上海云杉示例科技有限公司', roleLabel: { 'zh-CN': '办税员', en: 'Tax officer' } },
            ],
            qr: undefined,
          });
          delete flow.qr;
          await store.createFlow(flow, HOUR);
          assert.deepEqual(await store.getFlow(flow.id), flow);
        }),
      );
    });

    describe('change notification', () => {
      it(
        'tells every subscriber of a flow each record written, in order, until it unsubscribes',
        withStore(async ({ store }) => {
          const flow = flowOf();
          await store.createFlow(flow, HOUR);
          const a: number[] = [];
          const b: number[] = [];
          const offA = await store.subscribe(flow.id, (f) => a.push(f.seq));
          const offB = await store.subscribe(flow.id, (f) => b.push(f.seq));
          const other = flowOf();
          await store.createFlow(other, HOUR);
          await store.replaceFlow({ ...other, seq: 2 }, 1, HOUR);
          await store.replaceFlow({ ...flow, seq: 2 }, 1, HOUR);
          await store.replaceFlow({ ...flow, seq: 3 }, 1, HOUR); // lost: not told
          await store.replaceFlow({ ...flow, seq: 3 }, 2, HOUR);
          await waitFor(() => a.length === 2 && b.length === 2);
          offA();
          await store.replaceFlow({ ...flow, seq: 4 }, 3, HOUR);
          await waitFor(() => b.length === 3);
          offB();
          assert.deepEqual(a, [2, 3]);
          assert.deepEqual(b, [2, 3, 4]);
        }),
      );

      it(
        'gives each subscriber a record of its own',
        withStore(async ({ store }) => {
          const flow = flowOf();
          await store.createFlow(flow, HOUR);
          const seen: FlowRecord[] = [];
          const off1 = await store.subscribe(flow.id, (f) => {
            f.seq = -1;
            seen.push(f);
          });
          const off2 = await store.subscribe(flow.id, (f) => seen.push(f));
          await store.replaceFlow({ ...flow, seq: 2 }, 1, HOUR);
          await waitFor(() => seen.length === 2);
          off1();
          off2();
          assert.deepEqual(seen.map((f) => f.seq).sort(), [-1, 2]);
          assert.equal((await store.getFlow(flow.id))?.seq, 2);
        }),
      );
    });

    describe('many instances over one store', () => {
      it(
        'lets exactly one of many writers racing from two instances win',
        withStore(async ({ store, peer }) => {
          const flow = flowOf();
          await store.createFlow(flow, HOUR);
          const results = await Promise.all(
            Array.from({ length: 20 }, (_, i) =>
              (i % 2 ? peer : store).replaceFlow({ ...flow, seq: 2, phase: { status: 'expired' } }, 1, HOUR),
            ),
          );
          assert.equal(results.filter(Boolean).length, 1);
          assert.equal(await peer.createFlow(flow, HOUR), false);
          assert.deepEqual(await peer.getFlow(flow.id), { ...flow, seq: 2, phase: { status: 'expired' } });
        }),
      );

      it(
        'lets a waiter on one instance hear every write of the other, in order, and stop hearing when it leaves',
        withStore(async ({ store, peer }) => {
          const flow = flowOf();
          await peer.createFlow(flow, HOUR);
          const heard: number[] = [];
          const off = await store.subscribe(flow.id, (f) => heard.push(f.seq));
          for (let seq = 2; seq <= 6; seq++) await peer.replaceFlow({ ...flow, seq }, seq - 1, HOUR);
          await waitFor(() => heard.length === 5);
          off();
          // Once it left it hears nothing more, while a waiter that came after it hears the next write.
          const later: number[] = [];
          const offLater = await store.subscribe(flow.id, (f) => later.push(f.seq));
          await peer.replaceFlow({ ...flow, seq: 7 }, 6, HOUR);
          await waitFor(() => later.length === 1);
          offLater();
          assert.deepEqual(heard, [2, 3, 4, 5, 6]);
          assert.deepEqual(later, [7]);
        }),
      );

      it(
        'shares counters, their windows, values and removals between instances',
        withStore(async ({ store, peer }) => {
          const k = key('shared');
          const counts = await Promise.all(
            Array.from({ length: 20 }, (_, i) => (i % 2 ? peer : store).increment(k, HOUR)),
          );
          assert.deepEqual(
            [...counts].sort((a, b) => a - b),
            Array.from({ length: 20 }, (_, i) => i + 1),
          );
          const lock = key('lock');
          await store.write(lock, '1765011600000', HOUR);
          const held = await peer.read(lock);
          assert.equal(held?.value, '1765011600000');
          assert.ok(held!.ttl > HOUR - 1000 && held!.ttl <= HOUR, `ttl ${held?.ttl}`);
          await peer.remove(lock);
          assert.equal(await store.read(lock), undefined);
        }),
      );
    });

    describe('counters and values', () => {
      it(
        'counts, keeps the window of the first count, and starts again after it',
        withStore(async ({ store, pass }) => {
          const k = key('counter');
          assert.equal(await store.increment(k, 500), 1);
          await pass(300);
          assert.equal(await store.increment(k, 500), 2);
          const held = await store.read(k);
          assert.equal(held?.value, '2');
          assert.ok(held!.ttl > 0 && held!.ttl <= 200 + 50, `ttl ${held?.ttl}`);
          await pass(300);
          assert.equal(await store.read(k), undefined);
          assert.equal(await store.increment(k, 500), 1);
          assert.equal(await store.increment(k, 500, 5), 6);
          assert.equal(await store.increment(k, 500, -1), 5);
        }),
      );

      it(
        'counts every one of many racing increments',
        withStore(async ({ store }) => {
          const k = key('race');
          const counts = await Promise.all(Array.from({ length: 50 }, () => store.increment(k, HOUR)));
          assert.deepEqual(
            [...counts].sort((a, b) => a - b),
            Array.from({ length: 50 }, (_, i) => i + 1),
          );
        }),
      );

      it(
        'writes, reads, replaces and removes values, each with its own expiry',
        withStore(async ({ store, pass }) => {
          const a = key('a');
          const b = key('b');
          await store.write(a, '{"digest":"x"}', 300);
          await store.write(b, 'forever', Infinity);
          assert.equal((await store.read(a))?.value, '{"digest":"x"}');
          assert.equal((await store.read(b))?.ttl, Infinity);
          await store.write(a, 'again', 800);
          await pass(400);
          assert.equal((await store.read(a))?.value, 'again');
          await pass(500);
          assert.equal(await store.read(a), undefined);
          assert.equal((await store.read(b))?.value, 'forever');
          await store.remove(b, key('missing'));
          assert.equal(await store.read(b), undefined);
        }),
      );
    });
  });
}

/** Waits until `done()` holds (subscribers of a networked store hear of writes a moment later). */
async function waitFor(done: () => boolean, ms = 2000): Promise<void> {
  const end = Date.now() + ms;
  while (!done()) {
    if (Date.now() > end) throw new Error('timed out waiting for notifications');
    await new Promise((r) => setImmediate(r));
  }
}
