// `npm run bench:server`: what one instance of the reference server holds, on loopback.
//
// Starts every server as a process of its own (server/src/cli.ts from its sources, as an
// operator runs an instance; a bare `node:http` floor; `redis-server` through
// server/test/redis.ts), loads it from this process with autocannon, and holds waiting
// pages from child processes (bench/server/waiters.mjs: SSE streams from the `eventsource`
// package, long-polls from undici, WebSockets from `ws`), each from its own 127.0.0.x source address. Reads the
// server's own figures (resident memory, event-loop delay, open streams) from its
// /metrics. Prints a table and writes bench/server-results.json. Nothing leaves loopback;
// every count and every wait is bounded, and the whole run gives up after 8 minutes.
//
//   npm run bench:server                 # the full run, about four minutes
//   npm run bench:server -- --quick      # tiny counts, about 25 s: proves that it runs
//   npm run bench:server -- --only create,hold,propagation
//   npm run bench:server -- --flows 20000 --hold 60 --duration 20 --out /tmp/r.json
//   npm run bench:server -- --only hold --transports long-poll
//
// Measures:
//   create       QR flows created per second (POST /v1/flows/qr) by one instance, memory
//                store and Redis store, as a ratio to the bare floor under the same
//                autocannon settings; latency p50/p99 at that load, and at half that rate
//   hold         waiting flows one instance holds over SSE, long-polling and WebSocket
//                (10,000 each): resident memory per waiting flow, event-loop delay meanwhile
//   propagation  two instances on one Redis; 1,000 flows wait over SSE on instance B; the
//                app API confirms each on instance A; time to the state event at B's waiter
import { fork, spawn, spawnSync } from 'node:child_process';
import { createHash, createHmac } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { findRedisServer, freePort, startRedis } from '../../server/test/redis.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const here = fileURLToPath(new URL('.', import.meta.url));
const began = Date.now();

/* ------------------------------------------------------------------ options */

const argv = process.argv.slice(2);
const { values } = parseArgs({
  args: argv,
  options: Object.fromEntries([
    ['quick', { type: 'boolean' }],
    ...[
      'only',
      'transports',
      'flows',
      'hold',
      'duration',
      'connections',
      'propagation',
      'confirm-rate',
      'waiter-processes',
      'out',
    ].map((name) => [name, { type: 'string' }]),
  ]),
});
const option = (name) => values[name];
const quick = values.quick ?? false;
const ALL = ['create', 'hold', 'propagation'];
const only = option('only')?.split(',') ?? ALL;
for (const name of only)
  if (!ALL.includes(name)) throw new Error(`unknown measure "${name}"; one of ${ALL.join(', ')}`);
const number = (name, full, small) => {
  const value = Number(option(name) ?? (quick ? small : full));
  if (!(value > 0)) throw new Error(`--${name} wants a positive number`);
  return value;
};
const SETTINGS = {
  /** Seconds of each autocannon run (after a warm-up of a fifth of it; none with --quick). */
  duration: number('duration', 10, 1),
  /** autocannon's connections: enough to keep one instance busy. */
  connections: number('connections', 50, 10),
  /** Waiting flows held over each transport. */
  flows: number('flows', 10_000, 200),
  /** Seconds the waiters are held while memory and event-loop delay are read. */
  hold: number('hold', 30, 2),
  /** Flows waiting on instance B while A confirms them. */
  propagation: number('propagation', 1_000, 20),
  /** Confirms per second sent to A (paced, so that the figure is propagation, not a queue). */
  confirmRate: number('confirm-rate', 100, 50),
  /** Child processes of waiters per transport, each from its own 127.0.0.x. */
  waiterProcesses: number('waiter-processes', 2, 1),
};
const HOLD_TRANSPORTS = option('transports')?.split(',') ?? ['sse', 'long-poll', 'websocket'];
for (const name of HOLD_TRANSPORTS)
  if (!['sse', 'long-poll', 'websocket'].includes(name))
    throw new Error(`unknown transport "${name}"; sse, long-poll or websocket`);
const OUT = option('out') ?? join(root, 'bench', 'server-results.json');

/**
 * The server's settings for the benchmark, beside its defaults. One load client and a few
 * loopback source addresses stand for many pages here, so the limits per client address
 * (a deployment's defence against one abusive address) are turned off: each of them is
 * passed as 0 when this server has it (`--help` lists it). Nothing else changes; the app
 * API is on (propagation confirms through it). Reported in the results.
 */
