// `npm run analyze`: custom-elements.json, the elements' API (attributes,
// properties, events, slots, parts, CSS properties) read from their JSDoc.
export default {
  globs: ['src/components/*/*.ts'],
  exclude: ['src/components/*/*.styles.ts', 'src/components/*/define.ts'],
  outdir: '.',
  litelement: true,
  packagejson: true,
};
