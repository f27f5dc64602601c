// The protocol engine on its own, in Node, on a fake clock: every journey of
// the seed, every error code the engine answers, lifetimes, and racing requests.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { FlowCreated, FlowState, ServerErrorCode } from '../../src/client/protocol.js';
import {
  Engine,
  EngineError,
  MemoryDirectory,
  MemoryStore,
  SmsOutbox,
  TransitionError,
  errorResponse,
  languageOf,
  type EngineSettingsInput,
  type SessionIssuer,
  type SmsSender,
} from '../../src/engine/index.js';
import { DEFAULT_FIXTURE, DEFAULT_PASSWORD } from '../../src/mock/fixtures.js';
import { FakeClock, settle } from './fake-clock.js';

const WANG = '91310110666007217T'; // 王秀英: one capacity
const PUJIANG = '91310115591693856A'; // 李强: three capacities
const AGENCY = '9144030071526726XG'; // 赵磊's agency, three clients

function setup(settings: EngineSettingsInput = {}, more: { sms?: SmsSender; sessions?: SessionIssuer } = {}) {
  const clock = new FakeClock();
  const outbox = new SmsOutbox(() => clock.now());
  const engine = new Engine({
    accounts: new MemoryDirectory(DEFAULT_FIXTURE),
    clock,
    store: new MemoryStore(clock),
    sms: more.sms ?? outbox,
    ...(more.sessions ? { sessions: more.sessions } : {}),
    settings,
  });
  const password = (entry: string, fields: Record<string, string>, pw = DEFAULT_PASSWORD) =>
    engine.createPassword({ entry, fields, password: pw });
  const lastCode = () => outbox.messages.at(-1)!.code;
  return { engine, clock, outbox, password, lastCode };
}

/** The error a promise rejects with, as its code and members. */
async function failure(p: Promise<unknown>): Promise<EngineError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof EngineError) return e;
    throw e;
  }
  throw new Error('expected an EngineError');
}
const codeOf = async (p: Promise<unknown>) => (await failure(p)).code;
const wrongOf = (code: string) => (code === '000000' ? '111111' : '000000');
const qrOf = (s: FlowState) => (s as { qr: { payload: string; expiresIn: number; matchCode?: string } }).qr;

describe('engine: QR login', () => {
  it('creates a flow with a payload, a match code and a token apart from both', async () => {
    const { engine } = setup();
    const f = await engine.createQr({});
    assert.equal(f.expiresIn, 300);
    assert.equal(f.pollInterval, 2);
    // What the page needs to follow the flow comes with it (§5.1).
    assert.deepEqual(f.transports, ['poll', 'long-poll', 'sse', 'websocket']);
    assert.deepEqual([f.longPollWait, f.heartbeat], [25, 15]);
    assert.equal(f.state.seq, 1);
    assert.equal(f.state.status, 'qr_waiting');
    const qr = qrOf(f.state);
    assert.equal(qr.expiresIn, 60);
    assert.match(qr.matchCode!, /^\d{2}$/);
    assert.ok(!qr.payload.includes(f.flowToken));
    assert.match(f.flowToken, /^[0-9a-f]{48}$/);
    assert.deepEqual(await engine.current(f.flowId, f.flowToken), f.state);
    assert.equal(await engine.flowOfPayload(qr.payload), f.flowId);
    // The store holds a digest of the token, never the token.
    assert.ok(!JSON.stringify((await engine.inspect(f.flowId))!.flow).includes(f.flowToken));
  });

  it('goes scanned, back to waiting, scanned and authenticated, one seq per change', async () => {
    const { engine } = setup();
    const f = await engine.createQr();
    assert.deepEqual(
      { ...(await engine.scan(f.flowId, 'iit', 'wangxiuying')), qr: undefined },
      { seq: 2, status: 'qr_scanned', app: 'iit', qr: undefined },
    );
    assert.equal((await engine.unscan(f.flowId)).seq, 3);
    await engine.scan(f.flowId, 'etax', 'wangxiuying');
    const done = await engine.confirm(f.flowId, qrOf(f.state).matchCode);
    assert.equal(done.status, 'authenticated');
    assert.equal(done.seq, 5);
    assert.equal((done as { session: { tokenType: string } }).session.tokenType, 'Bearer');
    assert.equal((await engine.inspect(f.flowId))!.flow.identity?.role, 'tax_officer');
  });

  it('refuses a wrong match code, and tells denial and both cancellations apart', async () => {
    const { engine } = setup();
    let f = await engine.createQr();
    await engine.scan(f.flowId, 'etax', 'wangxiuying');
    assert.deepEqual(await engine.confirm(f.flowId, 'xx'), { seq: 3, status: 'denied', app: 'etax' });
    f = await engine.createQr();
    await engine.scan(f.flowId, 'iit', 'wangxiuying');
    assert.deepEqual(await engine.deny(f.flowId), { seq: 3, status: 'denied', app: 'iit' });
    f = await engine.createQr();
    await engine.scan(f.flowId, 'iit', 'wangxiuying');
    assert.deepEqual(await engine.end(f.flowId, 'phone'), { seq: 3, status: 'cancelled', by: 'phone' });
    f = await engine.createQr();
    await assert.rejects(engine.end(f.flowId, 'phone'), TransitionError);
    assert.deepEqual(await engine.end(f.flowId, 'server'), { seq: 2, status: 'cancelled', by: 'server' });
  });

  it('asks a person with several capacities to choose one, then completes once', async () => {
    const { engine } = setup();
    const f = await engine.createQr();
    await engine.scan(f.flowId, 'etax', 'liqiang');
    const s = await engine.confirm(f.flowId);
    assert.equal(s.status, 'identity_required');
    const { identities, reason } = s as Extract<FlowState, { status: 'identity_required' }>;
    assert.equal(reason, 'capacity');
    assert.deepEqual(
      identities.map((i) => i.roleLabel?.['zh-CN']),
      ['法定代表人', '财务负责人', '办税员'],
    );
    const bad = await failure(engine.chooseIdentity(f.flowId, f.flowToken, { identityId: 'someone-else' }));
    assert.deepEqual(bad.body().error, {
      code: 'identity_invalid',
      message: '所选身份无效，请重新选择',
      field: 'identityId',
    });
    const missing = await failure(engine.chooseIdentity(f.flowId, f.flowToken, {}));
    assert.equal(missing.extra.field, 'identityId');
    const ok = await engine.chooseIdentity(f.flowId, f.flowToken, { identityId: identities[1].id });
    assert.equal(ok.status, 'authenticated');
    assert.equal(ok.seq, s.seq + 1);
    assert.equal((await engine.inspect(f.flowId))!.flow.identity?.role, 'finance_manager');
    assert.equal(
      await codeOf(engine.chooseIdentity(f.flowId, f.flowToken, { identityId: identities[0].id })),
      'invalid_state',
    );
  });

  it('serves a flow to its own token only', async () => {
    const { engine } = setup();
    const f = await engine.createQr();
    assert.equal(await codeOf(engine.current(f.flowId, undefined)), 'unauthorized');
    assert.equal(await codeOf(engine.current(f.flowId, 'nope')), 'unauthorized');
    assert.equal(await codeOf(engine.current(f.flowId, f.flowToken.slice(0, -1))), 'unauthorized');
    assert.equal(await codeOf(engine.current('f000', f.flowToken)), 'flow_not_found');
    assert.equal(await codeOf(engine.createQr([1])), 'invalid_request');
  });

  it('is cancelled by the page once; an ended flow stays as it ended', async () => {
    const { engine } = setup();
    const f = await engine.createQr();
    await engine.cancel(f.flowId, f.flowToken);
    assert.deepEqual(await engine.current(f.flowId, f.flowToken), { seq: 2, status: 'cancelled', by: 'client' });
    await engine.cancel(f.flowId, f.flowToken);
    assert.equal((await engine.current(f.flowId, f.flowToken)).seq, 2);
    assert.equal(await codeOf(engine.cancel(f.flowId, undefined)), 'unauthorized');
    // The payload of an ended flow no longer shows.
    await assert.rejects(
      engine.scan(f.flowId, 'iit', 'wangxiuying'),
      /qr_waiting or face_waiting; flow \S+ is cancelled/,
    );
  });

  it('checks the phone side: the wrong app, an unknown account, confirm before scan', async () => {
    const { engine } = setup();
    const f = await engine.createQr({});
    await assert.rejects(engine.confirm(f.flowId), /confirm\(\) needs a flow in qr_scanned/);
    await assert.rejects(engine.scan(f.flowId, 'iit', 'nobody'), /no account "nobody"/);
    await assert.rejects(engine.scan(f.flowId, 'iit'), TransitionError);
    await assert.rejects(engine.scan('f000', 'iit', 'wangxiuying'), /no flow/);
    const only = setup({ qrApps: ['etax'] });
    const g = await only.engine.createQr();
    await assert.rejects(only.engine.scan(g.flowId, 'iit', 'wangxiuying'), /the iit app cannot scan this QR/);
  });
});

