// The instance holding a page's SSE stream dies (SIGKILL) mid-login: the page
// reconnects through nginx, resumes from its last event (Last-Event-ID) on
// another instance, and the login completes.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AppFlowView } from '../../src/app-api.js';
import type { FlowState } from '../../../src/client/protocol.js';
import { until } from '../cluster.js';
import { clusterWithChromium, openPortal } from './portal-page.js';

const running = clusterWithChromium({ instances: 2 });

describe('an instance killed under a waiting page', () => {
  it(
    'the page resumes its stream on another instance from its last event, and logs in',
    { timeout: 60_000 },
    async () => {
      const p = await openPortal(running.browser, `${running.cluster.url}/?transport=sse`);
      try {
        const flow = await p.qrFlow();
        const streams = () => p.exchanges.filter((e) => e.kind === 'sse');
        await until(() => streams().some((e) => e.status === 200), "the page's stream");
        const holder = running.cluster.instance(streams()[0].instance ?? null);

        const payload = (flow.state as { qr: { payload: string } }).qr.payload;
        const scanned = await running.cluster.app<AppFlowView>('/v1/scan', {
          account: 'wangxiuying',
          app: 'etax',
          payload,
        });
        assert.equal(scanned.status, 200);
        await p.shows('扫描成功');
        const seen = await running.cluster.page<FlowState>(`/v1/flows/${flow.flowId}`, { token: flow.flowToken });
        assert.equal(seen.body.status, 'qr_scanned');

        await holder.kill();
        await until(() => streams().length >= 2 && streams()[1].status === 200, 'the page to reconnect', 15_000);
        const resumed = streams()[1];
        assert.notEqual(resumed.instance, holder.id, 'the stream came back on another instance');
        assert.equal(resumed.requestHeaders['last-event-id'], String(seen.body.seq), 'from its last event');
        assert.ok(await p.has('[part~="qr"], svg'), 'still the scanned QR view');

        const confirmed = await running.cluster.app<AppFlowView>(`/v1/flows/${flow.flowId}/confirm`, {
          account: 'wangxiuying',
          ...(scanned.body.matchCode ? { matchCode: scanned.body.matchCode } : {}),
        });
        assert.equal(confirmed.status, 200, JSON.stringify(confirmed.body));
        await p.shows('登录成功');
        // Pushed to the resumed stream: the page never fell back to polling, and saw no error.
        assert.equal(streams().length, 2);
        assert.deepEqual(
          p.exchanges.filter((e) => e.kind === 'poll' || e.kind === 'long-poll' || e.status >= 400),
          [],
        );
        assert.deepEqual(p.errors, []);
        // What the logs say: nginx could not reach the dead instance, and nothing else went wrong.
        const port = `127.0.0.1:${holder.port}`;
        assert.deepEqual(
          running.cluster.problems().filter((l) => !(l.startsWith('nginx: ') && l.includes(port))),
          [],
        );
      } finally {
        await p.close();
      }
    },
  );
});
