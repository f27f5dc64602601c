#!/usr/bin/env node
/**
 * Checks that the protocol documents cover the protocol as the client defines it
 * in `src/client/protocol.ts`:
 *
 * - every `ServerErrorCode` has a row in the error table of `docs/protocol.md`
 *   (with the HTTP status of `ERROR_STATUS`) and is in the `ErrorCode` enum and
 *   `x-http-status` map of `docs/openapi.yaml` (with the same status);
 * - every `FlowState` status has a row in the state table of `docs/protocol.md`
 *   and a schema in the `FlowState` discriminator mapping of `docs/openapi.yaml`;
 * - every endpoint of the table in `protocol.ts` is a path with that method in
 *   `docs/openapi.yaml`;
 * - every member of `FieldSpec` has a `fields[].<member>` row in the capabilities table of
 *   `docs/protocol.md` and is a property of the `FieldSpec` schema of `docs/openapi.yaml`;
 * - every member of each `FlowState` status is named in that status's row of the state
 *   table and is a property of its schema in `docs/openapi.yaml`;
 * - every `ClientErrorCode` of `src/client/state.ts` has a row in the table of
 *   errors the client makes itself in `docs/protocol.md`;
 * - and, the other way round, neither document lists a code, status or endpoint
 *   that `protocol.ts` (or, for client codes, `state.ts`) does not know.
 *
 * Plain text checks, no dependencies. Prints what is missing and exits 1 if anything is.
 * Usage: node scripts/check-protocol-docs.mjs
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const read = (path) => readFileSync(resolve(root, path), 'utf8');

const protocolTs = read('src/client/protocol.ts');
const stateTs = read('src/client/state.ts');
const md = read('docs/protocol.md');
const yaml = read('docs/openapi.yaml');

const problems = [];
const problem = (text) => problems.push(text);

/* ------------------------------------------------------- from protocol.ts */

/** The string literals of `export type Name = | 'a' | 'b' …;`. */
function unionOf(name, source = protocolTs, file = 'protocol.ts') {
  const m = new RegExp(`export type ${name}\\s*=([^;]*);`).exec(source);
  if (!m) throw new Error(`${file}: type ${name} not found`);
  return [...m[1].matchAll(/'([^']+)'/g)].map((x) => x[1]);
}

const errorCodes = unionOf('ServerErrorCode');
const clientCodes = unionOf('ClientErrorCode', stateTs, 'state.ts');

const errorStatus = (() => {
  const m = /export const ERROR_STATUS[^{]*\{([^}]*)\}/.exec(protocolTs);
  if (!m) throw new Error('protocol.ts: ERROR_STATUS not found');
  return Object.fromEntries([...m[1].matchAll(/(\w+):\s*(\d{3})/g)].map((x) => [x[1], Number(x[2])]));
})();

const statuses = (() => {
  const m = /export type FlowState\s*=([\s\S]*?)\n\s*\);/.exec(protocolTs);
  if (!m) throw new Error('protocol.ts: type FlowState not found');
  return [...m[1].matchAll(/status:\s*'([^']+)'/g)].map((x) => x[1]);
})();

/** The members of `export interface Name { … }` (top-level lines `name?: …;` only). */
function membersOf(name) {
  const m = new RegExp(`export interface ${name}\\s*\\{([\\s\\S]*?)\\n\\}`).exec(protocolTs);
  if (!m) throw new Error(`protocol.ts: interface ${name} not found`);
  return [...m[1].matchAll(/^ {2}(\w+)\??:/gm)].map((x) => x[1]);
}
const fieldMembers = membersOf('FieldSpec');

/** Members of each status of `FlowState`, besides `seq` and `status`. */
const statusMembers = (() => {
  const m = /export type FlowState\s*=([\s\S]*?)\n\s*\);/.exec(protocolTs);
  return Object.fromEntries(
    [...m[1].matchAll(/\{\s*status:\s*'([^']+)';?([^}]*)\}/g)].map((x) => [
      x[1],
      [...x[2].matchAll(/(\w+)\??:/g)].map((y) => y[1]),
    ]),
  );
})();

/** `[method, path]` of the endpoint table in the comment above ERROR_STATUS. */
const endpoints = [...protocolTs.matchAll(/^\s*\*\s*\|\s*(GET|POST|DELETE|PUT|PATCH)\s*\|\s*(\S+)/gm)].map((x) => [
  x[1].toLowerCase(),
  x[2],
]);
if (!endpoints.length) throw new Error('protocol.ts: endpoint table not found');

/** Path without query, with every `{param}` written `{}`. */
const normalise = (path) => path.split('?')[0].replace(/\{[^}]*\}/g, '{}');

/* ------------------------------------------------------ from protocol.md */

