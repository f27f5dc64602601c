// Runs after rollup in `npm run build` and fails the build when dist/ is not what
// package.json promises:
// - every `exports` entry has its `.js` and `.d.ts`, and every drop-in bundle exists;
// - the headless client (`etax-login/client*`) reaches no Lit module, through any
//   chain of imports (it must stay usable without Lit);
// - every npm entry imports in Node without throwing (server-side rendering
//   frameworks import them), but the ones in BROWSER_ONLY.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseAst } from 'rollup/parseAst';
import { DROP_INS, isLit, npmEntries } from './entries.mjs';

/** Entries that may only be imported in a browser, with the reason. */
const BROWSER_ONLY = {};

const problems = [];

for (const entry of npmEntries) {
  for (const file of [entry.dist, entry.types]) {
    if (!existsSync(file)) problems.push(`${entry.name}: ${file} was not built`);
  }
}
for (const entry of DROP_INS) {
  if (!existsSync(entry.dist)) problems.push(`${entry.name}: ${entry.dist} was not built`);
}

/** Static and dynamic import specifiers of one ES module. */
function importsOf(file) {
  const found = [];
  const visit = (node) => {
    if (!node || typeof node !== 'object') return;
    if (Array.isArray(node)) return node.forEach(visit);
    if (
      (node.type === 'ImportDeclaration' ||
        node.type === 'ExportNamedDeclaration' ||
        node.type === 'ExportAllDeclaration' ||
        node.type === 'ImportExpression') &&
      node.source?.type === 'Literal'
    ) {
      found.push(node.source.value);
    }
    for (const key in node) if (key !== 'type') visit(node[key]);
  };
  visit(parseAst(readFileSync(file, 'utf8')));
  return found;
}

/** Every bare specifier reached from `file`, with the chain of files that reaches it. */
function reach(file, seen = new Map(), chain = []) {
  if (seen.has(file)) return seen;
  seen.set(file, chain);
  for (const spec of importsOf(file)) {
    if (spec.startsWith('.')) reach(join(dirname(file), spec), seen, [...chain, file]);
    else seen.set(`bare:${spec}`, [...chain, file]);
  }
  return seen;
}

for (const entry of npmEntries.filter((e) => e.key.startsWith('./client') && existsSync(e.dist))) {
  for (const [key, chain] of reach(entry.dist)) {
    if (key.startsWith('bare:') && isLit(key.slice(5))) {
      problems.push(`${entry.name} reaches ${key.slice(5)} via ${chain.map((f) => relative('.', f)).join(' → ')}`);
    }
  }
}

for (const entry of npmEntries.filter((e) => existsSync(e.dist) && !(e.key in BROWSER_ONLY))) {
  try {
    await import(pathToFileURL(entry.dist).href);
  } catch (error) {
    problems.push(`${entry.name} cannot be imported in Node: ${error?.message ?? error}`);
  }
}

if (problems.length) {
  console.error(`dist/ check failed:\n  ${problems.join('\n  ')}`);
  process.exit(1);
}
const checked = npmEntries.length + DROP_INS.length;
console.log(`dist/ check passed: ${checked} entries built; etax-login/client reaches no Lit; entries import in Node.`);