describe('engine: lifetimes on a fake clock', () => {
  it('rotates the QR by itself, with the time left on each later state, then expires the flow', async () => {
    const { engine, clock } = setup();
    const f = await engine.createQr();
    const first = qrOf(f.state).payload;
    await clock.advance(20_000);
    // Time left, not the original lifetime (§6.3).
    assert.equal(qrOf(await engine.current(f.flowId, f.flowToken)).expiresIn, 40);
    await clock.advance(40_000);
    const rotated = await engine.current(f.flowId, f.flowToken);
    assert.equal(rotated.status, 'qr_waiting');
    assert.equal(rotated.seq, 2);
    assert.notEqual(qrOf(rotated).payload, first);
    assert.equal(qrOf(rotated).expiresIn, 60);
    assert.equal(await engine.flowOfPayload(first), undefined);
    await clock.advance(240_000);
    assert.deepEqual(await engine.current(f.flowId, f.flowToken), { seq: 6, status: 'expired' });
    assert.equal(await codeOf(engine.stepUp(f.flowId, f.flowToken, { method: 'face_iit' })), 'flow_expired');
    assert.equal(clock.pending, 0);
  });

  it('answers a long-poll when time changes the flow, without any request to wake it', async () => {
    const { engine, clock } = setup();
    const f = await engine.createQr();
    let answer: FlowState | undefined;
    let armed = clock.armed();
    const held = engine.state(f.flowId, f.flowToken, { after: 1, wait: 25 }).then((s) => (answer = s));
    await armed;
    await clock.advance(24_000);
    assert.equal(answer, undefined);
    await clock.advance(1_000);
    await held;
    // 25 s passed with no change: the unchanged state.
    assert.equal(answer!.seq, 1);
    // A hold is capped at longPollWait (25 s).
    armed = clock.armed();
    const capped = engine.state(f.flowId, f.flowToken, { after: 1, wait: 60 });
    await armed;
    await clock.advance(25_000);
    assert.equal((await capped).seq, 1);
    // At 60 s the payload runs out: the rotation answers the held request at once.
    armed = clock.armed();
    const next = engine.state(f.flowId, f.flowToken, { after: 1, wait: 25 });
    await armed;
    await clock.advance(10_000);
    const rotated = await next;
    assert.equal(rotated.seq, 2);
    assert.equal(qrOf(rotated).expiresIn, 60);
  });

  it('ends a QR flow when a payload runs out and the server does not rotate; a face QR goes back to the choice', async () => {
    const { engine, clock, password } = setup({ qrRotates: false });
    const q = await engine.createQr();
    await clock.advance(60_000);
    assert.deepEqual(await engine.current(q.flowId, q.flowToken), { seq: 2, status: 'expired' });
    const p = await password('individual', { account: 'wangxiuying' });
    await engine.stepUp(p.flowId, p.flowToken, { method: 'face_iit' });
    assert.deepEqual(await engine.expireQr(p.flowId), {
      seq: 3,
      status: 'step_up_required',
      methods: ['face_iit', 'face_etax', 'sms'],
      maskedPhone: '176****2696',
    });
  });

  it('keeps a scanned flow scanned when its payload rotates', async () => {
    const { engine } = setup();
    const f = await engine.createQr();
    await engine.scan(f.flowId, 'iit', 'wangxiuying');
    const s = await engine.expireQr(f.flowId);
    assert.equal(s.status, 'qr_scanned');
    assert.equal(s.seq, 3);
    assert.notEqual(qrOf(s).payload, qrOf(f.state).payload);
  });

  it('forgets an ended flow after keepEnded', async () => {
    const { engine, clock } = setup({ keepEnded: 60 });
    const f = await engine.createQr();
    await engine.cancel(f.flowId, f.flowToken);
    await clock.advance(59_000);
    assert.equal((await engine.current(f.flowId, f.flowToken)).status, 'cancelled');
    await clock.advance(2_000);
    assert.equal(await codeOf(engine.current(f.flowId, f.flowToken)), 'flow_not_found');
  });
});

