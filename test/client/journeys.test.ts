/**
 * Every login journey and every error code, through the headless client
 * against the MSW mock backend (real fetch, real EventSource, real timers).
 */
import { expect } from '@open-wc/testing';
import { createLoginClient, type LoginClient, type LoginClientOptions } from '../../src/client/client.js';
import type { EntryId, FaceMethod, QrApp, StepUpMethod } from '../../src/client/protocol.js';
import { sse } from '../../src/client/sse.js';
import type { LoginError, LoginState, LoginStateKind, LoginStateOf } from '../../src/client/state.js';
import { createMockBackend, type MockBackendOptions } from '../../src/mock/index.js';
import { until } from '../mock/helpers.js';
import { mockWorker } from '../mock-worker.js';
import { LOGINS } from '../logins.js';

const PASSWORD = 'Etax@2024';
const FAST = { pollInterval: 0.05, heartbeat: 1, sseRetry: 50 } satisfies MockBackendOptions;

let client: LoginClient | undefined;
let backend = createMockBackend({ baseUrl: '/api/journeys', ...FAST });
const worker = mockWorker(...backend.handlers);

/** A backend of its own for the test, with these options. */
function serve(options: MockBackendOptions = {}) {
  backend = createMockBackend({ baseUrl: `/api/j${Math.random().toString(36).slice(2)}`, ...FAST, ...options });
  worker.use(...backend.handlers);
  return backend.control;
}

const start = (options: Partial<LoginClientOptions> = {}): LoginClient =>
  (client = createLoginClient({ baseUrl: backend.baseUrl, crossTab: false, transport: 'poll', sse, ...options }));

async function reach<K extends LoginStateKind>(kind: K, ms = 4000): Promise<LoginStateOf<K>> {
  await until(() => client!.state.kind === kind, ms, `state ${kind} (now ${client!.state.kind})`);
  return client!.state as LoginStateOf<K>;
}

const errorOf = (s: LoginState): LoginError | undefined =>
  'error' in s ? s.error : 'password' in s && s.password.status === 'failed' ? s.password.error : undefined;

const ACCOUNTS: Record<string, { entry: EntryId; fields: Record<string, string>; phone: string }> = {
  enterprise: {
    entry: 'enterprise',
    fields: { taxpayerId: '91310110666007217T', account: '11010519491231002X' },
    phone: '176****2696',
  },
  individual: { entry: 'individual', fields: { account: '17612342696' }, phone: '176****2696' },
  agent: { entry: 'agent', fields: { taxpayerId: '9144030071526726XG', account: 'zhaolei' }, phone: '159****3035' },
};

const appOf: Record<FaceMethod, QrApp> = { face_iit: 'iit', face_etax: 'etax' };

async function passStepUp(c: LoginClient, method: StepUpMethod) {
  await c.chooseStepUp(method);
  if (method === 'sms') {
    const sms = await reach('sms');
    expect(sms.phase).to.equal('idle');
    await c.sendSms();
    expect((await reach('sms')).phase).to.equal('sent');
    await c.verifySms(backend.control.lastCode!.split('').join(' '));
  } else {
    const face = await reach('face-waiting');
    expect(face.method).to.equal(method);
    expect(face.qr.payload).to.be.a('string').with.length.greaterThan(0);
    await backend.control.scan(appOf[method]);
    expect((await reach('face-scanned')).app).to.equal(appOf[method]);
    await backend.control.facePass();
  }
}

