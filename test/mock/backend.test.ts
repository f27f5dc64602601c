import { expect } from '@open-wc/testing';
import sinon from 'sinon';
import {
  parseCapabilities,
  parseFlowCreated,
  parseFlowState,
  parseSmsSent,
  QR_PAYLOAD_MAX,
  type FlowCreated,
  type FlowState,
} from '../../src/client/protocol.js';
import { createMockBackend, MockControlError, type BackendChange } from '../../src/mock/index.js';
import { call, passwordFlow, qrFlow } from './helpers.js';
import { mockWorker } from '../mock-worker.js';

const BASE = '/api/etax-login';
const backend = createMockBackend({ baseUrl: BASE });
const control = backend.control;
const worker = mockWorker(...backend.handlers);

const get = (f: FlowCreated, query = '') =>
  call<FlowState>(BASE, `/v1/flows/${f.flowId}${query}`, { token: f.flowToken });
const post = (f: FlowCreated, path: string, body: unknown = {}) =>
  call(BASE, `/v1/flows/${f.flowId}${path}`, { token: f.flowToken, body });
/** A control the flow cannot take is refused with a MockControlError saying why. */
async function refused(action: Promise<unknown>, why: RegExp): Promise<void> {
  const error = await action.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).to.be.instanceOf(MockControlError);
  expect((error as Error).message).to.match(why);
}
const enterprise = (taxpayerId: string, account: string, password?: string) =>
  passwordFlow(BASE, 'enterprise', { taxpayerId, account }, password);