describe('engine: password login', () => {
  it('accepts an enterprise login by ID number, mobile or user name, and asks for the second factor', async () => {
    const { password } = setup();
    const f = await password('enterprise', { taxpayerId: WANG, account: '11010519491231002x' });
    assert.deepEqual(f.state, {
      seq: 1,
      status: 'step_up_required',
      methods: ['face_iit', 'face_etax', 'sms'],
      maskedPhone: '176****2696',
    });
    await password('enterprise', { taxpayerId: WANG, account: '+86 17612342696' });
    await password('enterprise', { taxpayerId: WANG.toLowerCase(), account: ' WangXiuying ' });
    await password('individual', { account: 'liqiang' });
  });

  it('answers a wrong password, an unknown account and an unlinked one alike', async () => {
    const { password } = setup();
    for (const p of [
      password('enterprise', { taxpayerId: WANG, account: 'wangxiuying' }, 'wrong'),
      password('enterprise', { taxpayerId: WANG, account: 'nobody' }, 'wrong'),
      password('enterprise', { taxpayerId: WANG, account: 'liqiang' }),
    ]) {
      const e = await failure(p);
      assert.equal(e.status, 401);
      assert.deepEqual(e.body(), {
        error: { code: 'invalid_credentials', message: '输入的个人账号或密码错误，请重新输入！', attemptsLeft: 4 },
      });
    }
  });

  it('checks the taxpayer id: its form, its existence, and the entry it belongs to', async () => {
    const { password } = setup();
    for (const id of ['12345', '91310110666007217O', '99999999999999999X']) {
      const e = await failure(password('enterprise', { taxpayerId: id, account: 'wangxiuying' }));
      assert.deepEqual(e.body().error, {
        code: 'invalid_taxpayer_id',
        message: '输入的统一社会信用代码或纳税人识别号错误，请重新输入',
        field: 'taxpayerId',
      });
    }
    assert.equal(await codeOf(password('agent', { taxpayerId: WANG, account: 'zhaolei' })), 'invalid_taxpayer_id');
    assert.equal(
      await codeOf(password('enterprise', { taxpayerId: AGENCY, account: 'zhaolei' })),
      'invalid_taxpayer_id',
    );
  });

  it('validates the body, naming the member at fault', async () => {
    const { engine } = setup();
    const cases: [unknown, string | undefined][] = [
      [{ entry: 'nope', fields: {}, password: 'x' }, 'entry'],
      [{ entry: 'enterprise', fields: { account: 'a' }, password: 'x' }, 'taxpayerId'],
      [{ entry: 'individual', fields: { account: '  ' }, password: 'x' }, 'account'],
      [{ entry: 'individual', fields: { account: 'a'.repeat(33) }, password: 'x' }, 'account'],
      [{ entry: 'individual', fields: { account: 'a' } }, 'password'],
      [{ entry: 'individual', fields: { account: 'a' }, password: '' }, 'password'],
      [{ entry: 'individual' }, 'fields'],
      [[1, 2], undefined],
      [undefined, undefined],
    ];
    for (const [body, field] of cases) {
      const e = await failure(engine.createPassword(body));
      assert.equal(e.code, 'invalid_request', JSON.stringify(body));
      assert.equal(e.extra.field, field, JSON.stringify(body));
    }
  });

  it('locks after five wrong passwords, the known account and an unknown name alike, with Retry-After', async () => {
    const { engine, password, clock } = setup();
    for (const account of ['liqiang', 'nobody']) {
      for (let left = 4; left >= 1; left--) {
        const e = await failure(password('individual', { account }, 'bad'));
        assert.equal(e.extra.attemptsLeft, left);
      }
      const fifth = await failure(password('individual', { account }, 'bad'));
      assert.deepEqual(errorResponse(fifth), {
        status: 423,
        headers: { 'Retry-After': '1800' },
        body: {
          error: { code: 'account_locked', message: '连续认证错误次数过多，您的账号已被锁定', retryAfter: 1800 },
        },
      });
    }
    await clock.advance(600_000);
    const right = await failure(password('individual', { account: 'liqiang' }));
    assert.equal(right.extra.retryAfter, 1200);
    await engine.unlockAccount('liqiang');
    assert.equal((await password('individual', { account: 'liqiang' })).state.status, 'step_up_required');
    await clock.advance(1_200_000);
    assert.equal(await codeOf(password('individual', { account: 'nobody' }, 'bad')), 'invalid_credentials');
  });

  it('forgets wrong passwords after a right one', async () => {
    const { password } = setup();
    for (let i = 0; i < 4; i++) await failure(password('individual', { account: 'liqiang' }, 'bad'));
    await password('individual', { account: 'liqiang' });
    assert.equal((await failure(password('individual', { account: 'liqiang' }, 'bad'))).extra.attemptsLeft, 4);
  });

  it('ends every live flow of an account that gets locked', async () => {
    const { engine, password } = setup();
    const f = await password('individual', { account: 'wangxiuying' });
    const q = await engine.createQr();
    await engine.scan(q.flowId, 'etax', 'wangxiuying');
    await engine.lockAccount('wangxiuying', 60);
    assert.deepEqual(await engine.current(f.flowId, f.flowToken), {
      seq: 2,
      status: 'locked',
      code: 'account_locked',
      retryAfter: 60,
    });
    assert.equal((await engine.current(q.flowId, q.flowToken)).status, 'locked');
    const sms = await failure(engine.sendSms(f.flowId, f.flowToken, {}));
    assert.deepEqual(errorResponse(sms).headers, { 'Retry-After': '60' });
  });

  it('ends a scanned QR login when the account is locked meanwhile', async () => {
    const { engine } = setup();
    const f = await engine.createQr();
    await engine.scan(f.flowId, 'etax', 'wangxiuying');
    // Locked behind this engine's back (by another instance): the flow learns it when next read.
    await engine.store.write('lock:account:wangxiuying', String(engine.now() + 30_000), 30_000);
    assert.deepEqual(await engine.current(f.flowId, f.flowToken), {
      seq: 3,
      status: 'locked',
      code: 'account_locked',
      retryAfter: 30,
    });
    await assert.rejects(engine.confirm(f.flowId), /is locked/);
  });

  it('reveals not_registered only when the deployment asks for it', async () => {
    const { password } = setup({ revealNotRegistered: true });
    const e = await failure(password('individual', { account: '13000000000' }));
    assert.equal(e.status, 404);
    assert.deepEqual(e.body().error, {
      code: 'not_registered',
      message: '该用户未注册，请在自然人业务入口进行用户注册',
      field: 'account',
    });
  });

  it('refuses a person with no usable second factor, creating no flow', async () => {
    const { password } = setup({ stepUpMethods: ['sms'] });
    assert.equal(await codeOf(password('individual', { account: 'sunyue' })), 'method_unavailable');
  });
});

