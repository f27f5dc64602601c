/**
 * The headless client against the mock backend, over every transport: the
 * mock must speak the protocol exactly as the client reads it.
 */
import { expect } from '@open-wc/testing';
import { createLoginClient, type LoginClient, type LoginClientOptions } from '../../src/client/client.js';
import type { LoginState, LoginStateKind } from '../../src/client/state.js';
import type { TransportName } from '../../src/client/protocol.js';
import { sse } from '../../src/client/sse.js';
import { webSocket } from '../../src/client/websocket.js';
import { createMockBackend } from '../../src/mock/index.js';
import { until } from './helpers.js';
import { mockWorker } from '../mock-worker.js';
import { LOGINS } from '../logins.js';

const BASE = '/api/etax-login';
const backend = createMockBackend({ baseUrl: BASE, pollInterval: 0.1, heartbeat: 1, sseRetry: 100 });
const control = backend.control;
const worker = mockWorker(...backend.handlers);
let client: LoginClient | undefined;

const start = (options: Partial<LoginClientOptions> = {}): LoginClient =>
  (client = createLoginClient({ baseUrl: BASE, crossTab: false, sse, webSocket, ...options }));

const reach = async (kind: LoginStateKind, ms = 4000): Promise<LoginState> => {
  await until(() => client!.state.kind === kind, ms, `state ${kind} (now ${client!.state.kind})`);
  return client!.state;
};

describe('mock backend: the headless client end to end', () => {
  afterEach(() => {
    client?.destroy();
    client = undefined;
    control.reset();
  });

  for (const transport of ['poll', 'long-poll', 'sse', 'websocket'] as TransportName[]) {
    it(`logs in by QR over ${transport}`, async () => {
      const c = start({ transport });
      await c.startQr();
      await reach('qr-waiting');
      expect(c.transport).to.equal(transport);
      await control.scan('iit');
      expect((await reach('qr-scanned')) as { app: string }).to.include({ app: 'iit' });
      await control.confirm();
      expect(await reach('authenticated')).to.include({ via: 'qr' });
    });
  }

  it('logs in by password, face recognition failing once, then SMS and capacity', async () => {
    const c = start({ transport: 'sse' });
    await c.submitPassword(LOGINS.liqiang);
    expect(await reach('step-up')).to.include({ maskedPhone: '138****2119' });
    await c.chooseStepUp('face_iit');
    await reach('face-waiting');
    await control.scan('iit');
    await reach('face-scanned');
    await control.faceFail();
    expect(await reach('face-failed')).to.include({ attemptsLeft: 2 });
    await c.chooseStepUp('sms');
    await c.sendSms();
    expect(await reach('sms')).to.include({ phase: 'sent' });
    await c.verifySms(control.lastCode!);
    const identity = (await reach('identity')) as Extract<LoginState, { kind: 'identity' }>;
    expect(identity.identities).to.have.length(3);
    await c.chooseIdentity(identity.identities[0].id);
    expect(await reach('authenticated')).to.include({ via: 'password' });
  });

  it('shows a wrong password on the form with the attempts left', async () => {
    const c = start();
    await c.submitPassword({ entry: 'individual', fields: { account: 'wangxiuying' }, password: 'nope' });
    const s = c.state as Extract<LoginState, { kind: 'idle' }>;
    expect(s.password.status).to.equal('failed');
    expect((s.password as { error: { code: string; attemptsLeft?: number } }).error).to.include({
      code: 'invalid_credentials',
      attemptsLeft: 4,
    });
  });

  it('falls back to polling when the streams are dropped', async () => {
    const c = start({ transport: 'websocket' });
    await c.startQr();
    await reach('qr-waiting');
    await until(() => control.flow()?.streams === 1, 3000, 'the socket');
    control.dropStreams();
    await until(() => c.transport === 'poll', 3000, 'the fallback');
    await control.scan('etax');
    await reach('qr-scanned');
  });

  it('ends the flow when the phone denies', async () => {
    const c = start({ transport: 'long-poll' });
    await c.startQr();
    await reach('qr-waiting');
    await control.scan('etax');
    await control.deny();
    expect(await reach('qr-ended')).to.include({ reason: 'denied' });
  });

  it('round-trips request bodies through the encryption hooks', async () => {
    const seen: string[] = [];
    const wrap = (s: string) => btoa(String.fromCharCode(...new TextEncoder().encode(s)));
    const unwrap = (s: string) => new TextDecoder().decode(Uint8Array.from(atob(s), (ch) => ch.charCodeAt(0)));
    const other = createMockBackend({
      baseUrl: '/api/sealed',
      encryption: { scheme: 'test-base64' },
      decryptBody: (body, request) => {
        if (request.headers.get('Content-Type') !== 'application/x-sealed') throw new Error('not sealed');
        seen.push(body);
        return unwrap(body);
      },
    });
    worker.use(...other.handlers);
    const c = start({
      baseUrl: '/api/sealed',
      encrypt: async (json, context) => {
        expect(context.encryption).to.deep.equal({ scheme: 'test-base64' });
        return { body: wrap(json), headers: { 'Content-Type': 'application/x-sealed' } };
      },
    });
    await c.submitPassword({ entry: 'individual', fields: { account: 'sunyue' }, password: 'Etax@2024' });
    await reach('step-up');
    expect(seen.some((b) => b.includes('Etax@2024'))).to.equal(false);
    expect(JSON.stringify(other.control.requests[1].body)).to.include('[redacted]');
    const plain = await fetch('/api/sealed/v1/flows/qr', {
      method: 'POST',
      headers: { 'Etax-Request': '1' },
      body: '{}',
    });
    expect(plain.status).to.equal(400);
    worker.resetHandlers();
  });
});
