#!/usr/bin/env node
// The server as its package ships it (dist/cli.mjs, made by `npm run build -w server`).
// In the repository, `npm run server` runs the TypeScript sources instead.
import { existsSync } from 'node:fs';

const built = new URL('../dist/cli.mjs', import.meta.url);
if (!existsSync(built)) {
  process.stderr.write('etax-login-server: dist/cli.mjs is missing; run `npm run build -w server` first\n');
  process.exit(2);
}
await import(built.href);
