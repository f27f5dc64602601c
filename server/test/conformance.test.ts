// The conformance kit is itself tested: it passes against the reference
// server (with and without a target file, and with only polling offered), and
// each fault injected into the server's answers is caught by the check named
// for it. Faults rewrite what goes over the wire (the host's `around`, the app
// API's wrapper); the engine behaves as always.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash, createHmac } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runConformance, type ConformanceReport } from '../src/conformance/index.js';
import { Engine } from '../../src/engine/index.js';
import type { HostOptions } from '../src/host.js';
import {
  ALLOWED_ORIGIN,
  APP_SECRET,
  SERVER_CONFIG_FILE,
  SHORT,
  TARGET_FILE,
  startReference,
} from './conformance-server.js';
import { startServer } from './server-process.js';

type Around = NonNullable<HostOptions['around']>;

const failedNames = (r: ConformanceReport) => r.results.filter((x) => !x.ok).map((x) => `${x.section}: ${x.name}`);

/** Checks that wait for the server's rate limits and forgery rule (issue 13), not on the engine yet. */
function everyCheckPassed(r: ConformanceReport) {
  assert.deepEqual(
    failedNames(r),
    [],
    JSON.stringify(
      r.results.filter((x) => !x.ok),
      null,
      2,
    ),
  );
  assert.ok(r.passed > 0);
}

// Each test has a server of its own; the kit mostly waits on lifetimes, so they run side by side.
describe('conformance kit against the reference server', { concurrency: true }, () => {
  it('passes with a target file: test accounts and the app API', async () => {
    const s = await startReference();
    try {
      const r = await runConformance({ baseUrl: s.baseUrl, target: s.target });
      everyCheckPassed(r);
      assert.equal(
        r.skipped,
        0,
        r.results
          .filter((x) => x.skipped)
          .map((x) => x.detail)
          .join('\n'),
      );
    } finally {
      await s.host.close();
    }
  });

  it('passes without a target file, the checks that need accounts reported as skipped', async () => {
    const s = await startReference();
    try {
      const r = await runConformance({ baseUrl: s.baseUrl });
      everyCheckPassed(r);
      const skipped = r.results.filter((x) => x.skipped);
      assert.ok(skipped.length > 0);
      assert.ok(
        skipped.every((x) => /needs (test accounts|the app API)|no allowed origin/.test(x.detail)),
        JSON.stringify(skipped),
      );
    } finally {
      await s.host.close();
    }
  });

  it('passes against a server that offers only polling (SSE and WebSocket refused as the protocol says)', async () => {
    const s = await startReference({ ...SHORT, transports: ['poll'] });
    try {
      const r = await runConformance({ baseUrl: s.baseUrl, only: ['§13', '§6.3'] });
      everyCheckPassed(r);
      const ws = r.results.find((x) => x.section === '§13.4 WebSocket' && !x.skipped)!;
      assert.match(ws.detail, /not offered: the upgrade answered 400 invalid_request/);
    } finally {
      await s.host.close();
    }
  });

  it('skips, not waits, when a lifetime is over the bound', async () => {
    const s = await startReference({ ...SHORT, flowLifetime: 300, qrLifetime: 60, heartbeat: 15 });
    try {
      const r = await runConformance({ baseUrl: s.baseUrl, only: ['§5.3', '§6.3', '§13.3'], maxWait: 10 });
      const expiry = r.results.find((x) => x.name.startsWith('the flow ends at the end of its lifetime'))!;
      assert.equal(expiry.skipped, true);
      assert.match(expiry.detail, /skipped: flow expiry: lifetime 302 s over the bound of 10 s/);
      assert.ok(expiry.ms < 5000, `${expiry.ms} ms`);
    } finally {
      await s.host.close();
    }
  });
});

/**
 * The rules of §15 as a front of the server would apply them: a forgery check
 * (`Etax-Request: 1` and the Origin on POST and DELETE), and a limit on QR
 * flows that refuses every `every`-th creation (so that the kit's own pace
 * meets it whatever the machine's load). The kit's checks of them must pass here.
 */
