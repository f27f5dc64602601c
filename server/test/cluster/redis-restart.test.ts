// Redis restarted under a running cluster, mid-flow: no instance stops, /readyz
// says not ready meanwhile, the person is told what is happening and offered
// the way back, new logins work once Redis is back, and the account lock and
// the phone's daily SMS cap are still there (the append-only file). Then Redis
// comes back without its data (as after a failover to an empty replica): the
// page whose flow was lost says so and starts again.
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { AppFlowView } from '../../src/app-api.js';
import { until } from '../cluster.js';
import { password, sendSms, stepUp, DEFAULT_PASSWORD } from './journeys.js';
import { clusterWithChromium, openPortal, scanQr, type PortalPage } from './portal-page.js';

const running = clusterWithChromium({ instances: 2, args: ['--sms-daily-limit', '2'] });

const readiness = () =>
  Promise.all(running.cluster.instances.map((i) => fetch(`${i.url}/readyz`).then((r) => r.status)));

const confirm = (flowId: string, matchCode?: string) =>
  running.cluster.app<AppFlowView>(`/v1/flows/${flowId}/confirm`, {
    account: 'wangxiuying',
    ...(matchCode ? { matchCode } : {}),
  });

/** The page's QR login to the end: scanned and confirmed by the phone. */
async function logIn(p: PortalPage) {
  const { flow, matchCode } = await scanQr(running.cluster, p);
  assert.equal((await confirm(flow.flowId, matchCode)).status, 200);
  await p.shows('登录成功');
}

describe('Redis restarted under the cluster', () => {
  it(
    'rides it out: not ready meanwhile, told and offered a retry, working after, locks and caps kept',
    { timeout: 90_000 },
    async () => {
      // 刘芳's account locked by five wrong passwords, 王秀英's phone at its daily cap of two codes.
      for (let i = 0; i < 4; i++) assert.equal((await password(running.cluster, 'liufang', 'Wrong-123')).status, 401);
      assert.equal((await password(running.cluster, 'liufang', 'Wrong-123')).status, 423, 'the fifth locks');
      const locked = await password(running.cluster, 'liufang', DEFAULT_PASSWORD);
      assert.equal(locked.status, 423);
      assert.equal(locked.body.error.code, 'account_locked');
      for (let i = 0; i < 2; i++)
        assert.equal((await sendSms(running.cluster, await stepUp(running.cluster, 'wangxiuying'))).status, 200);
      const capped = await sendSms(running.cluster, await stepUp(running.cluster, 'wangxiuying'));
      assert.equal(capped.status, 429);
      assert.equal(capped.body.error.code, 'sms_throttled');

      // A person mid-login: the QR scanned, the phone about to confirm.
      const waiting = await openPortal(running.browser, `${running.cluster.url}/?transport=sse`);
      const { flow, matchCode } = await scanQr(running.cluster, waiting);
      const pids = running.cluster.instances.map((i) => i.process!.child.pid);

      await running.cluster.redis.shutdown();
      await until(async () => (await readiness()).every((s) => s === 503), 'every instance not ready');
      // The phone's confirmation meanwhile: 503 with Retry-After, through nginx.
      const refused = await confirm(flow.flowId, matchCode);
      assert.equal(refused.status, 503);
      assert.equal(refused.headers.get('retry-after'), '1');
      // A person opening the page meanwhile is told, and offered to try again.
      const meanwhile = await openPortal(running.browser, `${running.cluster.url}/?transport=sse`);
      await meanwhile.shows('登录服务暂时不可用，请稍后重试。');
      assert.ok((await meanwhile.text()).includes('重试'));
      // No instance stopped; each still answers its liveness check.
      for (const i of running.cluster.instances) {
        assert.equal(i.process!.child.exitCode, null, `${i.id} runs`);
        assert.equal((await fetch(`${i.url}/healthz`)).status, 200);
      }

      await running.cluster.redis.start();
      await until(async () => (await readiness()).every((s) => s === 200), 'every instance ready again');
      assert.deepEqual(
        running.cluster.instances.map((i) => i.process!.child.pid),
        pids,
        'the same processes',
      );
      // The flow was kept (append-only file): the phone confirms again and the person is in.
      assert.equal((await confirm(flow.flowId, matchCode)).status, 200);
      await waiting.shows('登录成功');
      // 重试 on the page opened meanwhile: a new login, to the end.
      await meanwhile.clickButton('重试');
      await logIn(meanwhile);
      // The lock and the cap are still there.
      const stillLocked = await password(running.cluster, 'liufang', DEFAULT_PASSWORD);
      assert.equal(stillLocked.status, 423);
      assert.equal(stillLocked.body.error.code, 'account_locked');
      const stillCapped = await sendSms(running.cluster, await stepUp(running.cluster, 'wangxiuying'));
      assert.equal(stillCapped.status, 429);
      assert.equal(stillCapped.body.error.code, 'sms_throttled');

      for (const p of [waiting, meanwhile]) assert.deepEqual(p.errors, []);
      await Promise.all([waiting.close(), meanwhile.close()]);
      assert.deepEqual(
        running.cluster.problems().filter((l) => !/"msg":"redis (unavailable|available again)"/.test(l)),
        [],
      );
    },
  );

  it('a flow Redis lost: the page says the QR has run out and starts a new login', { timeout: 60_000 }, async () => {
    const p = await openPortal(running.browser, `${running.cluster.url}/?transport=sse`);
    try {
      await scanQr(running.cluster, p);
      // Redis comes back empty, as a replica promoted before it had the writes would.
      await running.cluster.redis.shutdown();
      await rm(join(running.cluster.redis.dir, 'appendonlydir'), { recursive: true, force: true });
      await running.cluster.redis.start();
      await p.shows('二维码已失效', 15_000);
      await p.clickButton('刷新二维码');
      await until(() => p.flows.length === 2, 'a new flow');
      await logIn(p);
      assert.deepEqual(p.errors, []);
    } finally {
      await p.close();
    }
  });
});
