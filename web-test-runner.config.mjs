import { esbuildPlugin } from '@web/dev-server-esbuild';
import { chromeLauncher } from '@web/test-runner-chrome';
import { fileURLToPath } from 'node:url';
import { CHROME_ARGS, findChrome } from './scripts/chrome-path.mjs';
import { mswWorker, qrcodeEsm } from './scripts/dev-plugins.mjs';

const executablePath = findChrome();

export default {
  files: ['test/**/*.test.ts'],
  nodeResolve: { browser: true },
  concurrency: 2,
  testFramework: { config: { timeout: 10000 } },
  testsFinishTimeout: 10 * 60 * 1000,
  plugins: [
    qrcodeEsm(),
    mswWorker(),
    esbuildPlugin({ ts: true, target: 'es2021', tsconfig: fileURLToPath(new URL('./tsconfig.json', import.meta.url)) }),
  ],
  browsers: [
    chromeLauncher({
      launchOptions: { executablePath, headless: true, args: CHROME_ARGS },
    }),
  ],
  filterBrowserLogs: ({ type, args }) =>
    !(type === 'warn' && typeof args[0] === 'string' && args[0].includes('Lit is in dev mode')) &&
    !(typeof args[0] === 'string' && args[0].startsWith('[MSW]')),
};
