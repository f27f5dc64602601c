/**
 * A mock etax-login backend (protocol v1) for tests and demos, on msw 2.x: the
 * same engine and wire handlers as the Node server (`etax-login-server`), run
 * in the page, with controls that act as the phone and the operator.
 *
 * ```ts
 * import { setupWorker } from 'msw/browser';
 * import { createMockBackend } from 'etax-login/mock';
 *
 * const backend = createMockBackend({ baseUrl: '/api/etax-login' });
 * await setupWorker(...backend.handlers).start();
 * // … the page shows the QR …
 * await backend.control.scan('iit');
 * await backend.control.confirm();
 * ```
 *
 * Every backend is independent: its own flows, accounts, faults and timers.
 */
import type { AnyHandler } from 'msw';
import { Backend } from './backend.js';
import { createControl, type MockControl } from './controls.js';
import { createHandlers } from './handlers.js';
import type { MockBackendOptions } from './options.js';

export interface MockBackend {
  /** The msw handlers: `setupWorker(...handlers)` or `worker.use(...handlers)`. */
  readonly handlers: AnyHandler[];
  /** Scenario controls and inspection. */
  readonly control: MockControl;
  /** The base URL the handlers answer under, without a trailing slash. */
  readonly baseUrl: string;
}

export function createMockBackend(options: MockBackendOptions = {}): MockBackend {
  const backend = new Backend(options);
  return {
    handlers: createHandlers(backend),
    control: createControl(backend),
    baseUrl: backend.settings.baseUrl,
  };
}

export type { MockBackendOptions } from './options.js';
export type { MockControl, FlowInfo, FlowTarget } from './controls.js';
export type { BackendChange, RequestLogEntry, SmsMessage } from './backend.js';
export type { RequestMatch, Malformation } from './faults.js';
export { MockControlError } from './phone.js';
export { WS_CLOSE } from './handlers.js';
export {
  DEFAULT_FIXTURE,
  DEFAULT_PASSWORD,
  ROLE_LABELS,
  type MockAccount,
  type MockEnterprise,
  type MockFixture,
  type MockLink,
} from './fixtures.js';
