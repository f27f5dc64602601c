/**
 * Checks that need no account and no phone: what any request alone can show
 * about a server (discovery, QR flows, lifetimes, every transport, errors and
 * their order, CORS, the forgery rule, cancel, rate limits).
 */
import type { Check } from './checks.js';
import {
  TERMINAL,
  clip,
  errorOf,
  expect,
  expectError,
  fail,
  isObj,
  retryAfterOf,
  sleep,
  summary,
  Skip,
  type Answer,
  type Created,
  type Json,
  type Kit,
} from './kit.js';

const FOREIGN_ORIGIN = 'https://conformance-kit.invalid';

/** Skips when waiting `seconds` would pass the run's bound. */
function bound(kit: Kit, seconds: number, what: string): void {
  if (seconds > kit.options.maxWait) {
    throw new Skip(
      `${what}: lifetime ${Math.round(seconds)} s over the bound of ${kit.options.maxWait} s (--max-wait)`,
    );
  }
}

const qrOf = (s: Json) => s.qr as { payload: string; expiresIn: number; matchCode?: string; apps?: string[] };

const heartbeatOf = async (kit: Kit, flow?: Created) => Number(flow?.heartbeat ?? (await kit.caps()).heartbeat ?? 15);

/** The error code of a body, or undefined when it is not the error object. */
function codeIn(text: string): unknown {
  try {
    return (JSON.parse(text) as { error?: { code?: unknown } })?.error?.code;
  } catch {
    return undefined;
  }
}

const path = (flow: Created, rest = '') => `/v1/flows/${encodeURIComponent(flow.flowId)}${rest}`;

