// `npm run size`: what each published entry costs a page, and the budgets it must meet.
//
// Each entry is bundled from its source WITH its dependencies (esbuild: ESM,
// browser, production conditions), minified with the build's terser options,
// then measured as min / gzip -9 / brotli (quality 11) bytes. Exits 1 when an
// entry is past its budget, or when an entry has no line in BUDGETS.
// `node scripts/size.mjs --json` prints the measurements as JSON instead.

/**
 * Budgets in bytes of gzip -9 output (1 KiB = 1,024 bytes), by entry name.
 * `null` = measured and printed, not budgeted. Meet them; do not raise them.
 */
const BUDGETS = {
  // Will be the components; the complete drop-in module's budget is 30 KiB.
  'etax-login': 30 * 1024,
  // The headless core, without the WebSocket transport and the validators.
  'etax-login/client': 4 * 1024,
  // Measured alone it carries its own copy of the request and polling code;
  // beside the client it adds only a few hundred bytes.
  'etax-login/client/websocket': 2.5 * 1024,
  'etax-login/validators': 1.5 * 1024,
  // Dev-only (tests and the demo); bundles msw.
  'etax-login/mock': null,
};

import { build } from 'esbuild';
import { existsSync } from 'node:fs';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { minify } from 'terser';
import { DROP_INS, npmEntries, TERSER } from './entries.mjs';

const entries = [...npmEntries, ...DROP_INS];

async function measure(entry) {
  if (!existsSync(entry.source)) return { name: entry.name, missing: entry.source, budget: BUDGETS[entry.name] };
  const bundled = await build({
    entryPoints: [entry.source],
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'browser',
    target: 'es2021',
    conditions: ['production'],
    define: { 'process.env.NODE_ENV': '"production"' },
    tsconfig: 'tsconfig.build.json',
    legalComments: 'none',
    logLevel: 'silent',
  });
  const { code } = await minify(bundled.outputFiles[0].text, TERSER);
  const bytes = Buffer.from(code);
  return {
    name: entry.name,
    min: bytes.length,
    gzip: gzipSync(bytes, { level: 9 }).length,
    brotli: brotliCompressSync(bytes, {
      params: {
        [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY,
        [constants.BROTLI_PARAM_SIZE_HINT]: bytes.length,
      },
    }).length,
    budget: BUDGETS[entry.name],
  };
}

const results = await Promise.all(entries.map(measure));

const failures = [];
for (const r of results) {
  if (r.missing) failures.push(`${r.name}: its source ${r.missing} does not exist`);
  else if (r.budget === undefined) failures.push(`${r.name} has no budget: add it to BUDGETS in scripts/size.mjs`);
  else if (r.budget !== null && r.gzip > r.budget) {
    failures.push(`${r.name} is ${r.gzip - r.budget} bytes gzip over its budget of ${r.budget} bytes`);
  }
}

if (process.argv.includes('--json')) {
  console.log(JSON.stringify(results, null, 2));
} else {
  const n = (v) => v.toLocaleString('en-US');
  const kib = (v) => `${(v / 1024).toFixed(2)} KiB`;
  const rows = [
    ['entry (with dependencies)', 'min', 'gzip -9', 'brotli', 'budget (gzip)', ''],
    ...results.map((r) => [
      r.name,
      ...(r.missing ? ['-', '-', '-'] : [n(r.min), n(r.gzip), n(r.brotli)]),
      r.budget ? kib(r.budget) : r.budget === null ? 'none' : 'MISSING',
      r.missing
        ? 'NO SOURCE'
        : !r.budget
          ? ''
          : r.gzip <= r.budget
            ? `ok, ${Math.round((100 * r.gzip) / r.budget)}%`
            : 'OVER',
    ]),
  ];
  const widths = rows[0].map((_, i) => Math.max(...rows.map((row) => row[i].length)));
  const line = (row) => row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join('  ');
  console.log(line(rows[0]).trimEnd());
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const row of rows.slice(1)) console.log(line(row).trimEnd());
  console.log('Bytes; minified with terser, ESM, browser build. Budgets in scripts/size.mjs.');
}

if (failures.length) {
  console.error(`\nsize check failed:\n  ${failures.join('\n  ')}`);
  process.exit(1);
}
