// `npm run size`, and the last step of `npm test`: what each published entry costs a page,
// against its budget.
//
// Each entry is bundled from its source WITH its dependencies by the drop-in's pipeline
// (rollup, node-resolve with the browser and production conditions, commonjs, esbuild's
// TypeScript transform, the build's terser options), then measured as min / gzip -9 /
// brotli (quality 11) bytes; the drop-in exactly as `npm run build` writes it, banner
// included. An add-on entry is also measured by what it adds to a page that already loads
// another entry. Exits 1 when an entry is past its budget or has no line in BUDGETS.
// `node scripts/size.mjs --json` prints the measurements as JSON instead of the table.

const KiB = 1024;

/**
 * Budgets in bytes of gzip -9 output, by entry name.
 * `null`: measured and printed, not budgeted.
 * `{ beside, gzip }`: an add-on, budgeted by what it adds beside the `beside` entry.
 */
const BUDGETS = {
  // The complete drop-in module: all four elements, the client, Lit, qrcode, zh-CN and en.
  'etax-login.min.js (drop-in)': 38 * KiB,
  // The main entry with its whole API (an app's bundler keeps only what it imports), and the define entry (the drop-in's module).
  'etax-login': 38 * KiB,
  'etax-login/define': 38 * KiB,
  // Each element's define entry with what it needs (the dialog embeds the QR panel and SMS entry): its size when issue 11 closed, plus about 10 %.
  'etax-login/define/etax-login': 38 * KiB,
  'etax-login/define/step-up-dialog': 36 * KiB,
  'etax-login/define/qr-login-panel': 31 * KiB,
  'etax-login/define/sms-verify': 16.5 * KiB,
  // The headless core (polling and long-polling), without the push transports and the validators.
  'etax-login/client': 6 * KiB,
  // Push transports, only used with the client, whose request and polling code they share.
  'etax-login/client/sse': { beside: 'etax-login/client', gzip: 1 * KiB },
  'etax-login/client/websocket': { beside: 'etax-login/client', gzip: 1 * KiB },
  'etax-login/validators': 1.5 * KiB,
  // Dev-only (tests and the demo); bundles msw.
  'etax-login/mock': null,
};

import { existsSync } from 'node:fs';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { spawnSync } from 'node:child_process';
import { rollup } from 'rollup';
import { dropIn } from '../rollup.config.mjs';
import { DROP_INS, npmEntries } from './entries.mjs';

const entries = [...npmEntries, ...DROP_INS];
const byName = new Map(entries.map((e) => [e.name, e]));

/**
 * Bytes of `gzip -9` output, as the budgets are defined: GNU gzip when the machine has it
 * (Node's zlib at level 9 comes out about 2 % larger on the same input), zlib otherwise.
 */
const gzip9 = (bytes) => {
  const run = spawnSync('gzip', ['-9', '-c'], { input: bytes, maxBuffer: 64 * 1024 * 1024 });
  return run.status === 0 ? run.stdout.length : gzipSync(bytes, { level: 9 }).length;
};