describe('engine: step-up by face recognition', () => {
  it('shows a face QR only the chosen app can read, then verifies and passes', async () => {
    const { engine, password } = setup();
    const f = await password('enterprise', { taxpayerId: PUJIANG, account: '321083197812162119' });
    const waiting = await engine.stepUp(f.flowId, f.flowToken, { method: 'face_iit' });
    assert.equal(waiting.seq, 2);
    assert.equal(waiting.status, 'face_waiting');
    assert.deepEqual((waiting as { qr: { apps: string[] } }).qr.apps, ['iit']);
    assert.equal(qrOf(waiting).matchCode, undefined);
    await assert.rejects(engine.scan(f.flowId, 'etax'), /iit/);
    assert.equal((await engine.scan(f.flowId, 'iit')).status, 'face_scanned');
    assert.deepEqual(await engine.faceVerify(f.flowId), { seq: 4, status: 'face_verifying', method: 'face_iit' });
    const passed = await engine.facePass(f.flowId);
    assert.equal(passed.seq, 5);
    assert.equal(passed.status, 'identity_required');
  });

  it('counts failed attempts across both apps, then offers only SMS', async () => {
    const { engine, password } = setup();
    const f = await password('enterprise', { taxpayerId: WANG, account: 'wangxiuying' });
    for (const left of [2, 1]) {
      await engine.stepUp(f.flowId, f.flowToken, { method: 'face_etax' });
      await engine.scan(f.flowId, 'etax');
      const failed = await engine.faceFail(f.flowId);
      assert.equal((failed as { attemptsLeft: number }).attemptsLeft, left);
      assert.deepEqual((failed as { methods: string[] }).methods, ['face_iit', 'face_etax', 'sms']);
    }
    await engine.stepUp(f.flowId, f.flowToken, { method: 'face_iit' });
    await engine.scan(f.flowId, 'iit');
    const seq = (await engine.current(f.flowId, f.flowToken)).seq;
    assert.deepEqual(await engine.faceFail(f.flowId), {
      seq: seq + 2,
      status: 'face_failed',
      method: 'face_iit',
      attemptsLeft: 0,
      methods: ['sms'],
    });
    const again = await failure(engine.stepUp(f.flowId, f.flowToken, { method: 'face_iit' }));
    assert.deepEqual([again.code, again.extra.field], ['method_unavailable', 'method']);
    const bad = await failure(engine.stepUp(f.flowId, f.flowToken, { method: 'sms' }));
    assert.deepEqual([bad.code, bad.extra.field], ['invalid_request', 'method']);
  });

  it('locks the account when face attempts are used up and no SMS is offered', async () => {
    const { engine, password } = setup({ faceMaxAttempts: 1 });
    const f = await password('individual', { account: 'sunyue' });
    assert.deepEqual(f.state, { seq: 1, status: 'step_up_required', methods: ['face_iit', 'face_etax'] });
    assert.equal(await codeOf(engine.sendSms(f.flowId, f.flowToken, {})), 'method_unavailable');
    await engine.stepUp(f.flowId, f.flowToken, { method: 'face_etax' });
    await engine.scan(f.flowId, 'etax');
    assert.deepEqual(await engine.faceFail(f.flowId), {
      seq: 5,
      status: 'locked',
      code: 'account_locked',
      retryAfter: 1800,
    });
    assert.equal((await failure(password('individual', { account: 'sunyue' }))).extra.retryAfter, 1800);
  });

  it('ends denied when the person refuses the face check, and goes back on a back-out', async () => {
    const { engine, password } = setup();
    const f = await password('individual', { account: 'wangxiuying' });
    await engine.stepUp(f.flowId, f.flowToken, { method: 'face_etax' });
    await engine.scan(f.flowId, 'etax');
    assert.equal((await engine.unscan(f.flowId)).status, 'face_waiting');
    await engine.scan(f.flowId, 'etax');
    assert.deepEqual(await engine.deny(f.flowId), { seq: 6, status: 'denied', app: 'etax' });
  });

  it('answers actions in the wrong status with invalid_state', async () => {
    const { engine, password } = setup();
    const q = await engine.createQr();
    assert.equal(await codeOf(engine.stepUp(q.flowId, q.flowToken, { method: 'face_iit' })), 'invalid_state');
    assert.equal(await codeOf(engine.sendSms(q.flowId, q.flowToken, {})), 'invalid_state');
    assert.equal(await codeOf(engine.chooseIdentity(q.flowId, q.flowToken, { identityId: 'x' })), 'invalid_state');
    const f = await password('individual', { account: 'wangxiuying' });
    await engine.stepUp(f.flowId, f.flowToken, { method: 'face_iit' });
    await engine.scan(f.flowId, 'iit');
    await engine.faceVerify(f.flowId);
    // Waiting for the face result: no other method meanwhile.
    assert.equal(await codeOf(engine.stepUp(f.flowId, f.flowToken, { method: 'face_etax' })), 'invalid_state');
    assert.equal(await codeOf(engine.verifySms(f.flowId, f.flowToken, { code: '123456' })), 'invalid_state');
  });
});

