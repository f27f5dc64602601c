/**
 * Starts msw's service worker for the page, from the file beside the page
 * (`./mockServiceWorker.js`), so the demo runs from any folder of any static
 * host served over https or from localhost.
 *
 * The demo pages run under `require-trusted-types-for 'script'`, and msw
 * registers its worker with a plain string: the page's `default` policy lets
 * exactly that one script URL through, and nothing else.
 */
import type { AnyHandler } from 'msw';
import { setupWorker, type SetupWorker } from 'msw/browser';

const WORKER = './mockServiceWorker.js';

interface TrustedTypePolicyFactoryLike {
  createPolicy(name: string, rules: { createScriptURL?: (url: string) => string }): unknown;
  defaultPolicy?: unknown;
}

function allowWorkerScript(): void {
  const tt = (globalThis as { trustedTypes?: TrustedTypePolicyFactoryLike }).trustedTypes;
  if (!tt || tt.defaultPolicy) return;
  const allowed = new URL(WORKER, document.baseURI).href;
  tt.createPolicy('default', {
    createScriptURL(url) {
      if (new URL(url, document.baseURI).href === allowed) return url;
      throw new TypeError(`Trusted Types: script URL refused: ${url}`);
    },
  });
}

/** Starts the mock backend's handlers in this page; rejects when service workers are unavailable. */
export async function startMockWorker(handlers: AnyHandler[]): Promise<SetupWorker> {
  allowWorkerScript();
  const worker = setupWorker(...handlers);
  await worker.start({
    quiet: true,
    onUnhandledRequest: 'bypass',
    serviceWorker: { url: WORKER, options: { scope: './' } },
  });
  return worker;
}
