// `npm start`: the demo (demo/) on http://localhost:8000/ (PORT overrides), on the
// reference server: the Node host (server/src/host.ts) over the protocol engine,
// with the in-memory store and the demo accounts, answers the API, the app API
// (which the demo's phone uses through the demo server playing the tax apps'
// backend) and the server panel's development route (server/src/demo-host.ts); every other
// request goes on to the dev server below, which serves the pages on a loopback
// port of its own. The page's `<etax-login>` thus talks to a real server over
// real sockets (HTTP, SSE, WebSocket), from the same origin.
//
// `startDemoServer()` alone (the screenshots) serves the pages with the mock
// backend in the page (msw's service worker), as the static build does.
//
// The server's root is the repository, so the demo's modules import the sources
// (`../src/…`) and the packages as they are; files of demo/ are served at the top
// (`/` is demo/index.html, `/gallery.html` is demo/gallery.html). TypeScript goes
// through esbuild, `qrcode` is turned into an ES module, Lit runs in production
// mode. The browser opens by itself only on a desktop: never when CI is set or
// when there is no display.
import { startDevServer } from '@web/dev-server';
import { esbuildPlugin } from '@web/dev-server-esbuild';
import { existsSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { galleryFrameBundle, mswWorker, qrcodeEsm } from './dev-plugins.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const demo = fileURLToPath(new URL('../demo/', import.meta.url));

/** Serves demo/<path> at /<path>, so the page's relative URLs work as they do in the static build. */
function demoAtRoot() {
  return (ctx, next) => {
    const path = decodeURIComponent(ctx.path);
    const file = demo + (path.endsWith('/') ? `${path}index.html` : path).replace(/^\/+/, '');
    if (!path.includes('..') && existsSync(file) && statSync(file).isFile()) {
      ctx.url = `/demo${path.endsWith('/') ? `${path}index.html` : path}${ctx.search ?? ''}`;
    }
    return next();
  };
}

const canOpen = () =>
  !process.env.CI && (process.platform !== 'linux' || !!process.env.DISPLAY || !!process.env.WAYLAND_DISPLAY);

/** The dev server's configuration, shared with scripts/screenshots.mjs. */
export function demoServerConfig({
  port = Number(process.env.PORT) || 8000,
  open = false,
  hostname = 'localhost',
  onServer = false,
} = {}) {
  return {
    rootDir: root,
    port,
    hostname,
    open: open ? '/' : false,
    // `production`: Lit without its dev-mode warnings and checks, as a portal serves it.
    nodeResolve: { browser: true, exportConditions: ['production'] },
    middleware: [demoAtRoot()],
    plugins: [
      galleryFrameBundle(),
      qrcodeEsm(),
      mswWorker(),
      esbuildPlugin({
        ts: true,
        target: 'es2021',
        tsconfig: fileURLToPath(new URL('../tsconfig.json', import.meta.url)),
        // The demo page asks the demo server, not msw, when it runs on it (demo/main.ts).
        ...(onServer ? { define: { ETAX_DEMO_SERVER: 'true' } } : {}),
      }),
    ],
  };
}

/** Starts the demo server; resolves to the running server (`.stop()` ends it). */
export function startDemoServer(options = {}) {
  return startDevServer({
    config: demoServerConfig(options),
    readCliArgs: false,
    readFileConfig: false,
    logStartMessage: options.quiet !== true,
    autoExitProcess: options.quiet !== true,
  });
}

/** A free loopback port. */
function freePort() {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

/** Request headers passed on to the dev server. */
const PASSED = ['accept', 'if-none-match', 'if-modified-since', 'user-agent'];

/**
 * Starts the demo on the reference server: resolves to `{ url, stop() }`. Needs
 * the TypeScript hooks (`node --import ./scripts/ts-hooks.mjs`), as `npm start` gives.
 * `log` takes the server's log lines (default: errors to stderr, none when `quiet`).
 */
export async function startDemo({ port = Number(process.env.PORT) || 8000, open = false, quiet = false, log } = {}) {
  const pagesPort = await freePort();
  const pages = await startDevServer({
    config: demoServerConfig({ port: pagesPort, hostname: '127.0.0.1', onServer: true }),
    readCliArgs: false,
    readFileConfig: false,
    logStartMessage: false,
    autoExitProcess: false,
  });
  const { startDemoHost } = await import('../server/src/demo-host.ts');
  const host = await startDemoHost({
    host: 'localhost',
    port,
    pages: async (request) => {
      if (request.method !== 'GET' && request.method !== 'HEAD') return new Response('Not found', { status: 404 });
      const { pathname, search } = new URL(request.url);
      const headers = new Headers();
      for (const name of PASSED) if (request.headers.has(name)) headers.set(name, request.headers.get(name));
      const answer = await fetch(`http://127.0.0.1:${pagesPort}${pathname}${search}`, {
        method: request.method,
        headers,
        redirect: 'manual',
      });
      // fetch has unpacked the body already.
      const out = new Headers(answer.headers);
      out.delete('content-encoding');
      out.delete('content-length');
      out.delete('transfer-encoding');
      return new Response(answer.body, { status: answer.status, headers: out });
    },
    ...(log ? { log } : quiet ? {} : { log: (line) => line.level === 'error' && console.error(JSON.stringify(line)) }),
  });
  const url = `http://localhost:${new URL(host.url).port}`;
  if (open) await import('node:child_process').then(({ spawn }) => openBrowser(spawn, url));
  return {
    url,
    host,
    async stop() {
      await host.close();
      await pages.stop();
    },
  };
}

function openBrowser(spawn, url) {
  const command = process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'explorer' : 'xdg-open';
  spawn(command, [url], { stdio: 'ignore', detached: true })
    .on('error', () => undefined)
    .unref();
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const demo = await startDemo({ open: canOpen() });
  for (const signal of ['SIGINT', 'SIGTERM']) process.once(signal, () => void demo.stop().then(() => process.exit(0)));
  console.log(
    `\n  etax-login demo on the reference server: ${demo.url}/   state gallery: ${demo.url}/gallery.html\n` +
      `  API: ${demo.url}/api/etax-login   app API (the phone, signed by this server): ${demo.url}/app-api\n` +
      `  server panel's development route: ${demo.url}/dev/demo\n`,
  );
}
