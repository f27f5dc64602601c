// The server command with `--redis`, as an operator runs it, against a real
// redis-server: configuration, the password kept out of flags and logs, and
// Redis going away and coming back mid-flow without the process noticing more
// than `/readyz` and `503`s.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FlowCreated } from '../../src/client/protocol.js';
import { helpText, readConfig } from '../src/config.js';
import { startRedis, type RunningRedis } from './redis.js';
import { startServer, type ServerProcess } from './server-process.js';

const BASE = '/api/etax-login';

/** Resolves once `done()` holds; fails after `ms`. */
async function until(done: () => boolean | Promise<boolean>, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await done())) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}

const readyz = async (server: ServerProcess) => (await fetch(`${server.url}/readyz`)).status;
const createQr = (server: ServerProcess) =>
  fetch(`${server.url}${BASE}/v1/flows/qr`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'Etax-Request': '1' },
    body: '{}',
  });

/** The `state` events of an SSE stream, as they arrive. */
function stateEvents(response: Response) {
  const seqs: number[] = [];
  const statuses: string[] = [];
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  const done = (async () => {
    for (;;) {
      const { done: end, value } = await reader.read().catch(() => ({ done: true, value: undefined }));
      if (end) return;
      buffer += value;
      for (let i = buffer.indexOf('\n\n'); i >= 0; i = buffer.indexOf('\n\n')) {
        const block = buffer.slice(0, i);
        buffer = buffer.slice(i + 2);
        const data = /^data: (.*)$/m.exec(block)?.[1];
        if (!/^event: state$/m.test(block) || !data) continue;
        const state = JSON.parse(data) as { seq: number; status: string };
        seqs.push(state.seq);
        statuses.push(state.status);
      }
    }
  })();
  return { seqs, statuses, ended: done, cancel: () => reader.cancel().then(() => done) };
}

describe('server configuration: Redis', () => {
  it('takes Redis from a flag, the environment or the config file, and keeps its password out of flags', async () => {
    assert.equal((await readConfig([], {})).redis, undefined, 'memory by default');
    assert.equal((await readConfig(['--redis', 'redis://10.0.0.5:6379/2'], {})).redis, 'redis://10.0.0.5:6379/2');
    const fromEnv = await readConfig([], { ETAX_REDIS_URL: 'rediss://etax:pw@redis.internal:6380' });
    assert.equal(fromEnv.redis, 'rediss://etax:pw@redis.internal:6380');
    assert.equal(fromEnv.redisPrefix, 'etax-login:');
    assert.equal((await readConfig(['--redis-prefix', 'hubei:'], {})).redisPrefix, 'hubei:');
    await assert.rejects(readConfig(['--redis', 'redis://etax:pw@redis.internal:6379'], {}), /ETAX_REDIS_PASSWORD/);
    await assert.rejects(readConfig(['--redis', 'http://redis.internal'], {}), /redis:\/\/host:port/);
    await assert.rejects(readConfig(['--redis', 'redis.internal:6379'], {}), /redis:\/\/host:port/);
    await assert.rejects(readConfig(['--redis-prefix', 'a b'], {}), /--redis-prefix/);
    const help = helpText();
    for (const words of ['--redis <string>', 'ETAX_REDIS_URL', '--redis-prefix', 'ETAX_REDIS_PASSWORD', 'rediss://']) {
      assert.ok(help.includes(words), words);
    }
  });
});