describe('engine: step-up by SMS', () => {
  it('sends a code, throttles resends, checks the code and logs in', async () => {
    const { engine, password, lastCode, outbox } = setup();
    const f = await password('enterprise', { taxpayerId: WANG, account: 'wangxiuying' });
    assert.equal(await codeOf(engine.verifySms(f.flowId, f.flowToken, { code: '123456' })), 'sms_not_sent');
    assert.deepEqual(await engine.sendSms(f.flowId, f.flowToken, {}), {
      maskedPhone: '176****2696',
      codeLength: 6,
      resendAfter: 60,
      expiresIn: 300,
    });
    assert.match(lastCode(), /^\d{6}$/);
    assert.equal(outbox.messages[0].phone, '17612342696');
    assert.ok(outbox.messages[0].text.includes(lastCode()));
    const resend = await failure(engine.sendSms(f.flowId, f.flowToken, undefined));
    assert.deepEqual([resend.code, resend.extra.retryAfter], ['sms_throttled', 60]);
    const wrong = await failure(engine.verifySms(f.flowId, f.flowToken, { code: wrongOf(lastCode()) }));
    assert.deepEqual(wrong.body().error, {
      code: 'sms_code_invalid',
      message: '短信验证码错误，请重新输入',
      attemptsLeft: 4,
      field: 'code',
    });
    const code = lastCode();
    const right = await engine.verifySms(f.flowId, f.flowToken, { code: `${code.slice(0, 3)} ${code.slice(3)}` });
    assert.equal(right.seq, 2);
    assert.equal(right.status, 'authenticated');
    assert.equal((await engine.inspect(f.flowId))!.smsPending, false);
    // One use: the flow is over, and so is the code.
    assert.equal(await codeOf(engine.verifySms(f.flowId, f.flowToken, { code })), 'invalid_state');
  });

  it('lets a resend through after the cooldown, and only the newest code counts', async () => {
    const { engine, password, lastCode, clock } = setup();
    const f = await password('individual', { account: 'wangxiuying' });
    await engine.sendSms(f.flowId, f.flowToken, {});
    const first = lastCode();
    await clock.advance(59_000);
    assert.equal((await failure(engine.sendSms(f.flowId, f.flowToken, {}))).extra.retryAfter, 1);
    await clock.advance(1_000);
    await engine.sendSms(f.flowId, f.flowToken, {});
    if (first !== lastCode()) {
      assert.equal(await codeOf(engine.verifySms(f.flowId, f.flowToken, { code: first })), 'sms_code_invalid');
    }
    assert.equal((await engine.verifySms(f.flowId, f.flowToken, { code: lastCode() })).status, 'authenticated');
  });

  it('caps the codes one phone receives in a day, across flows', async () => {
    const { engine, password, clock } = setup({ sms: { dailyLimit: 2 } });
    for (let i = 0; i < 2; i++) {
      const f = await password('individual', { account: 'wangxiuying' });
      await engine.sendSms(f.flowId, f.flowToken, {});
    }
    await clock.advance(3_600_000);
    const f = await password('individual', { account: 'wangxiuying' });
    const capped = await failure(engine.sendSms(f.flowId, f.flowToken, {}));
    assert.deepEqual([capped.code, capped.extra.retryAfter], ['sms_throttled', 82_800]);
    await clock.advance(82_800_000);
    const g = await password('individual', { account: 'wangxiuying' });
    await engine.sendSms(g.flowId, g.flowToken, {});
  });

  it('withdraws a face QR when SMS is chosen', async () => {
    const { engine, password } = setup();
    const f = await password('individual', { account: 'wangxiuying' });
    await engine.stepUp(f.flowId, f.flowToken, { method: 'face_etax' });
    await engine.sendSms(f.flowId, f.flowToken, {});
    const s = await engine.current(f.flowId, f.flowToken);
    assert.equal(s.seq, 3);
    assert.equal(s.status, 'step_up_required');
  });

  it('lets a code run out', async () => {
    const { engine, password, lastCode, clock } = setup();
    const f = await password('individual', { account: 'wangxiuying' });
    await engine.sendSms(f.flowId, f.flowToken, {});
    await clock.advance(299_000);
    await engine.expireSmsCode(f.flowId);
    const e = await failure(engine.verifySms(f.flowId, f.flowToken, { code: lastCode() }));
    assert.deepEqual([e.code, e.status, e.extra.field], ['sms_code_expired', 410, 'code']);
    assert.equal(await codeOf(engine.verifySms(f.flowId, f.flowToken, { code: ' ' })), 'invalid_request');
  });

  it("locks the flow after too many wrong codes, and the account's SMS for the lock time", async () => {
    const { engine, password, lastCode, clock } = setup();
    const f = await password('individual', { account: 'wangxiuying' });
    await engine.sendSms(f.flowId, f.flowToken, {});
    const wrong = wrongOf(lastCode());
    for (let i = 0; i < 4; i++) await failure(engine.verifySms(f.flowId, f.flowToken, { code: wrong }));
    const last = await failure(engine.verifySms(f.flowId, f.flowToken, { code: wrong }));
    assert.deepEqual(errorResponse(last).headers, { 'Retry-After': '1800' });
    assert.equal(last.code, 'sms_locked');
    assert.deepEqual(await engine.current(f.flowId, f.flowToken), {
      seq: 2,
      status: 'locked',
      code: 'sms_locked',
      retryAfter: 1800,
    });
    assert.equal(await codeOf(engine.sendSms(f.flowId, f.flowToken, {})), 'sms_locked');
    // A new login of the same person is offered no SMS until the lock lifts.
    const again = await password('individual', { account: 'wangxiuying' });
    assert.deepEqual((again.state as { methods: string[] }).methods, ['face_iit', 'face_etax']);
    await clock.advance(1_800_000);
    const later = await password('individual', { account: 'wangxiuying' });
    assert.deepEqual((later.state as { methods: string[] }).methods, ['face_iit', 'face_etax', 'sms']);
  });

  it('leads an agent to choose the client enterprise', async () => {
    const { engine, password, lastCode } = setup();
    const f = await password('agent', { taxpayerId: AGENCY, account: '150102198807303035' });
    await engine.sendSms(f.flowId, f.flowToken, {});
    const r = await engine.verifySms(f.flowId, f.flowToken, { code: lastCode() });
    assert.equal(r.status, 'identity_required');
    const ids = (r as Extract<FlowState, { status: 'identity_required' }>).identities;
    assert.equal((r as { reason: string }).reason, 'client');
    assert.deepEqual(
      ids.map((i) => i.taxpayerId),
      ['91310110666007217T', '91310115591693856A', '91420100MA4K2L7Q1C'],
    );
    assert.equal(
      (await engine.chooseIdentity(f.flowId, f.flowToken, { identityId: ids[2].id })).status,
      'authenticated',
    );
  });

  it('answers 503 when the SMS gateway fails, and lets the person ask again at once', async () => {
    let fail = true;
    const sent: string[] = [];
    const { engine, password } = setup(
      {},
      { sms: { send: async (m) => (fail ? Promise.reject(new Error('gateway down')) : void sent.push(m.code)) } },
    );
    const f = await password('individual', { account: 'wangxiuying' });
    const e = await failure(engine.sendSms(f.flowId, f.flowToken, {}));
    assert.deepEqual([e.code, e.status, e.extra.retryAfter], ['unavailable', 503, 1]);
    assert.equal(await codeOf(engine.verifySms(f.flowId, f.flowToken, { code: '123456' })), 'sms_not_sent');
    fail = false;
    await engine.sendSms(f.flowId, f.flowToken, {});
    assert.equal(sent.length, 1);
  });
});