/** First-column values (in backticks) of the markdown table under a heading matching `heading`. */
function tableUnder(heading) {
  const lines = md.split('\n');
  const start = lines.findIndex((l) => /^#{2,4} /.test(l) && heading.test(l));
  if (start < 0) {
    problem(`docs/protocol.md: no heading matching ${heading}`);
    return new Map();
  }
  const rows = new Map();
  for (let i = start + 1; i < lines.length && !/^#{2,4} /.test(lines[i]); i++) {
    const cells = lines[i].split('|').map((c) => c.trim());
    const key = /^`([^`]+)`$/.exec(cells[1] ?? '');
    const header = /^\|[\s:|-]+\|$/.test(lines[i + 1] ?? '');
    if (lines[i].startsWith('|') && key && !header) rows.set(key[1], cells.slice(2));
  }
  return rows;
}

const mdErrors = tableUnder(/Error codes/);
for (const code of errorCodes) {
  const row = mdErrors.get(code);
  if (!row) problem(`docs/protocol.md: error code \`${code}\` has no row in the "Error codes" table`);
  else if (Number(row[0]) !== errorStatus[code]) {
    problem(
      `docs/protocol.md: error code \`${code}\` is HTTP ${row[0]} in the table, ${errorStatus[code]} in ERROR_STATUS`,
    );
  }
}
for (const code of mdErrors.keys()) {
  if (!errorCodes.includes(code))
    problem(`docs/protocol.md: error table lists \`${code}\`, which is not a ServerErrorCode`);
}

const mdClientErrors = tableUnder(/Errors the client makes itself/);
for (const code of clientCodes) {
  if (!mdClientErrors.has(code))
    problem(`docs/protocol.md: client error code \`${code}\` has no row in the "Errors the client makes itself" table`);
}
for (const code of mdClientErrors.keys()) {
  if (!clientCodes.includes(code))
    problem(`docs/protocol.md: client error table lists \`${code}\`, which is not a ClientErrorCode`);
}

const mdStates = tableUnder(/Flow state$/);
for (const status of statuses) {
  if (!mdStates.has(status)) problem(`docs/protocol.md: status \`${status}\` has no row in the "Flow state" table`);
  else
    for (const member of statusMembers[status] ?? []) {
      if (!mdStates.get(status)[0].includes(`\`${member}\``))
        problem(`docs/protocol.md: member \`${member}\` of \`${status}\` is not in its row of the "Flow state" table`);
    }
}

const mdCapabilities = tableUnder(/Capabilities$/);
for (const member of fieldMembers) {
  if (!mdCapabilities.has(`fields[].${member}`))
    problem(`docs/protocol.md: field member \`${member}\` has no \`fields[].${member}\` row in the capabilities table`);
}
for (const status of mdStates.keys()) {
  if (!statuses.includes(status))
    problem(`docs/protocol.md: state table lists \`${status}\`, which is not a FlowState status`);
}

for (const [method, path] of endpoints) {
  const p = normalise(path).replace(/\{\}/g, '{flowId}');
  if (!md.includes(p)) problem(`docs/protocol.md: endpoint ${method.toUpperCase()} ${p} is not mentioned`);
}

/* ----------------------------------------------------- from openapi.yaml */

/** Lines of the block that starts at a line matching `re`, up to the next line indented as much or less. */
function blockAt(re, from = 0) {
  const lines = yaml.split('\n');
  const start = lines.findIndex((l, i) => i >= from && re.test(l));
  if (start < 0) return undefined;
  const indent = /^ */.exec(lines[start])[0].length;
  const out = [];
  for (let i = start + 1; i < lines.length; i++) {
    if (lines[i].trim() && /^ */.exec(lines[i])[0].length <= indent) break;
    out.push(lines[i]);
  }
  return out;
}

const schemaBlock = (name) => blockAt(new RegExp(`^    ${name}:\\s*$`));

const errorCodeSchema = schemaBlock('ErrorCode');
if (!errorCodeSchema) problem('docs/openapi.yaml: no ErrorCode schema');
else {
  const text = errorCodeSchema.join('\n');
  const enumBlock = /\n\s*enum:\s*\n((?:\s*- \S+\n?)+)/.exec('\n' + text);
  const enumValues = enumBlock ? [...enumBlock[1].matchAll(/- (\S+)/g)].map((x) => x[1]) : [];
  const statusMap = Object.fromEntries(
    [...text.matchAll(/^\s+(\w+):\s*(\d{3})\s*$/gm)].map((x) => [x[1], Number(x[2])]),
  );
  for (const code of errorCodes) {
    if (!enumValues.includes(code)) problem(`docs/openapi.yaml: error code \`${code}\` is not in the ErrorCode enum`);
    if (statusMap[code] === undefined)
      problem(`docs/openapi.yaml: error code \`${code}\` is not in ErrorCode's x-http-status`);
    else if (statusMap[code] !== errorStatus[code]) {
      problem(
        `docs/openapi.yaml: error code \`${code}\` is HTTP ${statusMap[code]} in x-http-status, ${errorStatus[code]} in ERROR_STATUS`,
      );
    }
  }
  for (const code of enumValues) {
    if (!errorCodes.includes(code))
      problem(`docs/openapi.yaml: ErrorCode lists \`${code}\`, which is not a ServerErrorCode`);
  }
}
for (const code of errorCodes) {
  const used = new RegExp(`x-error-codes: \\[[^\\]]*\\b${code}\\b`).test(yaml);
  if (!used) problem(`docs/openapi.yaml: error code \`${code}\` is not listed in any response's x-error-codes`);
}

