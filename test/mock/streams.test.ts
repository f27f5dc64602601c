import { expect } from '@open-wc/testing';
import sinon from 'sinon';
import type { FlowCreated, FlowState } from '../../src/client/protocol.js';
import { createMockBackend, WS_CLOSE } from '../../src/mock/index.js';
import { call, qrFlow, Queue, until, wsUrl } from './helpers.js';
import { mockWorker } from '../mock-worker.js';

const BASE = '/api/etax-login';
const backend = createMockBackend({ baseUrl: BASE, heartbeat: 0.3, sseRetry: 100 });
const control = backend.control;
const worker = mockWorker(...backend.handlers);

const eventsUrl = (f: FlowCreated, after = f.state.seq, token = f.flowToken) =>
  `${BASE}/v1/flows/${f.flowId}/events?token=${encodeURIComponent(token)}&after=${after}`;

interface Sse {
  source: EventSource;
  states: Queue<{ id: string; state: FlowState }>;
  heartbeats: Queue<string>;
  errors: Queue<number>;
  opens: Queue<true>;
}

const listen = (url: string): Sse => {
  const source = new EventSource(url);
  const s: Sse = { source, states: new Queue(), heartbeats: new Queue(), errors: new Queue(), opens: new Queue() };
  source.addEventListener('state', (e) => {
    const m = e as MessageEvent<string>;
    s.states.push({ id: m.lastEventId, state: JSON.parse(m.data) as FlowState });
  });
  source.addEventListener('heartbeat', (e) => s.heartbeats.push((e as MessageEvent<string>).data));
  source.addEventListener('error', () => s.errors.push(source.readyState));
  source.addEventListener('open', () => s.opens.push(true));
  return s;
};

interface Socket {
  socket: WebSocket;
  messages: Queue<{ type: string; state?: FlowState }>;
  closed: Promise<CloseEvent>;
}

const connect = (f: FlowCreated, auth: unknown = { type: 'auth', token: f.flowToken, after: f.state.seq }): Socket => {
  const socket = new WebSocket(wsUrl(BASE, `/v1/flows/${f.flowId}/ws`));
  const messages = new Queue<{ type: string; state?: FlowState }>();
  socket.onopen = () => socket.send(typeof auth === 'string' ? auth : JSON.stringify(auth));
  socket.onmessage = (e) => messages.push(JSON.parse(String(e.data)));
  const closed = new Promise<CloseEvent>((resolve) => socket.addEventListener('close', resolve));
  return { socket, messages, closed };
};

