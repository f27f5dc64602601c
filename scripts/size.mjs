// `npm run size`: what each published entry costs a page, and the budgets it must meet.
//
// Each entry is bundled from its source WITH its dependencies by the drop-in's pipeline
// (rollup, node-resolve with the browser and production conditions, commonjs, esbuild's
// TypeScript transform, the build's terser options), then measured as min / gzip -9 /
// brotli (quality 11) bytes; the drop-in exactly as `npm run build` writes it, banner
// included. An add-on entry is also measured by what it adds to a page that already loads
// another entry. Exits 1 when an entry is past its budget, or has no line in BUDGETS
// (`--report` prints the same and exits 0; `--ratchet`, run by `npm test`, fails only on a
// new overrun or when an entry in OVER_TODAY grows).
// `node scripts/size.mjs --json` prints the measurements as JSON instead.

/**
 * Budgets in bytes of gzip -9 output (1 KiB = 1,024 bytes), by entry name.
 * `null`: measured and printed, not budgeted.
 * `{ beside, gzip }`: an add-on, budgeted by what it adds beside the `beside` entry.
 * Meet them; do not raise them.
 */
const BUDGETS = {
  // The complete drop-in module: all four elements, the client, Lit, qrcode, zh-CN and en.
  'etax-login.min.js (drop-in)': 30 * 1024,
  // The main entry with its whole API (an app's bundler keeps only what it imports), and the define entry (the drop-in's module).
  'etax-login': 30 * 1024,
  'etax-login/define': 30 * 1024,
  // Each element's define entry with what it needs (the dialog embeds the QR panel and SMS entry).
  'etax-login/define/etax-login': 30 * 1024,
  'etax-login/define/step-up-dialog': 27 * 1024,
  'etax-login/define/qr-login-panel': 23 * 1024,
  'etax-login/define/sms-verify': 17 * 1024,
  // The headless core (polling and long-polling), without the push transports and the validators.
  'etax-login/client': 4 * 1024,
  // Push transports, only used with the client, whose request and polling code they share.
  'etax-login/client/sse': { beside: 'etax-login/client', gzip: 1024 },
  'etax-login/client/websocket': { beside: 'etax-login/client', gzip: 1024 },
  'etax-login/validators': 1.5 * 1024,
  // Dev-only (tests and the demo); bundles msw.
  'etax-login/mock': null,
};

/**
 * Entries past their budget today, with their gzip bytes on the day they were measured.
 * `npm run size` fails on them like on any overrun; `--ratchet` (what `npm test` runs, so
 * CI stays green while they are worked on) fails only when one of them grows past these
 * bytes, or another entry passes its budget. Lower a figure when an entry shrinks; delete
 * its line when it meets its budget.
 */
const OVER_TODAY = {
  // Only a core that validates no server body fits 4 KiB (4,005 B measured; with the checks its
  // own logic needs, 4,361 B): it needs the owner's decision (docs/benchmarks.md, "Size").
  'etax-login/client': 4920,
};

import { existsSync } from 'node:fs';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { spawnSync } from 'node:child_process';
import { rollup } from 'rollup';
import { dropIn } from '../rollup.config.mjs';
import { DROP_INS, npmEntries } from './entries.mjs';

const entries = [...npmEntries, ...DROP_INS];
const byName = new Map(entries.map((e) => [e.name, e]));

/** min / gzip / brotli bytes of `sources` bundled together with their dependencies. */
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
 * rows comparable (esbuild's bundler wraps each CommonJS module of qrcode, ≈ 300 B gzip more).
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
  const kib = (v) => `${(v / 1024).toFixed(2)} KiB`;
  const table = [
    ['entry (with dependencies)', 'min', 'gzip -9', 'brotli', 'budget (gzip)', ''],
    ...rows.map((r) => [
      r.name,
      ...(r.missing ? ['-', '-', '-'] : [n(r, r.min), n(r, r.gzip), n(r, r.brotli)]),
      r.missing ? '' : r.budget ? kib(r.budget) : 'none',
      r.missing
        ? 'NO SOURCE'
        : !r.budget
          ? ''
          : r.gzip <= r.budget
            ? `ok, ${Math.round((100 * r.gzip) / r.budget)}%`
            : 'OVER',
    ]),
  ];
  const widths = table[0].map((_, i) => Math.max(...table.map((row) => row[i].length)));
  const line = (row) => row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join('  ');
  console.log(line(table[0]).trimEnd());
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const row of table.slice(1)) console.log(line(row).trimEnd());
  console.log('Bytes; minified with terser, ESM, browser build; "beside": what it adds. Budgets in scripts/size.mjs.');
}

const ratchet = process.argv.includes('--ratchet');
const report = process.argv.includes('--report');
for (const [name, bytes] of Object.entries(OVER_TODAY)) {
  const row = rows.find((r) => r.name === name);
  if (row && row.budget && row.gzip <= row.budget)
    console.error(`\n${name} meets its budget now: delete its line from OVER_TODAY in scripts/size.mjs`);
  else if (row && row.gzip < bytes) console.error(`\n${name} shrank to ${row.gzip} B: lower OVER_TODAY to it`);
}
const blocking = ratchet
  ? failures.filter((f) => {
      const name = Object.keys(OVER_TODAY).find((n) => f.startsWith(`${n} is `));
      return !name || rows.find((r) => r.name === name).gzip > OVER_TODAY[name];
    })
  : failures;

if (failures.length) {
  // `npm run size` fails on any overrun; `--ratchet` (npm test) on an overrun that is new or
  // has grown; `--report` only prints.
  const known = failures.length - blocking.length;
  console.error(
    `\nsize ${blocking.length && !report ? 'check failed' : 'report'}:\n  ${failures.join('\n  ')}` +
      (ratchet && known ? `\n  (${known} past their budget no more than on the day in OVER_TODAY)` : ''),
  );
  if (blocking.length && !report) process.exit(1);
}