const LIMITS_OFF = ['--rate-limit-requests', '--rate-limit-flows', '--max-streams-per-address'];
const help = spawnSync(process.execPath, ['--import', './scripts/ts-hooks.mjs', 'server/src/cli.ts', '--help'], {
  cwd: root,
  encoding: 'utf8',
}).stdout;
const SERVER_FLAGS = LIMITS_OFF.filter((flag) => help.includes(flag)).flatMap((flag) => [flag, '0']);
const APP_SECRET = 'bench-only-secret-0123456789abcdef0123456789';
const BASE = '/api/etax-login';
const APP_BASE = '/app-api';

// A stuck run must not hold a CI job: give up after eight minutes.
const deadline = setTimeout(() => {
  console.error('bench:server: still running after 8 minutes; giving up');
  cleanup();
  process.exit(1);
}, 480_000);
deadline.unref();

const tmp = mkdtempSync(join(os.tmpdir(), 'etax-bench-server-'));
const children = new Set();
const cleanups = [];
function cleanup() {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  rmSync(tmp, { recursive: true, force: true });
}
process.once('exit', cleanup);

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const log = (line) => process.stderr.write(`bench:server: ${((Date.now() - began) / 1000).toFixed(1)} s: ${line}\n`);

/* ------------------------------------------------------------------ processes */

/** Waits for `url` to answer 200; rejects when `child` ends first or after 30 s. */
async function answering(url, child, name) {
  const until = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`${name} exited at start`);
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > until) throw new Error(`${name} did not answer within 30 s`);
    await sleep(50);
  }
}

/** Instances that were still running 5 s after SIGTERM (and were killed). */
const lingered = [];

/**
 * Ends a child by its pid: SIGTERM, then SIGKILL if it is still there after 5 s (the
 * server can linger after its graceful shutdown, see docs/benchmarks.md); resolves once
 * it has exited.
 */
async function stop(child, name) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  const grace = process.env.BENCH_SERVER_NODE_ARGS ? 120_000 : 5_000;
  const timer = setTimeout(() => {
    if (name) lingered.push(name);
    child.kill('SIGKILL');
  }, grace);
  await exited;
  clearTimeout(timer);
  children.delete(child);
}

let serverCount = 0;
/**
 * An instance of the reference server, a process of its own from its sources. Its JSON
 * log (a line per request) goes to a file in the temporary directory, as to an operator's
 * log collector, not through this process.
 */
async function startInstance({ redis, name = 'instance' } = {}) {
  const port = await freePort();
  const logFile = join(tmp, `${name}-${++serverCount}.log`);
  const out = openSync(logFile, 'w');
  const args = ['--host', '127.0.0.1', '--port', String(port), ...(redis ? ['--redis', redis] : []), ...SERVER_FLAGS];
  // BENCH_SERVER_NODE_ARGS: more Node flags for the instances only (e.g. `--cpu-prof`), to see where their time goes.
  const nodeArgs = process.env.BENCH_SERVER_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
  const child = spawn(
    process.execPath,
    [...nodeArgs, '--import', './scripts/ts-hooks.mjs', 'server/src/cli.ts', ...args],
    {
      cwd: root,
      env: { ...process.env, ETAX_APP_SECRET: APP_SECRET, NODE_ENV: 'production' },
      stdio: ['ignore', out, out],
    },
  );
  closeSync(out);
  children.add(child);
  const url = `http://127.0.0.1:${port}`;
  try {
    await answering(`${url}/readyz`, child, name);
  } catch (e) {
    throw new Error(`${e.message}: ${readFileSync(logFile, 'utf8').slice(-2000)}`, { cause: e });
  }
  return { url, child, pid: child.pid, logFile, stop: () => stop(child, name) };
}