/** Property names of a schema block (its `properties:` entries). */
const propertiesOf = (block) => {
  const text = block.join('\n');
  const props = /\n( +)properties:\s*\n((?:\1 {2}.*\n?|\s*\n)*)/.exec('\n' + text);
  if (!props) return [];
  const indent = props[1].length + 2;
  return [...props[2].matchAll(new RegExp(`^ {${indent}}(\\w+):`, 'gm'))].map((x) => x[1]);
};

const fieldSpecSchema = schemaBlock('FieldSpec');
if (!fieldSpecSchema) problem('docs/openapi.yaml: no FieldSpec schema');
else {
  const props = propertiesOf(fieldSpecSchema);
  for (const member of fieldMembers) {
    if (!props.includes(member)) problem(`docs/openapi.yaml: FieldSpec has no property \`${member}\``);
  }
}

const flowStateSchema = schemaBlock('FlowState');
if (!flowStateSchema) problem('docs/openapi.yaml: no FlowState schema');
else {
  const text = flowStateSchema.join('\n');
  const mapping = Object.fromEntries(
    [...text.matchAll(/^\s+(\w+):\s*'#\/components\/schemas\/(\w+)'/gm)].map((x) => [x[1], x[2]]),
  );
  for (const status of statuses) {
    const target = mapping[status];
    if (!target) problem(`docs/openapi.yaml: status \`${status}\` is not in the FlowState discriminator mapping`);
    else {
      const variant = schemaBlock(target);
      if (!variant) problem(`docs/openapi.yaml: FlowState maps \`${status}\` to missing schema ${target}`);
      else if (!new RegExp(`status:\\s*\\{[^}]*const:\\s*${status}\\b`).test(variant.join('\n'))) {
        problem(`docs/openapi.yaml: schema ${target} does not fix status to \`${status}\``);
      } else {
        const props = propertiesOf(variant);
        for (const member of statusMembers[status] ?? []) {
          if (!props.includes(member)) problem(`docs/openapi.yaml: schema ${target} has no property \`${member}\``);
        }
      }
    }
  }
  for (const status of Object.keys(mapping)) {
    if (!statuses.includes(status))
      problem(`docs/openapi.yaml: FlowState maps \`${status}\`, which is not a FlowState status`);
  }
}

const pathsBlock = blockAt(/^paths:\s*$/) ?? [];
const yamlPaths = new Map();
let current;
for (const line of pathsBlock) {
  const p = /^ {2}(\/\S+):\s*$/.exec(line);
  if (p) {
    current = normalise(p[1]);
    yamlPaths.set(current, new Set());
    continue;
  }
  const m = /^ {4}(get|post|put|patch|delete|head|options):\s*$/.exec(line);
  if (m && current) yamlPaths.get(current).add(m[1]);
}
const tablePaths = new Set();
for (const [method, path] of endpoints) {
  const p = normalise(path);
  tablePaths.add(`${method} ${p}`);
  if (!yamlPaths.has(p)) problem(`docs/openapi.yaml: endpoint path ${path.split('?')[0]} is missing`);
  else if (!yamlPaths.get(p).has(method))
    problem(`docs/openapi.yaml: endpoint ${method.toUpperCase()} ${path.split('?')[0]} is missing`);
}
for (const [p, methods] of yamlPaths) {
  for (const method of methods) {
    if (!tablePaths.has(`${method} ${p}`))
      problem(`docs/openapi.yaml: ${method.toUpperCase()} ${p} is not in the endpoint table of protocol.ts`);
  }
}

/* ----------------------------------------------------------------- report */

if (problems.length) {
  console.error(`Protocol documents are missing ${problems.length} thing(s):`);
  for (const p of problems) console.error(`  - ${p}`);
  process.exit(1);
}
console.log(
  `Protocol documents cover ${errorCodes.length} error codes, ${clientCodes.length} client error codes, ${statuses.length} flow statuses and ${endpoints.length} endpoints.`,
);