function guarded({ every = 7, retryAfterHeader = true } = {}): Around {
  let count = 0;
  return async (request, next) => {
    const url = new URL(request.url);
    if (request.method === 'POST' || request.method === 'DELETE') {
      const origin = request.headers.get('Origin');
      const own = `${url.protocol}//${url.host}`;
      if (request.headers.get('Etax-Request') !== '1' || (origin && origin !== own && origin !== ALLOWED_ORIGIN)) {
        return Response.json({ error: { code: 'forbidden', message: 'forbidden' } }, { status: 403 });
      }
    }
    if (request.method === 'POST' && url.pathname.endsWith('/v1/flows/qr') && ++count % every === 0) {
      return Response.json(
        { error: { code: 'rate_limited', message: 'slow down', retryAfter: 1 } },
        { status: 429, headers: retryAfterHeader ? { 'Retry-After': '1' } : {} },
      );
    }
    return next(request);
  };
}

describe('conformance kit against a server with the forgery rule and rate limits', { concurrency: true }, () => {
  it('passes their checks, waiting out the 429s its own pace meets', async () => {
    const s = await startReference(SHORT, { around: guarded() });
    try {
      const r = await runConformance({ baseUrl: s.baseUrl, target: s.target, only: ['§6', '§11', '§15'] });
      everyCheckPassed(r);
      assert.ok(r.rateLimitedWait > 0, 'the kit never met the limit');
      assert.match(
        r.results.find((x) => x.section === '§15.3 Rate limiting')!.detail,
        /^429 after at most \d+ creations, Retry-After 1 s$/,
      );
    } finally {
      await s.host.close();
    }
  });

  it('fails on a 429 rate_limited without Retry-After (§15.3 Rate limiting)', async () => {
    const limited = await startReference(SHORT, { around: guarded({ every: 3, retryAfterHeader: false }) });
    try {
      const r = await runConformance({ baseUrl: limited.baseUrl, only: ['§15.3'] });
      const check = r.results.find((x) => x.section === '§15.3 Rate limiting')!;
      assert.equal(check.ok, false);
      assert.match(check.detail, /429 without a Retry-After header/);
    } finally {
      await limited.host.close();
    }
  });
});

/* ----------------------------------------------------------------- faults */

/** Rewrites the JSON body of an answer. */
async function rewrite(
  response: Response,
  change: (body: Record<string, unknown>) => unknown,
  status = response.status,
) {
  const body = (await response.json()) as Record<string, unknown>;
  const headers = new Headers(response.headers);
  headers.delete('Content-Length');
  return new Response(JSON.stringify(change(body)), { status, headers });
}

const flowIdOf = (request: Request) => /\/v1\/flows\/([^/?]+)/.exec(new URL(request.url).pathname)?.[1];

interface Fault {
  name: string;
  /** The check that must catch it: a section, and a part of the check's name. */
  caughtBy: [section: string, name: string];
  only: string[];
  around?: () => Around;
  /** Wraps the app API. */
  app?: () => Around;
  settings?: typeof SHORT;
  target?: boolean;
  /** An engine whose streams (SSE, WebSocket) misbehave. */
  engine?: typeof Engine;
  /** Host options that leave a rule out. */
  host?: Partial<HostOptions>;
}

/** Streams (SSE and WebSocket) that skip the state they owe at once: the current one. */
class SilentStart extends Engine {
  override follow(...[flowId, token, after, send]: Parameters<Engine['follow']>) {
    let first = true;
    return super.follow(flowId, token, after, (s) => {
      if (first) first = false;
      else send(s);
    });
  }
}

/** Streams that send, after each live state, an older one (its seq one lower). */
class Echo extends Engine {
  override follow(...[flowId, token, after, send]: Parameters<Engine['follow']>) {
    return super.follow(flowId, token, after, (s) => {
      send(s);
      if (s.status === 'qr_waiting') send({ ...s, seq: s.seq - 1 });
    });
  }
}

/** SSE answers with each chunk of their text rewritten; other answers as they are. */
const rewriteSse =
  (rewrite: (chunk: string) => string): Around =>
  async (request, next) => {
    const response = await next(request);
    if (!(response.headers.get('Content-Type') ?? '').startsWith('text/event-stream')) return response;
    const body = response
      .body!.pipeThrough(new TextDecoderStream())
      .pipeThrough(new TransformStream<string, string>({ transform: (chunk, c) => c.enqueue(rewrite(chunk)) }))
      .pipeThrough(new TextEncoderStream());
    return new Response(body, { status: 200, headers: response.headers });
  };