describe('mock backend: HTTP endpoints and controls', () => {
  afterEach(() => control.reset());

  describe('capabilities and unknown paths', () => {
    it('announces protocol v1 with entries, transports, step-up and SMS', async () => {
      const r = await call(BASE, '/v1/capabilities');
      expect(r.status).to.equal(200);
      const caps = parseCapabilities(r.body);
      expect(caps.transports).to.deep.equal(['poll', 'long-poll', 'sse', 'websocket']);
      expect(caps.entries.map((e) => e.id)).to.deep.equal(['enterprise', 'individual', 'agent']);
      expect(caps.entries[0].fields.map((f) => [f.name, f.kind])).to.deep.equal([
        ['taxpayerId', 'taxpayer-id'],
        ['account', 'account'],
      ]);
      expect(caps.stepUp.methods).to.deep.equal(['face_iit', 'face_etax', 'sms']);
      expect(caps.sms.codeLength).to.equal(6);
      expect(caps.pollInterval).to.equal(2);
    });

    it('answers other versions with unsupported_version and unknown paths with invalid_request', async () => {
      const v2 = await call(BASE, '/v2/capabilities');
      expect(v2.status).to.equal(400);
      expect(v2.body.error.code).to.equal('unsupported_version');
      const nowhere = await call(BASE, '/v1/nowhere');
      expect(nowhere.status).to.equal(400);
      expect(nowhere.body.error.code).to.equal('invalid_request');
    });
  });

  describe('QR login', () => {
    it('issues QR payloads of the length asked for, and never longer than the protocol allows', async () => {
      const long = createMockBackend({ baseUrl: '/api/long-qr', qrPayloadLength: QR_PAYLOAD_MAX });
      worker.use(...long.handlers);
      const f = parseFlowCreated((await call('/api/long-qr', '/v1/flows/qr', { body: {} })).body);
      const qr = (f.state as Extract<FlowState, { status: 'qr_waiting' }>).qr;
      expect(qr.payload)
        .to.have.length(QR_PAYLOAD_MAX)
        .and.match(/^https:\/\/etax\.example\.invalid\/qr\/login\//);
      long.control.reset();
      worker.resetHandlers();
      expect(() => createMockBackend({ qrPayloadLength: QR_PAYLOAD_MAX + 1 })).to.throw(RangeError);
    });

    it('creates a flow in qr_waiting with a match code, and serves it to its token only', async () => {
      const r = await call(BASE, '/v1/flows/qr', { body: {} });
      expect(r.status).to.equal(201);
      const f = parseFlowCreated(r.body);
      expect(f.flowToken).to.not.equal(f.flowId);
      expect(f.expiresIn).to.equal(300);
      expect(f.state).to.include({ seq: 1, status: 'qr_waiting' });
      const qr = (f.state as Extract<FlowState, { status: 'qr_waiting' }>).qr;
      expect(qr.expiresIn).to.equal(60);
      expect(qr.matchCode).to.match(/^\d{2}$/);
      expect(qr.payload).to.not.include(f.flowToken);

      const again = await get(f);
      expect(again.status).to.equal(200);
      expect(parseFlowState(again.body)).to.deep.include({ seq: 1, status: 'qr_waiting' });

      const none = await call(BASE, `/v1/flows/${f.flowId}`);
      expect(none.status).to.equal(401);
      expect(none.body.error.code).to.equal('unauthorized');
      const wrong = await call(BASE, `/v1/flows/${f.flowId}`, { token: 'nope' });
      expect(wrong.status).to.equal(401);
      const unknown = await call(BASE, '/v1/flows/f000', { token: f.flowToken });
      expect(unknown.status).to.equal(404);
      expect(unknown.body.error.code).to.equal('flow_not_found');
      expect(unknown.body.error.message).to.equal('登录会话不存在或已结束，请重新登录');
    });

    it('goes scanned, back to waiting, scanned and authenticated, one seq per change', async () => {
      const f = await qrFlow(BASE);
      expect(await control.scan('iit')).to.include({ seq: 2, status: 'qr_scanned', app: 'iit' });
      expect((await get(f)).body).to.include({ seq: 2, status: 'qr_scanned', app: 'iit' });
      expect(await control.unscan()).to.include({ seq: 3, status: 'qr_waiting' });
      await control.scan('etax');
      const done = await control.confirm({ matchCode: (f.state as { qr: { matchCode: string } }).qr.matchCode });
      expect(done).to.include({ seq: 5, status: 'authenticated' });
      const state = parseFlowState((await get(f)).body);
      expect(state.status).to.equal('authenticated');
      expect((state as Extract<FlowState, { status: 'authenticated' }>).session).to.include({ tokenType: 'Bearer' });
      expect(control.flow(f.flowId)).to.include({ account: 'wangxiuying', live: false });
    });

    it('refuses a wrong match code, and tells denial and cancellation apart', async () => {
      await qrFlow(BASE);
      await control.scan('etax');
      expect(await control.confirm({ matchCode: 'xx' })).to.include({ status: 'denied', app: 'etax' });

      await qrFlow(BASE);
      await control.scan('iit');
      expect(await control.deny()).to.deep.equal({ seq: 3, status: 'denied', app: 'iit' });

      await qrFlow(BASE);
      await control.scan('iit');
      expect(await control.cancel()).to.include({ status: 'cancelled', by: 'phone' });

      const f = await qrFlow(BASE);
      expect(await control.cancel({ flowId: f.flowId, by: 'server' })).to.include({
        status: 'cancelled',
        by: 'server',
      });
    });

    it('asks a person with several capacities to choose one', async () => {
      const f = await qrFlow(BASE);
      await control.scan('etax', { account: 'liqiang' });
      const s = await control.confirm();
      expect(s.status).to.equal('identity_required');
      const { identities, reason } = s as Extract<FlowState, { status: 'identity_required' }>;
      expect(reason).to.equal('capacity');
      expect(identities.map((i) => i.roleLabel?.['zh-CN'])).to.deep.equal(['法定代表人', '财务负责人', '办税员']);
      expect(identities[0]).to.include({ taxpayerId: '91310115591693856A', role: 'legal_representative' });

      const bad = await post(f, '/identity', { identityId: 'someone-else' });
      expect(bad.status).to.equal(400);
      expect(bad.body.error).to.include({ code: 'identity_invalid', field: 'identityId' });
      const missing = await post(f, '/identity', {});
      expect(missing.body.error).to.include({ code: 'invalid_request', field: 'identityId' });
      const ok = await post(f, '/identity', { identityId: identities[1].id });
      expect(ok.status).to.equal(200);
      expect(ok.body).to.include({ status: 'authenticated', seq: s.seq + 1 });
      expect(control.flow(f.flowId)?.identity?.role).to.equal('finance_manager');
    });

    it('rotates the QR in the same flow and status, and ends the flow when it expires', async () => {
      const f = await qrFlow(BASE);
      const first = (f.state as { qr: { payload: string } }).qr.payload;
      const rotated = (await control.rotateQr()) as Extract<FlowState, { status: 'qr_waiting' }>;
      expect(rotated).to.include({ seq: 2, status: 'qr_waiting' });
      expect(rotated.qr.payload).to.not.equal(first);
      await control.scan('iit');
      const expired = (await control.expireQr()) as Extract<FlowState, { status: 'qr_scanned' }>;
      expect(expired).to.include({ seq: 4, status: 'qr_scanned' });
      expect(expired.qr.payload).to.not.equal(rotated.qr.payload);

      expect(await control.expireFlow()).to.deep.equal({ seq: 5, status: 'expired' });
      expect((await get(f)).body).to.deep.equal({ seq: 5, status: 'expired' });
      const del = await call(BASE, `/v1/flows/${f.flowId}`, { method: 'DELETE', token: f.flowToken });
      expect(del.status).to.equal(204);
    });

    it('answers actions in the wrong status with invalid_state and on an expired flow with flow_expired', async () => {
      const f = await qrFlow(BASE);
      const r = await post(f, '/step-up', { method: 'face_iit' });
      expect(r.status).to.equal(409);
      expect(r.body.error.code).to.equal('invalid_state');
      await refused(control.confirm(), /qr_scanned/);
      await control.expireFlow();
      const late = await post(f, '/identity', { identityId: 'x' });
      expect(late.status).to.equal(410);
      expect(late.body.error.code).to.equal('flow_expired');
    });

    it('is cancelled by DELETE, once', async () => {
      const f = await qrFlow(BASE);
      const del = await call(BASE, `/v1/flows/${f.flowId}`, { method: 'DELETE', token: f.flowToken });
      expect(del.status).to.equal(204);
      expect(del.text).to.equal('');
      expect((await get(f)).body).to.deep.equal({ seq: 2, status: 'cancelled', by: 'client' });
      await call(BASE, `/v1/flows/${f.flowId}`, { method: 'DELETE', token: f.flowToken });
      expect((await get(f)).body.seq).to.equal(2);
      const unauth = await call(BASE, `/v1/flows/${f.flowId}`, { method: 'DELETE' });
      expect(unauth.status).to.equal(401);
    });
  });

  describe('password login', () => {
    it('accepts an enterprise login and asks for the second factor', async () => {
      const r = await enterprise('91310110666007217T', '11010519491231002x');
      expect(r.status).to.equal(201);
      const f = parseFlowCreated(r.body);
      expect(f.state).to.deep.equal({
        seq: 1,
        status: 'step_up_required',
        methods: ['face_iit', 'face_etax', 'sms'],
        maskedPhone: '176****2696',
      });
      // by mobile number and by user name too
      expect((await enterprise('91310110666007217T', '+86 17612342696')).status).to.equal(201);
      expect((await enterprise('91310110666007217t', 'WangXiuying')).status).to.equal(201);
      expect((await passwordFlow(BASE, 'individual', { account: 'liqiang' })).status).to.equal(201);
    });

    it('answers a wrong password and an unknown account alike', async () => {
      const wrong = await enterprise('91310110666007217T', 'wangxiuying', 'wrong');
      const unknown = await enterprise('91310110666007217T', 'nobody', 'wrong');
      const unlinked = await enterprise('91310110666007217T', 'liqiang');
      for (const r of [wrong, unknown, unlinked]) {
        expect(r.status).to.equal(401);
        expect(r.body).to.deep.equal({
          error: { code: 'invalid_credentials', message: '输入的个人账号或密码错误，请重新输入！', attemptsLeft: 4 },
        });
      }
    });

    it('checks the taxpayer id: its form, its existence, and the entry it belongs to', async () => {
      for (const id of ['12345', '91310110666007217O', '99999999999999999X']) {
        const r = await enterprise(id, 'wangxiuying');
        expect(r.status).to.equal(400);
        expect(r.body.error).to.deep.equal({
          code: 'invalid_taxpayer_id',
          message: '输入的统一社会信用代码或纳税人识别号错误，请重新输入',
          field: 'taxpayerId',
        });
      }
      const agentAtEnterprise = await passwordFlow(BASE, 'agent', {
        taxpayerId: '91310110666007217T',
        account: 'zhaolei',
      });
      expect(agentAtEnterprise.body.error.code).to.equal('invalid_taxpayer_id');
    });

    it('validates the body', async () => {
      const cases: [unknown, string | undefined][] = [
        [{ entry: 'nope', fields: {}, password: 'x' }, 'entry'],
        [{ entry: 'enterprise', fields: { account: 'a' }, password: 'x' }, 'taxpayerId'],
        [{ entry: 'individual', fields: { account: '  ' }, password: 'x' }, 'account'],
        // Outside the account field's announced pattern (4–20 letters, digits or _ from a letter; ID; mobile).
        [{ entry: 'individual', fields: { account: 'li.qiang' }, password: 'x' }, 'account'],
        [{ entry: 'individual', fields: { account: '李强' }, password: 'x' }, 'account'],
        [{ entry: 'individual', fields: { account: 'abcd' } }, 'password'],
        [{ entry: 'individual' }, 'fields'],
        [[1, 2], undefined],
      ];
      for (const [body, field] of cases) {
        const r = await call(BASE, '/v1/flows/password', { body });
        expect(r.status, JSON.stringify(body)).to.equal(400);
        expect(r.body.error.code).to.equal('invalid_request');
        expect(r.body.error.field).to.equal(field);
      }
      const broken = await call(BASE, '/v1/flows/password', {
        raw: '{"entry":',
        headers: { 'Content-Type': 'application/json' },
      });
      expect(broken.status).to.equal(400);
      expect(broken.body.error.code).to.equal('invalid_request');
    });

    it('locks an account after five wrong passwords, with Retry-After', async () => {
      for (let left = 4; left >= 1; left--) {
        const r = await enterprise('91310115591693856A', 'liqiang', 'bad');
        expect(r.body.error.attemptsLeft).to.equal(left);
      }
      const fifth = await enterprise('91310115591693856A', 'liqiang', 'bad');
      expect(fifth.status).to.equal(423);
      expect(fifth.body.error).to.include({ code: 'account_locked', retryAfter: 1800 });
      expect(fifth.headers.get('Retry-After')).to.equal('1800');
      const right = await enterprise('91310115591693856A', 'liqiang');
      expect(right.status).to.equal(423);
      await control.unlockAccount('liqiang');
      expect((await enterprise('91310115591693856A', 'liqiang')).status).to.equal(201);
    });

    it('ships a locked account, and locks one on demand', async () => {
      const r = await enterprise('91420100MA4K2L7Q1C', 'liufang');
      expect(r.status).to.equal(423);
      expect(r.body.error.message).to.equal('连续认证错误次数过多，您的账号已被锁定');
      expect(r.body.error.retryAfter).to.be.above(0);
      expect(Number(r.headers.get('Retry-After'))).to.equal(r.body.error.retryAfter);

      const f = (await enterprise('91310110666007217T', 'wangxiuying')).body;
      await control.lockAccount('wangxiuying', 60);
      expect((await get(f)).body).to.deep.equal({ seq: 2, status: 'locked', code: 'account_locked', retryAfter: 60 });
      const sms = await post(f, '/sms');
      expect(sms.status).to.equal(423);
      expect(sms.headers.get('Retry-After')).to.equal('60');
    });

    it('reveals not_registered only when asked to', async () => {
      const other = createMockBackend({ baseUrl: '/api/reveal', revealNotRegistered: true });
      worker.use(...other.handlers);
      const r = await passwordFlow('/api/reveal', 'individual', { account: '13000000000' });
      expect(r.status).to.equal(404);
      expect(r.body.error).to.deep.equal({
        code: 'not_registered',
        message: '该用户未注册，请在自然人业务入口进行用户注册',
        field: 'account',
      });
      worker.resetHandlers();
    });
  });

  describe('step-up by face recognition', () => {
    it('shows a face QR only the chosen app can read, then verifies and passes', async () => {
      const f = (await enterprise('91310115591693856A', '321083197812162119')).body;
      const r = await post(f, '/step-up', { method: 'face_iit' });
      expect(r.status).to.equal(200);
      const waiting = parseFlowState(r.body) as Extract<FlowState, { status: 'face_waiting' }>;
      expect(waiting).to.include({ seq: 2, status: 'face_waiting', method: 'face_iit' });
      expect(waiting.qr.apps).to.deep.equal(['iit']);
      expect(waiting.qr.matchCode).to.equal(undefined);
      await refused(control.scan('etax'), /iit/);
      expect(await control.scan('iit')).to.include({ seq: 3, status: 'face_scanned', app: 'iit' });
      expect(await control.faceVerify()).to.deep.equal({ seq: 4, status: 'face_verifying', method: 'face_iit' });
      const passed = await control.facePass();
      expect(passed).to.include({ seq: 5, status: 'identity_required', reason: 'capacity' });
      expect((await get(f)).body.seq).to.equal(5);
    });

    it('counts failed attempts, then offers only SMS', async () => {
      const f = (await enterprise('91310110666007217T', 'wangxiuying')).body;
      for (const left of [2, 1]) {
        await post(f, '/step-up', { method: 'face_etax' });
        await control.scan('etax');
        const failed = await control.faceFail();
        expect(failed).to.deep.include({ status: 'face_failed', attemptsLeft: left, method: 'face_etax' });
        expect((failed as { methods: string[] }).methods).to.deep.equal(['face_iit', 'face_etax', 'sms']);
      }
      await post(f, '/step-up', { method: 'face_iit' });
      await control.scan('iit');
      const seq = control.flow()!.seq;
      const last = await control.faceFail();
      expect(last).to.deep.equal({
        seq: seq + 2,
        status: 'face_failed',
        method: 'face_iit',
        attemptsLeft: 0,
        methods: ['sms'],
      });
      const again = await post(f, '/step-up', { method: 'face_iit' });
      expect(again.status).to.equal(400);
      expect(again.body.error).to.include({ code: 'method_unavailable', field: 'method' });
      const bad = await post(f, '/step-up', { method: 'sms' });
      expect(bad.body.error).to.include({ code: 'invalid_request', field: 'method' });
    });

    it('locks a flow with no face attempts and no phone left', async () => {
      const other = createMockBackend({ baseUrl: '/api/noface', faceMaxAttempts: 1 });
      worker.use(...other.handlers);
      const f = (await passwordFlow('/api/noface', 'individual', { account: 'sunyue' })).body;
      expect(f.state).to.deep.equal({ seq: 1, status: 'step_up_required', methods: ['face_iit', 'face_etax'] });
      const sms = await call('/api/noface', `/v1/flows/${f.flowId}/sms`, { token: f.flowToken, body: {} });
      expect(sms.body.error.code).to.equal('method_unavailable');
      await call('/api/noface', `/v1/flows/${f.flowId}/step-up`, { token: f.flowToken, body: { method: 'face_etax' } });
      await other.control.scan('etax');
      expect(await other.control.faceFail()).to.include({ status: 'locked' });
      worker.resetHandlers();
    });

    it('withdraws the face QR when the QR runs out and does not rotate', async () => {
      const other = createMockBackend({ baseUrl: '/api/norotate', qrRotates: false });
      worker.use(...other.handlers);
      const f = (await passwordFlow('/api/norotate', 'individual', { account: 'wangxiuying' })).body;
      await call('/api/norotate', `/v1/flows/${f.flowId}/step-up`, {
        token: f.flowToken,
        body: { method: 'face_iit' },
      });
      expect(await other.control.expireQr()).to.include({ seq: 3, status: 'step_up_required' });
      const q = await call('/api/norotate', '/v1/flows/qr', { body: {} });
      expect(await other.control.expireQr(q.body.flowId)).to.deep.equal({ seq: 2, status: 'expired' });
      worker.resetHandlers();
    });
  });

  describe('step-up by SMS', () => {
    it('sends a code, throttles resends, checks the code and logs in', async () => {
      const f = (await enterprise('91310110666007217T', 'wangxiuying')).body;
      const early = await post(f, '/sms/verify', { code: '123456' });
      expect(early.status).to.equal(409);
      expect(early.body.error.code).to.equal('sms_not_sent');

      const sent = await post(f, '/sms');
      expect(sent.status).to.equal(200);
      expect(parseSmsSent(sent.body)).to.deep.equal({
        maskedPhone: '176****2696',
        codeLength: 6,
        resendAfter: 60,
        expiresIn: 300,
      });
      const code = control.lastCode!;
      expect(code).to.match(/^\d{6}$/);
      expect(control.smsCodes[0].text).to.include(code);

      const resend = await post(f, '/sms');
      expect(resend.status).to.equal(429);
      expect(resend.body.error.code).to.equal('sms_throttled');
      expect(resend.headers.get('Retry-After')).to.equal(String(resend.body.error.retryAfter));

      const wrongCode = code === '000000' ? '111111' : '000000';
      const wrong = await post(f, '/sms/verify', { code: wrongCode });
      expect(wrong.status).to.equal(400);
      expect(wrong.body.error).to.include({ code: 'sms_code_invalid', attemptsLeft: 4, field: 'code' });
      const right = await post(f, '/sms/verify', { code: `${code.slice(0, 3)} ${code.slice(3)}` });
      expect(right.status).to.equal(200);
      expect(right.body).to.include({ seq: 2, status: 'authenticated' });
    });

    it('withdraws a face QR when SMS is chosen', async () => {
      const f = (await enterprise('91310110666007217T', 'wangxiuying')).body;
      await post(f, '/step-up', { method: 'face_etax' });
      await post(f, '/sms');
      expect((await get(f)).body).to.include({ seq: 3, status: 'step_up_required' });
    });

    it('lets a code run out', async () => {
      const f = (await enterprise('91310110666007217T', 'wangxiuying')).body;
      await post(f, '/sms');
      await control.expireSmsCode();
      const r = await post(f, '/sms/verify', { code: control.lastCode });
      expect(r.status).to.equal(410);
      expect(r.body.error.code).to.equal('sms_code_expired');
    });

    it('locks the flow after too many wrong codes', async () => {
      const f = (await enterprise('91310110666007217T', 'wangxiuying')).body;
      await post(f, '/sms');
      const wrong = control.lastCode === '000000' ? '111111' : '000000';
      for (let i = 0; i < 4; i++) await post(f, '/sms/verify', { code: wrong });
      const last = await post(f, '/sms/verify', { code: wrong });
      expect(last.status).to.equal(423);
      expect(last.body.error).to.include({ code: 'sms_locked', retryAfter: 1800 });
      expect(last.headers.get('Retry-After')).to.equal('1800');
      expect((await get(f)).body).to.include({ status: 'locked', retryAfter: 1800 });
    });

    it('leads an agent to choose the client enterprise', async () => {
      const f = (await passwordFlow(BASE, 'agent', { taxpayerId: '9144030071526726XG', account: '150102198807303035' }))
        .body;
      await post(f, '/sms');
      const r = await post(f, '/sms/verify', { code: control.lastCode });
      expect(r.body).to.include({ status: 'identity_required', reason: 'client' });
      expect(r.body.identities.map((i: { taxpayerId: string }) => i.taxpayerId)).to.deep.equal([
        '91310110666007217T',
        '91310115591693856A',
        '91420100MA4K2L7Q1C',
      ]);
      const ok = await post(f, '/identity', { identityId: r.body.identities[2].id });
      expect(ok.body.status).to.equal('authenticated');
    });
  });

  describe('faults', () => {
    it('throttles with 429 and Retry-After, as sms_throttled on /sms', async () => {
      const f = (await enterprise('91310110666007217T', 'wangxiuying')).body;
      control.throttle(30);
      const r = await call(BASE, '/v1/capabilities');
      expect(r.status).to.equal(429);
      expect(r.body.error).to.include({ code: 'rate_limited', retryAfter: 30 });
      expect(r.headers.get('Retry-After')).to.equal('30');
      expect((await post(f, '/sms')).body.error.code).to.equal('sms_throttled');
      control.reset();
      control.throttle(5, { count: 1, match: { path: '/v1/flows/qr' } });
      expect((await call(BASE, '/v1/capabilities')).status).to.equal(200);
      expect((await call(BASE, '/v1/flows/qr', { body: {} })).status).to.equal(429);
      expect((await call(BASE, '/v1/flows/qr', { body: {} })).status).to.equal(201);
    });

    it('fails the next requests with the asked status', async () => {
      control.failNext(2, 503);
      for (let i = 0; i < 2; i++) {
        const r = await call(BASE, '/v1/capabilities');
        expect(r.status).to.equal(503);
        expect(r.body.error.code).to.equal('unavailable');
        expect(r.headers.get('Retry-After')).to.equal('1');
      }
      control.failNext();
      const r = await call(BASE, '/v1/capabilities');
      expect(r.status).to.equal(500);
      expect(r.body.error.code).to.equal('internal_error');
      expect((await call(BASE, '/v1/capabilities')).status).to.equal(200);
    });

    it('answers broken JSON or a wrong shape without acting', async () => {
      const f = await qrFlow(BASE);
      control.malformNext(1, 'json', { method: 'GET' });
      const broken = await get(f);
      expect(broken.status).to.equal(200);
      expect(() => JSON.parse(broken.text)).to.throw();
      control.malformNext(1, 'shape');
      const shape = await get(f);
      expect(() => parseFlowState(shape.body)).to.throw();
      expect((await get(f)).body.seq).to.equal(1);
    });

    it('adds latency', async () => {
      control.setLatency(250);
      const t = performance.now();
      await call(BASE, '/v1/capabilities');
      expect(performance.now() - t).to.be.at.least(240);
      control.setLatency(0);
    });
  });

  describe('inspection', () => {
    it('logs requests with every secret redacted', async () => {
      const f = (await enterprise('91310110666007217T', 'wangxiuying', 'Etax@2024')).body;
      await post(f, '/sms');
      const code = control.lastCode!;
      await post(f, '/sms/verify', { code });
      const log = control.requests;
      const text = JSON.stringify(log);
      expect(text).to.not.include('Etax@2024');
      expect(text).to.not.include(`"${code}"`);
      expect(text).to.not.include(f.flowToken);
      expect(log.map((e) => `${e.method} ${e.path} ${e.status}`)).to.deep.equal([
        'POST /v1/flows/password 201',
        `POST /v1/flows/${f.flowId}/sms 200`,
        `POST /v1/flows/${f.flowId}/sms/verify 200`,
      ]);
      expect(log[0].body).to.deep.equal({
        entry: 'enterprise',
        fields: { taxpayerId: '91310110666007217T', account: 'wangxiuying' },
        password: '[redacted]',
      });
      expect(log[2].body).to.deep.equal({ code: '[redacted]' });
    });

    it('lists flows and tells subscribers about changes', async () => {
      const changes: BackendChange[] = [];
      const off = control.subscribe((c) => changes.push(c));
      const f = await qrFlow(BASE);
      await control.scan('iit');
      off();
      await control.unscan();
      expect(changes.filter((c) => c.type === 'flow')).to.deep.equal([
        { type: 'flow', flowId: f.flowId },
        { type: 'flow', flowId: f.flowId },
      ]);
      expect(changes.some((c) => c.type === 'request')).to.equal(true);
      expect(control.flows.map((x) => [x.id, x.kind, x.status, x.seq])).to.deep.equal([
        [f.flowId, 'qr', 'qr_waiting', 3],
      ]);
      expect(JSON.stringify(control.flows)).to.not.include(f.flowToken);
    });

    it('forgets everything on reset', async () => {
      const f = await qrFlow(BASE);
      control.reset();
      expect(control.flows).to.deep.equal([]);
      expect(control.requests).to.deep.equal([]);
      expect((await get(f)).status).to.equal(404);
      await refused(control.scan(), /no live flow/);
    });

    it('keeps two backends apart', async () => {
      const other = createMockBackend({ baseUrl: '/api/second', matchCode: false });
      worker.use(...other.handlers);
      const mine = await qrFlow(BASE);
      const theirs = await qrFlow('/api/second');
      expect((theirs.state as { qr: { matchCode?: string } }).qr.matchCode).to.equal(undefined);
      expect(control.flows.map((x) => x.id)).to.deep.equal([mine.flowId]);
      expect(other.control.flows.map((x) => x.id)).to.deep.equal([theirs.flowId]);
      await other.control.scan('iit');
      expect((await get(mine)).body.status).to.equal('qr_waiting');
      worker.resetHandlers();
    });
  });

  describe('time', () => {
    it('rotates the QR and ends the flow by itself', async () => {
      // The backend's timers and clock, faked: its QR lives 0.3 s and its flow 0.8 s of them.
      const clock = sinon.useFakeTimers({ now: Date.now(), toFake: ['setTimeout', 'clearTimeout', 'Date'] });
      try {
        const other = createMockBackend({ baseUrl: '/api/quick', qrLifetime: 0.3, flowLifetime: 0.8 });
        worker.use(...other.handlers);
        const f = await qrFlow('/api/quick');
        await clock.tickAsync(299);
        const still = await call('/api/quick', `/v1/flows/${f.flowId}`, { token: f.flowToken });
        expect(still.body).to.include({ status: 'qr_waiting', seq: 1 });
        await clock.tickAsync(1);
        const rotated = await call('/api/quick', `/v1/flows/${f.flowId}`, { token: f.flowToken });
        expect(rotated.body).to.include({ status: 'qr_waiting', seq: 2 });
        expect(rotated.body.qr.payload).to.not.equal((f.state as { qr: { payload: string } }).qr.payload);
        await clock.tickAsync(499);
        expect((await call('/api/quick', `/v1/flows/${f.flowId}`, { token: f.flowToken })).body.status).to.equal(
          'qr_waiting',
        );
        await clock.tickAsync(1);
        const ended = await call('/api/quick', `/v1/flows/${f.flowId}`, { token: f.flowToken });
        expect(ended.body.status).to.equal('expired');
      } finally {
        clock.restore();
        worker.resetHandlers();
      }
    });
  });
});
