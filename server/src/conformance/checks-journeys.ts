/**
 * The journeys of the seed, end to end, with the app API playing the phone:
 * QR login by either app (confirmed, refused, a wrong match code, abandoned,
 * an old payload), face recognition by either app (passing, failing, scanned
 * by the wrong app or account), SMS (cooldown, wrong code, one-time use, the
 * lock), identity and client choice, completion, and exactly one completion
 * under racing requests. Requests to the app API are signed (docs/app-api.md).
 */
import { AppApi } from './app-api.js';
import { LOCK_CHECKS, loginOf } from './checks-accounts.js';
import type { Check } from './checks.js';
import {
  clip,
  errorOf,
  expect,
  expectError,
  isObj,
  retryAfterOf,
  Skip,
  sleep,
  summary,
  type Answer,
  type Created,
  type Json,
  type Kit,
} from './kit.js';
import { labelOf, type FaceMethod, type TargetAccount } from './target.js';

const apps = new WeakMap<Kit, AppApi>();

function appOf(kit: Kit): AppApi {
  let app = apps.get(kit);
  if (!app) {
    const t = kit.options.target!.appApi!;
    app = new AppApi(t.baseUrl, t.secret!, kit.options.timeout);
    apps.set(kit, app);
  }
  return app;
}

const accountsOf = (kit: Kit) => kit.options.target?.accounts ?? [];

const turns = new WeakMap<Kit, number>();

/**
 * A test account for a journey, taken in turn among those that fit, so that
 * the journeys spread their password logins over the accounts (a server
 * limits password attempts per account, §15.3). `lockable` accounts come last:
 * the lock checks will use them.
 */
function phoneAccount(kit: Kit, want: (a: TargetAccount) => boolean = () => true, what = 'an account'): TargetAccount {
  const fit = accountsOf(kit).filter((x) => x.appAccount && want(x));
  if (!fit.length) throw new Skip(`no test account with appAccount that is ${what}`);
  const spare = fit.filter((x) => !x.lockable);
  const pool = spare.length ? spare : fit;
  const turn = turns.get(kit) ?? 0;
  turns.set(kit, turn + 1);
  return pool[turn % pool.length];
}

/** A phone account that a QR login logs in at once, with no identity to choose. */
const qrWithoutChoice = (kit: Kit) =>
  phoneAccount(kit, (x) => (x.qrIdentity ?? x.identity ?? 'none') === 'none', 'logged in by QR without a choice');

const payloadOf = (s: Json) => (s.qr as { payload: string }).payload;

const expectOk = (a: Answer, what: string): Json => {
  expect(a.status === 200 && isObj(a.json), `${what}: app API answered ${a.status} ${clip(a.text, 160)}`);
  return a.json;
};

/** Expects a refusal of the app API (any 4xx with the error object), `codes` the acceptable ones. */
function refused(a: Answer, codes: string[], what: string): string {
  expect(a.status >= 400 && a.status < 500, `${what}: app API answered ${a.status}, not a refusal`);
  const e = errorOf(a, what);
  expect(codes.includes(e.code), `${what}: ${a.status} ${e.code}, not ${codes.join(' or ')}`);
  return e.code;
}

/** The page's view, polled until `status` (or a terminal one). */
async function pageSees(kit: Kit, flow: Created, status: string, what: string): Promise<Json> {
  const s = await kit.until(
    flow,
    (x) =>
      x.status === status || ['authenticated', 'denied', 'cancelled', 'expired', 'locked'].includes(x.status as string),
    3000,
    what,
  );
  expect(s.status === status, `${what}: the page sees ${JSON.stringify(summary(s))}, not ${status}`);
  return s;
}