describe('engine: racing requests', () => {
  it('completes a flow once when the right code arrives twice at the same moment', async () => {
    let issued = 0;
    const sessions: SessionIssuer = {
      issue: async () => ({ session: { token: `t${++issued}`, tokenType: 'Bearer' } }),
    };
    const { engine, password, lastCode } = setup({}, { sessions });
    const f = await password('individual', { account: 'wangxiuying' });
    await engine.sendSms(f.flowId, f.flowToken, {});
    const code = lastCode();
    const results = await Promise.allSettled(
      Array.from({ length: 8 }, () => engine.verifySms(f.flowId, f.flowToken, { code })),
    );
    const won = results.filter((r) => r.status === 'fulfilled');
    assert.equal(won.length, 1);
    // The others find the flow completed, or its code already used.
    for (const r of results) {
      if (r.status === 'rejected') assert.match((r.reason as EngineError).code, /^(invalid_state|sms_not_sent)$/);
    }
    const final = await engine.current(f.flowId, f.flowToken);
    assert.deepEqual(final, (won[0] as PromiseFulfilledResult<FlowState>).value);
    assert.equal(final.seq, 2);
  });

  it('sends one code when the person taps 获取验证码 twice at once', async () => {
    const { engine, password, outbox } = setup();
    const f = await password('individual', { account: 'wangxiuying' });
    const results = await Promise.allSettled(
      Array.from({ length: 5 }, () => engine.sendSms(f.flowId, f.flowToken, {})),
    );
    assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
    assert.equal(outbox.messages.length, 1);
  });

  it('counts every one of many wrong passwords sent at once: exactly the limit locks', async () => {
    const { password } = setup();
    const codes = await Promise.all(
      Array.from({ length: 12 }, () => codeOf(password('individual', { account: 'liqiang' }, 'bad'))),
    );
    assert.equal(codes.filter((c) => c === 'invalid_credentials').length, 4);
    assert.equal(codes.filter((c) => c === 'account_locked').length, 8);
  });

  it('counts every one of many wrong codes sent at once', async () => {
    const { engine, password, lastCode } = setup();
    const f = await password('individual', { account: 'wangxiuying' });
    await engine.sendSms(f.flowId, f.flowToken, {});
    const wrong = wrongOf(lastCode());
    const codes = await Promise.all(
      Array.from({ length: 9 }, () => codeOf(engine.verifySms(f.flowId, f.flowToken, { code: wrong }))),
    );
    assert.equal(codes.filter((c) => c === 'sms_code_invalid').length, 4);
    assert.equal(
      codes.filter((c) => c === 'sms_code_invalid').length + codes.filter((c) => c === 'sms_locked').length,
      9,
    );
    assert.equal((await engine.current(f.flowId, f.flowToken)).status, 'locked');
  });

  it('gives one result when the phone confirms while the page cancels', async () => {
    const { engine } = setup();
    for (let i = 0; i < 10; i++) {
      const f = await engine.createQr();
      await engine.scan(f.flowId, 'etax', 'wangxiuying');
      const [confirmed] = await Promise.allSettled([engine.confirm(f.flowId), engine.cancel(f.flowId, f.flowToken)]);
      const final = await engine.current(f.flowId, f.flowToken);
      assert.equal(final.seq, 3);
      if (confirmed.status === 'fulfilled') assert.deepEqual(confirmed.value, final);
      else assert.deepEqual(final, { seq: 3, status: 'cancelled', by: 'client' });
    }
  });

  it('chooses one identity when two are chosen at once', async () => {
    const { engine } = setup();
    const f = await engine.createQr();
    await engine.scan(f.flowId, 'etax', 'liqiang');
    const s = (await engine.confirm(f.flowId)) as Extract<FlowState, { status: 'identity_required' }>;
    const results = await Promise.allSettled(
      s.identities.map((i) => engine.chooseIdentity(f.flowId, f.flowToken, { identityId: i.id })),
    );
    assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
    assert.equal((await engine.current(f.flowId, f.flowToken)).seq, s.seq + 1);
  });

  it('makes one rotation when many waiters see the payload run out', async () => {
    const { engine, clock } = setup();
    const f = await engine.createQr();
    await clock.advance(40_000);
    const armed = clock.armed(5);
    const waiting = Array.from({ length: 5 }, () => engine.state(f.flowId, f.flowToken, { after: 1, wait: 25 }));
    await armed;
    await clock.advance(20_000);
    const rotated = await Promise.all(waiting);
    assert.deepEqual(new Set(rotated.map((s) => s.seq)), new Set([2]));
    assert.equal((await engine.current(f.flowId, f.flowToken)).seq, 2);
    assert.equal(new Set(rotated.map((s) => qrOf(s).payload)).size, 1);
  });
});

describe('engine: many instances over one store', () => {
  it('lets a waiter on one engine hear what another engine changed, and one of them rotates', async () => {
    const clock = new FakeClock();
    const store = new MemoryStore(clock);
    const accounts = new MemoryDirectory(DEFAULT_FIXTURE);
    const a = new Engine({ accounts, clock, store });
    const b = new Engine({ accounts, clock, store });
    const f = await a.createQr();
    const seen: FlowState[] = [];
    const stop = await b.follow(f.flowId, f.flowToken, 1, (s) => seen.push(s));
    await a.scan(f.flowId, 'iit', 'wangxiuying');
    await clock.advance(60_000);
    await b.unscan(f.flowId);
    stop();
    assert.deepEqual(
      seen.map((s) => [s.seq, s.status]),
      [
        [2, 'qr_scanned'],
        [3, 'qr_scanned'],
        [4, 'qr_waiting'],
      ],
    );
    a.close();
    b.close();
  });
});

describe('engine: streams', () => {
  it('sends the current state at once when newer than `after`, then each change once, in order', async () => {
    const { engine } = setup();
    const f = await engine.createQr();
    const seen: number[] = [];
    const stop = await engine.follow(f.flowId, f.flowToken, -1, (s) => seen.push(s.seq));
    assert.deepEqual(seen, [1]);
    await engine.scan(f.flowId, 'iit', 'wangxiuying');
    await engine.unscan(f.flowId);
    stop();
    await engine.scan(f.flowId, 'iit', 'wangxiuying');
    assert.deepEqual(seen, [1, 2, 3]);
    const resumed: number[] = [];
    (await engine.follow(f.flowId, f.flowToken, 4, (s) => resumed.push(s.seq)))();
    assert.deepEqual(resumed, []);
    assert.equal(await codeOf(engine.follow(f.flowId, 'wrong', -1, () => undefined)), 'unauthorized');
  });

  it('lets a long-poll go when its client goes away', async () => {
    const { engine } = setup();
    const f = await engine.createQr();
    const abort = new AbortController();
    const held = engine.state(f.flowId, f.flowToken, { after: 1, wait: 25, signal: abort.signal });
    await settle();
    abort.abort();
    assert.equal((await held).seq, 1);
  });

  it('ignores `wait` when long-polling is not offered', async () => {
    const { engine } = setup({ transports: ['poll'] });
    const f = await engine.createQr();
    assert.equal((await engine.state(f.flowId, f.flowToken, { after: 1, wait: 25 })).seq, 1);
  });
});

