// `npm run build:demo`: the demo as static files in dist-demo/, for any static file
// host (served over https, or from localhost: service workers need one of them).
//
//   dist-demo/index.html, portal.html, gallery.html, …       the pages (relative URLs only)
//   dist-demo/*.js, chunks/*.js                              esbuild bundles, production Lit, minified
//   dist-demo/mockServiceWorker.js                           msw's worker, from the installed msw
//   dist-demo/demo.css, favicon.svg
//
// The esbuild options are shared with the demo server, which bundles the
// gallery's frame page the same way (see galleryFrameBundle in scripts/dev-plugins.mjs).
import { build } from 'esbuild';
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';

const require = createRequire(import.meta.url);
const root = fileURLToPath(new URL('..', import.meta.url));
const demo = `${root}demo/`;
const out = `${root}dist-demo/`;

/** The pages' scripts, by page. */
export const DEMO_ENTRIES = ['main', 'portal', 'gallery', 'gallery-frame'];
const PAGES = ['index.html', 'portal.html', 'gallery.html', 'gallery-frame.html'];
const ASSETS = ['demo.css', 'favicon.svg'];

/**
 * The package's `sideEffects` list names its published define files only, so
 * esbuild would drop the demo's own imports that register elements
 * (`import './phone-simulator.js'`). Every file of this repository (not of
 * node_modules) keeps its side effects here.
 */
const keepOwnSideEffects = () => ({
  name: 'keep-own-side-effects',
  setup(build) {
    build.onResolve({ filter: /^\.\.?\// }, async (args) => {
      if (args.pluginData?.inner) return undefined;
      const r = await build.resolve(args.path, {
        kind: args.kind,
        importer: args.importer,
        resolveDir: args.resolveDir,
        pluginData: { inner: true },
      });
      if (r.errors.length || r.path.includes('/node_modules/') || !r.path.startsWith(root)) return undefined;
      return { path: r.path, sideEffects: true };
    });
  },
});

/** esbuild options for the demo's scripts (TypeScript, Lit in production mode, `qrcode` from CommonJS). */
export const demoEsbuildOptions = () => ({
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: 'es2021',
  // Lit's `development` export is never chosen; `production` says it outright.
  conditions: ['production'],
  tsconfig: `${root}tsconfig.json`,
  plugins: [keepOwnSideEffects()],
  define: { 'process.env.NODE_ENV': '"production"' },
  logLevel: 'warning',
});

export async function buildDemo() {
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  await build({
    ...demoEsbuildOptions(),
    entryPoints: Object.fromEntries(DEMO_ENTRIES.map((name) => [name, `${demo}${name}.ts`])),
    outdir: out,
    splitting: true,
    chunkNames: 'chunks/[name]-[hash]',
    minify: true,
    sourcemap: true,
    legalComments: 'linked',
  });
  for (const page of PAGES) {
    // The pages name their scripts as the sources (`main.ts`); the build has `main.js` beside them.
    const html = readFileSync(`${demo}${page}`, 'utf8').replace(/(<script type="module" src="[^"]+)\.ts"/g, '$1.js"');
    writeFileSync(`${out}${page}`, html);
  }
  for (const asset of ASSETS) cpSync(`${demo}${asset}`, `${out}${asset}`);
  cpSync(require.resolve('msw/mockServiceWorker.js'), `${out}mockServiceWorker.js`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const started = Date.now();
  await buildDemo();
  console.log(
    `dist-demo/ built in ${Date.now() - started} ms. Serve it over https or from localhost, e.g.: npx wds --root-dir dist-demo --port 8000`,
  );
}
