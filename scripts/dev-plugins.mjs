// Plugins shared by the test runner and the demo server.
import { readdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { createRequire } from 'node:module';
import { build } from 'esbuild';

const require = createRequire(import.meta.url);

/**
 * `qrcode` is CommonJS only, and the dev server cannot import CommonJS as ESM.
 * The elements import some of its encoder modules (`qrcode/lib/core/*.js`),
 * which compare each other's objects by identity (`Mode.BYTE`, `ECLevel.M`),
 * so they must share one instance of each module: this plugin bundles all of
 * them once into one ES module (served at HUB) and serves each module's path
 * as a re-export of its part of it. Tests that import the package root get its
 * browser build, bundled the same way. (Rollup handles CommonJS with
 * @rollup/plugin-commonjs for `npm run build`, esbuild for the demo build.)
 */
export function qrcodeEsm() {
  const HUB = '/__qrcode-core__.js';
  const core = dirname(require.resolve('qrcode/lib/core/qrcode.js'));
  const names = readdirSync(core)
    .filter((f) => f.endsWith('.js'))
    .map((f) => f.slice(0, -3));
  const id = (name) => `m_${name.replace(/-/g, '_')}`;
  const bundle = (options) =>
    build({ bundle: true, format: 'esm', write: false, platform: 'browser', logLevel: 'silent', ...options }).then(
      (r) => r.outputFiles[0].text,
    );
  let hub;
  let browser;
  return {
    name: 'qrcode-esm',
    async serve(context) {
      if (context.path === HUB) {
        hub ??= bundle({
          stdin: {
            contents: names.map((n) => `export { default as ${id(n)} } from './${n}.js';`).join('\n'),
            resolveDir: core,
          },
        });
        return { body: await hub, type: 'js' };
      }
      const match = /\/qrcode\/lib\/(?:browser|core\/([a-z-]+))\.js$/.exec(context.path);
      if (!match) return undefined;
      if (match[1] && names.includes(match[1]))
        return { body: `export { ${id(match[1])} as default } from '${HUB}';`, type: 'js' };
      browser ??= bundle({ entryPoints: [require.resolve('qrcode/lib/browser.js')] });
      return { body: await browser, type: 'js' };
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