/** From `identity_required` or `authenticated`: chooses the first identity; checks completion (§10). */
async function finish(kit: Kit, flow: Created, s: Json, expected: TargetAccount['identity'], what: string) {
  if (expected && expected !== 'none') {
    expect(s.status === 'identity_required', `${what}: ${s.status}, not the ${expected} choice`);
  }
  if (s.status === 'identity_required') {
    expect(!expected || expected !== 'none', `${what}: an identity choice the target does not expect`);
    if (expected) expect(s.reason === expected, `${what}: reason ${s.reason}, not ${expected}`);
    const ids = s.identities as Json[];
    expect(Array.isArray(ids) && ids.length > 0, `${what}: no identities`);
    const a = await kit.act(flow, 'identity', { identityId: ids[0].id });
    expect(a.status === 200 && isObj(a.json), `${what}: the identity answered ${a.status} ${clip(a.text, 120)}`);
    s = a.json;
  }
  expectCompleted(s, what);
  return s;
}

function expectCompleted(s: Json, what: string) {
  expect(s.status === 'authenticated', `${what}: ended ${JSON.stringify(summary(s))}, not authenticated`);
  expect(
    s.redirectUrl !== undefined || s.session !== undefined,
    `${what}: authenticated with neither redirectUrl nor session`,
  );
  if (typeof s.maskedName === 'string') expect(s.maskedName.includes('*'), `${what}: maskedName is not masked`);
  if (s.redirectUrl !== undefined) expect(typeof s.redirectUrl === 'string' && s.redirectUrl, `${what}: redirectUrl`);
}

/** A QR flow scanned by `a` with `app`: the page sees `qr_scanned`; the app's view. */
async function scanned(kit: Kit, a: TargetAccount, app: 'etax' | 'iit') {
  const flow = await kit.createQr();
  const view = expectOk(await appOf(kit).scan(a.appAccount!, app, payloadOf(flow.state)), `scan by ${app}`);
  expect(view.flowId === flow.flowId, 'the scan names another flow');
  expect(view.kind === 'login', `the scan says kind ${view.kind}`);
  expect(view.status === 'qr_scanned', `the app sees ${view.status}`);
  const s = await pageSees(kit, flow, 'qr_scanned', `scan by ${app}`);
  expect(s.app === app, `qr_scanned with app ${s.app}, not ${app}`);
  const matchCode = (flow.state.qr as { matchCode?: string }).matchCode;
  if (matchCode) expect(view.matchCode === matchCode, 'the app is not shown the match code the page shows');
  expect(isObj(view.page), 'the app is not shown the requesting page (page)');
  for (const secret of [flow.flowToken, payloadOf(flow.state)]) {
    expect(!JSON.stringify(view).includes(secret), "the app's view carries the page's token or payload");
  }
  return { flow, view, matchCode };
}

/** A password flow of `a`, its face QR for `method` scanned by `app`. */
async function faceScanned(kit: Kit, a: TargetAccount, method: FaceMethod) {
  const flow = await loginOf(kit, a);
  const step = await kit.act(flow, 'step-up', { method });
  expect(step.status === 200 && isObj(step.json), `step-up ${method} answered ${step.status} ${clip(step.text, 120)}`);
  const s = step.json;
  expect(s.status === 'face_waiting' && s.method === method, `step-up ${method}: ${JSON.stringify(summary(s))}`);
  const app: 'etax' | 'iit' = method === 'face_iit' ? 'iit' : 'etax';
  const qrApps = (s.qr as { apps?: string[] }).apps;
  if (qrApps) expect(qrApps.length === 1 && qrApps[0] === app, `the ${method} QR is for ${qrApps.join(', ')}`);
  const view = expectOk(await appOf(kit).scan(a.appAccount!, app, payloadOf(s)), `face scan by ${app}`);
  expect(view.kind === 'face' && view.status === 'face_scanned', `the app sees ${view.kind} ${view.status}`);
  const seen = await pageSees(kit, flow, 'face_scanned', `face scan by ${app}`);
  expect(seen.app === app && seen.method === method, `face_scanned with ${seen.app} ${seen.method}`);
  return { flow, app, payload: payloadOf(s) };
}

