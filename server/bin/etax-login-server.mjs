#!/usr/bin/env node
// Runs the server from its TypeScript sources (the repository's own loader).
import { register } from 'node:module';

register('../../scripts/ts-hooks-impl.mjs', import.meta.url);
await import('../src/cli.ts');