/** The bare `node:http` floor, answering `body` to everything. */
async function startBare(body) {
  const port = await freePort();
  const bodyFile = join(tmp, 'bare-body.json');
  writeFileSync(bodyFile, body);
  const child = spawn(process.execPath, [join(here, 'bare.mjs'), String(port), bodyFile], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  children.add(child);
  const url = `http://127.0.0.1:${port}`;
  await answering(url, child, 'bare node:http');
  return { url, stop: () => stop(child) };
}

/** The figures of one instance's /metrics this bench reads (reading resets prom-client's event-loop histogram). */
async function scrape(url) {
  const text = await (await fetch(`${url}/metrics`)).text();
  const value = (name, labels = '') => {
    const line = text.split('\n').find((l) => l.startsWith(`${name}${labels} `));
    return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : undefined;
  };
  return {
    rss: value('etax_login_process_resident_memory_bytes'),
    heapUsed: value('etax_login_nodejs_heap_size_used_bytes'),
    loopP50: value('etax_login_nodejs_eventloop_lag_p50_seconds'),
    loopP99: value('etax_login_nodejs_eventloop_lag_p99_seconds'),
    loopMax: value('etax_login_nodejs_eventloop_lag_max_seconds'),
    loopMean: value('etax_login_nodejs_eventloop_lag_mean_seconds'),
    openSse: value('etax_login_open_streams', '{transport="sse"}'),
    openWebSocket: value('etax_login_open_streams', '{transport="websocket"}'),
    handles: value('etax_login_nodejs_active_handles_total'),
  };
}

/** A waiters process (bench/server/waiters.mjs) with a promise per kind of message it sends. */
function startWaiters({ url, count, transport, local, payloads = false, onAnswer }) {
  const child = fork(
    join(here, 'waiters.mjs'),
    [
      '--url',
      url,
      '--base',
      BASE,
      '--count',
      String(count),
      '--transport',
      transport,
      '--local',
      local,
      ...(payloads ? ['--payloads'] : []),
    ],
    { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] },
  );
  children.add(child);
  const waiting = new Map();
  const next = (type) =>
    new Promise((resolve, reject) => {
      waiting.set(type, resolve);
      child.once('exit', (code) => reject(new Error(`waiters (${transport}, ${local}) exited with ${code}`)));
    });
  child.on('message', (m) => {
    if (m.type === 'answer') return onAnswer?.(m);
    const resolve = waiting.get(m.type);
    waiting.delete(m.type);
    resolve?.(m);
  });
  const created = next('created');
  return {
    created,
    async open() {
      const opened = next('open');
      child.send('open');
      return opened;
    },
    async stats() {
      const got = next('stats');
      child.send('stats');
      return got;
    },
    async close() {
      const got = next('stats');
      const exited = new Promise((r) => child.once('exit', r));
      child.send('close');
      const stats = await got;
      await Promise.race([exited, sleep(10_000)]);
      await stop(child);
      return stats;
    },
  };
}

/* ------------------------------------------------------------------ figures */

const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
const round = (n, digits = 2) => (n === undefined || Number.isNaN(n) ? undefined : Number(n.toFixed(digits)));
const ms = (seconds) => round(seconds * 1000, 1);

/** One autocannon run against `url`, creating QR flows (or, for the floor, the same request). */
async function load(url, { duration, overallRate } = {}) {
  const result = await autocannon({
    url: `${url}${BASE}/v1/flows/qr`,
    method: 'POST',
    headers: { 'content-type': 'application/json', 'etax-request': '1' },
    body: '{}',
    connections: SETTINGS.connections,
    pipelining: 1,
    duration: duration ?? SETTINGS.duration,
    ...(overallRate ? { overallRate } : {}),
  });
  const bad = result.non2xx + result.errors + result.timeouts;
  if (bad) {
    throw new Error(
      `${bad} of ${result.requests.total} requests failed: ${JSON.stringify(result.statusCodeStats)}, ${result.errors} errors, ${result.timeouts} timeouts`,
    );
  }
  return {
    perSecond: round(result.requests.average, 0),
    total: result.requests.total,
    latencyP50: result.latency.p50,
    latencyP99: result.latency.p99,
    latencyMax: result.latency.max,
  };
}

/** Warm-up, then the measured run; and, for the real server, latency at half the rate it reached. */
async function measureCreate(url, { halfRate = true } = {}) {
  if (!quick) await load(url, { duration: Math.max(1, Math.round(SETTINGS.duration / 5)) });
  const max = await load(url);
  const half = halfRate ? await load(url, { overallRate: Math.max(1, Math.round(max.perSecond / 2)) }) : undefined;
  return { ...max, ...(half ? { half } : {}) };
}

