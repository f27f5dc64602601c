// A process of waiting pages for `npm run bench:server` (bench/server/run.mjs forks it):
// creates login flows on one server instance, then holds a waiter on each, as pages do
// while their QR is on screen — an SSE stream (the `eventsource` package), a chain of
// long-polls (undici) or a WebSocket (`ws`) — from its own loopback source address, and reports to the parent
// over IPC. Every connection leaves from `--local` (127.0.0.x), so that several of these
// processes spread their sockets over several source addresses and port ranges.
//
//   argv: --url http://127.0.0.1:P --base /api/etax-login --count N --transport sse|long-poll|websocket
//         --local 127.0.0.2 [--payloads] [--concurrency 64]
//
// Messages to the parent:
//   { type: 'created', flows: n, payloads?: [{ flowId, payload }] }   all flows exist
//   { type: 'open', open: n, ms }                                     every waiter holds
//   { type: 'answer', flowId, status, at }                            a flow left qr_waiting / qr_scanned
//                                                                     (`at`: epoch ms, sub-ms)
//   { type: 'stats', ... }                                            when asked, and before exiting
// Messages from the parent: 'open', 'stats', 'close'.
import { EventSource } from 'eventsource';
import { Agent, fetch as undiciFetch, request } from 'undici';
import WebSocket from 'ws';

const argv = process.argv.slice(2);
const option = (name, fallback) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : fallback;
};
const url = option('url');
const base = option('base', '/api/etax-login');
const count = Number(option('count'));
const transport = option('transport', 'sse');
const local = option('local', '127.0.0.1');
const concurrency = Number(option('concurrency', '64'));
const withPayloads = argv.includes('--payloads');

/** Epoch milliseconds with sub-millisecond precision, comparable across processes. */
const now = () => performance.timeOrigin + performance.now();

// Connections all from `local`: a few to create the flows, then one for each waiter (no cap).
const creator = new Agent({ localAddress: local, connections: concurrency, pipelining: 1 });
const agent = new Agent({ localAddress: local, connections: null, pipelining: 1 });
/** Connections the waiters' agent has made so far. */
let connected = 0;
agent.on('connect', () => connected++);

const send = (message) => process.send?.(message);

/** Runs `task(i)` for i in [0, n) with at most `limit` at once. */
async function pool(n, limit, task) {
  let next = 0;
  const worker = async () => {
    while (next < n) await task(next++);
  };
  await Promise.all(Array.from({ length: Math.min(limit, n) }, worker));
}

const stats = {
  transport,
  local,
  flows: 0,
  open: 0,
  /** Long-polls sent and not answered yet. */
  inFlight: 0,
  errors: 0,
  reconnects: 0,
  answers: 0,
  /** New states heard after the first (a QR that rotated, a flow confirmed). */
  updates: 0,
  /** Long-polls answered unchanged before their hold was over. */
  early: 0,
  heartbeats: 0,
};
const errorSamples = [];
const noteError = (e) => {
  stats.errors++;
  if (errorSamples.length < 5)
    errorSamples.push(`${String(e?.message ?? e)} at ${(performance.now() / 1000).toFixed(1)} s`);
};

/* ------------------------------------------------------------ create flows */

const flows = new Array(count);
await pool(count, concurrency, async (i) => {
  for (let attempt = 0; ; attempt++) {
    const res = await request(`${url}${base}/v1/flows/qr`, {
      method: 'POST',
      dispatcher: creator,
      headers: { 'content-type': 'application/json', 'etax-request': '1' },
      body: '{}',
    });
    const body = await res.body.json();
    if (res.statusCode === 201) {
      flows[i] = { flowId: body.flowId, token: body.flowToken, seq: body.state.seq, payload: body.state.qr.payload };
      return;
    }
    // A server that sheds load answers 429/503 with Retry-After: the bench should not meet it, but say so.
    if (attempt >= 5) throw new Error(`creating a flow: ${res.statusCode} ${JSON.stringify(body)}`);
    noteError(`create ${res.statusCode}`);
    await new Promise((r) => setTimeout(r, 200));
  }
});
stats.flows = flows.length;
await creator.close();
send({
  type: 'created',
  flows: flows.length,
  ...(withPayloads ? { payloads: flows.map(({ flowId, payload }) => ({ flowId, payload })) } : {}),
});

/* ------------------------------------------------------------ hold waiters */

const closers = [];
let closing = false;
const answered = new Set();

/** A state the flow reached after the QR stage: report it once (the propagation measure). */
const onState = (flow, state) => {
  if (state.status === 'qr_waiting' || state.status === 'qr_scanned' || answered.has(flow.flowId)) return;
  answered.add(flow.flowId);
  stats.answers++;
  send({ type: 'answer', flowId: flow.flowId, status: state.status, at: now() });
};

/** States after which a flow never changes (§6): the server ends its streams. */
const TERMINAL = ['authenticated', 'denied', 'cancelled', 'expired', 'locked'];

const fetchFromLocal = (input, init) => undiciFetch(input, { ...init, dispatcher: agent });

