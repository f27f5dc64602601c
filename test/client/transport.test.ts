/**
 * Transport behaviour under fake timers: intervals, backoff, Retry-After,
 * timeouts, hidden pages, expiry, ordering, SSE fallback and clean teardown.
 */
import { expect } from '@open-wc/testing';
import sinon from 'sinon';
import { createLoginClient, type LoginClient, type LoginClientOptions } from '../../src/client/index.js';
import type { FlowState } from '../../src/client/protocol.js';
import { sse } from '../../src/client/sse.js';
import type { LoginState } from '../../src/client/state.js';
import {
  FakeEventSource,
  capabilities,
  created,
  errorReply,
  fakeFetch,
  json,
  qrWaiting,
  reply,
  type Call,
  type Reply,
} from './fakes.js';

const BASE = `${location.origin}/api`;

let clock: sinon.SinonFakeTimers;
let client: LoginClient | undefined;
let hidden = false;

function setHidden(value: boolean) {
  hidden = value;
  document.dispatchEvent(new Event('visibilitychange'));
}

beforeEach(() => {
  clock = sinon.useFakeTimers({
    toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date', 'performance'],
  });
  hidden = false;
  Object.defineProperty(document, 'hidden', { configurable: true, get: () => hidden });
  FakeEventSource.reset();
});

afterEach(() => {
  client?.destroy();
  client = undefined;
  clock.restore();
  delete (document as { hidden?: boolean }).hidden;
});

/**
 * A server with capabilities and a QR flow; `status` answers the status
 * requests (default: the same waiting state again).
 */
function server(
  opts: { caps?: Parameters<typeof capabilities>[0]; status?: (call: Call, n: number) => Reply; create?: Reply } = {},
) {
  let n = 0;
  return fakeFetch((call) => {
    if (call.path === '/v1/capabilities') return json(capabilities(opts.caps));
    if (call.method === 'POST' && call.path === '/v1/flows/qr') return opts.create ?? json(created(qrWaiting(1)), 201);
    if (call.method === 'GET' && call.path.startsWith('/v1/flows/f1?'))
      return opts.status?.(call, n++) ?? json(qrWaiting(1));
    if (call.method === 'DELETE') return reply('', 204);
    return undefined;
  });
}

function start(f: ReturnType<typeof fakeFetch>, over: Partial<LoginClientOptions> = {}) {
  client = createLoginClient({ baseUrl: BASE, fetch: f.fetch, crossTab: false, ...over });
  const states: LoginState[] = [];
  client.on('state', (s) => states.push(s));
  return { client, states };
}

const polls = (f: ReturnType<typeof fakeFetch>) => f.to('GET', '/v1/flows/f1?');

/**
 * The first status poll is answered 429 with `Retry-After: 20`; `meanwhile` runs as the wait
 * begins. Asserts that the next poll comes 20 s later and not a millisecond before.
 */
async function asksAgainTwentySecondsLater(meanwhile = () => {}): Promise<LoginClient> {
  const f = server({
    status: (_c, n) => (n === 0 ? errorReply(429, 'rate_limited', {}, { 'Retry-After': '20' }) : json(qrWaiting(1))),
  });
  const { client } = start(f);
  await client.startQr();
  await clock.tickAsync(2000);
  meanwhile();
  await clock.tickAsync(19999);
  expect(polls(f)).to.have.length(1);
  await clock.tickAsync(1);
  expect(polls(f)).to.have.length(2);
  return client;
}

