import { esbuildPlugin } from '@web/dev-server-esbuild';
import { chromeLauncher } from '@web/test-runner-chrome';
import { fileURLToPath } from 'node:url';
import { CHROME_ARGS, findChrome } from './scripts/chrome-path.mjs';
import { galleryFrameBundle, mswWorker, qrcodeEsm } from './scripts/dev-plugins.mjs';
import { axeCommand, mediaFeaturesCommand, qrReaderCommands } from './scripts/test-commands.mjs';

const executablePath = findChrome();

export default {
  // test/engine runs in Node (`npm run test:node`).
  files: ['test/**/*.test.ts', '!test/engine/**'],
  nodeResolve: { browser: true },
  concurrency: 2,
  testFramework: { config: { timeout: 10000 } },
  testsFinishTimeout: 10 * 60 * 1000,
  plugins: [
    // The demo gallery's frame page (test/demo/gallery-cases.ts).
    galleryFrameBundle(),
    qrcodeEsm(),
    mswWorker(),
    esbuildPlugin({ ts: true, target: 'es2021', tsconfig: fileURLToPath(new URL('./tsconfig.json', import.meta.url)) }),
    mediaFeaturesCommand(),
    qrReaderCommands(),
    axeCommand(),
  ],
  browsers: [
    chromeLauncher({
      launchOptions: { executablePath, headless: true, args: CHROME_ARGS },
      // Test pages open side by side (concurrency 2) and a page that is not in
      // front reports document.hidden, which pauses the client's polling. Each
      // file gets a context of its own and focus emulation, so every page is
      // visible; tests of hidden pages set document.hidden themselves.
      createBrowserContext: ({ browser }) => browser.createBrowserContext(),
      createPage: async ({ context }) => {
        const page = await context.newPage();
        const cdp = await page.createCDPSession();
        await cdp.send('Emulation.setFocusEmulationEnabled', { enabled: true });
        return page;
      },
    }),
  ],
  filterBrowserLogs: ({ type, args }) =>
    !(type === 'warn' && typeof args[0] === 'string' && args[0].includes('Lit is in dev mode')) &&
    !(typeof args[0] === 'string' && args[0].startsWith('[MSW]')),
};
