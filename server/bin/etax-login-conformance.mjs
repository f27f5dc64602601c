#!/usr/bin/env node
// The conformance kit's command as the package ships it (dist/conformance-cli.mjs, made by
// `npm run build -w server`). In the repository, `npm run conformance` runs the sources instead.
import { existsSync } from 'node:fs';

const built = new URL('../dist/conformance-cli.mjs', import.meta.url);
if (!existsSync(built)) {
  process.stderr.write(
    'etax-login-conformance: dist/conformance-cli.mjs is missing; run `npm run build -w server` first\n',
  );
  process.exit(2);
}
await import(built.href);