/** Opens an SSE stream of the flow; resolves at its first event (the current state). */
function openSse(flow) {
  return new Promise((resolve) => {
    let first = true;
    let over = false;
    const source = new EventSource(`${url}${base}/v1/flows/${flow.flowId}/events?token=${flow.token}`, {
      fetch: fetchFromLocal,
    });
    source.addEventListener('state', (e) => {
      const state = JSON.parse(e.data);
      if (!first && state.seq > flow.seq) stats.updates++;
      flow.seq = state.seq;
      if (first) {
        first = false;
        stats.open++;
        resolve();
      }
      onState(flow, state);
      // A flow that is over ends its stream; a page stops listening then, as the client does.
      if (TERMINAL.includes(state.status)) {
        over = true;
        source.close();
      }
    });
    source.addEventListener('heartbeat', () => stats.heartbeats++);
    source.addEventListener('error', (e) => {
      if (closing || over) return;
      if (first) {
        first = false;
        resolve();
      }
      // EventSource reconnects by itself (resuming with Last-Event-ID); count it.
      stats.reconnects++;
      noteError(e.message ?? 'sse error');
    });
    closers.push(() => source.close());
  });
}

/** Opens a WebSocket of the flow and authenticates (§13.4); resolves at its first state. */
function openWebSocket(flow) {
  return new Promise((resolve) => {
    let first = true;
    let over = false;
    const socket = new WebSocket(`${url.replace(/^http/, 'ws')}${base}/v1/flows/${flow.flowId}/ws`, {
      localAddress: local,
    });
    socket.on('open', () => socket.send(JSON.stringify({ type: 'auth', token: flow.token, after: 0 })));
    socket.on('message', (data) => {
      const message = JSON.parse(String(data));
      if (message.type === 'heartbeat') stats.heartbeats++;
      if (message.type !== 'state') return;
      if (!first && message.state.seq > flow.seq) stats.updates++;
      flow.seq = message.state.seq;
      if (first) {
        first = false;
        stats.open++;
        resolve();
      }
      onState(flow, message.state);
      if (TERMINAL.includes(message.state.status)) {
        over = true;
        socket.close();
      }
    });
    const failed = (e) => {
      if (closing || over) return;
      noteError(e?.message ?? e);
      if (first) {
        first = false;
        resolve();
      }
    };
    socket.on('error', failed);
    socket.on('close', (code) => failed(`websocket closed ${code}`));
    closers.push(() => socket.terminate());
  });
}

/** Holds a chain of long-polls on the flow, each asked again as soon as it is answered. */
function openLongPoll(flow, wait) {
  const controller = new AbortController();
  closers.push(() => controller.abort());
  const poll = async () => {
    while (!closing) {
      const sent = now();
      stats.inFlight++;
      try {
        const res = await request(`${url}${base}/v1/flows/${flow.flowId}?after=${flow.seq}&wait=${wait}`, {
          dispatcher: agent,
          headers: { authorization: `Bearer ${flow.token}` },
          signal: controller.signal,
          headersTimeout: (wait + 30) * 1000,
          bodyTimeout: (wait + 30) * 1000,
        });
        const state = await res.body.json();
        stats.inFlight--;
        if (res.statusCode !== 200) {
          noteError(`long-poll ${res.statusCode} ${state?.error?.code}`);
          await new Promise((r) => setTimeout(r, 1000));
          continue;
        }
        // An unchanged state before the hold was over: the server did not hold the request.
        if (state.seq <= flow.seq && now() - sent < (wait - 1) * 1000) stats.early++;
        if (state.seq > flow.seq) stats.updates++;
        flow.seq = Math.max(flow.seq, state.seq);
        onState(flow, state);
        if (TERMINAL.includes(state.status)) return;
      } catch (e) {
        stats.inFlight--;
        if (closing) return;
        noteError(e);
        await new Promise((r) => setTimeout(r, 1000));
      }
    }
  };
  stats.open++;
  void poll();
}

const hold = async () => {
  const started = now();
  const wait = Number(option('wait', '25'));
  // Opened as pages arrive, not as a SYN flood that would overflow the server's accept
  // queue: a stream at most `concurrency` at a time until its first event; a long-poll
  // (answered only at the end of its hold) once at most `concurrency` connections are pending.
  if (transport === 'sse') await pool(flows.length, concurrency, (i) => openSse(flows[i]));
  else if (transport === 'websocket') await pool(flows.length, concurrency, (i) => openWebSocket(flows[i]));
  else {
    for (const [i, flow] of flows.entries()) {
      while (i - connected >= concurrency) await new Promise((r) => setTimeout(r, 5));
      void openLongPoll(flow, wait);
    }
    const until = Date.now() + 60_000;
    while (connected + stats.errors < flows.length && Date.now() < until) await new Promise((r) => setTimeout(r, 5));
  }
  send({ type: 'open', open: stats.open, ms: now() - started });
};

process.on('message', (message) => {
  if (message === 'open') void hold();
  else if (message === 'stats') send({ type: 'stats', ...stats, errorSamples });
  else if (message === 'close') {
    closing = true;
    for (const close of closers) close();
    send({ type: 'stats', ...stats, errorSamples });
    void agent.destroy().finally(() => process.disconnect());
  }
});
