/**
 * Client rules that do not depend on time: legal actions, secrets kept out of
 * state and events, the encryption hook, capabilities, cross-tab completion
 * and the WebSocket transport (the one test that waits for a poll does so on
 * a fake clock).
 */
import { expect } from '@open-wc/testing';
import sinon from 'sinon';
import {
  createLoginClient,
  IllegalActionError,
  type LoginClient,
  type LoginClientOptions,
} from '../../src/client/index.js';
import { webSocket } from '../../src/client/websocket.js';
import { QR_PAYLOAD_MAX, type FlowState } from '../../src/client/protocol.js';
import type { LoginState } from '../../src/client/state.js';
import { capabilities, created, errorReply, fakeFetch, json, qrWaiting, reply, type Route } from './fakes.js';

const BASE = `${location.origin}/api`;
let client: LoginClient | undefined;
/**
 * Fake timers, for the one test that waits for a poll; restored after it. The client of the test
 * before, destroyed, may still be settling its aborted requests, whose timers are the browser's:
 * clearing one of them goes to the browser.
 */
let clock: sinon.SinonFakeTimers | undefined;
const fakeClock = () =>
  sinon.useFakeTimers({
    now: Date.now(),
    toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date', 'performance'],
    shouldClearNativeTimers: true,
  });

afterEach(() => {
  client?.destroy();
  client = undefined;
  clock?.restore();
  clock = undefined;
});

const stepUp: FlowState = {
  seq: 1,
  status: 'step_up_required',
  methods: ['face_iit', 'face_etax', 'sms'],
  maskedPhone: '176****2696',
};

function backend(over: Route = () => undefined, caps = capabilities()) {
  return fakeFetch((call) => {
    const r = over(call);
    if (r) return r;
    if (call.path === '/v1/capabilities') return json(caps);
    if (call.path === '/v1/flows/qr') return json(created(qrWaiting(1), { flowId: 'qr1', flowToken: 'qr-token' }), 201);
    if (call.path === '/v1/flows/password') return json(created(stepUp, { flowId: 'pw1', flowToken: 'pw-token' }), 201);
    if (call.method === 'DELETE') return reply('', 204);
    if (call.path === '/v1/flows/pw1/sms')
      return json({ maskedPhone: '176****2696', codeLength: 6, resendAfter: 60, expiresIn: 300 });
    if (call.path === '/v1/flows/pw1/sms/verify')
      return json({ seq: 2, status: 'authenticated', redirectUrl: '/home' });
    return undefined;
  });
}

function start(f: ReturnType<typeof fakeFetch>, over: Partial<LoginClientOptions> = {}) {
  client = createLoginClient({ baseUrl: BASE, fetch: f.fetch, crossTab: false, ...over });
  const seen: unknown[] = [];
  client.on('state', (s) => seen.push(s));
  client.on('error', (e) => seen.push(e));
  return { client, seen };
}

const enterprise = {
  entry: 'enterprise',
  fields: { taxpayerId: '91310110666007217T', account: '13800000000' },
  password: 'Secret#Pass123',
};

