// `npm start`: the demo (demo/) on http://localhost:8000/ (PORT overrides), with
// the mock backend running in the page (msw's service worker). Nothing else runs.
//
// The server's root is the repository, so the demo's modules import the sources
// (`../src/…`) and the packages as they are; files of demo/ are served at the top
// (`/` is demo/index.html, `/gallery.html` is demo/gallery.html). TypeScript goes
// through esbuild, `qrcode` is turned into an ES module, Lit runs in production
// mode. The browser opens by itself only on a desktop: never when CI is set or
// when there is no display.
import { startDevServer } from '@web/dev-server';
import { esbuildPlugin } from '@web/dev-server-esbuild';
import { context as esbuildContext } from 'esbuild';
import { existsSync, statSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { demoEsbuildOptions } from './build-demo.mjs';
import { mswWorker, qrcodeEsm } from './dev-plugins.mjs';

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

/**
 * Serves `gallery-frame.js` as one esbuild bundle of demo/gallery-frame.ts, rebuilt
 * on each request: the gallery opens a frame per dialog state, and a module
 * graph per frame would take seconds.
 */
function galleryFrameBundle() {
  let ctx;
  /** One rebuild at a time: the frames ask for the bundle together. */
  let building;
  return {
    name: 'gallery-frame-bundle',
    async serve(context) {
      if (!context.path.endsWith('/gallery-frame.js')) return undefined;
      ctx ??= esbuildContext({
        ...demoEsbuildOptions(),
        entryPoints: [`${demo}gallery-frame.ts`],
        outfile: `${demo}gallery-frame.js`,
        write: false,
      });
      building ??= ctx.then((c) => c.rebuild()).finally(() => setTimeout(() => (building = undefined), 1000));
      const result = await building;
      return { body: result.outputFiles[0].text, type: 'js' };
    },
    async serverStop() {
      await (await ctx)?.dispose();
    },
  };
}

const canOpen = () =>
  !process.env.CI && (process.platform !== 'linux' || !!process.env.DISPLAY || !!process.env.WAYLAND_DISPLAY);

/** The dev server's configuration, shared with scripts/screenshots.mjs. */
export function demoServerConfig({ port = Number(process.env.PORT) || 8000, open = false } = {}) {
  return {
    rootDir: root,
    port,
    hostname: 'localhost',
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

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await startDemoServer({ open: canOpen() });
  const port = Number(process.env.PORT) || 8000;
  console.log(
    `\n  etax-login demo: http://localhost:${port}/   state gallery: http://localhost:${port}/gallery.html\n`,
  );
}
