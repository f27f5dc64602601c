// A QR login whose page waits on one instance while the phone's confirmation
// lands on another: the built drop-in in Chromium, through nginx (plain
// round-robin), over SSE, long-polling and WebSocket; two instances on Redis.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AppFlowView } from '../../src/app-api.js';
import { until } from '../cluster.js';
import { clusterWithChromium, openPortal, scanQr } from './portal-page.js';

const running = clusterWithChromium({ instances: 2 });

/**
 * Steers the next request through nginx to an instance other than `holder`: with
 * one worker, round-robin hands requests to the instances in turn, so once a
 * harmless read (the app's view of the flow) has landed on `holder`, the next
 * request goes to the other one — unless the page sent one in between, which the
 * caller checks afterwards.
 */
async function steerAwayFrom(holder: string, flowId: string) {
  for (let i = 0; i < 4; i++) {
    const view = await running.cluster.app(`/v1/flows/${flowId}`, { account: 'wangxiuying' });
    assert.equal(view.status, 200);
    if (view.instance === holder) return;
  }
  throw new Error(`no request reached ${holder}`);
}

const TRANSPORTS = [
  { transport: 'sse', stream: 'sse', status: 200 },
  { transport: 'websocket', stream: 'ws', status: 101 },
  { transport: 'long-poll', stream: 'long-poll', status: 200 },
] as const;

describe('a QR login across instances, through nginx, in Chromium', () => {
  for (const { transport, stream, status } of TRANSPORTS) {
    it(
      `over ${transport}: the page waits on one instance, the confirmation lands on another`,
      { timeout: 90_000 },
      async (t) => {
        // Round-robin decides where each request goes: a login whose confirmation happened
        // to land on the waiting instance proves nothing, and another is made (at most 6).
        for (let attempt = 1; ; attempt++) {
          const p = await openPortal(running.browser, `${running.cluster.url}/?transport=${transport}`);
          try {
            const { flow, matchCode } = await scanQr(running.cluster, p);
            const streams = () => p.exchanges.filter((e) => e.kind === stream);
            let holder: string | undefined;
            if (stream !== 'long-poll') {
              await until(() => streams().some((e) => e.status === status), `the page's ${stream}`);
              holder = streams().at(-1)!.instance;
              assert.ok(holder, `the ${stream} answer names its instance`);
              await steerAwayFrom(holder, flow.flowId);
            }
            const confirmSent = Date.now();
            const confirmed = await running.cluster.app<AppFlowView>(`/v1/flows/${flow.flowId}/confirm`, {
              account: 'wangxiuying',
              ...(matchCode ? { matchCode } : {}),
            });
            assert.equal(confirmed.status, 200, JSON.stringify(confirmed.body));
            assert.equal(confirmed.body.status, 'authenticated');
            await p.shows('登录成功');

            if (stream === 'long-poll') {
              // The long-poll that brought the news: sent before the confirmation, so it was
              // held while the confirmation was made.
              const told = streams().at(-1)!;
              assert.equal(told.status, 200);
              if (told.sentAt < confirmSent) holder = told.instance;
            } else {
              // The page never left its stream: nothing but the one stream, no polling.
              assert.equal(streams().length, 1, JSON.stringify(p.exchanges));
              assert.deepEqual(
                p.exchanges.filter((e) => e.kind === 'poll' || e.kind === 'long-poll'),
                [],
              );
            }
            assert.deepEqual(p.errors, []);
            assert.ok(
              p.exchanges.every((e) => e.status < 400),
              JSON.stringify(p.exchanges.filter((e) => e.status >= 400)),
            );
            if (holder && confirmed.instance && holder !== confirmed.instance) {
              assert.deepEqual(new Set([holder, confirmed.instance]), new Set(['i1', 'i2']));
              t.diagnostic(`mixed in login ${attempt}: waiting on ${holder}, confirmed on ${confirmed.instance}`);
              break;
            }
            assert.ok(attempt < 6, `in ${attempt} logins the confirmation never landed apart from the waiting page`);
          } finally {
            await p.close();
          }
        }
        assert.deepEqual(running.cluster.problems(), []);
      },
    );
  }
});