const FAULTS: Fault[] = [
  {
    name: 'a WebSocket that sends no state after auth',
    caughtBy: ['§13.4 WebSocket', 'auth by first message, then the current state'],
    only: ['§13.4'],
    engine: SilentStart,
  },
  {
    name: 'a stream that sends an older state after the current one',
    caughtBy: ['§12 Ordering', 'no seq ever went back'],
    only: ['§13.4'],
    engine: Echo,
  },
  {
    name: 'a sequence number that goes back',
    caughtBy: ['§12 Ordering', 'no seq ever went back'],
    only: ['§13.1'],
    around: () => {
      const polls = new Map<string, number>();
      return async (request, next) => {
        const response = await next(request);
        const id = flowIdOf(request);
        if (
          request.method !== 'GET' ||
          !id ||
          response.status !== 200 ||
          new URL(request.url).pathname.endsWith('/events')
        ) {
          return response;
        }
        const n = (polls.get(id) ?? 0) + 1;
        polls.set(id, n);
        return n < 2 ? response : rewrite(response, (s) => ({ ...s, seq: (s.seq as number) - 1 }));
      };
    },
  },
  {
    name: 'an SMS code accepted twice',
    caughtBy: ['§8.2 SMS', 'the right code authenticates, once'],
    only: ['§8.2'],
    target: true,
    around: () => {
      const done = new Map<string, string>();
      return async (request, next) => {
        const body = request.method === 'POST' ? await request.clone().text() : '';
        const response = await next(request);
        const id = flowIdOf(request);
        if (!id || !new URL(request.url).pathname.endsWith('/sms/verify')) return response;
        if (response.status === 200) done.set(`${id} ${body}`, await response.clone().text());
        const before = done.get(`${id} ${body}`);
        return response.status !== 200 && before
          ? new Response(before, { status: 200, headers: { 'Content-Type': 'application/json' } })
          : response;
      };
    },
  },
  {
    name: 'a 429 without Retry-After',
    caughtBy: ['§8.2 SMS', 'sms_throttled'],
    only: ['§8.2'],
    target: true,
    around: () => async (request, next) => {
      const response = await next(request);
      const headers = new Headers(response.headers);
      headers.delete('Retry-After');
      return new Response(response.body, { status: response.status, headers });
    },
  },
  {
    name: 'an error without the error object',
    caughtBy: ['§14.1 The error object', 'every error a request alone can cause'],
    only: ['§14.1'],
    around: () => async (request, next) => {
      const response = await next(request);
      if (response.status < 400) return response;
      return rewrite(response, (b) => ({ code: (b.error as { code: string }).code, message: 'flat' }));
    },
  },
  {
    name: 'a flow that outlives its announced lifetime',
    caughtBy: ['§5.3 Reading the state', 'the flow ends at the end of its lifetime'],
    only: ['§5.3'],
    settings: { ...SHORT, flowLifetime: 600, qrLifetime: 60 },
    around: () => async (request, next) => {
      const response = await next(request);
      return response.status === 201 ? rewrite(response, (b) => ({ ...b, expiresIn: 4 })) : response;
    },
  },
  {
    name: 'a token accepted for another flow',
    caughtBy: ['§15.1 Tokens', "other flow's token"],
    only: ['§15.1'],
    around: () => {
      const tokens = new Map<string, string>();
      return async (request, next) => {
        const id = flowIdOf(request);
        const given = /^Bearer (.+)$/.exec(request.headers.get('Authorization') ?? '')?.[1];
        if (id && given && [...tokens.values()].includes(given) && tokens.get(id)) {
          const headers = new Headers(request.headers);
          headers.set('Authorization', `Bearer ${tokens.get(id)}`);
          request = new Request(request, { headers });
        }
        const response = await next(request);
        if (response.status === 201) {
          const b = (await response.clone().json()) as { flowId: string; flowToken: string };
          tokens.set(b.flowId, b.flowToken);
        }
        return response;
      };
    },
  },
  {
    name: 'SSE states without id:',
    caughtBy: ['§13.3 Server-Sent Events', 'id = seq'],
    only: ['§13.3'],
    around: () => rewriteSse((chunk) => chunk.replace(/^id: .*\n/gm, '')),
  },
  {
    name: 'SSE heartbeats as comments',
    caughtBy: ['§13.3 Server-Sent Events', 'heartbeats are named events'],
    only: ['§13.3'],
    around: () => rewriteSse((chunk) => chunk.replace('event: heartbeat\ndata: {}\n', ': ping\n')),
  },
  {
    name: 'a malformed Last-Event-ID answered 400',
    caughtBy: ['§13.3 Server-Sent Events', 'a malformed one is ignored'],
    only: ['§13.3'],
    around: () => async (request, next) => {
      const id = request.headers.get('Last-Event-ID');
      if (id && !/^\d+$/.test(id)) {
        return Response.json({ error: { code: 'invalid_request', message: 'Last-Event-ID' } }, { status: 400 });
      }
      return next(request);
    },
  },
  {
    name: 'a long-poll timeout answered 204',
    caughtBy: ['§13.2 Long-polling', 'then answers 200 unchanged'],
    only: ['§13.2'],
    around: () => async (request, next) => {
      const q = new URL(request.url).searchParams;
      const response = await next(request);
      if (request.method !== 'GET' || !q.get('wait') || response.status !== 200) return response;
      const s = (await response.clone().json()) as { seq: number };
      return String(s.seq) === q.get('after') ? new Response(null, { status: 204 }) : response;
    },
  },
  {
    name: 'CORS headers for every origin',
    caughtBy: ['§15.2 CORS', 'an origin that is not allowed'],
    only: ['§15.2'],
    around: () => async (request, next) => {
      const response = await next(request);
      const origin = request.headers.get('Origin');
      if (!origin) return response;
      const headers = new Headers(response.headers);
      headers.set('Access-Control-Allow-Origin', origin);
      return new Response(response.body, { status: response.status, headers });
    },
  },
  {
    name: 'no rate limit per address',
    caughtBy: ['§15.3 Rate limiting', 'QR creation is rate-limited per address'],
    only: ['§15.3'],
    host: { limits: undefined },
  },
  {
    name: 'the forgery rule not applied',
    caughtBy: ['§15.2 Forgery rule', 'answer 403 forbidden'],
    only: ['§15.2 Forgery'],
    // Every request passed on as if it came from the page itself.
    around: () => async (request, next) => {
      const headers = new Headers(request.headers);
      headers.set('Etax-Request', '1');
      headers.delete('Origin');
      return next(new Request(request, { headers }));
    },
  },
  {
    name: 'an unknown version answered 404',
    caughtBy: ['§2 Versioning', 'unsupported_version'],
    only: ['§2'],
    around: () => async (request, next) =>
      /\/v[02-9]\//.test(new URL(request.url).pathname)
        ? Response.json({ error: { code: 'flow_not_found', message: 'x' } }, { status: 404 })
        : next(request),
  },
  {
    name: 'a second DELETE refused',
    caughtBy: ['§11 Cancel', 'again 204'],
    only: ['§11'],
    around: () => {
      const deleted = new Set<string>();
      return async (request, next) => {
        const id = flowIdOf(request);
        if (request.method !== 'DELETE' || !id) return next(request);
        if (deleted.has(id)) return Response.json({ error: { code: 'invalid_state', message: 'x' } }, { status: 409 });
        deleted.add(id);
        return next(request);
      };
    },
  },
  {
    name: 'the body checked before the token',
    caughtBy: ['§14.4 The order of checks', 'then token, then body'],
    only: ['§14.4'],
    around: () => async (request, next) => {
      if (request.method === 'POST' && flowIdOf(request) && !request.headers.get('Authorization')) {
        return Response.json({ error: { code: 'invalid_request', message: 'x' } }, { status: 400 });
      }
      return next(request);
    },
  },
  {
    name: 'a QR payload over 180 characters',
    caughtBy: ['§6.2 QR payload', 'at most 180 characters'],
    only: ['§6.2'],
    around: () => async (request, next) => {
      const response = await next(request);
      if (response.status !== 201) return response;
      return rewrite(response, (b) => {
        const state = b.state as { qr: { payload: string } };
        return { ...b, state: { ...state, qr: { ...state.qr, payload: state.qr.payload.padEnd(200, 'x') } } };
      });
    },
  },
  {
    name: 'an unknown account told apart from a wrong password',
    caughtBy: ['§7.3 Password errors', 'one answer'],
    only: ['§7.3'],
    target: true,
    around: () => async (request, next) => {
      const body = request.method === 'POST' ? await request.clone().text() : '';
      const response = await next(request);
      if (response.status !== 401 || !body.includes('"kit')) return response;
      return rewrite(response, (b) => ({ error: { ...(b.error as object), message: '该用户不存在' } }));
    },
  },
  {
    name: 'two racing confirms both succeed',
    caughtBy: ['§6.4 QR login', 'racing confirms'],
    only: ['§6.4'],
    target: true,
    app: () => async (request, next) => {
      const response = await next(request);
      if (!new URL(request.url).pathname.endsWith('/confirm') || response.status !== 409) return response;
      return Response.json({ status: 'authenticated' });
    },
  },
  {
    name: 'the app API without the signature check',
    caughtBy: ['App API: signing', 'a wrong signature'],
    only: ['App API'],
    target: true,
    // Every request signed again with the right secret and a fresh time, whatever it carried.
    app: () => async (request, next) => {
      const body = await request.text();
      const url = new URL(request.url);
      const headers = new Headers(request.headers);
      const ts = String(Math.floor(Date.now() / 1000) - Math.floor(Math.random() * 200));
      const canonical = ['POST', `${url.pathname}${url.search}`, ts, createHash('sha256').update(body).digest('hex')];
      headers.set('Etax-App-Timestamp', ts);
      headers.set(
        'Etax-App-Signature',
        `v1=${createHmac('sha256', APP_SECRET).update(canonical.join('\n')).digest('hex')}`,
      );
      return next(new Request(request.url, { method: 'POST', headers, body }));
    },
  },
];

