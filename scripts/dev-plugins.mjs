// Plugins shared by the test runner and the demo server.
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { build } from 'esbuild';

const require = createRequire(import.meta.url);

/**
 * `qrcode` is CommonJS only. The dev server cannot import it as ESM, so this
 * plugin pre-bundles its browser build to one ES module the first time it is
 * asked for. (Rollup handles it with @rollup/plugin-commonjs for `npm run build`.)
 */
export function qrcodeEsm() {
  let bundled;
  const entry = require.resolve('qrcode/lib/browser.js');
  return {
    name: 'qrcode-esm',
    async serve(context) {
      if (!context.path.endsWith('/qrcode/lib/browser.js')) return undefined;
      bundled ??= build({
        entryPoints: [entry],
        bundle: true,
        format: 'esm',
        write: false,
        platform: 'browser',
        logLevel: 'silent',
      }).then((r) => r.outputFiles[0].text);
      return { body: await bundled, type: 'js' };
    },
  };
}

/** Serves msw's service worker at the root scope, always matching the installed msw. */
export function mswWorker() {
  const file = require.resolve('msw/mockServiceWorker.js');
  return {
    name: 'msw-worker',
    async serve(context) {
      if (context.path !== '/mockServiceWorker.js') return undefined;
      return { body: await readFile(file, 'utf8'), type: 'js', headers: { 'Service-Worker-Allowed': '/' } };
    },
  };
}