describe('journeys through the client and the mock backend', () => {
  // Each test serves a backend of its own, at its own base URL. The backends stay: a request a
  // destroyed client had already sent is still answered by its own, not passed to the network.
  afterEach(() => {
    client?.destroy();
    client = undefined;
  });

  describe('QR login', () => {
    for (const app of ['etax', 'iit'] as QrApp[]) {
      it(`logs in by scanning with the ${app} app, with no second factor`, async () => {
        const control = serve({ redirectUrl: '/portal/home' });
        const c = start();
        await c.startQr();
        const waiting = await reach('qr-waiting');
        expect(waiting.qr.matchCode).to.match(/^\w+$/);
        await control.scan(app);
        expect((await reach('qr-scanned')).app).to.equal(app);
        await control.confirm({ matchCode: waiting.qr.matchCode });
        const done = await reach('authenticated');
        expect(done).to.include({ via: 'qr', redirectUrl: '/portal/home' });
        expect(control.requests.some((r) => r.path.includes('/step-up') || r.path.includes('/sms'))).to.equal(false);
      });
    }

    it('falls back from scanned to waiting when the phone leaves the confirmation', async () => {
      const control = serve();
      const c = start();
      await c.startQr();
      await reach('qr-waiting');
      await control.scan('etax');
      await reach('qr-scanned');
      await control.unscan();
      await reach('qr-waiting');
    });

    it('follows a QR rotated within the same flow', async () => {
      const control = serve();
      const c = start();
      await c.startQr();
      const first = (await reach('qr-waiting')).qr.payload;
      await control.rotateQr();
      await until(() => c.state.kind === 'qr-waiting' && c.state.qr.payload !== first, 3000, 'a new payload');
      expect((c.state as LoginStateOf<'qr-waiting'>).flowId).to.equal((await reach('qr-waiting')).flowId);
    });

    it('tells denial, cancellation on the phone and expiry apart', async () => {
      const control = serve();
      const c = start();
      for (const [act, reason] of [
        [() => control.deny(), 'denied'],
        [() => control.cancel({ by: 'phone' }), 'cancelled'],
        [() => control.expireFlow(), 'expired'],
      ] as const) {
        await c.startQr();
        await reach('qr-waiting');
        await control.scan('iit');
        await reach('qr-scanned');
        await act();
        expect((await reach('qr-ended')).reason).to.equal(reason);
      }
    });
  });

  describe('password login with step-up', () => {
    for (const entry of ['enterprise', 'individual', 'agent']) {
      for (const method of ['face_iit', 'face_etax', 'sms'] as StepUpMethod[]) {
        it(`${entry} entry through ${method}`, async () => {
          serve();
          const c = start({ transport: entry === 'agent' ? 'sse' : 'poll' });
          const account = ACCOUNTS[entry];
          await c.submitPassword({ entry: account.entry, fields: account.fields, password: PASSWORD });
          const stepUp = await reach('step-up');
          expect(stepUp.methods).to.deep.equal(['face_iit', 'face_etax', 'sms']);
          expect(stepUp.maskedPhone).to.equal(account.phone);
          await passStepUp(c, method);
          if (entry === 'agent') {
            // An agent picks the client enterprise before the login completes.
            const identity = await reach('identity');
            expect(identity.reason).to.equal('client');
            expect(identity.identities.map((i) => i.taxpayerId)).to.include('91310115591693856A');
            await c.chooseIdentity(identity.identities.find((i) => i.taxpayerId === '91310115591693856A')!.id);
          }
          expect(await reach('authenticated')).to.include({ via: 'password' });
        });
      }
    }

    it('asks a person with several capacities to choose one', async () => {
      serve();
      const c = start();
      await c.submitPassword(LOGINS.liqiang);
      await reach('step-up');
      await passStepUp(c, 'face_etax');
      const identity = await reach('identity');
      expect(identity.reason).to.equal('capacity');
      expect(identity.identities.map((i) => i.roleLabel?.['zh-CN'])).to.deep.equal([
        '法定代表人',
        '财务负责人',
        '办税员',
      ]);
      await c.chooseIdentity(identity.identities[1].id);
      expect(await reach('authenticated')).to.include({ via: 'password' });
    });

    it('switches method at any time, even with a face QR on screen', async () => {
      serve();
      const c = start();
      await c.submitPassword({ entry: 'individual', fields: ACCOUNTS.individual.fields, password: PASSWORD });
      await reach('step-up');
      await c.chooseStepUp('face_iit');
      await reach('face-waiting');
      await c.chooseStepUp('face_etax');
      await until(() => c.state.kind === 'face-waiting' && c.state.method === 'face_etax', 3000, 'the e-tax face QR');
      await passStepUp(c, 'sms');
      await reach('authenticated');
    });

    it('offers SMS after a face failure and counts the attempts left', async () => {
      const control = serve();
      const c = start();
      await c.submitPassword({ entry: 'individual', fields: ACCOUNTS.individual.fields, password: PASSWORD });
      await reach('step-up');
      await c.chooseStepUp('face_iit');
      await reach('face-waiting');
      await control.scan('iit');
      await reach('face-scanned');
      await control.faceFail();
      const failed = await reach('face-failed');
      expect(failed).to.include({ method: 'face_iit', attemptsLeft: 2 });
      expect(failed.methods).to.include('sms');
      await passStepUp(c, 'sms');
      await reach('authenticated');
    });
  });

  describe('error codes', () => {
    const individual = (password = PASSWORD, account = '17612342696') => ({
      entry: 'individual',
      fields: { account },
      password,
    });

    /** Logs in with a password (wangxiuying by default) up to the choice of a second factor. */
    async function atStepUp(c: LoginClient, account?: string) {
      await c.submitPassword(individual(PASSWORD, account));
      return reach('step-up');
    }

    async function atSms(c: LoginClient) {
      await atStepUp(c);
      await c.chooseStepUp('sms');
    }

    it('invalid_credentials: one answer whether or not the account exists', async () => {
      serve();
      const c = start();
      await c.submitPassword(individual('wrong-password'));
      const known = errorOf(c.state)!;
      await c.submitPassword(individual('wrong-password', 'nobody_here'));
      const unknown = errorOf(c.state)!;
      expect(known.code).to.equal('invalid_credentials');
      expect(unknown.code).to.equal('invalid_credentials');
      expect(unknown.message).to.equal(known.message);
      expect(known.status).to.equal(401);
    });

    it('invalid_taxpayer_id names the field', async () => {
      serve();
      const c = start();
      await c.submitPassword({
        entry: 'enterprise',
        fields: { taxpayerId: '91110000000000000X', account: 'wangxiuying' },
        password: PASSWORD,
      });
      expect(errorOf(c.state)).to.include({ code: 'invalid_taxpayer_id', field: 'taxpayerId', status: 400 });
    });

    it('not_registered when the backend chooses to reveal it', async () => {
      serve({ revealNotRegistered: true });
      const c = start();
      await c.submitPassword(individual(PASSWORD, 'nobody_here'));
      expect(errorOf(c.state)).to.include({ code: 'not_registered' });
    });

    it('account_locked with a retry time, after repeated wrong passwords', async () => {
      serve({ maxPasswordAttempts: 3 });
      const c = start();
      for (let i = 0; i < 3; i++) await c.submitPassword(individual('wrong'));
      const error = errorOf(c.state)!;
      expect(error).to.include({ code: 'account_locked', status: 423 });
      expect(error.retryAt! - performance.now()).to.be.greaterThan(60_000);
    });

    it('rate_limited honours Retry-After', async () => {
      const control = serve();
      control.throttle(30);
      const c = start();
      await c.submitPassword(individual());
      const error = errorOf(c.state)!;
      expect(error).to.include({ code: 'rate_limited', status: 429 });
      expect(error.retryAt! - performance.now()).to.be.within(25_000, 31_000);
    });

    it('sms_throttled holds the resend button until Retry-After', async () => {
      const control = serve();
      const c = start();
      await atSms(c);
      control.throttle(40, { match: { path: /\/sms$/ } });
      await c.sendSms();
      const sms = await reach('sms');
      expect(sms.error).to.include({ code: 'sms_throttled' });
      expect(sms.phase).to.equal('idle');
      expect(sms.resendAt! - performance.now()).to.be.within(35_000, 41_000);
      expect(() => c.sendSms()).to.throw(/resendAt/);
    });

    // Over SSE the stream's `locked` state comes before the answer to the last code: it says
    // what locked the flow (this flow, not the account), so both transports tell the same.
    for (const transport of ['poll', 'sse'] as const) {
      it(`sms_code_invalid with attempts left, then sms_locked ends the flow (${transport})`, async () => {
        serve({ sms: { maxWrong: 2 } });
        const c = start({ transport });
        await atSms(c);
        expect(c.transport).to.equal(transport);
        await c.sendSms();
        const wrong = backend.control.lastCode === '000000' ? '111111' : '000000';
        await c.verifySms(wrong);
        expect((await reach('sms')).error).to.include({ code: 'sms_code_invalid', attemptsLeft: 1 });
        await c.verifySms(wrong);
        const ended = await reach('flow-ended');
        expect(ended.reason).to.equal('locked');
        expect(ended.error).to.include({ code: 'sms_locked' });
      });
    }

    it('face recognition used up with no SMS locks the account: the next login is refused', async () => {
      const control = serve();
      const c = start();
      await atStepUp(c, 'sunyue');
      for (let attempt = 1; attempt <= 3; attempt++) {
        await c.chooseStepUp('face_iit');
        await reach('face-waiting');
        await control.scan('iit');
        await reach('face-scanned');
        await control.faceFail();
        if (attempt < 3) expect((await reach('face-failed')).attemptsLeft).to.equal(3 - attempt);
      }
      const ended = await reach('flow-ended');
      expect(ended.reason).to.equal('locked');
      expect(ended.error).to.include({ code: 'account_locked' });
      expect(ended.error!.retryAt! - performance.now()).to.be.greaterThan(60_000);
      await c.submitPassword(individual(PASSWORD, 'sunyue'));
      expect(errorOf(c.state)).to.include({ code: 'account_locked', status: 423 });
    });

    it('a face QR that runs out on a server that does not rotate it says so', async () => {
      const control = serve({ qrRotates: false });
      const c = start();
      await atStepUp(c);
      await c.chooseStepUp('face_etax');
      await reach('face-waiting');
      await control.expireQr();
      const stepUp = await reach('step-up');
      expect(stepUp.error).to.include({ code: 'qr_expired' });
      expect(stepUp.methods).to.include('face_etax');
      await c.chooseStepUp('face_etax');
      expect((await reach('face-waiting')).method).to.equal('face_etax');
    });

    it('a malformed answer to a step leaves the flow in that step, to be tried again', async () => {
      const control = serve();
      const c = start();
      await atStepUp(c);
      control.malformNext(1, 'shape', { path: /\/step-up$/ });
      await c.chooseStepUp('face_iit');
      const stepUp = await reach('step-up');
      expect(stepUp.error).to.include({ code: 'malformed_response' });
      expect(stepUp.pending).to.equal(undefined);
      await c.chooseStepUp('face_iit');
      await reach('face-waiting');
      await c.chooseStepUp('sms');
      control.malformNext(1, 'json', { path: /\/sms$/ });
      await c.sendSms();
      const sms = await reach('sms');
      expect(sms).to.include({ phase: 'idle' });
      expect(sms.error).to.include({ code: 'malformed_response' });
      await c.sendSms();
      expect((await reach('sms')).phase).to.equal('sent');
    });

    it('sms_code_expired asks for a new code', async () => {
      const control = serve({ sms: { resendAfter: 0 } });
      const c = start();
      await atSms(c);
      await c.sendSms();
      const code = control.lastCode!;
      await control.expireSmsCode();
      await c.verifySms(code);
      const sms = await reach('sms');
      expect(sms.error).to.include({ code: 'sms_code_expired' });
      await c.sendSms();
      await c.verifySms(control.lastCode!);
      await reach('authenticated');
    });

    it('method_unavailable when the person has no bound phone', async () => {
      serve();
      const c = start();
      const stepUp = await atStepUp(c, 'sunyue');
      expect(stepUp.methods).to.not.include('sms');
      expect(() => c.chooseStepUp('sms')).to.throw(/not offered/);
    });

    it('a flow that expires during step-up ends with a clear state', async () => {
      const control = serve();
      const c = start();
      await atStepUp(c);
      await control.expireFlow();
      expect((await reach('flow-ended')).reason).to.equal('expired');
    });

    it('a locked account during step-up ends the flow as locked', async () => {
      const control = serve();
      const c = start();
      await atStepUp(c);
      await control.lockAccount('wangxiuying', 600);
      expect((await reach('flow-ended')).reason).to.equal('locked');
    });

    it('internal_error and unavailable are retried, then shown', async () => {
      const control = serve();
      const c = start({ maxFailures: 2 });
      await c.startQr();
      await reach('qr-waiting');
      control.failNext(1, 500);
      await control.scan('etax');
      await reach('qr-scanned', 6000); // one 500, retried
      control.failNext(5, 503);
      const error = await reach('qr-error', 8000);
      expect(error.error.status).to.equal(503);
    });

    it('a malformed answer becomes a typed error state', async () => {
      const control = serve();
      const c = start();
      control.malformNext(1, 'shape', { path: '/v1/flows/password' });
      await c.submitPassword(individual());
      expect(errorOf(c.state)).to.include({ code: 'malformed_response' });
      control.malformNext(1, 'json', { path: '/v1/flows/qr' });
      await c.startQr();
      expect(errorOf(c.state)).to.include({ code: 'malformed_response' });
    });

    it('identity_invalid is guarded by the client before anything is sent', async () => {
      serve();
      const c = start();
      await c.submitPassword(LOGINS.liqiang);
      await reach('step-up');
      await passStepUp(c, 'sms');
      await reach('identity');
      expect(() => c.chooseIdentity('not-offered')).to.throw(/not offered/);
    });

    it('unsupported_protocol when the server speaks another version', async () => {
      serve();
      const c = createLoginClient({
        baseUrl: backend.baseUrl,
        crossTab: false,
        fetch: async (input, init) => {
          const res = await fetch(input, init);
          if (!String(input).endsWith('/v1/capabilities')) return res;
          return new Response(JSON.stringify({ ...(await res.json()), version: 2 }), { status: 200 });
        },
      });
      client = c;
      await c.startQr();
      expect(errorOf(c.state)).to.include({ code: 'unsupported_protocol' });
    });

    it('unauthorized (a wrong flow token) ends the flow with an error', async () => {
      serve();
      const c = createLoginClient({
        baseUrl: backend.baseUrl,
        crossTab: false,
        transport: 'poll',
        fetch: (input, init) => {
          const headers = new Headers(init?.headers);
          if (headers.has('Authorization')) headers.set('Authorization', 'Bearer forged');
          return fetch(input, { ...init, headers });
        },
      });
      client = c;
      await c.startQr();
      const error = await reach('qr-error');
      expect(error.error).to.include({ code: 'unauthorized', status: 401 });
    });
  });
});
