// `npm run lint`. Formatting is Prettier's job (`npm run format`), not ESLint's.
import js from '@eslint/js';
import { defineConfig, globalIgnores } from 'eslint/config';
import lit from 'eslint-plugin-lit';
import litA11y from 'eslint-plugin-lit-a11y';
import globals from 'globals';
import tseslint from 'typescript-eslint';

/** Markup from strings and code from strings: neither may reach the page from src/. */
const unsafeImports = [
  {
    group: ['lit/directives/unsafe-*', 'lit-html/directives/unsafe-*'],
    message: 'Render with Lit templates (`html`, `svg`); never insert markup from strings.',
  },
  {
    group: ['lit', 'lit-html', 'lit/**', 'lit-html/**'],
    importNamePattern: '^unsafe',
    message: 'Render with Lit templates (`html`, `svg`); never insert markup from strings.',
  },
];

const htmlSink = 'Insert nodes or render a Lit template; markup from strings defeats Trusted Types and escaping.';
const unsafeSyntax = [
  { selector: 'MemberExpression[property.name=/^(innerHTML|outerHTML)$/]', message: htmlSink },
  { selector: 'MemberExpression[property.value=/^(innerHTML|outerHTML)$/]', message: htmlSink },
  {
    selector: 'CallExpression[callee.property.name=/^(insertAdjacentHTML|setHTMLUnsafe|createContextualFragment)$/]',
    message: htmlSink,
  },
  { selector: 'CallExpression[callee.object.name="document"][callee.property.name=/^write(ln)?$/]', message: htmlSink },
];

export default defineConfig([
  globalIgnores([
    'dist/',
    'server/dist/',
    'dist-demo/',
    '.scratch/',
    'coverage/',
    'node_modules/',
    'bench/results.json',
    'bench/server-results.json',
    'bench/build/',
    '**/mockServiceWorker.js',
  ]),

  js.configs.recommended,
  tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/consistent-type-imports': [
        'error',
        { prefer: 'type-imports', fixStyle: 'inline-type-imports' },
      ],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },

  // Node scripts and config files.
  {
    files: ['**/*.{js,mjs,cjs}'],
    languageOptions: { globals: globals.node },
  },

  // Everything that ships: no HTML from strings, no code from strings.
  {
    files: ['src/**/*.ts'],
    rules: {
      'no-eval': 'error',
      'no-implied-eval': 'error',
      'no-new-func': 'error',
      'no-restricted-syntax': ['error', ...unsafeSyntax],
      'no-restricted-imports': ['error', { patterns: unsafeImports }],
    },
  },

  // The headless client renders nothing and never depends on the components or Lit.
  {
    files: ['src/client/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            ...unsafeImports,
            {
              group: ['lit', 'lit/**', 'lit-html', 'lit-html/**', 'lit-element', 'lit-element/**', '@lit/**'],
              message: 'etax-login/client must stay usable without Lit.',
            },
            { group: ['**/components/**'], message: 'The client never imports the components.' },
          ],
        },
      ],
    },
  },

  // Templates: the lit and lit-a11y recommended rules.
  {
    files: ['src/components/**/*.ts', 'demo/**/*.{ts,js}'],
    ...lit.configs['flat/recommended'],
  },
  {
    files: ['src/components/**/*.ts', 'demo/**/*.{ts,js}'],
    ...litA11y.configs.recommended,
  },

  // Tests: every committed test runs. Chai's property assertions (`expect(x).to.exist`) are expressions.
  {
    files: ['test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unused-expressions': 'off',
      'no-restricted-properties': [
        'error',
        ...['describe', 'context', 'suite', 'it', 'specify', 'test'].flatMap((object) =>
          ['only', 'skip'].map((property) => ({
            object,
            property,
            message: `\`${object}.${property}\` must not be committed: every test runs in CI.`,
          })),
        ),
      ],
      'no-restricted-globals': [
        'error',
        ...['xdescribe', 'xcontext', 'xit', 'xspecify'].map((name) => ({
          name,
          message: `\`${name}\` skips tests: every test runs in CI.`,
        })),
      ],
    },
  },
]);
