/**
 * The headless client's public interface: its options, its events and its actions.
 */
import type { Unsubscribe } from 'nanoevents';
import type { HttpOptions } from './http.js';
import type { Capabilities, EntryId, StepUpMethod, TransportName } from './protocol.js';
import type { LoginError, LoginState } from './state.js';
import type { StreamFactory } from './transports.js';

export interface LoginClientOptions extends HttpOptions {
  /** Preferred transport; `auto` (default) picks the best the server offers. */
  transport?: 'auto' | TransportName;
  /** The WebSocket transport, from `etax-login/client/websocket`, to allow `websocket`. */
  webSocket?: StreamFactory;
  /** The Server-Sent Events transport, from `etax-login/client/sse`, to allow `sse`. */
  sse?: StreamFactory;
  /** EventSource constructor for `sse` (defaults to the browser's). */
  EventSource?: typeof EventSource;
  /** Consecutive failed status requests before the flow ends with an error; default 6. */
  maxFailures?: number;
  /** End this flow when a login completes in another tab of the site; default true. */
  crossTab?: boolean;
  /** Milliseconds to wait for a new QR after one expires before showing it as expired; default 3000. */
  qrGrace?: number;
}

export interface LoginClientEvents {
  /** Every state change, with the state before it. */
  state: (state: LoginState, previous: LoginState) => void;
  /** Every error that lands in the state (for logging; the state carries it too). */
  error: (error: LoginError) => void;
  /** The server's capabilities, once loaded. */
  capabilities: (capabilities: Capabilities) => void;
  /** The transport carrying the current flow, including after a fallback. */
  transport: (name: TransportName) => void;
}

export interface PasswordInput {
  entry: EntryId;
  /** The entry's fields by name (`taxpayerId`, `account`, …). */
  fields: Record<string, string>;
  /** Sent once, never kept. */
  password: string;
}

export interface LoginClient {
  readonly state: LoginState;
  readonly capabilities: Capabilities | undefined;
  /** The transport carrying the current flow. */
  readonly transport: TransportName | undefined;
  on<E extends keyof LoginClientEvents>(event: E, callback: LoginClientEvents[E]): Unsubscribe;
  loadCapabilities(): Promise<Capabilities>;
  /** Starts (or restarts) a QR login. */
  startQr(): Promise<void>;
  /** Sends the password form; the QR flow goes on until the password is accepted. */
  submitPassword(input: PasswordInput): Promise<void>;
  /** Picks or switches the second factor. */
  chooseStepUp(method: StepUpMethod): Promise<void>;
  /** Asks for an SMS code (获取验证码). */
  sendSms(): Promise<void>;
  verifySms(code: string): Promise<void>;
  chooseIdentity(identityId: string): Promise<void>;
  /** Ends the current flow (and tells the server). */
  cancel(): Promise<void>;
  /** Ends everything: no request, timer or connection is left. */
  destroy(): void;
}