describe('conformance kit against injected faults', { concurrency: true }, () => {
  for (const fault of FAULTS) {
    it(`fails on ${fault.name} (${fault.caughtBy[0]})`, async () => {
      const s = await startReference(
        fault.settings ?? SHORT,
        { ...fault.host, ...(fault.around ? { around: fault.around() } : {}) },
        fault.app?.(),
        fault.engine,
      );
      try {
        const r = await runConformance({
          baseUrl: s.baseUrl,
          only: fault.only,
          ...(fault.target ? { target: s.target } : {}),
        });
        const [section, name] = fault.caughtBy;
        const check = r.results.find((x) => x.section === section && x.name.includes(name));
        assert.ok(check, `no check ${section}: ${name} ran`);
        assert.equal(check.ok, false, `${section}: ${check.name} passed (${check.detail})`);
        assert.ok(check.detail.length > 0);
        assert.ok(r.failed >= 1);
      } finally {
        await s.host.close();
      }
    });
  }
});

/* -------------------------------------------------------------------- CLI */

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

function cli(args: string[], env: Record<string, string> = {}) {
  const child = spawn(
    process.execPath,
    ['--import', './scripts/ts-hooks.mjs', 'server/src/conformance/cli.ts', ...args],
    {
      cwd: ROOT,
      env: { ...process.env, NO_COLOR: '1', ...env },
      stdio: 'pipe',
    },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += String(d)));
  child.stderr.on('data', (d) => (stderr += String(d)));
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
    child.on('exit', (code) => resolve({ code: code ?? -1, stdout, stderr })),
  );
}