describe('engine: the error object', () => {
  it('produces every code of §14.2 that a flow can cause, each with its status', async () => {
    const seen = new Map<ServerErrorCode, number>();
    const note = async (p: Promise<unknown>) => {
      const e = await failure(p);
      seen.set(e.code as ServerErrorCode, e.status);
    };
    const { engine, password, lastCode } = setup({ revealNotRegistered: true, stepUpMethods: ['face_iit', 'sms'] });
    await note(engine.createPassword('x'));
    await note(password('enterprise', { taxpayerId: '12345', account: 'a' }));
    await note(password('individual', { account: 'wangxiuying' }, 'bad'));
    await note(password('individual', { account: 'nobody' }));
    await engine.lockAccount('zhaolei');
    await note(password('individual', { account: 'zhaolei' }));
    const f: FlowCreated = await password('individual', { account: 'wangxiuying' });
    await note(engine.current(f.flowId, 'x'));
    await note(engine.current('nope', 'x'));
    await note(engine.chooseIdentity(f.flowId, f.flowToken, { identityId: 'x' }));
    await note(engine.stepUp(f.flowId, f.flowToken, { method: 'face_etax' }));
    await note(engine.verifySms(f.flowId, f.flowToken, { code: '1' }));
    await engine.sendSms(f.flowId, f.flowToken, {});
    await note(engine.sendSms(f.flowId, f.flowToken, {}));
    await note(engine.verifySms(f.flowId, f.flowToken, { code: wrongOf(lastCode()) }));
    const q = await engine.createQr();
    await engine.scan(q.flowId, 'etax', 'liqiang');
    await engine.confirm(q.flowId);
    await note(engine.chooseIdentity(q.flowId, q.flowToken, { identityId: 'x' }));
    await engine.expireSmsCode(f.flowId);
    await note(engine.verifySms(f.flowId, f.flowToken, { code: '123456' }));
    await engine.expireFlow(f.flowId);
    await note(engine.stepUp(f.flowId, f.flowToken, { method: 'face_iit' }));
    const g = await password('individual', { account: 'wangxiuying' });
    await engine.sendSms(g.flowId, g.flowToken, {});
    for (let i = 0; i < 5; i++)
      await failure(engine.verifySms(g.flowId, g.flowToken, { code: wrongOf(lastCode()) })).then((e) =>
        seen.set(e.code as ServerErrorCode, e.status),
      );
    const broken = setup({}, { sms: { send: () => Promise.reject(new Error('down')) } });
    const h = await broken.password('individual', { account: 'wangxiuying' });
    await note(broken.engine.sendSms(h.flowId, h.flowToken, {}));
    assert.deepEqual(Object.fromEntries([...seen].sort()), {
      account_locked: 423,
      flow_expired: 410,
      flow_not_found: 404,
      identity_invalid: 400,
      invalid_credentials: 401,
      invalid_request: 400,
      invalid_state: 409,
      invalid_taxpayer_id: 400,
      method_unavailable: 400,
      not_registered: 404,
      sms_code_expired: 410,
      sms_code_invalid: 400,
      sms_locked: 423,
      sms_not_sent: 409,
      sms_throttled: 429,
      unauthorized: 401,
      unavailable: 503,
    });
  });

  it('speaks the language the page asks for', () => {
    const e = new EngineError('flow_expired');
    assert.equal(e.body(languageOf('en-US,en;q=0.9')).error.message, 'The login has expired; log in again');
    assert.equal(e.body(languageOf('zh-CN,en;q=0.5')).error.message, '登录会话已过期，请重新登录');
    assert.equal(e.body(languageOf(undefined)).error.message, '登录会话已过期，请重新登录');
    assert.equal(
      new EngineError('invalid_request', { message: '请求内容不是有效的 JSON' }).body('en').error.message,
      '请求内容不是有效的 JSON',
    );
  });
});

describe('engine: the order of checks (§14.4)', () => {
  it('answers an unknown flow before a wrong token, a wrong token before a bad body', async () => {
    const { engine } = setup();
    const f = await engine.createQr();
    assert.equal(await codeOf(engine.stepUp('f000', 'nope', 'not an object')), 'flow_not_found');
    assert.equal(await codeOf(engine.stepUp(f.flowId, 'nope', 'not an object')), 'unauthorized');
    assert.equal(await codeOf(engine.verifySms(f.flowId, undefined, {})), 'unauthorized');
  });

  it("answers a bad body before the flow's end or state, and the end before the state", async () => {
    const { engine, password } = setup();
    const f = await password('individual', { account: 'wangxiuying' });
    await engine.lockAccount('wangxiuying', 60);
    // Locked: a bad body is still a bad body; a good one hears the lock, whatever the action.
    assert.equal(await codeOf(engine.stepUp(f.flowId, f.flowToken, { method: 'sms' })), 'invalid_request');
    assert.equal(await codeOf(engine.chooseIdentity(f.flowId, f.flowToken, { identityId: 'x' })), 'account_locked');
    const q = await engine.createQr();
    await engine.expireFlow(q.flowId);
    assert.equal(await codeOf(engine.verifySms(q.flowId, q.flowToken, { code: '' })), 'invalid_request');
    // Expired: the end is told before the state (a QR flow cannot take an SMS anyway).
    assert.equal(await codeOf(engine.verifySms(q.flowId, q.flowToken, { code: '123456' })), 'flow_expired');
  });

  it("answers the state before the method, and the method before the action's own rules", async () => {
    const { engine, password } = setup({ stepUpMethods: ['face_iit', 'face_etax'] });
    const q = await engine.createQr();
    assert.equal(await codeOf(engine.sendSms(q.flowId, q.flowToken, {})), 'invalid_state');
    const f = await password('individual', { account: 'wangxiuying' });
    assert.equal(await codeOf(engine.sendSms(f.flowId, f.flowToken, {})), 'method_unavailable');
    assert.equal(await codeOf(engine.verifySms(f.flowId, f.flowToken, { code: '123456' })), 'sms_not_sent');
  });

  it('reads `after`, `wait` and where a stream resumes alike for every host', async () => {
    const { readAfter, readWait, resumeAfter, socketAfter } = await import('../../src/engine/index.js');
    assert.equal(readAfter(null), -1);
    assert.equal(readAfter('7'), 7);
    for (const bad of ['x', '1.5', '-2'])
      assert.equal((await failure((async () => readAfter(bad))())).extra.field, 'after');
    assert.equal(readWait('2.5'), 2.5);
    assert.equal((await failure((async () => readWait('-1'))())).extra.field, 'wait');
    // A malformed Last-Event-ID is ignored: the query's `after`, else -1.
    assert.equal(resumeAfter('4', '1'), 4);
    assert.equal(resumeAfter('four', '1'), 1);
    assert.equal(resumeAfter('-3', null), -1);
    assert.equal(socketAfter('3'), -1);
    assert.equal(socketAfter(3), 3);
  });
});

describe('engine: who logged in, and the limits of the fields', () => {
  it("says who logged in: the name masked, the identity acted as, an agent in the agent's capacity", async () => {
    const { engine, password, lastCode } = setup();
    const q = await engine.createQr();
    await engine.scan(q.flowId, 'etax', 'wangxiuying');
    const done = (await engine.confirm(q.flowId)) as Extract<FlowState, { status: 'authenticated' }>;
    assert.equal(done.maskedName, '**英');
    assert.deepEqual([done.identity?.taxpayerId, done.identity?.role], [WANG, 'tax_officer']);
    // No name in the clear anywhere in the state.
    assert.ok(!JSON.stringify(done).includes('王秀英'));

    const f = await password('agent', { taxpayerId: AGENCY, account: 'zhaolei' });
    await engine.sendSms(f.flowId, f.flowToken, {});
    const choice = (await engine.verifySms(f.flowId, f.flowToken, { code: lastCode() })) as Extract<
      FlowState,
      { status: 'identity_required' }
    >;
    assert.equal(choice.identities[0].role, undefined);
    const agent = (await engine.chooseIdentity(f.flowId, f.flowToken, {
      identityId: choice.identities[0].id,
    })) as Extract<FlowState, { status: 'authenticated' }>;
    assert.equal(agent.maskedName, '*磊');
    assert.deepEqual(
      [agent.identity?.taxpayerId, agent.identity?.role, agent.identity?.roleLabel?.['zh-CN']],
      [WANG, 'agent', '涉税专业服务人员'],
    );
  });

  it('refuses a field outside the minLength, maxLength and pattern it announces, counting characters', async () => {
    const entries = [
      {
        id: 'individual',
        fields: [
          {
            name: 'account',
            kind: 'account' as const,
            required: true,
            minLength: 4,
            maxLength: 6,
            pattern: '[a-z]+|王秀英',
          },
        ],
      },
    ];
    const { engine } = setup({ entries });
    const tryAccount = (account: string) =>
      engine.createPassword({ entry: 'individual', fields: { account }, password: 'x' });
    for (const bad of ['abc', 'abcdefg', 'ab1d']) {
      const e = await failure(tryAccount(bad));
      assert.deepEqual([e.code, e.extra.field], ['invalid_request', 'account'], bad);
    }
    // Within the limits (trimmed): checked as credentials.
    assert.equal(await codeOf(tryAccount(' abcd ')), 'invalid_credentials');
    // Lengths count characters: 王秀英 is three, not nine bytes.
    const names = setup({
      entries: [{ id: 'individual', fields: [{ name: 'account', kind: 'account', required: true, maxLength: 3 }] }],
    });
    const named = (account: string) =>
      names.engine.createPassword({ entry: 'individual', fields: { account }, password: 'x' });
    assert.equal(await codeOf(named('王秀英')), 'invalid_credentials');
    assert.equal((await failure(named('王秀英子'))).extra.field, 'account');
  });

  it('shows the match code a deployment makes', async () => {
    const { engine } = setup({ matchCode: () => '07' });
    assert.equal(qrOf((await engine.createQr()).state).matchCode, '07');
    const none = setup({ matchCode: false });
    assert.equal(qrOf((await none.engine.createQr()).state).matchCode, undefined);
  });
});

