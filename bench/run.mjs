// `npm run bench`: how fast and how frugal the elements are, in headless Chromium.
//
// Serves the repository on localhost (@web/dev-server: the production drop-in
// dist/etax-login.min.js, the mock backend from dist/mock/ with msw's service
// worker, bench/page/; for first-qr also the reference server's API), opens bench/page/index.html with puppeteer-core and
// measures; prints a table and writes bench/results.json. Nothing leaves
// localhost. Builds first when dist/ is missing or older than src/.
//
//   npm run bench                      # the full run (about three minutes on 2 cores)
//   npm run bench -- --quick           # fewer runs and a 15 s network window, for a quick look
//   npm run bench -- --runs 9          # runs per timing (default 7)
//   npm run bench -- --only first-qr,leftovers
//
// Measures (every time taken in the page with performance.now()):
//   first-qr   module start → first QR on screen, plain and with 4× CPU throttling, beside two
//              floors measured in the same run (bench/page/floor.js: Lit and qrcode alone, built
//              like the drop-in, drawing at once or after the element's requests), and again
//              with a network round trip of 300 ms (150 ms each way): against the reference
//              server (server/, started here on a loopback port, behind the page's origin) and
//              against msw
//   qr-render  drawing a 120-character QR: qrPath() alone, and payload → <svg> in the DOM
//   qr-read    which QR versions a strict reader (ZXing) reads in screenshots of <qr-login-panel>
//              at its default size, as drawn and as a camera would see it: the payload bound of
//              docs/protocol.md §6.2
//   latency    server event → DOM updated, over SSE, long-poll and polling
//   network    requests per minute while a QR waits, page visible and hidden (a real minute)
//   leftovers  200 mount/unmount cycles mid-flow: heap growth, and timers, fetches,
//              EventSources, BroadcastChannels and WebOTP requests left open
//   journey    main-thread long tasks during QR login and password → SMS login

/* global window -- the page's, in the functions page.evaluate() runs there */
import { startDevServer } from '@web/dev-server';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { createServer } from 'node:net';
import { createInterface } from 'node:readline';
import os from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import puppeteer from 'puppeteer-core';
import { CHROME_ARGS, findChrome } from '../scripts/chrome-path.mjs';
import { readQr } from '../scripts/qr-reader.mjs';
import { mswWorker, qrcodeEsm } from '../scripts/dev-plugins.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const began = Date.now();

/* ------------------------------------------------------------------ options */

const argv = process.argv.slice(2);
const option = (name) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : undefined;
};
const quick = argv.includes('--quick');
const RUNS = Number(option('runs') ?? (quick ? 3 : 7));
const ALL = ['first-qr', 'qr-render', 'qr-read', 'latency', 'network', 'leftovers', 'journey'];
const only = option('only')?.split(',') ?? ALL;
for (const name of only)
  if (!ALL.includes(name)) throw new Error(`unknown measure "${name}"; one of ${ALL.join(', ')}`);
if (!(RUNS >= 1)) throw new Error('--runs wants a number of at least 1');
const THROTTLE = 4;
const CYCLES = quick ? 40 : 200;
/** The network window: a real minute (quick: 15 s, scaled to a minute). */
const NETWORK = quick ? { seconds: 15, warmup: 5, perTransport: 2 } : { seconds: 60, warmup: 5, perTransport: 3 };
const JOURNEYS = quick ? 2 : 3;

// A stuck browser must not hold a CI job: give up after ten minutes.
setTimeout(() => {
  console.error('bench: still running after 10 minutes; giving up');
  process.exit(1);
}, 600_000).unref();

/* -------------------------------------------------------------------- build */

const newest = (dir) =>
  readdirSync(dir, { withFileTypes: true }).reduce((t, e) => {
    const p = join(dir, e.name);
    return Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }, 0);
const NEEDED = ['dist/etax-login.min.js', 'dist/mock/index.js', 'dist/components/shared/qr-svg.js'];
const built = NEEDED.every((f) => existsSync(join(root, f)))
  ? Math.min(...NEEDED.map((f) => statSync(join(root, f)).mtimeMs))
  : 0;