/** Face recognition: the liveness capture, then its result. */
async function faceResult(kit: Kit, a: TargetAccount, flow: Created, passed: boolean): Promise<Json> {
  expectOk(await appOf(kit).flow(flow.flowId, 'face', { account: a.appAccount }), 'face (liveness started)');
  await pageSees(kit, flow, 'face_verifying', 'the liveness capture');
  expectOk(await appOf(kit).flow(flow.flowId, 'face/result', { account: a.appAccount, passed }), 'face/result');
  return kit.until(flow, (s) => s.status !== 'face_verifying', 3000, 'the face result');
}

const QR_APPS = ['etax', 'iit'] as const;
const FACE_METHODS: FaceMethod[] = ['face_iit', 'face_etax'];

export const JOURNEY_CHECKS: Check[] = [
  {
    section: 'App API: signing',
    name: 'a wrong signature, another secret, an old timestamp, a changed body or a replay answer 401 unauthorized',
    needs: 'appApi',
    async run(kit) {
      const a = phoneAccount(kit);
      const app = appOf(kit);
      const flow = await kit.createQr();
      const body = { account: a.appAccount, app: 'etax', payload: payloadOf(flow.state) };
      const now = Math.floor(Date.now() / 1000);
      const cases: [string, Promise<Answer>][] = [
        ['a wrong signature', app.post('/v1/scan', body, { signature: `v1=${'0'.repeat(64)}` })],
        ['another secret', app.post('/v1/scan', body, { secret: 'not-the-secret' })],
        ['a timestamp 10 minutes old', app.post('/v1/scan', body, { timestamp: now - 600 })],
        [
          'a changed body',
          app.post('/v1/scan', body, { nonce: 'n', raw: JSON.stringify({ ...body, app: 'iit', nonce: 'n' }) }),
        ],
        ['no signature', app.post('/v1/scan', body, { headers: { 'Etax-App-Signature': '' } })],
      ];
      // Every answer in, before any is judged: no request outlives the check.
      const answers = await Promise.all(cases.map(([, answer]) => answer));
      cases.forEach(([what], i) => expectError(answers[i], 401, 'unauthorized', what));
      const s = await kit.state(flow);
      expect(s.status === 'qr_waiting', `refused app requests changed the flow: ${s.status}`);
      // A replay: the same signed request (same body, nonce and time) twice.
      const ts = now;
      const path = `/v1/flows/${encodeURIComponent(flow.flowId)}`;
      const once = await app.post(path, { account: a.appAccount }, { timestamp: ts, nonce: 'kit-replay' });
      const twice = await app.post(path, { account: a.appAccount }, { timestamp: ts, nonce: 'kit-replay' });
      expect(once.status !== 401, `a fresh signed request answered 401 ${clip(once.text, 100)}`);
      expectError(twice, 401, 'unauthorized', 'the same signed request again (a replay)');
    },
  },
  ...QR_APPS.map((app): Check => ({
    section: '§6.4 QR login',
    name: `QR login by the ${app} app: qr_scanned with the app, the app shown the match code and page, confirmed, authenticated`,
    needs: 'appApi',
    async run(kit) {
      if (!((await kit.caps()).qr as { apps: string[] }).apps.includes(app)) throw new Skip(`${app} not in qr.apps`);
      const a = phoneAccount(kit);
      const { flow, matchCode } = await scanned(kit, a, app);
      const answer = await appOf(kit).flow(flow.flowId, 'confirm', { account: a.appAccount, matchCode });
      expectOk(answer, 'confirm');
      const s = await kit.until(flow, (x) => x.status !== 'qr_scanned', 3000, 'after confirm');
      const done = await finish(kit, flow, s, a.qrIdentity ?? a.identity, `QR login of ${labelOf(a)}`);
      return `${labelOf(a)}${done.identity ? ` as ${(done.identity as Json).role ?? (done.identity as Json).name}` : ''}`;
    },
  })),
  {
    section: '§6.5 Endings other than success',
    name: 'refused on the phone: denied with the app; a wrong match code: denied; abandoned: cancelled by phone',
    needs: 'appApi',
    async run(kit) {
      const a = phoneAccount(kit);
      const one = await scanned(kit, a, 'iit');
      expectOk(await appOf(kit).flow(one.flow.flowId, 'refuse', { account: a.appAccount }), 'refuse');
      const d = await pageSees(kit, one.flow, 'denied', 'refused');
      expect(d.app === 'iit', `denied with app ${d.app}`);
      const two = await scanned(kit, a, 'etax');
      if (two.matchCode) {
        const wrong = two.matchCode === '00' ? '01' : '00';
        await appOf(kit).flow(two.flow.flowId, 'confirm', { account: a.appAccount, matchCode: wrong });
        await pageSees(kit, two.flow, 'denied', 'a wrong match code');
      }
      const three = await scanned(kit, a, 'etax');
      expectOk(await appOf(kit).flow(three.flow.flowId, 'cancel', { account: a.appAccount }), 'cancel on the phone');
      const c = await pageSees(kit, three.flow, 'cancelled', 'abandoned on the phone');
      expect(c.by === 'phone', `cancelled by ${c.by}, not phone`);
      return two.matchCode ? '' : 'no match code shown: the wrong-code case does not apply';
    },
  },
  {
    section: '§6.4 QR login',
    name: "one use of a QR: a scanned QR cannot be scanned again, nor a cancelled flow's, and a confirmed flow cannot be confirmed again",
    needs: 'appApi',
    async run(kit) {
      const a = phoneAccount(kit);
      const other = accountsOf(kit).find((x) => x.appAccount && x.appAccount !== a.appAccount) ?? a;
      const { flow, matchCode } = await scanned(kit, a, 'etax');
      refused(
        await appOf(kit).scan(other.appAccount!, 'iit', payloadOf(flow.state)),
        ['invalid_state', 'flow_not_found'],
        'a second scan',
      );
      expectOk(await appOf(kit).flow(flow.flowId, 'confirm', { account: a.appAccount, matchCode }), 'confirm');
      refused(
        await appOf(kit).flow(flow.flowId, 'confirm', { account: a.appAccount, matchCode }),
        ['invalid_state'],
        'a second confirm',
      );
      refused(
        await appOf(kit).scan(a.appAccount!, 'etax', payloadOf(flow.state)),
        ['invalid_state', 'flow_not_found'],
        'a scan after the login',
      );
      const cancelled = await kit.createQr();
      await kit.cancel(cancelled);
      refused(
        await appOf(kit).scan(a.appAccount!, 'etax', payloadOf(cancelled.state)),
        ['flow_not_found', 'invalid_state'],
        "a cancelled flow's payload",
      );
      refused(
        await appOf(kit).scan(a.appAccount!, 'etax', `https://kit.invalid/qr/${Math.random().toString(36).slice(2)}`),
        ['flow_not_found'],
        'an unknown payload',
      );
    },
  },
  {
    section: '§6.3 Lifetime and rotation',
    name: 'an expired (rotated) payload cannot be scanned: 404 flow_not_found',
    needs: 'appApi',
    async run(kit) {
      const a = phoneAccount(kit);
      const flow = await kit.createQr();
      const lifetime = (flow.state.qr as { expiresIn: number }).expiresIn;
      if (lifetime + 1 > kit.options.maxWait) {
        throw new Skip(`lifetime ${lifetime} s over the bound of ${kit.options.maxWait} s (--max-wait)`);
      }
      await sleep(lifetime * 1000 + 700);
      expectError(
        await appOf(kit).scan(a.appAccount!, 'etax', payloadOf(flow.state)),
        404,
        'flow_not_found',
        'the old payload',
      );
    },
  },
  ...FACE_METHODS.map((method): Check => ({
    section: '§8.1 Face recognition',
    name: `face by ${method === 'face_iit' ? 'the iit' : 'the etax'} app passes: face_waiting, face_scanned, face_verifying, authenticated; its QR and result used once`,
    needs: 'appApi',
    async run(kit) {
      const a = phoneAccount(kit, (x) => !!x.face?.includes(method), `able to use ${method}`);
      const { flow, app, payload } = await faceScanned(kit, a, method);
      const s = await faceResult(kit, a, flow, true);
      await finish(kit, flow, s, a.identity, `face of ${labelOf(a)}`);
      refused(
        await appOf(kit).scan(a.appAccount!, app, payload),
        ['flow_not_found', 'invalid_state'],
        'the face QR again',
      );
      refused(
        await appOf(kit).flow(flow.flowId, 'face/result', { account: a.appAccount, passed: true }),
        ['invalid_state'],
        'a second face result',
      );
      return labelOf(a);
    },
  })),
  {
    section: '§8.1 Face recognition',
    name: 'face that fails: face_failed with one attempt fewer and SMS offered; a new face QR can be asked for',
    needs: 'appApi',
    async run(kit) {
      const a = phoneAccount(kit, (x) => !!x.face?.length, 'able to use a face method');
      const method = a.face![0];
      const { flow } = await faceScanned(kit, a, method);
      const s = await faceResult(kit, a, flow, false);
      expect(s.status === 'face_failed', `a failed face: ${JSON.stringify(summary(s))}`);
      expect(Number.isInteger(s.attemptsLeft), 'face_failed without attemptsLeft');
      if (a.sms) expect((s.methods as string[]).includes('sms'), 'face_failed does not offer sms');
      const again = await kit.act(flow, 'step-up', { method });
      expect(again.status === 200 && (again.json as Json).status === 'face_waiting', `step-up again: ${again.status}`);
      await kit.cancel(flow);
      return `attemptsLeft ${s.attemptsLeft}`;
    },
  },
  {
    section: '§8.1 Face recognition',
    name: 'a face QR is refused to the other app and to an account that did not log in',
    needs: 'appApi',
    async run(kit) {
      const a = phoneAccount(kit, (x) => !!x.face?.length, 'able to use a face method');
      const other = accountsOf(kit).find((x) => x.appAccount && x.appAccount !== a.appAccount);
      const method = a.face![0];
      const flow = await loginOf(kit, a);
      const s = (await kit.act(flow, 'step-up', { method })).json as Json;
      expect(s?.status === 'face_waiting', 'step-up did not answer face_waiting');
      const wrongApp = method === 'face_iit' ? 'etax' : 'iit';
      refused(
        await appOf(kit).scan(a.appAccount!, wrongApp, payloadOf(s)),
        ['invalid_state', 'forbidden'],
        `scanned by ${wrongApp}`,
      );
      if (other) {
        refused(
          await appOf(kit).scan(other.appAccount!, method === 'face_iit' ? 'iit' : 'etax', payloadOf(s)),
          ['forbidden'],
          'scanned by another account',
        );
      }
      const after = await kit.state(flow);
      expect(after.status === 'face_waiting', `refused scans moved the flow to ${after.status}`);
      await kit.cancel(flow);
      return other ? '' : 'one app account only: the other-account case not checked';
    },
  },
  {
    section: '§8.2 SMS',
    name: 'SMS: no code yet 409 sms_not_sent; sent; again too soon 429 sms_throttled; a wrong code 400 sms_code_invalid; the right code authenticates, once',
    needs: 'appApi',
    async run(kit) {
      const a = phoneAccount(kit, (x) => !!x.sms, 'with SMS');
      const flow = await loginOf(kit, a);
      expectError(await kit.act(flow, 'sms/verify', { code: '000000' }), 409, 'sms_not_sent', 'verify before a code');
      const sent = await kit.act(flow, 'sms', {});
      expect(sent.status === 200 && isObj(sent.json), `POST …/sms answered ${sent.status} ${clip(sent.text, 120)}`);
      const info = sent.json;
      for (const k of ['maskedPhone', 'codeLength', 'resendAfter', 'expiresIn'])
        expect(info[k] !== undefined, `SmsSent without ${k}`);
      const again = await kit.act(flow, 'sms', {});
      expectError(again, 429, 'sms_throttled', 'a second code at once');
      const wait = retryAfterOf(again, 'sms_throttled');
      const code = await appOf(kit).codeOf(a.appAccount!, flow.flowId);
      expect(code.length === info.codeLength, `a code of ${code.length} digits, codeLength ${info.codeLength}`);
      const wrongCode = code.replace(/\d$/, (d) => String((Number(d) + 1) % 10));
      const e = expectError(
        await kit.act(flow, 'sms/verify', { code: wrongCode }),
        400,
        'sms_code_invalid',
        'a wrong code',
      );
      expect(Number.isInteger(e.attemptsLeft), 'sms_code_invalid without attemptsLeft');
      expect(e.field === 'code', `sms_code_invalid with field ${e.field}`);
      const ok = await kit.act(flow, 'sms/verify', { code });
      expect(ok.status === 200 && isObj(ok.json), `the right code answered ${ok.status} ${clip(ok.text, 120)}`);
      const s = await finish(kit, flow, ok.json, a.identity, `SMS of ${labelOf(a)}`);
      const reuse = await kit.act(flow, 'sms/verify', { code });
      expect(reuse.status >= 400, `the same code again answered ${reuse.status}`);
      const r = errorOf(reuse, 'the same code again');
      expect(['invalid_state', 'sms_not_sent'].includes(r.code), `the same code again: ${r.code}`);
      return `resend after ${wait} s; attemptsLeft ${e.attemptsLeft}; ${s.status}`;
    },
  },
  {
    section: '§9 Identity choice',
    name: 'identity and client choice: an id not offered 400 identity_invalid; the offered one authenticates; a second choice 409',
    needs: 'appApi',
    async run(kit) {
      const lines: string[] = [];
      for (const reason of ['capacity', 'client'] as const) {
        const a = accountsOf(kit).find((x) => x.appAccount && x.identity === reason && (x.sms || x.face?.length));
        if (!a) {
          lines.push(`no test account with a ${reason} choice`);
          continue;
        }
        let flow: Created;
        let s: Json;
        if (a.face?.length) {
          flow = (await faceScanned(kit, a, a.face[0])).flow;
          s = await faceResult(kit, a, flow, true);
        } else {
          flow = await loginOf(kit, a);
          await kit.act(flow, 'sms', {});
          const code = await appOf(kit).codeOf(a.appAccount!, flow.flowId);
          s = (await kit.act(flow, 'sms/verify', { code })).json as Json;
        }
        expect(
          s.status === 'identity_required' && s.reason === reason,
          `${labelOf(a)}: ${JSON.stringify(summary(s))}, not the ${reason} choice`,
        );
        const e = expectError(
          await kit.act(flow, 'identity', { identityId: 'kit:not-offered' }),
          400,
          'identity_invalid',
          'an id not offered',
        );
        expect(e.field === 'identityId', `identity_invalid with field ${e.field}`);
        const id = (s.identities as Json[]).at(-1)!.id;
        const done = await kit.act(flow, 'identity', { identityId: id });
        expect(done.status === 200, `the offered identity answered ${done.status}`);
        const end = done.json as Json;
        expectCompleted(end, `${labelOf(a)} after the choice`);
        expect(isObj(end.identity) && end.identity.id === id, 'authenticated without the chosen identity');
        expectError(await kit.act(flow, 'identity', { identityId: id }), 409, 'invalid_state', 'a second choice');
        lines.push(`${reason}: ${(s.identities as Json[]).length} offered`);
      }
      if (lines.every((l) => l.startsWith('no '))) throw new Skip(lines.join('; '));
      return lines.join('; ');
    },
  },
  {
    section: '§10 Completion',
    name: 'after authenticated nothing more is accepted: step-up, SMS, identity 409 invalid_state; DELETE 204 leaves it authenticated',
    needs: 'appApi',
    async run(kit) {
      const a = qrWithoutChoice(kit);
      const { flow, matchCode } = await scanned(kit, a, 'etax');
      expectOk(await appOf(kit).flow(flow.flowId, 'confirm', { account: a.appAccount, matchCode }), 'confirm');
      const s = await pageSees(kit, flow, 'authenticated', 'after confirm');
      for (const [action, body] of [
        ['step-up', { method: 'face_iit' }],
        ['sms', {}],
        ['identity', { identityId: 'x' }],
      ] as const) {
        expectError(await kit.act(flow, action, body), 409, 'invalid_state', `${action} after authenticated`);
      }
      expect((await kit.cancel(flow)).status === 204, 'DELETE after authenticated');
      const end = await kit.state(flow);
      expect(
        end.status === 'authenticated' && end.seq === s.seq,
        `DELETE changed an authenticated flow: ${end.status}`,
      );
    },
  },
  {
    section: '§6.4 QR login',
    name: 'racing confirms: exactly one completion',
    needs: 'appApi',
    async run(kit) {
      const a = qrWithoutChoice(kit);
      const { flow, matchCode } = await scanned(kit, a, 'iit');
      const answers = await Promise.all(
        Array.from({ length: 8 }, () => appOf(kit).flow(flow.flowId, 'confirm', { account: a.appAccount, matchCode })),
      );
      const ok = answers.filter((x) => x.status === 200).length;
      expect(ok === 1, `${ok} of 8 racing confirms succeeded`);
      for (const x of answers.filter((y) => y.status !== 200)) refused(x, ['invalid_state'], 'a losing confirm');
      const s = await kit.state(flow);
      expectCompleted(s, 'after racing confirms');
      return `1 of 8 succeeded`;
    },
  },
  {
    section: '§8.3 SMS: verify',
    name: 'racing verifies of the right code: exactly one completion, the others refused',
    needs: 'appApi',
    async run(kit) {
      const a = phoneAccount(kit, (x) => !!x.sms, 'with SMS');
      const flow = await loginOf(kit, a);
      expect((await kit.act(flow, 'sms', {})).status === 200, 'POST …/sms did not answer 200');
      const code = await appOf(kit).codeOf(a.appAccount!, flow.flowId);
      const answers = await Promise.all(
        Array.from({ length: 8 }, () =>
          kit.request('POST', `/v1/flows/${encodeURIComponent(flow.flowId)}/sms/verify`, {
            token: flow.flowToken,
            json: { code },
          }),
        ),
      );
      const ok = answers.filter((x) => x.status === 200);
      expect(ok.length === 1, `${ok.length} of 8 racing verifies of one code succeeded`);
      for (const x of answers.filter((y) => y.status !== 200)) {
        const e = errorOf(x, 'a losing verify');
        expect(['invalid_state', 'sms_not_sent'].includes(e.code), `a losing verify: ${x.status} ${e.code}`);
      }
      return '1 of 8 succeeded';
    },
  },
];