export const OPEN_CHECKS: Check[] = [
  /* ------------------------------------------------------------ §4, §2 */
  {
    section: '§4 Capabilities',
    name: 'GET /v1/capabilities names the protocol, version 1 and every required member',
    async run(kit) {
      const a = await kit.request('GET', '/v1/capabilities');
      expect(a.status === 200, `answered ${a.status}`);
      expect((a.headers.get('Content-Type') ?? '').includes('application/json'), 'Content-Type is not JSON');
      const c = a.json;
      expect(isObj(c), 'the body is not a JSON object');
      expect(c.protocol === 'etax-login', `protocol is ${JSON.stringify(c.protocol)}`);
      expect(c.version === 1, `version is ${JSON.stringify(c.version)}`);
      expect(Array.isArray(c.transports), 'transports is not a list');
      expect(typeof c.pollInterval === 'number' && c.pollInterval > 0, 'pollInterval is not seconds > 0');
      expect(Array.isArray(c.entries), 'entries is not a list');
      for (const e of c.entries as unknown[]) {
        expect(isObj(e) && typeof e.id === 'string' && Array.isArray(e.fields), `an entry without id or fields`);
        for (const f of e.fields as unknown[]) {
          expect(isObj(f) && typeof f.name === 'string' && typeof f.kind === 'string', `entry ${e.id}: a bad field`);
        }
      }
      expect(isObj(c.stepUp) && Array.isArray(c.stepUp.methods), 'stepUp.methods is not a list');
      expect(isObj(c.sms) && Number.isInteger(c.sms.codeLength), 'sms.codeLength is not an integer');
      expect(isObj(c.qr) && Array.isArray(c.qr.apps), 'qr.apps is not a list');
      if ((c.transports as string[]).includes('long-poll')) {
        expect(typeof c.longPollWait === 'number', 'long-poll offered without longPollWait');
      }
      return `transports ${(c.transports as string[]).join(', ')}; entries ${(c.entries as Json[]).map((e) => e.id).join(', ')}`;
    },
  },
  {
    section: '§3 Conventions',
    name: 'answers are not cacheable (Cache-Control: no-store)',
    async run(kit) {
      const caps = await kit.request('GET', '/v1/capabilities');
      const flow = await kit.createQr();
      const poll = await kit.poll(flow);
      const error = await kit.request('GET', '/v1/nowhere');
      for (const [what, a] of [
        ['capabilities', caps],
        ['a poll', poll],
        ['an error', error],
      ] as const) {
        expect((a.headers.get('Cache-Control') ?? '').includes('no-store'), `${what} without Cache-Control: no-store`);
      }
    },
  },
  {
    section: '§2 Versioning',
    name: 'an unknown version prefix answers 400 unsupported_version',
    async run(kit) {
      expectError(await kit.request('GET', '/v2/capabilities'), 400, 'unsupported_version', 'GET /v2/capabilities');
      expectError(
        await kit.request('POST', '/v9/flows/qr', { json: {} }),
        400,
        'unsupported_version',
        'POST /v9/flows/qr',
      );
    },
  },
  {
    section: '§2 Versioning',
    name: 'an unknown path under /v1 answers 400 invalid_request',
    async run(kit) {
      expectError(await kit.request('GET', '/v1/nowhere'), 400, 'invalid_request', 'GET /v1/nowhere');
      expectError(await kit.request('PUT', '/v1/flows/qr', { json: {} }), 400, 'invalid_request', 'PUT /v1/flows/qr');
    },
  },

  /* ------------------------------------------------------------ §6.1, §6.2 */
  {
    section: '§6.1 QR create',
    name: 'POST /v1/flows/qr answers 201 FlowCreated in qr_waiting, with what the page needs to follow it',
    async run(kit) {
      const flow = await kit.createQr();
      const s = flow.state;
      expect(s.status === 'qr_waiting', `the first state is ${s.status}`);
      expect(Number.isInteger(s.seq) && s.seq >= 0, 'seq is not an integer ≥ 0');
      const qr = qrOf(s);
      expect(qr && typeof qr.payload === 'string', 'no qr.payload');
      expect(qr.expiresIn > 0 && qr.expiresIn <= flow.expiresIn, `qr.expiresIn ${qr.expiresIn} not within the flow's`);
      expect(Array.isArray(flow.transports), 'no transports in FlowCreated (SHOULD, §5.1)');
      expect(typeof flow.pollInterval === 'number', 'no pollInterval in FlowCreated (SHOULD, §5.1)');
      return `flow lifetime ${flow.expiresIn} s, QR lifetime ${qr.expiresIn} s`;
    },
  },
  {
    section: '§6.1 QR create',
    name: 'a body that is not a JSON object answers 400 invalid_request',
    async run(kit) {
      expectError(await kit.request('POST', '/v1/flows/qr', { json: [] }), 400, 'invalid_request', 'body []');
      expectError(
        await kit.request('POST', '/v1/flows/qr', {
          body: '{not json',
          headers: { 'Content-Type': 'application/json' },
        }),
        400,
        'invalid_request',
        'body "{not json"',
      );
    },
  },
  {
    section: '§6.2 QR payload',
    name: 'the payload is printable ASCII of at most 180 characters, not the flow token, new for every flow',
    async run(kit) {
      const flows = await Promise.all([1, 2, 3, 4].map(() => kit.createQr()));
      const seen = new Set<string>();
      let longest = 0;
      for (const f of flows) {
        const payload = qrOf(f.state).payload;
        longest = Math.max(longest, payload.length);
        expect(/^[\x21-\x7e]+$/.test(payload), 'a payload with characters outside U+0021–U+007E');
        expect(payload.length <= 180, `a payload of ${payload.length} characters (at most 180)`);
        expect(!payload.includes(f.flowToken), 'the payload contains the flow token');
        expect(f.flowToken !== payload, 'the flow token is the payload');
        expect(f.flowToken.length >= 22, `a flow token of ${f.flowToken.length} characters cannot hold 128 bits`);
        for (const v of [payload, f.flowToken, f.flowId]) {
          expect(!seen.has(v), 'two flows share a payload, token or id');
          seen.add(v);
        }
      }
      return `longest payload ${longest} characters`;
    },
  },

  /* ------------------------------------------------------------ §6.3 */
  {
    section: '§6.3 Lifetime and rotation',
    name: 'a repeated state gives the time left of its payload, not its first lifetime',
    async run(kit) {
      const flow = await kit.createQr();
      const first = qrOf(flow.state);
      const t0 = performance.now();
      if (first.expiresIn < 2.5) throw new Skip(`QR lifetime ${first.expiresIn} s too short to measure`);
      await sleep(1500);
      const s = await kit.state(flow);
      const elapsed = (performance.now() - t0) / 1000;
      const qr = qrOf(s);
      expect(qr.payload === first.payload, 'the payload changed within 1.5 s of a longer lifetime');
      expect(
        qr.expiresIn <= first.expiresIn - elapsed + 1,
        `after ${elapsed.toFixed(1)} s qr.expiresIn reads ${qr.expiresIn} (was ${first.expiresIn})`,
      );
      return `${first.expiresIn} s, then ${qr.expiresIn} s after ${elapsed.toFixed(1)} s`;
    },
  },
  {
    section: '§6.3 Lifetime and rotation',
    name: 'at its expiry the QR is replaced within the flow (higher seq, new payload), or the flow ends',
    async run(kit) {
      const flow = await kit.createQr();
      const first = qrOf(flow.state);
      bound(kit, first.expiresIn + 3, 'QR rotation');
      const deadline = performance.now() + (first.expiresIn + 3) * 1000;
      const longPoll = await kit.offers('long-poll');
      let s: Json = flow.state;
      while (performance.now() < deadline) {
        const left = (deadline - performance.now()) / 1000;
        const a = longPoll
          ? await kit.poll(flow, `?after=${s.seq}&wait=${Math.max(1, Math.ceil(Math.min(left, 10)))}`, {
              timeout: kit.options.timeout + 12_000,
            })
          : await (async () => {
              await sleep(Math.min(left, first.expiresIn + 0.2) * 1000);
              return kit.poll(flow, `?after=${s.seq}`);
            })();
        expect(a.status === 200 || a.status === 410, `a status request answered ${a.status}`);
        if (a.status === 410) return 'the flow ended (flow_expired) with its QR';
        s = a.json as Json;
        if (TERMINAL.includes(s.status as string)) {
          expect(s.status === 'expired', `the flow ended ${s.status}`);
          return 'the flow expired with its QR (no rotation)';
        }
        const qr = qrOf(s);
        if (qr.payload !== first.payload) {
          expect(
            (s.seq as number) > flow.state.seq,
            `the new payload came with seq ${s.seq}, not above ${flow.state.seq}`,
          );
          expect(qr.expiresIn > 0, 'the new payload has no time left');
          return `rotated after ${((performance.now() - deadline) / 1000 + first.expiresIn + 3).toFixed(1)} s${longPoll ? ' (long-poll answered)' : ''}`;
        }
      }
      return fail(
        `still the first payload ${first.expiresIn + 3} s after it was shown (its lifetime ${first.expiresIn} s)`,
      );
    },
  },
  {
    section: '§5.3 Reading the state',
    name: 'the flow ends at the end of its lifetime: expired (or 410 flow_expired)',
    async run(kit) {
      const flow = await kit.createQr();
      bound(kit, flow.expiresIn + 2, 'flow expiry');
      const t0 = performance.now();
      await sleep(flow.expiresIn * 1000 + 300);
      for (;;) {
        const a = await kit.poll(flow);
        if (a.status === 410) {
          expectError(a, 410, 'flow_expired', 'a status request after the lifetime');
          break;
        }
        expect(a.status === 200, `a status request after the lifetime answered ${a.status}`);
        if ((a.json as Json).status === 'expired') break;
        if (performance.now() - t0 > flow.expiresIn * 1000 + 2000) {
          return fail(
            `still ${JSON.stringify(summary(a.json))} ${flow.expiresIn + 2} s after a lifetime of ${flow.expiresIn} s`,
          );
        }
        await sleep(200);
      }
      const after = await kit.act(flow, 'step-up', { method: 'face_iit' });
      expect(
        after.status === 410 || after.status === 409,
        `an action on the expired flow answered ${after.status}, not 410 flow_expired`,
      );
      errorOf(after, 'an action on the expired flow');
      const del = await kit.cancel(flow);
      expect(del.status === 204 || del.status === 404, `DELETE of the expired flow answered ${del.status}`);
      return `expired ${((performance.now() - t0) / 1000).toFixed(1)} s after creation (lifetime ${flow.expiresIn} s)`;
    },
  },

  /* ------------------------------------------------------------ §13.1 polling */
  {
    section: '§13.1 Polling',
    name: 'GET /v1/flows/{id} answers the current state at once, whatever after is',
    async run(kit) {
      const flow = await kit.createQr();
      const seq = flow.state.seq;
      // Not held: well within the shortest hold a long-poll would make.
      const quick = Math.max(3000, Number((await kit.caps()).longPollWait ?? 25) * 800);
      for (const q of ['', '?after=-1', `?after=${seq}`, `?after=${seq + 100}`]) {
        const a = await kit.poll(flow, q);
        expect(a.status === 200, `GET${q} answered ${a.status}`);
        const s = a.json as Json;
        // (the QR may have rotated meanwhile: a later seq, still qr_waiting)
        expect(s.status === 'qr_waiting' && (s.seq as number) >= seq, `GET${q} answered ${JSON.stringify(summary(s))}`);
        expect(a.ms < quick, `GET${q} took ${Math.round(a.ms)} ms without wait`);
      }
    },
  },
  {
    section: '§5.3 Reading the state',
    name: 'a malformed after or wait answers 400 invalid_request naming the field',
    async run(kit) {
      const flow = await kit.createQr();
      for (const [q, field] of [
        ['?after=abc', 'after'],
        ['?after=1.5', 'after'],
        ['?after=-7', 'after'],
        ['?wait=soon', 'wait'],
        ['?wait=-1', 'wait'],
      ]) {
        const e = expectError(await kit.poll(flow, q), 400, 'invalid_request', `GET${q}`);
        expect(e.field === field, `GET${q}: field is ${JSON.stringify(e.field)}, not "${field}"`);
      }
    },
  },
  {
    section: '§15.1 Tokens',
    name: "a missing, wrong or other flow's token answers 401 unauthorized; an unknown flow 404 flow_not_found",
    async run(kit) {
      const [a, b] = await Promise.all([kit.createQr(), kit.createQr()]);
      expectError(await kit.poll(a, '', { token: '' }), 401, 'unauthorized', 'GET without a token');
      expectError(await kit.poll(a, '', { token: 'ft_wrong' }), 401, 'unauthorized', 'GET with a wrong token');
      expectError(await kit.poll(a, '', { token: b.flowToken }), 401, 'unauthorized', "GET with another flow's token");
      expectError(await kit.cancel(a, { token: b.flowToken }), 401, 'unauthorized', "DELETE with another flow's token");
      expectError(
        await kit.act(a, 'step-up', { method: 'face_iit' }, { token: b.flowToken }),
        401,
        'unauthorized',
        "POST …/step-up with another flow's token",
      );
      expect((await kit.state(a)).status === 'qr_waiting', 'the flow changed after requests with a wrong token');
      expectError(
        await kit.request('GET', '/v1/flows/fl_conformance_none', { token: a.flowToken }),
        404,
        'flow_not_found',
        'GET of an unknown flow',
      );
    },
  },

  /* ------------------------------------------------------------ §13.2 long-poll */
  {
    section: '§13.2 Long-polling',
    name: 'after below the current seq answers at once; at the current seq it is held for wait, then answers 200 unchanged',
    async run(kit) {
      if (!(await kit.offers('long-poll'))) throw new Skip('long-poll not offered');
      const flow = await kit.createQr();
      const seq = flow.state.seq;
      const quick = await kit.poll(flow, `?after=${seq - 1}&wait=10`);
      expect(
        quick.status === 200 && quick.ms < 5000,
        `after=${seq - 1}: ${quick.status} in ${Math.round(quick.ms)} ms`,
      );
      // Held across no rotation: asked while the payload has more than `wait` + 1 s left (else after it rotated).
      for (let attempt = 1; ; attempt++) {
        const now = await kit.state(flow);
        if (now.status !== 'qr_waiting') return fail(`the flow is ${now.status}`);
        const left = qrOf(now).expiresIn;
        const wait = Math.min(2, Math.floor(left - 1));
        if (wait < 1) {
          if (attempt > 3) throw new Skip('QR lifetime too short to hold a long-poll without a rotation');
          await sleep(left * 1000 + 300);
          continue;
        }
        const held = await kit.poll(flow, `?after=${now.seq}&wait=${wait}`);
        expect(
          held.status === 200,
          `the held long-poll answered ${held.status} (a timeout is 200 with the state, never 204/304)`,
        );
        const s = held.json as Json;
        expect(isObj(s) && s.status, 'the held long-poll answered no state');
        if (s.seq !== now.seq && attempt <= 3) continue; // it rotated after all: hold again
        expect(held.ms >= wait * 1000 - 300, `held only ${Math.round(held.ms)} ms of wait=${wait}`);
        expect(held.ms < wait * 1000 + 5000, `held ${Math.round(held.ms)} ms for wait=${wait}`);
        return `held ${Math.round(held.ms)} ms for wait=${wait}`;
      }
    },
  },
  {
    section: '§13.2 Long-polling',
    name: 'a held long-poll answers at once when the flow changes',
    async run(kit) {
      if (!(await kit.offers('long-poll'))) throw new Skip('long-poll not offered');
      const flow = await kit.createQr();
      const held = kit.poll(flow, `?after=${flow.state.seq}&wait=20`, { timeout: kit.options.timeout + 22_000 });
      await sleep(300);
      const t = performance.now();
      expect((await kit.cancel(flow)).status === 204, 'DELETE did not answer 204');
      const a = await held;
      const ms = performance.now() - t;
      expect(a.status === 200, `the held long-poll answered ${a.status}`);
      const s = a.json as Json;
      expect(
        s.status === 'cancelled' && s.by === 'client',
        `the held long-poll answered ${JSON.stringify(summary(s))}`,
      );
      // Held, it would answer after 20 s (or the server's longPollWait): at once is well before.
      expect(ms < 4000, `answered ${Math.round(ms)} ms after the change`);
      return `answered ${Math.round(ms)} ms after the change`;
    },
  },

  /* ------------------------------------------------------------ §13.3 SSE */
  {
    section: '§13.3 Server-Sent Events',
    name: 'the stream: 200 text/event-stream, no-store, event: state with id = seq and one line of JSON',
    async run(kit) {
      const flow = await kit.createQr();
      if (!(await kit.offers('sse'))) {
        const r = await kit.events(flow);
        const text = await r.text();
        expect(r.status === 400, `SSE not offered, yet …/events answered ${r.status}`);
        expect(
          codeIn(text) === 'invalid_request',
          `SSE not offered: not the error object of invalid_request: ${clip(text, 100)}`,
        );
        return 'not offered: 400 invalid_request';
      }
      const r = await kit.events(flow);
      try {
        expect(r.status === 200, `answered ${r.status}`);
        expect(
          (r.headers.get('Content-Type') ?? '').startsWith('text/event-stream'),
          `Content-Type ${r.headers.get('Content-Type')}`,
        );
        expect((r.headers.get('Cache-Control') ?? '').includes('no-store'), 'no Cache-Control: no-store');
        const e = await r.next(3000);
        expect(e, 'the stream ended before the first state');
        expect(e.event === 'state', `the first event is ${JSON.stringify(e.event)}, not state`);
        expect(e.id !== undefined, 'the state event has no id:');
        expect(e.data && !e.data.includes('\n'), 'the state is not one line of data');
        const s = JSON.parse(e.data) as Json;
        expect(String(s.seq) === e.id, `id: ${e.id} is not the state's seq ${s.seq}`);
        expect(s.seq === flow.state.seq && s.status === 'qr_waiting', `first state ${JSON.stringify(summary(s))}`);
        if (r.retry !== undefined) expect(/^\d+$/.test(r.retry), `retry: ${r.retry} is not milliseconds`);
        return r.retry === undefined ? 'no retry: (optional)' : `retry: ${r.retry}`;
      } finally {
        r.close();
      }
    },
  },
  {
    section: '§13.3 Server-Sent Events',
    name: 'heartbeats are named events with data (event: heartbeat), every heartbeat seconds',
    async run(kit) {
      if (!(await kit.offers('sse'))) throw new Skip('SSE not offered');
      const flow = await kit.createQr();
      const beat = await heartbeatOf(kit, flow);
      bound(kit, beat * 2 + 2, 'SSE heartbeat');
      const r = await kit.events(flow, `&after=${flow.state.seq}`);
      try {
        expect(r.status === 200, `answered ${r.status}`);
        let rotated = 0;
        for (;;) {
          const e = await r.next((beat + 2) * 1000);
          expect(e, 'the stream ended');
          if (e.event === 'state') {
            // a rotation may come first; it does not stand for a heartbeat
            if (++rotated > 3) return fail('states but no heartbeat');
            continue;
          }
          expect(e.comments === 0 || e.event === 'heartbeat', 'a comment (": …") instead of a heartbeat event');
          expect(e.event === 'heartbeat', `an event ${JSON.stringify(e.event)} in place of heartbeat`);
          expect(e.data !== undefined, 'a heartbeat without a data line');
          return `after ${(e.at / 1000).toFixed(1)} s (heartbeat ${beat} s)`;
        }
      } finally {
        r.close();
      }
    },
  },
  {
    section: '§13.3 Server-Sent Events',
    name: 'a change is pushed, the response ends after the terminal state, and a reconnection that has seen it gets 204',
    async run(kit) {
      if (!(await kit.offers('sse'))) throw new Skip('SSE not offered');
      const flow = await kit.createQr();
      const r = await kit.events(flow, `&after=${flow.state.seq}`);
      let last: Json | undefined;
      try {
        expect(r.status === 200, `answered ${r.status}`);
        await sleep(200);
        expect((await kit.cancel(flow)).status === 204, 'DELETE did not answer 204');
        for (;;) {
          const e = await r.next(3000);
          expect(e, 'the stream ended without the cancelled state');
          if (e.event !== 'state') continue;
          last = JSON.parse(e.data!) as Json;
          expect(last.seq !== flow.state.seq, `the stream sent seq ${flow.state.seq} again after=${flow.state.seq}`);
          if (last.status === 'cancelled') break;
        }
        expect(await r.endsWithin(3000), 'the response stays open after the terminal state');
      } finally {
        r.close();
      }
      const again = await kit.events(flow, '', { 'Last-Event-ID': String(last.seq) });
      const text = await again.text();
      expect(
        again.status === 204,
        `reconnecting with Last-Event-ID ${last.seq} answered ${again.status} ${clip(text, 80)}`,
      );
    },
  },
  {
    section: '§13.3 Server-Sent Events',
    name: 'Last-Event-ID resumes the stream (over after); a malformed one is ignored, not 400',
    async run(kit) {
      if (!(await kit.offers('sse'))) throw new Skip('SSE not offered');
      const flow = await kit.createQr();
      const seq = flow.state.seq;
      // Last-Event-ID below the current seq, after at it: the header wins, the state comes at once.
      const below = await kit.events(flow, `&after=${seq}`, { 'Last-Event-ID': String(Math.max(0, seq - 1)) });
      try {
        expect(below.status === 200, `Last-Event-ID ${seq - 1} answered ${below.status}`);
        if (seq > 0) {
          const e = await below.next(2000);
          expect(
            e?.event === 'state' && e.id === String(seq),
            `Last-Event-ID ${seq - 1}: first event ${JSON.stringify(e)}`,
          );
        }
      } finally {
        below.close();
      }
      // A malformed Last-Event-ID: ignored, the stream starts (from after, else the current state).
      const bad = await kit.events(flow, '', { 'Last-Event-ID': 'not-a-number' });
      try {
        expect(bad.status === 200, `a malformed Last-Event-ID answered ${bad.status} (it is ignored, §13.3)`);
        const e = await bad.next(2000);
        expect(
          e?.event === 'state' && e.id === String(seq),
          `a malformed Last-Event-ID: first event ${JSON.stringify(e)}`,
        );
      } finally {
        bad.close();
      }
    },
  },
  {
    section: '§13.3 Server-Sent Events',
    name: 'errors before a stream: 401 wrong token, 404 unknown flow, 400 malformed after or no Accept: text/event-stream',
    async run(kit) {
      if (!(await kit.offers('sse'))) throw new Skip('SSE not offered');
      const flow = await kit.createQr();
      const read = async (url: string, accept = 'text/event-stream') => {
        const a = await kit.request('GET', url, { headers: { Accept: accept } });
        return a;
      };
      const p = path(flow, '/events');
      expectError(await read(`${p}?token=ft_wrong`), 401, 'unauthorized', 'a wrong token');
      expectError(await read(`${p}`), 401, 'unauthorized', 'no token');
      expectError(
        await read(`/v1/flows/fl_conformance_none/events?token=${encodeURIComponent(flow.flowToken)}`),
        404,
        'flow_not_found',
        'an unknown flow',
      );
      expectError(
        await read(`${p}?token=${encodeURIComponent(flow.flowToken)}&after=x`),
        400,
        'invalid_request',
        'after=x',
      );
      expectError(
        await read(`${p}?token=${encodeURIComponent(flow.flowToken)}`, 'application/json'),
        400,
        'invalid_request',
        'Accept: application/json',
      );
    },
  },

  /* ------------------------------------------------------------ §13.4 WebSocket */
  {
    section: '§13.4 WebSocket',
    name: 'auth by first message, then the current state, heartbeats, and close 1000 after a terminal state',
    async run(kit) {
      const flow = await kit.createQr();
      const ws = kit.socket(flow);
      try {
        if (!(await kit.offers('websocket'))) {
          const opened = await ws.opened;
          if (!opened) {
            expect(ws.refusal?.status === 400, `not offered: the upgrade answered ${ws.refusal?.status ?? 'nothing'}`);
            expect(
              codeIn(ws.refusal.body) === 'invalid_request',
              `not offered: the upgrade answered 400 without the error object of invalid_request (body ${JSON.stringify(clip(ws.refusal.body, 100))})`,
            );
            return 'not offered: the upgrade answered 400 invalid_request';
          }
          const code = await ws.closeCode(3000);
          expect(code === 1008, `not offered: the socket closed with ${code}, not 1008`);
          return 'not offered: closed 1008';
        }
        expect(await ws.opened, `the upgrade was refused: ${ws.refusal?.status} ${clip(ws.refusal?.body ?? '', 100)}`);
        ws.send(JSON.stringify({ type: 'auth', token: flow.flowToken, after: -1 }));
        const first = await ws.message(1, 3000);
        const m = first.json as Json;
        expect(isObj(m) && m.type === 'state' && isObj(m.state), `first message ${clip(first.text, 100)}`);
        expect((m.state as Json).seq === flow.state.seq, 'the first state is not the current one');
        const beat = await heartbeatOf(kit, flow);
        let detail = '';
        if (beat * 2 + 2 <= kit.options.maxWait) {
          for (let n = 2; ; n++) {
            const next = await ws.message(n, (beat + 2) * 1000);
            const j = next.json as Json;
            expect(isObj(j) && typeof j.type === 'string', `a message without a string type: ${clip(next.text, 80)}`);
            expect(j.type === 'state' || j.type === 'heartbeat', `a v1 server sent a message of type ${j.type}`);
            if (j.type === 'heartbeat') {
              detail = `heartbeat after ${(next.at / 1000).toFixed(1)} s`;
              break;
            }
          }
        } else detail = `heartbeat ${beat} s over the bound, not waited for`;
        expect((await kit.cancel(flow)).status === 204, 'DELETE did not answer 204');
        const code = await ws.closeCode(3000);
        const last = ws.messages.at(-1)?.json as Json;
        expect(
          last?.type === 'state' && (last.state as Json).status === 'cancelled',
          'no cancelled state before the close',
        );
        expect(code === 1000, `closed with ${code} after the terminal state, not 1000`);
        return detail;
      } finally {
        ws.close();
      }
    },
  },
  {
    section: '§13.4 WebSocket',
    name: 'close codes: 4400 for a first message that is not auth, 4401 for a wrong token, 4404 for an unknown flow',
    async run(kit) {
      if (!(await kit.offers('websocket'))) throw new Skip('WebSocket not offered');
      const flow = await kit.createQr();
      const cases: [Created, string, number][] = [
        [flow, 'hello', 4400],
        [flow, JSON.stringify({ type: 'hello' }), 4400],
        [flow, JSON.stringify({ type: 'auth', token: 'ft_wrong' }), 4401],
        [{ ...flow, flowId: 'fl_conformance_none' }, JSON.stringify({ type: 'auth', token: flow.flowToken }), 4404],
      ];
      for (const [f, message, expected] of cases) {
        const ws = kit.socket(f);
        try {
          expect(await ws.opened, `the upgrade was refused (${ws.refusal?.status})`);
          ws.send(message);
          const code = await ws.closeCode(3000);
          expect(code === expected, `first message ${clip(message, 40)}: closed ${code}, not ${expected}`);
          expect(
            ws.messages.length === 0,
            `first message ${clip(message, 40)}: the server answered a message before closing`,
          );
        } finally {
          ws.close();
        }
      }
    },
  },

  {
    section: '§13.4 WebSocket',
    name: 'the upgrade checks Origin: refused from an origin that is not allowed, accepted from an allowed one',
    async run(kit) {
      if (!(await kit.offers('websocket'))) throw new Skip('WebSocket not offered');
      const flow = await kit.createQr();
      const foreign = kit.socket(flow, { Origin: FOREIGN_ORIGIN });
      try {
        if (await foreign.opened) {
          foreign.send(JSON.stringify({ type: 'auth', token: flow.flowToken, after: -1 }));
          const code = await foreign.closeCode(3000);
          expect(
            !foreign.messages.some((m) => isObj(m.json) && m.json.type === 'state'),
            `a socket from ${FOREIGN_ORIGIN} was sent the flow's state (closed ${code})`,
          );
        } else {
          const status = foreign.refusal?.status ?? 0;
          expect(status === 403, `the upgrade from ${FOREIGN_ORIGIN} answered ${status}, not 403 forbidden`);
        }
      } finally {
        foreign.close();
      }
      const origin = kit.options.allowedOrigin;
      if (!origin) return 'no allowed origin given: only the refusal checked';
      const allowed = kit.socket(flow, { Origin: origin });
      try {
        expect(await allowed.opened, `the upgrade from the allowed ${origin} answered ${allowed.refusal?.status}`);
        allowed.send(JSON.stringify({ type: 'auth', token: flow.flowToken, after: -1 }));
        const m = (await allowed.message(1, 3000)).json as Json;
        expect(m?.type === 'state', `from the allowed origin: first message ${JSON.stringify(m?.type)}`);
      } finally {
        allowed.close();
      }
    },
  },

  /* ------------------------------------------------------------ §14 */
  {
    section: '§14.1 The error object',
    name: 'every error a request alone can cause has its status, code and the error object',
    async run(kit) {
      const caps = await kit.caps();
      const flow = await kit.createQr();
      const entries = caps.entries as { id: string; fields: { name: string; kind: string }[] }[];
      const cases: [string, Promise<Answer>, number, string, string?][] = [
        ['unknown version', kit.request('GET', '/v2/capabilities'), 400, 'unsupported_version'],
        ['unknown path', kit.request('GET', '/v1/nowhere'), 400, 'invalid_request'],
        ['QR body not an object', kit.request('POST', '/v1/flows/qr', { json: 'x' }), 400, 'invalid_request'],
        [
          'password body not an object',
          kit.request('POST', '/v1/flows/password', { json: [] }),
          400,
          'invalid_request',
        ],
        [
          'unknown entry',
          kit.request('POST', '/v1/flows/password', { json: { entry: 'no-such-entry', fields: {}, password: 'x' } }),
          400,
          'invalid_request',
          'entry',
        ],
        ['no token', kit.poll(flow, '', { token: '' }), 401, 'unauthorized'],
        ['unknown flow', kit.request('GET', '/v1/flows/fl_conformance_none', { token: 't' }), 404, 'flow_not_found'],
        ['bad after', kit.poll(flow, '?after=x'), 400, 'invalid_request', 'after'],
        ['step-up without method', kit.act(flow, 'step-up', {}), 400, 'invalid_request', 'method'],
        ['step-up on a QR flow', kit.act(flow, 'step-up', { method: 'face_iit' }), 409, 'invalid_state'],
        ['SMS on a QR flow', kit.act(flow, 'sms', {}), 409, 'invalid_state'],
        ['verify without a code', kit.act(flow, 'sms/verify', {}), 400, 'invalid_request', 'code'],
        ['verify on a QR flow', kit.act(flow, 'sms/verify', { code: '123456' }), 409, 'invalid_state'],
        ['identity without identityId', kit.act(flow, 'identity', {}), 400, 'invalid_request', 'identityId'],
        ['identity on a QR flow', kit.act(flow, 'identity', { identityId: 'x' }), 409, 'invalid_state'],
      ];
      const withTaxpayer = entries.find((e) => e.fields.some((f) => f.kind === 'taxpayer-id'));
      if (withTaxpayer) {
        const fields: Record<string, string> = {};
        for (const f of withTaxpayer.fields) fields[f.name] = f.kind === 'taxpayer-id' ? 'ABC' : 'conformance';
        const field = withTaxpayer.fields.find((f) => f.kind === 'taxpayer-id')!.name;
        cases.push([
          'a malformed taxpayer id',
          kit.request('POST', '/v1/flows/password', { json: { entry: withTaxpayer.id, fields, password: 'x' } }),
          400,
          'invalid_taxpayer_id',
          field,
        ]);
      }
      // Every answer in, before any is judged: no request outlives the check.
      const answers = await Promise.all(cases.map((c) => c[1]));
      for (const [i, [what, , status, code, field]] of cases.entries()) {
        const a = answers[i];
        const e = expectError(a, status, code, what);
        expect(
          (a.headers.get('Content-Type') ?? '').includes('json'),
          `${what}: Content-Type ${a.headers.get('Content-Type')}`,
        );
        if (field) expect(e.field === field, `${what}: field ${JSON.stringify(e.field)}, not "${field}"`);
      }
      return `${cases.length} errors`;
    },
  },
  {
    section: '§14.4 The order of checks',
    name: "path, then the forgery rule, then flow, then token, then body, then the flow's end, then its state",
    async run(kit) {
      const flow = await kit.createQr();
      expectError(
        await kit.request('GET', '/v2/flows/fl_x'),
        400,
        'unsupported_version',
        'unknown version before the flow',
      );
      expectError(
        await kit.request('POST', '/v1/flows/fl_conformance_none/step-up', { json: {}, noForgeryHeader: true }),
        403,
        'forbidden',
        'unknown flow without Etax-Request: the forgery rule before the flow',
      );
      expectError(
        await kit.request('POST', '/v1/flows/fl_conformance_none/step-up', { json: 'x' }),
        404,
        'flow_not_found',
        'unknown flow, no token, bad body: the flow first',
      );
      expectError(
        await kit.act(flow, 'step-up', { method: 7 }, { token: '' }),
        401,
        'unauthorized',
        'no token and a bad body: the token first',
      );
      expectError(
        await kit.poll(flow, '?after=x', { token: '' }),
        401,
        'unauthorized',
        'no token and a bad after: the token first',
      );
      expectError(
        await kit.act(flow, 'step-up', { method: 'nope' }),
        400,
        'invalid_request',
        'a bad body on a QR flow: the body before the state',
      );
      expect((await kit.cancel(flow)).status === 204, 'DELETE did not answer 204');
      expectError(
        await kit.act(flow, 'sms/verify', { code: '' }),
        400,
        'invalid_request',
        'a bad body on a cancelled flow: the body before the end',
      );
      expectError(
        await kit.act(flow, 'step-up', { method: 'face_iit' }),
        409,
        'invalid_state',
        'a well-formed action on a cancelled flow',
      );
    },
  },

  /* ------------------------------------------------------------ §11 */
  {
    section: '§11 Cancel',
    name: 'DELETE answers 204, the flow ends cancelled by client with a higher seq; again 204; 401 and 404 as for any flow request',
    async run(kit) {
      const flow = await kit.createQr();
      const del = await kit.cancel(flow);
      expect(del.status === 204 && del.text === '', `DELETE answered ${del.status} ${clip(del.text, 60)}`);
      const s = await kit.state(flow);
      expect(s.status === 'cancelled' && s.by === 'client', `then ${JSON.stringify(summary(s))}`);
      expect((s.seq as number) > flow.state.seq, 'the cancelled state has no higher seq');
      expect((await kit.cancel(flow)).status === 204, 'a second DELETE did not answer 204');
      const again = await kit.state(flow);
      expect(again.seq === s.seq, 'a second DELETE changed the flow');
      expectError(await kit.cancel(flow, { token: 'ft_wrong' }), 401, 'unauthorized', 'DELETE with a wrong token');
      expectError(
        await kit.request('DELETE', '/v1/flows/fl_conformance_none', { token: flow.flowToken }),
        404,
        'flow_not_found',
        'DELETE of an unknown flow',
      );
    },
  },

  /* ------------------------------------------------------------ §15.2 CORS */
  {
    section: '§15.2 CORS',
    name: 'an origin that is not allowed gets no Access-Control-Allow-Origin (and never *)',
    async run(kit) {
      const get = await kit.request('GET', '/v1/capabilities', { headers: { Origin: FOREIGN_ORIGIN } });
      const pre = await kit.request('OPTIONS', '/v1/flows/qr', {
        headers: {
          Origin: FOREIGN_ORIGIN,
          'Access-Control-Request-Method': 'POST',
          'Access-Control-Request-Headers': 'content-type, etax-request',
        },
      });
      for (const [what, a] of [
        ['GET', get],
        ['preflight', pre],
      ] as const) {
        const allow = a.headers.get('Access-Control-Allow-Origin');
        expect(allow === null, `${what} from ${FOREIGN_ORIGIN}: Access-Control-Allow-Origin ${allow}`);
      }
    },
  },
  {
    section: '§15.2 CORS',
    name: 'an allowed origin: exact Access-Control-Allow-Origin, Retry-After exposed, preflight for GET, POST, DELETE and the headers',
    async run(kit) {
      const origin = kit.options.allowedOrigin;
      if (!origin) throw new Skip("no allowed origin given (--allowed-origin or the target's allowedOrigin)");
      const get = await kit.request('GET', '/v1/capabilities', { headers: { Origin: origin } });
      expect(
        get.headers.get('Access-Control-Allow-Origin') === origin,
        `GET: Access-Control-Allow-Origin ${get.headers.get('Access-Control-Allow-Origin')}`,
      );
      expect(
        (get.headers.get('Access-Control-Expose-Headers') ?? '').toLowerCase().includes('retry-after'),
        'Retry-After is not exposed',
      );
      const pre = await kit.request('OPTIONS', '/v1/flows/qr', {
        headers: {
          Origin: origin,
          'Access-Control-Request-Method': 'POST',
          'Access-Control-Request-Headers': 'authorization, content-type, etax-request',
        },
      });
      expect(pre.status >= 200 && pre.status < 300, `the preflight answered ${pre.status}`);
      expect(pre.headers.get('Access-Control-Allow-Origin') === origin, 'the preflight does not allow the origin');
      const methods = (pre.headers.get('Access-Control-Allow-Methods') ?? '').toUpperCase();
      for (const m of ['GET', 'POST', 'DELETE']) expect(methods.includes(m), `the preflight does not allow ${m}`);
      const headers = (pre.headers.get('Access-Control-Allow-Headers') ?? '').toLowerCase();
      for (const h of ['authorization', 'content-type', 'etax-request']) {
        expect(headers.includes(h) || headers === '*', `the preflight does not allow the header ${h}`);
      }
      if (await kit.offers('sse')) {
        const flow = await kit.createQr();
        const r = await kit.events(flow, '', { Origin: origin });
        r.close();
        expect(r.headers.get('Access-Control-Allow-Origin') === origin, 'the SSE response does not allow the origin');
      }
    },
  },

  /* ------------------------------------------------------------ §15 forgery */
  {
    section: '§15.2 Forgery rule',
    name: 'POST and DELETE without Etax-Request: 1, or from a foreign Origin, answer 403 forbidden and change nothing',
    async run(kit) {
      expectError(
        await kit.request('POST', '/v1/flows/qr', { json: {}, noForgeryHeader: true }),
        403,
        'forbidden',
        'POST /v1/flows/qr without Etax-Request',
      );
      expectError(
        await kit.request('POST', '/v1/flows/qr', { json: {}, headers: { Origin: FOREIGN_ORIGIN } }),
        403,
        'forbidden',
        `POST /v1/flows/qr from ${FOREIGN_ORIGIN}`,
      );
      const flow = await kit.createQr();
      expectError(await kit.cancel(flow, { noForgeryHeader: true }), 403, 'forbidden', 'DELETE without Etax-Request');
      expectError(
        await kit.cancel(flow, { headers: { Origin: FOREIGN_ORIGIN } }),
        403,
        'forbidden',
        `DELETE from ${FOREIGN_ORIGIN}`,
      );
      expectError(
        await kit.act(flow, 'step-up', { method: 'face_iit' }, { noForgeryHeader: true }),
        403,
        'forbidden',
        'POST …/step-up without Etax-Request',
      );
      const s = await kit.state(flow);
      expect(s.status === 'qr_waiting', `refused requests changed the flow: ${JSON.stringify(summary(s))}`);
      // The server's own origin and the allowed one pass.
      const own = new URL(kit.base).origin;
      const ok = await kit.request('POST', '/v1/flows/qr', { json: {}, headers: { Origin: own } });
      expect(ok.status === 201, `POST from the server's own origin ${own} answered ${ok.status}`);
      if (kit.options.allowedOrigin) {
        const allowed = await kit.request('POST', '/v1/flows/qr', {
          json: {},
          headers: { Origin: kit.options.allowedOrigin },
        });
        expect(allowed.status === 201, `POST from the allowed ${kit.options.allowedOrigin} answered ${allowed.status}`);
      }
    },
  },
];

