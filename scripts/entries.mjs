// The package's entries, shared by the build (rollup.config.mjs), the dist check
// (scripts/check-dist.mjs) and the size check (scripts/size.mjs).
//
// The npm entries are read from package.json `exports`: each `./dist/x/y.js`
// is built from `src/x/y.ts`, so adding an entry means adding it to `exports`.
// The drop-in bundles (one self-contained, minified ES module for a <script>
// tag) are listed in DROP_INS below.
import { readFileSync } from 'node:fs';

export const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));

/** `{ name, key, source, dist, types }` for every entry of `exports` (but `./package.json`). */
export const npmEntries = Object.entries(pkg.exports)
  .filter(([, target]) => typeof target === 'object')
  .map(([key, target]) => ({
    name: key === '.' ? pkg.name : `${pkg.name}${key.slice(1)}`,
    key,
    source: target.default.replace(/^\.\/dist\//, 'src/').replace(/\.js$/, '.ts'),
    dist: target.default.replace(/^\.\//, ''),
    types: target.types.replace(/^\.\//, ''),
  }));

/**
 * Self-contained drop-in bundles: every dependency inlined, minified.
 * The components add theirs here, e.g.
 *   { name: 'drop-in', source: 'src/drop-in.ts', dist: 'dist/etax-login.min.js' }
 * and it is built by `npm run build` and measured by `npm run size`.
 */
export const DROP_INS = [
  { name: 'etax-login.min.js (drop-in)', source: 'src/define.ts', dist: 'dist/etax-login.min.js' },
];

/** Packages the npm entries import rather than bundle: dependencies and peers. */
const externalNames = Object.keys({ ...pkg.dependencies, ...pkg.peerDependencies });
export const isExternal = (id) => externalNames.some((name) => id === name || id.startsWith(`${name}/`));

/** Import specifiers that mean Lit, which the headless client must never reach. */
export const isLit = (id) => /^(lit|lit-html|lit-element|@lit\/[^/]+)(\/|$)/.test(id);

/** Terser options of every minified output; the size check uses the same. */
export const TERSER = {
  ecma: 2020,
  module: true,
  compress: { passes: 3 },
  // Only `/*! … */` banners survive; the drop-in banner names the bundled packages and their licences.
  format: { comments: /^!/ },
};