/** Locks: after every journey, since a locked account cannot log in. */
export const SMS_LOCK_CHECK: Check = {
  section: '§8.3 SMS: verify',
  name: 'wrong codes until 423 sms_locked: the flow ends locked with code sms_locked',
  needs: 'appApi',
  async run(kit) {
    const a = accountsOf(kit).find((x) => x.appAccount && x.sms && x.lockable);
    if (!a) throw new Skip('no lockable test account with SMS');
    const flow = await loginOf(kit, a);
    expect((await kit.act(flow, 'sms', {})).status === 200, 'POST …/sms did not answer 200');
    const code = await appOf(kit).codeOf(a.appAccount!, flow.flowId);
    const wrongCode = code.replace(/\d$/, (d) => String((Number(d) + 1) % 10));
    let last: Answer | undefined;
    for (let i = 0; i < 20; i++) {
      last = await kit.act(flow, 'sms/verify', { code: wrongCode });
      if (last.status !== 400) break;
    }
    expectError(last!, 423, 'sms_locked', 'the last wrong code');
    const s = await kit.state(flow);
    expect(s.status === 'locked' && s.code === 'sms_locked', `the flow: ${JSON.stringify(summary(s))}`);
    expectError(await kit.act(flow, 'sms/verify', { code }), 423, 'sms_locked', 'the right code after the lock');
    return `locked for ${retryAfterOf(last!, 'sms_locked')} s`;
  },
};

export const LATE_CHECKS: Check[] = [SMS_LOCK_CHECK, ...LOCK_CHECKS];
