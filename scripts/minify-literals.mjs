// Shrinks the static text of Lit's css`…`, html`…` and svg`…` templates: the
// indentation of the source costs every page bytes. Shared by the build
// (rollup), the size check (esbuild) and the test/dev server, so what is
// tested is what ships.
//
// It is deliberately conservative:
// - a run of white space that holds a line break becomes one space (HTML and
//   CSS treat any run of white space as one, except in <pre>, which we do not use);
// - in css`…` only: comments go, spaces around `{`, `}`, `;` and `>` go, after `:`, `,` and `(`,
//   before `)`, around `/` and after `)` before `*`; the last `;` of a block, quotes around
//   a plain-word attribute value and the leading zero of `0.5` go too;
// - `${…}` expressions are left exactly as they are (nested templates inside
//   them are handled on their own).

const TAGS = /\b(css|html|svg)`/g;

/** The index just past the template literal that starts at `start` (its opening backtick). */
function scan(code, start, onStatic) {
  let i = start + 1;
  let chunk = i;
  while (i < code.length) {
    const c = code[i];
    if (c === '\\') {
      i += 2;
    } else if (c === '`') {
      onStatic(chunk, i);
      return i + 1;
    } else if (c === '$' && code[i + 1] === '{') {
      onStatic(chunk, i);
      i = skipExpression(code, i + 2);
      chunk = i;
    } else {
      i++;
    }
  }
  throw new Error('unterminated template literal');
}

/** Skips a `${…}` expression (strings, templates and braces inside it); returns the index after `}`. */
function skipExpression(code, i) {
  let depth = 1;
  while (i < code.length) {
    const c = code[i];
    if (c === '{') depth++;
    else if (c === '}') {
      if (--depth === 0) return i + 1;
    } else if (c === '"' || c === "'") {
      i++;
      while (code[i] !== c) i += code[i] === '\\' ? 2 : 1;
    } else if (c === '`') {
      i = scan(code, i, () => {}) - 1;
    }
    i++;
  }
  throw new Error('unterminated template expression');
}

const squeeze = (text, isCss) => {
  let out = text.replace(/[ \t]*\n\s*/g, ' ');
  if (isCss) {
    // Quoted strings (`content: '⚠ '`) are kept as they are.
    out = out
      .replace(/\/\*[\s\S]*?\*\//g, '')
      // An attribute selector's value that is a plain word needs no quotes: [aria-selected='true'].
      .replace(/=(['"])([a-z][\w-]*)\1\]/gi, '=$2]')
      .split(/('[^']*'|"[^"]*")/)
      .map((part, i) =>
        i % 2
          ? part
          : part
              .replace(/\s*([{};>])\s*/g, '$1')
              // After a colon or comma a space never matters (before a colon it can: `a :hover`).
              .replace(/([:,(])\s+/g, '$1')
              .replace(/\s+\)/g, ')')
              // Division and multiplication need no spaces (addition and subtraction in calc() do).
              .replace(/\s*\/\s*/g, '/')
              .replace(/\)\s*\*\s*/g, ')*')
              .replace(/;}/g, '}')
              // 0.5em → .5em
              .replace(/([\s:,(/-])0\.(\d)/g, '$1.$2'),
      )
      .join('');
  }
  return out;
};

/** The code with the static parts of its Lit templates squeezed. */
export function minifyLiterals(code) {
  const edits = [];
  TAGS.lastIndex = 0;
  let match;
  while ((match = TAGS.exec(code))) {
    const isCss = match[1] === 'css';
    const open = match.index + match[0].length - 1;
    const end = scan(code, open, (from, to) => edits.push({ from, to, isCss }));
    // Templates nested in expressions are found by the next rounds of the regex.
    TAGS.lastIndex = open + 1;
    void end;
  }
  if (!edits.length) return code;
  edits.sort((a, b) => a.from - b.from);
  let out = '';
  let at = 0;
  for (const { from, to, isCss } of edits) {
    if (from < at) continue; // already covered by an enclosing edit
    out += code.slice(at, from) + squeeze(code.slice(from, to), isCss);
    at = to;
  }
  return out + code.slice(at);
}

const isComponent = (id) => /[\\/]src[\\/]components[\\/].*\.ts$/.test(id);

/** Rollup plugin (runs before TypeScript sees the file). */
export const minifyLiteralsRollup = () => ({
  name: 'minify-literals',
  transform(code, id) {
    return isComponent(id) ? { code: minifyLiterals(code), map: null } : null;
  },
});

/** esbuild plugin for the size check. */
export const minifyLiteralsEsbuild = () => ({
  name: 'minify-literals',
  setup(build) {
    build.onLoad({ filter: /[\\/]src[\\/]components[\\/].*\.ts$/ }, async (args) => {
      const { readFile } = await import('node:fs/promises');
      return { contents: minifyLiterals(await readFile(args.path, 'utf8')), loader: 'ts' };
    });
  },
});

/** @web/dev-server plugin: tests and the demo run the squeezed templates too. */
export const minifyLiteralsDevServer = () => ({
  name: 'minify-literals',
  transform(context) {
    if (isComponent(context.path) && typeof context.body === 'string') return { body: minifyLiterals(context.body) };
    return undefined;
  },
});