/* ------------------------------------------------------------------ measures */

const results = {
  date: new Date().toISOString(),
  command: `npm run bench:server${argv.length ? ` -- ${argv.join(' ')}` : ''}`,
  quick,
  machine: {
    cpu: os.cpus()[0]?.model,
    cores: os.cpus().length,
    memoryGiB: round(os.totalmem() / 2 ** 30, 1),
    loadAverage: os.loadavg().map((n) => round(n, 1)),
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    redis: undefined,
    commit: spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8' }).stdout.trim(),
  },
  settings: { ...SETTINGS, serverFlags: SERVER_FLAGS, serverEnv: ['ETAX_APP_SECRET', 'NODE_ENV=production'] },
};

let redis;
const needRedis = only.includes('create') || only.includes('propagation');
if (needRedis) {
  if (!findRedisServer()) {
    console.error(
      'bench:server: no redis-server found (Debian: apt-get install redis-server; REDIS_SERVER names another)',
    );
    process.exit(1);
  }
  redis = await startRedis();
  cleanups.push(() => redis.stop());
  results.machine.redis = spawnSync(findRedisServer(), ['--version'], { encoding: 'utf8' })
    .stdout.trim()
    .replace(/^Redis server /, '');
}

try {
  if (only.includes('create')) {
    log('create: the bare node:http floor');
    const memory = await startInstance({ name: 'memory' });
    // The floor answers the very body a created flow has.
    const sample = await (
      await fetch(`${memory.url}${BASE}/v1/flows/qr`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'etax-request': '1' },
        body: '{}',
      })
    ).text();
    const bare = await startBare(sample);
    const floor = await measureCreate(bare.url, { halfRate: false });
    await bare.stop();
    log(`create: memory store (floor ${floor.perSecond}/s)`);
    const mem = await measureCreate(memory.url);
    await memory.stop();
    log(`create: Redis store (memory ${mem.perSecond}/s)`);
    const onRedis = await startInstance({ name: 'redis', redis: redis.url });
    const red = await measureCreate(onRedis.url);
    await onRedis.stop();
    results.create = {
      bodyBytes: Buffer.byteLength(sample),
      floor,
      memory: { ...mem, ratio: round(mem.perSecond / floor.perSecond, 3) },
      redis: { ...red, ratio: round(red.perSecond / floor.perSecond, 3) },
    };
  }

  if (only.includes('hold')) {
    results.hold = {};
    for (const transport of HOLD_TRANSPORTS) {
      log(`hold: ${SETTINGS.flows} flows waiting over ${transport}`);
      const instance = await startInstance({ name: `hold-${transport}` });
      await scrape(instance.url);
      await sleep(quick ? 500 : 2000);
      const idle = await scrape(instance.url);
      const perProcess = Math.ceil(SETTINGS.flows / SETTINGS.waiterProcesses);
      const groups = Array.from({ length: SETTINGS.waiterProcesses }, (_, i) =>
        startWaiters({
          url: instance.url,
          count: Math.min(perProcess, SETTINGS.flows - i * perProcess),
          transport,
          local: `127.0.0.${2 + i + HOLD_TRANSPORTS.indexOf(transport) * SETTINGS.waiterProcesses}`,
        }),
      );
      const creating = Date.now();
      await Promise.all(groups.map((g) => g.created));
      const createdIn = Date.now() - creating;
      const created = await scrape(instance.url);
      const opened = await Promise.all(groups.map((g) => g.open()));
      const open = opened.reduce((n, o) => n + o.open, 0);
      // Let the last connections settle, then read the window.
      await sleep(quick ? 200 : 1000);
      const start = await scrape(instance.url);
      await sleep(SETTINGS.hold * 1000);
      const during = await Promise.all(groups.map((g) => g.stats()));
      const end = await scrape(instance.url);
      const stats = await Promise.all(groups.map((g) => g.close()));
      await instance.stop();
      const sum = (key) => stats.reduce((n, s) => n + s[key], 0);
      results.hold[transport] = {
        flows: SETTINGS.flows,
        held: open,
        // Streams as the server counts them; long-polls as the waiters do (sent, not answered yet).
        heldAtEnd: {
          sse: end.openSse,
          websocket: end.openWebSocket,
          'long-poll': during.reduce((n, s) => n + s.inFlight, 0),
        }[transport],
        seconds: SETTINGS.hold,
        createSeconds: round(createdIn / 1000, 1),
        openSeconds: round(Math.max(...opened.map((o) => o.ms)) / 1000, 1),
        rssIdleMiB: round(idle.rss / 2 ** 20, 1),
        rssHeldMiB: round(end.rss / 2 ** 20, 1),
        bytesPerFlowRecord: Math.round((created.rss - idle.rss) / SETTINGS.flows),
        bytesPerWaitingFlow: Math.round((end.rss - idle.rss) / SETTINGS.flows),
        heapPerWaitingFlow: Math.round((end.heapUsed - idle.heapUsed) / SETTINGS.flows),
        loopIdle: { p50: ms(idle.loopP50), p99: ms(idle.loopP99), max: ms(idle.loopMax) },
        loop: { p50: ms(end.loopP50), p99: ms(end.loopP99), max: ms(end.loopMax), mean: ms(end.loopMean) },
        openAtWindowStart: { sse: start.openSse, websocket: start.openWebSocket }[transport],
        errors: sum('errors'),
        reconnects: sum('reconnects'),
        early: sum('early'),
        /** States the waiters heard after their first, over the whole hold (QR rotations, §6). */
        updates: sum('updates'),
        heartbeats: sum('heartbeats'),
        errorSamples: stats.flatMap((s) => s.errorSamples).slice(0, 5),
      };
    }
  }

  if (only.includes('propagation')) {
    log(`propagation: ${SETTINGS.propagation} flows waiting on B, confirmed on A`);
    const a = await startInstance({ name: 'a', redis: redis.url });
    const b = await startInstance({ name: 'b', redis: redis.url });
    const answers = new Map();
    const waiters = startWaiters({
      url: b.url,
      count: SETTINGS.propagation,
      transport: 'sse',
      local: '127.0.0.20',
      payloads: true,
      onAnswer: (m) => answers.set(m.flowId, m),
    });
    const { payloads } = await waiters.created;
    await waiters.open();

    const accounts = JSON.parse(readFileSync(join(root, 'server', 'demo-accounts.json'), 'utf8')).accounts.map(
      (x) => x.id,
    );
    const appApi = async (path, body) => {
      const text = JSON.stringify(body);
      const timestamp = Math.floor(Date.now() / 1000);
      const full = `${APP_BASE}${path}`;
      const digest = createHash('sha256').update(text).digest('hex');
      const signature = createHmac('sha256', APP_SECRET).update(`POST\n${full}\n${timestamp}\n${digest}`).digest('hex');
      const res = await fetch(`${a.url}${full}`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'etax-app-timestamp': String(timestamp),
          'etax-app-signature': `v1=${signature}`,
        },
        body: text,
      });
      const answer = await res.json();
      if (!res.ok) throw new Error(`app API ${path}: ${res.status} ${JSON.stringify(answer)}`);
      return answer;
    };
    // The phones scan on A (each flow for one of the demo accounts), ten at a time.
    const account = new Map(payloads.map((p, i) => [p.flowId, accounts[i % accounts.length]]));
    for (let i = 0; i < payloads.length; i += 10) {
      await Promise.all(
        payloads
          .slice(i, i + 10)
          .map((p) => appApi('/v1/scan', { account: account.get(p.flowId), app: 'etax', payload: p.payload })),
      );
    }
    // Then confirm on A at a steady pace; each confirm's send time against its event's arrival at B's waiter.
    const sent = new Map();
    const confirms = [];
    const gap = 1000 / SETTINGS.confirmRate;
    const t0 = performance.now();
    for (const [i, p] of payloads.entries()) {
      const due = t0 + i * gap;
      if (due > performance.now()) await sleep(due - performance.now());
      sent.set(p.flowId, performance.timeOrigin + performance.now());
      confirms.push(appApi(`/v1/flows/${p.flowId}/confirm`, { account: account.get(p.flowId) }));
    }
    await Promise.all(confirms);
    const until = Date.now() + 10_000;
    while (answers.size < payloads.length && Date.now() < until) await sleep(50);
    const stats = await waiters.close();
    await Promise.all([a.stop(), b.stop()]);
    const times = payloads
      .filter((p) => answers.has(p.flowId))
      .map((p) => answers.get(p.flowId).at - sent.get(p.flowId))
      .sort((x, y) => x - y);
    results.propagation = {
      flows: payloads.length,
      received: times.length,
      confirmsPerSecond: SETTINGS.confirmRate,
      min: round(times[0], 1),
      p50: round(percentile(times, 50), 1),
      p99: round(percentile(times, 99), 1),
      max: round(times.at(-1), 1),
      statuses: [...answers.values()].reduce((n, m) => ({ ...n, [m.status]: (n[m.status] ?? 0) + 1 }), {}),
      reconnects: stats.reconnects,
      errors: stats.errors,
      /** Every flow's time in ms, in the order of the confirms (a tail tells when it happened). */
      inOrder: payloads.map((p) =>
        answers.has(p.flowId) ? round(answers.get(p.flowId).at - sent.get(p.flowId), 1) : null,
      ),
    };
    if (times.length < payloads.length)
      throw new Error(`only ${times.length} of ${payloads.length} waiters heard the confirm`);
  }
} finally {
  for (const c of cleanups.reverse()) await c();
}

