/**
 * The headless login client: one state machine over the protocol, no DOM
 * rendering, usable from any framework or plain JS.
 *
 * ```js
 * const client = createLoginClient({ baseUrl: '/api/etax-login' });
 * client.on('state', (state) => render(state));
 * await client.startQr();
 * ```
 *
 * Where things are: `api.ts` the public interface; `core.ts` the client's and the
 * flow's fields and the one `set` of the state; `actions.ts` what a person does;
 * `server-states.ts` how a server state becomes a view state; `flow.ts` a flow's
 * lifetime and endings; `follow.ts` the capabilities and the choice of transport;
 * `cross-tab.ts` logins completed in other tabs; `errors.ts` the client's errors.
 */
import { createNanoEvents } from 'nanoevents';
import * as actions from './actions.js';
import type { LoginClient, LoginClientEvents, LoginClientOptions } from './api.js';
import type { Core } from './core.js';
import { loadCapabilities } from './follow.js';

export type { LoginClient, LoginClientEvents, LoginClientOptions, PasswordInput } from './api.js';
export { IllegalActionError } from './errors.js';

export function createLoginClient(options: LoginClientOptions): LoginClient {
  const password = { status: 'idle' } as const;
  const core: Core = {
    options,
    events: createNanoEvents<LoginClientEvents>(),
    root: new AbortController(),
    state: { kind: 'idle', password },
    password,
  };
  return {
    get state() {
      return core.state;
    },
    get capabilities() {
      return core.capabilities;
    },
    get transport() {
      return core.transport;
    },
    on: (event, callback) => core.events.on(event, callback),
    loadCapabilities: () => loadCapabilities(core),
    startQr: () => actions.startQr(core),
    submitPassword: (input) => actions.submitPassword(core, input),
    chooseStepUp: (method) => actions.chooseStepUp(core, method),
    sendSms: () => actions.sendSms(core),
    verifySms: (code) => actions.verifySms(core, code),
    chooseIdentity: (identityId) => actions.chooseIdentity(core, identityId),
    cancel: () => actions.cancel(core),
    destroy: () => actions.destroy(core),
  };
}
