// Builds the server for its package: ES modules with the engine and the wire
// bundled in and its npm dependencies (ws, prom-client) left to Node —
// dist/cli.mjs (the server), dist/conformance.mjs (the conformance kit,
// `etax-login-server/conformance`) and dist/conformance-cli.mjs (its command).
// `npm run build -w server`; `npm pack` runs it (prepack).
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

await build({
  entryPoints: [`${root}src/cli.ts`],
  outfile: `${root}dist/cli.mjs`,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  // ws and prom-client come from the package's dependencies; the engine and the wire,
  // sources of etax-login beside the server, are bundled in.
  packages: 'external',
  logLevel: 'warning',
});

await build({
  entryPoints: {
    conformance: `${root}src/conformance/index.ts`,
    'conformance-cli': `${root}src/conformance/cli.ts`,
  },
  outdir: `${root}dist`,
  outExtension: { '.js': '.mjs' },
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  packages: 'external',
  logLevel: 'warning',
});