describe('npm run conformance', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'etax-conformance-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('prints its usage and the target file format on --help', async () => {
    const r = await cli(['--help']);
    assert.equal(r.code, 0);
    for (const word of ['--base-url', '--target', '--json', '"accounts"', 'appAccount', 'lockable', 'secretEnv']) {
      assert.ok(r.stdout.includes(word), word);
    }
  });

  it('exits 2 on bad arguments and on a target file it cannot read', async () => {
    assert.equal((await cli([])).code, 2);
    assert.equal((await cli(['--base-url', 'nowhere'])).code, 2);
    assert.equal((await cli(['--base-url', 'http://127.0.0.1:9', '--what'])).code, 2);
    const bad = join(dir, 'bad.json');
    await writeFile(bad, JSON.stringify({ accounts: [{ entry: 'enterprise' }] }));
    const r = await cli(['--base-url', 'http://127.0.0.1:9', '--target', bad]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /accounts\[0\]\.fields/);
    const noSecret = join(dir, 'no-secret.json');
    await writeFile(
      noSecret,
      JSON.stringify({ appApi: { baseUrl: 'http://127.0.0.1:9/app-api', secretEnv: 'KIT_NO_SUCH_VAR' } }),
    );
    assert.match((await cli(['--base-url', 'http://127.0.0.1:9', '--target', noSecret])).stderr, /KIT_NO_SUCH_VAR/);
  });

  it('prints the table by section and "N passed, 0 failed", writes --json, exits 0; exits 1 on a failure', async () => {
    const good = await startReference();
    const faulty = await startReference(SHORT, {
      around: async (request, next) =>
        /\/v2\//.test(request.url)
          ? Response.json({ error: { code: 'x', message: 'x' } }, { status: 404 })
          : next(request),
    });
    try {
      const json = join(dir, 'out.json');
      const r = await cli(
        ['--base-url', good.baseUrl, '--target', TARGET_FILE, '--only', '§2', '--only', 'App API', '--json', json],
        { ETAX_APP_SECRET: APP_SECRET },
      );
      assert.equal(r.code, 0, r.stdout + r.stderr);
      const lines = r.stdout.trim().split('\n');
      assert.match(lines.at(-1)!, /^\d+ passed, 0 failed$/);
      assert.ok(lines.includes('§2 Versioning'));
      assert.ok(lines.some((l) => /^ {2}PASS {2}an unknown version prefix answers 400 unsupported_version/.test(l)));
      assert.ok(lines.includes('App API: signing'));
      const saved = JSON.parse(await readFile(json, 'utf8')) as ConformanceReport;
      assert.equal(saved.failed, 0);
      assert.ok(saved.results.some((x) => x.section === 'App API: signing' && x.ok && !x.skipped));
      assert.ok(!r.stdout.includes(APP_SECRET));

      const bad = await cli(['--base-url', faulty.baseUrl, '--only', '§2']);
      assert.equal(bad.code, 1);
      assert.match(
        bad.stdout,
        /FAIL {2}an unknown version prefix answers 400 unsupported_version\n {8}GET \/v2\/capabilities: expected 400 unsupported_version, got 404 x/,
      );
      assert.match(bad.stdout.trim().split('\n').at(-1)!, /^\d+ passed, 1 failed$/);
    } finally {
      await Promise.all([good.host.close(), faulty.host.close()]);
    }
  });
});

/** `npm run server` as CI starts it for the kit: short lifetimes and locks, limits in a 10 s window, the test outbox. */
const SERVER_ARGS = ['--config', SERVER_CONFIG_FILE];

describe('npm run conformance against npm run server', { concurrency: true }, () => {
  for (const withTarget of [false, true]) {
    it(`passes ${withTarget ? 'with the target file (server/conformance-target.json)' : 'without a target file'}`, async () => {
      const server = await startServer(SERVER_ARGS, { ETAX_APP_SECRET: APP_SECRET, NODE_ENV: 'test' });
      try {
        const r = await cli(
          [
            '--base-url',
            `${server.url}/api/etax-login`,
            ...(withTarget ? ['--target', TARGET_FILE] : ['--allowed-origin', ALLOWED_ORIGIN]),
          ],
          { ETAX_APP_SECRET: APP_SECRET },
        );
        assert.equal(r.code, 0, r.stdout);
        assert.match(r.stdout.trim().split('\n').at(-1)!, /^\d+ passed, 0 failed$/);
        if (withTarget) assert.doesNotMatch(r.stdout, /SKIP/);
      } finally {
        await server.stop();
      }
    });
  }
});
