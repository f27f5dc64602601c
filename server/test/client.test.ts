// The page's own headless client against the reference server over real
// sockets: every journey of the seed crosses a real network, by polling,
// long-polling and WebSocket (Node has no EventSource; SSE is tested in
// host.test.ts at the byte level).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import WebSocket from 'ws';
import { createLoginClient, type LoginClient } from '../../src/client/client.js';
import type { LoginStateKind, LoginStateOf } from '../../src/client/state.js';
import { webSocket } from '../../src/client/websocket.js';
import { Engine, MemoryDirectory, SmsOutbox } from '../../src/engine/index.js';
import { DEFAULT_FIXTURE, DEFAULT_PASSWORD } from '../../src/mock/fixtures.js';
import { startHost, type RunningHost } from '../src/host.js';

const BASE = '/api/etax-login';
let host: RunningHost;
let engine: Engine;
let outbox: SmsOutbox;
const clients: LoginClient[] = [];

before(async () => {
  // The client's WebSocket transport uses the platform's WebSocket, which Node 20 lacks.
  (globalThis as { WebSocket?: unknown }).WebSocket ??= WebSocket;
  outbox = new SmsOutbox();
  engine = new Engine({
    accounts: new MemoryDirectory(DEFAULT_FIXTURE),
    sms: outbox,
    settings: { pollInterval: 0.05, heartbeat: 1 },
  });
  host = await startHost({ engine, basePath: BASE, log: () => {} });
});
after(async () => {
  for (const c of clients) c.destroy();
  await host.close();
});

function start(transport: 'poll' | 'long-poll' | 'websocket'): LoginClient {
  const client = createLoginClient({
    baseUrl: `${host.url}${BASE}`,
    crossTab: false,
    transport,
    webSocket,
  });
  clients.push(client);
  return client;
}

/** Resolves when the client reaches `kind` (or fails with where it is instead). */
function reach<K extends LoginStateKind>(client: LoginClient, kind: K, ms = 5000): Promise<LoginStateOf<K>> {
  if (client.state.kind === kind) return Promise.resolve(client.state as LoginStateOf<K>);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`state ${kind} not reached; now ${client.state.kind} ${JSON.stringify(client.state)}`));
    }, ms);
    const off = client.on('state', (s) => {
      if (s.kind !== kind) return;
      clearTimeout(timer);
      off();
      resolve(s as LoginStateOf<K>);
    });
  });
}

const flowOf = (client: LoginClient) => (client.state as unknown as { flowId: string }).flowId;

describe('the headless client against the reference server', () => {
  for (const transport of ['poll', 'long-poll', 'websocket'] as const) {
    it(`logs in by QR, following the flow by ${transport}`, async () => {
      const client = start(transport);
      await client.startQr();
      const waiting = await reach(client, 'qr-waiting');
      const flowId = (await engine.flowOfPayload(waiting.qr.payload))!;
      assert.ok(flowId);
      await engine.scan(flowId, 'iit', 'wangxiuying');
      await reach(client, 'qr-scanned');
      await engine.confirm(flowId, waiting.qr.matchCode);
      const done = await reach(client, 'authenticated');
      assert.equal(client.transport, transport);
      assert.equal(done.kind, 'authenticated');
      client.destroy();
    });
  }

  it('logs in with a password and an SMS code, then chooses the client enterprise (agent)', async () => {
    const client = start('long-poll');
    await client.submitPassword({
      entry: 'agent',
      fields: { taxpayerId: '9144030071526726XG', account: 'zhaolei' },
      password: DEFAULT_PASSWORD,
    });
    await reach(client, 'step-up');
    await client.chooseStepUp('sms');
    await client.sendSms();
    await client.verifySms(outbox.messages.at(-1)!.code);
    const identity = await reach(client, 'identity');
    assert.equal(identity.reason, 'client');
    await client.chooseIdentity(identity.identities[1].id);
    await reach(client, 'authenticated');
    client.destroy();
  });

  it('logs in with a password and face recognition, after a failed attempt', async () => {
    const client = start('websocket');
    await client.submitPassword({
      entry: 'enterprise',
      fields: { taxpayerId: '91310110666007217T', account: '11010519491231002X' },
      password: DEFAULT_PASSWORD,
    });
    await reach(client, 'step-up');
    await client.chooseStepUp('face_iit');
    const face = await reach(client, 'face-waiting');
    const flowId = (await engine.flowOfPayload(face.qr.payload))!;
    await engine.scan(flowId, 'iit');
    await engine.faceFail(flowId);
    assert.equal((await reach(client, 'face-failed')).attemptsLeft, 2);
    await client.chooseStepUp('face_etax');
    await reach(client, 'face-waiting');
    await engine.scan(flowId, 'etax');
    await engine.facePass(flowId);
    await reach(client, 'authenticated');
    client.destroy();
  });

  it('shows a wrong password, then the lock, as the server answers them', async () => {
    const client = start('poll');
    const attempt = () =>
      client.submitPassword({ entry: 'individual', fields: { account: 'liqiang' }, password: 'wrong' });
    await attempt();
    const refused = client.state as { password?: { status: string; error?: { code: string; attemptsLeft?: number } } };
    assert.equal(refused.password?.error?.code, 'invalid_credentials');
    assert.equal(refused.password?.error?.attemptsLeft, 4);
    for (let i = 0; i < 4; i++) await attempt();
    const locked = client.state as { password?: { error?: { code: string; status?: number; retryAt?: number } } };
    assert.equal(locked.password?.error?.code, 'account_locked');
    assert.equal(locked.password?.error?.status, 423);
    // The lock lifts in 30 minutes, as the server said.
    const minutes = (locked.password!.error!.retryAt! - performance.now()) / 60_000;
    assert.ok(minutes > 29 && minutes <= 30, `lock lifts in ${minutes} min`);
    await engine.unlockAccount('liqiang');
    client.destroy();
  });

  it("ends the page's flow when the phone refuses, and the page can start again", async () => {
    const client = start('long-poll');
    await client.startQr();
    const waiting = await reach(client, 'qr-waiting');
    const flowId = (await engine.flowOfPayload(waiting.qr.payload))!;
    await engine.scan(flowId, 'etax', 'wangxiuying');
    await engine.deny(flowId);
    const ended = await reach(client, 'qr-ended');
    assert.deepEqual([ended.reason, ended.app], ['denied', 'etax']);
    assert.notEqual(flowOf(client), flowId);
    client.destroy();
  });
});