describe('mock backend: long-poll, SSE and WebSocket', () => {
  afterEach(() => control.reset());

  describe('long-poll', () => {
    it('holds until the state changes', async () => {
      const f = await qrFlow(BASE);
      const path = `/v1/flows/${f.flowId}?after=1&wait=5`;
      const held = call(BASE, path, { token: f.flowToken });
      // The request has arrived; an answer at once would have been logged with it, in the same turn.
      await until(() => control.requests.some((r) => r.path === path), 3000, 'the long-poll to arrive');
      expect(control.requests.find((r) => r.path === path)!.status).to.equal(undefined);
      await control.scan('iit');
      const r = await held;
      expect(r.body).to.include({ seq: 2, status: 'qr_scanned' });
      expect(control.requests.find((r) => r.path === path)!.status).to.equal(200);
    });

    it('answers after the wait with the unchanged state, and at once when the client is behind', async () => {
      const f = await qrFlow(BASE);
      const t = performance.now();
      const r = await call(BASE, `/v1/flows/${f.flowId}?after=1&wait=0.4`, { token: f.flowToken });
      expect(performance.now() - t).to.be.at.least(380);
      expect(r.body.seq).to.equal(1);
      const t2 = performance.now();
      await call(BASE, `/v1/flows/${f.flowId}?after=0&wait=5`, { token: f.flowToken });
      expect(performance.now() - t2).to.be.below(1000);
      const bad = await call(BASE, `/v1/flows/${f.flowId}?after=x`, { token: f.flowToken });
      expect(bad.body.error).to.include({ code: 'invalid_request', field: 'after' });
    });

    it('does not hold when long-poll is not offered', async () => {
      const other = createMockBackend({ baseUrl: '/api/pollonly', transports: ['poll'] });
      worker.use(...other.handlers);
      const f = await qrFlow('/api/pollonly');
      const t = performance.now();
      await call('/api/pollonly', `/v1/flows/${f.flowId}?after=1&wait=5`, { token: f.flowToken });
      expect(performance.now() - t).to.be.below(1000);
      const es = await call('/api/pollonly', `/v1/flows/${f.flowId}/events?token=${f.flowToken}`, {
        headers: { Accept: 'text/event-stream' },
      });
      expect(es.status).to.equal(400);
      worker.resetHandlers();
    });
  });

  describe('SSE', () => {
    it('pushes every state with its seq as the event id, and hangs up after the last', async () => {
      const f = await qrFlow(BASE);
      const sse = listen(eventsUrl(f, 0));
      const first = await sse.states.next();
      expect(first.id).to.equal('1');
      expect(first.state).to.include({ seq: 1, status: 'qr_waiting' });
      await control.scan('etax');
      await control.confirm();
      expect(await sse.states.next()).to.deep.include({ id: '2' });
      const last = await sse.states.next();
      expect(last.state).to.include({ seq: 3, status: 'authenticated' });
      // After a terminal state the server hangs up (the client closes its EventSource on it, too).
      sse.source.close();
      await until(() => control.flow(f.flowId)?.streams === 0, 3000, 'the stream to close');
    });

    it('answers a stream request for a finished flow whose last state was seen with 204', async () => {
      const f = await qrFlow(BASE);
      await control.scan('etax');
      await control.confirm();
      const res = await fetch(`${BASE}/v1/flows/${f.flowId}/events?token=${f.flowToken}&after=3`, {
        headers: { Accept: 'text/event-stream' },
      });
      expect(res.status).to.equal(204);
    });

    it('sends heartbeats while the flow is live', async () => {
      const f = await qrFlow(BASE);
      const sse = listen(eventsUrl(f, 0));
      await sse.states.next();
      expect(await sse.heartbeats.next()).to.equal('{}');
      expect(control.flow(f.flowId)?.streams).to.equal(1);
      sse.source.close();
      await until(() => control.flow(f.flowId)?.streams === 0, 3000, 'the stream to close');
    });

    it('sends nothing already seen and resumes with Last-Event-ID', async () => {
      const f = await qrFlow(BASE);
      const sse = listen(eventsUrl(f));
      await sse.opens.next();
      await control.scan('iit');
      expect((await sse.states.next()).state.seq).to.equal(2);
      expect(control.dropStreams({ reconnect: true })).to.equal(1);
      await control.unscan();
      await sse.opens.next(); // the browser reconnected, sending Last-Event-ID: 2
      expect((await sse.states.next()).state).to.include({ seq: 3, status: 'qr_waiting' });
      expect(sse.states.size).to.equal(0);
      const paths = control.requests.filter((r) => r.transport === 'sse').map((r) => r.path);
      expect(paths).to.have.length(2);
      expect(paths[0]).to.include('token=[redacted]');
      expect(paths[0]).to.not.include(f.flowToken);
      sse.source.close();
    });

    it('refuses a bad token, and refuses to reconnect after dropStreams()', async () => {
      const f = await qrFlow(BASE);
      const bad = listen(eventsUrl(f, 1, 'wrong'));
      expect(await bad.errors.next()).to.equal(EventSource.CLOSED);
      const unauth = control.requests.find((r) => r.transport === 'sse');
      expect(unauth?.status).to.equal(401);

      const sse = listen(eventsUrl(f));
      await sse.opens.next();
      control.dropStreams();
      await until(() => sse.source.readyState === EventSource.CLOSED, 3000, 'the EventSource to give up');
      const refused = control.requests.filter((r) => r.transport === 'sse').pop();
      expect(refused?.status).to.equal(503);
      control.acceptStreams();
      const again = listen(eventsUrl(f));
      await again.opens.next();
      again.source.close();
    });

    it('can go silent', async () => {
      // The stream's heartbeat timer (0.3 s) on a fake clock.
      const clock = sinon.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
      try {
        const f = await qrFlow(BASE);
        const sse = listen(eventsUrl(f));
        await sse.opens.next();
        await until(() => control.flow()?.streams === 1, 3000, 'the stream followed');
        clock.tick(300);
        await sse.heartbeats.next();
        control.suspendHeartbeats();
        clock.tick(3000);
        // A state sent now arrives after anything sent before it on the stream: no heartbeat was.
        await control.scan('iit');
        expect((await sse.states.next()).state.status).to.equal('qr_scanned');
        expect(sse.heartbeats.size).to.equal(0);
        control.resumeHeartbeats();
        clock.tick(300);
        await sse.heartbeats.next();
        sse.source.close();
      } finally {
        clock.restore();
      }
    });
  });

  describe('WebSocket', () => {
    it('authenticates by the first message, then pushes states and heartbeats', async () => {
      const f = await qrFlow(BASE);
      const ws = connect(f, { type: 'auth', token: f.flowToken, after: 0 });
      expect(await ws.messages.next()).to.deep.include({ type: 'state' });
      await control.scan('iit');
      const next = await ws.messages.next();
      expect(next.state).to.include({ seq: 2, status: 'qr_scanned', app: 'iit' });
      expect(await ws.messages.next()).to.deep.equal({ type: 'heartbeat' });
      expect(control.flow(f.flowId)?.streams).to.equal(1);
      const entry = control.requests.find((r) => r.transport === 'websocket');
      expect(entry?.body).to.deep.equal({ type: 'auth', token: '[redacted]', after: 0 });
      ws.socket.close();
      await ws.closed;
      await until(() => control.flow(f.flowId)?.streams === 0, 3000, 'the socket to be forgotten');
    });

    it('sends the last state before it hangs up', async () => {
      const f = await qrFlow(BASE);
      const ws = connect(f, { type: 'auth', token: f.flowToken, after: 0 });
      expect(await ws.messages.next()).to.deep.include({ type: 'state' });
      await control.scan('etax');
      await control.confirm();
      const statuses: string[] = [];
      for (let m = await ws.messages.next(); ; m = await ws.messages.next()) {
        if (m.type !== 'state') continue;
        statuses.push(m.state!.status);
        if (m.state!.status === 'authenticated') break;
      }
      expect(statuses).to.deep.equal(['qr_scanned', 'authenticated']);
      expect((await ws.closed).code).to.equal(1000);
    });

    it('closes on a bad first message, a wrong token or an unknown flow', async () => {
      const f = await qrFlow(BASE);
      expect((await connect(f, 'hello').closed).code).to.equal(WS_CLOSE.badMessage);
      expect((await connect(f, { type: 'auth', token: 'wrong', after: 1 }).closed).code).to.equal(
        WS_CLOSE.unauthorized,
      );
      const ghost = { ...f, flowId: 'f-unknown' };
      expect((await connect(ghost).closed).code).to.equal(WS_CLOSE.notFound);
    });

    it('is hung up by dropStreams() and refused until acceptStreams()', async () => {
      const f = await qrFlow(BASE);
      const ws = connect(f);
      await until(() => control.flow(f.flowId)?.streams === 1, 3000, 'the socket');
      control.dropStreams({ flowId: f.flowId });
      expect((await ws.closed).code).to.equal(WS_CLOSE.tryAgain);
      expect((await connect(f).closed).code).to.equal(WS_CLOSE.tryAgain);
      control.acceptStreams();
      const again = connect(f, { type: 'auth', token: f.flowToken, after: 0 });
      expect((await again.messages.next()).state?.seq).to.equal(1);
      again.socket.close();
    });
  });
});
