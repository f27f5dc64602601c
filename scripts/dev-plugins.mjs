// Plugins shared by the test runner and the demo server.
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { build } from 'esbuild';

const require = createRequire(import.meta.url);

/**
 * `qrcode` is CommonJS only. The dev server cannot import it as ESM, so this
 * plugin pre-bundles the module asked for (the encoder core the elements use,
 * or the package's browser build some tests use) to one ES module with a
 * default export, the first time it is asked for. (Rollup handles it with
 * @rollup/plugin-commonjs for `npm run build`.)
 */
export function qrcodeEsm() {
  const bundles = new Map();
  return {
    name: 'qrcode-esm',
    async serve(context) {
      const match = /\/qrcode\/(lib\/(?:browser|core\/qrcode)\.js)$/.exec(context.path);
      if (!match) return undefined;
      if (!bundles.has(match[1])) {
        bundles.set(
          match[1],
          build({
            entryPoints: [require.resolve(`qrcode/${match[1]}`)],
            bundle: true,
            format: 'esm',
            write: false,
            platform: 'browser',
            logLevel: 'silent',
          }).then((r) => r.outputFiles[0].text),
        );
      }
      return { body: await bundles.get(match[1]), type: 'js' };
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
