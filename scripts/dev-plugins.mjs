// Plugins shared by the test runner and the demo server.
import { readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { createRequire } from 'node:module';
import { build, context as esbuildContext } from 'esbuild';
import { fileURLToPath } from 'node:url';
import { demoEsbuildOptions } from './build-demo.mjs';

const require = createRequire(import.meta.url);
const demo = fileURLToPath(new URL('../demo/', import.meta.url));

/**
 * `qrcode` is CommonJS only, and the dev server cannot import CommonJS as an ES
 * module. The elements (and their tests) import its core module
 * `qrcode/lib/core/qrcode.js` for `create()`: this plugin bundles it once with
 * esbuild into an ES module that exports `create`. (The builds handle CommonJS
 * themselves: @rollup/plugin-commonjs for `npm run build`, esbuild for the demo.)
 */
export function qrcodeEsm() {
  const core = require.resolve('qrcode/lib/core/qrcode.js');
  let esm;
  return {
    name: 'qrcode-esm',
    async serve(context) {
      if (!context.path.endsWith('/qrcode/lib/core/qrcode.js')) return undefined;
      esm ??= build({
        stdin: { contents: `export { create } from './qrcode.js';`, resolveDir: dirname(core) },
        bundle: true,
        format: 'esm',
        platform: 'browser',
        write: false,
        logLevel: 'silent',
      }).then((r) => r.outputFiles[0].text);
      return { body: await esm, type: 'js' };
    },
  };
}

/**
 * Serves msw's service worker, always matching the installed msw: at the root
 * (`/mockServiceWorker.js`, for the tests and the demo) and beside any page
 * that registers it by a relative URL (`/demo/mockServiceWorker.js` when a
 * test opens the demo page).
 */
export function mswWorker() {
  const file = require.resolve('msw/mockServiceWorker.js');
  return {
    name: 'msw-worker',
    async serve(context) {
      if (!context.path.endsWith('/mockServiceWorker.js')) return undefined;
      return { body: await readFile(file, 'utf8'), type: 'js', headers: { 'Service-Worker-Allowed': '/' } };
    },
  };
}

/**
 * Serves `gallery-frame.js` as one esbuild bundle of demo/gallery-frame.ts, rebuilt
 * on each request: the gallery opens a frame per dialog state, and a module
 * graph per frame would take seconds.
 */
export function galleryFrameBundle() {
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
