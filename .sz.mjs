import { rollup } from 'rollup';
import { dropIn } from './rollup.config.mjs';
import { gzipSync } from 'node:zlib';
import { writeFileSync } from 'node:fs';
const config = dropIn({ source: 'src/client/index.ts', dist: 'unused.js' });
const bundle = await rollup({ ...config, onwarn: () => {} });
const { output } = await bundle.generate({ ...config.output, banner: undefined, sourcemap: false });
writeFileSync('/tmp/client8310.min.js', output[0].code);
console.log(output[0].code.length, gzipSync(output[0].code, { level: 9 }).length);