/** min / gzip / brotli bytes of code. */
const sizes = (code) => {
  const bytes = Buffer.from(code);
  return {
    min: bytes.length,
    gzip: gzip9(bytes),
    brotli: brotliCompressSync(bytes, {
      params: {
        [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY,
        [constants.BROTLI_PARAM_SIZE_HINT]: bytes.length,
      },
    }).length,
  };
};

/** A drop-in measured as `npm run build` makes it (rollup, commonjs, terser, banner), without writing it. */
async function measureDropIn(entry) {
  const config = dropIn(entry);
  const bundle = await rollup({ ...config, onwarn: () => {} });
  const { output } = await bundle.generate({ ...config.output, sourcemap: false });
  await bundle.close();
  return sizes(output[0].code);
}

/**
 * The npm entries `sources` bundled together with their dependencies by the drop-in's own
 * pipeline (rollup, node-resolve, commonjs, esbuild's TypeScript transform, terser), from a
 * virtual entry that re-exports them, without a banner. One pipeline for every row keeps the
 * rows comparable.
 */
async function measure(sources) {
  const ENTRY = '\0size-entry';
  const config = dropIn({ source: ENTRY, dist: 'unused.js' });
  const virtual = {
    name: 'size-entry',
    resolveId: (id) => (id === ENTRY ? id : null),
    load: (id) =>
      id === ENTRY
        ? sources
            .map((s) => `export * from ${JSON.stringify(new URL(`../${s}`, import.meta.url).pathname)};`)
            .join('\n')
        : null,
  };
  const bundle = await rollup({
    ...config,
    plugins: [virtual, replaceNodeEnv, ...config.plugins],
    onwarn: () => {},
  });
  const { output } = await bundle.generate({ ...config.output, banner: undefined, sourcemap: false });
  await bundle.close();
  return sizes(output[0].code);
}

/** `process.env.NODE_ENV` as a production build replaces it (msw, in the mock entry, reads it). */
const replaceNodeEnv = {
  name: 'node-env',
  transform: (code) =>
    code.includes('process.env.NODE_ENV') ? code.replaceAll('process.env.NODE_ENV', '"production"') : null,
};

const rows = [];
const failures = [];
for (const entry of entries) {
  const budget = BUDGETS[entry.name];
  if (!existsSync(entry.source)) {
    rows.push({ name: entry.name, missing: entry.source });
    failures.push(`${entry.name}: its source ${entry.source} does not exist`);
    continue;
  }
  if (budget === undefined) failures.push(`${entry.name} has no budget: add it to BUDGETS in scripts/size.mjs`);
  const alone = DROP_INS.includes(entry) ? await measureDropIn(entry) : await measure([entry.source]);
  if (typeof budget !== 'object' || budget === null) {
    rows.push({ name: entry.name, ...alone, budget });
    continue;
  }
  rows.push({ name: entry.name, ...alone, budget: null });
  const base = byName.get(budget.beside);
  const [without, withIt] = await Promise.all([measure([base.source]), measure([base.source, entry.source])]);
  rows.push({
    name: `${entry.name} beside ${budget.beside}`,
    added: true,
    min: withIt.min - without.min,
    gzip: withIt.gzip - without.gzip,
    brotli: withIt.brotli - without.brotli,
    budget: budget.gzip,
  });
}
for (const r of rows) {
  if (r.budget && r.gzip > r.budget)
    failures.push(`${r.name} is ${r.gzip - r.budget} bytes gzip over its budget of ${r.budget}`);
}

if (process.argv.includes('--json')) {
  console.log(JSON.stringify(rows, null, 2));
} else {
  const n = (r, v) => (r.added ? '+' : '') + v.toLocaleString('en-US');
  const kib = (v) => `${+(v / KiB).toFixed(2)} KiB`;
  const verdict = (r) =>
    r.missing
      ? 'NO SOURCE'
      : !r.budget
        ? ''
        : r.gzip <= r.budget
          ? `${Math.round((100 * r.gzip) / r.budget)}%`
          : 'OVER';
  const table = [
    ['entry (with dependencies)', 'min', 'gzip -9', 'brotli', 'budget', 'used'],
    ...rows.map((r) => [
      r.name,
      ...(r.missing ? ['-', '-', '-'] : [n(r, r.min), n(r, r.gzip), n(r, r.brotli)]),
      r.budget ? kib(r.budget) : '',
      verdict(r),
    ]),
  ];
  const widths = table[0].map((_, i) => Math.max(...table.map((row) => row[i].length)));
  const line = (row) => row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join('  ');
  console.log(line(table[0]));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const row of table.slice(1)) console.log(line(row).trimEnd());
  console.log(
    'Bytes, minified ES modules for the browser; budgets are gzip -9 (scripts/size.mjs). "beside": what it adds.',
  );
}

if (failures.length) {
  console.error(`\nsize check failed:\n  ${failures.join('\n  ')}`);
  process.exit(1);
}