if (built < newest(join(root, 'src'))) {
  console.log('dist/ is missing or older than src/: npm run build');
  const r = spawnSync(process.platform === 'win32' ? 'npm.cmd' : 'npm', ['run', 'build'], {
    cwd: root,
    stdio: 'inherit',
    shell: process.platform === 'win32',
  });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

/**
 * The floor page's module, built by the drop-in's own pipeline (rollup.config.mjs
 * `dropIn`: the same plugins and terser options) into bench/build/ (not committed).
 */
async function buildFloor() {
  const { rollup } = await import('rollup');
  process.chdir(root); // the build's paths are relative to the repository
  const { dropIn } = await import('../rollup.config.mjs');
  const options = dropIn({ source: 'bench/page/floor.js', dist: 'bench/build/floor.min.js' });
  const bundle = await rollup({ ...options, onwarn: (w) => console.warn(`floor build: ${w.message}`) });
  try {
    await bundle.write(options.output);
  } finally {
    await bundle.close();
  }
}
if (only.includes('first-qr')) await buildFloor();
/** Bytes of a module, minified and gzip -9. */
const bytes = (file) => {
  const code = readFileSync(join(root, file));
  return { min: code.length, gzip: gzipSync(code, { level: 9 }).length };
};

/* ------------------------------------------------------------------- server */

const freePort = () =>
  new Promise((resolve, reject) => {
    const s = createServer();
    s.on('error', reject);
    s.listen(0, 'localhost', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });

/** Cross-origin isolation: performance.now() at 5 µs rather than 100 µs. */
const isolate = () => async (ctx, next) => {
  await next();
  ctx.set('Cross-Origin-Opener-Policy', 'same-origin');
  ctx.set('Cross-Origin-Embedder-Policy', 'require-corp');
};

/** Where the reference server's API is, below the bench page's own origin. */
const API = '/api/etax-login';

/**
 * The reference server (`npm run server`, server/src/cli.ts) as a child process on a free
 * loopback port, with its demo accounts and defaults; resolves once it listens.
 */
async function startReferenceServer() {
  const child = spawn(
    process.execPath,
    [
      '--import',
      './scripts/ts-hooks.mjs',
      'server/src/cli.ts',
      '--host',
      '127.0.0.1',
      '--port',
      '0',
      '--base-path',
      API,
    ],
    { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the reference server did not listen within 30 s')), 30_000);
    child.once('exit', (code) => reject(new Error(`the reference server stopped (exit ${code})`)));
    // One JSON line per event and per request: read them all, so that the pipe never fills.
    createInterface({ input: child.stdout }).on('line', (text) => {
      let line;
      try {
        line = JSON.parse(text);
      } catch {
        return;
      }
      if (line.msg === 'listening') {
        clearTimeout(timer);
        resolve(line.url);
      }
    });
  }).catch((e) => {
    child.kill('SIGKILL');
    throw e;
  });
  return {
    url,
    /** Graceful stop (SIGTERM), then SIGKILL after 5 s. */
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/**
 * Hands the requests below `API` to the reference server as they come, bytes and
 * streams unchanged: the page and the API share an origin, as on a portal behind its
 * reverse proxy (docs/deploy.md), so no CORS preflight stands before the first request.
 */
const toReferenceServer = () => async (ctx, next) => {
  if (!reference || !(ctx.path === API || ctx.path.startsWith(`${API}/`))) return next();
  ctx.respond = false;
  await new Promise((resolve) => {
    const upstream = httpRequest(
      new URL(ctx.url, reference.url),
      { method: ctx.method, headers: ctx.req.headers },
      (answer) => {
        ctx.res.writeHead(answer.statusCode, answer.headers);
        answer.pipe(ctx.res);
        answer.on('end', resolve);
        answer.on('error', resolve);
      },
    );
    upstream.on('error', () => {
      if (!ctx.res.headersSent) ctx.res.writeHead(502);
      ctx.res.end();
      resolve();
    });
    ctx.res.on('close', () => {
      upstream.destroy();
      resolve();
    });
    ctx.req.pipe(upstream);
  });
};

const reference = only.includes('first-qr') ? await startReferenceServer() : undefined;
const port = await freePort();
const server = await startDevServer({
  config: {
    rootDir: root,
    port,
    hostname: 'localhost',
    nodeResolve: { browser: true, exportConditions: ['production'] },
    middleware: [isolate(), toReferenceServer()],
    plugins: [qrcodeEsm(), mswWorker()],
  },
  readCliArgs: false,
  readFileConfig: false,
  logStartMessage: false,
  autoExitProcess: false,
});
const PAGE = `http://localhost:${port}/bench/page/index.html`;

/* ------------------------------------------------------------------ browser */

const executablePath = findChrome();
if (!executablePath) {
  console.error('bench: no Chrome or Chromium found; set CHROME_PATH (Debian: apt-get install chromium)');
  await server.stop();
  await reference?.stop();
  process.exit(1);
}
const browser = await puppeteer.launch({
  executablePath,
  headless: true,
  args: [...CHROME_ARGS, '--window-size=1280,900'],
  protocolTimeout: 240_000,
  // DevTools' network buffer would hold every response in the page's memory.
  networkEnabled: false,
});
const INSTRUMENT = readFileSync(join(root, 'bench/page/instrument.js'), 'utf8');
const pageErrors = [];

/** A page in a browser context of its own (no cache, no service worker, no channel shared with another run). */
async function open(query, { throttle = 1, instrument = false, roundTrip = 0, backend = 'msw' } = {}) {
  const context = await browser.createBrowserContext();
  const page = await context.newPage();
  await page.setViewport({ width: 1280, height: 900 });
  const cdp = await page.createCDPSession();
  // Every page counts as the focused, visible one (the hidden-page measure overrides document.hidden itself).
  await cdp.send('Emulation.setFocusEmulationEnabled', { enabled: true });
  if (throttle > 1) await cdp.send('Emulation.setCPUThrottlingRate', { rate: throttle });
  if (backend === 'server') query += `&server=${API}`;
  if (roundTrip) query += backend === 'server' ? '&slow' : `&slow&latency=${roundTrip}`;
  if (instrument) await page.evaluateOnNewDocument(INSTRUMENT);
  page.on('pageerror', (e) => pageErrors.push(`${query}: ${e.message}`));
  page.on('console', (m) => m.type() === 'error' && pageErrors.push(`${query}: console: ${m.text()}`));
  await page.goto(`${PAGE}?${query}`, { waitUntil: 'load' });
  if (roundTrip) {
    // A slow network from here on (the page waits): DevTools' emulation for what comes from the
    // server. With msw, on the page and on msw's service worker, which fetches the modules for the
    // page; msw answers the API without the network, so the page's mock waits the round trip itself
    // (`latency=`). With the reference server, on the page alone: modules and API over loopback sockets.
    await page.waitForFunction(() => window.benchGo, { timeout: 60_000, polling: 50 });
    const sessions = [cdp];
    if (backend === 'msw') {
      const worker = await context.waitForTarget((t) => t.type() === 'service_worker', { timeout: 10_000 });
      sessions.push(await worker.createCDPSession());
    }
    for (const session of sessions) {
      await session.send('Network.enable');
      await session.send('Network.emulateNetworkConditions', {
        offline: false,
        latency: roundTrip,
        downloadThroughput: -1,
        uploadThroughput: -1,
      });
    }
    await page.evaluate(() => window.benchGo());
  }
  return { page, cdp, close: () => context.close() };
}

/** Opens a page that measures by itself, and returns what it measured. */
async function selfMeasuring(scenario, throttle, roundTrip = 0, backend = 'msw') {
  const p = await open(`scenario=${scenario}`, { throttle, roundTrip, backend });
  try {
    await p.page.waitForFunction(() => window.benchResult, { timeout: 60_000, polling: 50 });
    const result = await p.page.evaluate(() => window.benchResult);
    if (result.error) throw new Error(`${scenario}: ${result.error}`);
    return result;
  } finally {
    await p.close();
  }
}

/** A page with the drop-in loaded, for `window.bench.*` calls. */
async function benchPage(options, scenario = 'calls') {
  const p = await open(`scenario=${scenario}`, options);
  await p.page.waitForFunction(() => window.bench, { timeout: 60_000, polling: 50 });
  return p;
}

/* -------------------------------------------------------------------- stats */

const stats = (values) => {
  const v = [...values].sort((a, b) => a - b);
  const mid = v.length >> 1;
  return {
    median: v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2,
    min: v[0],
    max: v[v.length - 1],
    runs: v.length,
  };
};
const sum = (xs) => xs.reduce((a, b) => a + b, 0);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const progress = (text) => process.stdout.write(`  ${text}\n`);

/** The commit measured, and whether src/ differs from it. */
function revision() {
  const git = (...args) => spawnSync('git', args, { cwd: root, encoding: 'utf8' });
  const head = git('rev-parse', '--short', 'HEAD');
  if (head.status !== 0) return undefined;
  return { commit: head.stdout.trim(), srcChanged: git('status', '--porcelain', '--', 'src').stdout.trim() !== '' };
}

const results = {
  date: new Date().toISOString(),
  revision: revision(),
  command: `npm run bench${argv.length ? ` -- ${argv.join(' ')}` : ''}`,
  machine: machine(),
  settings: { runs: RUNS, throttle: THROTTLE, cycles: CYCLES, network: NETWORK, journeys: JOURNEYS, quick },
};

function machine() {
  let cpu = os.cpus()[0]?.model ?? 'unknown';
  try {
    const info = readFileSync('/proc/cpuinfo', 'utf8');
    cpu = /^model name\s*:\s*(.+)$/m.exec(info)?.[1] ?? cpu;
  } catch {
    // Not Linux: os.cpus() it is.
  }
  return {
    cpu,
    cores: os.cpus().length,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    platform: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
  };
}

/* ------------------------------------------------------------- measurements */

/** What first-qr compares: the element, and the two floors (bench/page/floor.js). */
const FIRST_QR = [
  ['element', 'first-qr'],
  ['floor', 'floor'],
  ['floorRequests', 'floor-requests'],
];
/** The network round trip of the slow-network rows: 150 ms each way. */
const ROUND_TRIP = 300;

async function measureFirstQr() {
  // Warm-up: the dev server reads and parses the files once.
  for (const [, scenario] of FIRST_QR) await selfMeasuring(scenario, 1);
  const out = {};
  // The reference server's first answers (its modules loaded, its code warmed) before it is measured.
  for (const [, scenario] of FIRST_QR) await selfMeasuring(scenario, 1, 0, 'server');
  for (const [name, throttle, roundTrip, backend] of [
    ['plain', 1, 0, 'msw'],
    ['throttled', THROTTLE, 0, 'msw'],
    ['slowNetwork', 1, ROUND_TRIP, 'msw'],
    ['slowNetworkServer', 1, ROUND_TRIP, 'server'],
  ]) {
    // Taken in turn, run by run, so that the three share the machine's ups and downs.
    const runs = Object.fromEntries(FIRST_QR.map(([what]) => [what, []]));
    for (let i = 0; i < RUNS; i++)
      for (const [what, scenario] of FIRST_QR)
        runs[what].push(await selfMeasuring(scenario, throttle, roundTrip, backend));
    out[name] = { throttle, roundTrip, backend };
    for (const [what] of FIRST_QR) {
      const r = runs[what];
      out[name][what] = {
        qrPainted: stats(r.map((x) => x.qrPainted)),
        qrInDom: stats(r.map((x) => x.qrInDom)),
        moduleLoaded: stats(r.map((x) => x.moduleLoaded)),
        longTasks: stats(r.map((x) => x.longTasks.length)),
        requests: r[0].requests,
        samples: r.map((x) => ({
          moduleLoaded: x.moduleLoaded,
          qrReady: x.qrReady,
          qrInDom: x.qrInDom,
          qrPainted: x.qrPainted,
          longTasks: x.longTasks,
        })),
      };
    }
    const m = (what) => out[name][what].qrPainted.median;
    out[name].toFloor = m('element') / m('floor');
    out[name].toFloorRequests = m('element') / m('floorRequests');
    progress(
      `first QR, ${name}: ${m('element').toFixed(1)} ms; floors ${m('floor').toFixed(1)} ms and ${m('floorRequests').toFixed(1)} ms with requests`,
    );
  }
  out.ratio = out.throttled.element.qrPainted.median / out.plain.element.qrPainted.median;
  out.bytes = { dropIn: bytes('dist/etax-login.min.js'), floor: bytes('bench/build/floor.min.js') };
  // The criterion of one round trip: element ≤ floor + 1.1 × round trip, the floor that makes no request.
  for (const slow of [out.slowNetwork, out.slowNetworkServer]) {
    slow.bound = slow.floor.qrPainted.median + ROUND_TRIP * 1.1;
    slow.roundTripsAfterFloor = (slow.element.qrPainted.median - slow.floor.qrPainted.median) / ROUND_TRIP;
    slow.met = slow.element.qrPainted.median <= slow.bound;
  }
  return out;
}

async function measureQrRender() {
  const out = {};
  for (const [name, throttle] of [
    ['plain', 1],
    ['throttled', THROTTLE],
  ]) {
    const p = await benchPage({ throttle });
    try {
      results.machine.crossOriginIsolated = await p.page.evaluate(() => window.crossOriginIsolated);
      const path = await p.page.evaluate((n) => window.bench.qrPathTimes(n), Math.max(30, RUNS * 5));
      const render = await p.page.evaluate((n) => window.bench.qrRenderTimes(n), Math.max(20, RUNS * 3));
      out[name] = { qrPath: stats(path.times), element: stats(render.times), modules: path.modules };
    } finally {
      await p.close();
    }
    progress(`QR render, ${name}: element median ${out[name].element.median.toFixed(2)} ms`);
  }
  out.ratio = out.throttled.element.median / out.plain.element.median;
  return out;
}

/** The most bytes QR versions 5–12 hold at error correction level M. */
const READ_LENGTHS = [84, 106, 122, 152, 180, 213, 251, 287];
/** The screenshot as drawn, and as a camera's lower resolution would see it: scale and blur (px). */
const VIEWS = [
  ['screen', 1, 0],
  ['80 %', 0.8, 0.5],
  ['60 %', 0.6, 0.6],
];
/** Where the QR falls on the pixel grid: whole, a third and half a CSS pixel further right. */
const OFFSETS = [0, 1 / 3, 0.5];

/** A URL of `length` characters with a random-looking tail, different for every `seed`. */
function urlOf(length, seed) {
  let s = 'https://etax.example.invalid/qr/login/';
  let x = seed * 0x9e3779b1 + 1;
  while (s.length < length) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    s += ((x >>> 0) % 36).toString(36);
  }
  return s;
}

async function measureQrReading() {
  const p = await benchPage();
  const out = { payloads: quick ? 2 : 4, offsets: OFFSETS, views: VIEWS.map(([name]) => name), lengths: [] };
  try {
    for (const length of READ_LENGTHS) {
      const row = { length, tries: 0, read: Object.fromEntries(VIEWS.map(([name]) => [name, 0])) };
      for (let i = 0; i < out.payloads; i++)
        for (const offset of OFFSETS) {
          const payload = urlOf(length, length * 100 + i);
          const box = await p.page.evaluate((t, o) => window.bench.showQr(t, o), payload, offset);
          const x = Math.floor(box.left) - 12;
          const y = Math.floor(box.top) - 12;
          const clip = { x, y, width: Math.ceil(box.right) + 12 - x, height: Math.ceil(box.bottom) + 12 - y };
          const png = await p.page.screenshot({ clip, captureBeyondViewport: false });
          for (const [view, scale, blur] of VIEWS) {
            const image =
              scale === 1
                ? png
                : Buffer.from(
                    await p.page.evaluate(
                      (b, sc, bl) => window.bench.cameraView(b, sc, bl),
                      Buffer.from(png).toString('base64'),
                      scale,
                      blur,
                    ),
                    'base64',
                  );
            const codes = await readQr(new Uint8Array(image));
            if (codes.length === 1 && codes[0].text === payload) row.read[view]++;
          }
          row.tries++;
          row.version = (box.modules - 8 - 17) / 4;
          row.sidePx = box.svgWidth;
          row.modulePx = box.svgWidth / box.modules;
        }
      out.lengths.push(row);
    }
  } finally {
    await p.close();
  }
  // The longest payload up to which every try read, as drawn and in the 80 % view (the bound of
  // docs/protocol.md §6.2), and in all three views.
  const upTo = (views) => {
    let longest = 0;
    for (const x of out.lengths) {
      if (!views.every((v) => x.read[v] === x.tries)) break;
      longest = x.length;
    }
    return longest;
  };
  out.alwaysRead = upTo(['screen', '80 %']);
  out.alwaysReadAllViews = upTo(out.views);
  progress(
    `QR read: every try up to ${out.alwaysRead} bytes (as drawn and at 80 %), ${out.alwaysReadAllViews} bytes in all views`,
  );
  return out;
}

async function measureLatency() {
  const p = await benchPage();
  const out = {};
  try {
    for (const transport of ['sse', 'long-poll', 'poll']) {
      const r = await p.page.evaluate((t, n) => window.bench.stateLatency(t, n), transport, RUNS);
      out[transport] = stats(r.times);
      out[transport].samples = r.times;
      progress(`state change over ${transport}: median ${out[transport].median.toFixed(1)} ms`);
    }
  } finally {
    await p.close();
  }
  out.pollInterval = 2000;
  return out;
}

async function measureNetwork() {
  progress(`network: ${NETWORK.seconds} s of waiting, visible and hidden side by side…`);
  const pages = [await benchPage({}, 'network'), await benchPage({}, 'network')];
  let visible, hidden;
  try {
    [visible, hidden] = await Promise.all(
      pages.map((p, i) => p.page.evaluate((o) => window.bench.network(o), { ...NETWORK, hidden: i === 1 })),
    );
  } finally {
    await Promise.all(pages.map((p) => p.close()));
  }
  const perMinute = 60 / NETWORK.seconds;
  const out = { windowSeconds: NETWORK.seconds, warmupSeconds: NETWORK.warmup, scaledToMinute: perMinute !== 1 };
  for (const [name, r] of [
    ['visible', visible],
    ['hidden', hidden],
  ]) {
    out[name] = {};
    for (const transport of ['sse', 'long-poll', 'poll']) {
      const items = r.result.filter((x) => x.transport === transport);
      out[name][transport] = {
        requestsPerMinute: stats(items.map((x) => x.requests * perMinute)),
        streamMessagesPerMinute: stats(items.map((x) => x.streamMessages * perMinute)),
        openStreams: stats(items.map((x) => x.openStreams)),
        requests: items[0].paths,
        shows: items.map((x) => x.shows),
      };
    }
  }
  progress(
    `network: poll ${out.visible.poll.requestsPerMinute.median}/min visible, ${out.hidden.poll.requestsPerMinute.median}/min hidden`,
  );
  return out;
}

/** The drop-in's source map, to name the source line of a leftover's opener. */
async function sourceMapper() {
  try {
    const { SourceMapConsumer } = await import('source-map');
    const raw = JSON.parse(readFileSync(join(root, 'dist/etax-login.min.js.map'), 'utf8'));
    const consumer = await new SourceMapConsumer(raw);
    return (line, column) => {
      const o = consumer.originalPositionFor({ line, column: column - 1 });
      return o.source ? `${o.source.replace(/^.*?(?=node_modules\/|src\/)/, '')}:${o.line}` : undefined;
    };
  } catch {
    return () => undefined;
  }
}

/** Who opened a leftover: the product (the drop-in), the mock backend, msw, or this benchmark. */
function describe(stack, map) {
  const frames = [...(stack ?? '').matchAll(/(https?:\/\/[^\s)]+?):(\d+):(\d+)/g)].map(([, url, line, col]) => ({
    url: new URL(url).pathname,
    line: Number(line),
    col: Number(col),
  }));
  const top = frames[0];
  const owner = !top
    ? 'unknown'
    : top.url.endsWith('/dist/etax-login.min.js')
      ? 'product'
      : top.url.includes('/dist/mock/')
        ? 'mock'
        : top.url.includes('/msw/')
          ? 'msw'
          : top.url.startsWith('/bench/')
            ? 'bench'
            : 'other';
  const where = frames
    .slice(0, 6)
    .map((f) =>
      f.url.endsWith('/dist/etax-login.min.js')
        ? (map(f.line, f.col) ?? `${f.url}:${f.line}:${f.col}`)
        : `${f.url}:${f.line}`,
    );
  return { owner, where };
}

async function measureLeftovers() {
  const p = await benchPage({ instrument: true });
  const { page, cdp } = p;
  const map = await sourceMapper();
  const gc = async () => {
    for (let i = 0; i < 3; i++) {
      await cdp.send('HeapProfiler.collectGarbage');
      await sleep(100);
    }
  };
  const listeners = async () => {
    const counts = {};
    for (const target of ['document', 'window']) {
      const { result } = await cdp.send('Runtime.evaluate', { expression: target });
      const { listeners: ls } = await cdp.send('DOMDebugger.getEventListeners', { objectId: result.objectId });
      for (const l of ls) counts[`${target}:${l.type}`] = (counts[`${target}:${l.type}`] ?? 0) + 1;
      await cdp.send('Runtime.releaseObject', { objectId: result.objectId });
    }
    return counts;
  };
  const snapshot = async () => {
    await gc();
    const heap = await cdp.send('Runtime.getHeapUsage');
    const dom = await cdp.send('Memory.getDOMCounters');
    return { heapUsed: heap.usedSize, heapTotal: heap.totalSize, dom, listeners: await listeners() };
  };
  const leftovers = async () => {
    const raw = await page.evaluate(() => window.__leftovers());
    const kinds = ['timers', 'fetches', 'eventSources', 'broadcastChannels', 'otpRequests'];
    const out = { byOwner: {}, product: [] };
    for (const kind of kinds) {
      for (const item of raw[kind]) {
        const { stack, ...rest } = item;
        const { owner, where } = describe(stack, map);
        out.byOwner[owner] ??= Object.fromEntries(kinds.map((k) => [k, 0]));
        out.byOwner[owner][kind]++;
        if (owner === 'product' || owner === 'unknown' || owner === 'other')
          out.product.push({ kind, owner, ...rest, where });
        else (out.others ??= []).push({ kind, owner, ...rest, where });
      }
    }
    const product = out.byOwner.product ?? Object.fromEntries(kinds.map((k) => [k, 0]));
    out.productTotal = sum(Object.values(product));
    out.productCounts = product;
    return out;
  };

  try {
    // The control: one element mounted mid-flow must show as open timers, EventSource, channel, WebOTP request.
    await page.evaluate(() => window.bench.probe(true));
    const whileMounted = await leftovers();
    await page.evaluate(() => window.bench.probe(false));
    const warmup = await page.evaluate(() => window.bench.cycles(8));
    await page.evaluate(() => window.bench.resetMock());
    await sleep(300);
    const before = await snapshot();
    const t0 = Date.now();
    progress(`leftovers: ${CYCLES} mount/unmount cycles mid-flow…`);
    // Two halves with a heap reading between: growth that goes on in the second half is a leak, not a warm-up.
    const half = CYCLES >> 1;
    const first = await page.evaluate((n) => window.bench.cycles(n, 0), half);
    await sleep(1000);
    await page.evaluate(() => window.bench.resetMock());
    await sleep(300);
    const middle = await snapshot();
    const second = await page.evaluate((n, o) => window.bench.cycles(n, o), CYCLES - half, half);
    const run = {
      done: Object.fromEntries(Object.keys(first.done).map((k) => [k, first.done[k] + (second.done[k] ?? 0)])),
    };
    const cycleMs = Date.now() - t0;
    await sleep(1000); // aborted requests settle, closed streams end
    const left = await leftovers();
    await page.evaluate(() => window.bench.resetMock());
    await sleep(300);
    const afterReset = await leftovers();
    const after = await snapshot();
    const elements = await page.evaluate(() => window.bench.retained());
    const growth = after.heapUsed - before.heapUsed;
    progress(`leftovers: ${left.productTotal} open in the product; heap ${(growth / 1024).toFixed(0)} KiB`);
    const listenerGrowth = Object.fromEntries(
      [...new Set([...Object.keys(before.listeners), ...Object.keys(after.listeners)])]
        .map((k) => [k, (after.listeners[k] ?? 0) - (before.listeners[k] ?? 0)])
        .filter(([, d]) => d !== 0),
    );
    return {
      cycles: CYCLES,
      stages: run.done,
      warmupStages: warmup.done,
      cycleSeconds: cycleMs / 1000,
      heapBefore: before.heapUsed,
      heapAfter: after.heapUsed,
      heapGrowth: growth,
      heapGrowthPerCycle: growth / CYCLES,
      heapMiddle: middle.heapUsed,
      heapGrowthSecondHalf: after.heapUsed - middle.heapUsed,
      heapGrowthPerCycleSecondHalf: (after.heapUsed - middle.heapUsed) / (CYCLES - half),
      elementsMounted: elements.mounted,
      elementsRetained: elements.retained,
      domBefore: before.dom,
      domAfter: after.dom,
      listenerGrowth,
      whileMounted: { counts: whileMounted.productCounts, items: whileMounted.product },
      leftovers: left,
      mockLeftoversAfterReset: { byOwner: afterReset.byOwner, items: afterReset.others ?? [] },
    };
  } finally {
    await p.close();
  }
}

async function measureJourney() {
  const out = {};
  for (const [name, throttle] of [
    ['plain', 1],
    ['throttled', THROTTLE],
  ]) {
    const runs = [];
    for (let i = 0; i < JOURNEYS; i++) runs.push(await selfMeasuring('journey', throttle));
    out[name] = {};
    for (const part of ['load', 'qrLogin', 'passwordSms']) {
      out[name][part] = {
        ms: stats(runs.map((r) => r[part].ms)),
        count: stats(runs.map((r) => r[part].longTasks.length)),
        totalMs: stats(runs.map((r) => sum(r[part].longTasks.map((t) => t.duration)))),
        longestMs: stats(runs.map((r) => Math.max(0, ...r[part].longTasks.map((t) => t.duration)))),
      };
    }
    progress(
      `journey, ${name}: long tasks load ${out[name].load.count.median}, QR ${out[name].qrLogin.count.median}, password→SMS ${out[name].passwordSms.count.median}`,
    );
  }
  return out;
}

/* --------------------------------------------------------------------- run */

try {
  results.machine.chromium = await browser.version();
  console.log(`etax-login bench — ${results.machine.cpu}, ${results.machine.cores} cores, ${results.machine.chromium}`);
  const measures = {
    'first-qr': ['firstQr', measureFirstQr],
    'qr-render': ['qrRender', measureQrRender],
    'qr-read': ['qrRead', measureQrReading],
    latency: ['latency', measureLatency],
    network: ['network', measureNetwork],
    leftovers: ['leftovers', measureLeftovers],
    journey: ['journey', measureJourney],
  };
  for (const name of ALL.filter((n) => only.includes(n))) {
    const [key, fn] = measures[name];
    results[key] = await fn();
  }
} finally {
  await browser.close();
  await server.stop();
  await reference?.stop();
}
results.durationSeconds = (Date.now() - began) / 1000;
results.pageErrors = pageErrors;

/* -------------------------------------------------------------------- table */

const ms = (x, digits = 1) => (x === undefined ? '' : `${x.toFixed(digits)} ms`);
const rows = [];
const row = (measure, s, format, note = '') =>
  rows.push([measure, format(s.median), format(s.min), format(s.max), String(s.runs), note]);
const r = results;
if (r.firstQr) {
  const f = r.firstQr;
  const asked = (what) =>
    [...new Set(f.plain[what].requests.map((p) => p.replace(/\/f[0-9a-f]+/, '/{id}')))].join(', ') || 'no request';
  for (const [name, label] of [
    ['plain', ''],
    ['throttled', `, ${THROTTLE}× CPU`],
  ]) {
    const x = f[name];
    row(
      `First QR on screen${label}`,
      x.element.qrPainted,
      ms,
      `module start → QR painted; ${x.toFloor.toFixed(2)}× floor, ${x.toFloorRequests.toFixed(2)}× floor with requests${name === 'throttled' ? `; ${f.ratio.toFixed(2)}× plain` : ''}`,
    );
    row(
      `  floor: Lit + qrcode${label}`,
      x.floor.qrPainted,
      ms,
      name === 'plain' ? 'bench/page/floor.js, no request' : '',
    );
    row(
      `  floor with the element's requests${label}`,
      x.floorRequests.qrPainted,
      ms,
      name === 'plain' ? asked('floorRequests') : '',
    );
  }
  row('  of which QR in the DOM', f.plain.element.qrInDom, ms, 'then the frame that paints it');
  row('  of which drop-in loaded', f.plain.element.moduleLoaded, ms, 'fetch + parse + evaluate');
  row(`  of which drop-in loaded, ${THROTTLE}× CPU`, f.throttled.element.moduleLoaded, ms);
  row(
    '  of which floor loaded',
    f.plain.floor.moduleLoaded,
    ms,
    `floor ${f.bytes.floor.gzip} B gzip, drop-in ${f.bytes.dropIn.gzip} B gzip`,
  );
  for (const [name, label, note] of [
    ['slowNetworkServer', 'reference server', 'modules and API over loopback sockets, emulated on the page'],
    ['slowNetwork', 'msw', "msw answers on the page's main thread, the mock waits the round trip"],
  ]) {
    const s = f[name];
    const requests = [
      ...new Set(s.element.requests.map((p) => p.replace(/\/f[0-9a-f]+|\/[A-Za-z0-9_-]{16,}/, '/{id}'))),
    ];
    row(
      `First QR on screen, ${s.roundTrip} ms round trip, ${label}`,
      s.element.qrPainted,
      ms,
      `${s.roundTripsAfterFloor.toFixed(2)} round trips after the floor; element ≤ floor + 1.1 × round trip = ${s.bound.toFixed(0)} ms: ${s.met ? 'met' : 'NOT MET'}; requests until the QR: ${requests.join(', ') || 'none'}`,
    );
    row(`  floor: Lit + qrcode, ${s.roundTrip} ms round trip, ${label}`, s.floor.qrPainted, ms, note);
    row(
      `  floor with the element's requests, ${s.roundTrip} ms round trip, ${label}`,
      s.floorRequests.qrPainted,
      ms,
      `${s.floorRequests.requests.join(', ')}`,
    );
  }
}
if (r.qrRender) {
  const q = r.qrRender;
  row(`QR drawing, qrPath() (120 chars, ${q.plain.modules}×${q.plain.modules})`, q.plain.qrPath, (x) => ms(x, 2));
  row('QR render, payload → <svg> in DOM', q.plain.element, (x) => ms(x, 2), '<qr-login-panel>');
  row(
    `QR render, payload → <svg> in DOM, ${THROTTLE}× CPU`,
    q.throttled.element,
    (x) => ms(x, 2),
    `${q.ratio.toFixed(2)}× plain`,
  );
}
if (r.qrRead) {
  for (const x of r.qrRead.lengths) {
    const all = Object.values(x.read).reduce((a, b) => a + b, 0);
    rows.push([
      `QR read, ${x.length} B: version ${x.version}, ${x.modulePx.toFixed(2)} px a module`,
      `${Math.round((100 * all) / (x.tries * VIEWS.length))} %`,
      '',
      '',
      String(x.tries),
      `${VIEWS.map(([v]) => `${v} ${x.read[v]}/${x.tries}`).join(', ')}; <qr-login-panel> ${x.sidePx} px`,
    ]);
  }
  const { QR_PAYLOAD_MAX } = await import('../dist/client/protocol.js');
  rows.push([
    'QR payload read every time, up to',
    `${r.qrRead.alwaysRead} B`,
    '',
    '',
    '',
    `as drawn and at 80 % (all three views: ${r.qrRead.alwaysReadAllViews} B); the protocol's bound ${QR_PAYLOAD_MAX} B${QR_PAYLOAD_MAX > r.qrRead.alwaysRead ? ': TOO LONG' : ''}`,
  ]);
}
if (r.latency) {
  row('State change → DOM, SSE', r.latency.sse, ms, 'control.scan() → overlay');
  row('State change → DOM, long-poll', r.latency['long-poll'], ms);
  row('State change → DOM, polling (2 s)', r.latency.poll, ms, 'scans spread evenly over the interval');
}
if (r.network) {
  const scale = r.network.scaledToMinute ? `${r.network.windowSeconds} s scaled` : 'a real minute';
  for (const vis of ['visible', 'hidden']) {
    for (const t of ['sse', 'long-poll', 'poll']) {
      const n = r.network[vis][t];
      const msgs =
        t === 'sse'
          ? `; ${n.streamMessagesPerMinute.median} stream messages/min, ${n.openStreams.median} open stream`
          : '';
      const counted = {};
      for (const path of n.requests) counted[path] = (counted[path] ?? 0) + 1;
      const what = Object.entries(counted).map(([path, k]) => `; ${k}× ${path} in the window`);
      row(
        `Requests/min waiting, ${vis}, ${t}`,
        n.requestsPerMinute,
        (x) => x.toFixed(1),
        `${scale}${what.join('')}${msgs}`,
      );
    }
  }
}
if (r.leftovers) {
  const l = r.leftovers;
  rows.push([
    `Heap growth after ${l.cycles} mount/unmount cycles`,
    `${(l.heapGrowth / 1024).toFixed(0)} KiB`,
    '',
    '',
    '1',
    `${l.heapGrowthPerCycle.toFixed(0)} B/cycle (second half ${l.heapGrowthPerCycleSecondHalf.toFixed(0)} B/cycle); DOM nodes ${l.domBefore.nodes} → ${l.domAfter.nodes}`,
  ]);
  rows.push([
    'Removed <etax-login> still in memory',
    String(l.elementsRetained),
    '',
    '',
    '1',
    `of ${l.elementsMounted} mounted (WeakRef after GC)`,
  ]);
  const c = l.leftovers.productCounts;
  rows.push([
    'Left open by the elements',
    String(l.leftovers.productTotal),
    '',
    '',
    '1',
    `timers ${c.timers}, fetches ${c.fetches}, EventSources ${c.eventSources}, BroadcastChannels ${c.broadcastChannels}, WebOTP ${c.otpRequests}`,
  ]);
  const m = l.whileMounted.counts;
  rows.push([
    '  control: open while one is mounted (SMS step)',
    String(sum(Object.values(m))),
    '',
    '',
    '1',
    `timers ${m.timers}, fetches ${m.fetches}, EventSources ${m.eventSources}, BroadcastChannels ${m.broadcastChannels}, WebOTP ${m.otpRequests}`,
  ]);
}
if (r.journey) {
  for (const [name, label] of [
    ['plain', ''],
    ['throttled', `, ${THROTTLE}× CPU`],
  ]) {
    for (const [part, title] of [
      ['load', 'page load → QR'],
      ['qrLogin', 'QR login'],
      ['passwordSms', 'password → SMS login'],
    ]) {
      const j = r.journey[name][part];
      row(
        `Long tasks, ${title}${label}`,
        j.count,
        (x) => String(x),
        `longest ${ms(j.longestMs.median)}, total ${ms(j.totalMs.median)}; the part took ${ms(j.ms.median, 0)}`,
      );
    }
  }
}
const head = ['Measure', 'Median', 'Min', 'Max', 'Runs', 'Note'];
const widths = head.map((h, i) => Math.max(h.length, ...rows.map((x) => x[i].length)));
const line = (cells) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
const table = [line(head), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n');
results.table = table;

writeFileSync(join(root, 'bench/results.json'), `${JSON.stringify(results, null, 2)}\n`);
console.log(`\n${table}\n`);
if (r.leftovers?.leftovers.productTotal) {
  console.log('Left open by the elements after the cycles:');
  for (const item of r.leftovers.leftovers.product) console.log(`  ${item.kind}: ${JSON.stringify(item)}`);
}
if (pageErrors.length) console.log(`Page errors:\n  ${pageErrors.join('\n  ')}`);
console.log(`bench/results.json written; ${results.durationSeconds.toFixed(0)} s in all.`);
// Something left open or alive by the elements is a bug: fail, as a test would.
process.exit(r.leftovers?.leftovers.productTotal || r.leftovers?.elementsRetained ? 1 : 0);
