// A rolling restart of every instance (SIGTERM one, wait for it to exit, start it
// again, wait until nginx sends it requests, next) under a steady load of QR
// logins through nginx — the page's API waiting by long-poll, the phone through
// the app API: no login fails.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { AppFlowView } from '../../src/app-api.js';
import type { FlowCreated, FlowState } from '../../../src/client/protocol.js';
import { startCluster, until, type Answer, type Cluster } from '../cluster.js';

let cluster: Cluster;
const ROUNDS = 3;

before(
  async () => {
    cluster = await startCluster({ instances: 2 });
  },
  { timeout: 60_000 },
);

after(() => cluster?.stop(), { timeout: 30_000 });

/** What the load saw. */
interface Load {
  logins: number;
  failures: string[];
  /** Requests answered `503` with `Retry-After` (nothing done: tried again after the wait, as the protocol says). */
  retried: number;
  /** Instance and time of every answer. */
  answers: { instance: string | null; at: number }[];
}

/**
 * One request of the load: answered `503 unavailable` with `Retry-After` (an instance
 * that is stopping and did nothing), it is made again after the wait, as a client does.
 */
async function send<T>(load: Load, request: () => Promise<Answer<T>>): Promise<Answer<T>> {
  for (let i = 0; ; i++) {
    const answer = await request();
    load.answers.push({ instance: answer.instance, at: Date.now() });
    const wait = Number(answer.headers.get('retry-after'));
    if (answer.status !== 503 || !wait || i >= 3) return answer;
    load.retried++;
    await new Promise((r) => setTimeout(r, wait * 1000));
  }
}

/**
 * A QR login as a page and a phone make it: the page waits by long-poll from its creation
 * to the end. Each login is a person of their own, at `address` (nginx's X-Forwarded-For,
 * believed by the instances), so that the limits per client address do not count the
 * whole load as one client.
 */
async function login(load: Load, account: string, address: string): Promise<void> {
  const headers = { 'X-Forwarded-For': address };
  const created = await send(load, () => cluster.page<FlowCreated>('/v1/flows/qr', { json: {}, headers }));
  if (created.status !== 201) throw new Error(`create: ${created.status} ${JSON.stringify(created.body)}`);
  const flow = created.body;
  let seq = flow.state.seq;
  let status = flow.state.status;
  /** The page's long-poll for the next state (held by an instance until something changes). */
  const next = async () => {
    const polled = await send(load, () =>
      cluster.page<FlowState>(`/v1/flows/${flow.flowId}?after=${seq}&wait=10`, { token: flow.flowToken, headers }),
    );
    if (polled.status !== 200) throw new Error(`long-poll: ${polled.status} ${JSON.stringify(polled.body)}`);
    ({ seq, status } = polled.body);
  };
  const waiting = next();
  const payload = (flow.state as { qr: { payload: string } }).qr.payload;
  const scanned = await send(load, () => cluster.app<AppFlowView>('/v1/scan', { account, app: 'etax', payload }));
  if (scanned.status !== 200) throw new Error(`scan: ${scanned.status} ${JSON.stringify(scanned.body)}`);
  await waiting;
  while (status === 'qr_waiting') await next();
  if (status !== 'qr_scanned') throw new Error(`after the scan the page sees ${status}`);
  const waitingForEnd = next();
  const confirmed = await send(load, () =>
    cluster.app<AppFlowView>(`/v1/flows/${flow.flowId}/confirm`, {
      account,
      ...(scanned.body.matchCode ? { matchCode: scanned.body.matchCode } : {}),
    }),
  );
  if (confirmed.status !== 200) throw new Error(`confirm: ${confirmed.status} ${JSON.stringify(confirmed.body)}`);
  await waitingForEnd;
  while (status === 'qr_scanned') await next();
  if (status !== 'authenticated') throw new Error(`the page ends at ${status}`);
}

describe('a rolling restart under load', () => {
  it('restarts every instance in turn while logins go on: none fails', { timeout: 120_000 }, async (t) => {
    const load: Load = { logins: 0, failures: [], retried: 0, answers: [] };
    let stopping = false;
    const MAX_LOGINS = 3000;
    // Accounts with one identity each: their QR logins end authenticated at the confirmation.
    const accounts = ['wangxiuying', 'zhaolei', 'liufang', 'wangxiuying', 'zhaolei', 'liufang'];
    let people = 0;
    const workers = accounts.map(async (account) => {
      while (!stopping && load.logins + load.failures.length < MAX_LOGINS) {
        try {
          const n = ++people;
          await login(load, account, `10.20.${n >> 8}.${n & 255}`);
          load.logins++;
        } catch (e) {
          load.failures.push(`${account}: ${(e as Error).message}`);
        }
      }
    });

    const servedSince = (id: string, since: number) => load.answers.some((a) => a.instance === id && a.at > since);
    try {
      await until(() => load.logins >= 20, 'the load to run', 20_000);
      // Three rounds: each stop is a moment when requests meet a closing port.
      for (const instance of Array.from({ length: ROUNDS }, () => cluster.instances).flat()) {
        assert.equal(await instance.stop(), 0, `${instance.id} exits 0`);
        const exitedAt = Date.now();
        // Meanwhile the other instances take every login.
        const before = load.logins;
        await until(() => load.logins >= before + 5, `logins while ${instance.id} is down`, 20_000);
        // Answers already on their way when it exited are let through.
        assert.ok(!servedSince(instance.id, exitedAt + 250), `${instance.id} answered nothing once stopped`);
        await instance.start();
        const startedAt = Date.now();
        await until(() => servedSince(instance.id, startedAt), `nginx to send ${instance.id} requests again`, 20_000);
      }
      const done = load.logins;
      await until(() => load.logins >= done + 20, 'logins after the restarts', 20_000);
    } finally {
      stopping = true;
      await Promise.all(workers);
    }
    assert.deepEqual(load.failures, [], cluster.problems().join('\n'));
    assert.ok(load.logins >= 60, `${load.logins} logins`);
    // Every instance answered some of the load, and ran once more than it was restarted.
    for (const instance of cluster.instances) {
      assert.equal(instance.processes.length, ROUNDS + 1);
      assert.ok(load.answers.some((a) => a.instance === instance.id));
    }
    t.diagnostic(`${load.logins} logins, ${load.retried} requests made again after 503 + Retry-After`);
    // The logs: nginx found a stopped instance's port closed (refused, or reset for a
    // connection still in its queue), took it out for a while and tried the next one; nothing else.
    assert.deepEqual(
      cluster
        .problems()
        .filter(
          (l) =>
            !/^nginx: .*(connect\(\) failed \(111: Connection refused\)|recv\(\) failed \(104: Connection reset by peer\)|upstream server temporarily disabled)/.test(
              l,
            ),
        ),
      [],
    );
  });
});