describe('engine: QR payload length', () => {
  it('makes payloads as long as asked, never longer than the protocol allows', async () => {
    const { QR_PAYLOAD_MAX } = await import('../../src/engine/index.js');
    const { engine } = setup({ qrPayloadLength: QR_PAYLOAD_MAX });
    const qr = qrOf((await engine.createQr()).state);
    assert.equal(qr.payload.length, QR_PAYLOAD_MAX);
    assert.match(qr.payload, /^https:\/\/etax\.example\.invalid\/qr\/login\/[0-9a-f]+$/);
    assert.throws(() => setup({ qrPayloadLength: QR_PAYLOAD_MAX + 1 }), RangeError);
    assert.throws(() => setup({ qrPayloadBase: `https://portal.example/${'x'.repeat(150)}/` }), RangeError);
    assert.throws(() => setup({ qrPayloadBase: 'https://税务.example/qr/' }), RangeError);
  });
});

describe('engine: the phone side, for an app signed in to an account', () => {
  /** The reason of the `TransitionError` a promise rejects with. */
  async function refusal(p: Promise<unknown>): Promise<string> {
    try {
      await p;
    } catch (e) {
      if (e instanceof TransitionError) return e.reason;
      throw e;
    }
    throw new Error('expected a TransitionError');
  }

  it('keeps what the page that created the flow was, bounded, for the phone to show', async () => {
    const { engine, password } = setup();
    const ua = `Mozilla/5.0 ${'x'.repeat(600)}`;
    const q = await engine.createQr({}, { origin: 'https://etax.example', userAgent: ua, address: '203.0.113.9' });
    assert.deepEqual((await engine.record(q.flowId)).client, {
      origin: 'https://etax.example',
      userAgent: ua.slice(0, 256),
      address: '203.0.113.9',
    });
    const p = await engine.createPassword(
      { entry: 'individual', fields: { account: 'sunyue' }, password: DEFAULT_PASSWORD },
      { origin: 'https://etax.example' },
    );
    assert.deepEqual((await engine.record(p.flowId)).client, { origin: 'https://etax.example' });
    assert.equal((await engine.record((await password('individual', { account: 'sunyue' })).flowId)).client, undefined);
    // The page never sees it.
    assert.ok(!JSON.stringify(await engine.current(q.flowId, q.flowToken)).includes('203.0.113.9'));
  });

  it('finds a flow by a payload only while the flow shows it', async () => {
    const { engine } = setup();
    const f = await engine.createQr();
    const first = qrOf(f.state).payload;
    const rotated = await engine.rotateQr(f.flowId);
    assert.equal(await engine.flowOfPayload(first), undefined);
    assert.equal(await engine.flowOfPayload(qrOf(rotated).payload), f.flowId);
    await engine.expireFlow(f.flowId);
    assert.equal(await engine.flowOfPayload(qrOf(rotated).payload), undefined);
  });

  it('lets only the account that scanned the login QR confirm, refuse, cancel or go back', async () => {
    const { engine } = setup();
    const f = await engine.createQr();
    // Nobody's yet: no app may act on it but by scanning.
    assert.equal(await refusal(engine.confirm(f.flowId, undefined, 'wangxiuying')), 'forbidden');
    await engine.scan(f.flowId, 'etax', 'wangxiuying');
    for (const other of [
      engine.confirm(f.flowId, undefined, 'liqiang'),
      engine.deny(f.flowId, 'liqiang'),
      engine.end(f.flowId, 'phone', 'liqiang'),
      engine.unscan(f.flowId, 'liqiang'),
      engine.record(f.flowId, 'liqiang'),
    ]) {
      assert.equal(await refusal(other), 'forbidden');
    }
    assert.equal((await engine.record(f.flowId, 'wangxiuying')).phase.status, 'qr_scanned');
    assert.equal((await engine.unscan(f.flowId, 'wangxiuying')).status, 'qr_waiting');
    await engine.scan(f.flowId, 'etax', 'wangxiuying');
    assert.equal((await engine.confirm(f.flowId, undefined, 'wangxiuying')).status, 'authenticated');
    assert.equal(await refusal(engine.record('f000', 'wangxiuying')), 'not_found');
    assert.equal(await refusal(engine.deny('f000', 'wangxiuying')), 'not_found');
    assert.equal(await refusal(engine.deny(f.flowId, 'wangxiuying')), 'state');
  });

  it('lets only the account that logged in scan its face QR and answer the face check', async () => {
    const { engine, password } = setup();
    const f = await password('enterprise', { taxpayerId: WANG, account: 'wangxiuying' });
    await engine.stepUp(f.flowId, f.flowToken, { method: 'face_etax' });
    assert.equal(await refusal(engine.scan(f.flowId, 'etax', 'liqiang')), 'forbidden');
    assert.equal((await engine.current(f.flowId, f.flowToken)).status, 'face_waiting');
    assert.equal((await engine.scan(f.flowId, 'etax', 'wangxiuying')).status, 'face_scanned');
    for (const other of [
      engine.faceVerify(f.flowId, 'liqiang'),
      engine.facePass(f.flowId, 'liqiang'),
      engine.faceFail(f.flowId, 'liqiang'),
      engine.deny(f.flowId, 'liqiang'),
    ]) {
      assert.equal(await refusal(other), 'forbidden');
    }
    assert.equal((await engine.current(f.flowId, f.flowToken)).status, 'face_scanned');
    assert.equal((await engine.faceVerify(f.flowId, 'wangxiuying')).status, 'face_verifying');
    assert.equal((await engine.facePass(f.flowId, 'wangxiuying')).status, 'authenticated');
  });
});
