// `npm run build`: ES modules and `.d.ts` in dist/, for npm and for a <script type="module">.
//
// 1. The npm entries (package.json `exports`, see scripts/entries.mjs): one build,
//    one output file per source module (`preserveModules`), so `dist/` mirrors
//    `src/`, entries share code instead of copying it, and bundlers can tree-shake.
//    Dependencies and peers (lit, qrcode, nanoevents, msw, hono) stay imports.
// 2. The drop-in bundle (DROP_INS in scripts/entries.mjs): every dependency
//    inlined, minified with terser.
//
// scripts/check-dist.mjs then checks the result (entries present, no Lit in the client).
import commonjs from '@rollup/plugin-commonjs';
import { nodeResolve } from '@rollup/plugin-node-resolve';
import terser from '@rollup/plugin-terser';
import typescript from '@rollup/plugin-typescript';
import minifyHTML from '@lit-labs/rollup-plugin-minify-html-literals';
import { transform } from 'esbuild';
import { readFileSync, rmSync } from 'node:fs';
import { DROP_INS, isExternal, npmEntries, pkg, TERSER } from './scripts/entries.mjs';

/** Starts the build from an empty dist/, so nothing stale gets published (not on import: the size check imports `dropIn`). */
const cleanDist = () => ({
  name: 'clean-dist',
  buildStart() {
    if (!this.meta.watchMode) rmSync('dist', { recursive: true, force: true });
  },
});

/** @type {import('rollup').RollupOptions} */
const npm = {
  input: Object.fromEntries(npmEntries.map((e) => [e.dist.replace(/^dist\//, '').replace(/\.js$/, ''), e.source])),
  external: isExternal,
  plugins: [cleanDist(), typescript({ tsconfig: './tsconfig.build.json' })],
  output: {
    dir: 'dist',
    format: 'es',
    preserveModules: true,
    preserveModulesRoot: 'src',
    entryFileNames: '[name].js',
    sourcemap: true,
  },
};

/** `/*! … *\/` naming the packages bundled in the chunk and their licences (they must travel with the code). */
const banner = (chunk) => {
  const names = new Set(
    chunk.moduleIds.map((id) => /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(id)?.[1]).filter(Boolean),
  );
  const bundled = [...names].sort().map((name) => {
    const dep = JSON.parse(readFileSync(`node_modules/${name}/package.json`, 'utf8'));
    return `${name}@${dep.version} (${dep.license})`;
  });
  return `/*! ${pkg.name}@${pkg.version} (${pkg.license}); bundles ${bundled.join(', ')} */`;
};

/**
 * TypeScript to JavaScript for the drop-in with esbuild's transform, as the test
 * runner and the demo do (types are checked by `tsc --noEmit` and declared by the
 * npm build).
 */
const tsByEsbuild = () => {
  // The compiler options live in tsconfig.json (tsconfig.build.json only narrows the files).
  const tsconfigRaw = readFileSync('tsconfig.json', 'utf8');
  return {
    name: 'ts-by-esbuild',
    async transform(code, id) {
      if (!id.endsWith('.ts')) return null;
      const out = await transform(code, {
        loader: 'ts',
        target: 'es2021',
        tsconfigRaw,
        charset: 'utf8',
        sourcemap: true,
        sourcefile: id,
      });
      return { code: out.code, map: out.map };
    },
  };
};

/**
 * One self-contained drop-in bundle; `scripts/size.mjs` measures exactly this build.
 * @type {(entry: { source: string, dist: string }) => import('rollup').RollupOptions}
 */
export const dropIn = (entry) => ({
  input: entry.source,
  plugins: [
    nodeResolve({ browser: true, exportConditions: ['production'], extensions: ['.ts', '.mjs', '.js'] }),
    commonjs({ strictRequires: false }), // qrcode is CommonJS; its modules have no require-order side effects
    tsByEsbuild(),
    // The elements' html`` and css`` templates minified by the Lit team's plugin (html-minifier-next,
    // LightningCSS); a template it cannot read fails the build. dark.styles.ts is left as written:
    // its dark palette is a list of declarations that two rules share, which a CSS parser cannot read
    // on its own.
    minifyHTML({ include: ['src/**/*.ts'], exclude: ['src/components/shared/dark.styles.ts'], failOnError: true }),
  ],
  output: {
    file: entry.dist,
    format: 'es',
    banner,
    sourcemap: true,
    plugins: [terser(TERSER)],
  },
});

// `ETAX_BUILD=drop-in` (`npm run build:drop-in`, run by `npm test` for test/drop-in): the drop-in bundles only.
export default process.env.ETAX_BUILD === 'drop-in' ? DROP_INS.map(dropIn) : [npm, ...DROP_INS.map(dropIn)];
