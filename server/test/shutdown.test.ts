// SIGTERM as an orchestrator sends it during a rolling restart: the process
// answers what it holds and exits, whatever flows are still live, on either store.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FlowCreated } from '../../src/client/protocol.js';
import { systemClock } from '../../src/engine/index.js';
import { RedisStore } from '../src/redis-store.js';
import { startRedis, type RunningRedis } from './redis.js';
import { startServer } from './server-process.js';

const BASE = '/api/etax-login';

describe('server process: SIGTERM', () => {
  let redis: RunningRedis;
  before(async () => {
    redis = await startRedis();
  });
  after(() => redis.stop());

  for (const store of ['memory', 'redis'] as const) {
    it(`exits at once with live flows and a long-poll in flight (${store} store)`, async () => {
      const server = await startServer(store === 'redis' ? ['--redis', redis.url] : []);
      try {
        // Ready once its store answers, as a load balancer would wait for.
        while ((await fetch(`${server.url}/readyz`)).status !== 200) await new Promise((r) => setTimeout(r, 20));
        const created = await fetch(`${server.url}${BASE}/v1/flows/qr`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', 'Etax-Request': '1' },
          body: '{}',
        });
        const f = (await created.json()) as FlowCreated;
        const held = fetch(`${server.url}${BASE}/v1/flows/${f.flowId}?after=1&wait=20`, {
          headers: { Authorization: `Bearer ${f.flowToken}`, 'Etax-Request': '1' },
        });
        // Time for the long-poll to reach the server and be held (it answers only in 20 s or at shutdown).
        await new Promise((r) => setTimeout(r, 300));
        const started = Date.now();
        const stopped = server.stop();
        const answer = await held;
        assert.equal(answer.status, 200, `${await answer.text()} ${JSON.stringify(server.lines())}`);
        // The flows live for minutes; a process held by one of their timers would outlast this bound.
        const code = await Promise.race([stopped, new Promise((r) => setTimeout(() => r('still running'), 15_000))]);
        assert.equal(code, 0, `exit after ${Date.now() - started} ms`);
      } finally {
        await server.kill();
      }
    });
  }

  // A request answered while the server stops (a flow created, a long-poll ended) sets its
  // flow's expiry timer after the engine closed: no engine timer may keep the process alive
  // until the flow would have ended. Counted within one tick, so no other timer comes or goes.
  it('gives the engine timers that never hold the process, on either store’s clock', async () => {
    const redisStore = new RedisStore({ url: redis.url });
    try {
      const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
      for (const clock of [systemClock, redisStore.clock]) {
        const before = timers();
        const cancel = clock.after(60_000, () => assert.fail('cancelled'));
        assert.equal(timers(), before);
        cancel();
      }
    } finally {
      await redisStore.close();
    }
  });
});
