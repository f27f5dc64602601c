// Builds the server for its package: one ES module, dist/cli.mjs, with the
// engine and the wire bundled in and its npm dependencies (ws, prom-client)
// left to Node. `npm run build -w server`; `npm pack` runs it (prepack).
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