/** Runs last: it spends the kit's address's allowance of QR flows. */
export const RATE_LIMIT_CHECK: Check = {
  section: '§15.3 Rate limiting',
  name: 'QR creation is rate-limited per address: 429 rate_limited with Retry-After equal to retryAfter',
  async run(kit) {
    const n = kit.options.rateLimitProbe;
    if (n <= 0) throw new Skip('--rate-limit-probe 0');
    let sent = 0;
    while (sent < n) {
      const batch = Math.min(10, n - sent);
      const answers = await Promise.all(
        Array.from({ length: batch }, () => kit.request('POST', '/v1/flows/qr', { json: {}, noRetry: true })),
      );
      sent += batch;
      const limited = answers.find((a) => a.status === 429);
      if (limited) {
        expectError(limited, 429, 'rate_limited', `the ${sent}th QR creation`);
        const wait = retryAfterOf(limited, 'rate_limited');
        return `429 after at most ${sent} creations, Retry-After ${wait} s`;
      }
      const other = answers.find((a) => a.status !== 201);
      if (other) return fail(`a QR creation answered ${other.status}: ${clip(other.text, 120)}`);
    }
    return fail(`${n} QR creations in a burst from one address, none refused 429 (§15.3: servers MUST rate-limit)`);
  },
};

/** Run after every other check: what all of them saw. */
export const FINAL_CHECKS: Check[] = [
  {
    section: '§12 Ordering',
    name: 'no seq ever went back, on any channel, in any check',
    async run(kit) {
      expect(kit.backwards.length === 0, kit.backwards.slice(0, 3).join('; '));
    },
  },
  {
    section: '§5.2 Flow state',
    name: 'every state seen was well-formed',
    async run(kit) {
      expect(kit.malformed.length === 0, kit.malformed.slice(0, 3).join('; '));
    },
  },
];