describe('client transports', () => {
  describe('polling', () => {
    it('polls at the server-given interval with the flow token, not the QR payload', async () => {
      const f = server();
      const { client } = start(f);
      await client.startQr();
      expect(client.state.kind).to.equal('qr-waiting');
      await clock.tickAsync(1999);
      expect(polls(f)).to.have.length(0);
      await clock.tickAsync(1);
      expect(polls(f)).to.have.length(1);
      await clock.tickAsync(2000 * 4);
      expect(polls(f)).to.have.length(5);
      const call = polls(f)[0];
      expect(call.headers.get('Authorization')).to.equal('Bearer secret-token');
      expect(call.url.searchParams.get('after')).to.equal('1');
      expect(call.url.href).not.to.contain('qr-1');
    });

    it('uses the interval a flow gives over the capabilities default', async () => {
      const f = server({ create: json(created(qrWaiting(1), { pollInterval: 5 }), 201) });
      const { client } = start(f);
      await client.startQr();
      await clock.tickAsync(4999);
      expect(polls(f)).to.have.length(0);
      await clock.tickAsync(1);
      expect(polls(f)).to.have.length(1);
    });

    it('applies new states in order and drops stale ones', async () => {
      const replies: FlowState[] = [
        { seq: 3, status: 'qr_scanned', qr: { payload: 'qr-1', expiresIn: 60 }, app: 'iit' },
        { seq: 2, status: 'qr_waiting', qr: { payload: 'qr-1', expiresIn: 60 } },
        { seq: 3, status: 'qr_waiting', qr: { payload: 'qr-1', expiresIn: 60 } },
        { seq: 4, status: 'qr_waiting', qr: { payload: 'qr-1', expiresIn: 60 } },
      ];
      const f = server({ status: (_c, n) => json(replies[Math.min(n, replies.length - 1)]) });
      const { client, states } = start(f);
      await client.startQr();
      await clock.tickAsync(2000);
      expect(client.state).to.include({ kind: 'qr-scanned', app: 'iit' });
      await clock.tickAsync(2000); // seq 2: stale
      await clock.tickAsync(2000); // seq 3 again: stale
      expect(client.state.kind).to.equal('qr-scanned');
      expect(polls(f)[2].url.searchParams.get('after')).to.equal('3');
      await clock.tickAsync(2000); // seq 4: scanned fell back to waiting
      expect(client.state.kind).to.equal('qr-waiting');
      expect(states.map((s) => s.kind)).to.deep.equal(['qr-loading', 'qr-waiting', 'qr-scanned', 'qr-waiting']);
    });

    it('backs off exponentially with jitter on failures, then ends in an error state', async () => {
      sinon.stub(Math, 'random').returns(0.5);
      try {
        const f = server({ status: () => errorReply(503, 'unavailable') });
        const { client } = start(f, { maxFailures: 5 });
        await client.startQr();
        await clock.tickAsync(2000);
        expect(polls(f)).to.have.length(1);
        // ceilings 2 s, 4 s, 8 s, 16 s; equal jitter at random()=0.5 → 75 % of each
        const gaps = [1500, 3000, 6000, 12000];
        for (const gap of gaps) {
          const before = polls(f).length;
          await clock.tickAsync(gap - 1);
          expect(polls(f)).to.have.length(before);
          await clock.tickAsync(1);
        }
        expect(polls(f)).to.have.length(5);
        expect(client.state.kind).to.equal('qr-error');
        expect(client.state).to.have.nested.property('error.code', 'unavailable');
        await clock.tickAsync(120000);
        expect(polls(f)).to.have.length(5);
      } finally {
        (Math.random as sinon.SinonStub).restore();
      }
    });

    it('caps the backoff at 30 seconds', async () => {
      sinon.stub(Math, 'random').returns(0.999999);
      try {
        const f = server({ status: () => errorReply(500, 'internal_error') });
        const { client } = start(f, { maxFailures: 20 });
        await client.startQr();
        await clock.tickAsync(2000 + 2000 + 4000 + 8000 + 16000 + 30000);
        const n = polls(f).length;
        expect(n).to.equal(6);
        await clock.tickAsync(30000);
        expect(polls(f)).to.have.length(7);
        const last = polls(f);
        expect(last[6].at - last[5].at).to.be.at.most(30000);
      } finally {
        (Math.random as sinon.SinonStub).restore();
      }
    });

    it('honours Retry-After in seconds', async () => {
      const client = await asksAgainTwentySecondsLater();
      expect(client.state.kind).to.equal('qr-waiting');
    });

    it('honours Retry-After as an HTTP date', async () => {
      const f = server({
        status: (_c, n) =>
          n === 0
            ? errorReply(503, 'unavailable', {}, { 'Retry-After': new Date(Date.now() + 40000).toUTCString() })
            : json(qrWaiting(1)),
      });
      const { client } = start(f);
      await client.startQr();
      await clock.tickAsync(2000);
      await clock.tickAsync(35000);
      expect(polls(f)).to.have.length(1);
      await clock.tickAsync(6000);
      expect(polls(f)).to.have.length(2);
    });

    it('gives up a request that hangs after the request timeout and retries', async () => {
      const f = server({ status: (_c, n) => (n === 0 ? 'hang' : json(qrWaiting(1))) });
      const { client } = start(f, { requestTimeout: 5000 });
      await client.startQr();
      await clock.tickAsync(2000);
      expect(f.pending).to.equal(1);
      await clock.tickAsync(5000);
      expect(polls(f)[0].signal.aborted).to.equal(true);
      expect(f.pending).to.equal(0);
      await clock.tickAsync(3000);
      expect(polls(f)).to.have.length(2);
      expect(client.state.kind).to.equal('qr-waiting');
    });

    it('ends with a timeout error when every request hangs', async () => {
      const f = server({ status: () => 'hang' });
      const { client } = start(f, { requestTimeout: 5000, maxFailures: 3 });
      await client.startQr();
      await clock.tickAsync(60000);
      expect(client.state.kind).to.equal('qr-error');
      expect(client.state).to.have.nested.property('error.code', 'timeout');
      expect(f.pending).to.equal(0);
    });

    it('turns a malformed status body into an error state', async () => {
      const f = server({ status: () => json({ seq: 9, status: 'teleported' }) });
      const { client } = start(f);
      await client.startQr();
      await clock.tickAsync(2000);
      expect(client.state.kind).to.equal('qr-error');
      expect(client.state).to.have.nested.property('error.code', 'malformed_response');
      await clock.tickAsync(60000);
      expect(polls(f)).to.have.length(1);
    });

    it('turns a body that is not JSON into an error state', async () => {
      const f = server({ status: () => reply('<html>proxy error</html>') });
      const { client } = start(f);
      await client.startQr();
      await clock.tickAsync(2000);
      expect(client.state).to.have.nested.property('error.code', 'malformed_response');
    });

    it('pauses while the page is hidden and asks at once when it is visible again', async () => {
      const f = server();
      const { client } = start(f);
      await client.startQr();
      await clock.tickAsync(2000);
      expect(polls(f)).to.have.length(1);
      setHidden(true);
      await clock.tickAsync(60000);
      expect(polls(f)).to.have.length(1);
      setHidden(false);
      await clock.tickAsync(0);
      expect(polls(f)).to.have.length(2);
      await clock.tickAsync(2000);
      expect(polls(f)).to.have.length(3);
    });

    it('runs at most one poll loop however often it is kicked', async () => {
      const f = server({ status: () => new Promise<Response>((r) => setTimeout(() => r(json(qrWaiting(1))), 500)) });
      const { client } = start(f);
      await client.startQr();
      await clock.tickAsync(2000);
      for (let i = 0; i < 5; i++) {
        setHidden(false);
        await clock.tickAsync(10);
      }
      expect(f.pending).to.be.at.most(1);
      await clock.tickAsync(10000);
      // one request per interval (2 s) plus its 0.5 s answer
      expect(polls(f).length).to.be.within(4, 6);
    });

    it('long-polls with wait and asks again when the answer comes', async () => {
      const f = server({
        caps: { transports: ['poll', 'long-poll'], longPollWait: 25 },
        status: () => new Promise<Response>((r) => setTimeout(() => r(json(qrWaiting(1))), 25000)),
      });
      const { client } = start(f, { requestTimeout: 5000 });
      await client.startQr();
      expect(client.transport).to.equal('long-poll');
      await clock.tickAsync(0);
      expect(polls(f)).to.have.length(1);
      expect(polls(f)[0].url.searchParams.get('wait')).to.equal('25');
      await clock.tickAsync(25000);
      // the hold is not mistaken for a timeout, and the next request follows at once
      expect(client.state.kind).to.equal('qr-waiting');
      await clock.tickAsync(1);
      expect(polls(f)).to.have.length(2);
    });

    it('asks again at once when a long-poll answer brings news, held or not', async () => {
      const f = server({
        caps: { transports: ['poll', 'long-poll'] },
        // At once with a newer state (as after an action the page already heard of), then holding.
        status: (_, n) =>
          n === 0 ? json({ seq: 2, status: 'qr_scanned', qr: { payload: 'qr-1', expiresIn: 60 }, app: 'iit' }) : 'hang',
      });
      const { client } = start(f);
      await client.startQr();
      await clock.tickAsync(0);
      expect(client.state.kind).to.equal('qr-scanned');
      await clock.tickAsync(1);
      expect(polls(f)).to.have.length(2);
      expect(polls(f)[1].url.searchParams.get('after')).to.equal('2');
    });

    it('does not spin when a long-poll server answers at once', async () => {
      const f = server({ caps: { transports: ['poll', 'long-poll'] } });
      const { client } = start(f);
      await client.startQr();
      await clock.tickAsync(10000);
      expect(polls(f).length).to.be.within(5, 6);
    });
  });

  describe('lifetimes', () => {
    it('shows the QR flow as expired at its lifetime on the monotonic clock', async () => {
      const f = server({ create: json(created(qrWaiting(1, 'qr-1', 600), { expiresIn: 120 }), 201) });
      const { client } = start(f);
      await client.startQr();
      // The device clock jumping ahead changes nothing.
      clock.setSystemTime(Date.now() + 3600_000);
      await clock.tickAsync(119000);
      expect(client.state.kind).to.equal('qr-waiting');
      await clock.tickAsync(1000);
      expect(client.state).to.include({ kind: 'qr-ended', reason: 'expired' });
      const n = f.calls.length;
      await clock.tickAsync(60000);
      expect(f.calls).to.have.length(n);
    });

    it('asks for a rotated QR when the payload expires and keeps the flow', async () => {
      let payload = 'qr-1';
      let seq = 1;
      const f = server({
        create: json(created(qrWaiting(1, 'qr-1', 30), { pollInterval: 10 }), 201),
        status: () => json(qrWaiting(seq, payload, 30)),
      });
      const { client } = start(f);
      await client.startQr();
      payload = 'qr-2';
      seq = 2;
      await clock.tickAsync(29999);
      const before = polls(f).length;
      await clock.tickAsync(1);
      expect(polls(f)).to.have.length(before + 1); // asked at once, not at the next interval
      await clock.tickAsync(0);
      expect(client.state).to.have.nested.property('qr.payload', 'qr-2');
      await clock.tickAsync(5000);
      expect(client.state.kind).to.equal('qr-waiting');
    });

    it('shows the QR as expired when no new payload comes within the grace', async () => {
      const f = server({ create: json(created(qrWaiting(1, 'qr-1', 30), { pollInterval: 10 }), 201) });
      const { client } = start(f, { qrGrace: 3000 });
      await client.startQr();
      await clock.tickAsync(32999);
      expect(client.state.kind).to.equal('qr-waiting');
      await clock.tickAsync(1);
      expect(client.state).to.include({ kind: 'qr-ended', reason: 'expired' });
    });
    it('does not give up a QR while the page is hidden, and picks up the rotated one when it is seen', async () => {
      let payload = 'qr-1';
      let seq = 1;
      const f = server({
        create: json(created(qrWaiting(1, 'qr-1', 30), { pollInterval: 10 }), 201),
        status: () => json(qrWaiting(seq, payload, 30)),
      });
      const { client } = start(f, { qrGrace: 3000 });
      await client.startQr();
      setHidden(true);
      payload = 'qr-2';
      seq = 2;
      await clock.tickAsync(120000);
      expect(client.state.kind).to.equal('qr-waiting');
      const polled = polls(f).length;
      setHidden(false);
      await clock.tickAsync(0);
      expect(polls(f)).to.have.length(polled + 1);
      expect(client.state).to.have.nested.property('qr.payload', 'qr-2');
      await clock.tickAsync(5000);
      expect(client.state.kind).to.equal('qr-waiting');
    });
  });

  describe('teardown', () => {
    it('destroy() mid-request aborts it and leaves no timer', async () => {
      const f = server({ status: () => 'hang' });
      const { client } = start(f);
      await client.startQr();
      await clock.tickAsync(2000);
      expect(f.pending).to.equal(1);
      client.destroy();
      expect(f.pending).to.equal(0);
      expect(polls(f)[0].signal.aborted).to.equal(true);
      expect(clock.countTimers()).to.equal(0);
      await clock.tickAsync(120000);
      expect(f.calls.filter((c) => c.method === 'GET')).to.have.length(2); // capabilities + one poll
    });

    it('destroy() while the QR flow is being created sends nothing more', async () => {
      const f = server({ create: 'hang' });
      const { client } = start(f);
      const started = client.startQr();
      await clock.tickAsync(0);
      client.destroy();
      await started;
      expect(f.pending).to.equal(0);
      expect(clock.countTimers()).to.equal(0);
      expect(client.state.kind).to.equal('destroyed');
    });

    it('cancel() stops polling and tells the server once', async () => {
      const f = server();
      const { client } = start(f);
      await client.startQr();
      await clock.tickAsync(2000);
      await client.cancel();
      expect(client.state).to.include({ kind: 'qr-ended', reason: 'cancelled' });
      expect(f.to('DELETE', '/v1/flows/f1')).to.have.length(1);
      const n = f.calls.length;
      await clock.tickAsync(60000);
      expect(f.calls).to.have.length(n);
      expect(clock.countTimers()).to.equal(0);
    });

    it('ends the flow as expired when the server no longer knows it, and polls no more', async () => {
      const f = server({ status: (_, n) => (n === 0 ? json(qrWaiting(1)) : errorReply(404, 'flow_not_found')) });
      const { client } = start(f);
      await client.startQr();
      await clock.tickAsync(2000);
      expect(client.state.kind).to.equal('qr-waiting');
      // The server forgets every flow (a restart): the next poll learns it.
      await clock.tickAsync(2000);
      expect(client.state).to.include({ kind: 'qr-ended', reason: 'expired' });
      const n = f.calls.length;
      await clock.tickAsync(10 * 60_000);
      expect(f.calls).to.have.length(n);
      expect(clock.countTimers()).to.equal(0);
    });

    it('sends no request after a terminal state', async () => {
      const f = server({ status: () => json({ seq: 2, status: 'authenticated', redirectUrl: '/home' }) });
      const { client } = start(f);
      await client.startQr();
      await clock.tickAsync(2000);
      expect(client.state).to.include({ kind: 'authenticated', via: 'qr', redirectUrl: '/home' });
      const n = f.calls.length;
      await clock.tickAsync(120000);
      expect(f.calls).to.have.length(n);
      expect(clock.countTimers()).to.equal(0);
    });
  });

  describe('server-sent events', () => {
    const sseServer = () => server({ caps: { transports: ['poll', 'sse'], heartbeat: 10 } });

    it('follows the stream with the token in the URL and applies states by seq', async () => {
      const f = sseServer();
      const { client } = start(f, { sse, EventSource: FakeEventSource as unknown as typeof EventSource });
      await client.startQr();
      expect(client.transport).to.equal('sse');
      const es = FakeEventSource.last;
      const url = new URL(es.url);
      expect(url.pathname).to.equal('/api/v1/flows/f1/events');
      expect(url.searchParams.get('token')).to.equal('secret-token');
      expect(url.searchParams.get('after')).to.equal('1');
      es.open();
      es.send('state', { seq: 2, status: 'qr_scanned', qr: { payload: 'qr-1', expiresIn: 60 }, app: 'etax' }, '2');
      expect(client.state).to.include({ kind: 'qr-scanned', app: 'etax' });
      es.send('state', { seq: 2, status: 'qr_waiting', qr: { payload: 'qr-1', expiresIn: 60 } }, '2');
      expect(client.state.kind).to.equal('qr-scanned');
      es.send('state', { seq: 3, status: 'authenticated' }, '3');
      expect(client.state.kind).to.equal('authenticated');
      expect(es.readyState).to.equal(2);
      expect(polls(f)).to.have.length(0);
    });

    it('keeps the stream while heartbeats come, and falls back to polling when they stop', async () => {
      const f = sseServer();
      const transports: string[] = [];
      const { client } = start(f, { sse, EventSource: FakeEventSource as unknown as typeof EventSource });
      client.on('transport', (t) => transports.push(t));
      await client.startQr();
      const es = FakeEventSource.last;
      es.open();
      for (let i = 0; i < 6; i++) {
        await clock.tickAsync(10000);
        es.send('heartbeat', {});
      }
      expect(polls(f)).to.have.length(0);
      await clock.tickAsync(24999); // two heartbeats + 5 s of silence
      expect(polls(f)).to.have.length(0);
      await clock.tickAsync(1);
      expect(es.readyState).to.equal(2);
      expect(client.transport).to.equal('poll');
      expect(transports).to.deep.equal(['sse', 'poll']);
      await clock.tickAsync(0);
      expect(polls(f)).to.have.length(1);
      await clock.tickAsync(2000);
      expect(polls(f)).to.have.length(2);
    });

    it('falls back to polling when the stream fails twice or is closed', async () => {
      const f = sseServer();
      const { client } = start(f, { sse, EventSource: FakeEventSource as unknown as typeof EventSource });
      await client.startQr();
      const es = FakeEventSource.last;
      es.fail();
      expect(client.transport).to.equal('sse');
      es.fail();
      expect(client.transport).to.equal('poll');
      expect(es.readyState).to.equal(2);

      client.destroy();
      const g = sseServer();
      const second = start(g, { sse, EventSource: FakeEventSource as unknown as typeof EventSource }).client;
      await second.startQr();
      FakeEventSource.last.fail(true);
      expect(second.transport).to.equal('poll');
    });

    it('uses polling when the server offers no stream, whatever was asked', async () => {
      const f = server();
      const { client } = start(f, {
        transport: 'sse',
        sse,
        EventSource: FakeEventSource as unknown as typeof EventSource,
      });
      await client.startQr();
      expect(client.transport).to.equal('poll');
      expect(FakeEventSource.instances).to.have.length(0);
    });

    it('treats a state event that is not JSON as malformed', async () => {
      const f = sseServer();
      const { client } = start(f, { sse, EventSource: FakeEventSource as unknown as typeof EventSource });
      await client.startQr();
      FakeEventSource.last.send('state', '{oops');
      expect(client.state).to.have.nested.property('error.code', 'malformed_response');
      expect(FakeEventSource.last.readyState).to.equal(2);
    });

    it('destroy() closes the stream and its watchdog', async () => {
      const f = sseServer();
      const { client } = start(f, { sse, EventSource: FakeEventSource as unknown as typeof EventSource });
      await client.startQr();
      client.destroy();
      expect(FakeEventSource.last.readyState).to.equal(2);
      expect(clock.countTimers()).to.equal(0);
    });
  });

  describe('the first QR after one round trip', () => {
    /** A server whose capabilities answer only when the test says; its flows say what they need, or not. */
    function heldCapabilities(flowSays: boolean) {
      let answer!: () => void;
      const held = new Promise<Response>(
        (resolve) => (answer = () => resolve(json(capabilities({ pollInterval: 3 })))),
      );
      let capsAnswered = false;
      void held.then(() => (capsAnswered = true));
      const f = fakeFetch((call) => {
        if (call.path === '/v1/capabilities') return held;
        if (call.path === '/v1/flows/qr')
          return json(
            created(qrWaiting(1), flowSays ? { pollInterval: 2, transports: ['poll', 'long-poll'] } : {}),
            201,
          );
        if (call.path.startsWith('/v1/flows/f1?')) return json(qrWaiting(1));
        return undefined;
      });
      return { f, answer, answered: () => capsAnswered };
    }

    it('sends the QR request without waiting for the capabilities, shows the QR and follows the flow', async () => {
      const { f, answer, answered } = heldCapabilities(true);
      const { client } = start(f, { transport: 'poll' });
      const started = client.startQr();
      await clock.tickAsync(0);
      expect(f.to('POST', '/v1/flows/qr')).to.have.length(1);
      expect(answered()).to.equal(false);
      expect(client.state).to.include({ kind: 'qr-waiting' });
      expect(client.state).to.have.nested.property('qr.payload', 'qr-1');
      await clock.tickAsync(2000); // the flow's own interval
      expect(polls(f)).to.have.length(1);
      answer();
      await started;
      expect(client.capabilities?.pollInterval).to.equal(3);
      expect(client.state.kind).to.equal('qr-waiting');
    });

    it('with a server whose flows do not say, shows the QR at once and polls once the capabilities came', async () => {
      const { f, answer } = heldCapabilities(false);
      const { client } = start(f);
      const started = client.startQr();
      await clock.tickAsync(0);
      expect(client.state).to.include({ kind: 'qr-waiting' });
      await clock.tickAsync(10000);
      expect(polls(f)).to.have.length(0);
      answer();
      await started;
      await clock.tickAsync(2999);
      expect(polls(f)).to.have.length(0);
      await clock.tickAsync(1); // the capabilities' interval
      expect(polls(f)).to.have.length(1);
    });
  });

  describe('a busy server', () => {
    const forms: [string, () => string][] = [
      ['seconds', () => '86400'],
      ['an HTTP date', () => new Date(Date.now() + 86400_000).toUTCString()],
    ];
    for (const [form, retryAfter] of forms) {
      it(`ends the flow at once as busy when Retry-After (${form}) outlasts it`, async () => {
        const f = server({ status: () => errorReply(429, 'rate_limited', {}, { 'Retry-After': retryAfter() }) });
        const { client } = start(f);
        await client.startQr();
        await clock.tickAsync(2000);
        expect(client.state.kind).to.equal('qr-error');
        expect(client.state).to.have.nested.property('error.code', 'busy');
        expect(client.state).to.have.nested.property('error.status', 429);
        await clock.tickAsync(900_000);
        expect(polls(f)).to.have.length(1);
        expect(clock.countTimers()).to.equal(0);
      });
    }

    it('shows a shorter wait in the state, and asks again when it is over', async () => {
      const f = server({
        status: (_c, n) =>
          n === 0 ? errorReply(503, 'unavailable', {}, { 'Retry-After': '20' }) : json(qrWaiting(2, 'qr-1')),
      });
      const { client } = start(f);
      await client.startQr();
      await clock.tickAsync(2000);
      const waiting = client.state as Extract<LoginState, { kind: 'qr-waiting' }>;
      expect(waiting.kind).to.equal('qr-waiting');
      expect(waiting.retryAt).to.equal(performance.now() + 20000);
      await clock.tickAsync(20000);
      expect(polls(f)).to.have.length(2);
      expect(client.state.kind).to.equal('qr-waiting');
      expect((client.state as typeof waiting).retryAt).to.equal(undefined);
    });

    it('ends a password flow as busy when an action is told to wait past its end', async () => {
      const stepUp: FlowState = { seq: 1, status: 'step_up_required', methods: ['sms'], maskedPhone: '176****2696' };
      const f = fakeFetch((call) => {
        if (call.path === '/v1/capabilities') return json(capabilities());
        if (call.path === '/v1/flows/password') return json(created(stepUp, { expiresIn: 300 }), 201);
        if (call.path === '/v1/flows/f1/sms') return errorReply(429, 'sms_throttled', { retryAfter: 86400 });
        if (call.path.startsWith('/v1/flows/f1?')) return json(stepUp);
        return undefined;
      });
      const { client } = start(f);
      await client.submitPassword({ entry: 'individual', fields: { account: 'liqiang' }, password: 'x' });
      await client.chooseStepUp('sms');
      await client.sendSms();
      expect(client.state).to.include({ kind: 'flow-ended', reason: 'error' });
      expect(client.state).to.have.nested.property('error.code', 'busy');
    });
  });

  describe('the network coming back', () => {
    it('asks again at once on `online`, not after the backoff', async () => {
      sinon.stub(Math, 'random').returns(0.5);
      try {
        let offline = true;
        const f = server({
          status: () => (offline ? Promise.reject(new TypeError('Failed to fetch')) : json(qrWaiting(2, 'qr-1'))),
        });
        const { client } = start(f, { maxFailures: 20 });
        await client.startQr();
        await clock.tickAsync(2000 + 1500 + 3000 + 6000); // four failures: the next try is 12 s away
        expect(polls(f)).to.have.length(4);
        offline = false;
        window.dispatchEvent(new Event('online'));
        await clock.tickAsync(0);
        expect(polls(f)).to.have.length(5);
        expect(client.state.kind).to.equal('qr-waiting');
        await clock.tickAsync(1999);
        expect(polls(f)).to.have.length(5); // back to the interval
        await clock.tickAsync(1);
        expect(polls(f)).to.have.length(6);
      } finally {
        (Math.random as sinon.SinonStub).restore();
      }
    });

    it('does not cut short a wait the server asked for', async () => {
      await asksAgainTwentySecondsLater(() => window.dispatchEvent(new Event('online')));
    });

    it('does nothing on `online` while polling goes well', async () => {
      const f = server();
      const { client } = start(f);
      await client.startQr();
      window.dispatchEvent(new Event('online'));
      await clock.tickAsync(0);
      expect(polls(f)).to.have.length(0);
      await clock.tickAsync(2000);
      expect(polls(f)).to.have.length(1);
    });
  });
});