/** Instances killed because they were still running 5 s after SIGTERM. */
results.lingeredAfterSigterm = lingered;
results.seconds = round((Date.now() - began) / 1000, 1);
writeFileSync(OUT, `${JSON.stringify(results, null, 2)}\n`);

/* ------------------------------------------------------------------ the table */

const rows = [];
const row = (measure, value, note = '') => rows.push([measure, value, note]);
const c = results.create;
if (c) {
  const n = (x) => x.toLocaleString('en-US');
  row(
    'bare node:http, fixed JSON body',
    `${n(c.floor.perSecond)} req/s`,
    `p50 ${c.floor.latencyP50} ms, p99 ${c.floor.latencyP99} ms`,
  );
  for (const [label, x] of [
    ['memory store', c.memory],
    ['Redis store', c.redis],
  ]) {
    row(`QR flows created/s, ${label}`, `${n(x.perSecond)} /s`, `${x.ratio} × bare`);
    row(
      `  latency at that load, ${label}`,
      `p50 ${x.latencyP50} ms`,
      `p99 ${x.latencyP99} ms, ${SETTINGS.connections} connections`,
    );
    row(
      `  latency at half that rate, ${label}`,
      `p50 ${x.half.latencyP50} ms`,
      `p99 ${x.half.latencyP99} ms, ${n(x.half.perSecond)} /s`,
    );
  }
}
for (const [transport, h] of Object.entries(results.hold ?? {})) {
  const name = { sse: 'SSE', 'long-poll': 'long-poll', websocket: 'WebSocket' }[transport];
  row(
    `waiting flows held, ${name}`,
    `${h.held.toLocaleString('en-US')}`,
    `${h.heldAtEnd} held after ${h.seconds} s; ${h.errors} errors, ${h.reconnects} reconnects, ${h.early} early answers`,
  );
  row(
    `  memory per waiting flow, ${name}`,
    `${(h.bytesPerWaitingFlow / 1024).toFixed(1)} KiB`,
    `RSS ${h.rssIdleMiB} → ${h.rssHeldMiB} MiB; the flow record alone ${(h.bytesPerFlowRecord / 1024).toFixed(1)} KiB`,
  );
  row(
    `  event-loop delay meanwhile, ${name}`,
    `p99 ${h.loop.p99} ms`,
    `p50 ${h.loop.p50}, max ${h.loop.max} ms; idle p99 ${h.loopIdle.p99} ms`,
  );
}
const p = results.propagation;
if (p) {
  row(
    `confirm on A → event at B, ${p.flows} waiting`,
    `p50 ${p.p50} ms`,
    `p99 ${p.p99} ms, max ${p.max} ms; ${p.confirmsPerSecond} confirms/s`,
  );
}
const widths = [0, 1, 2].map((i) => Math.max(...[['Measure', 'Value', 'Note'], ...rows].map((r) => r[i].length)));
const line = (r) => `| ${r.map((cell, i) => cell.padEnd(widths[i])).join(' | ')} |`;
console.log(line(['Measure', 'Value', 'Note']));
console.log(`| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`);
for (const r of rows) console.log(line(r));
console.log(`\n${results.seconds} s; written to ${OUT}`);
clearTimeout(deadline);
process.exit(0);
