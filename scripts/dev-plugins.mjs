// Plugins shared by the test runner and the demo server.
import { readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { createRequire } from 'node:module';
import { build } from 'esbuild';

const require = createRequire(import.meta.url);

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