describe('server on Redis', () => {
  let redis: RunningRedis;
  before(async () => {
    redis = await startRedis();
  });
  after(() => redis.stop());

  it('rides out Redis going away mid-flow: 503s and not ready meanwhile, working again after', async () => {
    const server = await startServer(['--redis', redis.url, '--qr-lifetime', '1']);
    try {
      await until(async () => (await readyz(server)) === 200);
      const created = (await (await createQr(server)).json()) as FlowCreated;
      const qrEnds = Date.now() + 1000;
      const stream = await fetch(`${server.url}${BASE}/v1/flows/${created.flowId}/events?token=${created.flowToken}`, {
        headers: { Accept: 'text/event-stream' },
      });
      assert.equal(stream.status, 200);
      const old = stateEvents(stream);
      await until(() => old.seqs.includes(1));

      await redis.shutdown();
      await until(async () => (await readyz(server)) === 503);
      assert.ok(Date.now() < qrEnds, 'Redis went away before the QR ran out');
      const refused = await createQr(server);
      assert.equal(refused.status, 503);
      // An outage is no rate limit: the audit log does not say the page was throttled.
      assert.ok(!server.lines().some((l) => l.result === 'rate_limited'), 'no rate_limited in the audit log');
      assert.equal(refused.headers.get('retry-after'), '1');
      assert.equal(((await refused.json()) as { error: { code: string } }).error.code, 'unavailable');
      const state = await fetch(`${server.url}${BASE}/v1/flows/${created.flowId}`, {
        headers: { Authorization: `Bearer ${created.flowToken}` },
      });
      assert.deepEqual([state.status, state.headers.get('retry-after')], [503, '1']);
      await state.body?.cancel();
      // The flow's QR runs out while Redis is away: the instance's timer for it finds no store.
      await until(() => Date.now() > qrEnds + 300);

      await redis.start();
      await until(async () => (await readyz(server)) === 200);
      // The flow was lost with Redis (no file): its page is told it expired, and the stream ends.
      await old.ended;
      assert.deepEqual(old.statuses, ['qr_waiting', 'expired']);
      const again = await createQr(server);
      assert.equal(again.status, 201);
      const next = (await again.json()) as FlowCreated;
      const live = stateEvents(
        await fetch(`${server.url}${BASE}/v1/flows/${next.flowId}/events?token=${next.flowToken}`, {
          headers: { Accept: 'text/event-stream' },
        }),
      );
      // Its QR rotates after a second, heard through Redis by the stream.
      await until(() => live.seqs.includes(2));
      await live.cancel();

      assert.equal(await server.stop(), 0);
      const messages = server.lines().map((l) => l.msg);
      assert.ok(messages.includes('redis unavailable') && messages.includes('redis available again'), `${messages}`);
      assert.equal(server.stderr(), '');
    } finally {
      await server.kill();
    }
  });
});

describe('server on Redis as production runs it: an ACL user, TLS, a key prefix', () => {
  // The user of docs/deploy.md: its own keys and channels only, no dangerous command.
  const password = 'rds-Secret-7f3a9c';
  const user = ['etax-login', 'on', `>${password}`, '~hubei:*', '&hubei:*', '+@all', '-@dangerous', '+info'];
  let redis: RunningRedis;
  before(async () => {
    redis = await startRedis({ tls: true, args: ['--user', 'default', 'off', '--user', ...user] });
  });
  after(() => redis.stop());

  it('connects over rediss:// as its user, the password from ETAX_REDIS_PASSWORD and never in the log', async () => {
    const url = redis.tlsUrl!.replace('rediss://', 'rediss://etax-login@');
    const env = { NODE_EXTRA_CA_CERTS: redis.caFile! };
    const right = await startServer(['--redis', url, '--redis-prefix', 'hubei:'], {
      ...env,
      ETAX_REDIS_PASSWORD: password,
    });
    const wrong = await startServer(['--redis', url, '--redis-prefix', 'hubei:'], {
      ...env,
      ETAX_REDIS_PASSWORD: 'not-it',
    });
    try {
      await until(async () => (await readyz(right)) === 200);
      const created = (await (await createQr(right)).json()) as FlowCreated;
      const state = await fetch(`${right.url}${BASE}/v1/flows/${created.flowId}`, {
        headers: { Authorization: `Bearer ${created.flowToken}` },
      });
      assert.equal(state.status, 200);
      await state.body?.cancel();
      await wrong.line((l) => l.msg === 'redis unavailable');
      assert.equal(await readyz(wrong), 503);
      assert.equal((await createQr(wrong)).status, 503);
      assert.equal(await right.stop(), 0);
      assert.equal(await wrong.stop(), 0);
      for (const s of [right, wrong]) {
        const out = JSON.stringify(s.lines()) + s.stderr();
        assert.ok(!out.includes(password) && !out.includes('not-it'), 'no password in the output');
        assert.equal(s.lines().find((l) => l.msg === 'listening')?.store, redis.tlsUrl);
      }
    } finally {
      await Promise.all([right.kill(), wrong.kill()]);
    }
  });
});
