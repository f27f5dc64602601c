/**
 * msw's service worker for one test file: made with the given handlers,
 * started before the file's tests (quietly, requests no handler answers go on
 * to the network) and stopped after them. Call it at the top level of a test
 * file; `worker.use()` and `worker.resetHandlers()` work as usual.
 */
import type { RequestHandler, WebSocketHandler } from 'msw';
import { setupWorker, type SetupWorker } from 'msw/browser';

export function mockWorker(...handlers: (RequestHandler | WebSocketHandler)[]): SetupWorker {
  const worker = setupWorker(...handlers);
  before(() => worker.start({ quiet: true, onUnhandledRequest: 'bypass' }));
  after(() => worker.stop());
  return worker;
}