describe('login client', () => {
  it('keeps the password and the SMS code out of state, events and logs', async () => {
    const f = backend();
    const logged: string[] = [];
    const original = {
      log: console.log,
      warn: console.warn,
      error: console.error,
      info: console.info,
      debug: console.debug,
    };
    for (const k of Object.keys(original) as (keyof typeof original)[])
      console[k] = (...a: unknown[]) => logged.push(a.map(String).join(' '));
    try {
      const { client, seen } = start(f);
      await client.submitPassword(enterprise);
      expect(client.state.kind).to.equal('step-up');
      await client.chooseStepUp('sms');
      await client.sendSms();
      await client.verifySms('482 913');
      expect(client.state.kind).to.equal('authenticated');
      const everything = JSON.stringify(seen) + logged.join('\n');
      expect(everything).not.to.contain('Secret#Pass123');
      expect(everything).not.to.contain('482913');
      expect(everything).not.to.contain('482 913');
      // It was sent, once, to the server only — spaces of a pasted code removed.
      expect(JSON.parse(f.to('POST', '/v1/flows/password')[0].body!)).to.deep.equal(enterprise);
      expect(JSON.parse(f.to('POST', '/v1/flows/pw1/sms/verify')[0].body!)).to.deep.equal({ code: '482913' });
    } finally {
      Object.assign(console, original);
    }
  });

  it('throws a clear error for actions that make no sense in the current state', async () => {
    const f = backend();
    const { client } = start(f);
    expect(() => client.sendSms()).to.throw(IllegalActionError, /sendSms\(\) is not allowed in state "idle"/);
    expect(() => client.verifySms('123456')).to.throw(IllegalActionError);
    expect(() => client.chooseIdentity('x')).to.throw(IllegalActionError);
    expect(() => client.chooseStepUp('sms')).to.throw(IllegalActionError);
    const pending = client.submitPassword(enterprise);
    expect(() => client.submitPassword(enterprise)).to.throw(IllegalActionError, /submitPassword/);
    await pending;
    expect(() => client.startQr()).to.throw(IllegalActionError);
    expect(() => client.verifySms('123456')).to.throw(IllegalActionError, /state "step-up"/);
    expect(() => client.chooseStepUp('face_nope' as never)).to.throw(IllegalActionError, /not offered/);
    await client.chooseStepUp('sms');
    expect(() => client.verifySms('123456')).to.throw(IllegalActionError, /sendSms|verifySms/);
    client.destroy();
    expect(() => client.cancel()).to.throw(IllegalActionError);
    expect(f.to('POST', '/v1/flows/password')).to.have.length(1);
  });

  it('keeps the QR flow going when the password is refused, and keeps the error for the form', async () => {
    const f = backend((c) => (c.path === '/v1/flows/password' ? errorReply(401, 'invalid_credentials') : undefined));
    const { client } = start(f);
    await client.startQr();
    expect(client.state.kind).to.equal('qr-waiting');
    const submitting = client.submitPassword(enterprise);
    expect(client.state).to.deep.include({
      kind: 'qr-waiting',
      password: { status: 'submitting', entry: 'enterprise' },
    });
    await submitting;
    expect(client.state.kind).to.equal('qr-waiting');
    const state = client.state as Extract<LoginState, { kind: 'qr-waiting' }>;
    expect(state.password.status).to.equal('failed');
    expect(state.password).to.have.nested.property('error.code', 'invalid_credentials');
    expect(state.password).to.have.nested.property('error.status', 401);
    expect(f.to('DELETE', '/v1/flows/')).to.have.length(0);
  });

  it('retires the QR flow once the password is accepted', async () => {
    const f = backend();
    const { client } = start(f);
    await client.startQr();
    await client.submitPassword(enterprise);
    expect(client.state).to.deep.include({ kind: 'step-up', flowId: 'pw1', maskedPhone: '176****2696' });
    const del = f.to('DELETE', '/v1/flows/qr1');
    expect(del).to.have.length(1);
    expect(del[0].headers.get('Authorization')).to.equal('Bearer qr-token');
  });

  it('passes every body through the encryption hook with its context', async () => {
    const caps = capabilities({ encryption: { scheme: 'sm2-sm4', publicKey: '04abc' } });
    const f = backend(undefined, caps);
    const seen: { json: string; path: string; scheme: unknown }[] = [];
    const { client } = start(f, {
      encrypt: async (text, ctx) => {
        seen.push({ json: text, path: ctx.path, scheme: ctx.encryption?.scheme });
        return { body: btoa(text), headers: { 'Content-Type': 'application/x-etax-encrypted' } };
      },
    });
    await client.submitPassword(enterprise);
    expect(seen).to.have.length(1);
    expect(seen[0]).to.deep.equal({ json: JSON.stringify(enterprise), path: '/v1/flows/password', scheme: 'sm2-sm4' });
    const call = f.to('POST', '/v1/flows/password')[0];
    expect(call.body).to.equal(btoa(JSON.stringify(enterprise)));
    expect(call.body).not.to.contain('Secret#Pass123');
    expect(call.headers.get('Content-Type')).to.equal('application/x-etax-encrypted');
  });

  it('unwraps encrypted responses through the decryption hook', async () => {
    const f = fakeFetch((c) =>
      c.path === '/v1/capabilities'
        ? reply(btoa(JSON.stringify(capabilities())))
        : reply(btoa(JSON.stringify(created(qrWaiting(1)))), 201),
    );
    const { client } = start(f, { decrypt: async (text) => atob(text) });
    await client.startQr();
    expect(client.state.kind).to.equal('qr-waiting');
  });

  it('turns a failing encryption hook into a typed error and sends nothing', async () => {
    const f = backend(undefined, capabilities({ encryption: { scheme: 'sm2-sm4' } }));
    const { client } = start(f, {
      encrypt: async () => {
        throw new Error('SM2 public key missing');
      },
    });
    await client.submitPassword(enterprise);
    expect(client.state).to.have.nested.property('password.error.code', 'encryption_failed');
    expect(f.to('POST', '/v1/flows/password')).to.have.length(0);
  });

  it('never sends a plain body to a server that announced encryption when no hook is given', async () => {
    const f = backend(undefined, capabilities({ encryption: { scheme: 'sm2-sm4' } }));
    const { client } = start(f);
    await client.submitPassword(enterprise);
    expect(client.state).to.have.nested.property('password.error.code', 'encryption_failed');
    expect(f.to('POST', '/v1/flows/password')).to.have.length(0);
  });

  it('keeps the SMS view when the server rotates a face QR chosen earlier', async () => {
    clock = fakeClock();
    let face = { seq: 2, status: 'face_waiting', method: 'face_iit', qr: { payload: 'face-1', expiresIn: 60 } };
    const f = backend((c) => {
      if (c.path === '/v1/flows/pw1/step-up') return json(face);
      if (c.method === 'GET' && c.path.startsWith('/v1/flows/pw1?')) return json(face);
      return undefined;
    });
    const { client } = start(f, { maxFailures: 1 });
    await client.submitPassword(enterprise);
    await client.chooseStepUp('face_iit');
    expect(client.state.kind).to.equal('face-waiting');
    await client.chooseStepUp('sms');
    face = { ...face, seq: 3, qr: { payload: 'face-2', expiresIn: 60 } };
    // One poll at the 2 s interval brings the rotated face QR.
    await clock.tickAsync(2000);
    expect(f.to('GET', '/v1/flows/pw1?')).to.have.length(1);
    expect(client.state.kind).to.equal('sms');
  });

  it('refuses a server of another protocol version with a typed error', async () => {
    const f = backend((c) => (c.path === '/v1/capabilities' ? json({ ...capabilities(), version: 2 }) : undefined));
    const { client } = start(f);
    await client.startQr();
    expect(client.state).to.have.nested.property('error.code', 'unsupported_protocol');
  });

  it('turns malformed capabilities into an error state, and retries loading them', async () => {
    let broken = true;
    const f = backend((c) =>
      c.path === '/v1/capabilities' && broken ? json({ protocol: 'etax-login', version: 1 }) : undefined,
    );
    const { client } = start(f);
    await client.startQr();
    expect(client.state).to.include({ kind: 'qr-error' });
    expect(client.state).to.have.nested.property('error.code', 'malformed_response');
    broken = false;
    await client.startQr();
    expect(client.state.kind).to.equal('qr-waiting');
  });

  it('draws a QR payload up to the protocol’s maximum length, and treats a longer one as malformed', async () => {
    let payload = 'https://etax.example.gov.cn/qr/'.padEnd(QR_PAYLOAD_MAX, 'x');
    const f = backend((c) =>
      c.path === '/v1/flows/qr' ? json(created(qrWaiting(1, payload), { flowId: 'qr1' }), 201) : undefined,
    );
    const fits = start(f).client;
    await fits.startQr();
    expect(fits.state).to.nested.include({ kind: 'qr-waiting', 'qr.payload': payload });
    fits.destroy();

    payload += 'x';
    const refuses = start(f).client;
    await refuses.startQr();
    expect(refuses.state).to.have.nested.property('error.code', 'malformed_response');
  });

  it('maps a network failure of an action to a typed error, not a crash', async () => {
    const f = backend((c) =>
      c.path === '/v1/flows/password' ? Promise.reject(new TypeError('Failed to fetch')) : undefined,
    );
    const { client } = start(f);
    await client.submitPassword(enterprise);
    expect(client.state).to.have.nested.property('password.error.code', 'network');
  });

  it('ends this tab’s flow when another tab of the site completes a login', async () => {
    const f = backend();
    const { client } = start(f, { crossTab: true });
    await client.startQr();
    const other = new BroadcastChannel(`etax-login:${BASE}`);
    const ended = new Promise<void>((resolve) => client.on('state', (s) => s.kind === 'authenticated' && resolve()));
    other.postMessage({ type: 'authenticated', from: 'another-tab', redirectUrl: '/home' });
    await ended;
    expect(client.state).to.deep.equal({ kind: 'authenticated', via: 'other-tab', redirectUrl: '/home' });
    other.close();
  });

  it('tells the other tabs when it completes a login', async () => {
    const f = backend((c) =>
      c.path.startsWith('/v1/flows/pw1/sms/verify')
        ? json({ seq: 2, status: 'authenticated', redirectUrl: '/portal' })
        : undefined,
    );
    const other = new BroadcastChannel(`etax-login:${BASE}`);
    const heard = new Promise<{ type: string; redirectUrl: string }>(
      (resolve) => (other.onmessage = (e) => resolve(e.data)),
    );
    const { client } = start(f, { crossTab: true });
    await client.submitPassword(enterprise);
    await client.chooseStepUp('sms');
    await client.sendSms();
    await client.verifySms('123456');
    expect(await heard).to.include({ type: 'authenticated', redirectUrl: '/portal' });
    other.close();
  });

  it('tells a TypeError while a state is applied as a client error, not as a malformed answer', async () => {
    const faceWaiting = {
      seq: 2,
      status: 'face_waiting',
      method: 'face_iit',
      qr: { payload: 'face-1', expiresIn: 60 },
    };
    const f = backend((c) => (c.path === '/v1/flows/pw1/step-up' ? json(faceWaiting) : undefined));
    const { client } = start(f);
    client.on('state', (s) => {
      if (s.kind === 'face-waiting') throw new TypeError("Cannot read properties of undefined (reading 'payload')");
    });
    await client.submitPassword(enterprise);
    await client.chooseStepUp('face_iit');
    expect(client.state).to.have.nested.property('error.code', 'client_error');
    expect(client.state).to.have.nested.property('error.message').that.contains('TypeError');
  });

  it('asks for answers in the page’s language, read at each request', async () => {
    let lang = 'en';
    const f = backend();
    const { client } = start(f, { acceptLanguage: () => lang });
    await client.startQr();
    expect(f.to('POST', '/v1/flows/qr')[0].headers.get('Accept-Language')).to.equal('en');
    lang = 'zh-CN';
    await client.submitPassword(enterprise);
    expect(f.to('POST', '/v1/flows/password')[0].headers.get('Accept-Language')).to.equal('zh-CN');
  });

  it('keeps the code and the server’s message of an error code it does not know', async () => {
    const f = backend((c) =>
      c.path === '/v1/flows/password'
        ? errorReply(400, 'captcha_required', { message: '请先完成滑块验证' })
        : undefined,
    );
    const { client } = start(f);
    await client.submitPassword(enterprise);
    expect(client.state).to.have.nested.property('password.error.code', 'captcha_required');
    expect(client.state).to.have.nested.property('password.error.message', '请先完成滑块验证');
  });

  describe('WebSocket transport', () => {
    class FakeSocket {
      static last: FakeSocket;
      sent: string[] = [];
      closed = false;
      onopen: (() => void) | null = null;
      onmessage: ((e: { data: string }) => void) | null = null;
      onclose: (() => void) | null = null;
      onerror: (() => void) | null = null;
      constructor(public url: string) {
        FakeSocket.last = this;
      }
      send(data: string) {
        this.sent.push(data);
      }
      close() {
        this.closed = true;
      }
    }
    let original: typeof WebSocket;
    beforeEach(() => {
      original = globalThis.WebSocket;
      globalThis.WebSocket = FakeSocket as unknown as typeof WebSocket;
    });
    afterEach(() => {
      globalThis.WebSocket = original;
    });

    it('authenticates with its first message and applies state messages', async () => {
      const f = backend(undefined, capabilities({ transports: ['poll', 'websocket'] }));
      const { client } = start(f, { transport: 'websocket', webSocket });
      await client.startQr();
      expect(client.transport).to.equal('websocket');
      const ws = FakeSocket.last;
      expect(ws.url).to.equal(`${BASE.replace('http', 'ws')}/v1/flows/qr1/ws`);
      expect(ws.url).not.to.contain('qr-token');
      ws.onopen!();
      expect(JSON.parse(ws.sent[0])).to.deep.equal({ type: 'auth', token: 'qr-token', after: 1 });
      ws.onmessage!({ data: JSON.stringify({ type: 'heartbeat' }) });
      ws.onmessage!({
        data: JSON.stringify({
          type: 'state',
          state: { seq: 2, status: 'qr_scanned', qr: { payload: 'qr-1', expiresIn: 60 }, app: 'iit' },
        }),
      });
      expect(client.state).to.include({ kind: 'qr-scanned', app: 'iit' });
      ws.onmessage!({ data: JSON.stringify({ type: 'state', state: { seq: 3, status: 'denied', app: 'iit' } }) });
      expect(client.state).to.include({ kind: 'qr-ended', reason: 'denied' });
      expect(ws.closed).to.equal(true);
    });

    it('falls back to polling when the socket closes', async () => {
      const f = backend(
        (c) => (c.method === 'GET' && c.path.startsWith('/v1/flows/qr1?') ? json(qrWaiting(1)) : undefined),
        capabilities({ transports: ['poll', 'websocket'] }),
      );
      const { client } = start(f, { webSocket });
      await client.startQr();
      expect(client.transport).to.equal('websocket');
      FakeSocket.last.onclose!();
      expect(client.transport).to.equal('poll');
      expect(f.to('GET', '/v1/flows/qr1?')).to.have.length(1);
    });

    it('ignores message types it does not know, as a newer server may send them', async () => {
      const f = backend(undefined, capabilities({ transports: ['poll', 'websocket'] }));
      const { client } = start(f, { webSocket });
      await client.startQr();
      const ws = FakeSocket.last;
      ws.onopen!();
      ws.onmessage!({ data: JSON.stringify({ type: 'notice', text: 'maintenance at 22:00' }) });
      expect(client.state.kind).to.equal('qr-waiting');
      ws.onmessage!({ data: 'not json' });
      expect(client.state).to.have.nested.property('error.code', 'malformed_response');
    });

    it('is not used unless the page supplies it', async () => {
      const f = backend(undefined, capabilities({ transports: ['poll', 'websocket'] }));
      const { client } = start(f);
      await client.startQr();
      expect(client.transport).to.equal('poll');
    });

    it('asked for but not supplied, gives way to the best other transport the server offers', async () => {
      const f = backend(undefined, capabilities({ transports: ['poll', 'long-poll', 'websocket'] }));
      const { client } = start(f, { transport: 'websocket' });
      await client.startQr();
      expect(client.transport).to.equal('long-poll');
      // Held requests: the server's long-poll, asked at once.
      expect(f.to('GET', '/v1/flows/qr1?').map((c) => /&wait=\d+/.test(c.path))).to.deep.equal([true]);
    });
  });
});
